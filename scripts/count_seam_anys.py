"""Count ``Any`` in the signatures of desktop/core's public API that the front ends use.

The seam: every public function of a ``desktop/core`` module that the front ends
(``desktop/cli``, ``desktop/ui``, ``desktop/automations``) import from it (``from
desktop.core.m import f``, or ``from desktop.core import m`` and ``m.f``), and every public
method (also ``__init__``) and field of a public class they import, whose name they mention. Each
``Any`` in a parameter's or return's annotation (or a field's) counts once: ``dict[str, Any]``
is one. ``python scripts/count_seam_anys.py [-v]`` prints the total (with -v, each one).
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FRONT_ENDS = ("desktop/cli", "desktop/ui", "desktop/automations")


def used_names() -> tuple[set[str], set[tuple[str, str]]]:
    """Every name the front ends mention, and the ``(core module, name)`` pairs they import."""
    names: set[str] = set()
    imported: set[tuple[str, str]] = set()
    for folder in FRONT_ENDS:
        for path in (ROOT / folder).rglob("*.py"):
            tree = ast.parse(path.read_text())
            aliases: dict[str, str] = {}
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom) and node.module == "desktop.core":
                    aliases.update({a.asname or a.name: a.name for a in node.names})
                elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("desktop.core."):
                    imported.update((node.module.rpartition(".")[2], a.name) for a in node.names)  # type: ignore[union-attr]
            for node in ast.walk(tree):
                if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                        and node.value.id in aliases):
                    imported.add((aliases[node.value.id], node.attr))
                if isinstance(node, ast.Name):
                    names.add(node.id)
                elif isinstance(node, ast.Attribute):
                    names.add(node.attr)
                elif isinstance(node, ast.alias):
                    names.add((node.asname or node.name).rpartition(".")[2])
                elif isinstance(node, ast.keyword) and node.arg:
                    names.add(node.arg)
    return names, imported


def anys(annotation: ast.expr | None) -> int:
    if annotation is None:
        return 0
    text = ast.unparse(annotation)
    tree = ast.parse(text.strip("'\""), mode="eval") if isinstance(annotation, ast.Constant) else annotation
    return sum(1 for n in ast.walk(tree) if (isinstance(n, ast.Name) and n.id == "Any")
               or (isinstance(n, ast.Attribute) and n.attr == "Any"))


def signature_anys(func: ast.FunctionDef | ast.AsyncFunctionDef) -> list[str]:
    args = func.args
    params = (*args.posonlyargs, *args.args, *args.kwonlyargs, *filter(None, (args.vararg, args.kwarg)))
    found = [f"{a.arg}: {ast.unparse(a.annotation)}" for a in params if a.annotation is not None
             for _ in range(anys(a.annotation))]
    found += [f"-> {ast.unparse(func.returns)}"] * anys(func.returns)
    return found


def seam(verbose: bool) -> int:
    used, imported = used_names()
    total = 0
    for path in sorted((ROOT / "desktop/core").glob("*.py")):
        module = path.stem
        for node in ast.parse(path.read_text()).body:
            items: list[tuple[str, list[str]]] = []
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and not node.name.startswith("_"):
                if (module, node.name) in imported:
                    items.append((node.name, signature_anys(node)))
            elif isinstance(node, ast.ClassDef) and (module, node.name) in imported:
                for member in node.body:
                    public = not member.name.startswith("_") and member.name in used if isinstance(
                        member, (ast.FunctionDef, ast.AsyncFunctionDef)) else False
                    if isinstance(member, (ast.FunctionDef, ast.AsyncFunctionDef)) and (
                            member.name == "__init__" or public):
                        items.append((f"{node.name}.{member.name}", signature_anys(member)))
                    elif (isinstance(member, ast.AnnAssign) and isinstance(member.target, ast.Name)
                          and not member.target.id.startswith("_") and member.target.id in used):
                        items.append((f"{node.name}.{member.target.id}",
                                      [ast.unparse(member.annotation)] * anys(member.annotation)))
            for name, found in items:
                total += len(found)
                if verbose:
                    for where in found:
                        print(f"desktop/core/{module}.py {name}  {where}")
    return total


if __name__ == "__main__":
    print(seam("-v" in sys.argv))
