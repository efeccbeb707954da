"""Chapter 2, namespaces: a hostname of its own, PID 1 with its own /proc, a network stack
with a working loopback, and root inside that is nobody outside."""

from __future__ import annotations

import os
import socket

from ...linux.namespaces import Namespace
from ...linux.sandbox import Sandbox
from ..feedback import exercise, hint
from .common import alive, new_kinds

__all__ = ["net_loopback", "pid_namespace", "user_root", "uts_hostname"]


@exercise("2.1", "a hostname of its own (UTS)")
def uts_hostname(box: Sandbox, hostname: str = "web1") -> str:
    alive(box)
    host = socket.gethostname()
    inside = box.uname()["hostname"]
    if "uts" not in new_kinds(box):
        raise hint("uts.shared",
                   f"The sandbox shares the host's UTS namespace, so its hostname is the "
                   f"host's ({host!r}) and setting it would rename the host. First "
                   "box.unshare('uts'), then box.sethostname(...).")
    if inside == host:
        raise hint("uts.name-not-set",
                   f"The sandbox has its own UTS namespace, which starts as a copy of the "
                   f"host's: its hostname is still {host!r}. Now set it: "
                   f"box.sethostname({hostname!r}).")
    if inside != hostname:
        raise hint("uts.wrong-name",
                   f"The sandbox's hostname is {inside!r}, not {hostname!r}.")
    return (f"inside the hostname is {inside!r}, outside still {host!r}: two UTS namespaces, "
            f"uts:[{box.namespaces()[Namespace.UTS]}] and the host's.")


def _pid_ns_of_proc_one(box: Sandbox) -> int | None:
    """The PID namespace of the process that the sandbox's /proc calls 1. A procfs shows the
    PID namespace of whoever mounted it: the host's init, or the sandbox itself."""
    try:
        link = os.readlink(f"/proc/{box.pid}/root/proc/1/ns/pid")
    except OSError:
        return None
    return int(link[link.index("[") + 1:-1])


@exercise("2.2", "PID 1 of its own PID namespace, with its own /proc")
def pid_namespace(box: Sandbox) -> str:
    alive(box)
    kinds = new_kinds(box)
    if "pid" not in kinds:
        raise hint("pid.shared",
                   f"The sandbox is still in the host's PID namespace (it is pid {box.pid}, "
                   "and sees every process of the machine). box.unshare('pid') makes a new "
                   "one, with the sandbox as its PID 1.")
    own = box.namespaces()[Namespace.PID]
    if _pid_ns_of_proc_one(box) != own:
        extra = "" if "mnt" in kinds else (" It needs a mount namespace of its own for that: "
                                           "box.unshare('mnt') first.")
        raise hint("pid.host-proc",
                   "The sandbox is PID 1 of a new PID namespace, but its /proc is still the "
                   "host's, so ps inside would list every process of the machine: a procfs "
                   "shows the PID namespace of whoever mounted it. Mount a new one: "
                   f"box.mount_proc().{extra}")
    seen = sorted(int(p) for p in os.listdir(f"/proc/{box.pid}/root/proc") if p.isdigit())
    return (f"the sandbox is pid {box.pid} outside and 1 inside; its /proc lists "
            f"{len(seen)} process(es): {seen[:8]}.")


def _loopback_flags(box: Sandbox) -> set[str]:
    out = box.run(["ip", "-o", "link", "show", "lo"], timeout=10).stdout
    if "<" not in out:
        return set()
    return set(out[out.index("<") + 1:out.index(">")].split(","))


@exercise("2.3", "a network stack of its own, loopback up")
def net_loopback(box: Sandbox) -> str:
    alive(box)
    if "net" not in new_kinds(box):
        links = sorted(os.listdir("/sys/class/net"))
        raise hint("net.shared",
                   f"The sandbox uses the host's network stack (it sees {', '.join(links)}). "
                   "box.unshare('net') gives it a stack of its own.")
    flags = _loopback_flags(box)
    if "UP" not in flags:
        raise hint("net.lo-down",
                   "The sandbox has its own network stack: only a loopback device, and it is "
                   "down, so even 127.0.0.1 is unreachable. Bring it up: "
                   "box.run('ip link set lo up').")
    return ("the sandbox's network namespace has one device, lo, and it is up "
            f"({','.join(sorted(flags))}); the host's interfaces are not there.")


@exercise("2.4", "root inside, nobody outside (user namespace)")
def user_root(box: Sandbox) -> str:
    alive(box)
    uid_out, _ = box.host_ids()
    if "user" not in new_kinds(box):
        raise hint("user.no-namespace",
                   f"The sandbox shares the host's user namespace: its uid {uid_out} is the "
                   "same number outside, and uid 0 there is the real root. box.unshare('user') "
                   "gives it its own user ids.")
    inside = box.uname()["uid"]
    if inside == 65534:
        raise hint("user.unmapped",
                   "The sandbox has its own user namespace but no uid map yet, so it is "
                   "'nobody' (65534) inside. Write the maps from outside: box.map_ids().")
    if uid_out == 0:
        raise hint("user.root-outside",
                   "Root inside is uid 0 outside as well: the map sends 0 to 0, so nothing "
                   "is gained. Map root inside to an unprivileged uid outside: box.map_ids() "
                   "maps 0 → 100000.")
    return (f"the sandbox is uid 0 inside its user namespace and uid {uid_out} outside: root "
            "in there, an unprivileged user to the host.")
