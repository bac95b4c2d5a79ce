"""The installed app against the source checkout, measured in the same run.

Builds the Linux packages with ``packaging/build-linux.sh`` into a temporary
folder (or takes ``--deb`` already built), unpacks the ``.deb`` with ``dpkg -x``
and reports:

* build time (and whether the compiled component came from ``build/component/``),
* sizes: the ``.deb``, the ``.tar.gz``, the bundle, what the ``.deb`` installs,
* time to an open window (``errand app --quit-after 0`` offscreen: start, show,
  close, exit), to a finished recipe run (``errand ask "sort my downloads by
  type" --yes`` on a fresh folder of files with a fresh ``ERRAND_HOME``) and to
  ``errand --version``, for the installed app and for ``.venv/bin/errand``,
  with the ratio installed / source (below 1: the installed app is faster),
* the first run of each: the installed app's first run is any run (its component
  came with it); the source checkout's first run with an empty cache builds and
  compiles the component (``--skip-cold`` leaves that out: it takes 15–70 s).

    .venv/bin/python bench/bench_installer.py [--deb dist/errand_0.1.0_amd64.deb] [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE_ERRAND = ROOT / ".venv" / "bin" / "errand"
REQUEST = "sort my downloads by type"
KINDS = ("pdf", "jpg", "mp3", "zip", "txt", "png", "docx", "mp4")


def du(path: Path) -> int:
    return sum(p.lstat().st_size for p in path.rglob("*") if p.is_file() or p.is_symlink())


def mb(size: int) -> str:
    return f"{size / 1e6:.0f} MB"


def build(work: Path) -> tuple[Path, Path, float]:
    env = {**os.environ, "ERRAND_DIST": str(work / "dist"), "ERRAND_WORK": str(work / "work"),
           "PYTHON": sys.executable}
    started = time.perf_counter()
    done = subprocess.run(["bash", str(ROOT / "packaging" / "build-linux.sh")], env=env, cwd=ROOT,
                          capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"build failed:\n{done.stderr[-3000:]}")
    deb, tarball = (Path(p) for p in done.stdout.split())
    shutil.rmtree(work / "work", ignore_errors=True)
    return deb, tarball, seconds


def env_for(home: Path, cache: Path | None) -> dict[str, str]:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home), "LANG": "C.UTF-8",
           "ERRAND_HOME": str(home / "errand"), "QT_QPA_PLATFORM": "offscreen"}
    if cache is not None:
        env["ERRAND_CACHE"] = str(cache)
    return env


def timed(cmd: list[str], env: dict[str, str], cwd: Path) -> float:
    started = time.perf_counter()
    done = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return seconds


def downloads(where: Path, count: int) -> Path:
    folder = where / "Downloads"
    folder.mkdir(parents=True)
    for i in range(count):
        (folder / f"file{i:04d}.{KINDS[i % len(KINDS)]}").write_bytes(b"x" * 64)
    return folder


def median_of(runs: int, once: Callable[[Path], float], scratch: Path) -> float:
    times = []
    for i in range(runs):
        place = scratch / f"run{i}"
        place.mkdir()
        times.append(once(place))
        shutil.rmtree(place)
    return statistics.median(times)


def measure(errand: Path, runs: int, files: int, scratch: Path, cache: Path | None) -> dict[str, float]:
    def window(place: Path) -> float:
        return timed([str(errand), "app", "--quit-after", "0"], env_for(place, cache), place)

    def recipe(place: Path) -> float:
        folder = downloads(place, files)
        return timed([str(errand), "ask", REQUEST, "--folder", str(folder), "--yes", "--json"],
                     env_for(place, cache), place)

    def version(place: Path) -> float:
        return timed([str(errand), "--version"], env_for(place, cache), place)

    window(scratch)  # one unmeasured start each: page cache warm for both sides alike
    return {"window": median_of(runs, window, scratch), "recipe": median_of(runs, recipe, scratch),
            "version": median_of(runs, version, scratch)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deb", type=Path, help="an already built .deb (skips the build)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--files", type=int, default=200, help="files in the folder the recipe sorts")
    parser.add_argument("--skip-cold", action="store_true", help="skip the source checkout's cold first run")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-installer-") as tmp:
        work = Path(tmp)
        if args.deb:
            deb, tarball, build_s = args.deb.resolve(), None, None
            tarball = deb.parent / f"errand-{deb.name.split('_')[1]}-linux-x86_64.tar.gz"
        else:
            cached = any((ROOT / "build" / "component").glob("guest-*.cwasm"))
            deb, tarball, build_s = build(work)
        root = work / "root"
        subprocess.run(["dpkg", "-x", str(deb), str(root)], check=True)
        installed = root / "opt" / "errand" / "errand"

        print("== build and sizes")
        if build_s is not None:
            print(f"build (build-linux.sh): {build_s:.0f} s "
                  f"({'component from cache' if cached else 'component built and compiled'})")
        print(f".deb: {mb(deb.stat().st_size)}   .tar.gz: "
              f"{mb(tarball.stat().st_size) if tarball and tarball.exists() else 'n/a'}")
        print(f"bundle (/opt/errand): {mb(du(root / 'opt' / 'errand'))}   installed (all of the .deb): "
              f"{mb(du(root))}")

        scratch = work / "scratch"
        scratch.mkdir()
        source_cache = work / "source-cache"  # the source checkout's component cache, built once below
        print(f"\n== time (median of {args.runs}; recipe on {args.files} files; fresh ERRAND_HOME each run)")
        if not args.skip_cold:
            place = scratch / "cold"
            place.mkdir()
            folder = downloads(place, args.files)
            cold = timed([str(SOURCE_ERRAND), "ask", REQUEST, "--folder", str(folder), "--yes", "--json"],
                         env_for(place, source_cache), place)
            shutil.rmtree(place)
        else:
            from sandbox import Sandbox  # warm the source cache without timing it

            Sandbox(cache_dir=source_cache)
        inst = measure(installed, args.runs, args.files, scratch, None)
        src = measure(SOURCE_ERRAND, args.runs, args.files, scratch, source_cache)
        print(f"{'':28}{'installed':>11}{'source':>11}{'ratio':>8}")
        for key, label in (("window", "open window (and close)"), ("recipe", "recipe run, applied"),
                           ("version", "errand --version")):
            print(f"{label:28}{inst[key]:>10.2f}s{src[key]:>10.2f}s{inst[key] / src[key]:>8.2f}")
        if not args.skip_cold:
            print(f"{'first recipe run ever':28}{inst['recipe']:>10.2f}s{cold:>10.2f}s"
                  f"{inst['recipe'] / cold:>8.3f}   (source: empty cache, builds the component)")


if __name__ == "__main__":
    main()
