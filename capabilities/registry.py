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
from collections.abc import Iterator, Mapping, Sequence

from capabilities.base import REGISTRY, Capability, Grant, RunContext

__all__ = ["Capabilities", "all_capabilities", "capability_names", "get", "instantiate"]

API = "capabilities.api"  # the package of capabilities, found (not imported) and walked for its modules
# Every module of capabilities.api is a capability, except one capability's helpers, named
# ``<capability>_<part>``; the machinery lives in other packages, so no list of it is kept here.


def capability_names() -> list[str]:
    """Every shipped capability's name, from the names of its modules: none is imported."""
    spec = importlib.util.find_spec(API)
    folders = list(spec.submodule_search_locations or []) if spec is not None else []
    modules = pkgutil.iter_modules(folders)
    return sorted(info.name for info in modules if not info.ispkg and "_" not in info.name)


def all_capabilities() -> dict[str, type[Capability]]:
    """Every capability class by name, importing capability modules on first use."""
    for name in capability_names():
        importlib.import_module(f"{API}.{name}")
    return dict(REGISTRY)


class Capabilities(Mapping[str, type[Capability]]):
    """Every shipped capability by name, each module imported only when its class is looked up.

    For what asks of most capabilities only their names (the static check of a script that uses
    one of them, or none): a trivial ``errand run`` need not import the calendar's, the photos'
    and the documents' code. The answers are ``all_capabilities()``'s.
    """

    def __init__(self) -> None:
        self._names = capability_names()

    def __getitem__(self, name: str) -> type[Capability]:
        if name not in self._names:
            raise KeyError(name)
        return get(name)

    def __contains__(self, name: object) -> bool:
        return name in self._names

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)


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
