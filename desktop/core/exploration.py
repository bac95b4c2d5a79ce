"""Look before writing: what the granted folders hold, counted in the sandbox, for the model's prompt.

Before the model writes a chore's script it is told, in numbers, what it will work on — how many
files of each kind, how large, from when, how deep — so it need not guess formats. The counting
is a fixed script of Errand's own (``SCRIPT``), run in the sandbox with the chore's folders
granted read-only: it can change nothing, and it is bounded like any run. Only numbers and file
kinds are summarised; names and contents go to the model only as the person's data-sharing
choice allows (``planner``'s file-name listing), never from here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from capabilities.base import Grant
from capabilities.bytesize import size_text

if TYPE_CHECKING:
    from desktop.core.preview import Previewer

__all__ = ["MAX_ENTRIES", "SCRIPT", "folder_summary", "summary_text"]

MAX_ENTRIES = 5000  # per folder: enough to know a folder, bounded however large it is

SCRIPT = '''
summary = {}
for label in inputs["folders"]:
    paths = files.list(label, recursive=True)[:inputs["limit"]]
    kinds, size, newest, oldest, files_n, folders_n, depth = {}, 0, None, None, 0, 0, 0
    for start in range(0, len(paths), 500):
        for info in files.stat_many(paths[start:start + 500]):
            depth = max(depth, info["path"].count("/"))
            if info["is_folder"]:
                folders_n += 1
                continue
            files_n += 1
            name = info["name"]
            kind = name.rsplit(".", 1)[-1].lower() if "." in name[1:] else "(none)"
            kinds[kind] = kinds.get(kind, 0) + 1
            size += info["size"]
            day = info["modified"][:10]
            newest = day if newest is None or day > newest else newest
            oldest = day if oldest is None or day < oldest else oldest
    summary[label] = {"files": files_n, "folders": folders_n, "bytes": size, "kinds": kinds,
                      "oldest": oldest, "newest": newest, "depth": depth,
                      "more": len(paths) >= inputs["limit"]}
result = summary
'''


def folder_summary(assistant: Previewer, grants: Sequence[Grant]) -> str:
    """The prompt's lines on the granted folders ("" when none is granted or the count failed)."""
    folders = [g for g in grants if g.capability == "files"]
    if not folders:
        return ""
    read_only = [Grant(g.capability, g.target, "ro", g.label) for g in folders]
    labels = [g.label for g in folders if g.label]
    preview = assistant.preview(SCRIPT, read_only, inputs={"folders": labels, "limit": MAX_ENTRIES})
    if not preview.ok or len(preview.plan) or not isinstance(preview.outcome.result, dict):
        return ""  # a folder that cannot be counted is no reason not to plan
    return summary_text(preview.outcome.result)


def summary_text(found: dict[str, Any]) -> str:
    """One line per folder, in numbers and file kinds only."""
    lines = []
    for label, facts in found.items():
        if not isinstance(facts, dict):
            continue
        named: dict[str, int] = {}
        counted = facts.get("kinds")
        for kind, count in (counted if isinstance(counted, dict) else {}).items():
            named[_kind(kind)] = named.get(_kind(kind), 0) + int(count)
        kinds = named
        top = sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0]))[:12]
        kinds_text = ", ".join(f"{_kind(k)} {int(n)}" for k, n in top) + (", …" if len(kinds) > 12 else "")
        when = (f"; modified {facts['oldest']} to {facts['newest']}" if facts.get("oldest") else "")
        more = " (at least: a large folder, counted in part)" if facts.get("more") else ""
        shape = (f"{int(facts.get('files', 0)):,} files{more} in {int(facts.get('folders', 0)):,} "
                 f"subfolders (up to {int(facts.get('depth', 0))} deep), "
                 f"{size_text(int(facts.get('bytes', 0)))}")
        lines.append(f"- {_label(label)}: {shape}{when}" + (f"; by kind: {kinds_text}" if top else ""))
    return "\n".join(lines)


# File kinds named in the prompt; any other ending is "other" — an ending is part of a name, and
# names reach the model only with the person's consent (nor can a file name its own kind to it).
_ENDINGS = """
pdf doc docx odt rtf txt md csv tsv xls xlsx ods ppt pptx odp pages numbers key epub json xml html htm
ics vcf eml msg log jpg jpeg png gif heic heif webp tif tiff bmp svg raw cr2 cr3 nef arw dng psd
mp3 m4a aac flac wav ogg opus wma aiff mid mp4 mov m4v avi mkv webm wmv mpg mpeg 3gp srt
zip rar 7z tar gz tgz bz2 xz iso dmg exe msi pkg deb rpm apk app sh py js ttf otf part crdownload tmp
"""
_KNOWN = frozenset(_ENDINGS.split())


def _kind(kind: Any) -> str:
    text = str(kind).lower()
    return text if text in _KNOWN else "(no ending)" if text == "(none)" else "other"


def _label(label: str) -> str:
    from desktop.core.planner import quote

    return quote(label)


