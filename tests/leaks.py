"""What the tests may leave behind on the machine, and how to notice it.

A snapshot lists everything a test could create outside its temporary directory: mounts,
processes, cgroups, network links and namespaces, System V IPC objects, loop devices and
firewall rules. Comparing a snapshot from before with one from after names the leaks.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field

MARKER = "PCL_TEST_SESSION"
BASETEMP = "PCL_TEST_BASETEMP"
CGROUP_PARENT = "PCL_CGROUP_PARENT"
SESSION_CGROUP_PREFIX = "pcl-tests-"
# Another test session running at the same time on this machine (an engineer's) has its own
# temporary directory and its own cgroup parent: what is under those is theirs.
_OTHER_TMP = re.compile(r"/pytest-of-[^/]+/pytest-\d+/")
_SESSION_CGROUP = re.compile(SESSION_CGROUP_PREFIX + r"[0-9a-f]{12}")


def _others(path: str) -> bool:
    """Does ``path`` belong to another test session than ours?"""
    base = os.environ.get(BASETEMP, "")
    if base and _OTHER_TMP.search(path) and not path.startswith(base):
        return True
    c = _SESSION_CGROUP.search(path)
    return bool(c and c.group(0) != os.environ.get(CGROUP_PARENT))


def _read(path: str) -> str:
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def mounts() -> set[str]:
    out = set()
    for line in _read("/proc/self/mountinfo").splitlines():
        a = line.split(" - ")[0].split(" ")
        fs = line.split(" - ")[1].split(" ")[:2] if " - " in line else ["?", "?"]
        if not _others(a[4]):
            out.add(f"{a[4]} ({fs[0]} {fs[1]})")
    return out


def _environ_has_marker(pid: str, marker: str) -> bool:
    try:
        with open(f"/proc/{pid}/environ", "rb") as f:
            return f"{MARKER}={marker}".encode() in f.read()
    except OSError:
        return False


def _ppid(pid: str) -> str:
    try:
        return _read(f"/proc/{pid}/stat").rsplit(")", 1)[1].split()[1]
    except IndexError:
        return "0"


def _ours(pid: str, marker: str, base: str, seen: dict[str, bool]) -> bool:
    """A process is the tests' if it carries the marker, descends from one that does, or
    has its root or working directory under the session's temporary directory (containers
    clear their environment, and may have been orphaned)."""
    if pid in seen:
        return seen[pid]
    seen[pid] = False  # guards against cycles while we look
    result = _environ_has_marker(pid, marker)
    if not result and base:
        for link in ("root", "cwd"):
            with contextlib.suppress(OSError):
                result = result or os.readlink(f"/proc/{pid}/{link}").startswith(base)
    if not result:
        parent = _ppid(pid)
        result = parent not in ("0", "1") and _ours(parent, marker, base, seen)
    seen[pid] = result
    return result


def processes(marker: str) -> set[str]:
    """Processes started by the tests (see :func:`_ours`), by pid and command line."""
    me = str(os.getpid())
    base = os.environ.get(BASETEMP, "")
    seen: dict[str, bool] = {me: False}
    out = set()
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or pid == me:
            continue
        cmd = _read(f"/proc/{pid}/cmdline").replace("\0", " ").strip()
        if not cmd:  # kernel threads and zombies have no command line
            continue
        if _ours(pid, marker, base, seen):
            out.add(f"{pid} {cmd[:120]}")
    return out


def cgroups() -> set[str]:
    """Every cgroup directory (to depth 4) on every cgroup hierarchy that the project could
    have made: their names contain ``pcl`` or ``pycontainer`` (the machine itself makes and
    removes other groups all the time, under ``process_api/`` here)."""
    out = set()
    for line in _read("/proc/self/mountinfo").splitlines():
        if " - cgroup" not in line:
            continue
        root = line.split(" ")[4]
        base_depth = root.rstrip("/").count("/")
        for dirpath, dirnames, _ in os.walk(root):
            if dirpath.count("/") - base_depth >= 4:
                dirnames[:] = []
            if dirpath != root and ("pcl" in dirpath or "pycontainer" in dirpath) \
                    and not _others(dirpath):
                out.add(dirpath)
    return out


def links() -> set[str]:
    try:
        return set(os.listdir("/sys/class/net"))
    except OSError:
        return set()


def netns() -> set[str]:
    try:
        return set(os.listdir("/run/netns"))
    except OSError:
        return set()


def ipc() -> set[str]:
    out = set()
    for kind in ("shm", "msg", "sem"):
        for line in _read(f"/proc/sysvipc/{kind}").splitlines()[1:]:
            f = line.split()
            if len(f) > 1:
                out.add(f"{kind} key={f[0]} id={f[1]}")
    return out


def loops() -> set[str]:
    out = set()
    for dev in os.listdir("/sys/block") if os.path.isdir("/sys/block") else []:
        backing = _read(f"/sys/block/{dev}/loop/backing_file").strip()
        if backing and not _others(backing):
            out.add(f"{dev} → {backing}")
    return out


BUILTIN_CHAINS = {"INPUT", "OUTPUT", "FORWARD", "PREROUTING", "POSTROUTING"}


def firewall() -> set[str]:
    out = set()
    for tool in ("iptables-save", "ip6tables-save"):
        path = shutil.which(tool)
        if not path:
            continue
        try:
            p = subprocess.run([path], capture_output=True, text=True, timeout=20)
        except (OSError, subprocess.TimeoutExpired):
            continue
        table = ""
        for line in p.stdout.splitlines():
            if line.startswith("*"):
                table = line[1:]
            elif line.startswith("-A"):
                out.add(f"{tool[:-5]} -t {table} {line}")
            elif line.startswith(":") and line[1:].split()[0] not in BUILTIN_CHAINS:
                out.add(f"{tool[:-5]} -t {table} chain {line[1:].split()[0]}")
    return out


CHEAP = {"mounts": mounts, "cgroups": cgroups, "links": links, "netns": netns, "ipc": ipc,
         "loops": loops}


@dataclass
class Snapshot:
    parts: dict[str, set[str]] = field(default_factory=dict)

    @classmethod
    def take(cls, marker: str, full: bool = False) -> Snapshot:
        parts = {name: fn() for name, fn in CHEAP.items()}
        parts["processes"] = processes(marker)
        if full:
            parts["firewall"] = firewall()
        return cls(parts)

    def leaked_since(self, before: Snapshot) -> dict[str, list[str]]:
        """What is here now and was not there before."""
        out = {}
        for name, now in self.parts.items():
            if name not in before.parts:
                continue
            new = now - before.parts[name]
            if name == "processes":
                # the same pid with the same command is the same process
                new = {p for p in new if p not in before.parts[name]}
            if new:
                out[name] = sorted(new)
        return out


def describe(leaks: dict[str, list[str]]) -> str:
    return "; ".join(f"{kind}: {', '.join(items[:8])}" + (" …" if len(items) > 8 else "")
                     for kind, items in leaks.items())
