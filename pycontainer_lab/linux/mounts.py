"""Mounts: what a process sees as its filesystem tree.

A container's filesystem is built from mounts made inside its own mount namespace: the image's
root, ``/proc``, ``/sys``, a small ``/dev``, bind mounts of volumes. Then ``pivot_root`` makes the
new tree the root and the host's tree is detached, so nothing outside remains reachable.

Every function here is one traced step acting on the *calling* process's mount namespace. Run
them in a sandbox helper that has its own mount namespace (``box.unshare("mnt")``); otherwise
they change the host's mounts.
"""

from __future__ import annotations

import os
import re
import shlex
from dataclasses import dataclass

from ..tracing import step
from . import syscalls
from .syscalls import (
    MNT_DETACH,
    MS_BIND,
    MS_NODEV,
    MS_NOEXEC,
    MS_NOSUID,
    MS_PRIVATE,
    MS_RDONLY,
    MS_REC,
    MS_RELATIME,
    MS_REMOUNT,
    MS_STRICTATIME,
)

__all__ = [
    "DEVICES", "Mount", "bind", "chroot", "is_mount_point", "make_dev", "make_private",
    "mkdir", "mount", "mount_devpts", "mount_proc", "mount_sysfs", "mount_tmpfs", "mounts",
    "pivot_root", "remount_readonly", "umount",
]


@dataclass(frozen=True)
class Mount:
    """One line of ``/proc/PID/mountinfo``: a mount in some process's mount namespace."""

    id: int
    parent_id: int
    device: str
    root: str
    """Which directory of the source filesystem is mounted (``/`` unless a bind mount)."""
    target: str
    """Where it is mounted, as the process sees its tree."""
    options: tuple[str, ...]
    """Per-mount options (``ro``, ``nosuid``…)."""
    propagation: tuple[str, ...]
    """Propagation tags: ``shared:N``, ``master:N``, or none for a private mount."""
    fstype: str
    source: str
    super_options: tuple[str, ...]

    @property
    def readonly(self) -> bool:
        return "ro" in self.options

    @property
    def shared(self) -> bool:
        return any(t.startswith("shared:") for t in self.propagation)


def _unescape(field: str) -> str:
    """mountinfo writes space, tab, newline and backslash as octal escapes like ``\\040``."""
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), field)


def mounts(pid: int | str = "self") -> list[Mount]:
    """The mount table of process ``pid``'s mount namespace, as that process sees it."""
    result = []
    with open(f"/proc/{pid}/mountinfo") as f:
        for line in f:
            left, _, right = line.rstrip("\n").partition(" - ")
            a = left.split(" ")
            fstype, source, sopts = [*right.split(" "), "", "", ""][:3]
            result.append(Mount(
                id=int(a[0]), parent_id=int(a[1]), device=a[2], root=_unescape(a[3]),
                target=_unescape(a[4]), options=tuple(a[5].split(",")),
                propagation=tuple(a[6:]), fstype=fstype, source=_unescape(source),
                super_options=tuple(sopts.split(",")),
            ))
    return result


def is_mount_point(path: str, pid: int | str = "self") -> bool:
    """True when something is mounted exactly at ``path`` (bind mounts included).

    ``os.path.ismount`` compares devices and misses a directory bind-mounted onto itself;
    the mount table does not.
    """
    real = os.path.realpath(path)
    return any(m.target == real for m in mounts(pid))


def _q(*words: str) -> str:
    return " ".join(shlex.quote(w) for w in words)


def mkdir(path: str, mode: int = 0o755) -> None:
    """Create ``path`` and its parents if missing (a mount needs an existing target)."""
    if os.path.isdir(path):
        return
    with step(f"create the directory {path}", f"mkdir({path!r}, {mode:#o})",
              _q("mkdir", "-p", path)):
        os.makedirs(path, mode=mode, exist_ok=True)


def mount(source: str | None, target: str, fstype: str | None = None, flags: int = 0,
          data: str | None = None, *, action: str = "", shell: str = "") -> None:
    """mount(2) as a traced step; the other helpers here are named uses of it."""
    opts = ",".join(o for o in (_flags_to_options(flags), data) if o)
    shell = shell or _q("mount", *(["-t", fstype] if fstype else []),
                        *(["-o", opts] if opts else []), source or "none", target)
    call = (f"mount({source!r}, {target!r}, {fstype!r}, {syscalls.mount_flag_names(flags)}"
            + (f", {data!r})" if data else ")"))
    with step(action or f"mount {fstype or source} on {target}", call, shell):
        syscalls.mount(source, target, fstype, flags, data)


def _flags_to_options(flags: int) -> str:
    names = [(MS_RDONLY, "ro"), (MS_NOSUID, "nosuid"), (MS_NODEV, "nodev"),
             (MS_NOEXEC, "noexec"), (MS_STRICTATIME, "strictatime"), (MS_RELATIME, "relatime")]
    return ",".join(n for bit, n in names if flags & bit)


def make_private(path: str = "/") -> None:
    """Stop mount events propagating between this mount namespace and others, recursively.

    On systemd hosts ``/`` is *shared*: without this, a mount made inside a new mount
    namespace still appears on the host, and ``pivot_root`` refuses to run.
    """
    mount(None, path, None, MS_REC | MS_PRIVATE,
          action=f"make {path} and everything below it private (no mount propagation)",
          shell=_q("mount", "--make-rprivate", path))


def mount_proc(target: str = "/proc") -> None:
    """Mount a procfs: it shows the processes of the caller's *current* PID namespace."""
    mkdir(target)
    mount("proc", target, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC,
          action=f"mount a proc filesystem on {target} (shows this PID namespace's processes)")


def mount_sysfs(target: str = "/sys", readonly: bool = True) -> None:
    """Mount a sysfs (read-only by default, as Docker does for unprivileged containers)."""
    mkdir(target)
    try:
        mount("sysfs", target, "sysfs",
              MS_NOSUID | MS_NODEV | MS_NOEXEC | (MS_RDONLY if readonly else 0),
              action=f"mount a sysfs on {target} (shows this network namespace's devices)")
    except PermissionError as e:
        raise syscalls.syscall_error(
            e.errno, e.syscall,  # type: ignore[attr-defined]
            "in a user namespace, sysfs needs a network namespace of its own too: "
            "unshare('net') first, or bind-mount /sys instead") from None


def mount_tmpfs(target: str, size: str | None = None, mode: int | None = None,
                flags: int = MS_NOSUID | MS_NODEV) -> None:
    """Mount a fresh in-memory filesystem on ``target``."""
    mkdir(target)
    data = ",".join(x for x in (f"mode={mode:o}" if mode is not None else "",
                                f"size={size}" if size else "") if x) or None
    mount("tmpfs", target, "tmpfs", flags, data, action=f"mount a tmpfs on {target}")


def mount_devpts(target: str) -> None:
    """Mount a private devpts instance: this container's own pseudo-terminals."""
    mkdir(target)
    mount("devpts", target, "devpts", MS_NOSUID | MS_NOEXEC,
          "newinstance,ptmxmode=0666,mode=0620",
          action=f"mount a new devpts instance on {target} (private pseudo-terminals)")


def bind(source: str, target: str, recursive: bool = True, readonly: bool = False) -> None:
    """Make the tree at ``source`` visible also at ``target`` (a bind mount)."""
    if os.path.isdir(source):
        mkdir(target)
    elif not os.path.exists(target):
        mkdir(os.path.dirname(target) or "/")
        with step(f"create an empty file {target} to bind a file onto",
                  f"open({target!r}, O_CREAT)", _q("touch", target)):
            open(target, "a").close()
    flags = MS_BIND | (MS_REC if recursive else 0)
    mount(source, target, None, flags,
          action=f"bind-mount {source} on {target}",
          shell=_q("mount", "--rbind" if recursive else "--bind", source, target))
    if readonly:
        remount_readonly(target)


def _current_flags(target: str) -> int:
    """The per-mount flags already on ``target``; a remount must keep the locked ones."""
    real = os.path.realpath(target)
    found = [m for m in mounts() if m.target == real]
    if not found:
        return 0
    opts = found[-1].options
    bits = {"nosuid": MS_NOSUID, "nodev": MS_NODEV, "noexec": MS_NOEXEC,
            "relatime": MS_RELATIME, "strictatime": MS_STRICTATIME}
    return sum(bit for name, bit in bits.items() if name in opts)


def remount_readonly(target: str) -> None:
    """Make the mount at ``target`` read-only (only this mount, not its source)."""
    flags = MS_REMOUNT | MS_BIND | MS_RDONLY | _current_flags(target)
    mount(None, target, None, flags, action=f"make the mount at {target} read-only",
          shell=_q("mount", "-o", "remount,bind,ro", target))


def umount(target: str, detach: bool = False) -> None:
    """Detach the mount at ``target`` (``detach=True``: lazily, even while in use)."""
    with step(f"unmount {target}" + (" (lazily)" if detach else ""),
              f"umount2({target!r}, {'MNT_DETACH' if detach else 0})",
              _q("umount", *(["-l"] if detach else []), target)):
        syscalls.umount2(target, MNT_DETACH if detach else 0)


# The device nodes every container gets (Docker's default set): name → (major, minor).
DEVICES = {"null": (1, 3), "zero": (1, 5), "full": (1, 7), "random": (1, 8),
           "urandom": (1, 9), "tty": (5, 0)}


def make_dev(dev: str) -> None:
    """Build a minimal ``/dev`` at ``dev``: a tmpfs with the standard device nodes only.

    null, zero, full, random, urandom and tty are created with mknod(2) -- or, inside a user
    namespace where mknod is forbidden, bind-mounted from the host's ``/dev`` (as rootless
    runtimes do). Then a private devpts for terminals, ``ptmx`` pointing into it, a tmpfs on
    ``shm``, and the ``fd``/``stdin``/``stdout``/``stderr`` links into ``/proc/self/fd``.
    No disk, no ``/dev/mem``: a container cannot reach the host's hardware.
    """
    mount_tmpfs(dev, size="65536k", mode=0o755, flags=MS_NOSUID | MS_STRICTATIME)
    for name, (major, minor) in DEVICES.items():
        path = os.path.join(dev, name)
        try:
            with step(f"create the device node {path} ({major}:{minor})",
                      f"mknod({path!r}, S_IFCHR|0666, makedev({major}, {minor}))",
                      _q("mknod", "-m", "666", path, "c", str(major), str(minor))):
                os.mknod(path, 0o666 | 0o020000, os.makedev(major, minor))
                os.chmod(path, 0o666)  # mknod's mode is filtered by the umask
        except PermissionError:
            bind(f"/dev/{name}", path, recursive=False)
    mount_devpts(os.path.join(dev, "pts"))
    mount_tmpfs(os.path.join(dev, "shm"), size="65536k", mode=0o1777,
                flags=MS_NOSUID | MS_NODEV | MS_NOEXEC)
    links = {"ptmx": "pts/ptmx", "fd": "/proc/self/fd", "stdin": "/proc/self/fd/0",
             "stdout": "/proc/self/fd/1", "stderr": "/proc/self/fd/2"}
    for name, to in links.items():
        path = os.path.join(dev, name)
        with step(f"link {path} → {to}", f"symlink({to!r}, {path!r})",
                  _q("ln", "-s", to, path)):
            os.symlink(to, path)


def pivot_root(new_root: str, put_old: str = ".oldroot") -> None:
    """Make ``new_root`` this mount namespace's root and detach the old root completely.

    pivot_root(2) wants ``new_root`` to be a mount point, and the old root is moved to
    ``new_root/put_old``; we then ``chdir('/')``, lazily unmount the old root and remove the
    empty directory. Afterwards no path leads back to the host's files -- unlike ``chroot``,
    which only changes where ``/`` starts for path lookups.
    """
    new_root = os.path.realpath(new_root)
    if not os.path.isdir(new_root):
        raise FileNotFoundError(f"pivot_root: new root {new_root} is not a directory")
    if not is_mount_point(new_root):
        raise OSError(22, (
            f"pivot_root: new root {new_root} is not a mount point; make it one with a bind "
            f"mount onto itself first: mount --bind {new_root} {new_root} "
            f"(in Python: bind({new_root!r}, {new_root!r}))"))
    old = os.path.join(new_root, put_old.lstrip("/"))
    mkdir(old, 0o700)
    with step(f"make {new_root} the root; the old root moves to /{put_old.lstrip('/')}",
              f"pivot_root({new_root!r}, {old!r})", _q("pivot_root", new_root, old)):
        try:
            syscalls.pivot_root(new_root, old)
        except OSError as e:
            if e.errno == 22 and any(m.shared for m in mounts()):
                raise syscalls.syscall_error(
                    22, e.syscall,  # type: ignore[attr-defined]
                    "a mount here is shared: make the tree private first with "
                    "make_private('/') (mount --make-rprivate /)") from None
            raise
    with step("move to the new root", "chdir('/')", "cd /"):
        os.chdir("/")
    inside = "/" + put_old.lstrip("/")
    umount(inside, detach=True)
    with step(f"remove the empty {inside}", f"rmdir({inside!r})", _q("rmdir", inside)):
        os.rmdir(inside)


def chroot(path: str) -> None:
    """Change where path lookups start (``/``) for this process -- and nothing else.

    chroot(2) is 1982's isolation: the process still sees every other process, the network and
    the mount table, and root can walk back out (the classic chroot breakout). Containers use
    ``pivot_root`` in a new mount namespace instead.
    """
    with step(f"change the root directory to {path}", f"chroot({path!r}); chdir('/')",
              _q("chroot", path)):
        os.chroot(path)
        os.chdir("/")




# mount(8)-style option words → mount(2) flags (what OCI's config.json and `mount -o` use).
_OPTION_FLAGS = {
    "ro": (MS_RDONLY, True), "rw": (MS_RDONLY, False), "nosuid": (MS_NOSUID, True),
    "suid": (MS_NOSUID, False), "nodev": (MS_NODEV, True), "dev": (MS_NODEV, False),
    "noexec": (MS_NOEXEC, True), "exec": (MS_NOEXEC, False), "bind": (MS_BIND, True),
    "rbind": (MS_BIND | MS_REC, True), "relatime": (MS_RELATIME, True),
    "strictatime": (MS_STRICTATIME, True), "remount": (MS_REMOUNT, True),
}
_PROPAGATION = {"private": MS_PRIVATE, "rprivate": MS_PRIVATE | MS_REC,
                "slave": syscalls.MS_SLAVE, "rslave": syscalls.MS_SLAVE | MS_REC,
                "shared": syscalls.MS_SHARED, "rshared": syscalls.MS_SHARED | MS_REC}


def parse_options(options: list[str]) -> tuple[int, int, str | None]:
    """``["nosuid", "mode=755", "rprivate"]`` → (mount flags, propagation flags, data).

    Words mount(2) knows become flag bits; propagation words are applied by a second
    mount(2) call; everything else (``mode=755``, ``size=64k``) is filesystem data.
    """
    flags = propagation = 0
    data = []
    for opt in options:
        if opt in _OPTION_FLAGS:
            bit, on = _OPTION_FLAGS[opt]
            flags = flags | bit if on else flags & ~bit
        elif opt in _PROPAGATION:
            propagation |= _PROPAGATION[opt]
        elif opt in ("defaults", "noatime", "nodiratime", "norelatime"):
            continue
        else:
            data.append(opt)
    return flags, propagation, ",".join(data) or None
