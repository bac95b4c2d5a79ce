"""Benchmark: ``errand ask --planner model`` against a local model that answers at once, with its phases.

Run: ``.venv/bin/python bench/bench_ask.py [REPEAT]``. The model is the tests'
local OpenAI-compatible server (``tests/fake_openai.py``) answering a canned
script instantly, so what is timed is Errand and litellm, not a provider.
Printed, min/median/max over REPEAT: the whole command in its own process
beside two same-run floors (a bare interpreter, and a process that only
imports litellm), so "Errand's own overhead" is the whole minus the litellm
import it could not hide; then the phases in process: Errand's imports,
litellm's import, the prompt, the static check, the sandbox preview, the
journal, and a model round trip once litellm is loaded.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fake_openai import FakeOpenAI  # noqa: E402  (after the path is set)

ANSWER = "```python\nresult = len(files.list('Trip'))\n```\nSummary: counts the files in Trip."
REQUEST = "count the files in this folder, please, in a special way"


def timed(func: Callable[[], object], repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        samples.append(time.perf_counter() - start)
    return samples


def show(label: str, samples: list[float], unit: str = "ms", scale: float = 1e3) -> float:
    median = statistics.median(samples)
    print(f"{label:<52} {min(samples) * scale:9.1f} {median * scale:9.1f} {max(samples) * scale:9.1f} {unit}")
    return median


def process(*code: str, env: dict[str, str] | None = None) -> Callable[[], object]:
    return lambda: subprocess.run([sys.executable, *code], cwd=ROOT, env=env, check=True, capture_output=True)


def main(repeat: int = 5) -> None:
    print(f"load: {' '.join(f'{x:.2f}' for x in os.getloadavg())} (1/5/15 min); {os.cpu_count()} cores")
    print(f"{'':<52} {'min':>9} {'median':>9} {'max':>9}")
    server = FakeOpenAI()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            trip = Path(tmp) / "Trip"
            trip.mkdir()
            (trip / "a.txt").write_text("a")
            env = {**os.environ, "ERRAND_HOME": str(Path(tmp) / "home"), "OPENAI_API_KEY": "sk-bench",
                   "ERRAND_MODEL": server.model, "ERRAND_API_BASE": server.url,
                   "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
            ask = ["-c", "import sys; from desktop.cli.main import main; sys.exit(main())", "ask", REQUEST,
                   "--folder", str(trip), "--planner", "model", "--preview-only", "--json"]
            server.reply(ANSWER)
            process(*ask, env=env)()  # untimed: fills the sandbox's cache in this home
            bare = show("python -c pass", timed(process("-c", "pass"), repeat))
            lit = show("python -c 'import litellm' (its import alone)",
                       timed(process("-c", "from desktop.core import llm; llm._litellm()", env=env), repeat))
            for _ in range(repeat):
                server.reply(ANSWER)
            whole = show("errand ask --planner model --preview-only", timed(process(*ask, env=env), repeat))
            print(f"Errand's own overhead (whole - litellm's import process): {(whole - lit) * 1000:.0f} ms "
                  f"(target < 1000 ms); bare interpreter {bare * 1000:.0f} ms")
            phases(server, trip, env, repeat)
    finally:
        server.close()


def phases(server: FakeOpenAI, trip: Path, env: dict[str, str], repeat: int) -> None:
    os.environ.update(env)
    errand = process("-c", "import desktop.cli.main, desktop.cli.ask, desktop.core.planning, "
                           "desktop.core.planner, desktop.core.assistant", env=env)
    show("Errand's imports (process, incl. interpreter)", timed(errand, repeat))
    from capabilities.registry import all_capabilities
    from desktop.core import llm, paths
    from desktop.core.assistant import Assistant
    from desktop.core.grants import parse_grants
    from desktop.core.planner import build_messages, parse_answer
    from desktop.core.scriptcheck import check_script

    grants = parse_grants([f"files={trip}"], paths.protected_dirs())
    caps = all_capabilities()
    show("prompt (build_messages)", timed(lambda: build_messages(REQUEST, grants, caps), repeat))
    script, _ = parse_answer(ANSWER)
    show("static check (check_script)", timed(lambda: check_script(script, caps, grants), repeat))
    assistant = Assistant()
    previews: list[object] = []
    show("sandbox preview (Assistant.preview)",
         timed(lambda: previews.append(assistant.preview(script, grants)), repeat))
    show("journal (Assistant.apply, preview only)",
         timed(lambda: assistant.apply(previews[-1], preview_only=True), repeat))  # type: ignore[arg-type]
    messages = [{"role": "user", "content": "hi"}]
    llm._litellm()
    for _ in range(repeat):
        server.reply("ready")
    show("model round trip, litellm loaded (llm.complete)", timed(
        lambda: llm.complete(messages, model=server.model, api_base=server.url, api_key="sk-bench"), repeat))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
