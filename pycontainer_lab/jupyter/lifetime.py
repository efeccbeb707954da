"""Widgets that run threads stop them: when closed, when the extension unloads, at exit.

A live widget (a monitor sampling cgroups, a tree refreshing itself) owns a background
thread. Closing the widget stops it; :func:`close_all` closes every such widget still open,
and runs when ``%unload_ext pycontainer_lab`` is called and when the kernel shuts down
(``atexit``), so no sampler outlives the notebook that started it.
"""

from __future__ import annotations

import atexit
import threading
import weakref
from typing import Protocol

__all__ = ["Closeable", "close_all", "live", "track"]


class Closeable(Protocol):
    def close(self) -> None: ...


_live: weakref.WeakSet[Closeable] = weakref.WeakSet()
_lock = threading.Lock()
_registered = False


def track(obj: Closeable) -> None:
    """Remember ``obj`` until it is garbage: :func:`close_all` will close it."""
    global _registered
    with _lock:
        _live.add(obj)
        if not _registered:
            atexit.register(close_all)
            _registered = True


def untrack(obj: Closeable) -> None:
    with _lock:
        _live.discard(obj)


def live() -> list[Closeable]:
    """The tracked objects not closed yet."""
    with _lock:
        return list(_live)


def close_all() -> int:
    """Close every tracked object (errors are swallowed: this runs at exit); return how many."""
    closed = 0
    for obj in live():
        try:
            obj.close()
            closed += 1
        except Exception:
            pass
        untrack(obj)
    return closed
