"""``save`` and ``load``: images as one tar file, in both of the formats people use.

A file written by ``pcl save`` is at once

- an **OCI image layout** (``oci-layout``, ``index.json``, ``blobs/sha256/…``): skopeo
  (``oci-archive:``), umoci and oci-image-tool read it; each image is named in ``index.json`` by
  ``io.containerd.image.name`` (the full name) and ``org.opencontainers.image.ref.name`` (its tag);
- a **Docker archive** (``manifest.json`` listing each image's config, tags and layer files, and
  the legacy ``repositories``): ``docker load``, ``podman load`` and ``skopeo copy
  docker-archive:`` read it.

Both point at the same blobs, so nothing is stored twice -- this is also what Docker 25+ writes.
``pcl load`` reads either format (plain, gzip, zstd, bzip2 or xz compressed), or an OCI layout
directory, and trusts none of it: every path is checked, every blob is verified against its
digest and size, every layer against the diff ID in its config, before the store takes any of it.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import tarfile
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from ..errors import PclError
from . import oci
from .compression import decompressor, sniff
from .digests import DigestError, check_digest, digest_of, hex_of
from .extract import UnsafeArchiveError, clean_name
from .layout import LAYOUT_VERSION
from .reference import Reference, ReferenceError, parse
from .staging import Prefixed, StagedLayer, Staging
from .store import Image, Store

__all__ = ["ArchiveError", "load", "save"]

Notify = Callable[[str], None]


class ArchiveError(PclError):
    """Not an image archive, or a broken one."""


# ---------------------------------------------------------------------- reading an archive

class _TarSource:
    """The files of a tar archive, by name; symlinks inside the archive are followed safely."""

    def __init__(self, path: Path, what: str):
        try:
            self.tar = tarfile.open(path, "r:")  # noqa: SIM115 -- closed by close()
            self.members = {}
            for m in self.tar.getmembers():
                self.members["/".join(clean_name(m.name, what, "archive entry"))] = m
        except tarfile.TarError as e:
            raise ArchiveError(f"{what} is not a tar archive ({e})") from None
        self.what = what

    def close(self) -> None:
        self.tar.close()

    def exists(self, name: str) -> bool:
        return name in self.members

    def open(self, name: str) -> BinaryIO:
        m = self.members.get(name)
        for _ in range(8):
            if m is None or not m.issym():
                break
            base = os.path.dirname(m.name) if not m.linkname.startswith("/") else ""
            target = "/".join(clean_name(os.path.normpath(os.path.join(base, m.linkname)),
                                         self.what, "symlink target"))
            m = self.members.get(target)
        if m is None or not m.isreg():
            raise ArchiveError(f"{self.what} has no file {name} (incomplete or truncated "
                               "archive)")
        return self.tar.extractfile(m)  # type: ignore[return-value]


class _DirSource:
    """The files of an OCI layout directory."""

    def __init__(self, path: Path, what: str):
        self.root = path.resolve()
        self.what = what

    def close(self) -> None:
        pass

    def _path(self, name: str) -> Path:
        path = (self.root / "/".join(clean_name(name, self.what))).resolve()
        if not path.is_relative_to(self.root):
            raise UnsafeArchiveError(f"{self.what}: {name} leads outside the directory")
        return path

    def exists(self, name: str) -> bool:
        return self._path(name).is_file()

    def open(self, name: str) -> BinaryIO:
        try:
            return open(self._path(name), "rb")
        except FileNotFoundError:
            raise ArchiveError(f"{self.what} has no file {name}") from None


def _read(src: _TarSource | _DirSource, name: str, limit: int = 64 << 20) -> bytes:
    with contextlib.closing(src.open(name)) as f:
        data = f.read(limit + 1)
    if len(data) > limit:
        raise ArchiveError(f"{name} is larger than {limit} bytes: not a config or manifest")
    return data


def _blob_name(digest: str) -> str:
    return f"blobs/{check_digest(digest).split(':')[0]}/{hex_of(digest)}"


def _read_blob(src: _TarSource | _DirSource, desc: dict, what: str) -> bytes:
    """A small blob (manifest, config), verified against its descriptor."""
    data = _read(src, _blob_name(desc["digest"]))
    if "size" in desc and len(data) != desc["size"]:
        raise DigestError(f"{what} {desc['digest']}: {len(data)} bytes where the descriptor "
                          f"says {desc['size']} (truncated or padded)")
    if digest_of(data) != desc["digest"]:
        raise DigestError(f"{what} {desc['digest']}: the content has digest {digest_of(data)} "
                          "(corrupted or tampered with)")
    return data


@dataclass
class _Found:
    """One image found in an archive, not yet checked layer by layer."""

    config: bytes
    layers: list[tuple[str, dict]]  # (file in the archive, descriptor: digest/size/mediaType)
    names: list[Reference] = field(default_factory=list)
    manifest: bytes | None = None
    manifest_media_type: str = oci.MANIFEST

    @property
    def diff_ids(self) -> list[str]:
        return json.loads(self.config).get("rootfs", {}).get("diff_ids", [])


def _name_from(annotations: dict, tags: dict[str, list[str]], config_digest: str
               ) -> list[Reference]:
    full = annotations.get(oci.ANNOTATION_CONTAINERD_NAME)
    ref = annotations.get(oci.ANNOTATION_REF_NAME, "")
    candidates = [full] if full else [ref] if ("/" in ref or ":" in ref) else []
    candidates += tags.get(config_digest, [])
    names = []
    for text in candidates:
        with contextlib.suppress(ReferenceError):
            names.append(parse(text))
    return names


def _from_oci(src: _TarSource | _DirSource, tags: dict[str, list[str]],
              notify: Notify | None) -> list[_Found]:
    index = json.loads(_read(src, "index.json"))
    found: dict[str, _Found] = {}
    for desc in index.get("manifests", []):
        raw = _read_blob(src, desc, "manifest")
        manifest = json.loads(raw)
        media = manifest.get("mediaType") or desc.get("mediaType")
        if oci.is_index(media):  # a multi-platform image: take this host's
            chosen = oci.choose_platform(manifest)
            raw = _read_blob(src, chosen, "manifest")
            manifest = json.loads(raw)
            media = manifest.get("mediaType") or chosen.get("mediaType")
        if not oci.is_manifest(media) and "config" not in manifest:
            raise ArchiveError(f"index.json points at {desc['digest']}, which is not an image "
                               f"manifest ({media})")
        digest = digest_of(raw)
        if digest not in found:
            config = _read_blob(src, manifest["config"], "config")
            layers = [(_blob_name(d["digest"]), d) for d in manifest.get("layers", [])]
            found[digest] = _Found(config, layers, [], raw, media or oci.MANIFEST)
        annotations = desc.get("annotations") or {}
        names = _name_from(annotations, tags, manifest["config"]["digest"])
        bare = annotations.get(oci.ANNOTATION_REF_NAME)
        if not names and bare and notify:
            notify(f"the archive names image {hex_of(manifest['config']['digest'])[:12]} only "
                   f"by {bare!r} (a tag without a repository): name it with 'pcl tag "
                   f"{hex_of(manifest['config']['digest'])[:12]} NAME:{bare}'")
        for name in names:
            if name not in found[digest].names:
                found[digest].names.append(name)
    return list(found.values())


def _docker_tags(src: _TarSource | _DirSource) -> tuple[list[dict], dict[str, list[str]]]:
    if not src.exists("manifest.json"):
        return [], {}
    entries = json.loads(_read(src, "manifest.json"))
    tags: dict[str, list[str]] = {}
    for e in entries:
        config = _read(src, e["Config"])
        tags.setdefault(digest_of(config), []).extend(e.get("RepoTags") or [])
    return entries, tags


def _digest_in_name(name: str) -> str | None:
    """``blobs/sha256/<hex>`` or ``<hex>.json`` names its own digest: check it."""
    m = re.search(r"(?:^|/)(?:sha256/)?([0-9a-f]{64})(?:\.json)?$", name)
    return f"sha256:{m[1]}" if m and ("sha256/" in name or name.endswith(".json")) else None


def _from_docker(src: _TarSource | _DirSource, entries: list[dict]) -> list[_Found]:
    found = []
    for e in entries:
        config = _read(src, e["Config"])
        expected = _digest_in_name(e["Config"])
        if expected and digest_of(config) != expected:
            raise DigestError(f"config {e['Config']} has digest {digest_of(config)} "
                              "(corrupted or tampered with)")
        diff_ids = json.loads(config).get("rootfs", {}).get("diff_ids", [])
        if len(diff_ids) != len(e.get("Layers") or []):
            raise ArchiveError(f"{e['Config']} lists {len(diff_ids)} layers, manifest.json "
                               f"{len(e.get('Layers') or [])}")
        layers = [(name, {"digest": _digest_in_name(name)}) for name in e["Layers"]]
        names = []
        for tag in e.get("RepoTags") or []:
            with contextlib.suppress(ReferenceError):
                names.append(parse(tag))
        found.append(_Found(config, layers, names))
    return found


def _open_source(source: str | os.PathLike | BinaryIO, st: Staging
                 ) -> _TarSource | _DirSource:
    if isinstance(source, str | os.PathLike) and os.path.isdir(source):
        return _DirSource(Path(source), f"directory {source}")
    what = f"archive {source}" if isinstance(source, str | os.PathLike) else "the archive"
    raw = open(source, "rb") if isinstance(source, str | os.PathLike) else source  # noqa: SIM115
    try:
        head = raw.read(6)
        if not head:
            raise ArchiveError(f"{what} is empty: nothing to load")
        kind = sniff(head)
        seekable = isinstance(source, str | os.PathLike) and kind is None
        if seekable:
            return _TarSource(Path(source), what)
        plain = st.path("archive")
        with open(plain, "wb") as out:  # a stream or compressed: make a plain, seekable copy
            stream = decompressor(Prefixed(head, raw), kind, what)
            shutil.copyfileobj(stream, out, 1 << 20)
        return _TarSource(plain, what)
    finally:
        if raw is not source:
            raw.close()


def load(store: Store, source: str | os.PathLike | BinaryIO, *, notify: Notify | None = None
         ) -> list[Image]:
    """Load every image of an archive (file, stream or layout directory) into ``store``."""
    with store.staging() as st:
        src = _open_source(source, st)
        try:
            entries, tags = _docker_tags(src)
            if src.exists("index.json"):
                found = _from_oci(src, tags, notify)
            elif entries:
                found = _from_docker(src, entries)
            else:
                raise ArchiveError("neither an OCI archive (no index.json) nor a Docker archive "
                                   "(no manifest.json): is this an image archive?")
            if not found:
                raise ArchiveError("the archive holds no image")
            staged = [_stage(store, st, src, f) for f in found]
        except tarfile.TarError as e:
            raise ArchiveError(f"the archive is damaged ({e}): truncated or corrupt") from None
        finally:
            src.close()
        return [store.add(f.config, layers, f.names, manifest=f.manifest,
                          manifest_media_type=f.manifest_media_type)
                for f, layers in zip(found, staged, strict=True)]


def _stage(store: Store, st: Staging, src: _TarSource | _DirSource, f: _Found
           ) -> list[StagedLayer]:
    """Check and unpack each layer of one image into staging (or find it in the store)."""
    diff_ids = f.diff_ids
    if len(diff_ids) != len(f.layers):
        raise ArchiveError(f"the config lists {len(diff_ids)} layers, the manifest "
                           f"{len(f.layers)}")
    layers = []
    for (name, desc), diff_id in zip(f.layers, diff_ids, strict=True):
        digest = desc.get("digest")
        if digest and store.layout.has_blob(digest) and store.layer_dir(diff_id).is_dir():
            layers.append(StagedLayer(digest, desc.get("size") or
                                      store.layout.blob_path(digest).stat().st_size,
                                      desc.get("mediaType") or oci.LAYER_TAR, diff_id))
            continue
        with contextlib.closing(src.open(name)) as stream:
            layers.append(st.layer_from_stream(
                stream, what=f"layer {digest or name}", media_type=desc.get("mediaType"),
                digest=digest, size=desc.get("size"), diff_id=diff_id))
    return layers


# ---------------------------------------------------------------------- writing an archive

def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    _add_file(tar, name, io.BytesIO(data), len(data))


def _add_file(tar: tarfile.TarFile, name: str, f: BinaryIO, size: int) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = size, 0o644, 0
    tar.addfile(info, f)


def _add_dir(tar: tarfile.TarFile, name: str) -> None:
    info = tarfile.TarInfo(name)
    info.type, info.mode, info.mtime = tarfile.DIRTYPE, 0o755, 0
    tar.addfile(info)


def save(store: Store, refs: Iterable[str], out: BinaryIO, *, notify: Notify | None = None
         ) -> None:
    """Write the images ``refs`` name to ``out`` as one Docker + OCI archive."""
    chosen: list[tuple[Image, Reference | None]] = []
    for ref in refs:
        image = store.get(ref, notify=notify)
        found = store.find(ref)
        name = found[1] if found else None
        chosen.append((image, name if name and not name.digest else None))
    blobs: dict[str, None] = {}
    index, docker = [], {}
    for image, name in chosen:
        blobs.update(dict.fromkeys([image.manifest_digest, image.id,
                                    *(d["digest"] for d in image.layers)]))
        path = store.layout.blob_path(image.manifest_digest)
        desc = oci.descriptor(image.manifest.get("mediaType") or oci.MANIFEST,
                              image.manifest_digest, path.stat().st_size)
        if name is not None:
            desc["annotations"] = {oci.ANNOTATION_CONTAINERD_NAME: str(name),
                                   oci.ANNOTATION_REF_NAME: name.tag or "latest"}
        if desc not in index:
            index.append(desc)
        entry = docker.setdefault(image.id, {
            "Config": _blob_name(image.id), "RepoTags": [],
            "Layers": [_blob_name(d["digest"]) for d in image.layers]})
        if name is not None and name.familiar not in entry["RepoTags"]:
            entry["RepoTags"].append(name.familiar)
    repositories: dict[str, dict[str, str]] = {}
    for image, name in chosen:
        if name is not None and image.layers:
            top = hex_of(image.layers[-1]["digest"])
            repositories.setdefault(name.familiar_name, {})[name.tag or "latest"] = top
    with tarfile.open(fileobj=out, mode="w|", format=tarfile.PAX_FORMAT) as tar:
        _add_dir(tar, "blobs/")
        _add_dir(tar, "blobs/sha256/")
        for digest in sorted(blobs):
            path = store.layout.blob_path(digest)
            with open(path, "rb") as f:
                _add_file(tar, _blob_name(digest), f, os.fstat(f.fileno()).st_size)
        _add_bytes(tar, "index.json", oci.canonical_json(
            {"schemaVersion": 2, "mediaType": oci.INDEX, "manifests": index}))
        _add_bytes(tar, "manifest.json", json.dumps(
            [{**e, "RepoTags": e["RepoTags"] or None} for e in docker.values()]).encode())
        _add_bytes(tar, "oci-layout", json.dumps(LAYOUT_VERSION).encode())
        _add_bytes(tar, "repositories", json.dumps(repositories).encode())


def save_to_file(store: Store, refs: Iterable[str], path: str | os.PathLike, *,
                 notify: Notify | None = None) -> None:
    """:func:`save` into ``path`` atomically: a failure leaves no half-written file."""
    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent or ".")
    try:
        with os.fdopen(fd, "wb") as f:
            save(store, refs, f, notify=notify)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
