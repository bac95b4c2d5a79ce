"""`errand settings`: settings in a file without secrets, keys only in the keyring."""

from __future__ import annotations

import io
import json
import sys

import keyring
import pytest
from keyring.backends import fail

from desktop.cli.main import main
from desktop.core import keys, paths
from tests.keyring_support import MemoryKeyring

Capsys = pytest.CaptureFixture[str]


def settings_json(capsys: Capsys) -> dict:
    assert main(["settings", "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_set_and_show(capsys: Capsys) -> None:
    assert main(["settings", "set", "model", "openai/gpt-4o-mini"]) == 0
    assert main(["settings", "set", "api_base", "http://127.0.0.1:9/v1"]) == 0
    capsys.readouterr()
    shown = settings_json(capsys)
    assert shown["model"] == "openai/gpt-4o-mini" and shown["api_base"] == "http://127.0.0.1:9/v1"


def test_a_key_from_stdin_goes_to_the_keyring_and_nowhere_else(
        capsys: Capsys, monkeypatch: pytest.MonkeyPatch, memory_keyring: MemoryKeyring) -> None:
    assert main(["settings", "set", "model", "openai/gpt-4o-mini"]) == 0
    monkeypatch.setattr(sys, "stdin", io.StringIO("sk-secret-from-stdin-0123456789\n"))
    assert main(["settings", "set-key"]) == 0
    out = capsys.readouterr().out
    assert "openai" in out and "sk-secret" not in out
    assert keys.get_key("openai") == "sk-secret-from-stdin-0123456789"
    assert "sk-secret" not in (paths.data_dir() / "settings.json").read_text()
    assert main(["settings", "delete-key"]) == 0
    assert keys.get_key("openai") is None


def test_without_a_usable_keyring_the_key_is_refused_plainly(capsys: Capsys,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        monkeypatch.setattr(sys, "stdin", io.StringIO("sk-nowhere-to-go-0123456789\n"))
        code = main(["settings", "set-key", "--service", "openai", "--json"])
    finally:
        keyring.set_keyring(previous)
    out = json.loads(capsys.readouterr().out)
    assert code == 2
    assert out["error"]["type"] == "KeyringUnavailable"
    assert out["error"]["hint"]
    assert not list(paths.data_dir().rglob("*key*"))  # no plaintext fallback anywhere


def test_an_unknown_setting_says_which_exist(capsys: Capsys) -> None:
    assert main(["settings", "set", "colour", "blue", "--json"]) == 2
    out = json.loads(capsys.readouterr().out)
    assert "model" in out["error"]["hint"]


def test_errand_cache_shows_and_clears_the_picture_descriptions(capsys: pytest.CaptureFixture[str]) -> None:
    from capabilities.journal import Journal

    with Journal(paths.database_path()) as journal:
        journal.store_caption("abc123", "openai/gpt-4o-mini", {"caption": "{not json", "tags": []})
    assert main(["cache", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"status": "ok", "captions": 1}
    assert main(["cache", "clear"]) == 0
    assert "Forgot 1 picture description;" in capsys.readouterr().out
    assert main(["cache", "clear", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"status": "ok", "cleared": 0}
