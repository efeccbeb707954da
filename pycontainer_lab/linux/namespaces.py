"""Namespaces: what a process can see.

A namespace wraps one kind of global resource so that the processes inside see their own copy:
their own PID numbers, network stack, IPC objects, mount table, hostname, user ids or cgroup
root. Every process belongs to exactly one namespace of each kind; the kernel shows which in
``/proc/PID/ns/<kind>`` as a symbolic link like ``uts:[4026531838]`` -- the number is the
namespace's id (an inode number); two processes with the same number share the namespace.

The step APIs here act on the *calling* process. Run them in a sandbox helper (see
:mod:`pycontainer_lab.linux.sandbox`), never in a Jupyter kernel: ``unshare(Namespace.USER)``
needs a single-threaded caller, and ``unshare(Namespace.MNT)`` would move the whole kernel.
"""

from __future__ import annotations

import contextlib
import enum
import fcntl
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from ..tracing import step
from . import syscalls

__all__ = [
    "Namespace", "NamespaceSnapshot", "PidNamespaceNode", "namespace_id", "namespace_ids",
    "parent_namespace", "setns", "snapshot", "unshare",
]


class Namespace(enum.Enum):
    """The seven kinds of namespace the syllabus teaches (S8.2), with their kernel names."""

    PID = "pid"
    NET = "net"
    IPC = "ipc"
    MNT = "mnt"
    UTS = "uts"
    USER = "user"
    CGROUP = "cgroup"

    @property
    def flag(self) -> int:
        """The ``CLONE_NEW*`` flag that creates this kind with unshare(2) or clone(2)."""
        return _FLAGS[self]

    @property
    def flag_name(self) -> str:
        return syscalls.clone_flag_names(self.flag)

    @property
    def unshare_option(self) -> str:
        """The option of util-linux's ``unshare`` command for this kind (``--uts``)."""
        return _OPTIONS[self]

    @property
    def isolates(self) -> str:
        """What a process in a new namespace of this kind gets its own copy of."""
        return _ISOLATES[self]

    @classmethod
    def parse(cls, kind: str | Namespace) -> Namespace:
        """``"uts"``, ``"UTS"``, ``"mount"``, ``"network"`` or a ``Namespace`` → ``Namespace``."""
        if isinstance(kind, Namespace):
            return kind
        key = str(kind).strip().lower()
        key = _ALIASES.get(key, key)
        try:
            return cls(key)
        except ValueError:
            valid = ", ".join(sorted(k.value for k in cls))
            raise ValueError(
                f"unknown namespace kind {kind!r}: valid kinds are {valid}"
            ) from None


_FLAGS = {
    Namespace.PID: syscalls.CLONE_NEWPID, Namespace.NET: syscalls.CLONE_NEWNET,
    Namespace.IPC: syscalls.CLONE_NEWIPC, Namespace.MNT: syscalls.CLONE_NEWNS,
    Namespace.UTS: syscalls.CLONE_NEWUTS, Namespace.USER: syscalls.CLONE_NEWUSER,
    Namespace.CGROUP: syscalls.CLONE_NEWCGROUP,
}
_OPTIONS = {
    Namespace.PID: "--pid", Namespace.NET: "--net", Namespace.IPC: "--ipc",
    Namespace.MNT: "--mount", Namespace.UTS: "--uts", Namespace.USER: "--user",
    Namespace.CGROUP: "--cgroup",
}
_ISOLATES = {
    Namespace.PID: "process ids (the first process inside is PID 1)",
    Namespace.NET: "network devices, addresses, routes, firewall rules and sockets",
    Namespace.IPC: "System V IPC objects and POSIX message queues",
    Namespace.MNT: "the mount table (what is mounted where)",
    Namespace.UTS: "the hostname and the NIS domain name",
    Namespace.USER: "user and group ids, and capabilities",
    Namespace.CGROUP: "the view of the cgroup tree (its own cgroup appears as /)",
}
_ALIASES = {"mount": "mnt", "ns": "mnt", "network": "net", "users": "user", "hostname": "uts"}

_NOTES = {
    Namespace.PID: "only children move: the caller stays in its PID namespace, and its next "
                   "child becomes PID 1 of the new one (see /proc/PID/ns/pid_for_children)",
    Namespace.USER: "the new namespace has no id map yet: until a process outside writes "
                    "/proc/PID/uid_map and gid_map, every id shows as the overflow id 65534",
    Namespace.MNT: "the new mount table starts as a copy of the old one",
    Namespace.NET: "the new network stack has only a loopback device, and it is down",
    Namespace.CGROUP: "the caller's current cgroups become the root (/) of its view",
}


def unshare(kind: str | Namespace) -> None:
    """Move the calling process into a new namespace of one ``kind`` (a traced step)."""
    ns = Namespace.parse(kind)
    with step(f"new {ns.value} namespace: own {ns.isolates}",
              f"unshare({ns.flag_name})", f"unshare {ns.unshare_option}",
              note=_NOTES.get(ns, "")):
        syscalls.unshare(ns.flag)


def setns(pid: int, kind: str | Namespace) -> None:
    """Join the ``kind`` namespace of process ``pid`` (a traced step)."""
    ns = Namespace.parse(kind)
    path = f"/proc/{pid}/ns/{ns.value}"
    with step(f"join the {ns.value} namespace of process {pid}",
              f"setns(open({path!r}), {ns.flag_name})",
              f"nsenter --target {pid} {ns.unshare_option}"):
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        try:
            syscalls.setns(fd, ns.flag)
        finally:
            os.close(fd)


def namespace_id(pid: int | str, kind: str | Namespace) -> int:
    """The id (inode number) of the ``kind`` namespace of process ``pid`` (or ``"self"``)."""
    ns = Namespace.parse(kind)
    link = os.readlink(f"/proc/{pid}/ns/{ns.value}")  # like 'uts:[4026531838]'
    return int(link[link.index("[") + 1 : -1])


def namespace_ids(pid: int | str = "self") -> dict[Namespace, int]:
    """The id of each namespace process ``pid`` is in, by kind."""
    return {ns: namespace_id(pid, ns) for ns in Namespace}


NS_GET_USERNS = 0xB701  # _IO(0xb7, 0x1): the user namespace that owns a namespace
NS_GET_PARENT = 0xB702  # _IO(0xb7, 0x2): the parent of a PID or user namespace


def parent_namespace(pid: int | str, kind: str | Namespace) -> int | None:
    """The id of the parent of process ``pid``'s PID or user namespace (``None`` at the top).

    PID and user namespaces form trees: each new one is a child of its creator's. The kernel
    answers the ``NS_GET_PARENT`` ioctl on a namespace file with the parent namespace, or
    EPERM when the parent is outside the caller's view (we are at the top).
    """
    ns = Namespace.parse(kind)
    if ns not in (Namespace.PID, Namespace.USER):
        raise ValueError(f"only pid and user namespaces have parents, not {ns.value}")
    fd = os.open(f"/proc/{pid}/ns/{ns.value}", os.O_RDONLY | os.O_CLOEXEC)
    try:
        parent = fcntl.ioctl(fd, NS_GET_PARENT)
    except PermissionError:
        return None
    finally:
        os.close(fd)
    try:
        return os.fstat(parent).st_ino
    finally:
        os.close(parent)


@dataclass
class ProcessInfo:
    """One process as a namespace snapshot sees it."""

    pid: int
    """Its pid in the host's (the snapshot taker's) PID namespace."""
    comm: str
    """Its command name."""
    ns_pids: tuple[int, ...]
    """Its pid in each nested PID namespace, outermost first (``NSpid`` in /proc/PID/status)."""
    namespaces: dict[Namespace, int]
    ppid: int = 0
    """Its parent's pid (0 for the top of the tree)."""

    @property
    def inner_pid(self) -> int:
        """Its pid as seen inside its own PID namespace."""
        return self.ns_pids[-1]


@dataclass
class PidNamespaceNode:
    """A PID namespace in the tree: its processes and the namespaces nested in it."""

    id: int
    parent: int | None
    processes: list[ProcessInfo] = field(default_factory=list)
    children: list[PidNamespaceNode] = field(default_factory=list)

    def walk(self, depth: int = 0) -> Iterator[tuple[int, PidNamespaceNode]]:
        yield depth, self
        for child in self.children:
            yield from child.walk(depth + 1)

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "parent": self.parent,
            "processes": [{"pid": p.pid, "inner_pid": p.inner_pid, "comm": p.comm}
                          for p in self.processes],
            "children": [c.to_dict() for c in self.children],
        }


@dataclass
class NamespaceSnapshot:
    """Which processes share which namespaces, at one moment.

    ``groups[Namespace.UTS]`` maps each UTS namespace id to the pids inside it; ``pid_tree`` is
    the PID namespaces as a tree rooted at the snapshot taker's own namespace.
    """

    processes: dict[int, ProcessInfo]
    groups: dict[Namespace, dict[int, list[int]]]
    pid_tree: PidNamespaceNode

    def members(self, kind: str | Namespace, ns_id: int) -> list[int]:
        return self.groups[Namespace.parse(kind)].get(ns_id, [])

    def to_dict(self) -> dict:
        return {
            "groups": {ns.value: {str(k): v for k, v in g.items()}
                       for ns, g in self.groups.items()},
            "pid_tree": self.pid_tree.to_dict(),
        }

    def __str__(self) -> str:
        lines = []
        for depth, node in self.pid_tree.walk():
            shown = ", ".join(f"{p.comm}({p.pid}→{p.inner_pid})" for p in node.processes[:6])
            more = f" … +{len(node.processes) - 6}" if len(node.processes) > 6 else ""
            lines.append(f"{'  ' * depth}pid:[{node.id}] {len(node.processes)} processes: "
                         f"{shown}{more}")
        return "\n".join(lines)


def _read_process(pid: int) -> ProcessInfo | None:
    try:
        with open(f"/proc/{pid}/status") as f:
            status = f.read()
        comm = ns_pids = None
        ppid = 0
        for line in status.splitlines():
            if line.startswith("Name:"):
                comm = line.split(None, 1)[1] if len(line.split(None, 1)) > 1 else ""
            elif line.startswith("PPid:"):
                ppid = int(line.split()[1])
            elif line.startswith("NSpid:"):
                ns_pids = tuple(int(x) for x in line.split()[1:])
        ids = namespace_ids(pid)
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None  # the process ended (or hides) while we looked
    return ProcessInfo(pid, comm or "?", ns_pids or (pid,), ids, ppid)


def _pids(pids: Iterable[int] | None) -> Iterable[int]:
    if pids is not None:
        return pids
    return (int(d) for d in os.listdir("/proc") if d.isdigit())


def snapshot(pids: Iterable[int] | None = None) -> NamespaceSnapshot:
    """Look at every process (or just ``pids``) and group them by namespace."""
    procs: dict[int, ProcessInfo] = {}
    for pid in _pids(pids):
        info = _read_process(pid)
        if info is not None:
            procs[pid] = info
    groups: dict[Namespace, dict[int, list[int]]] = {ns: {} for ns in Namespace}
    for p in procs.values():
        for ns, ns_id in p.namespaces.items():
            groups[ns].setdefault(ns_id, []).append(p.pid)

    own = namespace_id("self", Namespace.PID)
    nodes: dict[int, PidNamespaceNode] = {}
    for ns_id, members in groups[Namespace.PID].items():
        parent = None
        if ns_id != own:
            with contextlib.suppress(OSError):
                parent = parent_namespace(members[0], Namespace.PID)
        nodes[ns_id] = PidNamespaceNode(ns_id, parent, [procs[m] for m in sorted(members)])
    nodes.setdefault(own, PidNamespaceNode(own, None))
    for node in list(nodes.values()):
        if node.id != own and node.parent is not None:
            # a parent with no process of its own still belongs in the tree
            nodes.setdefault(node.parent, PidNamespaceNode(node.parent, None))
    for node in list(nodes.values()):
        if node.id != own and node.parent in nodes:
            nodes[node.parent].children.append(node)
    return NamespaceSnapshot(procs, groups, nodes[own])
