"""Does a recipe cover the *whole* request? Every word accounted for, or the recipe declines.

A ranking says which recipe is *closest*; it cannot say that a recipe does
what was asked ("make the photos bigger" is close to "make the photos
smaller"). So each recipe declares, in its TOML file, what it covers::

    [covers]
    needs = [["duplicate", "copy"]]          # each group: the request must say one of these
    words = ["find", "keep", "extra"]        # other words it accounts for
    effects = ["delete"]                     # what cannot be taken back without the holding area

Its parameters account for the text they were read from ("older than 30
days", "'Holiday {n:03}'", "events.csv"); a need may name a parameter as
``$pattern``, met when the request gave it. A request is covered when every
need is met, every ``effect`` is asked for in so many words (a recipe that
deletes needs "delete", "remove", "get rid of" …), and no content word is
left over. Leftovers are what makes a recipe decline: an unknown operation
("unzip"), an opposite ("bigger"), a negation ("don't"), a restriction
("only"), an extra condition ("in the order they were taken").

Declared words go through the same concept table as requests
(``desktop.core.matching``), so "tidy" in a declaration also covers "tidying".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from desktop.core.matching import GENERIC, NEVER_COVERED, concept_words, concepts

__all__ = ["EFFECTS", "Covers", "Verdict", "check"]

# What a recipe does that the request must ask for in so many words, and the concepts that ask.
EFFECTS: dict[str, frozenset[str]] = {
    "delete": frozenset({"remove"}),      # delete, or move to the holding area
    "overwrite": frozenset({"overwrite"}),
    "send": frozenset({"email"}),         # send data off this computer
}


@dataclass(frozen=True)
class Covers:
    """What one recipe accounts for: its needs, its other words and its effects."""

    needs: tuple[frozenset[str], ...]
    words: frozenset[str]
    effects: tuple[str, ...] = ()

    @classmethod
    def from_toml(cls, data: Mapping[str, Any], params: Iterable[str], where: str) -> Covers:
        """Read a ``[covers]`` table; a wrong one fails at load, naming the recipe."""
        names = set(params)
        needs = []
        for group in data.get("needs", []):
            if not isinstance(group, list) or not group:
                raise ValueError(f"{where}: each of covers.needs is a non-empty list of words")
            for word in group:
                if word.startswith("$") and word[1:] not in names:
                    raise ValueError(f"{where}: covers.needs names {word!r}, which is not a parameter")
            needs.append(frozenset(w if w.startswith("$") else c for w in group for c in _declared(w, where)))
        words = frozenset(c for w in data.get("words", []) for c in _declared(w, where))
        effects = tuple(data.get("effects", []))
        unknown = [e for e in effects if e not in EFFECTS]
        if unknown:
            raise ValueError(f"{where}: covers.effects {unknown} are not among {sorted(EFFECTS)}")
        if not needs:
            raise ValueError(f"{where}: covers.needs must name at least one group of words")
        return cls(tuple(needs), words, effects)

    @property
    def vocabulary(self) -> frozenset[str]:
        return self.words.union(*self.needs) | GENERIC


def _declared(word: str, where: str) -> list[str]:
    if word.startswith("$"):
        return [word]
    found = concepts(word)
    if not found or set(found) & NEVER_COVERED:
        raise ValueError(f"{where}: {word!r} in covers is a stop word, a negation or a restriction; "
                         "no recipe may claim it")
    return found


@dataclass(frozen=True)
class Verdict:
    """Whether a recipe covers a request, and if not, what of the request it leaves out."""

    unmet: tuple[str, ...]      # needs not met, each shown as one of its words
    unasked: tuple[str, ...]    # effects the recipe has that the request did not ask for
    leftover: tuple[str, ...]   # the request's words the recipe does not account for

    @property
    def covered(self) -> bool:
        return not (self.unmet or self.unasked or self.leftover)


def check(covers: Covers, request: str, filled: Iterable[str] = (),
          consumed: Sequence[tuple[int, int]] = (), folders: Iterable[str] = ()) -> Verdict:
    """Check ``request`` against ``covers``.

    ``consumed`` spans were read into the parameters ``filled``; ``folders``
    are granted folders the request names (their words are accounted for).
    """
    words = concept_words(_blank(request, consumed))
    said = {c for _, c in words} | {f"${name}" for name in filled}
    unmet = tuple(sorted(min(group) for group in covers.needs if not group & said))
    unasked = tuple(e for e in covers.effects if not EFFECTS[e] & said)
    vocabulary = covers.vocabulary | {c for name in folders for c in concepts(name)}
    leftover = tuple(dict.fromkeys(w for w, c in words if c not in vocabulary or c in NEVER_COVERED))
    return Verdict(unmet, unasked, leftover)


def _blank(text: str, spans: Sequence[tuple[int, int]]) -> str:
    """``text`` with each span replaced by spaces (positions kept)."""
    chars = list(text)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    return "".join(chars)
