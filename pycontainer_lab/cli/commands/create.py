"""``pcl create``: prepare a container from an image without starting it (state Created)."""

from __future__ import annotations

import argparse

from ...engine import create
from ..container_flags import add_container_flags, options_from, print_warnings

ADD_HELP = False


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_container_flags(p)


def run(args: argparse.Namespace) -> int:
    record = create.create(options_from(args))
    print_warnings(record)
    print(record["ID"])
    return 0
