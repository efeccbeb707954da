"""The sampler: time series of real cgroups in a bounded buffer, from a thread that stops
cleanly and never blocks an event loop."""

from __future__ import annotations

import asyncio
import os
import threading
import time

import pytest

from pycontainer_lab import Sandbox
from pycontainer_lab.linux.cgroups import Cgroup, Layout, Sampler

pytestmark = pytest.mark.skipif(os.geteuid() != 0 or Layout.detect().version == 0,
                                reason="needs root and mounted cgroups")


@pytest.fixture
def groups(unique):
    made = [Cgroup(unique("s")).create() for _ in range(3)]
    yield made
    for cg in made:
        cg.delete()


def test_the_buffer_is_bounded_and_series_have_rates(groups):
    busy = groups[0]
    with Sandbox() as box:
        box.join_cgroup(busy).start("while :; do :; done")
        with Sampler(groups, interval=0.05, capacity=6) as sampler:
            assert sampler.wait_rounds(10, timeout=5)
        assert not sampler.running
    assert sampler.rounds >= 10
    assert all(len(sampler.history(g.name)) == 6 for g in groups)  # only the last 6 kept
    series = sampler.series(busy.name)
    assert len(series["t"]) == 6 and series["t"] == sorted(series["t"])
    assert series["cpu_percent"][0] is None
    assert all(p > 10 for p in series["cpu_percent"][1:])  # a busy loop: a good part of a CPU
    idle = sampler.series(groups[1].name)["cpu_percent"][1:]
    assert all(p == 0 for p in idle)
    assert series["pids_current"][-1] >= 1
    assert sampler.cpu_seconds < sampler.rounds * 0.05  # far cheaper than real time


def test_stop_returns_promptly_even_with_a_long_interval(groups):
    sampler = Sampler(groups, interval=30).start()
    assert sampler.wait_rounds(0) and sampler.running
    t0 = time.monotonic()
    sampler.stop()
    assert time.monotonic() - t0 < 0.5
    assert not sampler.running
    assert not any(t.name == "pcl-cgroup-sampler" for t in threading.enumerate())


def test_a_deleted_group_is_dropped_and_the_rest_go_on(unique, groups):
    doomed = Cgroup(unique("gone")).create()
    sampler = Sampler([*groups, doomed], interval=0.02)
    sampler.sample_once()
    doomed.delete()
    with sampler:
        assert sampler.wait_rounds(3, timeout=5)
    assert doomed.name in sampler.dropped
    assert len(sampler.history(doomed.name)) == 1  # what it had stays readable
    assert len(sampler.history(groups[0].name)) >= 4


def test_subscribers_get_every_round_and_a_failing_one_is_contained(groups):
    rounds: list[dict] = []

    def broken(tick: dict) -> None:
        raise RuntimeError("plot closed")

    sampler = Sampler(groups, interval=0.02)
    sampler.subscribe(rounds.append)
    sampler.subscribe(broken)
    with sampler:
        assert sampler.wait_rounds(3, timeout=5)
    assert len(rounds) >= 3 and set(rounds[0]) == {g.name for g in groups}
    assert sampler.listener_errors and "plot closed" in sampler.listener_errors[0]
    with Sampler(groups, interval=0.02) as sampler:
        ticks = list(sampler.ticks(count=3))  # the blocking way, for scripts
    assert len(ticks) == 3 and all(set(t) == {g.name for g in groups} for t in ticks)


def test_watch_delivers_rounds_into_an_event_loop_without_blocking_it(groups):
    async def main(sampler: Sampler) -> tuple[list[dict], float]:
        loop = asyncio.get_running_loop()
        gaps: list[float] = []

        async def heartbeat() -> None:
            last = loop.time()
            for _ in range(30):
                await asyncio.sleep(0.01)
                gaps.append(loop.time() - last)
                last = loop.time()

        got: list[dict] = []

        async def consume() -> None:
            async for tick in sampler.watch():
                got.append(tick)
                if len(got) == 4:
                    return

        await asyncio.gather(heartbeat(), consume())
        return got, max(gaps)

    with Sampler(groups, interval=0.05) as sampler:
        got, worst_gap = asyncio.run(main(sampler))
    assert len(got) == 4 and all(set(t) == {g.name for g in groups} for t in got)
    assert worst_gap < 0.15  # the loop kept its 10 ms heartbeat going
    assert sampler._listeners == []  # the watcher unsubscribed when the loop left


def test_series_of_a_group_not_sampled_yet_are_empty_columns(groups):
    sampler = Sampler(groups[:1])
    series = sampler.series(groups[0].name)
    assert series["t"] == [] and series["cpu_percent"] == [] and series["memory_current"] == []
