"""The cgroup v2 file logic, against a fake cgroup2 tree in a temporary directory.

This host runs cgroup v1, most learners' machines v2: these tests check what the v2 code
*writes* (``cpu.max``, ``cpu.weight`` by Docker's formula, ``memory.swap.max`` as swap alone,
``io.max``…) and that it follows v2's rules (``subtree_control`` handed down, no internal
processes). The kernel's behaviour itself is tested on the real v1 kernel elsewhere.
"""

from __future__ import annotations

import os
import re
import subprocess

import pytest

from pycontainer_lab import trace
from pycontainer_lab.errors import PclError, UsageError
from pycontainer_lab.linux.cgroups import Cgroup, Layout, Resources, apply, create_limited
from pycontainer_lab.linux.cgroups.knobs import (
    UnsupportedKnobError,
    blkio_to_io_weight,
    shares_to_weight,
)
from pycontainer_lab.linux.cgroups.v2 import CgroupV2

from fake_cgroup2 import FakeCgroup2FS


@pytest.fixture(autouse=True)
def _default_parent(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests check the default layout (``pycontainer-lab/…``) in a fake tree; the
    session's own parent (set for the leak check on the real tree) does not apply."""
    monkeypatch.delenv("PCL_CGROUP_PARENT", raising=False)


@pytest.fixture
def tree(tmp_path):
    """A fake cgroup2 mount and a way to open a group in it."""
    fs = FakeCgroup2FS(str(tmp_path / "cgroup2"))
    layout = Layout.unified(fs.root)

    def group(name: str = "web", **kw) -> CgroupV2:
        return Cgroup(name, layout=layout, fs=kw.pop("fs", fs), **kw)

    group.fs = fs  # type: ignore[attr-defined]
    group.root = fs.root  # type: ignore[attr-defined]
    return group


def content(path: str) -> str:
    with open(path) as f:
        return f.read().strip()


def test_a_v2_layout_gives_a_v2_cgroup_at_one_path(tree):
    cg = tree()
    assert isinstance(cg, CgroupV2) and cg.version == 2
    assert cg.dirs() == {"": os.path.join(tree.root, "pycontainer-lab", "web")}
    assert cg.file_path("memory.max") == os.path.join(tree.root, "pycontainer-lab/web/memory.max")


def test_create_hands_the_controllers_down_then_makes_the_leaf(tree):
    with trace() as t:
        cg = tree().create()
    root, parent = tree.root, os.path.join(tree.root, "pycontainer-lab")
    assert content(f"{root}/cgroup.subtree_control") == "cpuset cpu io memory hugetlb pids"
    assert content(f"{parent}/cgroup.subtree_control") == "cpuset cpu io memory hugetlb pids"
    assert content(f"{parent}/web/cgroup.controllers") == "cpuset cpu io memory hugetlb pids"
    assert cg.has("memory.max") and cg.has("cpu.max") and cg.has("pids.max")
    calls = [s.call for s in t]
    assert calls == [
        "write cgroup.subtree_control = +cpuset +cpu +io +memory +hugetlb +pids",
        f"mkdir {parent}",
        "write cgroup.subtree_control = +cpuset +cpu +io +memory +hugetlb +pids",
        f"mkdir {parent}/web",
    ]
    assert tree().create().exists  # creating again is harmless


def test_the_no_internal_processes_rule_is_named(tree):
    shell = tree("shell", parent="")  # a delegated cgroup where a process already lives
    shell.create()
    shell.fs.write(shell.file_path("cgroup.procs"), str(os.getpid()))
    with pytest.raises(PclError, match=r"no-internal-processes rule\): move its processes "
                                       "into a leaf"):
        tree("web", parent="shell").create()
    shell.fs.write(os.path.join(tree.root, "cgroup.procs"), str(os.getpid()))  # back to root
    shell.delete()


def test_cpus_become_cpu_max_quota_and_period(tree):
    cg = tree().create()
    with trace() as t:
        writes = cg.set("cpus", "1.5")
    assert [str(w) for w in writes] == ["cpu.max=150000 100000"]
    assert content(cg.file_path("cpu.max")) == "150000 100000"
    assert t[0].call == "write cpu.max = 150000 100000"
    assert t[0].shell == f"echo '150000 100000' > {cg.file_path('cpu.max')}"
    assert "150000 µs of CPU time in every 100000 µs" in t[0].note
    cg.set("cpus", "0.5")
    assert content(cg.file_path("cpu.max")) == "50000 100000"


def test_period_and_quota_share_cpu_max(tree):
    cg = tree().create()
    cg.set("cpu-period", 50000)  # the quota (max) is kept
    assert content(cg.file_path("cpu.max")) == "max 50000"
    cg.set("cpu-quota", 25000)  # the period is kept
    assert content(cg.file_path("cpu.max")) == "25000 50000"
    cg.set("cpu-quota", -1)
    assert content(cg.file_path("cpu.max")) == "max 50000"


@pytest.mark.parametrize(("shares", "weight"), [(2, 1), (512, 20), (1024, 39), (262144, 10000)])
def test_shares_become_cpu_weight_by_dockers_formula(tree, shares, weight):
    assert shares_to_weight(shares) == weight == 1 + ((shares - 2) * 9999) // 262142
    cg = tree().create()
    cg.set("cpu-shares", shares)
    assert content(cg.file_path("cpu.weight")) == str(weight)


def test_memory_swap_and_reservation(tree):
    cg = tree().create()
    cg.set("memory", "32m")
    cg.set("memory-swap", "64m")  # memory + swap: v2 limits the swap alone
    cg.set("memory-reservation", "16m")
    assert content(cg.file_path("memory.max")) == str(32 << 20)
    assert content(cg.file_path("memory.swap.max")) == str(32 << 20)
    assert content(cg.file_path("memory.low")) == str(16 << 20)
    cg.set("memory-swap", "-1")
    assert content(cg.file_path("memory.swap.max")) == "max"
    with pytest.raises(UsageError, match="below the memory limit"):
        cg.set("memory-swap", "16m")
    cg.set("memory", 0)  # no limit
    assert content(cg.file_path("memory.max")) == "max"
    with pytest.raises(UsageError, match="needs a memory limit on cgroup v2"):
        cg.set("memory-swap", "64m")


def test_pids_io_and_freeze_files(tree):
    cg = tree().create()
    cg.set("pids-limit", 20)
    assert content(cg.file_path("pids.max")) == "20"
    cg.set("pids-limit", -1)
    assert content(cg.file_path("pids.max")) == "max"
    cg.set("device-write-bps", "/dev/loop0:1mb")
    cg.set("device-read-iops", "/dev/loop0:100")
    assert content(cg.file_path("io.max")) == "7:0 rbps=max wbps=1048576 riops=100 wiops=max"
    cg.set("blkio-weight", 500)  # no BFQ here: io.weight by runc's conversion
    assert content(cg.file_path("io.weight")) == f"default {blkio_to_io_weight(500)}"
    assert blkio_to_io_weight(500) == 4950 and blkio_to_io_weight(10) == 1
    cg.set("blkio-weight-device", "/dev/loop0:1000")
    assert "7:0 10000" in content(cg.file_path("io.weight"))
    assert not cg.frozen
    cg.freeze()
    assert content(cg.file_path("cgroup.freeze")) == "1" and cg.frozen
    assert cg.stats().frozen is True
    cg.thaw()
    assert content(cg.file_path("cgroup.freeze")) == "0" and not cg.frozen


def test_blkio_weight_goes_to_bfq_unconverted_when_bfq_is_there(tmp_path):
    fs = FakeCgroup2FS(str(tmp_path / "cg2"), bfq=True)
    cg = Cgroup("web", layout=Layout.unified(fs.root), fs=fs).create()
    cg.set("blkio-weight", 500)
    assert content(cg.file_path("io.bfq.weight")) == "default 500"


@pytest.mark.parametrize(("knob", "value", "why"), [
    ("kernel-memory", "64m", "no separate kernel memory limit"),
    ("memory-swappiness", "10", "no per-cgroup swappiness"),
    ("oom-kill-disable", True, "cannot disable the OOM killer"),
])
def test_knobs_v2_lacks_say_so(tree, knob, value, why):
    cg = tree().create()
    before = {f: content(os.path.join(cg.dirs()[""], f)) for f in os.listdir(cg.dirs()[""])}
    with trace() as t, pytest.raises(UnsupportedKnobError, match=why):
        cg.set(knob, value)
    after = {f: content(os.path.join(cg.dirs()[""], f)) for f in os.listdir(cg.dirs()[""])}
    assert before == after  # nothing written
    assert t[-1].error and why in t[-1].error


def test_apply_writes_every_flag_and_warns_like_docker(tree):
    res = Resources.from_flags(cpus="1.5", cpuset_cpus="0", cpu_shares="512", memory="32m",
                               memory_swap="96m", memory_reservation="8m",
                               memory_swappiness="10", kernel_memory="16m",
                               oom_kill_disable=True, pids_limit="20",
                               device_write_bps=["/dev/loop0:2mb"])
    cg = tree().create()
    warnings = apply(cg, res)
    files = {f: content(cg.file_path(f)) for f in (
        "cpu.max", "cpuset.cpus", "cpu.weight", "memory.max", "memory.swap.max", "memory.low",
        "pids.max", "io.max")}
    assert files == {"cpu.max": "150000 100000", "cpuset.cpus": "0", "cpu.weight": "20",
                     "memory.max": str(32 << 20), "memory.swap.max": str(64 << 20),
                     "memory.low": str(8 << 20), "pids.max": "20",
                     "io.max": "7:0 rbps=max wbps=2097152 riops=max wiops=max"}
    assert any(w.startswith("Your kernel does not support memory swappiness") for w in warnings)
    assert any(w.startswith("Your kernel does not support kernel memory limit") and
               "counts toward memory.max" in w for w in warnings)
    assert any(w.startswith("Your kernel does not support OomKillDisable") for w in warnings)
    assert any("kernel memory limit is deprecated" in w for w in warnings)


def test_add_procs_kill_and_delete(tree):
    cg = tree().create()
    p = subprocess.Popen(["sleep", "30"])  # a real pid of ours: the fake never signals it
    try:
        cg.add(p.pid)
        assert cg.procs() == [p.pid]
        with pytest.raises(OSError, match="Device or resource busy"):
            cg.fs.rmdir(cg.dirs()[""])  # the fake kernel refuses, like the real one
        inner = os.path.join(cg.dirs()[""], "inner")  # a group the container made inside
        cg.fs.mkdir(inner)
        cg.fs.write(os.path.join(inner, "cgroup.procs"), str(p.pid))
        assert cg.procs() == [] and cg.procs(recursive=True) == [p.pid]
        with trace() as t:
            cg.delete()  # cgroup.kill empties both, then rmdir inner, leaf, the empty parent
        assert [s.call.split(" = ")[0].split(" /")[0] for s in t] == [
            "write cgroup.kill", "rmdir", "rmdir", "rmdir"]
    finally:
        p.kill()
        p.wait()
    assert not os.path.exists(os.path.join(tree.root, "pycontainer-lab"))
    cg.delete()  # again: nothing to do


def test_stats_read_the_v2_accounting_files(tree):
    cg = tree().create()
    d = cg.dirs()[""]
    for name, text in {
        "cpu.stat": "usage_usec 5000\nuser_usec 3000\nsystem_usec 2000\nnr_periods 10\n"
                    "nr_throttled 4\nthrottled_usec 700\n",
        "memory.current": "1048576", "memory.peak": "2097152", "memory.max": "33554432",
        "memory.events": "low 0\nhigh 0\nmax 9\noom 2\noom_kill 1\n",
        "pids.current": "3", "pids.max": "max", "pids.events": "max 5\n",
        "io.stat": "7:0 rbytes=100 wbytes=4096 rios=1 wios=2 dbytes=0 dios=0\n"
                   "8:0 rbytes=50 wbytes=0 rios=3 wios=0 dbytes=0 dios=0\n",
    }.items():
        with open(os.path.join(d, name), "w") as f:
            f.write(text)
    s = cg.stats()
    assert (s.cpu_usage_usec, s.cpu_user_usec, s.cpu_system_usec) == (5000, 3000, 2000)
    assert (s.cpu_periods, s.cpu_throttled_periods, s.cpu_throttled_usec) == (10, 4, 700)
    assert (s.memory_current, s.memory_peak, s.memory_limit) == (1 << 20, 2 << 20, 32 << 20)
    assert (s.oom_events, s.oom_kills, s.under_oom) == (2, 1, None)
    assert (s.pids_current, s.pids_max, s.pids_limit_hits) == (3, None, 5)
    assert (s.io_read_bytes, s.io_write_bytes, s.io_read_ops, s.io_write_ops) == (150, 4096, 4, 2)
    assert s.cpu_limit is None  # cpu.max "max 100000": no quota
    cg.set("cpus", "1.5")
    assert cg.stats().cpu_limit == 1.5


def test_a_v1_file_name_on_v2_points_to_the_v2_one(tree):
    cg = tree().create()
    with pytest.raises(UsageError, match=re.escape(
            "memory.limit_in_bytes is a cgroup v1 file and this cgroup is v2: use memory.max or "
            "the version-neutral name 'memory'")):
        cg.set("memory.limit_in_bytes", "32m")
    with pytest.raises(UsageError, match=re.escape("unknown knob 'memory.nope'")):
        cg.set("memory.nope", "1")
    cg.set("memory.high", "64M")  # any native file of the version, value as given
    assert content(cg.file_path("memory.high")) == "64M"
    assert cg.get("memory") == {"memory.max": "max"}


def test_create_limited_leaves_nothing_when_the_kernel_refuses(tree):
    res = Resources.from_flags(memory="32m")
    broken = FakeCgroup2FS(tree.fs.root)
    original = broken.write

    def refuse_memory(path: str, data: str) -> None:
        if path.endswith("memory.max"):
            raise OSError(16, "Device or resource busy", path)
        original(path, data)

    broken.write = refuse_memory  # type: ignore[method-assign]
    with pytest.raises(PclError, match=r"cannot write '33554432' to .*memory\.max: Device or "
                                       r"resource busy"):
        create_limited("web", res, layout=Layout.unified(tree.root), fs=broken)
    assert not os.path.exists(os.path.join(tree.root, "pycontainer-lab"))
