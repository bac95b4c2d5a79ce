"""Rename the photos in a folder by the date and place they were taken."""
# inputs["folder"]: the granted folder, e.g. "Trip". New names look like "2024-07-14 Paris 001.jpg".
import re

folder = inputs["folder"]
kinds = (".jpg", ".jpeg", ".heic", ".heif", ".png", ".tif", ".tiff", ".webp")
pictures = [p for p in files.list(folder) if p.lower().endswith(kinds)]
infos = photos.info_many(pictures)
dated = [i for i in infos if not i.get("error") and i["taken"]]
unreadable = {i["path"]: i["error"] for i in infos if i.get("error")}
for path in sorted(set(pictures) - {i["path"] for i in dated}):
    if path in unreadable:  # damaged, cut short, not a picture: said so, not "no date"
        print(f"Left as it is (cannot be read): {path}: {unreadable[path]}")
    else:
        print(f"Left as it is (no date recorded): {path}")
dated.sort(key=lambda i: (i["taken"], i["path"]))  # oldest first: a stable order

# One call for all positions: the city (or nothing, at sea) for each located photo.
located = [i for i in dated if i["gps"]]
spots = places.lookup_many([[i["gps"]["lat"], i["gps"]["lon"]] for i in located])
city = {i["path"]: s["city"] for i, s in zip(located, spots) if s["city"]}


def stem(info):
    return info["taken"][:10] + (" " + city[info["path"]] if info["path"] in city else "")


# Photos named this way already keep their names; the others get the next number that is free.
taken = {p.lower() for p in files.list(folder)}
named = re.compile(r"(.*) \d{3}\.\w+")
count, moves = {}, []
for info in dated:
    base = stem(info)
    same = named.fullmatch(info["path"].rsplit("/", 1)[-1])
    if same and same[1] == base:
        continue
    ext = info["path"].rsplit(".", 1)[-1].lower()
    while True:
        count[base] = count.get(base, 0) + 1
        new = f"{folder}/{base} {count[base]:03}.{ext}"
        if new.lower() not in taken:
            break
    moves.append([info["path"], new])
    taken.add(new.lower())
files.rename_many(moves)
result = {"renamed": len(moves), "undated": len(pictures) - len(dated)}
