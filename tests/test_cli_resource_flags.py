"""The resource flags ``pcl run``/``create`` will take: Docker's spellings, Docker's rules."""

from __future__ import annotations

import pytest

from pycontainer_lab.cli.parser import Parser
from pycontainer_lab.cli.resource_flags import add_resource_arguments, resources_from_args
from pycontainer_lab.errors import UsageError


def parse(*argv: str):
    p = Parser(prog="pcl run")
    add_resource_arguments(p)
    return resources_from_args(p.parse_args(list(argv)))


def test_docker_spellings_become_resources():
    res = parse("-m", "32m", "--cpus", "1.5", "-c", "512", "--pids-limit", "20",
                "--oom-kill-disable", "--device-write-bps", "/dev/loop0:1mb",
                "--device-write-bps", "/dev/loop0:2mb", "--memory-swap", "-1")
    assert (res.memory, res.nano_cpus, res.cpu_shares, res.pids_limit) == \
        (32 << 20, 1_500_000_000, 512, 20)
    assert res.oom_kill_disable and res.memory_swap == -1
    assert [d.value for d in res.device_write_bps] == [1 << 20, 2 << 20]
    assert parse() == parse()  # no flags: nothing set
    assert parse().knobs() == []


def test_a_bad_value_is_a_usage_error():
    with pytest.raises(UsageError, match='invalid --memory "3m": minimum memory limit allowed '
                                         'is 4m'):
        parse("-m", "3m")
