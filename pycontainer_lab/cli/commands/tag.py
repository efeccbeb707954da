"""``pcl tag SOURCE TARGET``: one more name for an image; the old name stays."""

from __future__ import annotations

import argparse

from ..imageviews import notify, store


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("source", metavar="SOURCE_IMAGE[:TAG]")
    p.add_argument("target", metavar="TARGET_IMAGE[:TAG]")


def run(args: argparse.Namespace) -> int:
    store().tag(args.source, args.target, notify=notify)
    return 0
