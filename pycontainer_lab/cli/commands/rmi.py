"""``pcl rmi IMAGE…`` / ``pcl image rm``: untag, and delete an image with its last name.

Each argument is handled on its own: a failure is reported and the others still go (exit 1).
"""

from __future__ import annotations

import argparse
import sys

from ...errors import PclError
from ..imageviews import store


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("images", nargs="+", metavar="IMAGE")
    p.add_argument("-f", "--force", action="store_true", help="Force removal of the image")
    p.add_argument("--no-prune", action="store_true",
                   help="Do not delete untagged parents (accepted for Docker compatibility)")


def run(args: argparse.Namespace) -> int:
    s = store()
    failed = False
    for ref in args.images:
        try:
            records = s.remove(ref, force=args.force)
        except PclError as e:
            print(f"pcl: {e}", file=sys.stderr)
            failed = True
            continue
        for kind, what in records:
            print(f"{kind}: {what}")
    return 1 if failed else 0
