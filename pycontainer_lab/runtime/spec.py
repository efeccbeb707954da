"""The OCI runtime specification's ``config.json``: everything a runtime needs to start one
container from a *bundle* (a directory with ``config.json`` and a root filesystem).

The file says which program to run (``process``), as whom, with which capabilities and
rlimits; which root filesystem (``root``); what to mount (``mounts``); and the Linux specifics
(``linux``): namespaces, cgroup limits, paths to mask or make read-only, a seccomp profile.
:func:`default_spec` gives what ``runc spec`` gives, with Docker's secure defaults.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from ..errors import PclError
from ..linux.capabilities import DOCKER_DEFAULT

__all__ = [
    "MASKED_PATHS", "NAMESPACES", "OCI_VERSION", "READONLY_PATHS", "default_mounts",
    "default_spec", "load", "save",
]

OCI_VERSION = "1.0.2"

# What /proc must not show a container (the same list as Docker's): kernel memory, keys,
# timers and scheduler internals, firmware; hidden under /dev/null or an empty tmpfs.
MASKED_PATHS = [
    "/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
    "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi",
    "/sys/firmware", "/sys/devices/virtual/powercap",
]
# What a container may read but never write: kernel settings and the sysrq trigger.
READONLY_PATHS = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]

NAMESPACES = ["pid", "network", "ipc", "uts", "mount", "cgroup"]


def default_mounts() -> list[dict]:
    """The mounts every container gets (OCI's defaults, as ``runc spec`` writes them)."""
    return [
        {"destination": "/proc", "type": "proc", "source": "proc",
         "options": ["nosuid", "noexec", "nodev"]},
        {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
         "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
        {"destination": "/dev/pts", "type": "devpts", "source": "devpts",
         "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]},
        {"destination": "/dev/shm", "type": "tmpfs", "source": "shm",
         "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]},
        {"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue",
         "options": ["nosuid", "noexec", "nodev"]},
        {"destination": "/sys", "type": "sysfs", "source": "sysfs",
         "options": ["nosuid", "noexec", "nodev", "ro"]},
    ]


def default_spec(args: list[str] | None = None, rootfs: str = "rootfs",
                 terminal: bool = False, hostname: str = "pcl") -> dict:
    """A complete ``config.json`` document with Docker's secure defaults."""
    caps = list(DOCKER_DEFAULT)
    return {
        "ociVersion": OCI_VERSION,
        "process": {
            "terminal": terminal,
            "user": {"uid": 0, "gid": 0},
            "args": args or ["sh"],
            "env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                    "TERM=xterm"],
            "cwd": "/",
            "capabilities": {k: list(caps) for k in
                             ("bounding", "effective", "permitted", "inheritable")},
            "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}],
            "noNewPrivileges": True,
        },
        "root": {"path": rootfs, "readonly": False},
        "hostname": hostname,
        "mounts": default_mounts(),
        "linux": {
            "namespaces": [{"type": t} for t in NAMESPACES],
            "maskedPaths": list(MASKED_PATHS),
            "readonlyPaths": list(READONLY_PATHS),
            "seccomp": {"profile": "default"},
            "resources": {},
        },
        "annotations": {},
    }


def load(bundle: str | Path) -> dict:
    """Read and check a bundle's ``config.json``."""
    path = Path(bundle) / "config.json"
    try:
        spec = json.loads(path.read_text())
    except FileNotFoundError:
        raise PclError(f"no config.json in bundle {bundle}: create one with `pcl oci spec`") \
            from None
    except json.JSONDecodeError as e:
        raise PclError(f"invalid {path}: {e}") from None
    for key in ("process", "root"):
        if key not in spec:
            raise PclError(f"invalid {path}: missing {key!r}")
    if not spec["process"].get("args"):
        raise PclError(f"invalid {path}: process.args is empty: say which program to run")
    root = spec["root"]["path"]
    if not os.path.isabs(root):
        spec["root"]["path"] = str(Path(bundle).resolve() / root)
    if not os.path.isdir(spec["root"]["path"]):
        raise PclError(f"root filesystem {spec['root']['path']} of bundle {bundle} is not a "
                       "directory")
    return spec


def save(bundle: str | Path, spec: dict) -> None:
    """Write ``config.json`` into ``bundle`` atomically."""
    path = Path(bundle) / "config.json"
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(spec, indent=2))
    os.replace(tmp, path)
