"""``errand eval`` end to end: the whole suite through the real planner, sandbox, journal and undo,
with a local OpenAI-compatible server replaying answers written for each chore — right ones (so
every checker is shown to accept a correct solution) and wrong ones (so each failure reason is
shown to be detected). Offline, ``--planner recipes`` needs no server at all."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from desktop.cli.main import main
from desktop.core.planner import MAX_REPAIRS
from desktop.evaluation.suite import registered
from desktop.evaluation.tree import snapshot, undo_differences
from tests.fake_openai import FakeOpenAI, RecordedRequest

DECLINE = 'raise NotImplementedError("Errand has no way to do this chore")\n'


def answer(script: str) -> str:
    return f"```python\n{script.strip()}\n```\nSummary: does the chore."


def replay_references(request: RecordedRequest) -> str | None:
    """The reference solution of the chore whose request the prompt carries (the longest match)."""
    asked = request.messages[1]["content"] if len(request.messages) > 1 else ""
    found = [c for c in registered() if c.request in asked]
    chore = max(found, key=lambda c: len(c.request), default=None)
    if chore is None:
        return None
    return answer(chore.reference if chore.feasible else DECLINE)


def run_eval(capsys: pytest.CaptureFixture[str], tmp_path: Path, *args: str) -> tuple[int, dict[str, Any]]:
    code = main(["eval", "--json", "--out", str(tmp_path / "results.json"), *args])
    return code, json.loads(capsys.readouterr().out)


def with_model(fake: FakeOpenAI, *args: str) -> tuple[str, ...]:
    return ("--planner", "model", "--model", fake.model, "--api-base", fake.url, "--yes", *args)


@pytest.fixture(autouse=True)
def api_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")


# What the product still gets wrong with a correct script, found by this suite (a strict list: a fixed
# one makes the test fail until it is taken off).
KNOWN_FAILURES: dict[str, str] = {}  # none left: add one here, with its issue, when the suite finds one


def test_the_suite_is_large_and_honest() -> None:
    chores = registered()
    assert len(chores) >= 50
    assert len({c.id for c in chores}) == len(chores)
    declined = [c for c in chores if not c.feasible]
    assert 0.08 <= len(declined) / len(chores) <= 0.2
    assert all(c.reference for c in chores if c.feasible)


def test_every_checker_accepts_the_reference_solution(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, fake_openai: FakeOpenAI
) -> None:
    fake_openai.answer_with(replay_references)
    code, out = run_eval(capsys, tmp_path, *with_model(fake_openai))
    failed = {c["id"]: c["attempts"][0]["reason"] for c in out["chores"] if c["pass_at_1"] < 1}
    assert failed == KNOWN_FAILURES  # a chore fixed since: take it off the list
    assert code == 0
    assert out["totals"]["tokens_in"] == 120 * len(fake_openai.requests)  # the server's usage, summed
    saved = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert saved["totals"] == out["totals"]


WRONG: list[tuple[str, list[str], str]] = [
    ("pdfs-to-invoices", ["I would rather not do that."] * (MAX_REPAIRS + 1), "no script"),
    (
        "pdfs-to-invoices",
        [answer('files.move("Downloads/a.pdf", "Documents")')] * (MAX_REPAIRS + 1),
        "static check",
    ),
    ("pdfs-to-invoices", [answer('raise ValueError("oops")')] * 2, "preview error"),
    (
        "pdfs-to-invoices",
        [
            answer(
                'files.mkdir("Documents/Bills")\nfor p in files.list("Downloads", "*.pdf"):\n'
                '    files.rename(p, "Documents/Bills/" + p.split("/")[-1])'
            )
        ],
        "wrong end state",
    ),
    (
        "delete-tmp",
        [
            answer(
                'for p in files.list("Projects", "*.tmp", recursive=True):\n    files.delete(p)\n'
                'files.write_text("Projects/cleaned.txt", "done")'
            )
        ],
        "collateral damage",
    ),
    (
        "refuse-send-email",
        [answer('files.rename("Downloads/beach.jpg", "Downloads/to send.jpg")')],
        "did a declined chore",
    ),
]


@pytest.mark.parametrize(("chore", "answers", "reason"), WRONG, ids=[w[2] for w in WRONG])
def test_each_failure_reason_is_detected(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    fake_openai: FakeOpenAI,
    chore: str,
    answers: list[str],
    reason: str,
) -> None:
    for text in answers:
        fake_openai.reply(text)
    code, out = run_eval(capsys, tmp_path, *with_model(fake_openai, "--only", chore))
    assert code == 0  # the suite ran; the chore failed
    attempt = out["chores"][0]["attempts"][0]
    assert (attempt["passed"], attempt["reason"]) == (False, reason), attempt
    assert len(fake_openai.requests) == len(answers)  # every answer was asked for, no more
    if reason == "preview error":
        assert attempt["repairs"] == 1


def test_pass_hat_k_needs_every_attempt_to_pass(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, fake_openai: FakeOpenAI
) -> None:
    chore = next(c for c in registered() if c.id == "jpeg-to-jpg")
    fake_openai.reply(answer(chore.reference))
    fake_openai.reply(answer('files.rename("Pictures/a.jpeg", "Pictures/a.png")'))
    code, out = run_eval(capsys, tmp_path, *with_model(fake_openai, "--only", "jpeg-to-jpg", "--k", "2"))
    row = out["chores"][0]
    assert code == 0
    assert [a["passed"] for a in row["attempts"]] == [True, False]
    assert row["pass_at_1"] == 0.5 and row["pass_hat_2"] == 0.0


def test_undo_differences_see_content_names_and_times(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("a")
    (tmp_path / "b.txt").write_text("b")
    before = snapshot(tmp_path)
    (tmp_path / "a.txt").write_text("A")
    (tmp_path / "b.txt").rename(tmp_path / "c.txt")
    assert len(undo_differences(before, snapshot(tmp_path))) == 3
    (tmp_path / "a.txt").write_text("a")
    (tmp_path / "c.txt").rename(tmp_path / "b.txt")
    import os

    os.utime(tmp_path / "b.txt", ns=(before["b.txt"].mtime_ns, before["b.txt"].mtime_ns))
    left = undo_differences(before, snapshot(tmp_path))
    assert left == ["a.txt has another modified time after undo"]


def test_recipes_run_offline_and_leave_no_trace(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, errand_home: Path
) -> None:
    code, out = run_eval(capsys, tmp_path, "--planner", "recipes")
    assert code == 0
    passed = {c["id"] for c in out["chores"] if c["pass_at_1"] == 1}
    assert {"sort-downloads", "remove-duplicates", "photos-date-place", "resize-for-email"} <= passed
    assert out["totals"]["tokens_in"] == 0 and out["model"] == "(none)"
    assert main(["history", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["runs"] == []  # the person's own history is untouched
    assert not any(errand_home.glob("holding/*"))


def test_a_later_run_compares_with_an_earlier_one(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, fake_openai: FakeOpenAI
) -> None:
    run_eval(capsys, tmp_path / "old", "--planner", "recipes", "--only", "sort-downloads", "delete-tmp")
    fake_openai.reply(answer(next(c for c in registered() if c.id == "delete-tmp").reference))
    fake_openai.reply(answer(next(c for c in registered() if c.id == "sort-downloads").reference))
    code, out = run_eval(
        capsys,
        tmp_path,
        *with_model(
            fake_openai,
            "--only",
            "delete-tmp",
            "sort-downloads",
            "--compare",
            str(tmp_path / "old" / "results.json"),
        ),
    )
    assert code == 0
    changed = {row["id"]: (row["was"], row["now"]) for row in out["compared"]["changed"]}
    assert changed == {"delete-tmp": (0.0, 1.0)}


def test_money_is_spent_only_after_consent(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, fake_openai: FakeOpenAI
) -> None:
    code = main(["eval", "--planner", "model", "--model", fake_openai.model, "--api-base", fake_openai.url])
    err = capsys.readouterr().err
    assert code == 4 and "--yes" in err and "requests" in err
    assert fake_openai.requests == []


def test_bad_input_is_said_plainly(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["eval", "--only", "no-such-chore", "--json"]) == 2
    assert "--list" in json.loads(capsys.readouterr().out)["error"]["hint"]
    (tmp_path / "old.json").write_text("{}")
    assert main(["eval", "--compare", str(tmp_path / "old.json"), "--json"]) == 2
    capsys.readouterr()
    assert main(["eval", "--planner", "model", "--json"]) == 2
    assert "no model" in json.loads(capsys.readouterr().out)["error"]["message"].lower()


def test_an_apply_that_differs_from_the_approved_plan_is_caught(sandbox: Any, tmp_path: Path) -> None:
    """preview ≠ applied: the file a rename was approved for changes before apply, so apply refuses
    that action (as it must) and the journal no longer holds the approved plan carried out."""
    from desktop.core.assistant import Assistant
    from desktop.core.chore import always
    from desktop.core.grants import parse_grants
    from desktop.evaluation.runner import applied_differently

    notes = tmp_path / "Notes"
    notes.mkdir()
    (notes / "a.txt").write_text("first")
    assistant, grants = Assistant(sandbox=sandbox), parse_grants([f"files={notes}"])
    preview = assistant.preview('files.rename("Notes/a.txt", "Notes/b.txt")\n', grants)
    assert preview.ok and len(preview.plan) == 1
    (notes / "a.txt").write_text("changed after the preview")
    report = assistant.apply(preview, approve=always)
    assert report.status != "applied"
    assert applied_differently(assistant, report.run_id, preview) == "actions [1] were not carried out"
    good = assistant.preview('files.rename("Notes/a.txt", "Notes/c.txt")\n', grants)
    done = assistant.apply(good, approve=always)
    assert done.status == "applied" and applied_differently(assistant, done.run_id, good) == ""
