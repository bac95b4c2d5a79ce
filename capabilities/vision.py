"""The ``vision`` capability: a short caption and a few tags for a picture, from a vision model.

This is the one capability whose data leaves the computer, so:

- it needs its own grant, ``Grant("vision", target="<provider/model>")``,
  whose text names the provider that will see the pictures; without it the
  dispatcher refuses the call and nothing is sent;
- the picture is read through the run's folder view (grant-relative paths,
  the same safe resolution as ``files``), then downscaled to at most
  ``MAX_SIDE`` pixels and re-encoded as JPEG (which also drops its EXIF: no
  GPS position leaves with it) before it is handed on;
- the network call is not made here: capabilities import no model provider.
  It is the injected service ``context.services["caption"]``, a callable
  ``(jpeg_bytes) -> {"caption", "tags"}`` built by the desktop layer;
- answers are cached by the picture's content hash and the model in
  ``context.services["caption_cache"]`` (the journal's ``cached_caption`` /
  ``store_caption``, or any object with ``get(hash, model)`` /
  ``put(hash, model, caption)``), so a preview and its apply never pay twice.
"""

from __future__ import annotations

import hashlib
import io
from typing import Any, ClassVar

from capabilities.base import Capability, Grant, read
from capabilities.errors import BackendError, CallError, ErrandError, GrantError
from capabilities.folders import view

__all__ = ["MAX_SIDE", "Vision", "downscale"]

MAX_SIDE = 768  # pixels: enough for a caption, small enough to send quickly and cheaply
MAX_PICTURE_BYTES = 200 * 1024 * 1024  # a larger file is not a picture to caption
_SETTINGS_HINT = "Choose a vision model and its key in Settings → Model."


def downscale(data: bytes, max_side: int = MAX_SIDE) -> bytes:
    """A JPEG of the picture at most ``max_side`` pixels on its longer side, upright, without metadata."""
    from PIL import Image, ImageOps, UnidentifiedImageError  # Pillow only when pictures are used

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.draft("RGB", (max_side, max_side))  # JPEG: decode at a reduced scale, much faster
            upright = ImageOps.exif_transpose(image)
            upright = upright.convert("RGB")
            upright.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
            out = io.BytesIO()
            upright.save(out, "JPEG", quality=85)  # no exif= given: the metadata stays home
            return out.getvalue()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise CallError("The file is not a picture that can be read (JPEG, PNG, GIF, WebP, TIFF, BMP).",
                        f"Caption only pictures ({type(exc).__name__}).") from None


class Vision(Capability):
    """Describe pictures with the vision model the person chose (the picture is sent to its provider)."""

    name = "vision"
    summary = ("Describe a picture with an AI vision model: a caption and tags. "
               "A downscaled copy is sent to the model's provider.")
    leaves_machine: ClassVar[bool] = True

    @classmethod
    def describe_grant(cls, grant: Grant) -> str:
        model = grant.target or "the vision model in Settings"
        provider = model.split("/", 1)[0] if "/" in model else model
        return (f"Send smaller copies of the pictures this chore looks at to {provider} "
                f"(model {model}) to describe them. They leave this computer and it may cost money.")

    @read
    def caption(self, path: str) -> dict[str, Any]:
        """Describe a picture: {caption: one sentence, tags: [words]} (sent, downscaled, to the model)."""
        model = self._model()
        folders = view(self.context)
        parts = folders.folders.parts(path)  # inside some granted folder, or refused
        data = folders.read_bytes(parts, limit=MAX_PICTURE_BYTES + 1)
        if len(data) > MAX_PICTURE_BYTES:
            raise CallError(f"{path!r} is larger than {MAX_PICTURE_BYTES // 2**20} MB.",
                            "Caption ordinary photos, not huge files.")
        digest = hashlib.sha256(data).hexdigest()
        cache = self.context.services.get("caption_cache")
        cached = _cache_get(cache, digest, model)
        if cached is not None:
            return cached
        try:
            jpeg = downscale(data)
        except CallError as exc:
            raise CallError(f"{path!r}: {exc.message}", exc.hint) from None
        answer = _normalise(self._service()(jpeg), path)
        _cache_put(cache, digest, model, answer)
        return answer

    # ---- helpers -------------------------------------------------------------------------------

    def _model(self) -> str:
        for grant in self.grants:
            if grant.capability == self.name:
                return grant.target
        raise GrantError("This run was not granted vision.", "Ask the person to allow describing pictures.")

    def _service(self) -> Any:
        service = self.context.services.get("caption")
        if not callable(service):
            raise BackendError("No vision model is set up for this run, so pictures cannot be described.",
                               _SETTINGS_HINT)
        return service


def _normalise(answer: Any, path: str) -> dict[str, Any]:
    if not isinstance(answer, dict) or not isinstance(answer.get("caption"), str):
        raise BackendError(f"The vision model gave no caption for {path!r}.",
                           "Try again, or choose another vision model in Settings → Model.")
    tags = answer.get("tags") if isinstance(answer.get("tags"), list) else []
    return {"caption": answer["caption"], "tags": [str(t) for t in tags]}


def _cache_get(cache: Any, digest: str, model: str) -> dict[str, Any] | None:
    if cache is None:
        return None
    getter = getattr(cache, "cached_caption", None) or cache.get
    try:
        found = getter(digest, model)
    except ErrandError:
        raise
    except Exception:
        return None  # a broken cache costs a request, not the run
    return dict(found) if isinstance(found, dict) else None


def _cache_put(cache: Any, digest: str, model: str, caption: dict[str, Any]) -> None:
    if cache is None:
        return
    putter = getattr(cache, "store_caption", None) or cache.put
    putter(digest, model, caption)
