"""Which certificates a CalDAV connection trusts, and plain words when a server's is not trusted.

The HTTP layer (niquests) trusts the operating system's certificate store.
``SSL_CERT_FILE``, the variable OpenSSL and most tools read, names a file
of certificates to trust instead; it is honoured here because niquests
does not read it. A server with a self-signed certificate (a Radicale or
Nextcloud at home) then gets an error that says so and says what to do,
instead of "could not reach the server".
"""

from __future__ import annotations

import os
import ssl
from pathlib import Path

from capabilities.errors import BackendError

__all__ = ["certificate_error", "trusted_certificates", "untrusted_certificate"]

_MARKERS = ("CERTIFICATE_VERIFY_FAILED", "certificate verify failed", "self-signed certificate",
            "self signed certificate", "unable to get local issuer certificate",
            "certificate has expired", "hostname mismatch", "doesn't match", "not valid for")


def trusted_certificates() -> bool | str:
    """``SSL_CERT_FILE`` when it names a file, else True (the system store)."""
    named = os.environ.get("SSL_CERT_FILE", "")
    return named if named and Path(named).is_file() else True


def untrusted_certificate(exc: BaseException) -> bool:
    """Whether ``exc`` (or what caused it) is a refused server certificate."""
    seen: BaseException | None = exc
    for _ in range(10):  # the chain is short; a loop guard, not a limit anyone reaches
        if seen is None:
            return False
        if isinstance(seen, ssl.SSLCertVerificationError):
            return True
        if any(m.lower() in str(seen).lower() for m in _MARKERS):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def certificate_error(host: str, exc: BaseException) -> BackendError:
    """The error for a server whose certificate this computer does not trust: the cause and the fix."""
    text = str(exc).lower()
    if "self-signed" in text or "self signed" in text:
        cause = "its certificate is self-signed"
    elif "expired" in text:
        cause = "its certificate has expired"
    elif "mismatch" in text or "match" in text:
        cause = f"its certificate is for another name than {host}"
    else:
        cause = "its certificate is not signed by an authority this computer trusts"
    where = os.environ.get("SSL_CERT_FILE", "")
    trusted = f"the certificates in {where} (SSL_CERT_FILE)" if where else "the system's trusted certificates"
    return BackendError(
        f"The calendar server at {host} is not trusted: {cause}, and Errand checks against {trusted}. "
        "Nothing was sent.",
        "If it is your own server, add its certificate to the system's trusted certificates (or name "
        "a file holding it in SSL_CERT_FILE) and try again; if not, the connection may be intercepted.",
    )
