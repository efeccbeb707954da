"""Watch cgroups over time: a background thread samples their stats into ring buffers.

::

    with Sampler([web, db], interval=0.5) as s:     # 2 Hz
        time.sleep(5)
        series = s.series("web")                     # lists: t, cpu_percent, memory_current…
        line.set_data(series["t"], series["cpu_percent"])

One thread reads every group's accounting files each ``interval`` seconds (the files are
cheap to read: twenty groups at 2 Hz cost about 1–1.5 % of one CPU on a v1 host, where a group
is nine directories; see ``benchmarks/cgroup_sampling.py``) and appends one
:class:`~.stats.CgroupStats` per group to a buffer that keeps the last ``capacity`` samples,
so memory stays bounded however long it runs.

Three ways to consume it, none of which blocks a Jupyter kernel's event loop:

- pull: ``series(label)``, ``latest(label)`` -- take a copy under a lock, instantly;
- push: ``subscribe(callback)`` -- called from the sampler thread after each round
  (a live plot updates itself from there);
- ``async for tick in sampler.watch():`` -- each round, delivered into the event loop.

A group that disappears (deleted, its container gone) is dropped from the sampler and the
reason kept in ``dropped``; the thread carries on with the others. ``stop()`` returns within
about one file read, not one interval.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from typing import Any

from ...display import HasWidget
from .group import Cgroup
from .stats import CgroupStats, cpu_percent

__all__ = ["Sampler"]

Tick = dict[str, CgroupStats]
"""One sampling round: label → that group's snapshot."""


class Sampler(HasWidget):
    """Sample the stats of several cgroups at a fixed rate, into bounded buffers.

    ``sampler.widget()`` plots them live in a notebook."""

    def __init__(self, groups: Iterable[Cgroup] = (), interval: float = 0.5,
                 capacity: int = 240):
        if interval <= 0 or capacity < 2:
            raise ValueError("interval must be > 0 and capacity at least 2")
        self.interval = interval
        self.capacity = capacity
        self._groups: dict[str, Cgroup] = {}
        self._buffers: dict[str, deque[CgroupStats]] = {}
        self._lock = threading.Lock()
        self._tick = threading.Condition(self._lock)
        self._listeners: list[Callable[[Tick], None]] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.started_at = time.monotonic()
        self.rounds = 0
        """Sampling rounds done."""
        self.cpu_seconds = 0.0
        """CPU time the sampler thread has used (its own cost)."""
        self.dropped: dict[str, str] = {}
        """Groups that went away: label → why."""
        self.listener_errors: list[str] = []
        for g in groups:
            self.add(g)

    # ------------------------------------------------------------------ what to sample
    def add(self, group: Cgroup, label: str | None = None) -> str:
        """Sample ``group`` from the next round on, under ``label`` (default: its name)."""
        label = label or group.name
        with self._lock:
            self._groups[label] = group
            self._buffers.setdefault(label, deque(maxlen=self.capacity))
            self.dropped.pop(label, None)
        return label

    def remove(self, label: str) -> None:
        """Stop sampling a group (its history is kept until :meth:`clear`)."""
        with self._lock:
            self._groups.pop(label, None)

    def clear(self, label: str) -> None:
        with self._lock:
            self._groups.pop(label, None)
            self._buffers.pop(label, None)

    @property
    def labels(self) -> list[str]:
        with self._lock:
            return list(self._buffers)

    # ------------------------------------------------------------------ the thread
    def start(self) -> Sampler:
        """Start the sampling thread (a daemon: it never keeps Python from exiting)."""
        if self._thread and self._thread.is_alive():
            return self
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="pcl-cgroup-sampler",
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 2.0) -> None:
        """Stop the thread and wait for it (the buffers stay readable)."""
        self._stop.set()
        with self._tick:
            self._tick.notify_all()
        if self._thread:
            self._thread.join(timeout)
            self._thread = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _run(self) -> None:
        due = time.monotonic()
        while not self._stop.is_set():
            t0 = time.thread_time()
            self.sample_once()
            self.cpu_seconds += time.thread_time() - t0
            due += self.interval
            late = time.monotonic() - due
            if late > 0:  # we fell behind (a busy host): skip the missed rounds, no burst
                due += (late // self.interval + 1) * self.interval
            self._stop.wait(due - time.monotonic())

    def sample_once(self) -> Tick:
        """Read every group now, store the snapshots, tell the subscribers; return them."""
        with self._lock:
            groups = list(self._groups.items())
        tick: Tick = {}
        gone: dict[str, str] = {}
        for label, group in groups:
            try:
                tick[label] = group.stats()
            except (OSError, LookupError) as e:  # deleted meanwhile (NotFoundError, ENODEV…)
                gone[label] = str(e)
        with self._tick:
            for label, stats in tick.items():
                if label in self._buffers:
                    self._buffers[label].append(stats)
            for label, why in gone.items():
                self._groups.pop(label, None)
                self.dropped[label] = why
            self.rounds += 1
            listeners = list(self._listeners)
            self._tick.notify_all()
        for callback in listeners:
            try:
                callback(tick)
            except Exception as e:  # a broken plot must not stop the sampling
                self.listener_errors.append(f"{callback!r}: {e}")
        return tick

    # ------------------------------------------------------------------ reading
    def latest(self, label: str) -> CgroupStats | None:
        with self._lock:
            buf = self._buffers.get(label)
            return buf[-1] if buf else None

    def history(self, label: str) -> list[CgroupStats]:
        """The buffered snapshots of one group, oldest first (at most ``capacity``)."""
        with self._lock:
            return list(self._buffers.get(label, ()))

    def series(self, label: str) -> dict[str, list[Any]]:
        """One group's buffer as columns for plotting.

        ``t`` is seconds since the sampler was made; every :class:`CgroupStats` field is a
        column, plus the rates between consecutive samples: ``cpu_percent`` (100 = one CPU),
        ``io_read_bps`` and ``io_write_bps`` (bytes per second). Rates of the first sample are
        ``None``.
        """
        samples = self.history(label)
        cols: dict[str, list[Any]] = {"t": [s.time - self.started_at for s in samples]}
        for name in CgroupStats.__dataclass_fields__:
            if name != "time":
                cols[name] = [getattr(s, name) for s in samples]
        pairs = list(zip([None, *samples[:-1]], samples, strict=True)) if samples else []
        cols["cpu_percent"] = [cpu_percent(a, b) if a else None for a, b in pairs]
        for key, field in (("io_read_bps", "io_read_bytes"), ("io_write_bps", "io_write_bytes")):
            cols[key] = [_rate(a, b, field) if a else None for a, b in pairs]
        return cols

    def wait_rounds(self, n: int = 1, timeout: float | None = None) -> bool:
        """Block until ``n`` more rounds are done (for scripts and tests, not event loops)."""
        with self._tick:
            target = self.rounds + n
            return self._tick.wait_for(lambda: self.rounds >= target or self._stop.is_set(),
                                       timeout)

    def ticks(self, count: int | None = None) -> Iterator[Tick]:
        """Yield each new round as it is sampled (blocking; ``pcl stats`` style)."""
        seen = 0
        while count is None or seen < count:
            if not self.wait_rounds(1, timeout=max(1.0, 4 * self.interval)) or not self.running:
                return
            with self._lock:
                tick = {label: buf[-1] for label, buf in self._buffers.items()
                        if buf and label in self._groups}
            seen += 1
            yield tick

    # ------------------------------------------------------------------ pushing
    def subscribe(self, callback: Callable[[Tick], None]) -> None:
        """Call ``callback(tick)`` from the sampler thread after every round."""
        with self._lock:
            self._listeners.append(callback)

    def unsubscribe(self, callback: Callable[[Tick], None]) -> None:
        with self._lock:
            if callback in self._listeners:
                self._listeners.remove(callback)

    async def watch(self, maxsize: int = 64) -> AsyncIterator[Tick]:
        """``async for tick in sampler.watch():`` -- every round, inside the event loop.

        The sampler thread hands each round to the loop with ``call_soon_threadsafe``; the
        loop never waits on the thread. If the consumer falls behind by ``maxsize`` rounds,
        the oldest are dropped.
        """
        import asyncio

        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[Tick] = asyncio.Queue(maxsize=maxsize)

        def put(tick: Tick) -> None:
            if queue.full():
                queue.get_nowait()
            queue.put_nowait(tick)

        def push(tick: Tick) -> None:
            loop.call_soon_threadsafe(put, tick)

        self.subscribe(push)
        try:
            while True:
                yield await queue.get()
        finally:
            self.unsubscribe(push)

    def __enter__(self) -> Sampler:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return (f"<Sampler {state} every {self.interval:g} s, {len(self._groups)} groups, "
                f"{self.rounds} rounds>")


def _rate(a: CgroupStats, b: CgroupStats, field: str) -> float | None:
    x, y = getattr(a, field), getattr(b, field)
    wall = b.time - a.time
    return (y - x) / wall if x is not None and y is not None and wall > 0 else None
