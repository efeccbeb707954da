"""A layer stack: the root filesystem of a container, built one layer at a time.

::

    from pycontainer_lab.linux.layerstack import LayerStack
    with LayerStack("/tmp/demo") as stack:      # makes /tmp/demo/{upper,work,merged}
        stack.stack("/tmp/base")                 # the bottom layer
        stack.stack("/tmp/app")                  # one more, on top
        stack.mount()                            # in a sandbox's private mount namespace
        stack.view("etc/motd").unlink()          # delete a file of a lower layer …
        print(stack.changes())                   # … [D /etc/motd]: a whiteout in upper/

Two *storage drivers* do the mount behind the same interface (:class:`Driver`):

- ``overlay2`` -- the kernel's union filesystem (:mod:`.overlay`): nothing is copied until written;
- ``vfs`` -- plain copies (:mod:`.vfs`): every layer copied into the upper directory first.

The mount happens inside a sandbox helper with its own mount namespace (made for the stack, or
one you pass), so it can never leak onto the host: when the sandbox ends, the mount is gone.
From outside, :meth:`LayerStack.view` reaches the merged tree through ``/proc/PID/root``.
A container runtime calls ``get_driver(name).mount(...)`` directly in the container's init
(already in its own mount namespace), or ``box.mount_layers(...)`` on a sandbox.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from ..display import HasWidget
from ..tracing import step
from . import mounts, vfs
from .changes import Change, overlay_changes, tree_changes
from .overlay import mount_overlay

if TYPE_CHECKING:
    from .sandbox import Sandbox

__all__ = ["DRIVERS", "Driver", "LayerStack", "OverlayDriver", "VfsDriver", "default_driver",
           "get_driver"]

PathLike = str | os.PathLike


class Driver(Protocol):
    """How a stack of layers becomes one tree. Both methods act on the caller's mount ns."""

    name: str

    def mount(self, lowers: Sequence[PathLike], upper: PathLike, work: PathLike,
              target: PathLike) -> None:
        """Show ``lowers`` (bottom → top) under a writable ``upper`` at ``target``."""

    def unmount(self, target: PathLike) -> None:
        """Undo :meth:`mount`; ``upper`` keeps the changes."""

    def changes(self, lowers: Sequence[PathLike], upper: PathLike) -> list[Change]:
        """What was added, changed, deleted relative to ``lowers`` (``docker diff``)."""


class OverlayDriver:
    """overlayfs: a union mount, copy-on-write, whiteouts for deletions."""

    name = "overlay2"

    def mount(self, lowers: Sequence[PathLike], upper: PathLike, work: PathLike,
              target: PathLike) -> None:
        if not lowers:  # an image without layers: the upper dir is the whole tree
            mounts.bind(os.fspath(upper), os.fspath(target), recursive=False)
            return
        mount_overlay(lowers, upper, work, target)

    def unmount(self, target: PathLike) -> None:
        mounts.umount(os.fspath(target))

    def changes(self, lowers: Sequence[PathLike], upper: PathLike) -> list[Change]:
        return overlay_changes(lowers, upper)


class VfsDriver:
    """vfs: the layers are copied into the upper directory once, which is then bind-mounted."""

    name = "vfs"

    def mount(self, lowers: Sequence[PathLike], upper: PathLike, work: PathLike,
              target: PathLike) -> None:
        up = os.fspath(upper)
        if not os.listdir(up):  # first start: copy the image in; later starts reuse it
            vfs.populate([os.fspath(x) for x in lowers], up)
        mounts.bind(up, os.fspath(target), recursive=False)

    def unmount(self, target: PathLike) -> None:
        mounts.umount(os.fspath(target))

    def changes(self, lowers: Sequence[PathLike], upper: PathLike) -> list[Change]:
        return tree_changes(lowers, upper)


DRIVERS: dict[str, type] = {"overlay2": OverlayDriver, "overlay": OverlayDriver,
                            "vfs": VfsDriver}


def default_driver() -> str:
    """``$PCL_STORAGE_DRIVER`` if set, else overlay2 where the kernel has overlayfs, else vfs."""
    chosen = os.environ.get("PCL_STORAGE_DRIVER")
    if chosen:
        return chosen
    with open("/proc/filesystems") as f:
        return "overlay2" if "\toverlay\n" in f.read() else "vfs"


def get_driver(name: str | None = None) -> Driver:
    """The driver called ``name`` (``overlay2``, ``overlay`` or ``vfs``; None: the default)."""
    name = name or default_driver()
    if name not in DRIVERS:
        raise ValueError(f"unknown storage driver {name!r}: use overlay2 or vfs")
    return DRIVERS[name]()


class LayerStack(HasWidget):
    """A union of layers you build one at a time, with its own upper, work and merged dirs.

    In a notebook ``stack.widget()`` draws it, with the changes in its upper directory."""

    def __init__(self, path: PathLike, driver: str | None = None, box: Sandbox | None = None):
        self.path = Path(path)
        self.driver = get_driver(driver)
        self.upper, self.work, self.merged = (self.path / d for d in ("upper", "work", "merged"))
        for d in (self.upper, self.work, self.merged):
            mounts.mkdir(str(d))
        self.lowers: list[Path] = []
        self._box = box
        self._own_box = box is None
        self.mounted = False

    def __enter__(self) -> LayerStack:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "mounted" if self.mounted else "not mounted"
        return f"<LayerStack {self.driver.name} {len(self.lowers)} layers, {state}>"

    @property
    def box(self) -> Sandbox:
        """The sandbox whose mount namespace holds the mount (started on first use)."""
        if self._box is None:
            from .sandbox import Sandbox

            self._box = Sandbox("layerstack").unshare("mnt")
        return self._box

    def stack(self, layer: PathLike) -> LayerStack:
        """Put one more read-only layer on top of the stack."""
        layer = Path(layer).resolve()
        if not layer.is_dir():
            raise FileNotFoundError(f"layer {layer} is not a directory")
        if self.driver.name == "vfs" and any(self.upper.iterdir()):
            raise RuntimeError("vfs copied the layers into upper/ when the stack was mounted: "
                               "stack every layer before mounting (or start a new stack)")
        remount = self.mounted
        if remount:  # overlay cannot change the lowers of a live mount
            self.unmount()
        with step(f"stack {layer} as layer {len(self.lowers) + 1}, on top",
                  f"lowers = [{layer}] + lowers", "",
                  note="the next mount lists it first in lowerdir= (the top-most lower)"):
            self.lowers.append(layer)
        if remount:
            self.mount()
        return self

    def mount(self) -> LayerStack:
        """Mount the stack at ``merged`` inside the sandbox (``view()`` to look at it)."""
        if not self.mounted:
            self.box.mount_layers([str(x) for x in self.lowers], str(self.upper),
                                  str(self.work), str(self.merged), driver=self.driver.name)
            self.mounted = True
        return self

    def unmount(self) -> None:
        """Unmount ``merged``; the upper directory keeps the changes."""
        if self.mounted:
            self.box.unmount_layers(str(self.merged), driver=self.driver.name)
            self.mounted = False

    def view(self, path: str = "") -> Path:
        """``path`` inside the merged tree, as this process can reach it (``/proc/PID/root``)."""
        if not self.mounted:
            raise RuntimeError("the stack is not mounted: call stack.mount() first")
        return Path(f"/proc/{self.box.pid}/root{self.merged}") / path.lstrip("/")

    def changes(self) -> list[Change]:
        """What was written since the stack was made: ``docker diff``'s A/C/D list."""
        return self.driver.changes(self.lowers, self.upper)

    def close(self) -> None:
        """Unmount, and end the sandbox if the stack started it."""
        if self._box is not None and not self._box.closed:
            self.unmount()
            if self._own_box:
                self._box.close()
        self.mounted = False
