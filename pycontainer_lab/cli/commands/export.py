"""``pcl export``: a container's filesystem as a tar archive (``-o FILE`` or stdout)."""

from __future__ import annotations

import argparse
import os
import sys

from ...engine import archive
from ...errors import UsageError


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("-o", "--output", default="", help="Write to a file, instead of STDOUT")
    p.add_argument("container", metavar="CONTAINER")


def run(args: argparse.Namespace) -> int:
    if not args.output:
        if sys.stdout.isatty():
            raise UsageError("cowardly refusing to save to a terminal: use the -o flag or "
                             "redirect")
        archive.export(args.container, sys.stdout.buffer)
        return 0
    tmp = f"{args.output}.tmp.{os.getpid()}"
    try:
        with open(tmp, "wb") as f:
            archive.export(args.container, f)
        os.replace(tmp, args.output)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return 0
