"""``inspect`` for containers: the record in Docker's shape, checked against reality first."""

from __future__ import annotations

from .reconcile import reconcile
from .store import ContainerStore

__all__ = ["container_view"]

PRIVATE = ("Pcl",)  # the engine's own bookkeeping, not part of Docker's document


def container_view(ref: str, store: ContainerStore | None = None) -> dict:
    store = store or ContainerStore()
    record = reconcile(store, store.get(ref))
    return {k: v for k, v in record.items() if k not in PRIVATE}
