"""What a container changed: ``A`` added, ``C`` changed, ``D`` deleted (like ``docker diff``).

With overlay the answer is in the upper directory: everything there was added or copied up,
and every whiteout is a deletion. With vfs the container's directory is a full copy, so the
answer comes from comparing it with the layers it was copied from.
Both start from :func:`lower_view`: what the stacked layers show, computed without a mount.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass

from .overlay import is_opaque, is_whiteout

__all__ = ["Change", "lower_view", "overlay_changes", "tree_changes"]


@dataclass(frozen=True, order=True)
class Change:
    """One line of ``docker diff``: ``C /etc``, ``A /etc/app.conf``, ``D /tmp/old``."""

    path: str
    """Absolute inside the container: ``/etc/app.conf``."""
    kind: str
    """``A`` (added), ``C`` (changed) or ``D`` (deleted)."""

    def __str__(self) -> str:
        return f"{self.kind} {self.path}"


def _entries(path: str) -> list[os.DirEntry]:
    with os.scandir(path) as it:
        return sorted(it, key=lambda e: e.name)


def _drop_below(view: dict[str, os.stat_result], path: str) -> None:
    prefix = path + "/"
    for key in [k for k in view if k.startswith(prefix)]:
        del view[key]


def lower_view(lowers: Sequence[str | os.PathLike]) -> dict[str, os.stat_result]:
    """Every path the stacked ``lowers`` (bottom → top) show, with the stat of the top one."""
    view: dict[str, os.stat_result] = {}

    def walk(directory: str, rel: str) -> None:
        for entry in _entries(directory):
            path = f"{rel}/{entry.name}"
            st = entry.stat(follow_symlinks=False)
            if is_whiteout(st):
                view.pop(path, None)
                _drop_below(view, path)
                continue
            old = view.get(path)
            view[path] = st
            if stat.S_ISDIR(st.st_mode):
                if is_opaque(entry.path):
                    _drop_below(view, path)
                walk(entry.path, path)
            elif old is not None and stat.S_ISDIR(old.st_mode):
                _drop_below(view, path)  # a file on top hides a whole directory below

    for layer in lowers:
        walk(os.fspath(layer), "")
    return view


def overlay_changes(lowers: Sequence[str | os.PathLike], upper: str | os.PathLike
                    ) -> list[Change]:
    """The changes an overlay upper directory holds, compared with its lower layers."""
    view = lower_view(lowers)
    out: list[Change] = []

    def walk(directory: str, rel: str) -> None:
        for entry in _entries(directory):
            path = f"{rel}/{entry.name}"
            st = entry.stat(follow_symlinks=False)
            if is_whiteout(st):
                out.append(Change(path, "D"))
                continue
            out.append(Change(path, "C" if path in view else "A"))
            if stat.S_ISDIR(st.st_mode):
                if is_opaque(entry.path):  # deleted and made again: its old children are gone
                    inside = {p for p in view if os.path.dirname(p) == path}
                    kept = {f"{path}/{e.name}" for e in _entries(entry.path)}
                    out.extend(Change(p, "D") for p in inside - kept)
                walk(entry.path, path)

    walk(os.fspath(upper), "")
    return sorted(set(out))


def _same(a: os.stat_result, b: os.stat_result) -> bool:
    keys = ("st_mode", "st_uid", "st_gid", "st_mtime_ns", "st_rdev")
    if any(getattr(a, k) != getattr(b, k) for k in keys):
        return False
    return stat.S_ISDIR(a.st_mode) or a.st_size == b.st_size


def tree_changes(lowers: Sequence[str | os.PathLike], root: str | os.PathLike) -> list[Change]:
    """The changes of a full copy (vfs) against the layers it was copied from."""
    view = lower_view(lowers)
    seen: set[str] = set()
    out: list[Change] = []

    def walk(directory: str, rel: str) -> None:
        for entry in _entries(directory):
            path = f"{rel}/{entry.name}"
            seen.add(path)
            st = entry.stat(follow_symlinks=False)
            old = view.get(path)
            if old is None:
                out.append(Change(path, "A"))
            elif not _same(st, old) or (stat.S_ISLNK(st.st_mode) and
                                        os.readlink(entry.path) != _link_of(lowers, path)):
                out.append(Change(path, "C"))
            if stat.S_ISDIR(st.st_mode):
                walk(entry.path, path)

    walk(os.fspath(root), "")
    for path in view:
        parent = os.path.dirname(path)
        if path not in seen and (parent == "/" or parent in seen):
            out.append(Change(path, "D"))  # only the top-most deleted path, as docker diff
    return sorted(out)


def _link_of(lowers: Sequence[str | os.PathLike], path: str) -> str:
    for layer in reversed(lowers):
        candidate = os.path.join(os.fspath(layer), path.lstrip("/"))
        if os.path.islink(candidate):
            return os.readlink(candidate)
    return ""
