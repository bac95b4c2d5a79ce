"""Hostile pictures against photos and vision: each fails only its own call, with a clear message,
and leaves nothing running, nothing written, nothing sent. Files are built in tests/hostile_files.py."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from capabilities.base import Grant, RunContext
from capabilities.decoding import DecodeError, default_pool
from capabilities.decoding.sizes import MAX_PIXELS
from capabilities.dispatch import Dispatcher
from capabilities.engine.apply import apply_plan
from capabilities.errors import CallError, ErrandError
from capabilities.folders.granted import folder_grants
from capabilities.journal import Journal
from capabilities.registry import instantiate
from tests.files_support import snapshot
from tests.hostile_files import bmp_rle, cut, declare_size, fake_ghostscript, png_bomb, postscript, scribble
from tests.imagefactory import make_photo
from tests.photos_support import Run

ROOT = str(Path(__file__).resolve().parent.parent)
FORMATS = (".jpg", ".png", ".heic", ".webp", ".bmp", ".gif", ".tif")


def _processes_named(name: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and (entry / "comm").read_text().strip() == name:
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def _children_of(pid: int) -> list[str]:
    kids: list[str] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        kids += (task / "children").read_text().split()
    return kids


@pytest.fixture
def gs_trap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A Ghostscript that records being run, first on PATH; returns the file it would write."""
    marker = tmp_path / "gs-ran.txt"
    monkeypatch.setenv("PATH", f"{fake_ghostscript(tmp_path / 'bin', marker).parent}{os.pathsep}"
                       f"{os.environ.get('PATH', '')}")
    return marker


# ---- PostScript disguised as a photo -------------------------------------------------------

@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_postscript_named_jpg_fails_its_own_call_and_starts_nothing(tmp_path: Path, gs_trap: Path) -> None:
    trip = tmp_path / "Trip"
    make_photo(trip / "IMG_0001.jpg", taken="2024-07-14 09:15:00")
    victim = tmp_path / "outside.txt"
    postscript(trip / "holiday.jpg", victim)
    before = snapshot(trip)
    run = Run(tmp_path, trip)

    found = run("photos.info_many", ["Trip/holiday.jpg", "Trip/IMG_0001.jpg"])
    assert found[0] == {
        "path": "Trip/holiday.jpg", "error": "Trip/holiday.jpg is not an image Errand can read.",
        "hint": "photos works on JPEG, PNG, HEIC, WebP, TIFF, GIF and BMP files; skip other files."}
    assert found[1]["taken"] == "2024-07-14T09:15:00"  # the batch went on
    with pytest.raises(ErrandError, match="not an image Errand can read"):
        run("photos.resize", "Trip/holiday.jpg", "Trip/small.jpg", 100)

    worker = default_pool().workers()[0].process.pid
    assert _children_of(worker) == [] and _processes_named("gs") == []
    assert not gs_trap.exists() and not victim.exists()
    assert snapshot(trip) == before
    assert os.listdir(default_pool().workers()[0].tmp) == []


def test_the_locked_plugin_list_never_loads_eps_even_when_pillow_is_asked_for_every_format(
        tmp_path: Path, gs_trap: Path) -> None:
    eps = postscript(tmp_path / "x.jpg", tmp_path / "outside.txt")
    check = textwrap.dedent(f"""
        import sys; sys.path.insert(0, {ROOT!r})
        from PIL import Image
        lock = sys.argv[1] == "locked"
        if lock:
            from capabilities.decoding import formats
            formats.lock_plugins()
        try:
            with Image.open({str(eps)!r}) as im:  # every format Pillow knows: what the host used to do
                im.load()
            print("opened")
        except Exception as exc:
            print(type(exc).__name__)
        try:
            import PIL.EpsImagePlugin
            print("eps-importable")
        except ImportError:
            print("eps-refused")
        print(",".join(sorted(Image.OPEN)))
        """)
    env = {**os.environ}
    locked = subprocess.run([sys.executable, "-c", check, "locked"], capture_output=True, text=True, env=env)
    only = "BMP,GIF,HEIF,JPEG,PNG,TIFF,WEBP"  # registered: nothing else, not even PPM
    assert locked.stdout.split() == ["UnidentifiedImageError", "eps-refused", only], locked.stderr
    assert not gs_trap.exists()
    # The same file with Pillow as it comes: its EPS plugin runs Ghostscript (our fake one).
    plain = subprocess.run([sys.executable, "-c", check, "plain"], capture_output=True, text=True, env=env)
    assert gs_trap.exists() and "eps-importable" in plain.stdout


# ---- bombs and oversized pictures ----------------------------------------------------------

def test_a_400_megapixel_png_is_read_for_its_facts_and_refused_as_too_large_to_resize(tmp_path: Path) -> None:
    trip = tmp_path / "Trip"
    png_bomb(trip / "bomb.png")
    make_photo(trip / "ok.png")
    run = Run(tmp_path, trip)
    bomb, ok = run("photos.info_many", ["Trip/bomb.png", "Trip/ok.png"])
    assert (bomb["width"], bomb["height"]) == (20_000, 20_000)  # headers only: as exiftool reads it
    assert ok["format"] == "PNG"
    with pytest.raises(CallError) as refused:
        run("photos.resize", "Trip/bomb.png", "Trip/small.jpg", 800)
    assert "too large to read safely" in refused.value.message and "20000×20000" in refused.value.message
    assert run("photos.resize", "Trip/ok.png", "Trip/ok-small.jpg", 32) == "Trip/ok-small.jpg"
    assert len(run.context.plan) == 1  # the good picture is still planned


def test_the_worker_refuses_a_bomb_itself_when_the_preview_is_bypassed(tmp_path: Path) -> None:
    from capabilities.decoding import decode

    bomb = png_bomb(tmp_path / "bomb.png")
    with pytest.raises(DecodeError) as caught:
        decode("image.jpeg", bomb.read_bytes(), {"max_side": 768}, name="bomb.png")
    assert caught.value.kind == "too_large"
    assert caught.value.message == "bomb.png is too large to read safely (20000x20000 pixels)."
    assert MAX_PIXELS < 20_000 * 20_000


def test_a_small_bmp_declaring_a_huge_picture_does_not_grow_errand(tmp_path: Path, journal: Journal) -> None:
    trip = tmp_path / "Trip"
    bmp = bmp_rle(trip / "scan.bmp", 12_000, 12_000, runs_per_row=110)  # 144 MP in 2.6 MB
    assert 2_000_000 < bmp.stat().st_size < 3_000_000
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    run = Run(tmp_path, trip)
    run("photos.resize", "Trip/scan.bmp", "Trip/scan-small.jpg", 800)
    run.apply(journal)
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak) / 1024
    assert grown_mb < 60, f"Errand's own memory grew by {grown_mb:.0f} MB"  # the pixels stayed in the worker
    assert Run(tmp_path, trip)("photos.info", "Trip/scan-small.jpg")["width"] == 800


# ---- truncated and damaged files of every format -------------------------------------------

def _damaged(trip: Path) -> dict[str, Path]:
    found = {}
    for suffix in FORMATS:
        good = make_photo(trip / f"good{suffix}", size=(300, 200), taken="2024-07-14 09:15:00")
        found[f"half{suffix}"] = cut(good, trip / f"half{suffix}", 0.5)
        found[f"head{suffix}"] = cut(good, trip / f"head{suffix}", 24)
        found[f"scribbled{suffix}"] = scribble(good, trip / f"scribbled{suffix}")
        good.unlink()
    return found


def test_damaged_files_of_every_format_fail_alone_in_a_batch(tmp_path: Path) -> None:
    trip = tmp_path / "Trip"
    damaged = _damaged(trip)
    make_photo(trip / "fine.jpg", taken="2024-07-14 09:15:00")
    run = Run(tmp_path, trip)
    paths = [f"Trip/{name}" for name in damaged] + ["Trip/fine.jpg"]
    found = run("photos.info_many", paths)
    assert [f["path"] for f in found] == paths
    assert found[-1]["taken"] == "2024-07-14T09:15:00"
    for item in found[:-1]:
        if "error" in item:  # a cut after the header still has its facts; a cut inside it does not
            assert item["error"].startswith(item["path"]) or item["path"] in item["error"]
            assert item["hint"]
    assert all("error" in f for f in found if "/head." in f["path"])


def _apply(run: Run, journal: Journal) -> Any:
    rid = journal.start_run("resize", "...", run.grants)
    journal.save_plan(rid, run.context.plan)
    journal.set_status(rid, "previewed")
    fresh = instantiate(run.grants, RunContext(holding=run.holding))  # as after a restart
    return apply_plan(journal, rid, run.context.plan, fresh)


@pytest.mark.parametrize("suffix", FORMATS)
def test_resizing_a_truncated_file_fails_cleanly_at_apply(tmp_path: Path, journal: Journal, suffix: str
                                                          ) -> None:
    trip = tmp_path / "Trip"
    good = make_photo(trip / f"good{suffix}", size=(600, 400))
    cut(good, trip / f"cut{suffix}", 0.6)
    good.unlink()
    run = Run(tmp_path, trip)
    try:
        run("photos.resize", f"Trip/cut{suffix}", "Trip/small.png", 64)
    except ErrandError as exc:  # the header was cut: refused at preview, in words
        assert f"cut{suffix}" in exc.message
        return
    report = _apply(run, journal)
    assert not report.ok
    assert report.error.message.startswith(f"Could not read Trip/cut{suffix}: it looks damaged or incomplete")
    assert "skip it" in report.error.hint
    assert not (trip / "small.png").exists()


def test_a_truncated_bmp_resize_does_not_crash_the_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                                       ) -> None:
    import json

    from desktop.cli.main import main

    trip = tmp_path / "Trip"
    good = bmp_rle(trip / "full.bmp", 900, 600)
    cut(good, trip / "scan.bmp", 0.5)
    good.unlink()
    script = tmp_path / "resize.py"
    script.write_text('photos.resize("Trip/scan.bmp", "Trip/scan-small.jpg", 300)\n')
    code = main(["run", str(script), "--grant", f"files={trip}", "--grant", "photos", "--yes", "--json"])
    out = json.loads(capsys.readouterr().out)  # one JSON answer, nothing printed before it
    assert code != 0 and out["status"] != "applied"
    assert "scan.bmp" in json.dumps(out["error"]) and not (trip / "scan-small.jpg").exists()


def test_vision_sends_nothing_for_a_hostile_file(tmp_path: Path, gs_trap: Path) -> None:
    trip = tmp_path / "Trip"
    postscript(trip / "a.jpg", tmp_path / "outside.txt")
    png_bomb(trip / "b.png")
    sent: list[bytes] = []
    grants = [*folder_grants([(str(trip), "ro")]), Grant("vision", "openai/x;host=127.0.0.1;pictures=5")]
    def caption(jpeg: bytes) -> dict[str, Any]:  # the edge: what would go to the provider
        sent.append(jpeg)
        return {"caption": "x"}

    caps = instantiate(grants, RunContext(services={"caption": caption}))
    run = Dispatcher(caps)
    with pytest.raises(CallError, match="not a picture"):
        run("vision.caption", {"args": ["Trip/a.jpg"], "kwargs": {}})
    with pytest.raises(DecodeError, match="too large to read safely"):
        run("vision.caption", {"args": ["Trip/b.png"], "kwargs": {}})
    assert sent == [] and not gs_trap.exists()


@pytest.mark.parametrize(("suffix", "width", "height"), [(".png", 30_000, 30_000), (".gif", 65_535, 65_535),
                                                          (".bmp", 40_000, 40_000)])
def test_a_header_that_lies_about_the_size_fails_alone(tmp_path: Path, suffix: str, width: int,
                                                       height: int) -> None:
    trip = tmp_path / "Trip"
    declare_size(make_photo(tmp_path / f"real{suffix}"), trip / f"liar{suffix}", width, height)
    make_photo(trip / "fine.png")
    run = Run(tmp_path, trip)
    liar, fine = run("photos.info_many", [f"Trip/liar{suffix}", "Trip/fine.png"])
    assert fine["format"] == "PNG" and (liar["width"], liar["height"]) == (width, height)
    with pytest.raises(CallError, match="too large to read safely"):
        run("photos.resize", f"Trip/liar{suffix}", "Trip/small.jpg", 800)


def test_a_jpeg_that_lies_about_its_size_is_read_at_an_eighth_within_the_limit(tmp_path: Path,
                                                                                journal: Journal) -> None:
    trip = tmp_path / "Trip"
    declare_size(make_photo(tmp_path / "real.jpg"), trip / "liar.jpg", 60_000, 60_000)  # 3.6 gigapixels
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    run = Run(tmp_path, trip)
    run("photos.resize", "Trip/liar.jpg", "Trip/small.jpg", 800)  # 7,500² decoded: within MAX_PIXELS
    assert _apply(run, journal).ok  # the missing data decodes as grey, as in any viewer
    assert (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak) / 1024 < 60
    assert Run(tmp_path, trip)("photos.info", "Trip/small.jpg")["width"] == 800


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_the_issue_attack_a_script_writes_postscript_and_asks_for_it(
        tmp_path: Path, gs_trap: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """#14's attack in a --preview-only run: planned PostScript read by photos and vision."""
    import json

    from desktop.cli.main import main

    trip = tmp_path / "Trip"
    make_photo(trip / "IMG_0001.jpg")
    victim = tmp_path / "outside.txt"
    eps = postscript(tmp_path / "payload.eps", victim).read_text()
    script = tmp_path / "attack.py"
    script.write_text(f"files.write_text('Trip/x.jpg', {eps!r})\n"
                      "answers = []\n"
                      "for call in (lambda: photos.info('Trip/x.jpg'),\n"
                      "             lambda: vision.caption('Trip/x.jpg')):\n"
                      "    try:\n"
                      "        answers.append(call())\n"
                      "    except Exception as exc:\n"
                      "        answers.append(type(exc).__name__ + ': ' + str(exc))\n"
                      "result = answers\n")
    before = snapshot(trip)
    code = main(["run", str(script), "--grant", f"files={trip}", "--grant", "photos", "--grant",
                 "vision=openai/x;host=127.0.0.1;pictures=3", "--preview-only", "--json"])
    out = json.loads(capsys.readouterr().out)  # exactly one JSON answer on stdout
    assert code == 0 and out["status"] != "applied"
    assert "Trip/x.jpg is not an image Errand can read." in out["result"][0]
    assert "written by this chore" in out["result"][1]
    assert snapshot(trip) == before and not victim.exists() and not gs_trap.exists()
    assert _processes_named("gs") == []


SORT_BY_DATE = """\
src = inputs["path"]
taken = photos.info(src)["taken"] or "undated"
files.rename(src, "Work/Done/" + taken[:10] + "-" + inputs["name"])
return taken
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_postscript_photo_arriving_in_a_watched_folder_fails_alone(sandbox: Any, work: Path,
                                                                      gs_trap: Path) -> None:
    """#14: the same attack from an automation, when such a file lands in a watched folder."""
    from capabilities.journal import Journal
    from desktop.core import saved_automations as automations
    from desktop.core.assistant import Assistant
    from desktop.core.grants import parse_grants
    from desktop.core.paths import database_path
    from tests.test_automations import Events, runner, triggered_runs, wait_until

    journal = Journal(database_path())
    try:
        assistant = Assistant(journal=journal, sandbox=sandbox)
        automations.add(journal, "sort photos", work / "Inbox", SORT_BY_DATE,
                        parse_grants([f"files={work}", "photos"]), request="sort photos by date")
        events = Events()
        victim = work.parent / "outside.txt"
        with runner(assistant, events):
            postscript(work / "Inbox" / "evil.jpg", victim)
            make_photo(work / "Inbox" / "IMG_1.jpg", taken="2024-07-14 09:15:00")
            wait_until(lambda: events.kinds("ran") and events.kinds("failed"), 60, "not both handled")
        assert "not an image Errand can read" in events.kinds("failed")[0][2]
        by_file = {r["trigger"]["path"]: r for r in triggered_runs(journal)}
        assert by_file["Work/Inbox/IMG_1.jpg"]["status"] == "applied"
        assert (work / "Done" / "2024-07-14-IMG_1.jpg").exists()
        failed = by_file["Work/Inbox/evil.jpg"]
        assert failed["status"] != "applied" and "not an image Errand can read" in str(failed["error"])
        assert (work / "Inbox" / "evil.jpg").exists()  # left where it was
        assert not victim.exists() and not gs_trap.exists() and _processes_named("gs") == []
    finally:
        journal.close()
