"""Seccomp: a filter on the system calls a process may make.

Capabilities decide what root may do; seccomp decides which doors into the kernel exist at all.
A filter is a small BPF program the kernel runs on every system call: allow it, or fail it
with an errno. Once loaded it can never be removed, and it is inherited by every child.

Docker's default profile keeps a container away from the kernel's most dangerous and least
namespaced calls: loading modules, rebooting, changing the clock, keyrings, ``bpf``,
``perf_event_open``, ``open_by_handle_at`` (the 2014 "shocker" escape), and making new
namespaces or mounts -- unless the matching capability was added on purpose. This module
builds such a filter with libseccomp (Debian's ``libseccomp2``), a well-kept C library that
compiles rules into BPF, through ctypes.
"""

from __future__ import annotations

import ctypes
import errno
from collections.abc import Iterable
from dataclasses import dataclass, field

from ..tracing import step
from .syscalls import (
    CLONE_NEWCGROUP,
    CLONE_NEWIPC,
    CLONE_NEWNET,
    CLONE_NEWNS,
    CLONE_NEWPID,
    CLONE_NEWUSER,
    CLONE_NEWUTS,
    syscall_error,
)

__all__ = ["DENIED", "Profile", "available", "default_profile", "load", "preload"]

# Calls a container does not get, each with the capability that would give it back.
DENIED: dict[str, str | None] = {
    # kernel modules and the running kernel
    "init_module": "CAP_SYS_MODULE", "finit_module": "CAP_SYS_MODULE",
    "delete_module": "CAP_SYS_MODULE", "create_module": None, "query_module": None,
    "get_kernel_syms": None, "kexec_load": "CAP_SYS_BOOT", "kexec_file_load": "CAP_SYS_BOOT",
    "reboot": "CAP_SYS_BOOT",
    # the clock is not namespaced
    "settimeofday": "CAP_SYS_TIME", "stime": "CAP_SYS_TIME", "clock_settime": "CAP_SYS_TIME",
    "clock_adjtime": "CAP_SYS_TIME", "adjtimex": "CAP_SYS_TIME",
    # namespaces and mounts: leaving the container's view
    "mount": "CAP_SYS_ADMIN", "umount": "CAP_SYS_ADMIN", "umount2": "CAP_SYS_ADMIN",
    "pivot_root": "CAP_SYS_ADMIN", "unshare": "CAP_SYS_ADMIN", "setns": "CAP_SYS_ADMIN",
    "fsopen": "CAP_SYS_ADMIN", "fsconfig": "CAP_SYS_ADMIN", "fsmount": "CAP_SYS_ADMIN",
    "fspick": "CAP_SYS_ADMIN", "move_mount": "CAP_SYS_ADMIN", "open_tree": "CAP_SYS_ADMIN",
    "mount_setattr": "CAP_SYS_ADMIN", "quotactl": "CAP_SYS_ADMIN",
    "swapon": "CAP_SYS_ADMIN", "swapoff": "CAP_SYS_ADMIN", "syslog": "CAP_SYSLOG",
    "name_to_handle_at": "CAP_SYS_ADMIN", "open_by_handle_at": "CAP_DAC_READ_SEARCH",
    "lookup_dcookie": "CAP_SYS_ADMIN", "nfsservctl": None, "_sysctl": None, "uselib": None,
    "ustat": None, "sysfs": None, "vm86": None, "vm86old": None,
    # kernel keyrings are not namespaced
    "add_key": None, "request_key": None, "keyctl": None,
    # tracing and peeking into other processes, and the kernel's own programs
    "ptrace": "CAP_SYS_PTRACE", "process_vm_readv": "CAP_SYS_PTRACE",
    "process_vm_writev": "CAP_SYS_PTRACE", "kcmp": "CAP_SYS_PTRACE",
    "perf_event_open": "CAP_PERFMON", "bpf": "CAP_BPF", "userfaultfd": None,
    "acct": "CAP_SYS_PACCT", "iopl": "CAP_SYS_RAWIO", "ioperm": "CAP_SYS_RAWIO",
    # memory placement across NUMA nodes
    "mbind": "CAP_SYS_NICE", "set_mempolicy": "CAP_SYS_NICE", "move_pages": "CAP_SYS_NICE",
    "get_mempolicy": "CAP_SYS_NICE",
}
# clone(2) may make namespaces too: those flags are refused, plain fork/threads pass.
CLONE_NAMESPACE_FLAGS = (CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER |
                         CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWCGROUP)

SCMP_ACT_ALLOW = 0x7FFF0000
SCMP_ACT_ERRNO_BASE = 0x00050000
SCMP_CMP_MASKED_EQ = 7
SCMP_FLTATR_CTL_NNP = 3


@dataclass
class Profile:
    """Which calls fail, and with which errno; everything else is allowed."""

    denied: dict[str, int] = field(default_factory=dict)
    """syscall name → errno it fails with."""
    deny_clone_namespaces: bool = True

    def describe(self) -> str:
        return (f"{len(self.denied)} system calls refused"
                + (", clone() with namespace flags refused" if self.deny_clone_namespaces else ""))


def default_profile(capabilities: Iterable[str] = ()) -> Profile:
    """Docker's intent: refuse :data:`DENIED`, except the calls a granted capability opens
    (``--cap-add SYS_ADMIN`` gives back mount, unshare… as Docker's profile does).

    ``clone3`` fails with ENOSYS rather than EPERM: its flags live in memory where a filter
    cannot look, so C libraries must fall back to ``clone``, whose flags it can check.
    """
    caps = set(capabilities)
    denied = {name: errno.EPERM for name, cap in DENIED.items() if cap is None or cap not in caps}
    open_ns = "CAP_SYS_ADMIN" in caps
    if not open_ns:
        denied["clone3"] = errno.ENOSYS
    return Profile(denied, deny_clone_namespaces=not open_ns)


class _ArgCmp(ctypes.Structure):
    _fields_ = [("arg", ctypes.c_uint), ("op", ctypes.c_int), ("datum_a", ctypes.c_uint64),
                ("datum_b", ctypes.c_uint64)]


_lib: ctypes.CDLL | None = None


def _libseccomp() -> ctypes.CDLL:
    global _lib
    if _lib is None:
        try:
            lib = ctypes.CDLL("libseccomp.so.2", use_errno=True)  # Debian's libseccomp2
        except OSError:
            raise OSError(errno.ENOSYS, "libseccomp is not installed: apt-get install "
                                        "libseccomp2 (or run with --security-opt "
                                        "seccomp=unconfined)") from None
        lib.seccomp_init.restype = ctypes.c_void_p
        lib.seccomp_init.argtypes = [ctypes.c_uint32]
        lib.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
        lib.seccomp_rule_add_array.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int,
                                               ctypes.c_uint, ctypes.POINTER(_ArgCmp)]
        lib.seccomp_load.argtypes = [ctypes.c_void_p]
        lib.seccomp_release.argtypes = [ctypes.c_void_p]
        lib.seccomp_attr_set.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_uint32]
        _lib = lib
    return _lib


def preload() -> None:
    """Load libseccomp now: after ``pivot_root`` the host's library is out of reach."""
    _libseccomp()


def available() -> bool:
    """True when libseccomp can be loaded here."""
    try:
        _libseccomp()
    except OSError:
        return False
    return True


def load(profile: Profile, no_new_privs: bool = True) -> None:
    """Compile ``profile`` into a BPF filter and install it on this process, for good.

    libseccomp also sets ``no_new_privs`` unless told not to (a filter may then only be
    loaded by a process holding CAP_SYS_ADMIN).
    """
    lib = _libseccomp()
    with step(f"install a seccomp filter: {profile.describe()}",
              "seccomp(SECCOMP_SET_MODE_FILTER, …)  (built with libseccomp)",
              "(docker run --security-opt seccomp=default.json)"):
        ctx = lib.seccomp_init(SCMP_ACT_ALLOW)
        if not ctx:
            raise syscall_error(errno.ENOMEM, "seccomp_init(SCMP_ACT_ALLOW)")
        try:
            if not no_new_privs:
                lib.seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0)
            for name, err in profile.denied.items():
                nr = lib.seccomp_syscall_resolve_name(name.encode())
                if nr < 0:
                    continue  # not a call on this CPU (vm86 on x86_64, for example)
                rc = lib.seccomp_rule_add_array(ctx, SCMP_ACT_ERRNO_BASE | err, nr, 0, None)
                if rc < 0:
                    raise syscall_error(-rc, f"seccomp_rule_add({name})")
            if profile.deny_clone_namespaces:
                nr = lib.seccomp_syscall_resolve_name(b"clone")
                # clone's flags are argument 0 on x86_64 and arm64 (s390 swaps 0 and 1):
                # one rule per namespace flag, each refusing a call that has that bit set
                for flag in _bits(CLONE_NAMESPACE_FLAGS):
                    cmp = (_ArgCmp * 1)(_ArgCmp(0, SCMP_CMP_MASKED_EQ, flag, flag))
                    rc = lib.seccomp_rule_add_array(ctx, SCMP_ACT_ERRNO_BASE | errno.EPERM,
                                                    nr, 1, cmp)
                    if rc < 0:
                        raise syscall_error(-rc, "seccomp_rule_add(clone, flags & CLONE_NEW*)")
            rc = lib.seccomp_load(ctx)
            if rc < 0:
                raise syscall_error(-rc, "seccomp_load()")
        finally:
            lib.seccomp_release(ctx)


def _bits(mask: int) -> list[int]:
    return [1 << i for i in range(mask.bit_length()) if mask >> i & 1]
