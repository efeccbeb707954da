"""``pcl run``: create a container from an image, start it, and (unless ``-d``) stay
attached to it until it exits -- ``create`` + ``start -a`` in one."""

from __future__ import annotations

import argparse
import sys

from ...engine import attach, create, lifecycle
from ...errors import PclError
from ..container_flags import add_container_flags, options_from, print_warnings
from ..terminal import DETACHED, session

ADD_HELP = False


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("-d", "--detach", action="store_true",
                   help="Run container in background and print container ID")
    p.add_argument("--detach-keys", default=attach.DEFAULT_DETACH_KEYS,
                   help="Override the key sequence for detaching a container")
    p.add_argument("--explain", action="store_true",
                   help="Print every step of the container's start (the runtime's trace)")
    add_container_flags(p)


def run(args: argparse.Namespace) -> int:
    keys = attach.parse_detach_keys(args.detach_keys)
    opts = options_from(args)
    try:
        return _run(args, opts, keys)
    except PclError as e:
        if e.exit_code not in (126, 127):  # cannot run it / not found: as Docker
            e.exit_code = 125
        raise


def _run(args: argparse.Namespace, opts: create.ContainerOptions, keys: bytes) -> int:
    record = create.create(opts)
    print_warnings(record)
    cid = record["ID"]
    try:
        if args.detach:
            lifecycle.start(cid).started()
            print(cid)
            _explain(args, cid)
            return 0
        starting = lifecycle.start(cid, attach=True)
        att = attach.connect(cid)
        starting.started()
    except PclError:
        if opts.auto_remove:
            lifecycle.remove(cid, force=True)
        raise
    _explain(args, cid)
    code = session(att, stdin=opts.interactive, tty=opts.tty, detach_keys=keys)
    return 0 if code == DETACHED else code


def _explain(args: argparse.Namespace, cid: str) -> None:
    if args.explain:
        from ...engine.explain import start_trace

        print(start_trace(cid), file=sys.stderr)
