"""``pcl inspect``: low-level information on containers (and images), as JSON or a template."""

from __future__ import annotations

import argparse
import json
import sys

from ...engine.inspect import container_view
from ...errors import NotFoundError
from ..output import format_value


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("-f", "--format", default="",
                   help="Format output using a Go template, like '{{.State.Running}}'")
    p.add_argument("-s", "--size", action="store_true", help="Display total file sizes")
    p.add_argument("--type", choices=("container", "image"), default=None,
                   help="Only inspect objects of this type")
    p.add_argument("names", nargs="+", metavar="NAME|ID")


def _find(ref: str, kind: str | None) -> dict:
    if kind in (None, "container"):
        try:
            return container_view(ref)
        except NotFoundError:
            if kind == "container":
                raise
    try:
        from .image_inspect import image_view
    except ImportError:
        raise NotFoundError(f"No such object: {ref}") from None
    return image_view(ref)


def run(args: argparse.Namespace) -> int:
    found, failed = [], False
    for ref in args.names:
        try:
            found.append(_find(ref, args.type))
        except NotFoundError as e:
            print(f"pcl: {e}", file=sys.stderr)
            failed = True
    if args.format:
        for obj in found:
            print(format_value(args.format, obj))
    else:
        print(json.dumps(found, indent=4))
    return 1 if failed else 0
