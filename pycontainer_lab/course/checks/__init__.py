"""One check per exercise, by chapter. Each looks at kernel state and says pass or why not.

A check takes the objects of the exercise (a sandbox, a cgroup, a layer stack, an answer) and
reads what the *kernel* says about them -- ``/proc/PID/ns/*``, ``/proc/PID/root``, mount
tables, cgroup files, directories -- never the learner's code: any code that reaches the
right state passes, whichever way it went. Every anticipated wrong state has its own hint
(its id is shown in brackets; ``HINTS`` lists them all).

=========  =============================================================================
chapter    checks
=========  =============================================================================
1          :func:`chroot_jail`, :func:`escape_proof`, :func:`container`
2          :func:`uts_hostname`, :func:`pid_namespace`, :func:`net_loopback`,
           :func:`user_root`
3          :func:`cpu_half`, :func:`memory_limit`, :func:`pids_limit`
4          :func:`stacked_layers`, :func:`whiteout`, :func:`layer_digest`
=========  =============================================================================
"""

from __future__ import annotations

from .cgroups import cpu_half, memory_limit, pids_limit
from .containers import chroot_jail, container, escape_proof
from .images import layer_digest, stacked_layers, whiteout
from .namespaces import net_loopback, pid_namespace, user_root, uts_hostname

__all__ = ["chroot_jail", "container", "cpu_half", "escape_proof", "layer_digest",
           "memory_limit", "net_loopback", "pid_namespace", "pids_limit", "stacked_layers",
           "user_root", "uts_hostname", "whiteout"]
