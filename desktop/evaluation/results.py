"""A suite run's numbers: per chore and in total, pass@1, pass^k, repairs, tokens, cost, time, and
why each failure failed; as JSON (a results file a later run compares with) and as a table.

pass@1 is the share of attempts that passed. pass^k (τ²-bench) is the chance that k attempts in a
row all pass, estimated from n attempts with c passes as C(c, k) / C(n, k): what a person who
cannot fix a bad script needs to know.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from math import comb
from pathlib import Path
from typing import Any

from desktop.evaluation.chore import Chore
from desktop.evaluation.runner import Attempt

__all__ = ["ChoreResult", "SuiteResult", "compare", "load"]

FORMAT = 1


@dataclass
class ChoreResult:
    """All attempts at one chore."""

    chore: Chore
    attempts: list[Attempt] = field(default_factory=list)

    def pass_at_1(self) -> float:
        return sum(a.passed for a in self.attempts) / len(self.attempts) if self.attempts else 0.0

    def pass_hat(self, k: int) -> float:
        n, c = len(self.attempts), sum(a.passed for a in self.attempts)
        return comb(c, k) / comb(n, k) if n >= k > 0 else 0.0

    def to_json(self, k: int) -> dict[str, Any]:
        return {
            "id": self.chore.id,
            "request": self.chore.request,
            "kind": self.chore.kind,
            "feasible": self.chore.feasible,
            "pass_at_1": round(self.pass_at_1(), 4),
            f"pass_hat_{k}": round(self.pass_hat(k), 4),
            "attempts": [a.to_json() for a in self.attempts],
        }


@dataclass
class SuiteResult:
    """A whole run of the suite (or the chores it got through before being cancelled)."""

    model: str
    planner: str
    k: int
    chores: list[ChoreResult] = field(default_factory=list)
    cancelled: bool = False

    def totals(self) -> dict[str, Any]:
        attempts = [a for c in self.chores for a in c.attempts]
        done = [c for c in self.chores if c.attempts]
        failures = Counter(a.reason for a in attempts if not a.passed)
        return {
            "chores": len(done),
            "attempts": len(attempts),
            "pass_at_1": round(sum(c.pass_at_1() for c in done) / len(done), 4) if done else 0.0,
            f"pass_hat_{self.k}": round(sum(c.pass_hat(self.k) for c in done) / len(done), 4)
            if done
            else 0.0,
            "repairs": sum(a.repairs for a in attempts),
            "tokens_in": sum(a.tokens_in for a in attempts),
            "tokens_out": sum(a.tokens_out for a in attempts),
            "cost": round(sum(a.cost for a in attempts), 6),
            "seconds": round(sum(a.seconds for a in attempts), 2),
            "failures": dict(sorted(failures.items())),
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "model": self.model,
            "planner": self.planner,
            "k": self.k,
            "cancelled": self.cancelled,
            "totals": self.totals(),
            "chores": [c.to_json(self.k) for c in self.chores if c.attempts],
        }

    def save(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_json(), indent=1, ensure_ascii=False), encoding="utf-8")
        return path


def load(path: Path) -> dict[str, Any]:
    """An earlier results file, or an ErrandError saying why it cannot be read."""
    from capabilities.errors import ErrandError

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ErrandError(
            f"Cannot read the results file {path}: {exc}.",
            "Give the path of a file an earlier `errand eval` wrote.",
        ) from None
    if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("chores"), list):
        raise ErrandError(
            f"{path} is not an Errand eval results file.",
            "Give the path of a file an earlier `errand eval` wrote.",
        )
    return data


def compare(new: dict[str, Any], old: dict[str, Any]) -> dict[str, Any]:
    """Per chore and in total, what changed from ``old`` to ``new`` (pass@1 and failure reason)."""
    before = {c["id"]: c for c in old["chores"]}
    rows = []
    for chore in new["chores"]:
        was = before.get(chore["id"])
        if was is None or was["pass_at_1"] != chore["pass_at_1"]:
            rows.append(
                {
                    "id": chore["id"],
                    "was": None if was is None else was["pass_at_1"],
                    "now": chore["pass_at_1"],
                    "reason": _first_failure(chore),
                }
            )
    return {
        "pass_at_1": {"was": old["totals"]["pass_at_1"], "now": new["totals"]["pass_at_1"]},
        "old": {"model": old.get("model"), "planner": old.get("planner")},
        "changed": rows,
    }


def _first_failure(chore: dict[str, Any]) -> str:
    return next((a["reason"] for a in chore["attempts"] if not a["passed"]), "")
