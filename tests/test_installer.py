"""The Linux installer, built and installed for real, then used the way a person would.

``packaging/build-linux.sh`` builds the PyInstaller bundle, the ``.deb`` and the
``.tar.gz`` into a temporary folder (once for this module: it takes minutes);
the ``.deb`` is unpacked with ``dpkg -x`` into a temporary root, and the app is
run from there with its own ``ERRAND_HOME`` and none of the checkout on its
path: the version, a recipe end to end on real files (and its undo), a
script written by a model over HTTP (litellm inside the bundle), and the
window opened offscreen and closed. Marked slow: ``pytest -m "not slow"``
skips it for quick local runs.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.fake_openai import FakeOpenAI
from tests.installer_support import Build, can_build

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1200)]

ROOT = Path(__file__).resolve().parent.parent
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]


@dataclass(frozen=True)
class Installed:
    """Where the build put its packages and where the .deb was unpacked."""

    deb: Path
    tarball: Path
    root: Path

    @property
    def app(self) -> Path:
        return self.root / "opt" / "errand"

    @property
    def errand(self) -> Path:
        return self.app / "errand"


@pytest.fixture(scope="module")
def installed(installer_build: Build | None) -> Installed:
    # Started in the background at the session's start (tests/conftest.py), built once per run.
    why_not = can_build()
    if why_not is not None:
        pytest.skip(why_not)
    assert installer_build is not None
    code, stdout, stderr = installer_build.wait()
    assert code == 0, stderr
    out = installer_build.out
    deb = out / "dist" / f"errand_{VERSION}_amd64.deb"
    tarball = out / "dist" / f"errand-{VERSION}-linux-x86_64.tar.gz"
    assert stdout.split() == [str(deb), str(tarball)]
    shutil.rmtree(out / "work")  # the unpacked copies: ~1 GB nobody reads again
    root = out / "root"
    subprocess.run(["dpkg", "-x", str(deb), str(root)], check=True)
    return Installed(deb=deb, tarball=tarball, root=root)


def run_installed(installed: Installed, home: Path, *args: str,
                  extra_env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the unpacked app as a person's shell would: no checkout, no venv, its own home."""
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "ERRAND_HOME": str(home / "errand"),
           "LANG": "C.UTF-8", "QT_QPA_PLATFORM": "offscreen", **(extra_env or {})}
    return subprocess.run([str(installed.errand), *args], env=env, cwd=home, capture_output=True,
                          text=True, timeout=120)


def fields(deb: Path, names: Sequence[str]) -> dict[str, str]:
    out = subprocess.run(["dpkg-deb", "-f", str(deb), *names], capture_output=True, text=True, check=True)
    return dict(line.split(": ", 1) for line in out.stdout.splitlines() if ": " in line)


def test_the_deb_puts_errand_on_the_path_with_a_menu_entry_and_icon(installed: Installed) -> None:
    info = fields(installed.deb, ["Package", "Version", "Architecture", "Depends", "Installed-Size"])
    assert (info["Package"], info["Version"], info["Architecture"]) == ("errand", VERSION, "amd64")
    assert "libc6 (>= 2.34)" in info["Depends"]
    link = installed.root / "usr" / "bin" / "errand"
    assert link.is_symlink() and os.readlink(link) == "/opt/errand/errand"
    entry = (installed.root / "usr" / "share" / "applications" / "errand.desktop").read_text()
    assert "Exec=errand app" in entry and "Icon=errand" in entry and "Type=Application" in entry
    icons = installed.root / "usr" / "share" / "icons" / "hicolor"
    assert (icons / "scalable" / "apps" / "errand.svg").is_file()
    assert (icons / "512x512" / "apps" / "errand.png").read_bytes()[:4] == b"\x89PNG"
    installed_kb = int(info["Installed-Size"])
    assert installed_kb * 1024 > installed.deb.stat().st_size  # zstd: the package is smaller than its content


def test_the_bundle_carries_the_compiled_sandbox_and_no_build_or_test_tools(installed: Installed) -> None:
    internal = installed.app / "_internal"
    assert (internal / "errand_sandbox" / "guest.cwasm").stat().st_size > 10_000_000
    assert list((internal / "wasmtime").glob("*/_libwasmtime.so"))
    assert (internal / "sandbox" / "world.wit").is_file()
    assert list((internal / "capabilities" / "folders").glob("_renames*.so"))  # large applies' C loop
    data = internal / "resources"
    for name in ("recipes/sort_by_kind.py", "recipes/sort_by_kind.toml", "prompts/system.md",
                 "places/admin1.json", "places/places.bin"):
        assert (data / name).is_file(), name
    shipped = {p.relative_to(data) for p in data.rglob("*") if p.is_file()}
    in_checkout = {p.relative_to(ROOT / "resources") for p in (ROOT / "resources").rglob("*")
                   if p.is_file() and "__pycache__" not in p.parts}
    assert in_checkout <= shipped, in_checkout - shipped  # every data file Errand reads went in
    assert (internal / "litellm" / "model_prices_and_context_window_backup.json").is_file()
    assert list((internal / "litellm" / "litellm_core_utils" / "tokenizers").iterdir())
    for absent in ("componentize_py", "pytest", "_pytest", "hypothesis", "radicale", "botocore"):
        assert not (internal / absent).exists(), absent
    assert not (internal / "litellm" / "proxy" / "_experimental").exists()
    assert not list(internal.glob("libgtk-3*"))  # the host's GTK stays out (see packaging/errand.spec)


def test_the_tarball_holds_the_same_app_with_its_menu_entry(installed: Installed) -> None:
    names = set(subprocess.run(["tar", "-tzf", str(installed.tarball)], capture_output=True, text=True,
                               check=True).stdout.split())
    top = f"errand-{VERSION}"
    assert {f"{top}/errand", f"{top}/share/applications/errand.desktop",
            f"{top}/_internal/errand_sandbox/guest.cwasm"} <= names


def test_the_installed_app_prints_its_version(installed: Installed, tmp_path: Path) -> None:
    done = run_installed(installed, tmp_path, "--version")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"errand {VERSION}"


def test_a_recipe_runs_end_to_end_and_undoes_with_no_sandbox_build(installed: Installed,
                                                                  tmp_path: Path) -> None:
    downloads = tmp_path / "Downloads"
    downloads.mkdir()
    for name in ("invoice.pdf", "beach.jpg", "song.mp3", "backup.zip", "notes.txt"):
        (downloads / name).write_bytes(name.encode())
    done = run_installed(installed, tmp_path, "ask", "sort my downloads by type", "--folder", str(downloads),
                         "--yes", "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["status"] == "applied" and report["planner"] == "recipe:sort_by_kind"
    assert (downloads / "Documents" / "invoice.pdf").read_bytes() == b"invoice.pdf"
    assert (downloads / "Documents" / "notes.txt").exists()
    assert (downloads / "Pictures" / "beach.jpg").exists()
    assert (downloads / "Music" / "song.mp3").exists()
    assert (downloads / "Archives" / "backup.zip").exists()
    # The component came with the app: nothing was built or compiled on this first run.
    assert "Preparing" not in done.stderr
    assert not list((tmp_path / "errand").rglob("*.cwasm"))

    undone = run_installed(installed, tmp_path, "undo", str(report["run_id"]), "--json")
    assert undone.returncode == 0, undone.stderr
    assert sorted(p.name for p in downloads.iterdir()) == [
        "backup.zip", "beach.jpg", "invoice.pdf", "notes.txt", "song.mp3"]


def test_a_model_writes_the_script_through_the_bundled_litellm(installed: Installed, tmp_path: Path,
                                                               fake_openai: FakeOpenAI) -> None:
    notes = tmp_path / "Notes"
    notes.mkdir()
    (notes / "a.txt").write_text("alpha")
    (notes / "b.txt").write_text("bravo")
    fake_openai.reply("```python\nfor path in files.list(\"Notes\", \"*.txt\"):\n"
                      "    files.rename(path, path[:-4] + \".md\")\n```\nSummary: Notes become Markdown.\n")
    done = run_installed(installed, tmp_path, "ask", "turn my text notes into markdown",
                         "--folder", str(notes), "--planner", "model", "--model", fake_openai.model,
                         "--api-base", fake_openai.url,
                         "--yes", "--json", extra_env={"OPENAI_API_KEY": "sk-test"})
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["planner"] == "model"
    assert sorted(p.name for p in notes.iterdir()) == ["a.md", "b.md"]
    assert len(fake_openai.requests) == 1


def test_the_window_opens_offscreen_and_closes_cleanly(installed: Installed, tmp_path: Path) -> None:
    done = run_installed(installed, tmp_path, "app", "--quit-after", "0.5")
    assert done.returncode == 0, done.stderr
    for trouble in ("Traceback", "Could not load the Qt platform plugin", "QThread: Destroyed", "Fatal"):
        assert trouble not in done.stderr, done.stderr
