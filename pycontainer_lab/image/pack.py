"""Make a layer: a directory of changes → a (compressed) tar blob, whiteouts translated back.

This is how ``commit`` turns a container's upper directory into a new image layer: overlay's
whiteouts (0:0 character devices) become ``.wh.name`` entries again, opaque directories get a
``.wh..wh..opq`` entry, hard links stay hard links, and ``security.capability`` and ``user.*``
xattrs travel as PAX headers. Entries are written in sorted order with numeric owners only and
times cut to whole seconds (as Docker does), so the same tree always gives the same tar.

:class:`LayerWriter` hashes while it writes: the tar's digest is the layer's *diff ID*, the
compressed bytes' digest is the blob's.
"""

from __future__ import annotations

import os
import stat
import tarfile
from collections.abc import Sequence
from dataclasses import dataclass
from typing import BinaryIO

from ..linux.changes import Change
from ..linux.overlay import is_opaque, is_whiteout
from .compression import compressor
from .digests import HashingWriter
from .extract import OPAQUE, WHITEOUT
from .oci import media_type_for

__all__ = ["LayerWriter", "PackedLayer", "pack_layer"]


@dataclass
class PackedLayer:
    """What was written: enough for a manifest entry and a config ``diff_ids`` entry."""

    digest: str
    size: int
    media_type: str
    diff_id: str
    content_size: int


class LayerWriter:
    """A tar stream → compressor → file, hashing both sides."""

    def __init__(self, out: BinaryIO, compression: str | None = "gzip", level: int | None = None):
        self.blob = HashingWriter(out)
        self.compression = compression
        self.zipped = compressor(self.blob, compression, level)  # type: ignore[arg-type]
        self.tar_side = HashingWriter(self.zipped)  # type: ignore[arg-type]
        self.tar = tarfile.open(  # noqa: SIM115 -- closed by close()
            fileobj=self.tar_side, mode="w|", format=tarfile.PAX_FORMAT,  # type: ignore
            copybufsize=1 << 20)
        self.content_size = 0

    def add(self, info: tarfile.TarInfo, data: BinaryIO | None = None) -> None:
        info.uname = info.gname = ""
        self.tar.addfile(info, data)
        if info.isreg():
            self.content_size += info.size

    def close(self) -> PackedLayer:
        self.tar.close()
        self.zipped.close()
        return PackedLayer(self.blob.digest, self.blob.size, media_type_for(self.compression),
                           self.tar_side.digest, self.content_size)


def _xattrs(path: str) -> dict[str, str]:
    try:
        names = os.listxattr(path, follow_symlinks=False)
    except OSError:
        return {}
    out = {}
    for name in names:
        if name.startswith(("user.", "security.capability")):
            value = os.getxattr(path, name, follow_symlinks=False)
            out[f"SCHILY.xattr.{name}"] = value.decode("utf-8", "surrogateescape")
    return out


class _Packer:
    def __init__(self, root: str, writer: LayerWriter):
        self.root = root
        self.w = writer
        self.inodes: dict[tuple[int, int], str] = {}

    def entry(self, rel: str, st: os.stat_result | None = None) -> None:
        """Add the file ``rel`` (relative to the root) as it is on disk."""
        path = os.path.join(self.root, rel)
        st = st or os.lstat(path)
        info = tarfile.TarInfo(rel + ("/" if stat.S_ISDIR(st.st_mode) else ""))
        info.mode = stat.S_IMODE(st.st_mode)
        info.uid, info.gid = st.st_uid, st.st_gid
        info.mtime = int(st.st_mtime)
        info.pax_headers = _xattrs(path)
        data = None
        if stat.S_ISDIR(st.st_mode):
            info.type = tarfile.DIRTYPE
        elif stat.S_ISLNK(st.st_mode):
            info.type, info.linkname = tarfile.SYMTYPE, os.readlink(path)
        elif stat.S_ISREG(st.st_mode):
            key = (st.st_dev, st.st_ino)
            if st.st_nlink > 1 and key in self.inodes:
                info.type, info.linkname = tarfile.LNKTYPE, self.inodes[key]
            else:
                self.inodes[key] = rel
                info.type, info.size = tarfile.REGTYPE, st.st_size
                data = open(path, "rb")  # noqa: SIM115 -- closed below
        elif stat.S_ISFIFO(st.st_mode):
            info.type = tarfile.FIFOTYPE
        elif stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode):
            info.type = tarfile.CHRTYPE if stat.S_ISCHR(st.st_mode) else tarfile.BLKTYPE
            info.devmajor, info.devminor = os.major(st.st_rdev), os.minor(st.st_rdev)
        else:
            return  # sockets do not go into layers
        try:
            self.w.add(info, data)
        finally:
            if data:
                data.close()

    def marker(self, rel: str, st: os.stat_result | None = None) -> None:
        """An empty ``.wh.`` file: a whiteout or the opaque-directory marker."""
        info = tarfile.TarInfo(rel)
        info.mtime = int(st.st_mtime) if st else 0
        info.mode = 0o644
        self.w.add(info)

    def upper(self, rel: str = "") -> None:
        """Walk an overlay upper dir, translating whiteouts and opaque dirs to OCI's."""
        with os.scandir(os.path.join(self.root, rel)) as it:
            entries = sorted(it, key=lambda e: e.name)
        for e in entries:
            child = f"{rel}/{e.name}" if rel else e.name
            st = e.stat(follow_symlinks=False)
            if is_whiteout(st):
                self.marker(f"{rel}/{WHITEOUT}{e.name}" if rel else WHITEOUT + e.name, st)
                continue
            self.entry(child, st)
            if stat.S_ISDIR(st.st_mode):
                if is_opaque(e.path):
                    self.marker(f"{child}/{OPAQUE}", st)
                self.upper(child)


def pack_layer(root: str | os.PathLike, out: BinaryIO, *, changes: Sequence[Change] | None = None,
               compression: str | None = "gzip", level: int | None = None) -> PackedLayer:
    """Write the layer for ``root`` to ``out``.

    Without ``changes``, ``root`` is an overlay upper directory (or any directory: a whole
    rootfs). With ``changes`` (from a vfs container, see :mod:`..linux.changes`), only those
    paths are taken from ``root`` and each ``D`` becomes a whiteout.
    """
    writer = LayerWriter(out, compression, level)
    packer = _Packer(os.fspath(root), writer)
    if changes is None:
        packer.upper()
    else:
        for c in sorted(changes):
            rel = c.path.lstrip("/")
            if c.kind == "D":
                head, tail = os.path.split(rel)
                packer.marker(os.path.join(head, WHITEOUT + tail))
            else:
                packer.entry(rel)
    return writer.close()
