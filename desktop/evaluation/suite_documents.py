"""Chores on documents and music: renaming by what a file says inside, merging PDFs, music by its tags."""

from __future__ import annotations

from pathlib import Path

from desktop.evaluation.chore import Final, chore, ext, folder_of, name_of
from desktop.evaluation.makefiles import make_docx, make_mp3, make_pdf

INVOICES = {
    "scan_0031.pdf": ("2024-03-05", "ACME Tools"),
    "scan_0032.pdf": ("2024-04-18", "Blue Lake Energy"),
    "document(7).pdf": ("2023-11-30", "Riverside Dental"),
}


def _invoices(root: Path) -> None:
    for name, (day, company) in INVOICES.items():
        make_pdf(root / "Invoices" / name, [f"{company}\nINVOICE\nDate: {day}\nTotal due: 42.00 EUR"])


def _check_invoices(final: Final) -> list[str]:
    problems = final.lost_content()
    for name, (day, company) in INVOICES.items():
        now = [name_of(p) for p in final.now_at(f"Invoices/{name}")]
        if not any(day in n and company.split()[0].lower() in n.lower() for n in now):
            problems.append(f"{name} is not named with its date {day} and company {company} (now {now})")
    return problems


chore(
    "rename-invoices",
    "rename the invoices in Invoices by their date and the company that sent them",
    build=_invoices,
    check=_check_invoices,
    folders=("Invoices",),
    kind="documents",
    needs=("documents",),
    reference="""
import re
for path in files.list("Invoices", "*.pdf"):
    lines = documents.text(path).splitlines()
    day = re.search(r"\\d{4}-\\d{2}-\\d{2}", " ".join(lines)).group(0)
    files.rename(path, f"Invoices/{day} {lines[0]}.pdf")
""",
)

TITLES = {
    "doc1.docx": "Garden plan 2025",
    "untitled.docx": "Letter to the council",
    "x.pdf": "Tenancy agreement",
}


def _titled(root: Path) -> None:
    make_docx(root / "Docs" / "doc1.docx", ["Roses by the fence."], title="Garden plan 2025")
    make_docx(root / "Docs" / "untitled.docx", ["Dear council,"], title="Letter to the council")
    make_pdf(root / "Docs" / "x.pdf", ["This agreement is made…"], title="Tenancy agreement")


def _check_titled(final: Final) -> list[str]:
    problems = final.lost_content()
    for name, title in TITLES.items():
        now = [name_of(p) for p in final.now_at(f"Docs/{name}")]
        if not any(n.rsplit(".", 1)[0] == title and ext(n) == ext(name) for n in now):
            problems.append(f"{name} should be named “{title}.{ext(name)}” (now {now})")
    return problems


chore(
    "rename-by-title",
    "rename the documents in Docs after their titles",
    build=_titled,
    check=_check_titled,
    folders=("Docs",),
    kind="documents",
    needs=("documents",),
    reference="""
for info in documents.info_many(files.list("Docs")):
    if info.get("title"):
        files.rename(info["path"], f"Docs/{info['title']}." + info["path"].rsplit(".", 1)[1])
""",
)


def _statements(root: Path) -> None:
    for month in ("01", "02", "03"):
        make_pdf(root / "Bank" / f"statement-2024-{month}.pdf", [f"Statement 2024-{month}"])


def _check_merged(final: Final) -> list[str]:
    import io

    import pypdf

    made = [p for p in final.files("Bank") if ext(p) == "pdf" and p not in final.before]
    if len(made) != 1:
        return [f"expected one new PDF in Bank, found {made}"]
    reader = pypdf.PdfReader(io.BytesIO((final.root / made[0]).read_bytes()))
    texts = [page.extract_text() for page in reader.pages]
    want = [f"Statement 2024-{m}" for m in ("01", "02", "03")]
    problems = [] if texts == want else [f"the merged PDF holds {texts}, not the three statements in order"]
    return problems + final.unchanged(list(final.files("Bank", tree=final.before)))


chore(
    "merge-statements",
    "merge the bank statements in Bank into one PDF, in order",
    build=_statements,
    check=_check_merged,
    folders=("Bank",),
    kind="documents",
    needs=("documents",),
    may_change=lambda p: ext(p) == "pdf",
    reference="""
documents.merge_pdfs(files.list("Bank", "statement-*.pdf"), "Bank/statements 2024.pdf")
""",
)

SONGS = {
    "01.mp3": ("Nina Simone", "Pastel Blues", "Be My Husband"),
    "track7.mp3": ("Miles Davis", "Kind of Blue", "So What"),
    "unknown.mp3": ("Nina Simone", "Wild Is the Wind", "Four Women"),
}


def _songs(root: Path) -> None:
    for name, (artist, album, title) in SONGS.items():
        make_mp3(root / "Music" / name, seconds=1, artist=artist, album=album, title=title)


def _check_music_folders(final: Final) -> list[str]:
    problems = final.lost_content()
    for name, (artist, album, _title) in SONGS.items():
        if not any(folder_of(p) == f"Music/{artist}/{album}" for p in final.now_at(f"Music/{name}")):
            problems.append(f"{name} is not in Music/{artist}/{album}")
    return problems


chore(
    "music-by-artist-album",
    "organise my music into a folder for each artist with a folder per album inside",
    build=_songs,
    check=_check_music_folders,
    folders=("Music",),
    kind="music",
    needs=("media",),
    reference="""
for song in media.tags_many(files.list("Music", "*.mp3")):
    folder = f"Music/{song['artist'] or 'Unknown artist'}/{song['album'] or 'Unknown album'}"
    files.mkdir(folder)
    files.rename(song["path"], folder + "/" + song["path"].split("/")[-1])
""",
)


def _check_fixed_artist(final: Final) -> list[str]:
    import mutagen

    problems = []
    for path in final.files("Music"):
        tags = mutagen.File(final.root / path, easy=True)
        artist = (tags.get("artist") or [""])[0] if tags is not None and tags.tags is not None else ""
        if "Simone" in artist and artist != "Nina Simone":
            problems.append(f"{path} still says {artist!r}")
    return problems


def _misspelt(root: Path) -> None:
    make_mp3(root / "Music" / "a.mp3", seconds=1, artist="Nina Simmone", title="Sinnerman")
    make_mp3(root / "Music" / "b.mp3", seconds=1, artist="Nina  Simone", title="Feeling Good")
    make_mp3(root / "Music" / "c.mp3", seconds=1, artist="Miles Davis", title="So What")


chore(
    "fix-artist-tags",
    "fix the misspelt artist tags in Music so all Nina Simone songs say Nina Simone",
    build=_misspelt,
    check=_check_fixed_artist,
    folders=("Music",),
    kind="music",
    needs=("media",),
    may_change=lambda p: p in ("Music/a.mp3", "Music/b.mp3"),
    reference="""
for song in media.tags_many(files.list("Music", "*.mp3")):
    if "sim" in (song["artist"] or "").lower() and song["artist"] != "Nina Simone":
        media.set_tags(song["path"], artist="Nina Simone")
""",
)
