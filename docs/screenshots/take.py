"""Screenshots of each main view from a real window under Xvfb: ``python docs/screenshots/take.py``.

Starts its own X server (``Xvfb :99``), opens Errand with a fresh data folder,
runs the "try it on sample photos" recipe through Ask → Plan → Preview → Run,
opens History and Settings, plans a chore with a model (the local fake
OpenAI-compatible server from the tests), and saves ``widget.grab()`` of the
window at each step into this folder, at the window's minimum size (820×560).
``--dark`` takes the dark palette (names end in -dark), ``--scale 2`` runs
with ``QT_SCALE_FACTOR=2`` (names end in @2x). ``--all`` takes the four sets.
The page-visiting part (``shoot``) is also run by tests/test_screenshots.py
into a temporary folder, so it cannot rot.
Needs the apt packages listed in shared/DESIGN.md (xvfb, xauth, libxcb-*).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
DISPLAY = ":99"
SIZE = (820, 560)  # the window's minimum size: what fits there fits everywhere


def start_xvfb() -> subprocess.Popen[bytes]:
    server = subprocess.Popen(["Xvfb", DISPLAY, "-screen", "0", "1600x1000x24", "-nolisten", "tcp"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    socket = Path(f"/tmp/.X11-unix/X{DISPLAY[1:]}")
    for _ in range(100):
        if socket.exists():
            return server
        time.sleep(0.05)
    server.kill()
    raise SystemExit("Xvfb did not start (is the xvfb package installed?)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dark", action="store_true", help="use the dark palette (file names end in -dark)")
    parser.add_argument("--scale", type=int, default=1, help="QT_SCALE_FACTOR (2: names end in @2x)")
    parser.add_argument("--all", action="store_true", help="light and dark, at 1× and 2×, one process each")
    args = parser.parse_args()
    if args.all:  # the scale factor is read once per process, so each set is its own run
        for scale in (1, 2):
            for dark in (False, True):
                command = [sys.executable, __file__, "--scale", str(scale)] + (["--dark"] if dark else [])
                if subprocess.run(command, check=False).returncode:
                    return 1
        return 0
    os.environ["QT_SCALE_FACTOR"] = str(args.scale)
    server = start_xvfb()
    home = Path(tempfile.mkdtemp(prefix="errand-shots-"))
    try:
        env_setup(home)
        from PySide6.QtWidgets import QApplication

        app = QApplication([sys.argv[0]])
        suffix = ("-dark" if args.dark else "") + ("@2x" if args.scale != 1 else "")
        optimise(shoot(app, home, HERE, suffix=suffix, dark=args.dark))
        return 0
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(home, ignore_errors=True)


def optimise(paths: list[Path]) -> None:
    """Quantise each PNG to a 256-colour palette (a window's flat colours lose nothing visible) so
    the committed set stays small; Pillow is the app's own dependency."""
    from PIL import Image

    for path in paths:
        with Image.open(path) as image:
            small = image.convert("RGB").quantize(colors=256, dither=Image.Dither.NONE)
        small.save(path, optimize=True)


def env_setup(home: Path) -> None:
    os.environ.update(DISPLAY=DISPLAY, QT_QPA_PLATFORM="xcb", ERRAND_HOME=str(home / "errand"),
                      LITELLM_LOCAL_MODEL_COST_MAP="True", OPENAI_API_KEY="sk-screenshot")
    os.environ.pop("WAYLAND_DISPLAY", None)
    os.environ.setdefault("ERRAND_CACHE", str(Path(tempfile.gettempdir()) / "errand-shots-cache"))
    sys.path.insert(0, str(ROOT))


def shoot(app: Any, home: Path, out: Path, *, suffix: str = "", dark: bool = False,
          scans: int = 5000, assistant: Any = None) -> list[Path]:
    """Visit every page of a real window with a prepared home, saving a PNG of each into ``out``."""
    from PySide6.QtCore import QEvent, Qt

    from desktop.core.assistant import Assistant
    from desktop.ui.theme import apply_theme, dark_palette
    from desktop.ui.window import MainWindow

    if dark:
        app.styleHints().setColorScheme(Qt.ColorScheme.Dark)
        app.setPalette(dark_palette())  # what a dark desktop theme hands the app (Xvfb has no theme)
    apply_theme(app)
    saved: list[Path] = []
    win = MainWindow(assistant or Assistant(), samples_parent=home / "Pictures")
    win.resize(*SIZE)
    win.show()
    flow = win.flow

    def wait(condition: Callable[[], bool], seconds: float = 300) -> None:
        import traceback

        deadline = time.monotonic() + seconds
        while not condition():
            app.processEvents()
            app.sendPostedEvents(None, QEvent.Type.DeferredDelete)  # as exec() would
            if time.monotonic() > deadline:
                where = traceback.extract_stack(limit=2)[0]
                raise SystemExit(f"timed out waiting for the window (line {where.lineno})")
            time.sleep(0.02)
        for _ in range(20):  # let thumbnails and layouts settle
            app.processEvents()
            time.sleep(0.01)

    def save(name: str) -> None:
        path = out / f"{name}{suffix}.png"
        win.grab().save(str(path))
        saved.append(path)
        print(f"saved {path}")

    wait(lambda: not win.warmup.isVisible(), 900)  # a first start builds the sandbox; shoot the page after
    save("1-ask")
    flow.ask.samples_button.click()
    wait(lambda: flow.stack.currentIndex() == 1 and not flow.busy)
    flow.plan.fold.setChecked(True)
    wait(lambda: True)  # the page lays out again with the script shown
    save("2-plan")
    flow.plan.fold.setChecked(False)
    flow.plan.preview_button.click()
    wait(lambda: not flow.busy and flow.preview_view.approve.isVisible())
    preview = flow.preview_view
    wait(lambda: all(preview.thumbnails.get(r.picture) is not None for r in preview.model.rows), 30)
    save("3-preview")
    preview.approve.click()
    wait(lambda: flow.run.report is not None and not flow.busy)
    save("4-run")
    sample_run = flow.run.report.run_id
    shoot_running(win, wait, save, home, scans)
    shoot_automations(win, wait, save, home, sample_run)
    shoot_problem(win, wait, save, home)
    shoot_model(app, win, wait, save, home)
    win.show_page(1)
    win.history.refresh(sample_run)
    wait(lambda: win.history.current is not None and win.history.current.run_id == sample_run
         and win.history.table.rowCount() >= 4)
    win.history.timeline.selectRow(1)
    save("5-history")
    win.show_page(3)
    wait(lambda: "key" in win.settings.key_state.text() or bool(win.settings.keyring_note.text()), 30)
    save("7-settings")
    win.close()
    win.deleteLater()
    return saved


BIG = """names = files.list("Scans")
files.rename_many([[n, n.replace("scan-", "Scan ")] for n in names])
result = len(names)
"""


def shoot_running(win: Any, wait: Callable[..., None], save: Callable[[str], None], home: Path,
                  count: int) -> None:
    """A 5,000-file run part-way: the progress bar with counts, Cancel, the window still drawing."""
    scans = home / "Scans"
    scans.mkdir()
    for i in range(count):
        (scans / f"scan-{i:05d}.txt").write_text(str(i))
    flow = win.flow
    win.show_page(0)
    flow.new_errand()
    flow.ask.clear_folders()
    flow.ask.add_folder(str(scans))
    flow.use_script(BIG, flow.ask.folders, request=f"Rename the {count:,} scans",
                    summary="Renames every scan.")
    wait(lambda: flow.stack.currentIndex() == 1)
    flow.plan.preview_button.click()
    wait(lambda: not flow.busy and flow.preview_view.approve.isVisible())
    flow.preview_view.approve.click()
    wait(lambda: flow.run.bar.value() >= count * 3 // 10 or flow.run.report is not None)
    save("4-running")
    wait(lambda: flow.run.report is not None and not flow.busy)


def shoot_automations(win: Any, wait: Callable[..., None], save: Callable[[str], None], home: Path,
                      sample_run: int) -> None:
    """Two runs saved as automations (one through the page's form), one of them paused."""
    assistant = win.assistant
    assistant.save_automation("Sort new photos", str(home / "Pictures" / "Errand sample photos"),
                              from_run=sample_run, pattern="*.jpg;*.jpeg")
    assistant.change_automation("pause", "Sort new photos")
    scans_run = win.flow.run.report.run_id
    win.history.refresh(scans_run)
    wait(lambda: win.history.current is not None and win.history.current.run_id == scans_run)
    win.show_page(2)
    page = win.automations
    page.add_button.click()
    wait(lambda: page.form.run.count() >= 2)
    page.form.name.setText("Tidy new scans")
    page.form.folder.setText(str(home / "Scans"))
    page.form.pattern.setText("scan-*.txt")
    page.form.save_button.click()
    wait(lambda: len(page.rows) == 2 and not page.busy and not page.form.isVisible())
    save("6-automations")
    win.show_page(0)


def shoot_problem(win: Any, wait: Callable[..., None], save: Callable[[str], None], home: Path) -> None:
    """A chore that stops: the error in words, the details one click away."""
    flow = win.flow
    flow.new_errand()
    flow.ask.clear_folders()
    flow.ask.add_folder(str(home / "Pictures" / "Errand sample photos"))
    flow.use_script('files.rename("Errand sample photos/holiday.jpg", "Errand sample photos/Holiday.jpg")\n',
                    flow.ask.folders, request="Capitalise holiday.jpg", summary="Renames holiday.jpg.")
    wait(lambda: flow.stack.currentIndex() == 1)
    flow.plan.preview_button.click()
    wait(lambda: not flow.busy and flow.preview_view.problem.isVisible())
    flow.preview_view.problem.toggle.click()
    wait(lambda: True)
    save("9-problem")


def shoot_model(app: object, win: object, wait: Callable[..., None], save: Callable[[str], None],
                home: Path) -> None:
    """A chore no recipe covers, planned by a model (the tests' local fake server answers)."""
    from desktop.core import settings as settings_store
    from tests.fake_openai import FakeOpenAI

    fake = FakeOpenAI()
    try:
        settings = settings_store.load()
        settings.model, settings.api_base = "openai/gpt-4o-mini", fake.url
        settings_store.save(settings)
        fake.reply(MODEL_ANSWER, prompt_tokens=2400, completion_tokens=180)
        flow = win.flow  # type: ignore[attr-defined]
        flow.settings_changed()
        win.show_page(0)  # type: ignore[attr-defined]
        flow.new_errand()
        flow.ask.clear_folders()
        flow.ask.add_folder(str(home / "Pictures" / "Errand sample photos"))
        flow.ask.set_request("Describe each photo in one line and put the list in a text file called "
                             "captions.txt")
        flow.ask.plan_button.click()
        wait(lambda: flow.stack.currentIndex() == 1 and not flow.busy, 300)
        save("8-plan-model")
        for line in flow.plan.lines:  # consent to send the pictures is the person's to give (unticked)
            line.check.setChecked(True)
        for caption in CAPTIONS:  # the vision model's answers, one per picture
            fake.reply(f'{{"caption": "{caption}", "tags": []}}', prompt_tokens=900, completion_tokens=20)
        flow.plan.preview_button.click()
        wait(lambda: not flow.busy and flow.preview_view.approve.isVisible(), 300)
        flow.preview_view.approve.click()
        wait(lambda: flow.run.report is not None and not flow.busy, 300)
    finally:
        fake.close()


CAPTIONS = ("Pastel houses on a hill above the river on a sunny morning.",
            "Tall houses against a purple evening sky.",
            "Old town houses over the river bank at noon.",
            "Rooftops on a green hill under a pale sun.",
            "White apartment buildings on a hazy afternoon.",
            "Two houses in a green field early in the morning.")
MODEL_ANSWER = '''Summary: Looks at each photo in “Errand sample photos”, asks the vision model for a
one-line description, and writes the descriptions, one per line, into a new file captions.txt
in the same folder.

```python
names = sorted(p for p in files.list("Errand sample photos") if p.lower().endswith(".jpg"))
lines = []
for path in names:
    caption = vision.caption(path)
    lines.append(f"{path}: {caption['caption']}")
files.write_text("Errand sample photos/captions.txt", "\\n".join(lines) + "\\n")
result = len(lines)
```
'''


if __name__ == "__main__":
    raise SystemExit(main())
