"""``pcl import FILE|- [REPOSITORY[:TAG]]``: a root filesystem tarball as a one-layer image."""

from __future__ import annotations

import argparse
import sys

from ...errors import UsageError
from ...image.newimage import import_tarball
from ...image.reference import parse
from ..imageviews import store


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", metavar="file|URL|-")
    p.add_argument("reference", nargs="?", metavar="REPOSITORY[:TAG]")
    p.add_argument("-c", "--change", action="append", default=[],
                   help="Apply Dockerfile instruction to the created image")
    p.add_argument("-m", "--message", default="", help="Set commit message for imported image")
    p.add_argument("--platform", help="Set platform if server is multi-platform capable")


def run(args: argparse.Namespace) -> int:
    if "://" in args.file:
        raise UsageError(f"cannot import from {args.file}: pcl works offline (download the "
                         "file, then 'pcl import FILE')")
    names = [parse(args.reference)] if args.reference else []
    source = sys.stdin.buffer if args.file == "-" else args.file
    image = import_tarball(store(), source, names=names, changes=args.change,
                           message=args.message, shown=args.file)
    print(image.id)
    return 0
