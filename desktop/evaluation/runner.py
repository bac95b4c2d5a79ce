"""One attempt at one chore, in its own temporary home, scored the way a person would judge it.

The attempt builds the chore's folders, plans it exactly as ``errand ask`` would (recipes or the
model, with one repair round after a failed preview), previews, approves, applies, then judges:
the checker on the final state, collateral damage (any change the chore may not make), whether
the journal holds exactly the approved plan, and whether undo restores the tree byte for byte.
Nothing touches the person's own folders or history: the home, the journal and the folders are
all below a temporary directory that is removed afterwards.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from capabilities.errors import ErrandError
from capabilities.status import ActionStatus, RunStatus
from desktop.core.settings import Settings
from desktop.evaluation.chore import Chore, Final
from desktop.evaluation.tree import snapshot, undo_differences

__all__ = ["REASONS", "Attempt", "applied_differently", "run_attempt"]

# Why an attempt failed, in the order they are judged (the first that applies is reported).
REASONS = (
    "no script",
    "declined",
    "asked for details",
    "needs permission",
    "static check",
    "preview error",
    "preview ≠ applied",
    "wrong end state",
    "collateral damage",
    "undo mismatch",
    "did a declined chore",
    "crashed",
)


@dataclass
class Attempt:
    """How one attempt went."""

    chore: str
    n: int
    passed: bool
    reason: str = ""
    detail: str = ""
    planner: str = ""
    repairs: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    cost: float = 0.0
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class _Stop(Exception):
    """Ends an attempt early with its verdict."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason, self.detail = reason, detail


def run_attempt(chore: Chore, n: int, settings: Settings, mode: str, sandbox: Any) -> Attempt:
    """Run ``chore`` once (attempt number ``n``) with ``settings``' model and planner ``mode``."""
    started = time.monotonic()
    attempt = Attempt(chore.id, n, passed=False)
    with _temporary_home() as work:
        root = work / "folders"
        root.mkdir()
        chore.build(root)
        before = snapshot(root)
        from desktop.core.assistant import Assistant

        assistant = Assistant(sandbox=sandbox)
        try:
            verdict = _attempt(chore, settings, mode, assistant, root, before, attempt)
        except _Stop as stop:
            verdict = (stop.reason, stop.detail)
        except Exception as exc:  # a crash is a result to report, not a reason to stop the suite
            verdict = ("crashed", f"{type(exc).__name__}: {exc}")
        finally:
            _count_exchanges(assistant, attempt)
            assistant.close()
        attempt.reason, attempt.detail = _judge(chore, verdict)
    attempt.passed = attempt.reason == ""
    attempt.seconds = round(time.monotonic() - started, 3)
    return attempt


def _judge(chore: Chore, verdict: tuple[str, str]) -> tuple[str, str]:
    """For a request that must be declined, stopping before any change is the pass; a run that
    changed something (its checker finds changes) is the failure."""
    reason, detail = verdict
    if chore.feasible or reason in ("crashed", "preview ≠ applied", "undo mismatch", "collateral damage"):
        return reason, detail
    if reason == "wrong end state":
        return "did a declined chore", detail
    return "", f"declined ({reason}: {detail})" if reason else "it changed nothing"


def _attempt(chore: Chore, settings: Settings, mode: str, assistant: Any, root: Path, before: Any,
             attempt: Attempt) -> tuple[str, str]:
    """The chore through the same flow as ``errand ask --yes`` (``Assistant.plan_chore`` and on)."""
    from desktop.core import paths
    from desktop.core.chore import always
    from desktop.core.errors import NoCodeInAnswer, ScriptRejected
    from desktop.core.grants import parse_grants

    specs = [f"files={root / f}" for f in chore.folders] + [f"files={root / f}:ro" for f in chore.read_only]
    if chore.calendar:
        specs.append(f"calendar=ics:{root / chore.calendar}")
    grants = parse_grants(specs, paths.protected_dirs())
    try:
        planned = assistant.plan_chore(chore.request, grants, settings, mode=mode)
    except ScriptRejected as exc:
        raise _Stop("static check", exc.message) from None
    except (NoCodeInAnswer, ErrandError) as exc:
        raise _Stop("no script", exc.message) from None
    attempt.planner = planned.planner
    _answer_questions(chore, planned)
    if planned.problems:
        raise _Stop("needs permission", " ".join(p.explanation for p in planned.problems))
    preview = assistant.preview_chore(planned)
    attempt.repairs = planned.repairs
    if not preview.ok:
        error = preview.outcome.error
        said_no = error is not None and error.type == "NotImplementedError"  # "this cannot be done"
        raise _Stop("declined" if said_no else "preview error", str(error))
    report = assistant.finish_chore(planned, approve=always)
    differs = applied_differently(assistant, report.run_id, preview)
    if differs or report.status != RunStatus.APPLIED:
        raise _Stop("preview ≠ applied", differs or f"the run ended {report.status}")
    after = snapshot(root)
    final = Final(root, before, after, preview.outcome.result)
    problems = chore.check(final)
    stray = sorted(p for p in final.changed() if not chore.allowed(p))
    undo_problems = _undo(assistant, report.run_id, root, before) if len(preview.plan) else []
    if problems:
        return "wrong end state", "; ".join(problems[:5])
    if stray:
        return "collateral damage", "changed without being asked: " + ", ".join(stray[:5])
    if undo_problems:
        return "undo mismatch", "; ".join(undo_problems[:5])
    return "", ""


def _answer_questions(chore: Chore, planned: Any) -> None:
    """A recipe's questions, answered as the person would (the chore says how), or the attempt ends."""
    from desktop.core.planning import convert_param

    unanswered = []
    for param in planned.missing:
        if param.name in chore.answers:
            planned.inputs[param.name] = convert_param(param, chore.answers[param.name])
        else:
            unanswered.append(param.question)
    planned.missing = []
    if unanswered:
        raise _Stop("asked for details", " ".join(unanswered))


def applied_differently(assistant: Any, run_id: int, preview: Any) -> str:
    """What differs between the approved plan and the journal ("" when it holds exactly the plan,
    every action carried out)."""
    journaled = assistant.run_actions(run_id)
    planned = [(a.capability, a.op, a.args) for a in preview.plan]
    done = [(a["capability"], a["op"], a["args"]) for a in journaled]
    if planned != done:
        return f"{len(planned)} actions approved, {len(done)} journaled differently"
    unfinished = [a["seq"] for a in journaled if a["status"] != ActionStatus.DONE]
    return f"actions {unfinished[:5]} were not carried out" if unfinished else ""


def _undo(assistant: Any, run_id: int, root: Path, before: Any) -> list[str]:
    done = assistant.undo(run_id)
    problems = [f"undo refused action {seq}: {why}" for seq, why in done.refused]
    return problems + undo_differences(before, snapshot(root))


def _count_exchanges(assistant: Any, attempt: Attempt) -> None:
    for exchange in assistant.all_exchanges():
        attempt.tokens_in += int(exchange.get("tokens_in") or 0)
        attempt.tokens_out += int(exchange.get("tokens_out") or 0)
        attempt.cost += float(exchange.get("cost") or 0.0)


@contextmanager
def _temporary_home() -> Iterator[Path]:
    """A fresh ``ERRAND_HOME`` for one attempt; the sandbox cache stays the person's (built once)."""
    from desktop.core import paths

    cache = str(paths.cache_dir())
    saved = {k: os.environ.get(k) for k in ("ERRAND_HOME", "ERRAND_CACHE")}
    work = Path(tempfile.mkdtemp(prefix="errand-eval-"))
    os.environ["ERRAND_HOME"], os.environ["ERRAND_CACHE"] = str(work / "home"), cache
    try:
        yield work
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        shutil.rmtree(work, ignore_errors=True)
