"""desktop.core.keys against real keyring backends: one in memory, the fail backend, a real Secret Service."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import keyring
import keyring.errors
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail

from desktop.core import keys
from desktop.core.errors import ErrandError, KeyringUnavailable
from tests.keyring_support import MemoryKeyring

REPO = Path(__file__).resolve().parents[1]


class LockedKeyring(MemoryKeyring):
    def set_password(self, service: str, username: str, password: str) -> None:
        raise keyring.errors.KeyringLocked("the collection is locked")


class PlaintextKeyring(MemoryKeyring):
    """Stands for keyrings.alt's file backend, which Errand must refuse."""


PlaintextKeyring.__module__ = "keyrings.alt.file"


@pytest.fixture
def use_backend() -> Iterator[object]:
    original = keyring.get_keyring()

    def use(backend: KeyringBackend) -> KeyringBackend:
        keyring.set_keyring(backend)
        return backend

    yield use
    keyring.set_keyring(original)


def test_store_read_and_delete_a_key(use_backend, errand_home: Path) -> None:  # type: ignore[no-untyped-def]
    backend = use_backend(MemoryKeyring())
    assert keys.get_key("openai") is None
    keys.set_key("openai", "  sk-memory-123  ")
    assert keys.get_key("openai") == "sk-memory-123"
    assert backend.store == {("Errand", "openai"): "sk-memory-123"}
    assert keys.delete_key("openai") is True
    assert keys.delete_key("openai") is False
    assert keys.get_key("openai") is None
    with pytest.raises(ErrandError, match="empty"):
        keys.set_key("openai", "   ")
    # nothing was written next to Errand's data
    assert not any("sk-memory" in p.read_text(errors="ignore") for p in errand_home.rglob("*") if p.is_file())


def test_no_keyring_is_said_plainly_and_nothing_is_saved(use_backend, errand_home: Path) -> None:  # type: ignore[no-untyped-def]
    use_backend(fail.Keyring())
    usable, name, message = keys.keyring_status()
    assert (usable, name) == (False, "fail.Keyring")
    assert "no system keyring" in message
    with pytest.raises(KeyringUnavailable) as caught:
        keys.set_key("openai", "sk-nowhere-456")
    assert "was not saved" in caught.value.message
    assert "OPENAI_API_KEY" in caught.value.hint
    assert "sk-nowhere-456" not in caught.value.message + caught.value.hint
    assert keys.get_key("openai") is None  # reading falls through to the environment
    assert list(errand_home.rglob("*")) == []


def test_a_plaintext_backend_is_refused(use_backend) -> None:  # type: ignore[no-untyped-def]
    backend = use_backend(PlaintextKeyring())
    assert keys.keyring_status()[0] is False
    with pytest.raises(KeyringUnavailable, match="file"):
        keys.set_key("openai", "sk-plain-789")
    assert backend.store == {}


def test_a_locked_keyring_gives_a_clear_message_without_the_key(use_backend) -> None:  # type: ignore[no-untyped-def]
    use_backend(LockedKeyring())
    with pytest.raises(KeyringUnavailable) as caught:
        keys.set_key("caldav:http://127.0.0.1/cal", "hunter2-secret")
    assert "locked" in caught.value.message
    assert "Unlock" in caught.value.hint
    assert "hunter2-secret" not in str(caught.value) + caught.value.hint


def test_service_for_model() -> None:
    assert keys.service_for_model("openai/gpt-4o-mini") == "openai"
    assert keys.service_for_model("anthropic/claude") == "anthropic"


_SECRET_SERVICE_SCRIPT = textwrap.dedent("""
    import keyring
    from desktop.core import keys
    usable, name, _ = keys.keyring_status()
    print("BACKEND", name, usable, flush=True)
    assert usable and name == "SecretService.Keyring", name
    keys.set_key("openai", "sk-secret-service-321")
    assert keys.get_key("openai") == "sk-secret-service-321"
    assert keyring.get_password("Errand", "openai") == "sk-secret-service-321"
    assert keys.delete_key("openai") is True
    assert keys.get_key("openai") is None
    print("SECRET-SERVICE-OK")
""")


def test_a_real_secret_service(tmp_path: Path) -> None:
    missing = [tool for tool in ("dbus-run-session", "gnome-keyring-daemon") if not shutil.which(tool)]
    if missing:
        pytest.skip(f"no Secret Service to test against: {', '.join(missing)} not installed "
                    "(apt install gnome-keyring dbus dbus-x11)")
    script = tmp_path / "probe.py"
    script.write_text(_SECRET_SERVICE_SCRIPT)
    env = {**os.environ, "HOME": str(tmp_path), "PYTHONPATH": str(REPO),
           "XDG_DATA_HOME": str(tmp_path / "data"), "XDG_RUNTIME_DIR": str(tmp_path)}
    # gnome-keyring creates and unlocks a fresh login keyring from the password on stdin.
    inner = (f"printf test-password | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1; "
             f"exec {sys.executable} {script}")
    done = subprocess.run(["dbus-run-session", "--", "sh", "-c", inner], env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    if "BACKEND SecretService.Keyring True" not in done.stdout:
        pytest.skip(f"gnome-keyring's Secret Service did not start under dbus-run-session here "
                    f"({done.stdout.strip()[-200:]} {done.stderr.strip()[-300:]})")
    assert "SECRET-SERVICE-OK" in done.stdout, done.stderr[-2000:]
