"""Chapter 1, containers: a chroot jail, a root the breakout cannot leave, and a container
composed of namespaces and a cgroup."""

from __future__ import annotations

import os
import socket

from ...linux.cgroups import Cgroup
from ...linux.sandbox import Sandbox
from ..feedback import exercise, hint
from ..jail import has_host_root, run_breakout
from .common import alive, new_kinds, root_of

__all__ = ["chroot_jail", "container", "escape_proof"]

MIB = 1 << 20


def _reads_hostname(box: Sandbox) -> str:
    """The ``/etc/hostname`` the sandbox sees (``jail`` in a jail); "" if it cannot even
    start a shell there (a root without ``/bin/sh``)."""
    try:
        return box.run("cat /etc/hostname", timeout=10).stdout.strip()
    except FileNotFoundError:
        return ""


@exercise("1.1", "lock a process into a jail with chroot")
def chroot_jail(box: Sandbox, jail: str | os.PathLike) -> str:
    alive(box)
    jail = os.path.realpath(jail)
    if has_host_root(box.pid):
        if os.readlink(f"/proc/{box.pid}/cwd") == jail:
            raise hint("chroot.chdir-only",
                       "The sandbox's working directory is the jail, but its root is still the "
                       "host's /: chdir only changes where *relative* paths start. Change the "
                       "root: box.chroot(jail).")
        raise hint("chroot.not-locked",
                   "The sandbox's root is still the host's / (see /proc/PID/root): change it "
                   "to the jail with box.chroot(jail).")
    if _reads_hostname(box) != "jail":
        raise hint("chroot.wrong-dir",
                   f"The sandbox's root is {root_of(box.pid)}, not the jail {jail}: chroot into "
                   "the jail directory itself (where bin/, etc/ and proc/ are).")
    return (f"the sandbox's root is the jail ({root_of(box.pid)} from outside), so it reads "
            "/etc/hostname as 'jail'.")


@exercise("1.2", "a root the breakout cannot leave")
def escape_proof(box: Sandbox, jail: str | os.PathLike) -> str:
    alive(box)
    jail = os.path.realpath(jail)
    if has_host_root(box.pid):
        raise hint("pivot.not-locked",
                   "The sandbox's root is still the host's /. Make the jail a mount point "
                   "(box.bind(jail, jail)), then make it the root: box.pivot_root(jail).")
    escaped = run_breakout(box)
    reached = escaped.stdout.strip()
    if escaped.returncode != 0 or not reached:
        raise hint("pivot.no-python",
                   "The breakout could not run inside (no Python there: "
                   f"{escaped.stderr.strip()[:200]!r}). Keep the setup cell's jail, which lends "
                   "the host's Python to it, and lock the sandbox into that jail.")
    if reached != "jail":
        how = ("chroot" if root_of(box.pid) == jail else "this root")
        raise hint("pivot.escaped",
                   f"The breakout got out: it read the host's /etc/hostname ({reached!r}). "
                   f"With {how} the host's tree is still there, one '..' beyond the root. Use "
                   "pivot_root in the sandbox's own mount namespace: box.bind(jail, jail), "
                   "box.pivot_root(jail) -- it detaches the host's tree from the namespace.")
    return ("the breakout climbed as far as it could and found the jail's own /etc/hostname: "
            "after pivot_root the host's tree is detached, no '..' leads to it.")


@exercise("1.3", "a container: namespaces + a cgroup")
def container(box: Sandbox, cg: Cgroup, memory: str = "64m") -> str:
    alive(box)
    want = {"pid", "mnt", "uts", "ipc", "net"}
    have = new_kinds(box)
    lacking = want - have
    if lacking == want:
        raise hint("container.no-namespaces",
                   "The sandbox still shares every namespace with the host: it is a plain "
                   "process. Give it new ones with box.unshare(kind) for pid, mnt, uts, ipc "
                   "and net.")
    if lacking:
        raise hint("container.missing-namespaces",
                   f"Still shared with the host: {', '.join(sorted(lacking))}. Unshare those "
                   "too: each namespace hides one more kind of thing.")
    want_bytes = int(memory.rstrip("m")) * MIB
    limit = cg.stats().memory_limit
    if limit is None:
        raise hint("container.no-limit",
                   f"The cgroup has no memory limit: the container may use all of the host's "
                   f"memory. Set one: cg.set('memory', '{memory}').")
    if abs(limit - int(memory.rstrip("m")) * 10**6) <= 4096:
        raise hint("container.mb-not-mib",
                   f"The limit is {limit} bytes: {memory.rstrip('m')} million bytes (MB). Sizes "
                   f"in Docker's flags are binary: '{memory}' = {memory.rstrip('m')} × 1024 × "
                   "1024 bytes (MiB).")
    if limit != want_bytes:
        raise hint("container.wrong-limit",
                   f"The memory limit is {limit / MIB:g} MiB, not {want_bytes // MIB} MiB: "
                   f"cg.set('memory', '{memory}').")
    if box.pid not in cg.procs():
        raise hint("container.not-in-cgroup",
                   "The limit is set, but the sandbox is not in the cgroup, so it does not "
                   "apply to it: box.join_cgroup(cg).")
    return (f"the sandbox has its own {', '.join(sorted(have))} namespaces and lives in "
            f"{cg.path} with {want_bytes // MIB} MiB of memory: that is all a container is. "
            f"(The host's hostname is still {socket.gethostname()!r}.)")
