"""``-u/--user``: who the container's program runs as.

``-u`` takes ``name``, ``uid``, ``name:group`` or ``uid:gid``. Names are looked up in the
*container's* ``/etc/passwd`` and ``/etc/group`` (not the host's): the same name may be a
different uid inside. The user's supplementary groups come from ``/etc/group`` too.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from ..errors import UsageError
from ..linux.inroot import resolve

__all__ = ["resolve_user"]


def _read(tree: Sequence[str], path: str) -> list[list[str]]:
    """The colon-separated lines of ``path`` in the top-most layer of ``tree`` that has it."""
    for layer in reversed(tree):
        f = resolve(layer, path)
        if os.path.isfile(f):
            with open(f, errors="replace") as fh:
                return [line.split(":") for line in fh.read().splitlines()
                        if line and not line.startswith("#")]
    return []


def resolve_user(spec: str, tree: Sequence[str]) -> tuple[int, int, list[int]]:
    """``(uid, gid, supplementary gids)`` for a ``-u`` value, in the container's tree."""
    user, _, group = (spec or "0").partition(":")
    passwd = _read(tree, "/etc/passwd")
    groups = _read(tree, "/etc/group")
    entry = next((p for p in passwd if len(p) > 3 and (p[0] == user or p[2] == user)), None)
    if entry is not None:
        uid, gid, name = int(entry[2]), int(entry[3]), entry[0]
    elif user.isdigit():
        uid, gid, name = int(user), 0, ""  # no entry: group root, as in Docker
    else:
        raise UsageError(f"unable to find user {user}: no matching entries in passwd file")
    if group:
        g = next((g for g in groups if len(g) > 2 and (g[0] == group or g[2] == group)), None)
        if g is not None:
            gid = int(g[2])
        elif group.isdigit():
            gid = int(group)
        else:
            raise UsageError(f"unable to find group {group}: no matching entries in group file")
    extra = sorted({int(g[2]) for g in groups
                    if len(g) > 3 and name and name in g[3].split(",") and int(g[2]) != gid})
    return uid, gid, extra
