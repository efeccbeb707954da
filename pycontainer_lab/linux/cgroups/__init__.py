"""Cgroups: limit, account and isolate what a group of processes may use (syllabus S8.3).

A *control group* is a directory in a special filesystem. Processes are put in it by writing
their pid to ``cgroup.procs``; limits are set by writing numbers to its files (``memory.max``,
``cpu.max``, ``pids.max``…); what the group used is read from other files (``memory.current``,
``cpu.stat``). By default a container has no limit at all -- only what you write.

One module per idea:

- ``hierarchy`` where the controllers are mounted: cgroup v1, v2 or both (hybrid)
- ``group``     :class:`Cgroup`: create, add a process, set/get a knob, freeze, kill, delete
- ``v1``, ``v2`` the two versions, each complete in its own file
- ``knobs``     one limit under Docker's name, translated to the native files of each version
- ``flags``     the syntax of Docker's values (``32m``, ``1.5``, ``0-2,4``, ``/dev/sda:1mb``)
- ``resources`` Docker's resource flags and rules → :class:`Resources`, and :func:`apply`
- ``stats``     :class:`CgroupStats`, one snapshot of the accounting
- ``sampler``   :class:`Sampler`, time series of many groups in a background thread
- ``fs``        the four file operations all of it comes down to

::

    from pycontainer_lab import Sandbox, trace
    from pycontainer_lab.linux.cgroups import Cgroup

    with Cgroup("demo").create() as cg, Sandbox() as box, trace() as t:
        cg.set("cpus", 0.5)            # v1: cpu.cfs_quota_us=50000; v2: cpu.max "50000 100000"
        box.join_cgroup(cg)            # echo <box.pid> > cgroup.procs
        box.start("while :; do :; done")
        ...                            # cg.stats().cpu_usage_usec grows by ~0.5 s per second
    print(t)                           # every file written, with its shell equivalent

The names below are imported on first use (``import pycontainer_lab.linux.probe`` stays cheap).
"""

from __future__ import annotations

import importlib

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .group import DEFAULT_PARENT, Cgroup
    from .hierarchy import CgroupHierarchy, Layout, cgroup_hierarchies, cgroup_mode
    from .knobs import KNOBS, UnsupportedKnobError, Write
    from .resources import Resources, apply, create_limited
    from .sampler import Sampler
    from .stats import CgroupStats, cpu_percent

_LAZY = {
    "Cgroup": ".group", "DEFAULT_PARENT": ".group",
    "CgroupHierarchy": ".hierarchy", "Layout": ".hierarchy",
    "cgroup_hierarchies": ".hierarchy", "cgroup_mode": ".hierarchy",
    "KNOBS": ".knobs", "UnsupportedKnobError": ".knobs", "Write": ".knobs",
    "Resources": ".resources", "apply": ".resources", "create_limited": ".resources",
    "Sampler": ".sampler",
    "CgroupStats": ".stats", "cpu_percent": ".stats",
}

__all__ = ["DEFAULT_PARENT", "KNOBS", "Cgroup", "CgroupHierarchy", "CgroupStats", "Layout",
           "Resources", "Sampler", "UnsupportedKnobError", "Write", "apply", "cgroup_hierarchies",
           "cgroup_mode", "cpu_percent", "create_limited"]


def __getattr__(name: str) -> object:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
