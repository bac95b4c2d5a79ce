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

from desktop import paths

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
            socket = self.server.nextPendingConnection()
            socket.readyRead.connect(lambda s=socket: self._read(s))
            socket.disconnected.connect(socket.deleteLater)

    def _read(self, socket: QLocalSocket) -> None:
        if bytes(socket.readAll().data()).strip() == b"show":
            self.activated.emit()

    def close(self) -> None:
        if self.server is not None:
            self.server.close()
            self.server = None
