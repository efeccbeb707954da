"""``pcl inspect NAME…`` / ``pcl container inspect`` / ``pcl image inspect``: the JSON
Docker shows for containers and images.

A name is looked up as a container first, then as an image (``--type`` to choose).
``-f '{{.State.Running}}'`` prints one field per object with a Go template; lists come out as
``[a b]`` (``{{json .RepoTags}}`` for JSON).
"""

from __future__ import annotations

import argparse
import json
import sys

from ...engine.inspect import container_view
from ...errors import NotFoundError, PclError
from ..output import format_value


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("names", nargs="+", metavar="NAME|ID")
    p.add_argument("-f", "--format", help="Format output using a custom template")
    p.add_argument("-s", "--size", action="store_true", help="Display total file sizes")
    kind = "image" if p.prog.endswith("image inspect") else \
        "container" if p.prog.endswith("container inspect") else None
    if kind is None:
        p.add_argument("--type", choices=["container", "image"],
                       help="Return JSON for specified type")
    p.set_defaults(type=kind, noun=kind or "object")


def _image(name: str) -> dict:
    from ...image.docker import inspect
    from ..imageviews import notify, store

    s = store()
    return inspect(s, s.get(name, notify=notify))


def _find(name: str, kind: str | None) -> dict:
    if kind in (None, "container"):
        try:
            return container_view(name)
        except NotFoundError:
            if kind == "container":
                raise
    return _image(name)


def run(args: argparse.Namespace) -> int:
    found, failed = [], False
    for name in args.names:
        try:
            found.append(_find(name, args.type))
        except NotFoundError:
            print(f"pcl: No such {args.noun}: {name}", file=sys.stderr)
            failed = True
        except PclError as e:
            print(f"pcl: {e}", file=sys.stderr)
            failed = True
    if args.format:
        for obj in found:
            print(format_value(args.format, obj))
    else:
        print(json.dumps(found, indent=4))
    return 1 if failed else 0
