"""The image store: an OCI image layout plus a cache of unpacked layers.

::

    $PCL_ROOT/
      images/                 OCI image layout: oci-layout, index.json, blobs/sha256/…
      images.lock             flock(2): writers exclusive, readers shared
      layers/<diff-id>/diff/  each layer unpacked (overlay format): the lower dirs of containers
      layers/<diff-id>/layer.json

``index.json`` holds one entry per *name*: a manifest descriptor annotated with
``org.opencontainers.image.ref.name: docker.io/library/busybox:latest``. An image without any
name (``<none>``, a *dangling* image) keeps one entry without the annotation. Because the store
is a standard layout, ``skopeo inspect oci:$PCL_ROOT/images:docker.io/library/busybox:latest``
reads it directly, and images that skopeo or umoci put there appear in ``pcl images``.

An image's ID is the digest of its config (as in Docker); ``RepoDigests`` name its manifest.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

from .. import paths
from ..display import HasWidget
from ..errors import NotFoundError, PclError, UsageError
from ..linux.layerstack import default_driver
from . import oci, usage
from .digests import hex_of
from .layout import Layout, atomic_write, locked
from .reference import Reference, ReferenceError, is_full_id, parse
from .staging import StagedLayer, Staging, remove_stale

__all__ = ["ConflictError", "Image", "RunConfig", "Store"]

Notify = Callable[[str], None]


class ConflictError(PclError):
    """An ``rmi`` that would break something (Docker's ``conflict: unable to …``)."""


@dataclass(frozen=True)
class RunConfig:
    """What a container runtime needs from an image config (``docker inspect``'s ``Config``)."""

    env: list[str] = field(default_factory=list)
    cmd: list[str] | None = None
    entrypoint: list[str] | None = None
    working_dir: str = ""
    user: str = ""
    exposed_ports: list[str] = field(default_factory=list)
    """``["80/tcp", "53/udp"]``."""
    volumes: list[str] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)
    stop_signal: str = ""


@dataclass
class Image(HasWidget):
    """One image of the store: its manifest, its config and its names.

    In a notebook it shows as a table of its layers; ``image.widget()`` draws the stack."""

    manifest_digest: str
    manifest: dict
    config: dict
    config_digest: str
    names: list[Reference] = field(default_factory=list)
    parent: str = ""

    @property
    def id(self) -> str:
        """``sha256:…`` of the config: the image ID, as Docker has it."""
        return self.config_digest

    @property
    def short_id(self) -> str:
        return hex_of(self.id)[:12]

    @property
    def repo_tags(self) -> list[str]:
        return [r.familiar for r in self.names]

    @property
    def repo_digests(self) -> list[str]:
        return sorted({f"{r.familiar_name}@{self.manifest_digest}" for r in self.names})

    @property
    def created(self) -> str:
        return self.config.get("created", "")

    @property
    def diff_ids(self) -> list[str]:
        return list(self.config.get("rootfs", {}).get("diff_ids", []))

    @property
    def layers(self) -> list[dict]:
        return list(self.manifest.get("layers", []))

    @property
    def labels(self) -> dict[str, str]:
        return dict((self.config.get("config") or {}).get("Labels") or {})

    def _repr_html_(self) -> str:
        import html

        made = [h.get("created_by", "") for h in self.config.get("history", [])
                if not h.get("empty_layer")]
        rows = "".join(
            f"<tr><td>{i + 1}</td><td><code>{hex_of(d)[:12]}</code></td>"
            f"<td style='text-align:left'>{html.escape(made[i] if i < len(made) else '')}</td>"
            "</tr>" for i, d in enumerate(self.diff_ids))
        names = ", ".join(self.repo_tags) or "&lt;none&gt;"
        return (f"<b>image {html.escape(names)}</b> id <code>{self.short_id}</code>, "
                f"{len(self.diff_ids)} layers, bottom first"
                f"<table><tr><th>#</th><th>diff id</th><th>made by</th></tr>{rows}</table>")

    @property
    def run_config(self) -> RunConfig:
        c = self.config.get("config") or {}
        return RunConfig(
            env=list(c.get("Env") or []), cmd=c.get("Cmd"), entrypoint=c.get("Entrypoint"),
            working_dir=c.get("WorkingDir") or "", user=c.get("User") or "",
            exposed_ports=sorted(c.get("ExposedPorts") or {}),
            volumes=sorted(c.get("Volumes") or {}), labels=dict(c.get("Labels") or {}),
            stop_signal=c.get("StopSignal") or "")


def _ref_name(entry: dict) -> str | None:
    ann = entry.get("annotations") or {}
    return ann.get(oci.ANNOTATION_REF_NAME) or ann.get(oci.ANNOTATION_CONTAINERD_NAME)


def _try_parse(name: str | None) -> Reference | None:
    if not name:
        return None
    try:
        return parse(name)
    except ReferenceError:
        return None


class Store:
    """The images under ``root`` (default: ``paths.data_root()``)."""

    def __init__(self, root: str | os.PathLike | None = None, driver: str | None = None):
        self.root = Path(root) if root is not None else paths.data_root()
        self.layout = Layout(self.root / "images")
        self.layers_dir = self.root / "layers"
        self.lock_file = self.root / "images.lock"
        self.driver = driver or default_driver()

    # ------------------------------------------------------------------ locking
    @contextmanager
    def _write_lock(self) -> Iterator[None]:
        self.root.mkdir(parents=True, exist_ok=True)
        with locked(self.lock_file, exclusive=True):
            yield

    @contextmanager
    def _read_lock(self) -> Iterator[None]:
        if not self.lock_file.exists():  # nothing was ever written: nothing to protect
            yield
            return
        with locked(self.lock_file, exclusive=False):
            yield

    def staging(self) -> Staging:
        """A scratch directory for a new image (see :mod:`.staging`)."""
        return Staging(self.root)

    # ------------------------------------------------------------------ reading
    def _entries(self) -> list[dict]:
        return self.layout.read_index()["manifests"]

    def _load(self, entries: list[dict]) -> list[Image]:
        by_digest: dict[str, Image] = {}
        for entry in entries:
            digest = entry["digest"]
            image = by_digest.get(digest)
            if image is None:
                manifest = self.layout.read_json(digest)
                if oci.is_index(manifest.get("mediaType") or entry.get("mediaType")):
                    chosen = oci.choose_platform(manifest)
                    manifest = self.layout.read_json(chosen["digest"])
                config_digest = manifest["config"]["digest"]
                parent = (entry.get("annotations") or {}).get(oci.ANNOTATION_PARENT, "")
                image = Image(digest, manifest, self.layout.read_json(config_digest),
                              config_digest, [], parent)
                by_digest[digest] = image
            ref = _try_parse(_ref_name(entry))
            if ref is not None and ref not in image.names:
                image.names.append(ref)
        for image in by_digest.values():
            image.names.sort(key=str)
        return list(by_digest.values())

    def images(self) -> list[Image]:
        """Every image, newest first (as ``docker images`` lists them)."""
        with self._read_lock():
            found = self._load(self._entries())
        return sorted(found, key=lambda i: i.created, reverse=True)

    def find(self, ref: str) -> tuple[Image, Reference | None] | None:
        """The image ``ref`` names (a name, ``name@digest``, an ID or ID prefix), or None.

        Also returns the parsed name when ``ref`` was a name (None for an ID).
        """
        images = self.images()
        text = ref.removeprefix("sha256:")
        if re.fullmatch(r"[0-9a-f]{6,64}", text) or ref.startswith("sha256:"):
            hits = {i.id: i for i in images if hex_of(i.id).startswith(text)}
            if len(hits) > 1:
                raise UsageError(f"{ref} matches several images: give more of the ID")
            if hits:
                return next(iter(hits.values())), None
            if is_full_id(ref) or ref.startswith("sha256:"):
                return None
        parsed = parse(ref)
        for image in images:
            if parsed.digest and parsed.digest == image.manifest_digest:
                return image, parsed
            if not parsed.digest and parsed in image.names:
                return image, parsed
        return None

    def get(self, ref: str, *, offline: bool = True, notify: Notify | None = None) -> Image:
        """The image ``ref`` names. ``busybox`` is built offline when missing (``offline``).

        Raises :class:`NotFoundError` (``No such image: …``).
        """
        found = self.find(ref)
        if found:
            return found[0]
        if offline and not is_full_id(ref):
            from .busybox import OFFLINE_NAMES, add_busybox

            parsed = _try_parse(ref)
            if parsed is not None and str(parsed) in OFFLINE_NAMES:
                return add_busybox(self, notify=notify)
        shown = _try_parse(ref)
        raise NotFoundError(f"No such image: {shown.familiar if shown else ref}")

    resolve = get

    def layer_dir(self, diff_id: str) -> Path:
        """Where the layer with this diff ID is (or would be) unpacked: a lower dir."""
        return self.layers_dir / hex_of(diff_id) / "diff"

    def layer_dirs(self, image: Image) -> list[Path]:
        """The unpacked layers of ``image``, bottom first; unpacks any that are missing."""
        missing = [(d, desc) for d, desc in zip(image.diff_ids, image.layers, strict=True)
                   if not self.layer_dir(d).is_dir()]
        if missing:
            with self.staging() as st:
                staged = []
                for diff_id, desc in missing:
                    with open(self.layout.blob_path(desc["digest"]), "rb") as f:
                        staged.append(st.layer_from_stream(
                            f, what=f"layer {desc['digest']}", media_type=desc["mediaType"],
                            digest=desc["digest"], size=desc.get("size"), diff_id=diff_id))
                with self._write_lock():
                    self._adopt_layers(staged)
        return [self.layer_dir(d) for d in image.diff_ids]

    def layer_size(self, diff_id: str) -> int | None:
        """Bytes of file content in a layer (None if it is not unpacked)."""
        try:
            meta = json.loads((self.layers_dir / hex_of(diff_id) / "layer.json").read_text())
        except (FileNotFoundError, ValueError):
            return None
        return int(meta.get("size", 0))

    def image_size(self, image: Image) -> int:
        """The size ``pcl images`` shows: content of all layers (blob sizes if not unpacked)."""
        total = 0
        for diff_id, desc in zip(image.diff_ids, image.layers, strict=False):
            size = self.layer_size(diff_id)
            total += size if size is not None else int(desc.get("size", 0))
        return total

    # ------------------------------------------------------------------ writing
    def _adopt_layers(self, layers: list[StagedLayer]) -> None:
        """Move staged blobs and unpacked layers into the store (hold the write lock)."""
        self.layout.init()
        for layer in layers:
            if layer.blob is not None:
                self.layout.adopt(layer.blob, layer.digest)
            if layer.unpacked is not None:
                target = self.layers_dir / hex_of(layer.diff_id)
                if not target.exists():
                    meta = {"diff_id": layer.diff_id, "size": layer.content_size,
                            "blob": layer.digest}
                    atomic_write(layer.unpacked / "layer.json", json.dumps(meta).encode())
                    self.layers_dir.mkdir(exist_ok=True)
                    os.rename(layer.unpacked, target)

    def add(self, config: dict | bytes, layers: list[StagedLayer],
            names: list[Reference] | None = None, *, parent: str = "",
            manifest_annotations: dict | None = None, manifest: bytes | None = None,
            manifest_media_type: str = oci.MANIFEST) -> Image:
        """Put a new image into the store, atomically: blobs, layers, then the index.

        ``config`` is the image config (its bytes define the ID; pass ``bytes`` to keep an
        archive's exact config). ``manifest`` (bytes) keeps an archive's exact manifest; by
        default a new OCI manifest is written. The names move here from any image that had them.
        """
        config_bytes = config if isinstance(config, bytes) else oci.canonical_json(config)
        with self._write_lock():
            self._adopt_layers(layers)
            config_digest = self.layout.put_bytes(config_bytes)
            if manifest is None:
                manifest = oci.canonical_json({
                    "schemaVersion": 2, "mediaType": oci.MANIFEST,
                    "config": oci.descriptor(oci.CONFIG, config_digest, len(config_bytes)),
                    "layers": [layer.descriptor() for layer in layers],
                    **({"annotations": manifest_annotations} if manifest_annotations else {}),
                })
                manifest_media_type = oci.MANIFEST
            manifest_digest = self.layout.put_bytes(manifest)
            cfg = json.loads(config_bytes)
            desc = oci.descriptor(manifest_media_type, manifest_digest, len(manifest),
                                  platform={"architecture": cfg.get("architecture", ""),
                                            "os": cfg.get("os", "")})
            entries = self._entries()
            if not any(e["digest"] == manifest_digest for e in entries):
                ann = {oci.ANNOTATION_PARENT: parent} if parent else {}
                entries.append({**desc, **({"annotations": ann} if ann else {})})
            entries = _retag(entries, manifest_digest, add=names or [])
            self.layout.write_index(entries)
            remove_stale(self.root)
        return next(i for i in self.images() if i.manifest_digest == manifest_digest)

    def tag(self, source: str, target: str, *, notify: Notify | None = None) -> Reference:
        """Give the image ``source`` names the additional name ``target`` (``docker tag``)."""
        image = self.get(source, notify=notify)
        ref = parse(target)
        if ref.digest:
            raise UsageError(f"refusing to create a tag with a digest reference: {target} "
                             "(give NAME[:TAG])")
        with self._write_lock():
            entries = _retag(self._entries(), image.manifest_digest, add=[ref])
            self.layout.write_index(entries)
        return ref

    def untag(self, image: Image, ref: Reference) -> None:
        with self._write_lock():
            entries = _retag(self._entries(), image.manifest_digest, remove=[ref])
            self.layout.write_index(entries)

    def remove(self, ref: str, force: bool = False) -> list[tuple[str, str]]:
        """``docker rmi`` for one argument: returns ``[("Untagged", name), ("Deleted", id)…]``.

        By name: with other names left, only that name goes; the last name takes the image with
        it -- unless a container uses it (then ``force`` untags and keeps the image, dangling,
        for the container's sake). By ID: every name goes, unless the names span several
        repositories (``force`` needed) or a container uses the image.
        """
        found = self.find(ref)
        if found is None:
            shown = _try_parse(ref) if not is_full_id(ref) else None
            raise NotFoundError(f"No such image: {shown.familiar if shown else ref}")
        image, name = found
        users = usage.users(image.id)
        running = [u for u in users if u.running]
        if name is not None and name.digest is None and len(image.names) > 1:
            self.untag(image, name)
            return [("Untagged", name.familiar)]
        if name is not None and name.digest is None:
            if users and not force:
                raise ConflictError(
                    f'conflict: unable to remove repository reference "{ref}" (must force) - '
                    f"container {users[0].short_id} is using its referenced image "
                    f"{image.short_id}")
        else:
            if running:
                raise ConflictError(
                    f"conflict: unable to delete {image.short_id} (cannot be forced) - image is "
                    f"being used by running container {running[0].short_id}")
            if users and not force:
                raise ConflictError(
                    f"conflict: unable to delete {image.short_id} (must be forced) - image is "
                    f"being used by stopped container {users[0].short_id}")
            if len({r.name for r in image.names}) > 1 and not force:
                raise ConflictError(
                    f"conflict: unable to delete {image.short_id} (must be forced) - image is "
                    "referenced in multiple repositories")
        children = [i for i in self.images() if i.parent == image.id]
        if children and not users and (name is None or name.digest):
            raise ConflictError(f"conflict: unable to delete {image.short_id} (cannot be "
                                "forced) - image has dependent child images")
        records = [("Untagged", r.familiar) for r in image.names]
        if users or children:  # the names go; the image stays for its containers or children
            with self._write_lock():
                entries = _retag(self._entries(), image.manifest_digest, remove=image.names)
                self.layout.write_index(entries)
            return records
        return records + self._delete([image])

    def _delete(self, images: list[Image]) -> list[tuple[str, str]]:
        doomed = {i.manifest_digest for i in images}
        with self._write_lock():
            before = {p.name for p in self.layers_dir.glob("*")} if self.layers_dir.exists() \
                else set()
            self.layout.write_index([e for e in self._entries() if e["digest"] not in doomed])
            self._collect_garbage()
            after = {p.name for p in self.layers_dir.glob("*")} if self.layers_dir.exists() \
                else set()
        records = [("Deleted", i.id) for i in images]
        records += [("Deleted", f"sha256:{h}") for h in sorted(before - after)]
        return records

    def _collect_garbage(self) -> int:
        """Delete blobs and unpacked layers no image needs (hold the write lock)."""
        keep: set[str] = set()
        diff_ids: set[str] = set()
        for entry in self._entries():
            keep.add(entry["digest"])
            manifest = self.layout.read_json(entry["digest"])
            manifests = [manifest]
            if oci.is_index(manifest.get("mediaType") or entry.get("mediaType")):
                for m in manifest.get("manifests", []):
                    keep.add(m["digest"])
                    if self.layout.has_blob(m["digest"]):
                        manifests.append(self.layout.read_json(m["digest"]))
            for m in manifests:
                if "config" in m:
                    keep.add(m["config"]["digest"])
                    keep.update(x["digest"] for x in m.get("layers", []))
                    if self.layout.has_blob(m["config"]["digest"]):
                        config = self.layout.read_json(m["config"]["digest"])
                        diff_ids.update(config.get("rootfs", {}).get("diff_ids", []))
        freed = 0
        for digest in self.layout.blobs() - keep:
            path = self.layout.blob_path(digest)
            freed += path.stat().st_size
            self.layout.remove_blob(digest)
        for tmp in self.layout.path.rglob(".*.tmp"):
            tmp.unlink(missing_ok=True)  # left by a crash inside atomic_write
        if self.layers_dir.exists():
            wanted = {hex_of(d) for d in diff_ids}
            for d in self.layers_dir.iterdir():
                if d.name not in wanted:
                    freed += tree_size(d)
                    shutil.rmtree(d)
        remove_stale(self.root)
        return freed

    def prune(self, all: bool = False, keep: Callable[[Image], bool] | None = None
              ) -> tuple[list[tuple[str, str]], int]:
        """``docker image prune``: remove dangling images (``all``: every unused image).

        Returns the records and the bytes reclaimed. ``keep(image)`` True spares an image.
        """
        doomed = []
        for image in self.images():
            if (image.names and not all) or usage.users(image.id):
                continue
            if keep is not None and keep(image):
                continue
            doomed.append(image)
        if not doomed:
            return [], 0
        sizes = self.image_size_unique(doomed)
        records = [("untagged", r.familiar) for i in doomed for r in i.names]
        records += [(kind.lower(), what) for kind, what in self._delete(doomed)]
        return records, sizes

    def image_size_unique(self, images: list[Image]) -> int:
        """Bytes the layers of ``images`` take that no other image shares."""
        others = {d for i in self.images() if i not in images for d in i.diff_ids}
        mine = {d for i in images for d in i.diff_ids} - others
        return sum(self.layer_size(d) or 0 for d in mine)

    def check(self) -> list[str]:
        """Problems in the store (like ``fsck``): unreadable index, missing or corrupt blobs."""
        problems = []
        try:
            entries = self._entries()
        except PclError as e:
            return [str(e)]
        for entry in entries:
            try:
                self._load([entry])
            except (PclError, OSError, ValueError, KeyError) as e:
                problems.append(f"{entry.get('digest')}: {e}")
        return problems


def tree_size(path: str | os.PathLike) -> int:
    """Bytes of file content below ``path`` (symlinks count as themselves)."""
    total = 0
    for dirpath, _, files in os.walk(path):
        for f in files:
            with suppress(OSError):
                total += os.lstat(os.path.join(dirpath, f)).st_size
    return total


def _retag(entries: list[dict], digest: str, add: Sequence[Reference] = (),
           remove: Sequence[Reference] = ()) -> list[dict]:
    """The index entries after names moved to (``add``) or from (``remove``) manifest ``digest``.

    A name is unique in the store: adding it takes it from any other image. An image left
    without names keeps one unnamed entry (it is dangling, not gone).
    """
    moving = {str(r) for r in add} | {str(r) for r in remove}
    template = next(e for e in entries if e["digest"] == digest)
    kept = [e for e in entries if _ref_name(e) is None
            or str(_try_parse(_ref_name(e))) not in moving]
    for ref in add:
        ann = {**(template.get("annotations") or {}), oci.ANNOTATION_REF_NAME: str(ref)}
        kept.append({**{k: v for k, v in template.items() if k != "annotations"},
                     "annotations": ann})
    result = []
    for e in kept:  # one unnamed entry for each image without names; none for the others
        named = any(x["digest"] == e["digest"] and _ref_name(x) for x in kept)
        if _ref_name(e) is None and named:
            continue
        if _ref_name(e) is None and any(x is not e and x["digest"] == e["digest"]
                                        and _ref_name(x) is None for x in result):
            continue
        result.append(e)
    for e in entries:  # images that just lost their last name become dangling
        if not any(x["digest"] == e["digest"] for x in result):
            unnamed = {k: v for k, v in e.items() if k != "annotations"}
            parent = (e.get("annotations") or {}).get(oci.ANNOTATION_PARENT)
            if parent:
                unnamed["annotations"] = {oci.ANNOTATION_PARENT: parent}
            result.append(unnamed)
    return result
