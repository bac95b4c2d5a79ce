"""Names and paths: how a script's path splits, and which names a new file or folder may take.

- ``split_path`` refuses every spelling that could leave a grant: ``..``,
  ``.``, absolute, drive (``C:``), UNC (``\\\\server``), backslashes, NUL (and on
  Windows the aliases ``a.txt:stream``, ``a.txt.``, ``nul``).
- ``check_new_name`` refuses names invalid or dangerous on any OS: reserved
  device names, characters some system forbids, invisible direction
  characters, names too long to keep. Only *new* names must be portable: an
  entry that keeps the name it already has here (moved into another folder,
  copied as it is) passes ``check_kept_name``, which refuses only the tricks
  that disguise a name (direction overrides, invisible characters, control
  characters), so ``Meeting notes: June.txt`` moves as it is.
- Zero-width joiners and non-joiners are part of writing, not tricks, where
  they join two letters of a script that uses them (Persian ``گزارش‌ها``,
  Devanagari conjuncts) or two emoji into one (👨‍👩‍👧); anywhere else they
  are refused like the other invisible characters.
- On POSIX a backslash is an ordinary character of a name (``files.list`` can
  return ``back\\slash.txt``); only on Windows is it a folder separator.
- ``temp_name`` is where a new file is written before it is renamed into place.
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata

from capabilities.errors import PathRefused

__all__ = ["MAX_NAME_BYTES", "check_kept_name", "check_new_name", "is_temp_name", "split_checked",
           "split_path", "temp_name"]

_WINDOWS = os.name == "nt"
MAX_NAME_BYTES = 255

_RESERVED = {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"} | {
    f"{dev}{n}" for dev in ("COM", "LPT") for n in [*"123456789", "¹", "²", "³"]}
_FORBIDDEN_CHARS = set('<>:"/\\|?*')
_INVISIBLE = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
                 "\u200b\u200c\u200d\u2060\ufeff")
_DRIVE = re.compile(r"^[A-Za-z]:")
_JOINERS = {"\u200c", "\u200d"}  # ZWNJ, ZWJ: allowed where writing needs them (see _joins)
_EMOJI_PARTS = {"\ufe0f", "\u20e3"} | {chr(c) for c in range(0x1F3FB, 0x1F400)}  # VS16, keycap, skin tones
# Anything split_path must look at closely: NUL, absolute, drive, '//', '.' or '..'; and on
# Windows the backslash (a separator there, an ordinary character of a name on POSIX).
_PATH_SUSPECT = re.compile((r"[\\\0]" if _WINDOWS else r"\0") + r"|^/|^\\|^[A-Za-z]:|//|(?:^|/)\.\.?(?:/|$)")
_SUSPECT = re.compile("[" + re.escape("".join(sorted(_FORBIDDEN_CHARS | _INVISIBLE)))
                      + "\x00-\x1f\x7f-\x9f]")


def check_new_name(name: str) -> None:
    """Refuse a name for a new file or folder that is invalid or dangerous on any OS."""
    hint = "Choose a plain name: letters, digits, spaces, - _ . ( ), not ending in a dot or space."
    check_kept_name(name, hint)
    if _SUSPECT.search(name) is not None:
        bad = sorted({c for c in name if c in _FORBIDDEN_CHARS})
        if bad:
            shown = ", ".join(repr(c) for c in bad)
            raise PathRefused(f"The name {name!r} contains characters not allowed in file names on "
                              f"every system ({shown}).", hint)
    if name[-1] in ". ":
        raise PathRefused(f"The name {name!r} ends in a dot or a space, which Windows cannot keep.", hint)
    if name.split(".")[0].rstrip(" ").upper() in _RESERVED:
        raise PathRefused(f"The name {name!r} is reserved for a device on Windows.",
                          "Add a word to it, e.g. 'con-notes.txt'.")
    if len(name) > MAX_NAME_BYTES // 4 and (len(os.fsencode(name)) > MAX_NAME_BYTES
                                            or len(name.encode("utf-16-le")) > 2 * MAX_NAME_BYTES):
        raise PathRefused(f"The name {name[:40]!r}... is longer than {MAX_NAME_BYTES} bytes.",
                          "Choose a shorter name.")


def check_kept_name(name: str, hint: str = "Rename it first, then run the chore again.") -> None:
    """Refuse a name that disguises what it is: direction overrides, invisible or control characters.

    This is all an existing name must pass to be moved or copied as it is;
    a new name must also pass ``check_new_name``.
    """
    if name in ("", ".", ".."):
        raise PathRefused(f"{name!r} is not a usable file name.", hint)
    if _SUSPECT.search(name) is None:
        return
    if "/" in name or "\0" in name or (_WINDOWS and "\\" in name):
        raise PathRefused(f"The name {name!r} contains a folder separator or NUL.", hint)
    control = sorted({f"U+{ord(c):04X}" for c in name if ord(c) < 32 or 127 <= ord(c) < 160})
    if control:
        raise PathRefused(f"The name {name!r} contains control characters ({', '.join(control)}) "
                          "that can disguise what a file is.", hint)
    hidden = sorted({f"U+{ord(c):04X}" for i, c in enumerate(name)
                     if c in _INVISIBLE and not (c in _JOINERS and _joins(name, i))})
    if hidden:
        raise PathRefused(f"The name {name!r} contains invisible direction or zero-width characters "
                          f"({', '.join(hidden)}) that can disguise what a file is.", hint)


def _joins(name: str, i: int) -> bool:
    """True when the joiner at ``name[i]`` does what writing needs: join two letters of a script
    that uses joiners (not Latin: there it only hides), or two emoji into one."""
    if i == 0 or i == len(name) - 1:
        return False
    before, after = name[i - 1], name[i + 1]
    if _is_emoji(after) and (_is_emoji(before) or before in _EMOJI_PARTS):
        return name[i] == "\u200d"  # emoji are joined by ZWJ only
    return all(unicodedata.category(c)[0] in "LM" and ord(c) >= 0x0370 for c in (before, after))


def _is_emoji(c: str) -> bool:
    return unicodedata.category(c) == "So" and ord(c) >= 0x2190


def split_path(path: str) -> tuple[str, ...]:
    """``"Trip/a/b.jpg"`` → ``("Trip", "a", "b.jpg")``, refusing anything that could leave a grant."""
    if isinstance(path, str) and path and (_plainly_fine(path) or _PATH_SUSPECT.search(path) is None):
        parts = split_checked(path)
        if _WINDOWS:
            _check_windows_path(parts, path)
        return parts
    hint = "Use a path inside a granted folder, like 'Trip/IMG_0001.jpg' (see files.list)."
    if not isinstance(path, str) or not path:
        raise PathRefused("An empty path names nothing.", hint)
    if "\0" in path:
        raise PathRefused("A path may not contain the NUL character.", hint)
    if path.startswith(("\\\\", "//")):
        raise PathRefused(f"{path!r} is a network (UNC) path; only granted folders can be used.", hint)
    if path.startswith(("/", "\\")) or _DRIVE.match(path):
        raise PathRefused(f"{path!r} is an absolute path; scripts use paths inside granted folders.",
                          hint)
    if _WINDOWS and "\\" in path:
        raise PathRefused(f"{path!r} contains a backslash; separate folders with '/'.", hint)
    parts = split_checked(path)
    for part in parts:
        if part in ("..", "."):
            raise PathRefused(f"{path!r} uses {part!r}; paths may not step outside or around folders.",
                              hint)
        if part == "":
            raise PathRefused(f"{path!r} has an empty part ('//').", hint)
    if _WINDOWS:
        _check_windows_path(parts, path)
    return parts


def _plainly_fine(path: str) -> bool:
    """True for a (non-empty) path ``_PATH_SUSPECT`` cannot match, found with plain substring
    tests (several times faster than the pattern, and a preview splits 200,000 paths for 100,000
    renames): no NUL, no backslash on Windows, no '//', no part starting with '.', not starting
    with '/' and no ':' second (a drive). False does not mean suspect: the pattern then decides."""
    return ("\0" not in path and "//" not in path and "/." not in path and path[0] not in "/\\."
            and path[1:2] != ":" and not (_WINDOWS and "\\" in path))


def split_checked(path: str) -> tuple[str, ...]:
    """The parts of a path ``split_path`` has already accepted, without its checks again (a plan
    keeps a script's paths as text and splits them once more when it writes out its actions)."""
    return tuple(path[:-1].split("/") if path[-1] == "/" else path.split("/"))


def _check_windows_path(parts: tuple[str, ...], path: str) -> None:
    """On Windows an *existing* path can still alias: 'a.txt:stream' (a hidden data stream),
    'a.txt.' (the trailing dot is dropped), 'nul' (a device). Refuse those spellings."""
    for part in parts:
        if ":" in part or part[-1] in ". " or part.split(".")[0].rstrip(" ").upper() in _RESERVED:
            raise PathRefused(f"{path!r} names a stream, a device or an alias of another name on Windows.",
                              "Use the file's plain name as files.list() shows it.")


def temp_name(name: str) -> str:
    """Where a new file is written before it is renamed into place.

    Named after the target, so a retry after a crash replaces its own leftover;
    listings leave such names out.
    """
    return f".errand-{hashlib.sha1(name.encode('utf-8', 'surrogatepass')).hexdigest()[:16]}.tmp"


def is_temp_name(name: str) -> bool:
    """True for a ``temp_name`` (a crashed write's leftover, left out of listings)."""
    return name.startswith(".errand-") and name.endswith(".tmp")
