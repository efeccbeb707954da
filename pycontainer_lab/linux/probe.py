"""What this host allows: the facts every other module (and every notebook cell) checks first.

``probe()`` looks, it never changes anything: are we root, may we create user namespaces, which
cgroup version holds which controllers and where, is overlayfs there, which firewall tools
exist, is a static busybox installed (the offline base image is built from it). ``pcl info``
prints the result like ``docker info``; notebooks use it to explain instead of failing.
"""

from __future__ import annotations

import os
import platform
import resource
import shutil
import socket
import struct
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from functools import cache

from .. import paths
from .._version import __version__
from .cgroups.hierarchy import CgroupHierarchy, cgroup_hierarchies, cgroup_mode
from .machine import go_arch

__all__ = ["CgroupHierarchy", "HostInfo", "cgroup_hierarchies", "cgroup_mode", "go_arch", "probe"]

# Capability numbers (linux/capability.h) the project cares about.
CAP_SYS_ADMIN = 21
CAP_SYS_RESOURCE = 24


@dataclass
class HostInfo:
    """Everything ``probe()`` found. Field names follow ``docker info``'s JSON where it has one."""

    ServerVersion: str
    Name: str
    KernelVersion: str
    OperatingSystem: str
    OSType: str
    Architecture: str
    NCPU: int
    MemTotal: int
    Driver: str
    CgroupDriver: str
    CgroupVersion: str
    LoggingDriver: str
    DockerRootDir: str
    SecurityOptions: list[str]
    Warnings: list[str]
    Host: dict = field(default_factory=dict)
    """What Docker does not report but a learner needs: the project's own probes."""

    def to_dict(self) -> dict:
        return asdict(self)


def _capabilities() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("CapEff:"):
                return int(line.split()[1], 16)
    return 0


def _read(path: str, default: str = "") -> str:
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return default


def _os_name() -> str:
    for line in _read("/etc/os-release").splitlines():
        if line.startswith("PRETTY_NAME="):
            return line.split("=", 1)[1].strip('"')
    return platform.system()


def _mem_total() -> int:
    for line in _read("/proc/meminfo").splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) * 1024
    return 0


def is_static_elf(path: str) -> bool:
    """True when the ELF file has no program interpreter (``PT_INTERP``): statically linked."""
    try:
        with open(path, "rb") as f:
            head = f.read(64)
            if head[:4] != b"\x7fELF":
                return False
            is64 = head[4] == 2
            fmt = "<" if head[5] == 1 else ">"
            if is64:
                phoff, = struct.unpack_from(fmt + "Q", head, 32)
                phentsize, phnum = struct.unpack_from(fmt + "HH", head, 54)
            else:
                phoff, = struct.unpack_from(fmt + "I", head, 28)
                phentsize, phnum = struct.unpack_from(fmt + "HH", head, 42)
            f.seek(phoff)
            table = f.read(phentsize * phnum)
    except OSError:
        return False
    return all(struct.unpack_from(fmt + "I", table, i * phentsize)[0] != 3  # PT_INTERP
               for i in range(phnum))


def find_busybox() -> str | None:
    """The host's busybox, preferring a static one (it runs in an empty root filesystem)."""
    candidates = [shutil.which("busybox"), "/bin/busybox", "/usr/bin/busybox"]
    found = [c for c in dict.fromkeys(candidates) if c and os.path.isfile(c)]
    static = [c for c in found if is_static_elf(c)]
    return (static or found or [None])[0]


def _tool_version(argv: list[str]) -> str:
    try:
        p = subprocess.run(argv, capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return (p.stdout or p.stderr).strip().splitlines()[0] if (p.stdout or p.stderr) else ""


def _user_namespaces() -> tuple[bool, str]:
    """Can this process create a user namespace? Try it, in a throwaway child."""
    if _read("/proc/sys/user/max_user_namespaces", "0") == "0":
        return False, "disabled: /proc/sys/user/max_user_namespaces is 0"
    code = ("import ctypes,sys; sys.exit(0 if ctypes.CDLL(None, use_errno=True)"
            ".unshare(0x10000000) == 0 else ctypes.get_errno())")
    p = subprocess.run([sys.executable, "-I", "-S", "-c", code], capture_output=True)
    if p.returncode == 0:
        return True, f"yes (max {_read('/proc/sys/user/max_user_namespaces')})"
    why = os.strerror(p.returncode) if p.returncode < 200 else "failed"
    hint = ""
    if _read("/proc/sys/kernel/apparmor_restrict_unprivileged_userns") == "1":
        hint = "; AppArmor restricts them: sysctl kernel.apparmor_restrict_unprivileged_userns=0"
    return False, f"no ({why}{hint})"


def _overlay() -> bool:
    if "overlay" in _read("/proc/filesystems"):
        return True
    release = platform.release()
    return any(os.path.exists(f"/lib/modules/{release}/kernel/fs/overlayfs/overlay.ko{ext}")
               for ext in ("", ".xz", ".zst", ".gz"))


@cache
def probe() -> HostInfo:
    """Look at the host once (the answer is cached; ``probe.cache_clear()`` to look again)."""
    caps = _capabilities()
    euid = os.geteuid()
    hierarchies = cgroup_hierarchies()
    cg_version, cg_mode = cgroup_mode(hierarchies)
    userns_ok, userns_text = _user_namespaces()
    overlay = _overlay()
    busybox = find_busybox()
    iptables = shutil.which("iptables")
    nft = shutil.which("nft")
    seccomp = _read("/proc/self/status").find("Seccomp:") >= 0
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)

    controllers: dict[str, str] = {}
    for h in hierarchies:
        for c in h.controllers:
            if c.startswith("name="):
                continue
            # on a hybrid host a controller bound to v1 is listed only there
            controllers.setdefault(c, f"v{h.version} {h.mountpoint}")

    warnings = []
    if euid != 0:
        warnings.append("WARNING: not running as root: only rootless steps (user namespaces "
                        "first) will work; run as root for the whole course")
    if not busybox:
        warnings.append("WARNING: no busybox: the offline base image needs it: "
                        "apt-get install busybox-static")
    elif not is_static_elf(busybox):
        warnings.append(f"WARNING: {busybox} is dynamically linked and will not run in an "
                        "empty root filesystem: apt-get install busybox-static")
    if not overlay:
        warnings.append("WARNING: no overlay filesystem: the vfs driver (plain copies) is "
                        "used: modprobe overlay")
    if not iptables:
        warnings.append("WARNING: no iptables: bridge networking cannot NAT: "
                        "apt-get install iptables")
    if cg_mode == "hybrid":
        warnings.append("WARNING: cgroups are in hybrid mode: resource controllers are on v1")
    if not caps & (1 << CAP_SYS_RESOURCE):
        warnings.append(f"WARNING: no CAP_SYS_RESOURCE: hard rlimits cannot be raised above "
                        f"the current ones (nofile {hard})")
    if not userns_ok:
        warnings.append(f"WARNING: user namespaces unavailable: {userns_text}")

    host = {
        "Root": euid == 0,
        "Euid": euid,
        "CapSysAdmin": bool(caps & (1 << CAP_SYS_ADMIN)),
        "CapSysResource": bool(caps & (1 << CAP_SYS_RESOURCE)),
        "UserNamespaces": userns_ok,
        "UserNamespacesDetail": userns_text,
        "CgroupMode": cg_mode,
        "CgroupHierarchies": [asdict(h) for h in hierarchies],
        "CgroupControllers": controllers,
        "Overlay": overlay,
        "Iptables": _tool_version([iptables, "--version"]) if iptables else "",
        "IptablesPath": iptables or "",
        "Nftables": _tool_version([nft, "--version"]) if nft else "",
        "Busybox": busybox or "",
        "BusyboxStatic": bool(busybox and is_static_elf(busybox)),
        "NofileLimit": [soft, hard],
        "RunRoot": str(paths.run_root()),
        "Python": platform.python_version(),
    }
    return HostInfo(
        ServerVersion=__version__,
        Name=socket.gethostname(),
        KernelVersion=platform.release(),
        OperatingSystem=_os_name(),
        OSType="linux",
        Architecture=go_arch(),
        NCPU=os.cpu_count() or 1,
        MemTotal=_mem_total(),
        Driver="overlay2" if overlay else "vfs",
        CgroupDriver="cgroupfs",
        CgroupVersion=str(cg_version),
        LoggingDriver="json-file",
        DockerRootDir=str(paths.data_root()),
        SecurityOptions=[o for o, on in (("name=seccomp,profile=builtin", seccomp),
                                         ("name=userns", userns_ok)) if on],
        Warnings=warnings,
        Host=host,
    )
