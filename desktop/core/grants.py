"""Turn what a person (or the command line) grants into ``Grant`` objects.

``files=~/Pictures/Trip:ro``, ``calendar=ics:/home/me/cal.ics``, ``photos``,
``places``, ``vision=openai/gpt-4o-mini``. A trailing ``:ro`` / ``:rw`` sets the
mode (read-write by default). Folders get their script names together, so two
folders called ``Trip`` become ``Trip`` and ``Trip-2``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from capabilities.base import Grant
from capabilities.errors import ErrandError
from capabilities.registry import capability_names, get

__all__ = ["describe", "parse_grants"]


def parse_grants(specs: Iterable[str], protected: Sequence[Path] = ()) -> list[Grant]:
    """Parse ``capability[=target][:ro|:rw]`` specs; folders are checked and labelled together."""
    folders: list[tuple[str, str]] = []
    others: list[Grant] = []
    for spec in specs:
        name, _, target = spec.partition("=")
        name = name.strip()
        mode = "rw"
        if target.endswith((":ro", ":rw")):
            target, mode = target[:-3], target[-2:]
        try:
            get(name)
        except KeyError:
            known = ", ".join(capability_names())
            raise ErrandError(f"Unknown capability {name!r} in --grant {spec!r}.",
                              f"Known capabilities: {known}.") from None
        if name == "files":
            if not target:
                raise ErrandError("--grant files needs a folder, e.g. --grant files=~/Pictures/Trip",
                                  "Add :ro after the folder to allow reading only.")
            folders.append((str(Path(target).expanduser()), mode))
        else:
            others.append(Grant(name, target, mode))  # type: ignore[arg-type]
    if not folders:
        return others
    from capabilities.folders.granted import (
        folder_grants,  # the folder machinery only when folders are granted
    )

    return folder_grants(folders, protected) + others


def describe(grant: Grant) -> str:
    """The plain-language text a person approves for one grant."""
    return get(grant.capability).describe_grant(grant)
