"""What every capability that works in the folders granted to ``files`` shares.

``photos``, ``documents``, ``media`` and ``archives`` have no grant target of their own: every
path they take (``Trip/IMG_0001.jpg``) goes through the run's ``FolderView`` — the same safe
resolution, grant checks and planned state as ``files``. ``FolderBased`` gives them that view,
the grant check with words naming what they hold, and the one rule for batch reads: a file that
cannot be read gives ``{path, error, hint}`` and the batch goes on, but a path outside the
grants stops the script (the script is wrong, not the file).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from capabilities.base import Capability, Grant, RunContext
from capabilities.errors import ErrandError, GrantError
from capabilities.folders.overlay import view

__all__ = ["FOLDERS", "FolderBased"]

FOLDERS = "files"  # the capability whose granted folders these work in


class FolderBased(Capability):
    """A capability over the folders granted to ``files`` (an intermediate base: not registered)."""

    holds: ClassVar[str] = "the files"  # what the person would grant, in words: "the photos"
    item_kind: ClassVar[str] = "file"

    def __init__(self, grants: Sequence[Grant], context: RunContext) -> None:
        super().__init__(grants, context)
        self.view = view(context)  # files adds the folders; these capabilities use them
        self.folders = self.view.folders

    def _parts(self, path: str, *, write: bool = False) -> tuple[str, ...]:
        if not self.view.labels(FOLDERS):
            raise GrantError(f"{self.name} works in the folders granted for files, and this run has none.",
                             f"Ask the person to grant the folder that holds {self.holds}.")
        return self.view.parts(FOLDERS, path, write=write)

    def _target(self, absolute: str) -> tuple[str, ...]:
        """A planned write's place at apply, checked against the grants again."""
        return self.folders.granted(FOLDERS, absolute, write=True)

    @staticmethod
    def _each(paths: Sequence[str], read_one: Callable[[str], dict[str, Any]]) -> list[dict[str, Any]]:
        """``read_one`` of every path; a file that cannot be read gives ``{path, error, hint}``."""
        results = []
        for path in paths:
            try:
                results.append(read_one(path))
            except GrantError:
                raise  # outside the grants: the script is wrong, not the file
            except ErrandError as exc:
                results.append({"path": path, "error": exc.message, "hint": exc.hint})
        return results
