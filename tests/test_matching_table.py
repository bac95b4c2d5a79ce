"""Who plans a request, measured on the labelled table (``tests/matching_table.py``).

Through ``desktop.core.planning.decide``, the one decision every front end uses,
offline and with a model configured. A paraphrase is right when its recipe is
chosen with the parameters the row names (and asks for those it lists); a
false match is any recipe chosen for a request labelled otherwise; it is
destructive when the chosen recipe deletes or overwrites.

Measured on the main table (88 paraphrases, 60 negatives of which 42 near
misses) before this change, with the likeness threshold then in use (0.45
with a model, 0.36 offline), and after (``test_report``, ``-s``):

=================================  ==============  =================
                                   before          after
=================================  ==============  =================
offline: paraphrases right         86/88 (98 %)    87/88 (99 %)
offline: recipe precision/recall   0.70 / 0.99     1.00 / 0.99
offline: false matches             37/60 (62 %)    0/60
offline: destructive false         9               0
model: paraphrases by recipe       85/88           87/88 (1 to model)
model: recipe precision/recall     0.74 / 0.98     1.00 / 0.99
model: false matches               30/60 (50 %)    0/60 (all to model)
model: destructive false           8               0
=================================  ==============  =================

Precision: right recipes among all recipe choices; recall: paraphrases
given their right recipe. With a model, "after" hands every request no
recipe covers to the model; how well the model then does is not measured
here (it needs a real model).

(Before, 16 of the 88 paraphrases were rows the old matcher had been tuned
on.) The second batch (``LATER``: 20 + 20, written after the first tuning
pass) scored 19/20 right and 1 false match (non-destructive: "count the
photos" read as numbering) before its two fixes; the old matcher scored
19/20 right and 15/20 false matches (2 destructive) on it; after the fixes
the batch stands at 20/20 and 0/20.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from desktop.core.planning import decide
from desktop.core.recipes import load_recipes
from tests.matching_table import LATER, LATER_NEGATIVES, NEGATIVES, PARAPHRASES, Row

DESTRUCTIVE = {r.name for r in load_recipes() if {"delete", "overwrite"} & set(r.covers.effects)}


@dataclass
class Tally:
    right: int = 0
    chosen: int = 0  # rows a recipe was chosen for
    to_model: int = 0
    false: list[tuple[str, str]] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)

    @property
    def destructive(self) -> int:
        return sum(name in DESTRUCTIVE for _, name in self.false)


def _grade(rows: list[Row], has_model: bool) -> Tally:
    tally = Tally()
    for row in rows:
        decision = decide(row.text, list(row.folders), has_model)
        tally.to_model += decision.planner == "model"
        fit = decision.fit
        tally.chosen += fit is not None
        if fit is None:
            if row.recipe is not None:
                tally.wrong.append(row.text)
            continue
        if fit.recipe.name != row.recipe:
            tally.false.append((row.text, fit.recipe.name))
            continue
        values, asked = fit.reading.values, sorted(p.name for p in fit.reading.missing)
        if all(values.get(k) == v for k, v in row.params.items()) and asked == sorted(row.asks):
            tally.right += 1
        else:
            tally.wrong.append(row.text)
    return tally


TABLES = {"main": (PARAPHRASES, NEGATIVES), "later": (LATER, LATER_NEGATIVES)}


def test_the_table_is_as_large_as_promised() -> None:
    assert len(PARAPHRASES) >= 80 and len(NEGATIVES) >= 50
    assert sum(row.near for row in NEGATIVES) >= len(NEGATIVES) / 2
    recipes = {r.name for r in load_recipes()}
    assert {row.recipe for row in PARAPHRASES} == recipes  # every recipe has its paraphrases
    assert all(row.recipe is None for row in NEGATIVES + LATER_NEGATIVES)


@pytest.mark.parametrize("has_model", [False, True], ids=["offline", "with-model"])
@pytest.mark.parametrize("table", sorted(TABLES))
def test_targets_hold(table: str, has_model: bool) -> None:
    """Zero destructive false matches, under 5 % false matches, at least 95 % of paraphrases right."""
    positives, negatives = TABLES[table]
    tally = _grade(positives + negatives, has_model)
    assert tally.destructive == 0, tally.false
    assert len(tally.false) < 0.05 * len(negatives), tally.false
    assert tally.right >= 0.95 * len(positives), tally.wrong


def test_no_negative_goes_to_a_recipe_and_with_a_model_all_go_to_the_model() -> None:
    offline, online = _grade(NEGATIVES, False), _grade(NEGATIVES, True)
    assert offline.false == [] and offline.to_model == 0
    assert online.false == [] and online.to_model == len(NEGATIVES)


def test_report(capsys: pytest.CaptureFixture[str]) -> None:
    """The numbers for the issue (run with ``-s``)."""
    with capsys.disabled():
        for table, (positives, negatives) in sorted(TABLES.items()):
            for has_model in (False, True):
                t = _grade(positives + negatives, has_model)
                precision = t.right / t.chosen if t.chosen else 1.0
                print(f"\n{table} table, {'with a model' if has_model else 'offline'}: "
                      f"{t.right}/{len(positives)} paraphrases right "
                      f"(recall {t.right / len(positives):.2f}), "
                      f"precision {precision:.2f}, {len(t.false)} false matches of {len(negatives)} "
                      f"negatives ({t.destructive} destructive), {t.to_model} sent to the model; "
                      f"missed: {t.wrong}")
