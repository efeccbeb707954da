"""Where the cgroup controllers live on this host: cgroup v1, v2, or both (hybrid).

A *hierarchy* is one mounted cgroup filesystem. **cgroup v1** mounts one hierarchy per
controller (``/sys/fs/cgroup/memory``, ``/sys/fs/cgroup/cpu``… -- sometimes two share one,
like ``cpu,cpuacct``), so a process sits in a separate cgroup in each. **cgroup v2** mounts
exactly one tree (``/sys/fs/cgroup``) that holds every controller. A **hybrid** host (systemd's
old default) has both: the resource controllers on v1, plus a v2 tree that holds whatever
controllers v1 did not claim (often none, or only ``hugetlb``).

:class:`Layout` answers "which directory holds the memory controller?" for any of the three.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from ..mounts import mounts

__all__ = ["CgroupHierarchy", "Layout", "cgroup_hierarchies", "cgroup_mode"]

# Mount options of a v1 cgroup that are not controller names.
_V1_OPTIONS = {"rw", "ro", "nsdelegate", "clone_children", "xattr", "noprefix",
               "cpuset_v2_mode", "favordynmods"}


@dataclass(frozen=True)
class CgroupHierarchy:
    """One mounted cgroup hierarchy: v1 has one per controller (or group), v2 exactly one."""

    version: int
    mountpoint: str
    controllers: tuple[str, ...]
    """Controllers available here (v2: listed in the root's ``cgroup.controllers``)."""

    @property
    def named(self) -> bool:
        """A v1 hierarchy without controllers, only a name (``name=systemd``): no limits."""
        return self.version == 1 and all(c.startswith("name=") for c in self.controllers)


def cgroup_hierarchies() -> list[CgroupHierarchy]:
    """Every cgroup hierarchy mounted in our mount namespace, v1 and v2."""
    found = []
    for m in mounts():
        if m.fstype == "cgroup":
            ctrls = tuple(o for o in m.super_options if o not in _V1_OPTIONS and "=" not in o)
            named = tuple(o for o in m.super_options if o.startswith("name="))
            found.append(CgroupHierarchy(1, m.target, ctrls or named))
        elif m.fstype == "cgroup2":
            found.append(CgroupHierarchy(2, m.target, _v2_controllers(m.target)))
    return found


def _v2_controllers(mountpoint: str) -> tuple[str, ...]:
    try:
        with open(os.path.join(mountpoint, "cgroup.controllers")) as f:
            return tuple(f.read().split())
    except OSError:
        return ()


def cgroup_mode(hierarchies: list[CgroupHierarchy] | None = None) -> tuple[int, str]:
    """``(version, mode)``: the version that holds the resource controllers, and systemd's
    name for the layout -- ``unified`` (v2 only), ``legacy`` (v1 only) or ``hybrid`` (both).
    """
    hs = cgroup_hierarchies() if hierarchies is None else hierarchies
    v1 = [h for h in hs if h.version == 1 and not h.named]
    v2 = [h for h in hs if h.version == 2]
    if v1 and v2:
        return 1, "hybrid"
    if v1:
        return 1, "legacy"
    if v2:
        return 2, "unified"
    return 0, "none"


@dataclass(frozen=True)
class Layout:
    """The cgroup hierarchies a :class:`~.group.Cgroup` is made in.

    ``Layout.detect()`` reads this host's mounts; ``Layout.unified(path)`` describes a v2 tree
    at any path (a test uses it for a fake tree in a temporary directory).
    """

    hierarchies: tuple[CgroupHierarchy, ...]

    @classmethod
    def detect(cls) -> Layout:
        return cls(tuple(cgroup_hierarchies()))

    @classmethod
    def unified(cls, mountpoint: str) -> Layout:
        return cls((CgroupHierarchy(2, mountpoint, _v2_controllers(mountpoint)),))

    @property
    def version(self) -> int:
        """1 when the resource controllers are on v1 (legacy or hybrid), 2 when on v2."""
        return cgroup_mode(list(self.hierarchies))[0]

    @property
    def mode(self) -> str:
        return cgroup_mode(list(self.hierarchies))[1]

    @property
    def v1(self) -> list[CgroupHierarchy]:
        """The v1 hierarchies that hold controllers (named ones like ``name=systemd`` left out;
        one mount point once, even if it is mounted twice)."""
        seen: dict[str, CgroupHierarchy] = {}
        for h in self.hierarchies:
            if h.version == 1 and not h.named:
                seen.setdefault(h.mountpoint, h)
        return list(seen.values())

    @property
    def v2(self) -> CgroupHierarchy | None:
        return next((h for h in self.hierarchies if h.version == 2), None)

    def controllers(self) -> dict[str, str]:
        """Controller → the mount point of the hierarchy that holds it (v1 wins on hybrid)."""
        where: dict[str, str] = {}
        for h in self.v1:
            for c in h.controllers:
                where.setdefault(c, h.mountpoint)
        if self.v2:
            for c in self.v2.controllers:
                where.setdefault(c, self.v2.mountpoint)
        return where
