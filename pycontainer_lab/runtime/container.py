"""One container, as the OCI runtime specification defines its life:

``create`` → **created** → ``start`` → **running** → (the program exits) → **stopped** →
``delete``. While it is being set up it is **creating**. These four are the only states
(syllabus S6.1); pausing is the engine's business (a cgroup freezer), not the runtime's.

``create`` forks the container's init into a new PID namespace and lets it build the
container (:mod:`.init`); init then waits on a FIFO in the state directory. ``start`` opens
that FIFO, and init becomes the user's program. The state lives in
``<run root>/runtime/<id>/state.json`` so that another process (another ``pcl``, a notebook)
can ask for it, as with ``runc state``.

``create`` forks without exec, which is only safe in a single-threaded process: the engine
calls it from the container's monitor, a fresh process, never from a Jupyter kernel.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import select
import signal
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path

from .. import paths
from .. import tracing as _trace
from ..errors import NotFoundError, PclError, UsageError
from ..linux import syscalls
from ..linux.wire import LineReader, send
from . import spec as _spec

__all__ = ["CREATED", "CREATING", "RUNNING", "STOPPED", "Created", "create", "delete", "kill",
           "list_ids", "start", "state"]

CREATING, CREATED, RUNNING, STOPPED = "creating", "created", "running", "stopped"
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")


def _dir(container_id: str) -> Path:
    return paths.run_root() / "runtime" / container_id


def _check_id(container_id: str) -> None:
    if not _ID.match(container_id):
        raise UsageError(f"invalid container id {container_id!r}: use letters, digits, "
                         "'_', '.' and '-' (up to 128)")


def _start_time(pid: int) -> int | None:
    """A process's start time in clock ticks since boot: with the pid, it names a process
    uniquely (pids are reused, start times are not)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return None
    if fields[0] in ("Z", "X"):
        return None  # a zombie has exited: only its exit status is left
    return int(fields[19])


def _single_threaded() -> bool:
    return len(os.listdir("/proc/self/task")) == 1


@dataclass
class Created:
    """What ``create`` returns: the init's pid, the trace of the build, a terminal if asked."""

    id: str
    pid: int
    steps: list[_trace.Step] = field(default_factory=list)
    console: int | None = None
    """The master end of the container's terminal (``process.terminal``), for the caller."""


def create(container_id: str, bundle: str | Path, *, stdin: int | None = None,
           stdout: int | None = None, stderr: int | None = None, cgroup: object = None,
           rootfs: dict | None = None) -> Created:
    """Build the container of ``bundle`` and leave it *created*: init waits for ``start``.

    ``stdin``/``stdout``/``stderr`` are file descriptors for the program (default: ours).
    ``cgroup`` is anything with ``add(pid)``; init enters it before it unshares anything.
    ``rootfs`` stacks image layers as the root: ``{"driver": "overlay2", "lowers": [...],
    "upper": …, "work": …}`` (mounted by init, inside the container's mount namespace).
    """
    _check_id(container_id)
    spec = _spec.load(bundle)
    if not _single_threaded():
        raise PclError("runtime.create forks and must run in a single-threaded process: "
                       "use the engine (it starts a monitor process) or a Sandbox")
    if any(n["type"] == "user" for n in spec.get("linux", {}).get("namespaces", [])):
        raise PclError("user namespaces in containers are not supported yet: use a Sandbox "
                       "to explore them")
    state_dir = _dir(container_id)
    state_dir.parent.mkdir(parents=True, exist_ok=True)
    try:
        state_dir.mkdir()
    except FileExistsError:
        raise PclError(f"container id {container_id!r} is already in use") from None
    try:
        return _create(container_id, Path(bundle), spec, state_dir,
                       (stdin, stdout, stderr), cgroup, rootfs)
    except BaseException:
        _remove_dir(state_dir)
        raise


def _create(container_id: str, bundle: Path, spec: dict, state_dir: Path,
            stdio: tuple[int | None, ...], cgroup: object, rootfs: dict | None) -> Created:
    fifo = state_dir / "exec.fifo"
    os.mkfifo(fifo, 0o600)
    fifo_fd = os.open(fifo, os.O_PATH | os.O_CLOEXEC)
    parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    console_parent = console_child = None
    if spec["process"].get("terminal"):
        console_parent, console_child = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
    new_pid_ns = any(n["type"] == "pid" and "path" not in n
                     for n in spec.get("linux", {}).get("namespaces", []))
    with _trace.step("fork the container's init" + (": PID 1 of a new PID namespace"
                                                    if new_pid_ns else ""),
                     "unshare(CLONE_NEWPID); fork()" if new_pid_ns else "fork()",
                     "unshare --pid --fork" if new_pid_ns else "",
                     note="the runtime only changes where its *children* go, then "
                          "switches back so that its own later children stay outside"):
        pid = _fork_init(new_pid_ns)
    if pid == 0:  # ---- the child: never returns
        try:
            parent.close()
            if console_parent:
                console_parent.close()
            for target, fd in enumerate(stdio):
                if fd is not None:
                    os.dup2(fd, target)
            from . import init

            init.run(spec, child, fifo_fd,
                     {"rootfs": rootfs, "console": console_child})
        except BaseException as e:  # init reports its own errors; this is a bug in it
            os.write(2, f"pcl: container init failed: {e!r}\n".encode())
        finally:
            os._exit(1)
    # ---- the parent
    child.close()
    os.close(fifo_fd)
    if console_child:
        console_child.close()
    created = _handshake(container_id, pid, parent, cgroup, console_parent)
    _write_state(state_dir, {
        "ociVersion": _spec.OCI_VERSION, "id": container_id, "status": CREATED, "pid": pid,
        "bundle": str(bundle.resolve()), "annotations": spec.get("annotations", {}),
        "starttime": _start_time(pid), "created": time.time(),
    })
    return created


def _fork_init(new_pid_ns: bool) -> int:
    if not new_pid_ns:
        return os.fork()
    own = os.open("/proc/self/ns/pid", os.O_RDONLY | os.O_CLOEXEC)
    try:
        syscalls.setns(own, syscalls.CLONE_NEWPID)  # undo a previous container's unshare
        syscalls.unshare(syscalls.CLONE_NEWPID)
        pid = os.fork()
        if pid:
            syscalls.setns(own, syscalls.CLONE_NEWPID)
        return pid
    finally:
        os.close(own)


def _handshake(container_id: str, pid: int, sock: socket.socket, cgroup: object,
               console_sock: socket.socket | None) -> Created:
    """Talk init through its build: hello → (we put it in its cgroup) → go → created."""
    reader = LineReader(sock)
    try:
        hello = reader.read()
        if not hello or "hello" not in hello:
            raise PclError(f"container {container_id}: init died before it could start")
        if cgroup is not None:
            cgroup.add(pid)  # type: ignore[attr-defined]
        send(sock, {"go": True})
        done = reader.read()
        console = None
        if console_sock is not None and done and "created" in done:
            _, fds, _, _ = socket.recv_fds(console_sock, 64, 1)
            console = fds[0] if fds else None
    except BaseException:
        _kill_and_reap(pid)
        raise
    finally:
        sock.close()
        if console_sock:
            console_sock.close()
    steps = [_trace.Step(**s) for s in (done or {}).get("steps", [])]
    _trace.record(*steps)
    if not done or "created" not in done:
        _kill_and_reap(pid)
        err = (done or {}).get("error", {})
        message = err.get("strerror") or err.get("message") or "init died while building"
        e = PclError(message)
        e.exit_code = (done or {}).get("exit_code", 1)
        raise e
    return Created(container_id, pid, steps, console)


def _kill_and_reap(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)


def _write_state(state_dir: Path, state: dict) -> None:
    tmp = state_dir / "state.json.tmp"
    tmp.write_text(json.dumps(state))
    os.replace(tmp, state_dir / "state.json")


def _read_state(container_id: str) -> dict:
    _check_id(container_id)
    try:
        return json.loads((_dir(container_id) / "state.json").read_text())
    except FileNotFoundError:
        raise NotFoundError(f"container {container_id!r} does not exist") from None


def state(container_id: str) -> dict:
    """The OCI state: ``ociVersion``, ``id``, ``status``, ``pid``, ``bundle``,
    ``annotations`` -- with the status worked out now from the living processes."""
    st = _read_state(container_id)
    alive = _start_time(st["pid"]) == st.get("starttime")
    if not alive:
        st["status"] = STOPPED
    elif (_dir(container_id) / "exec.fifo").exists():
        st["status"] = CREATED
    else:
        st["status"] = RUNNING
    return {k: st[k] for k in ("ociVersion", "id", "status", "pid", "bundle", "annotations")}


def start(container_id: str, timeout: float = 10.0) -> None:
    """Let a *created* container's init run the program (it is then *running*)."""
    st = state(container_id)
    if st["status"] != CREATED:
        raise PclError(f"cannot start container {container_id} in state {st['status']}: "
                       "only a created container can be started")
    fifo = _dir(container_id) / "exec.fifo"
    with _trace.step("open the exec FIFO: init wakes up and execs the program",
                     f"open({str(fifo)!r}, O_RDONLY); read()", f"cat {fifo}"):
        fd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        try:
            ready, _, _ = select.select([fd], [], [], timeout)
            if not ready or not os.read(fd, 1):
                raise PclError(f"container {container_id}: init did not answer the start")
        finally:
            os.close(fd)
    fifo.unlink()


def kill(container_id: str, sig: int = signal.SIGTERM) -> None:
    """Send ``sig`` to the container's init (its PID 1)."""
    st = state(container_id)
    if st["status"] not in (CREATED, RUNNING):
        raise PclError(f"cannot kill container {container_id}: it is {st['status']}")
    with _trace.step(f"send signal {signal.Signals(sig).name} to the container's PID 1",
                     f"pidfd_send_signal(pidfd_open({st['pid']}), {sig})",
                     f"kill -{signal.Signals(sig).name[3:]} {st['pid']}"):
        fd = os.pidfd_open(st["pid"])  # a pidfd cannot hit a recycled pid
        try:
            signal.pidfd_send_signal(fd, sig)
        finally:
            os.close(fd)


def delete(container_id: str, force: bool = False) -> None:
    """Forget a *stopped* container (``force``: kill it first)."""
    st = state(container_id)
    if st["status"] != STOPPED:
        if not force:
            raise PclError(f"cannot delete container {container_id} that is {st['status']}: "
                           "stop it first or force it")
        kill(container_id, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while state(container_id)["status"] != STOPPED and time.monotonic() < deadline:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(st["pid"], os.WNOHANG)
            time.sleep(0.01)
    _remove_dir(_dir(container_id))


def _remove_dir(d: Path) -> None:
    for f in d.glob("*"):
        with contextlib.suppress(FileNotFoundError):
            f.unlink()
    with contextlib.suppress(FileNotFoundError):
        d.rmdir()


def list_ids() -> list[str]:
    """The ids of every container this runtime knows."""
    base = paths.run_root() / "runtime"
    return sorted(p.name for p in base.iterdir()) if base.is_dir() else []
