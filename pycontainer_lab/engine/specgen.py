"""From Docker's container record to the OCI runtime's ``config.json``.

This is where Docker's flags become the runtime's language: ``--cap-add`` becomes a
capability list, ``--read-only`` becomes ``root.readonly``, ``--privileged`` drops the masks
and the seccomp filter, ``--network none`` a new empty network namespace, ``--init`` a tiny
init bound in as PID 1, ``-v`` bind mounts, the hostname the short id.
"""

from __future__ import annotations

import os
import shutil

from ..errors import UsageError
from ..linux import capabilities
from ..runtime import spec as oci

__all__ = ["INIT_BINARY", "build_spec", "find_init"]

INIT_IN_CONTAINER = "/sbin/docker-init"
INIT_BINARY = ("tini-static", "tini")


def find_init() -> str | None:
    """The host's static tini (Debian's ``tini`` package), Docker's ``docker-init``."""
    for name in INIT_BINARY:
        path = shutil.which(name) or f"/usr/bin/{name}"
        if os.path.isfile(path):
            return path
    return None


def _security_opts(opts: list[str]) -> dict[str, str]:
    out = {}
    for opt in opts:
        key, sep, value = opt.partition("=" if "=" in opt else ":")
        if key == "no-new-privileges" and not sep:
            value = "true"
        if key not in ("seccomp", "no-new-privileges", "apparmor", "label"):
            raise UsageError(f'invalid --security-opt "{opt}": use seccomp=unconfined, '
                             "no-new-privileges[=true|false], apparmor=… or label=…")
        out[key] = value
    return out


def build_spec(record: dict, bundle_rootfs: str, extra_mounts: list[dict]) -> dict:
    """The ``config.json`` for ``record`` (Docker's container record)."""
    config, host = record["Config"], record["HostConfig"]
    args = (config.get("Entrypoint") or []) + (config.get("Cmd") or [])
    if not args:
        raise UsageError("No command specified: give one after the image, or use an image "
                         "with a CMD or ENTRYPOINT")
    spec = oci.default_spec(args, rootfs=bundle_rootfs, terminal=bool(config.get("Tty")),
                            hostname=config.get("Hostname") or record["ID"][:12])
    if config.get("Domainname"):
        spec["domainname"] = config["Domainname"]
    process = spec["process"]
    process["env"] = list(config.get("Env") or [])
    process["cwd"] = config.get("WorkingDir") or "/"
    uid, gid, groups = record.get("Pcl", {}).get("User", (0, 0, []))
    process["user"] = {"uid": uid, "gid": gid, **({"additionalGids": groups} if groups else {})}
    privileged = bool(host.get("Privileged"))
    caps = capabilities.docker_capabilities(host.get("CapAdd") or [], host.get("CapDrop") or [],
                                            privileged)
    process["capabilities"] = {k: list(caps) for k in ("bounding", "effective", "permitted")}
    process["capabilities"]["inheritable"] = []
    secopts = _security_opts(host.get("SecurityOpt") or [])
    process["noNewPrivileges"] = secopts.get("no-new-privileges", "true") != "false"
    linux = spec["linux"]
    if privileged:
        linux["maskedPaths"] = []
        linux["readonlyPaths"] = []
        for m in spec["mounts"]:
            if m["destination"] == "/sys":
                m["options"] = [o for o in m["options"] if o != "ro"]
    if privileged or secopts.get("seccomp") == "unconfined":
        linux.pop("seccomp", None)
    spec["root"]["readonly"] = bool(host.get("ReadonlyRootfs"))
    mode = host.get("NetworkMode") or "none"
    namespaces = [n for n in linux["namespaces"] if n["type"] != "network"]
    if mode == "bridge":
        raise UsageError("--network bridge is not available yet (it comes with the networking "
                         "chapter): use --network none (the default here) or host")
    if mode in ("none", "default"):
        namespaces.append({"type": "network"})
    elif mode.startswith("container:"):
        namespaces.append({"type": "network", "path": record["Pcl"]["NetworkNamespacePath"]})
    elif mode != "host":
        raise UsageError(f'invalid --network "{mode}": use none, host or container:NAME')
    linux["namespaces"] = namespaces
    if mode == "host":  # the host's network is the host's: so is its /sys
        spec["mounts"] = [m for m in spec["mounts"] if m["destination"] != "/sys"]
    spec["mounts"].extend(extra_mounts)
    if host.get("Init"):
        tini = find_init()
        if tini is None:
            raise UsageError("--init needs tini on the host: apt-get install tini")
        spec["mounts"].append({"destination": INIT_IN_CONTAINER, "type": "bind",
                               "source": tini, "options": ["bind", "ro"]})
        process["args"] = [INIT_IN_CONTAINER, "--", *args]
    spec["annotations"] = {"org.opencontainers.image.ref.name": config.get("Image", ""),
                           "io.pycontainer-lab.name": record["Name"].lstrip("/")}
    return spec
