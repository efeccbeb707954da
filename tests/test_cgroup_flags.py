"""Docker's resource flags: values read as the docker CLI reads them, rules checked as dockerd
checks them, one-line errors, and nothing created when a value is wrong."""

from __future__ import annotations

import os

import pytest

from pycontainer_lab.errors import UsageError
from pycontainer_lab.linux.cgroups import Cgroup, Resources, create_limited
from pycontainer_lab.linux.cgroups.flags import format_list, parse_list, parse_size

NCPU = len(os.sched_getaffinity(0))


@pytest.mark.parametrize(("text", "size"), [
    ("32m", 32 << 20), ("32M", 32 << 20), ("32mb", 32 << 20), ("32MiB", 32 << 20),
    ("32 m", 32 << 20), ("4k", 4096), ("100b", 100), ("1024", 1024), ("1.5g", 3 << 29),
    ("1t", 1 << 40),
])
def test_sizes_take_b_k_m_g_suffixes_in_powers_of_1024(text, size):
    assert parse_size("--memory", text) == size


def test_cpus_are_exact_nano_cpus_and_period_100ms():
    res = Resources.from_flags(cpus="1.5")
    assert res.nano_cpus == 1_500_000_000
    assert Resources.from_flags(cpus="3/2").nano_cpus == 1_500_000_000
    assert res.knobs() == [("cpus", "1.5")]


def test_cpu_lists():
    assert parse_list("--cpuset-cpus", "0-2,4") == {0, 1, 2, 4}
    assert format_list({0, 1, 2, 4, 7, 8}) == "0-2,4,7-8"


def test_dockers_defaults_and_adjustments():
    res = Resources.from_flags(memory="32m")
    assert res.memory_swap == 64 << 20  # as much swap as memory, by default
    assert Resources.from_flags(memory="32m", memory_swap="-1").memory_swap == -1
    assert Resources.from_flags(pids_limit="0").pids_limit == -1  # 0 and below: unlimited
    assert Resources.from_flags(memory_swappiness="-1").memory_swappiness == -1  # unset
    clamped = Resources.from_flags(cpu_shares="1")
    assert clamped.cpu_shares == 2
    assert clamped.warnings == ["Changing requested CPUShares of 1 to minimum allowed of 2"]
    assert Resources.from_flags(cpu_shares="300000").cpu_shares == 262144
    assert Resources.from_flags(memory="32m", memory_reservation="32m").memory_reservation \
        == 32 << 20  # equal is allowed, as in Docker


def test_oom_kill_disable_without_memory_is_warned_about_as_docker_does():
    res = Resources.from_flags(oom_kill_disable=True)
    assert res.oom_kill_disable
    assert res.warnings == ["OOM killer is disabled for the container, but no memory limit is "
                            "set, this can result in the system running out of resources."]
    assert Resources.from_flags(oom_kill_disable=True, memory="32m").warnings == []


def test_devices_become_major_minor():
    res = Resources.from_flags(device_write_bps=["/dev/loop0:1mb"],
                               device_read_iops=["/dev/loop0:100"],
                               blkio_weight_device=["/dev/loop0:300"])
    bps, = res.device_write_bps
    assert (bps.path, bps.numbers, bps.value) == ("/dev/loop0", "7:0", 1 << 20)
    assert res.device_read_iops[0].value == 100
    assert res.blkio_weight_device[0].value == 300
    again = Resources.from_dict(res.to_dict())
    assert again == res


INVALID = [
    ({"memory": "3m"}, 'invalid --memory "3m": minimum memory limit allowed is 4m'),
    ({"memory": "3x"}, 'invalid --memory "3x": not a size'),
    ({"memory": "-1"}, 'invalid --memory "-1": not a size'),
    ({"kernel_memory": "1m"}, 'invalid --kernel-memory "1m": minimum kernel memory limit '
                              'allowed is 4m'),
    ({"memory_reservation": "2m"}, 'minimum memory reservation allowed is 4m'),
    ({"memory": "32m", "memory_reservation": "64m"},
     'invalid --memory-reservation "64m": the reservation (a soft limit) must not exceed '
     '--memory'),
    ({"memory": "32m", "memory_swap": "16m"},
     'invalid --memory-swap "16m": the memory+swap limit must be at least --memory'),
    ({"memory_swap": "64m"}, 'invalid --memory-swap "64m": set --memory too'),
    ({"memory_swappiness": "101"}, 'valid memory swappiness range is 0-100'),
    ({"memory_swappiness": "-2"}, 'valid memory swappiness range is 0-100'),
    ({"cpus": "abc"}, 'invalid --cpus "abc": failed to parse as a rational number'),
    ({"cpus": "0.0000000001"}, 'value is too precise'),
    ({"cpus": str(NCPU + 1)}, f"range of CPUs is from 0.01 to {NCPU}.00, as there are only "
                              f"{NCPU} CPUs available"),
    ({"cpus": "-1"}, "range of CPUs is from 0.01"),
    ({"cpus": "1", "cpu_period": "50000"},
     "conflicting options: --cpus and --cpu-period cannot both be set"),
    ({"cpus": "1", "cpu_quota": "50000"},
     "conflicting options: --cpus and --cpu-quota cannot both be set"),
    ({"cpu_period": "999"}, "CPU cfs period can not be less than 1ms (i.e. 1000) or larger "
                            "than 1s (i.e. 1000000)"),
    ({"cpu_period": "1000001"}, "CPU cfs period can not be less than 1ms"),
    ({"cpu_quota": "999"}, "CPU cfs quota can not be less than 1ms (i.e. 1000)"),
    ({"cpu_quota": "1.5"}, 'invalid --cpu-quota "1.5": not an integer'),
    ({"cpu_shares": "-5"}, 'invalid --cpu-shares "-5": shares must not be negative'),
    ({"cpuset_cpus": "1-a"}, 'invalid --cpuset-cpus "1-a": not a list of CPUs like 0-2,4'),
    ({"cpuset_cpus": "3-1"}, "the range 3-1 runs backwards"),
    ({"cpuset_cpus": f"{NCPU}"}, f"requested CPUs are not available - requested {NCPU}, "
                                 "available: "),
    ({"cpuset_mems": "7"}, "requested memory nodes are not available"),
    ({"pids_limit": "twenty"}, 'invalid --pids-limit "twenty": not an integer'),
    ({"blkio_weight": "5"}, "range of blkio weight is from 10 to 1000"),
    ({"blkio_weight": "1001"}, "range of blkio weight is from 10 to 1000"),
    ({"blkio_weight_device": ["/dev/loop0"]}, "bad format: use DEVICE:VALUE"),
    ({"blkio_weight_device": ["loop0:100"]}, "bad format for device path"),
    ({"blkio_weight_device": ["/dev/loop0:5"]}, "invalid weight for device"),
    ({"device_read_bps": ["/dev/loop0:fast"]}, "invalid rate: use <device-path>:<number>"),
    ({"device_write_bps": ["/dev/loop0:-1mb"]}, "invalid rate"),
    ({"device_read_iops": ["/dev/loop0:1k"]}, "invalid rate: use <device-path>:<number>, a "
                                              "positive integer"),
    ({"device_write_iops": ["/dev/nonexistent:10"]}, "stat /dev/nonexistent: no such file or "
                                                     "directory"),
    ({"device_write_bps": ["/dev/null:1mb"]}, "/dev/null is not a block device"),
    ({"oom_kill_disable": "maybe"}, "not a boolean"),
]


@pytest.mark.parametrize(("flags", "message"), INVALID,
                         ids=[" ".join(f) for f, _ in INVALID])
def test_each_invalid_value_is_one_line_naming_the_rule_and_nothing_is_created(
        flags, message, unique):
    name = unique("bad")
    with pytest.raises(UsageError) as err:
        create_limited(name, Resources.from_flags(**flags))
    text = str(err.value)
    assert message in text
    assert "\n" not in text and err.value.exit_code == 125
    cg = Cgroup(name)
    assert not any(os.path.exists(d) for d in cg.dirs().values())
    assert not any(os.path.exists(os.path.dirname(d)) for d in cg.dirs().values())


def test_an_invalid_neutral_knob_value_is_refused_before_writing(unique):
    with Cgroup(unique("k")).create() as cg:
        cg.set("memory", "64m")
        with pytest.raises(UsageError, match='invalid --memory "3m": minimum memory limit'):
            cg.set("memory", "3m")
        assert cg.stats().memory_limit == 64 << 20
