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

    def oom_file(self) -> str:
        return ""

    def procs_files(self) -> list[str]:
        return []

    def freeze(self) -> None:
        pass

    def thaw(self) -> None:
        pass

    def delete(self) -> None:
        pass
