"""Every bench still fits the code it measures: each Errand module and name a bench imports exists.

The benches are not run by the suite (they take seconds to minutes even small), and one rotted
unseen when a module it imported moved. Benches import Errand's modules in functions and in the
code they hand to ``python -c``, so the imports are found in the text, not by running it.
"""

from __future__ import annotations

import importlib
import importlib.util
import re
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"
_PACKAGES = r"(?:desktop|capabilities|sandbox)(?:\.\w+)*"
_FROM = re.compile(rf"\bfrom ({_PACKAGES}) import (?:\(([^)]*)\)|([\w, ]+))")
_IMPORT = re.compile(rf"\bimport ((?:{_PACKAGES})(?:, *{_PACKAGES})*)")


def imports_in(text: str) -> list[tuple[str, str | None]]:
    """``(module, name)`` for every ``from m import a, b`` and ``(module, None)`` for ``import m``."""
    found: list[tuple[str, str | None]] = []
    for module, listed, names in _FROM.findall(text):
        for name in (listed or names).replace("\n", " ").split(","):
            name = name.split(" as ")[0].strip()
            if name:
                found.append((module, name))
    for modules in _IMPORT.findall(text):
        found += [(m.strip(), None) for m in modules.split(",")]
    return found


def test_the_import_finder_reads_what_benches_write() -> None:
    text = ('from desktop.core import llm, paths\n    from capabilities.plan import (Action,\n  ActionPlan)\n'
            '"-c", "import sys; from desktop.cli.main import main; sys.exit(main())"\n'
            '"import desktop.cli.main, desktop.cli.ask, "')
    assert imports_in(text) == [("desktop.core", "llm"), ("desktop.core", "paths"),
                                ("capabilities.plan", "Action"), ("capabilities.plan", "ActionPlan"),
                                ("desktop.cli.main", "main"), ("desktop.cli.main", None),
                                ("desktop.cli.ask", None)]


@pytest.mark.parametrize("bench", sorted(p.name for p in BENCH.glob("*.py")))
def test_each_errand_import_of_a_bench_exists(bench: str) -> None:
    for module, name in imports_in((BENCH / bench).read_text("utf-8")):
        loaded = importlib.import_module(module)
        if name is not None:
            assert hasattr(loaded, name) or importlib.util.find_spec(f"{module}.{name}") is not None, \
                f"{bench}: {module} has no {name}"


def test_a_bench_can_export_another_revision_to_time_beside_this_tree() -> None:
    """``bench/against.py``: ``--against REV`` times REV's files, exported from git, then removed."""
    import subprocess
    import sys

    if not (BENCH.parent / ".git").exists():
        pytest.skip("not a git checkout")
    sys.path.insert(0, str(BENCH))
    try:
        from against import exported
    finally:
        sys.path.remove(str(BENCH))

    def git(*args: str) -> list[str]:
        return subprocess.run(["git", "-C", str(BENCH.parent), *args], capture_output=True, text=True,
                              check=True).stdout.splitlines()

    first = git("rev-list", "--max-parents=0", "HEAD")[0]
    with exported("HEAD") as here, exported(first) as root:
        for tree, rev in ((here, "HEAD"), (root, first)):
            files = sorted(str(p.relative_to(tree)) for p in tree.rglob("*") if p.is_file() or p.is_symlink())
            assert files == sorted(git("ls-tree", "-r", "--name-only", rev))
        readme = git("show", "HEAD:README.md")
        assert (here / "README.md").read_text().splitlines() == readme
    assert not here.exists() and not root.exists()
