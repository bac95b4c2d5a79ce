"""The static check against the real registered capabilities (files, places, ...)."""

from __future__ import annotations

import pytest

from capabilities.base import Grant
from capabilities.registry import Capabilities, all_capabilities
from desktop.core.scriptcheck import check_script, signature_text

RW = [Grant("files", target="/home/p/Trip", mode="rw", label="Trip")]
RO = [Grant("files", target="/home/p/Trip", mode="ro", label="Trip")]


@pytest.fixture(scope="module", params=["every class", "looked up when used"])
def caps(request):  # type: ignore[no-untyped-def]
    """Every check runs against both forms the CLI and the planner hand it: the same answers."""
    found = all_capabilities() if request.param == "every class" else Capabilities()
    assert {"files", "places"} <= set(found)
    return found


def test_a_good_script_passes_and_says_what_it_uses(caps) -> None:  # type: ignore[no-untyped-def]
    code = (
        "import re, datetime\n"
        "# this script also uses calendar (a comment is not a use)\n"
        "count = 0\n"
        "for path in files.list('Trip', '*.jpg'):\n"
        "    info = files.stat(path)\n"
        "    name = path.rsplit('/', 1)[-1]\n"
        "    files.rename(path, f'Trip/{count:03d}-{name}')\n"
        "    count += 1\n"
        "where = places.lookup(48.85, 2.35)\n"
        "print(len(str(where)), re.escape('x'))\n"
        "result = {'renamed': count}\n"
    )
    check = check_script(code, caps, RW)
    assert check.problems == []
    assert check.needed == {"files", "places"}
    assert check.writes == {"files"}


def test_unknown_function_lists_the_real_ones(caps) -> None:  # type: ignore[no-untyped-def]
    check = check_script("files.move('Trip/a', 'Trip/b')\n", caps, RW)
    [problem] = check.problems
    assert problem.startswith("line 1: files has no function 'move'.")
    assert "rename" in problem


def test_unknown_capability_names_the_known_ones(caps) -> None:  # type: ignore[no-untyped-def]
    [problem] = check_script("x = 1\nphotoz.info('Trip/a.jpg')\n", caps, RW).problems
    assert "line 2" in problem and "'photoz'" in problem and "files" in problem


def test_wrong_argument_names_count_and_literal_types(caps) -> None:  # type: ignore[no-untyped-def]
    code = (
        "files.rename(src='Trip/a', to='Trip/b')\n"
        "files.rename('Trip/a', 'Trip/b', True, 4)\n"
        "files.list('Trip', recursive='yes')\n"
        "places.lookup('48.8', 2.3)\n"
        "files.rename('Trip/a', name)\n"  # not a literal: left to the run-time check
    )
    problems = check_script(code, caps, RW).problems
    text = "\n".join(problems)
    assert "line 1: files.rename(): got an unexpected keyword argument 'to'" in text
    assert "line 2: files.rename(): too many positional arguments" in text
    assert "line 3: files.list(recursive=...) must be True/False, got text 'yes'" in text
    assert "line 4: places.lookup(lat=...) must be a number" in text
    assert "The signature is files.rename(src: str, dst: str, overwrite: bool = False)" in text
    assert not any(p.startswith("line 5") for p in problems)
    assert len(problems) == 4


def test_writes_where_only_reading_was_granted(caps) -> None:  # type: ignore[no-untyped-def]
    [problem] = check_script("files.delete('Trip/a.jpg')\n", caps, RO).problems
    assert "granted read-only" in problem
    mixed = [*RO, Grant("files", target="/home/p/Out", mode="rw", label="Out")]
    assert check_script("files.copy('Trip/a.jpg', 'Out/a.jpg')\n", caps, mixed).problems == []
    [problem] = check_script("files.write_text('Trip/x.txt', 'hi')\n", caps, mixed).problems
    assert "'Trip' was granted read-only" in problem


def test_imports_the_sandbox_lacks_and_shadowed_capabilities(caps) -> None:  # type: ignore[no-untyped-def]
    problems = check_script("import os\nfrom subprocess import run\nfiles = []\n", caps, RW).problems
    text = "\n".join(problems)
    assert "module 'os' is not available" in text
    assert "module 'subprocess' is not available" in text
    assert "'files' is the name of a capability" in text


def test_syntax_errors_give_the_line(caps) -> None:  # type: ignore[no-untyped-def]
    [problem] = check_script("x = 1\nfor f in files.list('Trip')\n    print(f)\n", caps, RW).problems
    assert problem.startswith("line 2: syntax error")


def test_needed_comes_from_the_code_even_without_grants(caps) -> None:  # type: ignore[no-untyped-def]
    check = check_script("events = calendar.events('2026-01-01', '2026-02-01')\n", caps, RW)
    assert check.needed == {"calendar"} and check.problems == []


def test_signature_text(caps) -> None:  # type: ignore[no-untyped-def]
    text = signature_text(caps["places"].operations["lookup"])
    assert text.startswith("places.lookup(lat: float, lon: float)")


def test_importing_a_capability_is_one_clear_problem(caps) -> None:  # type: ignore[no-untyped-def]
    [problem] = check_script("import files\nprint(files.list('Trip'))\n", caps, RW).problems
    assert "already exists in the script" in problem and "files.<function>(...)" in problem
    assert check_script("import files\nprint(files.list('Trip'))\n", caps, RW).needed == {"files"}
