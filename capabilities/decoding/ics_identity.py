"""Which VEVENTs are one event: the identity scripts, previews and apply all use.

(The markers live beside the worker that applies the rule, ``decoding.ics_events``; the host's
calendars import them from here.)

An event's id is its UID when the UID names exactly one series (a master
and its changed occurrences). Calendars from the wild break that: exports
leave the UID out, or give two unrelated events the same one. Folding
those together made "delete 1 event" delete three, so they get ids of
their own, stable while they do not change:

- no UID: ``no-uid-<hash of what the event says>``, and ``-2``, ``-3`` …
  for exact copies, counted in file order (content and position);
- one UID, several masters: ``<uid>#dup-<hash>`` for each master (changed
  occurrences stay with the first master of their UID). These are listed
  but not changed: which copy another app means by that UID is unknowable.

The hash is of the event's content without DTSTAMP (``canonical``), so
re-serializing the event, or a change to any other event, keeps its id.
"""

from __future__ import annotations

__all__ = ["NO_UID", "SHARED"]

# The rule itself (``group``, ``key_of``, ``content_key``) parses events, so it runs in the decoder
# worker (``capabilities.decoding.ics_events``); Errand's process knows ids only by these markers.
NO_UID = "no-uid-"
SHARED = "#dup-"  # in the id of an event whose UID another event also has
