"""PyInstaller hook: the library Errand's ``sandbox.capi`` loads, ``wasmtime/<platform>-<machine>/``.

The usual collectors miss it (it is neither an extension module nor named
like a shared library they look for), so it is collected by hand, keeping
the folder the path is computed from.
"""

from __future__ import annotations

from pathlib import Path

import wasmtime

_PACKAGE = Path(wasmtime.__file__).parent
_LIBS = ("_libwasmtime.so", "_libwasmtime.dylib", "_wasmtime.dll")

binaries = [(str(lib), f"wasmtime/{lib.parent.name}")
            for lib in _PACKAGE.glob("*-*/*") if lib.name in _LIBS]
