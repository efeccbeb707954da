"""The IPython extension: ``%load_ext pycontainer_lab`` gives ``%pcl`` and ``%%container``.

``%pcl ARGS`` runs one ``pcl`` command inside the kernel (no new process: the same code as the
``pcl`` program) and shows what it printed -- Docker-style tables as HTML tables, errors as
the one line ``pcl`` prints, never a traceback. It returns a
:class:`~.cli_output.CommandOutput`, so ``out = %pcl ps -a`` keeps the rows for later.
The line goes to ``pcl`` as a shell would pass it: ``{{.State.Status}}`` and ``$HOME`` stay as
written (IPython's ``{name}`` expansion would eat Go templates). From Python, with values of
your own, call :func:`pcl`: ``pcl("inspect", "-f", "{{.State.Pid}}", name)``.

``%%container IMAGE [run flags]`` runs the cell as a shell script in a new container,
``pcl run --rm [flags] IMAGE sh -c CELL``, and shows its output as it comes. Flags may also
come first when the image is last: ``%%container -m 32m busybox``.

Commands that follow something as it happens (``run`` and ``start -a`` without ``-d``,
``attach``, ``exec``, ``logs -f``, ``wait``) show their output as it comes; the others are
collected and rendered when done. ``%pcl stats`` shows one snapshot (``--no-stream``): for a
live view there is ``ResourceMonitor``.
"""

from __future__ import annotations

import codecs
import contextlib
import io
import shlex
import sys
from typing import Any, TextIO

from IPython.core.magic import Magics, cell_magic, line_magic, magics_class, no_var_expand

from .cli_output import CommandOutput

__all__ = ["PclMagics", "container_argv", "load", "pcl", "run_pcl", "unload"]

_FOLLOWING = {"run", "attach", "exec", "wait"}


class _Sink(io.RawIOBase):
    """Bytes written to a text stream replacement: kept, and optionally passed on at once."""

    def __init__(self, forward: TextIO | None):
        self.data = bytearray()
        self.forward = forward
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")

    def writable(self) -> bool:
        return True

    def write(self, b: Any) -> int:
        chunk = bytes(b)
        self.data += chunk
        if self.forward is not None:
            text = self._decoder.decode(chunk)
            if text:
                self.forward.write(text)
                self.forward.flush()
        return len(chunk)

    def text(self) -> str:
        return self.data.decode(errors="replace")


def _stream(sink: _Sink) -> io.TextIOWrapper:
    """A text stream with a ``.buffer``, like ``sys.stdout`` (``pcl`` writes bytes there)."""
    return io.TextIOWrapper(io.BufferedWriter(sink), encoding="utf-8", errors="replace",
                            line_buffering=True, write_through=True)


def follows(argv: list[str]) -> bool:
    """Whether a command line follows something as it happens (its output is streamed)."""
    if not argv:
        return False
    name = argv[0]
    if name == "logs":
        return "-f" in argv or "--follow" in argv
    if name == "start":
        return "-a" in argv or "--attach" in argv
    if name in _FOLLOWING:
        return not (name == "run" and ("-d" in argv or "--detach" in argv))
    return False


def run_pcl(argv: list[str], stream: bool | None = None) -> CommandOutput:
    """Run ``pcl ARGV`` in this process and collect what it prints (``stream``: also pass it
    on to the cell as it comes; by default for commands that follow something)."""
    from ..cli.main import main

    argv = list(argv)
    if argv[:1] == ["stats"] and "--no-stream" not in argv:
        argv.insert(1, "--no-stream")
    stream = follows(argv) if stream is None else stream
    out = _Sink(sys.stdout if stream else None)
    err = _Sink(sys.stderr if stream else None)
    out_stream, err_stream = _stream(out), _stream(err)
    try:
        with contextlib.redirect_stdout(out_stream), contextlib.redirect_stderr(err_stream):
            try:
                code = main(argv)
            except SystemExit as e:  # --help, or argparse's own exit
                code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
            except KeyboardInterrupt:
                print("pcl: interrupted", file=sys.stderr)
                code = 130
            except Exception as e:  # a bug: one line here; PCL_DEBUG=1 makes pcl raise
                print(f"pcl: internal error: {type(e).__name__}: {e}", file=sys.stderr)
                code = 1
            sys.stdout.flush()
            sys.stderr.flush()
    finally:
        out_stream.flush()
        err_stream.flush()
    return CommandOutput(argv, code, out.text(), "" if stream else err.text(), streamed=stream)


def pcl(*args: object) -> CommandOutput:
    """``pcl(...)``: ``%pcl`` from Python code, one argument per word:
    ``pcl("run", "-d", "--name", name, "busybox", "sleep", 60)``."""
    return run_pcl([str(a) for a in args])


def container_argv(line: str, cell: str) -> list[str]:
    """``%%container`` arguments and the cell → a ``pcl run`` command line."""
    words = shlex.split(line)
    if not words:
        raise ValueError("usage: %%container IMAGE [run flags] (the cell is the script)")
    if words[0].startswith("-"):
        image, flags = words[-1], words[:-1]
        if image.startswith("-"):
            raise ValueError("%%container: name the image first or last, like "
                             "%%container busybox -m 32m")
    else:
        image, flags = words[0], words[1:]
    return ["run", "--rm", *flags, image, "sh", "-c", cell]


@magics_class
class PclMagics(Magics):
    """``%pcl`` and ``%%container``."""

    @no_var_expand
    @line_magic
    def pcl(self, line: str) -> CommandOutput | None:
        """Run a pcl command in this kernel: ``%pcl ps -a``, ``%pcl images``, ``%pcl info``."""
        try:
            argv = shlex.split(line)
        except ValueError as e:
            print(f"pcl: cannot read the command line: {e}", file=sys.stderr)
            return None
        result = run_pcl(argv)
        return None if result.streamed and result.ok else result

    @no_var_expand
    @cell_magic
    def container(self, line: str, cell: str) -> CommandOutput | None:
        """Run the cell as a shell script in a new container: ``%%container IMAGE [flags]``."""
        try:
            argv = container_argv(line, cell)
        except ValueError as e:
            print(f"pcl: {e}", file=sys.stderr)
            return None
        result = run_pcl(argv, stream=True)
        if result.exit_code not in (0, 125, 126, 127):  # 125-127: pcl said why (as Docker)
            print(f"(the script ended with exit status {result.exit_code})", file=sys.stderr)
        return None


def load(ip: Any) -> None:
    """Register the magics with an IPython shell."""
    ip.register_magics(PclMagics)


def unload(ip: Any) -> None:
    """Remove the magics and close the widgets that still run threads."""
    from .lifetime import close_all

    close_all()
    magics = ip.magics_manager.magics
    magics["line"].pop("pcl", None)
    magics["cell"].pop("container", None)
