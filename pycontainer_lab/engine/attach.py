"""Attaching to a running container: the client end of the monitor's attach socket.

The monitor relays the container's output to every attached client in Docker's frames
(:mod:`.frames`) and takes input, terminal sizes and the end of input from them. Detaching is
the client's business: it stops reading and closes the socket (``pcl`` does it when it sees
the detach keys, Ctrl-P Ctrl-Q by default); the container never notices.
"""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator

from ..errors import NotFoundError, PclError, UsageError
from . import frames
from .sockets import unix_connect
from .store import ContainerStore

__all__ = ["DEFAULT_DETACH_KEYS", "Attachment", "connect", "parse_detach_keys"]

DEFAULT_DETACH_KEYS = "ctrl-p,ctrl-q"


def parse_detach_keys(spec: str) -> bytes:
    """``"ctrl-p,ctrl-q"`` → ``b"\\x10\\x11"``: a comma-separated list of single characters
    and ``ctrl-<char>`` (``<char>`` a letter or one of ``@ [ \\ ] ^ _``)."""
    out = bytearray()
    for key in spec.split(","):
        k = key.strip()
        if len(k) == 1:
            out.append(ord(k))
        elif k.lower().startswith("ctrl-") and len(k) == 6:
            c = k[5].lower()
            if "a" <= c <= "z":
                out.append(ord(c) - ord("a") + 1)
            elif c in "@[\\]^_":
                out.append(ord(c) - 64 if c != "@" else 0)
            else:
                raise UsageError(f"invalid detach keys {spec!r}: unknown character {key!r} "
                                 "(use ctrl-a … ctrl-z, ctrl-@, ctrl-[, ctrl-\\, ctrl-], ctrl-^, "
                                 "ctrl-_ or a single character)")
        else:
            raise UsageError(f"invalid detach keys {spec!r}: {key!r} is not a key "
                             "(write them like ctrl-p,ctrl-q)")
    if not out:
        raise UsageError("invalid detach keys '': give at least one key, like ctrl-p,ctrl-q")
    return bytes(out)


class Attachment:
    """A connection to a container's monitor."""

    def __init__(self, sock: socket.socket):
        self.sock = sock
        self.decoder = frames.Decoder()

    def send(self, stream: int, data: bytes) -> None:
        self.sock.sendall(frames.frame(stream, data))

    def stdin(self, data: bytes) -> None:
        self.send(frames.STDIN, data)

    def close_stdin(self) -> None:
        self.send(frames.STDIN_EOF, b"")

    def resize(self, rows: int, cols: int) -> None:
        self.send(frames.RESIZE, f"{rows} {cols}".encode())

    def read(self) -> list[tuple[int, bytes]]:
        """The frames that have arrived (blocks until some do); [] when the monitor is gone."""
        data = self.sock.recv(65536)
        if not data:
            return []
        return self.decoder.feed(data) or [(-1, b"")]

    def frames(self) -> Iterator[tuple[int, bytes]]:
        """Every frame until the exit frame (or the end of the connection)."""
        while True:
            got = self.read()
            if not got:
                return
            for stream, data in got:
                if stream >= 0:
                    yield stream, data

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()


def connect(cid: str, store: ContainerStore | None = None) -> Attachment:
    store = store or ContainerStore()
    path = store.run_dir(cid) / "attach.sock"
    try:
        return Attachment(unix_connect(path))
    except FileNotFoundError:
        raise NotFoundError(f"container {cid[:12]} is not running: nothing to attach to") \
            from None
    except ConnectionRefusedError:
        raise PclError(f"container {cid[:12]}: its monitor does not answer") from None
