"""Benchmark: the window's resident memory at idle and after a model-planned chore (issue 20).

Run: ``.venv/bin/python bench/bench_app_memory.py``. The real window runs
offscreen in its own process: first once on a new home (the first launch ever,
which prepares the sandbox and creates the journal: printed, not the idle
figure), then as a returning person starts it, three ways: with no model set up
(litellm is never loaded), with a model set up (litellm warms in the background
at launch), and after planning and previewing one chore with the local model
server of the tests. Each prints its RSS from ``/proc/self/status`` (VmRSS,
and VmHWM, the peak).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from window_process import in_window, window_env  # noqa: E402  (bench/: sys.path[0] when a bench runs)

from tests.fake_openai import FakeOpenAI  # noqa: E402  (after the path is set)

DRIVER = """
chore = sys.argv[1] == "chore"
def rss():
    status = dict(line.split(":", 1) for line in open("/proc/self/status"))
    return status["VmRSS"].strip(), status["VmHWM"].strip()
def idle():
    if window.flow.busy or (chore and window.flow.preview is None):
        QTimer.singleShot(100, idle)
        return
    print("RSS %s, peak %s; litellm loaded: %s" % (*rss(), "litellm" in sys.modules), flush=True)
    window.quit()
if chore:
    window.flow.ask.add_folder(sys.argv[2])
    window.flow.ask.set_request("count the files in this folder, please, in a special way")
    window.flow.start_planning("count the files in this folder, please, in a special way", [sys.argv[2]],
                               mode="model")
    def preview():
        if window.flow.chore is None:
            QTimer.singleShot(100, preview)
            return
        window.flow.start_preview()
    QTimer.singleShot(100, preview)
QTimer.singleShot(10000, idle)  # idle: after the launch's background work (sandbox, litellm) settled
app.exec()
"""
ANSWER = "```python\nresult = len(files.list('Trip'))\n```\nSummary: counts the files in Trip."


def run(kind: str, env: dict[str, str], folder: Path) -> str:
    done = in_window(DRIVER, [kind, str(folder)], env)
    return done.stdout.strip() or done.stderr.strip()[-500:]


def main() -> None:
    print(f"load: {' '.join(f'{x:.2f}' for x in os.getloadavg())} (1/5/15 min)")
    server = FakeOpenAI()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            trip = Path(tmp) / "Trip"
            trip.mkdir()
            (trip / "a.txt").write_text("a")
            base = window_env(Path(tmp) / "home")
            model = window_env(Path(tmp) / "home", server)
            print("first launch on a new home:     ", run("idle", base, trip))  # builds the sandbox
            print("idle, no model set up:          ", run("idle", base, trip))
            print("idle, a model set up (warmed):  ", run("idle", model, trip))
            server.reply(ANSWER)
            print("after a model-planned chore:    ", run("chore", model, trip))
    finally:
        server.close()


if __name__ == "__main__":
    main()
