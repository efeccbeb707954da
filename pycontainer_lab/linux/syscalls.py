"""Thin ctypes bindings for the Linux system calls Python 3.11 does not offer.

Each function is one system call and nothing more. A failure raises the matching ``OSError``
subclass (``PermissionError`` for EPERM, and so on) whose message names the call and its
arguments, for example ``[Errno 22] unshare(CLONE_NEWUSER): Invalid argument``; the exception
also carries ``.syscall`` with that text. Higher modules add the explanation and the trace.
"""

from __future__ import annotations

import ctypes
import errno as _errno
import os

__all__ = [
    "CLONE_NEWCGROUP", "CLONE_NEWIPC", "CLONE_NEWNET", "CLONE_NEWNS", "CLONE_NEWPID",
    "CLONE_NEWTIME", "CLONE_NEWUSER", "CLONE_NEWUTS",
    "MNT_DETACH", "MS_BIND", "MS_NODEV", "MS_NOEXEC", "MS_NOSUID", "MS_PRIVATE", "MS_RDONLY",
    "MS_REC", "MS_RELATIME", "MS_REMOUNT", "MS_SHARED", "MS_SLAVE", "MS_STRICTATIME",
    "clone_flag_names", "mount", "mount_flag_names", "pivot_root", "prctl", "setdomainname",
    "setns", "syscall_error", "umount2", "unshare",
]

# clone(2) / unshare(2) flags: one per namespace kind.
CLONE_NEWTIME = 0x00000080
CLONE_NEWNS = 0x00020000
CLONE_NEWCGROUP = 0x02000000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000

_CLONE_NAMES = {
    CLONE_NEWTIME: "CLONE_NEWTIME", CLONE_NEWNS: "CLONE_NEWNS",
    CLONE_NEWCGROUP: "CLONE_NEWCGROUP", CLONE_NEWUTS: "CLONE_NEWUTS",
    CLONE_NEWIPC: "CLONE_NEWIPC", CLONE_NEWUSER: "CLONE_NEWUSER",
    CLONE_NEWPID: "CLONE_NEWPID", CLONE_NEWNET: "CLONE_NEWNET",
}

# mount(2) flags.
MS_RDONLY = 1
MS_NOSUID = 2
MS_NODEV = 4
MS_NOEXEC = 8
MS_REMOUNT = 32
MS_BIND = 4096
MS_REC = 16384
MS_PRIVATE = 1 << 18
MS_SLAVE = 1 << 19
MS_SHARED = 1 << 20
MS_RELATIME = 1 << 21
MS_STRICTATIME = 1 << 24

_MS_NAMES = {
    MS_RDONLY: "MS_RDONLY", MS_NOSUID: "MS_NOSUID", MS_NODEV: "MS_NODEV",
    MS_NOEXEC: "MS_NOEXEC", MS_REMOUNT: "MS_REMOUNT", MS_BIND: "MS_BIND", MS_REC: "MS_REC",
    MS_PRIVATE: "MS_PRIVATE", MS_SLAVE: "MS_SLAVE", MS_SHARED: "MS_SHARED",
    MS_RELATIME: "MS_RELATIME", MS_STRICTATIME: "MS_STRICTATIME",
}

# umount2(2) flags.
MNT_DETACH = 2

# pivot_root has no glibc wrapper: it is called by number, which depends on the CPU.
_SYS_PIVOT_ROOT = {"x86_64": 155, "aarch64": 41, "arm64": 41, "riscv64": 41, "ppc64le": 203,
                   "s390x": 217, "armv7l": 218, "i686": 217, "i386": 217}

# The C library is already loaded into every Python process: CDLL(None) finds its symbols
# without the slow search that ctypes.util.find_library does.
_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long


def _flag_names(value: int, names: dict[int, str]) -> str:
    parts = [name for bit, name in names.items() if value & bit]
    rest = value & ~sum(b for b in names if value & b)
    if rest:
        parts.append(hex(rest))
    return "|".join(parts) or "0"


def clone_flag_names(flags: int) -> str:
    """``0x04000000`` → ``'CLONE_NEWUTS'``."""
    return _flag_names(flags, _CLONE_NAMES)


def mount_flag_names(flags: int) -> str:
    """``MS_BIND | MS_REC`` → ``'MS_BIND|MS_REC'``."""
    return _flag_names(flags, _MS_NAMES)


def syscall_error(err: int, call: str, hint: str = "") -> OSError:
    """An ``OSError`` (of the subclass matching ``err``) whose message names the call."""
    msg = f"{call}: {os.strerror(err)}" + (f" ({hint})" if hint else "")
    e = OSError(err, msg)
    e.syscall = call  # type: ignore[attr-defined]
    return e


def _check(result: int, call: str) -> int:
    if result < 0:
        raise syscall_error(ctypes.get_errno(), call)
    return result


def _b(s: str | bytes | None) -> bytes | None:
    return os.fsencode(s) if s is not None else None


def unshare(flags: int) -> None:
    """unshare(2): move the calling process into new namespaces of the kinds in ``flags``."""
    _check(_libc.unshare(ctypes.c_int(flags)), f"unshare({clone_flag_names(flags)})")


def setns(fd: int, nstype: int = 0) -> None:
    """setns(2): join the namespace that the open file ``fd`` (a ``/proc/PID/ns/*``) refers to."""
    _check(_libc.setns(ctypes.c_int(fd), ctypes.c_int(nstype)),
           f"setns({fd}, {clone_flag_names(nstype)})")


def mount(source: str | None, target: str, fstype: str | None = None, flags: int = 0,
          data: str | None = None) -> None:
    """mount(2): attach a filesystem (or change an existing mount when ``flags`` say so)."""
    call = (f"mount({source!r}, {target!r}, {fstype!r}, {mount_flag_names(flags)}"
            + (f", {data!r})" if data else ")"))
    _check(_libc.mount(_b(source), _b(target), _b(fstype), ctypes.c_ulong(flags), _b(data)), call)


def umount2(target: str, flags: int = 0) -> None:
    """umount2(2): detach the mount at ``target`` (``MNT_DETACH``: lazily, even if busy)."""
    names = "MNT_DETACH" if flags == MNT_DETACH else str(flags)
    _check(_libc.umount2(_b(target), ctypes.c_int(flags)), f"umount2({target!r}, {names})")


def pivot_root(new_root: str, put_old: str) -> None:
    """pivot_root(2): make ``new_root`` the root mount; the old root moves to ``put_old``."""
    call = f"pivot_root({new_root!r}, {put_old!r})"
    number = _SYS_PIVOT_ROOT.get(os.uname().machine)
    if number is None:
        raise syscall_error(_errno.ENOSYS, call, f"unknown CPU {os.uname().machine}")
    _check(_libc.syscall(ctypes.c_long(number), _b(new_root), _b(put_old)), call)


def setdomainname(name: str) -> None:
    """setdomainname(2): set the NIS domain name of the current UTS namespace."""
    raw = name.encode()
    _check(_libc.setdomainname(raw, ctypes.c_size_t(len(raw))), f"setdomainname({name!r})")


PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
PR_SET_NO_NEW_PRIVS = 38


def prctl(option: int, arg2: int = 0) -> int:
    """prctl(2) with one argument (PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_SET_NO_NEW_PRIVS…)."""
    return _check(_libc.prctl(ctypes.c_int(option), ctypes.c_ulong(arg2), ctypes.c_ulong(0),
                              ctypes.c_ulong(0), ctypes.c_ulong(0)), f"prctl({option}, {arg2})")
