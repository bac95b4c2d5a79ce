"""``FolderSet.entry_granted``: the one-look-up grant check a large rename's C loop relies on.

It may only ever say less than ``granted``: every path it accepts, ``granted`` accepts with the
same folder and name; everything else is None (the caller then takes the path that words it).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from capabilities.base import Grant
from capabilities.errors import ErrandError
from capabilities.folders.granted import FolderSet


@pytest.fixture
def folders(tmp_path: Path) -> FolderSet:
    for name in ("Trip", "Docs", "Trip/sub"):
        (tmp_path / name).mkdir()
    found = FolderSet()
    found.add(Grant("files", str(tmp_path / "Trip"), "rw", "Trip"))
    found.add(Grant("files", str(tmp_path / "Docs"), "ro", "Docs"))
    return found


def test_a_name_right_in_a_writable_grant_is_its_folder_and_name(folders: FolderSet) -> None:
    trip = str(folders.roots["Trip"])
    assert folders.entry_granted("files", f"{trip}{os.sep}IMG 1.jpg", write=True) == ("Trip", "IMG 1.jpg")
    docs = str(folders.roots["Docs"])
    assert folders.entry_granted("files", f"{docs}{os.sep}a.txt") == ("Docs", "a.txt")


@pytest.mark.parametrize("rest", ["sub/a.jpg", "..", ".", "", ".hidden/../x", "a\0b"])
def test_anything_but_a_plain_name_right_in_the_grant_is_left_to_the_full_check(
        folders: FolderSet, rest: str) -> None:
    trip = str(folders.roots["Trip"])
    assert folders.entry_granted("files", f"{trip}{os.sep}{rest}", write=True) is None


def test_a_read_only_grant_another_capability_or_an_ungranted_folder_is_none(
        folders: FolderSet, tmp_path: Path) -> None:
    docs, trip = str(folders.roots["Docs"]), str(folders.roots["Trip"])
    assert folders.entry_granted("files", f"{docs}{os.sep}a.txt", write=True) is None
    assert folders.entry_granted("photos", f"{trip}{os.sep}a.jpg") is None
    assert folders.entry_granted("files", str(tmp_path / "a.jpg")) is None
    assert folders.entry_granted("files", trip, write=True) is None  # the granted folder itself


@pytest.mark.parametrize("rest", ["a.jpg", "sub/a.jpg", "..", "a\0b", ""])
def test_it_never_accepts_what_granted_refuses(folders: FolderSet, rest: str) -> None:
    path = f"{folders.roots['Trip']}{os.sep}{rest}"
    found = folders.entry_granted("files", path, write=True)
    try:
        parts = folders.granted("files", path, write=True)
    except ErrandError:
        assert found is None
    else:
        assert found is None or parts == found
