"""A container's cgroup (placeholder until the cgroups floor lands)."""

from __future__ import annotations


class ContainerCgroup:
    def __init__(self, record: dict):
        self.record = record

    def create(self) -> None:
        pass

    def add(self, pid: int) -> None:
        pass

    def oom_kills(self) -> int:
        return 0

    def delete(self) -> None:
        pass
