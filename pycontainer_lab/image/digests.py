"""Content addressing: every blob of an image is named by the hash of its bytes.

``sha256:3f57d9…`` names exactly one sequence of bytes. A manifest lists its config and layers
by digest *and size*, so a reader can refuse a blob that is too long, too short or altered
before trusting any of it. :class:`HashingReader` and :class:`HashingWriter` hash the bytes as
they stream past, so nothing has to be read twice.
"""

from __future__ import annotations

import hashlib
import re
from typing import BinaryIO

from ..errors import PclError

__all__ = ["DigestError", "HashingReader", "HashingWriter", "check_digest", "digest_of",
           "hex_of"]

_DIGEST = re.compile(r"(sha256:[0-9a-f]{64}|sha512:[0-9a-f]{128})")


class DigestError(PclError):
    """A blob whose bytes do not match the digest or size it was announced with."""


def check_digest(digest: object) -> str:
    """``digest`` if it is a well-formed ``sha256:…`` (or ``sha512:…``) digest, else raise."""
    if not isinstance(digest, str) or not _DIGEST.fullmatch(digest):
        raise DigestError(f"invalid digest {digest!r}: want sha256:<64 lower-case hex digits>")
    return digest


def hex_of(digest: str) -> str:
    """``sha256:abc…`` → ``abc…`` (the file name under ``blobs/sha256/``)."""
    return check_digest(digest).split(":", 1)[1]


def digest_of(data: bytes, algorithm: str = "sha256") -> str:
    return f"{algorithm}:{hashlib.new(algorithm, data).hexdigest()}"


class HashingReader:
    """A read-only file object that hashes and counts what is read through it."""

    def __init__(self, raw: BinaryIO, algorithm: str = "sha256", sink: BinaryIO | None = None):
        self.raw = raw
        self.hash = hashlib.new(algorithm)
        self.algorithm = algorithm
        self.size = 0
        self.sink = sink  # also copy everything read to this file (a blob being stored)

    def read(self, n: int = -1) -> bytes:
        data = self.raw.read(n)
        self.hash.update(data)
        self.size += len(data)
        if self.sink is not None:
            self.sink.write(data)
        return data

    def drain(self) -> None:
        """Read to the end (a tar reader stops at its end marker; the digest covers all)."""
        while self.read(1 << 20):
            pass

    @property
    def digest(self) -> str:
        return f"{self.algorithm}:{self.hash.hexdigest()}"

    def verify(self, digest: str, size: int | None, what: str) -> None:
        """Raise :class:`DigestError` unless the bytes read match ``digest`` (and ``size``)."""
        if size is not None and self.size != size:
            raise DigestError(f"{what}: {self.size} bytes where the manifest says {size} "
                              "(truncated or padded archive)")
        if self.digest != digest:
            raise DigestError(f"{what}: the content has digest {self.digest}, not {digest} "
                              "(corrupted or tampered with)")


class HashingWriter:
    """A write-only file object that hashes and counts what is written through it."""

    def __init__(self, raw: BinaryIO, algorithm: str = "sha256"):
        self.raw = raw
        self.hash = hashlib.new(algorithm)
        self.algorithm = algorithm
        self.size = 0

    def write(self, data: bytes) -> int:
        self.hash.update(data)
        self.size += len(data)
        return self.raw.write(data)

    def flush(self) -> None:
        self.raw.flush()

    @property
    def digest(self) -> str:
        return f"{self.algorithm}:{self.hash.hexdigest()}"
