"""What a cgroup has used: one :class:`CgroupStats` snapshot, read from the accounting files.

The kernel counts as it goes; reading the files costs a few microseconds each. Counters only
grow (CPU time, bytes written, OOM kills), so *rates* come from two snapshots:
``cpu_percent(before, after)`` is what ``docker stats`` shows as CPU %.

Where each number comes from::

    field                  cgroup v1                                   cgroup v2
    cpu_usage_usec         cpuacct.usage (ns)                          cpu.stat usage_usec
    cpu_throttled_*        cpu.stat nr_periods nr_throttled            cpu.stat (same names,
                           throttled_time (ns)                         throttled_usec)
    cpu_limit              cpu.cfs_quota_us / cpu.cfs_period_us        cpu.max "quota period"
    memory_current         memory.usage_in_bytes                       memory.current
    memory_peak            memory.max_usage_in_bytes                   memory.peak (5.19+)
    memory_limit           memory.limit_in_bytes                       memory.max
    oom_events, oom_kills  memory.oom_control oom_kill (no event count) memory.events oom oom_kill
    pids_*                 pids.current pids.max pids.peak pids.events (same)
    io_*                   blkio.throttle.io_service{d,_bytes}_recursive   io.stat
    frozen                 freezer.state                               cgroup.events frozen
"""

from __future__ import annotations

import html
from dataclasses import asdict, dataclass

__all__ = ["UNLIMITED", "CgroupStats", "cpu_percent", "parse_cpu_limit", "parse_keyed",
           "parse_limit"]

UNLIMITED = 1 << 62
"""Limits at or above this are "no limit" (v1 writes 9223372036854771712 for unlimited)."""


@dataclass
class CgroupStats:
    """One snapshot of a cgroup's accounting. ``None``: not available on this version/kernel
    (for limits: no limit)."""

    time: float
    """``time.monotonic()`` when read."""
    cpu_usage_usec: int | None = None
    cpu_user_usec: int | None = None
    cpu_system_usec: int | None = None
    cpu_periods: int | None = None
    """CFS periods in which the group wanted to run (only counted while a quota is set)."""
    cpu_throttled_periods: int | None = None
    """… of which it ran out of quota and was stopped until the next period."""
    cpu_throttled_usec: int | None = None
    cpu_limit: float | None = None
    """CPUs the group may use: quota / period (``--cpus``); ``None``: no limit."""
    memory_current: int | None = None
    memory_peak: int | None = None
    memory_limit: int | None = None
    oom_events: int | None = None
    """Times the group hit its limit and could not reclaim (v2 only)."""
    oom_kills: int | None = None
    """Processes the OOM killer killed in the group."""
    under_oom: bool | None = None
    """v1 with ``oom-kill-disable``: the group is stalled at its limit right now."""
    pids_current: int | None = None
    pids_max: int | None = None
    pids_peak: int | None = None
    """The most processes it has held at once (``pids.peak``, Linux 6.1+)."""
    pids_limit_hits: int | None = None
    """Forks refused because of ``pids.max`` (``pids.events`` max)."""
    io_read_bytes: int | None = None
    io_write_bytes: int | None = None
    io_read_ops: int | None = None
    io_write_ops: int | None = None
    frozen: bool | None = None

    def to_dict(self) -> dict:
        return asdict(self)

    def rows(self) -> list[tuple[str, str]]:
        """What was measured, in words and units: ``("memory", "12.0 MiB of 64.0 MiB")``.
        Values this host does not report are left out."""
        out: list[tuple[str, str]] = []
        if self.cpu_usage_usec is not None:
            out.append(("CPU time", f"{self.cpu_usage_usec / 1e6:.3f} s"))
        if self.cpu_limit is not None:
            out.append(("CPU limit", f"{self.cpu_limit:g} CPUs"))
        if self.cpu_throttled_periods is not None and self.cpu_periods:
            out.append(("throttled", f"{self.cpu_throttled_periods} of {self.cpu_periods} "
                                     "periods"))
        if self.memory_current is not None:
            limit = f" of {_mib(self.memory_limit)}" if self.memory_limit else " (no limit)"
            out.append(("memory", _mib(self.memory_current) + limit))
        if self.memory_peak is not None:
            out.append(("memory peak", _mib(self.memory_peak)))
        if self.oom_kills is not None:
            out.append(("OOM kills", str(self.oom_kills)))
        if self.pids_current is not None:
            limit = f" of {self.pids_max}" if self.pids_max else ""
            out.append(("processes", f"{self.pids_current}{limit}"))
        if self.pids_limit_hits is not None:
            out.append(("refused forks", str(self.pids_limit_hits)))
        if self.io_read_bytes is not None:
            out.append(("block I/O", f"read {_mib(self.io_read_bytes)}, "
                                     f"written {_mib(self.io_write_bytes or 0)}"))
        if self.frozen is not None:
            out.append(("frozen", "yes" if self.frozen else "no"))
        return out

    def _repr_html_(self) -> str:
        cells = "".join(f"<tr><th style='text-align:left'>{html.escape(k)}</th>"
                        f"<td style='text-align:left'>{html.escape(v)}</td></tr>"
                        for k, v in self.rows())
        return f"<table class='pcl-stats'>{cells}</table>"


def _mib(n: int | None) -> str:
    return f"{(n or 0) / (1 << 20):.1f} MiB"


def parse_keyed(text: str) -> dict[str, int]:
    """``key value`` lines (``cpu.stat``, ``memory.events``, ``memory.oom_control``) → dict."""
    out = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1].lstrip("-").isdigit():
            out[parts[0]] = int(parts[1])
    return out


def parse_limit(text: str) -> int | None:
    """A limit file (``max``, ``-1`` or a huge number mean no limit) → bytes/count or None."""
    text = text.strip()
    if text in ("max", "-1", ""):
        return None
    value = int(text)
    return None if value >= UNLIMITED else value


def parse_cpu_limit(quota: str | None, period: str | None) -> float | None:
    """A CFS quota and period (v1's two files, or the two words of v2's ``cpu.max``) → CPUs.

    ``-1`` (v1) and ``max`` (v2) mean no quota: ``None``."""
    if quota is None or period is None:
        return None
    quota, period = quota.strip(), period.strip()
    if quota in ("max", "-1", "") or not quota.isdigit() or not period.isdigit():
        return None
    return int(quota) / int(period) if int(period) else None


def cpu_percent(before: CgroupStats, after: CgroupStats) -> float | None:
    """CPU use between two snapshots, as ``docker stats`` shows it: 100 = one whole CPU."""
    if before.cpu_usage_usec is None or after.cpu_usage_usec is None:
        return None
    wall = after.time - before.time
    if wall <= 0:
        return None
    return (after.cpu_usage_usec - before.cpu_usage_usec) / 1e6 / wall * 100
