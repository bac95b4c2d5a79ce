"""``errand eval``: run the built-in chore suite against the model set up here (or the recipes), and
say how often Errand does what was asked.

It spends money only after saying roughly how much and being told to go on (or ``--yes``), shows
progress on stderr, stops cleanly on Ctrl-C with what it has, and leaves nothing in the person's
folders or history: every attempt has its own temporary home.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from capabilities.errors import ErrandError
from desktop.cli.common import EXIT_CANCELLED, EXIT_FAILED, EXIT_OK, EXTENSIONS, command
from desktop.cli.jsonout import emit

if TYPE_CHECKING:  # the suite and its sandbox load only when `errand eval` runs
    from desktop.core.settings import Settings
    from desktop.evaluation.chore import Chore as EvalChore
    from desktop.evaluation.results import SuiteResult

__all__ = ["add_parsers"]

# A first plan's prompt and answer, measured on the suite with five capabilities, and how often a
# repair round follows: enough for an estimate that is honest about being one.
_TOKENS_IN, _TOKENS_OUT, _ROUNDS = 2600, 450, 1.3


def add_parsers(sub: Any) -> None:
    ev = sub.add_parser("eval", help="run the built-in chore suite and score how well Errand does them")
    ev.add_argument("--model", help="the model to measure (litellm name); default: the one in Settings")
    ev.add_argument("--api-base", help="an OpenAI-compatible server, e.g. http://127.0.0.1:8080/v1")
    ev.add_argument(
        "--planner",
        choices=("auto", "model", "recipes"),
        default="auto",
        help="auto (as `errand ask`), model (every chore to the model), recipes (offline)",
    )
    ev.add_argument("--k", type=int, default=1, metavar="N", help="attempts per chore (pass^N is reported)")
    ev.add_argument("--only", nargs="+", metavar="ID", help="run only these chores (see --list)")
    ev.add_argument("--list", action="store_true", help="list the chores and exit")
    ev.add_argument("--compare", type=Path, metavar="OLD.json", help="compare with an earlier results file")
    ev.add_argument("--out", type=Path, metavar="FILE", help="where to write the results file")
    ev.add_argument("--yes", "-y", action="store_true", help="go ahead without asking about the cost")
    ev.add_argument("--json", action="store_true", help="print one JSON object")


@command("eval")
def cmd_eval(args: argparse.Namespace) -> int:
    from desktop.core import settings as settings_store
    from desktop.evaluation.suite import registered

    chores = _chosen(registered(), args.only)
    if args.list:
        return _list(chores, args.json)
    if args.k < 1:
        raise ErrandError("--k must be at least 1.", "Give the number of attempts per chore, e.g. --k 3.")
    old = None
    if args.compare is not None:
        from desktop.evaluation.results import load

        old = load(args.compare)
    settings = settings_store.load()
    settings.model = args.model or settings.model
    settings.api_base = args.api_base or settings.api_base
    if args.planner == "recipes":
        settings.model = ""  # offline: nothing may reach a model
    elif args.planner == "model" and not settings.has_model:
        from desktop.core.errors import NoModelConfigured

        raise NoModelConfigured(
            "No model is set up, so there is nothing to measure with --planner model.",
            "Pass --model (and --api-base for a local server), or add a model in "
            "Settings → Model; --planner recipes measures the built-in recipes offline.",
        )
    if settings.has_model and not _cost_agreed(settings.model, len(chores) * args.k, args.yes):
        return EXIT_CANCELLED
    result = _run(chores, settings, args)
    return _report(result, args, old)


def _chosen(chores: list[EvalChore], only: list[str] | None) -> list[EvalChore]:
    if not only:
        return chores
    known = {c.id: c for c in chores}
    unknown = [i for i in only if i not in known]
    if unknown:
        raise ErrandError(
            f"No chore called {', '.join(unknown)} in the suite.",
            "`errand eval --list` shows every chore's id.",
        )
    return [known[i] for i in only]


def _list(chores: list[EvalChore], as_json: bool) -> int:
    rows = [{"id": c.id, "request": c.request, "kind": c.kind, "feasible": c.feasible} for c in chores]
    if as_json:
        emit({"status": "ok", "chores": rows})
        return EXIT_OK
    from desktop.cli import console

    console.show_chores(rows)
    return EXIT_OK


def _cost_agreed(model: str, calls: int, yes: bool) -> bool:
    from desktop.core.llm import price_of

    tokens_in, tokens_out = round(calls * _TOKENS_IN * _ROUNDS), round(calls * _TOKENS_OUT * _ROUNDS)
    price = price_of(model, tokens_in, tokens_out)
    money = f"about ${price:.2f}" if price is not None else "an unknown amount (a local or unlisted model)"
    said = (
        f"This sends about {calls} requests to {model}: roughly {tokens_in:,} tokens in and "
        f"{tokens_out:,} out, {money}."
    )
    print(said, file=sys.stderr)
    if yes:
        return True
    if not sys.stdin or not sys.stdin.isatty():
        print(
            "Not started: nobody here to agree to the cost. Run again with --yes to go ahead.",
            file=sys.stderr,
        )
        return False
    return input("Go ahead? [y/N] ").strip().lower() in ("y", "yes")


def _run(chores: list[EvalChore], settings: Settings, args: argparse.Namespace) -> SuiteResult:
    from desktop.core import paths
    from desktop.evaluation.results import ChoreResult, SuiteResult
    from desktop.evaluation.runner import run_attempt
    from sandbox import Sandbox

    result = SuiteResult(settings.model or "(none)", args.planner, args.k)
    sandbox = Sandbox(paths.cache_dir(), progress=lambda m: print(m, file=sys.stderr), keep_warm=True)
    total, step = len(chores) * args.k, 0
    try:
        for chore in chores:
            done = ChoreResult(chore)
            result.chores.append(done)
            for n in range(1, args.k + 1):
                step += 1
                attempt = run_attempt(chore, n, settings, args.planner, sandbox)
                done.attempts.append(attempt)
                verdict = "passed" if attempt.passed else f"failed: {attempt.reason}"
                print(f"[{step}/{total}] {chore.id}: {verdict} ({attempt.seconds:.1f} s)", file=sys.stderr)
    except KeyboardInterrupt:
        result.cancelled = True
        print("Cancelled: the results below cover the chores done so far.", file=sys.stderr)
    return result


def _report(result: Any, args: argparse.Namespace, old: dict[str, Any] | None) -> int:
    from desktop.core import paths
    from desktop.evaluation.results import compare

    out = args.out or paths.data_dir() / "evals" / f"eval-{datetime.now():%Y%m%d-%H%M%S}.json"
    saved = result.save(out)
    data = result.to_json()
    if old is not None:
        data["compared"] = compare(data, old)
    if args.json:
        emit({"status": "cancelled" if result.cancelled else "ok", **data, "results_file": str(saved)})
    else:
        from desktop.cli import console

        console.show_eval(data)
        print(f"Results saved to {saved} (compare a later run with --compare).")
    if result.cancelled:
        return EXIT_CANCELLED
    return EXIT_OK if data["totals"]["chores"] else EXIT_FAILED


EXTENSIONS.append(add_parsers)
