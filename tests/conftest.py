"""Shared fixtures: every test gets its own ERRAND_HOME; the sandbox component is
built once per session into a shared cache; leaked threads fail the test; ``journal``
is a fresh journal in the test's temporary folder."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from hypothesis import settings as hypothesis_settings

from tests.automation_support import work  # noqa: F401  (a fixture: Work/Inbox and Work/Done)
from tests.fake_openai import fake_openai  # noqa: F401  (a fixture for every test: the local model server)
from tests.keyring_support import memory_keyring  # noqa: F401  (a fixture: an in-memory keyring)

if TYPE_CHECKING:
    from capabilities.journal import Journal
    from tests.installer_support import Build

# In CI (CI is set, as .ci/run does) Hypothesis derives its examples from each test, not from a
# random seed: the suite cannot go red at random, and a failure repeats on every run.
hypothesis_settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# litellm must never fetch its price list from the internet during tests.
os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"


@pytest.fixture(scope="session")
def component_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One cache dir for the whole session, so the guest is built and compiled once.

    A developer can point ERRAND_TEST_CACHE at a lasting folder to skip even that.
    """
    lasting = os.environ.get("ERRAND_TEST_CACHE")
    if lasting:
        path = Path(lasting)
        path.mkdir(parents=True, exist_ok=True)
        return path
    return tmp_path_factory.mktemp("component-cache")


@pytest.fixture(scope="session", autouse=True)
def installer_build(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
                    component_cache: Path) -> Iterator[Build | None]:
    """The installer build, started with the session's first test when the session will test
    the installer and this machine can build it (it then runs beside the other tests)."""
    from tests.installer_support import can_build, start_build

    selected = any(item.nodeid.startswith("tests/test_installer.py")
                   for item in request.session.items)
    if not selected or can_build() is not None:
        yield None
        return
    build = start_build(tmp_path_factory.mktemp("installer"), component_cache)
    yield build
    build.stop()


@pytest.fixture(scope="session")
def sandbox(component_cache: Path):  # type: ignore[no-untyped-def]
    """One loaded sandbox for the session, set up as the app's (each run still gets a fresh
    instance: prepared ahead, in a pooled memory slot). ``errand run`` tests cover the one-shot setup."""
    from sandbox import Sandbox

    return Sandbox(cache_dir=component_cache, keep_warm=True)


@pytest.fixture(autouse=True)
def errand_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, component_cache: Path) -> Path:
    home = tmp_path / "errand-home"
    home.mkdir()
    monkeypatch.setenv("ERRAND_HOME", str(home))
    monkeypatch.setenv("ERRAND_CACHE", str(component_cache))
    for key in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "ERRAND_MODEL", "ERRAND_API_BASE"):
        monkeypatch.delenv(key, raising=False)
    return home


@pytest.fixture
def journal(tmp_path: Path) -> Iterator[Journal]:
    """A journal (``errand.db``) in the test's temporary folder, closed after the test."""
    from capabilities.journal import Journal

    with Journal(tmp_path / "errand.db") as opened:
        yield opened


@pytest.fixture(autouse=True)
def no_leaked_threads() -> Iterator[None]:
    """A thread a test started and left running fails it, daemon or not (a daemon thread is still
    a leak: it keeps working, or waiting, after the test). Threads Python did not start (Qt's pool
    threads calling into Python appear as ``threading._DummyThread``) are not ours to join and are
    never removed from ``threading.enumerate``, so only they are left out — and the few threads
    that live as long as the process by design, started by the first test that needs them: the
    decoder pool's spawner, the model requests' event loop and litellm's loader."""
    from capabilities.decoding.pool import SPAWNER_THREAD
    from desktop.core.llm import WARM_THREAD
    from desktop.core.model_calls import LOOP_THREAD

    lifetime = {SPAWNER_THREAD, LOOP_THREAD, WARM_THREAD}

    before = set(threading.enumerate())
    yield
    leaked = []
    for t in set(threading.enumerate()) - before:
        if isinstance(t, threading._DummyThread) or t.name in lifetime:
            continue
        t.join(timeout=2.0)
        if t.is_alive():
            leaked.append(f"{t.name}{' (daemon)' if t.daemon else ''}")
    assert not leaked, f"test leaked threads: {leaked}"
