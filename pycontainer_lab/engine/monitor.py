"""A container's monitor: the process that stays with a container for its whole life.

Like conmon (Podman) or containerd-shim (Docker), one monitor runs per container. It

1. detaches from whoever started it (``pcl run -d``, a notebook), so the container outlives
   them;
2. asks the runtime to create the container -- the container's init becomes *its* child, so
   it alone learns the exit status (and the init dies with it: ``PR_SET_PDEATHSIG``);
3. starts it (after the first client attached, for ``pcl run`` without ``-d``);
4. replaces itself with the small relay (:mod:`.relay`) that logs and passes output on;
5. when the program ends, comes back (the relay execs us again) to record the exit code and
   time in the container's record and to apply the restart policy -- or to clean up.

The engine starts it as ``python -I -S … monitor mode=start id=…`` (a fresh process: it may
fork, which a Jupyter kernel must never do).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import time
import traceback

from .. import tracing
from ..atomicfile import write_json
from ..errors import PclError
from ..runtime import container as runtime
from . import frames, restart
from . import state as st
from .cgroup import ContainerCgroup
from .relay import Relay, decode_args, exec_python
from .sockets import unix_listen
from .store import ContainerStore

__all__ = ["main"]

ATTACH_WAIT = 30.0  # seconds `pcl run` has to attach before the container starts anyway
FAST_PATH_SECONDS = 1.0  # how long the full monitor relays before the small relay takes over


class Status:
    """Lines for the engine that started us: ``listening``, ``started PID``, ``error …``."""

    def __init__(self, fd: int | None):
        self.fd = fd

    def say(self, line: str) -> None:
        if self.fd is not None:
            with contextlib.suppress(OSError):
                os.write(self.fd, line.encode() + b"\n")

    def close(self) -> None:
        if self.fd is not None:
            with contextlib.suppress(OSError):
                os.close(self.fd)
            self.fd = None


def main(words: list[str]) -> None:
    args = decode_args(words)
    status = Status(args.pop("status", None))
    try:
        if args["mode"] == "start":
            _daemonize()
            supervise(args, status)
        elif args["mode"] == "exited":
            exited(args)
        elif args["mode"] == "restart":
            if ContainerStore().load(args["id"]).get("Pcl", {}).get("ManuallyStopped"):
                _finish_restart_cancelled(args)  # a `stop` came while we were on our way
            else:
                supervise(args, status)
    except BaseException as e:
        if isinstance(e, SystemExit):
            raise
        _fail(args, status, e)
    os._exit(0)


def _daemonize() -> None:
    """Fork once more and let the first process go: the engine reaps it at once, and we are
    an orphan that nobody waits for -- a daemon."""
    if os.fork():
        os._exit(0)
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(devnull, 1)
    os.close(devnull)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)


def _log_errors_to(store: ContainerStore, cid: str) -> None:
    """Our own stderr goes to ``monitor.log`` beside the container's log (for debugging)."""
    fd = os.open(store.dir(cid) / "monitor.log",
                 os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o640)
    os.dup2(fd, 2)
    os.close(fd)


def supervise(args: dict, status: Status) -> None:
    """Create and start the container, then become the relay (never returns)."""
    store = ContainerStore()
    cid = args["id"]
    _log_errors_to(store, cid)
    record = store.load(cid)
    run_dir = store.run_dir(cid)
    run_dir.mkdir(parents=True, exist_ok=True)
    listen = args.get("listen")
    if listen is None:
        listen = unix_listen(run_dir / "attach.sock").detach()
    tty = bool(record["Config"].get("Tty"))
    open_stdin = bool(record["Config"].get("OpenStdin"))
    devnull = os.open(os.devnull, os.O_RDWR | os.O_CLOEXEC)
    out_r = out_w = err_r = err_w = in_r = in_w = None
    if not tty:
        out_r, out_w = os.pipe2(os.O_CLOEXEC)
        err_r, err_w = os.pipe2(os.O_CLOEXEC)
        if open_stdin:
            in_r, in_w = os.pipe2(os.O_CLOEXEC)
    cgroup = ContainerCgroup(record)
    cgroup.create()
    with contextlib.suppress(PclError):
        runtime.delete(cid, force=True)  # the runtime's state of a previous run
    with tracing.trace() as t:
        created = runtime.create(
            cid, store.dir(cid) / "bundle",
            stdin=in_r if in_r is not None else devnull,
            stdout=out_w if out_w is not None else devnull,
            stderr=err_w if err_w is not None else devnull,
            cgroup=cgroup, rootfs=record.get("Pcl", {}).get("Rootfs"))
    write_json(run_dir / "start-trace.json", t.to_dicts())
    for fd in (out_w, err_w, in_r, devnull):
        if fd is not None:
            os.close(fd)
    clients = list(args.get("clients", []))
    if args.get("attach_wait"):
        status.say("listening")
        clients += _wait_for_client(listen, ATTACH_WAIT)
    runtime.start(cid)
    oom_before = cgroup.oom_kills()

    def running(r: dict) -> None:
        s = r["State"]
        s.update(Status="running", Running=True, Paused=False, Restarting=False,
                 OOMKilled=False, Dead=False, Pid=created.pid, ExitCode=0, Error="",
                 StartedAt=st.now(), FinishedAt=st.ZERO_TIME)
        r.setdefault("Pcl", {}).update(MonitorPid=os.getpid(), MonitorStart=_start_time(),
                                       OomBefore=oom_before)

    store.update(cid, running)
    status.say(f"started {created.pid}")
    status.close()
    relay_args = {"id": cid, "init_pid": created.pid, "listen": listen, "clients": clients,
                  "log": str(store.dir(cid) / f"{cid}-json.log"),
                  "stdin_once": bool(record["Config"].get("StdinOnce"))}
    if tty:
        relay_args["console"] = created.console
    else:
        relay_args.update(stdout=out_r, stderr=err_r, stdin=in_w)
    # Relay here first: a short program ends before a new, smaller interpreter would even
    # have started. One still running after a moment gets the small relay program instead.
    relay = Relay(relay_args, on_exit=exited)
    if relay.run(until=time.monotonic() + FAST_PATH_SECONDS):
        relay.become_lean()


def _wait_for_client(listen: int, timeout: float) -> list[int]:
    sock = socket.socket(fileno=os.dup(listen))
    sock.settimeout(timeout)
    try:
        conn, _ = sock.accept()
    except TimeoutError:
        return []
    finally:
        sock.close()
    return [conn.detach()]


def _start_time() -> int:
    with open("/proc/self/stat") as f:
        return int(f.read().rsplit(")", 1)[1].split()[19])


def exited(args: dict) -> None:
    """The program ended: record it; then restart the container, or let it rest (and remove
    it, with ``--rm``)."""
    store = ContainerStore()
    cid = args["id"]
    _log_errors_to(store, cid)
    code = args["exit_code"]
    record = store.load(cid)
    cgroup = ContainerCgroup(record)
    oom = cgroup.oom_kills() > record.get("Pcl", {}).get("OomBefore", 0)

    def stopped(r: dict) -> None:
        r["State"].update(Status="exited", Running=False, Paused=False, Restarting=False,
                          OOMKilled=oom, Pid=0, ExitCode=code, FinishedAt=st.now())

    record = store.update(cid, stopped)
    with contextlib.suppress(PclError):
        runtime.delete(cid, force=True)
    ran_for = time.time() - st.parse_time(record["State"]["StartedAt"])
    pcl = record.get("Pcl", {})
    if restart.should_restart(record["HostConfig"].get("RestartPolicy", {}), code,
                              record.get("RestartCount", 0), pcl.get("ManuallyStopped", False)):
        wait = restart.delay(pcl.get("RestartDelay", 0), ran_for)

        def restarting(r: dict) -> None:
            r["State"].update(Status="restarting", Restarting=True)
            r.setdefault("Pcl", {})["RestartDelay"] = wait

        store.update(cid, restarting)
        time.sleep(wait)
        go = False

        def begin(r: dict) -> None:  # a `stop` during the wait wins
            nonlocal go
            go = not r.get("Pcl", {}).get("ManuallyStopped")
            if go:
                r["RestartCount"] = r.get("RestartCount", 0) + 1

        store.update(cid, begin)
        if go:  # a fresh monitor program for each run (same pid, an empty stack)
            for fd in [args["listen"], *args["clients"]]:
                os.set_inheritable(fd, True)
            exec_python("pycontainer_lab.engine.monitor",
                        {"mode": "restart", "id": cid, "listen": args["listen"],
                         "clients": args["clients"]})
        store.update(cid, lambda r: r["State"].update(Status="exited", Restarting=False))
    _finish(store, cid, record, cgroup, args, code)


def _finish(store: ContainerStore, cid: str, record: dict, cgroup: ContainerCgroup,
            args: dict, code: int) -> None:
    # a stopped container holds no cgroup (as with Docker): the next start makes it again
    with contextlib.suppress(OSError, PclError):
        cgroup.delete()
    if record["HostConfig"].get("AutoRemove"):
        store.remove(cid)
    for fd in args.get("clients", []):
        with contextlib.suppress(OSError):
            os.write(fd, frames.frame(frames.EXIT, str(code).encode()))
            os.close(fd)
    with contextlib.suppress(OSError):
        os.close(args["listen"])
    with contextlib.suppress(FileNotFoundError):
        os.unlink(store.run_dir(cid) / "attach.sock")


def _finish_restart_cancelled(args: dict) -> None:
    store = ContainerStore()
    cid = args["id"]
    record = store.update(cid, lambda r: r["State"].update(Status="exited", Restarting=False))
    _finish(store, cid, record, ContainerCgroup(record), args, record["State"]["ExitCode"])


def _fail(args: dict, status: Status, e: BaseException) -> None:
    """Starting failed: tell the engine, record the error as Docker does, clean up."""
    message = str(e) if isinstance(e, PclError | OSError) else repr(e)
    code = getattr(e, "exit_code", 128)
    if not isinstance(e, PclError):
        traceback.print_exc()
    status.say(f"error {code} {message}")
    status.close()
    store = ContainerStore()
    cid = args.get("id", "")
    with contextlib.suppress(Exception):
        runtime.delete(cid, force=True)
    with contextlib.suppress(Exception):
        record = store.load(cid)
        ContainerCgroup(record).delete()

        def failed(r: dict) -> None:
            r["State"].update(Status="created" if args["mode"] == "start" else "exited",
                              Running=False, Restarting=False, Pid=0, Error=message,
                              ExitCode=code if args["mode"] == "start" else r["State"]["ExitCode"])

        store.update(cid, failed)
        if args["mode"] != "start" and record["HostConfig"].get("AutoRemove"):
            store.remove(cid)
    for fd in args.get("clients", []):
        with contextlib.suppress(OSError):
            os.write(fd, frames.frame(frames.EXIT, str(code).encode()))

