"""``pcl inspect NAME…`` / ``pcl image inspect``: the JSON Docker shows for an image.

``-f '{{.Architecture}}'`` prints one field per object with a Go template; lists come out as
``[a b]`` (``{{json .RepoTags}}`` for JSON). Containers join this command in a later chapter.
"""

from __future__ import annotations

import argparse
import json
import sys

from ...errors import NotFoundError, PclError
from ...image.docker import inspect
from ..imageviews import notify, store
from ..output import format_value


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("names", nargs="+", metavar="NAME|ID")
    p.add_argument("-f", "--format", help="Format output using a custom template")
    p.add_argument("-s", "--size", action="store_true", help="Display total file sizes")
    if not p.prog.endswith("image inspect"):
        p.add_argument("--type", choices=["image"], help="Return JSON for specified type")
    p.set_defaults(noun="image" if p.prog.endswith("image inspect") else "object")


def run(args: argparse.Namespace) -> int:
    s = store()
    found, failed = [], False
    for name in args.names:
        try:
            found.append(inspect(s, s.get(name, notify=notify)))
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
