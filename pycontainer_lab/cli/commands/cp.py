"""``pcl cp``: copy files between a container and the host, both ways (tar-based, as Docker).

``pcl cp CONTAINER:SRC DEST`` and ``pcl cp SRC CONTAINER:DEST``; ``-`` as DEST or SRC is a
tar stream on stdout or stdin. ``SRC/.`` copies a directory's contents.
"""

from __future__ import annotations

import argparse

from ...engine import archive
from ...errors import UsageError


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("-a", "--archive", action="store_true",
                   help="Archive mode (copy all uid/gid information)")
    p.add_argument("-L", "--follow-link", action="store_true",
                   help="Always follow symbol link in SRC_PATH")
    p.add_argument("-q", "--quiet", action="store_true", help="Suppress progress output")
    p.add_argument("src", metavar="SRC")
    p.add_argument("dest", metavar="DEST")


def _split(arg: str) -> tuple[str | None, str]:
    """``"web:/etc"`` → ``("web", "/etc")``; a host path (even with a ``:`` after a ``/``)
    → ``(None, path)``."""
    if arg.startswith(("/", ".")) or ":" not in arg:
        return None, arg
    container, _, path = arg.partition(":")
    return container, path


def run(args: argparse.Namespace) -> int:
    src_ctr, src = _split(args.src)
    dest_ctr, dest = _split(args.dest)
    if src_ctr and dest_ctr:
        raise UsageError("copying between containers is not supported: copy to the host "
                         "first")
    if not src_ctr and not dest_ctr:
        raise UsageError("must specify at least one container source: "
                         "pcl cp CONTAINER:SRC DEST or pcl cp SRC CONTAINER:DEST")
    if src_ctr:
        if not src.startswith("/"):
            src = "/" + src
        archive.copy_from(src_ctr, src, dest, follow=args.follow_link, archive=args.archive)
    else:
        if not dest.startswith("/"):
            dest = "/" + dest
        archive.copy_to(dest_ctr, src, dest, follow=args.follow_link, archive=args.archive)
    return 0
