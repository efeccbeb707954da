"""``pcl history IMAGE``: the layers of an image and what made each, newest first."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from ...image.docker import history
from ..imageviews import ellipsis, notify, parse_bool, print_table, short_id, since, store
from ..output import human_size

DEFAULT = "table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}"
HEADERS = {"ID": "IMAGE", "CreatedBy": "CREATED BY"}


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("image", metavar="IMAGE")
    p.add_argument("--format", help="Format output using a custom template")
    p.add_argument("-H", "--human", nargs="?", const="true", default="true", type=str,
                   help="Print sizes and dates in human readable format (default true)")
    p.add_argument("--no-trunc", action="store_true", help="Don't truncate output")
    p.add_argument("-q", "--quiet", action="store_true", help="Only show image IDs")


def run(args: argparse.Namespace) -> int:
    s = store()
    image = s.get(args.image, notify=notify)
    human = parse_bool(args.human)
    rows = []
    for h in history(s, image):
        created_by = h["CreatedBy"].replace("\t", " ")
        stamp = datetime.fromtimestamp(h["Created"], UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        rows.append({
            "ID": h["Id"] if h["Id"] == "<missing>" else short_id(h["Id"], args.no_trunc),
            "CreatedSince": since(h["Created"]) if human else stamp,
            "CreatedAt": stamp,
            "CreatedBy": created_by if args.no_trunc else ellipsis(created_by, 45),
            "Size": human_size(h["Size"], precision=3) if human else str(h["Size"]),
            "Comment": h["Comment"], "Tags": h["Tags"]})
    fmt = "{{.ID}}" if args.quiet else args.format or DEFAULT
    print_table(DEFAULT if fmt == "table" else fmt, rows, HEADERS)
    return 0
