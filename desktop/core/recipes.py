"""The built-in recipes: the offline default planner.

A recipe is a pair of files in ``resources/recipes``: ``NAME.py``, an ordinary
sandbox script that reads its parameters from ``inputs``, and ``NAME.toml``::

    title = "Sort a folder into subfolders by kind"
    description = "One plain sentence a person reads."
    phrases = ["tidy up the downloads folder", ...]   # example requests, for matching
    capabilities = ["files:rw", "photos"]              # what its grants must allow

    [[params]]
    name = "days"              # inputs["days"] in the script
    type = "int"               # folder | file | int | text
    default = 30               # none: it must come from the request or be asked
    question = "How many days old must a screenshot be?"
    units = { day = 1, week = 7 }        # int: "2 weeks" → 14
    prefixes = ["older than"]            # int: "older than 30" → 30
    choices = { date = ["date", "oldest"] }   # text: a word in the request picks a value
    quoted = true                        # text: take "text in quotes" from the request
    numbered = true                      # ... and turn "Holiday 001" into "Holiday {n:03}"
    extensions = ["csv"]                 # file/text: "events.csv" in the request

    [covers]                   # what requests it does (desktop.core.coverage)
    needs = [["screenshot"], ["old", "archive", "month"]]
    words = ["move", "folder"]
    effects = []               # "delete", "overwrite", "send": the request must ask for them

``fits(request, folders)`` says of each recipe whether it covers the whole
request (``desktop.core.coverage``), with the parameters read from it
(``read_params``: values, what is still missing with its question, and the
text each value came from, which the coverage check then counts as
accounted for). ``match`` only ranks by likeness (``desktop.core.matching``): it
picks the closest recipes to offer when none covers a request, never one to
run.
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from capabilities.base import Grant
from desktop.core.coverage import Covers, Verdict, check
from desktop.core.matching import Index

__all__ = ["Fit", "Match", "Param", "Reading", "Recipe", "best_fit", "fill_params", "fits", "load_recipes",
           "match", "read_params"]

PARAM_TYPES = frozenset({"folder", "file", "int", "text"})

_NUMBER_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
                 "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15,
                 "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "ninety": 90,
                 "hundred": 100}
# "1600", "1,600", "thirty": a number in words or digits (thousands separators allowed).
_NUMBER = r"(\d{1,3}(?:[,.']\d{3})+|\d+|" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True)) + r")"
_QUOTED = re.compile(r"[\"“”'‘’«»]([^\"“”'‘’«»]+)[\"“”'‘’«»]")


@dataclass(frozen=True, eq=False)
class Param:
    """One input of a recipe's script."""

    name: str
    type: str
    question: str
    default: str | int | float | bool | None = None  # from the recipe's TOML: a string or a number
    units: dict[str, float] = field(default_factory=dict)
    prefixes: tuple[str, ...] = ()
    choices: dict[str, tuple[str, ...]] = field(default_factory=dict)
    quoted: bool = False
    numbered: bool = False
    extensions: tuple[str, ...] = ()

    @classmethod
    def from_toml(cls, data: dict[str, Any], where: str) -> Param:
        if data.get("type") not in PARAM_TYPES:
            raise ValueError(f"{where}: param {data.get('name')!r} has type {data.get('type')!r}; "
                             f"use one of {sorted(PARAM_TYPES)}")
        if not data.get("name") or not data.get("question"):
            raise ValueError(f"{where}: every param needs a name and a question")
        return cls(data["name"], data["type"], data["question"], data.get("default"),
                   dict(data.get("units", {})), tuple(data.get("prefixes", ())),
                   {k: tuple(v) for k, v in data.get("choices", {}).items()}, bool(data.get("quoted")),
                   bool(data.get("numbered")), tuple(data.get("extensions", ())))


@dataclass(frozen=True, eq=False)  # compared (and cached) by identity
class Recipe:
    """A built-in chore: its words for people and matching, its parameters and its script."""

    name: str
    title: str
    description: str
    phrases: tuple[str, ...]
    capabilities: dict[str, str]  # capability → "rw", "ro" or "" (no mode: photos, places, vision)
    params: tuple[Param, ...]
    script: str
    covers: Covers

    @property
    def planner(self) -> str:
        """What the journal records as the run's planner."""
        return f"recipe:{self.name}"

    def lacking(self, grants: Sequence[Grant]) -> list[str]:
        """The capabilities (``files:rw``, ``vision``) this recipe needs that ``grants`` do not give."""
        out = []
        for cap, mode in self.capabilities.items():
            have = [g for g in grants if g.capability == cap]
            if not have or (mode == "rw" and not any(g.mode == "rw" for g in have)):
                out.append(f"{cap}:{mode}" if mode else cap)
        return out


@dataclass(frozen=True)
class Match:
    """A recipe and how much a request is like it (0–1), with the request's words it shares."""

    recipe: Recipe
    score: float
    words: tuple[str, ...] = ()


# ---- loading ---------------------------------------------------------------------------------

def load_recipes(folder: Traversable | Path | None = None) -> list[Recipe]:
    """Every recipe in ``folder`` (default: the package's ``resources/recipes``), sorted by name."""
    if folder is None:
        return list(_builtin())
    return _load(folder)


@functools.cache
def _builtin() -> tuple[Recipe, ...]:
    return tuple(_load(resources.files("resources").joinpath("recipes")))


def _load(folder: Traversable | Path) -> list[Recipe]:
    entries = {entry.name: entry for entry in folder.iterdir()}
    found = []
    for name in sorted(entries):
        if not name.endswith(".toml") or name.startswith(("_", ".")) or name == "ruff.toml":
            continue
        stem = name[: -len(".toml")]
        script = entries.get(stem + ".py")
        if script is None:
            raise ValueError(f"recipe {stem}: {name} has no {stem}.py next to it")
        found.append(_recipe(stem, entries[name].read_text(encoding="utf-8"),
                             script.read_text(encoding="utf-8")))
    return found


def _recipe(name: str, description: str, script: str) -> Recipe:
    where = f"recipe {name}"
    try:
        data = tomllib.loads(description)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{where}: {name}.toml is not valid TOML ({exc})") from None
    for key in ("title", "description", "phrases", "capabilities"):
        if not data.get(key):
            raise ValueError(f"{where}: {name}.toml needs {key!r}")
    compile(script, f"{name}.py", "exec")  # a broken recipe fails at load, not in front of a person
    capabilities = {}
    for spec in data["capabilities"]:
        cap, _, mode = spec.partition(":")
        capabilities[cap] = mode
    params = tuple(Param.from_toml(p, where) for p in data.get("params", []))
    if not isinstance(data.get("covers"), dict):
        raise ValueError(f"{where}: {name}.toml needs a [covers] table (what requests it does)")
    covers = Covers.from_toml(data["covers"], (p.name for p in params), where)
    return Recipe(name, data["title"], data["description"], tuple(data["phrases"]), capabilities, params,
                  script, covers)


# ---- matching --------------------------------------------------------------------------------

@functools.cache
def _index(recipes: tuple[Recipe, ...]) -> Index:
    return Index({r.name: [r.title, r.description, *r.phrases] for r in recipes})


def match(request: str, recipes: Sequence[Recipe] | None = None) -> list[Match]:
    """Recipes sharing anything with ``request``, closest first (a likeness in [0, 1], not a verdict)."""
    chosen = tuple(recipes) if recipes is not None else _builtin()
    by_name = {r.name: r for r in chosen}
    scores = _index(chosen).score(request)
    ranked = sorted(((s, name, words) for name, (s, words) in scores.items() if s > 0),
                    key=lambda t: (-t[0], t[1]))
    return [Match(by_name[name], s, tuple(words)) for s, name, words in ranked]


@dataclass(frozen=True)
class Fit:
    """How one recipe fits a request: whether it covers all of it, and the parameters it read."""

    recipe: Recipe
    score: float  # the likeness, for ranking
    verdict: Verdict
    reading: Reading

    @property
    def covered(self) -> bool:
        """Every word of the request is accounted for (missing details are asked, not guessed)."""
        return self.verdict.covered


def fits(request: str, folders: Sequence[str | Grant] = (), recipes: Sequence[Recipe] | None = None,
         ) -> list[Fit]:
    """Every recipe's fit: those covering the request first, then by likeness (closest first)."""
    chosen = tuple(recipes) if recipes is not None else _builtin()
    scores = _index(chosen).score(request)
    found = []
    for recipe in chosen:
        reading = read_params(recipe, request, folders)
        verdict = check(recipe.covers, request, reading.filled, reading.spans, reading.folders)
        found.append(Fit(recipe, scores[recipe.name][0], verdict, reading))
    return sorted(found, key=lambda f: (not f.covered, -f.score, f.recipe.name))


def best_fit(request: str, folders: Sequence[str | Grant] = (),
             recipes: Sequence[Recipe] | None = None) -> Fit | None:
    """The recipe that covers the whole request (the closest, if several do), else None."""
    ranked = fits(request, folders, recipes)
    return ranked[0] if ranked and ranked[0].covered else None


# ---- parameters ------------------------------------------------------------------------------

Span = tuple[int, int]


@dataclass
class Reading:
    """What a request says for a recipe's parameters, and the text each value was read from."""

    values: dict[str, Any]
    missing: list[Param]
    filled: list[str]  # parameters read from the request itself (not defaults, not the only folder)
    spans: list[Span]  # where in the request they were read from (not folder names)
    folders: list[str]  # granted folders the request names


def read_params(recipe: Recipe, request: str, folders: Sequence[str | Grant]) -> Reading:
    """Values from the request, the granted folders or defaults; the rest missing, with their spans.

    ``folders`` are the script names of the granted folders (``"Downloads"``) or
    the grants themselves (those for ``files`` count).
    """
    labels = [f for f in folders if isinstance(f, str)]
    labels += [g.label or Path(g.target).name for g in folders
               if isinstance(g, Grant) and g.capability == "files"]
    reading = Reading({}, [], [], [], [label for label, _ in _mentions(request, labels)])
    for param in recipe.params:
        found = _from_request(param, request, labels)
        value = found[0] if found else None
        if found and found[1]:
            reading.filled.append(param.name)
            # A folder's name still says something ("Screenshots"): it is accounted for, not blanked.
            reading.spans += found[1] if param.type != "folder" else []
        if value is None:
            value = param.default
        if value is None:
            reading.missing.append(param)
        else:
            reading.values[param.name] = value
    return reading


def fill_params(recipe: Recipe, request: str, folders: Sequence[str | Grant]) -> tuple[dict[str, Any],
                                                                                       list[Param]]:
    """``(inputs, missing)``: values from the request, the granted folders or defaults; the rest missing."""
    reading = read_params(recipe, request, folders)
    return reading.values, reading.missing


Found = tuple[Any, list[Span]] | None


def _from_request(param: Param, request: str, labels: Sequence[str]) -> Found:
    if param.type == "folder":
        return _folder(request, labels)
    if param.type == "file":
        return _file(param, request, labels)
    if param.type == "int":
        return _int(param, request)
    return _text(param, request)


def _mentions(request: str, labels: Sequence[str]) -> list[tuple[str, Span]]:
    lowered = request.casefold()
    return [(label, m.span()) for label in labels
            for m in re.finditer(rf"(?<![\w/]){re.escape(label.casefold())}(?![\w])", lowered)]


def _folder(request: str, labels: Sequence[str]) -> Found:
    named = _mentions(request, labels)
    if named:
        return named[0][0], [span for _, span in named]
    return (labels[0], []) if len(labels) == 1 else None


def _file(param: Param, request: str, labels: Sequence[str]) -> Found:
    found = _file_name(param, request)
    if found is None:
        return None
    name, span = found
    head = name.split("/", 1)[0]
    if "/" in name and head.casefold() in {label.casefold() for label in labels}:
        return name, [span]
    blanked = request[:span[0]] + " " * (span[1] - span[0]) + request[span[1]:]
    folder = _folder(blanked, labels)
    return (f"{folder[0]}/{name}", [span, *folder[1]]) if folder else None


def _file_name(param: Param, request: str) -> tuple[str, Span] | None:
    extensions = "|".join(re.escape(e) for e in param.extensions) or r"[A-Za-z0-9]{1,5}"
    for quoted in _QUOTED.finditer(request):
        if re.search(rf"\.(?:{extensions})$", quoted.group(1).strip(), re.IGNORECASE):
            return quoted.group(1).strip(), quoted.span()
    found = re.search(rf"(?<![\w.])([\w\-/]*[\w\-]\.(?:{extensions}))\b", request, re.IGNORECASE)
    return (found.group(1), found.span(1)) if found else None


def _number(word: str) -> int:
    digits = re.sub(r"[,.']", "", word)
    return int(digits) if digits.isdigit() else _NUMBER_WORDS[word]


def _int(param: Param, request: str) -> Found:
    lowered = request.lower()
    if param.units:
        units = "|".join(re.escape(u) for u in sorted(param.units, key=len, reverse=True))
        # A prefix just before ("more than a week") is part of what was read.
        prefixes = "|".join(re.escape(p) for p in param.prefixes) or "(?!)"
        found = re.search(rf"(?:\b(?:{prefixes})\s+)?\b{_NUMBER}\s*-?\s*({units})\b", lowered)
        if found:
            return round(_number(found.group(1)) * param.units[found.group(2)]), [found.span()]
    for prefix in param.prefixes:
        found = re.search(rf"\b{re.escape(prefix)}\s+{_NUMBER}\b(?!\s*%)", lowered)  # not "to 50%"
        if found and found.group(1) not in ("a", "an"):
            return _number(found.group(1)), [found.span()]
    return None


def _text(param: Param, request: str) -> Found:
    if param.choices:
        return _choice(param, request)
    if param.extensions:
        name = _file_name(param, request)
        if name is not None:
            return name[0], [name[1]]
    if param.quoted:
        return _quoted(param, request)
    return None


# "Birthday 01, Birthday 02", "Scan 1, Scan 2, Scan 3": a name and its first numbers, as a pattern.
# The name is bounded (40 characters): an unbounded lazy name made a long request take seconds.
_SERIES = re.compile(r"\b([A-Za-z][\w' -]{0,40}?)\s+(0*1)\s*,\s*\1\s+0*2\b(?:\s*,\s*\1\s+0*3\b)?")


def _quoted(param: Param, request: str) -> Found:
    spans = [m.span() for m in _QUOTED.finditer(request)]
    if spans:
        first = _QUOTED.search(request)
        assert first is not None
        text = first.group(1).strip()
        return (_numbered(text) if param.numbered else text), spans
    if not param.numbered:
        return None
    found = _SERIES.search(request)
    if found:
        return _numbered(f"{found.group(1)} {found.group(2)}"), [found.span()]
    found = re.search(r"\b(?:to|as|like|called|named)\s+([A-Za-z][\w' -]{0,40}?)\s+(0*1)\b", request)
    if found:
        return _numbered(f"{found.group(1)} {found.group(2)}"), [found.span(1), found.span(2)]
    return None


def _numbered(text: str) -> str:
    """ "Holiday 001" → "Holiday {n:03}"; a text already holding {n…} is kept as it is."""
    if "{" in text:
        return text
    found = re.search(r"(\d+)(\D*)$", text)
    if not found:
        return text
    digits = found.group(1)
    slot = f"{{n:0{len(digits)}}}" if len(digits) > 1 and digits.startswith("0") else "{n}"
    return text[: found.start(1)] + slot + found.group(2)


def _choice(param: Param, request: str) -> Found:
    lowered = request.lower()
    after_by = [(value, m.span()) for value, words in param.choices.items() for w in words
                for m in re.finditer(rf"(?:\b(?:sort|sorted|order|ordered|numbered)\s+)?\b(?:by|of|in)\s+"
                                     rf"(?:\w+\s+)?{re.escape(w)}\b", lowered)]
    if len({value for value, _ in after_by}) == 1:
        return after_by[0][0], [span for _, span in after_by]
    anywhere = [(value, m.span()) for value, words in param.choices.items() for w in words
                for m in re.finditer(rf"\b{re.escape(w)}\b", lowered)]
    if len({value for value, _ in anywhere}) == 1:
        return anywhere[0][0], [span for _, span in anywhere]
    return None
