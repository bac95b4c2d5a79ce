"""A call's arguments checked against the function's hints: every item of a list, the refused
item named by its place, and a batch of 100,000 items not copied when nothing is converted."""

from __future__ import annotations

import pytest

from capabilities.typecheck import check_value


def test_a_batch_is_checked_item_by_item_and_not_copied() -> None:
    moves: list[list[object]] = [[f"Trip/{i}.jpg", f"Trip/n{i}.jpg"] for i in range(1000)]
    assert check_value(list[list[str]], moves, "moves") is moves
    moves[700][1] = 7  # what a hostile script sends
    with pytest.raises(TypeError, match=r"^moves\[700\]\[1\] must be text, got int"):
        check_value(list[list[str]], moves, "moves")


def test_converted_items_make_a_new_list_and_tuples_become_lists() -> None:
    numbers = [1, 2.5]
    checked = check_value(list[float], numbers, "sizes")
    assert checked == [1.0, 2.5] and type(checked[0]) is float and numbers == [1, 2.5]
    assert check_value(list[str], ("a", "b"), "names") == ["a", "b"]
    with pytest.raises(TypeError, match=r"^names\[1\] must be text"):
        check_value(list[str], ["a", None], "names")
    with pytest.raises(TypeError, match=r"^names must be a list"):
        check_value(list[str], "a", "names")
