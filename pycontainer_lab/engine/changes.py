"""``diff`` and ``commit``: what a container changed in its read-write layer, and a new image
made of it (syllabus S2.3: every change lands in the container's layer).

For an overlay container the upper directory *is* the list of changes (a whiteout for each
deletion); for a vfs container the whole tree is compared with the image's layers.
"""

from __future__ import annotations

import contextlib
import sys

from ..errors import PclError
from ..linux.changes import Change
from ..linux.layerstack import get_driver
from .cgroup import ContainerCgroup
from .reconcile import reconcile
from .store import ContainerStore

__all__ = ["commit", "diff"]


def _layers(record: dict) -> dict:
    layers = record.get("Pcl", {}).get("Rootfs")
    if not layers:
        raise PclError(f"container {record['Name'][1:]} runs from a directory (--rootfs), not "
                       "an image: it has no layer of its own")
    return layers


def diff(ref: str, store: ContainerStore | None = None) -> list[Change]:
    """``A``/``C``/``D`` lines, as ``docker diff`` prints them."""
    store = store or ContainerStore()
    record = reconcile(store, store.get(ref))
    layers = _layers(record)
    return get_driver(layers["driver"]).changes(layers["lowers"], layers["upper"])


def commit(ref: str, repository: str = "", *, author: str = "", message: str = "",
           changes: list[str] | None = None, pause: bool = True,
           store: ContainerStore | None = None) -> str:
    """A new image from the container's layer on top of its image; the new image id.

    ``pause`` freezes the container meanwhile, so its files do not change while being read.
    """
    from ..image.newimage import commit as make_image
    from ..image.reference import parse
    from ..image.store import Store

    store = store or ContainerStore()
    record = reconcile(store, store.get(ref))
    layers = _layers(record)
    images = Store()
    base = images.find(record["Image"])
    base_image = base[0] if base else None
    names = [parse(repository)] if repository else []
    driver = get_driver(layers["driver"])
    cgroup = ContainerCgroup(record)
    frozen = pause and record["State"]["Status"] == "running"
    if frozen:
        cgroup.freeze()
    try:
        vfs_changes = None if layers["driver"].startswith("overlay") else \
            driver.changes(layers["lowers"], layers["upper"])
        image = make_image(images, layers["upper"], base=base_image, changes=vfs_changes,
                           config_changes=changes or [], message=message, author=author,
                           created_by=_created_by(record), names=names,
                           notify=lambda m: print(m, file=sys.stderr))
    finally:
        if frozen:
            with contextlib.suppress(PclError, OSError):
                cgroup.thaw()
    return image.id


def _created_by(record: dict) -> str:
    """History's CREATED BY for a commit: the command the container ran (as Docker)."""
    return " ".join([record["Path"], *record["Args"]])
