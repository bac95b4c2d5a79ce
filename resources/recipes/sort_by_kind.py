"""Sort the files in a folder (like Downloads) into subfolders by kind."""
# inputs["folder"]: the granted folder, e.g. "Downloads". Only files directly in it move.
folder = inputs["folder"]
KINDS = {
    "Documents": "pdf doc docx odt rtf txt md xls xlsx ods csv ppt pptx odp pages numbers key epub",
    "Pictures": "jpg jpeg png gif heic heif webp tif tiff bmp svg raw cr2 nef dng",
    "Music": "mp3 m4a aac flac wav ogg opus wma aiff",
    "Videos": "mp4 mov m4v avi mkv webm wmv mpg mpeg 3gp",
    "Archives": "zip rar 7z tar gz tgz bz2 xz iso dmg",
}
kind_of = {ext: kind for kind, exts in KINDS.items() for ext in exts.split()}
UNFINISHED = {"part", "crdownload", "download", "tmp", "partial"}  # downloads still arriving stay put

moves = {}
for entry in files.stat_many(files.list(folder)):
    ext = entry["name"].rsplit(".", 1)[-1].lower() if "." in entry["name"] else ""
    if entry["is_folder"] or entry["name"].startswith(".") or ext in UNFINISHED:
        continue  # folders (also those made last time), hidden files and unfinished downloads stay
    moves.setdefault(kind_of.get(ext, "Other"), []).append(entry)

moved, left = {}, []
for kind, entries in sorted(moves.items()):
    files.mkdir(f"{folder}/{kind}")
    for entry in entries:
        # A file of that name already in the subfolder: add " (2)", " (3)"… before the extension.
        stem, dot, ext = entry["name"].rpartition(".") if "." in entry["name"] else (entry["name"], "", "")
        new, n = f"{folder}/{kind}/{entry['name']}", 2
        while files.exists(new):
            new, n = f"{folder}/{kind}/{stem} ({n}){dot}{ext}", n + 1
        try:
            files.rename(entry["path"], new)
        except (PermissionError, FileExistsError, FileNotFoundError):
            left.append(entry["name"])  # one file that cannot move never stops the others; Errand says why
            continue
        moved[kind] = moved.get(kind, 0) + 1
print(f"Moved {sum(moved.values())} files into {len(moved)} folders."
      + (f" {len(left)} left alone." if left else ""))
result = moved
