"""``pcl create``: prepare a container from an image without starting it (state Created)."""

from __future__ import annotations

import argparse
import sys

from ...engine import create
from ..container_flags import add_container_flags, options_from

ADD_HELP = False


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_container_flags(p)


def run(args: argparse.Namespace) -> int:
    record = create.create(options_from(args))
    for warning in record.get("Pcl", {}).get("Warnings", []):
        print(f"WARNING: {warning}", file=sys.stderr)
    print(record["ID"])
    return 0
