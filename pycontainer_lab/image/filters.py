"""``pcl images -f key=value``: which images a list shows, with Docker's rules.

- ``dangling=true|false`` -- images without any name (``<none>:<none>``), or only named ones;
- ``label=KEY`` or ``label=KEY=VALUE`` -- every label given must be there (and match);
- ``before=IMAGE`` / ``since=IMAGE`` -- created strictly before / after that image;
- ``reference=PATTERN`` -- names matching a shell-like pattern (``busy*``, ``*:latest``,
  ``docker.io/*/app``), where ``*`` stops at ``/``; only the matching names are shown. Several
  patterns: any may match. ``pcl images busybox`` is ``-f reference=busybox``.

Without ``-a``, *intermediate* images are hidden: unnamed images that are the parent of another.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..errors import NotFoundError, UsageError
from .docker import parse_time
from .reference import Reference
from .store import Image, Store

__all__ = ["FILTERS", "Listed", "labels_match", "list_images", "parse_filters", "path_match"]

FILTERS = ("dangling", "label", "before", "since", "reference")


@dataclass
class Listed:
    """An image as a list shows it: with only the names the filters let through."""

    image: Image
    names: list[Reference]


def parse_filters(values: Sequence[str], allowed: Sequence[str] = FILTERS
                  ) -> dict[str, list[str]]:
    """``["dangling=true", "label=a=b"]`` → ``{"dangling": ["true"], "label": ["a=b"]}``."""
    out: dict[str, list[str]] = {}
    for v in values:
        key, eq, value = v.partition("=")
        if not eq:
            raise UsageError(f"bad format of filter (expected name=value): {v!r}")
        if key not in allowed:
            raise UsageError(f"invalid filter '{key}' (one of: {', '.join(allowed)})")
        if key == "dangling" and value.lower() not in ("true", "false", "1", "0"):
            raise UsageError(f"invalid filter 'dangling={value}': use true or false")
        out.setdefault(key, []).append(value)
    return out


def path_match(pattern: str, name: str) -> bool:
    """Go's ``path.Match``: ``*`` and ``?`` never match ``/``."""
    regex = ""
    for part in re.split(r"(\*|\?|\[[^\]]*\])", pattern):
        if part == "*":
            regex += "[^/]*"
        elif part == "?":
            regex += "[^/]"
        elif part.startswith("[") and part.endswith("]") and len(part) > 2:
            body = part[1:-1]
            regex += "[" + ("^" + body[1:] if body.startswith("^") else body) + "]"
        else:
            regex += re.escape(part)
    return re.fullmatch(regex, name) is not None


def _reference_match(pattern: str, ref: Reference) -> bool:
    """Docker's FamiliarMatch: the pattern against ``busybox:latest``, else ``busybox``."""
    return path_match(pattern, ref.familiar) or path_match(pattern, ref.familiar_name)


def labels_match(image: Image, wanted: list[str]) -> bool:
    """Every ``KEY`` or ``KEY=VALUE`` of ``wanted`` is among the image's labels."""
    labels = image.labels
    for w in wanted:
        key, eq, value = w.partition("=")
        if key not in labels or (eq and labels[key] != value):
            return False
    return True


def _created(store: Store, ref: str) -> float:
    found = store.find(ref)
    if found is None:
        raise NotFoundError(f"No such image: {ref}")
    return parse_time(found[0].created)


def list_images(store: Store, filters: Mapping[str, list[str]] | None = None,
                all: bool = False) -> list[Listed]:
    """The images ``pcl images`` shows, newest first."""
    filters = filters or {}
    images = store.images()
    parents = {i.parent for i in images if i.parent}
    before = [_created(store, r) for r in filters.get("before", [])]
    since = [_created(store, r) for r in filters.get("since", [])]
    dangling = [v.lower() in ("true", "1") for v in filters.get("dangling", [])]
    patterns = filters.get("reference", [])
    out = []
    for image in images:
        if not all and not image.names and image.id in parents:
            continue  # an intermediate image
        created = parse_time(image.created)
        if any(created >= b for b in before) or any(created <= s for s in since):
            continue
        if dangling and bool(image.names) == dangling[-1]:
            continue
        if "label" in filters and not labels_match(image, filters["label"]):
            continue
        names = image.names
        if patterns:
            names = [r for r in names if any(_reference_match(p, r) for p in patterns)]
            if not names:
                continue
        out.append(Listed(image, names))
    return out
