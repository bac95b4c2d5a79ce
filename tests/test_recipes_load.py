"""Loading recipes: a broken description or script fails at load, naming the recipe; missing grants."""

from __future__ import annotations

from pathlib import Path

import pytest

from capabilities.base import Grant
from desktop.core.recipes import best_fit, load_recipes, match

GOOD_TOML = '''title = "Say hello"
description = "Prints a greeting."
phrases = ["say hello", "greet me"]
capabilities = ["files:ro"]

[[params]]
name = "who"
type = "text"
default = "world"
question = "Whom should it greet?"

[covers]
needs = [["greet", "hello"]]
words = ["say"]
'''


HELLO = 'print("hello", inputs["who"])\n'


def _write(folder: Path, name: str, toml: str, script: str | None = HELLO) -> None:
    folder.mkdir(exist_ok=True)
    (folder / f"{name}.toml").write_text(toml, encoding="utf-8")
    if script is not None:
        (folder / f"{name}.py").write_text(script, encoding="utf-8")


def test_a_folder_of_recipes_loads_and_matches(tmp_path: Path) -> None:
    _write(tmp_path, "hello", GOOD_TOML)
    (tmp_path / "ruff.toml").write_text("# not a recipe\n")
    found = load_recipes(tmp_path)
    assert [r.name for r in found] == ["hello"]
    recipe = found[0]
    assert recipe.capabilities == {"files": "ro"} and recipe.params[0].default == "world"
    assert recipe.planner == "recipe:hello"
    assert match("please greet me", found)[0].recipe is recipe
    assert best_fit("please greet me", [], found).recipe is recipe  # type: ignore[union-attr]
    assert best_fit("please greet me twice", [], found) is None  # "twice": not covered


@pytest.mark.parametrize(("toml", "script", "message"), [
    (GOOD_TOML, None, "recipe broken: broken.toml has no broken.py next to it"),
    (GOOD_TOML.replace('title = "Say hello"\n', ""), "pass\n", "recipe broken: broken.toml needs 'title'"),
    (GOOD_TOML.replace('type = "text"', 'type = "colour"'), "pass\n",
     "recipe broken: param 'who' has type 'colour'"),
    (GOOD_TOML.replace('question = "Whom should it greet?"\n', ""), "pass\n",
     "recipe broken: every param needs a name and a question"),
    (GOOD_TOML + "oops = [\n", "pass\n", "recipe broken: broken.toml is not valid TOML"),
    (GOOD_TOML.split("[covers]")[0], "pass\n", "recipe broken: broken.toml needs a [covers] table"),
    (GOOD_TOML.replace('words = ["say"]', 'words = ["not"]'), "pass\n",
     "recipe broken: 'not' in covers is a stop word, a negation or a restriction"),
    (GOOD_TOML.replace('needs = [["greet", "hello"]]', 'needs = [["$whom"]]'), "pass\n",
     "recipe broken: covers.needs names '$whom', which is not a parameter"),
    (GOOD_TOML.replace('words = ["say"]', 'effects = ["explode"]'), "pass\n",
     "recipe broken: covers.effects ['explode'] are not among"),
])
def test_a_broken_recipe_fails_at_load_saying_which(tmp_path: Path, toml: str, script: str | None,
                                                    message: str) -> None:
    _write(tmp_path, "broken", toml, script)
    with pytest.raises(ValueError) as caught:
        load_recipes(tmp_path)
    assert str(caught.value).startswith(message)


def test_a_script_that_does_not_compile_fails_at_load(tmp_path: Path) -> None:
    _write(tmp_path, "broken", GOOD_TOML, "print('unclosed\n")
    with pytest.raises(SyntaxError):
        load_recipes(tmp_path)


def test_lacking_names_the_grants_a_recipe_still_needs() -> None:
    recipes = {r.name: r for r in load_recipes()}
    photos = recipes["photos_by_date_place"]
    assert photos.lacking([]) == ["files:rw", "photos", "places"]
    assert photos.lacking([Grant("files", "/x", "ro", "X"), Grant("photos")]) == ["files:rw", "places"]
    assert photos.lacking([Grant("files", "/x", "rw", "X"), Grant("photos"), Grant("places")]) == []
    assert recipes["calendar_from_csv"].lacking([Grant("files", "/x", "ro", "X")]) == ["calendar:rw"]
