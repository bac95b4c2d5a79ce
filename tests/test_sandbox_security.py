"""The sandbox grants no ambient authority: no host files, network, names, environment,
processes or native code — even to a script that reaches past the guest's import guard."""

from __future__ import annotations

import os
import socket
import threading
from typing import Any

import pytest

from sandbox import Limits, Sandbox

# The guest runtime's own globals are reachable from any of its functions; a
# hostile script can use them to skip the import allowlist. The sandbox must
# hold anyway, so these tests take that route.
REACH = "g = help.__globals__\nimp = g['_real_import']\n"


def refuse_all(name: str, payload: Any) -> Any:
    raise PermissionError(f"{name} is not granted")


def run(sandbox: Sandbox, code: str, **kw: Any):  # type: ignore[no-untyped-def]
    return sandbox.run(code, refuse_all, limits=Limits(wall_seconds=5), **kw)


@pytest.mark.parametrize("code", [
    "open('/etc/passwd').read()",
    "import pathlib\nresult = pathlib.Path('/etc/passwd').read_text()",
    "import pathlib\nresult = [str(p) for p in pathlib.Path('/').iterdir()]",
    REACH + "io = imp('io')\nresult = io.open('/etc/hostname').read()",
    REACH + "os = imp('os')\nresult = os.listdir('/')",
    REACH + "os = imp('os')\nresult = os.listdir('.')",
    REACH + "os = imp('os')\nresult = os.stat('/etc/passwd').st_size",
])
def test_host_files_cannot_be_read_or_listed(sandbox: Sandbox, code: str) -> None:
    outcome = run(sandbox, code)
    assert not outcome.ok
    assert outcome.error is not None and outcome.error.type in {
        "PermissionError", "FileNotFoundError", "SandboxRefused"}
    assert "root:" not in str(outcome.result)


def test_environment_variables_are_invisible(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ERRAND_TEST_SECRET", "hunter2")
    outcome = run(sandbox, REACH + "os = imp('os')\nresult = dict(os.environ)")
    assert outcome.ok and outcome.result == {}


def test_a_tcp_listener_on_loopback_sees_no_connection(sandbox: Sandbox) -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(0.5)
    port = listener.getsockname()[1]
    connections: list[Any] = []

    def accept() -> None:
        try:
            connections.append(listener.accept())
        except OSError:
            pass

    acceptor = threading.Thread(target=accept)
    acceptor.start()
    for code in (
        f"import socket\nsocket.create_connection(('127.0.0.1', {port}))",
        REACH + f"s = imp('_socket')\nc = s.socket()\nc.connect(('127.0.0.1', {port}))",
    ):
        outcome = run(sandbox, code)
        assert not outcome.ok
        assert outcome.error is not None
        assert outcome.error.type in {"ImportError", "SandboxRefused"}
    acceptor.join()
    listener.close()
    assert connections == []


def test_names_cannot_be_resolved(sandbox: Sandbox) -> None:
    outcome = run(sandbox, REACH + "s = imp('_socket')\nresult = s.getaddrinfo(b'localhost', 80)")
    assert not outcome.ok
    assert outcome.error is not None and outcome.error.type in {"SandboxRefused", "OSError", "gaierror"}


@pytest.mark.parametrize("code", [
    REACH + "os = imp('os')\nos.system('touch /tmp/errand-pwned')",
    REACH + "sp = imp('subprocess')\nsp.run(['touch', '/tmp/errand-pwned'])",
    REACH + "os = imp('os')\nos.execv('/bin/sh', ['sh'])",
    REACH + "os = imp('os')\nos._exit(3)",
])
def test_processes_cannot_be_started(sandbox: Sandbox, code: str) -> None:
    outcome = run(sandbox, code)
    assert not outcome.ok
    assert not os.path.exists("/tmp/errand-pwned")


@pytest.mark.parametrize("module", ["ctypes", "_ctypes", "cffi", "_posixsubprocess", "mmap"])
def test_native_code_cannot_be_loaded(sandbox: Sandbox, module: str) -> None:
    outcome = run(sandbox, REACH + f"m = imp({module!r})")
    assert not outcome.ok
    assert outcome.error is not None and outcome.error.type in {"ModuleNotFoundError", "ImportError"}


def test_the_import_guard_names_what_is_available(sandbox: Sandbox) -> None:
    outcome = run(sandbox, "import socket")
    assert outcome.error is not None and outcome.error.type == "ImportError"
    assert "not available in Errand scripts" in outcome.error.message
    assert "datetime" in outcome.error.message


def test_console_output_bypassing_print_is_refused_not_a_crash(sandbox: Sandbox) -> None:
    outcome = run(sandbox, REACH + "sys = imp('sys')\nsys.stdout = sys.__stdout__\nprint('x')")
    assert outcome.error is not None and outcome.error.type == "SandboxRefused"
    assert "stdout" in outcome.error.message
    assert run(sandbox, "result = 1").result == 1


@pytest.mark.parametrize("name, payload", [
    ("files.list", "{not json"),
    ("", "{}"),
    ("no.such", '{"args": []}'),
    ("files.list", '"a string, not an object"'),
])
def test_raw_host_calls_with_bad_input_come_back_as_errors(sandbox: Sandbox, name: str, payload: str) -> None:
    seen: list[tuple[str, Any]] = []

    def dispatcher(call: str, data: Any) -> Any:
        seen.append((call, data))
        raise LookupError(f"unknown capability function {call!r}")

    code = REACH + f"import json\nresult = json.loads(g['host'].call({name!r}, {payload!r}))"
    outcome = sandbox.run(code, dispatcher)
    assert outcome.ok, outcome.error
    assert "error" in outcome.result
    assert outcome.result["error"]["type"] in {"ValueError", "LookupError"}
    assert run(sandbox, "result = 'still fine'").result == "still fine"


def test_state_planted_by_one_script_is_not_seen_by_the_next(sandbox: Sandbox) -> None:
    planted = run(sandbox, REACH + "b = imp('builtins')\nb.PLANTED = 42\nimport json\njson.PLANTED = 1")
    assert planted.ok
    probe = run(sandbox, REACH + "b = imp('builtins')\nimport json\n"
                         "result = [hasattr(b, 'PLANTED'), hasattr(json, 'PLANTED')]")
    assert probe.result == [False, False]


def test_a_refused_capability_call_is_a_python_exception_in_the_script(sandbox: Sandbox) -> None:
    stub = "def list(folder: str) -> list[str]"
    manifest = {"files": {"list": {"stub": stub, "doc": "", "access": "read"}}}
    code = ("try:\n    files.list('Trip')\nexcept PermissionError as e:\n    result = 'caught: ' + str(e)\n")
    outcome = sandbox.run(code, refuse_all, manifest=manifest)
    assert outcome.ok, outcome.error
    assert outcome.result == "caught: files.list is not granted"
