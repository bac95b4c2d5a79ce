"""The Ask page's example chores: the built-in recipes' first example phrases.

Planning itself is the core's (``Assistant.plan_chore``, the same path as
``errand ask``); the window only shows what it returns.
"""

from __future__ import annotations

__all__ = ["recipe_examples"]


def recipe_examples(limit: int = 6) -> list[str]:
    """Example chores for the Ask page: the recipes' first example phrases."""
    try:
        from desktop.core import recipes

        ranked = sorted(recipes.load_recipes(), key=lambda r: (_PREFERRED.get(r.name, 99), r.name))
        found = [(r.phrases[0] if r.phrases else r.title) for r in ranked]
    except Exception:  # a broken recipe file must not stop the window from opening
        found = []
    return [_sentence(t) for t in found][:limit] or list(_FALLBACK)


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


_PREFERRED = {"photos_by_date_place": 0, "sort_by_kind": 1, "resize_for_email": 2, "duplicates": 3,
              "screenshots_archive": 4, "rename_pattern": 5}
_FALLBACK = ("Rename these photos by date and place", "Make small copies of these photos for email")


