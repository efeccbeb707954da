"""The OCI image spec in a few dicts: descriptor, config, manifest, index (syllabus S6.2).

- A **descriptor** points at a blob: ``{"mediaType", "digest", "size"}`` (+ ``annotations``,
  ``platform``).
- The **config** says how to run the image (``config.Env``, ``Cmd``, ``Entrypoint``,
  ``WorkingDir``, ``User``, ``ExposedPorts``, ``Volumes``, ``Labels``), for which platform
  (``architecture``, ``os``), its ``history``, and ``rootfs.diff_ids``: the hashes of the
  *uncompressed* layers, bottom first. Its digest is the image ID.
- The **manifest** lists the config and the layer blobs (compressed) for one platform.
- An **index** lists manifests, one per platform (or per name, in an image layout's
  ``index.json``, where ``org.opencontainers.image.ref.name`` names each).

Docker's own media types (schema 2) mean the same and are accepted everywhere.
"""

from __future__ import annotations

import json
import platform as _platform
from datetime import UTC, datetime

from ..errors import PclError
from ..linux.machine import go_arch

__all__ = [
    "ANNOTATION_CONTAINERD_NAME", "ANNOTATION_PARENT", "ANNOTATION_REF_NAME", "CONFIG",
    "DOCKER_CONFIG", "DOCKER_LAYER_GZIP", "DOCKER_MANIFEST", "DOCKER_MANIFEST_LIST", "INDEX",
    "LAYER_GZIP", "LAYER_TAR", "LAYER_ZSTD", "MANIFEST", "canonical_json", "choose_platform",
    "descriptor", "host_platform", "is_index", "is_manifest", "layer_compression",
    "media_type_for", "now_rfc3339",
]

INDEX = "application/vnd.oci.image.index.v1+json"
MANIFEST = "application/vnd.oci.image.manifest.v1+json"
CONFIG = "application/vnd.oci.image.config.v1+json"
LAYER_TAR = "application/vnd.oci.image.layer.v1.tar"
LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip"
LAYER_ZSTD = "application/vnd.oci.image.layer.v1.tar+zstd"
DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
DOCKER_LAYER_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip"
DOCKER_LAYER_TAR = "application/vnd.docker.image.rootfs.diff.tar"

ANNOTATION_REF_NAME = "org.opencontainers.image.ref.name"
ANNOTATION_CONTAINERD_NAME = "io.containerd.image.name"
ANNOTATION_PARENT = "org.pycontainer-lab.image.parent"
"""On an index entry: the image this one was committed from (``images -a`` hides such parents)."""

_LAYER_COMPRESSION = {
    LAYER_TAR: None, LAYER_GZIP: "gzip", LAYER_ZSTD: "zstd",
    DOCKER_LAYER_TAR: None, DOCKER_LAYER_GZIP: "gzip",
    "application/vnd.oci.image.layer.nondistributable.v1.tar": None,
    "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip": "gzip",
}


def layer_compression(media_type: str) -> str | None:
    """``gzip``, ``zstd`` or None (plain tar) for a layer media type; raise if not a layer."""
    if media_type not in _LAYER_COMPRESSION:
        raise PclError(f"unsupported layer media type {media_type!r} (foreign or encrypted "
                       "layers cannot be used here)")
    return _LAYER_COMPRESSION[media_type]


def media_type_for(compression: str | None) -> str:
    return {None: LAYER_TAR, "gzip": LAYER_GZIP, "zstd": LAYER_ZSTD}[compression]


def is_index(media_type: str | None) -> bool:
    return media_type in (INDEX, DOCKER_MANIFEST_LIST)


def is_manifest(media_type: str | None) -> bool:
    return media_type in (MANIFEST, DOCKER_MANIFEST)


def descriptor(media_type: str, digest: str, size: int, **extra: object) -> dict:
    return {"mediaType": media_type, "digest": digest, "size": size,
            **{k: v for k, v in extra.items() if v}}


def canonical_json(obj: object) -> bytes:
    """The bytes a config or manifest is stored as (compact, stable key order)."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()


def now_rfc3339() -> str:
    """Now, as image configs write times: ``2024-05-01T12:00:00.123456789Z``."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def host_platform() -> dict:
    """This machine as an OCI platform: ``{"os": "linux", "architecture": "amd64"}`` (+variant)."""
    arch = go_arch()
    result = {"os": "linux", "architecture": arch}
    if arch == "arm64":
        result["variant"] = "v8"
    elif arch == "arm":
        result["variant"] = "v" + (_platform.machine()[4:5] or "7")
    return result


def _platform_text(p: dict) -> str:
    return "/".join(x for x in (p.get("os"), p.get("architecture"), p.get("variant")) if x)


def choose_platform(index: dict, want: dict | None = None) -> dict:
    """The descriptor of the manifest for ``want`` (default: this host) in a multi-platform index.

    A missing variant matches any (``linux/arm64`` takes ``linux/arm64/v8``). Raises if the
    index holds no image for the platform, naming those it does hold.
    """
    want = want or host_platform()
    candidates = [m for m in index.get("manifests", []) if is_manifest(m.get("mediaType"))]
    for strict in (True, False):
        for m in candidates:
            p = m.get("platform") or {}
            if p.get("os") != want["os"] or p.get("architecture") != want["architecture"]:
                continue
            if strict and p.get("variant") and p.get("variant") != want.get("variant"):
                continue
            return m
    found = ", ".join(_platform_text(m.get("platform") or {}) or "(no platform)"
                      for m in candidates)
    raise PclError(f"no image for {_platform_text(want)} in the index (it has: "
                   f"{found or 'nothing'})")
