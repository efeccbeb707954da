"""``pcl ps``: list containers (running ones; ``-a`` all), as ``docker ps``."""

from __future__ import annotations

import argparse
import json
import sys

from ...engine.listing import container_rows, parse_filters
from ..gotemplate import render_table

HEADERS = {"ID": "CONTAINER ID", "RunningFor": "CREATED", "Names": "NAMES",
           "CreatedAt": "CREATED AT"}
DEFAULT = ("table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t"
           "{{.Ports}}\t{{.Names}}")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("-a", "--all", action="store_true", help="Show all containers")
    p.add_argument("-f", "--filter", action="append", default=[],
                   help="Filter output based on conditions provided")
    p.add_argument("--format", default="", help="Format output using a Go template, or json")
    p.add_argument("-n", "--last", type=int, default=0,
                   help="Show n last created containers (includes all states)")
    p.add_argument("-l", "--latest", action="store_true",
                   help="Show the latest created container (includes all states)")
    p.add_argument("--no-trunc", action="store_true", help="Don't truncate output")
    p.add_argument("-q", "--quiet", action="store_true", help="Only display container IDs")
    p.add_argument("-s", "--size", action="store_true", help="Display total file sizes")


def _trunc(rows: list[dict]) -> None:
    for r in rows:
        r["ID"] = r["ID"][:12]
        cmd = r["Command"]
        r["Command"] = '"' + (cmd if len(cmd) <= 20 else cmd[:19] + "…") + '"'


def run(args: argparse.Namespace) -> int:
    filters = parse_filters(args.filter)
    rows = container_rows(all_=args.all, filters=filters,
                          last=1 if args.latest else args.last, size=args.size)
    if args.quiet:
        for r in rows:
            print(r["ID"] if args.no_trunc else r["ID"][:12])
        return 0
    if not args.no_trunc:
        _trunc(rows)
    elif rows:
        for r in rows:
            r["Command"] = f'"{r["Command"]}"'
    fmt = args.format
    if fmt == "json":
        for r in rows:
            print(json.dumps(r, separators=(",", ":")))
        return 0
    if not fmt:
        fmt = DEFAULT + ("\t{{.Size}}" if args.size else "")
    sys.stdout.write(render_table(fmt, rows, headers={**HEADERS, "Size": "SIZE"}))
    return 0


