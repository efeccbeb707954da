"""``pcl load -i FILE``: images from a Docker or OCI archive (or an OCI layout directory)."""

from __future__ import annotations

import argparse
import sys

from ...errors import UsageError
from ...image.archive import load
from ..imageviews import notify, store


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("-i", "--input", help="Read from tar archive file, instead of STDIN")
    p.add_argument("-q", "--quiet", action="store_true", help="Suppress the load output")


def run(args: argparse.Namespace) -> int:
    if args.input is None and sys.stdin.isatty():
        raise UsageError("requested load from stdin, but stdin is empty (use -i FILE or "
                         "redirect a file)")
    source = args.input if args.input is not None else sys.stdin.buffer
    for image in load(store(), source, notify=notify):
        if image.repo_tags:
            for tag in image.repo_tags:
                print(f"Loaded image: {tag}")
        else:
            print(f"Loaded image ID: {image.id}")
    return 0
