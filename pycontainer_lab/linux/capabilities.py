"""Capabilities: root's power, cut into about forty pieces.

Since Linux 2.2 "root" is not one privilege but a set of capabilities (``CAP_SYS_ADMIN`` to
mount, ``CAP_NET_ADMIN`` to configure networks, ``CAP_SYS_MODULE`` to load kernel modules…). A
process carries several sets of them (``/proc/PID/status`` shows them as hex masks):

- **bounding**: the most it can ever get back, even by executing a set-uid program;
- **permitted** / **effective**: what it may use / is using right now;
- **inheritable** / **ambient**: what survives ``execve`` for a non-root program.

A container keeps root's uid 0 but only a short list of capabilities: Docker's default set
below. So root in a container can ``chown`` files but not mount, load modules or reboot.
Drop order matters: the bounding set first (needs ``CAP_SETPCAP``), then the other sets.
"""

from __future__ import annotations

import ctypes
from collections.abc import Iterable

from ..errors import UsageError
from ..tracing import step
from .syscalls import _libc, prctl, syscall_error

__all__ = [
    "ALL", "DOCKER_DEFAULT", "apply", "capability_sets", "docker_capabilities", "drop_bounding",
    "last_cap", "names", "parse_name", "set_ambient", "set_capabilities",
]

# Capability numbers from linux/capability.h, in order.
ALL = [
    "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID",
    "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK",
    "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG",
    "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
]
NUMBER = {name: i for i, name in enumerate(ALL)}

# What Docker (moby's oci/caps/defaults.go) leaves a container's root: enough to run normal
# programs as root inside, nothing that reaches the kernel or the host.
DOCKER_DEFAULT = [
    "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW",
    "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE",
    "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
]

PR_CAPBSET_DROP = 24
PR_CAP_AMBIENT = 47
PR_CAP_AMBIENT_RAISE = 2
PR_CAP_AMBIENT_CLEAR_ALL = 4
_LINUX_CAPABILITY_VERSION_3 = 0x20080522


def last_cap() -> int:
    """The highest capability number this kernel knows."""
    try:
        with open("/proc/sys/kernel/cap_last_cap") as f:
            return int(f.read())
    except OSError:
        return len(ALL) - 1


def parse_name(name: str) -> str:
    """``"net_admin"``, ``"CAP_NET_ADMIN"`` → ``"CAP_NET_ADMIN"`` (Docker accepts both)."""
    full = name.strip().upper()
    full = full if full.startswith("CAP_") else "CAP_" + full
    if full not in NUMBER:
        raise UsageError(f'unknown capability: "{full}" (see `man 7 capabilities` for the list)')
    return full


def docker_capabilities(add: Iterable[str] = (), drop: Iterable[str] = (),
                        privileged: bool = False) -> list[str]:
    """The capability list a container gets from ``--cap-add``/``--cap-drop``, as Docker.

    ``ALL`` works in both; adding wins over dropping the same capability except that
    ``--cap-drop ALL --cap-add X`` gives exactly X. ``--privileged`` gives every capability.
    """
    known = ALL[: last_cap() + 1]
    if privileged:
        return list(known)
    add = [a.strip() for a in add]
    drop = [d.strip() for d in drop]
    add_all = any(a.upper() == "ALL" for a in add)
    drop_all = any(d.upper() == "ALL" for d in drop)
    adds = {parse_name(a) for a in add if a.upper() != "ALL"}
    drops = {parse_name(d) for d in drop if d.upper() != "ALL"}
    if add_all:
        base = set(known)
    elif drop_all:
        base = set()
    else:
        base = set(DOCKER_DEFAULT)
    result = (base - drops) | adds if not add_all else set(known) - drops
    return [c for c in ALL if c in result]


def names(mask: int) -> list[str]:
    """The capability names in a bit mask like ``/proc/PID/status``'s ``CapEff``."""
    return [ALL[i] for i in range(len(ALL)) if mask >> i & 1]


def capability_sets(pid: int | str = "self") -> dict[str, list[str]]:
    """The capability sets of process ``pid``, by name: bounding, permitted, effective…"""
    keys = {"CapBnd": "bounding", "CapPrm": "permitted", "CapEff": "effective",
            "CapInh": "inheritable", "CapAmb": "ambient"}
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in keys:
                out[keys[key]] = names(int(value, 16))
    return out


def _mask(caps: Iterable[str]) -> int:
    return sum(1 << NUMBER[c] for c in caps)


def drop_bounding(keep: Iterable[str]) -> None:
    """Remove every capability not in ``keep`` from the bounding set, for good."""
    keep = set(keep)
    dropped = [c for c in ALL[: last_cap() + 1] if c not in keep]
    with step(f"drop {len(dropped)} capabilities from the bounding set (no way back)",
              f"prctl(PR_CAPBSET_DROP, …) ×{len(dropped)}",
              "capsh --drop=" + ",".join(c.lower() for c in dropped[:3]) + ",…"):
        for c in dropped:
            prctl(PR_CAPBSET_DROP, NUMBER[c])


class _Header(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _Data(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                ("inheritable", ctypes.c_uint32)]


def set_capabilities(effective: Iterable[str], permitted: Iterable[str],
                     inheritable: Iterable[str] = ()) -> None:
    """capset(2): set this process's effective, permitted and inheritable sets."""
    e, p, i = _mask(effective), _mask(permitted), _mask(inheritable)
    header = _Header(_LINUX_CAPABILITY_VERSION_3, 0)
    data = (_Data * 2)(_Data(e & 0xFFFFFFFF, p & 0xFFFFFFFF, i & 0xFFFFFFFF),
                       _Data(e >> 32, p >> 32, i >> 32))
    call = f"capset(effective={e:#x}, permitted={p:#x}, inheritable={i:#x})"
    with step("keep only these capabilities in the permitted and effective sets", call,
              f"capsh --caps=… (mask {p:#x})"):
        if _libc.capset(ctypes.byref(header), data) != 0:
            raise syscall_error(ctypes.get_errno(), call)


def set_ambient(caps: Iterable[str]) -> None:
    """Raise ambient capabilities: they survive ``execve`` of a program run as non-root."""
    caps = list(caps)
    with step("set the ambient capabilities (kept across exec by a non-root user)",
              f"prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, …) ×{len(caps)}",
              "capsh --addamb=" + ",".join(c.lower() for c in caps)):
        prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL)
        for c in caps:
            _libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, NUMBER[c], 0, 0)


def apply(caps: Iterable[str]) -> None:
    """Leave this process exactly ``caps`` in its bounding, permitted, effective and
    inheritable sets. Root keeps them across ``execve``; a program run as another user starts
    with none in effect (as in Docker), unless they are made ambient with :func:`set_ambient`.
    """
    caps = [c for c in caps if NUMBER[c] <= last_cap()]
    drop_bounding(caps)
    set_capabilities(caps, caps, caps)
