"""Saved automations: save, list, pause, resume and remove them, and what counts as their files.

Part of the core (the ``Assistant`` facade offers them to every front end, and every
apply records its outputs here): a saved automation is a standing approval the
journal keeps, like a run. What acts on them over time — the runner and the folder
watching (``desktop.automations``) — sits above the core and imports this module.

An automation is a name, a trigger (a watched folder, a file pattern, event
kinds: ``created`` — also a file moved in —, ``moved`` within the folder,
``modified``), an approved script, its standing grants and the request it came
from, kept in the journal. Front ends (``errand automations``, the app's
Automations view) call only these helpers:

- ``add(journal, name, watch_dir, script, grants, request=, pattern=, events=)``
  and ``add_from_run(journal, name, run_id, watch_dir, pattern=, events=)``
  (an applied run's script and grants; a recipe's values kept): the watched
  folder must be inside a folder granted read-write, said clearly otherwise;
- ``overview(journal)``: every automation with its status words (``watching``,
  ``paused``, ``paused after failures``), its grants in plain words and its
  last run;
- ``pause``, ``resume`` (clears failures; the runner catches up), ``remove``
  (its runs stay in History, undoable).

:class:`~desktop.automations.runner.AutomationRunner` runs the enabled ones; see
that module. A triggered script gets
``inputs["path"]`` (the file, grant-relative as ``files.list`` gives it, e.g.
``Inbox/invoice.pdf``), ``inputs["name"]`` and ``inputs["folder"]`` (the
watched folder, grant-relative).
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from capabilities.base import Grant
from capabilities.errors import ErrandError
from capabilities.journal import Journal
from capabilities.status import RunStatus
from desktop.core.grants import describe

if TYPE_CHECKING:
    from desktop.core.records import AutomationOverview, AutomationRow, Trigger

__all__ = [
    "CLAIM",
    "EVENT_KINDS",
    "add",
    "add_from_run",
    "describe_grants",
    "grant_relative",
    "is_ignored_name",
    "name_matches",
    "overview",
    "patterns",
    "pause",
    "remove",
    "resume",
    "trigger_text",
    "watch_grant",
]

CLAIM = "claimed:"  # a seen_files status: this process is handling that file version (then the outcome)
EVENT_KINDS = ("created", "moved", "modified")  # what a trigger may react to (``moved``: within the folder)
TEMP_SUFFIXES = (".part", ".partial", ".crdownload", ".download", ".tmp", ".temp", ".opdownload", "~")
SYSTEM_NAMES = frozenset({"thumbs.db", "desktop.ini", "icon\r"})


# ---- which files are an automation's ---------------------------------------------------------

def is_ignored_name(name: str) -> bool:
    """True for names that are never a finished file of the person's: partials, temporaries, locks, hidden."""
    lowered = name.lower()
    return name.startswith((".", "~$")) or lowered.endswith(TEMP_SUFFIXES) or lowered in SYSTEM_NAMES


def patterns(pattern: str) -> list[str]:
    """An automation's file pattern as globs: ``"*.jpg;*.png"`` is two."""
    return [p.strip() for p in pattern.split(";") if p.strip()] or ["*"]


def name_matches(name: str, globs: Sequence[str]) -> bool:
    """A file name an automation counts: not an ignored name, and matching one of its lower-case globs."""
    lowered = name.lower()
    return not is_ignored_name(name) and any(fnmatch.fnmatchcase(lowered, g) for g in globs)


# ---- saving and listing ---------------------------------------------------------------------

def watch_grant(watch_dir: str | os.PathLike[str], grants: Sequence[Grant]) -> Grant:
    """The read-write files grant whose folder holds ``watch_dir``; a clear error if there is none."""
    folder = Path(watch_dir).expanduser()
    if not folder.is_dir():
        raise ErrandError(f"The folder to watch, {folder}, does not exist (or is not a folder).",
                          "Check the path; create the folder first if it is new.")
    real = folder.resolve()
    for grant in grants:
        if grant.capability == "files" and grant.mode == "rw" and grant.target:
            target = Path(grant.target).resolve()
            if real == target or target in real.parents:
                return grant
    granted = ", ".join(f"{g.target} ({'read-write' if g.mode == 'rw' else 'read-only'})"
                        for g in grants if g.capability == "files") or "no folders"
    raise ErrandError(f"The watched folder {real} is not inside a folder this automation may change "
                      f"(granted: {granted}).",
                      f"Grant that folder or one that holds it read-write, e.g. --grant files={real}.")


def grant_relative(path: str | os.PathLike[str], grant: Grant) -> str:
    """``path`` as scripts name it: the grant's label, then the path inside it (``Inbox/a.pdf``)."""
    rel = os.path.relpath(os.path.abspath(path), grant.target)
    if rel == os.curdir:
        return grant.label
    if rel.startswith(os.pardir):
        raise ValueError(f"{path} is outside the granted folder {grant.target}")
    return f"{grant.label}/{rel.replace(os.sep, '/')}"


def describe_grants(grants: Iterable[Grant | dict[str, Any]]) -> list[str]:
    """The plain words a person approved for each standing grant."""
    texts = []
    for g in grants:
        grant = g if isinstance(g, Grant) else Grant.from_json(g)
        try:
            texts.append(describe(grant))
        except (KeyError, ErrandError):
            texts.append(f"{grant.capability} {grant.target}".strip())
    return texts


def trigger_text(trigger: Trigger | str | None) -> str:
    """A run's trigger in words for History: ``file invoices: Downloads/bill.pdf``."""
    if isinstance(trigger, dict) and "automation" in trigger:
        return f"{trigger['automation']}: {trigger.get('path', '')}"
    return "" if trigger is None else str(trigger)


def _events(events: Iterable[str]) -> list[str]:
    chosen = [e.strip().lower().replace("moved-in", "created") for e in events if e.strip()]
    unknown = sorted(set(chosen) - set(EVENT_KINDS))
    if unknown or not chosen:
        raise ErrandError(f"Unknown trigger event(s): {', '.join(unknown) or 'none given'}.",
                          f"Use some of: {', '.join(EVENT_KINDS)} (a file moved in counts as created).")
    return list(dict.fromkeys(chosen))


def add(journal: Journal, name: str, watch_dir: str | os.PathLike[str], script: str, grants: Sequence[Grant],
        *, request: str = "", pattern: str = "*", events: Iterable[str] = ("created",),
        include_existing: bool = False) -> AutomationRow:
    """Save an automation (checked: a name, real events, a watched folder inside a read-write grant).

    The matching files already in the folder did not arrive: they are left alone
    (recorded as seen, ``existing``) unless ``include_existing``.
    """
    name = name.strip()
    if not name:
        raise ErrandError("An automation needs a name.", "Give it one, e.g. “file invoices”.")
    if not script.strip():
        raise ErrandError("The automation's script is empty.", "Save a run that did something.")
    chosen = _events(events)
    watch_grant(watch_dir, grants)
    folder = Path(watch_dir).expanduser().resolve()
    aid = journal.add_automation(name, folder, script, grants, request=request, pattern=pattern or "*",
                                 events=chosen)
    if not include_existing:
        _leave_existing(journal, aid, folder, pattern or "*")
    return _row(journal, aid)


def mark_outputs_seen(journal: Journal, plan: Iterable[Any], run_id: int) -> None:
    """Record what a run left in any automation's watched folder (paused ones too) as seen.

    Called after every apply, from any process (the CLI, the app, the runner), so no
    automation takes Errand's own output for a new arrival: the in-process own-writes
    record only covers watchers in the same process.
    """
    paths = {v for a in plan for v in a.detail.values() if isinstance(v, str) and os.path.isabs(v)}
    watched = [(a["id"], a["watch_dir"], [p.lower() for p in patterns(a["pattern"])])
               for a in journal.automations()] if paths else []
    if not watched:
        return  # most people have no automation: nothing to record
    for path in sorted(paths):
        folder, name = os.path.split(path)
        hits = [aid for aid, watch_dir, globs in watched if folder == watch_dir and name_matches(name, globs)]
        if not hits:
            continue
        try:
            st = os.stat(path)
        except OSError:
            continue  # moved on or deleted by the same run
        for aid in hits:
            journal.mark_seen(aid, path, st.st_size, st.st_mtime_ns, run_id, status="own")


def _leave_existing(journal: Journal, aid: int, folder: Path, pattern: str) -> int:
    """Record the matching files in ``folder`` now as seen, so only later arrivals run the automation."""
    globs = [p.lower() for p in patterns(pattern)]
    left = 0
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.is_file(follow_symlinks=False) and name_matches(entry.name, globs):
                st = entry.stat(follow_symlinks=False)
                left += journal.mark_seen(aid, entry.path, st.st_size, st.st_mtime_ns, status="existing")
    return left


def add_from_run(journal: Journal, name: str, run_id: int, watch_dir: str | os.PathLike[str], *,
                 pattern: str = "*", events: Iterable[str] = ("created",),
                 include_existing: bool = False) -> AutomationRow:
    """Save an approved (applied) run's script and grants as an automation."""
    run = journal.run(run_id)
    if run["status"] != RunStatus.APPLIED:
        raise ErrandError(f"Run {run_id} was not applied (it is {run['status']}); only a run you approved "
                          "can become an automation.", "Pick an applied run from `errand history`.")
    grants = [Grant.from_json(g) for g in run.get("grants") or []]
    try:
        watch_grant(watch_dir, grants)
    except ErrandError as exc:
        if "not inside" not in exc.message:
            raise
        folders = ", ".join(g.target for g in grants if g.capability == "files" and g.mode == "rw")
        raise ErrandError(exc.message, f"Watch a folder that run could change ({folders or 'it had none'}), "
                          "or save from a script with --script and --grant.") from None
    script = _with_recipe_values(run, grants) + run["script"]
    return add(journal, name, watch_dir, script, grants, request=run["request"] or f"run {run_id}",
               pattern=pattern, events=events, include_existing=include_existing)


def _with_recipe_values(run: dict[str, Any], grants: Sequence[Grant]) -> str:
    """For a recipe's run, a first line giving the script the values it was approved with.

    The journal keeps a run's script, not the ``inputs`` it got; a recipe reads its
    parameters from ``inputs``, so they are found again from the request (as when it
    was planned) and written into the automation's script, where the person sees them.
    ``inputs["folder"]`` is the watched folder's, given at each run.
    """
    planner = str(run.get("planner") or "")
    if not planner.startswith("recipe:"):
        return ""
    from desktop.core import recipes

    recipe = next((r for r in recipes.load_recipes() if r.planner == planner), None)
    if recipe is None:
        return ""
    values, missing = recipes.fill_params(recipe, run["request"], grants)
    lost = [p.name for p in missing if p.name != "folder"]
    if lost:
        raise ErrandError(f"Run {run['id']} used the recipe “{recipe.title}” with values Errand did not keep "
                          f"({', '.join(lost)}).",
                          "Ask again with those values in the request (e.g. “… named 'Scan {n:03}'”), "
                          "then save that run.")
    values.pop("folder", None)
    if not values:
        return ""
    return f"inputs.update({{k: v for k, v in {values!r}.items() if k not in inputs}})  # approved values\n"


def _row(journal: Journal, name_or_id: str | int) -> AutomationRow:
    return cast("AutomationRow", journal.automation(name_or_id))


def _find(journal: Journal, name: str | int) -> AutomationRow:
    """An automation by name, or by the number ``errand automations list`` shows (a name wins)."""
    if isinstance(name, str) and name.isdigit():
        try:
            return _row(journal, name)
        except ErrandError:
            return _row(journal, int(name))
    return _row(journal, name)


def pause(journal: Journal, name: str | int, reason: str | None = None) -> AutomationRow:
    """Stop an automation from running (its grants stand unused until ``resume``)."""
    automation = _find(journal, name)
    journal.update_automation(automation["id"], enabled=False, paused_reason=reason)
    return _row(journal, automation["id"])


def resume(journal: Journal, name: str | int) -> AutomationRow:
    """Let a paused automation run again; it catches up on files that arrived meanwhile."""
    automation = _find(journal, name)
    journal.update_automation(automation["id"], enabled=True, paused_reason=None, failures=0)
    return _row(journal, automation["id"])


def remove(journal: Journal, name: str | int) -> AutomationRow:
    """Delete an automation and its grants; its past runs stay in History (and stay undoable)."""
    automation = _find(journal, name)
    journal.remove_automation(automation["id"])
    return automation


def _paused_words(reason: str | None) -> str:
    from desktop.core.chore import HELD

    if not reason:
        return "paused"
    return "held for approval" if reason.startswith(HELD) else "paused after failures"


def overview(journal: Journal) -> list[AutomationOverview]:
    """Every automation as a front end shows it: status words, grants in plain words, the last run."""
    rows: list[AutomationOverview] = []
    for a in journal.automations():
        seen = journal.seen_files(a["id"])
        handled = [s for s in seen if s["status"] not in ("own", "existing")
                   and not s["status"].startswith(CLAIM)]
        last = max(handled, key=lambda s: s["handled_at"]) if handled else None
        status = "watching" if a["enabled"] else _paused_words(a["paused_reason"])
        rows.append({
            "id": a["id"], "name": a["name"], "status": status, "enabled": a["enabled"],
            "watch_dir": a["watch_dir"], "pattern": a["pattern"], "events": a["events"],
            "request": a["request"], "grants": describe_grants(a["grants"]), "failures": a["failures"],
            "paused_reason": a["paused_reason"], "created": a["created"],
            "last_run": last["handled_at"] if last else a["last_run"],
            "last_run_id": last["run_id"] if last else None, "last_status": _run_status(journal, last),
            "last_file": last["path"] if last else None,
            "handled": len(handled),
            "failed": sum(1 for s in seen if s["status"] == "failed"),
            "left_alone": sum(1 for s in seen if s["status"] == "existing"),
        })
    return rows


def _run_status(journal: Journal, seen: dict[str, Any] | None) -> str | None:
    """The last run's status now (undone since, finished by recovery…), else what was recorded."""
    if seen is None:
        return None
    if seen["run_id"] is not None:
        try:
            return str(journal.run(seen["run_id"])["status"])
        except ErrandError:
            pass
    return str(seen["status"])

