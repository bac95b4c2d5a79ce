"""Names from the wild through the real sandbox and the built-in "sort by kind" recipe.

Each name below stopped "sort my downloads" for the whole folder: a name legal here but
not on Windows, a case-only pair, a Persian name with its zero-width non-joiner, emoji
built with zero-width joiners, a POSIX name holding a backslash. Now a name moves as it
is; only a *new* name must be portable; and a name that cannot be used (one that hides
what the file is) is left alone with its reason while the rest proceeds.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from capabilities.errors import PathRefused
from capabilities.folders.names import check_kept_name, check_new_name, split_path
from desktop.cli.main import main
from desktop.core.report import status_words
from sandbox import Sandbox
from tests.files_support import snapshot, start
from tests.test_recipes_run import _names, _touch, apply_then_undo, cook

PERSIAN = "گزارش\u200cها.pdf"  # "reports": the ZWNJ keeps the two letters from joining
FAMILY = "\U0001F468\u200D\U0001F469\u200D\U0001F467 trip.jpg"  # one emoji made of three, joined
RUNNER = "\U0001F3C3\u200D\u2640\uFE0F morning.jpg"  # woman running: emoji, ZWJ, sign, VS16
WINDOWS_ONLY_ILLEGAL = "Meeting notes: June.txt"
BACKSLASH = "back\\slash.txt"
DISGUISED = "invoice\u202efdp.exe"  # shows as "invoiceexe.pdf": the right-to-left override trick

posix_only = pytest.mark.skipif(os.name == "nt", reason="these names cannot exist on Windows")


@posix_only
def test_sort_downloads_moves_names_from_the_wild_as_they_are(sandbox: Sandbox, tmp_path: Path) -> None:
    downloads = tmp_path / "Downloads"
    for name in (WINDOWS_ONLY_ILLEGAL, "Invoice.pdf", "invoice.pdf", PERSIAN, FAMILY, RUNNER, BACKSLASH,
                 "plain.txt"):
        _touch(downloads / name, name.encode("utf-8"))
    assistant, preview = cook(sandbox, "sort my downloads into folders by type", [f"files={downloads}"],
                              "sort_by_kind")
    assert preview.plan.left_alone == []
    assert preview.outcome.result == {"Documents": 6, "Pictures": 2}

    def check() -> None:
        assert _names(downloads) == {f"Documents/{n}" for n in (
            WINDOWS_ONLY_ILLEGAL, "Invoice.pdf", "invoice.pdf", PERSIAN, BACKSLASH, "plain.txt")} | {
            f"Pictures/{FAMILY}", f"Pictures/{RUNNER}"}
        assert (downloads / "Documents" / BACKSLASH).read_bytes() == BACKSLASH.encode()

    apply_then_undo(assistant, preview, downloads, check)


@posix_only
def test_a_name_that_cannot_be_used_is_left_alone_with_its_reason_and_the_rest_moves(
        sandbox: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    downloads = tmp_path / "Downloads"
    for name in (DISGUISED, "report.pdf", "song.mp3", WINDOWS_ONLY_ILLEGAL):
        _touch(downloads / name, b"x")
    assistant, preview = cook(sandbox, "sort my downloads into folders by type", [f"files={downloads}"],
                              "sort_by_kind")
    assert [x["item"] for x in preview.plan.left_alone] == [f"Downloads/{DISGUISED}"]
    left = preview.plan.left_alone[0]
    assert "U+202E" in left["reason"] and "disguise" in left["reason"] and left["hint"]
    assert "1 file left alone (the rest goes ahead):" in preview.outcome.log
    assert any(DISGUISED in line and "U+202E" in line for line in preview.outcome.log)
    assert len(preview.plan) == 6  # three folders made (Other stays empty), three files moved; no more
    before = snapshot(downloads)
    report = assistant.apply(preview, approve=lambda p: True)
    assert report.status == "applied" and report.partial
    assert report.to_json()["left_alone"][0]["item"] == f"Downloads/{DISGUISED}"
    assert _names(downloads) == {DISGUISED, "Documents/report.pdf", "Music/song.mp3",
                                 f"Documents/{WINDOWS_ONLY_ILLEGAL}"}
    assert any("left alone" in line for line in assistant.show(report.run_id).log)  # journaled
    shown = assistant.show(report.run_id)  # the run row itself says it was partial, read back
    assert shown.partial and shown.left_alone == report.left_alone and shown.left_alone[0]["kind"] == "file"
    assert status_words(assistant.history()[0]) == "Applied, 1 file left alone"
    assert main(["history", "--json"]) == 0
    [row] = json.loads(capsys.readouterr().out)["runs"]
    assert row["status"] == "applied" and row["partial"]
    assert row["left_alone"][0]["item"] == f"Downloads/{DISGUISED}"
    assert assistant.undo(report.run_id).refused == []
    assert snapshot(downloads) == before


@posix_only
def test_a_backslash_is_part_of_an_existing_posix_name(tmp_path: Path) -> None:
    folder = tmp_path / "Notes"
    _touch(folder / BACKSLASH, b"one name, not two folders")
    run = start(tmp_path, (folder, "rw"))
    listed = run.call("list", "Notes")
    assert listed == [f"Notes/{BACKSLASH}"]
    assert run.call("read_text", listed[0]) == "one name, not two folders"
    assert run.call("stat", listed[0])["name"] == BACKSLASH
    assert run.call("exists", listed[0]) is True
    run.call("rename", listed[0], "Notes/slash.txt")  # to a new, portable name: fine
    with pytest.raises(PathRefused) as err:
        run.call("rename", "Notes/slash.txt", "Notes/new\\name.txt")  # a *new* name must be portable
    assert "separate folders" not in err.value.message and "not allowed" in err.value.message
    run.apply()
    assert sorted(p.name for p in folder.iterdir()) == ["slash.txt"]


@posix_only
def test_new_names_must_be_portable_but_existing_ones_move_as_they_are(tmp_path: Path) -> None:
    folder = tmp_path / "Work"
    _touch(folder / WINDOWS_ONLY_ILLEGAL, b"notes")
    _touch(folder / "Invoice.pdf", b"A")
    _touch(folder / "invoice.pdf", b"a")
    _touch(folder / "Done" / "INVOICE.pdf", b"already there")
    run = start(tmp_path, (folder, "rw"))
    run.call("mkdir", "Work/Archive")
    run.call("rename", f"Work/{WINDOWS_ONLY_ILLEGAL}", f"Work/Archive/{WINDOWS_ONLY_ILLEGAL}")
    run.call("copy", "Work/Invoice.pdf", "Work/Archive/Invoice.pdf")
    run.call("rename", "Work/invoice.pdf", "Work/Archive/invoice.pdf")  # side by side already: fine
    with pytest.raises(PathRefused):
        run.call("rename", "Work/Archive/invoice.pdf", "Work/Archive/June: invoice.pdf")
    with pytest.raises(FileExistsError):  # would meet a different file that differs only in case
        run.call("rename", "Work/Invoice.pdf", "Work/Done/Invoice.pdf")
    run.apply()
    assert sorted(p.name for p in (folder / "Archive").iterdir()) == sorted(
        [WINDOWS_ONLY_ILLEGAL, "Invoice.pdf", "invoice.pdf"])
    run.undo()
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        ["Done", WINDOWS_ONLY_ILLEGAL, "Invoice.pdf", "invoice.pdf"])  # Archive was made by the run


@pytest.mark.parametrize("name", [PERSIAN, FAMILY, RUNNER, "क्\u200dष.txt", "नमस्\u200cते.txt",
                                  "\U0001F469\U0001F3FD\u200D\U0001F4BB at work.png"])
def test_joiners_that_writing_needs_are_part_of_a_name(name: str) -> None:
    check_new_name(name)
    check_kept_name(name)


@pytest.mark.parametrize("name", ["in\u200cvoice.pdf", "\u200dstart.txt", "end\u200d", "a\u200b.txt",
                                  DISGUISED, "x\u2066y.txt", "\ufeffbom.txt", "tab\there.txt",
                                  "\U0001F468\u200C\U0001F469.jpg"])
def test_invisible_tricks_stay_refused(name: str) -> None:
    with pytest.raises(PathRefused):
        check_kept_name(name)
    with pytest.raises(PathRefused):
        check_new_name(name)


def test_the_backslash_is_a_separator_only_on_windows() -> None:
    if os.name == "nt":
        with pytest.raises(PathRefused, match="separate folders"):
            split_path("Notes/a\\b.txt")
    else:
        assert split_path("Notes/a\\b.txt") == ("Notes", "a\\b.txt")
    for bad in ("/etc/passwd", "Notes/../x", "//server/share", "Notes//x", "Notes/a\0b"):
        with pytest.raises(PathRefused):
            split_path(bad)
