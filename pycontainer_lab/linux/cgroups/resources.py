"""Docker's resource flags: read them, check them by Docker's rules, and write them into a cgroup.

::

    res = Resources.from_flags(cpus="1.5", memory="32m", pids_limit="20")
    with Cgroup("web").create() as cg:
        for warning in apply(cg, res):     # e.g. a limit this kernel cannot enforce
            print("WARNING:", warning)

``from_flags`` takes the flags as ``docker run`` spells them (``cpu_shares`` for
``--cpu-shares``; strings as typed, or already numbers), checks every rule Docker checks, and
raises :class:`~pycontainer_lab.errors.UsageError` -- one line naming the flag, the value and the
rule -- before anything is created. What it accepts is a :class:`Resources`: plain numbers in
Docker's units (bytes, nano-CPUs, microseconds), the same fields as Docker's ``HostConfig``.

:func:`apply` writes them as version-neutral knobs (see :mod:`.knobs`), so the trace shows each
flag becoming the cgroup v1 or v2 file it really is. Docker answers a limit the host cannot
enforce with a *warning* and runs the container anyway ("Limitation discarded"); so does
:func:`apply` -- it returns the warnings (and records each in the trace), it never drops one
silently.

Where this project differs from today's Docker, on purpose: the minimum for ``--memory``,
``--memory-reservation`` and ``--kernel-memory`` is **4m**, as in the course material and in
Docker before 20.10 (which raised it to 6m).
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field, fields
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ...errors import UsageError
from .flags import (
    Device,
    format_list,
    invalid,
    parse_cpus,
    parse_device,
    parse_int,
    parse_list,
    parse_size,
    parse_swap,
)

if TYPE_CHECKING:
    from .group import Cgroup

__all__ = ["MIN_MEMORY", "Resources", "apply", "create_limited", "parse_flag"]

MIN_MEMORY = 4 * 1024 * 1024
"""The smallest memory limit accepted (the course's rule; Docker ≥ 20.10 says 6 MiB)."""
MIN_SHARES, MAX_SHARES = 2, 262144
"""The kernel's range for ``cpu.shares`` (Docker clamps to it, with a warning)."""
CPU_PERIOD = 100_000
"""The CFS period ``--cpus`` uses: 100 ms, in microseconds."""

# Docker's own words, for the warnings it prints.
_OOM_NO_LIMIT = ("OOM killer is disabled for the container, but no memory limit is set, this "
                 "can result in the system running out of resources.")
_KMEM_DEPRECATED = ("Specifying a kernel memory limit is deprecated and will be removed in a "
                    "future release.")

_DEVICE_FLAGS = {"blkio-weight-device": "weight", "device-read-bps": "bps",
                 "device-write-bps": "bps", "device-read-iops": "iops",
                 "device-write-iops": "iops"}


def cpus_text(nano: int) -> str:
    """Nano-CPUs back as ``--cpus`` would take them: 1500000000 → ``"1.5"``."""
    return format(Decimal(nano).scaleb(-9).normalize(), "f")


def _online(path: str, default: str) -> str:
    try:
        with open(path) as f:
            return f.read().strip() or default
    except OSError:
        return default


def _check_available(flag: str, value: str, what: str, online: str) -> str:
    wanted = parse_list(flag, value, what)
    have = parse_list(flag, online, what)
    if not wanted <= have:
        raise invalid(flag, value, f"requested {what} are not available - requested "
                                   f"{format_list(wanted)}, available: {online}")
    return value


def _ncpu() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except OSError:
        return os.cpu_count() or 1


def parse_flag(name: str, raw: Any, warnings: list[str] | None = None) -> Any:
    """One flag's value, checked by the rules that need no other flag.

    ``name`` is the long flag without dashes (``"memory"``, ``"cpu-shares"``); the result is in
    Docker's units: bytes, nano-CPUs, microseconds, a list of :class:`~.flags.Device`.
    Adjustments Docker makes with a warning (shares clamped to 2..262144) append to ``warnings``.
    """
    flag = f"--{name}"
    warn = warnings if warnings is not None else []
    if name == "cpus":
        nano = parse_cpus(flag, raw)
        n = _ncpu()
        if nano and not 10**7 <= nano <= n * 10**9:
            raise invalid(flag, raw, f"range of CPUs is from 0.01 to {n}.00, as there are "
                                     f"only {n} CPUs available")
        return nano
    if name == "cpu-period":
        period = parse_int(flag, raw)
        if period and not 1000 <= period <= 1_000_000:
            raise invalid(flag, raw, "CPU cfs period can not be less than 1ms (i.e. 1000) or "
                                     "larger than 1s (i.e. 1000000)")
        return period
    if name == "cpu-quota":
        quota = parse_int(flag, raw, "-1 means no limit")
        if 0 < quota < 1000:
            raise invalid(flag, raw, "CPU cfs quota can not be less than 1ms (i.e. 1000)")
        return quota
    if name == "cpu-shares":
        shares = parse_int(flag, raw)
        if shares < 0:
            raise invalid(flag, raw, "shares must not be negative (the default is 1024)")
        if 0 < shares < MIN_SHARES or shares > MAX_SHARES:
            clamped = min(max(shares, MIN_SHARES), MAX_SHARES)
            which = "minimum" if shares < MIN_SHARES else "maximum"
            warn.append(f"Changing requested CPUShares of {shares} to {which} allowed of "
                        f"{clamped}")
            shares = clamped
        return shares
    if name == "cpuset-cpus":
        return _check_available(flag, str(raw), "CPUs",
                                _online("/sys/devices/system/cpu/online", "0"))
    if name == "cpuset-mems":
        return _check_available(flag, str(raw), "memory nodes",
                                _online("/sys/devices/system/node/online", "0"))
    if name in ("memory", "memory-reservation", "kernel-memory"):
        size = parse_size(flag, raw)
        what = {"memory": "memory limit", "memory-reservation": "memory reservation",
                "kernel-memory": "kernel memory limit"}[name]
        if size < 0 or 0 < size < MIN_MEMORY:
            raise invalid(flag, raw, f"minimum {what} allowed is 4m")
        return size
    if name == "memory-swap":
        return parse_swap(flag, raw)
    if name == "memory-swappiness":
        swappiness = parse_int(flag, raw, "-1 leaves it unset")
        if swappiness != -1 and not 0 <= swappiness <= 100:
            raise invalid(flag, raw, "valid memory swappiness range is 0-100")
        return swappiness
    if name == "oom-kill-disable":
        if isinstance(raw, str):
            if raw.lower() not in ("true", "false", "1", "0"):
                raise invalid(flag, raw, "not a boolean: use true or false")
            return raw.lower() in ("true", "1")
        return bool(raw)
    if name == "pids-limit":
        limit = parse_int(flag, raw, "-1 means unlimited")
        return limit if limit > 0 else -1  # Docker: 0 and negatives mean "unlimited"
    if name == "blkio-weight":
        weight = parse_int(flag, raw)
        if weight and not 10 <= weight <= 1000:
            raise invalid(flag, raw, "range of blkio weight is from 10 to 1000 (0 disables)")
        return weight
    if name in _DEVICE_FLAGS:
        specs = [raw] if isinstance(raw, str) else list(raw)
        return [s if isinstance(s, Device) else parse_device(flag, s, _DEVICE_FLAGS[name])
                for s in specs]
    raise UsageError(f"unknown resource flag --{name}")


@dataclass
class Resources:
    """The resource limits of one container, in Docker's units. Zero (or empty) means unset."""

    nano_cpus: int = 0
    """``--cpus`` × 10⁹."""
    cpu_period: int = 0
    """µs (``--cpu-period``)."""
    cpu_quota: int = 0
    """µs per period (``--cpu-quota``); -1 unlimited."""
    cpuset_cpus: str = ""
    cpuset_mems: str = ""
    cpu_shares: int = 0
    memory: int = 0
    """bytes (``-m``)."""
    memory_swap: int = 0
    """bytes of memory *plus* swap; -1 unlimited; Docker's default is twice ``memory``."""
    memory_swappiness: int = -1
    """0–100; -1 unset."""
    memory_reservation: int = 0
    kernel_memory: int = 0
    oom_kill_disable: bool = False
    pids_limit: int = 0
    """0 unset, -1 unlimited."""
    blkio_weight: int = 0
    blkio_weight_device: list[Device] = field(default_factory=list)
    device_read_bps: list[Device] = field(default_factory=list)
    device_write_bps: list[Device] = field(default_factory=list)
    device_read_iops: list[Device] = field(default_factory=list)
    device_write_iops: list[Device] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    """What Docker would warn about these flags (the host's own limits come at apply time)."""

    @classmethod
    def from_flags(cls, **flags: Any) -> Resources:
        """Read ``docker run``'s resource flags (``memory="32m"``, ``cpus="1.5"``,
        ``device_write_bps=["/dev/sda:1mb"]``); ``None`` means the flag was not given.

        Checks each value, then the rules between flags; raises ``UsageError`` at the first
        broken rule, before anything is created.
        """
        warnings: list[str] = []
        v: dict[str, Any] = {}
        for key, raw in flags.items():
            if raw is None:
                continue
            name = key.replace("_", "-")
            v[name] = parse_flag(name, raw, warnings)
        nano, period, quota = v.get("cpus", 0), v.get("cpu-period", 0), v.get("cpu-quota", 0)
        if nano and period > 0:
            raise UsageError("conflicting options: --cpus and --cpu-period cannot both be set "
                             f"(--cpus sets the period to {CPU_PERIOD} and the quota for you)")
        if nano and quota > 0:
            raise UsageError("conflicting options: --cpus and --cpu-quota cannot both be set "
                             "(--cpus 1.5 is --cpu-period 100000 --cpu-quota 150000)")
        memory, swap = v.get("memory", 0), v.get("memory-swap", 0)
        reservation = v.get("memory-reservation", 0)
        if memory and swap > 0 and swap < memory:
            raise invalid("--memory-swap", flags.get("memory_swap"),
                          f"the memory+swap limit must be at least --memory ({memory} bytes): "
                          "it counts memory plus swap; -1 means unlimited swap")
        if not memory and swap > 0:
            raise invalid("--memory-swap", flags.get("memory_swap"),
                          "set --memory too: --memory-swap is memory plus swap")
        if memory and reservation > memory:
            raise invalid("--memory-reservation", flags.get("memory_reservation"),
                          f"the reservation (a soft limit) must not exceed --memory ({memory} "
                          "bytes)")
        if memory and not swap:
            swap = 2 * memory  # Docker's default: as much swap as memory
        if v.get("kernel-memory"):
            warnings.append(_KMEM_DEPRECATED)
        if v.get("oom-kill-disable") and not memory:
            warnings.append(_OOM_NO_LIMIT)
        return cls(
            nano_cpus=nano, cpu_period=period, cpu_quota=quota,
            cpuset_cpus=v.get("cpuset-cpus", ""), cpuset_mems=v.get("cpuset-mems", ""),
            cpu_shares=v.get("cpu-shares", 0), memory=memory, memory_swap=swap,
            memory_swappiness=v.get("memory-swappiness", -1), memory_reservation=reservation,
            kernel_memory=v.get("kernel-memory", 0),
            oom_kill_disable=v.get("oom-kill-disable", False),
            pids_limit=v.get("pids-limit", 0), blkio_weight=v.get("blkio-weight", 0),
            **{name.replace("-", "_"): v.get(name, []) for name in _DEVICE_FLAGS},
            warnings=warnings)

    def knobs(self) -> list[tuple[str, Any]]:
        """The version-neutral knobs to set, in the order they are written (see :func:`apply`)."""
        out: list[tuple[str, Any]] = []

        def add(knob: str, value: Any, when: bool) -> None:
            if when:
                out.append((knob, value))

        add("cpuset-cpus", self.cpuset_cpus, bool(self.cpuset_cpus))
        add("cpuset-mems", self.cpuset_mems, bool(self.cpuset_mems))
        add("cpu-shares", self.cpu_shares, bool(self.cpu_shares))
        add("cpus", cpus_text(self.nano_cpus), bool(self.nano_cpus))
        add("cpu-period", self.cpu_period, bool(self.cpu_period))
        add("cpu-quota", self.cpu_quota, bool(self.cpu_quota))
        add("memory", self.memory, bool(self.memory))
        add("memory-swap", self.memory_swap, bool(self.memory_swap))
        add("memory-reservation", self.memory_reservation, bool(self.memory_reservation))
        add("memory-swappiness", self.memory_swappiness, self.memory_swappiness != -1)
        add("kernel-memory", self.kernel_memory, bool(self.kernel_memory))
        add("oom-kill-disable", True, self.oom_kill_disable)
        add("pids-limit", self.pids_limit, bool(self.pids_limit))
        add("blkio-weight", self.blkio_weight, bool(self.blkio_weight))
        for name in _DEVICE_FLAGS:
            devices = getattr(self, name.replace("-", "_"))
            add(name, devices, bool(devices))
        return out

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able data (for a container's record on disk)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Resources:
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in d.items() if k in known}
        for name in _DEVICE_FLAGS:
            key = name.replace("-", "_")
            values[key] = [Device(**x) if isinstance(x, dict) else x
                           for x in values.get(key, [])]
        return cls(**values)


def apply(cgroup: Cgroup, resources: Resources) -> list[str]:
    """Write every limit of ``resources`` into ``cgroup``; return Docker-style warnings.

    Each flag goes through ``cgroup.set(knob, value)``, so the trace shows the file it became
    on this cgroup version. A knob this host cannot enforce (kernel memory on v2, a kernel
    that ignores it on v1, swap without swap accounting…) is not an error, as in Docker: it
    becomes a warning, returned and recorded in the trace.

    On v1 the memory+swap limit may never be below the memory limit, so when it grows it is
    written first (runc's order); on v2 ``memory.swap.max`` is computed from ``memory.max``,
    so memory comes first.
    """
    from .knobs import UnsupportedKnobError  # the knobs import us: import when called

    warnings = list(resources.warnings)
    todo = resources.knobs()
    if cgroup.version == 1 and resources.memory_swap and resources.memory \
            and cgroup.has("memory.limit_in_bytes"):
        current = int(cgroup.read("memory.limit_in_bytes"))
        if resources.memory_swap == -1 or current < resources.memory_swap:
            names = [k for k, _ in todo]
            i, j = names.index("memory"), names.index("memory-swap")
            todo[i], todo[j] = todo[j], todo[i]
    for knob, value in todo:
        try:
            cgroup.set(knob, value)
        except UnsupportedKnobError as e:
            warnings.append(e.docker_warning or str(e))
    return warnings



def create_limited(name: str, resources: Resources, **cgroup_args: Any) -> tuple[Cgroup, list[str]]:
    """Create cgroup ``name`` and apply ``resources`` (what ``pcl run`` does); return it and
    the warnings. If the kernel refuses a value, the half-made cgroup is deleted again."""
    from .group import Cgroup

    cg = Cgroup(name, **cgroup_args).create()
    try:
        return cg, apply(cg, resources)
    except BaseException:
        cg.delete()
        raise
