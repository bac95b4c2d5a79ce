"""desktop.core.llm over real HTTP, through litellm, to the local OpenAI-compatible server."""

from __future__ import annotations

import io
import subprocess
import sys
import threading
import time

import pytest
from PIL import Image

from desktop.core import llm
from desktop.core.errors import (
    ModelAuthError,
    ModelCancelled,
    ModelError,
    ModelRateLimited,
    ModelRefused,
    ModelTimeout,
    ModelUnreachable,
    NoModelConfigured,
    NoVisionModel,
)
from tests.fake_openai import FakeOpenAI

KEY = "sk-test-secret-0123456789"
HELLO = [{"role": "user", "content": "say hello"}]


def _complete(fake: FakeOpenAI, **kw: object) -> llm.Completion:
    args = {"model": fake.model, "api_base": fake.url, "api_key": KEY, "timeout": 10.0}
    args.update(kw)
    return llm.complete(HELLO, **args)  # type: ignore[arg-type]


def test_complete_returns_text_tokens_and_latency(fake_openai: FakeOpenAI) -> None:
    fake_openai.reply("hello there", prompt_tokens=11, completion_tokens=3)
    answer = _complete(fake_openai)
    assert answer.text == "hello there"
    assert (answer.tokens_in, answer.tokens_out) == (11, 3)
    assert answer.latency_ms > 0
    assert answer.cost is None  # a model with no known price: unknown, not zero
    sent = fake_openai.requests[0]
    assert sent.messages == HELLO
    assert sent.api_key == KEY


def test_a_refused_key_says_where_to_fix_it_and_never_shows_it(fake_openai: FakeOpenAI) -> None:
    fake_openai.fail(401, f"Incorrect API key provided: {KEY}")
    with pytest.raises(ModelAuthError) as caught:
        _complete(fake_openai)
    assert "refused the API key" in caught.value.message
    assert "Settings → API key" in caught.value.hint and "Save key" in caught.value.hint
    assert KEY not in str(caught.value) + caught.value.hint + repr(caught.value)


def test_rate_limit_and_server_errors_are_named(fake_openai: FakeOpenAI) -> None:
    fake_openai.fail(429, "Rate limit reached for requests")
    with pytest.raises(ModelRateLimited, match="Rate limit reached"):
        _complete(fake_openai)
    fake_openai.fail(400, "This request is not allowed")
    with pytest.raises(ModelRefused, match="not allowed"):
        _complete(fake_openai)
    fake_openai.garbage()
    with pytest.raises(ModelError) as caught:
        _complete(fake_openai)
    assert "/v1" in caught.value.hint
    fake_openai.fail(404, "The model `fake-model` does not exist")
    with pytest.raises(ModelError) as caught:
        _complete(fake_openai)
    assert "not found" in caught.value.message and "Server address" in caught.value.hint
    assert len(fake_openai.requests) == 4  # no silent retries


def test_a_slow_server_times_out(fake_openai: FakeOpenAI) -> None:
    fake_openai.slow(30.0)
    with pytest.raises(ModelTimeout) as caught:
        _complete(fake_openai, timeout=0.5)
    assert "did not answer in time" in caught.value.message


def test_an_unreachable_server_names_the_api_base() -> None:
    server = FakeOpenAI()
    url = server.url
    server.close()  # the port is now closed
    with pytest.raises(ModelUnreachable) as caught:
        llm.complete(HELLO, model="openai/x", api_base=url, api_key=KEY, timeout=5.0)
    assert url in caught.value.message


def test_no_key_anywhere_says_how_to_add_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(ModelAuthError) as caught:
        llm.complete(HELLO, model="openai/gpt-4o-mini", api_key=None)
    assert "No API key" in caught.value.message
    assert "OPENAI_API_KEY" in caught.value.hint


def test_the_providers_environment_variable_is_honoured(fake_openai: FakeOpenAI,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-the-environment-42")
    fake_openai.reply("ok")
    llm.complete(HELLO, model=fake_openai.model, api_base=fake_openai.url, api_key=None)
    assert fake_openai.requests[0].api_key == "sk-from-the-environment-42"


def test_no_model_configured_points_to_settings() -> None:
    with pytest.raises(NoModelConfigured) as caught:
        llm.complete(HELLO, model="")
    assert "recipes" in caught.value.message


def _jpeg(size: tuple[int, int] = (64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, "JPEG")
    return out.getvalue()


def test_caption_image_sends_a_data_uri_and_parses_json(fake_openai: FakeOpenAI) -> None:
    fake_openai.reply('Sure!\n```json\n{"caption": "A red square.", "tags": ["red", "square"]}\n```')
    image = _jpeg()
    result = llm.caption_image(image, model=fake_openai.model, api_base=fake_openai.url, api_key=KEY)
    assert result == {"caption": "A red square.", "tags": ["red", "square"]}
    sent = fake_openai.requests[0]
    assert sent.image_urls()[0].startswith("data:image/jpeg;base64,")
    assert sent.images() == [image]


def test_caption_from_a_model_that_cannot_see(fake_openai: FakeOpenAI) -> None:
    fake_openai.fail(400, "Invalid content type. image_url is only supported by certain models.")
    with pytest.raises(NoVisionModel) as caught:
        llm.caption_image(_jpeg(), model=fake_openai.model, api_base=fake_openai.url, api_key=KEY)
    assert "cannot look at pictures" in caught.value.message
    with pytest.raises(NoVisionModel):  # known to litellm as blind: refused before anything is sent
        llm.caption_image(_jpeg(), model="gpt-3.5-turbo", api_key=KEY)
    with pytest.raises(NoVisionModel):
        llm.caption_image(_jpeg(), model="", api_key=KEY)
    assert len(fake_openai.requests) == 1


def test_caption_service_is_bound_to_the_vision_model(fake_openai: FakeOpenAI) -> None:
    settings = llm.ModelSettings(model="openai/planner", api_base=fake_openai.url, api_key=KEY,
                                 vision_model="openai/eyes")
    assert KEY not in repr(settings)
    fake_openai.reply('{"caption": "x", "tags": []}')
    assert llm.caption_service(settings)(_jpeg()) == {"caption": "x", "tags": []}
    assert fake_openai.requests[0].body["model"] == "eyes"


def test_a_caption_answer_that_is_not_the_json_asked_for_is_an_error_not_a_caption() -> None:
    for answer in ("A dog on a beach.\nMore.", "   ", '{"text": "a dog"}', '{"caption": "\u202e\n"}'):
        with pytest.raises(ModelError, match="did not answer with a caption"):
            llm.parse_caption(answer)


def test_a_caption_is_cleaned_to_short_plain_text() -> None:
    answer = 'Sure!\n```json\n{"caption": "A dog\\non a\\tbeach", "tags": ["dog", "", "sea\\u0007", 5]}\n```'
    assert llm.parse_caption(answer) == {"caption": "A dog on a beach", "tags": ["dog", "sea", "5"]}


def test_importing_the_app_core_does_not_import_litellm() -> None:
    code = ("import sys, desktop.core.llm, desktop.core.errors, desktop.core.planner, "
            "desktop.core.scriptcheck, capabilities.api.vision; print('litellm' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"



def _hanging_request(fake: FakeOpenAI, cancel: threading.Event | None = None
                     ) -> tuple[threading.Thread, list[BaseException]]:
    """A request to a server that never answers, on a thread, once the server has it."""
    fake.hang()
    caught: list[BaseException] = []

    def ask() -> None:
        try:
            _complete(fake, timeout=120.0, cancel=cancel)
        except BaseException as exc:  # handed to the test thread
            caught.append(exc)

    asker = threading.Thread(target=ask)
    asker.start()
    deadline = time.monotonic() + 30
    while not fake.requests and time.monotonic() < deadline:
        time.sleep(0.01)
    assert fake.requests, "the request never reached the server"
    return asker, caught


def test_stopping_a_request_abandons_it_and_closes_its_connection(fake_openai: FakeOpenAI) -> None:
    stop = threading.Event()
    asker, caught = _hanging_request(fake_openai, stop)
    stop.set()
    asker.join(timeout=30)  # generous: the request's own timeout is 120 s
    assert not asker.is_alive()
    assert len(caught) == 1 and isinstance(caught[0], ModelCancelled)
    assert "stopped" in caught[0].message and "Nothing was changed" in caught[0].hint
    assert fake_openai.closed.wait(30), "the server still holds the abandoned connection"


def test_abandoning_every_request_on_quit(fake_openai: FakeOpenAI) -> None:
    asker, caught = _hanging_request(fake_openai)
    assert llm.abandon_requests() == 1
    asker.join(timeout=30)
    assert not asker.is_alive() and isinstance(caught[0], ModelCancelled)
    assert fake_openai.closed.wait(30)
    assert llm.abandon_requests() == 0  # nothing left pending
