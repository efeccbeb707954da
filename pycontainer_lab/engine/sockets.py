"""Unix sockets at long paths.

A Unix socket's path must fit in 108 bytes, and a state directory under a deep ``PCL_ROOT``
(a test's temporary directory) may not. Going through ``/proc/self/fd/N/name``, where N is an
open directory, keeps the path short wherever the directory is.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from pathlib import Path

__all__ = ["unix_connect", "unix_listen"]


def _at(path: Path, use: Callable[[str], None]) -> None:
    if len(os.fsencode(path)) < 100:
        use(str(path))
        return
    dirfd = os.open(path.parent, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        use(f"/proc/self/fd/{dirfd}/{path.name}")
    finally:
        os.close(dirfd)


def unix_listen(path: Path, backlog: int = 8) -> socket.socket:
    """A listening socket at ``path`` (an old socket file there is replaced)."""
    if path.exists():
        path.unlink()
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    _at(path, sock.bind)
    os.chmod(path, 0o600)
    sock.listen(backlog)
    return sock


def unix_connect(path: Path) -> socket.socket:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        _at(path, sock.connect)
    except OSError:
        sock.close()
        raise
    return sock
