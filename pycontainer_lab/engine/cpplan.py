"""``docker cp``'s rules: where a copied file or directory lands, and under which name.

The source is packed as a tar stream whose top entry is named like the source (``hosts``,
``opt``) -- or ``.`` when the source ends in ``/.`` ("the contents of"). The side that
unpacks knows the destination and decides, as Docker does:

=========================  ===================  =====================================
destination                source is a file     source is a directory
=========================  ===================  =====================================
an existing directory      copied into it       copied into it (``dest/opt``)
an existing file           replaced             error: a directory onto a file
missing, parent exists     created with that    created with that name
                           name
missing, ends in ``/``     error                created
=========================  ===================  =====================================

``src/.`` copies the contents of ``src`` into the destination directory (made if missing).
"""

from __future__ import annotations

import os
import tarfile

from ..errors import PclError

__all__ = ["Plan", "plan", "unpack"]


class Plan:
    """Unpack into ``into``, renaming the top entry ``old`` to ``new``."""

    def __init__(self, into: str, old: str, new: str):
        self.into, self.old, self.new = into, old, new

    def rename(self, name: str) -> str:
        name = name.rstrip("/")
        if self.old == self.new:
            return name
        if name == self.old:
            return self.new
        if name.startswith(self.old + "/"):
            return self.new + name[len(self.old):]
        return name


def plan(dest: str, top: str, top_is_dir: bool) -> Plan:
    """Where to unpack a stream whose top entry is ``top`` (see the table above)."""
    if top == ".":
        if os.path.exists(dest) and not os.path.isdir(dest):
            raise PclError(f"cannot copy a directory's contents to a file: {dest}")
        os.makedirs(dest, exist_ok=True)
        return Plan(dest, ".", ".")
    if os.path.isdir(dest):
        return Plan(dest, top, top)
    if os.path.lexists(dest):
        if top_is_dir:
            raise PclError(f"cannot copy a directory to a file: {dest}")
        return Plan(os.path.dirname(os.path.abspath(dest)), top, os.path.basename(dest))
    if dest.endswith("/") and not top_is_dir:
        raise PclError(f'destination directory "{dest}" does not exist: create it first, or '
                       "drop the trailing /")
    parent = os.path.dirname(os.path.abspath(dest.rstrip("/")))
    if not os.path.isdir(parent):
        raise PclError(f'destination directory "{parent}" does not exist')
    return Plan(parent, top, os.path.basename(dest.rstrip("/")))


def _keep(member: tarfile.TarInfo, path: str) -> tarfile.TarInfo:
    """Trust modes and links (we are inside the container's root), not escapes from the
    destination directory."""
    if member.name.startswith("/") or ".." in member.name.split("/"):
        raise tarfile.OutsideDestinationError(member, path)
    if member.islnk() and (member.linkname.startswith("/")
                           or ".." in member.linkname.split("/")):
        raise tarfile.LinkOutsideDestinationError(member, path)
    return member


def _host(member: tarfile.TarInfo, path: str) -> tarfile.TarInfo:
    """What a container sends us: nothing outside the destination, nothing written through
    a link, no device files (a copied /dev/sda would open the host's disk)."""
    if member.ischr() or member.isblk():
        raise tarfile.SpecialFileError(member)
    return tarfile.tar_filter(member, path)


def unpack(stream, dest: str, *, owner: tuple[int, int] | None, hostile: bool) -> None:
    """Unpack a ``cp`` tar stream at ``dest``.

    ``owner`` gives every file that uid/gid (``None``: keep the archive's, ``cp -a``).
    ``hostile`` (unpacking on the host what a container sent): no absolute paths, no escapes,
    nothing written through a symlink, no device files.
    """
    the_plan = None
    with tarfile.open(fileobj=stream, mode="r|") as tar:
        for member in tar:
            if the_plan is None:
                the_plan = plan(dest, member.name.rstrip("/") or ".", member.isdir())
            member.name = the_plan.rename(member.name)
            if member.islnk():
                member.linkname = the_plan.rename(member.linkname)
            if owner is not None:
                member.uid, member.gid = owner
                member.uname = member.gname = ""
            if member.name == ".":
                continue
            tar.extract(member, the_plan.into,
                        filter=_host if hostile else _keep)
