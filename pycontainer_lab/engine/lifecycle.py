"""The life of a container (syllabus S8.1): created → running ⇄ paused → stopped → deleted.

Each function is one of Docker's verbs. ``start`` launches the container's monitor (a fresh
process: the caller may be a Jupyter kernel, which must never fork) and waits until the
monitor reports the container started; everything after that happens in the monitor, which
writes the record. The other verbs act on the running container through the OCI runtime
(signals) or its cgroup (freezer), and wait for the monitor to record the outcome.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass

from ..errors import PclError
from ..fresh import python_argv
from ..runtime import container as runtime
from .cgroup import ContainerCgroup
from .reconcile import monitor_alive, reconcile
from .store import ContainerStore

__all__ = ["Starting", "kill", "parse_signal", "pause", "remove", "restart", "start", "stop",
           "unpause", "wait"]



class NotRunningError(PclError):
    pass


def parse_signal(text: str | int) -> signal.Signals:
    """``"KILL"``, ``"SIGKILL"``, ``"9"`` → ``Signals.SIGKILL`` (as Docker's ``-s``)."""
    t = str(text).strip().upper()
    try:
        return signal.Signals(int(t)) if t.isdigit() else \
            signal.Signals[t if t.startswith("SIG") else "SIG" + t]
    except (KeyError, ValueError):
        raise PclError(f'invalid signal "{text}": use a name like TERM or KILL, or a '
                       "number") from None


def _load(store: ContainerStore, ref: str) -> dict:
    return reconcile(store, store.get(ref))


@dataclass
class Starting:
    """A monitor starting a container; for ``run`` without ``-d`` it waits for us to attach
    (:meth:`attach_socket`) before it starts the program."""

    id: str
    status: int

    def _line(self) -> str:
        buf = b""
        while not buf.endswith(b"\n"):
            chunk = os.read(self.status, 1)
            if not chunk:
                break
            buf += chunk
        return buf.decode().strip()

    def expect(self, word: str) -> str:
        line = self._line()
        if line.startswith("error "):
            _, code, message = line.split(" ", 2)
            os.close(self.status)
            e = PclError(message)
            e.exit_code = int(code)
            raise e
        if not line.startswith(word):
            os.close(self.status)
            raise PclError(f"the monitor of container {self.id[:12]} ended unexpectedly "
                           f"(see {ContainerStore().dir(self.id)}/monitor.log)")
        return line[len(word):].strip()

    def started(self) -> int:
        """Wait until the program runs; its pid."""
        try:
            return int(self.expect("started"))
        finally:
            with contextlib.suppress(OSError):
                os.close(self.status)


def start(ref: str, *, attach: bool = False, store: ContainerStore | None = None) -> Starting:
    """Start a created or stopped container: launch its monitor.

    With ``attach=True`` the monitor creates the container and then waits for a client on its
    attach socket; connect (``attach.connect``) and then call ``.started()``.
    """
    store = store or ContainerStore()
    record = _load(store, ref)
    cid = record["ID"]
    if record["State"]["Status"] in ("running", "paused", "restarting"):
        raise PclError(f"container {record['Name'][1:]} is already "
                       f"{record['State']['Status']}")
    # started by hand: its restart policy applies again (a `stop` had suspended it)
    store.update(cid, lambda r: r.setdefault("Pcl", {}).update(ManuallyStopped=False))
    r, w = os.pipe2(os.O_CLOEXEC)
    if len(os.listdir("/proc/self/task")) == 1:
        pid = _fork_monitor(cid, w, attach)  # a single-threaded caller (the CLI) may fork
    else:  # a Jupyter kernel must not fork: start a fresh process instead
        os.set_inheritable(w, True)
        args = ["mode=start", f"id={cid}", f"status={w}"] + (["attach_wait=1"] if attach
                                                              else [])
        try:
            pid = subprocess.Popen(python_argv("pycontainer_lab.engine.monitor", *args),
                                   pass_fds=(w,), start_new_session=True,
                                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL).pid
        finally:
            os.close(w)
    os.waitpid(pid, 0)  # the monitor forks itself away at once: this reaps the first half
    starting = Starting(cid, r)
    if attach:
        starting.expect("listening")
    return starting


def _fork_monitor(cid: str, status_fd: int, attach: bool) -> int:
    """Become the monitor in a fork of this (single-threaded) process: no new interpreter
    to start, nothing to import again -- the fast path of ``pcl run``."""
    pid = os.fork()
    if pid:
        os.close(status_fd)
        return pid
    try:
        os.setsid()
        os.closerange(3, status_fd)
        os.closerange(status_fd + 1, 1 << 16)
        from . import monitor

        monitor.main(["mode=start", f"id={cid}", f"status={status_fd}"]
                     + (["attach_wait=1"] if attach else []))
    finally:
        os._exit(0)


def _wait_until(store: ContainerStore, cid: str, done: Callable[[dict], bool],
                timeout: float | None) -> bool:
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        with contextlib.suppress(PclError):
            if done(reconcile(store, store.load(cid))):
                return True
        if not store.dir(cid).exists():
            return True  # removed (--rm): certainly not running
        if deadline is not None and time.monotonic() >= deadline:
            return False
        time.sleep(0.02)


def _not_active(r: dict) -> bool:
    return r["State"]["Status"] not in ("running", "paused", "restarting")


def _mark_stopped_by_hand(store: ContainerStore, cid: str) -> None:
    store.update(cid, lambda r: r.setdefault("Pcl", {}).update(ManuallyStopped=True))


def stop(ref: str, timeout: float | None = None, sig: str | None = None,
         store: ContainerStore | None = None) -> str:
    """Stop gracefully: the stop signal (SIGTERM), then SIGKILL after ``timeout`` seconds
    (default 10). Returns the container's id."""
    store = store or ContainerStore()
    record = _load(store, ref)
    cid = record["ID"]
    # marked even when it looks stopped: it may be between an exit and a restart
    _mark_stopped_by_hand(store, cid)
    if _not_active(record):
        return cid
    if record["State"]["Status"] == "restarting":
        _wait_until(store, cid, _not_active, 10)
        return cid
    if record["State"]["Paused"]:
        unpause(cid, store=store)
    stop_sig = parse_signal(sig or record["Config"].get("StopSignal") or "SIGTERM")
    wait = record["Config"].get("StopTimeout") if timeout is None else timeout
    wait = 10 if wait is None else wait
    with contextlib.suppress(PclError):
        runtime.kill(cid, stop_sig)
    if not _wait_until(store, cid, _not_active, wait):
        with contextlib.suppress(PclError):
            runtime.kill(cid, signal.SIGKILL)
        _wait_until(store, cid, _not_active, 30)
    return cid


def kill(ref: str, sig: str = "KILL", store: ContainerStore | None = None) -> str:
    """Send a signal at once (default SIGKILL). A fatal one disables the restart policy until
    the next start, as in Docker."""
    store = store or ContainerStore()
    record = _load(store, ref)
    cid = record["ID"]
    if record["State"]["Status"] != "running" and not record["State"]["Paused"]:
        raise NotRunningError(f"cannot kill container {ref}: container {cid} is not running")
    s = parse_signal(sig)
    stop_sig = parse_signal(record["Config"].get("StopSignal") or "SIGTERM")
    if s in (signal.SIGKILL, stop_sig):
        _mark_stopped_by_hand(store, cid)
    runtime.kill(cid, s)
    if s == signal.SIGKILL:
        _wait_until(store, cid, _not_active, 10)
    return cid


def restart(ref: str, timeout: float | None = None,
            store: ContainerStore | None = None) -> str:
    store = store or ContainerStore()
    cid = stop(ref, timeout, store=store)
    start(cid, store=store).started()
    return cid


def pause(ref: str, store: ContainerStore | None = None) -> str:
    """Freeze every process of the container (cgroup freezer): no progress, state Paused."""
    store = store or ContainerStore()
    record = _load(store, ref)
    if record["State"]["Status"] != "running":
        raise NotRunningError(f"Container {record['ID']} is not running")
    ContainerCgroup(record).freeze()
    store.update(record["ID"], lambda r: r["State"].update(Status="paused", Paused=True))
    return record["ID"]


def unpause(ref: str, store: ContainerStore | None = None) -> str:
    store = store or ContainerStore()
    record = _load(store, ref)
    if not record["State"]["Paused"]:
        raise PclError(f"Container {record['ID']} is not paused")
    ContainerCgroup(record).thaw()
    store.update(record["ID"], lambda r: r["State"].update(Status="running", Paused=False))
    return record["ID"]


def wait(ref: str, store: ContainerStore | None = None) -> int:
    """Block until the container stops; its exit code."""
    store = store or ContainerStore()
    record = _load(store, ref)
    cid = record["ID"]
    _wait_until(store, cid, _not_active, None)
    with contextlib.suppress(PclError):
        return store.load(cid)["State"]["ExitCode"]
    return record["State"]["ExitCode"]


def remove(ref: str, force: bool = False, store: ContainerStore | None = None) -> str:
    """Delete a stopped container (``force``: kill a running one first)."""
    store = store or ContainerStore()
    record = _load(store, ref)
    cid = record["ID"]
    if not _not_active(record):
        if not force:
            raise PclError(f"cannot remove container \"{record['Name']}\": container is "
                           f"{record['State']['Status']}: stop the container before removing "
                           "or force remove")
        _mark_stopped_by_hand(store, cid)
        if record["State"]["Paused"]:
            with contextlib.suppress(PclError, OSError):
                ContainerCgroup(record).thaw()
        with contextlib.suppress(PclError):
            runtime.kill(cid, signal.SIGKILL)
        _wait_until(store, cid, _not_active, 30)
    # let the monitor finish its own cleanup before the directory goes
    _wait_until(store, cid, lambda r: not monitor_alive(r), 10)
    with contextlib.suppress(PclError):
        runtime.delete(cid, force=True)
    ContainerCgroup(record).delete()
    store.remove(cid)
    return cid
