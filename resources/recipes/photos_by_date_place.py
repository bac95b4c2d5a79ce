"""Rename the photos in a folder by the date and place they were taken."""
# inputs["folder"]: the granted folder, e.g. "Trip". New names look like "2024-07-14 Paris 001.jpg".
folder = inputs["folder"]
kinds = (".jpg", ".jpeg", ".heic", ".heif", ".png", ".tif", ".tiff", ".webp")
pictures = [p for p in files.list(folder) if p.lower().endswith(kinds)]
dated = [i for i in photos.info_many(pictures) if not i.get("error") and i["taken"]]
for path in sorted(set(pictures) - {i["path"] for i in dated}):
    print(f"Left as it is (no date recorded): {path}")
dated.sort(key=lambda i: (i["taken"], i["path"]))  # oldest first: a stable order

# One call for all positions: the city (or nothing, at sea) for each located photo.
located = [i for i in dated if i["gps"]]
spots = places.lookup_many([[i["gps"]["lat"], i["gps"]["lon"]] for i in located])
city = {i["path"]: s["city"] for i, s in zip(located, spots) if s["city"]}

# Number photos per date and place; skip names other files already have.
keep = {p.lower() for p in files.list(folder)} - {i["path"].lower() for i in dated}
count, moves = {}, []
for info in dated:
    stem = info["taken"][:10] + (" " + city[info["path"]] if info["path"] in city else "")
    ext = info["path"].rsplit(".", 1)[-1].lower()
    while True:
        count[stem] = count.get(stem, 0) + 1
        new = f"{folder}/{stem} {count[stem]:03}.{ext}"
        if new.lower() not in keep:
            break
    if new != info["path"]:
        moves.append([info["path"], new])

# A new name may be another photo's old name: move that one first (via a spare name in a loop).
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
result = {"renamed": len(ordered), "undated": len(pictures) - len(dated)}
