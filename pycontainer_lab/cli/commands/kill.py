"""``pcl kill``: send a signal to containers at once (SIGKILL unless ``-s``)."""

from __future__ import annotations

import argparse

from ...engine import lifecycle
from .each import for_each


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("-s", "--signal", default="KILL", help="Signal to send to the container")
    p.add_argument("containers", nargs="+", metavar="CONTAINER")


def run(args: argparse.Namespace) -> int:
    lifecycle.parse_signal(args.signal)  # a bad signal is a usage error before anything
    return for_each(args.containers, lambda ref: lifecycle.kill(ref, args.signal))
