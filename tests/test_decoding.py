"""The decoder worker's walls, checked on real processes: limits the OS granted, no programs, no
network, no files beyond its input, its own empty folder, killed with Errand, and its cost kept low."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from capabilities.decoding import DecodeError, decode, describe_limits, landlock, seccomp
from capabilities.decoding.pool import Pool
from tests.hostile_files import png_bomb
from tests.imagefactory import make_photo

ROOT = str(Path(__file__).resolve().parent.parent)
linux = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux limits")


def _python(code: str, *args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter with the worktree importable (as the worker is)."""
    boot = f"import sys; sys.path.insert(0, {ROOT!r})\n" + textwrap.dedent(code)
    return subprocess.run([sys.executable, "-I", "-c", boot, *args], capture_output=True, text=True,
                          timeout=timeout)


@linux
def test_the_worker_reports_every_linux_limit_this_kernel_grants() -> None:
    report = describe_limits()
    assert report["pdeathsig"] is True
    assert {"RLIMIT_AS", "RLIMIT_CPU", "RLIMIT_FSIZE", "RLIMIT_NOFILE"} <= set(report["rlimits"])
    assert report["seccomp"] is (seccomp.supported() or False)
    assert report["landlock"] == landlock.abi_version()  # the kernel's ABI, or 0 where it has none


@linux
def test_the_worker_has_no_output_an_empty_folder_and_an_empty_environment(monkeypatch: pytest.MonkeyPatch
                                                                           ) -> None:
    monkeypatch.setenv("ERRAND_SECRET_FOR_TEST", "do-not-inherit")
    pool = Pool()
    try:
        pool.request({"op": "image.info", "args": {}}, make_photo(Path(os.environ["ERRAND_HOME"]) / "a.png")
                     .read_bytes())
        worker = pool.workers()[0]
        proc = Path(f"/proc/{worker.process.pid}")
        assert os.readlink(proc / "fd/0") == os.readlink(proc / "fd/1") == os.readlink(proc / "fd/2") \
            == "/dev/null"
        assert os.readlink(proc / "cwd") == worker.tmp and os.listdir(worker.tmp) == []
        assert (proc / "environ").read_bytes() == b"MALLOC_ARENA_MAX=2\x00"  # nothing of Errand's
        assert worker.report["rlimits"]
        tmp = worker.tmp
    finally:
        pool.close()
    assert not Path(tmp).exists()  # its folder goes with it


@linux
def test_no_worker_outlives_errand_even_when_errand_is_killed(tmp_path: Path) -> None:
    photo = make_photo(tmp_path / "a.jpg")
    errand = subprocess.Popen([sys.executable, "-I", "-c", textwrap.dedent(f"""
        import sys; sys.path.insert(0, {ROOT!r})
        from capabilities.decoding import decode, default_pool
        decode("image.info", open({str(photo)!r}, "rb"), {{"name": "a.jpg"}})
        print(default_pool().workers()[0].process.pid, flush=True)
        import time; time.sleep(60)
        """)], stdout=subprocess.PIPE, text=True)
    assert errand.stdout is not None
    worker = int(errand.stdout.readline())
    assert Path(f"/proc/{worker}").exists()
    errand.send_signal(signal.SIGKILL)  # no atexit, no cleanup: only the kernel can end the worker
    errand.wait()
    deadline = time.monotonic() + 10
    while Path(f"/proc/{worker}").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    status = Path(f"/proc/{worker}/status")
    assert not status.exists() or "zombie" in status.read_text()


@linux
@pytest.mark.skipif(not seccomp.supported(), reason="no seccomp filter for this machine")
def test_seccomp_leaves_no_way_to_start_a_program_or_open_a_socket() -> None:
    done = _python("""
        import os, socket, subprocess
        from capabilities.decoding import seccomp
        assert seccomp.install()
        for attempt in (lambda: subprocess.run(["/bin/true"]), lambda: socket.socket(),
                        lambda: os.execv("/bin/true", ["true"])):
            try:
                attempt()
                print("allowed")
            except PermissionError:
                print("refused")
        """)
    assert done.stdout.split() == ["refused"] * 3, done.stderr


@linux
@pytest.mark.skipif(landlock.abi_version() == 0, reason="this kernel has no Landlock")
def test_landlock_leaves_only_the_workers_folder_and_the_descriptors_it_was_given(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("private")
    mine = tmp_path / "own"
    mine.mkdir()
    done = _python(f"""
        import os
        from capabilities.decoding import landlock
        given = os.open({str(secret)!r}, os.O_RDONLY)  # opened before, like a passed descriptor
        assert landlock.restrict_to({str(mine)!r}) > 0
        print(os.read(given, 100).decode())
        for attempt in (lambda: open({str(secret)!r}).read(), lambda: open("/etc/hostname").read(),
                        lambda: open({str(tmp_path / "new.txt")!r}, "w")):
            try:
                attempt()
                print("allowed")
            except PermissionError:
                print("refused")
        open({str(mine / "scratch")!r}, "w").write("ok")
        print("own-folder-ok")
        """)
    assert done.stdout.split() == ["private", "refused", "refused", "refused", "own-folder-ok"], done.stderr
    assert not (tmp_path / "new.txt").exists()


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX CPU limit")
def test_a_request_that_spins_is_ended_by_its_cpu_budget() -> None:
    done = _python("""
        from capabilities.decoding import confine
        confine.call_budget(1)
        while True:
            pass
        """)
    assert done.returncode == -signal.SIGXCPU


def test_a_worker_that_does_not_answer_in_time_is_killed_and_the_next_call_works(tmp_path: Path) -> None:
    big = make_photo(tmp_path / "big.png", size=(4000, 3000))
    pool = Pool()
    try:
        with pytest.raises(Exception) as caught:
            pool.request({"op": "image.resize", "args": {"max_side": 100, "format": "PNG"}}, big.read_bytes(),
                         timeout=0.001)
        assert getattr(caught.value, "kind", None) == "time"
        header, _, _ = pool.request({"op": "image.info", "args": {}}, big.read_bytes())
        assert header["ok"] and header["result"]["width"] == 4000
    finally:
        pool.close()


def test_a_worker_out_of_memory_fails_only_its_call(tmp_path: Path) -> None:
    big = png_bomb(tmp_path / "big.png", 8000, 8000, rgb=True)  # 64 MP: 192 MB of pixels once decoded
    pool = Pool(memory=280 << 20)  # a started worker takes 35–150 MB of address space (libheif threads)
    try:
        header, _, _ = pool.request({"op": "image.resize", "args": {"max_side": 64, "format": "PNG"}},
                                    big.read_bytes())
        assert header == {"ok": False, "kind": "memory", "detail": "", "retire": True}
        again, _, _ = pool.request({"op": "image.info", "args": {}}, big.read_bytes())
        assert again["ok"] and again["result"]["height"] == 8000  # a fresh worker answered
    finally:
        pool.close()


def test_errors_name_the_file_and_what_to_do() -> None:
    with pytest.raises(DecodeError) as caught:
        decode("image.info", b"\x89PNG\r\n\x1a\n\x00\x00garbage", {"name": "x.png"}, name="Trip/x.png")
    assert caught.value.kind == "damaged" and caught.value.message.startswith("Could not read Trip/x.png")
    assert "skip it" in caught.value.hint
    with pytest.raises(DecodeError) as unknown:
        decode("no.such.op", b"", name="Trip/x.png")
    assert unknown.value.kind == "broken" and "reinstall Errand" in unknown.value.hint  # Errand's fault


@linux
def test_a_worker_started_from_a_short_lived_thread_outlives_that_thread(tmp_path: Path) -> None:
    import threading

    photo = make_photo(tmp_path / "a.jpg").read_bytes()
    pool = Pool()
    try:
        first = threading.Thread(target=pool.request, args=({"op": "image.info", "args": {}}, photo))
        first.start()
        first.join()  # PDEATHSIG would fire now if the worker had been started from this thread
        time.sleep(0.2)
        [worker] = pool.workers()
        assert worker.alive()
        header, _, _ = pool.request({"op": "image.info", "args": {}}, photo)
        assert header["ok"] and pool.workers()[0] is worker
    finally:
        pool.close()


@pytest.mark.skipif(sys.platform == "win32", reason="a shell launcher stands in for the frozen app")
def test_the_installed_app_starts_its_own_executable_as_the_worker(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """A frozen app has no ``python -c``: the pool runs the app with --errand-decoder-worker."""
    app = tmp_path / "errand"
    main = f"{ROOT}/packaging/errand_main.py"
    app.write_text(f"#!/bin/sh\nPYTHONPATH={ROOT} exec {sys.executable} {main} \"$@\"\n")
    app.chmod(0o755)
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(app))
    pool = Pool()
    try:
        gif = make_photo(tmp_path / "a.gif").read_bytes()
        header, _, _ = pool.request({"op": "image.info", "args": {}}, gif)
        assert header["ok"] and header["result"]["format"] == "GIF"
        assert pool.workers()[0].report["rlimits"]
    finally:
        pool.close()


def test_a_worker_that_cannot_start_is_errands_fault_not_the_files() -> None:
    from capabilities.decoding.pool import WorkerDied

    pool = Pool(memory=4 << 20)  # too little for Pillow to load in
    try:
        with pytest.raises(WorkerDied) as caught:
            pool.request({"op": "image.info", "args": {}}, b"")
        assert caught.value.kind == "broken"
    finally:
        pool.close()
