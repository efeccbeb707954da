"""Small things several test modules need (the fixtures live in conftest.py)."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

BUSYBOX = shutil.which("busybox") or "/bin/busybox"
PCL = [sys.executable, "-m", "pycontainer_lab.cli.main"]


@contextmanager
def world_readable_dir():
    """A temporary directory any uid may enter (pytest's tmp_path is root-only, 0700), for
    tests that look at it as an unprivileged uid from a user namespace."""
    path = Path(tempfile.mkdtemp(prefix="pcl-test-", dir="/tmp"))
    os.chmod(path, 0o755)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def busybox_rootfs(where: Path) -> Path:
    """A tiny root filesystem: the static busybox and a link per applet we use."""
    root = where / "rootfs"
    (root / "bin").mkdir(parents=True)
    shutil.copy2(BUSYBOX, root / "bin" / "busybox")
    for applet in ("sh", "ls", "cat", "echo", "id", "hostname", "mount", "ps", "sleep", "head",
                   "wc", "touch", "mkdir", "test", "readlink", "stat", "true", "false", "grep",
                   "tr", "env", "mknod", "unshare", "kill", "rm", "dd", "sync", "top", "tty",
                   "stty", "date", "seq", "umount", "chmod", "chown", "ln", "cp", "mv", "printf",
                   "yes", "nproc", "uname", "whoami", "pwd"):
        os.symlink("busybox", root / "bin" / applet)
    for d in ("dev", "proc", "sys", "tmp", "etc"):
        (root / d).mkdir()
    os.chmod(root, 0o755)
    return root


def alive(pid: int) -> bool:
    """Whether a process exists and is not a zombie (read from the host's /proc)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def until(check, timeout: float = 15.0, what: str = "condition") -> None:
    """Wait for ``check()`` to be true (polling every 50 ms), or fail the test."""
    import time

    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(0.05)
