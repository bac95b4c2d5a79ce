"""A real OpenAI-compatible HTTP server on 127.0.0.1 for tests: the one faked edge (a paid model).

Each test queues canned answers and then checks what arrived::

    def test_x(fake_openai):
        fake_openai.reply("```python\\nprint(1)\\n```\\nSummary: prints one.")
        fake_openai.fail(401, "Incorrect API key provided")
        fake_openai.slow(5.0)            # answers only after 5 s (or when the server stops)
        fake_openai.garbage()            # 200 with a body that is not JSON
        fake_openai.hang()               # never answers; fake_openai.closed is set when the client hangs up
        ... litellm with model=fake_openai.model, api_base=fake_openai.url, api_key="sk-test" ...
        assert fake_openai.requests[0].messages[-1]["content"] == ...
        assert fake_openai.requests[0].images()[0][:2] == b"\\xff\\xd8"   # a JPEG arrived

Answers are served in queue order, one per ``POST /v1/chat/completions``; with
the queue empty the server answers 500 with a message saying so, so a test
that expected fewer calls fails loudly. ``GET /v1/models`` lists one model.
The ``fake_openai`` fixture (made available to every test by the conftest)
starts a server on a free port and stops it, and its threads, afterwards.
"""

from __future__ import annotations

import base64
import json
import select
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

__all__ = ["Canned", "FakeOpenAI", "RecordedRequest", "fake_openai"]


@dataclass
class Canned:
    """One queued answer: a completion, an HTTP error, a delay, or a broken body."""

    text: str = ""
    status: int = 200
    error: str = ""
    delay: float = 0.0
    raw: bytes | None = None
    hang: bool = False
    prompt_tokens: int = 0
    completion_tokens: int = 0


@dataclass
class RecordedRequest:
    """What one request carried: path, headers (lower-case names) and the decoded JSON body."""

    path: str
    headers: dict[str, str]
    body: dict[str, Any] = field(default_factory=dict)

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list(self.body.get("messages", []))

    @property
    def api_key(self) -> str:
        """The bearer token sent (tests check a key arrived — and only here)."""
        return self.headers.get("authorization", "").removeprefix("Bearer ")

    def text(self) -> str:
        """All text parts of all messages, joined: for 'did the prompt mention X' checks."""
        parts: list[str] = []
        for message in self.messages:
            content = message.get("content")
            if isinstance(content, str):
                parts.append(content)
            elif isinstance(content, list):
                parts.extend(p.get("text", "") for p in content if p.get("type") == "text")
        return "\n".join(parts)

    def image_urls(self) -> list[str]:
        """Every ``image_url`` content part's URL, in order."""
        urls = []
        for message in self.messages:
            content = message.get("content")
            if isinstance(content, list):
                for part in content:
                    if part.get("type") == "image_url":
                        image = part["image_url"]
                        urls.append(image["url"] if isinstance(image, dict) else image)
        return urls

    def images(self) -> list[bytes]:
        """The decoded bytes of every image sent as a ``data:`` URI (others are skipped)."""
        found = []
        for url in self.image_urls():
            if url.startswith("data:") and ";base64," in url:
                found.append(base64.b64decode(url.split(";base64,", 1)[1]))
        return found


class FakeOpenAI:
    """The server and its queue. ``url`` is the API base to give litellm."""

    model = "openai/fake-model"

    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self._queue: list[Canned] = []
        self._responder: Callable[[RecordedRequest], str | None] | None = None
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self.closed = threading.Event()  # a client closed a connection the server was holding (hang)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/v1"
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-openai",
                                        kwargs={"poll_interval": 0.05})
        self._thread.start()

    # ---- queueing answers ---------------------------------------------------------------

    def reply(self, text: str, *, prompt_tokens: int = 120, completion_tokens: int = 40) -> None:
        """Queue a normal chat completion whose message content is ``text``."""
        self._push(Canned(text=text, prompt_tokens=prompt_tokens, completion_tokens=completion_tokens))

    def fail(self, status: int, error: str = "fake failure") -> None:
        """Queue an HTTP error with an OpenAI-style error body (401, 429, 400, 500 ...)."""
        self._push(Canned(status=status, error=error))

    def slow(self, seconds: float, text: str = "too late") -> None:
        """Queue an answer that comes only after ``seconds`` (or as soon as the server stops)."""
        self._push(Canned(text=text, delay=seconds))

    def garbage(self, body: bytes = b"<html>this is not JSON</html>") -> None:
        """Queue a 200 answer whose body is not a chat completion."""
        self._push(Canned(raw=body))

    def answer_with(self, responder: Callable[[RecordedRequest], str | None]) -> None:
        """Answer each request the queue does not cover with ``responder(request)``'s text (None:
        no answer, a 500 as with an empty queue) — a replay keyed by what was asked, not by order."""
        self._responder = responder
    def hang(self) -> None:
        """Queue a request that is never answered: the server holds the connection and sets
        ``closed`` when the client closes it (a stopped request must not wait for its timeout)."""
        self._push(Canned(hang=True))

    def _push(self, canned: Canned) -> None:
        with self._lock:
            self._queue.append(canned)

    def _next(self, request: RecordedRequest) -> Canned | None:
        with self._lock:
            if self._queue:
                return self._queue.pop(0)
        text = self._responder(request) if self._responder is not None else None
        return None if text is None else Canned(text=text, prompt_tokens=120, completion_tokens=40)

    @property
    def pending(self) -> int:
        """How many queued answers were not asked for."""
        with self._lock:
            return len(self._queue)

    def close(self) -> None:
        self._stopping.set()  # releases handlers sleeping in slow()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def _handler_for(fake: FakeOpenAI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # quiet test output
            pass

        def do_GET(self) -> None:
            if self.path.rstrip("/").endswith("/models"):
                self._send(200, {"object": "list", "data": [{"id": "fake-model", "object": "model"}]})
            else:
                self._send(404, _error_body("no such path", 404))

        def do_POST(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            raw = self.rfile.read(length)
            try:
                body = json.loads(raw or b"{}")
            except ValueError:
                body = {"unparsed": raw.decode("utf-8", "replace")}
            headers = {k.lower(): v for k, v in self.headers.items()}
            recorded = RecordedRequest(self.path, headers, body)
            with fake._lock:
                fake.requests.append(recorded)
            if not self.path.rstrip("/").endswith("/chat/completions"):
                message = f"fake_openai only serves chat completions, not {self.path}"
                self._send(404, _error_body(message, 404))
                return
            canned = fake._next(recorded)
            if canned is None:
                self._send(500, _error_body("fake_openai: no canned response queued for this request", 500))
                return
            if canned.hang:
                self._hold_until_closed()
                return
            if canned.delay and fake._stopping.wait(canned.delay):
                self.close_connection = True  # the server is stopping: drop the connection
                return
            if canned.raw is not None:
                self._send_bytes(200, canned.raw, "text/html")
            elif canned.status != 200:
                self._send(canned.status, _error_body(canned.error, canned.status))
            else:
                self._send(200, _completion(canned, str(body.get("model", "fake-model"))))

        def _hold_until_closed(self) -> None:
            while not fake._stopping.is_set():
                if select.select([self.connection], [], [], 0.05)[0]:
                    try:
                        data = self.connection.recv(65536)
                    except OSError:
                        data = b""
                    if not data:  # the client closed the connection
                        fake.closed.set()
                        self.close_connection = True
                        return

        def _send(self, status: int, payload: dict[str, Any]) -> None:
            self._send_bytes(status, json.dumps(payload).encode(), "application/json")

        def _send_bytes(self, status: int, data: bytes, kind: str) -> None:
            try:
                self.send_response(status)
                self.send_header("content-type", kind)
                self.send_header("content-length", str(len(data)))
                # One request per connection: a handler thread kept for a pooled keep-alive
                # connection would outlive the test (conftest's thread-leak check).
                self.send_header("connection", "close")
                self.close_connection = True
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout test)

    return Handler


def _completion(canned: Canned, model: str) -> dict[str, Any]:
    return {
        "id": f"chatcmpl-fake-{time.monotonic_ns()}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "finish_reason": "stop",
                     "message": {"role": "assistant", "content": canned.text}}],
        "usage": {"prompt_tokens": canned.prompt_tokens, "completion_tokens": canned.completion_tokens,
                  "total_tokens": canned.prompt_tokens + canned.completion_tokens},
    }


def _error_body(message: str, status: int) -> dict[str, Any]:
    kinds = {401: "invalid_request_error", 429: "rate_limit_exceeded", 400: "invalid_request_error"}
    return {"error": {"message": message, "type": kinds.get(status, "server_error"), "code": status}}


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAI]:
    """A fresh server per test on a free 127.0.0.1 port, stopped (threads joined) afterwards."""
    server = FakeOpenAI()
    try:
        yield server
    finally:
        server.close()
