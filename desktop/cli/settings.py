"""``errand settings``: the model, the vision model, the calendar, and keys kept in the OS keyring.

Keys are read from a hidden prompt or from standard input (``echo KEY |
errand settings set-key``), never from the command line, where they would
land in the shell's history.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import asdict
from typing import Any

from capabilities.errors import ErrandError
from desktop.cli.common import EXIT_OK, EXTENSIONS, command
from desktop.cli.jsonout import emit

__all__ = ["add_parsers"]

_SETTABLE = ("model", "api_base", "vision_model", "calendar", "allow_file_names")


def add_parsers(sub: Any) -> None:
    st = sub.add_parser("settings", help="show or change settings (model, vision model, calendar, keys)")
    st.add_argument("action", nargs="?", default="show",
                    choices=("show", "set", "set-key", "delete-key", "set-calendar-password", "keyring"))
    st.add_argument("name", nargs="?", help=f"with set: one of {', '.join(_SETTABLE)}")
    st.add_argument("value", nargs="?", help="with set: the new value (empty to clear)")
    st.add_argument("--service", help="with set-key: the provider (default: the model's, e.g. openai)")
    st.add_argument("--json", action="store_true")


@command("settings")
def cmd_settings(args: argparse.Namespace) -> int:
    from desktop.core import settings as store

    current = store.load()
    if args.action == "set":
        if args.name not in _SETTABLE:
            raise ErrandError(f"Unknown setting {args.name!r}.", f"Settings: {', '.join(_SETTABLE)}.")
        value: Any = args.value or ""
        if args.name == "allow_file_names":
            value = str(value).lower() in ("1", "true", "yes", "on")
        setattr(current, args.name, value)
        store.save(current)
    elif args.action in ("set-key", "delete-key", "set-calendar-password"):
        return _keys(args, current)
    elif args.action == "keyring":
        from desktop.core.keys import keyring_status

        usable, backend, message = keyring_status()
        if args.json:
            emit({"status": "ok" if usable else "failed", "usable": usable, "backend": backend,
                  "message": message})
        else:
            print(f"{backend}: {message}")
        return EXIT_OK if usable else 1
    shown = asdict(current)
    if args.json:
        emit({"status": "ok", **shown})
    else:
        print("\n".join(f"{k}: {v}" for k, v in shown.items()))
    return EXIT_OK


def _keys(args: argparse.Namespace, current: Any) -> int:
    from desktop.core import keys
    from desktop.core.services import calendar_key_name

    if args.action == "set-calendar-password":
        if not current.calendar:
            raise ErrandError("No calendar is set.", "Set one first: errand settings set calendar caldav:https://…")
        service = calendar_key_name(current.calendar)
    else:
        service = args.service or (keys.service_for_model(current.model) if current.model else "")
        if not service:
            raise ErrandError("Which provider is the key for?",
                              "Set a model first (errand settings set model openai/gpt-4o-mini) "
                              "or pass --service.")
    if args.action == "delete-key":
        keys.delete_key(service)
        return _done(args, service, f"Removed the key for {service} from the keyring.")
    import getpass

    secret = getpass.getpass(f"Key for {service} (hidden): ") if sys.stdin.isatty() else sys.stdin.readline()
    secret = secret.strip()
    if not secret:
        raise ErrandError("No key was given.", "Paste the key at the prompt, or pipe it on standard input.")
    keys.set_key(service, secret)
    return _done(args, service, f"Saved the key for {service} in the system keyring.")


def _done(args: argparse.Namespace, service: str, message: str) -> int:
    if args.json:
        emit({"status": "ok", "service": service, "message": message})
    else:
        print(message)
    return EXIT_OK


EXTENSIONS.append(add_parsers)
