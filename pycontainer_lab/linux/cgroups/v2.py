"""cgroup v2: one tree for every controller, and two rules that v1 did not have.

On v2 a cgroup is exactly one directory (``/sys/fs/cgroup/pycontainer-lab/web``) and all its
files are in it. In exchange:

- **Controllers are handed down explicitly.** A child only gets ``memory.max`` if its parent
  lists ``memory`` in ``cgroup.subtree_control``; so every ancestor from the root down to our
  parent writes ``+cpu +io +memory +pids …`` there (the controllers it has itself, from its
  ``cgroup.controllers``).
- **No internal processes.** A cgroup that hands controllers to children may hold no
  processes itself (the root excepted). Processes therefore live only in leaves -- our groups
  -- and the project's parent never holds one. If an ancestor we must enable controllers in
  has processes (a delegated subtree where your shell lives), the kernel says ``EBUSY`` and we
  say which rule it is.

Freezing is ``cgroup.freeze`` (``1``/``0``; ``cgroup.events`` says ``frozen 1`` when done) and
Linux 5.14+ kills a whole group with one write to ``cgroup.kill``.
"""

from __future__ import annotations

import contextlib
import errno
import os
import time

from ...errors import PclError
from .group import Cgroup
from .stats import CgroupStats, parse_cpu_limit, parse_keyed, parse_limit

__all__ = ["CgroupV2"]


class CgroupV2(Cgroup):
    """A cgroup on the cgroup v2 tree."""

    version = 2

    @property
    def _root(self) -> str:
        assert self.layout.v2 is not None
        return self.layout.v2.mountpoint

    def dirs(self) -> dict[str, str]:
        return {"": os.path.join(self._root, self.path)}

    def _roots(self) -> list[str]:
        return [self._root]

    def _locate(self, file: str) -> str:
        return os.path.join(self._root, self.path, file)

    # ------------------------------------------------------------------ create
    def _create(self) -> None:
        parts = self.path.split("/")
        for depth in range(len(parts)):
            here = os.path.join(self._root, *parts[:depth])
            self._delegate(here, "/".join(parts[:depth]) or "the root")
            child = os.path.join(here, parts[depth])
            if not self.fs.exists(child):
                with contextlib.suppress(FileExistsError):  # made meanwhile: fine
                    self._mkdir(child, f"cgroup {'/'.join(parts[:depth + 1])}")

    def _delegate(self, d: str, name: str) -> None:
        """Enable, for the children of ``d``, every controller ``d`` has itself."""
        have = self.fs.read(os.path.join(d, "cgroup.controllers")).split()
        enabled = {c.lstrip("+") for c in
                   self.fs.read(os.path.join(d, "cgroup.subtree_control")).split()}
        missing = [c for c in have if c not in enabled]
        if not missing:
            return
        value = " ".join(f"+{c}" for c in missing)
        try:
            self._write("cgroup.subtree_control", value,
                        f"hand the {', '.join(missing)} controllers down to the children of "
                        f"{name}", path=os.path.join(d, "cgroup.subtree_control"),
                        why="a v2 child only gets a controller's files if its parent "
                            "enables it in cgroup.subtree_control")
        except PclError as e:
            cause = e.__cause__
            if isinstance(cause, OSError) and cause.errno == errno.EBUSY:
                raise PclError(
                    f"cannot enable controllers in {d}: it holds processes, and cgroup v2 "
                    "forbids a cgroup with processes from handing controllers to children "
                    "(the no-internal-processes rule): move its processes into a leaf "
                    "cgroup first, or choose another parent (PCL_CGROUP_PARENT)") from cause
            raise

    # ------------------------------------------------------------------ freezer
    freezer = ("cgroup.freeze", "1", "0",
               "cgroup.events says 'frozen 1' once every task has stopped")

    @property
    def frozen(self) -> bool:
        return parse_keyed(self.read("cgroup.events")).get("frozen") == 1

    def _kill_file(self) -> str | None:
        return "cgroup.kill" if self.has("cgroup.kill") else None

    # ------------------------------------------------------------------ stats
    def stats(self) -> CgroupStats:
        s = CgroupStats(time=time.monotonic())
        cpu = parse_keyed(self._opt("cpu.stat") or "")
        s.cpu_usage_usec = cpu.get("usage_usec")
        s.cpu_user_usec = cpu.get("user_usec")
        s.cpu_system_usec = cpu.get("system_usec")
        s.cpu_periods = cpu.get("nr_periods")
        s.cpu_throttled_periods = cpu.get("nr_throttled")
        s.cpu_throttled_usec = cpu.get("throttled_usec")
        cpu_max = (self._opt("cpu.max") or "").split()
        if len(cpu_max) == 2:
            s.cpu_limit = parse_cpu_limit(*cpu_max)
        s.memory_current = self._int("memory.current")
        s.memory_peak = self._int("memory.peak")
        limit = self._opt("memory.max")
        s.memory_limit = parse_limit(limit) if limit is not None else None
        events = self._opt("memory.events")
        if events is not None:
            counts = parse_keyed(events)
            s.oom_events, s.oom_kills = counts.get("oom", 0), counts.get("oom_kill", 0)
        s.pids_current = self._int("pids.current")
        pids_max = self._opt("pids.max")
        s.pids_max = parse_limit(pids_max) if pids_max is not None else None
        s.pids_peak = self._int("pids.peak")
        s.pids_limit_hits = parse_keyed(self._opt("pids.events") or "").get("max")
        io = self._opt("io.stat")
        if io is not None:
            totals = {"rbytes": 0, "wbytes": 0, "rios": 0, "wios": 0}
            for line in io.splitlines():
                for item in line.split()[1:]:
                    key, _, value = item.partition("=")
                    if key in totals:
                        totals[key] += int(value)
            s.io_read_bytes, s.io_write_bytes = totals["rbytes"], totals["wbytes"]
            s.io_read_ops, s.io_write_ops = totals["rios"], totals["wios"]
        events_core = self._opt("cgroup.events")
        if events_core is not None:
            s.frozen = parse_keyed(events_core).get("frozen") == 1
        return self._present(s)
