"""Every limit ends a run with a message naming it; the host survives and the next run works."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from sandbox import Limits, Sandbox

SHORT = Limits(wall_seconds=1.0, memory_bytes=128 * 1024 * 1024, host_calls=50, output_bytes=4096)


def echo(name: str, payload: Any) -> Any:
    return payload


def assert_next_run_works(sandbox: Sandbox) -> None:
    outcome = sandbox.run("result = sum(range(10))", echo)
    assert outcome.ok and outcome.result == 45


@pytest.mark.parametrize("code", [
    "while True:\n    pass",
    "import re\nre.match(r'(a+)+$', 'a' * 40 + 'b')",
    "x = 0\nwhile True:\n    x += 1",
])
def test_runaway_cpu_ends_at_the_wall_time_limit(sandbox: Sandbox, code: str) -> None:
    outcome = sandbox.run(code, echo, limits=SHORT)
    assert outcome.error is not None
    assert outcome.error.limit == "wall_time"
    assert "time limit (1 s)" in outcome.error.message
    assert_next_run_works(sandbox)


def test_sleeping_ends_the_run_at_once_instead_of_blocking(sandbox: Sandbox) -> None:
    outcome = sandbox.run("import time\ntime.sleep(3600)", echo, limits=SHORT)
    assert outcome.error is not None and outcome.error.type == "SandboxRefused"
    assert "sleeping" in outcome.error.message
    assert_next_run_works(sandbox)


def test_a_blocking_host_call_cannot_hold_the_caller_past_the_deadline(sandbox: Sandbox) -> None:
    release = threading.Event()

    def slow(name: str, payload: Any) -> Any:
        release.wait(10)
        return None

    manifest = {"svc": {"wait": {"stub": "def wait() -> None", "doc": "", "access": "read"}}}
    outcome = sandbox.run("svc.wait()\nresult = 'finished'", slow, manifest=manifest, limits=SHORT)
    release.set()
    assert outcome.error is not None and outcome.error.limit == "wall_time"
    assert outcome.result is None
    assert_next_run_works(sandbox)


def test_a_memory_bomb_ends_at_the_memory_limit(sandbox: Sandbox) -> None:
    code = "blocks = []\nwhile True:\n    blocks.append(bytearray(8 * 1024 * 1024))"
    outcome = sandbox.run(code, echo, limits=SHORT)
    assert outcome.error is not None
    assert outcome.error.limit == "memory"
    assert "memory limit (128 MiB)" in outcome.error.message
    assert_next_run_works(sandbox)


def test_a_flood_of_prints_is_truncated_and_ends_the_run(sandbox: Sandbox) -> None:
    streamed: list[str] = []
    outcome = sandbox.run("while True:\n    print('spam' * 50)", echo, limits=SHORT, on_log=streamed.append)
    assert outcome.error is not None and outcome.error.limit == "output"
    assert sum(len(line) + 1 for line in outcome.log[:-1]) <= SHORT.output_bytes + 1
    assert outcome.log[-1].startswith("… output truncated")
    assert streamed == outcome.log  # lines were delivered as they happened
    assert_next_run_works(sandbox)


def test_too_many_host_calls_end_the_run(sandbox: Sandbox) -> None:
    manifest = {"svc": {"ping": {"stub": "def ping() -> None", "doc": "", "access": "read"}}}
    outcome = sandbox.run("while True:\n    svc.ping()", echo, manifest=manifest, limits=SHORT)
    assert outcome.error is not None and outcome.error.limit == "host_calls"
    assert outcome.host_calls == SHORT.host_calls + 1
    assert_next_run_works(sandbox)


def test_deep_python_recursion_is_an_error(sandbox: Sandbox) -> None:
    outcome = sandbox.run("def f(n):\n    return f(n + 1)\nf(0)", echo)
    assert outcome.error is not None and outcome.error.type == "RecursionError"
    assert outcome.error.line == 2
    assert_next_run_works(sandbox)


def test_deep_c_recursion_is_an_error(sandbox: Sandbox) -> None:
    outcome = sandbox.run("import json\njson.loads('[' * 100000)", echo)
    assert outcome.error is not None and outcome.error.type == "RecursionError"
    assert_next_run_works(sandbox)


def test_cancel_from_another_thread_stops_a_busy_script(sandbox: Sandbox) -> None:
    cancel = threading.Event()
    timer = threading.Timer(0.2, cancel.set)
    timer.start()
    started = time.monotonic()
    outcome = sandbox.run("while True:\n    pass", echo, cancel=cancel, limits=Limits(wall_seconds=30))
    timer.join()
    assert outcome.error is not None and outcome.error.limit == "cancelled"
    assert time.monotonic() - started < 30  # it did not run to the wall-time limit
    assert_next_run_works(sandbox)


def test_cancel_stops_a_script_blocked_in_a_host_call(sandbox: Sandbox) -> None:
    cancel, release = threading.Event(), threading.Event()

    def slow(name: str, payload: Any) -> Any:
        cancel.set()
        release.wait(10)

    manifest = {"svc": {"wait": {"stub": "def wait() -> None", "doc": "", "access": "read"}}}
    outcome = sandbox.run("svc.wait()", slow, manifest=manifest, cancel=cancel,
                          limits=Limits(wall_seconds=30))
    release.set()
    assert outcome.error is not None and outcome.error.limit == "cancelled"


MEMORY_PROBE = """\
import json, os, sys, threading, time
from sandbox import Limits, Sandbox

page = os.sysconf("SC_PAGE_SIZE")

def rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * page

box = Sandbox(cache_dir=sys.argv[1])
box.run("result = 1", print)  # the guest's own pages are resident from here on
base, peak, ceiling = rss(), [0], 1024 * 1024 * 1024

def watch() -> None:  # without the limiter the guest would take 4 GiB: stop well before that
    while True:
        peak[0] = max(peak[0], rss() - base)
        if peak[0] > ceiling:
            print(json.dumps({"runaway": peak[0]}), flush=True)
            os._exit(3)
        time.sleep(0.005)

threading.Thread(target=watch, daemon=True).start()
code = "blocks = []\\nwhile True:\\n    blocks.append(b'x' * (4 * 1024 * 1024))"  # touches every page
outcome = box.run(code, print, limits=Limits(wall_seconds=300, memory_bytes=64 * 1024 * 1024))
peak[0] = max(peak[0], rss() - base)
print(json.dumps({"limit": outcome.error and outcome.error.limit,
                  "message": outcome.error and outcome.error.message, "grew": peak[0]}))
"""


def test_the_memory_limit_holds_whatever_the_machine_speed(component_cache: Any) -> None:
    """Not a race against the clock: the time limit is generous, so only wasmtime's store limiter can
    end this run, with the memory message, while the host's resident memory stays bounded."""
    import json
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", MEMORY_PROBE, str(component_cache)], capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, (done.stdout, done.stderr)
    report = json.loads(done.stdout.splitlines()[-1])
    assert report["limit"] == "memory" and "memory limit (64 MiB)" in report["message"]
    # 64 MiB of guest memory, plus what the host itself allocates meanwhile (measured ~0–10 MiB)
    assert report["grew"] < 160 * 1024 * 1024, report


WORK = {"svc": {"work": {"stub": "def work(data: str) -> None", "doc": "", "access": "read"}}}
SLOW_CALLS = "for _ in range({calls}):\n    svc.work({data})\nresult = 'finished'"


def slow_host(name: str, payload: Any) -> Any:
    time.sleep(0.6)  # the host working on the call's data (a large plan's rename_many)
    return None


@pytest.mark.parametrize(("calls", "data", "finishes"), [
    (2, "'x' * 1_000_000", True),  # 1.2 s of host work on 2 MB: the deadline moves by what it took
    (2, "'x'", False),  # the same time on no data earns nothing: a slow host call is not work on data
    (4, "'x' * 1_000_000", False),  # at most wall_seconds more in all
])
def test_host_work_on_a_calls_data_moves_the_deadline_by_its_time_up_to_a_cap(
        sandbox: Sandbox, calls: int, data: str, finishes: bool) -> None:
    outcome = sandbox.run(SLOW_CALLS.format(calls=calls, data=data), slow_host, manifest=WORK,
                          limits=Limits(wall_seconds=1.0))
    if finishes:
        assert outcome.ok and outcome.result == "finished", outcome.error
    else:
        assert outcome.error is not None and outcome.error.limit == "wall_time", outcome.error
        assert "time limit (1 s" in outcome.error.message
    assert_next_run_works(sandbox)
