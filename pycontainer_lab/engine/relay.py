"""The monitor while a container runs: small, patient, and always listening.

Once the container has started, its monitor (see :mod:`.monitor`) replaces itself with this
program (``execve`` keeps the pid, the child and the open files): a loop that

- reads the container's output and appends it to the log, a JSON line per line, as Docker's
  ``json-file`` driver does: ``{"log":"hi\\n","stream":"stdout","time":"…Z"}``;
- passes the output on to attached clients, and their input and terminal size to the
  container;
- notices when the container's init ends (SIGCHLD), then hands over to the full monitor again,
  which records the exit and applies the restart policy.

It imports almost nothing (no ``json``, no ``socket`` module: its C core ``_socket``
suffices), so each monitor costs only a few MiB while its container runs.
"""

import _json
import _socket
import errno
import fcntl
import os
import select
import signal
import struct
import time
from collections.abc import Callable

from ..fresh import python_argv
from .frames import RESIZE, STDERR, STDIN, STDIN_EOF, STDOUT, Decoder, frame

TIOCSWINSZ = 0x5414
MAX_LINE = 16 * 1024  # Docker splits longer lines into partial entries too
MAX_PENDING = 1 << 20  # a client this far behind is dropped, never the container blocked


def _timestamp() -> str:
    ns = time.time_ns()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ns // 10**9)) + f".{ns % 10**9:09d}Z"


class Log:
    """The ``json-file`` log: complete lines only, a partial line waits for its end."""

    def __init__(self, path: str):
        self.fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o640)
        self.partial = {STDOUT: b"", STDERR: b""}

    def write(self, stream: int, data: bytes, flush: bool = False) -> None:
        buf = self.partial[stream] + data
        lines = buf.split(b"\n")
        rest = lines.pop()
        out = [line + b"\n" for line in lines]
        while len(rest) > MAX_LINE:
            out.append(rest[:MAX_LINE])
            rest = rest[MAX_LINE:]
        if flush and rest:
            out.append(rest)
            rest = b""
        self.partial[stream] = rest
        if out:
            name = "stdout" if stream == STDOUT else "stderr"
            stamp = _timestamp()
            tail = f',"stream":"{name}","time":"{stamp}"}}\n'
            entries = "".join(
                '{"log":' + _json.encode_basestring(line.decode("utf-8", "replace")) + tail
                for line in out)
            os.write(self.fd, entries.encode())


class Client:
    def __init__(self, fd: int):
        self.fd = fd
        os.set_blocking(fd, False)
        self.pending = b""
        self.decoder = Decoder()


class Relay:
    def __init__(self, args: dict, on_exit: Callable[[dict], None] | None = None):
        self.on_exit = on_exit
        self.init_pid = args["init_pid"]
        self.outputs = {}  # fd → stream
        if args.get("console") is not None:
            self.outputs[args["console"]] = STDOUT
            self.stdin = args["console"]
        else:
            self.outputs[args["stdout"]] = STDOUT
            self.outputs[args["stderr"]] = STDERR
            self.stdin = args.get("stdin")
        self.console = args.get("console")
        self.stdin_once = args.get("stdin_once", False)
        self.listen = args["listen"]
        self.clients = [Client(fd) for fd in args.get("clients", [])]
        self.log = Log(args["log"])
        for stream, key in ((STDOUT, "partial_out"), (STDERR, "partial_err")):
            self.log.partial[stream] = bytes.fromhex(args.get(key, ""))
        self.args = args
        self.exit_status: int | None = None
        self.wake_r, self.wake_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        signal.set_wakeup_fd(self.wake_w)
        signal.signal(signal.SIGCHLD, lambda *_: None)
        signal.signal(signal.SIGPIPE, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a `kill` meant for the container
        for fd in self.outputs:
            os.set_blocking(fd, False)

    # -- the loop
    def run(self, until: float | None = None) -> bool:
        """Relay until the container ends (then hand over: returns only if ``until``, a
        ``time.monotonic()`` deadline, came first -- the caller then switches programs)."""
        self._reap()
        while self.exit_status is None or self.outputs:
            if until is not None and self.exit_status is None and time.monotonic() >= until:
                return True
            timeout = 0.5 if self.exit_status is not None else (
                None if until is None else max(0.0, until - time.monotonic()))
            readers = [*self.outputs, self.listen, self.wake_r, *(c.fd for c in self.clients)]
            writers = [c.fd for c in self.clients if c.pending]
            r, w, _ = select.select(readers, writers, [], timeout)
            if not r and not w and self.exit_status is not None:
                break  # the container is gone; whatever still holds its pipes does not count
            for fd in r:
                if fd in self.outputs:
                    self._output(fd)
                elif fd == self.listen:
                    self._accept()
                elif fd == self.wake_r:
                    with _ignore():
                        os.read(self.wake_r, 64)
                    self._reap()
                else:
                    self._client_input(fd)
            for c in [c for c in self.clients if c.fd in w]:
                self._flush(c)
        for stream in (STDOUT, STDERR):
            self.log.write(stream, b"", flush=True)
        self._hand_over()
        return False

    def become_lean(self) -> None:
        """Replace this (full) monitor with the small relay program, passing on our state:
        the open files, the clients, the half-written log lines."""
        signal.set_wakeup_fd(-1)
        for c in self.clients:
            os.set_blocking(c.fd, True)
            self._flush(c)
        args = dict(self.args, clients=[c.fd for c in self.clients],
                    partial_out=self.log.partial[STDOUT].hex(),
                    partial_err=self.log.partial[STDERR].hex())
        for fd in [*args["clients"], self.listen, *self.outputs,
                   *([self.stdin] if self.stdin is not None else [])]:
            os.set_inheritable(fd, True)
        os.close(self.log.fd)
        exec_python("pycontainer_lab.engine.relay", args)

    def _reap(self) -> None:
        if self.exit_status is not None:
            return
        try:
            pid, status = os.waitpid(self.init_pid, os.WNOHANG)
        except ChildProcessError:
            pid, status = self.init_pid, 255 << 8
        if pid:
            self.exit_status = os.waitstatus_to_exitcode(status)

    def _output(self, fd: int) -> None:
        try:
            data = os.read(fd, 65536)
        except OSError as e:
            if e.errno == errno.EAGAIN:
                return
            data = b""  # EIO: the terminal's other side is closed
        stream = self.outputs[fd]
        if not data:
            del self.outputs[fd]
            os.close(fd)
            if fd == self.stdin:
                self.stdin = None
            return
        self.log.write(stream, data)
        self._broadcast(frame(stream, data))

    def _broadcast(self, data: bytes) -> None:
        for c in list(self.clients):
            c.pending += data
            if len(c.pending) > MAX_PENDING:
                self._drop(c)
            else:
                self._flush(c)

    def _flush(self, c: Client) -> None:
        try:
            sent = os.write(c.fd, c.pending)
            c.pending = c.pending[sent:]
        except BlockingIOError:
            pass
        except OSError:
            self._drop(c)

    def _drop(self, c: Client) -> None:
        if c in self.clients:
            self.clients.remove(c)
            os.close(c.fd)

    def _accept(self) -> None:
        try:
            fd, _ = _socket.socket(fileno=os.dup(self.listen))._accept()
        except OSError:
            return
        self.clients.append(Client(fd))

    def _client_input(self, fd: int) -> None:
        c = next(c for c in self.clients if c.fd == fd)
        try:
            data = os.read(fd, 65536)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:  # the client detached
            self._drop(c)
            return
        for stream, payload in c.decoder.feed(data):
            if stream == STDIN and self.stdin is not None:
                with _ignore():
                    os.write(self.stdin, payload)
            elif stream == STDIN_EOF and self.stdin is not None and self.console is None:
                if self.stdin_once:
                    os.close(self.stdin)
                    self.stdin = None
            elif stream == RESIZE and self.console is not None:
                rows, cols = (int(x) for x in payload.split())
                with _ignore():
                    fcntl.ioctl(self.console, TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))

    def _hand_over(self) -> None:
        """The program ended. The full monitor records it and restarts or cleans up: called
        directly when we run inside it, or by ``execve`` (same pid) from the small relay."""
        signal.set_wakeup_fd(-1)
        code = exit_code_of(self.exit_status)
        keep = [c.fd for c in self.clients]
        for fd in [*keep, self.listen]:
            os.set_blocking(fd, True)
        args = {k: v for k, v in self.args.items()
                if k not in ("stdout", "stderr", "stdin", "console", "init_pid")}
        args.update(mode="exited", exit_code=code, clients=keep)
        if self.on_exit is not None:
            self.on_exit(args)
            return
        for fd in [*keep, self.listen]:
            os.set_inheritable(fd, True)
        exec_python("pycontainer_lab.engine.monitor", args)


def exit_code_of(status: int) -> int:
    """A wait status as a shell shows it: killed by signal N becomes 128 + N."""
    return 128 - status if status < 0 else status


# The two phases pass their state as ``key=value`` words: ints, strings, booleans and lists
# of ints (file descriptors) are all they need, and parsing them costs nothing.
INTS = {"init_pid", "stdout", "stderr", "stdin", "console", "listen", "exit_code", "status"}
LISTS = {"clients"}
BOOLS = {"stdin_once"}


def encode_args(args: dict) -> list[str]:
    words = []
    for key, value in args.items():
        if value is None:
            continue
        if key in LISTS:
            value = ",".join(str(v) for v in value)
        elif key in BOOLS:
            value = "1" if value else "0"
        words.append(f"{key}={value}")
    return words


def decode_args(words: list[str]) -> dict:
    args: dict = {}
    for word in words:
        key, _, value = word.partition("=")
        if key in INTS:
            args[key] = int(value)
        elif key in LISTS:
            args[key] = [int(v) for v in value.split(",") if v]
        elif key in BOOLS:
            args[key] = value == "1"
        else:
            args[key] = value
    return args


def exec_python(module: str, args: dict) -> None:
    """Replace this process with ``python -I -S`` running ``module.main(args)``."""
    argv = python_argv(module, *encode_args(args))
    os.execv(argv[0], argv)


class _ignore:
    """``contextlib.suppress(OSError)`` without importing contextlib."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: object, *rest: object) -> bool:
        return isinstance(kind, type) and issubclass(kind, OSError)


def main(words: list[str]) -> None:
    Relay(decode_args(words)).run()
    os._exit(0)
