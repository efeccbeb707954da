"""The sandbox helper: a fresh single-threaded process that does namespace steps on request.

This is the other end of :class:`pycontainer_lab.linux.sandbox.Sandbox`. It is started with
``python -I -S`` (fork+exec, so it shares nothing with the threads of the caller), imports only
the standard library and ``linux/``, and then serves one request at a time over a Unix socket:
one JSON line in (``{"op": "unshare", "kind": "uts"}``), one JSON line out with the result, the
trace of what it did, or the error.

Why a separate process? ``unshare(CLONE_NEWUSER)`` refuses a multithreaded caller (a Jupyter
kernel runs about nine threads), and ``unshare(CLONE_NEWNS)`` or ``pivot_root`` in the kernel
itself would change the kernel's own view of the world. The helper can do both safely, and when
it exits its namespaces and everything mounted inside them disappear with it.

The helper also enters other processes' namespaces for ``Sandbox.enter`` (``--enter PID``).
"""

from __future__ import annotations

import base64
import contextlib
import errno
import json
import os
import selectors
import signal
import socket
import subprocess
import sys
import time

from ..tracing import step, trace
from . import mounts, namespaces, syscalls
from .namespaces import Namespace
from .nsenter import enter_namespaces
from .wire import LineReader, error_to_dict, send

# What a command run in the sandbox gets as its environment unless told otherwise (as Docker).
DEFAULT_ENV = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
               "HOME": "/root", "TERM": "xterm"}


# Errors that say "not now" rather than "the caller is gone": a helper whose cgroup is at its
# memory limit cannot get socket buffers for a moment.
_TRANSIENT = (errno.ENOMEM, errno.ENOBUFS, errno.EAGAIN, errno.EINTR)


class SafetyError(RuntimeError):
    """A step that would change the host instead of the sandbox."""


# ---------------------------------------------------------------- the helper's state and ops

class Helper:
    """Serves the requests of one Sandbox; each ``op_*`` method is one request type."""

    def __init__(self, sock: socket.socket):
        self.sock = sock
        self.reader = LineReader(sock)
        self.origin = namespaces.namespace_ids()  # the caller's namespaces, where we started
        self.started: dict[int, subprocess.Popen] = {}  # background commands by (inner) pid

    # --- safety rails: steps that would otherwise change the host
    def _own(self, kind: Namespace, why: str) -> None:
        if namespaces.namespace_id("self", kind) == self.origin[kind]:
            raise SafetyError(
                f"{why} in a sandbox that shares the host's {kind.value} namespace would change "
                f"the host: call box.unshare({kind.value!r}) first")

    # --- namespaces
    def op_unshare(self, kind: str, propagation: str = "private") -> dict:
        ns = Namespace.parse(kind)
        if ns is Namespace.USER:
            with step("drop supplementary groups (they would keep host group rights)",
                      "setgroups([])", "(unshare --user does this for you)"):
                os.setgroups([])
        namespaces.unshare(ns)
        if ns is Namespace.MNT and propagation != "unchanged":
            if propagation != "private":
                raise ValueError(f"unknown propagation {propagation!r}: use 'private' or "
                                 "'unchanged'")
            mounts.make_private("/")
        if ns is Namespace.PID:
            return self._become_pid_one()
        return {}

    def _become_pid_one(self) -> dict:
        """unshare(CLONE_NEWPID) moved only our future children: fork one to be PID 1.

        The child carries on serving requests (it inherits the socket); this process stays
        behind in the old PID namespace as its parent, waits for it and exits with it -- just
        like a container monitor waits for a container's init.
        """
        with step("fork a child: it is PID 1 of the new PID namespace and runs the next steps; "
                  "the helper stays outside and waits for it",
                  "fork()", "unshare --pid --fork",
                  note="the process that called unshare(CLONE_NEWPID) never changes its own "
                       "PID namespace; only processes it creates afterwards are inside"):
            child = os.fork()
        if child:  # the parent: no more requests for us; wait, then leave with the child
            self.sock.close()
            _, status = os.waitpid(child, 0)
            os._exit(os.waitstatus_to_exitcode(status) & 0xFF)
        syscalls.prctl(syscalls.PR_SET_PDEATHSIG, signal.SIGKILL)
        return {"pid_in_namespace": os.getpid()}

    def op_setns(self, pid: int, kind: str) -> dict:
        namespaces.setns(pid, kind)
        return {}

    def op_setids(self) -> dict:
        """After the maps are written: become uid/gid 0 of the new user namespace."""
        with step("become root of the new user namespace (an unprivileged uid outside)",
                  "setresgid(0, 0, 0); setresuid(0, 0, 0)", "(unshare --map-root-user)"):
            os.setresgid(0, 0, 0)
            os.setresuid(0, 0, 0)
        return {"uid": os.getuid(), "gid": os.getgid()}

    def op_sethostname(self, name: str) -> dict:
        self._own(Namespace.UTS, "setting the hostname")
        with step(f"set the hostname to {name!r} (in this UTS namespace only)",
                  f"sethostname({name!r})", f"hostname {name}"):
            socket.sethostname(name)
        return {}

    def op_setdomainname(self, name: str) -> dict:
        self._own(Namespace.UTS, "setting the domain name")
        with step(f"set the NIS domain name to {name!r}", f"setdomainname({name!r})",
                  f"domainname {name}"):
            syscalls.setdomainname(name)
        return {}

    def op_uname(self) -> dict:
        u = os.uname()
        with open("/proc/sys/kernel/domainname") as f:
            domain = f.read().strip()
        return {"hostname": u.nodename, "domainname": domain, "release": u.release,
                "uid": os.getuid(), "gid": os.getgid(), "pid": os.getpid(),
                "cwd": os.getcwd()}

    # --- mounts: every mount step, only inside a private mount namespace
    def op_mount(self, name: str, **kw) -> dict:
        self._own(Namespace.MNT, "mounting")
        allowed = {"mount", "make_private", "mount_proc", "mount_sysfs", "mount_tmpfs",
                   "mount_devpts", "make_dev", "bind", "remount_readonly", "umount",
                   "pivot_root"}
        if name not in allowed:
            raise ValueError(f"unknown mount step {name!r}: one of {', '.join(sorted(allowed))}")
        getattr(mounts, name)(**kw)
        return {}

    def op_layers(self, action: str, driver: str, target: str, **kw) -> dict:
        """Mount or unmount a layer stack with a storage driver (overlay2 or vfs)."""
        from .layerstack import get_driver

        self._own(Namespace.MNT, "mounting a layer stack")
        d = get_driver(driver)
        if action == "mount":
            d.mount(kw["lowers"], kw["upper"], kw["work"], target)
        else:
            d.unmount(target)
        return {}

    def op_chroot(self, path: str) -> dict:
        mounts.chroot(path)
        return {}

    def op_mkdir(self, path: str, mode: int = 0o755) -> dict:
        mounts.mkdir(path, mode)
        return {}

    def op_chdir(self, path: str) -> dict:
        with step(f"change directory to {path}", f"chdir({path!r})", f"cd {path}"):
            os.chdir(path)
        return {}

    def op_write_file(self, path: str, data: str, mode: int = 0o644) -> dict:
        raw = base64.b64decode(data)
        with step(f"write {len(raw)} bytes to {path}", f"write({path!r})",
                  f"cat > {path}"):
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, mode)
            with os.fdopen(fd, "wb") as f:
                f.write(raw)
        return {}

    def op_read_file(self, path: str) -> dict:
        with open(path, "rb") as f:
            return {"data": base64.b64encode(f.read()).decode()}

    # --- running commands
    def _spawn(self, argv: list[str], env: dict | None, cwd: str | None,
               capture: bool) -> subprocess.Popen:
        full_env = dict(DEFAULT_ENV, **(env or {}))
        pipe = subprocess.PIPE if capture else subprocess.DEVNULL
        return subprocess.Popen(
            argv, env=full_env, cwd=cwd, stdin=subprocess.PIPE if capture else subprocess.DEVNULL,
            stdout=pipe, stderr=pipe, close_fds=True,
            process_group=0,  # its own group: a timeout kills the command and its children
            # a command must not outlive the sandbox: the kernel kills it when we die
            preexec_fn=lambda: syscalls.prctl(syscalls.PR_SET_PDEATHSIG, signal.SIGKILL))

    def op_run(self, argv: list[str], input: str = "", env: dict | None = None,
               cwd: str | None = None, timeout: float | None = None) -> dict:
        """Run a command to its end; return its exit code and output."""
        with step(f"run {argv[0]} in the sandbox", f"fork(); execve({argv[0]!r}, …); wait()",
                  " ".join(argv)):
            proc = self._spawn(argv, env, cwd, capture=True)
            out, err, timed_out = self._communicate(proc, base64.b64decode(input), timeout)
        return {"returncode": proc.returncode, "stdout": base64.b64encode(out).decode(),
                "stderr": base64.b64encode(err).decode(), "timed_out": timed_out,
                "pid": proc.pid}

    def _communicate(self, proc: subprocess.Popen, data: bytes,
                     timeout: float | None) -> tuple[bytes, bytes, bool]:
        """Collect a command's output while watching the caller: if it goes, we go."""
        sel = selectors.DefaultSelector()
        out = {proc.stdout: [], proc.stderr: []}
        for pipe in out:
            sel.register(pipe, selectors.EVENT_READ)
        sel.register(self.sock, selectors.EVENT_READ)
        if data:
            with contextlib.suppress(BrokenPipeError):
                proc.stdin.write(data)
        proc.stdin.close()
        deadline = time.monotonic() + timeout if timeout else None
        timed_out = False
        open_pipes = 2
        while open_pipes:
            wait = None if deadline is None else max(0.0, deadline - time.monotonic())
            events = sel.select(wait)
            if not events and deadline is not None:
                _kill_group(proc)
                timed_out = True
                deadline = None
            for key, _ in events:
                if key.fileobj is self.sock:
                    if not self.sock.recv(1, socket.MSG_PEEK):
                        _kill_group(proc)  # the caller died: stop, and leave with it
                        self.shutdown()
                    sel.unregister(self.sock)
                    continue
                chunk = os.read(key.fileobj.fileno(), 1 << 16)
                if chunk:
                    out[key.fileobj].append(chunk)
                else:
                    sel.unregister(key.fileobj)
                    open_pipes -= 1
        proc.wait()
        sel.close()
        return b"".join(out[proc.stdout]), b"".join(out[proc.stderr]), timed_out

    def op_start(self, argv: list[str], env: dict | None = None, cwd: str | None = None) -> dict:
        """Start a command in the background; it runs until it ends or is signalled."""
        with step(f"start {argv[0]} in the background", f"fork(); execve({argv[0]!r}, …)",
                  " ".join(argv) + " &"):
            proc = self._spawn(argv, env, cwd, capture=False)
        self.started[proc.pid] = proc
        return {"pid": proc.pid}

    def op_wait(self, pid: int, timeout: float | None = None) -> dict:
        proc = self.started.get(pid)
        if proc is None:
            raise ProcessLookupError(3, f"no background command with pid {pid} in this sandbox")
        try:
            code = proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return {"returncode": None}
        del self.started[pid]
        return {"returncode": code}

    def op_ping(self) -> dict:
        return {"pid": os.getpid()}

    # --- the loop
    def serve(self) -> None:
        while True:
            try:
                request = self.reader.read()
            except OSError as e:
                if e.errno in _TRANSIENT:  # e.g. our cgroup is at its memory limit: wait
                    time.sleep(0.05)
                    continue
                request = None  # the caller is gone
            if request is None or request.get("op") == "close":
                if request is not None:
                    send(self.sock, {"ok": True, "result": {}, "steps": []})
                self.shutdown()
            op = request.pop("op")
            with trace() as t:
                try:
                    handler = getattr(self, f"op_{op}", None)
                    if handler is None:
                        raise ValueError(f"unknown sandbox request {op!r}")
                    reply = {"ok": True, "result": handler(**request)}
                except Exception as e:
                    reply = {"ok": False, "error": error_to_dict(e)}
                    failed = [st for st in t.steps if st.error]
                    if isinstance(e, OSError) and not hasattr(e, "syscall") and failed:
                        # name the call that failed, as the syscall bindings do
                        err = reply["error"]
                        err["strerror"] = f"{failed[-1].call}: {err['strerror']}"
            reply["steps"] = t.to_dicts()
            self._reply(reply)

    def _reply(self, reply: dict) -> None:
        """Send one answer, waiting out moments without socket memory (never half a line)."""
        data = memoryview(json.dumps(reply).encode() + b"\n")
        while data:
            try:
                data = data[self.sock.send(data):]
            except OSError as e:
                if e.errno not in _TRANSIENT:
                    self.shutdown()
                time.sleep(0.05)

    def shutdown(self) -> None:
        """Stop background commands, then exit: our namespaces vanish with us."""
        for proc in self.started.values():
            _kill_group(proc)
            proc.wait()
        os._exit(0)


def _kill_group(proc: subprocess.Popen) -> None:
    """SIGKILL a command and everything it started (they share its process group)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)


# ---------------------------------------------------------------- entering a running sandbox

def enter(target: int, argv: list[str], env: dict | None = None) -> int:
    """Join every namespace of ``target``, then run ``argv`` there (``nsenter --all``).

    Joining a PID namespace only affects children: we fork once more and the child execs.
    """
    enter_namespaces(target)
    child = os.fork()
    if child == 0:
        try:
            os.execvpe(argv[0], argv, dict(DEFAULT_ENV, **(env or {})))
        except OSError as e:
            print(f"pcl enter: cannot run {argv[0]!r}: {e.strerror}", file=sys.stderr)
            os._exit(127)
    _, status = os.waitpid(child, 0)
    return os.waitstatus_to_exitcode(status)


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if args and args[0] == "--enter":
        target, env_json, cmd = int(args[1]), args[2], args[3:]
        try:
            code = enter(target, cmd, json.loads(env_json))
        except OSError as e:
            print(f"pcl enter: cannot join process {target}: {e}", file=sys.stderr)
            os._exit(126)
        os._exit(code if code >= 0 else 128 - code)
    sock = socket.socket(fileno=int(args[0]))
    os.set_inheritable(sock.fileno(), False)
    Helper(sock).serve()


# Let the steps and errors travel: the client rebuilds Step objects from these dicts.
__all__ = ["DEFAULT_ENV", "Helper", "SafetyError", "enter", "main"]
