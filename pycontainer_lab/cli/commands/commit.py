"""``pcl commit``: a new image from a container's changes (``-c`` Dockerfile instructions,
``-m`` message, ``-a`` author; the container is paused meanwhile unless ``-p=false``)."""

from __future__ import annotations

import argparse

from ...engine.changes import commit
from ..imageviews import parse_bool


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("-a", "--author", default="",
                   help='Author (e.g., "John Hannibal Smith <hannibal@a-team.com>")')
    p.add_argument("-c", "--change", action="append", default=[],
                   help="Apply Dockerfile instruction to the created image")
    p.add_argument("-m", "--message", default="", help="Commit message")
    p.add_argument("-p", "--pause", default="true", nargs="?", const="true",
                   help="Pause container during commit (default true)")
    p.add_argument("container", metavar="CONTAINER")
    p.add_argument("repository", nargs="?", default="", metavar="[REPOSITORY[:TAG]]")


def run(args: argparse.Namespace) -> int:
    image_id = commit(args.container, args.repository, author=args.author,
                      message=args.message, changes=args.change,
                      pause=parse_bool(args.pause))
    print(image_id)
    return 0
