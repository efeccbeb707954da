"""Reading a container's log, as ``docker logs`` does.

The monitor writes one JSON object per output line (Docker's ``json-file`` format)::

    {"log":"hello\\n","stream":"stdout","time":"2026-11-28T19:21:00.123456789Z"}

``read`` filters those lines by time (``--since``, ``--until``), keeps the last N
(``--tail``) and, with ``follow``, keeps watching the file until the container stops.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TextIO

from ..errors import UsageError
from . import state as st
from .reconcile import ACTIVE, reconcile
from .store import ContainerStore

__all__ = ["Entry", "log_path", "parse_since", "read"]

_DURATION = re.compile(r"^(\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+$")
_PART = re.compile(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)")
_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600}


@dataclass
class Entry:
    stream: str
    text: str
    time: str

    def render(self, timestamps: bool = False) -> str:
        return f"{self.time} {self.text}" if timestamps else self.text


def parse_since(value: str, now: float | None = None) -> float:
    """``--since``/``--until``: a duration back from now (``10m``, ``1h30m``), a Unix time
    (``1700000000.5``) or an RFC 3339 date (``2026-11-28T19:21:00Z``, ``2026-11-28``)."""
    now = time.time() if now is None else now
    v = value.strip()
    if _DURATION.match(v):
        return now - sum(float(n) * _UNITS[u] for n, u in _PART.findall(v))
    if re.fullmatch(r"\d+(\.\d+)?", v):
        return float(v)
    try:
        # fromisoformat takes microseconds at most: cut nanoseconds down
        d = datetime.fromisoformat(re.sub(r"(\.\d{6})\d+", r"\1", v))
    except ValueError:
        raise UsageError(f'invalid time "{value}": use a duration like 10m or 1h30m, a Unix '
                         "time or a date like 2026-11-28T19:21:00Z") from None
    return (d if d.tzinfo else d.replace(tzinfo=UTC)).timestamp()


def log_path(store: ContainerStore, cid: str) -> str:
    return str(store.dir(cid) / f"{cid}-json.log")


def _entries(f: TextIO) -> Iterator[Entry]:
    """Whole lines from where ``f`` stands; a line still being written waits for next time."""
    while True:
        pos = f.tell()
        line = f.readline()
        if not line:
            return
        if not line.endswith("\n"):
            f.seek(pos)
            return
        d = json.loads(line)
        yield Entry(d["stream"], d["log"], d["time"])


def read(ref: str, *, tail: str = "all", since: str = "", until: str = "",
         follow: bool = False, store: ContainerStore | None = None) -> Iterator[Entry]:
    """The log entries of container ``ref`` (``tail``: ``all`` or a number of lines)."""
    store = store or ContainerStore()
    cid = store.resolve(ref)
    if tail != "all":
        try:
            last = int(tail)
        except ValueError:
            raise UsageError(f'invalid --tail "{tail}": use a number or "all"') from None
    since_t = parse_since(since) if since else 0.0
    until_t = parse_since(until) if until else float("inf")
    path = log_path(store, cid)

    def wanted(e: Entry) -> bool:
        t = st.parse_time(e.time)
        return since_t <= t and t <= until_t

    f: TextIO | None = None
    try:
        if os.path.exists(path):
            f = open(path)  # noqa: SIM115 (kept open while following)
            old = (e for e in _entries(f) if wanted(e))
            if tail == "all":
                yield from old
            elif last > 0:
                yield from deque(old, maxlen=last)
            else:
                deque(old, maxlen=0)  # read to the end: --tail 0 shows only what comes next
        if not follow or until:
            return
        while True:
            if f is None and os.path.exists(path):
                f = open(path)  # noqa: SIM115
            got = False
            for e in _entries(f) if f is not None else ():
                got = True
                if wanted(e):
                    yield e
            if got:
                continue
            record = reconcile(store, store.load(cid)) if store.dir(cid).exists() else None
            if record is None or record["State"]["Status"] not in ACTIVE:
                if f is not None:  # one last look: lines written as it stopped
                    yield from (e for e in _entries(f) if wanted(e))
                return
            time.sleep(0.05)
    finally:
        if f is not None:
            f.close()
