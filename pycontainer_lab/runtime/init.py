"""The container's first process: it builds the container around itself, then becomes the
program the user asked for.

It starts as a fork of the runtime (see :mod:`.container`), already PID 1 of a new PID
namespace, and does the start sequence of the OCI runtime spec, each step a traced step API:

1. wait until the runtime has put it into its cgroup;
2. new namespaces (mount, UTS, IPC, network, cgroup) and the hostname;
3. the root filesystem: the image's layers (an overlay) or the bundle's ``rootfs``;
4. the mounts of ``config.json``: /proc, a tiny /dev, /sys, volumes;
5. ``pivot_root`` into it, the host's tree detached;
6. /proc paths masked or made read-only;
7. report "created" with the trace, and wait on the exec FIFO until ``start``;
8. the user, the capabilities, ``no_new_privs``, the seccomp filter -- and ``execve``.

After ``execve`` nothing of this Python process remains in the container: PID 1 *is* the
user's program (``/proc/1/exe`` points at it), so nothing of the runtime can be reached from
inside (the runc escape CVE-2019-5736 went through a runtime binary left reachable).
"""

from __future__ import annotations

import errno
import fcntl
import os
import resource
import signal
import socket
import struct
import sys
import termios
from typing import NoReturn

from ..linux import mounts, namespaces, seccomp, syscalls
from ..linux.inroot import resolve
from ..linux.wire import LineReader, error_to_dict, send
from ..tracing import step, trace
from .process import drop_privileges, environment, lookpath

__all__ = ["run"]

NS_KINDS = {"mount": "mnt", "network": "net", "ipc": "ipc", "uts": "uts", "cgroup": "cgroup",
            "pid": "pid", "user": "user"}


def run(spec: dict, sync: socket.socket, fifo_fd: int, options: dict) -> NoReturn:
    """Do the whole start sequence; never returns (execs the program, or exits)."""
    reader = LineReader(sync)
    try:
        syscalls.prctl(syscalls.PR_SET_PDEATHSIG, signal.SIGKILL)  # die with the runtime
        send(sync, {"hello": os.getpid()})
        if reader.read() != {"go": True}:
            os._exit(1)
        with trace() as t:
            program = _build(spec, options)
            drop_privileges(spec)
        send(sync, {"created": True, "steps": t.to_dicts()})
    except BaseException as e:  # report, then leave: the runtime cleans up
        steps = locals().get("t")
        send(sync, {"error": error_to_dict(e), "steps": steps.to_dicts() if steps else [],
                    "exit_code": getattr(e, "exit_code", 1)})
        os._exit(getattr(e, "exit_code", 1))
    sync.close()
    os.closerange(3, fifo_fd)  # no runtime file descriptor may reach the program
    os.closerange(fifo_fd + 1, 1 << 20)
    _wait_for_start(fifo_fd)
    try:
        os.execve(program, spec["process"]["args"], environment(spec))
    except OSError as e:
        print(f"pcl: cannot start {spec['process']['args'][0]!r}: {e.strerror}",
              file=sys.stderr)
        os._exit(126)


def _build(spec: dict, options: dict) -> str:
    linux = spec.get("linux", {})
    if linux.get("seccomp"):
        seccomp.preload()  # the library lives on the host: load it before leaving the host
    kinds = [NS_KINDS[n["type"]] for n in linux.get("namespaces", [])
             if "path" not in n and n["type"] not in ("pid", "user")]
    for n in linux.get("namespaces", []):
        if "path" in n:  # join an existing namespace (--network container:X)
            fd = os.open(n["path"], os.O_RDONLY | os.O_CLOEXEC)
            kind = namespaces.Namespace.parse(NS_KINDS[n["type"]])
            with step(f"join the {kind.value} namespace at {n['path']}",
                      f"setns(open({n['path']!r}), {kind.flag_name})",
                      f"nsenter --{kind.value}={n['path']}"):
                syscalls.setns(fd, kind.flag)
            os.close(fd)
    for kind in kinds:
        namespaces.unshare(kind)
    if "mnt" not in kinds:
        raise OSError(errno.EINVAL, "a container needs its own mount namespace")
    mounts.make_private("/")
    if "net" in kinds:
        _loopback_up()
    if "uts" in kinds and spec.get("hostname"):
        with step(f"set the hostname to {spec['hostname']!r}",
                  f"sethostname({spec['hostname']!r})", f"hostname {spec['hostname']}"):
            socket.sethostname(spec["hostname"])
    if "uts" in kinds and spec.get("domainname"):
        syscalls.setdomainname(spec["domainname"])

    root = spec["root"]["path"]
    _mount_rootfs(root, spec.get("annotations", {}), options)
    terminal = spec["process"].get("terminal", False)
    for m in spec.get("mounts", []):
        _mount_one(root, m)
    _device_nodes(root, linux.get("devices"))
    _dev_links(root)
    if terminal:
        _make_console(root, options["console"])
    mounts.pivot_root(root)
    for path in linux.get("maskedPaths", []):
        _mask(path)
    for path in linux.get("readonlyPaths", []):
        _readonly(path)
    if spec["root"].get("readonly"):
        mounts.remount_readonly("/")
    _rlimits(spec["process"].get("rlimits", []))
    cwd = spec["process"].get("cwd", "/")
    if not os.path.isdir(cwd):
        mounts.mkdir(cwd)
    return lookpath(spec["process"]["args"][0], environment(spec))


def _loopback_up() -> None:
    """A new network namespace's loopback starts down: bring it up (as Docker does)."""
    SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x8913, 0x8914, 0x1
    with step("bring the loopback device up", "ioctl(SIOCSIFFLAGS, lo, IFF_UP)",
              "ip link set lo up"), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        req = struct.pack("16sH", b"lo", 0)
        flags = struct.unpack("16sH", fcntl.ioctl(s, SIOCGIFFLAGS, req + b"\0" * 22)[:18])[1]
        fcntl.ioctl(s, SIOCSIFFLAGS, struct.pack("16sH", b"lo", flags | IFF_UP) + b"\0" * 22)


def _mount_rootfs(root: str, annotations: dict, options: dict) -> None:
    """The image's layers stacked by a storage driver, or the bundle's directory bound onto
    itself (pivot_root needs a mount point). Either way without device access: a device node
    made inside the container (CAP_MKNOD is in Docker's set) cannot be opened."""
    layers = options.get("rootfs")
    if layers:
        from ..linux.layerstack import get_driver

        get_driver(layers["driver"]).mount(layers["lowers"], layers["upper"], layers["work"],
                                           root)
    else:
        mounts.bind(root, root)
    mounts.mount(None, root, None, syscalls.MS_REMOUNT | syscalls.MS_BIND | syscalls.MS_NODEV,
                 action="no device files on the root filesystem",
                 shell=f"mount -o remount,bind,nodev {root}")


def _mount_one(root: str, m: dict) -> None:
    dest = resolve(root, m["destination"])
    flags, propagation, data = mounts.parse_options(m.get("options", []))
    kind = m.get("type", "none")
    if flags & syscalls.MS_BIND or kind == "bind":
        source = m["source"]
        readonly = bool(flags & syscalls.MS_RDONLY)
        mounts.bind(source, dest, recursive=bool(flags & syscalls.MS_REC), readonly=readonly)
    else:
        mounts.mkdir(dest)
        try:
            mounts.mount(m.get("source", kind), dest, kind, flags, data)
        except OSError as e:
            if kind == "mqueue" and e.errno in (errno.EPERM, errno.ENODEV):
                return  # no message queues without an IPC namespace of our own: skip
            raise
        if kind == "tmpfs" and m["destination"] == "/dev":
            # no device files on /dev's tmpfs either: the real nodes are bound in below
            mounts.mount(None, dest, None, syscalls.MS_REMOUNT | flags | syscalls.MS_NODEV,
                         data, action="no device files may be made on /dev",
                         shell=f"mount -o remount,nodev {dest}")
    if propagation:
        mounts.mount(None, dest, None, propagation, action=f"set propagation of {dest}")


DEFAULT_DEVICES = list(mounts.DEVICES)


def _device_nodes(root: str, devices: list[dict] | None) -> None:
    """The standard device nodes, bound from the host's /dev one by one: only these exist."""
    wanted = [os.path.basename(d["path"]) for d in devices] if devices else DEFAULT_DEVICES
    for name in wanted:
        host = f"/dev/{name}"
        if os.path.exists(host):
            mounts.bind(host, resolve(root, host), recursive=False)


def _dev_links(root: str) -> None:
    links = {"fd": "/proc/self/fd", "stdin": "/proc/self/fd/0", "stdout": "/proc/self/fd/1",
             "stderr": "/proc/self/fd/2", "ptmx": "pts/ptmx"}
    for name, to in links.items():
        path = resolve(root, f"/dev/{name}")
        if not os.path.lexists(path):
            with step(f"link /dev/{name} → {to}", f"symlink({to!r}, {path!r})",
                      f"ln -s {to} {path}"):
                os.symlink(to, path)


def _make_console(root: str, console: socket.socket) -> None:
    """A terminal from the container's own devpts: the master end goes to the runtime (to
    the monitor, which relays it), the other end becomes this process's stdin/out/err."""
    with step("open a pseudo-terminal in the container's devpts",
              "open('/dev/ptmx'); ioctl(TIOCSPTLCK, 0); ioctl(TIOCGPTPEER)", "(runc: console "
              "socket)"):
        master = os.open(resolve(root, "/dev/pts/ptmx"), os.O_RDWR | os.O_NOCTTY | os.O_CLOEXEC)
        fcntl.ioctl(master, TIOCSPTLCK, struct.pack("i", 0))
        slave = fcntl.ioctl(master, TIOCGPTPEER, os.O_RDWR | os.O_NOCTTY)
        n = struct.unpack("i", fcntl.ioctl(master, TIOCGPTN, b"\0" * 4))[0]
    socket.send_fds(console, [b"console"], [master])
    os.close(master)
    mounts.bind(resolve(root, f"/dev/pts/{n}"), resolve(root, "/dev/console"), recursive=False)
    with step("make the terminal this process's controlling terminal and stdio",
              "setsid(); ioctl(0, TIOCSCTTY); dup2(pty, 0/1/2)", "setsid -c"):
        os.setsid()
        for fd in (0, 1, 2):
            os.dup2(slave, fd)
        os.close(slave)
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def _mask(path: str) -> None:
    if not os.path.lexists(path):
        return
    if os.path.isdir(path):
        mounts.mount("tmpfs", path, "tmpfs", syscalls.MS_RDONLY,
                     action=f"hide {path} under an empty read-only tmpfs")
    else:
        mounts.mount("/dev/null", path, None, syscalls.MS_BIND,
                     action=f"hide {path} under /dev/null",
                     shell=f"mount --bind /dev/null {path}")


def _readonly(path: str) -> None:
    if not os.path.lexists(path):
        return
    mounts.mount(path, path, None, syscalls.MS_BIND | syscalls.MS_REC,
                 action=f"bind {path} onto itself to make it read-only",
                 shell=f"mount --rbind {path} {path}")
    mounts.remount_readonly(path)


# OCI's rlimit names are the kernel's: RLIMIT_NOFILE and friends, as Python's resource has them.
_RLIMITS = {name: getattr(resource, name) for name in dir(resource) if name.startswith("RLIMIT_")}


def _rlimits(limits: list[dict]) -> None:
    """setrlimit, never above the current hard limit (that needs CAP_SYS_RESOURCE)."""
    for lim in limits:
        kind = _RLIMITS.get(lim["type"])
        if kind is None:
            raise OSError(errno.EINVAL, f"unknown rlimit {lim['type']}")
        _, hard_now = resource.getrlimit(kind)
        hard = min(lim["hard"], hard_now) if hard_now != resource.RLIM_INFINITY else lim["hard"]
        soft = min(lim["soft"], hard)
        with step(f"limit {lim['type']} to soft {soft}, hard {hard}",
                  f"setrlimit({lim['type']}, ({soft}, {hard}))",
                  f"prlimit --{lim['type'][7:].lower()}={soft}:{hard}"):
            resource.setrlimit(kind, (soft, hard))


def _wait_for_start(fifo_fd: int) -> None:
    """Block until ``start`` opens the other end of the exec FIFO (OCI: created → running)."""
    fd = os.open(f"/proc/self/fd/{fifo_fd}", os.O_WRONLY | os.O_CLOEXEC)
    os.write(fd, b"0")
    os.close(fd)
    os.close(fifo_fd)


# Pseudo-terminal ioctls (asm-generic/ioctls.h; Python's termios lacks some of them).
TIOCGPTN, TIOCSPTLCK, TIOCGPTPEER = 0x80045430, 0x40045431, 0x5441
