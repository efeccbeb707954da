"""``pcl system reset``: remove all containers, leftover runtime state and cgroups."""

from __future__ import annotations

import argparse
import sys

from ...engine.reset import reset


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("-f", "--force", action="store_true", help="Do not prompt for confirmation")


def run(args: argparse.Namespace) -> int:
    if not args.force:
        sys.stderr.write("WARNING! This will remove all containers (running ones too), their "
                         "cgroups and runtime state.\nAre you sure you want to continue? [y/N] ")
        sys.stderr.flush()
        if sys.stdin.readline().strip().lower() not in ("y", "yes"):
            return 0
    for line in reset():
        print(line)
    return 0
