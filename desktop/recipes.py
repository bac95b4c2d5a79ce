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

``match(request)`` ranks recipes offline (``desktop.matching``); a top score
of at least ``GOOD_MATCH`` means "use this recipe" — also when a model is
configured, since a recipe is fast, free and tested. ``fill_params`` fills
what the request says and lists the rest, each with its question.
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
from desktop.matching import Index

__all__ = ["GOOD_MATCH", "Match", "Param", "Recipe", "best_match", "fill_params", "load_recipes", "match"]

# A top score at or above this means the recipe does what was asked (measured on the paraphrase
# table in tests/test_recipes_match.py: every paraphrase's right recipe scores above it, every
# unrelated request below).
GOOD_MATCH = 0.45
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
    default: Any = None
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
    """A recipe and how well a request fits it (0–1), with the request's words it shares."""

    recipe: Recipe
    score: float
    words: tuple[str, ...] = ()

    @property
    def good(self) -> bool:
        return self.score >= GOOD_MATCH


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
    return Recipe(name, data["title"], data["description"], tuple(data["phrases"]), capabilities, params,
                  script)


# ---- matching --------------------------------------------------------------------------------

@functools.cache
def _index(recipes: tuple[Recipe, ...]) -> Index:
    return Index({r.name: [r.title, r.description, *r.phrases] for r in recipes})


def match(request: str, recipes: Sequence[Recipe] | None = None) -> list[Match]:
    """Recipes sharing anything with ``request``, best first (score in [0, 1])."""
    chosen = tuple(recipes) if recipes is not None else _builtin()
    by_name = {r.name: r for r in chosen}
    scores = _index(chosen).score(request)
    ranked = sorted(((s, name, words) for name, (s, words) in scores.items() if s > 0),
                    key=lambda t: (-t[0], t[1]))
    return [Match(by_name[name], s, tuple(words)) for s, name, words in ranked]


def best_match(request: str, recipes: Sequence[Recipe] | None = None) -> Match | None:
    """The top match if it is good enough to run (``GOOD_MATCH``), else None."""
    ranked = match(request, recipes)
    return ranked[0] if ranked and ranked[0].good else None


# ---- parameters ------------------------------------------------------------------------------

def fill_params(recipe: Recipe, request: str, folders: Sequence[str | Grant]) -> tuple[dict[str, Any],
                                                                                       list[Param]]:
    """``(inputs, missing)``: values from the request, the granted folders or defaults; the rest missing.

    ``folders`` are the script names of the granted folders (``"Downloads"``) or
    the grants themselves (those for ``files`` count).
    """
    labels = [f for f in folders if isinstance(f, str)]
    labels += [g.label or Path(g.target).name for g in folders
               if isinstance(g, Grant) and g.capability == "files"]
    values: dict[str, Any] = {}
    missing: list[Param] = []
    for param in recipe.params:
        value = _from_request(param, request, labels)
        if value is None:
            value = param.default
        if value is None:
            missing.append(param)
        else:
            values[param.name] = value
    return values, missing


def _from_request(param: Param, request: str, labels: Sequence[str]) -> Any:
    if param.type == "folder":
        return _folder(request, labels)
    if param.type == "file":
        return _file(param, request, labels)
    if param.type == "int":
        return _int(param, request)
    return _text(param, request)


def _mentioned(request: str, labels: Sequence[str]) -> list[str]:
    lowered = request.casefold()
    return [label for label in labels
            if re.search(rf"(?<![\w/]){re.escape(label.casefold())}(?![\w])", lowered)]


def _folder(request: str, labels: Sequence[str]) -> str | None:
    named = _mentioned(request, labels)
    if named:
        return named[0]
    return labels[0] if len(labels) == 1 else None


def _file(param: Param, request: str, labels: Sequence[str]) -> str | None:
    name = _file_name(param, request)
    if name is None:
        return None
    head = name.split("/", 1)[0]
    if "/" in name and head.casefold() in {label.casefold() for label in labels}:
        return name
    folder = _folder(request.replace(name, " "), labels)
    return f"{folder}/{name}" if folder else None


def _file_name(param: Param, request: str) -> str | None:
    extensions = "|".join(re.escape(e) for e in param.extensions) or r"[A-Za-z0-9]{1,5}"
    for quoted in _QUOTED.findall(request):
        if re.search(rf"\.(?:{extensions})$", quoted.strip(), re.IGNORECASE):
            return quoted.strip()
    found = re.search(rf"(?<![\w.])([\w\-/]*[\w\-]\.(?:{extensions}))\b", request, re.IGNORECASE)
    return found.group(1) if found else None


def _number(word: str) -> int:
    digits = re.sub(r"[,.']", "", word)
    return int(digits) if digits.isdigit() else _NUMBER_WORDS[word]


def _int(param: Param, request: str) -> int | None:
    lowered = request.lower()
    if param.units:
        units = "|".join(re.escape(u) for u in sorted(param.units, key=len, reverse=True))
        found = re.search(rf"\b{_NUMBER}\s*-?\s*({units})\b", lowered)
        if found:
            return round(_number(found.group(1)) * param.units[found.group(2)])
    for prefix in param.prefixes:
        found = re.search(rf"\b{re.escape(prefix)}\s+{_NUMBER}\b(?!\s*%)", lowered)  # not "to 50%"
        if found and found.group(1) not in ("a", "an"):
            return _number(found.group(1))
    return None


def _text(param: Param, request: str) -> str | None:
    if param.choices:
        return _choice(param, request)
    if param.extensions:
        name = _file_name(param, request)
        if name is not None:
            return name
    if param.quoted:
        quoted = _QUOTED.findall(request)
        if quoted:
            return _numbered(quoted[0].strip()) if param.numbered else quoted[0].strip()
        if param.numbered:
            found = re.search(r"\b(?:to|as|like|called|named)\s+([A-Za-z][\w' -]*?)\s+(0*1)\b", request)
            if found:
                return _numbered(f"{found.group(1)} {found.group(2)}")
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


def _choice(param: Param, request: str) -> str | None:
    lowered = request.lower()
    after_by = [value for value, words in param.choices.items()
                if any(re.search(rf"\b(?:by|of|in)\s+(?:\w+\s+)?{re.escape(w)}\b", lowered) for w in words)]
    if len(after_by) == 1:
        return after_by[0]
    anywhere = [value for value, words in param.choices.items()
                if any(re.search(rf"\b{re.escape(w)}\b", lowered) for w in words)]
    return anywhere[0] if len(anywhere) == 1 else None
