"""``pcl images`` / ``pcl image ls``: the images in the store, like ``docker images``."""

from __future__ import annotations

import argparse

from ...image.docker import parse_time
from ...image.filters import list_images, parse_filters
from ..imageviews import created_at, print_table, short_id, since, store
from ..output import human_size

DEFAULT = "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}"
DIGESTS = "table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}"
HEADERS = {"ID": "IMAGE ID"}


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("reference", nargs="?", metavar="REPOSITORY[:TAG]")
    p.add_argument("-a", "--all", action="store_true",
                   help="Show all images (default hides intermediate images)")
    p.add_argument("--digests", action="store_true", help="Show digests")
    p.add_argument("-f", "--filter", action="append", default=[],
                   help="Filter output based on conditions provided (dangling=, label=, "
                        "before=, since=, reference=)")
    p.add_argument("--format", help="Format output using a custom template ('table', "
                                    "'table TEMPLATE', 'json' or a Go template)")
    p.add_argument("--no-trunc", action="store_true", help="Don't truncate output")
    p.add_argument("-q", "--quiet", action="store_true", help="Only show image IDs")


def rows(args: argparse.Namespace) -> list[dict]:
    s = store()
    filters = parse_filters(args.filter + ([f"reference={args.reference}"]
                                           if args.reference else []))
    out = []
    for listed in list_images(s, filters, all=args.all):
        image = listed.image
        created = parse_time(image.created)
        size = human_size(s.image_size(image), precision=3)
        common = {"Containers": "N/A", "CreatedAt": created_at(created),
                  "CreatedSince": since(created), "ID": short_id(image.id, args.no_trunc),
                  "SharedSize": "N/A", "Size": size, "UniqueSize": "N/A", "VirtualSize": size}
        names = [(r.familiar_name, r.tag or "<none>") for r in listed.names] or \
            [("<none>", "<none>")]
        for repo, tag in names:
            digest = image.manifest_digest if repo != "<none>" else "<none>"
            out.append({**common, "Repository": repo, "Tag": tag, "Digest": digest})
    return out


def run(args: argparse.Namespace) -> int:
    found = rows(args)
    if args.quiet:
        fmt = "{{.ID}}"
    elif args.format and args.format != "table":
        fmt = args.format
    else:
        fmt = DIGESTS if args.digests else DEFAULT
    print_table(fmt, found, HEADERS)
    return 0
