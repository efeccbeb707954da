"""``pcl save -o FILE IMAGE…``: images into one archive for Docker, Podman and OCI tools."""

from __future__ import annotations

import argparse
import sys

from ...errors import UsageError
from ...image.archive import save, save_to_file
from ..imageviews import notify, store


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("images", nargs="+", metavar="IMAGE")
    p.add_argument("-o", "--output", help="Write to a file, instead of STDOUT")


def run(args: argparse.Namespace) -> int:
    if args.output:
        save_to_file(store(), args.images, args.output, notify=notify)
        return 0
    if sys.stdout.isatty():
        raise UsageError("cowardly refusing to save to a terminal. Use the -o flag or redirect")
    sys.stdout.flush()
    save(store(), args.images, sys.stdout.buffer, notify=notify)
    sys.stdout.buffer.flush()
    return 0
