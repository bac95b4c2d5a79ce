"""The standard modules a script may import, as the guest declares them.

The one list lives in ``guest/script_modules.py``, which the component imports while it is
built; the host (the static script check, the planner's prompt) reads that same file here
rather than keeping a copy that could drift.
"""

from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path

__all__ = ["script_modules"]

_DECLARATION = Path(__file__).with_name("guest") / "script_modules.py"


@lru_cache(maxsize=1)
def script_modules() -> frozenset[str]:
    """The modules a script may ``import`` (their private helpers are not listed)."""
    spec = importlib.util.spec_from_file_location("errand_script_modules", _DECLARATION)
    if spec is None or spec.loader is None:
        raise ImportError(f"the sandbox's module list is missing ({_DECLARATION})")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return frozenset(module.ALLOWED)
