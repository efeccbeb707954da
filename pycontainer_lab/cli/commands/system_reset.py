"""``pcl system reset``: remove all containers, leftover runtime state and cgroups."""

from __future__ import annotations

import argparse

from ...engine.reset import reset
from ..output import confirm


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("-f", "--force", action="store_true", help="Do not prompt for confirmation")


def run(args: argparse.Namespace) -> int:
    if not args.force and not confirm("all containers (running ones too), their cgroups and "
                                      "runtime state"):
        return 0
    for line in reset():
        print(line)
    return 0
