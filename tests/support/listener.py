"""A TCP listener on loopback that counts the connections made to it (and answers none)."""

from __future__ import annotations

import contextlib
import socket
from types import TracebackType


class CountingListener:
    """Listens on 127.0.0.1 (and ::1 on the same port when it can) without accepting.

    Connections complete into the kernel's backlog, so `connections()` counts them exactly
    by draining the backlog without blocking: no sleeps, no threads.
    """

    def __init__(self) -> None:
        self._sockets: list[socket.socket] = []
        v4 = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        v4.bind(("127.0.0.1", 0))
        v4.listen(128)
        self._sockets.append(v4)
        self.port: int = v4.getsockname()[1]
        with contextlib.suppress(OSError):
            v6 = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
            try:
                v6.bind(("::1", self.port))
                v6.listen(128)
            except OSError:
                v6.close()
                raise
            self._sockets.append(v6)
        self._count = 0

    def connections(self) -> int:
        """How many connections were made so far."""
        for sock in self._sockets:
            sock.setblocking(False)
            while True:
                try:
                    conn, _ = sock.accept()
                except (BlockingIOError, InterruptedError):
                    break
                conn.close()
                self._count += 1
        return self._count

    def close(self) -> None:
        """Stop listening."""
        for sock in self._sockets:
            sock.close()

    def __enter__(self) -> CountingListener:
        return self

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
