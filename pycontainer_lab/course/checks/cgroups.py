"""Chapter 3, cgroups: a memory limit, half a CPU, and a cap on the number of processes.

Each check reads the group's files through :meth:`Cgroup.stats` (the same numbers on cgroup v1
and v2) and the list of processes in it (``cgroup.procs``)."""

from __future__ import annotations

import os

from ...linux.cgroups import Cgroup
from ...linux.cgroups.flags import parse_list
from ...linux.sandbox import Sandbox
from ..feedback import exercise, hint
from .common import alive

__all__ = ["cpu_half", "memory_limit", "pids_limit"]

MIB = 1 << 20


def _joined(box: Sandbox, cg: Cgroup, knob: str) -> None:
    if box.pid not in cg.procs():
        raise hint(f"{knob}.not-joined",
                   f"The limit is set, but the sandbox (pid {box.pid}) is not in {cg.path}, so "
                   "it does not apply to it: box.join_cgroup(cg) writes its pid to "
                   "cgroup.procs.")


@exercise("3.2", "a memory limit of 32 MiB")
def memory_limit(box: Sandbox, cg: Cgroup, mib: int = 32) -> str:
    alive(box)
    limit = cg.stats().memory_limit
    v = cg.version
    native = "memory.limit_in_bytes" if v == 1 else "memory.max"
    if limit is None:
        raise hint("memory.no-limit",
                   f"{cg.path} has no memory limit ({native} says unlimited): set one with "
                   f"cg.set('memory', '{mib}m').")
    if abs(limit - mib * 10**6) <= 4096:
        raise hint("memory.mb-not-mib",
                   f"The limit is {limit} bytes: {mib} million bytes (MB). Docker's sizes are "
                   f"binary: '{mib}m' is {mib} × 1024 × 1024 = {mib * MIB} bytes (MiB).")
    if limit < 4 * MIB:
        raise hint("memory.no-unit",
                   f"The limit is only {limit} bytes: a number without a unit means bytes "
                   f"(the kernel rounds up to whole pages). Write the unit: '{mib}m'.")
    if limit != mib * MIB:
        raise hint("memory.wrong-limit",
                   f"The limit is {limit / MIB:g} MiB, not {mib} MiB.")
    _joined(box, cg, "memory")
    return (f"{native} of {cg.path} is {limit} bytes ({mib} MiB) and the sandbox is inside: "
            "beyond that the kernel reclaims, then OOM-kills.")


def _shares_changed(cg: Cgroup) -> bool:
    file, default = ("cpu.shares", "1024") if cg.version == 1 else ("cpu.weight", "100")
    return cg.has(file) and cg.read(file).strip() != default


def _cpuset_narrowed(cg: Cgroup) -> bool:
    if not cg.has("cpuset.cpus"):
        return False
    mine = cg.read("cpuset.cpus").strip()
    return bool(mine) and len(parse_list("cpuset", mine)) < _online()


def _online() -> int:
    return os.cpu_count() or 1


@exercise("3.1", "at most half a CPU")
def cpu_half(box: Sandbox, cg: Cgroup) -> str:
    alive(box)
    s = cg.stats()
    words = ("cpu.cfs_quota_us / cpu.cfs_period_us" if cg.version == 1
             else "cpu.max (quota period)")
    if s.cpu_limit is None:
        if _shares_changed(cg):
            raise hint("cpu.shares-not-cap",
                       "You changed the group's CPU shares (weight): a weight only matters "
                       "when CPUs are contended, and an idle machine still gives the group "
                       "everything. A cap is a CFS quota: cg.set('cpus', 0.5).")
        if _cpuset_narrowed(cg):
            raise hint("cpu.cpuset-not-cap",
                       "You pinned the group to some CPUs (cpuset): it may still use 100 % of "
                       "each of them. A cap on CPU time is a CFS quota: cg.set('cpus', 0.5).")
        raise hint("cpu.no-limit",
                   f"{cg.path} has no CPU quota ({words} says unlimited): cg.set('cpus', 0.5).")
    if abs(s.cpu_limit - 0.5) > 1e-9:
        raise hint("cpu.wrong-limit",
                   f"The group may use {s.cpu_limit:g} CPUs ({words}); half a CPU is a quota "
                   "of half the period: 50000 µs every 100000 µs.")
    _joined(box, cg, "cpu")
    return (f"{words} allow 0.5 CPUs, and the sandbox is inside: in every 100 ms period it "
            "runs at most 50 ms, then waits (is throttled).")


@exercise("3.3", "at most 10 processes")
def pids_limit(box: Sandbox, cg: Cgroup, limit: int = 10) -> str:
    alive(box)
    got = cg.stats().pids_max
    if got is None:
        raise hint("pids.no-limit",
                   f"pids.max of {cg.path} is 'max': no limit on processes. Set it: "
                   f"cg.set('pids-limit', {limit}).")
    if got != limit:
        raise hint("pids.wrong-limit", f"pids.max is {got}, not {limit}.")
    _joined(box, cg, "pids")
    return (f"pids.max of {cg.path} is {limit} and the sandbox is inside: the {limit + 1}th "
            "fork (or thread) in the group fails with EAGAIN.")
