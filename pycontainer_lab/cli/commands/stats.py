"""``pcl stats``: a live table of containers' resource use (``--no-stream`` for one)."""

from __future__ import annotations

import argparse
import sys
import time

from ...engine.stats import StatsReader
from ..gotemplate import render_table

DEFAULT = ("table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}"
           "\t{{.BlockIO}}\t{{.PIDs}}")
HEADERS = {"ID": "CONTAINER ID", "Name": "NAME", "CPUPerc": "CPU %",
           "MemUsage": "MEM USAGE / LIMIT", "MemPerc": "MEM %", "NetIO": "NET I/O",
           "BlockIO": "BLOCK I/O", "PIDs": "PIDS", "Container": "CONTAINER"}


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("-a", "--all", action="store_true",
                   help="Show all containers (default shows just running)")
    p.add_argument("--format", default="", help="Format output using a Go template")
    p.add_argument("--no-stream", action="store_true",
                   help="Disable streaming stats and only pull the first result")
    p.add_argument("--no-trunc", action="store_true", help="Do not truncate output")
    p.add_argument("containers", nargs="*", metavar="CONTAINER")


def run(args: argparse.Namespace) -> int:
    reader = StatsReader(args.containers, args.all)
    fmt = args.format or DEFAULT
    if args.no_stream:
        sys.stdout.write(render_table(fmt, reader.read_twice(), headers=HEADERS))
        return 0
    reader.read()
    try:
        while True:
            time.sleep(1)
            table = render_table(fmt, reader.read(), headers=HEADERS)
            sys.stdout.write("\033[2J\033[H" + table if sys.stdout.isatty() else table)
            sys.stdout.flush()
    except KeyboardInterrupt:
        return 0
