"""Layer compression: gzip everywhere, zstd where the ``zstandard`` library is installed.

A layer blob is a tar archive, usually compressed; its *digest* is the hash of the compressed
bytes (what a registry stores), its *diff ID* the hash of the tar itself (what the image config
lists). Compression is recognised by the media type or by the first bytes (``1f 8b`` is gzip,
``28 b5 2f fd`` zstd). ``pcl import`` also takes bzip2 and xz tarballs, as Docker does.

gzip is written without a file name or time stamp, so the same tar always compresses to the
same bytes (with the same zlib): reproducible digests.
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import zlib
from typing import BinaryIO

from ..errors import PclError

__all__ = ["CompressionError", "compressor", "decompressor", "sniff", "zstd_available"]

_MAGIC = {b"\x1f\x8b": "gzip", b"\x28\xb5\x2f\xfd": "zstd", b"BZh": "bzip2",
          b"\xfd7zXZ\x00": "xz"}
CHUNK = 1 << 20


class CompressionError(PclError):
    """A stream that does not decompress (corrupt or truncated)."""


def sniff(head: bytes) -> str | None:
    """The compression of a stream from its first bytes, or None for plain data."""
    for magic, kind in _MAGIC.items():
        if head.startswith(magic):
            return kind
    return None


def zstd_available() -> bool:
    try:
        import zstandard  # noqa: F401
    except ImportError:
        return False
    return True


class _Decompressing:
    """A read-only file object over a compressed stream (multi-member gzip, bzip2, xz)."""

    def __init__(self, raw: BinaryIO, kind: str, what: str):
        self.raw, self.kind, self.what = raw, kind, what
        self.buf = bytearray()
        self.done = False
        self._new()

    def _new(self) -> None:
        self.d = {"gzip": lambda: zlib.decompressobj(31), "bzip2": bz2.BZ2Decompressor,
                  "xz": lzma.LZMADecompressor}[self.kind]()
        self.fresh = True

    def _fill(self, want: int) -> None:
        while len(self.buf) < want and not self.done:
            data = self.raw.read(CHUNK)
            if not data:
                if not self.fresh:
                    raise CompressionError(f"{self.what}: the {self.kind} stream ends too early "
                                           "(truncated file)")
                self.done = True
                break
            try:
                while data:
                    self.fresh = False
                    self.buf += self.d.decompress(data)
                    if not self.d.eof:
                        break
                    data = self.d.unused_data  # another gzip member may follow
                    self._new()
            except (zlib.error, OSError, lzma.LZMAError, EOFError) as e:
                raise CompressionError(f"{self.what}: not a valid {self.kind} stream ({e})"
                                       ) from None

    def read(self, n: int = -1) -> bytes:
        if n is None or n < 0:
            while not self.done:
                self._fill(len(self.buf) + CHUNK)
            n = len(self.buf)
        self._fill(n)
        out = bytes(self.buf[:n])
        del self.buf[:n]
        return out


class _Zstd:
    def __init__(self, raw: BinaryIO, what: str):
        import zstandard

        self.what = what
        self.error = zstandard.ZstdError
        self.reader = zstandard.ZstdDecompressor().stream_reader(raw, read_across_frames=True)

    def read(self, n: int = -1) -> bytes:
        try:
            return self.reader.read(n)
        except self.error as e:
            raise CompressionError(f"{self.what}: not a valid zstd stream ({e})") from None


def decompressor(raw: BinaryIO, kind: str | None, what: str = "layer") -> BinaryIO:
    """A file object reading ``raw`` decompressed (``kind`` None: plain, passed through)."""
    if kind is None:
        return raw
    if kind == "zstd":
        if not zstd_available():
            raise CompressionError(f"{what} is zstd-compressed: install the zstandard Python "
                                   "package (pip install zstandard) to read it")
        return _Zstd(raw, what)  # type: ignore[return-value]
    if kind not in ("gzip", "bzip2", "xz"):
        raise CompressionError(f"{what}: unknown compression {kind!r}")
    return _Decompressing(raw, kind, what)  # type: ignore[return-value]


class _Plain:
    def __init__(self, raw: BinaryIO):
        self.raw = raw

    def write(self, data: bytes) -> int:
        return self.raw.write(data)

    def close(self) -> None:
        pass


def compressor(raw: BinaryIO, kind: str | None, level: int | None = None) -> BinaryIO:
    """A file object compressing into ``raw``; ``close()`` it to finish (``raw`` stays open)."""
    if kind is None:
        return _Plain(raw)  # type: ignore[return-value]
    if kind == "gzip":
        return gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0,  # type: ignore
                             compresslevel=6 if level is None else level)
    if kind == "zstd":
        if not zstd_available():
            raise CompressionError("zstd needs the zstandard Python package: pip install "
                                   "zstandard (or use gzip)")
        import zstandard

        return zstandard.ZstdCompressor(level=3 if level is None else level).stream_writer(
            raw, closefd=False)
    raise CompressionError(f"cannot write {kind!r}: use gzip, zstd or none")


class Prefetch:
    """Read a stream ahead in a second thread, so decompressing overlaps with unpacking.

    ``tar -xzf`` runs gzip as a separate process for the same reason. zlib, hashlib and file
    writes release Python's GIL, so the producer thread really runs in parallel. An error in
    the producer is raised by the next :meth:`read`; :meth:`close` stops the thread.
    """

    def __init__(self, raw: BinaryIO, chunk: int = CHUNK, depth: int = 8):
        import queue
        import threading

        self.raw, self.chunk = raw, chunk
        self.queue: queue.Queue = queue.Queue(depth)
        self.full = queue.Full
        self.stop = threading.Event()
        self.buf = bytearray()
        self.eof = False
        self.thread = threading.Thread(target=self._produce, name="pcl-prefetch", daemon=True)
        self.thread.start()

    def _put(self, item: object) -> None:
        while not self.stop.is_set():
            try:
                self.queue.put(item, timeout=0.1)
                return
            except self.full:
                continue

    def _produce(self) -> None:
        try:
            while not self.stop.is_set():
                data = self.raw.read(self.chunk)
                self._put(data)
                if not data:
                    return
        except BaseException as e:  # handed to the reader
            self._put(e)

    def read(self, n: int = -1) -> bytes:
        while (n is None or n < 0 or len(self.buf) < n) and not self.eof:
            item = self.queue.get()
            if isinstance(item, BaseException):
                self.eof = True
                raise item
            if not item:
                self.eof = True
            self.buf += item
        n = len(self.buf) if n is None or n < 0 else n
        out = bytes(self.buf[:n])
        del self.buf[:n]
        return out

    def close(self) -> None:
        self.stop.set()
        self.thread.join()
