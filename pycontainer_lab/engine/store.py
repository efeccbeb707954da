"""The container records: one directory per container, one human-readable JSON file each.

``<data root>/containers/<id>/config.json`` holds what ``docker inspect`` shows -- the
configuration the container was created with and its ``State`` -- in Docker's own shape
(``config.v2.json`` in Docker). Every change is a read-modify-write under that container's
lock, written atomically, so that a ``pcl`` command, a notebook and the container's monitor
can all update it at once and a crash never leaves half a record. Beside it live the
container's read-write layer, its logs and its bundle for the runtime.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

from .. import paths
from ..atomicfile import locked, read_json, write_json
from ..errors import NotFoundError, PclError
from .ids import check_name

__all__ = ["ContainerStore", "NameConflictError"]


class NameConflictError(PclError):
    exit_code = 125


class ContainerStore:
    """All containers of one data root (``PCL_ROOT``)."""

    def __init__(self, root: Path | None = None):
        self.root = (root or paths.data_root()) / "containers"

    # -- where things are
    def dir(self, container_id: str) -> Path:
        return self.root / container_id

    def run_dir(self, container_id: str) -> Path:
        """Runtime files of a running container (attach socket): gone after a reboot."""
        return paths.run_root() / "containers" / container_id

    def _record(self, container_id: str) -> Path:
        return self.dir(container_id) / "config.json"

    def _lock(self, container_id: str) -> Path:
        return self.dir(container_id) / ".lock"

    def _global_lock(self) -> Path:
        self.root.mkdir(parents=True, exist_ok=True)
        return self.root / ".lock"

    # -- reading
    def ids(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir()
                      if p.is_dir() and (p / "config.json").exists())

    def load(self, container_id: str) -> dict:
        try:
            return read_json(self._record(container_id))
        except FileNotFoundError:
            raise NotFoundError(f"No such container: {container_id}") from None

    def all(self) -> list[dict]:
        records = []
        for cid in self.ids():
            with contextlib.suppress(NotFoundError):
                records.append(self.load(cid))
        return records

    def resolve(self, ref: str) -> str:
        """The id of the container ``ref`` names: its full id, its name, or an id prefix."""
        ref = ref.strip()
        if not ref:
            raise NotFoundError("No such container: (empty name)")
        ids = self.ids()
        if ref in ids:
            return ref
        name = "/" + ref.lstrip("/")
        for cid in ids:
            with contextlib.suppress(NotFoundError):
                if self.load(cid).get("Name") == name:
                    return cid
        matches = [cid for cid in ids if cid.startswith(ref.lower())]
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            raise PclError(f"multiple containers found with id prefix {ref}: use more of it")
        raise NotFoundError(f"No such container: {ref}")

    def get(self, ref: str) -> dict:
        return self.load(self.resolve(ref))

    # -- writing
    def add(self, record: dict) -> None:
        """Store a new record; its name must be free (checked under the global lock)."""
        name = check_name(record["Name"])
        with locked(self._global_lock()):
            self._check_free(name)
            d = self.dir(record["ID"])
            d.mkdir(parents=True)
            record["Name"] = "/" + name
            write_json(self._record(record["ID"]), record)

    def _check_free(self, name: str, except_id: str = "") -> None:
        for other in self.all():
            if other.get("Name") == "/" + name and other["ID"] != except_id:
                raise NameConflictError(
                    f'Conflict. The container name "/{name}" is already in use by container '
                    f'"{other["ID"]}". You have to remove (or rename) that container to be '
                    "able to reuse that name.")

    def update(self, container_id: str, change: Callable[[dict], object]) -> dict:
        """Apply ``change`` to the record under its lock and save it; return the record."""
        if not self._record(container_id).exists():
            raise NotFoundError(f"No such container: {container_id}")
        with locked(self._lock(container_id)):
            record = self.load(container_id)
            change(record)
            write_json(self._record(container_id), record)
        return record

    @contextlib.contextmanager
    def editing(self, container_id: str) -> Iterator[dict]:
        """``with store.editing(id) as record:`` -- change it in the block, saved on exit."""
        if not self._record(container_id).exists():
            raise NotFoundError(f"No such container: {container_id}")
        with locked(self._lock(container_id)):
            record = self.load(container_id)
            yield record
            write_json(self._record(container_id), record)

    def rename(self, container_id: str, new_name: str) -> None:
        name = check_name(new_name)
        with locked(self._global_lock()):
            self._check_free(name, except_id=container_id)
            self.update(container_id, lambda r: r.__setitem__("Name", "/" + name))

    def remove(self, container_id: str) -> None:
        """Delete the record and everything in the container's directory."""
        d = self.dir(container_id)
        if not d.exists():
            return
        # the record goes first: a crash half-way leaves an orphan directory, not a ghost
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self._record(container_id))
        shutil.rmtree(d, ignore_errors=True)
        shutil.rmtree(self.run_dir(container_id), ignore_errors=True)
