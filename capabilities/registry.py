"""Find every capability: each module of ``capabilities.api`` defines one and registers it.

Adding a capability means adding one module; this finds it by walking the
package, so no list elsewhere has to change. The registry names the package and
loads its modules by name at run time (a frozen app's importer finds them too); it
imports none of them, so it sits below the capabilities (which import
``capabilities.base``), not above them.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
from collections.abc import Sequence

from capabilities.base import REGISTRY, Capability, Grant, RunContext

__all__ = ["all_capabilities", "get", "instantiate"]

API = "capabilities.api"  # the package of capabilities, found (not imported) and walked for its modules
# Every module of capabilities.api is a capability, except one capability's helpers, named
# ``<capability>_<part>``; the machinery lives in other packages, so no list of it is kept here.


def all_capabilities() -> dict[str, type[Capability]]:
    """Every capability class by name, importing capability modules on first use."""
    spec = importlib.util.find_spec(API)
    folders = list(spec.submodule_search_locations or []) if spec is not None else []
    for info in pkgutil.iter_modules(folders):
        if info.ispkg or "_" in info.name:
            continue
        importlib.import_module(f"{API}.{info.name}")
    return dict(REGISTRY)


def get(name: str) -> type[Capability]:
    """One capability class by name; KeyError with the known names if absent."""
    if name not in REGISTRY and name.isidentifier() and "_" not in name:
        # By convention a capability lives in the module of its name: import just that one,
        # so a run that uses files does not pay for the calendar's and photos' libraries.
        try:
            importlib.import_module(f"{API}.{name}")
        except ModuleNotFoundError:
            pass
    if name in REGISTRY:
        return REGISTRY[name]
    found = all_capabilities()
    if name not in found:
        raise KeyError(f"unknown capability {name!r}; known: {', '.join(sorted(found))}")
    return found[name]


def instantiate(grants: Sequence[Grant], context: RunContext) -> dict[str, Capability]:
    """Build the capability objects of one run from its grants (several grants may share one)."""
    by_name: dict[str, list[Grant]] = {}
    for grant in grants:
        by_name.setdefault(grant.capability, []).append(grant)
    return {name: get(name)(found, context) for name, found in by_name.items()}
