"""Offline reading of a request: the words it uses as *concepts*, and an IDF-weighted ranking.

No model, no download, no dependency. A request becomes a list of
``(word, concept)`` pairs (``concept_words``):

1. lower-cased, "n't" read as "not", and a few multi-word expressions joined
   first ("screen shot" → screenshot, "get rid of" → remove, "too big" →
   shrink, "by file type" → kind);
2. split into words, stop words dropped ("please", "my", "the", "so" …);
3. lightly stemmed (plural and -ing/-ed endings, so "renaming" = "rename");
4. mapped through a synonym table to one concept each. Opposites stay apart:
   "smaller" is ``shrink``, "bigger" is ``enlarge``, "size" is just ``size``;
   "remove" and "copy" are not "duplicate". A word in no table is its own
   concept ("unzip"), which no recipe covers.

Whether a recipe covers a request is ``desktop.core.coverage``'s question. This
module also ranks recipes by how much of a request they share
(``Index.score``, in [0, 1]): the closest ones are what Errand offers when none
covers the request. ``score = 0.6 · coverage + 0.4 · best phrase`` of the
IDF-weighted overlap (``idf = ln(1 + N/df)``; a word no recipe has weighs
most, being evidence the request is about something else).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

__all__ = ["GENERIC", "NEVER_COVERED", "Index", "concept_words", "concepts"]

# Joined before splitting: expressions whose words mean something else alone.
_EXPRESSIONS: tuple[tuple[str, str], ...] = (
    (r"e-?mails?", "email"), (r"screen ?shots?|screen ?captures?|screen ?grabs?", "screenshot"),
    (r"get rid of|throw (?:away|out)|clear out|clean out", "remove"), (r"alt[- ]text", "caption"),
    (r"de-?dup(?:e|licate)?[ds]?|de-?duplicat(?:e|ing|ed)", "duplicate remove"),
    (r"(?:by )?(?:file ?types?|kinds? of files?|types? of files?)|by (?:types?|kinds?|extensions?|formats?)",
     "kind"),
    (r"same (?:files?|content|photos?|pictures?|images?|songs?)|exact copies|identical copies"
     r"|appears? twice|more than once", "duplicate"),
    (r"one by one|and so on|etc\.?|…|\.\.\.|by mistake|by accident", " "),
    (r"csv|spread ?sheet|excel", "csv"), (r"px|pixels?", "pixel"),
    (r"where and when|when and where", "date place"), (r"(?:were|was) (?:shot|taken)", "taken"),
    (r"too (?:big|large|heavy|huge)|scale down|size down", "shrink"),
    (r"followed by (?:a )?numbers?", "number"), (r"per month|each month|a month each", "month"),
    (r"0*1\s*,\s*(?:[a-z]+ )?0*2", "number"),  # "Scan 1, Scan 2", "Holiday 001, Holiday 002"
)

_STOP = frozenset(str.split("""
a an the my our your their his her its me i we you they it this that these those there here
please can could would will shall should may might must do does did done doing make makes made
to of in on at by for from with into onto as so and or but if then than also just all any
each every some them is are be been being was were have has had am what which who whom how
want need like let help up out over about one ones thing things stuff get got lot lots
i'm it's they're there's let's i'd i've you're whats what's im enough too again after using via
own another other ca wo
"""))

# Concepts no recipe may claim: a negation or a restriction changes what any recipe would do.
NEVER_COVERED = frozenset({"NOT", "ONLY"})


def _all(words: str, concept: str) -> dict[str, str]:
    return dict.fromkeys(words.split(), concept)


# stem → concept. Keys are stems (see _stem), so "tidying", "tidies" and "tidy" all hit "tidy".
_SYNONYMS: dict[str, str] = {
    **_all("tidy organise organize sort arrange declutter categorise categorize group neaten separate "
           "split divide distribute clean cleanup", "sort"),
    **_all("order", "order"),
    **_all("kind type extension format category categories", "kind"),
    **_all("folder subfolder directory dir folders", "folder"),
    **_all("download", "download"),
    **_all("duplicate dupe dup double identical twice twin", "duplicate"),
    **_all("copy copie", "copy"),
    **_all("remove delete trash erase bin purge rid discard", "remove"),
    **_all("shrink small smaller reduce compress downsize lighter tiny thumbnail", "shrink"),
    **_all("resize scale", "resize"),
    **_all("bigger larger enlarge upscale", "enlarge"),
    **_all("big large huge heavy biggest largest", "big"),
    **_all("size", "size"),
    **_all("pixel wide width high height tall longest side", "pixel"),
    **_all("email mail send share attach attachment gmail outlook", "email"),
    **_all("photo picture pic image jpg jpeg heic png snap photograph", "photo"),
    **_all("screenshot screencap", "screenshot"),
    **_all("archive store stash away", "archive"),
    **_all("old older age ago aged", "old"),
    **_all("month monthly", "month"),
    **_all("rename retitle call", "rename"),
    **_all("name naming", "name"),
    **_all("number numbering numbered sequence sequential counter increment consecutive serial",
           "number"),
    **_all("pattern template scheme", "pattern"),
    **_all("calendar agenda diary ical ics", "calendar"),
    **_all("event appointment meeting entry", "event"),
    **_all("csv table spreadsheet sheet row column", "csv"),
    **_all("list", "list"),
    **_all("import load add create insert", "add"),
    **_all("caption describe description label tag explain subtitle", "caption"),
    **_all("ai vision", "ai"),
    **_all("date day dated when", "date"),
    **_all("taken", "taken"),
    **_all("place location city town where gps country", "place"),
    **_all("document pdf doc", "document"),
    **_all("music song mp3", "music"),
    **_all("video movie film", "video"),
    **_all("move transfer relocate shift", "move"),
    **_all("find search look check locate detect", "find"),
    **_all("keep preserve", "keep"),
    **_all("overwrite replace", "overwrite"),
    # Upper case: no stem of another word can become one of these ("notes" → "not" stays harmless).
    **_all("not never without except excluding nothing no none", "NOT"),
    **_all("only", "ONLY"),
}


def _stem(word: str) -> str:
    """A light English stemmer: "photos"/"photo", "renaming"/"rename", "files"/"file" meet."""
    if len(word) <= 3:
        return word
    for suffix, repl in (("ies", "y"), ("sses", "ss"), ("ches", "ch"), ("shes", "sh"), ("xes", "x"),
                         ("ing", ""), ("ed", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            if suffix == "s" and word[-2] in "siu":  # "class", "Paris", "focus" are not plurals
                break
            word = word[: len(word) - len(suffix)] + repl
            if suffix in ("ing", "ed") and len(word) > 3 and word[-1] == word[-2] and word[-1] not in "lsz":
                word = word[:-1]  # "putting" → "put", "shipped" → "ship"
            break
    return word


def _concept(word: str) -> str:
    stem = _stem(word)
    for candidate in (word, stem, stem + "e"):
        if candidate in _SYNONYMS:
            return _SYNONYMS[candidate]
    return stem.removesuffix("e")  # "move", "moving", "moved" all become "mov"


# Words that any recipe accounts for: where the files are, which files, how to go about it.
_GENERIC_WORDS = str.split("""
file folder everything item whole entire mine bunch batch new first use give go through now
download desktop library collection scan holiday vacation trip wedding family birthday party
summer winter work school
""")

GENERIC = frozenset(_concept(w) for w in _GENERIC_WORDS)


def concept_words(text: str) -> list[tuple[str, str]]:
    """``(word, concept)`` for each content word of a text, in order (duplicates kept)."""
    text = text.lower().replace("’", "'").replace("n't", " not")
    for pattern, replacement in _EXPRESSIONS:
        text = re.sub(rf"(?<!\w)(?:{pattern})(?!\w)", f" {replacement} ", text)
    out = []
    for word in re.findall(r"[a-z][a-z0-9']*|\d+", text):
        word = word.strip("'").removesuffix("'s")
        if not word or word in _STOP or word.isdigit():
            continue
        concept = _concept(word)
        if concept not in _STOP:
            out.append((word, concept))
    return out


def concepts(text: str) -> list[str]:
    """The concept tokens of a text, in order (duplicates kept)."""
    return [concept for _, concept in concept_words(text)]


# Concepts that say what to do (rather than what to do it to, like "photo" or "download"):
# "duplicates in my documents" is about duplicates, not about documents.
_TASKS = frozenset({"sort", "duplicate", "remove", "shrink", "resize", "caption", "screenshot", "calendar",
                    "rename", "name", "number", "archive", "email"})
TASK_WEIGHT = 1.5
W_COVER, W_PHRASE = 0.6, 0.4


@dataclass(frozen=True)
class _Doc:
    vocabulary: frozenset[str]
    texts: tuple[frozenset[str], ...]


class Index:
    """Documents (each a few short texts) that requests are ranked against."""

    def __init__(self, documents: Mapping[str, Sequence[str]]) -> None:
        self._docs = {key: _Doc(frozenset(c for t in texts for c in concepts(t)),
                                tuple(frozenset(concepts(t)) for t in texts))
                      for key, texts in documents.items()}
        n = len(self._docs)
        df: dict[str, int] = {}
        for doc in self._docs.values():
            for concept in doc.vocabulary:
                df[concept] = df.get(concept, 0) + 1
        self._idf = {c: math.log(1 + n / k) for c, k in df.items()}
        self._unknown = math.log(1 + n / 0.5)  # a word no document has: strong evidence against all

    def weight(self, concept: str) -> float:
        base = self._idf.get(concept, self._unknown)
        return base * TASK_WEIGHT if concept in _TASKS else base

    def score(self, request: str) -> dict[str, tuple[float, list[str]]]:
        """``{key: (score in [0, 1], the request's concepts it shares)}`` for every document."""
        wanted = set(concepts(request)) - GENERIC
        total = sum(self.weight(c) for c in wanted)
        results: dict[str, tuple[float, list[str]]] = {}
        for key, doc in self._docs.items():
            shared = wanted & doc.vocabulary
            if not total or not shared:
                results[key] = (0.0, [])
                continue
            coverage = sum(self.weight(c) for c in shared) / total
            phrase = max(self._dice(wanted, text) for text in doc.texts)
            value = W_COVER * coverage + W_PHRASE * phrase
            if not shared & _TASKS:
                value *= 0.6  # nothing said of what to do ("play some music"): a weak likeness at best
            results[key] = (round(min(1.0, value), 4), sorted(shared))
        return results

    def _dice(self, wanted: Iterable[str], text: frozenset[str]) -> float:
        wanted = set(wanted)
        both = sum(self.weight(c) for c in wanted & text)
        size = sum(self.weight(c) for c in wanted) + sum(self.weight(c) for c in text)
        return 2 * both / size if size else 0.0
