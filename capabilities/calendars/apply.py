"""Apply, undo, verify and probe for calendar actions: the host-side half of ``calendar``.

Each action's ``detail`` holds what the preview saw: the source, the UID,
the new event text (``ical``, for create and update), the event as it was
(``before_ical``) and two fingerprints — ``expect`` (the event as this
action will find it, after earlier actions of the plan) and ``origin`` (as
the calendar held it before the plan). Verify accepts either, so it holds
whether the engine checks each action just before it or all of them first.

Outcomes record what undo needs: the event as the calendar held it just
before (``before_ical``), the fingerprint of what Errand left (``after``),
read back from the calendar, so a change by anyone since makes undo refuse
instead of overwrite, and the backend's ``receipt``: with it undo restores
the very bytes of an .ics file that nothing else changed, or the very
resource (href) on a CalDAV server. Without it (lost in a crash) or when
something else changed the file, undo puts the event back where it stands.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from capabilities.calendars.backends import CalendarBackend
from capabilities.calendars.granted import CalendarSet
from capabilities.calendars.reader import event_facts, fingerprint
from capabilities.errors import ErrandError, SourceChanged, TargetExists, TargetMissing, UndoRefused
from capabilities.plan import Action

__all__ = ["AGAIN", "CalendarApply"]

AGAIN = "Preview the chore again to see the calendar as it is now."


class CalendarApply:
    """The ``perform_*``/``undo_*``/``verify_*``/``probe_*`` methods of the calendar capability."""

    calendars: CalendarSet

    def probe(self, action: Action) -> bool | dict[str, Any] | None:
        """After a crash: did it happen? Unknown (None) when the calendar cannot be reached now."""
        try:
            return super().probe(action)  # type: ignore[misc]  # Capability.probe, next in the MRO
        except ErrandError:
            return None  # offline, password gone, file moved: recovery then lets undo try and explain

    # ---- create --------------------------------------------------------------------------

    def perform_create(self, action: Action) -> dict[str, Any]:
        backend, uid = self._backend_for(action), action.detail["uid"]
        if backend.get(uid) is not None:
            raise TargetExists(f"An event with the id {uid} is already in {self._where(action)}.",
                               "The chore may have been applied before; check its history.")
        receipt = backend.put(uid, action.detail["ical"])
        return {"uid": uid, "after": _fingerprint_now(backend, uid), "receipt": receipt}

    def undo_create(self, action: Action, outcome: Mapping[str, Any]) -> None:
        backend, uid = self._backend_for(action), action.detail["uid"]
        current = backend.get(uid)
        if current is None:
            return  # already gone: the state undo wants
        if fingerprint(current.ical) != _after(action, outcome):
            raise UndoRefused(f"{event_facts(current.ical).name()} was changed in {self._where(action)} "
                              "after Errand added it; undoing would lose that change.",
                              "Delete it in your calendar app if you no longer want it.")
        if not backend.restore(outcome.get("receipt") or {}):
            backend.remove(uid)

    def verify_create(self, action: Action) -> None:
        if self._backend_for(action).get(action.detail["uid"]) is not None:
            raise SourceChanged(f"An event with the id {action.detail['uid']} appeared in "
                                f"{self._where(action)} since the preview.", AGAIN)

    def probe_create(self, action: Action) -> dict[str, Any] | bool | None:
        current = self._backend_for(action).get(action.detail["uid"])
        if current is None:
            return False
        now = fingerprint(current.ical)
        if now != fingerprint(action.detail["ical"]):
            return None  # an event with this id, but not the one Errand would have written
        return {"uid": action.detail["uid"], "after": now}

    # ---- update --------------------------------------------------------------------------

    def perform_update(self, action: Action) -> dict[str, Any]:
        backend, uid = self._backend_for(action), action.detail["uid"]
        original = self._present(backend, action)
        receipt = backend.put(uid, action.detail["ical"])
        return {"uid": uid, "before_ical": original, "after": _fingerprint_now(backend, _new_key(action)),
                "receipt": receipt}

    def undo_update(self, action: Action, outcome: Mapping[str, Any]) -> None:
        backend = self._backend_for(action)
        self._unchanged_since(backend, action, outcome)
        if backend.restore(outcome.get("receipt") or {}):
            return  # exactly as it was: the same bytes, the same resource
        # Something else changed the calendar too (or a crash lost the receipt): put the event back
        # where it stands now. The preview's copy is the same event (verified before apply).
        backend.put(_new_key(action), outcome.get("before_ical") or action.detail["before_ical"])

    def verify_update(self, action: Action) -> None:
        self._as_previewed(action)

    def probe_update(self, action: Action) -> dict[str, Any] | bool | None:
        return self._probe_change(action, fingerprint(action.detail["ical"]))

    # ---- delete --------------------------------------------------------------------------

    def perform_delete(self, action: Action) -> dict[str, Any]:
        backend, uid = self._backend_for(action), action.detail["uid"]
        original = self._present(backend, action)
        receipt = backend.remove(uid)
        return {"uid": uid, "before_ical": original, "receipt": receipt}

    def undo_delete(self, action: Action, outcome: Mapping[str, Any]) -> None:
        backend, uid = self._backend_for(action), action.detail["uid"]
        if backend.get(uid) is not None:
            raise UndoRefused(f"An event with the id {uid} is in {self._where(action)} again; restoring "
                              "the deleted one would overwrite it.", "Compare them in your calendar app.")
        if not backend.restore(outcome.get("receipt") or {}):
            backend.put(uid, outcome.get("before_ical") or action.detail["before_ical"])

    def verify_delete(self, action: Action) -> None:
        self._as_previewed(action)

    def probe_delete(self, action: Action) -> dict[str, Any] | bool | None:
        return self._probe_change(action, None)

    # ---- reach: what apply may touch (see capabilities.engine.apply) ---------------------------

    def reach_create(self, action: Action) -> int:
        """A create touches no stored event: an event with its id already there would be one."""
        return 0 if self._backend_for(action).get(action.detail["uid"]) is None else 1

    def reach_update(self, action: Action) -> int:
        """How many VEVENTs (a series and its changed occurrences) the change would replace now."""
        current = self._backend_for(action).get(action.detail["uid"])
        return 0 if current is None else current.count

    reach_delete = reach_update

    # ---- shared ------------------------------------------------------------------------

    def _backend_for(self, action: Action) -> CalendarBackend:
        return self.calendars.backend(self.calendars.by_source(action.detail["source"]))

    def _where(self, action: Action) -> str:
        return self.calendars.by_source(action.detail["source"]).where()

    def _present(self, backend: CalendarBackend, action: Action) -> str:
        current = backend.get(action.detail["uid"])
        if current is None:
            raise TargetMissing(f"{event_facts(action.detail['before_ical']).name()} is no longer in "
                                f"{self._where(action)}.", AGAIN)
        return current.ical

    def _as_previewed(self, action: Action) -> None:
        current = self._backend_for(action).get(action.detail["uid"])
        title = event_facts(action.detail["before_ical"]).name()
        if current is None:
            if action.detail.get("created_in_plan"):
                return  # an earlier action of this plan creates it
            raise SourceChanged(f"{title} was deleted from {self._where(action)} since the preview.", AGAIN)
        now = fingerprint(current.ical)
        if now not in (action.detail["expect"], action.detail.get("origin")):
            raise SourceChanged(f"{title} was changed in {self._where(action)} since the preview.", AGAIN)

    def _unchanged_since(self, backend: CalendarBackend, action: Action, outcome: Mapping[str, Any]) -> None:
        current = backend.get(_new_key(action))
        title = event_facts(action.detail["before_ical"]).name()
        if current is None:
            raise UndoRefused(f"{title} was deleted from {self._where(action)} after Errand changed it.",
                              "Nothing to restore it onto; recreate it in your calendar app if needed.")
        if fingerprint(current.ical) != _after(action, outcome):
            raise UndoRefused(f"{title} was changed in {self._where(action)} after Errand changed it; "
                              "undoing would lose that change.", "Change it back in your calendar app.")

    def _probe_change(self, action: Action, done: str | None) -> dict[str, Any] | bool | None:
        """Did an update/delete happen? If so, the outcome perform would have returned (lost in a crash)."""
        backend = self._backend_for(action)
        current = backend.get(action.detail["uid"])
        if current is None and done is not None:  # an event without a UID has a new id once changed
            current = backend.get(_new_key(action))
        now = None if current is None else fingerprint(current.ical)
        if now == done:
            outcome = {"uid": action.detail["uid"], "before_ical": action.detail["before_ical"]}
            return outcome if done is None else {**outcome, "after": now}
        return False if now == action.detail["expect"] else None


def _after(action: Action, outcome: Mapping[str, Any]) -> str:
    """The fingerprint of what Errand left: from the outcome, else (a crash lost it) from the plan."""
    return outcome.get("after") or fingerprint(action.detail["ical"])


def _new_key(action: Action) -> str:
    """The event's id after an update: the same UID, or (no UID) the id of its new content."""
    new = action.detail.get("ical")
    return event_facts(new).key if new else action.detail["uid"]


def _fingerprint_now(backend: CalendarBackend, uid: str) -> str | None:
    stored = backend.get(uid)  # read back: what the calendar holds is what undo compares to
    return None if stored is None else fingerprint(stored.ical)
