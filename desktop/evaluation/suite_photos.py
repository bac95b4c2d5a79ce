"""Chores on photos: by the date and place they were taken, the camera, their shape; smaller copies."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from capabilities.decoding import decode
from capabilities.decoding.answers import checked_info
from desktop.evaluation.chore import Final, chore, ext, folder_of, name_of
from desktop.evaluation.makefiles import make_photo

# Taken in Paris, Paris, London, New York; the last has no position. Offsets as phones write them.
TRIP: dict[str, dict[str, Any]] = {
    "IMG_0001.jpg": {
        "taken": "2024-07-14 09:15:00",
        "offset": "+02:00",
        "gps": (48.8584, 2.2945, 35.0),
        "make": "Apple",
        "model": "iPhone 13",
    },
    "IMG_0002.jpg": {
        "taken": "2024-07-14 18:30:05",
        "offset": "+02:00",
        "gps": (48.8867, 2.3431, 130.0),
        "make": "Apple",
        "model": "iPhone 13",
        "orientation": 6,
    },
    "IMG_0003.jpg": {
        "taken": "2024-08-16 11:02:40",
        "offset": "+01:00",
        "gps": (51.5072, -0.1276, 12.0),
        "make": "Canon",
        "model": "Canon EOS R6",
    },
    "IMG_0004.jpg": {
        "taken": "2024-09-19 20:45:10",
        "offset": "-04:00",
        "gps": (40.7580, -73.9855, 20.0),
        "make": "Canon",
        "model": "Canon EOS R6",
    },
    "IMG_0005.jpg": {"taken": "2024-09-20 07:00:00", "make": "Canon", "model": "Canon EOS R6"},
}
COUNTRY = {
    "IMG_0001.jpg": "france",
    "IMG_0002.jpg": "france",
    "IMG_0003.jpg": "kingdom",
    "IMG_0004.jpg": "states",
}
TOWN = {
    "IMG_0001.jpg": "paris",
    "IMG_0002.jpg": "paris",
    "IMG_0003.jpg": "london",
    "IMG_0004.jpg": "new york",
}


def _trip(folder: str, size: tuple[int, int] = (64, 48)) -> Callable[[Path], None]:
    def build(root: Path) -> None:
        for name, fields in TRIP.items():
            make_photo(root / folder / name, size=size, **fields)

    return build


def _check_date_place(final: Final) -> list[str]:
    problems = final.lost_content()
    for name, fields in TRIP.items():
        day = fields["taken"][:10]
        now = final.now_at(f"Trip/{name}")
        if not any(day in name_of(p) or day.replace("-", "") in name_of(p) for p in now):
            problems.append(f"{name} is not named with its day {day} (now {now})")
        if name in TOWN and not any(TOWN[name] in name_of(p).lower() for p in now):
            problems.append(f"{name} is not named with its town {TOWN[name]}")
    return problems


chore(
    "photos-date-place",
    "rename my photos by date and place",
    build=_trip("Trip"),
    check=_check_date_place,
    folders=("Trip",),
    kind="photos",
    needs=("photos", "places"),
    reference="""
for info in photos.info_many(files.list("Trip", "*.jpg")):
    day = (info.get("taken") or "undated")[:10]
    town = ""
    if info.get("gps"):
        town = " " + (places.lookup(info["gps"]["lat"], info["gps"]["lon"]).get("city") or "")
    files.rename(info["path"], f"Trip/{day}{town.rstrip()} {info['path'][-8:-4]}.jpg")
""",
)


def _check_by_month(final: Final) -> list[str]:
    problems = final.lost_content()
    for name, fields in TRIP.items():
        month = fields["taken"][:7]
        words = {month, month.replace("-", "_"), month.replace("-", " ")}
        if not any(
            any(w in folder_of(p) for w in words) or _month_word(month) in folder_of(p).lower()
            for p in final.now_at(f"Camera/{name}")
        ):
            problems.append(f"{name} is not in a folder for {month}")
    return problems


def _month_word(month: str) -> str:
    names = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ]
    return f"{names[int(month[5:]) - 1]}"


chore(
    "photos-by-month",
    "sort the photos in Camera into folders by the month they were taken",
    build=_trip("Camera"),
    check=_check_by_month,
    folders=("Camera",),
    kind="photos",
    needs=("photos",),
    reference="""
for info in photos.info_many(files.list("Camera", "*.jpg")):
    month = (info.get("taken") or "undated")[:7]
    files.mkdir(f"Camera/{month}")
    files.rename(info["path"], f"Camera/{month}/" + info["path"].split("/")[-1])
""",
)


def _check_by_country(final: Final) -> list[str]:
    problems = final.lost_content()
    for name, country in COUNTRY.items():
        if not any(country in folder_of(p).lower() for p in final.now_at(f"Trip/{name}")):
            problems.append(f"{name} is not in a folder for its country ({country})")
    return problems


chore(
    "photos-by-country",
    "put the photos in Trip into a folder for each country they were taken in",
    build=_trip("Trip"),
    check=_check_by_country,
    folders=("Trip",),
    kind="photos",
    needs=("photos", "places"),
    reference="""
for info in photos.info_many(files.list("Trip", "*.jpg")):
    country = "Unknown place"
    if info.get("gps"):
        country = places.lookup(info["gps"]["lat"], info["gps"]["lon"]).get("country") or country
    files.mkdir(f"Trip/{country}")
    files.rename(info["path"], f"Trip/{country}/" + info["path"].split("/")[-1])
""",
)


def _check_by_camera(final: Final) -> list[str]:
    problems = final.lost_content()
    for name, fields in TRIP.items():
        model = str(fields["model"]).lower()
        if not any(
            model in folder_of(p).lower() or model.split()[-1] in folder_of(p).lower()
            for p in final.now_at(f"Pics/{name}")
        ):
            problems.append(f"{name} is not in a folder for its camera {fields['model']}")
    return problems


chore(
    "photos-by-camera",
    "sort my photos in Pics into folders by the camera that took them",
    build=_trip("Pics"),
    check=_check_by_camera,
    folders=("Pics",),
    kind="photos",
    needs=("photos",),
    reference="""
for info in photos.info_many(files.list("Pics", "*.jpg")):
    camera = (info.get("camera") or {}).get("model")
    folder = f"Pics/{camera or 'Unknown camera'}"
    files.mkdir(folder)
    files.rename(info["path"], folder + "/" + info["path"].split("/")[-1])
""",
)


def _check_email_copies(final: Final) -> list[str]:
    problems = final.unchanged([f"Trip/{n}" for n in TRIP])
    new = [p for p in final.files() if p not in final.before and ext(p) in ("jpg", "jpeg")]
    if len(new) != len(TRIP):
        problems.append(f"expected {len(TRIP)} smaller copies, found {len(new)}")
    for path in new:
        with (final.root / path).open("rb") as f:  # read behind the second wall, like any picture
            raw, _ = decode("image.info", f, {"name": name_of(path)}, name=path)
        info = checked_info(raw, path)
        if max(info["width"], info["height"]) > 1600:
            problems.append(f"{path} is {info['width']}×{info['height']}, not smaller")
    return problems


chore(
    "resize-for-email",
    "make smaller copies of the photos in Trip that I can send by email",
    build=_trip("Trip", size=(2400, 1800)),
    check=_check_email_copies,
    folders=("Trip",),
    kind="photos",
    needs=("photos",),
    reference="""
files.mkdir("Trip/For email")
for path in files.list("Trip", "*.jpg"):
    photos.resize(path, "Trip/For email/" + path.split("/")[-1], 1280)
""",
)


def _check_no_location_list(final: Final) -> list[str]:
    target = "Trip/no-location.txt"
    if target not in final.after:
        return [f"{target} was not written"]
    text = final.text(target)
    problems = [] if "IMG_0005" in text else ["IMG_0005.jpg has no location but is not listed"]
    problems += [f"{n} has a location but is listed" for n in COUNTRY if n[:8] in text]
    return problems + final.unchanged([f"Trip/{n}" for n in TRIP])


chore(
    "list-no-location",
    "write the names of the photos in Trip that have no location into Trip/no-location.txt",
    build=_trip("Trip"),
    check=_check_no_location_list,
    folders=("Trip",),
    kind="photos",
    needs=("photos",),
    reference="""
infos = photos.info_many(files.list("Trip", "*.jpg"))
missing = [i["path"].split("/")[-1] for i in infos if not i.get("gps")]
files.write_text("Trip/no-location.txt", "\\n".join(missing) + "\\n")
""",
)


WEDDING = {
    "Wedding 001.jpg": "2024-06-01 16:00:00",
    "Wedding 002.jpg": "2024-06-01 12:30:00",
    "Wedding 003.jpg": "2024-06-01 14:10:00",
    "Wedding 004.jpg": "2024-06-01 11:05:00",
}


def _wedding(root: Path) -> None:
    for name, taken in WEDDING.items():
        make_photo(root / "Wedding" / name, taken=taken)


def _check_taken_order(final: Final) -> list[str]:
    problems = final.lost_content()
    order = sorted(WEDDING, key=WEDDING.get)  # type: ignore[arg-type]
    for rank, name in enumerate(order, start=1):
        now = [name_of(p) for p in final.now_at(f"Wedding/{name}")]
        if not any(re.search(rf"0*{rank}\D*$", n.rsplit(".", 1)[0]) for n in now):
            problems.append(f"{name} was taken {rank}. but is now {now}")
    return problems


chore(
    "rename-in-taken-order",
    "rename the Wedding photos Wedding 001, 002… in the order they were taken",
    build=_wedding,
    check=_check_taken_order,
    folders=("Wedding",),
    kind="photos",
    needs=("photos",),
    reference="""
infos = sorted(photos.info_many(files.list("Wedding", "*.jpg")), key=lambda i: i.get("taken") or "")
moves = [[i["path"], f"Wedding/tmp-{n:03d}.jpg"] for n, i in enumerate(infos, start=1)]
files.rename_many(moves)
files.rename_many([[dst, dst.replace("tmp-", "Wedding ")] for _, dst in moves])
""",
)


def _shapes(root: Path) -> None:
    make_photo(root / "Pics" / "tall.jpg", size=(48, 96))
    make_photo(root / "Pics" / "wide.jpg", size=(96, 48))
    make_photo(root / "Pics" / "turned.jpg", size=(96, 48), orientation=6)  # shown upright: portrait
    make_photo(root / "Pics" / "square.jpg", size=(64, 64))


def _check_portraits(final: Final) -> list[str]:
    problems = final.lost_content()
    for name, portrait in [
        ("tall.jpg", True),
        ("turned.jpg", True),
        ("wide.jpg", False),
        ("square.jpg", False),
    ]:
        inside = any("portrait" in folder_of(p).lower() for p in final.now_at(f"Pics/{name}"))
        if inside != portrait:
            problems.append(f"{name} {'belongs' if portrait else 'does not belong'} in the Portrait folder")
    return problems


chore(
    "portraits-apart",
    "move the portrait (upright) photos in Pics into a Portrait folder",
    build=_shapes,
    check=_check_portraits,
    folders=("Pics",),
    kind="photos",
    needs=("photos",),
    reference="""
files.mkdir("Pics/Portrait")
for info in photos.info_many(files.list("Pics", "*.jpg")):
    w, h = info["width"], info["height"]
    if info.get("orientation") in (5, 6, 7, 8):
        w, h = h, w
    if h > w:
        files.rename(info["path"], "Pics/Portrait/" + info["path"].split("/")[-1])
""",
)


def _iphone(root: Path) -> None:
    make_photo(root / "Camera" / "IMG_1001.heic", taken="2024-05-01 10:00:00")
    make_photo(root / "Camera" / "IMG_1002.HEIC", taken="2024-05-02 10:00:00")
    make_photo(root / "Camera" / "DSC_2001.jpg", taken="2024-05-03 10:00:00")


def _check_heic(final: Final) -> list[str]:
    problems = final.lost_content()
    for name in ("IMG_1001.heic", "IMG_1002.HEIC"):
        if not any(folder_of(p) == "Camera/iPhone" for p in final.now_at(f"Camera/{name}")):
            problems.append(f"{name} is not in Camera/iPhone")
    return problems + final.unchanged(["Camera/DSC_2001.jpg"])


chore(
    "heic-to-iphone-folder",
    "move the HEIC photos in Camera into a folder called iPhone",
    build=_iphone,
    check=_check_heic,
    folders=("Camera",),
    kind="photos",
    reference="""
files.mkdir("Camera/iPhone")
for path in files.list("Camera", "*.heic"):
    files.rename(path, "Camera/iPhone/" + path.split("/")[-1])
""",
)


def _screens(root: Path) -> None:
    make_photo(root / "Desktop" / "Screenshot 2024-03-01 at 10.00.00.png")
    make_photo(root / "Desktop" / "Screen Shot 2023-12-24 at 08.15.00.png")
    make_photo(root / "Desktop" / "Screenshot_20240505-101010.png")
    make_photo(root / "Desktop" / "holiday.png")


def _check_screenshots_folder(final: Final) -> list[str]:
    problems = final.lost_content()
    for path in final.files("Desktop", tree=final.before):
        inside = any(folder_of(p) == "Desktop/Screenshots" for p in final.now_at(path))
        if inside != ("screen" in name_of(path).lower()):
            problems.append(
                f"{name_of(path)} {'belongs' if not inside else 'does not belong'} in Desktop/Screenshots"
            )
    return problems


chore(
    "screenshots-folder",
    "put the screenshots on my Desktop in a Screenshots folder",
    build=_screens,
    check=_check_screenshots_folder,
    folders=("Desktop",),
    kind="photos",
    reference="""
files.mkdir("Desktop/Screenshots")
for path in files.list("Desktop"):
    if "screen" in path.split("/")[-1].lower() and not files.stat(path)["is_folder"]:
        files.rename(path, "Desktop/Screenshots/" + path.split("/")[-1])
""",
)


def _check_place_csv(final: Final) -> list[str]:
    sheets = [p for p in final.files("Trip") if ext(p) == "csv" and p not in final.before]
    if len(sheets) != 1:
        return [f"expected one new .csv in Trip, found {sheets}"]
    rows = list(csv.reader(io.StringIO(final.text(sheets[0]))))
    problems = []
    for name, fields in TRIP.items():
        row = " ".join(next((r for r in rows if any(name in cell for cell in r)), [])).lower()
        if not row:
            problems.append(f"{name} has no row")
        elif fields["taken"][:10] not in row or (name in TOWN and TOWN[name] not in row):
            problems.append(f"the row of {name} lacks its date or town: {row}")
    return problems + final.unchanged([f"Trip/{n}" for n in TRIP])


chore(
    "photo-places-spreadsheet",
    "make a spreadsheet of my Trip photos with the date and the town each was taken in",
    build=_trip("Trip"),
    check=_check_place_csv,
    folders=("Trip",),
    kind="photos",
    needs=("photos", "places"),
    reference="""
import csv, io
out = io.StringIO()
sheet = csv.writer(out)
sheet.writerow(["photo", "date", "town"])
for info in photos.info_many(files.list("Trip", "*.jpg")):
    town = places.lookup(info["gps"]["lat"], info["gps"]["lon"]).get("city") if info.get("gps") else ""
    sheet.writerow([info["path"].split("/")[-1], (info.get("taken") or "")[:10], town or ""])
files.write_text("Trip/photos.csv", out.getvalue())
""",
)


def _check_date_prefix_photos(final: Final) -> list[str]:
    problems = final.lost_content()
    for name, fields in TRIP.items():
        day = fields["taken"][:10]
        if not any(
            name_of(p).startswith((day, day.replace("-", ""))) for p in final.now_at(f"Camera/{name}")
        ):
            problems.append(f"{name} does not start with the day it was taken, {day}")
    return problems


chore(
    "photo-date-prefix",
    "add the date each photo in Camera was taken to the start of its name",
    build=_trip("Camera"),
    check=_check_date_prefix_photos,
    folders=("Camera",),
    kind="photos",
    needs=("photos",),
    reference="""
for info in photos.info_many(files.list("Camera", "*.jpg")):
    name = info["path"].split("/")[-1]
    files.rename(info["path"], f"Camera/{(info.get('taken') or 'undated')[:10]} {name}")
""",
)


def _check_paris_copies(final: Final) -> list[str]:
    problems = final.unchanged([f"Trip/{n}" for n in TRIP])
    for name in TRIP:
        copied = any(folder_of(p).lower().endswith("paris") for p in final.now_at(f"Trip/{name}"))
        if copied != (TOWN.get(name) == "paris"):
            problems.append(
                f"{name} {'should' if not copied else 'should not'} have a copy in a Paris folder"
            )
    return problems


chore(
    "copy-paris-photos",
    "copy the photos from Trip that were taken in Paris into a folder called Paris",
    build=_trip("Trip"),
    check=_check_paris_copies,
    folders=("Trip",),
    kind="photos",
    needs=("photos", "places"),
    reference="""
files.mkdir("Trip/Paris")
for info in photos.info_many(files.list("Trip", "*.jpg")):
    if info.get("gps") and places.lookup(info["gps"]["lat"], info["gps"]["lon"]).get("city") == "Paris":
        files.copy(info["path"], "Trip/Paris/" + info["path"].split("/")[-1])
""",
)


def _check_no_location(final: Final) -> list[str]:
    """In place, or as copies to share: either way no picture meant for sharing may still hold GPS."""
    problems = []
    for name in TRIP:
        old = f"Trip/{name}"
        copies = [p for p in final.files() if p not in final.before and ext(p) in ("jpg", "jpeg", "png")]
        if old in final.after and final.after[old].digest != final.before[old].digest:
            if _gps(final, old):
                problems.append(f"{name} was changed but still records its location")
        elif not copies and name in COUNTRY:
            problems.append(f"{name} still records its location, and no copy without it was made")
    for path in [p for p in final.files() if p not in final.before]:
        if _gps(final, path):
            problems.append(f"the copy {path} still records a location")
    return problems + final.lost_content(except_paths=[f"Trip/{n}" for n in TRIP])


def _gps(final: Final, path: str) -> bool:
    with (final.root / path).open("rb") as f:
        raw, _ = decode("image.info", f, {"name": name_of(path)}, name=path)
    return checked_info(raw, path).get("gps") is not None


chore(
    "strip-location",
    "remove the location from the photos in Trip before I share them",
    build=_trip("Trip"),
    check=_check_no_location,
    folders=("Trip",),
    kind="photos",
    needs=("photos",),
    reference="""
for path in files.list("Trip", "*.jpg"):
    photos.strip_location(path)
""",
)
