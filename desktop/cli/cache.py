"""``errand cache``: what Errand keeps for reuse, and forgetting it.

Today that is the picture descriptions a vision model gave (one per picture and model): kept so a
picture is not sent twice, and cleared when one was wrong or the person wants them gone.
"""

from __future__ import annotations

import argparse
from typing import Any

from desktop.cli.common import EXIT_OK, EXTENSIONS, command, make_assistant
from desktop.cli.jsonout import emit
from desktop.core.display import say

__all__ = ["add_parsers"]


def add_parsers(sub: Any) -> None:
    cache = sub.add_parser("cache", help="show or clear what Errand keeps for reuse (picture descriptions)")
    cache.add_argument("action", nargs="?", default="show", choices=("show", "clear"))
    cache.add_argument("--json", action="store_true")


@command("cache")
def cmd_cache(args: argparse.Namespace) -> int:
    assistant = make_assistant()
    if args.action == "clear":
        gone = assistant.clear_caption_cache()
        if args.json:
            emit({"status": "ok", "cleared": gone})
        else:
            say(f"Forgot {gone} picture description{'s' if gone != 1 else ''}; the vision model will be "
                "asked again next time." if gone else "No picture descriptions were kept.")
        return EXIT_OK
    kept = assistant.caption_cache_size()
    if args.json:
        emit({"status": "ok", "captions": kept})
    else:
        say(f"{kept} picture description{'s' if kept != 1 else ''} kept for reuse "
            "(errand cache clear forgets them).")
    return EXIT_OK


EXTENSIONS.append(add_parsers)
