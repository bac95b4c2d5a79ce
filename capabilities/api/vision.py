"""The ``vision`` capability: a short caption and a few tags for a picture, from a vision model.

This is the one capability whose data leaves the computer, so:

- it needs its own grant, ``Grant("vision", target=vision_target(model, api_base, pictures))``
  (``provider/model;host=api.openai.com;pictures=12``), whose text names the
  provider, the host that will receive the pictures and how many may go;
  without it the dispatcher refuses the call and nothing is sent, and a
  picture past the count is refused too;
- only real pictures leave: a file already on disk (not bytes the script
  wrote in this run), decoded by the decoder worker (``capabilities.decoding``)
  and re-encoded there as a JPEG of at most ``MAX_SIDE`` pixels, without any
  metadata (no GPS position leaves with it); the file's own bytes never do;
- the network call is not made here: capabilities import no model provider.
  It is the injected service ``context.services["caption"]``, a callable
  ``(jpeg_bytes) -> {"caption", "tags"}`` built by the desktop layer; a
  service that declares where it sends (a ``recipient`` attribute,
  ``(model, host)``) is refused when that is not the grant's recipient;
- answers are cached by the picture's content hash and the model in
  ``context.services["caption_cache"]`` (the journal's ``cached_caption`` /
  ``store_caption``, or any object with ``get(hash, model)`` /
  ``put(hash, model, caption)``), so a preview and its apply never pay twice.
"""

from __future__ import annotations

import hashlib
from typing import Any, ClassVar

from capabilities.api.vision_recipient import recipient
from capabilities.base import Capability, Grant, RunContext, read
from capabilities.decoding import DecodeError, decode
from capabilities.decoding.answers import checked_picture
from capabilities.errors import BackendError, CallError, ErrandError, GrantError
from capabilities.folders.overlay import view

__all__ = ["MAX_SIDE", "Vision", "downscale"]

MAX_SIDE = 768  # pixels: enough for a caption, small enough to send quickly and cheaply
MAX_PICTURE_BYTES = 200 * 1024 * 1024  # a larger file is not a picture to caption
_SETTINGS_HINT = "Choose a vision model in Settings → Vision model, and its key in Settings → API key."


def downscale(data: bytes, max_side: int = MAX_SIDE, name: str = "the picture",
              timeout: float | None = None) -> bytes:
    """A JPEG of the picture at most ``max_side`` pixels on its longer side, upright, without metadata,
    decoded and re-encoded by the decoder worker."""
    try:
        answer, blob = decode("image.jpeg", data, {"max_side": max_side}, name=name, timeout=timeout)
    except DecodeError as exc:
        if exc.kind not in ("unsupported", "damaged"):
            raise
        raise CallError(f"{name} is not a picture that can be read (JPEG, PNG, HEIC, GIF, WebP, TIFF, BMP).",
                        "Caption only pictures.") from None
    return checked_picture(answer, blob, name, "JPEG", max_side)


class Vision(Capability):
    """Describe pictures with the vision model the person chose (the picture is sent to its provider)."""

    name = "vision"
    # Words that make this capability worth showing in full in a planning prompt.
    topics: ClassVar[tuple[str, ...]] = (
        "caption", "describe", "what is in", "what's in", "look at", "recogni", "who is",
        "content of the photo", "alt text", "tags for",
    )
    summary = ("Describe a picture with an AI vision model: a caption and tags. "
               "A downscaled copy is sent to the model's provider.")
    leaves_machine: ClassVar[bool] = True

    def __init__(self, grants: list[Grant], context: RunContext) -> None:
        super().__init__(grants, context)
        self._sent: set[str] = set()  # pictures sent in this run, by content hash

    @classmethod
    def describe_grant(cls, grant: Grant) -> str:
        model, provider, host, count = recipient(grant.target)
        where = f"{provider} at {host}" if host else provider
        how_many = ("the pictures this chore looks at" if count is None
                    else f"up to {count} picture{'' if count == 1 else 's'} from the chosen folders")
        model = model or "the vision model in Settings"
        return (f"Send smaller copies of {how_many} to {where} (model {model}) to describe them. "
                "They leave this computer and it may cost money.")

    @read
    def caption(self, path: str) -> dict[str, Any]:
        """Describe a picture: {caption: one sentence, tags: [words]} (sent, downscaled, to the model)."""
        model, _provider_name, host, allowed = recipient(self._target())
        folders = view(self.context)
        parts = folders.folders.parts(path)  # inside some granted folder, or refused
        node = folders.node(parts)
        if not node.is_folder and (node.data is not None or node.produced):
            raise CallError(f"{path!r} was written by this chore; only pictures already on the computer can "
                            "be described.", "Caption the original pictures, not files the script makes.")
        data = folders.read_bytes(parts, limit=MAX_PICTURE_BYTES + 1)
        if len(data) > MAX_PICTURE_BYTES:
            raise CallError(f"{path!r} is larger than {MAX_PICTURE_BYTES // 2**20} MB.",
                            "Caption ordinary photos, not huge files.")
        digest = hashlib.sha256(data).hexdigest()
        cache = self.context.services.get("caption_cache")
        cached = _cache_get(cache, digest, model)
        if cached is not None:
            return cached
        if allowed is not None and digest not in self._sent and len(self._sent) >= allowed:
            plural = "" if allowed == 1 else "s"
            raise GrantError(f"This chore may send {allowed} picture{plural} to describe, and {path!r} would "
                             "be one more.", "Run it again on fewer pictures.")
        jpeg = downscale(data, name=repr(path), timeout=self.context.remaining(60.0))
        service = self._service()
        _check_recipient(service, model, host if ";host=" in self._target() else None)
        self._sent.add(digest)
        answer = _normalise(service(jpeg), path)
        _cache_put(cache, digest, model, answer)
        return answer

    # ---- helpers -------------------------------------------------------------------------------

    def _target(self) -> str:
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


def _check_recipient(service: Any, model: str, host: str | None) -> None:
    """A service that says where it sends (``recipient``: ``(model, host)``) must send where the grant
    says; a grant from before hosts were named (``host`` None) is held to its model."""
    declared = getattr(service, "recipient", None)
    if not (isinstance(declared, tuple) and len(declared) == 2):
        return
    if declared[0] != model or (host is not None and declared[1] != host):
        allowed = f"{model} at {host}" if host else model
        raise GrantError(f"The vision model changed since this chore was allowed: it would now go to "
                         f"{declared[0]} at {declared[1]}, not {allowed}.",
                         "Allow the chore again, so you approve where the pictures go.")


def _normalise(answer: Any, path: str) -> dict[str, Any]:
    if not isinstance(answer, dict) or not isinstance(answer.get("caption"), str):
        raise BackendError(f"The vision model gave no caption for {path!r}.",
                           "Try again, or choose another vision model in Settings → Vision model.")
    tags = answer.get("tags")
    tags = tags if isinstance(tags, list) else []
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
