"""The only picture formats Errand decodes, and the only Pillow plugins that may ever load.

Pillow opens a file with every format it knows unless told otherwise, and
its EPS plugin runs the system's Ghostscript on what it opens. So:

* every ``Image.open`` goes through ``open_image``, which passes
  ``formats=allowed()``: JPEG (whose opener also reads MPO, the
  multi-picture JPEG cameras write), PNG, WebP, TIFF, GIF, BMP, and HEIF
  when pillow-heif is installed;
* the plugins for those formats are imported here first, so Pillow never
  falls back to ``Image.init()`` (which imports every plugin);
* in the decoder worker ``lock_plugins()`` goes further: a guard on
  ``sys.meta_path`` refuses to import any other Pillow plugin, the
  PostScript/PDF writers, ``ImageShow`` and ``ImageGrab`` (the modules that
  start programs), and Pillow's own plugin list is cut to the allowed ones.
  The worker's seccomp filter makes starting any program impossible anyway.
"""

from __future__ import annotations

import importlib.abc
import sys
from typing import Any, BinaryIO

__all__ = ["HEIF_SUFFIXES", "allowed", "heif_available", "lock_plugins", "open_image"]

HEIF_SUFFIXES = (".heic", ".heif", ".hif")
_PLUGINS = ("BmpImagePlugin", "GifImagePlugin", "JpegImagePlugin", "MpoImagePlugin", "PngImagePlugin",
            "TiffImagePlugin", "WebPImagePlugin")
_FORMATS = ("JPEG", "PNG", "WEBP", "TIFF", "GIF", "BMP")  # JPEG's opener also gives MPO
_NEVER = frozenset({"PIL.ImageShow", "PIL.ImageGrab", "PIL.PSDraw", "PIL.PdfParser"})
_state: dict[str, Any] = {"ready": False, "heif": None}


def _prepare() -> None:
    if _state["ready"]:
        return
    # Named one by one (not imported by name strings) so an installer's import analysis ships them.
    from PIL import (  # noqa: F401
        BmpImagePlugin,
        GifImagePlugin,
        Image,
        JpegImagePlugin,
        MpoImagePlugin,
        PngImagePlugin,
        TiffImagePlugin,
        WebPImagePlugin,
    )

    Image.preinit()  # marks the common plugins as loaded, so open/save do not import more
    _state["ready"] = True


def heif_available() -> bool:
    """Register pillow-heif's HEIF opener once; False when it is not installed."""
    if _state["heif"] is None:
        try:
            import pillow_heif

            pillow_heif.register_heif_opener()
            _state["heif"] = True
        except ImportError:
            _state["heif"] = False
    return bool(_state["heif"])


def allowed() -> tuple[str, ...]:
    """The formats ``open_image`` tries, in Pillow's names: only registered ones, since Pillow answers
    a format it does not know yet by importing every plugin it has."""
    from PIL import Image

    _prepare()
    wanted = (*_FORMATS, "HEIF") if heif_available() else _FORMATS
    return tuple(f for f in wanted if f in Image.OPEN)


def open_image(f: BinaryIO) -> Any:
    """``Image.open`` limited to the allowed formats (raises ``UnidentifiedImageError`` for any other)."""
    from PIL import Image

    return Image.open(f, formats=allowed())


class _PluginGuard(importlib.abc.MetaPathFinder):
    """Refuses to import any Pillow plugin or program-starting module that is not allowed."""

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> None:
        plugin = fullname.startswith("PIL.") and fullname.endswith("ImagePlugin")
        if fullname in _NEVER or (plugin and fullname[4:] not in _PLUGINS):
            raise ImportError(f"{fullname} is not allowed in Errand's decoder")
        return None


def lock_plugins() -> None:
    """In the worker: load the allowed plugins, then make every other one impossible to load."""
    from PIL import Image

    allowed()
    Image.MAX_IMAGE_PIXELS = None  # sizes.MAX_PIXELS, counted after draft, replaces Pillow's check
    for name in list(sys.modules):
        if name in _NEVER or (name.endswith("ImagePlugin") and name[4:] not in _PLUGINS):
            del sys.modules[name]  # none should be loaded; if one is, it goes
    sys.meta_path.insert(0, _PluginGuard())
    Image._plugins[:] = [p for p in Image._plugins if p in _PLUGINS]
    Image._initialized = 2  # init() has nothing left to import
    keep = set(allowed()) | {"MPO"}  # MPO: JPEG's opener hands multi-picture files to it
    for registry in (Image.OPEN, Image.SAVE, Image.SAVE_ALL, Image.MIME):
        for name in [n for n in registry if n not in keep]:
            del registry[name]  # e.g. PPM, which Pillow's preinit() registers unasked
    for suffix in [s for s, name in Image.EXTENSION.items() if name not in keep]:
        del Image.EXTENSION[suffix]
    Image.ID[:] = [name for name in Image.ID if name in Image.OPEN]
