"""Offline matching of a request to short texts: normalised concept tokens and IDF-weighted overlap.

No model, no download, no dependency: a request and each recipe's texts
(title, description, example phrases) become *concept tokens* —

1. lower-cased, with a few multi-word expressions joined first ("screen
   shot" → screenshot, "get rid of" → remove, "by type" → kind);
2. split into words, stop words dropped ("please", "my", "the", "so" …);
3. lightly stemmed (plural and -ing/-ed endings, so "renaming" = "rename");
4. mapped through a small synonym table to one concept each ("tidy",
   "organise", "arrange" → sort; "shrink", "smaller", "compress" → resize;
   "pics", "images", "photos" → photo).

A document's score for a request (``Index.score``, in [0, 1]) blends two
views of the same IDF-weighted overlap (a concept in every document weighs
little, one in a single document a lot; a request word found in no document
weighs the most, because it is evidence the request is about something else):

* coverage: the share of the request's weight the document's vocabulary
  covers (all of its texts together);
* best phrase: a Dice overlap with its closest single text, so a request
  phrased like one example scores high even when short.

``score = 0.6 · coverage + 0.4 · best phrase``, with ``idf = ln(1 + N/df)``.
Concepts naming a task ("sort", "resize", "duplicate", …) weigh 1.5×, and
the score is damped when the request shares no task with the document
("play some music" shares only "music") or has one concept only (one word
says too little to act on). What counts as a good match is the caller's
threshold (``desktop.recipes.GOOD_MATCH``). The weights were chosen on the
paraphrase tables in ``tests/test_recipes_match.py``; BM25's sharper idf
ranked slightly better there but separated good from unrelated requests
less cleanly, so the plain form stayed.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

__all__ = ["Index", "concepts"]

# Joined before splitting: expressions whose words mean something else alone.
_EXPRESSIONS: tuple[tuple[str, str], ...] = (
    (r"e-?mails?", "email"), (r"screen ?shots?|screen ?captures?|screen ?grabs?", "screenshot"),
    (r"get rid of|throw away|clear out|clean out", "remove"), (r"alt[- ]text", "caption"),
    (r"by (file )?types?|file ?types?|by kinds?|by extensions?|by formats?", "kind"),
    (r"same (file|content|photo|picture)s?|exact copies|identical copies", "duplicate"),
    (r"in folders|into folders|into subfolders|in subfolders|its own folder|their own folders", "folders"),
    (r"file away|put away|stow away", "archive"), (r"one by one|and so on|etc", ""),
    (r"csv|spread ?sheet|excel", "csv"), (r"px|pixels?", "pixel"),
    (r"where and when|when and where", "date place"),
    (r"0*1\s*,\s*(?:[a-z]+ )?0*2", "number"),  # "Scan 1, Scan 2", "Holiday 001, Holiday 002"
)

_STOP = frozenset(str.split("""
a an the my our your their his her its me i we you they it this that these those there here
please can could would will shall should may might must do does did done doing make makes
to of in on at by for from with into onto as so and or but if then than also just all any
each every some them is are be been being was were have has had am what which who whom how
want need like let help up out over about only one ones thing things stuff get got lot lots
"""))


# Concepts that say what to do (rather than what to do it to, like "photo" or "download"):
# "duplicates in my documents" is about duplicates, not about documents.
_TASKS = frozenset({"sort", "duplicate", "resize", "caption", "screenshot", "calendar", "rename", "number",
                    "archive", "email", "remove"})
TASK_WEIGHT = 1.5
W_COVER, W_PHRASE = 0.6, 0.4  # chosen on the paraphrase tables (tests/test_recipes_match.py)


def _all(words: str, concept: str) -> dict[str, str]:
    return dict.fromkeys(words.split(), concept)


# stem → concept. Keys are stems (see _stem), so "tidying", "tidies" and "tidy" all hit "tidy".
_SYNONYMS: dict[str, str] = {
    **_all("tidy organise organize sort arrange clean cleanup declutter categorise categorize group "
           "order sorting neaten separate split divide distribute", "sort"),
    **_all("kind type extension format category categories", "kind"),
    **_all("folder subfolder directory dir folders", "folder"),
    **_all("download downloaded", "download"),
    **_all("duplicate dupe dup dedupe dedup deduplicate double identical same twin twice", "duplicate"),
    **_all("remove delete trash erase bin purge rid", "remove"),
    **_all("resize shrink small smaller reduce compress downsize scale lighter tiny thumbnail pixel big "
           "bigger large larger huge heavy size", "resize"),
    **_all("email mail send share attach attachment gmail outlook", "email"),
    **_all("photo picture pic image jpg jpeg heic png snap", "photo"),
    **_all("screenshot screencap capture", "screenshot"),
    **_all("archive store stash old older age", "archive"),
    **_all("month monthly", "month"),
    **_all("rename name retitle call naming", "rename"),
    **_all("number numbering numbered sequence sequential counter count increment consecutive serial",
           "number"),
    **_all("pattern template scheme", "pattern"),
    **_all("calendar event appointment meeting schedule diary agenda entry ical ics", "calendar"),
    **_all("csv table spreadsheet sheet row list", "csv"),
    **_all("import load add create", "add"),
    **_all("caption describe description label tag explain subtitle", "caption"),
    **_all("ai vision model", "vision"),
    **_all("date day when taken dated", "date"),
    **_all("place location city town where gps country", "place"),
    **_all("document pdf doc music video song movie", "document"),
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


def concepts(text: str) -> list[str]:
    """The concept tokens of a text, in order (duplicates kept)."""
    text = text.lower().replace("’", "'")
    for pattern, replacement in _EXPRESSIONS:
        text = re.sub(rf"\b(?:{pattern})\b", f" {replacement} ", text)
    words = re.findall(r"[a-z][a-z0-9']*|\d+", text)
    out = []
    for word in words:
        word = word.strip("'").removesuffix("'s")
        if not word or word in _STOP or word.isdigit():
            continue
        concept = _concept(word)
        if concept not in _STOP:
            out.append(concept)
    return out


@dataclass(frozen=True)
class _Doc:
    vocabulary: frozenset[str]
    texts: tuple[frozenset[str], ...]


class Index:
    """Documents (each a few short texts) that requests are scored against."""

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
        wanted = set(concepts(request))
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
            if len(wanted) == 1:
                value *= 0.4  # a single concept ("photos") is too little to act on: never a good match
            if not shared & _TASKS:
                value *= 0.6  # nothing said of what to do ("play some music"): a weak match at best
            results[key] = (round(min(1.0, value), 4), sorted(shared))
        return results

    def _dice(self, wanted: Iterable[str], text: frozenset[str]) -> float:
        wanted = set(wanted)
        both = sum(self.weight(c) for c in wanted & text)
        size = sum(self.weight(c) for c in wanted) + sum(self.weight(c) for c in text)
        return 2 * both / size if size else 0.0
