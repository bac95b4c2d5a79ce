"""Snapshots of a folder tree and what changed between two of them.

A snapshot keeps, for every file and folder below a root, its kind, size, content digest,
modified time and permission bits: enough to say what a chore changed (and whether it changed
anything it was not asked to), and whether undo put everything back byte for byte.
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Entry", "Tree", "changed_paths", "snapshot", "undo_differences"]


@dataclass(frozen=True)
class Entry:
    """One file or folder as it was when the snapshot was taken."""

    is_folder: bool
    size: int = 0
    digest: str = ""
    mtime_ns: int = 0
    mode: int = 0


# Relative POSIX path → entry. Folders map too, so an empty new folder is a change.
Tree = dict[str, Entry]


def snapshot(root: Path) -> Tree:
    """Every entry below ``root`` (not following links), keyed by its path relative to ``root``."""
    tree: Tree = {}
    for folder, dirs, files in os.walk(root):
        base = Path(folder)
        for name in dirs:
            info = (base / name).lstat()
            tree[_rel(root, base / name)] = Entry(True, mode=stat.S_IMODE(info.st_mode))
        for name in files:
            path = base / name
            info = path.lstat()
            digest = _digest(path) if stat.S_ISREG(info.st_mode) else f"link:{os.readlink(path)}"
            tree[_rel(root, path)] = Entry(
                False, info.st_size, digest, info.st_mtime_ns, stat.S_IMODE(info.st_mode)
            )
    return tree


def changed_paths(before: Tree, after: Tree) -> set[str]:
    """Paths added, removed, or whose content or kind differs (times and modes aside: moving a
    file may touch them, and a chore is judged on names and contents)."""
    changed = set(before) ^ set(after)
    for path in set(before) & set(after):
        old, new = before[path], after[path]
        if old.is_folder != new.is_folder or old.digest != new.digest:
            changed.add(path)
    return changed


def undo_differences(before: Tree, restored: Tree) -> list[str]:
    """What undo failed to put back: names, contents, files' modified times and modes."""
    problems = [f"{p} is missing after undo" for p in sorted(set(before) - set(restored))]
    problems += [f"{p} is left over after undo" for p in sorted(set(restored) - set(before))]
    for path in sorted(set(before) & set(restored)):
        old, new = before[path], restored[path]
        if old.is_folder != new.is_folder or old.digest != new.digest:
            problems.append(f"{path} has other content after undo")
        elif not old.is_folder and old.mtime_ns != new.mtime_ns:
            problems.append(f"{path} has another modified time after undo")
        elif old.mode != new.mode:
            problems.append(f"{path} has other permissions after undo ({oct(old.mode)} → {oct(new.mode)})")
    return problems


def _rel(root: Path, path: Path) -> str:
    return path.relative_to(root).as_posix()


def _digest(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            sha.update(block)
    return sha.hexdigest()
