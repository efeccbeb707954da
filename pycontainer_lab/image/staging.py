"""A scratch area for everything an image brings, checked before the store takes any of it.

``pcl load`` or ``pcl import`` first copies each blob into a staging directory (beside the store,
on the same filesystem, so that moving things in later is a ``rename``) while it hashes the
bytes and unpacks the layer. Only when every blob matches its digest and size, every layer's
tar matches its diff ID and no entry was hostile, does the store move the results in. If
anything fails, the staging directory is deleted and the store has not changed by one byte.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from .compression import CHUNK, CompressionError, Prefetch, decompressor, sniff
from .digests import DigestError, HashingReader
from .extract import ExtractStats, extract_layer
from .oci import layer_compression, media_type_for
from .pack import PackedLayer, pack_layer

__all__ = ["Prefixed", "StagedLayer", "Staging"]

STAGING_PREFIX = ".staging-"


@dataclass
class StagedLayer:
    """A layer ready to enter the store."""

    digest: str
    size: int
    media_type: str
    diff_id: str
    blob: Path | None = None
    """The blob file in staging (None: the store has it already)."""
    unpacked: Path | None = None
    """``…/layer-N`` holding ``diff/`` (the unpacked tree), or None (unpack later)."""
    content_size: int = 0

    def descriptor(self) -> dict:
        return {"mediaType": self.media_type, "digest": self.digest, "size": self.size}


class Prefixed:
    """A stream with some bytes put back in front (after sniffing the compression)."""

    def __init__(self, head: bytes, rest: BinaryIO):
        self.head, self.rest = head, rest

    def read(self, n: int = -1) -> bytes:
        if self.head:
            if n is None or n < 0:
                data, self.head = self.head + self.rest.read(), b""
                return data
            data, self.head = self.head[:n], self.head[n:]
            return data
        return self.rest.read(n)


class Staging:
    """A temporary directory beside the store; removed on leaving the ``with`` block."""

    def __init__(self, root: Path):
        root.mkdir(parents=True, exist_ok=True)
        self.dir = Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{os.getpid()}-", dir=root))
        self._n = 0

    def __enter__(self) -> Staging:
        return self

    def __exit__(self, *exc: object) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)

    def path(self, stem: str) -> Path:
        self._n += 1
        return self.dir / f"{stem}-{self._n}"

    def layer_from_stream(self, raw: BinaryIO, *, what: str, media_type: str | None = None,
                          digest: str | None = None, size: int | None = None,
                          diff_id: str | None = None, unpack: bool = True,
                          devices: bool = False) -> StagedLayer:
        """Copy a layer blob into staging, hashing it, and unpack it; verify what is given.

        ``media_type`` None: the compression is recognised from the first bytes.
        Raises :class:`DigestError`, ``UnsafeArchiveError`` or ``CompressionError``.
        """
        blob = self.path("blob")
        layer_dir = self.path("layer")
        with open(blob, "wb") as sink:
            compressed = HashingReader(raw, sink=sink)
            if media_type is None:
                head = compressed.read(6)
                kind = sniff(head)
                media_type = media_type_for(kind if kind in ("gzip", "zstd") else None)
                if kind not in (None, "gzip", "zstd"):
                    raise CompressionError(f"{what}: {kind}-compressed layers are not in the OCI "
                                      "spec (use gzip or zstd)")
                source: BinaryIO = Prefixed(head, compressed)  # type: ignore[assignment]
            else:
                kind = layer_compression(media_type)
                source = compressed  # type: ignore[assignment]
            tar = HashingReader(decompressor(source, kind, what))
            ahead = Prefetch(tar)  # hash, copy and decompress while the tar is unpacked
            try:
                stats = ExtractStats()
                if unpack:
                    (layer_dir / "diff").mkdir(parents=True)
                    stats = extract_layer(ahead, layer_dir / "diff", what=what, devices=devices)
                while ahead.read(CHUNK):
                    pass
            finally:
                ahead.close()
            compressed.drain()
            sink.flush()
            os.fsync(sink.fileno())
        if digest is not None:
            compressed.verify(digest, size, what)
        if diff_id is not None and tar.digest != diff_id:
            raise DigestError(f"{what}: its tar has digest {tar.digest}, but the image config "
                              f"says {diff_id} (corrupted or tampered with)")
        return StagedLayer(compressed.digest, compressed.size, media_type, tar.digest, blob,
                           layer_dir if unpack else None, stats.size)

    def layer_from_dir(self, root: str | os.PathLike, **options: object) -> StagedLayer:
        """Pack a directory (an overlay upper dir, or a rootfs) as a new layer blob."""
        blob = self.path("blob")
        with open(blob, "wb") as f:
            packed: PackedLayer = pack_layer(root, f, **options)  # type: ignore[arg-type]
            f.flush()
            os.fsync(f.fileno())
        return StagedLayer(packed.digest, packed.size, packed.media_type, packed.diff_id, blob,
                           None, packed.content_size)

    def unpack_blob(self, blob: Path, layer: StagedLayer, what: str) -> None:
        """Unpack a layer whose blob is already known to be good (one we packed)."""
        layer_dir = self.path("layer")
        (layer_dir / "diff").mkdir(parents=True)
        with open(blob, "rb") as f:
            stream = decompressor(f, layer_compression(layer.media_type), what)
            extract_layer(stream, layer_dir / "diff", what=what)
        layer.unpacked = layer_dir


def remove_stale(root: Path) -> None:
    """Delete staging directories left by processes that died (a crash mid-load)."""
    for d in root.glob(f"{STAGING_PREFIX}*"):
        pid = d.name[len(STAGING_PREFIX):].split("-", 1)[0]
        if pid.isdigit() and not Path(f"/proc/{pid}").exists():
            with contextlib.suppress(OSError):
                shutil.rmtree(d)
