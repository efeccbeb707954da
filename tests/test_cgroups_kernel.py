"""Cgroups on this host's real kernel: each limit is set through the library and then shown
to be enforced by measuring what the processes inside could do.

Timing is measured in CPU time the kernel accounted (not wall-clock progress), over a couple of
seconds, against generous bounds: another test run may share the two CPUs.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from pycontainer_lab import Sandbox, trace
from pycontainer_lab.errors import UsageError
from pycontainer_lab.linux.cgroups import Cgroup, CgroupStats, Layout, Resources, apply

from helpers import BUSYBOX, alive

LAYOUT = Layout.detect()
V1 = LAYOUT.version == 1
BUSY_LOOP = "while :; do :; done"
# A process that tries to use 64 MiB (bytes * n touches every page).
ALLOCATE_64M = "x = b'x' * (64 << 20); print('survived', flush=True)"

pytestmark = pytest.mark.skipif(os.geteuid() != 0 or LAYOUT.version == 0,
                                reason="needs root and mounted cgroups")


@pytest.fixture
def group(unique) -> Iterator[Callable[..., Cgroup]]:
    """Make cgroups (with Docker's flags applied) that are always deleted afterwards."""
    made: list[Cgroup] = []

    def make(**flags: object) -> Cgroup:
        cg = Cgroup(unique("cg")).create()
        made.append(cg)
        assert apply(cg, Resources.from_flags(**flags)) == [] or flags.get("kernel_memory")
        return cg

    yield make
    for cg in reversed(made):
        cg.delete()


def cpu_seconds(cg: Cgroup, seconds: float) -> tuple[float, CgroupStats, CgroupStats]:
    """CPU time the group used in ``seconds`` of wall time, as a fraction of one CPU."""
    a = cg.stats()
    time.sleep(seconds)
    b = cg.stats()
    return (b.cpu_usage_usec - a.cpu_usage_usec) / 1e6 / (b.time - a.time), a, b


def wait_for(check: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


# ---------------------------------------------------------------------------- life cycle

def test_a_group_lives_in_every_hierarchy_and_leaves_none_behind(unique):
    name = unique("life")
    cg = Cgroup(name).create()
    try:
        assert cg.exists
        assert len(cg.dirs()) == (len(LAYOUT.v1) + (LAYOUT.v2 is not None) if V1 else 1)
        with Sandbox() as box:
            box.join_cgroup(cg)
            assert cg.procs() == [box.pid]
            with open(f"/proc/{box.pid}/cgroup") as f:
                lines = f.read().splitlines()
            assert sum(line.endswith(f"/{cg.path}") for line in lines) \
                == len(cg.dirs())
            started = box.start(["sleep", "60"])  # born inside
            assert sorted(cg.procs()) == sorted([box.pid, started.pid])
    finally:
        cg.delete()
    assert not any(os.path.exists(d) for d in cg.dirs().values())
    assert not any(os.path.exists(os.path.dirname(d)) for d in cg.dirs().values())
    cg.delete()  # deleting twice is fine


def test_existing_lists_the_project_groups_for_a_reset(unique):
    names = [unique("r"), unique("r")]
    for name in names:
        Cgroup(name).create()
    found = Cgroup.existing()
    assert names[0] in [cg.name for cg in found] and names[1] in [cg.name for cg in found]
    for cg in found:
        if cg.name in names:
            cg.delete()
    assert not {cg.name for cg in Cgroup.existing()} & set(names)


def test_cpus_1_5_is_traced_as_the_native_files_of_this_version(group):
    cg = group()
    with trace() as t:
        cg.set("cpus", "1.5")
    if V1:
        assert [s.call for s in t] == ["write cpu.cfs_period_us = 100000",
                                       "write cpu.cfs_quota_us = 150000"]
        assert cg.get("cpus") == {"cpu.cfs_period_us": "100000", "cpu.cfs_quota_us": "150000"}
        assert t[1].shell == f"echo 150000 > {cg.file_path('cpu.cfs_quota_us')}"
        assert cg.get("cpu.cfs_quota_us") == "150000"  # a native name reads back too
    else:
        assert [s.call for s in t] == ["write cpu.max = 150000 100000"]
        assert cg.get("cpu.max") == "150000 100000"
    assert all(s.action.startswith("cpus 1.5 → cpu.") for s in t)
    assert cg.stats().cpu_limit == 1.5  # read back from the same files


def test_no_cpu_quota_is_no_cpu_limit(group):
    assert group().stats().cpu_limit is None


@pytest.mark.skipif(not V1, reason="cgroup v1 file names")
def test_native_v1_names_work_and_v2_names_are_pointed_to_their_v1_file(group):
    cg = group()
    cg.set("memory.limit_in_bytes", "48M")  # the kernel parses the suffix itself
    assert cg.stats().memory_limit == 48 << 20
    with pytest.raises(UsageError, match=re.escape(
            "memory.max is a cgroup v2 file and this cgroup is v1: use memory.limit_in_bytes or "
            "the version-neutral name 'memory'")):
        cg.set("memory.max", "32M")


def test_kernel_memory_is_reported_when_not_enforced_never_dropped(group):
    cg = group()
    warnings = apply(cg, Resources.from_flags(memory="64m", kernel_memory="32m"))
    enforced = V1 and cg.get("memory.kmem.limit_in_bytes") == str(32 << 20)
    limit_warnings = [w for w in warnings if "kernel memory limit capabilities" in w]
    assert len(limit_warnings) == (0 if enforced else 1)
    assert "deprecated" in warnings[0]  # Docker's own warning for the flag


def test_delete_kills_what_is_left_and_waits_for_it(group):
    cg = group()
    with Sandbox() as box:
        box.join_cgroup(cg)
        sleeper = box.start(["sleep", "60"])
        cg.delete()
        assert not cg.exists
        assert not alive(sleeper.pid) and not alive(box.pid)


@pytest.mark.skipif(not V1, reason="the v1 freezer")
def test_without_cgroup_kill_the_group_is_frozen_then_signalled(unique):
    legacy = Layout(tuple(h for h in LAYOUT.hierarchies if h.version == 1))  # no v2 tree
    cg = Cgroup(unique("legacy"), layout=legacy).create()
    try:
        assert not cg.has("cgroup.kill")
        with Sandbox() as box:
            box.join_cgroup(cg)
            box.start([BUSYBOX, "sh", "-c", "while :; do sleep 60 & sleep 0.01; done"])
            wait_for(lambda: len(cg.procs()) > 5)
            nested = os.path.join(cg.dirs()["pids"], "inner")  # a group inside the group
            os.mkdir(nested)
            with open(os.path.join(nested, "cgroup.procs"), "w") as f:
                f.write(str(cg.procs()[-1]))
            with trace() as t:
                killed = cg.kill()
            assert killed > 5 and cg.procs(recursive=True) == []
            assert [s.call for s in t][:1] == ["write freezer.state = FROZEN"]
            assert any(s.call.startswith("kill(") for s in t)
    finally:
        cg.delete()
    assert not any(os.path.exists(d) for d in cg.dirs().values())


# ---------------------------------------------------------------------------- memory

def test_allocating_past_the_memory_limit_is_oom_killed_and_counted(group):
    cg = group(memory="32m")
    with Sandbox() as box:
        box.join_cgroup(cg)
        r = box.run([sys.executable, "-I", "-S", "-c", ALLOCATE_64M], timeout=30)
    assert r.returncode == -9 and "survived" not in r.stdout  # SIGKILL from the OOM killer
    s = cg.stats()
    assert s.oom_kills == 1
    assert s.memory_peak is not None and s.memory_peak <= 32 << 20
    assert s.memory_limit == 32 << 20
    if not V1:
        assert s.oom_events >= 1


def test_oom_kill_disable_stalls_instead_of_killing(group):
    if not V1:
        with pytest.raises(AssertionError):  # apply warns: v2 cannot disable the OOM killer
            group(memory="32m", oom_kill_disable=True)
        return
    cg = group(memory="32m", oom_kill_disable=True)
    with Sandbox() as box:
        box.join_cgroup(cg)
        hog = box.start([sys.executable, "-I", "-S", "-c", ALLOCATE_64M])
        # from here on the whole group is at its limit, the helper too: watch from outside
        wait_for(lambda: cg.stats().under_oom)
        time.sleep(0.5)
        assert alive(hog.pid)  # still there: waiting for memory, not killed
        s = cg.stats()
        assert s.under_oom and s.oom_kills == 0 and s.memory_current >= 31 << 20
        cg.kill()  # a stalled process still dies of SIGKILL; nothing is left stuck
        assert not cg.procs()


# ---------------------------------------------------------------------------- CPU

def test_half_a_cpu_holds_a_busy_loop_near_50_percent(group):
    cg = group(cpus="0.5")
    with Sandbox() as box:
        box.join_cgroup(cg)
        box.start(BUSY_LOOP)
        time.sleep(0.3)
        used, a, b = cpu_seconds(cg, 2.0)
    assert 0.25 <= used <= 0.6, f"{used:.2f} of a CPU"
    assert b.cpu_throttled_periods - a.cpu_throttled_periods >= 5  # the quota ran out


def test_shares_1024_vs_512_split_one_cpu_two_to_one(group):
    heavy = group(cpu_shares="1024", cpuset_cpus="0")  # both on CPU 0: contention
    light = group(cpu_shares="512", cpuset_cpus="0")
    with Sandbox() as b1, Sandbox() as b2:
        b1.join_cgroup(heavy).start(BUSY_LOOP)
        b2.join_cgroup(light).start(BUSY_LOOP)
        time.sleep(0.3)
        h0, l0 = heavy.stats(), light.stats()
        time.sleep(2.0)
        h1, l1 = heavy.stats(), light.stats()
    ratio = (h1.cpu_usage_usec - h0.cpu_usage_usec) / (l1.cpu_usage_usec - l0.cpu_usage_usec)
    assert 1.5 <= ratio <= 2.7, f"ratio {ratio:.2f}"


def test_cpuset_cpus_0_pins_the_processes(group):
    cg = group(cpuset_cpus="0")
    with Sandbox() as box:
        box.join_cgroup(cg)
        r = box.run("grep Cpus_allowed_list /proc/self/status")
        outside = subprocess.run(["grep", "Cpus_allowed_list", "/proc/self/status"],
                                 capture_output=True, text=True).stdout
    assert r.stdout.split() == ["Cpus_allowed_list:", "0"]
    assert outside.split()[1] != "0" or os.cpu_count() == 1


# ---------------------------------------------------------------------------- pids

def test_pids_limit_stops_a_fork_bomb_at_20(group):
    cg = group(pids_limit="20")
    # bounded: at most 100 forks, each a sleep that is killed at the end
    bomb = "i=0; while [ $i -lt 100 ]; do sleep 60 & i=$((i+1)); done; wait"
    with Sandbox() as box:
        box.join_cgroup(cg)
        box.start([BUSYBOX, "sh", "-c", bomb])
        wait_for(lambda: (cg.stats().pids_limit_hits or 0) >= 1)
        s = cg.stats()
        assert s.pids_current <= 20 and s.pids_max == 20
        if s.pids_peak is not None:
            assert s.pids_peak == 20
        assert subprocess.run(["true"]).returncode == 0  # the host still forks
        cg.kill()
    assert cg.procs() == []


# ---------------------------------------------------------------------------- block I/O

@pytest.fixture
def loop_device(tmp_path: Path) -> Iterator[str]:
    image = tmp_path / "disk.img"
    with open(image, "wb") as f:
        f.truncate(32 << 20)
    dev = subprocess.run(["losetup", "--find", "--show", str(image)], capture_output=True,
                         text=True, check=True).stdout.strip()
    try:
        yield dev
    finally:
        subprocess.run(["losetup", "--detach", dev], check=True)


def test_a_write_bps_limit_caps_direct_io_throughput(group, loop_device):
    cg = group(device_write_bps=[f"{loop_device}:4mb"])
    with Sandbox() as box:
        box.join_cgroup(cg)
        t0 = time.monotonic()
        r = box.run(["dd", "if=/dev/zero", f"of={loop_device}", "bs=64k", "count=96",
                     "oflag=direct"], timeout=30)  # 6 MiB, bypassing the page cache
        elapsed = time.monotonic() - t0
    assert r.returncode == 0, r.stderr
    rate = (6 << 20) / elapsed
    assert rate <= 1.4 * (4 << 20), f"{rate / 2**20:.1f} MiB/s"  # unthrottled: hundreds
    s = cg.stats()
    assert s.io_write_bytes >= 6 << 20 and s.io_write_ops >= 96


# ---------------------------------------------------------------------------- freezer

def test_freezing_stops_progress_and_thawing_resumes_it(group):
    cg = group()
    with Sandbox() as box:
        box.join_cgroup(cg)
        box.start(BUSY_LOOP)
        time.sleep(0.2)
        cg.freeze()
        assert cg.frozen and cg.stats().frozen
        frozen_use, _, _ = cpu_seconds(cg, 0.4)
        cg.thaw()
        assert not cg.frozen
        thawed_use, _, _ = cpu_seconds(cg, 0.4)
    assert frozen_use < 0.01
    assert thawed_use > 0.1
