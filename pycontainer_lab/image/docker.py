"""Docker's views of an image: the JSON of ``docker image inspect`` and of ``docker history``.

The OCI config says the same things under other names; Docker's API shapes them as below, and
scripts (``inspect -f '{{.Config.Cmd}}'``) rely on those names, so we build the same shape.
"""

from __future__ import annotations

from . import oci
from .store import Image, Store

__all__ = ["CONFIG_FIELDS", "history", "inspect", "parse_time"]

# Docker's container config as `image inspect` shows it (fields in Docker's order).
CONFIG_FIELDS: list[tuple[str, object]] = [
    ("Hostname", ""), ("Domainname", ""), ("User", ""), ("AttachStdin", False),
    ("AttachStdout", False), ("AttachStderr", False), ("ExposedPorts", None), ("Tty", False),
    ("OpenStdin", False), ("StdinOnce", False), ("Env", None), ("Cmd", None),
    ("Healthcheck", None), ("ArgsEscaped", None), ("Image", ""), ("Volumes", None),
    ("WorkingDir", ""), ("Entrypoint", None), ("OnBuild", None), ("Labels", None),
    ("StopSignal", None),
]
_OMIT_EMPTY = {"ExposedPorts", "Healthcheck", "ArgsEscaped", "StopSignal"}


def _config(image: Image) -> dict:
    c = image.config.get("config") or {}
    out = {}
    for name, default in CONFIG_FIELDS:
        value = c.get(name, default)
        if name in _OMIT_EMPTY and not value:
            continue
        out[name] = value
    return out


def inspect(store: Store, image: Image) -> dict:
    """``docker image inspect``'s object for ``image``."""
    dirs = [str(store.layer_dir(d)) for d in image.diff_ids]
    graph = {"Name": store.driver, "Data": {
        "LowerDir": ":".join(reversed(dirs[:-1])) or None,
        "MergedDir": None, "UpperDir": dirs[-1] if dirs else None, "WorkDir": None}}
    data = {k: v for k, v in graph["Data"].items() if v}
    return {
        "Id": image.id,
        "RepoTags": image.repo_tags,
        "RepoDigests": image.repo_digests,
        "Parent": image.parent,
        "Comment": next((h.get("comment", "") for h in reversed(image.config.get("history", []))
                         ), ""),
        "Created": image.created,
        "DockerVersion": image.config.get("docker_version", ""),
        "Author": image.config.get("author", ""),
        "Config": _config(image),
        "Architecture": image.config.get("architecture", ""),
        **({"Variant": image.config["variant"]} if image.config.get("variant") else {}),
        "Os": image.config.get("os", ""),
        "Size": store.image_size(image),
        "GraphDriver": {"Data": data, "Name": graph["Name"]},
        "RootFS": {"Type": image.config.get("rootfs", {}).get("type", "layers"),
                   "Layers": image.diff_ids},
        "Metadata": {"LastTagTime": "0001-01-01T00:00:00Z"},
        "Descriptor": oci.descriptor(image.manifest.get("mediaType") or oci.MANIFEST,
                                     image.manifest_digest,
                                     store.layout.blob_path(image.manifest_digest).stat().st_size),
    }


def parse_time(text: str) -> float:
    """An RFC 3339 time from a config (nanoseconds allowed) → seconds since the epoch."""
    from datetime import datetime

    if not text:
        return 0.0
    main, _, frac = text.rstrip("Z").partition(".")
    zone = ""
    for sign in "+-":
        if sign in frac:
            frac, _, zone = frac.partition(sign)
            zone = sign + zone
    if len(main) > 19:  # a zone without fraction: 2024-01-01T00:00:00+02:00
        main, zone = main[:19], main[19:]
    stamp = datetime.fromisoformat(main + (zone or "+00:00"))
    return stamp.timestamp() + (float("0." + frac) if frac.isdigit() else 0.0)


def history(store: Store, image: Image) -> list[dict]:
    """``docker history``'s rows, newest first: Id, Created, CreatedBy, Tags, Size, Comment.

    Each history entry that made a layer gets that layer's size; ``empty_layer`` entries
    (``CMD``, ``ENV``…) are 0 bytes. Only the top row carries the image's ID; the rows below are
    ``<missing>`` (they were made elsewhere and have no image of their own here).
    """
    diff_ids = iter(image.diff_ids)
    rows = []
    for h in image.config.get("history", []):
        size = 0
        if not h.get("empty_layer"):
            diff_id = next(diff_ids, None)
            size = (store.layer_size(diff_id) or 0) if diff_id else 0
        rows.append({"Id": "<missing>", "Created": parse_time(h.get("created", "")),
                     "CreatedBy": h.get("created_by", ""), "Tags": None, "Size": size,
                     "Comment": h.get("comment", "")})
    if not rows:  # an image without history: one row for the whole image
        rows.append({"Id": "<missing>", "Created": parse_time(image.created), "CreatedBy": "",
                     "Tags": None, "Size": store.image_size(image), "Comment": ""})
    rows.reverse()
    rows[0]["Id"], rows[0]["Tags"] = image.id, image.repo_tags or None
    return rows
