"""A real CalDAV server for tests: Radicale on 127.0.0.1, a free port, htpasswd auth.

Use the fixtures (import them into a test module, e.g.
``from tests.radicale_server import radicale, radicale_module  # noqa: F401``):

- ``radicale`` — a fresh server for one test;
- ``radicale_module`` — one server shared by a test module (≈0.3 s to start);
  give each test its own calendar with ``make_calendar()``.

Or, outside pytest, ``with running_radicale(folder) as server: ...``.

A ``RadicaleServer`` knows one user (``username``/``password``, default
alice/secret) and offers:

- ``make_calendar(name, display_name)`` → the Errand grant source,
  ``caldav:http://alice@127.0.0.1:PORT/alice/<name>/``;
- ``source(name)`` → the same text for an existing (or deliberately
  missing) calendar;
- ``add_event(name, ical)`` puts VCALENDAR text into a calendar, as
  another client would;
- ``put_item(name, file_name, ical)`` puts it under a resource name of
  its own choosing, as phone apps do;
- ``items(name)`` → ``{file name: iCalendar text}`` read straight from
  Radicale's storage folder, an oracle independent of any CalDAV client.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

__all__ = ["RadicaleServer", "radicale", "radicale_module", "running_radicale"]


@dataclass
class RadicaleServer:
    """A running Radicale; see the module docstring."""

    host: str
    port: int
    folder: Path
    username: str
    password: str
    process: subprocess.Popen[bytes]
    scheme: str = "http"
    ca_file: str | None = None  # the certificate an https server was started with

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}/"

    def calendar_url(self, name: str) -> str:
        return f"{self.url}{self.username}/{name}/"

    def source(self, name: str) -> str:
        """The grant target Errand's calendar capability takes for this calendar."""
        return f"caldav:{self.scheme}://{self.username}@{self.host}:{self.port}/{self.username}/{name}/"

    def make_calendar(self, name: str, display_name: str = "") -> str:
        """Create a calendar collection (MKCALENDAR through ``caldav``); return its grant source."""
        import caldav

        with caldav.DAVClient(url=self.url, username=self.username, password=self.password,
                              enable_rfc6764=False, timeout=10,
                              ssl_verify_cert=self.ca_file or True) as client:
            client.principal().make_calendar(name=display_name or name, cal_id=name)
        return self.source(name)

    def add_event(self, name: str, ical: str) -> None:
        """Put an event (VCALENDAR text) into calendar ``name`` as another client would (PUT)."""
        import caldav

        with caldav.DAVClient(url=self.url, username=self.username, password=self.password,
                              enable_rfc6764=False, timeout=10) as client:
            client.calendar(url=self.calendar_url(name)).add_event(ical, increase_seqno=False)

    def put_item(self, name: str, file_name: str, ical: str) -> int:
        """PUT VCALENDAR text at ``<calendar>/<file_name>`` (as phone apps name theirs); the status."""
        import caldav

        with caldav.DAVClient(url=self.url, username=self.username, password=self.password,
                              enable_rfc6764=False, timeout=10) as client:
            answer = client.put(f"{self.calendar_url(name)}{file_name}", ical,
                                {"Content-Type": "text/calendar; charset=utf-8"})
        return int(answer.status)

    def items(self, name: str) -> dict[str, str]:
        """The events stored in calendar ``name``, as Radicale holds them on disk."""
        collection = self.folder / "collection-root" / self.username / name
        return {p.name: p.read_text(encoding="utf-8") for p in sorted(collection.glob("*.ics"))}

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_radicale(folder: Path, username: str = "alice", password: str = "secret",
                     tls: tuple[Path, Path] | None = None) -> Iterator[RadicaleServer]:
    """Start Radicale with its storage, users file and log in ``folder``; stop it afterwards.

    ``tls`` is (certificate, key) PEM files: the server then speaks https only.
    """
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config").write_text("")  # an empty config: no system or user config is read
    (folder / "users").write_text(f"{username}:{password}\n")
    port = _free_port()
    log = (folder / "radicale.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "radicale", "--config", str(folder / "config"),
         "--server-hosts", f"127.0.0.1:{port}", "--storage-filesystem-folder", str(folder / "storage"),
         "--auth-type", "htpasswd", "--auth-htpasswd-filename", str(folder / "users"),
         "--auth-htpasswd-encryption", "plain", "--auth-delay", "0",
         *(["--server-ssl", "True", "--server-certificate", str(tls[0]), "--server-key", str(tls[1])]
           if tls else [])],
        stdout=log, stderr=subprocess.STDOUT,
    )
    server = RadicaleServer("127.0.0.1", port, folder / "storage", username, password, process,
                            "https" if tls else "http", str(tls[0]) if tls else None)
    try:
        _wait_until_listening(server, folder / "radicale.log")
        yield server
    finally:
        server.stop()
        log.close()


def _wait_until_listening(server: RadicaleServer, log: Path) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"Radicale exited at start:\n{log.read_text(errors='replace')}")
        try:
            socket.create_connection((server.host, server.port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.02)
    raise RuntimeError(f"Radicale did not listen within 20 s:\n{log.read_text(errors='replace')}")


@pytest.fixture
def radicale(tmp_path: Path) -> Iterator[RadicaleServer]:
    """A fresh Radicale for one test."""
    with running_radicale(tmp_path / "radicale") as server:
        yield server


@pytest.fixture(scope="module")
def radicale_module(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RadicaleServer]:
    """One Radicale for a whole test module; make a calendar per test."""
    with running_radicale(tmp_path_factory.mktemp("radicale")) as server:
        yield server
