"""Paths never leave their grant: every spelling of an escape, links (also swapped in during
a run), special files, unsafe names, Errand's own folders — refused, the outside untouched."""

from __future__ import annotations

import os
import signal
import string
import threading
import unicodedata
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from capabilities.errors import GrantError, PathRefused, SourceChanged, TargetExists, TargetMissing
from capabilities.folders import names
from capabilities.folders.changes import create_file
from capabilities.folders.granted import folder_grants
from capabilities.folders.names import check_new_name, split_path
from tests.files_support import make_tree, snapshot, start


@pytest.fixture
def world(tmp_path: Path) -> tuple[Path, Path]:
    """A granted folder ``Trip`` and a folder outside it holding a secret."""
    trip, outside = tmp_path / "Trip", tmp_path / "outside"
    make_tree(trip, {"a.txt": "inside", "sub/b.txt": "deeper"})
    make_tree(outside, {"secret.txt": "do not touch"})
    return trip, outside


ESCAPES = ["../outside/secret.txt", "Trip/../outside/secret.txt", "Trip/sub/../../outside/secret.txt",
           "/etc/passwd", "C:/Windows/win.ini", "c:secret.txt", "\\\\server\\share\\x", "//server/share/x",
           "Trip\\..\\outside", "Trip/a.txt\0.jpg", "Trip/./a.txt", "Trip//a.txt", "", ".", "..",
           "outside/secret.txt"]


@pytest.mark.parametrize("path", ESCAPES)
def test_escapes_refused_for_reads_and_writes(world: tuple[Path, Path], tmp_path: Path, path: str) -> None:
    trip, _ = world
    before = snapshot(tmp_path, folder_times=True)
    run = start(tmp_path, (trip, "rw"))
    for call in (("read_text", path), ("stat", path), ("list", path), ("write_text", path, "x"),
                 ("delete", path), ("rename", "Trip/a.txt", path), ("copy", path, "Trip/c.txt"),
                 ("mkdir", path)):
        with pytest.raises(GrantError) as info:
            run.call(*call)
        assert info.value.hint, f"{call} gave no hint"
    assert run.actions == []
    assert snapshot(tmp_path, folder_times=True) == before


@pytest.mark.parametrize("name", [
    "CON", "con.txt", "Nul.tar.gz", "AUX ", "aux .txt", "LPT1", "com9.log", "COM¹", "PRN.", "report.",
    "report ", "a<b", "a>b", 'a"b', "a:b", "a|b", "a?b", "a*b", "a\\b", "tab\there", "bell\x07",
    "del\x7f", "c1\x85", "invoice\u202egpj.exe", "x\u2066y", "x\u200ey", "x\u061cy", "zero\u200bwidth",
    "x\u200dy", "x\u2060y", "\ufeffbom", "a" * 256, "é" * 128, ".", "..", ""])
def test_unsafe_new_names_refused(name: str) -> None:
    with pytest.raises(PathRefused) as info:
        check_new_name(name)
    assert info.value.hint


@pytest.mark.parametrize("name", ["CONSOLE.txt", "con-notes.txt", "Résumé.txt", "日本の旅.jpg",
                                  ".hidden", "a" * 255, "IMG_0001 (1).JPG", "com10.txt"])
def test_ordinary_names_allowed(name: str) -> None:
    check_new_name(name)


def test_unsafe_name_refused_through_every_write(world: tuple[Path, Path], tmp_path: Path) -> None:
    trip, _ = world
    run = start(tmp_path, (trip, "rw"))
    before = snapshot(trip)
    for call in (("write_text", "Trip/CON.txt", "x"), ("mkdir", "Trip/new\u202e"),
                 ("rename", "Trip/a.txt", "Trip/a.txt "), ("copy", "Trip/a.txt", "Trip/sub/b?.txt")):
        with pytest.raises(PathRefused):
            run.call(*call)
    assert run.actions == [] and snapshot(trip) == before


def test_split_path_keeps_plain_paths() -> None:
    assert split_path("Trip") == ("Trip",)
    assert split_path("Trip/") == ("Trip",)
    assert split_path("Trip/sub/IMG 1.jpg") == ("Trip", "sub", "IMG 1.jpg")


def test_symlinks_inside_a_grant_are_not_followed(world: tuple[Path, Path], tmp_path: Path) -> None:
    trip, outside = world
    (trip / "file-link").symlink_to(outside / "secret.txt")
    (trip / "dir-link").symlink_to(outside)
    before = snapshot(tmp_path, folder_times=True)
    run = start(tmp_path, (trip, "rw"))
    assert run.call("list", "Trip", recursive=True) == ["Trip/a.txt", "Trip/sub", "Trip/sub/b.txt"]
    for call in (("read_text", "Trip/file-link"), ("read_text", "Trip/dir-link/secret.txt"),
                 ("write_text", "Trip/dir-link/new.txt", "x"), ("delete", "Trip/dir-link/secret.txt"),
                 ("rename", "Trip/dir-link/secret.txt", "Trip/got.txt"), ("list", "Trip/dir-link")):
        with pytest.raises((PathRefused, TargetMissing)):
            run.call(*call)
    # Writing over the link's own name is planned as a new file; apply must refuse to follow it.
    run.call("write_text", "Trip/file-link", "overwrite?")
    with pytest.raises(PathRefused):
        run.apply()
    assert snapshot(tmp_path, folder_times=True) == before


def test_folder_swapped_for_symlink_between_preview_and_apply(world: tuple[Path, Path],
                                                              tmp_path: Path) -> None:
    trip, outside = world
    (outside / "b.txt").write_text("outside b")
    run = start(tmp_path, (trip, "rw"))
    run.call("rename", "Trip/sub/b.txt", "Trip/sub/c.txt")
    run.call("write_text", "Trip/sub/new.txt", "x")
    run.call("delete", "Trip/sub/b.txt".replace("b.txt", "c.txt"))
    os.rename(trip / "sub", tmp_path / "sub-moved")
    (trip / "sub").symlink_to(outside)
    before = snapshot(outside, folder_times=True)
    host = run.applier()
    for action in run.actions:
        with pytest.raises(PathRefused):
            host.verify(action)
        with pytest.raises(PathRefused):  # even without verify, perform will not follow the link
            host.perform(action)
    assert snapshot(outside, folder_times=True) == before


def test_last_component_swapped_for_symlink(world: tuple[Path, Path], tmp_path: Path) -> None:
    trip, outside = world
    run = start(tmp_path, (trip, "rw"))
    run.call("write_text", "Trip/new.txt", "fresh")
    run.call("write_text", "Trip/a.txt", "replaced")
    run.call("rename", "Trip/sub/b.txt", "Trip/moved.txt")
    (trip / "new.txt").symlink_to(outside / "secret.txt")
    (trip / "a.txt").unlink()
    (trip / "a.txt").symlink_to(outside / "secret.txt")
    (trip / "moved.txt").symlink_to(outside / "secret.txt")
    before = snapshot(outside, folder_times=True)
    host = run.applier()
    for action in run.actions:
        if action.op != "rename":  # a rename's own no-replace refuses it (below), atomically
            with pytest.raises((PathRefused, SourceChanged)):
                host.verify(action)
        with pytest.raises((PathRefused, TargetExists)):
            host.perform(action)
    assert snapshot(outside, folder_times=True) == before
    assert (trip / "sub" / "b.txt").read_text() == "deeper"


def test_swapping_during_resolution_never_writes_outside(world: tuple[Path, Path], tmp_path: Path) -> None:
    """A thread flips Trip/sub between a real folder and a link to the outside while we write."""
    trip, outside = world
    run = start(tmp_path, (trip, "rw"))
    folders = run.files.folders
    real_sub, parked = trip / "sub", tmp_path / "parked"
    stop = threading.Event()

    def flip() -> None:
        while not stop.is_set():
            try:
                os.rename(real_sub, parked)
                os.symlink(outside, real_sub)
                os.unlink(real_sub)
                os.rename(parked, real_sub)
            except OSError:
                continue

    flipper = threading.Thread(target=flip)
    flipper.start()
    written = refused = 0
    try:
        for i in range(400):
            try:
                create_file(folders, ("Trip", "sub", f"n{i}.txt"), lambda f: f.write(b"x"))
                written += 1
            except (PathRefused, TargetMissing):
                refused += 1
    finally:
        stop.set()
        flipper.join()
    if not real_sub.is_dir() or real_sub.is_symlink():
        os.rename(parked, real_sub)
    print(f"race: {written} written, {refused} refused")
    assert sorted(p.name for p in outside.iterdir()) == ["secret.txt"]
    assert written + refused == 400
    assert len(list((trip / "sub").glob("n*.txt"))) == written


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_fifo_never_hangs(world: tuple[Path, Path], tmp_path: Path) -> None:
    trip, _ = world
    os.mkfifo(trip / "pipe")
    run = start(tmp_path, (trip, "rw"))
    signal.alarm(10)  # a hang fails the test instead of blocking the suite
    try:
        assert "Trip/pipe" not in run.call("list", "Trip")
        for call in (("read_text", "Trip/pipe"), ("copy", "Trip/pipe", "Trip/p2"),
                     ("delete", "Trip/pipe"), ("stat", "Trip/pipe")):
            with pytest.raises((PathRefused, TargetMissing)):
                run.call(*call)
        with pytest.raises(PathRefused, match="not a regular file"):
            run.files.folders.read_bytes(("Trip", "pipe"))  # straight at the disk layer
    finally:
        signal.alarm(0)
    assert (trip / "pipe").exists()


def test_read_only_grant_refuses_every_write(world: tuple[Path, Path], tmp_path: Path) -> None:
    trip, _ = world
    run = start(tmp_path, (trip, "ro"))
    assert run.call("read_text", "Trip/a.txt") == "inside"
    for call in (("write_text", "Trip/x.txt", "x"), ("mkdir", "Trip/d"), ("delete", "Trip/a.txt"),
                 ("rename", "Trip/a.txt", "Trip/b.txt"), ("copy", "Trip/a.txt", "Trip/c.txt")):
        with pytest.raises(GrantError, match="read-only") as info:
            run.call(*call)
        assert "Ask the person" in info.value.hint


def test_errand_folders_can_never_be_granted(tmp_path: Path, errand_home: Path) -> None:
    (errand_home / "holding").mkdir()
    for folder in (errand_home, errand_home / "holding"):
        with pytest.raises(PathRefused, match="Errand's own folder"):
            folder_grants([(str(folder), "rw")], (errand_home,))
    with pytest.raises(PathRefused, match="top of a disk"):
        folder_grants([("/", "ro")])
    with pytest.raises(TargetMissing):
        folder_grants([(str(tmp_path / "nope"), "ro")])
    with pytest.raises(PathRefused, match="full path"):
        folder_grants([("relative/dir", "ro")])


def test_errand_folder_inside_a_grant_is_out_of_reach(tmp_path: Path, errand_home: Path) -> None:
    # tmp_path holds ERRAND_HOME: granting tmp_path is allowed, reaching into Errand's folder is not.
    (errand_home / "errand.db").write_text("journal")
    make_tree(tmp_path / "docs", {"a.txt": "a"})
    run = start(tmp_path, (tmp_path, "rw"), protected=(errand_home,))
    label = tmp_path.name
    assert f"{label}/{errand_home.name}" not in run.call("list", label)
    for call in (("read_text", f"{label}/{errand_home.name}/errand.db"),
                 ("delete", f"{label}/{errand_home.name}")):
        with pytest.raises(GrantError):
            run.call(*call)
    # Nor can a folder holding Errand's folder be moved or deleted (tmp_path/x/errand-home).
    nested = tmp_path / "x"
    nested.mkdir()
    os.rename(errand_home, nested / errand_home.name)
    errand_home.mkdir()  # the conftest's ERRAND_HOME must still exist after the test
    run = start(tmp_path, (tmp_path, "rw"), protected=(nested / errand_home.name,))
    for call in (("delete", f"{label}/x"), ("rename", f"{label}/x", f"{label}/y")):
        with pytest.raises(PathRefused, match="holds Errand's own folder"):
            run.call(*call)
    assert run.actions == []


def test_labels_are_distinct_and_described(tmp_path: Path) -> None:
    make_tree(tmp_path / "2023" / "Trip", {"a.txt": "a"})
    make_tree(tmp_path / "2024" / "Trip", {"b.txt": "b"})
    make_tree(tmp_path / "2024" / "trip-2", {"c.txt": "c"})
    grants = folder_grants([(str(tmp_path / "2023" / "Trip"), "rw"), (str(tmp_path / "2024" / "Trip"), "ro"),
                            (str(tmp_path / "2024" / "trip-2"), "ro")])
    assert [g.label for g in grants] == ["Trip", "Trip-2", "trip-2-2"]
    from capabilities.api.files import Files

    assert Files.describe_grant(grants[0]).startswith("Read and change files in ")
    assert Files.describe_grant(grants[1]).endswith("2024/Trip (scripts call it “Trip-2”)")
    assert Files.describe_grant(grants[1]).startswith("Read files in ")
    with pytest.raises(PathRefused, match="overlap"):
        folder_grants([(str(tmp_path / "2023"), "rw"), (str(tmp_path / "2023" / "Trip"), "rw")])


def test_case_and_normalisation_clashes_refused(tmp_path: Path) -> None:
    nfd = unicodedata.normalize("NFD", "Café.txt")
    make_tree(tmp_path / "Trip", {"Photo.JPG": "p", nfd: "c", "x.txt": "x"})
    run = start(tmp_path, (tmp_path / "Trip", "rw"))
    for call in (("write_text", "Trip/photo.jpg", "x"), ("rename", "Trip/x.txt", "Trip/PHOTO.jpg"),
                 ("write_text", "Trip/" + unicodedata.normalize("NFC", "Café.txt"), "x"),
                 ("mkdir", "Trip/CAFÉ.TXT")):
        with pytest.raises(TargetExists, match="clash") as info:
            run.call(*call)
        assert "different name" in info.value.hint
    with pytest.raises(TargetMissing, match=r"photo\.jpg") as info:
        run.call("read_text", "Trip/photo.jpg")
    assert "Trip/Photo.JPG" in info.value.hint
    # A case-only rename of the same file is fine, and applies.
    run.call("rename", "Trip/Photo.JPG", "Trip/photo.jpg")
    run.apply()
    assert sorted(p.name for p in (tmp_path / "Trip").iterdir()) == sorted([nfd, "photo.jpg", "x.txt"])


def test_hard_links_to_the_outside_are_never_written_through(world: tuple[Path, Path],
                                                             tmp_path: Path) -> None:
    trip, outside = world
    os.link(outside / "secret.txt", trip / "linked.txt")
    os.link(outside / "secret.txt", trip / "linked2.txt")
    before = snapshot(outside)
    run = start(tmp_path, (trip, "rw"))
    assert run.call("read_text", "Trip/linked.txt") == "do not touch"  # same bytes; reading is fine
    run.call("write_text", "Trip/linked.txt", "replaced inside")
    run.call("copy", "Trip/a.txt", "Trip/linked2.txt", overwrite=True)
    run.apply()
    assert (trip / "linked.txt").read_text() == "replaced inside"
    assert (trip / "linked2.txt").read_text() == "inside"
    assert snapshot(outside) == before
    run.undo()
    assert (trip / "linked.txt").read_text() == "do not touch"
    assert os.stat(trip / "linked.txt").st_ino == os.stat(outside / "secret.txt").st_ino


def test_a_granted_symlink_is_resolved_once_at_grant_time(world: tuple[Path, Path], tmp_path: Path) -> None:
    trip, _ = world
    (tmp_path / "Shortcut").symlink_to(trip)
    (grant,) = folder_grants([(str(tmp_path / "Shortcut"), "ro")])
    assert grant.target == str(trip.resolve()) and grant.label == "Shortcut"


PIECES = [*"ab./\\:\0 C", "..", "\u202e", "é", "e\u0301"]


@given(st.lists(st.sampled_from(PIECES), max_size=12).map("".join))
@example("é:")  # the case a str.isalpha oracle got wrong
def test_split_path_property_never_yields_an_escape(path: str) -> None:
    try:
        parts = split_path(path)
    except PathRefused:
        return
    assert parts and all(p not in ("", ".", "..") for p in parts)
    # A backslash is a separator only on Windows; on POSIX it is part of a name (see names.py).
    assert not any(c in p for p in parts for c in ("\\\0" if os.name == "nt" else "\0"))
    assert "/".join(parts) == path.removesuffix("/")
    # A drive letter is an ASCII letter: "é:" is a name, not a drive (str.isalpha would say it is one).
    drive = len(path) > 1 and path[1] == ":" and path[0] in string.ascii_letters
    assert not path.startswith("/") and not drive


@given(st.lists(st.sampled_from(PIECES), min_size=1, max_size=12).map("".join))
@example("a:/b")  # a ':' second: left to the pattern
@example("Trip/./a")
def test_the_plain_test_before_the_pattern_passes_no_path_the_pattern_would_look_at(path: str) -> None:
    """``split_path``'s fast test lets through only paths its pattern would let through."""
    if names._plainly_fine(path):
        assert names._PATH_SUSPECT.search(path) is None


@given(st.text(max_size=20))
def test_accepted_new_names_are_safe_everywhere(name: str) -> None:
    try:
        check_new_name(name)
    except PathRefused:
        return
    assert name not in ("", ".", "..") and name[-1] not in ". "
    assert not any(c in '<>:"/\\|?*' or ord(c) < 32 or 0x7F <= ord(c) < 0xA0 for c in name)
    assert not any(c in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
                   "\u200b\u200c\u200d\u2060\ufeff" for c in name)
    assert len(name.encode("utf-8", "surrogatepass")) <= 255
