"""vfs: the storage driver without a union filesystem -- every layer is copied.

Where overlayfs shows the layers *stacked* and copies a file only when it is written, vfs copies
every layer, bottom to top, into the container's own directory before it starts: the whiteouts
of a layer delete what the layers below put there, an opaque directory is emptied first. The
result looks the same from inside the container; the cost is time and disk space at every
start, which is exactly what the course measures against overlay (syllabus S2.5).

The layers are read in overlay's format (whiteouts are 0:0 character devices, opaque
directories carry ``trusted.overlay.opaque``), so both drivers share one layer cache.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat

from ..tracing import step
from .overlay import is_opaque, is_whiteout

__all__ = ["apply_layer", "copy_entry", "populate"]


def _remove(path: str) -> None:
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path)
    elif os.path.lexists(path):
        os.unlink(path)


def _copy_xattrs(src: str, dst: str) -> None:
    try:
        names = os.listxattr(src, follow_symlinks=False)
    except OSError:
        return
    for name in names:
        if name.startswith("trusted.overlay."):
            continue
        with contextlib.suppress(OSError):  # a filesystem without that namespace: skip it
            os.setxattr(dst, name, os.getxattr(src, name, follow_symlinks=False),
                        follow_symlinks=False)


def copy_entry(src: str, dst: str, st: os.stat_result) -> None:
    """Copy one file, symlink, fifo or device with its owner, mode, times and xattrs.

    Directories are created (not filled) and get their times later, from the caller.
    """
    mode = stat.S_IMODE(st.st_mode)
    if stat.S_ISDIR(st.st_mode):
        if not os.path.isdir(dst) or os.path.islink(dst):
            _remove(dst)
            os.mkdir(dst, 0o700)
    elif stat.S_ISLNK(st.st_mode):
        os.symlink(os.readlink(src), dst)
    elif stat.S_ISREG(st.st_mode):
        shutil.copyfile(src, dst, follow_symlinks=False)
    else:  # fifo, socket, device
        os.mknod(dst, st.st_mode, st.st_rdev)
    if os.geteuid() == 0:
        os.chown(dst, st.st_uid, st.st_gid, follow_symlinks=False)
    if not stat.S_ISLNK(st.st_mode):
        os.chmod(dst, mode)  # after chown, which clears setuid bits
    _copy_xattrs(src, dst)
    os.utime(dst, ns=(st.st_atime_ns, st.st_mtime_ns), follow_symlinks=False)


def apply_layer(layer: str, root: str) -> int:
    """Copy one layer onto ``root``, applying its whiteouts and opaque directories.

    Returns the number of entries copied. Not a traced step by itself (see ``VfsDriver``).
    """
    count = 0
    dir_times: list[tuple[str, os.stat_result]] = []

    def walk(src_dir: str, dst_dir: str) -> None:
        nonlocal count
        with os.scandir(src_dir) as it:
            entries = sorted(it, key=lambda e: e.name)
        for entry in entries:
            src, dst = entry.path, os.path.join(dst_dir, entry.name)
            st = entry.stat(follow_symlinks=False)
            if is_whiteout(st):
                _remove(dst)
                continue
            if stat.S_ISDIR(st.st_mode):
                if is_opaque(src) and os.path.isdir(dst):
                    shutil.rmtree(dst)
                copy_entry(src, dst, st)  # (overlay's own xattrs are not copied)
                walk(src, dst)
                dir_times.append((dst, st))
            else:
                if os.path.lexists(dst):
                    _remove(dst)
                copy_entry(src, dst, st)
            count += 1

    walk(layer, root)
    for path, st in reversed(dir_times):  # children first changed their parents' mtimes
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns), follow_symlinks=False)
    return count


def populate(lowers: list[str], root: str) -> None:
    """Fill ``root`` with the union of ``lowers`` (bottom → top) by copying, as traced steps."""
    for i, layer in enumerate(lowers, 1):
        with step(f"copy layer {i} of {len(lowers)} into {root} (vfs: no union, plain copies)",
                  f"copy {layer}/* → {root}/, applying its whiteouts",
                  f"cp -a {layer}/. {root}/") as s:
            n = apply_layer(layer, root)
            s.action += f": {n} entries"
