"""ResourceMonitor: live CPU % and memory of cgroups, with their limits drawn.

::

    from pycontainer_lab.linux.cgroups import Cgroup
    from pycontainer_lab.jupyter import ResourceMonitor

    cg = Cgroup("demo").create()
    cg.set("cpus", 0.5)                   # the CPU line flattens at 50 %
    cg.set("memory", "32m")               # the memory line stops at the dashed limit …
    box.join_cgroup(cg)
    ResourceMonitor(cg)                   # display it; then in another cell:
    box.start("tail /dev/zero")           # … and an OOM kill is marked where the kernel struck

A :class:`~pycontainer_lab.linux.cgroups.Sampler` reads the groups' accounting files in a
background thread (every ``interval`` seconds into fixed-size ring buffers). After each round
the monitor -- at most twice a second -- moves the lines of an ipympl figure (fixed axes that
only ever grow, so nothing jumps) and sends the latest numbers to a small table above it.
The same numbers are the widget's state (:attr:`ResourceMonitor.rows`), which is what tests
read. Closing the monitor (or the kernel shutting down) stops the sampler it started.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterable, Mapping

import anywidget
import ipywidgets
import numpy as np
import traitlets

from ..linux.cgroups import Cgroup, Sampler
from .lifetime import track, untrack
from .live_figure import LiveFigure
from .static import asset

__all__ = ["MAX_HZ", "MonitorReadout", "ResourceMonitor"]

MAX_HZ = 2.0
"""The most redraws per second: enough to watch, cheap for the kernel."""
MIB = 1 << 20

Groups = Cgroup | Iterable[Cgroup] | Mapping[str, Cgroup]


class MonitorReadout(anywidget.AnyWidget):
    """The monitor's numbers as a table: one row per group, updated with the plot."""

    _esm = asset("monitor_readout.js")
    _css = asset("monitor_readout.css")

    rows = traitlets.List(traitlets.Dict()).tag(sync=True)
    """Per group: ``label``, ``cpu_percent``, ``cpu_limit`` (CPUs), ``memory_current``,
    ``memory_limit``, ``memory_peak`` (bytes), ``oom_kills``, ``pids_current``, ``pids_max``,
    ``t`` (seconds since sampling began), ``samples``, ``gone`` (why it is no longer sampled)."""
    updates = traitlets.Int(0).tag(sync=True)
    interval = traitlets.Float(0.5).tag(sync=True)
    running = traitlets.Bool(False).tag(sync=True)
    title = traitlets.Unicode("").tag(sync=True)


def _groups(groups: Groups) -> list[tuple[str, Cgroup]]:
    if isinstance(groups, Cgroup):
        return [(groups.name, groups)]
    if isinstance(groups, Mapping):
        return list(groups.items())
    return [(g.name, g) for g in groups]


def _floats(values: list, scale: float = 1.0) -> np.ndarray:
    return np.array([np.nan if v is None else v / scale for v in values], dtype=float)


def _top(values: np.ndarray) -> float:
    """The largest value, ignoring gaps (0 for none)."""
    return float(np.nanmax(np.append(values, 0.0)))


def _padded(values: np.ndarray, size: int) -> np.ndarray:
    """``values`` at the end of an array of ``size`` NaNs: every frame draws arrays of the
    same length, whatever the buffer holds."""
    out = np.full(size, np.nan)
    if len(values):
        out[-len(values):] = values[-size:]
    return out


class _Artists:
    """The moving lines of one group: CPU, memory, the two limits, OOM-kill marks."""

    def __init__(self, monitor: ResourceMonitor, label: str, color: str):
        ax_cpu, ax_mem, live = monitor.ax_cpu, monitor.ax_mem, monitor.live
        nan = [np.nan, np.nan]
        (self.cpu,) = ax_cpu.plot(nan, nan, color=color, lw=1.8, label=label)
        (self.mem,) = ax_mem.plot(nan, nan, color=color, lw=1.8, label=label)
        self.cpu_limit = ax_cpu.axhline(0, color=color, ls="--", lw=1.2, visible=False)
        self.mem_limit = ax_mem.axhline(0, color=color, ls="--", lw=1.2, visible=False)
        (self.oom,) = ax_mem.plot(nan, nan, ls="none", marker="X", ms=9, color="#d62728",
                                  label="OOM kill" if not monitor.artists else None)
        self.limits: tuple = ()
        for artist in (self.cpu_limit, self.mem_limit, self.cpu, self.mem, self.oom):
            live.animate(artist)


class ResourceMonitor(ipywidgets.VBox):
    """Live CPU % and memory of one or several cgroups, each limit drawn as a dashed line.

    ``groups``: a :class:`Cgroup`, several, or ``{label: cgroup}``; ``container``: a
    container's name or id (its cgroup, under its name). The monitor samples them
    every ``interval`` seconds and shows the last ``window`` seconds; or pass a running
    ``sampler`` to show what it samples (it is then yours to stop). The plot is redrawn at
    most :data:`MAX_HZ` times a second.
    """

    _closed = True  # until __init__ is through: a half-made monitor has nothing to stop

    def __init__(self, groups: Groups = (), *, container: str | None = None,
                 sampler: Sampler | None = None,
                 interval: float = 0.5, window: float = 60.0, title: str = "",
                 figsize: tuple[float, float] = (7.0, 4.2), **kwargs: object):
        self.window = float(window)
        self.owns_sampler = sampler is None
        if sampler is None:
            sampler = Sampler(interval=interval, capacity=math.ceil(window / interval) + 2)
        self.sampler = sampler
        chosen = _groups(groups)
        if container is not None:
            from .containers import ContainerRef

            ref = ContainerRef(container)
            chosen.append((ref.name, ref.cgroup()))
        for label, group in chosen:
            sampler.add(group, label)
        self.period = max(sampler.interval, 1.0 / MAX_HZ)
        """Seconds between two redraws (at least 1 / MAX_HZ)."""
        self.size = sampler.capacity

        self.live = LiveFigure(figsize=figsize)
        self.ax_cpu, self.ax_mem = self.live.figure.subplots(2, 1, sharex=True)
        self.artists: dict[str, _Artists] = {}
        self._cpu_top = 110.0
        self._mem_top = 64.0
        self._setup_axes()
        self._axes_changed = True

        self.readout = MonitorReadout(interval=self.period, title=title)
        super().__init__(children=[self.readout, self.live.canvas], **kwargs)
        self.add_class("pcl-monitor")
        self._last = 0.0
        self._update_lock = threading.Lock()
        self._closed = False
        if self.owns_sampler:
            sampler.sample_once()  # the first frame already shows the limits
        self.update()
        self.start()

    # ------------------------------------------------------------------ running
    def start(self) -> ResourceMonitor:
        """Follow the sampler again (and start it, if this monitor made it)."""
        if self._closed:
            raise RuntimeError("this monitor is closed: make a new one")
        self.sampler.unsubscribe(self._on_tick)
        self.sampler.subscribe(self._on_tick)
        if self.owns_sampler:
            self.sampler.start()
        self.readout.running = True
        track(self)
        return self

    def stop(self) -> None:
        """Stop updating (and stop the sampler if this monitor made it); the plot stays."""
        self.sampler.unsubscribe(self._on_tick)
        if self.owns_sampler:
            self.sampler.stop()
        if not self._closed:
            self.readout.running = False
        untrack(self)

    @property
    def running(self) -> bool:
        return self.readout.running and (self.sampler.running or not self.owns_sampler)

    def close(self) -> None:
        """Stop, and close the plot and the table (they disappear from the page)."""
        if self._closed:
            return
        self.stop()
        self._closed = True
        self.live.close()
        self.readout.close()
        super().close()

    def _on_tick(self, _tick: object) -> None:
        now = time.monotonic()
        if now - self._last < self.period * 0.9:  # the sampler may run faster than we draw
            return
        self._last = now
        self.update()

    # ------------------------------------------------------------------ what it shows
    @property
    def rows(self) -> list[dict]:
        """The latest numbers, one dict per group (see :class:`MonitorReadout`)."""
        return list(self.readout.rows)

    @property
    def updates(self) -> int:
        return self.readout.updates

    def _setup_axes(self) -> None:
        ax_cpu, ax_mem = self.ax_cpu, self.ax_mem
        ax_cpu.set_ylabel("CPU %")
        ax_mem.set_ylabel("memory (MiB)")
        ax_mem.set_xlabel("seconds (0 = now)")
        ax_cpu.set_xlim(-self.window, 0)
        ax_cpu.set_ylim(0, self._cpu_top)
        ax_mem.set_ylim(0, self._mem_top)
        for ax in (ax_cpu, ax_mem):
            ax.grid(True, alpha=0.3)
        ax_cpu.set_title("100 % = one whole CPU; dashed: the group's limit", fontsize=9)

    def _artists(self, label: str) -> _Artists:
        if label not in self.artists:
            color = f"C{len(self.artists) % 10}"
            self.artists[label] = _Artists(self, label, color)
            self._legends()
        return self.artists[label]

    def _legends(self) -> None:
        for ax in (self.ax_cpu, self.ax_mem):
            ax.legend(loc="upper left", fontsize=8, framealpha=0.85)
        self._axes_changed = True

    def update(self) -> None:
        """Read the sampler's buffers, move the lines, redraw, and refresh the numbers."""
        if self._closed:
            return
        with self._update_lock:
            rows = []
            series = {label: self.sampler.series(label) for label in self.sampler.labels}
            latest = max((s["t"][-1] for s in series.values() if s["t"]), default=0.0)
            with self.live.lock:
                for label, cols in series.items():
                    rows.append(self._draw_group(label, cols, latest))
                self._rescale(rows)
                full, self._axes_changed = self._axes_changed, False
                if full:
                    self.live.freeze_layout()
            self.live.redraw(full=full)
            with self.readout.hold_sync():
                self.readout.rows = rows
                self.readout.updates += 1

    def _draw_group(self, label: str, cols: dict, latest: float) -> dict:
        a = self._artists(label)
        x = _padded(np.array(cols["t"], dtype=float) - latest, self.size)
        cpu = _padded(_floats(cols["cpu_percent"]), self.size)
        mem = _padded(_floats(cols["memory_current"], MIB), self.size)
        a.cpu.set_data(x, cpu)
        a.mem.set_data(x, mem)
        last = {k: (v[-1] if v else None) for k, v in cols.items()}
        cpu_limit = last.get("cpu_limit")
        mem_limit = last.get("memory_limit")
        if a.limits != (cpu_limit, mem_limit):  # set, changed or lifted: the legend says so
            a.limits = (cpu_limit, mem_limit)
            for line, value, text in (
                    (a.cpu_limit, cpu_limit, f"{label} limit: {cpu_limit:g} CPUs"
                     if cpu_limit else ""),
                    (a.mem_limit, mem_limit, f"{label} limit: {(mem_limit or 0) / MIB:.0f} MiB")):
                line.set_visible(value is not None)
                line.set_label(text if value is not None else "_nolimit")
            a.cpu_limit.set_ydata([(cpu_limit or 0) * 100] * 2)
            a.mem_limit.set_ydata([(mem_limit or 0) / MIB] * 2)
            self._legends()
        n = len(cols["t"])
        kills = _floats(cols["oom_kills"])
        struck = np.flatnonzero(kills[1:] > kills[:-1]) + 1  # where the count went up
        height = mem_limit / MIB if mem_limit else _top(mem)  # where the kernel struck
        a.oom.set_data(x[self.size - n:][struck], np.full(len(struck), height))
        gone = self.sampler.dropped.get(label, "")
        return {"label": label, "cpu_percent": last.get("cpu_percent"), "cpu_limit": cpu_limit,
                "memory_current": last.get("memory_current"), "memory_limit": mem_limit,
                "memory_peak": last.get("memory_peak"), "oom_kills": last.get("oom_kills"),
                "pids_current": last.get("pids_current"), "pids_max": last.get("pids_max"),
                "t": round(last["t"], 2) if last.get("t") is not None else None,
                "samples": len(cols["t"]), "gone": gone}

    def _rescale(self, rows: list[dict]) -> None:
        """Grow an axis when a value or a limit nears its top; never shrink (no jumping)."""
        cpu_need = max([100.0] + [(r["cpu_limit"] or 0) * 100 for r in rows]
                       + [_top(a.cpu.get_ydata()) for a in self.artists.values()])
        if cpu_need > self._cpu_top * 0.95:
            self._cpu_top = math.ceil(cpu_need * 1.1 / 50) * 50
            self.ax_cpu.set_ylim(0, self._cpu_top)
            self._axes_changed = True
        mem_need = max([(r["memory_limit"] or 0) / MIB * 1.1 for r in rows]
                       + [_top(a.mem.get_ydata()) for a in self.artists.values()]
                       + [0.0])
        if mem_need > self._mem_top * 0.95:
            self._mem_top = float(2 ** math.ceil(math.log2(mem_need * 1.1)))
            self.ax_mem.set_ylim(0, self._mem_top)
            self._axes_changed = True
