"""Unpack a layer tarball into a directory -- treating every archive as hostile.

A layer is a tar archive of changes: files to add or replace, and *whiteouts* for deletions
(``dir/.wh.name`` deletes ``name``; ``dir/.wh..wh..opq`` makes ``dir`` opaque: nothing from the
layers below shows through). We unpack into overlay's format, so the directory can be a lower
dir of an overlay mount as it is: a whiteout becomes a 0:0 character device, an opaque
directory gets the xattr ``trusted.overlay.opaque=y`` (see :mod:`..linux.overlay`).

An archive comes from strangers, and a tar entry can try to write anywhere. So, entry by entry:

- a name must be relative and must not contain ``..`` (``../../etc/cron.d/x`` or ``/etc/x``);
- no path is ever walked through a symlink: every directory is opened with ``O_NOFOLLOW``
  relative to its parent's file descriptor, so ``evil -> /etc`` followed by ``evil/passwd``
  is refused, not written to the host's ``/etc/passwd``;
- a relative symlink may not point above the layer's root (``a -> ../../../..``); an absolute
  one (``/etc/localtime -> /usr/share/zoneinfo/UTC``) is fine: it is resolved inside the
  container's root when the container runs, and never followed here;
- a hard link must point at a regular file unpacked earlier from the same layer;
- device nodes only where the caller allows them (images never need them: a container gets a
  fresh ``/dev``); overlay's own xattrs (``trusted.overlay.*``) are never taken from an archive.

The first offence stops the unpack with :class:`UnsafeArchiveError`; the caller unpacks into a
scratch directory and throws it away, so nothing half-done remains.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import stat
import tarfile
from dataclasses import dataclass
from typing import BinaryIO

from ..errors import PclError
from ..linux.overlay import OPAQUE_XATTR, make_opaque, make_whiteout

__all__ = ["ExtractStats", "UnsafeArchiveError", "clean_name", "extract_layer"]

WHITEOUT = ".wh."
OPAQUE = ".wh..wh..opq"
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_FILE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
_KEPT_XATTRS = ("user.", "security.capability")


class UnsafeArchiveError(PclError):
    """An archive entry that would reach outside its directory, or is not allowed there."""


@dataclass
class ExtractStats:
    entries: int = 0
    size: int = 0
    """Bytes of file content: the layer's size as ``pcl images`` counts it."""


def clean_name(name: str, what: str, kind: str = "entry") -> tuple[str, ...]:
    """The components of an archive path, or :class:`UnsafeArchiveError` if it leaves the root."""
    if name.startswith("/"):
        raise UnsafeArchiveError(f"{what}: {kind} {name!r} is an absolute path (refused: an "
                                 "archive may only write below its own root)")
    parts = tuple(p for p in name.split("/") if p not in ("", "."))
    if ".." in parts:
        raise UnsafeArchiveError(f"{what}: {kind} {name!r} climbs out of the archive with '..' "
                                 "(path traversal refused)")
    return parts


def _show(parts: tuple[str, ...]) -> str:
    return "/".join(parts) or "."


class _Tree:
    """File descriptors for the directories of one path at a time, opened without symlinks.

    ``chain`` holds the directories from the root down to the parent of the current entry;
    tar archives list a directory's entries together, so most entries reuse the chain.
    """

    def __init__(self, root_fd: int, what: str):
        self.root = root_fd  # owned: closed by close()
        self.what = what
        self.chain: list[tuple[str, int]] = []  # (name, fd) from the root down

    def close(self) -> None:
        for _, fd in self.chain:
            os.close(fd)
        self.chain = []
        os.close(self.root)

    def dir_fd(self, parts: tuple[str, ...]) -> int:
        """An fd for the directory ``parts`` (made if missing), refusing symlinks on the way."""
        keep = 0
        while keep < len(self.chain) and keep < len(parts) and self.chain[keep][0] == parts[keep]:
            keep += 1
        for _, fd in self.chain[keep:]:
            os.close(fd)
        del self.chain[keep:]
        for i in range(keep, len(parts)):
            parent = self.chain[-1][1] if self.chain else self.root
            self.chain.append((parts[i], self._open_dir(parent, parts[: i + 1])))
        return self.chain[-1][1] if self.chain else self.root

    def _open_dir(self, parent: int, parts: tuple[str, ...]) -> int:
        name = parts[-1]
        try:
            return os.open(name, _DIR_FLAGS, dir_fd=parent)
        except FileNotFoundError:
            os.mkdir(name, 0o755, dir_fd=parent)  # tar may leave out parent directories
            return os.open(name, _DIR_FLAGS, dir_fd=parent)
        except OSError as e:
            if e.errno not in (errno.ELOOP, errno.ENOTDIR):
                raise
            st = os.stat(name, dir_fd=parent, follow_symlinks=False)
            kind = "a symlink" if stat.S_ISLNK(st.st_mode) else "not a directory"
            raise UnsafeArchiveError(
                f"{self.what}: {_show(parts)} is {kind}: refusing to write through it "
                "(an archive entry below a symlink could land outside the layer)") from None


def _remove(parent: int, name: str) -> None:
    """Remove whatever ``name`` is (a directory with its contents), never following links."""
    try:
        st = os.stat(name, dir_fd=parent, follow_symlinks=False)
    except FileNotFoundError:
        return
    if stat.S_ISDIR(st.st_mode):
        shutil.rmtree(name, dir_fd=parent)
    else:
        os.unlink(name, dir_fd=parent)


def _escapes(parts: tuple[str, ...], target: str) -> bool:
    """Would the relative symlink ``parts -> target`` point above the layer's root?"""
    depth = len(parts) - 1
    for c in target.split("/"):
        if c == "..":
            depth -= 1
            if depth < 0:
                return True
        elif c not in ("", "."):
            depth += 1
    return False


class _Extractor:
    def __init__(self, dest: str, what: str, devices: bool):
        self.tree = _Tree(os.open(dest, _DIR_FLAGS), what)
        self.what = what
        self.devices = devices
        self.owners = os.geteuid() == 0
        self.files: set[tuple[str, ...]] = set()  # regular files of this layer (hard link targets)
        self.dir_times: list[tuple[tuple[str, ...], int]] = []
        self.stats = ExtractStats()

    def member(self, tar: tarfile.TarFile, m: tarfile.TarInfo) -> None:
        parts = clean_name(m.name, self.what)
        self.stats.entries += 1
        if not parts:  # "./": the layer's root directory itself
            if m.isdir():
                self._meta(self.tree.root, None, m)
                self.dir_times.append(((), int(m.mtime * 1e9)))
            return
        name = parts[-1]
        if name.startswith(WHITEOUT):
            self._whiteout(parts)
            return
        parent = self.tree.dir_fd(parts[:-1])
        self.files.discard(parts)
        if m.isdir():
            try:
                os.mkdir(name, 0o700, dir_fd=parent)
            except FileExistsError:
                st = os.stat(name, dir_fd=parent, follow_symlinks=False)
                if not stat.S_ISDIR(st.st_mode):
                    os.unlink(name, dir_fd=parent)
                    os.mkdir(name, 0o700, dir_fd=parent)
            self._meta(parent, name, m)
            self.dir_times.append((parts, int(m.mtime * 1e9)))
            return
        if m.isreg():
            self._file(tar, m, parent, name, parts)
        elif m.issym():
            if not m.linkname.startswith("/") and _escapes(parts, m.linkname):
                raise UnsafeArchiveError(
                    f"{self.what}: symlink {_show(parts)} -> {m.linkname} points outside the "
                    "layer (escaping symlink refused)")
            self._replace(parent, name, lambda: os.symlink(m.linkname, name, dir_fd=parent))
            self._meta(parent, name, m, link=True)
        elif m.islnk():
            self._hardlink(m, parent, name, parts)
        elif m.ischr() or m.isblk():
            if not self.devices:
                kind = "character" if m.ischr() else "block"
                raise UnsafeArchiveError(
                    f"{self.what}: device node {_show(parts)} ({kind} {m.devmajor}:{m.devminor}) "
                    "refused: image layers may not create devices (a container gets its own "
                    "/dev)")
            kind_bit = stat.S_IFCHR if m.ischr() else stat.S_IFBLK
            self._replace(parent, name, lambda: os.mknod(
                name, 0o600 | kind_bit, os.makedev(m.devmajor, m.devminor), dir_fd=parent))
            self._meta(parent, name, m)
        elif m.isfifo():
            self._replace(parent, name, lambda: os.mkfifo(name, 0o600, dir_fd=parent))
            self._meta(parent, name, m)
        else:
            raise UnsafeArchiveError(f"{self.what}: {_show(parts)} has tar type {m.type!r}, "
                                     "which a layer may not contain")

    def _replace(self, parent: int, name: str, create) -> None:
        try:
            create()
        except FileExistsError:
            _remove(parent, name)
            create()

    def _file(self, tar: tarfile.TarFile, m: tarfile.TarInfo, parent: int, name: str,
              parts: tuple[str, ...]) -> None:
        try:
            fd = os.open(name, _FILE_FLAGS, 0o600, dir_fd=parent)
        except FileExistsError:  # a later entry replaces an earlier one (or a hard link to it)
            _remove(parent, name)
            fd = os.open(name, _FILE_FLAGS, 0o600, dir_fd=parent)
        try:
            src = tar.extractfile(m)
            left = m.size
            while left:
                chunk = src.read(min(left, 1 << 20)) if src else b""
                if not chunk:
                    raise UnsafeArchiveError(f"{self.what}: {_show(parts)} is cut short "
                                             f"({left} of {m.size} bytes missing: truncated)")
                view = memoryview(chunk)
                while view:
                    view = view[os.write(fd, view):]
                left -= len(chunk)
            self._meta_fd(fd, m)
        finally:
            os.close(fd)
        self._xattrs(parent, name, m)
        self.files.add(parts)
        self.stats.size += m.size

    def _hardlink(self, m: tarfile.TarInfo, parent: int, name: str,
                  parts: tuple[str, ...]) -> None:
        target = clean_name(m.linkname, self.what, "hard link target")
        if target not in self.files:
            raise UnsafeArchiveError(
                f"{self.what}: hard link {_show(parts)} -> {m.linkname}: the target is not a file "
                "unpacked earlier from this layer (hard links may not leave the layer)")
        source = _Tree(os.dup(self.tree.root), self.what)
        try:
            src_parent = source.dir_fd(target[:-1])
            self._replace(parent, name, lambda: os.link(
                target[-1], name, src_dir_fd=src_parent, dst_dir_fd=parent,
                follow_symlinks=False))
        finally:
            source.close()
        self.files.add(parts)

    def _whiteout(self, parts: tuple[str, ...]) -> None:
        parent = self.tree.dir_fd(parts[:-1])
        shown = _show(parts[:-1])
        if parts[-1] == OPAQUE:
            make_opaque(".", dir_fd=parent, shown=shown)
            return
        hidden = parts[-1][len(WHITEOUT):]
        if not hidden or hidden.startswith(WHITEOUT):
            return  # other .wh..wh.* names are aufs bookkeeping: nothing to do
        try:
            os.stat(hidden, dir_fd=parent, follow_symlinks=False)
            return  # the same layer also has the file: a whiteout only hides lower layers
        except FileNotFoundError:
            make_whiteout(hidden, dir_fd=parent, shown=_show((*parts[:-1], hidden)))

    # --- owner, mode, times, xattrs
    def _meta_fd(self, fd: int, m: tarfile.TarInfo) -> None:
        if self.owners:
            os.fchown(fd, m.uid, m.gid)
        os.fchmod(fd, m.mode & 0o7777)
        os.utime(fd, ns=(int(m.mtime * 1e9),) * 2)

    def _meta(self, parent: int, name: str | None, m: tarfile.TarInfo,
              link: bool = False) -> None:
        if name is None:  # the root
            self._meta_fd(parent, m)
            return
        if self.owners:
            os.chown(name, m.uid, m.gid, dir_fd=parent, follow_symlinks=False)
        if not link:
            os.chmod(name, m.mode & 0o7777, dir_fd=parent)
            self._xattrs(parent, name, m)
        if not m.isdir():
            os.utime(name, ns=(int(m.mtime * 1e9),) * 2, dir_fd=parent, follow_symlinks=False)

    def _xattrs(self, parent: int, name: str, m: tarfile.TarInfo) -> None:
        for key, value in m.pax_headers.items():
            if not key.startswith("SCHILY.xattr."):
                continue
            attr = key[len("SCHILY.xattr."):]
            if attr.startswith("trusted.overlay."):
                raise UnsafeArchiveError(
                    f"{self.what}: {m.name} carries the xattr {attr}, which would change how "
                    f"overlayfs reads the layer (only {OPAQUE_XATTR} from a .wh..wh..opq entry "
                    "is made here)")
            if attr.startswith(_KEPT_XATTRS):
                raw = value.encode("utf-8", "surrogateescape")
                os.setxattr(f"/proc/self/fd/{parent}/{name}", attr, raw, follow_symlinks=False)

    def finish(self) -> None:
        for parts, mtime in reversed(self.dir_times):
            if not parts:
                os.utime(self.tree.root, ns=(mtime, mtime))
                continue
            parent = self.tree.dir_fd(parts[:-1])
            with contextlib.suppress(FileNotFoundError):  # replaced by a later entry
                os.utime(parts[-1], ns=(mtime, mtime), dir_fd=parent, follow_symlinks=False)
        self.tree.close()


def extract_layer(stream: BinaryIO, dest: str | os.PathLike, *, what: str = "layer",
                  devices: bool = False) -> ExtractStats:
    """Unpack the (uncompressed) tar ``stream`` into the existing directory ``dest``.

    ``what`` names the layer in error messages. Raises :class:`UnsafeArchiveError` for a
    hostile entry and :class:`~..errors.PclError` for an archive that is not a tar.
    """
    ex = _Extractor(os.fspath(dest), what, devices)
    try:
        with tarfile.open(fileobj=stream, mode="r|", errorlevel=2) as tar:
            for m in tar:
                ex.member(tar, m)
    except tarfile.TarError as e:
        ex.tree.close()
        raise PclError(f"{what}: not a valid tar archive ({e}): truncated or corrupt"
                       ) from None
    except BaseException:
        ex.tree.close()
        raise
    ex.finish()
    return ex.stats
