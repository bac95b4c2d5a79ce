"""The one request/response format between Errand and its decoder workers.

A message is a frame: an 8-byte head (header length, blob length, both
big-endian u32), a JSON header, then the blob (raw bytes: a file's content
or an encoded picture). On POSIX the channel is a ``socketpair`` and a
request may carry open file descriptors (``SCM_RIGHTS``) so the worker reads
a granted file without being able to open any file itself; on Windows it is
the worker's stdin/stdout pipes and content travels as the blob.

Both sides treat what they receive as hostile: sizes are capped before
anything is allocated, and a frame that breaks the format ends the channel
(``ChannelClosed``) rather than being guessed at.
"""

from __future__ import annotations

import json
import socket
import struct
from typing import Any, BinaryIO

__all__ = ["MAX_BLOB", "MAX_HEADER", "Channel", "ChannelClosed", "Frame", "PipeChannel", "SocketChannel"]

MAX_HEADER = 1 << 20  # 1 MiB of JSON: far more than any answer needs
MAX_BLOB = 256 << 20  # 256 MiB: above the largest picture Errand reads (200 MB)
_HEAD = struct.Struct(">II")
_MAX_FDS = 4

Frame = tuple[dict[str, Any], bytes, list[int]]


class ChannelClosed(Exception):
    """The other side is gone, timed out, or sent something that is not a frame."""


def _encode(header: dict[str, Any], blob: bytes) -> tuple[bytes, bytes]:
    text = json.dumps(header, separators=(",", ":")).encode()
    if len(text) > MAX_HEADER or len(blob) > MAX_BLOB:
        raise ValueError("frame too large")
    return _HEAD.pack(len(text), len(blob)) + text, blob


def _decode_head(head: bytes) -> tuple[int, int]:
    size, blob = _HEAD.unpack(head)
    if size > MAX_HEADER or blob > MAX_BLOB:
        raise ChannelClosed("frame larger than the protocol allows")
    return size, blob


def _parse(text: bytes) -> dict[str, Any]:
    try:
        header = json.loads(text)
    except ValueError:
        raise ChannelClosed("header is not JSON") from None
    if not isinstance(header, dict):
        raise ChannelClosed("header is not an object")
    return header


class Channel:
    """Send and receive frames; ``timeout`` (seconds) bounds each receive where the OS allows."""

    def send(self, header: dict[str, Any], blob: bytes = b"", fds: tuple[int, ...] = ()) -> None:
        raise NotImplementedError

    def recv(self, timeout: float | None = None) -> Frame:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError


class SocketChannel(Channel):
    """A frame channel over one end of a ``socketpair`` (POSIX); carries file descriptors."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock

    def send(self, header: dict[str, Any], blob: bytes = b"", fds: tuple[int, ...] = ()) -> None:
        head, body = _encode(header, blob)
        try:
            if fds:
                socket.send_fds(self.sock, [head], list(fds))
            else:
                self.sock.sendall(head)
            if body:
                self.sock.sendall(body)
        except OSError as exc:
            raise ChannelClosed(f"send failed: {exc.strerror or exc}") from None

    def recv(self, timeout: float | None = None) -> Frame:
        self.sock.settimeout(timeout)
        try:
            head, fds = self._first(_HEAD.size)
            try:
                size, blob = _decode_head(head)
                header = _parse(self._exact(size))
                return header, self._exact(blob), fds
            except BaseException:
                for fd in fds:  # a broken frame's descriptors are not leaked
                    _close_fd(fd)
                raise
        except (OSError, TimeoutError) as exc:
            raise ChannelClosed(f"receive failed: {exc}") from None

    def _first(self, n: int) -> tuple[bytes, list[int]]:
        data, fds, _flags, _addr = socket.recv_fds(self.sock, n, _MAX_FDS)
        if not data:
            raise ChannelClosed("closed")
        return data + self._exact(n - len(data)), list(fds)

    def _exact(self, n: int) -> bytes:
        chunks, left = [], n
        while left:
            chunk = self.sock.recv(min(left, 1 << 20))
            if not chunk:
                raise ChannelClosed("closed mid-frame")
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)

    def close(self) -> None:
        self.sock.close()


class PipeChannel(Channel):
    """A frame channel over two pipes (Windows, where descriptors cannot be passed): no timeout here,
    the pool's timer kills a worker that does not answer."""

    def __init__(self, reader: BinaryIO, writer: BinaryIO) -> None:
        self.reader, self.writer = reader, writer

    def send(self, header: dict[str, Any], blob: bytes = b"", fds: tuple[int, ...] = ()) -> None:
        if fds:
            raise ValueError("pipes carry no file descriptors")
        head, body = _encode(header, blob)
        try:
            self.writer.write(head + body)
            self.writer.flush()
        except (OSError, ValueError) as exc:
            raise ChannelClosed(f"send failed: {exc}") from None

    def recv(self, timeout: float | None = None) -> Frame:
        try:
            size, blob = _decode_head(self._exact(_HEAD.size))
            header = _parse(self._exact(size))
            return header, self._exact(blob), []
        except (OSError, ValueError) as exc:
            raise ChannelClosed(f"receive failed: {exc}") from None

    def _exact(self, n: int) -> bytes:
        data = self.reader.read(n) if n else b""
        if len(data) != n:
            raise ChannelClosed("closed mid-frame")
        return data

    def close(self) -> None:
        for stream in (self.reader, self.writer):
            try:
                stream.close()
            except OSError:
                pass


def _close_fd(fd: int) -> None:
    import os

    try:
        os.close(fd)
    except OSError:
        pass
