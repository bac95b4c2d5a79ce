"""``errand ask``, ``errand recipes`` and ``errand try``: from plain words to a previewed run.

Registered in ``desktop.cli.common`` (see the bottom of this module). Planning goes
through ``desktop.core.planning``: a recipe that matches well, else the model.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from capabilities.errors import ErrandError
from desktop.cli.common import EXIT_OK, EXTENSIONS, add_allow_flagged, command, make_assistant
from desktop.cli.jsonout import emit
from desktop.cli.review import add_review_options, run_and_report
from desktop.core.display import say, terminal_text
from desktop.core.errors import NoRecipeFits

if TYPE_CHECKING:
    from desktop.core.chore import Chore
    from desktop.core.recipes import Param

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
    ask.add_argument("--recipe", metavar="NAME",
                     help="use this built-in recipe (see errand recipes --json for the names)")
    ask.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                     help="a recipe parameter, e.g. days=30")
    ask.add_argument("--allow-vision", action="store_true",
                     help="allow sending pictures to the vision model for this request")
    ask.add_argument("--allow-file-names", action="store_true",
                     help="let the model see the names of files in the granted folders")
    ask.add_argument("--show-code", action="store_true", help="print the script before the preview")
    ask.add_argument("--yes", "-y", action="store_true", help="apply without asking")
    ask.add_argument("--preview-only", action="store_true", help="show the plan, change nothing")
    add_allow_flagged(ask)
    add_review_options(ask)
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
    from desktop.core import paths
    from desktop.core import settings as settings_store
    from desktop.core.grants import parse_grants

    settings = settings_store.load()
    if args.model:
        settings.model = args.model
    if args.api_base:
        settings.api_base = args.api_base
    if args.planner == "model" and not settings.has_model:
        from desktop.core.errors import NoModelConfigured

        raise NoModelConfigured("--planner model asks a model to write the script, but no model is set up.",
                                "Set one (errand settings set model openai/gpt-4o-mini, then errand settings "
                                "set-key), pass --model, or leave out --planner model to use the recipes.")
    if args.planner == "model" and settings.has_model:
        from desktop.core import llm

        llm.warm()  # litellm loads while the grants are checked and the journal opened
    specs = [f"files={folder}" for folder in args.folder]
    if args.calendar:
        specs.append(f"calendar={args.calendar}")
    grants = parse_grants(specs, paths.protected_dirs())
    assistant = make_assistant()

    def plan_with(recipe: str | None) -> Chore:
        return assistant.plan_chore(args.request, grants, settings, mode=args.planner,
                                    allow_vision=args.allow_vision, allow_file_names=args.allow_file_names,
                                    recipe=recipe)

    try:
        chore = plan_with(getattr(args, "recipe", None))
    except NoRecipeFits as exc:
        chore = plan_with(_pick(exc, args))
    _fill_params(chore, args)
    if chore.problems:
        consent_only = all(p.kind == "vision-consent" for p in chore.problems)
        raise ErrandError("Errand needs your permission before it can preview this chore." if consent_only
                          else "This chore needs more from you before Errand can preview it.",
                          " ".join(p.for_cli() for p in chore.problems))
    if args.show_code and not args.json:
        from desktop.cli import console

        console.show_code(chore.script)
    return run_and_report(args, assistant, chore)


def _fill_params(chore: Chore, args: argparse.Namespace) -> None:
    from desktop.core.planning import convert_param, missing_question

    given = dict(item.partition("=")[::2] for item in args.param)
    still: list[Param] = []
    for param in chore.missing:
        if param.name in given:
            chore.inputs[param.name] = convert_param(param, given[param.name])
        elif sys.stdin and sys.stdin.isatty() and not args.json:
            answer = input(terminal_text(f"{param.question} ")).strip()
            chore.inputs[param.name] = convert_param(param, answer)
        else:
            still.append(param)
    chore.missing = still
    known = {p.name: p for p in chore.recipe.params} if chore.recipe else {}
    for name, value in given.items():  # what the person says wins over what was read from the request
        chore.inputs[name] = convert_param(known[name], value) if name in known else value
    if still:
        raise ErrandError(missing_question(still), "Say it in the request, or run the command in a terminal "
                          "to be asked.")


def _pick(exc: NoRecipeFits, args: argparse.Namespace) -> str:
    """In a terminal, offer the closest recipes and run only the one the person picks; else explain."""
    if not exc.choices or args.json or not (sys.stdin and sys.stdin.isatty()):
        hint = exc.hint + (" (errand ask --recipe NAME …; names: " +
                           ", ".join(c.name for c in exc.choices) + ")" if exc.choices else "")
        raise NoRecipeFits(exc.message, hint + " A model: errand settings set model openai/gpt-4o-mini.",
                           exc.choices)
    from desktop.cli import console

    console.show_offers(exc.message, exc.choices)
    answer = input(f"Run one of them? Type its number (1–{len(exc.choices)}), or press Enter to stop: ")
    if answer.strip().isdigit() and 1 <= int(answer) <= len(exc.choices):
        return str(exc.choices[int(answer) - 1].name)
    raise NoRecipeFits("Nothing was run.", "Set up a language model for chores the recipes do not do: "
                       "errand settings set model openai/gpt-4o-mini.")


@command("recipes")
def cmd_recipes(args: argparse.Namespace) -> int:
    from desktop.core.recipes import load_recipes

    found = load_recipes()
    if args.json:
        emit({"status": "ok", "recipes": [
            {"name": r.name, "title": r.title, "description": r.description, "capabilities": r.capabilities,
             "phrases": list(r.phrases), "params": [{"name": p.name, "type": p.type, "question": p.question,
                                                     "default": p.default} for p in r.params]}
            for r in found]})
        return EXIT_OK
    from desktop.cli import console

    console.show_recipes(found)
    return EXIT_OK


@command("try")
def cmd_try(args: argparse.Namespace) -> int:
    from desktop.core import samples

    folder = samples.copy_samples(args.to)
    # Nobody can answer a prompt without a terminal (a script, `bash scripts/errand.sh` on a server):
    # the sample chore then applies, since it changes only the fresh copy just made.
    unattended = not args.yes and not args.preview_only and not (sys.stdin and sys.stdin.isatty())
    if not args.json:
        say(f"Copied {len(samples.sample_files())} sample photos to {folder}")
        if unattended:
            say("No terminal to ask for approval in, so the sample chore will be applied: it changes only "
                "this fresh copy.")
    ask = argparse.Namespace(
        request=samples.SAMPLE_REQUEST, folder=[str(folder)], calendar=None, model=None,
        api_base=None, planner="recipes", recipe=samples.SAMPLE_RECIPE, param=[], allow_vision=False,
        allow_file_names=False, show_code=False, yes=args.yes or unattended, preview_only=args.preview_only,
        json=args.json)
    return cmd_ask(ask)


EXTENSIONS.append(add_parsers)
