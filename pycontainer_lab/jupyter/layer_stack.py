"""LayerStackView: an image's layers bottom-up, a container's read-write layer on top.

::

    from pycontainer_lab.jupyter import LayerStackView
    LayerStackView("busybox")             # an image of the store: its layers, sizes, history
    LayerStackView(container="web")       # … plus the container's layer: what it changed
    LayerStackView(stack)                 # a linux.layerstack.LayerStack built step by step

Every layer is a directory; the widget draws them stacked as the union filesystem sees them
(the top one wins) with their size, their file count and the *whiteouts* they hold (deletions
of files from the layers below). On top, the read-write layer lists the container's changes
like ``docker diff``: ``A`` added, ``C`` changed -- the file was *copied up* from the layer
named beside it, which itself stays untouched --, ``D`` deleted (a whiteout hides it).
Refresh after a step (or ``auto_refresh=1.0``) and a write shows up as a copy-up.
"""

from __future__ import annotations

import os
import stat
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

import traitlets

from ..image.store import Image, Store
from ..linux.changes import Change
from ..linux.layerstack import LayerStack
from ..linux.overlay import is_opaque, is_whiteout
from .refreshing import RefreshingWidget
from .static import asset

__all__ = ["Layer", "LayerStackView", "scan_layer", "stack_state"]

SCAN_LIMIT = 20_000
"""Entries looked at per layer at most (a teaching image has a few hundred)."""
LISTED = 40
"""Whiteouts, opaque directories or changes listed per layer at most."""


def scan_layer(path: str | os.PathLike, limit: int = SCAN_LIMIT) -> dict:
    """Count a layer directory: files, bytes, and the whiteouts and opaque directories in it."""
    files = size = 0
    seen: set[tuple[int, int]] = set()  # hard links (busybox's applets) count once
    whiteouts: list[str] = []
    opaque: list[str] = []
    truncated = False
    todo = [(os.fspath(path), "")]
    while todo:
        directory, rel = todo.pop()
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            if files >= limit:
                truncated = True
                break
            files += 1
            name = f"{rel}/{entry.name}"
            st = entry.stat(follow_symlinks=False)
            if is_whiteout(st):
                whiteouts.append(name)
            elif stat.S_ISDIR(st.st_mode):
                if is_opaque(entry.path):
                    opaque.append(name)
                todo.append((entry.path, name))
            elif stat.S_ISREG(st.st_mode) and (st.st_dev, st.st_ino) not in seen:
                seen.add((st.st_dev, st.st_ino))
                size += st.st_size
    return {"files": files, "size": size, "whiteouts": sorted(whiteouts)[:LISTED],
            "whiteout_count": len(whiteouts), "opaque": sorted(opaque)[:LISTED],
            "truncated": truncated}


@dataclass
class Layer:
    """One directory of the stack, with what to call it."""

    path: str
    kind: str
    """``image``, ``init`` (the container's mount points, Docker's ``-init`` layer),
    ``dir`` (a directory stacked by hand) or ``rw`` (the read-write layer)."""
    label: str = ""
    id: str = ""


@dataclass
class Source:
    """What a view shows: the lowers bottom → top, the read-write layer, how to diff it."""

    title: str
    lowers: list[Layer]
    upper: Layer | None = None
    driver: str = ""
    changes: list[Change] = field(default_factory=list)


def _origin(lowers: Sequence[Layer], path: str) -> int | None:
    """Index of the top-most lower layer holding ``path`` (where a copy-up came from)."""
    for i in range(len(lowers) - 1, -1, -1):
        if os.path.lexists(os.path.join(lowers[i].path, path.lstrip("/"))):
            return i
    return None


def stack_state(src: Source) -> dict:
    """What the widget draws, as plain JSON-able data."""
    layers = []
    for i, layer in enumerate(src.lowers):
        layers.append({"index": i, "kind": layer.kind, "label": layer.label, "id": layer.id,
                       "path": layer.path, "exists": os.path.isdir(layer.path),
                       "copied_up": [], **scan_layer(layer.path)})
    top = None
    if src.upper is not None:
        changes = []
        for c in src.changes[:LISTED * 5]:
            origin = _origin(src.lowers, c.path) if c.kind in ("C", "D") else None
            is_dir = os.path.isdir(os.path.join(src.upper.path, c.path.lstrip("/")))
            changes.append({"kind": c.kind, "path": c.path, "from": origin, "dir": is_dir})
            if c.kind == "C" and origin is not None and not is_dir:
                copied = layers[origin]["copied_up"]
                if len(copied) < LISTED:
                    copied.append(c.path)
        top = {"kind": "rw", "label": src.upper.label, "path": src.upper.path,
               "changes": changes, "change_count": len(src.changes),
               **scan_layer(src.upper.path)}
    return {"title": src.title, "driver": src.driver, "layers": layers, "rw": top or {}}


def _history(image: Image) -> list[str]:
    """The ``created_by`` of each history entry that made a layer, bottom first."""
    return [h.get("created_by", "") for h in image.config.get("history", [])
            if not h.get("empty_layer")]


def image_source(image: Image, store: Store) -> Source:
    made = _history(image)
    lowers = [Layer(str(store.layer_dir(d)), "image",
                    made[i] if i < len(made) else "", d.split(":")[-1][:12])
              for i, d in enumerate(image.diff_ids)]
    name = image.repo_tags[0] if image.repo_tags else image.short_id
    return Source(f"image {name}", lowers)


def find_image(ref: str, store: Store) -> Image:
    """An image already in the store (looking never builds or pulls one)."""
    from ..errors import NotFoundError

    found = store.find(ref)
    if found is None:
        raise NotFoundError(f"No such image: {ref}")
    return found[0]


def container_source(ref: str, store: Store | None = None) -> Source:
    """A container's stack, from its record: the image's layers, the init layer, its own."""
    from ..engine.changes import diff
    from ..engine.store import ContainerStore

    record = ContainerStore().get(ref)
    rootfs = record.get("Pcl", {}).get("Rootfs")
    name = record.get("Name", "/")[1:]
    if not rootfs:
        raise ValueError(f"container {name} runs from a directory (--rootfs): it has no layers")
    store = store or Store()
    found = store.find(record["Image"])
    by_dir = {}
    if found:
        made = _history(found[0])
        for i, d in enumerate(found[0].diff_ids):
            by_dir[str(store.layer_dir(d))] = (made[i] if i < len(made) else "",
                                              d.split(":")[-1][:12])
    lowers = []
    for i, path in enumerate(rootfs["lowers"]):
        last = i == len(rootfs["lowers"]) - 1
        if path in by_dir:
            label, lid = by_dir[path]
            lowers.append(Layer(path, "image", label, lid))
        elif last and path.endswith("/init"):
            lowers.append(Layer(path, "init", "mount points the runtime fills: /proc, /dev, "
                                              "/etc/hosts… (not part of the container's changes)"))
        else:
            lowers.append(Layer(path, "dir", os.path.basename(path)))
    image_name = record.get("Config", {}).get("Image", "")
    return Source(f"container {name} ({image_name})", lowers,
                  Layer(rootfs["upper"], "rw", f"container {name}'s read-write layer"),
                  rootfs["driver"], diff(record["ID"]))


def stack_source(stack: LayerStack) -> Source:
    lowers = [Layer(str(p), "dir", p.name) for p in stack.lowers]
    return Source(f"layer stack {stack.path}", lowers,
                  Layer(str(stack.upper), "rw", "the upper (read-write) directory"),
                  stack.driver.name, stack.changes())


class LayerStackView(RefreshingWidget):
    """The layers of an image, a container or a hand-built stack, bottom-up, with the
    read-write layer and its changes on top.

    ``source``: an :class:`~pycontainer_lab.image.store.Image`, an image name in the store, or
    a :class:`~pycontainer_lab.linux.layerstack.LayerStack`; or ``container=`` a container's
    name or id. :meth:`refresh` (or ``auto_refresh`` seconds) looks again.
    """

    _esm = asset("layer_stack.js")
    _css = asset("layer_stack.css")

    title = traitlets.Unicode("").tag(sync=True)
    driver = traitlets.Unicode("").tag(sync=True)
    layers = traitlets.List(traitlets.Dict()).tag(sync=True)
    """Bottom first: ``index``, ``kind``, ``label``, ``id``, ``path``, ``files``, ``size``,
    ``whiteouts``, ``whiteout_count``, ``opaque``, ``copied_up`` (files a container changed)."""
    rw = traitlets.Dict().tag(sync=True)
    """The read-write layer: ``files``, ``size``, ``changes`` (``kind``, ``path``, ``from``:
    the layer index a changed file was copied up from)…; ``{}`` for an image alone."""
    _timer_name = "pcl-layer-stack"

    def __init__(self, source: Image | LayerStack | str | None = None, *,
                 container: str | None = None, store: Store | None = None,
                 auto_refresh: float | None = None, **kwargs: object):
        super().__init__(**kwargs)
        if (source is None) == (container is None):
            raise TypeError("show either an image or stack (source=) or a container=")
        self._store = store
        self._source = source
        self._container = container
        self._lock = threading.Lock()
        self.refresh()
        if auto_refresh:
            self.start(auto_refresh)

    def _read(self) -> Source:
        if self._container is not None:
            return container_source(self._container, self._store)
        if isinstance(self._source, LayerStack):
            return stack_source(self._source)
        store = self._store or Store()
        image = self._source if isinstance(self._source, Image) else \
            find_image(str(self._source), store)
        return image_source(image, store)

    def refresh(self) -> dict:
        """Look at the layers again and redraw; returns the state sent."""
        with self._lock:
            state = stack_state(self._read())
            with self.hold_sync():
                self.title, self.driver = state["title"], state["driver"]
                self.layers, self.rw = state["layers"], state["rw"]
                self.error = ""
                self.refreshes += 1
            return state
