"""``pcl top``: display the running processes of a container."""

from __future__ import annotations

import argparse
import sys

from ...engine.top import top
from ..gotemplate import align_columns


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("container", metavar="CONTAINER")
    p.add_argument("ps_args", nargs=argparse.REMAINDER, metavar="[ps OPTIONS]")


def run(args: argparse.Namespace) -> int:
    titles, rows = top(args.container, args.ps_args)
    sys.stdout.write(align_columns([titles, *rows]))
    return 0
