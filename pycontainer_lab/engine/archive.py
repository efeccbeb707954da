"""``cp``, ``export``: files in and out of a container as tar streams.

The container side is always handled by a helper inside the container's root
(:mod:`.inside`), so a symlink planted in the container cannot send a copy to the host's
files; the host side unpacks what comes out with tarfile's ``data`` filter.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import BinaryIO

from ..errors import PclError
from ..fresh import python_argv
from .cpplan import unpack
from .reconcile import reconcile
from .store import ContainerStore

__all__ = ["copy_from", "copy_to", "export"]



def _request(store: ContainerStore, ref: str) -> dict:
    """How the helper gets into this container's files: join it, or mount its layers."""
    record = reconcile(store, store.get(ref))
    if record["State"]["Status"] in ("running", "paused"):
        return {"pid": record["State"]["Pid"]}
    layers = record.get("Pcl", {}).get("Rootfs")
    merged = record["GraphDriver"]["Data"]["MergedDir"]
    return {"layers": layers, "root": str(store.dir(record["ID"]) / "bundle" / "rootfs")
            if layers else merged}


def _helper(request: dict, stdin: int | BinaryIO | None,
            stdout: int | BinaryIO | None) -> subprocess.Popen:
    """Start the helper (a fresh process: safe from a Jupyter kernel) with the request."""
    return subprocess.Popen(python_argv("pycontainer_lab.engine.inside", json.dumps(request)),
                            stdin=stdin, stdout=stdout, stderr=subprocess.PIPE)


def _finish(helper: subprocess.Popen) -> None:
    err = helper.stderr.read().decode(errors="replace").strip()
    helper.stderr.close()
    if helper.wait() != 0:
        raise PclError(err.removeprefix("pcl: ") or "copying failed")


def copy_from(ref: str, src: str, dest: str, follow: bool = False, archive: bool = False,
              store: ContainerStore | None = None) -> None:
    """``cp CONTAINER:SRC DEST`` (``DEST`` ``-``: the tar stream to stdout)."""
    store = store or ContainerStore()
    request = {**_request(store, ref), "op": "out", "path": src, "follow": follow}
    if dest == "-":
        helper = _helper(request, subprocess.DEVNULL, sys.stdout.buffer)
        _finish(helper)
        return
    helper = _helper(request, subprocess.DEVNULL, subprocess.PIPE)
    try:
        unpack(helper.stdout, dest, owner=None if archive else (os.getuid(), os.getgid()),
               hostile=True)
    except BaseException:
        try:
            failed_first = helper.wait(timeout=2) != 0  # it failed: an empty stream
        except subprocess.TimeoutExpired:
            failed_first = False  # we failed while it still wrote
        if failed_first:
            _finish(helper)  # raises its error: that is the cause
        helper.kill()
        helper.wait()
        helper.stderr.close()
        raise
    finally:
        helper.stdout.close()
    _finish(helper)


def copy_to(ref: str, src: str, dest: str, follow: bool = False, archive: bool = False,
            store: ContainerStore | None = None) -> None:
    """``cp SRC CONTAINER:DEST`` (``SRC`` ``-``: a tar stream from stdin)."""
    import tarfile

    store = store or ContainerStore()
    request = {**_request(store, ref), "op": "in", "path": dest, "keep_owner": archive}
    if src == "-":
        _finish(_helper(request, sys.stdin.buffer, subprocess.DEVNULL))
        return
    contents = src.endswith("/.")
    real = (src[:-2] or "/") if contents else src.rstrip("/") or "/"
    if not os.path.lexists(real):
        raise PclError(f"could not find the file {src} on the host")
    if follow and os.path.islink(real):
        real = os.path.realpath(real)
    helper = _helper(request, subprocess.PIPE, subprocess.DEVNULL)
    try:
        with tarfile.open(fileobj=helper.stdin, mode="w|", format=tarfile.PAX_FORMAT) as tar:
            tar.add(real, arcname="." if contents else os.path.basename(real))
    except BrokenPipeError:
        pass
    finally:
        helper.stdin.close()
        _finish(helper)


def export(ref: str, out: BinaryIO, store: ContainerStore | None = None) -> None:
    """``export``: the container's whole filesystem as a tar stream (mounts left out)."""
    store = store or ContainerStore()
    request = {**_request(store, ref), "op": "out", "path": "/"}
    if "pid" in request:  # a running container: its own mounts (/proc, /dev…) stay out
        from ..linux.mounts import mounts

        request["skip"] = [m.target for m in mounts(request["pid"]) if m.target != "/"]
    _finish(_helper(request, subprocess.DEVNULL, out))
