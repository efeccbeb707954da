"""cgroup v1: one hierarchy per controller, so one cgroup is a directory in each of them.

On v1 ``/sys/fs/cgroup/memory``, ``/sys/fs/cgroup/cpu``, ``/sys/fs/cgroup/pids``… are separate
trees (two controllers may share one, like ``cpu,cpuacct``). A cgroup ``pycontainer-lab/web``
is therefore a directory under *each* of them, a process is added to each, and a file is found
in the hierarchy of its controller: ``memory.limit_in_bytes`` under ``memory/``,
``cpu.cfs_quota_us`` under ``cpu/``. Processes may sit in any cgroup, also one with children.

Three v1 peculiarities are handled here:

- a new **cpuset** cgroup starts with *no* CPUs and memory nodes, and no process may join it
  until ``cpuset.cpus`` and ``cpuset.mems`` are filled (we copy the parent's);
- **freezing** is ``freezer.state``: write ``FROZEN``, then wait while it says ``FREEZING``;
- on a **hybrid** host the v2 tree is a hierarchy too: the group is made there as well, so
  that it can use v2's ``cgroup.kill`` (Linux 5.14+) and the per-group pressure files.
"""

from __future__ import annotations

import contextlib
import os
import time

from .group import Cgroup
from .stats import CgroupStats, parse_cpu_limit, parse_keyed, parse_limit

__all__ = ["CgroupV1"]

# Files every v1 cgroup has whatever its controllers (found in any of its directories).
_CORE = ("cgroup.", "tasks", "notify_on_release")
# Files only the v2 tree has; on a hybrid host they are found there.
_V2_CORE = ("cgroup.kill", "cgroup.events", "cgroup.freeze", "cgroup.stat")


class CgroupV1(Cgroup):
    """A cgroup on cgroup v1 (legacy or hybrid hosts)."""

    version = 1

    def _hierarchies(self) -> dict[str, str]:
        """Hierarchy name (its controllers, like ``cpu,cpuacct``) → mount point."""
        out = {",".join(h.controllers): h.mountpoint for h in self.layout.v1}
        if self.layout.v2 is not None:
            out["unified (v2)"] = self.layout.v2.mountpoint
        return out

    def dirs(self) -> dict[str, str]:
        return {label: os.path.join(mp, self.path) for label, mp in self._hierarchies().items()}

    def _roots(self) -> list[str]:
        return list(self._hierarchies().values())

    def _locate(self, file: str) -> str:
        if file in _V2_CORE and self.layout.v2 is not None:
            return os.path.join(self.layout.v2.mountpoint, self.path, file)
        if file.startswith(_CORE):
            return os.path.join(self.layout.v1[0].mountpoint, self.path, file)
        controller = file.split(".", 1)[0]
        for h in self.layout.v1:
            if controller in h.controllers:
                return os.path.join(h.mountpoint, self.path, file)
        if self.layout.v2 is not None and controller in self.layout.v2.controllers:
            return os.path.join(self.layout.v2.mountpoint, self.path, file)
        raise KeyError(file)

    # ------------------------------------------------------------------ create
    def _create(self) -> None:
        parts = self.path.split("/")
        for label, mp in self._hierarchies().items():
            for depth in range(1, len(parts) + 1):
                d = os.path.join(mp, *parts[:depth])
                if not self.fs.exists(d):
                    with contextlib.suppress(FileExistsError):  # made meanwhile: fine
                        self._mkdir(d, f"cgroup {'/'.join(parts[:depth])} on the {label} "
                                       "hierarchy")
                if "cpuset" in label.split(","):
                    self._fill_cpuset(d)

    def _fill_cpuset(self, d: str) -> None:
        """Give an empty v1 cpuset its parent's CPUs and memory nodes."""
        for file in ("cpuset.cpus", "cpuset.mems"):
            if self.fs.read(os.path.join(d, file)).strip():
                continue
            value = self.fs.read(os.path.join(os.path.dirname(d), file)).strip()
            self._write(file, value, f"copy the parent's {file} into {os.path.basename(d)}",
                        why="a v1 cpuset starts empty, and no process may join it until "
                            "cpuset.cpus and cpuset.mems are set",
                        path=os.path.join(d, file))

    # ------------------------------------------------------------------ freezer
    freezer = ("freezer.state", "FROZEN", "THAWED",
               "the freezer stops every task where it stands; freezer.state reads FREEZING "
               "until all have stopped, then FROZEN")

    @property
    def frozen(self) -> bool:
        return self.read("freezer.state").strip() == "FROZEN"

    def _kill_file(self) -> str | None:
        return "cgroup.kill" if self.layout.v2 is not None and self.has("cgroup.kill") else None

    # ------------------------------------------------------------------ stats
    def stats(self) -> CgroupStats:
        s = CgroupStats(time=time.monotonic())
        usage, user, system = (self._int(f"cpuacct.usage{x}") for x in ("", "_user", "_sys"))
        s.cpu_usage_usec = usage // 1000 if usage is not None else None
        s.cpu_user_usec = user // 1000 if user is not None else None
        s.cpu_system_usec = system // 1000 if system is not None else None
        cpu = parse_keyed(self._opt("cpu.stat") or "")
        s.cpu_periods = cpu.get("nr_periods")
        s.cpu_throttled_periods = cpu.get("nr_throttled")
        if "throttled_time" in cpu:
            s.cpu_throttled_usec = cpu["throttled_time"] // 1000
        s.cpu_limit = parse_cpu_limit(self._opt("cpu.cfs_quota_us"),
                                      self._opt("cpu.cfs_period_us"))
        s.memory_current = self._int("memory.usage_in_bytes")
        s.memory_peak = self._int("memory.max_usage_in_bytes")
        limit = self._opt("memory.limit_in_bytes")
        s.memory_limit = parse_limit(limit) if limit is not None else None
        oom = parse_keyed(self._opt("memory.oom_control") or "")
        s.oom_kills = oom.get("oom_kill")
        s.under_oom = bool(oom["under_oom"]) if "under_oom" in oom else None
        s.pids_current = self._int("pids.current")
        pids_max = self._opt("pids.max")
        s.pids_max = parse_limit(pids_max) if pids_max is not None else None
        s.pids_peak = self._int("pids.peak")
        s.pids_limit_hits = parse_keyed(self._opt("pids.events") or "").get("max")
        s.io_read_bytes, s.io_write_bytes = self._blkio("io_service_bytes_recursive")
        s.io_read_ops, s.io_write_ops = self._blkio("io_serviced_recursive")
        state = self._opt("freezer.state")
        s.frozen = state.strip() == "FROZEN" if state is not None else None
        return self._present(s)


    def _blkio(self, name: str) -> tuple[int | None, int | None]:
        """Bytes (or operations) read and written, summed over devices.

        Recent kernels count a device in ``blkio.throttle.*`` only while it has a throttle
        rule, and in ``blkio.bfq.*`` only if it uses the BFQ scheduler; so both are read and,
        per device, the larger count is taken.
        """
        counts: dict[tuple[str, str], int] = {}
        found = False
        for prefix in ("blkio.throttle.", "blkio.bfq."):
            text = self._opt(prefix + name)
            found = found or text is not None
            for line in (text or "").splitlines():
                parts = line.split()
                if len(parts) == 3 and parts[1] in ("Read", "Write"):
                    key = (parts[0], parts[1])
                    counts[key] = max(counts.get(key, 0), int(parts[2]))
        if not found:
            return None, None
        return (sum(v for (_, op), v in counts.items() if op == "Read"),
                sum(v for (_, op), v in counts.items() if op == "Write"))
