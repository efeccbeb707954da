"""Being attached to a container from a terminal: ``pcl run -it``, ``pcl attach``.

Output frames go to our stdout/stderr; our stdin goes to the container when ``-i`` was given.
With a terminal (``-t``) ours is put in *raw* mode -- every key goes straight through,
Ctrl-C included, so the shell in the container gets it -- and its size follows ours (SIGWINCH).
The detach keys (Ctrl-P Ctrl-Q) are caught here: we leave, the container keeps running.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import select
import signal
import struct
import sys
import termios
import tty as _tty

from ..engine import frames
from ..engine.attach import Attachment

__all__ = ["DETACHED", "session"]

DETACHED = -1


class _DetachMatcher:
    """Hold back keys that could start the detach sequence until we know."""

    def __init__(self, keys: bytes):
        self.keys = keys
        self.held = b""

    def feed(self, data: bytes) -> tuple[bytes, bool]:
        """(bytes to pass on, detach?)"""
        out = bytearray()
        for b in data:
            self.held += bytes([b])
            if self.keys.startswith(self.held):
                if self.held == self.keys:
                    return bytes(out), True
                continue
            out += self.held
            self.held = b""
        return bytes(out), False


def _winsize(fd: int) -> tuple[int, int]:
    rows, cols, _, _ = struct.unpack("HHHH", fcntl.ioctl(fd, termios.TIOCGWINSZ, b"\0" * 8))
    return rows, cols


def session(att: Attachment, *, stdin: bool, tty: bool, detach_keys: bytes) -> int:
    """Relay until the container exits (its exit code) or we detach (:data:`DETACHED`)."""
    in_fd = sys.stdin.fileno() if stdin else None
    out = sys.stdout.buffer
    err = sys.stderr.buffer
    is_tty = in_fd is not None and os.isatty(in_fd)
    saved = termios.tcgetattr(in_fd) if tty and is_tty else None
    matcher = _DetachMatcher(detach_keys) if is_tty else None
    old_winch = None
    if saved is not None:
        _tty.setraw(in_fd)

        def resize(*_: object) -> None:
            with contextlib.suppress(OSError):
                att.resize(*_winsize(in_fd))

        old_winch = signal.signal(signal.SIGWINCH, resize)
        resize()
    try:
        watch = [att.sock.fileno()] + ([in_fd] if in_fd is not None else [])
        while True:
            try:
                ready, _, _ = select.select(watch, [], [])
            except InterruptedError:
                continue
            if in_fd is not None and in_fd in ready:
                data = os.read(in_fd, 4096)
                if not data:
                    att.close_stdin()
                    watch.remove(in_fd)
                else:
                    if matcher is not None:
                        data, detach = matcher.feed(data)
                        if detach:
                            return DETACHED
                    if data:
                        att.stdin(data)
            if att.sock.fileno() in ready:
                got = att.read()
                if not got:
                    return 255  # the monitor went away without an exit frame
                for stream, data in got:
                    if stream == frames.EXIT:
                        return int(data or b"0")
                    if stream in (frames.STDOUT, frames.STDERR):
                        target = out if stream == frames.STDOUT else err
                        target.write(data)
                        target.flush()
    finally:
        if saved is not None:
            termios.tcsetattr(in_fd, termios.TCSADRAIN, saved)
            signal.signal(signal.SIGWINCH, old_winch or signal.SIG_DFL)
        att.close()


def pty_session(master: int, detach_keys: bytes) -> int | None:
    """Relay our terminal to a pseudo-terminal's master end until it closes; ``DETACHED``
    if the detach keys were typed, else ``None`` (the caller waits for the exit code)."""
    in_fd = sys.stdin.fileno()
    is_tty = os.isatty(in_fd)
    saved = termios.tcgetattr(in_fd) if is_tty else None
    matcher = _DetachMatcher(detach_keys) if is_tty else None
    old_winch = None
    if saved is not None:
        _tty.setraw(in_fd)

        def resize(*_: object) -> None:
            rows, cols = _winsize(in_fd)
            with contextlib.suppress(OSError):
                fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))

        old_winch = signal.signal(signal.SIGWINCH, resize)
        resize()
    watch = [master, in_fd]
    try:
        while True:
            try:
                ready, _, _ = select.select(watch, [], [])
            except InterruptedError:
                continue
            if in_fd in ready:
                data = os.read(in_fd, 4096)
                if not data:
                    watch.remove(in_fd)
                    os.write(master, b"\x04")  # end of input, as the terminal says it
                elif matcher is not None:
                    data, detach = matcher.feed(data)
                    if detach:
                        return DETACHED
                if data:
                    os.write(master, data)
            if master in ready:
                try:
                    data = os.read(master, 65536)
                except OSError:
                    data = b""
                if not data:
                    return None
                sys.stdout.buffer.write(data)
                sys.stdout.buffer.flush()
    finally:
        if saved is not None:
            termios.tcsetattr(in_fd, termios.TCSADRAIN, saved)
            signal.signal(signal.SIGWINCH, old_winch or signal.SIG_DFL)
        os.close(master)
