"""``pcl container prune``: remove all stopped containers."""

from __future__ import annotations

import argparse

from ...engine import lifecycle
from ...engine.listing import container_rows, layer_size, parse_filters
from ...engine.store import ContainerStore
from ..output import confirm, human_size


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("-f", "--force", action="store_true", help="Do not prompt for confirmation")
    p.add_argument("--filter", action="append", default=[],
                   help='Provide filter values (e.g. "label=<key>=<value>")')


def run(args: argparse.Namespace) -> int:
    if not args.force and not confirm("all stopped containers"):
        return 0
    filters = parse_filters(args.filter)
    store = ContainerStore()
    rows = [r for r in container_rows(all_=True, filters=filters)
            if r["State"] in ("created", "exited", "dead")]
    reclaimed = 0
    print("Deleted Containers:")
    for row in rows:
        record = store.load(row["ID"])
        reclaimed += layer_size(record)
        lifecycle.remove(row["ID"])
        print(row["ID"])
    print(f"\nTotal reclaimed space: {human_size(reclaimed)}")
    return 0
