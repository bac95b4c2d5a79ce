"""One error → JSON shape: the run report, ``--json`` output and the journal say an error the same way."""

from __future__ import annotations

import json
from pathlib import Path

from capabilities.errors import TargetMissing, error_dict, error_text
from capabilities.journal import Journal
from desktop.cli.jsonout import encode, error_object
from desktop.cli.main import ScriptProblem
from desktop.core.report import RunReport


def test_exceptions_records_and_none_take_one_shape() -> None:
    assert error_dict(None) is None
    assert error_dict(TargetMissing("No file 'a.txt'.", "Check the name.")) == {
        "type": "TargetMissing", "message": "No file 'a.txt'.", "line": None, "hint": "Check the name."}
    assert error_dict(ScriptProblem("Bad call.", "Fix line 3.", 3))["line"] == 3
    assert error_dict(ValueError("plain")) == {"type": "ValueError", "message": "plain", "line": None,
                                              "hint": ""}
    assert error_dict({"type": "NameError", "message": "x", "limit": "memory"}) == {
        "type": "NameError", "message": "x", "line": None, "hint": ""}


def test_one_line_text_of_an_error() -> None:
    missing = TargetMissing("No file 'a.txt'.", "Check the name.")
    assert error_text(missing) == "No file 'a.txt'. Check the name."
    assert error_text(TargetMissing("No file 'a.txt'.")) == "No file 'a.txt'."
    assert error_text(OSError("disk full")) == "disk full"


def test_journal_report_and_json_output_agree(tmp_path: Path) -> None:
    error = ScriptProblem("Bad call to files.move.", "Give both paths.", 7)
    with Journal(tmp_path / "j.db") as j:
        rid = j.start_run("move files", "files.move('a')", [])
        j.finish_run(rid, "failed", error=error)
        report = RunReport.from_journal(j.run(rid), j.actions(rid), [])
    printed = json.loads(encode(error_object(error, "failed", rid)))
    assert report.error == printed["error"] == error_dict(error)
