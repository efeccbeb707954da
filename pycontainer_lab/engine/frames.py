"""The byte stream between an attached client (``pcl run``, ``pcl attach``) and a container's
monitor: Docker's *stdcopy* framing, one frame per chunk of data.

Each frame is an 8-byte header -- the stream (1 byte), three zero bytes, the length (4 bytes,
big-endian) -- then the data. Docker uses streams 0, 1 and 2 for stdin, stdout and stderr;
pcl adds control frames of its own: the exit code, a terminal resize, the end of stdin.
This module only uses ``struct``, so the monitor stays small.
"""

from __future__ import annotations

import struct

__all__ = ["EXIT", "HEADER", "RESIZE", "STDERR", "STDIN", "STDIN_EOF", "STDOUT", "Decoder",
           "frame"]

STDIN, STDOUT, STDERR = 0, 1, 2
EXIT = 3        # monitor → client: the container ended; data is the exit code in ASCII
RESIZE = 4      # client → monitor: data is b"ROWS COLS"
STDIN_EOF = 5   # client → monitor: no more input
HEADER = struct.Struct(">BxxxI")


def frame(stream: int, data: bytes) -> bytes:
    return HEADER.pack(stream, len(data)) + data


class Decoder:
    """Feed bytes in as they arrive; take whole ``(stream, data)`` frames out."""

    def __init__(self) -> None:
        self.buf = b""

    def feed(self, data: bytes) -> list[tuple[int, bytes]]:
        self.buf += data
        out = []
        while len(self.buf) >= HEADER.size:
            stream, size = HEADER.unpack_from(self.buf)
            if len(self.buf) < HEADER.size + size:
                break
            out.append((stream, self.buf[HEADER.size:HEADER.size + size]))
            self.buf = self.buf[HEADER.size + size:]
        return out
