"""Resolve a path *inside* a root directory, so that no symlink can lead out of it.

A container image is untrusted: ``/etc/passwd`` in it may be a symlink to ``/etc/passwd`` of
the host, or ``a/../../..`` may climb above the root. Before the runtime mounts onto, copies
into or reads from a path of a container's tree, it resolves the path the way the kernel
would *if the container's root were /*: ``..`` stops at the root, and absolute symlink
targets start again at the root. (The kernel offers the same with ``openat2(…,
RESOLVE_IN_ROOT)``; runc's filepath-securejoin library does this walk in Go.)
"""

from __future__ import annotations

import errno
import os

__all__ = ["resolve"]

MAX_SYMLINKS = 40  # as the kernel's ELOOP limit


def resolve(root: str, path: str) -> str:
    """The host path that ``path`` names inside ``root``, with every symlink followed
    within ``root``. The result always lies under ``root`` (it need not exist)."""
    root = os.path.realpath(root)
    todo = [p for p in path.split("/") if p]
    done: list[str] = []
    links = 0
    while todo:
        part = todo.pop(0)
        if part == ".":
            continue
        if part == "..":
            if done:
                done.pop()
            continue
        candidate = os.path.join(root, *done, part)
        if os.path.islink(candidate):
            links += 1
            if links > MAX_SYMLINKS:
                raise OSError(errno.ELOOP, f"too many symlinks resolving {path!r} in {root}")
            target = os.readlink(candidate)
            if target.startswith("/"):
                done = []
            todo = [p for p in target.split("/") if p] + todo
            continue
        done.append(part)
    return os.path.join(root, *done)
