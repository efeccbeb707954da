"""Entering the namespaces of another process (what ``nsenter`` and ``docker exec`` do).

The process that enters first makes itself *non-dumpable*: from then on no process in the
namespaces it joins can open its ``/proc/PID/exe``, ``/proc/PID/fd`` or ``/proc/PID/mem``.
That is the lesson of runc's CVE-2019-5736, where a container overwrote the runtime's own
binary through ``/proc/PID/exe`` while ``runc exec`` was entering it.

Joining a PID namespace only affects the caller's children, so whoever enters still has to
fork before running anything in there.
"""

from __future__ import annotations

import os

from . import namespaces, syscalls
from .namespaces import Namespace

__all__ = ["ENTER_ORDER", "enter_namespaces"]

# The user namespace first (it grants the rights to join the others), the mount namespace
# last (joining it changes what paths like /proc mean).
ENTER_ORDER = [Namespace.USER, Namespace.IPC, Namespace.UTS, Namespace.NET, Namespace.PID,
               Namespace.CGROUP, Namespace.MNT]


def enter_namespaces(target: int) -> set[Namespace]:
    """Join every namespace of process ``target`` that differs from ours; return the kinds.

    Afterwards our root and working directory are the target's root (a joined mount
    namespace sets them to its root; otherwise we chroot into ``/proc/PID/root``).
    """
    syscalls.prctl(syscalls.PR_SET_DUMPABLE, 0)
    if os.geteuid() == 0:
        os.setgroups([])  # no host groups inside (setgroups is denied once in a user ns)
    own = namespaces.namespace_ids()
    theirs = namespaces.namespace_ids(target)
    # open them all first: after joining the mount namespace, /proc/PID may mean another pid
    fds = {ns: os.open(f"/proc/{target}/ns/{ns.value}", os.O_RDONLY | os.O_CLOEXEC)
           for ns in ENTER_ORDER if theirs[ns] != own[ns]}
    root = None if Namespace.MNT in fds else os.open(f"/proc/{target}/root",
                                                     os.O_RDONLY | os.O_CLOEXEC)
    try:
        for ns, fd in fds.items():
            syscalls.setns(fd, ns.flag)
        if Namespace.USER in fds:
            os.setresgid(0, 0, 0)
            os.setresuid(0, 0, 0)
        if root is not None:  # same mount namespace, but the target may have chrooted
            os.fchdir(root)
            os.chroot(".")
        os.chdir("/")
    finally:
        for fd in fds.values():
            os.close(fd)
        if root is not None:
            os.close(root)
    return set(fds)
