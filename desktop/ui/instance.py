"""Single instance: a second launch hands over to the running window and exits.

The first process listens on a ``QLocalServer`` whose name is derived from
the user and the data folder (so a test with its own ``ERRAND_HOME`` never
meets the person's own Errand). A later launch connects, says ``show`` and
quits; the first raises and focuses its window.
"""

from __future__ import annotations

import getpass
import hashlib

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

from desktop.core import paths

__all__ = ["SingleInstance", "server_name"]


def server_name() -> str:
    where = str(paths.data_dir().resolve())
    digest = hashlib.sha256(f"{getpass.getuser()}|{where}".encode()).hexdigest()[:16]
    return f"errand-{digest}"


class SingleInstance(QObject):
    """``claim()`` is True in the first process; later ones call ``notify_running()`` and exit."""

    activated = Signal()

    def __init__(self, name: str | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name or server_name()
        self.server: QLocalServer | None = None
        self._sockets: list[QLocalSocket] = []

    def notify_running(self, timeout_ms: int = 1000) -> bool:
        """Tell a running Errand to show itself; False when none answers."""
        socket = QLocalSocket()
        socket.connectToServer(self.name)
        if not socket.waitForConnected(timeout_ms):
            return False
        socket.write(b"show\n")
        socket.flush()
        socket.waitForBytesWritten(timeout_ms)
        socket.disconnectFromServer()
        return True

    def claim(self) -> bool:
        """Start listening; False if another live process already does."""
        if self.notify_running(300):
            return False
        QLocalServer.removeServer(self.name)  # a stale socket file left by a crash
        server = QLocalServer(self)
        server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        if not server.listen(self.name):
            return False
        server.newConnection.connect(self._connection)
        self.server = server
        return True

    def _connection(self) -> None:
        assert self.server is not None
        while self.server.hasPendingConnections():
            socket = self.server.nextPendingConnection()  # a child of the server: it dies with it
            self._sockets.append(socket)
            socket.readyRead.connect(self._read)
        self._read()  # the message may have arrived with the connection

    def _read(self) -> None:
        for socket in list(self._sockets):
            if socket.bytesAvailable() and b"show" in bytes(socket.readAll().data()):
                self.activated.emit()
            if socket.state() != QLocalSocket.LocalSocketState.ConnectedState and not socket.bytesAvailable():
                self._sockets.remove(socket)

    def close(self) -> None:
        for socket in self._sockets:
            socket.readyRead.disconnect(self._read)
            socket.abort()
        self._sockets.clear()
        if self.server is not None:
            self.server.close()
            self.server = None
