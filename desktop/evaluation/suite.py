"""The built-in eval suite: every chore its suite modules define, in a stable order.

Kept apart from ``chore`` (which the suite modules import to define their chores), so that
loading the whole suite is one import away and no module imports its own importers.
"""

from __future__ import annotations

from desktop.evaluation import (  # noqa: F401  (importing a suite module defines its chores)
    suite_calendar,
    suite_documents,
    suite_files,
    suite_photos,
    suite_refusals,
)
from desktop.evaluation.chore import Chore, defined

__all__ = ["registered"]


def registered() -> list[Chore]:
    """Every chore of the built-in suite, in a stable order."""
    return defined()
