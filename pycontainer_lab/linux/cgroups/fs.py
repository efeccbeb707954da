"""How the cgroup code touches the cgroup filesystem: nothing but mkdir, rmdir, read and write.

That is the whole cgroup interface -- there is no cgroup system call. Creating a directory
creates a cgroup (the kernel fills it with its interface files), writing a pid into its
``cgroup.procs`` moves a process, writing a number into ``memory.max`` sets a limit.

Two details matter when writing: a cgroup file wants its value in **one** ``write(2)`` (a
buffered writer may split or delay it, and an error would surface only at ``close``), and
it is never *created* by writing -- a missing file means a missing controller or an older
kernel, so we open without ``O_CREAT`` and let ``ENOENT`` say so.

Everything goes through one :class:`CgroupFS` object, so that a test can substitute a fake
cgroup2 tree in a temporary directory (whose "kernel" is a few lines of Python) to check the
v2 file logic on a host that runs v1.
"""

from __future__ import annotations

import os

__all__ = ["REAL", "CgroupFS"]


class CgroupFS:
    """The real cgroup filesystem."""

    def read(self, path: str) -> str:
        # plain os calls: a third of the cost of open() with its buffered text layers,
        # which matters to a sampler reading hundreds of these files a second
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        try:
            chunks = [os.read(fd, 65536)]
            while len(chunks[-1]) == 65536:  # memory.stat and friends can be longer
                chunks.append(os.read(fd, 65536))
        finally:
            os.close(fd)
        return b"".join(chunks).decode()

    def write(self, path: str, data: str) -> None:
        fd = os.open(path, os.O_WRONLY | os.O_CLOEXEC)
        try:
            os.write(fd, data.encode())
        finally:
            os.close(fd)

    def exists(self, path: str) -> bool:
        return os.path.exists(path)

    def mkdir(self, path: str) -> None:
        os.mkdir(path)

    def rmdir(self, path: str) -> None:
        os.rmdir(path)

    def subdirs(self, path: str) -> list[str]:
        """The child cgroups of a cgroup directory."""
        with os.scandir(path) as it:
            return [e.name for e in it if e.is_dir(follow_symlinks=False)]


REAL = CgroupFS()
