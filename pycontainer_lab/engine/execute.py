"""``exec``: one more process in a running container, with the container's own restrictions.

The engine works out the process (the command, the container's environment plus ``-e``,
``-w``, ``-u``) from the container's ``config.json`` and the flags, and starts the runtime's
exec helper (:mod:`..runtime.exec`) as a fresh process -- safe from a Jupyter kernel.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
from dataclasses import dataclass

from ..errors import PclError, UsageError
from ..fresh import python_argv
from ..runtime import spec as oci
from .cgroup import ContainerCgroup
from .reconcile import reconcile
from .store import ContainerStore
from .users import resolve_user

__all__ = ["Exec", "start_exec"]



@dataclass
class Exec:
    """A started exec: wait for it, or (with ``tty``) talk to its terminal."""

    proc: subprocess.Popen
    console: int | None = None

    def wait(self) -> int:
        return self.proc.wait()


def start_exec(ref: str, cmd: list[str], *, interactive: bool = False, tty: bool = False,
               detach: bool = False, env: list[str] | None = None, workdir: str = "",
               user: str = "", privileged: bool = False,
               store: ContainerStore | None = None) -> Exec:
    store = store or ContainerStore()
    record = reconcile(store, store.get(ref))
    cid = record["ID"]
    if record["State"]["Status"] != "running":
        raise PclError(f"container {cid} is not running")
    if not cmd:
        raise UsageError("exec needs a command: pcl exec [OPTIONS] CONTAINER COMMAND [ARG...]")
    if workdir and not workdir.startswith("/"):
        raise UsageError(f'the working directory "{workdir}" is invalid: it needs to be an '
                         "absolute path")
    spec = oci.load(store.dir(cid) / "bundle")
    process = dict(spec["process"], args=list(cmd), terminal=tty)
    process["env"] = list(process.get("env", [])) + list(env or [])
    if workdir:
        process["cwd"] = workdir
    if user:
        layers = record.get("Pcl", {}).get("Rootfs") or {}
        tree = [*layers.get("lowers", []), layers["upper"]] if layers else \
            [record["GraphDriver"]["Data"]["MergedDir"]]
        uid, gid, groups = resolve_user(user, tree)
        process["user"] = {"uid": uid, "gid": gid, "additionalGids": groups}
    linux = {k: v for k, v in spec.get("linux", {}).items() if k == "seccomp"}
    if privileged:
        from ..linux.capabilities import docker_capabilities

        caps = docker_capabilities(privileged=True)
        process["capabilities"] = {k: caps for k in ("bounding", "effective", "permitted")}
        linux = {}
    request = {"pid": record["State"]["Pid"], "process": process, "linux": linux,
               "cgroup_procs": ContainerCgroup(record).procs_files(), "detach": detach}
    r, w = os.pipe()
    os.write(w, json.dumps(request).encode())
    os.close(w)
    mine = theirs = None
    if tty:
        mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
    pass_fds = (r,) + ((theirs.fileno(),) if theirs else ())
    quiet = subprocess.DEVNULL if detach else None
    try:
        proc = subprocess.Popen(
            python_argv("pycontainer_lab.runtime.exec", str(r),
                        str(theirs.fileno()) if theirs else "-"),
            pass_fds=pass_fds, stdin=None if interactive and not tty else subprocess.DEVNULL,
            stdout=quiet, stderr=quiet, env={**os.environ})
    finally:
        os.close(r)
        if theirs:
            theirs.close()
    console = None
    if mine is not None:
        mine.settimeout(10)
        try:
            _, fds, _, _ = socket.recv_fds(mine, 64, 1)
        except (TimeoutError, OSError):
            fds = []
        finally:
            mine.close()
        console = fds[0] if fds else None
    return Exec(proc, console)
