"""From a request in plain words to a checked script, through the configured model.

The prompt is built from the text in ``resources/prompts/`` and the typed
stubs of the registered capabilities (``Capability.stub()``, the same
definitions that validate calls at run time), the names of the granted
folders, and a few worked examples from the recipes when they exist. File
names go to the model only when the person allowed it for this request, as
JSON strings marked as data; prompts use no provider-specific tricks.

The answer is parsed into a script and a one-paragraph summary, then
checked statically (``desktop.core.scriptcheck``). Problems go back to the model
in precise words, at most two repair rounds; ``repair_after_preview`` gives
one more round when the preview raises. Every exchange (prompt, answer,
tokens, cost, latency, problems) goes to ``record_exchange`` — a dict whose
keys are ``Journal.add_exchange``'s arguments.
"""

from __future__ import annotations

import ast
import json
import os
import re
import string
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from capabilities.base import Capability, Grant
from capabilities.errors import error_text
from capabilities.registry import all_capabilities
from desktop.core import llm
from desktop.core.errors import ErrandError, NoCodeInAnswer, ScriptRejected
from desktop.core.model_calls import Cancel
from desktop.core.scriptcheck import ScriptCheck, allowed_modules, check_script

__all__ = ["PlannedScript", "api_text", "build_messages", "parse_answer", "plan_with_model",
           "quote", "repair_after_preview"]

MAX_REPAIRS = 2
MAX_EXAMPLES = 2
MAX_EXAMPLE_CHARS = 2500  # a longer recipe costs more prompt than it teaches
EXAMPLES_BUDGET = 2600  # characters of worked examples in all: the API grows, the prompt must not
MAX_FILE_NAMES = 40  # per folder: enough to show the naming, small enough for the prompt
RecordExchange = Callable[[dict[str, Any]], Any]


@dataclass
class PlannedScript:
    """A script that passed the static check, with what it needs and how it was obtained."""

    script: str
    summary: str
    needed: set[str]  # capabilities the code uses (read from the code, not the model's claims)
    missing: dict[str, str]  # needed but not granted: name → plain words to ask the person with
    writes: set[str]
    exchanges: list[dict[str, Any]] = field(default_factory=list)
    messages: list[llm.Message] = field(default_factory=list)  # the conversation, for a later repair


def plan_with_model(request: str, grants: Sequence[Grant], model_settings: llm.ModelSettings, *,
                    allow_file_names: bool = False, file_names: Mapping[str, Sequence[str]] | None = None,
                    record_exchange: RecordExchange | None = None, folder_summary: str = "",
                    cancel: Cancel | None = None) -> PlannedScript:
    """Ask the model for a script for ``request``; repair it up to twice; raise a ModelError if it fails.

    Setting ``cancel`` abandons the conversation at once (``ModelCancelled``)."""
    capabilities = all_capabilities()
    messages = build_messages(request, grants, capabilities, allow_file_names=allow_file_names,
                              file_names=file_names, folder_summary=folder_summary)
    return _converse(messages, grants, model_settings, capabilities, record_exchange, "plan", MAX_REPAIRS,
                     cancel)


def repair_after_preview(planned: PlannedScript, error: Any, grants: Sequence[Grant],
                         model_settings: llm.ModelSettings, *,
                         record_exchange: RecordExchange | None = None, cancel: Cancel | None = None
                         ) -> PlannedScript:
    """One more round after the preview raised ``error`` (text, or the sandbox's ``ScriptError``)."""
    text = str(error).strip()
    hint = str(getattr(error, "hint", "") or "")
    if hint and hint not in text:
        text += f" ({hint})"
    repair = _template("preview_error.md").substitute(error=quote(text))
    messages: list[llm.Message] = [*planned.messages, {"role": "user", "content": repair}]
    fixed = _converse(messages, grants, model_settings, all_capabilities(), record_exchange,
                      "preview_repair", 0, cancel)
    fixed.exchanges = [*planned.exchanges, *fixed.exchanges]
    return fixed


# ---- the prompt ------------------------------------------------------------------------------

def api_text(capabilities: Mapping[str, type[Capability]], request: str | None = None,
             grants: Sequence[Grant] = ()) -> str:
    """The API the model writes against, in name order. With a ``request``, only the capabilities it
    plausibly needs (by their ``topics``, or granted already) are shown in full; the others by their
    functions' names and one line, so the prompt stays small as the API grows. The static check
    knows them all, and its words give the full signature when a script calls one wrongly."""
    chosen = set(capabilities) if request is None else relevant(request, grants, capabilities)
    full = [capabilities[name].stub() for name in sorted(capabilities) if name in chosen]
    brief = [_brief(capabilities[name]) for name in sorted(capabilities) if name not in chosen]
    if brief:
        full.append("# Also available (same rules; ask help(name) in a script for the details):\n"
                    + "\n".join(brief))
    return "\n\n".join(full)


def relevant(request: str, grants: Sequence[Grant], capabilities: Mapping[str, type[Capability]]) -> set[str]:
    """The capabilities a request plausibly needs: those without topics (files), those granted, and
    those whose topic words the request uses."""
    words = f" {request.lower()} "
    granted = {g.capability for g in grants}
    return {name for name, cap in capabilities.items()
            if not cap.topics or name in granted or any(topic in words for topic in cap.topics)}


def _brief(capability: type[Capability]) -> str:
    ops = capability.operations.values()
    calls = ", ".join(f"{op.name}({', '.join(op.signature.parameters)})" for op in ops)
    gist = re.split(r"[:;]| in the granted|, for ", capability.summary, maxsplit=1)[0].strip().rstrip(".,")
    return f"# {capability.name} ({gist}): {calls}"


def build_messages(request: str, grants: Sequence[Grant], capabilities: Mapping[str, type[Capability]],
                   *, allow_file_names: bool = False, file_names: Mapping[str, Sequence[str]] | None = None,
                   folder_summary: str = "") -> list[llm.Message]:
    """The system and user messages for a request (file names only when ``allow_file_names``;
    ``folder_summary``: what the folders hold, in numbers, from ``desktop.core.exploration``)."""
    writes = sorted(op.qualified for cap in capabilities.values() for op in cap.operations.values()
                    if op.access == "write")
    system = _template("system.md").substitute(
        api=api_text(capabilities, request, grants),
        writes=", ".join(writes) or "none",
        modules=", ".join(sorted(allowed_modules())) or "the standard library",
        folders=_folders_text(grants),
        examples=_examples_text(request),
    )
    files = ""
    if allow_file_names:
        listing = file_names if file_names is not None else _list_folders(grants)
        if listing:
            lines = [f"{quote(label)}: [{', '.join(quote(n) for n in names[:MAX_FILE_NAMES])}]"
                     for label, names in listing.items()]
            files = _template("files.md").substitute(listing="\n".join(lines))
    if folder_summary:
        files = _template("folders.md").substitute(summary=folder_summary) + files
    user = _template("request.md").substitute(request=request.strip(), files=files)
    return [{"role": "system", "content": system.strip()}, {"role": "user", "content": user.strip()}]


_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\u061c]")


def quote(text: str) -> str:
    """Text from the person's files as a JSON string: quotes, newlines and invisible marks escaped."""
    return _INVISIBLE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", json.dumps(text, ensure_ascii=False))


def _folders_text(grants: Sequence[Grant]) -> str:
    modes: dict[str, dict[str, str]] = {}
    others: list[str] = []
    for g in grants:
        if os.path.isabs(os.path.expanduser(g.target)):
            label = g.label or os.path.basename(os.path.normpath(g.target))
            modes.setdefault(label, {})[g.capability] = "read and change" if g.mode == "rw" else "read only"
        elif g.capability not in others:
            others.append(g.capability)
    if not modes:
        text = "none (the script cannot touch any folder)."
    else:
        text = "; ".join(f"{quote(label)} ({', '.join(f'{c}: {m}' for c, m in sorted(caps.items()))})"
                         for label, caps in sorted(modes.items()))
    if others:
        text += f"\nAlso granted: {', '.join(others)}."
    return text


def _list_folders(grants: Sequence[Grant]) -> dict[str, list[str]]:
    """Top-level names in each granted folder (hidden files left out); only with the person's consent."""
    listing: dict[str, list[str]] = {}
    for g in grants:
        if not os.path.isabs(os.path.expanduser(g.target)):
            continue
        label = g.label or os.path.basename(os.path.normpath(g.target))
        try:
            with os.scandir(os.path.expanduser(g.target)) as entries:
                names = sorted(e.name + ("/" if e.is_dir(follow_symlinks=False) else "")
                               for e in entries if not e.name.startswith("."))
        except OSError:
            continue
        listing[label] = names[:MAX_FILE_NAMES]
    return listing


def _examples_text(request: str) -> str:
    """Up to two recipes as worked examples: the ones most like the request (``recipes.match``), the
    second only if both fit ``EXAMPLES_BUDGET``."""
    from desktop.core.recipes import match

    rank = {m.recipe.name: n for n, m in enumerate(match(request))}
    scored = sorted((rank.get(name, len(rank)), name, title, code) for name, title, code in _recipes())
    chosen: list[tuple[str, str]] = []
    for _, _, title, code in scored:
        spent = sum(len(c) for _, c in chosen)
        if len(chosen) < MAX_EXAMPLES and (not chosen or spent + len(code) <= EXAMPLES_BUDGET):
            chosen.append((title, code))
    if not chosen:
        return ""
    example = _template("example.md")
    body = "".join(example.substitute(request=title, code=code) for title, code in chosen)
    return _template("examples.md").substitute(examples=body.strip("\n"))


def _recipes() -> list[tuple[str, str, str]]:
    """``(name, first docstring line, code after the docstring)`` of each recipe short enough, from the
    recipes as ``recipes.load_recipes`` reads them (one reader: the same files, checked once)."""
    from desktop.core.recipes import load_recipes

    found = []
    for recipe in load_recipes():
        tree = ast.parse(recipe.script)  # load_recipes compiled it already: it parses
        doc = ast.get_docstring(tree)
        if not doc or not tree.body[1:]:
            continue
        # Everything after the docstring, comments included: they explain the recipe's inputs.
        code = "\n".join(recipe.script.splitlines()[tree.body[0].end_lineno or 1:]).strip()
        if len(code) <= MAX_EXAMPLE_CHARS:
            found.append((recipe.name, doc.splitlines()[0].strip(), code))
    return found


def _template(name: str) -> string.Template:
    return string.Template(resources.files("resources").joinpath("prompts", name).read_text(encoding="utf-8"))


# ---- the answer ------------------------------------------------------------------------------

_FENCE = re.compile(r"(```|~~~)[ \t]*([\w+.-]*)[^\n]*\n(.*?)(?:\n[ \t]*\1|\Z)", re.DOTALL)


def parse_answer(text: str) -> tuple[str, str]:
    """``(script, summary)`` from an answer; NoCodeInAnswer when it holds no Python code."""
    blocks = [(m.group(2).lower(), m.group(3), m.span()) for m in _FENCE.finditer(text)]
    code_blocks = [b for b in blocks if b[0] in ("python", "py", "python3", "")]
    if code_blocks:
        _, code, span = max(code_blocks, key=lambda b: len(b[1]))
        before, after = text[:span[0]], text[span[1]:]
        # Without a "Summary:" label the words after the code explain it; those before introduce it.
        if re.search(r"summary\s*:", before + after, re.IGNORECASE):
            prose = before + "\n\n" + after
        else:
            prose = after if after.strip() else before
    elif _looks_like_code(text):
        code, prose = text, ""
    else:
        said = " ".join(text.split())
        raise NoCodeInAnswer("The model answered without code.",
                             f"It said: “{said[:300]}”. Rephrase the chore more concretely, "
                             "or pick one of the built-in recipes." if said else
                             "Its answer was empty. Try again, or pick one of the built-in recipes.")
    return code.strip("\n") + "\n", _summary(prose)


def _looks_like_code(text: str) -> bool:
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return False
    return any(isinstance(n, ast.Call) for n in ast.walk(tree)) and len(tree.body) >= 1


def _summary(prose: str) -> str:
    match = re.search(r"summary\s*:\s*(.+)", prose, re.IGNORECASE | re.DOTALL)
    text = match.group(1) if match else prose
    paragraphs = [p for p in re.split(r"\n\s*\n", text.strip()) if p.strip()
                  and not p.strip().endswith(":")]  # "Here is the script:" introduces, it does not summarise
    paragraph = " ".join((paragraphs[0] if paragraphs else "").split()).strip("*_ ")
    return paragraph[:800] or "The model gave no summary; the preview shows what would change."


# ---- the conversation ------------------------------------------------------------------------

def _converse(messages: list[llm.Message], grants: Sequence[Grant], settings: llm.ModelSettings,
              capabilities: Mapping[str, type[Capability]], record: RecordExchange | None, kind: str,
              repairs: int, cancel: Cancel | None = None) -> PlannedScript:
    exchanges: list[dict[str, Any]] = []
    failure: ErrandError | None = None
    for attempt in range(repairs + 1):
        exchange: dict[str, Any] = {"kind": kind if attempt == 0 else "repair", "model": settings.model,
                    "prompt": [dict(m) for m in messages]}
        try:
            answer = llm.complete(messages, model=settings.model, api_base=settings.api_base,
                                  api_key=settings.api_key, timeout=settings.timeout, cancel=cancel)
        except ErrandError as exc:
            _record(record, exchanges, {**exchange, "error": error_text(exc)})
            raise
        exchange.update(answer=answer.text, tokens_in=answer.tokens_in, tokens_out=answer.tokens_out,
                        cost=answer.cost or 0.0, latency_ms=round(answer.latency_ms))
        messages.append({"role": "assistant", "content": answer.text})
        try:
            script, summary = parse_answer(answer.text)
            check = check_script(script, capabilities, grants)
        except NoCodeInAnswer as exc:
            failure, problems = exc, ["Your answer had no ```python code block with the script."]
        else:
            if check.ok:
                _record(record, exchanges, exchange)
                return _planned(script, summary, check, capabilities, grants, exchanges, messages)
            problems = check.problems
            failure = ScriptRejected(
                f"The model's script still has problems after {repairs} repair(s): {problems[0]}",
                "Rephrase the chore, grant what it needs, or pick one of the built-in recipes.")
        _record(record, exchanges, {**exchange, "error": "\n".join(problems)})
        if attempt < repairs:
            repair = _template("repair.md").substitute(problems="\n".join(f"- {p}" for p in problems))
            messages.append({"role": "user", "content": repair})
    assert failure is not None
    raise failure


def _record(record: RecordExchange | None, exchanges: list[dict[str, Any]], exchange: dict[str, Any]) -> None:
    exchanges.append(exchange)
    if record is not None:
        record(exchange)


def _planned(script: str, summary: str, check: ScriptCheck, capabilities: Mapping[str, type[Capability]],
             grants: Sequence[Grant], exchanges: list[dict[str, Any]],
             messages: list[llm.Message]) -> PlannedScript:
    granted = {g.capability for g in grants}
    missing = {name: capabilities[name].summary for name in sorted(check.needed - granted)}
    return PlannedScript(script, summary, set(check.needed), missing, set(check.writes), exchanges, messages)
