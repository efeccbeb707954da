"""The wire between two processes of the project: one JSON object per line on a socket.

The sandbox and its helper, the runtime and a container's init talk this way: a request or a
report is a dict, sent as one line of JSON; the answer comes back the same way.
"""

from __future__ import annotations

import json
import socket

__all__ = ["LineReader", "error_to_dict", "send"]



def send(sock: socket.socket, message: dict) -> None:
    """Send one message: a JSON object on one line."""
    sock.sendall(json.dumps(message).encode() + b"\n")


class LineReader:
    """Read newline-terminated JSON messages from a stream socket."""

    def __init__(self, sock: socket.socket):
        self.sock = sock
        self.buf = b""

    def read(self) -> dict | None:
        """The next message, or ``None`` when the other end has gone (EOF)."""
        while b"\n" not in self.buf:
            chunk = self.sock.recv(1 << 16)
            if not chunk:
                return None
            self.buf += chunk
        line, _, self.buf = self.buf.partition(b"\n")
        return json.loads(line)


def error_to_dict(e: BaseException) -> dict:
    d = {"type": type(e).__name__, "message": str(e)}
    if isinstance(e, OSError):
        d.update(errno=e.errno, strerror=e.strerror or str(e),
                 filename=e.filename if isinstance(e.filename, str) else None)
    return d
