"""One key-redaction rule: each provider's key shape is hidden, ordinary words are not, and the
journal and the model client's error messages hide exactly the same things."""

from __future__ import annotations

from pathlib import Path

import pytest

from capabilities.journal import Journal
from capabilities.redaction import REDACTED, redact
from desktop.core import llm
from desktop.core.errors import ModelRateLimited
from tests.fake_openai import FakeOpenAI

# (what a provider or a person might write, the secret part that must disappear)
SECRETS = {
    "openai": ("Incorrect API key provided: sk-AbCd1234EfGh5678IjKl", "sk-AbCd1234EfGh5678IjKl"),
    "openai project": ("key sk-proj-Q1w2E3r4T5y6U7i8O9p0_aSdFgHjKl-zx was refused",
                       "sk-proj-Q1w2E3r4T5y6U7i8O9p0_aSdFgHjKl-zx"),
    "openai masked": ("Incorrect API key provided: sk-proj-********************abcd.",
                      "sk-proj-********************abcd"),
    "anthropic": ("x-api-key header sk-ant-api03-Zx9_Yw8-Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0 is invalid",
                  "sk-ant-api03-Zx9_Yw8-Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0"),
    "google": ("API key not valid: AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY",
               "SyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY"),
    "google in a query": ("GET /v1beta/models?key=AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q",
                          "SyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q"),
    "bearer": ("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl",
               "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"),
    "api_key pair": ("called with api_key=q8W7e6R5t4Y3u2I1 and failed", "q8W7e6R5t4Y3u2I1"),
    "quoted json pair": ('{"api_key": "mysecretvalue42", "model": "x"}', "mysecretvalue42"),
    "password pair": ("caldav: password=hunter2! rejected", "hunter2!"),
    "slack": ("token xoxb-1234567890-abcdefghijkl leaked", "xoxb-1234567890-abcdefghijkl"),
}


@pytest.mark.parametrize("name", sorted(SECRETS))
def test_each_key_shape_is_hidden_and_the_rest_kept(name: str) -> None:
    text, secret = SECRETS[name]
    hidden = redact(text)
    assert secret not in hidden
    assert REDACTED in hidden
    assert hidden.split(REDACTED)[0] == text.split(secret)[0].removesuffix("AIza")  # words before stay


def test_pairs_keep_their_name_and_redaction_is_idempotent() -> None:
    assert redact("api_key=q8W7e6R5t4Y3u2I1") == f"api_key={REDACTED}"
    assert redact("X-Api-Key: q8W7e6R5t4Y3u2I1") == f"X-Api-Key: {REDACTED}"
    assert redact("Bearer eyJhbGciOiJIUzI1NiJ9") == f"Bearer {REDACTED}"
    for text, _ in SECRETS.values():
        once = redact(text)
        assert redact(once) == once


def test_ordinary_words_are_not_keys() -> None:
    for text in ("use sk-learning for the model", "the task-manager key-value store",
                 "AIza is a prefix", "a Bearer of good news", "password: ", "sort by key=name"):
        assert redact(text) == text


def test_a_known_key_is_hidden_whatever_its_shape() -> None:
    assert redact("refused: local-7f3a9", known=("local-7f3a9", None)) == f"refused: {REDACTED}"
    assert redact("a b c", known=("a",)) == "a b c"  # too short to be a secret: left alone


@pytest.mark.parametrize("name", sorted(SECRETS))
def test_journal_and_model_errors_hide_the_same_keys(name: str, tmp_path: Path,
                                                    fake_openai: FakeOpenAI) -> None:
    text, secret = SECRETS[name]
    with Journal(tmp_path / "j.db") as j:
        rid = j.start_run("r", "s", [])
        j.finish_run(rid, "failed", error=RuntimeError(text))
        journaled = j.run(rid)["error"]["message"]
    fake_openai.fail(429, text)  # a rate-limit answer: its words are shown to the person
    with pytest.raises(ModelRateLimited) as caught:
        llm.complete([{"role": "user", "content": "hi"}], model=fake_openai.model,
                     api_base=fake_openai.url, api_key="sk-test-secret-0123456789", timeout=10.0)
    shown = caught.value.message
    assert secret not in journaled and secret not in shown
    assert redact(text) in journaled and redact(text) in shown
    assert secret.encode() not in b"".join(p.read_bytes() for p in tmp_path.glob("j.db*"))
