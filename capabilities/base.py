"""One definition per capability function, and everything derived from it.

A capability is a class; each function a script may call is a method marked
``@read`` or ``@write`` with type hints and a one-line docstring. From that one
definition come:

1. the Python stub a model reads (``Capability.stub()``),
2. validation of every call on the host (``Operation.bind``) — the guest's
   wrappers are a convenience and are never trusted,
3. the grant text a person approves (``Capability.describe_grant``),
4. ``help(files.rename)`` inside the sandbox (the manifest carries the stub),
5. whether a call reads or writes. A ``@write`` method runs during the
   preview and only *plans*: it simulates its effect in the run's overlay and
   records an ``Action``. The class must also define ``perform_<op>`` (do it,
   return what undoes it), ``undo_<op>`` and ``verify_<op>`` (is the source
   as the preview saw it?), or name the op in ``no_verify`` with the reason it
   needs none; ``probe_<op>`` (after a crash: did it happen?) is optional.

A definition that lacks a hint, a docstring, a perform/undo pair or its
verify step fails when the class is created, i.e. at import, never in front
of a person; so does a hook that names no write (``verify_renmae``) or whose
prefix is misspelled (``verfy_rename``), since apply would silently skip it.
"""

from __future__ import annotations

import difflib
import inspect
import typing
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Literal

from capabilities.budget import Budget, journal_size
from capabilities.errors import CallError, ErrandError
from capabilities.plan import Action, ActionPlan, Deferred
from capabilities.typecheck import check_value, describe, is_supported

__all__ = [
    "REGISTRY",
    "Access",
    "Capability",
    "Grant",
    "Operation",
    "RunContext",
    "read",
    "write",
]

Access = Literal["read", "write"]
REGISTRY: dict[str, type[Capability]] = {}


def read(func: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a method as a script-callable function that only reads."""
    func.__errand_access__ = "read"  # type: ignore[attr-defined]
    return func


def write(func: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a method as a script-callable function that changes something (planned, undoable)."""
    func.__errand_access__ = "write"  # type: ignore[attr-defined]
    return func


@dataclass(frozen=True)
class Grant:
    """What a person allowed for one run: a capability over a target, read-only or not.

    ``target`` is a folder for ``files``/``photos``, a calendar source for
    ``calendar``, a provider/model for ``vision``. ``label`` is the name
    scripts use for it (``Trip`` for ``~/Pictures/Trip``).
    """

    capability: str
    target: str = ""
    mode: Literal["ro", "rw"] = "rw"
    label: str = ""

    def to_json(self) -> dict[str, str]:
        return {"capability": self.capability, "target": self.target, "mode": self.mode,
                "label": self.label}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Grant:
        return cls(data["capability"], data.get("target", ""), data.get("mode", "rw"),
                   data.get("label", ""))


@dataclass
class RunContext:
    """Per-run state shared by the capabilities of one run.

    ``services`` carries what a capability may not construct itself (the
    capabilities layer imports no model provider and no keyring): e.g.
    ``"caption"`` (a callable that captions an image), ``"caption_cache"``,
    ``"calendar_password"``. ``deadline`` is a ``time.monotonic()`` value
    after which blocking work (network) must give up. ``budget`` is what the
    run may make the host grow (``capabilities.budget``).
    """

    plan: ActionPlan = field(default_factory=ActionPlan)
    holding: Path | None = None
    services: dict[str, Any] = field(default_factory=dict)
    deadline: float | None = None
    protected: tuple[Path, ...] = ()  # Errand's own folders: never grantable
    budget: Budget = field(default_factory=Budget)

    def remaining(self, default: float = 30.0) -> float:
        """Seconds left before the deadline (at least a little), for network timeouts."""
        import time

        if self.deadline is None:
            return default
        return max(0.5, min(default, self.deadline - time.monotonic()))


@dataclass(frozen=True)
class Operation:
    """One script-callable function of a capability, derived from its method."""

    capability: str
    name: str
    access: Access
    signature: inspect.Signature  # without ``self``
    hints: Mapping[str, Any]
    doc: str

    @property
    def qualified(self) -> str:
        return f"{self.capability}.{self.name}"

    def stub(self) -> str:
        """``def rename(src: str, dst: str, overwrite: bool = False) -> str: "doc"``."""
        params = []
        for p in self.signature.parameters.values():
            text = f"{p.name}: {describe(self.hints[p.name])}"
            if p.default is not inspect.Parameter.empty:
                text += f" = {p.default!r}"
            params.append(text)
        returns = describe(self.hints.get("return", None))
        return f"def {self.name}({', '.join(params)}) -> {returns}:\n    \"\"\"{self.doc}\"\"\""

    def bind(self, args: Sequence[Any], kwargs: Mapping[str, Any]) -> dict[str, Any]:
        """Match and type-check a call's arguments; raise CallError in words a model can act on."""
        try:
            bound = self.signature.bind(*args, **kwargs)
        except TypeError as exc:
            raise CallError(
                f"{self.qualified}(): {exc}",
                f"The signature is {self.qualified}{self._params_text()}.",
            ) from None
        bound.apply_defaults()
        checked: dict[str, Any] = {}
        hint = f"The signature is {self.qualified}{self._params_text()}."
        for name, value in bound.arguments.items():
            try:
                checked[name] = check_value(self.hints[name], value, f"{self.qualified}({name}=...)")
            except TypeError as exc:
                raise CallError(str(exc), hint) from None
        return checked

    def _params_text(self) -> str:
        return "(" + self.stub().split("(", 1)[1].split(":\n", 1)[0]


class Capability:
    """Base class of the granted APIs. Subclasses set ``name`` and mark methods."""

    name: ClassVar[str]
    summary: ClassVar[str]  # one line for the prompt and the UI: what this gives access to
    leaves_machine: ClassVar[bool] = False  # sends data off this computer (or costs money)
    # Words in a request that make this capability worth showing in full to the model; empty: always
    # shown (``files``, the base of every chore). The others are listed by their summary.
    topics: ClassVar[tuple[str, ...]] = ()
    # What one item a write is about is, for "3 files left alone" (``plan.left_alone_words``).
    item_kind: ClassVar[str] = "item"
    operations: ClassVar[dict[str, Operation]] = {}
    # Writes that need no verify step, each with the reason (e.g. it records actions of another op).
    no_verify: ClassVar[Mapping[str, str]] = {}

    def __init__(self, grants: Sequence[Grant], context: RunContext) -> None:
        self.grants = list(grants)
        self.context = context

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "name" not in cls.__dict__:
            return  # an intermediate base class
        if not cls.__doc__ or not getattr(cls, "summary", ""):
            raise TypeError(f"capability {cls.__name__} needs a docstring and a summary")
        cls.operations = {op.name: op for op in _collect_operations(cls)}
        _check_hooks(cls)
        REGISTRY[cls.name] = cls

    # ---- what a person and a model see -------------------------------------------------

    @classmethod
    def stub(cls) -> str:
        """The typed API text for the prompt: a class with one stub per function."""
        body = "\n".join(
            "    " + op.stub().replace("\n", "\n    ") for op in cls.operations.values()
        )
        return f"class {cls.name}:\n    \"\"\"{cls.summary}\"\"\"\n{body}"

    @classmethod
    def describe_grant(cls, grant: Grant) -> str:
        """Plain words for one grant, e.g. "Read and change files in ~/Pictures/Trip"."""
        return cls.summary

    def manifest(self) -> dict[str, dict[str, str]]:
        """What the guest needs to build this capability's object: names, stubs, docs."""
        return {op.name: {"stub": op.stub(), "doc": op.doc, "access": op.access}
                for op in self.operations.values()}

    # ---- calls from the script (preview) -------------------------------------------------

    def invoke(self, op: Operation, arguments: Mapping[str, Any]) -> Any:
        """Run a validated call. Subclasses check their grant inside each method.

        A refused write is noted on the plan with the item it was about (its
        first text argument) before the script sees the error: a script that
        catches it and goes on has left that item alone, and the preview says so.
        """
        try:
            return getattr(self, op.name)(**arguments)
        except ErrandError as exc:
            item = next((v for v in arguments.values() if isinstance(v, str)), None)
            if op.access == "write" and item is not None:
                self.context.plan.leave_alone(item, op.qualified, exc.message, exc.hint, self.item_kind)
            raise

    def record(self, op: str, args: Mapping[str, Any], detail: Mapping[str, Any], summary: str,
               before: str | None = None, after: str | None = None) -> Action:
        """Add a planned write to the run's plan (called by ``@write`` methods)."""
        self.context.budget.charge_journal(journal_size(args) + journal_size(detail) + len(summary))
        return self.context.plan.add(self.name, op, dict(args), dict(detail), summary, before, after)

    def defer(self, entry: Deferred, journal_bytes: int) -> None:
        """``record`` for a change kept compact until the plan is looked at (``ActionPlan.defer``):
        ``journal_bytes`` is what ``record`` would charge for the action ``entry`` makes."""
        self.context.budget.charge_journal(journal_bytes)
        self.context.plan.defer(entry)

    # ---- apply, undo, recovery (host only, from a plan) ---------------------------------

    def perform(self, action: Action) -> dict[str, Any]:
        """Carry out one planned action; return what undoes it (JSON)."""
        return getattr(self, f"perform_{action.op}")(action)

    def carry_out_leading(self, actions: Sequence[Action], start: int,
                          check: Callable[[Action], None]) -> list[dict[str, Any]]:
        """Carry out in one go the actions from ``actions[start]`` on that can be taken so; return
        their outcomes, in order (as ``perform`` would return them).

        Each is checked as ``verify`` and ``check`` would check it before anything is done. It
        stops, before any effect, at the first action it cannot take this way; apply then takes
        that one through ``verify``, ``check`` and ``perform``, which word any refusal. Most
        capabilities take none (renames: ``Files``).
        """
        return []

    def undo(self, action: Action, outcome: Mapping[str, Any]) -> None:
        """Reverse one performed action; raise UndoRefused when its result changed since."""
        getattr(self, f"undo_{action.op}")(action, outcome)

    def reverse_leading(self, rows: Sequence[Mapping[str, Any]], start: int) -> int:
        """Undo in one go the journaled actions from ``rows[start]`` on that can be undone so (rows
        as ``Journal.actions`` gives them, last first); return how many were undone.

        Each is checked as ``undo`` would check it before anything is done. It stops, before
        any effect, at the first it cannot take this way; undo then takes that one through
        ``undo``, which words any refusal. Most capabilities take none (renames: ``Files``).
        """
        return 0

    def verify(self, action: Action) -> None:
        """Raise SourceChanged when what the action acts on differs from the preview."""
        check = getattr(self, f"verify_{action.op}", None)
        if check is not None:
            check(action)

    def probe(self, action: Action) -> bool | dict[str, Any] | None:
        """After a crash: True if the action took effect, False if not, None if unknown.

        Instead of True a probe may return the outcome ``perform`` would have
        returned (the crash lost it); recovery stores it so undo can use it.
        """
        check = getattr(self, f"probe_{action.op}", None)
        return None if check is None else check(action)


def _collect_operations(cls: type[Capability]) -> list[Operation]:
    ops = []
    for attr, func in inspect.getmembers(cls, inspect.isfunction):
        access = getattr(func, "__errand_access__", None)
        if access is None:
            continue
        where = f"{cls.__name__}.{attr}"
        doc = inspect.getdoc(func)
        if not doc:
            raise TypeError(f"{where} needs a one-line docstring")
        hints = typing.get_type_hints(func)
        signature = inspect.signature(func)
        params = list(signature.parameters.values())[1:]  # drop self
        for p in params:
            if p.name not in hints or not is_supported(hints[p.name]):
                raise TypeError(f"{where}: parameter {p.name!r} needs a supported type hint")
            if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
                raise TypeError(f"{where}: *args/**kwargs are not allowed in a capability")
        if "return" not in hints:
            raise TypeError(f"{where} needs a return type hint")
        if access == "write":
            for needed in (f"perform_{attr}", f"undo_{attr}"):
                if not callable(getattr(cls, needed, None)):
                    raise TypeError(f"{where} is a write: {cls.__name__} must define {needed}()")
        ops.append(Operation(cls.name, attr, access, signature.replace(parameters=params),
                             hints, doc.splitlines()[0]))
    return ops


_HOOKS = ("perform", "undo", "verify", "probe")


def _check_hooks(cls: type[Capability]) -> None:
    """Every hook names a write, no hook prefix is misspelled, and every write has its verify step."""
    writes = {name for name, op in cls.operations.items() if op.access == "write"}
    for attr in dir(cls):
        prefix, _, op = attr.partition("_")
        if not op or attr.startswith("_") or not callable(getattr(cls, attr, None)):
            continue
        if prefix in _HOOKS and op not in writes:
            raise TypeError(f"{cls.__name__}.{attr}: {cls.__name__} has no write named {op!r}; "
                            "a hook must name one of its writes")
        near = difflib.get_close_matches(prefix, _HOOKS, n=1, cutoff=0.75)
        if prefix not in _HOOKS and near and op in writes:
            raise TypeError(f"{cls.__name__}.{attr}: did you mean {near[0]}_{op}? "
                            "Apply would skip a misspelled hook")
    for op in sorted(writes):
        has_verify = callable(getattr(cls, f"verify_{op}", None))
        reason = str(cls.no_verify.get(op, "")).strip()
        if has_verify and op in cls.no_verify:
            raise TypeError(f"{cls.__name__}.{op}: defines verify_{op}() and also lists it in no_verify")
        if not has_verify and not reason:
            raise TypeError(f"{cls.__name__}.{op} is a write: define verify_{op}() (is the source as the "
                            "preview saw it?) or list it in no_verify with the reason it needs none")
    for op in set(cls.no_verify) - writes:
        raise TypeError(f"{cls.__name__}.no_verify names {op!r}, which is not one of its writes")
