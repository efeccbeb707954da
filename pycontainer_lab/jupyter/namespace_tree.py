"""NamespaceTree: which processes share which namespaces, and the tree of PID namespaces.

::

    from pycontainer_lab import Sandbox
    from pycontainer_lab.jupyter import NamespaceTree

    box = Sandbox()
    tree = NamespaceTree(box, auto_refresh=1.0)   # the sandbox and its children highlighted
    tree                                          # display it, then run steps:
    box.unshare("uts")                            # a new uts namespace appears, holding it
    box.unshare("pid")                            # a child PID namespace appears in the tree

Each refresh takes a :func:`~pycontainer_lab.linux.namespaces.snapshot` of every process and
sends the widget what it needs to draw: for each kind of namespace, the namespaces with their
processes (the *host* ones -- those of this kernel -- marked, the ones of the highlighted
sandbox or container lit), and the PID namespaces as a parent/child tree. Long process lists
are cut to ``max_processes`` (highlighted processes first); nothing is sent if nothing changed.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable
from dataclasses import dataclass

import traitlets

from ..linux.namespaces import (
    Namespace,
    NamespaceSnapshot,
    PidNamespaceNode,
    ProcessInfo,
    namespace_ids,
    snapshot,
)
from .refreshing import RefreshingWidget
from .static import asset

__all__ = ["Focus", "NamespaceTree", "focus_of", "is_kernel_thread", "tree_state"]


@dataclass(frozen=True)
class Focus:
    """What to highlight: some processes (and all their descendants), under a label."""

    label: str
    roots: frozenset[int]
    main: int
    """The process whose namespaces the header shows (a sandbox's ``box.pid``)."""
    closed: bool = False


def focus_of(obj: object) -> Focus | None:
    """A sandbox, a pid, or anything with a ``pid`` (a container) → what to highlight."""
    if obj is None or isinstance(obj, Focus):
        return obj
    if isinstance(obj, int):
        return Focus(f"process {obj}", frozenset({obj}), obj)
    helper = getattr(obj, "helper_pid", None)
    pid = getattr(obj, "pid", None)
    if not isinstance(pid, int):
        raise TypeError(f"cannot highlight a {type(obj).__name__}: give a Sandbox, a pid or an "
                        "object with a pid")
    name = getattr(obj, "name", None)
    kind = getattr(obj, "kind", None) or type(obj).__name__.lower()
    label = f"{kind} {name}" if name else f"{kind} {pid}"
    roots = {pid} | ({helper} if isinstance(helper, int) else set())
    return Focus(label, frozenset(roots), pid, bool(getattr(obj, "closed", False)))


def _descendants(snap: NamespaceSnapshot, roots: Iterable[int]) -> set[int]:
    children: dict[int, list[int]] = {}
    for p in snap.processes.values():
        children.setdefault(p.ppid, []).append(p.pid)
    found: set[int] = set()
    todo = [r for r in roots if r in snap.processes]
    while todo:
        pid = todo.pop()
        if pid not in found:
            found.add(pid)
            todo.extend(children.get(pid, ()))
    return found


def _process(p: ProcessInfo, lit: set[int], me: int) -> dict:
    return {"pid": p.pid, "inner_pid": p.inner_pid, "comm": p.comm, "focus": p.pid in lit,
            "me": p.pid == me}


def _members(pids: Iterable[int], snap: NamespaceSnapshot, lit: set[int],
             limit: int) -> tuple[list[dict], int]:
    me = os.getpid()
    procs = sorted((snap.processes[p] for p in pids if p in snap.processes),
                   key=lambda p: (p.pid not in lit, p.pid != me, p.pid))
    return [_process(p, lit, me) for p in procs[:limit]], max(0, len(procs) - limit)


def is_kernel_thread(p: ProcessInfo) -> bool:
    """Kernel threads (``kthreadd``, pid 2, and its children) live in the initial namespaces
    and have no user space: they say nothing about isolation."""
    return p.pid == 2 or p.ppid == 2


def _order(group: dict) -> tuple:
    return (not group["focus"], not group["host"], group["id"])


def tree_state(snap: NamespaceSnapshot, focus: Focus | None = None, *,
               host: dict[Namespace, int] | None = None,
               kinds: Iterable[Namespace] = tuple(Namespace), max_processes: int = 8,
               shown: set[int] | None = None, kernel_threads: bool = False) -> dict:
    """What the widget draws, as plain JSON-able data (``kinds``, ``pid_tree``, ``focus``).

    ``host`` are the namespaces to call "host" (default: this process's); ``shown``, if
    given, restricts the processes listed (highlighted ones are always listed); kernel
    threads are left out unless ``kernel_threads``."""
    host = host or namespace_ids(os.getpid())
    lit = _descendants(snap, focus.roots) if focus else set()
    visible = set(snap.processes) if shown is None else (set(shown) | lit)
    if not kernel_threads:
        visible = {p for p in visible if not is_kernel_thread(snap.processes[p])} | lit

    out_kinds = []
    for ns in kinds:
        groups = []
        for ns_id, members in snap.groups[ns].items():
            members = [p for p in members if p in visible]
            if not members:
                continue
            procs, more = _members(members, snap, lit, max_processes)
            groups.append({"id": ns_id, "host": ns_id == host[ns],
                           "focus": any(p in lit for p in members), "count": len(members),
                           "processes": procs, "more": more})
        groups.sort(key=_order)
        out_kinds.append({"kind": ns.value, "isolates": ns.isolates, "groups": groups})

    def node(n: PidNamespaceNode) -> dict:
        members = [p.pid for p in n.processes if p.pid in visible]
        procs, more = _members(members, snap, lit, max_processes)
        kids = [node(c) for c in sorted(n.children, key=lambda c: c.id)]
        return {"id": n.id, "host": n.id == host[Namespace.PID],
                "focus": any(p in lit for p in members), "count": len(members),
                "processes": procs, "more": more, "children": kids}

    focus_state: dict = {}
    if focus:
        main = snap.processes.get(focus.main)
        ids = main.namespaces if main else {}
        focus_state = {
            "label": focus.label, "main": focus.main, "pids": sorted(lit),
            "alive": main is not None and not focus.closed,
            "namespaces": {ns.value: i for ns, i in ids.items()},
            "new": sorted(ns.value for ns, i in ids.items() if i != host[ns]),
        }
    return {"kinds": out_kinds, "pid_tree": node(snap.pid_tree), "focus": focus_state}


class NamespaceTree(RefreshingWidget):
    """Every namespace of every kind with its processes, and the PID-namespace tree.

    ``focus`` (a :class:`~pycontainer_lab.linux.sandbox.Sandbox`, a pid) or ``container`` (a
    container's name or id) is highlighted with all its descendant processes. Call
    :meth:`refresh` after a step, or pass ``auto_refresh=1.0`` to refresh every second from a
    background thread (stopped by
    :meth:`stop` or :meth:`close`). ``pids`` limits the processes listed; kernel threads are
    left out unless ``kernel_threads=True``.
    """

    _esm = asset("namespace_tree.js")
    _css = asset("namespace_tree.css")

    kinds = traitlets.List(traitlets.Dict()).tag(sync=True)
    """Per kind: ``{"kind", "isolates", "groups": [{"id", "host", "focus", "count",
    "processes", "more"}]}``."""
    pid_tree = traitlets.Dict().tag(sync=True)
    """The PID namespaces: ``{"id", "host", "focus", "count", "processes", "children"}``."""
    focus = traitlets.Dict().tag(sync=True)
    """The highlighted object: ``{"label", "main", "pids", "alive", "namespaces", "new"}``."""
    _timer_name = "pcl-namespace-tree"

    def __init__(self, focus: object = None, *, container: str | None = None,
                 pids: Iterable[int] | None = None,
                 kinds: Iterable[str | Namespace] | None = None, max_processes: int = 8,
                 kernel_threads: bool = False, auto_refresh: float | None = None,
                 **kwargs: object):
        super().__init__(**kwargs)
        if container is not None:
            from .containers import ContainerRef

            focus = ContainerRef(container)
        self._focus = focus_of(focus)
        self._source = focus if focus is not None and not isinstance(focus, int) else None
        self._shown = set(pids) if pids is not None else None
        self._kinds = [Namespace.parse(k) for k in kinds] if kinds else list(Namespace)
        self.max_processes = max_processes
        self.kernel_threads = kernel_threads
        self.host = namespace_ids(os.getpid())
        """The namespaces called "host": this kernel's own."""
        self.snapshot: NamespaceSnapshot | None = None
        self._lock = threading.Lock()
        self.refresh()
        if auto_refresh:
            self.start(auto_refresh)

    def refresh(self) -> NamespaceSnapshot:
        """Look at every process again and redraw; returns the snapshot taken."""
        with self._lock:
            if self._source is not None:  # a sandbox's pid moves with unshare("pid")
                self._focus = focus_of(self._source)
            snap = snapshot()
            state = tree_state(snap, self._focus, host=self.host, kinds=self._kinds,
                               max_processes=self.max_processes, shown=self._shown,
                               kernel_threads=self.kernel_threads)
            self.snapshot = snap
            with self.hold_sync():
                self.kinds = state["kinds"]
                self.pid_tree = state["pid_tree"]
                self.focus = state["focus"]
                self.error = ""
                self.refreshes += 1
            return snap
