"""``top``: the processes of a container, seen from the host (as ``docker top`` shows them).

The container's processes are those in its PID namespace; the host's ``ps`` lists them with
host pids, so a learner sees the same process under two numbers (``ps`` inside says PID 1).
"""

from __future__ import annotations

import os
import subprocess

from ..errors import PclError
from ..linux.namespaces import namespace_id
from .reconcile import reconcile
from .store import ContainerStore

__all__ = ["container_pids", "top"]


def container_pids(init_pid: int) -> list[int]:
    """Host pids of every process in the PID namespace of ``init_pid``."""
    target = namespace_id(init_pid, "pid")
    pids = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                if namespace_id(int(d), "pid") == target:
                    pids.append(int(d))
            except OSError:
                continue
    return sorted(pids)


def top(ref: str, ps_args: list[str] | None = None,
        store: ContainerStore | None = None) -> tuple[list[str], list[list[str]]]:
    """(titles, rows) of ``ps`` (default ``-ef``) for the container's processes."""
    store = store or ContainerStore()
    record = reconcile(store, store.get(ref))
    if record["State"]["Status"] not in ("running", "paused"):
        raise PclError(f"container {record['ID']} is not running")
    pids = set(container_pids(record["State"]["Pid"]))
    args = ps_args or ["-ef"]
    out = subprocess.run(["ps", *args], capture_output=True, text=True)
    if out.returncode != 0:
        raise PclError(f"ps {' '.join(args)} failed: {out.stderr.strip()}")
    lines = out.stdout.splitlines()
    titles = lines[0].split()
    if "PID" not in titles:
        raise PclError(f'couldn\'t find PID field in ps output: use ps options with a PID '
                       f'column (ps {" ".join(args)})')
    col = titles.index("PID")
    rows = []
    for line in lines[1:]:
        fields = line.split(None, len(titles) - 1)
        if len(fields) > col and fields[col].isdigit() and int(fields[col]) in pids:
            rows.append(fields)
    return titles, rows
