"""The README's first command on a fresh clone, exactly as the README writes it, as a newcomer runs it:
no venv yet, no screen, no terminal, nothing on stdin. Then again, and after the test set-up.

The clone is of the committed checkout (``git clone``), so what is tested is what a person gets.
pip's usual cache is used, and the sandbox component comes from the session's cache (building
it is tested by tests/test_sandbox_build.py), so this costs the install (~35–70 s here), not a build.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = sorted(p.name for p in (ROOT / "resources" / "samples").iterdir()
                 if p.name.lower().endswith((".jpg", ".jpeg")))


class Clone:
    """A fresh clone and the environment of a person who has never run Errand."""

    def __init__(self, root: Path, home: Path, pictures: Path, cache: Path) -> None:
        self.root, self.pictures = root, pictures
        self.env = {k: v for k, v in os.environ.items()
                    if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM", "VIRTUAL_ENV", "CI")}
        self.env.update(ERRAND_HOME=str(home), ERRAND_CACHE=str(cache), XDG_PICTURES_DIR=str(pictures))

    def run(self, *command: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(list(command), cwd=self.root, env=self.env, stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=1200)

    def errand_sh(self, *args: str) -> subprocess.CompletedProcess[str]:
        return self.run("bash", "scripts/errand.sh", *args)


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory, component_cache: Path) -> Clone:
    where = tmp_path_factory.mktemp("fresh")
    subprocess.run(["git", "clone", "-q", str(ROOT), str(where / "errand")], check=True, timeout=300)
    (where / "Pictures").mkdir()  # a person's Pictures folder (without one the copy goes to their home)
    return Clone(where / "errand", where / "errand-home", where / "Pictures", component_cache)


def names_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_the_first_command_with_no_arguments_runs_the_sample_chore_to_its_end(clone: Clone) -> None:
    first = clone.errand_sh()
    assert first.returncode == 0, first.stdout + first.stderr
    assert "Traceback" not in first.stdout + first.stderr
    folder = clone.pictures / "Errand sample photos"
    assert f"Copied {len(SAMPLES)} sample photos to {folder}" in first.stdout
    assert "No terminal to ask for approval in" in first.stdout
    assert f"Applied {len(SAMPLES)} changes" in first.stdout
    renamed = names_in(folder)
    assert len(renamed) == len(SAMPLES) and not set(renamed) & set(SAMPLES)  # every photo renamed
    undo = re.search(r"Undo with: errand undo (\d+)", first.stdout)
    assert undo, first.stdout

    again = clone.errand_sh("undo", undo.group(1))
    assert again.returncode == 0, again.stdout + again.stderr
    assert "Installing" not in again.stdout  # the second time sets nothing up again
    assert names_in(folder) == SAMPLES


def test_version_and_try_yes_json_as_the_readme_writes_them(clone: Clone) -> None:
    version = clone.errand_sh("--version")
    assert version.returncode == 0, version.stderr
    assert re.fullmatch(r"errand \d+\.\d+\.\d+\S*", version.stdout.splitlines()[-1]), version.stdout

    tried = clone.errand_sh("try", "--yes", "--json")
    assert tried.returncode == 0, tried.stderr
    report = json.loads(tried.stdout.splitlines()[-1])  # set-up may speak first, on its own lines
    assert report["status"] == "applied" and len(report["actions"]) == len(SAMPLES)
    assert {a["op"] for a in report["actions"]} == {"rename"}
    folders = sorted(clone.pictures.glob("Errand sample photos*"))
    newest = max(folders, key=lambda f: f.stat().st_mtime_ns)
    assert not set(names_in(newest)) & set(SAMPLES)

    undone = clone.errand_sh("undo", str(report["run_id"]), "--json")
    assert undone.returncode == 0, undone.stderr
    assert json.loads(undone.stdout) == {"status": "ok", "run_id": report["run_id"], "undone": len(SAMPLES),
                                         "refused": []}
    assert names_in(newest) == SAMPLES


def test_after_the_test_set_up_the_first_command_installs_nothing(clone: Clone) -> None:
    tests_first = clone.run("bash", "scripts/setup.sh", "--test")
    assert tests_first.returncode == 0, tests_first.stdout + tests_first.stderr
    then = clone.errand_sh("--version")
    assert then.returncode == 0 and "Installing" not in then.stdout + then.stderr, then.stdout + then.stderr
    assert (clone.root / ".venv" / "bin" / "pytest").exists()  # the test extras stayed
