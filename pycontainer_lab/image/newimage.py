"""New images from files: ``import`` a rootfs tarball, ``commit`` a container's changes.

Both make one new layer and a config around it:

- :func:`import_tarball` -- a whole root filesystem in a tar (``pcl import rootfs.tar``): a
  one-layer image with an empty config, changed by ``-c`` instructions;
- :func:`commit` -- a directory of changes, normally an overlay upper dir (whiteouts become
  ``.wh.`` entries), on top of the layers of the image the container was made from. The new
  image records that image as its *parent* (``pcl images -a`` shows such parents).
"""

from __future__ import annotations

import copy
import os
from collections.abc import Callable, Iterable, Sequence
from typing import BinaryIO

from ..linux.changes import Change
from . import oci
from .compression import decompressor, sniff
from .dockerfile import apply_changes
from .reference import Reference
from .staging import Prefixed, StagedLayer
from .store import Image, Store

__all__ = ["commit", "import_tarball"]


def _new_config(history: dict, diff_ids: list[str], base: dict | None = None) -> dict:
    now = oci.now_rfc3339()
    config = copy.deepcopy(base) if base else {
        "architecture": oci.host_platform()["architecture"], "os": "linux", "config": {}}
    config["created"] = now
    config["rootfs"] = {"type": "layers", "diff_ids": diff_ids}
    config["history"] = [*config.get("history", []),
                         {"created": now, **{k: v for k, v in history.items() if v}}]
    return config


def import_tarball(store: Store, source: str | os.PathLike | BinaryIO, *,
                   names: Sequence[Reference] = (), changes: Iterable[str] = (),
                   message: str = "", shown: str = "-") -> Image:
    """``pcl import``: a root filesystem tarball (plain, gzip, zstd, bzip2, xz) as an image."""
    raw = open(source, "rb") if isinstance(source, str | os.PathLike) else source  # noqa: SIM115
    try:
        with store.staging() as st:
            head = raw.read(6)
            kind = sniff(head)
            stream: BinaryIO = Prefixed(head, raw)  # type: ignore[assignment]
            media_type = None
            if kind in ("bzip2", "xz"):  # not OCI layer formats: keep the plain tar
                stream, media_type = decompressor(stream, kind, f"tarball {shown}"), oci.LAYER_TAR
            layer = st.layer_from_stream(stream, what=f"tarball {shown}", media_type=media_type)
            config = _new_config({"created_by": "", "comment": message or f"Imported from {shown}"},
                                 [layer.diff_id])
            config = apply_changes(config, changes)
            return store.add(config, [layer], list(names))
    finally:
        if raw is not source:
            raw.close()


def commit(store: Store, upper: str | os.PathLike, *, base: Image | None = None,
           changes: Sequence[Change] | None = None, config_changes: Iterable[str] = (),
           message: str = "", author: str = "", created_by: str = "",
           names: Sequence[Reference] = (), compression: str | None = None,
           notify: Callable[[str], None] | None = None) -> Image:
    """A new image: ``base``'s layers plus one layer made from ``upper``.

    ``upper`` is an overlay upper dir; for a vfs container pass its full tree with ``changes``
    (from ``VfsDriver().changes(lowers, upper)``). ``config_changes`` are ``-c`` instructions.
    The layer is stored uncompressed by default, as Docker and Podman keep local layers (4-6x
    faster than gzip here); ``compression="gzip"`` makes it smaller.
    """
    with store.staging() as st:
        layer = st.layer_from_dir(upper, changes=changes, compression=compression)
        below = [StagedLayer(d["digest"], d["size"], d["mediaType"], diff_id)
                 for d, diff_id in zip(base.layers, base.diff_ids, strict=True)] if base else []
        config = _new_config({"created_by": created_by, "comment": message, "author": author},
                             [*(base.diff_ids if base else []), layer.diff_id],
                             base.config if base else None)
        if author:
            config["author"] = author
        config = apply_changes(config, config_changes)
        return store.add(config, [*below, layer], list(names), parent=base.id if base else "")
