"""Building image archives by hand for the image tests: layers, Docker and OCI archives."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import subprocess
import tarfile
from pathlib import Path

from helpers import PCL


def sha(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def entry(name: str, data: bytes | None = b"", kind: bytes = tarfile.REGTYPE, link: str = "",
          mode: int = 0o644, **attrs: object) -> tuple[tarfile.TarInfo, bytes | None]:
    info = tarfile.TarInfo(name)
    info.type, info.linkname, info.mode, info.mtime = kind, link, mode, 1700000000
    if kind == tarfile.DIRTYPE:
        info.mode = 0o755
    for k, v in attrs.items():
        setattr(info, k, v)
    if kind == tarfile.REGTYPE:
        info.size = len(data or b"")
    return info, data


def layer_tar(*entries: tuple[tarfile.TarInfo, bytes | None]) -> bytes:
    """An uncompressed layer tar with these entries, in order."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for info, data in entries:
            tar.addfile(info, io.BytesIO(data) if info.isreg() else None)
    return buf.getvalue()


def gz(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)


def config_for(*layers: bytes, **extra: object) -> bytes:
    return json.dumps({"architecture": "amd64", "os": "linux", "created": "2024-02-01T00:00:00Z",
                       "config": {"Cmd": ["sh"]},
                       "rootfs": {"type": "layers", "diff_ids": [sha(x) for x in layers]},
                       **extra}).encode()


def docker_archive(layers: list[bytes], tags: list[str], *, config: bytes | None = None,
                   blobs: list[bytes] | None = None, gzip_outer: bool = False) -> bytes:
    """A Docker archive: ``<n>/layer.tar`` files, the config, ``manifest.json``.

    ``layers`` are the uncompressed tars the config's diff IDs are computed from; ``blobs``
    (default: the same) are what is actually put into the archive.
    """
    config = config or config_for(*layers)
    files = {f"{sha(config)[7:]}.json": config}
    names = []
    for i, blob in enumerate(blobs if blobs is not None else layers):
        files[f"layer{i}/layer.tar"] = blob
        names.append(f"layer{i}/layer.tar")
    files["manifest.json"] = json.dumps([{"Config": f"{sha(config)[7:]}.json",
                                          "RepoTags": tags, "Layers": names}]).encode()
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return gz(buf.getvalue()) if gzip_outer else buf.getvalue()


def tree_hash(root: Path) -> dict[str, str]:
    """Every path under ``root`` with its type, mode, size and content hash: a fingerprint."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(dirnames + filenames):
            path = os.path.join(dirpath, name)
            st = os.lstat(path)
            rel = os.path.relpath(path, root)
            digest = ""
            if os.path.isfile(path) and not os.path.islink(path):
                with open(path, "rb") as f:
                    digest = hashlib.sha256(f.read()).hexdigest()
            out[rel] = f"{st.st_mode:o} {st.st_size} {digest}"
    return out


def pcl(*args: str, input: bytes | None = None, env: dict | None = None,
        timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([*PCL, *args], capture_output=True, input=input, timeout=timeout,
                          env={**os.environ, **(env or {})})
