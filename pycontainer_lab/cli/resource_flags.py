"""Docker's resource flags for ``pcl run``, ``pcl create`` (and later ``pcl update``).

The flags are only *declared* here, with Docker's names and help texts; their values stay
strings, and :func:`resources_from_args` hands them to
:meth:`~pycontainer_lab.linux.cgroups.Resources.from_flags`, which checks them by Docker's rules::

    def add_arguments(p):
        add_resource_arguments(p)
    def run(args):
        resources = resources_from_args(args)   # UsageError (exit 125) on a bad value
"""

from __future__ import annotations

import argparse

from ..linux.cgroups.resources import Resources

__all__ = ["RESOURCE_FLAGS", "add_resource_arguments", "resources_from_args"]

# (flags, help as ``docker run --help`` words it); the dest is the long flag with underscores.
RESOURCE_FLAGS: list[tuple[tuple[str, ...], str]] = [
    (("--cpus",), "Number of CPUs"),
    (("--cpu-period",), "Limit CPU CFS (Completely Fair Scheduler) period"),
    (("--cpu-quota",), "Limit CPU CFS (Completely Fair Scheduler) quota"),
    (("--cpuset-cpus",), "CPUs in which to allow execution (0-3, 0,1)"),
    (("--cpuset-mems",), "MEMs in which to allow execution (0-3, 0,1)"),
    (("-c", "--cpu-shares"), "CPU shares (relative weight)"),
    (("-m", "--memory"), "Memory limit"),
    (("--memory-swap",), "Swap limit equal to memory plus swap: '-1' to enable unlimited swap"),
    (("--memory-swappiness",), "Tune container memory swappiness (0 to 100) (default -1)"),
    (("--memory-reservation",), "Memory soft limit"),
    (("--kernel-memory",), "Kernel memory limit"),
    (("--pids-limit",), "Tune container pids limit (set -1 for unlimited)"),
    (("--blkio-weight",), "Block IO (relative weight), between 10 and 1000, or 0 to disable "
                          "(default 0)"),
]
DEVICE_FLAGS: list[tuple[str, str]] = [
    ("--blkio-weight-device", "Block IO weight (relative device weight)"),
    ("--device-read-bps", "Limit read rate (bytes per second) from a device"),
    ("--device-write-bps", "Limit write rate (bytes per second) to a device"),
    ("--device-read-iops", "Limit read rate (IO per second) from a device"),
    ("--device-write-iops", "Limit write rate (IO per second) to a device"),
]


def add_resource_arguments(p: argparse.ArgumentParser) -> None:
    """Declare every resource flag of ``docker run`` on ``p``."""
    for flags, help_text in RESOURCE_FLAGS:
        p.add_argument(*flags, help=help_text)
    p.add_argument("--oom-kill-disable", action="store_true", default=None,
                   help="Disable OOM Killer")
    for flag, help_text in DEVICE_FLAGS:
        p.add_argument(flag, action="append", metavar="DEVICE:VALUE", help=help_text)


def resources_from_args(args: argparse.Namespace) -> Resources:
    """The checked :class:`Resources` of the parsed flags (flags not given stay unset)."""
    names = [f[-1] for f, _ in RESOURCE_FLAGS] + [f for f, _ in DEVICE_FLAGS]
    values = {n[2:].replace("-", "_"): getattr(args, n[2:].replace("-", "_"), None)
              for n in [*names, "--oom-kill-disable"]}
    return Resources.from_flags(**values)
