"""Every standard module the prompt offers imports in the sandbox, and the functions people reach
for first (strptime) work there; private helpers stay unnamed in the list."""

from __future__ import annotations

from typing import Any

import pytest

from desktop.core.scriptcheck import allowed_modules
from sandbox import Sandbox
from sandbox.script_modules import script_modules


def no_capabilities(name: str, payload: dict[str, Any]) -> Any:
    raise LookupError(name)


@pytest.mark.parametrize("module", sorted(script_modules()))
def test_each_listed_module_imports_in_the_sandbox(sandbox: Sandbox, module: str) -> None:
    outcome = sandbox.run(f"import {module}\nreturn {module}.__name__", no_capabilities)
    assert outcome.error is None, outcome.error
    assert outcome.result == module


def test_datetime_and_time_strptime_work(sandbox: Sandbox) -> None:
    code = ("from datetime import datetime\nimport time\n"
            "d = datetime.strptime('2024-03-05 14:30', '%Y-%m-%d %H:%M')\n"
            "t = time.strptime('05/03/2024', '%d/%m/%Y')\n"
            "return [d.isoformat(), t.tm_year, t.tm_mon, t.tm_mday]")
    outcome = sandbox.run(code, no_capabilities)
    assert outcome.error is None, outcome.error
    assert outcome.result == ["2024-03-05T14:30:00", 2024, 3, 5]


def test_a_module_outside_the_list_is_refused(sandbox: Sandbox) -> None:
    outcome = sandbox.run("import os\nreturn 1", no_capabilities)
    assert outcome.error is not None and outcome.error.type == "ImportError"
    assert "not available in Errand scripts" in outcome.error.message


def test_the_static_check_and_the_guest_read_one_list() -> None:
    assert allowed_modules() == script_modules()
    assert "datetime" in script_modules() and "_strptime" not in script_modules()
