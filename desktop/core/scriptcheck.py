"""The static check of a script, before anything runs: what it calls, and whether the calls fit.

The script is parsed (never run) and every ``capability.function(...)`` call
is checked against the capability definitions — the same ``Operation``
signatures that validate calls in the sandbox: unknown capability or
function, wrong argument names or count, literal arguments of the wrong
type, a write where only reading was granted, a module the sandbox does not
have. Problems are phrased for a model to fix, with the line and the
signature.

The capabilities a script needs are read from its code (every reference to
a capability name), never from what a model says it needs. The check is a
help, not the security boundary: the host validates every call again.
"""

from __future__ import annotations

import ast
import builtins
from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from capabilities.base import Capability, Grant, Operation
from capabilities.typecheck import check_value
from sandbox.script_modules import script_modules

__all__ = ["ScriptCheck", "allowed_modules", "check_script", "signature_text"]

_SCRIPT_GLOBALS = {"inputs", "result"}  # what the sandbox defines besides the capabilities
_BUILTINS = set(dir(builtins))


@dataclass
class ScriptCheck:
    """What the check found: capabilities used (``needed``), those it writes with, and problems."""

    needed: set[str] = field(default_factory=set)
    writes: set[str] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def signature_text(op: Operation) -> str:
    """``files.rename(src: str, dst: str, overwrite: bool = False) -> str`` from the stub."""
    head = op.stub().split(":\n", 1)[0].removeprefix("def ")
    return f"{op.capability}.{head}"


def check_script(code: str, capabilities: Mapping[str, type[Capability]],
                 grants: Sequence[Grant] = ()) -> ScriptCheck:
    """Check ``code`` against ``capabilities`` (name → class) and the run's ``grants``."""
    result = ScriptCheck()
    try:
        tree = ast.parse(code, "<script>")
    except SyntaxError as exc:
        result.problems.append(f"line {exc.lineno}: syntax error: {exc.msg}.")
        return result
    imported = _imported_capabilities(tree, capabilities)
    for name in sorted(imported):
        result.problems.append(f"'{name}' is a capability that already exists in the script: remove the "
                               f"import and call its functions as {name}.<function>(...).")
    bound = _bound_names(tree, skip_imports=imported)
    for name in sorted(bound & set(capabilities)):
        result.problems.append(f"'{name}' is the name of a capability; the script assigns to it. "
                               "Use another variable name.")
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in capabilities and node.id not in bound:
            result.needed.add(node.id)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            result.problems.extend(_check_import(node, imported))
        if isinstance(node, ast.Call):
            result.problems.extend(_check_call(node, capabilities, grants, bound, result))
    return result


def _check_call(node: ast.Call, capabilities: Mapping[str, type[Capability]], grants: Sequence[Grant],
                bound: set[str], result: ScriptCheck) -> list[str]:
    func = node.func
    if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)):
        return []
    owner, attr, line = func.value.id, func.attr, node.lineno
    if owner in bound or owner in _BUILTINS or owner in _SCRIPT_GLOBALS:
        return []  # a variable, a module or a builtin: not a capability call
    cap = capabilities.get(owner)
    if cap is None:
        known = ", ".join(sorted(capabilities)) or "none"
        return [f"line {line}: {owner}.{attr}(): there is no capability, module or variable named "
                f"{owner!r}. Capabilities: {known}."]
    op = cap.operations.get(attr)
    if op is None:
        known = ", ".join(sorted(cap.operations))
        return [f"line {line}: {owner} has no function {attr!r}. {owner} has: {known}."]
    if op.access == "write":
        result.writes.add(owner)
    problems = _check_arguments(node, op, line)
    problem = _check_write_grant(node, op, grants, line)
    return problems + ([problem] if problem else [])


def _check_arguments(node: ast.Call, op: Operation, line: int) -> list[str]:
    if any(isinstance(a, ast.Starred) for a in node.args) or any(k.arg is None for k in node.keywords):
        return []  # *args / **kwargs: only the run-time check can tell
    unknown = [k.arg for k in node.keywords if k.arg not in op.signature.parameters]
    if unknown:  # said first: a wrong name is what the model must fix, "missing dst" follows from it
        return [f"line {line}: {op.qualified}(): got an unexpected keyword argument {unknown[0]!r}. "
                f"The signature is {signature_text(op)}."]
    try:
        bound = op.signature.bind(*node.args, **{k.arg: k.value for k in node.keywords if k.arg})
    except TypeError as exc:
        return [f"line {line}: {op.qualified}(): {exc}. The signature is {signature_text(op)}."]
    problems = []
    for name, value_node in bound.arguments.items():
        value = _literal(value_node)
        if value is _NOT_LITERAL:
            continue
        try:
            check_value(op.hints[name], value, f"{op.qualified}({name}=...)")
        except TypeError as exc:
            problems.append(f"line {line}: {exc}. The signature is {signature_text(op)}.")
    return problems


def _check_write_grant(node: ast.Call, op: Operation, grants: Sequence[Grant], line: int) -> str:
    if op.access != "write":
        return ""
    mine = [g for g in grants if g.capability == op.capability]
    if not mine:
        return ""  # not granted at all: the person is asked for it, not the model
    if all(g.mode == "ro" for g in mine):
        return (f"line {line}: {op.qualified}() changes things, but {op.capability} was granted read-only. "
                "Only read with it, or write to a folder granted with changes allowed.")
    read_only = {_label(g) for g in mine if g.mode == "ro"} - {_label(g) for g in mine if g.mode == "rw"}
    # The path a write creates or changes is its ``dst`` (copy, rename, resize) or its ``path``.
    target = "dst" if "dst" in op.signature.parameters else "path"
    try:
        bound = op.signature.bind_partial(*node.args, **{k.arg: k.value for k in node.keywords if k.arg})
    except TypeError:
        return ""  # reported by the argument check
    value = _literal(bound.arguments[target]) if target in bound.arguments else None
    if isinstance(value, str) and value.split("/", 1)[0] in read_only:
        return (f"line {line}: {op.qualified}() would change {value!r}, but the folder "
                f"{value.split('/', 1)[0]!r} was granted read-only. Write to a folder granted with "
                "changes allowed.")
    return ""


def _label(grant: Grant) -> str:
    return grant.label or PurePosixPath(grant.target.replace("\\", "/")).name


def _imported_capabilities(tree: ast.AST, capabilities: Mapping[str, type[Capability]]) -> set[str]:
    """Capability names a script tries to import (a common slip: they are already there)."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name in capabilities)
        elif isinstance(node, ast.ImportFrom) and node.module is not None and node.module in capabilities:
            found.add(node.module)
    return found


def _check_import(node: ast.Import | ast.ImportFrom, imported: set[str]) -> list[str]:
    allowed = allowed_modules() | imported  # a capability import is reported once, above
    if not allowed:
        return []
    if isinstance(node, ast.ImportFrom):
        names = [node.module or ""] if node.level == 0 else ["." * node.level]
    else:
        names = [a.name for a in node.names]
    refused = [n for n in names if n.split(".")[0] not in allowed]
    return [f"line {node.lineno}: module {n!r} is not available in Errand scripts; use the capabilities "
            f"instead. Available modules: {', '.join(sorted(allowed))}." for n in refused]


def allowed_modules() -> frozenset[str]:
    """The standard modules a script may import: the sandbox guest's own declaration."""
    return script_modules()


# ---- names the script binds, and literal values ------------------------------------------------

def _bound_names(tree: ast.AST, skip_imports: AbstractSet[str] = frozenset()) -> set[str]:
    """Every name the script binds anywhere (variables, functions, parameters, imports, loop targets)."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del):
            names.add(node.id)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.alias) and not (node.asname is None and node.name in skip_imports):
            names.add((node.asname or node.name).split(".")[0])
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
        elif isinstance(node, ast.Global | ast.Nonlocal):
            names.update(node.names)
        elif isinstance(node, ast.MatchAs | ast.MatchStar) and node.name:
            names.add(node.name)
    return names


_NOT_LITERAL: Any = object()


def _literal(node: ast.expr) -> Any:
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return _NOT_LITERAL
