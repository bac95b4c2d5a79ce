"""Results, inputs, printed lines and errors with the script's own line numbers."""

from __future__ import annotations

from typing import Any

import pytest

from sandbox import Sandbox

ADD_STUB = 'def add(a: int, b: int) -> int:\n    """Add two numbers."""'
MANIFEST = {"calc": {"add": {"stub": ADD_STUB, "doc": "Add two numbers.", "access": "read"}}}


def dispatcher(name: str, payload: dict[str, Any]) -> Any:
    if name == "calc.add":
        a, b = payload["args"]
        return a + b
    raise LookupError(name)


def test_a_script_returns_a_value(sandbox: Sandbox) -> None:
    assert sandbox.run("return [1, 2, 3]", dispatcher).result == [1, 2, 3]


def test_a_script_sets_result(sandbox: Sandbox) -> None:
    assert sandbox.run("result = {'n': 1}", dispatcher).result == {"n": 1}


def test_return_inside_loops_and_functions_keeps_module_semantics(sandbox: Sandbox) -> None:
    code = ("total = 0\ndef add(x):\n    return x + total\n"
            "for i in range(3):\n    total += i\n    if i == 2:\n        return add(10)")
    assert sandbox.run(code, dispatcher).result == 13


def test_inputs_reach_the_script(sandbox: Sandbox) -> None:
    outcome = sandbox.run("result = inputs['path'].upper()", dispatcher, inputs={"path": "Inbox/a.pdf"})
    assert outcome.result == "INBOX/A.PDF"


def test_capability_calls_round_trip_through_the_dispatcher(sandbox: Sandbox) -> None:
    outcome = sandbox.run("return calc.add(2, 40)", dispatcher, manifest=MANIFEST)
    assert outcome.result == 42 and outcome.host_calls == 1


def test_only_capabilities_in_the_manifest_exist(sandbox: Sandbox) -> None:
    outcome = sandbox.run("return files.list('x')", dispatcher, manifest=MANIFEST)
    assert outcome.error is not None and outcome.error.type == "NameError"


def test_help_shows_the_typed_stub(sandbox: Sandbox) -> None:
    outcome = sandbox.run("help(calc.add)", dispatcher, manifest=MANIFEST)
    assert outcome.log[0] == "def add(a: int, b: int) -> int:"


def test_printed_lines_are_captured(sandbox: Sandbox) -> None:
    outcome = sandbox.run("print('a')\nprint('b', 'c', sep='-')\nprint('no newline', end='')", dispatcher)
    assert outcome.log == ["a", "b-c", "no newline"]


def test_sets_and_tuples_become_lists_and_other_results_are_refused(sandbox: Sandbox) -> None:
    assert sandbox.run("return (1, 2)", dispatcher).result == [1, 2]
    outcome = sandbox.run("return object()", dispatcher)
    assert outcome.error is not None and "must be text, numbers" in outcome.error.message


@pytest.mark.parametrize("code, line, kind", [
    ("x = 1\ny = 2\nz = x / 0\n", 3, "ZeroDivisionError"),
    ("def f():\n    return {}['missing']\n\n\nf()\n", 2, "KeyError"),
    ("a = 1\nif a:\n  b = (\n", 3, "SyntaxError"),
    ("import json\njson.loads('{')\n", 2, "JSONDecodeError"),
    ("items = []\nreturn items[5]\n", 2, "IndexError"),
])
def test_errors_report_the_scripts_own_line(sandbox: Sandbox, code: str, line: int, kind: str) -> None:
    outcome = sandbox.run(code, dispatcher)
    assert outcome.error is not None
    assert outcome.error.type == kind
    assert outcome.error.line == line


def test_a_host_error_carries_its_hint_into_the_script(sandbox: Sandbox) -> None:
    class Refused(PermissionError):
        hint = "Grant the folder read-write."

    def refuse(name: str, payload: Any) -> Any:
        raise Refused("Trip is read-only")

    outcome = sandbox.run("calc.add(1, 2)", refuse, manifest=MANIFEST)
    assert outcome.error is not None
    assert outcome.error.type == "PermissionError"
    assert outcome.error.message == "Trip is read-only (Grant the folder read-write.)"
    assert outcome.error.hint == "Grant the folder read-write."
    assert outcome.error.line == 1


def test_system_exit_is_an_error_not_a_crash(sandbox: Sandbox) -> None:
    outcome = sandbox.run("raise SystemExit(3)", dispatcher)
    assert outcome.error is not None and outcome.error.type == "SystemExit"
    assert sandbox.run("result = 1", dispatcher).ok
