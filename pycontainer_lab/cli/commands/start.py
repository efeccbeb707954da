"""``pcl start``: start created or stopped containers (``-a`` to stay attached)."""

from __future__ import annotations

import argparse

from ...engine import attach, lifecycle
from ...engine.store import ContainerStore
from ..terminal import DETACHED, session
from .each import for_each


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("-a", "--attach", action="store_true",
                   help="Attach STDOUT/STDERR and forward signals")
    p.add_argument("-i", "--interactive", action="store_true", help="Attach container's STDIN")
    p.add_argument("--detach-keys", default=attach.DEFAULT_DETACH_KEYS,
                   help="Override the key sequence for detaching a container")
    p.add_argument("containers", nargs="+", metavar="CONTAINER")


def run(args: argparse.Namespace) -> int:
    keys = attach.parse_detach_keys(args.detach_keys)
    if args.attach or args.interactive:
        store = ContainerStore()
        cid = store.resolve(args.containers[0])
        starting = lifecycle.start(cid, attach=True)
        att = attach.connect(cid)
        starting.started()
        record = store.load(cid)
        code = session(att, stdin=args.interactive, tty=bool(record["Config"]["Tty"]),
                       detach_keys=keys)
        return 0 if code == DETACHED else code
    return for_each(args.containers, lambda ref: lifecycle.start(ref).started())
