"""``pcl system df``: how much disk the images take, and how much could be reclaimed.

Containers, volumes and build cache join this table in later chapters; for now they are 0.
"""

from __future__ import annotations

import argparse

from ...image import usage
from ...image.docker import parse_time
from ..imageviews import print_table, short_id, since, store
from ..output import human_size

DEFAULT = "table {{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}"
VERBOSE = ("table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}\t"
           "{{.SharedSize}}\t{{.UniqueSize}}\t{{.Containers}}")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("-v", "--verbose", action="store_true", help="Show detailed information")
    p.add_argument("--format", help="Format output using a custom template")


def run(args: argparse.Namespace) -> int:
    s = store()
    images = s.images()
    sizes = {d: s.layer_size(d) or 0 for i in images for d in i.diff_ids}
    used_by = {d: sum(d in i.diff_ids for i in images) for d in sizes}
    active = [i for i in images if usage.users(i.id)]
    total = sum(sizes.values())
    in_use = sum(sizes[d] for d in {d for i in active for d in i.diff_ids})
    reclaim = total - in_use
    pct = f" ({100 * reclaim // total}%)" if total else ""
    if args.verbose:
        print("Images space usage:\n")
        rows = []
        for i in images:
            shared = sum(sizes[d] for d in set(i.diff_ids) if used_by[d] > 1)
            unique = sum(sizes[d] for d in set(i.diff_ids) if used_by[d] == 1)
            for repo, tag in ([(r.familiar_name, r.tag or "<none>") for r in i.names]
                              or [("<none>", "<none>")]):
                rows.append({"Repository": repo, "Tag": tag, "ID": short_id(i.id),
                             "CreatedSince": since(parse_time(i.created)),
                             "Size": human_size(s.image_size(i), precision=3),
                             "SharedSize": human_size(shared, precision=3),
                             "UniqueSize": human_size(unique, precision=3),
                             "Containers": str(len(usage.users(i.id)))})
        print_table(VERBOSE, rows, {"ID": "IMAGE ID", "SharedSize": "SHARED SIZE",
                                    "UniqueSize": "UNIQUE SIZE"})
        return 0
    rows = [{"Type": "Images", "TotalCount": str(len(images)), "Active": str(len(active)),
             "Size": human_size(total, precision=3),
             "Reclaimable": human_size(reclaim, precision=3) + pct}]
    for kind in ("Containers", "Local Volumes", "Build Cache"):
        rows.append({"Type": kind, "TotalCount": "0", "Active": "0", "Size": "0B",
                     "Reclaimable": "0B"})
    print_table(args.format or DEFAULT, rows, {"TotalCount": "TOTAL"})
    return 0
