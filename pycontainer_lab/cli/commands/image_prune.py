"""``pcl image prune``: remove dangling images (``-a``: every image no container uses)."""

from __future__ import annotations

import argparse
import time

from ...image.docker import parse_time
from ...image.filters import labels_match, parse_filters
from ...image.store import Image
from ..imageviews import store
from ..output import confirm, human_size


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("-a", "--all", action="store_true",
                   help="Remove all unused images, not just dangling ones")
    p.add_argument("-f", "--force", action="store_true", help="Do not prompt for confirmation")
    p.add_argument("--filter", action="append", default=[],
                   help="Provide filter values (e.g. 'until=24h', 'label=k=v')")


def _seconds(text: str) -> float:
    units = {"s": 1, "m": 60, "h": 3600}
    if text[-1:] in units and text[:-1].replace(".", "", 1).isdigit():
        return time.time() - float(text[:-1]) * units[text[-1]]
    return parse_time(text) if "T" in text else float(text)


def run(args: argparse.Namespace) -> int:
    filters = parse_filters(args.filter, ("until", "label"))
    if not args.force:
        what = ("all images without at least one container associated to them" if args.all
                else "all dangling images")
        if not confirm(what):
            return 0
    until = [_seconds(u) for u in filters.get("until", [])]

    def keep(image: Image) -> bool:
        if any(parse_time(image.created) >= u for u in until):
            return True
        return not labels_match(image, filters.get("label", []))

    records, reclaimed = store().prune(all=args.all, keep=keep)
    if records:
        print("Deleted Images:")
        for kind, what in records:
            print(f"{kind}: {what}")
        print()
    print(f"Total reclaimed space: {human_size(reclaimed, precision=3)}")
    return 0
