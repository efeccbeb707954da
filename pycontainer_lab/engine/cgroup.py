"""A container's cgroup: the resource limits of ``docker run`` made real.

Each container gets a cgroup named after its id (under ``pycontainer-lab/`` in every
hierarchy, see :mod:`..linux.cgroups`). The monitor creates it and writes the limits of the
container's ``HostConfig`` before the container's init enters it; ``pause`` freezes it,
``stats`` reads it. When the container stops the monitor deletes it (as Docker's runtime does);
what happened in it -- an OOM kill -- stays in the record's ``State``.
"""

from __future__ import annotations

import contextlib
import os

from ..linux.cgroups import Cgroup, CgroupStats, Resources, apply

__all__ = ["ContainerCgroup"]


class ContainerCgroup:
    def __init__(self, record: dict):
        self.record = record
        self.group = Cgroup(record["ID"])

    def resources(self) -> Resources:
        """The limits, exactly as ``create`` checked them (kept in the record)."""
        return Resources.from_dict(self.record.get("Pcl", {}).get("Resources", {}))

    def create(self) -> list[str]:
        """Create it (again) and write the limits; the warnings of limits not enforced."""
        self.group.create()
        return apply(self.group, self.resources())

    def add(self, pid: int) -> None:
        self.group.add(pid)

    def procs_files(self) -> list[str]:
        """The ``cgroup.procs`` files a process writes its pid into to join (exec)."""
        if not self.group.exists:
            return []
        return sorted({os.path.join(d, "cgroup.procs") for d in self.group.dirs().values()})

    def stats(self) -> CgroupStats:
        return self.group.stats()

    def oom_kills(self) -> int:
        if not self.group.exists:
            return 0
        return self.group.stats().oom_kills or 0

    def oom_file(self) -> str:
        """The file that counts OOM kills (``oom_kill N``), for the monitor's relay."""
        for name in ("memory.events", "memory.oom_control"):
            with contextlib.suppress(KeyError):
                if self.group.has(name):
                    return self.group.file_path(name)
        return ""

    def freeze(self) -> None:
        self.group.freeze()

    def thaw(self) -> None:
        self.group.thaw()

    def delete(self) -> None:
        if self.group.exists:
            self.group.delete()
