"""CalDAV from the wild (issue 17), against real Radicale servers on 127.0.0.1.

Undo puts an event back as the very resource it was (same href, same
text), and says so when the server will not; a server whose certificate
is self-signed gets an error naming that and the fix; ``SSL_CERT_FILE`` is
honoured. The certificates are made here, at test time, with
``cryptography``.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from capabilities.base import Grant
from capabilities.errors import BackendError, UndoRefused
from tests.calendar_support import apply, calendar_run, undo, vcalendar
from tests.radicale_server import RadicaleServer, radicale_module, running_radicale  # noqa: F401

NOV = ("2026-11-01T00:00:00Z", "2026-12-01T00:00:00Z")
_names = itertools.count()
PHONE_EVENT = vcalendar("BEGIN:VEVENT\nUID:meeting-42@phone.example\nDTSTAMP:20261101T100000Z\n"
                        "DTSTART:20261124T150000Z\nDTEND:20261124T160000Z\nSUMMARY:Review\n"
                        "GEO:48.85;2.35\nEND:VEVENT")
OTHER_EVENT = vcalendar("BEGIN:VEVENT\nUID:someone-else@phone.example\nDTSTAMP:20261101T100000Z\n"
                        "DTSTART:20261125T150000Z\nDTEND:20261125T160000Z\nSUMMARY:Theirs\nEND:VEVENT")


@pytest.fixture
def server(radicale_module: RadicaleServer) -> RadicaleServer:  # noqa: F811
    return radicale_module


def fresh_calendar(server: RadicaleServer) -> tuple[str, str]:
    name = f"wild{next(_names)}"
    return name, server.make_calendar(name, "Work")


def grants(source: str) -> list[Grant]:
    return [Grant("calendar", source, "rw", "Work")]


def services(server: RadicaleServer) -> dict[str, object]:
    return {"calendar_password": server.password, "timezone": "UTC"}


@pytest.mark.parametrize("op", ["delete", "update"])
def test_undo_restores_the_same_resource_with_the_same_text(server: RadicaleServer, op: str) -> None:
    name, source = fresh_calendar(server)
    assert server.put_item(name, "a1b2c3-from-phone.ics", PHONE_EVENT) in (201, 204)
    before = server.items(name)
    with calendar_run(grants(source), services(server)) as run:
        if op == "delete":
            run("delete", "meeting-42@phone.example")
        else:
            run("update", "meeting-42@phone.example", title="Review (room 4)")
        outcomes = apply(run)
    assert server.items(name) != before
    undo(run, outcomes)
    assert server.items(name) == before  # the same file name (href) and the same text


def test_undo_says_so_when_the_old_address_is_taken(server: RadicaleServer) -> None:
    name, source = fresh_calendar(server)
    server.put_item(name, "a1b2c3-from-phone.ics", PHONE_EVENT)
    with calendar_run(grants(source), services(server)) as run:
        run("delete", "meeting-42@phone.example")
        outcomes = apply(run)
    server.put_item(name, "a1b2c3-from-phone.ics", OTHER_EVENT)  # another client reuses the name
    taken = server.items(name)
    with pytest.raises(UndoRefused, match="would not take the event back at its old address") as caught:
        undo(run, outcomes)
    assert "a1b2c3-from-phone.ics" in caught.value.message and "something else is there" in \
        caught.value.message
    assert server.items(name) == taken  # theirs is untouched


# ---- TLS ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def self_signed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, made now (PEM certificate and key files)."""
    folder = tmp_path_factory.mktemp("tls")
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "errand-test")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(hours=1)).not_valid_after(now + dt.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


@pytest.fixture(scope="module")
def https_server(tmp_path_factory: pytest.TempPathFactory,
                 self_signed: tuple[Path, Path]) -> Iterator[RadicaleServer]:
    with running_radicale(tmp_path_factory.mktemp("radicale-tls"), tls=self_signed) as server:
        yield server


def test_a_self_signed_server_gets_the_cause_and_the_fix(https_server: RadicaleServer,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    _, source = fresh_calendar(https_server)
    with calendar_run(grants(source), services(https_server)) as run:
        with pytest.raises(BackendError) as caught:
            run("events", *NOV)
    message = caught.value.message
    assert "not trusted" in message and "self-signed" in message and "127.0.0.1" in message
    assert "check the network" not in caught.value.hint.lower()
    assert "trusted certificates" in caught.value.hint and "SSL_CERT_FILE" in caught.value.hint


def test_ssl_cert_file_is_honoured(https_server: RadicaleServer, self_signed: tuple[Path, Path],
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(self_signed[0]))
    name, source = fresh_calendar(https_server)
    with calendar_run(grants(source), services(https_server)) as run:
        assert run("events", *NOV) == []
        run("create", "Over TLS", "2026-11-24T10:00Z", "2026-11-24T11:00Z")
        outcomes = apply(run)
    assert len(https_server.items(name)) == 1
    undo(run, outcomes)
    assert https_server.items(name) == {}
