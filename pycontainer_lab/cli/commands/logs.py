"""``pcl logs``: what a container wrote to stdout and stderr (``-f`` to follow)."""

from __future__ import annotations

import argparse
import sys

from ...engine import logs


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("-f", "--follow", action="store_true", help="Follow log output")
    p.add_argument("-t", "--timestamps", action="store_true", help="Show timestamps")
    p.add_argument("-n", "--tail", default="all",
                   help='Number of lines to show from the end of the logs (default "all")')
    p.add_argument("--since", default="",
                   help="Show logs since timestamp (e.g. 2026-11-28T19:21:00Z) or relative "
                        "(e.g. 42m for 42 minutes)")
    p.add_argument("--until", default="", help="Show logs before a timestamp or relative time")
    p.add_argument("container", metavar="CONTAINER")


def run(args: argparse.Namespace) -> int:
    streams = {"stdout": sys.stdout, "stderr": sys.stderr}
    for entry in logs.read(args.container, tail=args.tail, since=args.since, until=args.until,
                           follow=args.follow):
        out = streams.get(entry.stream, sys.stdout)
        out.write(entry.render(args.timestamps))
        out.flush()
    return 0
