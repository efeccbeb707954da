"""Knobs: one limit, named once, written as the file it really is on cgroup v1 or v2.

A *knob* is a cgroup file you write to set a limit. The two cgroup versions name and scale
them differently, so this module translates a **version-neutral name** -- Docker's flag name
without the dashes -- into the native writes for the version in use::

    knob                v1 (one hierarchy per controller)          v2 (one tree)
    cpus 1.5            cpu.cfs_period_us=100000                   cpu.max="150000 100000"
                        cpu.cfs_quota_us=150000
    cpu-shares 512      cpu.shares=512                             cpu.weight=20
    memory 32m          memory.limit_in_bytes=33554432             memory.max=33554432
    memory-swap 64m     memory.memsw.limit_in_bytes=67108864       memory.swap.max=33554432
                        (memory + swap)                            (swap alone: 64m − 32m)
    memory-reservation  memory.soft_limit_in_bytes                 memory.low
    memory-swappiness   memory.swappiness                          (none: vm.swappiness only)
    kernel-memory       memory.kmem.limit_in_bytes (ignored ≥ 6.x) (none: counted in memory.max)
    oom-kill-disable    memory.oom_control=1                       (none)
    pids-limit 20       pids.max=20                                pids.max=20
    blkio-weight 500    blkio.weight or blkio.bfq.weight=500       io.bfq.weight=500 or
                                                                   io.weight=5045
    device-write-bps    blkio.throttle.write_bps_device="7:0 1048576"   io.max="7:0 wbps=1048576"

The two formulas are Docker's (runc's): ``cpu.weight = 1 + (shares − 2) × 9999 / 262142``
maps shares 2…262144 onto weights 1…10000, and ``io.weight = 1 + (w − 10) × 9999 / 990``
maps blkio weights 10…1000 onto 1…10000.

A translator gets the value already checked by Docker's rules (:func:`.resources.parse_flag`)
and the cgroup (to ask which files exist, or read a current value), and returns the
:class:`Write` list. Where the running version has no such knob it raises
:class:`UnsupportedKnobError`, which says why and carries Docker's warning for it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from ...errors import PclError, UsageError
from .flags import Device

__all__ = ["EQUIVALENTS", "KNOBS", "UnsupportedKnobError", "Write", "blkio_to_io_weight",
           "ignored", "other_version_hint", "shares_to_weight", "translate"]

PAGE = 4096


class KnobTarget(Protocol):
    """What a translator may ask of the cgroup it writes to."""

    version: int

    def has(self, file: str) -> bool: ...

    def read(self, file: str) -> str: ...


@dataclass(frozen=True)
class Write:
    """One native file write: ``write cpu.cfs_quota_us = 150000``."""

    file: str
    value: str
    why: str = ""
    """The translation, in words, for the trace (``--cpus 1.5 = 150000 µs per 100000 µs``)."""
    verify: Callable[[str], bool] | None = None
    """Checks the value read back after writing (a kernel may accept a write and ignore it)."""

    def __str__(self) -> str:
        return f"{self.file}={self.value}"


class UnsupportedKnobError(PclError):
    """The knob does not exist on this cgroup version, or this kernel does not enforce it."""

    def __init__(self, knob: str, reason: str, docker_warning: str = "", written: bool = False):
        super().__init__(f"{knob}: {reason}")
        self.knob = knob
        self.reason = reason
        self.written = written
        """Whether the file was written (and the kernel ignored it)."""
        self.docker_warning = f"{docker_warning} ({reason})" if docker_warning else ""


# Version-neutral knob → what it limits, for listings and error messages.
KNOBS: dict[str, str] = {
    "cpus": "CPU time: this many CPUs' worth in every 100 ms period (1.5)",
    "cpu-period": "the CFS accounting period in µs (100000)",
    "cpu-quota": "CPU time in µs per period (-1 unlimited)",
    "cpu-shares": "relative CPU weight under contention (default 1024)",
    "cpuset-cpus": "the CPUs the processes may run on (0-2,4)",
    "cpuset-mems": "the memory nodes the processes may use (0)",
    "memory": "the memory limit (32m); above it the kernel reclaims, then OOM-kills",
    "memory-swap": "memory plus swap (64m; -1 unlimited)",
    "memory-reservation": "a soft limit: memory protected from reclaim (v2) / reclaimed to "
                          "first under pressure (v1)",
    "memory-swappiness": "how eagerly anonymous memory is swapped, 0-100 (v1 only)",
    "kernel-memory": "a separate kernel memory limit (v1 only, ignored by Linux ≥ 6.x)",
    "oom-kill-disable": "stall instead of OOM-killing at the memory limit (v1 only)",
    "pids-limit": "the number of processes and threads (20; -1 unlimited)",
    "blkio-weight": "relative block I/O weight, 10-1000",
    "blkio-weight-device": "the block I/O weight on one device (/dev/sda:500)",
    "device-read-bps": "read bytes per second on one device (/dev/sda:1mb)",
    "device-write-bps": "write bytes per second on one device (/dev/sda:1mb)",
    "device-read-iops": "read operations per second on one device (/dev/sda:100)",
    "device-write-iops": "write operations per second on one device (/dev/sda:100)",
}

# (v1 file, v2 file or "", neutral knob or ""): what to suggest when a native name of the
# other version is used, and the table the course shows.
EQUIVALENTS: list[tuple[str, str, str]] = [
    ("cpu.cfs_quota_us", "cpu.max", "cpu-quota"),
    ("cpu.cfs_period_us", "cpu.max", "cpu-period"),
    ("cpu.shares", "cpu.weight", "cpu-shares"),
    ("cpuacct.usage", "cpu.stat", ""),
    ("memory.limit_in_bytes", "memory.max", "memory"),
    ("memory.memsw.limit_in_bytes", "memory.swap.max", "memory-swap"),
    ("memory.soft_limit_in_bytes", "memory.low", "memory-reservation"),
    ("memory.usage_in_bytes", "memory.current", ""),
    ("memory.max_usage_in_bytes", "memory.peak", ""),
    ("memory.swappiness", "", "memory-swappiness"),
    ("memory.kmem.limit_in_bytes", "", "kernel-memory"),
    ("memory.oom_control", "", "oom-kill-disable"),
    ("blkio.weight", "io.weight", "blkio-weight"),
    ("blkio.bfq.weight", "io.bfq.weight", "blkio-weight"),
    ("blkio.weight_device", "io.weight", "blkio-weight-device"),
    ("blkio.throttle.read_bps_device", "io.max", "device-read-bps"),
    ("blkio.throttle.write_bps_device", "io.max", "device-write-bps"),
    ("blkio.throttle.read_iops_device", "io.max", "device-read-iops"),
    ("blkio.throttle.write_iops_device", "io.max", "device-write-iops"),
    ("blkio.throttle.io_service_bytes", "io.stat", ""),
    ("freezer.state", "cgroup.freeze", ""),
    # the rest only tell ``Cgroup.get(neutral)`` which files to read
    ("cpu.cfs_period_us", "cpu.max", "cpus"),
    ("cpu.cfs_quota_us", "cpu.max", "cpus"),
    ("cpuset.cpus", "cpuset.cpus", "cpuset-cpus"),
    ("cpuset.mems", "cpuset.mems", "cpuset-mems"),
    ("pids.max", "pids.max", "pids-limit"),
]


def shares_to_weight(shares: int) -> int:
    """Docker's (runc's) ``cpu.shares`` → ``cpu.weight``: 2…262144 onto 1…10000 (1024 → 39)."""
    return 1 + ((shares - 2) * 9999) // 262142


def blkio_to_io_weight(weight: int) -> int:
    """runc's ``blkio.weight`` → ``io.weight``: 10…1000 onto 1…10000 (500 → 4950)."""
    return 1 + ((weight - 10) * 9999) // 990


# Docker's warnings, word for word, for limits a host cannot enforce.
_DOCKER = {
    "cpu-shares": "Your kernel does not support CPU shares or the cgroup is not mounted. "
                  "Shares discarded.",
    "cfs": "Your kernel does not support CPU CFS scheduler. CPU period/quota discarded.",
    "cpuset": "Your kernel does not support cpuset or the cgroup is not mounted. "
              "Cpuset discarded.",
    "memory": "Your kernel does not support memory limit capabilities or the cgroup is not "
              "mounted. Limitation discarded.",
    "memory-swap": "Your kernel does not support swap limit capabilities or the cgroup is not "
                   "mounted. Memory limited without swap.",
    "memory-reservation": "Your kernel does not support memory soft limit capabilities or the "
                          "cgroup is not mounted. Limitation discarded.",
    "memory-swappiness": "Your kernel does not support memory swappiness capabilities or the "
                         "cgroup is not mounted. Memory swappiness discarded.",
    "kernel-memory": "Your kernel does not support kernel memory limit capabilities or the "
                     "cgroup is not mounted. Limitation discarded.",
    "oom-kill-disable": "Your kernel does not support OomKillDisable. OomKillDisable discarded.",
    "pids-limit": "Your kernel does not support PIDs limit capabilities or the cgroup is not "
                  "mounted. PIDs limit discarded.",
    "blkio-weight": "Your kernel does not support Block I/O weight or the cgroup is not "
                    "mounted. Weight discarded.",
    "blkio-weight-device": "Your kernel does not support Block I/O weight_device or the cgroup "
                           "is not mounted. Weight-device discarded.",
    "device-read-bps": "Your kernel does not support BPS Block I/O read limit or the cgroup is "
                       "not mounted. Block I/O BPS read limit discarded.",
    "device-write-bps": "Your kernel does not support BPS Block I/O write limit or the cgroup "
                        "is not mounted. Block I/O BPS write limit discarded.",
    "device-read-iops": "Your kernel does not support IOPS Block read limit or the cgroup is "
                        "not mounted. Block I/O IOPS read limit discarded.",
    "device-write-iops": "Your kernel does not support IOPS Block write limit or the cgroup is "
                         "not mounted. Block I/O IOPS write limit discarded.",
}


def ignored(knob: str, w: Write, back: str) -> UnsupportedKnobError:
    """The error for a write the kernel took without effect (found by reading it back)."""
    return UnsupportedKnobError(
        knob, f"this kernel accepts {w.file} but ignores it (it still reads {back}): {w.why}",
        _DOCKER.get(knob, ""), written=True)


def _need(cg: KnobTarget, knob: str, *files: str, docker: str = "") -> str:
    """The first of ``files`` this cgroup has, or say (Docker-style) that none exists."""
    for f in files:
        if cg.has(f):
            return f
    raise UnsupportedKnobError(
        knob, f"no {' or '.join(files)} here: its controller is not mounted or enabled for "
              "this cgroup, or this kernel lacks it", _DOCKER.get(docker or knob, ""))


def _absent(knob: str, reason: str) -> UnsupportedKnobError:
    return UnsupportedKnobError(knob, reason, _DOCKER[knob])


def _cpus_why(nano: int, period: int, quota: int) -> str:
    return (f"--cpus {nano / 1e9:g} = {quota} µs of CPU time in every {period} µs period"
            if nano else "--cpus 0 = no CFS quota")


# ---------------------------------------------------------------- cgroup v1

def _v1_cpus(nano: int, cg: KnobTarget) -> list[Write]:
    from .resources import CPU_PERIOD

    _need(cg, "cpus", "cpu.cfs_quota_us", docker="cfs")
    quota = nano * CPU_PERIOD // 10**9 if nano else -1
    why = _cpus_why(nano, CPU_PERIOD, quota)
    return [Write("cpu.cfs_period_us", str(CPU_PERIOD), why),
            Write("cpu.cfs_quota_us", str(quota), why)]


def _v1_blkio(knob: str, plain: str, bfq: str) -> Callable[[Any, KnobTarget], list[Write]]:
    """blkio weights live in CFQ's file on old kernels and BFQ's on new ones."""

    def translate(value: Any, cg: KnobTarget) -> list[Write]:
        file = _need(cg, knob, plain, bfq)
        if isinstance(value, list):
            return [Write(file, f"{d.numbers} {d.value}", f"{d.path} is {d.numbers}")
                    for d in value]
        return [Write(file, str(value))]

    return translate


def _throttle(knob: str, v1_file: str, v2_key: str) -> tuple[Callable, Callable]:
    """The four device throttles: one line per device, ``major:minor value``."""

    def v1(devices: list[Device], cg: KnobTarget) -> list[Write]:
        file = _need(cg, knob, v1_file)
        return [Write(file, f"{d.numbers} {d.value}", f"{d.path} is device {d.numbers}")
                for d in devices]

    def v2(devices: list[Device], cg: KnobTarget) -> list[Write]:
        _need(cg, knob, "io.max")
        return [Write("io.max", f"{d.numbers} {v2_key}={d.value or 'max'}",
                      f"{d.path} is device {d.numbers}; io.max takes rbps wbps riops wiops")
                for d in devices]

    return v1, v2


def _simple(knob: str, file: str, unlimited: str | None = None,
            docker: str = "") -> Callable[[Any, KnobTarget], list[Write]]:
    """A knob that is one file holding the value (``unlimited`` replaces values ≤ 0)."""

    def translate(value: Any, cg: KnobTarget) -> list[Write]:
        _need(cg, knob, file, docker=docker)
        shown = unlimited if unlimited is not None and int(value) <= 0 else str(value)
        return [Write(file, shown)]

    return translate


def _v1_kmem(value: int, cg: KnobTarget) -> list[Write]:
    _need(cg, "kernel-memory", "memory.kmem.limit_in_bytes")
    expected = value // PAGE * PAGE
    return [Write("memory.kmem.limit_in_bytes", str(value),
                  "deprecated since Linux 5.4; Linux 6.x accepts the write and ignores it",
                  verify=lambda back: int(back) == expected)]


def _v1_oom(disable: bool, cg: KnobTarget) -> list[Write]:
    _need(cg, "oom-kill-disable", "memory.oom_control")
    return [Write("memory.oom_control", "1" if disable else "0",
                  "at the limit, processes wait (under_oom 1) instead of being killed")]


_R = {"device-read-bps": ("blkio.throttle.read_bps_device", "rbps"),
      "device-write-bps": ("blkio.throttle.write_bps_device", "wbps"),
      "device-read-iops": ("blkio.throttle.read_iops_device", "riops"),
      "device-write-iops": ("blkio.throttle.write_iops_device", "wiops")}
_THROTTLES = {knob: _throttle(knob, v1f, key) for knob, (v1f, key) in _R.items()}

V1: dict[str, Callable[[Any, KnobTarget], list[Write]]] = {
    "cpus": _v1_cpus,
    "cpu-period": _simple("cpu-period", "cpu.cfs_period_us", docker="cfs"),
    "cpu-quota": _simple("cpu-quota", "cpu.cfs_quota_us", "-1", docker="cfs"),
    "cpu-shares": _simple("cpu-shares", "cpu.shares"),
    "cpuset-cpus": _simple("cpuset-cpus", "cpuset.cpus", docker="cpuset"),
    "cpuset-mems": _simple("cpuset-mems", "cpuset.mems", docker="cpuset"),
    "memory": _simple("memory", "memory.limit_in_bytes", "-1"),
    "memory-swap": _simple("memory-swap", "memory.memsw.limit_in_bytes", "-1"),
    "memory-reservation": _simple("memory-reservation", "memory.soft_limit_in_bytes", "-1"),
    "memory-swappiness": _simple("memory-swappiness", "memory.swappiness"),
    "kernel-memory": _v1_kmem,
    "oom-kill-disable": _v1_oom,
    "pids-limit": _simple("pids-limit", "pids.max", "max"),
    "blkio-weight": _v1_blkio("blkio-weight", "blkio.weight", "blkio.bfq.weight"),
    "blkio-weight-device": _v1_blkio("blkio-weight-device", "blkio.weight_device",
                                     "blkio.bfq.weight_device"),
    **{knob: pair[0] for knob, pair in _THROTTLES.items()},
}


# ---------------------------------------------------------------- cgroup v2

def _v2_cpus(nano: int, cg: KnobTarget) -> list[Write]:
    from .resources import CPU_PERIOD

    _need(cg, "cpus", "cpu.max", docker="cfs")
    quota = nano * CPU_PERIOD // 10**9 if nano else -1
    shown = f"{quota if quota > 0 else 'max'} {CPU_PERIOD}"
    return [Write("cpu.max", shown, _cpus_why(nano, CPU_PERIOD, quota))]


def _v2_cpu_period(period: int, cg: KnobTarget) -> list[Write]:
    _need(cg, "cpu-period", "cpu.max", docker="cfs")
    quota = cg.read("cpu.max").split()[0]
    return [Write("cpu.max", f"{quota} {period}",
                  "cpu.max holds quota and period together; the quota is kept")]


def _v2_cpu_quota(quota: int, cg: KnobTarget) -> list[Write]:
    _need(cg, "cpu-quota", "cpu.max", docker="cfs")
    return [Write("cpu.max", str(quota) if quota > 0 else "max",
                  "a quota alone keeps the period already in cpu.max")]


def _v2_shares(shares: int, cg: KnobTarget) -> list[Write]:
    _need(cg, "cpu-shares", "cpu.weight")
    if not shares:
        return [Write("cpu.weight", "100", "no shares: the default weight")]
    weight = shares_to_weight(shares)
    return [Write("cpu.weight", str(weight),
                  f"Docker's formula: 1 + ({shares} − 2) × 9999 / 262142 = {weight}")]


def _v2_swap(swap: int, cg: KnobTarget) -> list[Write]:
    _need(cg, "memory-swap", "memory.swap.max")
    if swap == -1:
        return [Write("memory.swap.max", "max", "--memory-swap -1: unlimited swap")]
    memory = cg.read("memory.max").strip()
    if memory == "max":
        raise UsageError("memory-swap needs a memory limit on cgroup v2, where swap is limited "
                         "on its own (memory.swap.max = memory-swap − memory.max): set memory "
                         "first")
    if swap < int(memory):
        raise UsageError(f"memory-swap {swap} is below the memory limit {memory}: it counts "
                         "memory plus swap")
    return [Write("memory.swap.max", str(swap - int(memory)),
                  f"v2 limits swap alone: {swap} (memory+swap) − {memory} (memory.max)")]


def _v2_io_weight(knob: str) -> Callable[[Any, KnobTarget], list[Write]]:
    """BFQ's io.bfq.weight takes blkio's scale; io.weight needs runc's conversion."""

    def translate(value: Any, cg: KnobTarget) -> list[Write]:
        file = _need(cg, knob, "io.bfq.weight", "io.weight")
        bfq = file == "io.bfq.weight"
        items = value if isinstance(value, list) else [None]
        out = []
        for d in items:
            w = d.value if d else int(value)
            native = w if bfq else blkio_to_io_weight(w)
            why = "" if bfq else f"runc's formula: 1 + ({w} − 10) × 9999 / 990 = {native}"
            where = f"{d.numbers} " if d else ("default " if not bfq else "")
            out.append(Write(file, f"{where}{native}", why))
        return out

    return translate


def _v2_none(knob: str, reason: str) -> Callable[[Any, KnobTarget], list[Write]]:
    def translate(value: Any, cg: KnobTarget) -> list[Write]:
        raise _absent(knob, reason)

    return translate


def _v2_oom(disable: bool, cg: KnobTarget) -> list[Write]:
    if not disable:
        return []
    raise _absent("oom-kill-disable", "cgroup v2 cannot disable the OOM killer "
                                      "(memory.oom.group only makes the whole group die "
                                      "together)")


V2: dict[str, Callable[[Any, KnobTarget], list[Write]]] = {
    "cpus": _v2_cpus,
    "cpu-period": _v2_cpu_period,
    "cpu-quota": _v2_cpu_quota,
    "cpu-shares": _v2_shares,
    "cpuset-cpus": _simple("cpuset-cpus", "cpuset.cpus", docker="cpuset"),
    "cpuset-mems": _simple("cpuset-mems", "cpuset.mems", docker="cpuset"),
    "memory": _simple("memory", "memory.max", "max"),
    "memory-swap": _v2_swap,
    "memory-reservation": _simple("memory-reservation", "memory.low", "0"),
    "memory-swappiness": _v2_none("memory-swappiness", "cgroup v2 has no per-cgroup "
                                  "swappiness (only the system-wide vm.swappiness)"),
    "kernel-memory": _v2_none("kernel-memory", "cgroup v2 has no separate kernel memory "
                              "limit: kernel memory counts toward memory.max"),
    "oom-kill-disable": _v2_oom,
    "pids-limit": _simple("pids-limit", "pids.max", "max"),
    "blkio-weight": _v2_io_weight("blkio-weight"),
    "blkio-weight-device": _v2_io_weight("blkio-weight-device"),
    **{knob: pair[1] for knob, pair in _THROTTLES.items()},
}


def translate(knob: str, value: Any, cg: KnobTarget) -> list[Write]:
    """The native writes that set a version-neutral ``knob`` (value already checked)."""
    table = V1 if cg.version == 1 else V2
    return table[knob](value, cg)


def other_version_hint(file: str, version: int) -> str:
    """For a native name of the *other* version: what to use instead, or ``""``."""
    for v1, v2, neutral in EQUIVALENTS:
        mine, theirs = (v1, v2) if version == 1 else (v2, v1)
        if file == theirs and file:
            instead = [mine] if mine else []
            if neutral:
                instead.append(f"the version-neutral name {neutral!r}")
            use = " or ".join(instead) if instead else "nothing: it has no equivalent"
            return (f"{file} is a cgroup v{3 - version} file and this cgroup is v{version}: "
                    f"use {use}")
    return ""
