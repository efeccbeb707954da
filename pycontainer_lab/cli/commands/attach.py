"""``pcl attach``: connect to a running container's input and output again."""

from __future__ import annotations

import argparse

from ...engine import attach
from ...engine.reconcile import reconcile
from ...engine.store import ContainerStore
from ...errors import PclError
from ..terminal import DETACHED, session


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--detach-keys", default=attach.DEFAULT_DETACH_KEYS,
                   help="Override the key sequence for detaching a container")
    p.add_argument("--no-stdin", action="store_true", help="Do not attach STDIN")
    p.add_argument("container", metavar="CONTAINER")


def run(args: argparse.Namespace) -> int:
    keys = attach.parse_detach_keys(args.detach_keys)
    store = ContainerStore()
    record = reconcile(store, store.get(args.container))
    if record["State"]["Status"] not in ("running", "paused"):
        raise PclError("You cannot attach to a stopped container, start it first")
    att = attach.connect(record["ID"], store)
    code = session(att, stdin=not args.no_stdin and bool(record["Config"]["OpenStdin"]),
                   tty=bool(record["Config"]["Tty"]), detach_keys=keys)
    return 0 if code == DETACHED else code
