"""The pool of instance slots (long-lived processes): slots are reused, yet every run starts from
the pristine guest; a full pool makes a run wait for a slot, and then say so plainly."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from sandbox import Limits, Sandbox
from tests.test_sandbox_limits import echo
from tests.test_sandbox_security import REACH  # past the guest's import guard, as a hostile script would

PLANT = REACH + """
b = imp('builtins')
b.PLANTED = 'secret'
import json, re
json.PLANTED = 1
re.compile = None
imp('sys').modules['planted_module'] = b
g['_SCRIPT_BUILTINS']['print'] = None
keep = bytearray(b'\\xab') * (48 * 1024 * 1024)  # beyond the slot's resident part
"""

PROBE = REACH + """
b = imp('builtins')
import json, re
sys = imp('sys')
result = [hasattr(b, 'PLANTED'), hasattr(json, 'PLANTED'), re.compile is None,
          'planted_module' in sys.modules, g['_SCRIPT_BUILTINS']['print'] is None]
"""


@pytest.fixture(scope="module")
def one_slot(component_cache: Path) -> Sandbox:
    """A pool of one slot: every run reuses the slot the previous run left."""
    return Sandbox(cache_dir=component_cache, pool_size=1)


@pytest.mark.parametrize("pool_size", [1, 0])
def test_state_planted_in_a_slot_is_gone_for_the_next_run(component_cache: Path, pool_size: int) -> None:
    sandbox = Sandbox(cache_dir=component_cache, pool_size=pool_size)
    for _ in range(3):
        planted = sandbox.run(PLANT, echo, limits=Limits(wall_seconds=10))
        assert planted.ok, planted.error
        probe = sandbox.run(PROBE, echo, limits=Limits(wall_seconds=10))
        assert probe.ok, probe.error
        assert probe.result == [False, False, False, False, False]


def test_back_to_back_runs_wait_for_the_slot_to_be_freed(one_slot: Sandbox) -> None:
    results = [one_slot.run(f"result = {i} * 2", echo).result for i in range(20)]
    assert results == [i * 2 for i in range(20)]


def test_a_run_that_hits_a_limit_leaves_a_clean_slot(one_slot: Sandbox) -> None:
    bomb = one_slot.run("blocks = []\nwhile True:\n    blocks.append(bytearray(8 * 1024 * 1024))", echo,
                        limits=Limits(memory_bytes=96 * 1024 * 1024))
    assert bomb.error is not None and bomb.error.limit == "memory"
    loop = one_slot.run("while True:\n    pass", echo, limits=Limits(wall_seconds=0.3))
    assert loop.error is not None and loop.error.limit == "wall_time"
    assert one_slot.run("result = sum(range(10))", echo).result == 45


def test_a_full_pool_makes_the_next_run_say_so_and_recovers(component_cache: Path) -> None:
    sandbox = Sandbox(cache_dir=component_cache, pool_size=2)
    release, entered = threading.Event(), threading.Semaphore(0)

    def blocking(name: str, payload: Any) -> Any:
        entered.release()
        release.wait(20)
        return "released"

    manifest = {"svc": {"wait": {"stub": "def wait() -> str", "doc": "", "access": "read"}}}
    outcomes: list[Any] = []
    holders = [threading.Thread(target=lambda: outcomes.append(
        sandbox.run("result = svc.wait()", blocking, manifest=manifest, limits=Limits(wall_seconds=30))))
        for _ in range(2)]
    for holder in holders:
        holder.start()
    for _ in holders:
        assert entered.acquire(timeout=20)  # both slots are now held by a running script

    busy = sandbox.run("result = 1", echo)
    assert busy.error is not None and busy.error.type == "SandboxBusy"
    assert "2 scripts are already running" in busy.error.message
    assert "try again" in busy.error.message

    release.set()
    for holder in holders:
        holder.join(20)
    assert [o.result for o in outcomes] == ["released", "released"]
    assert sandbox.run("result = 'free again'", echo).result == "free again"


def test_a_warm_sandbox_keeps_runs_apart_on_prepared_instances(component_cache: Path) -> None:
    sandbox = Sandbox(cache_dir=component_cache, keep_warm=True)
    assert sandbox.pool_size > 0
    sandbox.prepare()
    outcomes = [sandbox.run(PLANT if i % 2 == 0 else PROBE, echo, limits=Limits(wall_seconds=10))
                for i in range(6)]
    assert all(o.ok for o in outcomes), [o.error for o in outcomes]
    assert all(o.result == [False] * 5 for o in outcomes[1::2])


def test_a_run_says_when_its_instance_is_freed(one_slot: Sandbox) -> None:
    """``freed`` is set once the run's instance is gone: with one slot, the next run can have it."""
    freed = threading.Event()
    during: list[bool] = []

    def watch(name: str, payload: Any) -> Any:
        during.append(freed.is_set())
        return echo(name, payload)

    outcome = one_slot.run("result = calc.echo(1)", watch, freed=freed,
                           manifest={"calc": {"echo": {"stub": "def echo(x): ...", "access": "read"}}})
    assert outcome.ok, outcome.error
    assert during == [False]  # not while the script runs
    assert freed.wait(5)
    assert one_slot.run("result = 2", echo).result == 2
