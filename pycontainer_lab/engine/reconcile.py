"""Telling the truth about a container whose monitor is gone.

A record says "running" because the monitor wrote so when it started the container. If the
monitor was killed, or the machine rebooted, nobody wrote the end: the record is stale. Before
``ps`` or ``inspect`` answer, the engine checks that the monitor named in the record is still
that very process (pid *and* start time) and corrects the record if it is not. The container
cannot have outlived its monitor: its init dies with it (``PR_SET_PDEATHSIG``).
"""

from __future__ import annotations

from . import state as st
from .store import ContainerStore

__all__ = ["monitor_alive", "reconcile", "reconcile_all"]

ACTIVE = ("running", "paused", "restarting")


def monitor_alive(record: dict) -> bool:
    pcl = record.get("Pcl", {})
    pid, start = pcl.get("MonitorPid"), pcl.get("MonitorStart")
    if not pid:
        return False
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return False
    return fields[0] not in ("Z", "X") and int(fields[19]) == start


def reconcile(store: ContainerStore, record: dict) -> dict:
    """``record``, corrected (and saved) if its monitor died while nobody watched."""
    if record["State"].get("Status") not in ACTIVE or monitor_alive(record):
        return record

    def died(r: dict) -> None:
        if r["State"].get("Status") not in ACTIVE or monitor_alive(r):
            return  # somebody fixed it meanwhile
        r["State"].update(Status="exited", Running=False, Paused=False, Restarting=False,
                          Pid=0, ExitCode=137, FinishedAt=st.now(),
                          Error=f"the container's monitor (pid {r['Pcl'].get('MonitorPid')}) "
                                "died; the container was killed with it")

    return store.update(record["ID"], died)


def reconcile_all(store: ContainerStore) -> list[dict]:
    return [reconcile(store, r) for r in store.all()]
