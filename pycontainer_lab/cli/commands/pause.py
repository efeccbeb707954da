"""``pcl pause`` / ``pcl unpause``: freeze and thaw every process of containers."""

from __future__ import annotations

import argparse

from ...engine import lifecycle
from .each import for_each


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("containers", nargs="+", metavar="CONTAINER")


def run(args: argparse.Namespace) -> int:
    action = lifecycle.unpause if args.command_name == "unpause" else lifecycle.pause
    return for_each(args.containers, action)
