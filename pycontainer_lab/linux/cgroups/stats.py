"""What a cgroup has used: one :class:`CgroupStats` snapshot, read from the accounting files.

The kernel counts as it goes; reading the files costs a few microseconds each. Counters only
grow (CPU time, bytes written, OOM kills), so *rates* come from two snapshots:
``cpu_percent(before, after)`` is what ``docker stats`` shows as CPU %.

Where each number comes from::

    field                  cgroup v1                                   cgroup v2
    cpu_usage_usec         cpuacct.usage (ns)                          cpu.stat usage_usec
    cpu_throttled_*        cpu.stat nr_periods nr_throttled            cpu.stat (same names,
                           throttled_time (ns)                         throttled_usec)
    memory_current         memory.usage_in_bytes                       memory.current
    memory_peak            memory.max_usage_in_bytes                   memory.peak (5.19+)
    memory_limit           memory.limit_in_bytes                       memory.max
    oom_events, oom_kills  memory.oom_control oom_kill (no event count) memory.events oom oom_kill
    pids_*                 pids.current pids.max pids.peak pids.events (same)
    io_*                   blkio.throttle.io_service{d,_bytes}_recursive   io.stat
    frozen                 freezer.state                               cgroup.events frozen
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

__all__ = ["UNLIMITED", "CgroupStats", "cpu_percent", "parse_keyed", "parse_limit"]

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


def cpu_percent(before: CgroupStats, after: CgroupStats) -> float | None:
    """CPU use between two snapshots, as ``docker stats`` shows it: 100 = one whole CPU."""
    if before.cpu_usage_usec is None or after.cpu_usage_usec is None:
        return None
    wall = after.time - before.time
    if wall <= 0:
        return None
    return (after.cpu_usage_usec - before.cpu_usage_usec) / 1e6 / wall * 100
