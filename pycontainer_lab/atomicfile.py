"""Writing state files so that nobody ever reads half of one.

A file is written to a temporary name beside it, flushed to disk (``fsync``), then renamed
over the old one: ``rename(2)`` is atomic, so a reader -- another ``pcl``, a notebook, the
same program after a crash -- sees either the old content or the new, never a mix. Writers
that read-modify-write take an exclusive ``flock(2)`` on a lock file first.
Like ``tracing``, this module sits below the four floors.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Iterator

__all__ = ["atomic_write", "fsync_dir", "locked", "read_json", "write_json"]


def fsync_dir(path: str | os.PathLike) -> None:
    """Make a rename or a new entry in the directory ``path`` durable."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(path: str | os.PathLike, data: bytes, mode: int = 0o644) -> None:
    """Replace ``path`` with ``data`` all at once (temp file + fsync + rename + fsync of the
    directory): readers and crashes see the old file or the new one, whole."""
    path = os.fspath(path)
    directory, name = os.path.split(path)
    tmp = os.path.join(directory, f".{name}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, mode)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fchmod(f.fileno(), mode)  # not filtered by the umask
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    fsync_dir(directory or ".")


@contextlib.contextmanager
def locked(lock_file: str | os.PathLike, exclusive: bool = True) -> Iterator[None]:
    """Hold ``flock(2)`` on ``lock_file`` (created if missing) for the block."""
    fd = os.open(lock_file, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        yield
    finally:
        os.close(fd)


def read_json(path: str | os.PathLike) -> dict:
    with open(path) as f:
        return json.load(f)


def write_json(path: str | os.PathLike, data: object) -> None:
    atomic_write(path, json.dumps(data, indent=2).encode() + b"\n")
