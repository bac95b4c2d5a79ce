"""The prebuilt places index: one file, memory-mapped, so naming a place costs no start-up.

Parsing GeoNames' city list as JSON took ~1 s in every process that named a
place. ``scripts/make_places_index.py`` writes it once into
``resources/places/places.bin``; opening that is an ``mmap`` and a small JSON
header (a few ms), and the arrays are read in place, never copied.

Layout (little-endian): ``MAGIC``, a uint32 header length, the header (JSON:
the code tables and where each array starts), then the arrays, each aligned
to 8 bytes. Places are ordered by *radius class* (how far a place reaches,
see ``radius_km``), then by grid cell, so one search reads one contiguous run
of places per grid row.

Why classes: the name chosen is the place whose radius the point is deepest
inside (smallest distance / radius). Searching the biggest places first gives
a good ratio at once (inside Paris it is below 1), and a smaller class can
then only win within ``ratio × its largest radius``: in a city centre that is
a few hundred metres, so a look-up reads tens of places, not thousands.
"""

from __future__ import annotations

import json
import math
import mmap
import struct
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

__all__ = ["SEARCH_KM", "PlacesIndex", "Record", "distance_km", "radius_km", "write_index"]

MAGIC = b"ERRPLACE\x00\x00\x00\x01"
SEARCH_KM = 50.0  # farther than this from every place: say so instead of naming one
KM_PER_DEGREE = 111.195
_RADIUS_PER_ROOT_POP = 0.008  # km per √inhabitants: ~12 km for Paris, ~24 km for London
_COORD = 1e5  # positions are stored as integer 1e-5 degrees (about 1 m)
# Upper radius of each class (km) and its grid cell (degrees): cells about as wide as the reach.
_CLASSES = ((1.0, 0.1), (2.0, 0.1), (4.0, 0.2), (8.0, 0.25), (16.0, 0.5), (1e9, 1.0))
_ARRAYS = (("lat", "i"), ("lon", "i"), ("pop", "I"), ("radius", "f"), ("whole", "i"),
           ("country", "H"), ("zone", "H"), ("region", "H"), ("name_end", "I"))


def radius_km(population: int) -> float:
    """How far a place reaches: grows with √population (a city's area grows with its population)."""
    return max(1.0, _RADIUS_PER_ROOT_POP * math.sqrt(population))


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Haversine distance; exact enough at every scale."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 12742.0 * math.asin(min(1.0, math.sqrt(h)))


@dataclass(frozen=True, slots=True)
class Record:
    """One place as the index builder hands it in."""

    name: str
    lat: float
    lon: float
    population: int
    country: int  # index into the header's ``countries``
    zone: int  # index into ``zones``
    region: int  # index into ``regions``
    whole: int = -1  # index (in the input order) of the bigger place this one is part of; -1: itself


@dataclass(frozen=True, slots=True)
class _Class:
    cell: float
    rmax: float
    start: int
    end: int
    cols: int
    keys: Sequence[int]  # sorted cell keys (row * cols + col) of this class
    starts: Sequence[int]  # first place of each cell; one more entry: the class's end


def _class_of(radius: float) -> int:
    return next(k for k, (upper, _) in enumerate(_CLASSES) if radius < upper or upper == _CLASSES[-1][0])


def _cell_key(lat: float, lon: float, cell: float, cols: int) -> int:
    row = min(int((lat + 90.0) / cell), round(180.0 / cell) - 1)
    return row * cols + min(int((lon + 180.0) / cell), cols - 1)


def write_index(out: BinaryIO, records: Sequence[Record], tables: dict[str, Any]) -> None:
    """Write ``records`` (and the code ``tables`` for the header) in the layout ``PlacesIndex`` reads."""
    keyed = []
    for i, r in enumerate(records):
        k = _class_of(radius_km(r.population))
        cell = _CLASSES[k][1]
        lat, lon = round(r.lat * _COORD) / _COORD, round(r.lon * _COORD) / _COORD  # as stored
        keyed.append((k, _cell_key(lat, lon, cell, round(360.0 / cell)), i))
    keyed.sort()
    new_index = {i: n for n, (_, _, i) in enumerate(keyed)}
    ordered = [records[i] for _, _, i in keyed]
    columns: dict[str, array[Any]] = {name: array(code) for name, code in _ARRAYS}
    names = bytearray()
    for r in ordered:
        names += r.name.encode("utf-8")
        for name, value in (("lat", round(r.lat * _COORD)), ("lon", round(r.lon * _COORD)),
                            ("pop", r.population), ("radius", radius_km(r.population)),
                            ("whole", new_index[r.whole] if r.whole >= 0 else -1),
                            ("country", r.country), ("zone", r.zone), ("region", r.region),
                            ("name_end", len(names))):
            columns[name].append(value)
    classes = []
    for k, (_, cell) in enumerate(_CLASSES):
        members = [(n, key) for n, (c, key, _) in enumerate(keyed) if c == k]
        keys, starts = array("i"), array("i")
        for n, key in members:
            if not keys or keys[-1] != key:
                keys.append(key)
                starts.append(n)
        start = members[0][0] if members else 0
        end = members[-1][0] + 1 if members else 0
        starts.append(end)
        columns[f"keys{k}"], columns[f"starts{k}"] = keys, starts
        rmax = max((radius_km(ordered[n].population) for n, _ in members), default=0.0)
        classes.append({"cell": cell, "rmax": rmax, "start": start, "end": end})
    blobs = [(name, col.typecode, col.tobytes(), len(col)) for name, col in columns.items()]
    blobs.append(("names", "B", bytes(names), len(names)))
    header = {**tables, "count": len(ordered), "classes": classes, "arrays": {}}
    offset = 0
    for name, code, data, length in blobs:
        header["arrays"][name] = [offset, code, length]
        offset += (len(data) + 7) // 8 * 8
    text = json.dumps(header, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    text += b" " * (-(len(MAGIC) + 4 + len(text)) % 8)
    out.write(MAGIC + struct.pack("<I", len(text)) + text)
    for _, _, data, _ in blobs:
        out.write(data + b"\0" * (-len(data) % 8))


def open_mapped(path: Path, magic: bytes, what: str) -> tuple[mmap.mmap, dict[str, Any], memoryview]:
    """Map a file of this layout (``magic``, uint32 header length, JSON header, data): the map, the
    header and a view of the data after it. Also the layout of the zone tiles (``places_zones``)."""
    with open(path, "rb") as f:
        mapped = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    if mapped[:len(magic)] != magic:
        raise ValueError(f"{path} is not {what} of this version of Errand.")
    (length,) = struct.unpack_from("<I", mapped, len(magic))
    base = len(magic) + 4
    header: dict[str, Any] = json.loads(mapped[base:base + length].decode("utf-8"))
    return mapped, header, memoryview(mapped)[base + length:]


class PlacesIndex:
    """A read-only view of ``places.bin``: arrays read in place from the mapped file."""

    def __init__(self, path: Path) -> None:
        self._map, self.header, view = open_mapped(path, MAGIC, "a places index")
        arrays = {name: view[off:off + length * struct.calcsize(code)].cast(code)
                  for name, (off, code, length) in self.header["arrays"].items()}
        self.count: int = self.header["count"]
        (self.lat, self.lon, self.pop, self.radius, self.whole, self.country, self.zone, self.region,
         self._name_end) = (arrays[name] for name, _ in _ARRAYS)
        self._names = arrays["names"]
        self._classes = [
            _Class(c["cell"], c["rmax"], c["start"], c["end"], round(360.0 / c["cell"]),
                   arrays[f"keys{k}"], arrays[f"starts{k}"])
            for k, c in enumerate(self.header["classes"])][::-1]  # biggest places first

    def name(self, i: int) -> str:
        start = self._name_end[i - 1] if i else 0
        return bytes(self._names[start:self._name_end[i]]).decode("utf-8")

    def position(self, i: int) -> tuple[float, float]:
        return self.lat[i] / _COORD, self.lon[i] / _COORD

    def deepest(self, lat: float, lon: float, allowed: frozenset[int] | None) -> tuple[int, float]:
        """The place within ``SEARCH_KM`` whose radius the point is deepest inside, and its distance.

        ``allowed`` limits the answer to those countries (None: any). Returns
        ``(-1, 0.0)`` when there is none.
        """
        best, best_ratio, best_d = -1, math.inf, 0.0
        la, lo = self.lat, self.lon
        for cls in self._classes:
            reach = min(SEARCH_KM, best_ratio * cls.rmax)
            for start, end in self._runs(cls, lat, lon, reach):
                max_dlat = reach / KM_PER_DEGREE * _COORD
                ilat = lat * _COORD
                for i in range(start, end):
                    if abs(la[i] - ilat) > max_dlat:  # cheap test first: most of a run is too far
                        continue
                    if allowed is not None and self.country[i] not in allowed:
                        continue
                    d = distance_km(lat, lon, la[i] / _COORD, lo[i] / _COORD)
                    if d > SEARCH_KM:
                        continue
                    ratio = d / self.radius[i]
                    if ratio < best_ratio or (ratio == best_ratio and i < best):
                        best, best_ratio, best_d = i, ratio, d
        return best, best_d

    def deepest_linear(self, lat: float, lon: float, allowed: frozenset[int] | None) -> tuple[int, float]:
        """The same answer by reading every place: the baseline tests and the benchmark compare with."""
        best, best_ratio, best_d = -1, math.inf, 0.0
        for i in range(self.count):
            if allowed is not None and self.country[i] not in allowed:
                continue
            d = distance_km(lat, lon, self.lat[i] / _COORD, self.lon[i] / _COORD)
            if d <= SEARCH_KM and d / self.radius[i] < best_ratio:
                best, best_ratio, best_d = i, d / self.radius[i], d
        return best, best_d

    @staticmethod
    def _runs(cls: _Class, lat: float, lon: float, reach: float) -> Iterator[tuple[int, int]]:
        """Runs of places (index ranges) in the cells within ``reach`` km of the point."""
        if reach <= 0 or cls.start == cls.end:
            return
        rows = round(180.0 / cls.cell)
        dlat = reach / KM_PER_DEGREE
        far_lat = min(90.0, abs(lat) + dlat)
        top = min(rows - 1, int((min(90.0, lat + dlat) + 90.0) / cls.cell))
        bottom = max(0, int((max(-90.0, lat - dlat) + 90.0) / cls.cell))
        cos_far = math.cos(math.radians(far_lat))
        dlon = 360.0 if cos_far < 1e-6 else reach / (KM_PER_DEGREE * cos_far)
        if dlon >= 180.0:
            spans = [(0, cls.cols - 1)]
        else:
            first = math.floor((lon - dlon + 180.0) / cls.cell)
            last = math.floor((lon + dlon + 180.0) / cls.cell)
            spans = ([(first % cls.cols, cls.cols - 1), (0, last % cls.cols)]
                     if first < 0 or last >= cls.cols else [(first, last)])
        keys, starts = cls.keys, cls.starts
        for row in range(bottom, top + 1):
            for c0, c1 in spans:
                a = bisect_left(keys, row * cls.cols + c0)
                b = bisect_right(keys, row * cls.cols + c1, a)
                if a < b:
                    yield starts[a], starts[b]
