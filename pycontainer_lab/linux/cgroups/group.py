"""A cgroup: create it, put a process in, set one knob, watch, freeze, kill, delete.

::

    from pycontainer_lab.linux.cgroups import Cgroup
    cg = Cgroup("web").create()        # mkdir in every hierarchy (v1) or in the one tree (v2)
    cg.set("memory", "32m")            # Docker's name: memory.limit_in_bytes / memory.max
    cg.set("memory.max", "32M")        # or the native file of the version in use
    cg.add(pid)                        # echo PID > cgroup.procs
    cg.stats().memory_current          # what the kernel has counted
    cg.delete()                        # kill what is left, wait, rmdir everywhere

``Cgroup("web")`` is a handle: it names ``pycontainer-lab/web`` under each hierarchy and does
nothing until ``create()``. It is really a :class:`~.v1.CgroupV1` or a :class:`~.v2.CgroupV2`,
whichever this host uses -- each of those two files is the whole story of its version. Every
write is a traced step, so ``with trace():`` shows the files and values behind each call.

The project owns the parent, ``pycontainer-lab`` (``PCL_CGROUP_PARENT`` or ``parent=`` to use
another, for example a subtree systemd delegated to you). It is created with the first group
and removed with the last one, so nothing is left behind.
"""

from __future__ import annotations

import contextlib
import errno
import html
import os
import re
import shlex
import signal
import time
from collections.abc import Callable
from typing import Any, ClassVar

from ...display import HasWidget
from ...errors import NotFoundError, PclError, UsageError
from ...tracing import Step, record, step
from .fs import REAL, CgroupFS
from .hierarchy import Layout
from .knobs import (
    EQUIVALENTS,
    KNOBS,
    UnsupportedKnobError,
    Write,
    ignored,
    other_version_hint,
    translate,
)
from .resources import parse_flag
from .stats import CgroupStats

__all__ = ["DEFAULT_PARENT", "Cgroup"]

DEFAULT_PARENT = "pycontainer-lab"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}")

# Why a write failed, by errno, in words a learner can act on.
_WRITE_HINTS = {
    "EBUSY": "the kernel refuses it in the current state (a memory limit below what the group "
             "already uses, or a v2 rule about where processes may be)",
    "EINVAL": "the kernel rejected the value",
    "ENOSPC": "no CPUs or memory nodes to run on (an empty cpuset)",
    "EACCES": "permission denied: run as root, or use a cgroup delegated to you",
    "EPERM": "operation not permitted: run as root, or use a cgroup delegated to you",
    "ESRCH": "no such process",
    "ENOENT": "no such file here: its controller is not enabled for this cgroup, or this kernel "
              "lacks it",
}


def _check_name(name: str, what: str) -> None:
    if not _NAME.fullmatch(name):
        raise UsageError(f'invalid cgroup {what} "{name}": use letters, digits, "_", "." and '
                         '"-", starting with a letter or a digit')


class Cgroup(HasWidget):
    """One cgroup, on cgroup v1 or v2 (the constructor picks the class for this host).

    In a notebook it shows its stats; ``cg.widget()`` plots them live."""

    version: ClassVar[int] = 0

    def __new__(cls, name: str, *, parent: str | None = None, layout: Layout | None = None,
                fs: CgroupFS | None = None) -> Cgroup:
        if cls is Cgroup:
            layout = layout or Layout.detect()
            from .v1 import CgroupV1
            from .v2 import CgroupV2

            impl = {1: CgroupV1, 2: CgroupV2}.get(layout.version)
            if impl is None:
                raise PclError("no cgroup controllers are mounted: mount cgroup2 on "
                               "/sys/fs/cgroup (mount -t cgroup2 none /sys/fs/cgroup)")
            obj = super().__new__(impl)
            obj.layout = layout
            return obj
        return super().__new__(cls)

    def __init__(self, name: str, *, parent: str | None = None, layout: Layout | None = None,
                 fs: CgroupFS | None = None):
        _check_name(name, "name")
        env_parent = os.environ.get("PCL_CGROUP_PARENT")
        chosen = parent if parent is not None else env_parent or DEFAULT_PARENT
        self.parent = chosen.strip("/")
        for part in filter(None, self.parent.split("/")):
            _check_name(part, "parent")
        # a parent from the environment is someone else's -- unless they hand it over
        # (the test suite gives each session a parent of its own that goes with its groups)
        self.owns_parent = parent is None and (
            not env_parent or os.environ.get("PCL_CGROUP_PARENT_OWNED") == "1")
        """Whether the parent is the project's own (removed when its last group goes)."""
        self.name = name
        self._paths: dict[str, str | None] = {}
        self.layout: Layout = layout or getattr(self, "layout", None) or Layout.detect()
        self.fs = fs or REAL

    @classmethod
    def existing(cls, parent: str | None = None, *, layout: Layout | None = None,
                 fs: CgroupFS | None = None) -> list[Cgroup]:
        """Every cgroup under ``parent`` (default: the project's) on any hierarchy -- what a
        reset deletes: ``for cg in Cgroup.existing(): cg.delete()``."""
        probe = Cgroup("probe", parent=parent, layout=layout, fs=fs)
        names: set[str] = set()
        for root in probe._roots():
            d = os.path.join(root, probe.parent)
            if probe.parent and probe.fs.exists(d):
                names.update(probe.fs.subdirs(d))
        return [Cgroup(n, parent=parent, layout=probe.layout, fs=probe.fs)
                for n in sorted(names)]

    # ------------------------------------------------------------------ where things are
    @property
    def path(self) -> str:
        """The cgroup's path below each hierarchy's root (``pycontainer-lab/web``)."""
        return f"{self.parent}/{self.name}" if self.parent else self.name

    def dirs(self) -> dict[str, str]:
        """Every directory that makes up this cgroup: hierarchy → absolute path."""
        raise NotImplementedError

    def file_path(self, file: str) -> str:
        """The absolute path of one of its files (on v1: in the right hierarchy).

        Raises ``KeyError`` for a file of a controller this host does not mount. Paths are
        remembered: the sampler asks for the same twenty files again and again."""
        try:
            path = self._paths[file]
        except KeyError:
            try:
                path = self._paths[file] = self._locate(file)
            except KeyError:
                path = self._paths[file] = None
        if path is None:
            raise KeyError(file)
        return path

    def _locate(self, file: str) -> str:
        raise NotImplementedError

    @property
    def exists(self) -> bool:
        return all(self.fs.exists(d) for d in self.dirs().values())

    def has(self, file: str) -> bool:
        """Whether the cgroup has this file (its controller is there, the kernel knows it)."""
        try:
            return self.fs.exists(self.file_path(file))
        except KeyError:
            return False

    def read(self, file: str) -> str:
        """The content of one of its files, as the kernel writes it."""
        try:
            return self.fs.read(self.file_path(file))
        except KeyError:
            raise UsageError(f"no {file} on this host: its controller is not mounted") from None
        except FileNotFoundError:
            if not self.exists:
                raise NotFoundError(f"cgroup {self.path} does not exist: create it first "
                                    f"(Cgroup({self.name!r}).create())") from None
            raise

    # ------------------------------------------------------------------ traced writes
    def _write(self, file: str, value: str, action: str, why: str = "",
               path: str | None = None) -> None:
        """Write one value to one file as a traced step, with a readable error."""
        path = path or self.file_path(file)
        with step(action, f"write {file} = {value}", f"echo {shlex.quote(value)} > {path}",
                  note=why):
            try:
                self.fs.write(path, value)
            except OSError as e:
                hint = _WRITE_HINTS.get(errno.errorcode.get(e.errno or 0, ""), "")
                if e.errno == errno.ENOENT and not self.exists:
                    hint = f"cgroup {self.path} does not exist: create it first"
                raise PclError(f"cannot write {value!r} to {path}: "
                               f"{e.strerror or e}{f' ({hint})' if hint else ''}") from e

    def _mkdir(self, path: str, what: str) -> None:
        with step(f"create {what}", f"mkdir {path}", f"mkdir {path}",
                  note="the kernel fills a new cgroup directory with its interface files"):
            self.fs.mkdir(path)

    def _rmdir(self, path: str, what: str) -> None:
        with step(f"remove {what}", f"rmdir {path}", f"rmdir {path}",
                  note="a cgroup is removed with rmdir, once no process is left in it "
                       "(its files need not, and cannot, be deleted first)"):
            self.fs.rmdir(path)

    # ------------------------------------------------------------------ life cycle
    def create(self) -> Cgroup:
        """Make the cgroup (and the project's parent, if missing); safe to call twice."""
        for attempt in range(3):
            try:
                self._create()
                return self
            except FileNotFoundError:
                if attempt == 2:  # the parent vanished under us each time (removed by
                    raise         # another process's last delete): give up
        return self

    def _create(self) -> None:
        raise NotImplementedError

    def add(self, pid: int) -> Cgroup:
        """Move a process (all its threads) into the cgroup; its future children are born
        inside. Its existing children stay where they are."""
        for label, d in self.dirs().items():
            self._write("cgroup.procs", str(pid), f"move process {pid} into {self.path}"
                        + (f" on the {label} hierarchy" if label else ""),
                        why="writing a pid to cgroup.procs moves the whole process",
                        path=os.path.join(d, "cgroup.procs"))
        return self

    def procs(self, recursive: bool = False) -> list[int]:
        """The processes in the cgroup (host pids), from ``cgroup.procs`` -- with
        ``recursive``, also those in cgroups nested inside it."""
        found: set[int] = set()
        todo = list(self.dirs().values())
        while todo:
            d = todo.pop()
            try:
                found.update(int(x) for x in self.fs.read(os.path.join(d, "cgroup.procs")).split())
                if recursive:
                    todo.extend(os.path.join(d, c) for c in self.fs.subdirs(d))
            except FileNotFoundError:
                continue
        return sorted(found)

    def set(self, knob: str, value: Any) -> list[Write]:
        """Set one knob; return the native writes it took.

        ``knob`` is a version-neutral name (Docker's flag: ``"memory"``, ``"cpus"``,
        ``"device-write-bps"``; the value is checked by Docker's rules) or a native file of this
        version (``"memory.limit_in_bytes"``, ``"cpu.max"``; the value goes to the kernel as
        given). A knob the version lacks raises :class:`~.knobs.UnsupportedKnobError`.
        """
        if knob in KNOBS:
            shown = value if not isinstance(value, list | tuple) else " ".join(map(str, value))
            parsed = parse_flag(knob, value)
            try:
                writes = translate(knob, parsed, self)
                for w in writes:
                    self._write(w.file, w.value, f"{knob} {shown} → {w.file}", w.why)
                    back = self.read(w.file).strip() if w.verify else ""
                    if w.verify and not w.verify(back):
                        raise ignored(knob, w, back)
            except UnsupportedKnobError as e:
                record(Step(action=f"{knob} {shown}: not in effect on cgroup v{self.version}",
                            call="(no knob to write)" if not e.written else "(read back)",
                            error=e.reason, pid=os.getpid()))
                raise
            return writes
        if not self.has(knob):
            hint = other_version_hint(knob, self.version)
            if hint:
                raise UsageError(hint)
            raise UsageError(f"unknown knob {knob!r} for {self.path}: use a file of this "
                             f"cgroup v{self.version} (ls {self._dir_of(knob)}) or one of "
                             f"{', '.join(KNOBS)}")
        w = Write(knob, str(value))
        self._write(knob, w.value, f"set {knob} of {self.path}")
        return [w]

    def _dir_of(self, file: str) -> str:
        try:
            return os.path.dirname(self.file_path(file))
        except KeyError:
            return next(iter(self.dirs().values()))

    def get(self, knob: str) -> str | dict[str, str]:
        """Read a knob back: a native file's content, or for a version-neutral name the
        native files it maps to (``{"memory.max": "33554432"}``)."""
        if knob not in KNOBS:
            return self.read(knob).strip()
        files = [v1 if self.version == 1 else v2 for v1, v2, n in EQUIVALENTS if n == knob]
        return {f: self.read(f).strip() for f in dict.fromkeys(files) if f and self.has(f)}

    # ------------------------------------------------------------------ freezing and killing
    freezer: ClassVar[tuple[str, str, str, str]] = ("", "", "", "")
    """The version's freezer: (file, value that freezes, value that thaws, how it is seen)."""

    def freeze(self, timeout: float = 5.0) -> Cgroup:
        """Stop every process in the group where it stands (no signal; they cannot notice).
        Waits until the kernel says all of them have stopped."""
        file, on, _, how = self.freezer
        self._write(file, on, f"freeze {self.path}", why=how)
        self._wait(lambda: self.frozen, timeout, f"{self.path} to freeze")
        return self

    def thaw(self, timeout: float = 5.0) -> Cgroup:
        """Let a frozen group run again."""
        file, _, off, _ = self.freezer
        self._write(file, off, f"thaw {self.path}")
        self._wait(lambda: not self.frozen, timeout, f"{self.path} to thaw")
        return self

    @property
    def frozen(self) -> bool:
        raise NotImplementedError

    @property
    def can_freeze(self) -> bool:
        return self.has(self.freezer[0])

    def _kill_file(self) -> str | None:
        """``cgroup.kill`` (Linux 5.14+, v2 or the hybrid v2 tree), if there is one."""
        return None

    def kill(self, timeout: float = 5.0) -> int:
        """SIGKILL every process in the group and wait until they are gone; return how many.

        With ``cgroup.kill`` (Linux 5.14+) the kernel does it in one write. Otherwise the
        group is frozen first, so nothing can fork while the list is read and signalled
        (a fork bomb would otherwise outrun us), then thawed so the signals land.
        """
        pids = self.procs(recursive=True)
        if not pids:
            return 0
        kill_file = self._kill_file()
        if kill_file:
            self._write(kill_file, "1", f"kill every process in {self.path}",
                        why="cgroup.kill (Linux 5.14+) SIGKILLs the whole group at once")
        else:
            if self.can_freeze:
                # a task stuck in the kernel may not freeze: signal it anyway
                with contextlib.suppress(PclError):
                    self.freeze(timeout=min(timeout, 1.0))
            with step(f"SIGKILL the {len(pids)} processes of {self.path}",
                      f"kill({', '.join(map(str, pids))}, SIGKILL)",
                      f"kill -9 $(cat {self._dir_of('cgroup.procs')}/cgroup.procs)",
                      note="frozen first, so that none can fork while we signal"):
                self._sigkill_all()
            if self.can_freeze:
                self.thaw(timeout=timeout)
        self._wait(lambda: not self.procs(recursive=True), timeout,
                   f"the processes of {self.path} to exit", again=self._sigkill_all)
        return len(pids)

    def _sigkill_all(self) -> None:
        for pid in self.procs(recursive=True):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)

    def delete(self, timeout: float = 5.0) -> None:
        """Remove the cgroup everywhere: kill what is still inside, wait until it is empty,
        rmdir (children first) in every hierarchy, then the project's parent if now empty.
        Deleting a deleted cgroup does nothing."""
        if any(self.fs.exists(d) for d in self.dirs().values()):
            if self.procs(recursive=True):
                self.kill(timeout)
            deadline = time.monotonic() + timeout
            for label, d in self.dirs().items():
                self._remove_tree(d, f"cgroup {self.path}"
                                  + (f" from the {label} hierarchy" if label else ""), deadline)
        if self.owns_parent:
            self._remove_parents()

    def _remove_tree(self, d: str, what: str, deadline: float) -> None:
        if not self.fs.exists(d):
            return
        for child in self.fs.subdirs(d):  # nested groups (a container may make its own)
            self._remove_tree(os.path.join(d, child), f"child cgroup {child}", deadline)
        while True:
            try:
                self._rmdir(d, what)
                return
            except FileNotFoundError:
                return
            except OSError as e:
                # EBUSY for a moment after the last process exits (it is still being reaped)
                if e.errno != errno.EBUSY or time.monotonic() > deadline:
                    raise PclError(f"cannot remove {d}: {e.strerror} (processes left: "
                                   f"{self.procs() or 'none'})") from e
                time.sleep(0.01)

    def _remove_parents(self) -> None:
        """rmdir the project's parent directories that are now empty, deepest first."""
        parts = self.parent.split("/") if self.parent else []
        for root in self._roots():
            for depth in range(len(parts), 0, -1):
                d = os.path.join(root, *parts[:depth])
                try:
                    if not self.fs.exists(d) or self.fs.subdirs(d):
                        break
                    self._rmdir(d, f"the empty parent {'/'.join(parts[:depth])}")
                except OSError:
                    break  # another group appeared meanwhile: it stays

    def _roots(self) -> list[str]:
        """The mount points this cgroup lives under."""
        raise NotImplementedError

    # ------------------------------------------------------------------ stats
    def stats(self) -> CgroupStats:
        """What the group has used so far (see :mod:`.stats`)."""
        raise NotImplementedError

    def _opt(self, file: str) -> str | None:
        """A file's content, or ``None`` if this cgroup has no such file."""
        try:
            return self.fs.read(self.file_path(file))
        except (KeyError, FileNotFoundError):
            return None

    def _int(self, file: str) -> int | None:
        text = self._opt(file)
        return int(text) if text is not None and text.strip().lstrip("-").isdigit() else None

    def _present(self, s: CgroupStats) -> CgroupStats:
        """``s``, unless nothing could be read because the cgroup is gone."""
        if s.cpu_usage_usec is None and s.memory_current is None and s.pids_current is None \
                and not self.exists:
            raise NotFoundError(f"cgroup {self.path} does not exist")
        return s

    # ------------------------------------------------------------------ helpers
    def _wait(self, done: Callable[[], bool], timeout: float, what: str,
              again: Callable[[], None] | None = None) -> None:
        deadline = time.monotonic() + timeout
        delay = 0.001
        while not done():
            if time.monotonic() > deadline:
                raise PclError(f"timed out after {timeout:g} s waiting for {what}")
            if again:
                again()
            time.sleep(delay)
            delay = min(delay * 2, 0.05)

    def __enter__(self) -> Cgroup:
        return self

    def __exit__(self, *exc: object) -> None:
        self.delete()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.path} ({self.layout.mode})>"

    def _repr_html_(self) -> str:
        head = (f"<b>cgroup {html.escape(self.path)}</b> (cgroup v{self.version}, "
                f"{html.escape(self.layout.mode)} host)")
        try:
            stats = self.stats()
        except (OSError, PclError):
            return f"{head}: does not exist (create it with <code>.create()</code>)"
        return f"{head}, processes {self.procs(recursive=True)}{stats._repr_html_()}"

