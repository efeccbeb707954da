"""``pcl rm``: remove stopped containers (``-f``: running ones too)."""

from __future__ import annotations

import argparse

from ...engine import lifecycle
from .each import for_each


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("-f", "--force", action="store_true",
                   help="Force the removal of a running container (uses SIGKILL)")
    p.add_argument("-v", "--volumes", action="store_true",
                   help="Remove anonymous volumes associated with the container")
    p.add_argument("containers", nargs="+", metavar="CONTAINER")


def run(args: argparse.Namespace) -> int:
    return for_each(args.containers, lambda ref: lifecycle.remove(ref, args.force))
