"""``pcl wait``: block until containers stop, print their exit codes."""

from __future__ import annotations

import argparse
import sys

from ...engine import lifecycle
from ...errors import PclError


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("containers", nargs="+", metavar="CONTAINER")


def run(args: argparse.Namespace) -> int:
    failed = 0
    for ref in args.containers:
        try:
            print(lifecycle.wait(ref), flush=True)
        except PclError as e:
            print(f"pcl: {e}", file=sys.stderr)
            failed = 1
    return failed
