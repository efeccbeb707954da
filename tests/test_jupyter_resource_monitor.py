"""ResourceMonitor against real cgroups: the numbers in its state, the lines of its figure,
its rate, and its threads stopping."""

from __future__ import annotations

import os
import threading
import time

import numpy as np
import pytest

pytest.importorskip("ipympl", reason="the jupyter extra is not installed")

from pycontainer_lab import Sandbox
from pycontainer_lab.jupyter import ResourceMonitor, close_all, lifetime
from pycontainer_lab.jupyter.resource_monitor import MAX_HZ
from pycontainer_lab.linux.cgroups import Cgroup, Layout, Sampler

from helpers import until

pytestmark = pytest.mark.skipif(os.geteuid() != 0 or Layout.detect().version == 0,
                                reason="needs root and mounted cgroups")
MIB = 1 << 20


@pytest.fixture
def group(unique):
    made = []

    def make(**knobs: object) -> Cgroup:
        cg = Cgroup(unique("mon")).create()
        made.append(cg)
        for knob, value in knobs.items():
            cg.set(knob, value)
        return cg

    yield make
    for cg in made:
        cg.delete()


def sampler_threads() -> int:
    return sum(t.name == "pcl-cgroup-sampler" for t in threading.enumerate())


def test_cpu_and_memory_against_their_limits(group):
    cg = group(cpus="0.5", memory="32m")
    with Sandbox() as box:
        box.join_cgroup(cg).start("while :; do :; done")
        mon = ResourceMonitor(cg, interval=0.25, window=30)
        try:
            until(lambda: len(mon.rows[0]["label"]) and mon.rows[0]["samples"] >= 8)
            row = mon.rows[0]
            assert row["label"] == cg.name
            assert row["cpu_limit"] == 0.5 and row["memory_limit"] == 32 * MIB
            assert 25 < row["cpu_percent"] < 65  # held at half a CPU by the kernel
            assert 0 < row["memory_current"] < 32 * MIB and row["oom_kills"] == 0
            lines = mon.artists[cg.name]
            assert list(lines.cpu_limit.get_ydata()) == [50.0, 50.0]  # the limits, drawn
            assert list(lines.mem_limit.get_ydata()) == [32.0, 32.0]
            assert lines.cpu_limit.get_visible() and lines.mem_limit.get_visible()
            legend = [t.get_text() for t in mon.ax_mem.get_legend().get_texts()]
            assert f"{cg.name} limit: 32 MiB" in legend
            cpu = lines.cpu.get_ydata()
            assert len(cpu) == mon.sampler.capacity  # every frame: the same length
            assert 25 < np.nanmedian(cpu) < 65
            assert mon.ax_cpu.get_xlim() == (-30, 0) and mon.ax_mem.get_ylim()[1] >= 32

            box.start("tail /dev/zero")  # grows until the kernel kills it at the limit
            until(lambda: (mon.rows[0]["oom_kills"] or 0) >= 1)
            marks = lines.oom.get_ydata()
            assert len(marks) >= 1 and set(marks) == {32.0}  # marked on the limit line
            assert mon.rows[0]["memory_peak"] >= 30 * MIB
        finally:
            mon.close()


def test_it_redraws_at_most_twice_a_second_whatever_the_sampling_rate(group):
    cg = group()
    mon = ResourceMonitor(cg, interval=0.05, window=5)
    try:
        start_updates, start_rounds = mon.updates, mon.sampler.rounds
        time.sleep(2.0)
        rounds, updates = mon.sampler.rounds - start_rounds, mon.updates - start_updates
        assert rounds >= 20  # sampled at ~20 Hz …
        assert 2 <= updates <= 2.0 * MAX_HZ + 1  # … drawn at ≤ 2 Hz
        assert mon.live.frames == mon.updates
        assert mon.live.full_frames <= 2  # the axes drawn once: frames only blit the lines
        assert len(mon.artists[cg.name].mem.get_ydata()) == mon.sampler.capacity
    finally:
        mon.close()


def test_closing_stops_its_sampler_and_closes_the_widgets(group):
    before = sampler_threads()
    mon = group().widget()
    assert isinstance(mon, ResourceMonitor) and mon.running
    assert sampler_threads() == before + 1 and mon in lifetime.live()
    mon.close()
    assert not mon.running and not mon.sampler.running
    assert sampler_threads() == before and mon not in lifetime.live()
    assert mon.live.canvas.comm is None and mon.readout.comm is None and mon.comm is None
    updates = mon.updates
    mon.update()  # nothing happens on a closed monitor
    assert mon.updates == updates
    mon.close()  # twice is fine
    with pytest.raises(RuntimeError, match="closed"):
        mon.start()


def test_a_sampler_given_to_it_stays_the_callers(group):
    a, b = group(), group(memory="64m")
    with Sampler({a: None}.keys(), interval=0.1) as sampler:
        mon = ResourceMonitor({"B": b}, sampler=sampler)
        try:
            assert sampler.labels == [a.name, "B"]
            until(lambda: len(mon.rows) == 2 and all(r["samples"] >= 2 for r in mon.rows))
            assert {r["label"]: r["memory_limit"] for r in mon.rows} == \
                {a.name: None, "B": 64 * MIB}
            assert not mon.artists[a.name].mem_limit.get_visible()  # no limit, no line
        finally:
            mon.close()
        assert sampler.running  # not the monitor's to stop
    assert sampler.widget().sampler is sampler


def test_a_group_deleted_while_watched_is_marked_gone(group, unique):
    cg = Cgroup(unique("gone")).create()
    mon = ResourceMonitor(cg, interval=0.1)
    try:
        until(lambda: mon.rows[0]["samples"] >= 2)
        cg.delete()
        until(lambda: bool(mon.rows[0]["gone"]))
        assert cg.name in mon.sampler.dropped
    finally:
        mon.close()


def test_close_all_stops_every_live_monitor(group):
    mons = [ResourceMonitor(group(), interval=0.2) for _ in range(2)]
    assert close_all() >= 2
    assert not any(m.running for m in mons) and sampler_threads() == 0


def test_stats_and_groups_render_as_html(group):
    cg = group(memory="32m")
    stats = cg.stats()
    html = stats._repr_html_()
    assert "<table" in html and "of 32.0 MiB" in html and "CPU time" in html
    assert dict(stats.rows())["memory"].endswith("of 32.0 MiB")
    assert f"cgroup {cg.path}</b>" in cg._repr_html_() and "processes []" in cg._repr_html_()
    assert "does not exist" in Cgroup("pclnothere")._repr_html_()
