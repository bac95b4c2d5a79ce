"""``errand ask``, ``errand recipes`` and ``errand try``: from plain words to a previewed run.

Registered into ``desktop.cli`` (see the bottom of that module). Planning goes
through ``desktop.planning``: a recipe that matches well, else the model.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path
from typing import Any

from capabilities.errors import ErrandError
from desktop.cli import _EXTENSIONS, EXIT_OK, command, make_assistant, run_and_report

__all__ = ["add_parsers"]


def add_parsers(sub: Any) -> None:
    ask = sub.add_parser("ask", help="plan a chore from plain words, preview it, apply it")
    ask.add_argument("request", help='the chore, e.g. "sort my downloads into folders by type"')
    ask.add_argument("--folder", action="append", default=[], metavar="DIR[:ro]",
                     help="a folder the chore may use (read-only with :ro)")
    ask.add_argument("--calendar", metavar="SOURCE", help="ics:/path/cal.ics or caldav:https://user@host/path/")
    ask.add_argument("--model", help="the model for this request (litellm name, e.g. openai/gpt-4o-mini)")
    ask.add_argument("--api-base", help="an OpenAI-compatible server, e.g. http://127.0.0.1:8080/v1")
    ask.add_argument("--planner", choices=("auto", "model", "recipes"), default="auto",
                     help="auto (default) prefers a well-matching recipe")
    ask.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                     help="a recipe parameter, e.g. days=30")
    ask.add_argument("--allow-vision", action="store_true",
                     help="allow sending pictures to the vision model for this request")
    ask.add_argument("--allow-file-names", action="store_true",
                     help="let the model see the names of files in the granted folders")
    ask.add_argument("--show-code", action="store_true", help="print the script before the preview")
    ask.add_argument("--yes", "-y", action="store_true", help="apply without asking")
    ask.add_argument("--preview-only", action="store_true", help="show the plan, change nothing")
    ask.add_argument("--json", action="store_true", help="print one JSON object")

    rec = sub.add_parser("recipes", help="list the built-in recipes (they work without a model)")
    rec.add_argument("--json", action="store_true")

    tr = sub.add_parser("try", help="run a recipe on a copy of sample photos, to see how Errand works")
    tr.add_argument("--to", type=Path,
                    help="where to put the sample copy (default: Pictures/Errand sample photos)")
    tr.add_argument("--yes", "-y", action="store_true")
    tr.add_argument("--preview-only", action="store_true")
    tr.add_argument("--json", action="store_true")


@command("ask")
def cmd_ask(args: argparse.Namespace) -> int:
    from desktop import paths, planning
    from desktop import settings as settings_store
    from desktop.grants import parse_grants

    settings = settings_store.load()
    if args.model:
        settings.model = args.model
    if args.api_base:
        settings.api_base = args.api_base
    if args.planner == "model" and settings.has_model:
        from desktop import llm

        llm.warm()  # litellm loads while the grants are checked and the journal opened
    specs = [f"files={folder}" for folder in args.folder]
    if args.calendar:
        specs.append(f"calendar={args.calendar}")
    grants = parse_grants(specs, paths.protected_dirs())
    assistant = make_assistant()
    plan = planning.plan_request(args.request, grants, settings, mode=args.planner,
                                 record_exchange=lambda e: assistant.journal.add_exchange(**e),
                                 allow_file_names=args.allow_file_names or settings.allow_file_names)
    _fill_params(plan, args)
    grants, problems = planning.complete_grants(plan, grants, settings, allow_vision=args.allow_vision)
    if problems:
        consent_only = all(p.kind == "vision-consent" for p in problems)
        raise ErrandError("Errand needs your permission before it can preview this chore." if consent_only
                          else "This chore needs more from you before Errand can preview it.",
                          " ".join(p.for_cli() for p in problems))
    if args.show_code and not args.json:
        from desktop import console

        console.show_code(plan.script)

    def repair(preview: Any) -> Any:
        """The model gets one more round when its script fails in the preview."""
        if plan.planned is None or preview.outcome.error is None:
            return None
        from desktop.planner import repair_after_preview
        from desktop.services import model_settings

        ids: list[int] = []

        def record(exchange: dict[str, Any]) -> None:
            ids.append(assistant.journal.add_exchange(**exchange))

        fixed = repair_after_preview(plan.planned, str(preview.outcome.error), grants,
                                     model_settings(settings), record_exchange=record)
        plan.exchanges += ids
        return assistant.preview(fixed.script, grants, request=args.request, summary=fixed.summary,
                                 planner="model", model=settings.model, inputs=plan.inputs,
                                 exchanges=plan.exchanges)

    return run_and_report(args, assistant, plan.script, grants, inputs=plan.inputs, request=args.request,
                          summary=plan.summary, planner=plan.planner, model=plan.model,
                          exchanges=plan.exchanges, repair=repair)


def _fill_params(plan: Any, args: argparse.Namespace) -> None:
    from desktop.planning import convert_param

    given = dict(item.partition("=")[::2] for item in args.param)
    still: list[Any] = []
    for param in plan.missing_params:
        if param.name in given:
            plan.inputs[param.name] = convert_param(param, given[param.name])
        elif sys.stdin and sys.stdin.isatty() and not args.json:
            plan.inputs[param.name] = convert_param(param, input(f"{param.question} ").strip())
        else:
            still.append(param)
    known = {p.name: p for p in plan.recipe.params} if plan.recipe else {}
    for name, value in given.items():  # what the person says wins over what was read from the request
        plan.inputs[name] = convert_param(known[name], value) if name in known else value
    if still:
        asks = "; ".join(f"{p.question} (--param {p.name}=…)" for p in still)
        title = plan.recipe.title if plan.recipe else plan.planner
        raise ErrandError(f"The recipe “{title}” needs more details.", asks)


@command("recipes")
def cmd_recipes(args: argparse.Namespace) -> int:
    from desktop.recipes import load_recipes

    found = load_recipes()
    if args.json:
        print(json.dumps([{"name": r.name, "title": r.title, "description": r.description,
                           "capabilities": r.capabilities, "phrases": list(r.phrases),
                           "params": [{"name": p.name, "type": p.type, "question": p.question,
                                       "default": p.default} for p in r.params]} for r in found]))
        return EXIT_OK
    from desktop import console

    console.show_recipes(found)
    return EXIT_OK


def sample_photos() -> list[Path]:
    """The sample pictures shipped in ``resources/samples``."""
    from importlib import resources

    folder = resources.files("resources") / "samples"
    return sorted(Path(str(p)) for p in folder.iterdir() if p.name.lower().endswith((".jpg", ".jpeg")))


def copy_samples(dest: Path) -> Path:
    """A fresh copy of the sample photos in ``dest`` (a new numbered folder if it exists)."""
    target, n = dest, 2
    while target.exists():
        target, n = dest.with_name(f"{dest.name} {n}"), n + 1
    target.mkdir(parents=True)
    for photo in sample_photos():
        shutil.copy2(photo, target / photo.name)
    return target


def default_samples_folder() -> Path:
    """Where the sample copy goes: the person's Pictures folder (not Errand's own, which is never
    grantable)."""
    from platformdirs import user_pictures_path

    return user_pictures_path() / "Errand sample photos"


@command("try")
def cmd_try(args: argparse.Namespace) -> int:
    photos = sample_photos()
    if not photos:
        raise ErrandError("The sample photos are missing from this installation.",
                          "Reinstall Errand, or try `errand ask` on a folder of your own.")
    folder = copy_samples(args.to or default_samples_folder())
    if not args.json:
        print(f"Copied {len(photos)} sample photos to {folder}")
    ask = argparse.Namespace(
        request="rename these photos by date and place", folder=[str(folder)], calendar=None, model=None,
        api_base=None, planner="recipes", param=[], allow_vision=False, allow_file_names=False,
        show_code=False, yes=args.yes, preview_only=args.preview_only, json=args.json)
    return cmd_ask(ask)


_EXTENSIONS.append(add_parsers)
