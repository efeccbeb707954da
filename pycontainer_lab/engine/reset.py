"""``pcl system reset``: back to a clean machine after experiments went wrong.

A notebook re-run out of order, an interrupted cell or a killed kernel can leave containers
running and cgroups behind. Reset removes every container of this data root (killing the
running ones), every runtime state left over, and every cgroup under the project's parent --
the "undo" of every step, all at once. Images stay (``pcl image prune -a`` removes those).
"""

from __future__ import annotations

import contextlib

from ..errors import PclError
from ..linux.cgroups import Cgroup
from ..runtime import container as runtime
from . import lifecycle
from .store import ContainerStore

__all__ = ["reset"]


def reset(store: ContainerStore | None = None) -> list[str]:
    """Remove everything but images; one line per thing removed."""
    store = store or ContainerStore()
    done = []
    for cid in store.ids():
        with contextlib.suppress(PclError):
            lifecycle.remove(cid, force=True, store=store)
            done.append(f"removed container {cid[:12]}")
    for cid in runtime.list_ids():
        with contextlib.suppress(PclError):
            runtime.delete(cid, force=True)
            done.append(f"deleted runtime state {cid[:12]}")
    for group in Cgroup.existing():
        with contextlib.suppress(PclError, OSError):
            group.delete()
            done.append(f"deleted cgroup {group.path}")
    return done
