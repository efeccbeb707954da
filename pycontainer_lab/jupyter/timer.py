"""A repeating timer: call a function every ``interval`` seconds in a daemon thread.

Widgets refresh themselves with it instead of a loop in a cell (a loop would block the
kernel, and the page would not update until it ended). :meth:`Repeater.stop` returns as
soon as the current call is done: the thread waits on an event, not in ``sleep``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

__all__ = ["Repeater"]


class Repeater:
    """Run ``fn()`` every ``interval`` seconds until :meth:`stop` (errors are counted, kept
    in ``errors`` and do not stop it)."""

    def __init__(self, fn: Callable[[], object], interval: float, name: str = "pcl-repeater"):
        if interval <= 0:
            raise ValueError("interval must be > 0")
        self.fn = fn
        self.interval = interval
        self.name = name
        self.calls = 0
        self.errors: list[str] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> Repeater:
        if self.running:
            return self
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        due = time.monotonic()
        while not self._stop.is_set():
            try:
                self.fn()
            except Exception as e:  # a bad refresh must not end the timer
                self.errors = [*self.errors[-9:], f"{type(e).__name__}: {e}"]
            self.calls += 1
            due = max(due + self.interval, time.monotonic())
            self._stop.wait(due - time.monotonic())

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()
