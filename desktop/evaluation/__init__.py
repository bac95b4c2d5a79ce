"""``errand eval``: a built-in suite of everyday chores, each built from scratch and checked by its
final state, so "does Errand do what I ask with my model?" is a number.

- ``chore``: what a chore is (request, folders it builds, checker) and the helpers checkers share;
- ``suite_*``: the chores themselves, by kind of file;
- ``makefiles``: real files made at run time (photos with EXIF and GPS, calendars, text);
- ``tree``: snapshots of a folder tree and their differences (collateral damage, undo);
- ``runner``: one attempt at one chore in its own temporary home, scored;
- ``results``: pass@1, pass^k, totals, the table, JSON and comparison with an older run.
"""
