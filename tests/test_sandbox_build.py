"""The component is built once, cached under a key of what shapes it, and safe to build from
two processes at once."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from sandbox import build


def test_two_processes_starting_on_an_empty_cache_build_once(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    code = (f"from sandbox import Sandbox\nbox = Sandbox(cache_dir={str(cache)!r})\n"
            "print(box.run('result = 7', print).result)")
    children = [subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 text=True) for _ in range(2)]
    results = [child.communicate(timeout=600) for child in children]
    assert [child.returncode for child in children] == [0, 0], results
    assert [out.strip() for out, _ in results] == ["7", "7"]
    builders = [err for _, err in results if "Preparing Errand's sandbox" in err]
    assert len(builders) == 1  # the other waited on the lock and then only loaded it
    assert "ready (" in builders[0]
    assert len(list((cache / "sandbox").glob("guest-*.cwasm"))) == 1
    assert not list((cache / "sandbox").glob("*.partial"))


def test_the_cache_key_follows_what_shapes_the_component(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    before = build.cache_key()
    assert build.cache_key() == before  # stable
    wit = tmp_path / "world.wit"
    wit.write_text(build.WIT_PATH.read_text() + "\n// changed\n")
    monkeypatch.setattr(build, "WIT_PATH", wit)
    assert build.cache_key() != before
    guest = tmp_path / "guest"
    guest.mkdir()
    for source in build.GUEST_DIR.glob("*.py"):
        (guest / source.name).write_text(source.read_text())
    monkeypatch.setattr(build, "WIT_PATH", build.HERE / "world.wit")
    monkeypatch.setattr(build, "GUEST_DIR", guest)
    assert build.cache_key() == before  # same sources, same key
    (guest / "errand_guest.py").write_text((guest / "errand_guest.py").read_text() + "\n# changed\n")
    assert build.cache_key() != before


def test_a_bundled_component_is_used_as_is(component_cache: Path, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from sandbox import Sandbox

    Sandbox(cache_dir=component_cache)  # make sure the session's component exists
    built = next((component_cache / "sandbox").glob("guest-*.cwasm"))
    monkeypatch.setenv(build.BUNDLED_ENV, str(built))
    empty = tmp_path / "empty-cache"
    box = Sandbox(cache_dir=empty, progress=lambda message: pytest.fail(f"rebuilt: {message}"))
    assert box.run("result = 'bundled'", print).result == "bundled"
    assert not empty.exists()


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads the peak from /proc")
def test_compiling_happens_in_a_child_so_the_process_keeps_none_of_its_memory(component_cache: Path,
                                                                              tmp_path: Path) -> None:
    """Compiling in process left 287 MB with the process (411 MB at the peak): a window would keep
    that for its whole first session. Here the compile of the real guest must not raise the
    process's peak; the component it made runs."""
    wasm = build.componentized(component_cache)  # the session's guest before compiling (built once)
    cache = tmp_path / "cache"
    (cache / "sandbox").mkdir(parents=True)
    (cache / "sandbox" / wasm.name).write_bytes(wasm.read_bytes())
    code = (f"from pathlib import Path\nfrom sandbox import build\n"
            f"build.prepare(Path({str(cache)!r}), lambda step: None)\n"
            "status = dict(line.split(':', 1) for line in open('/proc/self/status'))\n"
            "print(int(status['VmHWM'].split()[0]) // 1024)\n"
            "from sandbox import Sandbox\n"
            f"print(Sandbox(cache_dir=Path({str(cache)!r})).run('result = 6 * 7', print).result)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    peak_mb, result = done.stdout.split()
    assert int(peak_mb) < 150, f"the compile raised this process's peak to {peak_mb} MB"
    assert result == "42"
    assert not list((cache / "sandbox").glob("*.partial"))


def test_a_compile_that_fails_says_so_and_leaves_nothing_behind(tmp_path: Path) -> None:
    folder = tmp_path / "sandbox"
    folder.mkdir()
    broken = folder / "guest.wasm"
    broken.write_bytes(b"\0asm not really a component")
    with pytest.raises(RuntimeError, match="compiling the sandbox component failed"):
        build.compile_file(broken, folder / "guest.cwasm")
    assert sorted(p.name for p in folder.iterdir()) == ["guest.wasm"]
