"""What a cell needs from the host, and what to do where the host lacks it.

Every capability is looked up in :func:`pycontainer_lab.linux.probe.probe` -- the same facts
``pcl info`` prints -- so a notebook never guesses. Two ways to use it::

    %%needs userns                  # the cell runs only where user namespaces are allowed;
    box.unshare("user")             # elsewhere it prints why not and what to do, and is skipped

    if needs("cgroup:blkio"):       # the same from Python: True, or False after explaining
        ...

A skipped cell prints a short notice, never a traceback, and never output it did not make.
"""

from __future__ import annotations

import ast
import html
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass

from ..linux.probe import HostInfo, probe

__all__ = ["CAPABILITIES", "CHAPTERS", "Capability", "host_report", "missing", "needs",
           "register_magic"]


@dataclass(frozen=True)
class Capability:
    """One thing a cell may need: how to tell whether the host has it, and how to get it."""

    what: str
    present: Callable[[HostInfo], bool]
    how: Callable[[HostInfo], str]


def _controller(name: str) -> Capability:
    return Capability(
        f"the cgroup {name} controller",
        lambda h: name in h.Host["CgroupControllers"],
        lambda h: (f"this host mounts no {name} controller (pcl info lists those it has); on "
                   f"cgroup v2 enable it for children: echo +{name} > "
                   "/sys/fs/cgroup/cgroup.subtree_control"))


CAPABILITIES: dict[str, Capability] = {
    "root": Capability(
        "root (the course creates namespaces, mounts and cgroups)",
        lambda h: h.Host["Root"],
        lambda h: "start the course as root: sudo ./lab course"),
    "userns": Capability(
        "user namespaces",
        lambda h: h.Host["UserNamespaces"],
        lambda h: f"{h.Host['UserNamespacesDetail']}; allow them with "
                  "sysctl -w user.max_user_namespaces=15000"),
    "overlay": Capability(
        "the overlay filesystem",
        lambda h: h.Host["Overlay"],
        lambda h: "load it: modprobe overlay (the vfs driver still works without it)"),
    "busybox": Capability(
        "a static busybox (the tiny root filesystems of the course are made of it)",
        lambda h: h.Host["BusyboxStatic"],
        lambda h: "apt-get install busybox-static"),
    "loop": Capability(
        "loop devices (a file used as a disk, for the block I/O limits)",
        lambda h: os.path.exists("/dev/loop-control") and bool(shutil.which("losetup")),
        lambda h: "modprobe loop, and apt-get install util-linux for losetup"),
    "python-in-jail": Capability(
        "the host's /usr/bin/python3 (lent to the jail to run the breakout)",
        lambda h: os.path.exists("/usr/bin/python3"),
        lambda h: "apt-get install python3"),
    "cgroup-v1": Capability(
        "cgroup v1 controllers",
        lambda h: h.CgroupVersion == "1",
        lambda h: f"this host uses cgroup v{h.CgroupVersion}: the cell shows a v1-only knob"),
    "cgroup-v2": Capability(
        "cgroup v2 controllers",
        lambda h: h.CgroupVersion == "2",
        lambda h: f"this host uses cgroup v{h.CgroupVersion} ({h.Host['CgroupMode']}): the cell "
                  "shows a v2-only file"),
    "block-io": Capability(
        "a block I/O controller (blkio on cgroup v1, io on v2)",
        lambda h: bool({"blkio", "io"} & set(h.Host["CgroupControllers"])),
        lambda h: "this host mounts neither blkio (v1) nor io (v2); on v2 enable it: "
                  "echo +io > /sys/fs/cgroup/cgroup.subtree_control"),
    **{f"cgroup:{c}": _controller(c)
       for c in ("cpu", "cpuacct", "cpuset", "memory", "pids", "blkio", "io", "freezer")},
}


CHAPTERS: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "01-containers": ("Containers", ("root", "busybox", "python-in-jail"), ()),
    "02-namespaces": ("Namespaces", ("root", "busybox"), ("userns",)),
    "03-cgroups": ("Cgroups", ("root", "cgroup:cpu", "cgroup:memory", "cgroup:pids"),
                   ("cgroup:cpuset", "loop", "block-io", "cgroup-v1")),
    "04-images": ("Union filesystems and images", ("root", "busybox", "overlay"), ()),
}
"""Chapter → (title, what all of it needs, what single cells need and skip without)."""


def missing(name: str) -> str | None:
    """``None`` when the host has capability ``name``; otherwise what is missing and how to
    get it, in one sentence."""
    cap = CAPABILITIES.get(name)
    if cap is None:
        raise ValueError(f"unknown capability {name!r}: one of {', '.join(CAPABILITIES)}")
    host = probe()
    if cap.present(host):
        return None
    return f"{cap.what}: {cap.how(host)}"


def host_report() -> object:
    """A table: every capability the course uses, which chapters need it, and whether this
    host has it (and if not, how to get it) -- read from the probe now."""
    from .views import Mark, Table

    rows = []
    for name, cap in CAPABILITIES.items():
        chapters = [f"{c[:2]}" + ("" if name in all_ else " (some cells)")
                    for c, (_, all_, some) in CHAPTERS.items() if name in all_ or name in some]
        if not chapters:
            continue
        why = missing(name)
        here = "yes" if why is None else Mark("no: " + why.split(": ", 1)[1])
        rows.append([name, cap.what, ", ".join(chapters), here])
    return Table(["capability", "what", "chapters", "this host"], rows,
                 f"{probe().OperatingSystem}, Linux {probe().KernelVersion}, cgroup "
                 f"v{probe().CgroupVersion} ({probe().Host['CgroupMode']})")


def _notice(reasons: list[str]) -> None:
    text = "it needs " + "; and ".join(reasons) + "."
    try:
        from IPython.display import HTML, display
    except ImportError:
        print(f"Skipped on this host: {text}")
        return
    display(HTML("<div class='pcl-needs' style='border-left:4px solid #b26a00;"
                 "padding:4px 10px;background:#fff4e5'>"
                 f"<b>Skipped on this host</b>: {html.escape(text)}</div>"))


def needs(*names: str) -> bool:
    """True when the host has every capability named; otherwise explain what is missing and
    how to get it (once, in the notebook's output) and return False."""
    reasons = [r for r in (missing(n) for n in names) if r]
    if reasons:
        _notice(reasons)
    return not reasons


def _run_cell(shell: object, cell: str) -> object:
    """Run a cell's code in the user's namespace; return the value of a last expression
    (IPython displays a cell magic's return value like a cell's ``Out``)."""
    code = shell.transform_cell(cell)  # type: ignore[attr-defined]
    tree = ast.parse(code)
    last = None
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        last = ast.Expression(tree.body.pop().value)
    ns = shell.user_ns  # type: ignore[attr-defined]
    exec(compile(tree, "<cell>", "exec"), ns)
    return eval(compile(last, "<cell>", "eval"), ns) if last is not None else None


def register_magic(shell: object | None = None) -> bool:
    """Define ``%%needs CAPABILITY…`` in the running IPython (a no-op outside IPython)."""
    if shell is None:
        try:
            from IPython import get_ipython
        except ImportError:
            return False
        shell = get_ipython()
    if shell is None:
        return False

    def needs_magic(line: str, cell: str) -> object:
        """%%needs CAPABILITY… -- run the cell only where the host has them all."""
        if not needs(*line.split()):
            return None
        return _run_cell(shell, cell)

    shell.register_magic_function(needs_magic, magic_kind="cell",  # type: ignore[attr-defined]
                                  magic_name="needs")
    return True
