"""``pcl rename``: give a container a new name."""

from __future__ import annotations

import argparse

from ...engine.store import ContainerStore


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("container", metavar="CONTAINER")
    p.add_argument("new_name", metavar="NEW_NAME")


def run(args: argparse.Namespace) -> int:
    store = ContainerStore()
    store.rename(store.resolve(args.container), args.new_name)
    return 0
