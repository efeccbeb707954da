"""Running one more process in a running container (``runc exec``, ``docker exec``).

A fresh helper process (``python -I -S``, started by the engine) does, in order:

1. become non-dumpable, so nothing in the container can reach it through ``/proc``;
2. join the container's cgroups, *then* its namespaces (cgroup namespace included);
3. fork -- only the child is inside the container's PID namespace;
4. in the child: a terminal from the container's devpts if asked, the container's user,
   capabilities, ``no_new_privs`` and seccomp filter, then ``execve`` of the command;
5. in the parent: wait and leave with the child's exit code.

Set ``PCL_EXEC_STOP_BEFORE_EXEC=1`` to have the child stop itself (SIGSTOP) just before
``execve``: a learner -- or a test -- can then look at it from inside and outside.
"""

from __future__ import annotations

import fcntl
import json
import os
import signal
import socket
import struct
import sys
import termios

from ..linux import seccomp
from ..linux.nsenter import enter_namespaces
from .process import ExecError, drop_privileges, environment, lookpath

__all__ = ["main"]

TIOCGPTN, TIOCSPTLCK, TIOCGPTPEER = 0x80045430, 0x40045431, 0x5441


def _console(sock: socket.socket) -> None:
    """Open a terminal in the container's devpts, hand the master end to the caller."""
    master = os.open("/dev/pts/ptmx", os.O_RDWR | os.O_NOCTTY | os.O_CLOEXEC)
    fcntl.ioctl(master, TIOCSPTLCK, struct.pack("i", 0))
    slave = fcntl.ioctl(master, TIOCGPTPEER, os.O_RDWR | os.O_NOCTTY)
    socket.send_fds(sock, [b"console"], [master])
    os.close(master)
    os.setsid()
    for fd in (0, 1, 2):
        os.dup2(slave, fd)
    os.close(slave)
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def run(request: dict, console: socket.socket | None) -> int:
    spec = {"process": request["process"], "linux": request.get("linux", {})}
    if spec["linux"].get("seccomp"):
        seccomp.preload()  # the library is on the host: load it before we leave
    for procs in request.get("cgroup_procs", []):
        with open(procs, "w") as f:
            f.write(str(os.getpid()))
    enter_namespaces(request["pid"])
    child = os.fork()
    if child == 0:
        try:
            if console is not None:
                _console(console)
                console.close()
            program = lookpath(spec["process"]["args"][0], environment(spec))
            drop_privileges(spec)
            os.closerange(3, 1 << 20)
            if os.environ.get("PCL_EXEC_STOP_BEFORE_EXEC") == "1":
                os.kill(os.getpid(), signal.SIGSTOP)
            os.execve(program, spec["process"]["args"], environment(spec))
        except ExecError as e:
            print(f"pcl: {e.strerror}", file=sys.stderr)
            os._exit(e.exit_code)
        except OSError as e:
            print(f"pcl: cannot run {spec['process']['args'][0]!r}: {e}", file=sys.stderr)
            os._exit(126)
        os._exit(126)
    if console is not None:
        console.close()
    _, status = os.waitpid(child, 0)
    code = os.waitstatus_to_exitcode(status)
    return 128 - code if code < 0 else code


def main(argv: list[str]) -> None:
    """``main([request_fd, console_fd or "-"])``: the request is JSON on a pipe."""
    with os.fdopen(int(argv[0])) as f:
        request = json.load(f)
    console = socket.socket(fileno=int(argv[1])) if argv[1] != "-" else None
    if request.get("detach"):
        if os.fork():
            os._exit(0)
        os.setsid()
    try:
        os._exit(run(request, console))
    except OSError as e:
        print(f"pcl: cannot exec in the container: {e}", file=sys.stderr)
        os._exit(126)
