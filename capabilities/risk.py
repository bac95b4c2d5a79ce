"""Which planned writes could make a program run, and why: the one policy preview and apply share.

A rename looks harmless in a table; ``write home/.bashrc`` is a line that
runs, outside any sandbox, in the person's next shell. Such writes are
*flagged*: the preview says why, and apply refuses them unless the person
approved them explicitly, on top of approving the plan (``apply_plan``'s
``allow_flagged``). A write is flagged when what it makes

- is a shell start-up file (``.bashrc``, ``.profile``, ``.zshrc``, …) or a
  PowerShell profile,
- lies in an autostart or login-item folder (``~/.config/autostart``,
  ``LaunchAgents``, the Windows Startup folder, systemd user units) or in a
  folder of programs on the ``PATH`` (``~/bin``, ``~/.local/bin``),
- is a script or executable by its name (``.sh``, ``.exe``, ``.desktop``…;
  for a move or copy, only if the name's kind changes), by its first bytes
  (``#!``, ELF, MZ) or by its exec bits (new content in an executable file),
- is hidden inside a home folder (``~/.ssh/…``, ``~/.config/…``).

Moving or copying a file that already is a program (an installer sorted into
``Downloads/Other``) makes no new one: only where it goes, or a name that turns
it into a program (``notes.txt`` → ``notes.sh``), is flagged then.

``action_risk`` reads only the action (its destination and the facts the
preview stored in ``detail["risk"]``), so apply can check a plan it did not
build, and a capability that forgot to flag is still caught by its path.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from capabilities.plan import Action

__all__ = ["action_risk", "content_risk", "flagged", "mode_risk", "path_risk"]

_STARTUP_FILES = frozenset({
    ".bashrc", ".bash_profile", ".bash_login", ".bash_logout", ".profile", ".zshrc", ".zshenv",
    ".zprofile", ".zlogin", ".zlogout", ".cshrc", ".tcshrc", ".kshrc", ".login", ".logout", ".mkshrc",
    ".xprofile", ".xinitrc", ".xsession", ".xsessionrc", ".xserverrc", ".envrc", ".pam_environment",
    "config.fish", "microsoft.powershell_profile.ps1", "profile.ps1", "autorun.inf",
})
# Folders whose files are started by the system (lower case, as path segments in order).
_AUTOSTART = (
    (".config", "autostart"), ("etc", "xdg", "autostart"), (".config", "systemd"),
    ("library", "launchagents"), ("library", "launchdaemons"), ("library", "startupitems"),
    ("library", "loginitems"), ("start menu", "programs", "startup"), (".config", "fish"),
    (".config", "plasma-workspace"), (".kde", "autostart"), (".local", "bin"),
)
_CHAIN_ENDS = frozenset(chain[-1] for chain in _AUTOSTART)
_PROGRAM_FOLDERS = ("bin", ".bin")  # directly in a home folder: programs on the PATH
_EXECUTABLE_SUFFIXES = frozenset({
    ".sh", ".bash", ".zsh", ".ksh", ".csh", ".fish", ".command", ".tool", ".py", ".pyw", ".pl", ".rb",
    ".php", ".lua", ".tcl", ".ps1", ".psm1", ".bat", ".cmd", ".com", ".exe", ".msi", ".msp", ".scr",
    ".pif", ".cpl", ".vbs", ".vbe", ".js", ".jse", ".wsf", ".wsh", ".hta", ".jar", ".lnk", ".url",
    ".reg", ".inf", ".desktop", ".service", ".timer", ".plist", ".app", ".appimage", ".run", ".bin",
    ".elf", ".so", ".dylib", ".dll", ".scpt", ".applescript", ".workflow", ".action", ".deb", ".rpm",
    ".pkg", ".dmg", ".apk", ".xpi", ".crx",
})
_MAGIC = ((b"#!", "starts like a script (#!)"), (b"\x7fELF", "is a program (ELF)"),
          (b"MZ", "is a Windows program"), (b"\xcf\xfa\xed\xfe", "is a program (Mach-O)"),
          (b"\xca\xfe\xba\xbe", "is a program (Mach-O)"))


def path_risk(path: str, home: str | None = None, *, was: str | None = None) -> str | None:
    """Why a file made at the absolute ``path`` could run a program, or None.

    ``was``: where a moved or copied file comes from. A program that only moves
    (``setup.exe`` into ``Downloads/Other``) is no new program, so its name
    counts only if the move changes its kind (``report.pdf`` → ``report.exe``);
    where it goes always counts. (Plain string work: a preview asks this for
    each of 10,000 renames.)
    """
    sep = os.sep
    segments = path.lower().split(sep)  # one pass in C; names below come from here
    low = segments[-1]
    if low in _STARTUP_FILES:
        return f"{_name(path)} is a start-up file: what it holds runs every time a shell or session starts"
    base = (home if home is not None else _home()) + sep
    below = len(base.split(sep)) - 1 if path.startswith(base) else 0  # segments up to the home folder
    folders = segments[below:-1]
    if not _CHAIN_ENDS.isdisjoint(folders):
        for chain in _AUTOSTART:
            if _contains(folders, chain):
                return (f"it goes into {'/'.join(chain)}, a folder whose files the system starts by itself "
                        "(autostart, login items or programs)")
    if below and len(folders) > 0 and folders[0] in _PROGRAM_FOLDERS:
        return f"it goes into ~/{folders[0]}, a folder of programs that run when their name is typed"
    suffix = _suffix(low)
    if suffix in _EXECUTABLE_SUFFIXES and (was is None or _suffix(was.rsplit(sep, 1)[-1].lower()) != suffix):
        return f"{_name(path)} is a script or program by its name ({suffix})"
    if below and any(s.startswith(".") for s in segments[below:]):
        return "it is a hidden file in a home folder, where programs keep settings they act on"
    return None


def _name(path: str) -> str:
    return path.rsplit(os.sep, 1)[-1]


def content_risk(data: bytes) -> str | None:
    """Why planned content could run as a program (its first bytes), or None."""
    head = data[:4]
    return next((f"its content {why}" for magic, why in _MAGIC if head.startswith(magic)), None)


def mode_risk(mode: int) -> str | None:
    """Why a file with permission bits ``mode`` is a program (any exec bit), or None."""
    return "it is marked as a program (its exec permission is set)" if mode & 0o111 else None


def action_risk(action: Action, home: str | None = None) -> str | None:
    """Why this planned action could make a program run, or None (folders made by mkdir never are)."""
    noted = action.detail.get("risk")
    if isinstance(noted, str) and noted:
        return noted
    if action.capability not in ("files", "photos") or action.op in ("mkdir", "delete"):
        return None
    made = action.detail.get("dst") or action.detail.get("path")
    was = action.detail.get("src") if action.op in ("rename", "copy") else None
    if not isinstance(made, str) or not made:
        return None
    return path_risk(made, home, was=was if isinstance(was, str) else None)


def flagged(actions: Iterable[Action], home: str | None = None) -> dict[int, str]:
    """``{seq: reason}`` for every action that needs the person's explicit extra approval."""
    found: dict[int, str] = {}
    home = home if home is not None else _home()  # once, not per action (apply checks every plan)
    for action in actions:
        reason = action_risk(action, home)
        if reason:
            found[action.seq] = reason
    return found


_home_seen: list[str] = ["", ""]  # $HOME as last read, and its real path (realpath costs syscalls)


def _home() -> str:
    given = os.environ.get("HOME") or os.environ.get("USERPROFILE") or ""
    if given != _home_seen[0]:
        try:
            real = os.path.realpath(Path.home())
        except (RuntimeError, KeyError):  # no home folder known (a service account)
            real = os.sep + "\0"  # matches nothing
        _home_seen[:] = [given, real]
    return _home_seen[1]


def _suffix(name: str) -> str:
    """The last extension, as ``PurePath.suffix`` gives it (``.bashrc`` has none)."""
    dot = name.rfind(".")
    return name[dot:] if dot > 0 and dot < len(name) - 1 else ""


def _contains(segments: list[str], chain: tuple[str, ...]) -> bool:
    n = len(chain)
    return any(tuple(segments[i:i + n]) == chain for i in range(len(segments) - n + 1))
