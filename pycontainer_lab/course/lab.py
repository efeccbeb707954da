"""The Lab: one per notebook; it makes each exercise's resources and removes them all again.

A notebook is run out of order, cells are run twice, kernels are interrupted. So everything a
chapter creates on the machine -- sandboxes, cgroups, scratch directories, loop devices, live
widgets -- is made through its :class:`Lab`, under a name:

- asking again for the same name first removes the old one (re-running a setup cell gives a
  fresh start, not a second sandbox beside the first);
- names on the machine get the lab's own suffix (``ex-mem-3f9a1c``), so two notebooks, or two
  learners on one machine, never share a cgroup;
- :meth:`Lab.cleanup` removes everything, newest first -- the last cell of every chapter calls
  it, and it runs again by itself when the kernel stops.
"""

from __future__ import annotations

import atexit
import contextlib
import html
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..linux.cgroups import Cgroup, Resources, apply
from ..linux.layerstack import LayerStack
from ..linux.probe import HostInfo, probe
from ..linux.sandbox import Sandbox
from .jail import build_jail, lend_python
from .needs import CHAPTERS, missing, register_magic

__all__ = ["Lab"]


@dataclass
class _Resource:
    kind: str
    name: str
    obj: Any
    undo: Callable[[], None]


class Lab:
    """The resources of one notebook. ``needs``: capabilities (see :mod:`.needs`) the whole
    chapter relies on; the lab says at once which of them this host lacks."""

    def __init__(self, chapter: str, needs: tuple[str, ...] | None = None):
        self.chapter = chapter
        if needs is None:
            needs = CHAPTERS[chapter][1] if chapter in CHAPTERS else ("root",)
        self.id = uuid.uuid4().hex[:6]
        """The suffix of this lab's names on the machine."""
        self._resources: dict[str, _Resource] = {}
        self._cleaning = False
        self.removed: list[str] = []
        """What the last :meth:`cleanup` removed."""
        register_magic()
        atexit.register(self.cleanup, quiet=True)
        self.lacking = [m for m in (missing(n) for n in needs) if m]
        """What this host lacks of what the chapter needs (explained once, here)."""
        if self.lacking:
            _show("<b>This host lacks what this chapter needs</b>: "
                  + "; ".join(html.escape(x) for x in self.lacking)
                  + ". Cells that need it will fail; see the index notebook.", "#b26a00")

    @property
    def host(self) -> HostInfo:
        """What this host allows (:func:`pycontainer_lab.linux.probe.probe`)."""
        return probe()

    @property
    def cgroup_version(self) -> int:
        """1 or 2: which cgroup version holds the resource controllers here."""
        return int(probe().CgroupVersion or 0)

    # ------------------------------------------------------------------ bookkeeping
    def _add(self, kind: str, name: str, obj: Any, undo: Callable[[], None]) -> Any:
        key = f"{kind}:{name}"
        old = self._resources.pop(key, None)
        if old is not None:
            _quietly(old.undo)
        self._resources[key] = _Resource(kind, name, obj, undo)
        return obj

    def _forget(self, kind: str, name: str) -> None:
        old = self._resources.pop(f"{kind}:{name}", None)
        if old is not None:
            _quietly(old.undo)

    def keep(self, obj: Any, name: str = "") -> Any:
        """Remember anything with a ``close()`` (a live widget) to close at cleanup."""
        return self._add("widget", name or f"{type(obj).__name__}-{id(obj)}", obj, obj.close)

    def on_cleanup(self, name: str, undo: Callable[[], None]) -> None:
        """Run ``undo()`` at cleanup (for something made outside the lab's helpers)."""
        self._add("undo", name, None, undo)

    # ------------------------------------------------------------------ resources
    def sandbox(self, name: str = "box") -> Sandbox:
        """A fresh sandbox (one of the same name from before is closed first)."""
        self._forget("sandbox", name)
        box = Sandbox(name)
        return self._add("sandbox", name, box, box.close)

    def cgroup(self, name: str, **flags: Any) -> Cgroup:
        """A fresh cgroup ``name-<lab id>``, with Docker's resource ``flags`` applied
        (``memory="32m"``, ``cpus=0.5``…); deleted (its processes killed) at cleanup."""
        self._forget("cgroup", name)
        cg = Cgroup(f"{name}-{self.id}").create()
        self._add("cgroup", name, cg, cg.delete)
        if flags:
            apply(cg, Resources.from_flags(**flags))
        return cg

    def directory(self, name: str) -> Path:
        """A fresh, empty scratch directory, removed at cleanup."""
        self._forget("directory", name)
        path = Path(tempfile.mkdtemp(prefix=f"pcl-{self.chapter}-{name}-"))
        path.chmod(0o755)
        return self._add("directory", name, path,
                         lambda: shutil.rmtree(path, ignore_errors=True))

    def jail(self, name: str, box: Sandbox | None = None) -> Path:
        """A tiny root filesystem to lock a sandbox into (see :mod:`.jail`); with ``box``,
        the host's Python is lent to it inside that sandbox, for the breakout."""
        root = build_jail(self.directory(name) / "jail")
        if box is not None:
            lend_python(box, root)
        return root

    def layer(self, name: str, files: Mapping[str, str]) -> Path:
        """A directory holding ``files`` (path → text): one image layer, made by hand."""
        path = self.directory(name)
        for rel, text in files.items():
            f = path / rel.lstrip("/")
            f.parent.mkdir(parents=True, exist_ok=True)
            f.write_text(text)
        return path

    def layerstack(self, name: str, driver: str | None = None) -> LayerStack:
        """An empty layer stack in a scratch directory (unmounted and gone at cleanup)."""
        self._forget("layerstack", name)
        stack = LayerStack(self.directory(f"{name}-stack"), driver=driver)
        return self._add("layerstack", name, stack, stack.close)

    def loop_device(self, name: str, size_mib: int = 64) -> str:
        """A block device of our own: a sparse file attached as ``/dev/loopN`` (detached at
        cleanup). Block I/O limits act on block devices, so this is what they are tried on."""
        self._forget("loop", name)
        image = self.directory(f"{name}-disk") / "disk.img"
        with open(image, "wb") as f:
            f.truncate(size_mib << 20)
        dev = subprocess.run(["losetup", "--find", "--show", str(image)], capture_output=True,
                             text=True, check=True).stdout.strip()
        return self._add("loop", name, dev,
                         lambda: subprocess.run(["losetup", "--detach", dev], check=False))

    # ------------------------------------------------------------------ the end
    def cleanup(self, quiet: bool = False) -> None:
        """Remove everything this lab made, newest first (``lab.removed`` lists what). Safe to
        call any number of times."""
        if self._cleaning:
            return
        self._cleaning = True
        done = []
        try:
            for key in reversed(list(self._resources)):
                res = self._resources.pop(key)
                if _quietly(res.undo):
                    done.append(f"{res.kind} {res.name}")
        finally:
            self._cleaning = False
        if not quiet:
            _show("<b>Cleaned up</b>: " + (html.escape(", ".join(done)) if done
                                           else "nothing was left"), "#2e7d32")
        self.removed = done

    def __repr__(self) -> str:
        held = ", ".join(self._resources) or "nothing"
        return f"<Lab {self.chapter} ({self.id}): {held}>"


def _quietly(undo: Callable[[], None]) -> bool:
    """Run one undo; a failure (the thing is gone already) must not stop the others."""
    try:
        undo()
        return True
    except Exception:
        return False


def _show(text_html: str, color: str) -> None:
    with contextlib.suppress(ImportError):
        from IPython.display import HTML, display

        display(HTML(f"<div style='border-left:4px solid {color};padding:4px 10px'>"
                     f"{text_html}</div>"))
