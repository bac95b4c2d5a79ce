"""Secrets in the OS keyring — the only module that imports ``keyring``.

API keys (``"openai"``, ``"anthropic"`` …) and passwords (``"caldav:<url>"``)
live only here: never in settings files, logs, the journal or exception
text. Each is stored under the keyring service ``Errand`` with the name as
the user name, so the OS's own tool shows them as "Errand".

No usable keyring (a headless Linux without a Secret Service gives
``keyring``'s ``fail.Keyring``) is said plainly: saving raises
``KeyringUnavailable``. A plaintext file backend (``keyrings.alt``) is refused
the same way — Errand never falls back to plaintext, silently or otherwise.
"""

from __future__ import annotations

import keyring
import keyring.errors
from keyring.backend import KeyringBackend

from desktop.core.errors import ErrandError, KeyringUnavailable

__all__ = ["SERVICE", "delete_key", "get_key", "keyring_status", "service_for_model", "set_key"]

SERVICE = "Errand"

_NO_KEYRING_HINT = (
    "Errand stores keys only in the system keyring. Start one (on Linux: GNOME Keyring or KWallet, "
    "which provide the Secret Service), or put the key in the provider's environment variable "
    "(e.g. OPENAI_API_KEY) instead."
)


def service_for_model(model: str) -> str:
    """The key name for a litellm model: its provider (``openai`` for ``openai/gpt-4o``)."""
    return model.split("/", 1)[0] if "/" in model else model


def keyring_status() -> tuple[bool, str, str]:
    """``(usable, backend name, message for a person)`` — for Settings and ``errand settings``."""
    backend = keyring.get_keyring()
    name = _backend_name(backend)
    problem = _unusable_reason(backend)
    if problem:
        return False, name, problem
    return True, name, f"Keys are stored in the system keyring ({name})."


def get_key(service: str) -> str | None:
    """The stored secret for ``service``, or None when none is stored or no keyring is usable."""
    backend = keyring.get_keyring()
    if _unusable_reason(backend):
        return None  # the caller then tries the environment, as litellm does
    try:
        return backend.get_password(SERVICE, service)
    except keyring.errors.KeyringError as exc:
        raise _unavailable("read", service, exc) from None


def set_key(service: str, key: str) -> None:
    """Store ``key`` for ``service``; raise KeyringUnavailable rather than write it anywhere else."""
    key = key.strip()
    if not key:
        raise ErrandError(f"The key for {service} is empty, so it was not saved.",
                          "Paste the whole key, as the provider's website shows it.")
    backend = keyring.get_keyring()
    problem = _unusable_reason(backend)
    if problem:
        raise KeyringUnavailable(f"The key for {service} was not saved: {problem}", _NO_KEYRING_HINT)
    try:
        backend.set_password(SERVICE, service, key)
    except keyring.errors.KeyringError as exc:
        raise _unavailable("save", service, exc) from None


def delete_key(service: str) -> bool:
    """Remove the stored secret for ``service``; False when there was none."""
    backend = keyring.get_keyring()
    problem = _unusable_reason(backend)
    if problem:
        raise KeyringUnavailable(f"The key for {service} could not be removed: {problem}", _NO_KEYRING_HINT)
    try:
        backend.delete_password(SERVICE, service)
    except keyring.errors.PasswordDeleteError:
        return False
    except keyring.errors.KeyringError as exc:
        raise _unavailable("remove", service, exc) from None
    return True


def _backend_name(backend: KeyringBackend) -> str:
    return f"{type(backend).__module__}.{type(backend).__name__}".removeprefix("keyring.backends.")


def _unusable_reason(backend: KeyringBackend) -> str:
    module = type(backend).__module__
    if module.startswith("keyrings.alt"):
        return f"the keyring backend {_backend_name(backend)} keeps secrets in a file, which Errand refuses."
    try:
        priority = float(backend.priority)
    except Exception:
        priority = 0.0
    if module == "keyring.backends.fail" or priority <= 0:
        return "no system keyring is available on this computer."
    return ""


def _unavailable(verb: str, service: str, exc: Exception) -> KeyringUnavailable:
    # The backend's own words may be technical, but they never contain the key itself.
    reason = " ".join(str(exc).split())[:200] or type(exc).__name__
    return KeyringUnavailable(f"The system keyring could not {verb} the key for {service}: {reason}",
                              "Unlock the keyring (log in again) and retry. " + _NO_KEYRING_HINT)
