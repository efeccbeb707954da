"""Measurements the chapters make: CPU use of a cgroup over a short window, and how long a
command takes. Real numbers, measured while the cell runs -- on a busy machine they vary."""

from __future__ import annotations

import time

from ..linux.cgroups import Cgroup
from ..linux.cgroups.stats import cpu_percent
from ..linux.sandbox import Completed, Sandbox

__all__ = ["cpu_use", "timed"]


def cpu_use(cg: Cgroup, seconds: float = 1.0) -> float:
    """The group's CPU use over the next ``seconds``, in percent of one CPU (as docker stats
    shows it: 150 = one and a half CPUs)."""
    before = cg.stats()
    time.sleep(seconds)
    return cpu_percent(before, cg.stats()) or 0.0


def timed(box: Sandbox, cmd: str, timeout: float = 60) -> tuple[float, Completed]:
    """Run ``cmd`` in the sandbox; return (seconds it took, its result)."""
    start = time.monotonic()
    done = box.run(cmd, timeout=timeout)
    return time.monotonic() - start, done
