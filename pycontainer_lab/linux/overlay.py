"""OverlayFS: the kernel stacks directories into one tree, and copies on write.

An image is a stack of read-only *lower* directories (its layers); a container adds one
writable *upper* directory on top. The kernel shows the union at a mount point::

    mount -t overlay overlay -o lowerdir=L2:L1,upperdir=U,workdir=W merged

``lowerdir`` lists the *top-most* lower first. Reading a file finds it in the highest directory
that has it. Writing a file from a lower layer first copies it up into ``U`` (copy-on-write).
Deleting a file that a lower layer holds cannot touch that layer, so the kernel leaves a
*whiteout* in ``U``: a character device with device number 0:0 hiding the name. A directory that
was deleted and made again gets the xattr ``trusted.overlay.opaque=y``: nothing below shows
through it. ``W`` is the kernel's scratch space (same filesystem as ``U``).

The option string of mount(2) may be at most one memory page (4096 bytes here) long. With
absolute paths of about 100 characters that is about 40 layers. :func:`mount_overlay` handles
longer stacks as Docker's overlay2 driver does: it gives every directory a short name -- a
symlink ``0``, ``1``, ``2``… in a scratch directory --, changes into that directory and mounts
with those short *relative* names (the kernel resolves them once, at mount time, relative to the
caller's working directory). Then it changes back and removes the links. (Linux 6.8+ also offers
``fsconfig(fd, "lowerdir+", path)`` to add one lower at a time without any length limit.)

Every function here acts on the calling process's mount namespace: call them in a sandbox
(``box.mount_layers(...)``) or in a container's init, never in a notebook kernel.
"""

from __future__ import annotations

import os
import shlex
import shutil
import stat
import tempfile
from collections.abc import Sequence

from ..tracing import step
from . import mounts

__all__ = [
    "MAX_LAYERS", "OPAQUE_XATTR", "is_opaque", "is_whiteout", "make_opaque", "make_whiteout",
    "mount_overlay", "overlay_options",
]

OPAQUE_XATTR = "trusted.overlay.opaque"
"""Set to ``y`` on a directory of an upper (or lower) dir: hide everything below it."""
MAX_LAYERS = 500
"""The kernel's limit on lower directories (``OVL_MAX_STACK``)."""


def is_whiteout(st: os.stat_result) -> bool:
    """True for overlay's deletion marker: a character device numbered 0:0."""
    return stat.S_ISCHR(st.st_mode) and st.st_rdev == 0


def is_opaque(path: str | os.PathLike, *, dir_fd: int | None = None) -> bool:
    """True when the directory carries ``trusted.overlay.opaque=y``."""
    target = path if dir_fd is None else f"/proc/self/fd/{dir_fd}/{os.fspath(path)}"
    try:
        return os.getxattr(target, OPAQUE_XATTR, follow_symlinks=False) == b"y"
    except OSError:
        return False


def make_whiteout(name: str, *, dir_fd: int | None = None, shown: str = "") -> None:
    """Create a whiteout for ``name`` (a traced step): ``mknod NAME c 0 0``."""
    shown = shown or name
    with step(f"whiteout {shown}: hide it in the layers below", f"mknod({shown!r}, S_IFCHR, 0)",
              shlex.join(["mknod", shown, "c", "0", "0"])):
        os.mknod(name, 0o600 | stat.S_IFCHR, 0, dir_fd=dir_fd)


def make_opaque(path: str, *, dir_fd: int | None = None, shown: str = "") -> None:
    """Mark a directory opaque (a traced step): the layers below no longer show through it."""
    shown = shown or path
    target = path if dir_fd is None else f"/proc/self/fd/{dir_fd}/{path}"
    with step(f"make {shown} opaque: hide the lower layers' contents of it",
              f"setxattr({shown!r}, {OPAQUE_XATTR!r}, 'y')",
              shlex.join(["setfattr", "-n", OPAQUE_XATTR, "-v", "y", shown])):
        os.setxattr(target, OPAQUE_XATTR, b"y", follow_symlinks=False)


def overlay_options(lowers: Sequence[str], upper: str | None, work: str | None) -> str:
    """The mount data for a stack; ``lowers`` bottom → top (the kernel wants top first)."""
    parts = ["lowerdir=" + ":".join(reversed([str(x) for x in lowers]))]
    if upper is not None:
        parts += [f"upperdir={upper}", f"workdir={work}"]
    if os.path.exists("/sys/module/overlay/parameters/index"):
        # the inodes index ties an upper dir to the lowers it was first used with: off, so
        # that a layer may be stacked onto a stack that was mounted before (as Docker does)
        parts.append("index=off")
    return ",".join(parts)


def _fits(data: str, paths: Sequence[str]) -> bool:
    special = any(c in p for p in paths for c in ":,\\")  # separators in the option string
    return not special and len(data.encode()) < os.sysconf("SC_PAGE_SIZE")


def mount_overlay(lowers: Sequence[str | os.PathLike], upper: str | os.PathLike,
                  work: str | os.PathLike, target: str | os.PathLike) -> None:
    """Mount the union of ``lowers`` (bottom → top) and ``upper`` at ``target``.

    Short stacks are mounted with absolute paths. Stacks whose options would not fit in a page
    (or whose paths contain ``:`` or ``,``) are mounted with short relative names, see the
    module's docstring.
    """
    lows = [os.path.abspath(x) for x in lowers]
    up, wk, tgt = (os.path.abspath(x) for x in (upper, work, target))
    if not lows:
        raise ValueError("an overlay needs at least one lower directory")
    if len(lows) > MAX_LAYERS:
        raise OSError(22, f"{len(lows)} layers: the kernel stacks at most {MAX_LAYERS}")
    data = overlay_options(lows, up, wk)
    if _fits(data, [*lows, up, wk]):
        _mount(data, tgt)
        return
    links = tempfile.mkdtemp(prefix="pcl-ovl-")
    here = os.open(".", os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        with step(f"give the {len(lows) + 2} directories short names (the mount options "
                  f"must fit in one {os.sysconf('SC_PAGE_SIZE')}-byte page)",
                  f"symlink(dir, '{links}/N') for each",
                  f"cd {links} && ln -s LOWER1 0 && ln -s LOWER2 1 …",
                  note="overlay resolves each name once, at mount time; the links can go "
                       "right after the mount"):
            for i, path in enumerate([*lows, up, wk]):
                os.symlink(path, os.path.join(links, str(i)))
        with step(f"change directory to {links}", f"chdir({links!r})", f"cd {links}"):
            os.chdir(links)
        n = len(lows)
        _mount(overlay_options([str(i) for i in range(n)], str(n), str(n + 1)), tgt)
    finally:
        os.fchdir(here)
        os.close(here)
        shutil.rmtree(links, ignore_errors=True)


def _mount(data: str, target: str) -> None:
    mounts.mount("overlay", target, "overlay", 0, data,
                 action=f"mount the layer stack at {target} (overlay: union + copy-on-write)",
                 shell=shlex.join(["mount", "-t", "overlay", "overlay", "-o", data, target]))
