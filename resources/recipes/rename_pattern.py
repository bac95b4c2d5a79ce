"""Rename the files in a folder by a pattern with numbering, like "Holiday 001.jpg"."""
# inputs: "folder" (granted folder), "pattern" ("{n}" is the number: "Holiday {n:03}"),
# "order" ("name" or "date": which file gets number 1), "start" (the first number).
folder, pattern, order, start = inputs["folder"], inputs["pattern"], inputs["order"], int(inputs["start"])
if "{n" not in pattern:
    pattern += " {n}"  # a pattern without a number would give every file the same name

entries = [e for e in files.stat_many(files.list(folder)) if not e["is_folder"]]
if order == "date":
    entries.sort(key=lambda e: (e["modified_epoch"], e["name"].lower()))
else:
    entries.sort(key=lambda e: e["name"].lower())

moves = []
for n, entry in enumerate(entries, start):
    ext = "." + entry["name"].rsplit(".", 1)[1] if "." in entry["name"] else ""  # keep the extension
    new = f"{folder}/{pattern.format(n=n)}{ext}"
    if new != entry["path"]:
        moves.append([entry["path"], new])

# A new name may be another file's old name: move that one first (via a spare name in a loop).
ordered = []
while moves:
    sources = {s.lower() for s, _ in moves}
    ready = [m for m in moves if m[1].lower() not in sources]
    if not ready:
        src, dst = moves[0]
        ordered.append([src, src + ".renaming"])
        moves[0] = [src + ".renaming", dst]
        continue
    ordered += ready
    moves = [m for m in moves if m not in ready]
files.rename_many(ordered)
result = [new for _, new in ordered if not new.endswith(".renaming")]
