"""``ps``: which containers, filtered as Docker filters them, in Docker's columns."""

from __future__ import annotations

import re
import shlex
import time

from ..errors import UsageError
from ..units import human_duration, human_size
from . import state as st
from .reconcile import reconcile_all
from .store import ContainerStore

__all__ = ["FILTER_KEYS", "container_rows", "matches", "parse_filters"]

FILTER_KEYS = ("status", "name", "id", "ancestor", "exited", "label", "before", "since")


def parse_filters(items: list[str]) -> dict[str, list[str]]:
    """``["status=exited", "label=a=b"]`` → ``{"status": ["exited"], "label": ["a=b"]}``,
    with the values ``ps`` checks (a known status, a numeric exit code)."""
    from ..image.filters import parse_filters as parse

    out = parse(items, FILTER_KEYS)
    for value in out.get("status", []):
        if value not in st.STATUSES:
            raise UsageError(f"invalid filter 'status={value}': use one of "
                             f"{', '.join(st.STATUSES)}")
    for value in out.get("exited", []):
        if not value.lstrip("-").isdigit():
            raise UsageError(f"invalid filter 'exited={value}': an exit code is a number")
    return out


class FilterContext:
    """What filters look up once per ``ps``: other containers, image ids."""

    def __init__(self, store: ContainerStore):
        self.store = store
        self.created_of: dict[str, str] = {}
        self.image_ids: dict[str, str] = {}

    def created(self, ref: str) -> str:
        if ref not in self.created_of:
            self.created_of[ref] = self.store.get(ref)["Created"]
        return self.created_of[ref]

    def image_id(self, ref: str) -> str:
        if ref not in self.image_ids:
            from ..image.store import Store

            found = Store().find(ref)
            self.image_ids[ref] = found[0].id if found else ""
        return self.image_ids[ref]


def _ancestor(record: dict, ref: str, ctx: FilterContext) -> bool:
    """Was the container made from the image ``ref`` (a name, a tag, an id or a prefix)?"""
    wanted = ctx.image_id(ref)
    image_id = record.get("Image", "")
    if wanted:
        return image_id == wanted
    bare = ref.removeprefix("sha256:")
    return len(bare) >= 4 and image_id.removeprefix("sha256:").startswith(bare)


def matches(record: dict, filters: dict[str, list[str]], ctx: FilterContext) -> bool:
    """Does ``record`` pass every filter (values of one key are alternatives)?"""
    s = record["State"]
    tests = {
        "status": lambda v: s["Status"] == v,
        "name": lambda v: re.search(v, record["Name"][1:]) is not None,
        "id": lambda v: record["ID"].startswith(v),
        "ancestor": lambda v: _ancestor(record, v, ctx),
        "exited": lambda v: s["Status"] == "exited" and s["ExitCode"] == int(v),
        "label": lambda v: _label(record, v),
        "before": lambda v: record["Created"] < ctx.created(v),
        "since": lambda v: record["Created"] > ctx.created(v),
    }
    return all(any(tests[k](v) for v in values) for k, values in filters.items())


def _label(record: dict, spec: str) -> bool:
    key, eq, value = spec.partition("=")
    labels = record["Config"].get("Labels") or {}
    return key in labels and (not eq or labels[key] == value)


def _command(record: dict) -> str:
    return " ".join([record["Path"], *[shlex.quote(a) if " " in a else a
                                       for a in record["Args"]]])


def layer_size(record: dict) -> int:
    """Bytes in the container's own layer (``ps -s``, ``container prune``)."""
    from ..image.store import tree_size

    upper = record.get("GraphDriver", {}).get("Data", {}).get("UpperDir", "")
    return tree_size(upper) if upper else 0


def container_rows(all_: bool = False, filters: dict[str, list[str]] | None = None,
                   last: int = 0, size: bool = False,
                   store: ContainerStore | None = None) -> list[dict]:
    """One dict per container, newest first, with the fields ``ps --format`` knows."""
    store = store or ContainerStore()
    filters = filters or {}
    records = sorted(reconcile_all(store), key=lambda r: r["Created"], reverse=True)
    ctx = FilterContext(store)
    if not all_ and not last and "status" not in filters and "exited" not in filters:
        records = [r for r in records if r["State"]["Status"] in ("running", "paused",
                                                                  "restarting")]
    records = [r for r in records if matches(r, filters, ctx)]
    if last:
        records = records[:last]
    now = time.time()
    rows = []
    for r in records:
        labels = r["Config"].get("Labels") or {}
        rows.append({
            "ID": r["ID"], "Image": r["Config"].get("Image") or r["Image"][7:19],
            "Command": _command(r), "CreatedAt": r["Created"],
            "RunningFor": human_duration(now - st.parse_time(r["Created"])) + " ago",
            "Ports": "", "State": r["State"]["Status"], "Status": st.status_text(r["State"], now),
            "Size": human_size(layer_size(r)) if size else "", "Names": r["Name"][1:],
            "Labels": ",".join(f"{k}={v}" for k, v in sorted(labels.items())),
            "Mounts": "", "Networks": r["HostConfig"].get("NetworkMode", ""),
        })
    return rows
