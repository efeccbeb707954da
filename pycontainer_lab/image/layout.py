"""An OCI image layout on disk: the format skopeo, umoci and oci-image-tool read and write.

::

    images/
      oci-layout        {"imageLayoutVersion": "1.0.0"}
      index.json        the images: one manifest descriptor each, named by an annotation
      blobs/sha256/…    configs, manifests and layers, each file named by its digest

Blobs never change (their name is their hash), so adding one is: write a temporary file,
``fsync`` it, ``rename`` it into place -- a reader sees the whole blob or none. ``index.json`` is
replaced the same way, and only under an exclusive ``flock(2)`` on a lock file beside the
layout, so that two ``pcl`` processes never both read-modify-write it. A crash at any point
leaves either the old index or the new one; blobs written before the crash but not (yet) named
by the index are garbage, which the next ``rmi``/``prune`` sweeps away.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

from ..atomicfile import atomic_write, fsync_dir, locked
from ..errors import PclError
from .digests import DigestError, check_digest, digest_of, hex_of
from .oci import INDEX

__all__ = ["Layout", "atomic_write", "fsync_dir", "locked"]

LAYOUT_VERSION = {"imageLayoutVersion": "1.0.0"}


class Layout:
    """One OCI image layout directory."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)

    @property
    def index_path(self) -> Path:
        return self.path / "index.json"

    def exists(self) -> bool:
        return self.index_path.is_file()

    def init(self) -> None:
        """Create an empty layout (idempotent)."""
        (self.path / "blobs" / "sha256").mkdir(parents=True, exist_ok=True)
        if not (self.path / "oci-layout").exists():
            atomic_write(self.path / "oci-layout", json.dumps(LAYOUT_VERSION).encode())
        if not self.exists():
            self.write_index([])

    # --- the index
    def read_index(self) -> dict:
        """``index.json`` (an empty index if the layout does not exist yet)."""
        try:
            data = self.index_path.read_bytes()
        except FileNotFoundError:
            return {"schemaVersion": 2, "mediaType": INDEX, "manifests": []}
        try:
            index = json.loads(data)
        except ValueError as e:
            raise PclError(f"{self.index_path} is not valid JSON ({e}): the store is damaged; "
                           "was it written by another tool while pcl was writing?") from None
        index.setdefault("manifests", [])
        return index

    def write_index(self, manifests: list[dict]) -> None:
        """Replace ``index.json`` atomically (hold the store's lock while doing so)."""
        index = {"schemaVersion": 2, "mediaType": INDEX, "manifests": manifests}
        atomic_write(self.index_path, json.dumps(index, indent=2).encode() + b"\n")

    # --- blobs
    def blob_path(self, digest: str) -> Path:
        algorithm = check_digest(digest).split(":", 1)[0]
        return self.path / "blobs" / algorithm / hex_of(digest)

    def has_blob(self, digest: str) -> bool:
        return self.blob_path(digest).exists()

    def read_blob(self, digest: str) -> bytes:
        """A (small) blob's bytes, verified against its digest."""
        try:
            data = self.blob_path(digest).read_bytes()
        except FileNotFoundError:
            raise PclError(f"blob {digest} is missing from {self.path}") from None
        if digest_of(data, digest.split(":", 1)[0]) != digest:
            raise DigestError(f"blob {digest} in {self.path} is corrupt (its bytes hash "
                              "differently)")
        return data

    def read_json(self, digest: str) -> dict:
        return json.loads(self.read_blob(digest))

    def put_bytes(self, data: bytes) -> str:
        """Store ``data`` as a blob; return its digest."""
        digest = digest_of(data)
        if not self.has_blob(digest):
            self.blob_path(digest).parent.mkdir(parents=True, exist_ok=True)
            atomic_write(self.blob_path(digest), data)
        return digest

    def adopt(self, tmp: str | os.PathLike, digest: str) -> None:
        """Move a verified, fsynced file into place as blob ``digest`` (a no-op if present)."""
        target = self.blob_path(digest)
        if target.exists():
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp, target)
        fsync_dir(target.parent)

    def blobs(self) -> set[str]:
        """The digests of every blob present."""
        found = set()
        for alg_dir in (self.path / "blobs").glob("*"):
            found.update(f"{alg_dir.name}:{p.name}" for p in alg_dir.iterdir()
                         if not p.name.startswith("."))
        return found

    def remove_blob(self, digest: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.blob_path(digest).unlink()
