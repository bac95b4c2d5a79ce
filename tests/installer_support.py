"""The Linux installer build, started in the background at the start of a test session.

``packaging/build-linux.sh`` takes about three minutes of one core. A session that will
test the installer starts it as soon as the session's first test is set up, so the build
runs beside the rest of the suite (most tests use one core) instead of before its own
tests; ``tests/test_installer.py`` then waits for it. Output goes to files, not pipes, so
a long build can never block on a full pipe.
"""

from __future__ import annotations

import importlib.util
import os
import platform
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILD_TIMEOUT_S = 1100


def can_build() -> str | None:
    """Why this machine cannot build the Linux installer, or None when it can."""
    if not sys.platform.startswith("linux") or platform.machine() != "x86_64":
        return "the Linux installer is built on x86-64 Linux"
    if importlib.util.find_spec("PyInstaller") is None:
        return "pip install -e '.[test]' brings PyInstaller"
    if shutil.which("dpkg-deb") is None:
        return "dpkg-deb is needed to build and unpack the .deb"
    return None


@dataclass
class Build:
    """One running (or finished) build into ``out``."""

    out: Path
    process: subprocess.Popen[bytes]

    @property
    def stdout(self) -> Path:
        return self.out / "build.out"

    @property
    def stderr(self) -> Path:
        return self.out / "build.err"

    def wait(self) -> tuple[int, str, str]:
        """The build's exit code, stdout and the end of its stderr, once it has finished."""
        code = self.process.wait(timeout=BUILD_TIMEOUT_S)
        return (code, self.stdout.read_text(errors="replace"),
                self.stderr.read_text(errors="replace")[-4000:])

    def stop(self) -> None:
        """End a build nobody will wait for (the session ended early)."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def start_build(out: Path, component_cache: Path) -> Build:
    """Start ``build-linux.sh`` into ``out``; the guest component comes from the session's
    cache (built there once, under its lock), so only compiling it for the target remains."""
    env = {**os.environ, "ERRAND_DIST": str(out / "dist"), "ERRAND_WORK": str(out / "work"),
           "PYTHON": sys.executable, "ERRAND_CACHE": str(component_cache)}
    with (out / "build.out").open("wb") as stdout, (out / "build.err").open("wb") as stderr:
        process = subprocess.Popen(["bash", str(ROOT / "packaging" / "build-linux.sh")], env=env,
                                   cwd=ROOT, stdin=subprocess.DEVNULL, stdout=stdout,
                                   stderr=stderr)
    return Build(out=out, process=process)
