"""Docker's state object of a container, and how ``ps`` words it.

Docker adds to the four OCI states: a container can be *paused* (frozen by the cgroup
freezer), *restarting* (between two runs under a restart policy), *removing*, *dead*. Its
``State`` records them with the pid, the exit code and the times::

    {"Status": "running", "Running": true, "Paused": false, "Restarting": false,
     "OOMKilled": false, "Dead": false, "Pid": 4242, "ExitCode": 0, "Error": "",
     "StartedAt": "2026-11-28T19:21:00.123456789Z", "FinishedAt": "0001-01-01T00:00:00Z"}
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

from ..units import human_duration

__all__ = ["ZERO_TIME", "new_state", "now", "parse_time", "status_text"]

ZERO_TIME = "0001-01-01T00:00:00Z"
STATUSES = ("created", "restarting", "running", "removing", "paused", "exited", "dead")


def now() -> str:
    """The current time as Docker writes it: RFC 3339 with nanoseconds, in UTC."""
    ns = time.time_ns()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ns // 10**9)) + f".{ns % 10**9:09d}Z"


def parse_time(stamp: str) -> float:
    """Seconds since the epoch of a Docker time stamp (0 for the zero time)."""
    if not stamp or stamp.startswith("0001-"):
        return 0.0
    main, _, frac = stamp.rstrip("Z").partition(".")
    whole = datetime.strptime(main, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC).timestamp()
    return whole + (float("0." + frac) if frac else 0.0)


def new_state() -> dict:
    return {"Status": "created", "Running": False, "Paused": False, "Restarting": False,
            "OOMKilled": False, "Dead": False, "Pid": 0, "ExitCode": 0, "Error": "",
            "StartedAt": ZERO_TIME, "FinishedAt": ZERO_TIME}


def status_text(state: dict, at: float | None = None) -> str:
    """The STATUS column of ``ps``: ``Up 3 seconds``, ``Exited (0) 2 minutes ago``…"""
    at = time.time() if at is None else at
    status = state.get("Status", "created")
    if status == "running":
        text = f"Up {human_duration(at - parse_time(state['StartedAt']))}"
        return text
    if status == "paused":
        return f"Up {human_duration(at - parse_time(state['StartedAt']))} (Paused)"
    if status == "restarting":
        return (f"Restarting ({state['ExitCode']}) "
                f"{human_duration(at - parse_time(state['FinishedAt']))} ago")
    if status == "exited":
        return (f"Exited ({state['ExitCode']}) "
                f"{human_duration(at - parse_time(state['FinishedAt']))} ago")
    if status == "removing":
        return "Removal In Progress"
    if status == "dead":
        return "Dead"
    return "Created"
