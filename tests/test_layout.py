"""No import circles: the module graph of ``sandbox``, ``capabilities`` and ``desktop`` has none.

Every import counts — at the top, inside a function, under ``TYPE_CHECKING`` — since each is
a dependency of one module on another, whenever it runs. The graph is grimp's (the one
import-linter checks its contracts on); a circle is a strongly connected component of it.
"""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterable, Mapping
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("sandbox", "capabilities", "desktop")


def import_graph(*packages: str) -> grimp.ImportGraph:
    return grimp.build_graph(*packages, include_external_packages=False, cache_dir=None)


def circles(nodes: Iterable[str], edges: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """The strongly connected components of more than one node (Tarjan's, without recursion)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in sorted(nodes):
        if start in index:
            continue
        work = [(start, iter(sorted(edges.get(start, ()))))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, successors = work[-1]
            for nxt in successors:
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(sorted(edges.get(nxt, ())))))
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return found


def module_edges(graph: grimp.ImportGraph) -> dict[str, set[str]]:
    modules = set(graph.modules)
    return {m: set(graph.find_modules_directly_imported_by(m)) & modules - {m} for m in modules}


def describe(graph: grimp.ImportGraph, component: list[str], edges: Mapping[str, set[str]]) -> str:
    """One circle with each of its imports and where it is: ``a -> b (line 12: from b import c)``."""
    members = set(component)
    lines = [" <-> ".join(component)]
    for importer in component:
        for imported in sorted(edges[importer] & members):
            where = graph.get_import_details(importer=importer, imported=imported)
            at = f" (line {where[0]['line_number']}: {where[0]['line_contents']})" if where else ""
            lines.append(f"    {importer} -> {imported}{at}")
    return "\n".join(lines)


def test_the_graph_is_of_this_tree() -> None:
    import capabilities
    import desktop
    import sandbox

    for package in (sandbox, capabilities, desktop):
        assert Path(package.__file__ or "").resolve().is_relative_to(ROOT), package.__file__


def test_no_module_imports_itself_back() -> None:
    graph = import_graph(*PACKAGES)
    edges = module_edges(graph)
    found = circles(edges, edges)
    assert not found, "import circles (move what both sides need below them):\n" + "\n".join(
        describe(graph, c, edges) for c in found)


def package_circles(*roots: str) -> list[list[str]]:
    """Circles between packages (``desktop.core``, ``capabilities.engine``; a root's own modules are
    the root package): the module graph with each module folded into its package."""
    graph = import_graph(*roots)
    edges = module_edges(graph)

    def package(module: str) -> str:
        own = module if graph.find_children(module) else module.rpartition(".")[0] or module
        return ".".join(own.split(".")[:2])

    between: dict[str, set[str]] = {}
    for importer, imported in ((a, b) for a, bs in edges.items() for b in bs):
        if package(importer) != package(imported):
            between.setdefault(package(importer), set()).add(package(imported))
    return circles({package(m) for m in edges}, between)


def test_no_package_imports_another_back() -> None:
    """Neither ``desktop``'s subpackages (core, automations, evaluation, cli, ui) nor those of
    ``capabilities`` (api, calendars, engine, folders, journal, decoding, and the root's shared
    modules) form a circle; and the registry walks the API by name, never importing it."""
    assert package_circles("desktop") == []
    assert package_circles("capabilities") == []


def test_a_circle_through_a_function_or_type_checking_import_is_found(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The check sees the imports that only run later: one inside a function, one for the type checker."""
    pkg = tmp_path / "circlepkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "top.py").write_text("def later():\n    from circlepkg import low\n    return low\n")
    (pkg / "low.py").write_text(textwrap.dedent("""\
        from typing import TYPE_CHECKING
        if TYPE_CHECKING:
            from circlepkg.top import later
        """))
    (pkg / "alone.py").write_text("import circlepkg.low\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "circlepkg", raising=False)
    graph = import_graph("circlepkg")
    edges = module_edges(graph)
    found = circles(edges, edges)
    assert found == [["circlepkg.low", "circlepkg.top"]]
    text = describe(graph, found[0], edges)
    assert "circlepkg.top -> circlepkg.low (line 2: from circlepkg import low)" in text
    assert "circlepkg.low -> circlepkg.top (line 3: from circlepkg.top import later)" in text
