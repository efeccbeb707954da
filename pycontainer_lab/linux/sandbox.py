"""The sandbox: a helper process you build a container in, one step at a time.

::

    from pycontainer_lab import Sandbox, trace
    with Sandbox() as box:
        box.unshare("uts")             # the helper gets its own hostname...
        box.sethostname("lab")
        print(box.run("hostname").stdout)        # lab
        print(box.namespaces())                   # compare with your own /proc/self/ns

Every step runs in a freshly started helper process (see :mod:`.sandbox_helper` for why), never
in the caller, so it is safe from a Jupyter kernel's threads and event loop. Between steps the
sandbox can be inspected from outside like any process: its pid, ``/proc/PID/ns/*``, mounts.
Closing the sandbox (or the caller dying) ends the helper, and its namespaces -- with every mount
made inside them -- disappear.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shlex
import socket
import subprocess
import threading
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from .. import tracing as _trace
from ..display import HasWidget
from ..fresh import python_argv
from . import mounts as _mounts
from . import namespaces as _ns
from .namespaces import Namespace
from .sandbox_helper import SafetyError
from .wire import LineReader, send

__all__ = ["Completed", "SafetyError", "Sandbox", "SandboxClosedError", "Started"]


class _Joinable(Protocol):
    """Anything a process can be moved into by pid (a :class:`~.cgroups.Cgroup`)."""

    def add(self, pid: int) -> object: ...


class SandboxClosedError(RuntimeError):
    """A step was asked of a sandbox whose helper has ended."""


@dataclass
class Completed:
    """The result of a command run in a sandbox (like ``subprocess.CompletedProcess``)."""

    args: list[str]
    returncode: int
    stdout: str
    stderr: str
    timed_out: bool = False

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def check(self) -> Completed:
        """Raise ``subprocess.CalledProcessError`` unless the command succeeded."""
        if self.returncode != 0:
            raise subprocess.CalledProcessError(self.returncode, self.args, self.stdout,
                                                self.stderr)
        return self


@dataclass
class Started:
    """A command started in the background in a sandbox."""

    box: Sandbox
    inner_pid: int
    """Its pid as the sandbox sees it."""
    pid: int
    """Its pid as the host (the caller) sees it."""
    args: list[str] = field(default_factory=list)

    def wait(self, timeout: float | None = None) -> int | None:
        """Its exit code (negative: killed by that signal), or ``None`` on timeout."""
        return self.box._call("wait", pid=self.inner_pid, timeout=timeout)["returncode"]


def _argv(cmd: str | Sequence[str]) -> list[str]:
    return ["/bin/sh", "-c", cmd] if isinstance(cmd, str) else [str(c) for c in cmd]


def _shutdown(proc: subprocess.Popen, sock: socket.socket) -> None:
    """End a helper: ask politely (close the socket), then insist. Safe to call twice.

    A helper may be unable to answer or even to die: stalled at a memory limit with the OOM
    killer disabled (SIGKILL still works), or frozen by a cgroup freezer (it must be thawed
    before it can die)."""
    with contextlib.suppress(OSError):
        sock.close()
    try:
        proc.wait(timeout=3)
        return
    except subprocess.TimeoutExpired:
        pass
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, 9)  # the helper leads its own process group
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        _thaw(proc.pid)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=10)


def _thaw(pid: int) -> None:
    """Thaw the cgroup a process is frozen in, so that it can receive its SIGKILL."""
    from .cgroups.hierarchy import cgroup_hierarchies

    try:
        with open(f"/proc/{pid}/cgroup") as f:
            lines = f.read().splitlines()
    except OSError:
        return
    for line in lines:
        _, controllers, path = line.split(":", 2)
        for h in cgroup_hierarchies():
            if h.version == 1 and "freezer" in h.controllers and \
                    "freezer" in controllers.split(","):
                target, value = f"{h.mountpoint}{path}/freezer.state", "THAWED"
            elif h.version == 2 and controllers == "":
                target, value = f"{h.mountpoint}{path}/cgroup.freeze", "0"
            else:
                continue
            with contextlib.suppress(OSError), open(target, "w") as f:
                f.write(value)


class Sandbox(HasWidget):
    """A helper process to apply namespace and mount steps to, one at a time.

    ``box.pid`` is the process that does the steps (after ``unshare("pid")`` it is the helper's
    child, PID 1 inside); ``box.helper_pid`` is the process first started. In a notebook,
    ``box.widget()`` shows it in the tree of all namespaces.
    """

    def __init__(self, name: str = "sandbox"):
        self.name = name
        parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        with _trace.step("start a fresh, single-threaded helper process for the steps",
                         "fork(); execve(python -I -S …sandbox_helper)",
                         "python3 -m pycontainer_lab.linux.sandbox_helper") as st:
            try:
                self._proc = subprocess.Popen(
                    python_argv("pycontainer_lab.linux.sandbox_helper", str(child.fileno())),
                    pass_fds=(child.fileno(),), stdin=subprocess.DEVNULL,
                    start_new_session=True)  # a Ctrl-C meant for the caller does not hit it
            finally:
                child.close()
            st.pid = self._proc.pid
        self._sock = parent
        self._reader = LineReader(parent)
        self._lock = threading.Lock()
        self._closed = False
        self.helper_pid = self._proc.pid
        self.pid = self._proc.pid
        self.pid_in_namespace: int = self.pid
        self._host_ns = _ns.namespace_ids()
        self._finalizer = weakref.finalize(self, _shutdown, self._proc, parent)
        self._call("ping")

    # ------------------------------------------------------------------ plumbing
    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def closed(self) -> bool:
        return self._closed or self._proc.poll() is not None

    def close(self) -> None:
        """End the helper; its namespaces and mounts go with it. Closing twice is fine, and so
        is closing a helper that cannot answer any more (stalled, frozen, busy in a step)."""
        if self._closed:
            return
        self._closed = True
        got = self._lock.acquire(timeout=5)
        try:
            if got:
                with contextlib.suppress(OSError):  # TimeoutError included
                    self._sock.settimeout(3)
                    send(self._sock, {"op": "close"})
                    self._reader.read()
            self._finalizer()
        finally:
            if got:
                self._lock.release()

    def _dead_message(self) -> str:
        code = self._proc.poll()
        if self._closed:
            return f"sandbox {self.name!r} (pid {self.helper_pid}) is closed"
        how = f"killed by signal {-code}" if code is not None and code < 0 else f"exit {code}"
        return f"the helper of sandbox {self.name!r} (pid {self.helper_pid}) ended ({how})"

    def _call(self, op: str, **args: object) -> dict:
        """Send one request to the helper and return its result (or raise its error)."""
        if self._closed:
            raise SandboxClosedError(
                f"{self._dead_message()}: start a new one with Sandbox()")
        with self._lock:
            try:
                send(self._sock, {"op": op, **args})
                reply = self._reader.read()
            except OSError:
                reply = None
            if reply is None:
                self._finalizer()
                message = self._dead_message()
                self._closed = True
                raise SandboxClosedError(
                    f"{message} during {op!r}: start a new one with Sandbox()")
        _trace.record(*(_trace.Step(**s) for s in reply.get("steps", ())))
        if not reply["ok"]:
            raise _rebuild_error(reply["error"])
        return reply["result"]

    # ------------------------------------------------------------------ inspection from outside
    def namespaces(self) -> dict[Namespace, int]:
        """The namespace ids of the sandbox, read from ``/proc/PID/ns/*``."""
        return _ns.namespace_ids(self.pid)

    def new_namespaces(self) -> set[Namespace]:
        """The kinds of namespace in which the sandbox no longer shares the caller's."""
        ids = self.namespaces()
        return {ns for ns, i in ids.items() if i != self._host_ns[ns]}

    def mounts(self) -> list[_mounts.Mount]:
        """The mount table of the sandbox, from ``/proc/PID/mountinfo``."""
        return _mounts.mounts(self.pid)

    def host_ids(self) -> tuple[int, int]:
        """The (uid, gid) the host sees the sandbox running as."""
        uid = gid = -1
        with open(f"/proc/{self.pid}/status") as f:
            for line in f:
                if line.startswith("Uid:"):
                    uid = int(line.split()[1])
                elif line.startswith("Gid:"):
                    gid = int(line.split()[1])
        return uid, gid

    def uname(self) -> dict:
        """Hostname, domain name, uid, gid, pid and cwd as the sandbox sees them."""
        return self._call("uname")

    def children(self) -> list[int]:
        """Host pids of the processes the sandbox started."""
        try:
            with open(f"/proc/{self.pid}/task/{self.pid}/children") as f:
                return [int(x) for x in f.read().split()]
        except FileNotFoundError:  # kernels without CONFIG_PROC_CHILDREN
            return [p.pid for p in _ns.snapshot().processes.values() if _ppid(p.pid) == self.pid]

    # ------------------------------------------------------------------ namespace steps
    def unshare(self, kind: str | Namespace, *, propagation: str = "private") -> Sandbox:
        """Move the sandbox into a new namespace of one kind.

        ``"mnt"`` also makes every mount private first (``propagation="unchanged"`` to see why
        that matters). ``"pid"`` forks: the child becomes PID 1 and ``box.pid`` changes to it.
        ``"user"`` leaves the new namespace without an id map until :meth:`map_ids`.
        """
        ns = Namespace.parse(kind)
        before = self.pid
        result = self._call("unshare", kind=ns.value, propagation=propagation)
        if ns is Namespace.PID:
            self.pid = self._find_child(before)
            self.pid_in_namespace = result["pid_in_namespace"]
        return self

    def _find_child(self, parent: int) -> int:
        try:
            with open(f"/proc/{parent}/task/{parent}/children") as f:
                kids = [int(x) for x in f.read().split()]
        except FileNotFoundError:
            kids = [int(d) for d in os.listdir("/proc") if d.isdigit() and _ppid(int(d)) == parent]
        if len(kids) != 1:
            raise RuntimeError(f"expected one child of pid {parent}, found {kids}")
        return kids[0]

    def map_ids(self, uid_map: Iterable[tuple[int, int, int]] | None = None,
                gid_map: Iterable[tuple[int, int, int]] | None = None) -> Sandbox:
        """Write the uid/gid maps of the sandbox's user namespace -- from outside, as only a
        process in the parent namespace may -- then switch the sandbox to uid/gid 0 inside.

        Each map entry is ``(inside, outside, count)``. By default root inside is uid 100000
        outside (a range like ``/etc/subuid`` hands out) when the caller is root, otherwise the
        caller's own uid.
        """
        if Namespace.USER not in self.new_namespaces():
            raise SafetyError("map_ids needs a user namespace: call box.unshare('user') first")
        default_u = (0, 100000, 65536) if os.geteuid() == 0 else (0, os.geteuid(), 1)
        default_g = (0, 100000, 65536) if os.geteuid() == 0 else (0, os.getegid(), 1)
        umap = "".join(f"{a} {b} {c}\n" for a, b, c in (uid_map or [default_u]))
        gmap = "".join(f"{a} {b} {c}\n" for a, b, c in (gid_map or [default_g]))
        proc = f"/proc/{self.pid}"
        for fname, text, why in (
                ("setgroups", "deny", "forbid setgroups(2) inside (required before an "
                                      "unprivileged gid_map; keeps dropped groups dropped)"),
                ("uid_map", umap, "which uids inside are which uids outside"),
                ("gid_map", gmap, "which gids inside are which gids outside")):
            with _trace.step(f"write {fname} from outside: {why}",
                             f"write {proc}/{fname} = {text.strip()!r}",
                             f"echo '{text.strip()}' > {proc}/{fname}"), \
                    open(f"{proc}/{fname}", "w") as f:
                f.write(text)
        self._call("setids")
        return self

    def setns(self, pid: int, kind: str | Namespace) -> Sandbox:
        """Move the sandbox into the ``kind`` namespace of another process."""
        self._call("setns", pid=pid, kind=Namespace.parse(kind).value)
        return self

    def sethostname(self, name: str) -> Sandbox:
        """Set the hostname (needs ``unshare("uts")`` first: the host's stays untouched)."""
        self._call("sethostname", name=name)
        return self

    def setdomainname(self, name: str) -> Sandbox:
        self._call("setdomainname", name=name)
        return self

    # ------------------------------------------------------------------ cgroups
    def join_cgroup(self, cgroup: _Joinable) -> Sandbox:
        """Move the sandbox (``box.pid``) into a cgroup, from outside: ``cgroup.add(box.pid)``
        writes the pid to ``cgroup.procs``. Commands started afterwards are born inside and
        share its limits; ones started before stay where they are."""
        cgroup.add(self.pid)
        return self

    # ------------------------------------------------------------------ mount steps
    def _mount(self, name: str, **kw: object) -> Sandbox:
        self._call("mount", name=name, **kw)
        return self

    def make_private(self, path: str = "/") -> Sandbox:
        return self._mount("make_private", path=path)

    def mount(self, source: str | None, target: str, fstype: str | None = None,
              flags: int = 0, data: str | None = None) -> Sandbox:
        """Any mount(2) (see :mod:`.syscalls` for the ``MS_*`` flags)."""
        return self._mount("mount", source=source, target=target, fstype=fstype, flags=flags,
                           data=data)

    def mount_proc(self, target: str = "/proc") -> Sandbox:
        return self._mount("mount_proc", target=target)

    def mount_sysfs(self, target: str = "/sys", readonly: bool = True) -> Sandbox:
        return self._mount("mount_sysfs", target=target, readonly=readonly)

    def mount_tmpfs(self, target: str, size: str | None = None,
                    mode: int | None = None) -> Sandbox:
        return self._mount("mount_tmpfs", target=target, size=size, mode=mode)

    def make_dev(self, dev: str) -> Sandbox:
        """A minimal /dev at ``dev`` (see :func:`.mounts.make_dev`)."""
        return self._mount("make_dev", dev=dev)

    def bind(self, source: str, target: str, recursive: bool = True,
             readonly: bool = False) -> Sandbox:
        return self._mount("bind", source=source, target=target, recursive=recursive,
                           readonly=readonly)

    def remount_readonly(self, target: str) -> Sandbox:
        return self._mount("remount_readonly", target=target)

    def umount(self, target: str, detach: bool = False) -> Sandbox:
        return self._mount("umount", target=target, detach=detach)

    def mount_layers(self, lowers: Sequence[str], upper: str, work: str, target: str,
                     driver: str = "overlay2") -> Sandbox:
        """Mount a layer stack at ``target`` with a storage driver (see :mod:`.layerstack`)."""
        self._call("layers", action="mount", driver=driver, lowers=list(lowers), upper=upper,
                   work=work, target=target)
        return self

    def unmount_layers(self, target: str, driver: str = "overlay2") -> Sandbox:
        self._call("layers", action="unmount", driver=driver, target=target)
        return self

    def pivot_root(self, new_root: str, put_old: str = ".oldroot") -> Sandbox:
        """Make ``new_root`` (a mount point) the root and detach the host's tree."""
        return self._mount("pivot_root", new_root=new_root, put_old=put_old)

    def chroot(self, path: str) -> Sandbox:
        """chroot(2): only changes where ``/`` starts -- see the chroot chapter for why that
        is not isolation."""
        self._call("chroot", path=path)
        return self

    def mkdir(self, path: str, mode: int = 0o755) -> Sandbox:
        self._call("mkdir", path=path, mode=mode)
        return self

    def chdir(self, path: str) -> Sandbox:
        self._call("chdir", path=path)
        return self

    def write_file(self, path: str, data: str | bytes, mode: int = 0o644) -> Sandbox:
        raw = data.encode() if isinstance(data, str) else data
        self._call("write_file", path=path, data=base64.b64encode(raw).decode(), mode=mode)
        return self

    def read_file(self, path: str) -> bytes:
        """A file's bytes as the sandbox sees its tree."""
        return base64.b64decode(self._call("read_file", path=path)["data"])

    # ------------------------------------------------------------------ commands
    def run(self, cmd: str | Sequence[str], input: str | bytes = "",
            env: dict[str, str] | None = None, cwd: str | None = None,
            timeout: float | None = None) -> Completed:
        """Run a command inside and wait for it (a string runs with ``/bin/sh -c``)."""
        argv = _argv(cmd)
        raw = input.encode() if isinstance(input, str) else input
        r = self._call("run", argv=argv, input=base64.b64encode(raw).decode(), env=env,
                       cwd=cwd, timeout=timeout)
        return Completed(argv, r["returncode"],
                         base64.b64decode(r["stdout"]).decode(errors="replace"),
                         base64.b64decode(r["stderr"]).decode(errors="replace"),
                         r["timed_out"])

    def start(self, cmd: str | Sequence[str], env: dict[str, str] | None = None,
              cwd: str | None = None) -> Started:
        """Start a command inside without waiting; see it from the host as ``.pid``."""
        argv = _argv(cmd)
        inner = self._call("start", argv=argv, env=env, cwd=cwd)["pid"]
        host = inner if Namespace.PID not in self.new_namespaces() else self._host_pid(inner)
        return Started(self, inner, host, argv)

    def _host_pid(self, inner: int) -> int:
        """Find the host pid of our child whose innermost pid is ``inner`` (NSpid in status)."""
        for pid in self.children():
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("NSpid:") and int(line.split()[-1]) == inner:
                        return pid
        raise ProcessLookupError(3, f"no child with pid {inner} inside sandbox {self.name!r}")

    def enter(self, cmd: str | Sequence[str], env: dict[str, str] | None = None,
              timeout: float | None = None) -> Completed:
        """Run a command in a *new* process that joins the sandbox's namespaces (setns),
        like ``nsenter`` or ``docker exec``."""
        if self.closed:
            raise SandboxClosedError(f"{self._dead_message()}: start a new one with Sandbox()")
        argv = _argv(cmd)
        kinds = sorted(ns.value for ns in self.new_namespaces())
        with _trace.step(f"start a process that joins the sandbox's namespaces "
                         f"({', '.join(kinds) or 'none new'}) and runs {argv[0]}",
                         f"setns(open('/proc/{self.pid}/ns/…')) for each; fork(); execve()",
                         f"nsenter --all --target {self.pid} {shlex.join(argv)}"):
            p = subprocess.run(
                python_argv("pycontainer_lab.linux.sandbox_helper", "--enter", str(self.pid),
                            json.dumps(env or {}), *argv),
                capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL)
        return Completed(argv, p.returncode, p.stdout.decode(errors="replace"),
                         p.stderr.decode(errors="replace"))

    # ------------------------------------------------------------------ display
    def __repr__(self) -> str:
        state = "closed" if self.closed else f"pid {self.pid}"
        new = ",".join(sorted(ns.value for ns in self.new_namespaces())) if not self.closed else ""
        return f"<Sandbox {self.name!r} {state} new namespaces: {new or '-'}>"

    def _repr_html_(self) -> str:
        if self.closed:
            return f"<b>Sandbox {self.name}</b>: closed"
        ids = self.namespaces()
        rows = "".join(
            f"<tr><td>{ns.value}</td><td><code>{ids[ns]}</code></td>"
            f"<td>{'new' if ids[ns] != self._host_ns[ns] else 'shared with host'}</td></tr>"
            for ns in Namespace)
        return (f"<b>Sandbox {self.name}</b> pid {self.pid} (helper {self.helper_pid})"
                f"<table><tr><th>kind</th><th>id</th><th></th></tr>{rows}</table>")


def _ppid(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return int(f.read().rsplit(")", 1)[1].split()[1])
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return -1


_ERRORS: dict[str, type[Exception]] = {
    "ValueError": ValueError, "TypeError": TypeError, "KeyError": KeyError,
    "RuntimeError": RuntimeError, "SafetyError": SafetyError,
    "NotImplementedError": NotImplementedError,
}


def _rebuild_error(d: dict) -> Exception:
    """Turn an error reported by the helper back into the exception it was."""
    if "errno" in d and d["errno"] is not None:
        e = OSError(d["errno"], d["strerror"], *([d["filename"]] if d.get("filename") else []))
        e.syscall = d["strerror"].split(":", 1)[0]  # type: ignore[attr-defined]
        return e
    return _ERRORS.get(d["type"], RuntimeError)(
        d["message"] if d["type"] in _ERRORS else f"{d['type']}: {d['message']}")
