"""Chores on ordinary files: sorting, renaming, cleaning up, listing — the bulk of what people
ask Hazel, Shortcuts and AI file sorters for."""

from __future__ import annotations

import csv
import io
import os
import re
from datetime import datetime, timedelta
from pathlib import Path

from desktop.evaluation.chore import Final, chore, ext, folder_of, name_of
from desktop.evaluation.makefiles import make_photo, write_file

NOW = datetime.now().replace(microsecond=0)


def _downloads(root: Path) -> None:
    d = root / "Downloads"
    write_file(d / "invoice-march.pdf", b"%PDF-1.4 invoice march\n")
    write_file(d / "Tax return 2024.pdf", b"%PDF-1.4 tax\n")
    write_file(d / "notes.txt", "shopping: milk, eggs\n")
    write_file(d / "budget.xlsx", b"PK\x03\x04 budget")
    write_file(d / "song.mp3", b"ID3\x03\x00 song")
    write_file(d / "trip.zip", b"PK\x03\x04 trip")
    write_file(d / "setup.exe", b"MZ setup")
    make_photo(d / "IMG_2041.jpg")
    make_photo(d / "diagram.png")


_KIND_FOLDERS = {
    "pdf": {"documents", "docs", "pdfs", "pdf"},
    "txt": {"documents", "docs", "text", "texts", "notes"},
    "xlsx": {"documents", "docs", "spreadsheets", "sheets", "excel"},
    "mp3": {"music", "audio", "songs"},
    "zip": {"archives", "archive", "zips", "compressed"},
    "jpg": {"pictures", "images", "photos", "jpg"},
    "png": {"pictures", "images", "photos", "png"},
    "exe": {"other", "others", "programs", "apps", "installers", "applications", "misc"},
}


def _check_sorted(final: Final) -> list[str]:
    problems = final.lost_content()
    for path in final.files("Downloads", tree=final.before):
        places = final.now_at(path)
        wanted = _KIND_FOLDERS[ext(path)]
        if not any(
            folder_of(p).lower().split("/")[-1] in wanted and folder_of(p) != "Downloads" for p in places
        ):
            problems.append(f"{name_of(path)} is not in a folder for its kind (now at {places})")
    return problems


chore(
    "sort-downloads",
    "sort my downloads into folders by type",
    build=_downloads,
    check=_check_sorted,
    folders=("Downloads",),
    reference="""
KINDS = {"pdf": "Documents", "txt": "Documents", "xlsx": "Documents", "mp3": "Music",
         "zip": "Archives", "jpg": "Pictures", "png": "Pictures"}
for path in files.list("Downloads"):
    kind = KINDS.get(path.rsplit(".", 1)[-1].lower(), "Other")
    files.mkdir(f"Downloads/{kind}")
    files.rename(path, f"Downloads/{kind}/{path.split('/')[-1]}")
""",
)


def _check_pdfs_to_invoices(final: Final) -> list[str]:
    problems = final.lost_content()
    for path in final.files("Downloads", tree=final.before):
        places = final.now_at(path)
        if ext(path) == "pdf" and not any(folder_of(p) == "Documents/Invoices" for p in places):
            problems.append(f"{name_of(path)} did not reach Documents/Invoices")
        if ext(path) != "pdf" and path not in places:
            problems.append(f"{name_of(path)} is not a PDF and should have stayed in Downloads")
    return problems + final.unchanged(["Documents/letter.docx"])


def _downloads_and_documents(root: Path) -> None:
    _downloads(root)
    write_file(root / "Documents" / "letter.docx", b"PK\x03\x04 letter")


chore(
    "pdfs-to-invoices",
    "move every PDF in Downloads into Documents/Invoices",
    build=_downloads_and_documents,
    check=_check_pdfs_to_invoices,
    folders=("Downloads", "Documents"),
    may_change=lambda p: (
        p.startswith("Documents/Invoices") or (p.startswith("Downloads/") and p.endswith(".pdf"))
    ),
    reference="""
files.mkdir("Documents/Invoices")
for path in files.list("Downloads", "*.pdf"):
    files.rename(path, "Documents/Invoices/" + path.split("/")[-1])
""",
)


def _duplicates(root: Path) -> None:
    d = root / "Downloads"
    write_file(d / "report.pdf", b"%PDF report", modified=NOW - timedelta(days=30))
    write_file(d / "report (1).pdf", b"%PDF report", modified=NOW - timedelta(days=3))
    write_file(d / "report copy.pdf", b"%PDF report", modified=NOW - timedelta(days=2))
    write_file(d / "photo.jpg", b"\xff\xd8 photo", modified=NOW - timedelta(days=9))
    write_file(d / "photo-2.jpg", b"\xff\xd8 photo", modified=NOW - timedelta(days=8))
    write_file(d / "unique.txt", "only one of me\n")
    write_file(d / "other.txt", "another text\n")


def _check_duplicates(final: Final) -> list[str]:
    problems = final.lost_content()
    by_digest: dict[str, list[str]] = {}
    for path, entry in final.files("Downloads").items():
        by_digest.setdefault(entry.digest, []).append(path)
    problems += [
        f"still more than one copy: {sorted(paths)}" for paths in by_digest.values() if len(paths) > 1
    ]
    return problems + final.unchanged(["Downloads/unique.txt", "Downloads/other.txt"])


chore(
    "remove-duplicates",
    "find the duplicate files in Downloads and get rid of the extra copies",
    build=_duplicates,
    check=_check_duplicates,
    folders=("Downloads",),
    reference="""
paths = [p for p in files.list("Downloads") if not files.stat(p)["is_folder"]]
seen = {}
age = {i["path"]: i["modified_epoch"] for i in files.stat_many(paths)}
for path, digest in sorted(zip(paths, files.hash_many(paths)), key=lambda pd: age[pd[0]]):
    if digest in seen:
        files.delete(path)
    else:
        seen[digest] = path
""",
)


def _holiday(root: Path) -> None:
    for i, name in enumerate(["DSC_0192.jpg", "DSC_0193.jpg", "IMG_20240714.jpg", "beach.png"]):
        make_photo(root / "Holiday" / name, taken=f"2024-07-1{i} 10:00:00")


def _check_pattern(final: Final) -> list[str]:
    problems = final.lost_content()
    names = sorted(name_of(p) for p in final.files("Holiday"))
    if not all(re.fullmatch(r"Holiday[ _-]?0*[1-4]\.(jpg|png)", n) for n in names):
        problems.append(f"names do not follow Holiday 001, 002…: {names}")
    for path in final.files("Holiday", tree=final.before):
        if not any(ext(p) == ext(path) for p in final.now_at(path)):
            problems.append(f"{name_of(path)} lost its extension")
    return problems


chore(
    "rename-pattern",
    "rename the files in Holiday to Holiday 001, Holiday 002 and so on",
    build=_holiday,
    check=_check_pattern,
    folders=("Holiday",),
    answers={"pattern": "Holiday"},
    reference="""
for n, path in enumerate(files.list("Holiday"), start=1):
    extension = path.rsplit(".", 1)[-1]
    files.rename(path, f"Holiday/Holiday {n:03d}.{extension}")
""",
)


def _screenshots(root: Path) -> None:
    # Each name carries the day it was taken, as the systems write it, and the file's modified time
    # agrees: filing by either is a reasonable reading of "by month".
    d = root / "Desktop"
    for days, pattern in [
        (90, "Screenshot %Y-%m-%d at 10.12.01.png"),
        (75, "Screenshot %Y-%m-%d at 09.00.00.png"),
        (45, "Screen Shot %Y-%m-%d at 12.00.00.png"),
        (3, "Screenshot %Y-%m-%d at 08.30.00.png"),
    ]:
        when = NOW - timedelta(days=days)
        make_photo(d / when.strftime(pattern))
        os.utime(d / when.strftime(pattern), (when.timestamp(), when.timestamp()))
    write_file(d / "todo.txt", "call mum\n", modified=NOW - timedelta(days=100))


def _check_screenshots(final: Final) -> list[str]:
    problems = final.lost_content()
    for path, entry in final.files("Desktop", tree=final.before).items():
        age = (NOW.timestamp() - entry.mtime_ns / 1e9) / 86400
        places = final.now_at(path)
        if "screen" in name_of(path).lower() and age > 30:
            month = datetime.fromtimestamp(entry.mtime_ns / 1e9)
            tokens = {month.strftime("%Y-%m"), month.strftime("%B").lower(), month.strftime("%b").lower()}
            if not any(
                folder_of(p) != "Desktop" and any(t in folder_of(p).lower() for t in tokens) for p in places
            ):
                problems.append(f"{name_of(path)} is not in a folder for its month ({places})")
        elif path not in places:
            problems.append(f"{name_of(path)} should have stayed where it was")
    return problems


chore(
    "archive-screenshots",
    "move my screenshots older than 30 days on the Desktop into a folder for each month",
    build=_screenshots,
    check=_check_screenshots,
    folders=("Desktop",),
    answers={"days": "30"},
    reference="""
import time
for info in files.stat_many(files.list("Desktop", "Screen*")):
    if time.time() - info["modified_epoch"] > 30 * 86400:
        month = info["modified"][:7]
        files.mkdir(f"Desktop/{month}")
        files.rename(info["path"], f"Desktop/{month}/{info['name']}")
""",
)


def _mixed_case(root: Path) -> None:
    for name in ["Beach.JPG", "Sunset.Jpeg", "notes.TXT", "plan.pdf", "scan.PNG"]:
        write_file(root / "Camera" / name, f"content of {name}\n")


def _check_lowercase_ext(final: Final) -> list[str]:
    problems = final.lost_content()
    for path in final.files("Camera", tree=final.before):
        places = final.now_at(path)
        stem = name_of(path).rsplit(".", 1)[0]
        want = f"Camera/{stem}.{ext(path)}"
        if want not in places and not (ext(path) == "jpeg" and f"Camera/{stem}.jpg" in places):
            problems.append(f"{name_of(path)} should be {name_of(want)} (now {places})")
    return problems


chore(
    "lowercase-extensions",
    "make all the file extensions in Camera lowercase",
    build=_mixed_case,
    check=_check_lowercase_ext,
    folders=("Camera",),
    reference="""
for path in files.list("Camera"):
    stem, extension = path.rsplit(".", 1)
    if extension != extension.lower():
        files.rename(path, f"{stem}.{extension.lower()}")
""",
)


def _spaces(root: Path) -> None:
    for name in ["meeting notes.txt", "Project Plan v2.docx", "ok_already.txt", "a  b.txt"]:
        write_file(root / "Notes" / name, f"{name}\n")


def _check_underscores(final: Final) -> list[str]:
    problems = final.lost_content()
    for path in final.files("Notes", tree=final.before):
        want = "Notes/" + name_of(path).replace(" ", "_")
        squeezed = "Notes/" + re.sub(" +", "_", name_of(path))
        if not {want, squeezed} & set(final.now_at(path)):
            problems.append(f"{name_of(path)} should be {name_of(want)}")
    return problems


chore(
    "spaces-to-underscores",
    "replace the spaces in the file names in Notes with underscores",
    build=_spaces,
    check=_check_underscores,
    folders=("Notes",),
    reference="""
for path in files.list("Notes"):
    name = path.split("/")[-1]
    if " " in name:
        files.rename(path, "Notes/" + name.replace(" ", "_"))
""",
)


def _reports(root: Path) -> None:
    for days, name in [(10, "sales.csv"), (40, "summary.docx"), (400, "old plan.pdf")]:
        write_file(root / "Reports" / name, f"{name}\n", modified=NOW - timedelta(days=days))


def _check_date_prefix(final: Final) -> list[str]:
    problems = final.lost_content()
    for path, entry in final.files("Reports", tree=final.before).items():
        day = datetime.fromtimestamp(entry.mtime_ns / 1e9)
        prefixes = (day.strftime("%Y-%m-%d"), day.strftime("%Y%m%d"), day.strftime("%Y_%m_%d"))
        if not any(
            name_of(p).startswith(prefixes) and name_of(path) in name_of(p) for p in final.now_at(path)
        ):
            problems.append(f"{name_of(path)} does not start with its date {prefixes[0]}")
    return problems


chore(
    "date-prefix",
    "put each file's modified date at the start of its name in Reports, like 2024-05-01 sales.csv",
    build=_reports,
    check=_check_date_prefix,
    folders=("Reports",),
    reference="""
for info in files.stat_many(files.list("Reports")):
    files.rename(info["path"], f"Reports/{info['modified'][:10]} {info['name']}")
""",
)


def _projects(root: Path) -> None:
    d = root / "Projects"
    write_file(d / "build.tmp", "scratch")
    write_file(d / "app" / "cache.tmp", "scratch")
    write_file(d / "app" / "main.py", "print('hi')\n")
    write_file(d / "readme.md", "# project\n")
    write_file(d / "template.txt", "keep me: not .tmp\n")


def _check_tmp_deleted(final: Final) -> list[str]:
    left = [p for p in final.files("Projects") if ext(p) == "tmp"]
    problems = [f"{p} should have been deleted" for p in left]
    tmp = [p for p in final.files("Projects", tree=final.before) if ext(p) == "tmp"]
    return (
        problems
        + final.lost_content(except_paths=tmp)
        + final.unchanged(["Projects/app/main.py", "Projects/readme.md", "Projects/template.txt"])
    )


chore(
    "delete-tmp",
    "delete all the .tmp files in Projects, including in its subfolders",
    build=_projects,
    check=_check_tmp_deleted,
    folders=("Projects",),
    may_change=lambda p: p.endswith(".tmp"),
    reference="""
for path in files.list("Projects", "*.tmp", recursive=True):
    files.delete(path)
""",
)


def _archive_with_empties(root: Path) -> None:
    d = root / "Archive"
    (d / "empty 2019").mkdir(parents=True)
    (d / "nested" / "also empty").mkdir(parents=True)
    write_file(d / "kept" / "letter.txt", "dear…\n")
    write_file(d / "top.txt", "top\n")


def _check_no_empty_folders(final: Final) -> list[str]:
    problems = final.lost_content()
    folders = [p for p, e in final.after.items() if e.is_folder and p.startswith("Archive/")]
    for folder in folders:
        if not any(other.startswith(folder + "/") for other in final.after):
            problems.append(f"{folder} is still there and empty")
    if "Archive/kept" not in final.after:
        problems.append("Archive/kept holds a file and should have stayed")
    return problems


chore(
    "remove-empty-folders",
    "remove the empty folders in Archive",
    build=_archive_with_empties,
    check=_check_no_empty_folders,
    folders=("Archive",),
    reference="""
def empty(folder):
    return all(files.stat(p)["is_folder"] and empty(p) for p in files.list(folder))
for path in sorted(files.list("Archive", recursive=True), key=len, reverse=True):
    if files.stat(path)["is_folder"] and empty(path):
        files.delete(path)
""",
)


def _nested_inbox(root: Path) -> None:
    d = root / "Inbox"
    write_file(d / "a" / "one.txt", "1\n")
    write_file(d / "a" / "b" / "two.txt", "2\n")
    write_file(d / "c" / "three.txt", "3\n")
    write_file(d / "top.txt", "top\n")


def _check_flattened(final: Final) -> list[str]:
    problems = final.lost_content()
    for path in final.files("Inbox", tree=final.before):
        if not any(folder_of(p) == "Inbox" for p in final.now_at(path)):
            problems.append(f"{name_of(path)} is not directly in Inbox")
    return problems


chore(
    "flatten-folder",
    "move all the files from the subfolders of Inbox up into Inbox itself",
    build=_nested_inbox,
    check=_check_flattened,
    folders=("Inbox",),
    reference="""
for path in files.list("Inbox", recursive=True):
    if path.count("/") > 1 and not files.stat(path)["is_folder"]:
        files.rename(path, "Inbox/" + path.split("/")[-1])
""",
)


def _scans(root: Path) -> None:
    for year, name in [(2021, "scan1.pdf"), (2021, "scan2.pdf"), (2023, "scan3.pdf"), (2024, "receipt.jpg")]:
        write_file(root / "Scans" / name, f"{name}\n", modified=datetime(year, 6, 1, 12, 0))


def _check_by_year(final: Final) -> list[str]:
    problems = final.lost_content()
    for path, entry in final.files("Scans", tree=final.before).items():
        year = str(datetime.fromtimestamp(entry.mtime_ns / 1e9).year)
        if not any(folder_of(p).endswith(year) for p in final.now_at(path)):
            problems.append(f"{name_of(path)} is not in a {year} folder")
    return problems


chore(
    "sort-by-year",
    "sort the files in Scans into a folder for each year they were last changed",
    build=_scans,
    check=_check_by_year,
    folders=("Scans",),
    reference="""
for info in files.stat_many(files.list("Scans")):
    year = info["modified"][:4]
    files.mkdir(f"Scans/{year}")
    files.rename(info["path"], f"Scans/{year}/{info['name']}")
""",
)


def _sizes(root: Path) -> None:
    for i, size in enumerate([10, 5000, 300, 80_000, 20, 12_000, 999, 64_000]):
        write_file(root / "Downloads" / f"file{i}.bin", bytes([i]) * size)


def _check_largest_list(final: Final) -> list[str]:
    target = "Downloads/largest.txt"
    if target not in final.after:
        return [f"{target} was not written"]
    text = final.text(target)
    ranked = sorted(final.files("Downloads", tree=final.before).items(), key=lambda pe: -pe[1].size)
    problems = [
        f"{name_of(p)} is one of the 5 largest but not in the list"
        for p, _ in ranked[:5]
        if name_of(p) not in text
    ]
    problems += [f"{name_of(p)} is not among the 5 largest" for p, _ in ranked[5:] if name_of(p) in text]
    return problems + final.unchanged(list(final.files("Downloads", tree=final.before)))


chore(
    "largest-files-list",
    "write the names of the 5 largest files in Downloads into Downloads/largest.txt",
    build=_sizes,
    check=_check_largest_list,
    folders=("Downloads",),
    may_change=lambda p: p == "Downloads/largest.txt",
    reference="""
infos = sorted(files.stat_many(files.list("Downloads")), key=lambda i: -i["size"])[:5]
files.write_text("Downloads/largest.txt", "\\n".join(f"{i['name']} {i['size']}" for i in infos) + "\\n")
""",
)


def _docs(root: Path) -> None:
    for days, name in [(3, "cv.pdf"), (20, "cover letter.docx"), (200, "photo id.jpg")]:
        write_file(root / "Docs" / name, b"x" * (100 + days), modified=NOW - timedelta(days=days))


def _check_inventory_csv(final: Final) -> list[str]:
    sheets = [p for p in final.files("Docs") if ext(p) == "csv" and p not in final.before]
    if len(sheets) != 1:
        return [f"expected one new .csv in Docs, found {sheets}"]
    rows = list(csv.reader(io.StringIO(final.text(sheets[0]))))
    text = "\n".join(",".join(r) for r in rows)
    problems = []
    for path, entry in final.files("Docs", tree=final.before).items():
        row = next((r for r in rows if name_of(path) in r), None)
        day = datetime.fromtimestamp(entry.mtime_ns / 1e9).strftime("%Y-%m-%d")
        if row is None:
            problems.append(f"{name_of(path)} has no row")
        elif not (str(entry.size) in ",".join(row) and day in ",".join(row)):
            problems.append(f"the row of {name_of(path)} lacks its size {entry.size} or date {day}: {row}")
    if len(rows) < 2 or "name" not in text.splitlines()[0].lower():
        problems.append("the spreadsheet has no header row naming its columns")
    return problems + final.unchanged(list(final.files("Docs", tree=final.before)))


chore(
    "inventory-spreadsheet",
    "make a spreadsheet of the files in Docs with their name, size and date",
    build=_docs,
    check=_check_inventory_csv,
    folders=("Docs",),
    reference="""
import csv, io
out = io.StringIO()
sheet = csv.writer(out)
sheet.writerow(["name", "size", "modified"])
for info in files.stat_many(files.list("Docs")):
    sheet.writerow([info["name"], info["size"], info["modified"][:10]])
files.write_text("Docs/files.csv", out.getvalue())
""",
)


def _check_counts_only(final: Final) -> list[str]:
    problems = [f"{p} changed, but the chore only asked for counts" for p in sorted(final.changed())]
    said = final.result_text().lower()
    if not re.search(r"\b2\b", said) or "pdf" not in said:
        problems.append(f"the answer does not give the counts (2 PDFs…): {said[:200]}")
    return problems


chore(
    "count-by-type",
    "how many files of each type are in Downloads? just tell me, don't change anything",
    build=_downloads,
    check=_check_counts_only,
    read_only=("Downloads",),
    reference="""
counts = {}
for path in files.list("Downloads"):
    kind = path.rsplit(".", 1)[-1].lower()
    counts[kind] = counts.get(kind, 0) + 1
result = counts
""",
)


def _work(root: Path) -> None:
    write_file(root / "Work" / "plan.docx", b"PK plan")
    write_file(root / "Work" / "budget.docx", b"PK budget")
    write_file(root / "Work" / "notes.txt", "notes\n")


def _check_backup(final: Final) -> list[str]:
    problems = final.unchanged(list(final.files("Work", tree=final.before)))
    for path in final.files("Work", tree=final.before):
        copies = [p for p in final.now_at(path) if p != path]
        if ext(path) == "docx" and not any(folder_of(p) == "Work/Backup" for p in copies):
            problems.append(f"{name_of(path)} has no copy in Work/Backup")
        if ext(path) != "docx" and copies:
            problems.append(f"{name_of(path)} is not a .docx and should not be copied")
    return problems


chore(
    "backup-copies",
    "copy every Word document in Work into a Backup folder inside Work",
    build=_work,
    check=_check_backup,
    folders=("Work",),
    may_change=lambda p: p.startswith("Work/Backup"),
    reference="""
files.mkdir("Work/Backup")
for path in files.list("Work", "*.docx"):
    files.copy(path, "Work/Backup/" + path.split("/")[-1])
""",
)


def _notes(root: Path) -> None:
    for name, text in [
        ("monday.txt", "Call the plumber.\n"),
        ("tuesday.txt", "Buy stamps.\n"),
        ("wednesday.txt", "Dentist at 3.\n"),
    ]:
        write_file(root / "Notes" / name, text)
    write_file(root / "Notes" / "picture.jpg", b"\xff\xd8 not text")


def _check_combined(final: Final) -> list[str]:
    target = "Notes/all-notes.txt"
    if target not in final.after:
        return [f"{target} was not written"]
    text = final.text(target)
    problems = [
        f"the text of {name_of(p)} is missing from all-notes.txt"
        for p in final.files("Notes", tree=final.before)
        if ext(p) == "txt" and final.text(p).strip() not in text
    ]
    return problems + final.unchanged(list(final.files("Notes", tree=final.before)))


chore(
    "combine-notes",
    "combine all the .txt notes in Notes into one file called all-notes.txt",
    build=_notes,
    check=_check_combined,
    folders=("Notes",),
    may_change=lambda p: p == "Notes/all-notes.txt",
    reference="""
parts = [files.read_text(p) for p in files.list("Notes", "*.txt")]
files.write_text("Notes/all-notes.txt", "\\n".join(parts))
""",
)


def _todo(root: Path) -> None:
    write_file(root / "Notes" / "todo.txt", "- water plants\n- pay bills\n")


def _check_appended(final: Final) -> list[str]:
    text = final.text("Notes/todo.txt") if "Notes/todo.txt" in final.after else ""
    problems = [] if text.startswith("- water plants\n- pay bills") else ["the old lines of todo.txt changed"]
    if text.rstrip().splitlines()[-1:] != ["- call the bank"] and not text.rstrip().endswith("call the bank"):
        problems.append(f"todo.txt does not end with the new line: {text[-60:]!r}")
    return problems


chore(
    "append-todo",
    "add a line '- call the bank' to the end of todo.txt in Notes",
    build=_todo,
    check=_check_appended,
    folders=("Notes",),
    may_change=lambda p: p == "Notes/todo.txt",
    reference="""
text = files.read_text("Notes/todo.txt")
files.write_text("Notes/todo.txt", text.rstrip("\\n") + "\\n- call the bank\\n")
""",
)


def _awkward(root: Path) -> None:
    d = root / "Downloads"
    write_file(d / "résumé final.pdf", b"%PDF cv")
    write_file(d / "مستند\u200cها.pdf", b"%PDF persian")  # a zero-width non-joiner, as Persian writes it
    write_file(d / "family \U0001f468\u200d\U0001f469\u200d\U0001f467.jpg", b"\xff\xd8 family")
    write_file(d / "Meeting notes: June.txt", "agenda\n")  # legal here, not on Windows
    write_file(d / "Invoice.pdf", b"%PDF upper")
    write_file(d / "invoice.pdf", b"%PDF lower")
    write_file(d / "song (live).mp3", b"ID3 live")


def _check_awkward_sorted(final: Final) -> list[str]:
    problems = final.lost_content()
    moved = sum(1 for p in final.files("Downloads", tree=final.before) if p not in final.now_at(p))
    if moved < 5:
        problems.append(f"only {moved} of 7 files were sorted: awkward names stopped the others")
    return problems


chore(
    "sort-awkward-names",
    "sort the files in Downloads into folders by their type",
    build=_awkward,
    check=_check_awkward_sorted,
    folders=("Downloads",),
    reference="""
KINDS = {"pdf": "Documents", "txt": "Documents", "mp3": "Music", "jpg": "Pictures"}
for path in files.list("Downloads"):
    kind = KINDS.get(path.rsplit(".", 1)[-1].lower(), "Other")
    files.mkdir(f"Downloads/{kind}")
    try:
        files.rename(path, f"Downloads/{kind}/{path.split('/')[-1]}")
    except (ValueError, PermissionError, FileExistsError) as exc:
        print("left alone:", path, exc)
""",
)


def _old_downloads(root: Path) -> None:
    for days, name in [
        (800, "old installer.dmg"),
        (500, "2019 taxes.pdf"),
        (30, "recent.pdf"),
        (1, "today.txt"),
    ]:
        write_file(root / "Downloads" / name, f"{name}\n", modified=NOW - timedelta(days=days))


def _check_old_moved(final: Final) -> list[str]:
    problems = final.lost_content()
    for path, entry in final.files("Downloads", tree=final.before).items():
        old = (NOW.timestamp() - entry.mtime_ns / 1e9) > 365 * 86400
        places = final.now_at(path)
        if old and f"Downloads/Old/{name_of(path)}" not in places:
            problems.append(f"{name_of(path)} is over a year old and not in Downloads/Old")
        if not old and path not in places:
            problems.append(f"{name_of(path)} is recent and should have stayed")
    return problems


chore(
    "move-old-downloads",
    "move the files in Downloads I haven't touched for over a year into Downloads/Old",
    build=_old_downloads,
    check=_check_old_moved,
    folders=("Downloads",),
    reference="""
import time
files.mkdir("Downloads/Old")
for info in files.stat_many(files.list("Downloads")):
    if not info["is_folder"] and time.time() - info["modified_epoch"] > 365 * 86400:
        files.rename(info["path"], "Downloads/Old/" + info["name"])
""",
)


def _copies(root: Path) -> None:
    d = root / "Downloads"
    write_file(d / "contract (1).pdf", b"%PDF contract")
    write_file(d / "photo copy.jpg", b"\xff\xd8 photo")
    write_file(d / "plan (2).docx", b"PK plan")
    write_file(d / "plan.docx", b"PK other plan")  # the clean name is taken: this one stays as it is


def _check_clean_names(final: Final) -> list[str]:
    problems = final.lost_content()
    want = {
        "Downloads/contract (1).pdf": "Downloads/contract.pdf",
        "Downloads/photo copy.jpg": "Downloads/photo.jpg",
        "Downloads/plan (2).docx": "Downloads/plan (2).docx",
        "Downloads/plan.docx": "Downloads/plan.docx",
    }
    for old, new in want.items():
        if new not in final.now_at(old):
            problems.append(f"{name_of(old)} should now be {name_of(new)}")
    return problems


chore(
    "clean-copy-names",
    "remove ' (1)' and ' copy' from the file names in Downloads, unless a file already has that name",
    build=_copies,
    check=_check_clean_names,
    folders=("Downloads",),
    reference="""
import re
for path in files.list("Downloads"):
    name = path.split("/")[-1]
    stem, dot, extension = name.rpartition(".")
    clean = re.sub(r"( \\(\\d+\\)| copy)$", "", stem)
    if clean != stem and not files.exists(f"Downloads/{clean}.{extension}"):
        files.rename(path, f"Downloads/{clean}.{extension}")
""",
)


def _jpeg_ext(root: Path) -> None:
    for name in ["a.jpeg", "b.JPEG", "c.jpg", "d.png"]:
        write_file(root / "Pictures" / name, f"{name}\n")


def _check_jpg(final: Final) -> list[str]:
    problems = final.lost_content()
    for path in final.files("Pictures", tree=final.before):
        places = final.now_at(path)
        stem = name_of(path).rsplit(".", 1)[0]
        if ext(path) == "jpeg" and not any(name_of(p).lower() == f"{stem}.jpg".lower() for p in places):
            problems.append(f"{name_of(path)} should end in .jpg")
        if ext(path) != "jpeg" and path not in places:
            problems.append(f"{name_of(path)} should have stayed as it was")
    return problems


chore(
    "jpeg-to-jpg",
    "rename the .jpeg files in Pictures so they end in .jpg",
    build=_jpeg_ext,
    check=_check_jpg,
    folders=("Pictures",),
    may_change=lambda p: ext(p) in ("jpeg", "jpg"),
    reference="""
for path in files.list("Pictures", "*.jpeg"):
    files.rename(path, path.rsplit(".", 1)[0] + ".jpg")
""",
)


def _versions(root: Path) -> None:
    for i in (1, 2, 3):
        write_file(
            root / "Drafts" / f"report_v{i}.docx", f"version {i}", modified=NOW - timedelta(days=10 - i)
        )
    write_file(root / "Drafts" / "notes.txt", "keep\n")


def _check_latest_only(final: Final) -> list[str]:
    names = sorted(name_of(p) for p in final.files("Drafts"))
    problems = (
        []
        if names == ["notes.txt", "report_v3.docx"]
        else [f"expected report_v3.docx and notes.txt, found {names}"]
    )
    return problems + final.unchanged(["Drafts/report_v3.docx", "Drafts/notes.txt"])


chore(
    "keep-latest-version",
    "in Drafts keep only the newest version of the report and delete the older versions",
    build=_versions,
    check=_check_latest_only,
    folders=("Drafts",),
    reference="""
versions = sorted(files.stat_many(files.list("Drafts", "report_v*")), key=lambda i: i["modified_epoch"])
for info in versions[:-1]:
    files.delete(info["path"])
""",
)


def _empty_file(root: Path) -> None:
    write_file(root / "Downloads" / "empty.txt", b"")
    write_file(root / "Downloads" / "letter.txt", "dear…\n")
    write_file(root / "Downloads" / "dup.txt", "dear…\n")  # a duplicate: must NOT go
    write_file(root / "Downloads" / "report.pdf", b"%PDF")


def _check_only_empty_deleted(final: Final) -> list[str]:
    problems = [] if "Downloads/empty.txt" not in final.after else ["the empty file is still there"]
    return problems + final.unchanged(["Downloads/letter.txt", "Downloads/dup.txt", "Downloads/report.pdf"])


chore(
    "delete-empty-file",
    "delete the empty file in Downloads",
    build=_empty_file,
    check=_check_only_empty_deleted,
    folders=("Downloads",),
    may_change=lambda p: p == "Downloads/empty.txt",
    reference="""
for info in files.stat_many(files.list("Downloads")):
    if not info["is_folder"] and info["size"] == 0:
        files.delete(info["path"])
""",
)


def _letters(root: Path) -> None:
    for name in ["apple.txt", "Avocado.txt", "banana.txt", "cherry.txt", "Coconut.txt"]:
        write_file(root / "Library" / name, f"{name}\n")


def _check_by_letter(final: Final) -> list[str]:
    problems = final.lost_content()
    for path in final.files("Library", tree=final.before):
        letter = name_of(path)[0].lower()
        if not any(folder_of(p).lower() == f"library/{letter}" for p in final.now_at(path)):
            problems.append(f"{name_of(path)} is not in the folder {letter.upper()}")
    return problems


chore(
    "sort-by-first-letter",
    "put each file in Library into a folder named after the first letter of its name",
    build=_letters,
    check=_check_by_letter,
    folders=("Library",),
    reference="""
for path in files.list("Library"):
    letter = path.split("/")[-1][0].upper()
    files.mkdir(f"Library/{letter}")
    files.rename(path, f"Library/{letter}/" + path.split("/")[-1])
""",
)


def _zips(root: Path) -> None:
    import zipfile

    d = root / "Downloads"
    d.mkdir(parents=True)
    for name, members in [
        ("holiday.zip", {"day1.txt": "sun\n", "pics/beach.jpg": "jpeg bytes"}),
        ("forms.zip", {"form.pdf": "%PDF form"}),
    ]:
        with zipfile.ZipFile(d / name, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for member, text in members.items():
                archive.writestr(member, text)
    write_file(d / "readme.txt", "not an archive\n")


def _check_unzipped(final: Final) -> list[str]:
    import zipfile

    problems = []
    for name in ("holiday.zip", "forms.zip"):
        with zipfile.ZipFile(final.root / "Downloads" / name) as archive:
            for member in archive.namelist():
                want = archive.read(member)
                found = [
                    p
                    for p in final.files("Downloads")
                    if p.endswith("/" + member) and (final.root / p).read_bytes() == want
                ]
                if not found:
                    problems.append(f"{member} from {name} was not extracted")
    return problems + final.unchanged(
        ["Downloads/readme.txt", "Downloads/holiday.zip", "Downloads/forms.zip"]
    )


chore(
    "unzip-archives",
    "unzip all the archives in Downloads, each into its own folder",
    build=_zips,
    check=_check_unzipped,
    folders=("Downloads",),
    needs=("archives",),
    reference="""
for path in files.list("Downloads", "*.zip"):
    archives.extract(path, path[:-4])
""",
)


def _report_folder(root: Path) -> None:
    write_file(root / "Work" / "Report" / "report.txt", "the report\n")
    write_file(root / "Work" / "Report" / "figures.csv", "x,y\n1,2\n")
    write_file(root / "Work" / "other.txt", "not in the report\n")


def _check_zipped(final: Final) -> list[str]:
    import zipfile

    made = [p for p in final.files("Work") if ext(p) == "zip" and p not in final.before]
    if len(made) != 1:
        return [f"expected one new .zip in Work, found {made}"]
    with zipfile.ZipFile(final.root / made[0]) as archive:
        held = {name_of(n): archive.read(n) for n in archive.namelist() if not n.endswith("/")}
    problems = [f"{n} is missing from the zip" for n in ("report.txt", "figures.csv") if n not in held]
    if "other.txt" in held:
        problems.append("other.txt is not in the Report folder but is in the zip")
    return problems + final.unchanged(list(final.files("Work", tree=final.before)))


chore(
    "zip-folder",
    "zip the Report folder in Work so I can email it",
    build=_report_folder,
    check=_check_zipped,
    folders=("Work",),
    needs=("archives",),
    may_change=lambda p: ext(p) == "zip",
    reference="""
archives.make_zip("Work/Report.zip", files.list("Work/Report"))
""",
)
