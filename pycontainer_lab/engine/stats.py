"""``stats``: each container's live use of CPU, memory, block I/O and pids, read from its
cgroup, in ``docker stats``' columns. CPU % needs two readings: the CPU time used between
them divided by the time between them (100 % is one whole CPU)."""

from __future__ import annotations

import time

from ..linux.cgroups.stats import CgroupStats, cpu_percent
from .cgroup import ContainerCgroup
from .reconcile import reconcile_all
from .store import ContainerStore

__all__ = ["StatsReader"]


def _size(n: float | None) -> str:
    from ..units import human_size

    return "--" if n is None else human_size(n, binary=True)


def _dec(n: float | None) -> str:
    from ..units import human_size

    return "0B" if not n else human_size(n)


class StatsReader:
    """Read the stats of some (or all running) containers, again and again."""

    def __init__(self, refs: list[str] | None = None, all_: bool = False,
                 store: ContainerStore | None = None):
        self.store = store or ContainerStore()
        self.refs = refs or []
        self.all = all_
        self.previous: dict[str, CgroupStats] = {}

    def _records(self) -> list[dict]:
        if self.refs:
            ids = [self.store.resolve(r) for r in self.refs]
            return [r for r in reconcile_all(self.store) if r["ID"] in ids]
        return [r for r in reconcile_all(self.store)
                if self.all or r["State"]["Status"] in ("running", "paused")]

    def read(self) -> list[dict]:
        """One row per container (``docker stats --format`` fields)."""
        rows = []
        for record in sorted(self._records(), key=lambda r: r["Name"]):
            cid = record["ID"]
            cg = ContainerCgroup(record)
            running = record["State"]["Status"] in ("running", "paused")
            s = cg.stats() if running and cg.group.exists else None
            before = self.previous.get(cid)
            cpu = cpu_percent(before, s) if (s and before) else None
            if s:
                self.previous[cid] = s
            limit = s.memory_limit if s and s.memory_limit else None
            mem = s.memory_current if s else None
            rows.append({
                "ID": cid[:12], "Container": cid[:12], "Name": record["Name"][1:],
                "CPUPerc": "--" if cpu is None else f"{cpu:.2f}%",
                "MemUsage": f"{_size(mem)} / {_size(limit) if limit else _host_mem()}",
                "MemPerc": f"{100 * mem / (limit or _host_mem_bytes()):.2f}%" if mem else
                "0.00%",
                "NetIO": "0B / 0B",
                "BlockIO": f"{_dec(s.io_read_bytes if s else 0)} / "
                           f"{_dec(s.io_write_bytes if s else 0)}",
                "PIDs": str(s.pids_current or 0) if s else "0",
            })
        return rows

    def read_twice(self, gap: float = 1.0) -> list[dict]:
        """Two readings ``gap`` apart, so CPU % has a value (``stats --no-stream``)."""
        self.read()
        time.sleep(gap)
        return self.read()


def _host_mem_bytes() -> int:
    with open("/proc/meminfo") as f:
        return int(f.readline().split()[1]) * 1024


def _host_mem() -> str:
    return _size(_host_mem_bytes())
