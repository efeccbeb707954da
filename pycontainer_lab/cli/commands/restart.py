"""``pcl restart``: stop, then start again."""

from __future__ import annotations

import argparse

from ...engine import lifecycle
from .each import for_each


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("-t", "--time", type=int, default=None,
                   help="Seconds to wait before killing the container")
    p.add_argument("containers", nargs="+", metavar="CONTAINER")


def run(args: argparse.Namespace) -> int:
    return for_each(args.containers, lambda ref: lifecycle.restart(ref, args.time))
