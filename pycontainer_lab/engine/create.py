"""``create``: a container record, a read-write layer and an OCI bundle -- nothing running yet.

Docker's ``create`` (and the first half of ``run``) takes an image and the flags, and
prepares everything the runtime will need: a new id and a name, the image's config merged with
the flags (``-e``, ``-w``, ``-u``, ``--entrypoint``, the command), an empty read-write layer
on top of the image's layers (the *container layer*, syllabus S2.3), the files Docker bind-
mounts in (``/etc/hostname``, ``/etc/hosts``, ``/etc/resolv.conf``) and ``config.json``.
"""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import UsageError
from ..linux.cgroups import Resources
from ..runtime import spec as oci
from . import ids, restart, specgen
from . import state as st
from .store import ContainerStore
from .users import resolve_user

__all__ = ["ContainerOptions", "create", "parse_env_file"]


@dataclass
class ContainerOptions:
    """What ``docker create``/``run`` flags say, in Docker's words."""

    image: str = ""
    cmd: list[str] = field(default_factory=list)
    entrypoint: str | None = None
    """``--entrypoint``: ``None`` keeps the image's, ``""`` clears it."""
    env: list[str] = field(default_factory=list)
    env_file: list[str] = field(default_factory=list)
    name: str = ""
    hostname: str = ""
    domainname: str = ""
    user: str = ""
    workdir: str = ""
    tty: bool = False
    interactive: bool = False
    labels: list[str] = field(default_factory=list)
    restart: str = "no"
    auto_remove: bool = False
    cap_add: list[str] = field(default_factory=list)
    cap_drop: list[str] = field(default_factory=list)
    privileged: bool = False
    security_opt: list[str] = field(default_factory=list)
    read_only: bool = False
    init: bool = False
    network: str = "none"
    stop_signal: str = ""
    stop_timeout: int | None = None
    resources: Resources | None = None
    """The resource flags, checked (``Resources.from_flags(memory="32m", …)``)."""
    rootfs: str = ""
    """Run from this directory instead of an image (``podman run --rootfs``)."""


# The cgroups floor's field names → Docker's HostConfig names (what `inspect` shows).
_HOST_CONFIG = {
    "nano_cpus": "NanoCpus", "cpu_period": "CpuPeriod", "cpu_quota": "CpuQuota",
    "cpuset_cpus": "CpusetCpus", "cpuset_mems": "CpusetMems", "cpu_shares": "CpuShares",
    "memory": "Memory", "memory_swap": "MemorySwap", "memory_swappiness": "MemorySwappiness",
    "memory_reservation": "MemoryReservation", "kernel_memory": "KernelMemory",
    "oom_kill_disable": "OomKillDisable", "pids_limit": "PidsLimit",
    "blkio_weight": "BlkioWeight", "blkio_weight_device": "BlkioWeightDevice",
    "device_read_bps": "BlkioDeviceReadBps", "device_write_bps": "BlkioDeviceWriteBps",
    "device_read_iops": "BlkioDeviceReadIOps", "device_write_iops": "BlkioDeviceWriteIOps",
}


def host_config_resources(resources: Resources) -> dict:
    """``Resources`` in Docker's ``HostConfig`` words (devices as ``{"Path", "Rate"}``)."""
    out = {}
    for key, value in resources.to_dict().items():
        if key not in _HOST_CONFIG:
            continue
        if isinstance(value, list):
            field_name = "Weight" if key == "blkio_weight_device" else "Rate"
            value = [{"Path": d["path"], field_name: d["value"]} for d in value]
        out[_HOST_CONFIG[key]] = value
    return out


def parse_env_file(path: str) -> list[str]:
    """``--env-file``: ``KEY=value`` lines; ``#`` comments; a bare ``KEY`` takes our value."""
    try:
        with open(path) as f:
            lines = f.read().splitlines()
    except OSError as e:
        raise UsageError(f"cannot read --env-file {path}: {e.strerror}") from None
    out = []
    for n, line in enumerate(lines, 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, eq, value = line.partition("=")
        if not key or " " in key.strip():
            raise UsageError(f"invalid --env-file {path} line {n}: variable '{key}' contains "
                             "whitespaces")
        if eq:
            out.append(f"{key}={value}")
        elif key in os.environ:
            out.append(f"{key}={os.environ[key]}")
    return out


def _merge_env(base: list[str], extra: list[str]) -> list[str]:
    """Later ``KEY=…`` win; a bare ``-e KEY`` takes the caller's value (or is dropped)."""
    env: dict[str, str] = {}
    for item in base + extra:
        key, eq, value = item.partition("=")
        if not key:
            raise UsageError(f'invalid environment variable "{item}": it needs a name')
        if eq:
            env[key] = value
        elif key in os.environ:
            env[key] = os.environ[key]
    if "PATH" not in env:
        env = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", **env}
    return [f"{k}={v}" for k, v in env.items()]


def _labels(items: list[str], base: dict[str, str]) -> dict[str, str]:
    labels = dict(base)
    for item in items:
        key, _, value = item.partition("=")
        labels[key] = value
    return labels


@dataclass
class _Source:
    image_id: str
    image_name: str
    env: list[str]
    cmd: list[str] | None
    entrypoint: list[str] | None
    workdir: str
    user: str
    labels: dict[str, str]
    stop_signal: str
    lowers: list[str]
    driver: str


def _from_image(ref: str) -> _Source:
    from ..image.store import Store

    store = Store()
    image = store.get(ref, notify=lambda message: print(message, file=sys.stderr, flush=True))
    rc = image.run_config
    return _Source(image.id, ref, rc.env, rc.cmd, rc.entrypoint, rc.working_dir, rc.user,
                   rc.labels, rc.stop_signal, [str(p) for p in store.layer_dirs(image)],
                   store.driver)


def _from_rootfs(path: str) -> _Source:
    if not os.path.isdir(path):
        raise UsageError(f"--rootfs {path} is not a directory")
    return _Source("", os.path.abspath(path), [], None, None, "", "", {}, "", [], "")


def create(opts: ContainerOptions, store: ContainerStore | None = None) -> dict:
    """Prepare a container; return its record (Status ``created``)."""
    store = store or ContainerStore()
    if not opts.image and not opts.rootfs:
        raise UsageError("create needs an image: pcl create [OPTIONS] IMAGE [COMMAND]")
    policy = restart.parse(opts.restart)
    if opts.auto_remove and policy["Name"]:
        raise UsageError("Conflicting options: --restart and --rm")
    name = ids.check_name(opts.name) if opts.name else ""
    env = opts.env + [e for path in opts.env_file for e in parse_env_file(path)]
    src = _from_rootfs(opts.rootfs) if opts.rootfs else _from_image(opts.image)
    if opts.entrypoint is not None:
        entrypoint = [opts.entrypoint] if opts.entrypoint else None
        cmd = opts.cmd or None  # a new entrypoint drops the image's command, as in Docker
    else:
        entrypoint = src.entrypoint
        cmd = opts.cmd or src.cmd
    if not (entrypoint or cmd):
        raise UsageError("No command specified: give one after the image, or use an image "
                         "with a CMD or ENTRYPOINT")
    cid = ids.new_id()
    name = name or _free_name(store)
    record = {
        "ID": cid, "Created": st.now(), "Path": (entrypoint or cmd)[0],
        "Args": ((entrypoint or []) + (cmd or []))[1:],
        "State": st.new_state(), "Image": src.image_id, "Name": name,
        "RestartCount": 0, "Driver": src.driver or "bind", "Platform": "linux",
        "Config": {
            "Hostname": opts.hostname or cid[:12], "Domainname": opts.domainname,
            "User": opts.user or src.user, "AttachStdin": opts.interactive,
            "AttachStdout": True, "AttachStderr": True, "Tty": opts.tty,
            "OpenStdin": opts.interactive, "StdinOnce": opts.interactive,
            "Env": _merge_env(src.env, env), "Cmd": cmd, "Image": src.image_name,
            "WorkingDir": opts.workdir or src.workdir, "Entrypoint": entrypoint,
            "Labels": _labels(opts.labels, src.labels),
            "StopSignal": opts.stop_signal or src.stop_signal or None,
            "StopTimeout": opts.stop_timeout,
        },
        "HostConfig": {
            "NetworkMode": opts.network or "none", "RestartPolicy": policy,
            "AutoRemove": opts.auto_remove, "CapAdd": opts.cap_add or None,
            "CapDrop": opts.cap_drop or None, "Privileged": opts.privileged,
            "ReadonlyRootfs": opts.read_only, "SecurityOpt": opts.security_opt or None,
            "Init": opts.init or None,
            **host_config_resources(opts.resources or Resources()),
        },
    }
    if record["Config"]["WorkingDir"] and not record["Config"]["WorkingDir"].startswith("/"):
        raise UsageError(f'the working directory "{record["Config"]["WorkingDir"]}" is '
                         "invalid: it needs to be an absolute path")
    warnings = list(opts.resources.warnings) if opts.resources else []
    store.add(record)  # reserves the name; from here on, undo on failure
    try:
        _prepare(store, record, src, opts.resources or Resources(), warnings)
    except BaseException:
        store.remove(cid)
        raise
    return store.load(cid)


def _free_name(store: ContainerStore) -> str:
    taken = {r.get("Name", "")[1:] for r in store.all()}
    name = ids.random_name()
    while name in taken:
        name = ids.random_name()
    return name


def _prepare(store: ContainerStore, record: dict, src: _Source, resources: Resources,
             warnings: list[str]) -> None:
    cid = record["ID"]
    d = store.dir(cid)
    bundle = d / "bundle"
    rootfs = bundle / "rootfs"
    rootfs.mkdir(parents=True)
    pcl: dict = {"Warnings": warnings, "Resources": resources.to_dict()}
    if src.lowers:
        (d / "diff").mkdir()
        (d / "work").mkdir()
        lowers = [*src.lowers, _init_layer(d / "init", record)]
        pcl["Rootfs"] = {"driver": src.driver, "lowers": lowers, "upper": str(d / "diff"),
                         "work": str(d / "work")}
        record["GraphDriver"] = {"Name": src.driver, "Data": {
            "LowerDir": ":".join(reversed(lowers)), "UpperDir": str(d / "diff"),
            "WorkDir": str(d / "work"), "MergedDir": str(rootfs)}}
        tree = src.lowers
    else:
        os.rmdir(rootfs)
        rootfs.symlink_to(src.image_name)  # --rootfs: the directory is used in place
        record["GraphDriver"] = {"Name": "bind", "Data": {"MergedDir": src.image_name}}
        tree = [src.image_name]
    pcl["User"] = resolve_user(record["Config"]["User"], tree)
    mounts = _etc_files(d, record)
    record["Pcl"] = pcl
    record["LogPath"] = str(d / f"{cid}-json.log")
    record["HostnamePath"], record["HostsPath"], record["ResolvConfPath"] = (
        str(d / "hostname"), str(d / "hosts"), str(d / "resolv.conf"))
    record["Mounts"] = []
    spec = specgen.build_spec(record, str(rootfs), mounts)
    oci.save(bundle, spec)
    store.update(cid, lambda r: r.update({k: record[k] for k in (
        "Pcl", "LogPath", "HostnamePath", "HostsPath", "ResolvConfPath", "Mounts",
        "GraphDriver")}))


# What the runtime mounts something onto: made in a layer of their own (Docker's "-init"
# layer), so that they are not changes of the container (``diff``, ``commit`` leave them out).
INIT_DIRS = ("dev", "proc", "sys", "etc", "sbin")
INIT_FILES = ("etc/hostname", "etc/hosts", "etc/resolv.conf")


def _init_layer(path: Path, record: dict) -> str:
    for sub in INIT_DIRS:
        (path / sub).mkdir(parents=True, exist_ok=True)
    for f in INIT_FILES:
        (path / f).touch()
    if record["HostConfig"].get("Init"):
        (path / specgen.INIT_IN_CONTAINER.lstrip("/")).touch()
    return str(path)


def _etc_files(d: Path, record: dict) -> list[dict]:
    """The three files Docker writes per container and binds in (syllabus S5.4: the host's
    resolver configuration is what the container gets)."""
    hostname = record["Config"]["Hostname"]
    (d / "hostname").write_text(hostname + "\n")
    if record["HostConfig"]["NetworkMode"] == "host":
        shutil.copyfile("/etc/hosts", d / "hosts")
    else:
        (d / "hosts").write_text(
            "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
            f"127.0.1.1\t{hostname}\n")
    try:
        shutil.copyfile("/etc/resolv.conf", d / "resolv.conf")
    except OSError:
        (d / "resolv.conf").write_text("")
    return [{"destination": f"/etc/{n}", "type": "bind", "source": str(d / n),
             "options": ["rbind", "rprivate"]} for n in ("hostname", "hosts", "resolv.conf")]
