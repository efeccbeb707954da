"""``pcl exec``: run a command in a running container (``-it`` for an interactive shell)."""

from __future__ import annotations

import argparse

from ...engine import attach
from ...engine.execute import start_exec
from ..terminal import DETACHED, pty_session


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("-d", "--detach", action="store_true",
                   help="Detached mode: run command in the background")
    p.add_argument("--detach-keys", default=attach.DEFAULT_DETACH_KEYS,
                   help="Override the key sequence for detaching a container")
    p.add_argument("-e", "--env", action="append", default=[],
                   help="Set environment variables")
    p.add_argument("-i", "--interactive", action="store_true",
                   help="Keep STDIN open even if not attached")
    p.add_argument("--privileged", action="store_true",
                   help="Give extended privileges to the command")
    p.add_argument("-t", "--tty", action="store_true", help="Allocate a pseudo-TTY")
    p.add_argument("-u", "--user", default="",
                   help="Username or UID (format: <name|uid>[:<group|gid>])")
    p.add_argument("-w", "--workdir", default="", help="Working directory inside the container")
    p.add_argument("container", metavar="CONTAINER")
    p.add_argument("command", nargs=argparse.REMAINDER, metavar="COMMAND")


def run(args: argparse.Namespace) -> int:
    keys = attach.parse_detach_keys(args.detach_keys)
    ex = start_exec(args.container, args.command, interactive=args.interactive, tty=args.tty,
                    detach=args.detach, env=args.env, workdir=args.workdir, user=args.user,
                    privileged=args.privileged)
    if args.detach:
        ex.wait()
        return 0
    if ex.console is not None and pty_session(ex.console, keys) == DETACHED:
        return 0
    return ex.wait()
