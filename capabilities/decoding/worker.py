"""The decoder worker process: limits itself, imports its decoders, locks itself in, answers requests.

Started by ``pool`` as ``python -I -c BOOT <root> <parent pid> <channel fd> <temp dir> <memory>``
(the installed app passes ``--errand-decoder-worker`` to its own executable
instead). Its stdin, stdout and stderr are the null device (Windows: stdin and
stdout are the channel), its working folder an empty temp folder, its
environment empty. The order matters: ``confine.early`` first (die with
Errand, memory cap), then every module in ``MODULES`` is imported and its ``warm_up()`` run, then
``confine.lock`` (Landlock, seccomp) — after which no module can be loaded
from disk — then a ``ready`` frame tells Errand which limits the OS granted.

One request at a time; a closed channel means Errand is gone and the worker
exits. A request that ran out of memory is answered and the worker exits
(its heap cannot be trusted); the pool starts another.
"""

from __future__ import annotations

import importlib
import os
import socket
import sys
import warnings

from capabilities.decoding import confine, images, ops  # noqa: F401  (images: named for installers)
from capabilities.decoding.protocol import Channel, ChannelClosed, PipeChannel, SocketChannel

__all__ = ["MODULES", "main"]

# Modules whose ``@op`` handlers the worker serves; all are imported before the lock.
MODULES = ("capabilities.decoding.images", "capabilities.decoding.documents", "capabilities.decoding.media",
           "capabilities.decoding.calendars", "capabilities.decoding.zips")
_PRELOAD = ("encodings.latin_1", "encodings.utf_8", "json.decoder", "_strptime")


def main(argv: list[str]) -> None:
    parent, fd, tmp, memory = int(argv[0]), int(argv[1]), argv[2], int(argv[3])
    options = set(argv[4:])
    confine.early(parent, memory)
    os.chdir(tmp)
    warnings.simplefilter("ignore")  # nobody reads the worker's stderr; warnings are not answers
    for name in (*_PRELOAD, *MODULES):
        importlib.import_module(name)
    from capabilities.decoding import formats

    formats.lock_plugins()
    for name in MODULES:
        warm = getattr(sys.modules[name], "warm_up", None)
        if warm is not None:
            warm()  # walks every lazy import while the disk is still readable
    channel = _channel(fd)
    confine.lock(tmp, seatbelt="seatbelt" in options)
    channel.send({"ready": True, "report": confine.report})
    serve(channel)


def _channel(fd: int) -> Channel:
    if sys.platform == "win32":
        # The pipes become the channel's own handles; stdin and stdout then point at NUL, so nothing
        # a library prints can land in the middle of a frame.
        reader, writer = os.fdopen(os.dup(0), "rb"), os.fdopen(os.dup(1), "wb")
        null = os.open(os.devnull, os.O_RDWR)
        os.dup2(null, 0)
        os.dup2(null, 1)
        return PipeChannel(reader, writer)
    return SocketChannel(socket.socket(fileno=fd))


def serve(channel: Channel) -> None:
    while True:
        try:
            header, blob, fds = channel.recv(None)
        except ChannelClosed:
            os._exit(0)
        budget = header.get("cpu")
        retire = confine.call_budget(budget if isinstance(budget, int) and 0 < budget <= 600 else 30)
        answer, out = ops.run(header, blob, fds)
        if retire:
            answer["retire"] = True
        try:
            try:
                channel.send(answer, out)
            except ValueError:  # larger than a frame may be
                channel.send({"ok": False, "kind": "too_large", "detail": "answer too large"})
        except ChannelClosed:
            os._exit(0)
        if answer.get("retire"):
            os._exit(0)


if __name__ == "__main__":
    main(sys.argv[1:])
