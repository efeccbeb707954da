"""A helper that works on a container's files *from inside its root*.

``cp`` and ``export`` must never follow a symlink out of a container (Docker's
CVE-2018-15664 was exactly that race). Instead of resolving paths carefully from the host,
this helper moves itself into the container's tree first -- it joins the mount namespace of a
running container, or mounts a stopped container's layers in a private mount namespace of its
own -- and ``chroot``s there. After that, ``/`` *is* the container's root: ``..`` and every
symlink resolve inside it, whatever the container put there. Data crosses as a tar stream on
stdin/stdout.

Run as ``python -I -S … inside REQUEST`` (a JSON object, see :func:`main`).
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import tarfile

from ..linux import mounts, namespaces
from ..linux.nsenter import enter_namespaces
from .cpplan import unpack

__all__ = ["main"]


def _enter(request: dict) -> None:
    if request.get("pid"):
        # only the mount namespace matters for files (and we keep our PID namespace)
        own = namespaces.namespace_ids()
        theirs = namespaces.namespace_ids(request["pid"])
        if own[namespaces.Namespace.MNT] != theirs[namespaces.Namespace.MNT]:
            enter_namespaces(request["pid"])
        return
    namespaces.unshare("mnt")
    mounts.make_private("/")
    layers = request.get("layers")
    target = request["root"]
    if layers:
        from ..linux.layerstack import get_driver

        get_driver(layers["driver"]).mount(layers["lowers"], layers["upper"], layers["work"],
                                           target)
    os.chroot(target)
    os.chdir("/")


def tar_out(path: str, follow: bool, skip: list[str]) -> None:
    """Write ``path`` to stdout as a tar stream named as ``cp`` expects (see ``cpplan``)."""
    contents = path.endswith("/.")
    real = (path[:-2] or "/") if contents else (path.rstrip("/") or "/")
    if not os.path.lexists(real):
        raise FileNotFoundError(2, f"Could not find the file {path} in container")
    if follow and os.path.islink(real):
        real = os.path.realpath(real)  # inside our chroot: it cannot lead out
    skip = set(skip)
    top = "." if contents or real == "/" else os.path.basename(real)

    def leave_out_mounts(ti: tarfile.TarInfo) -> tarfile.TarInfo | None:
        inside = "/" + ti.name.lstrip(".").lstrip("/")  # "./proc" is /proc
        return None if inside in skip else ti

    with tarfile.open(fileobj=sys.stdout.buffer, mode="w|", format=tarfile.PAX_FORMAT) as tar:
        tar.add(real, arcname=top, filter=leave_out_mounts if skip else None)


def tar_in(dest: str, keep_owner: bool) -> None:
    """Unpack the tar stream on stdin at ``dest`` (inside the container) by ``cp``'s rules;
    files belong to the container's root unless ``cp -a``."""
    unpack(sys.stdin.buffer, dest, owner=None if keep_owner else (0, 0), hostile=False)


def main(argv: list[str]) -> None:
    """``main([request])``: the request is JSON (op, path, and how to get inside)."""
    request = json.loads(argv[0])
    try:
        _enter(request)
        if request["op"] == "out":
            tar_out(request["path"], request.get("follow", False), request.get("skip", []))
        else:
            tar_in(request["path"], request.get("keep_owner", False))
    except BrokenPipeError:
        os._exit(0)  # the reader stopped at the end of the archive (`… | tar t`)
    except (OSError, tarfile.TarError, ValueError) as e:
        print(f"pcl: {e}", file=sys.stderr)
        sys.stderr.flush()
        os._exit(1)
    with contextlib.suppress(BrokenPipeError):
        sys.stdout.flush()
    os._exit(0)
