"""A container, as the widgets name it: by its name or id, its record read again each time.

A container's pid changes when it restarts and its cgroup is named after its id; the widgets
take the name a learner typed (``NamespaceTree(container="web")``) and ask this handle, which
asks the engine's records, whenever they refresh.
"""

from __future__ import annotations

from ..engine.cgroup import ContainerCgroup
from ..engine.reconcile import reconcile
from ..engine.store import ContainerStore
from ..linux.cgroups import Cgroup

__all__ = ["ContainerRef"]


class ContainerRef:
    """The container ``ref`` names (name, id or id prefix)."""

    kind = "container"

    def __init__(self, ref: str, store: ContainerStore | None = None):
        self.ref = ref
        self.store = store or ContainerStore()
        self.id = self.record()["ID"]  # fails at once for a container that does not exist

    def record(self) -> dict:
        return reconcile(self.store, self.store.get(getattr(self, "id", "") or self.ref))

    @property
    def name(self) -> str:
        return self.record()["Name"].lstrip("/")

    @property
    def pid(self) -> int:
        """Its init process as the host sees it (0 while it does not run)."""
        return int(self.record()["State"].get("Pid") or 0)

    @property
    def closed(self) -> bool:
        return self.record()["State"].get("Status") not in ("running", "paused", "restarting")

    def cgroup(self) -> Cgroup:
        """The cgroup the engine made for it (named after its id)."""
        return ContainerCgroup(self.record()).group
