"""``pcl diff``: what a container added (A), changed (C) or deleted (D) in its own layer."""

from __future__ import annotations

import argparse

from ...engine.changes import diff


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("container", metavar="CONTAINER")


def run(args: argparse.Namespace) -> int:
    for change in diff(args.container):
        print(change)
    return 0
