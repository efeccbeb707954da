"""NamespaceTree against real processes: its state is what the page draws (no browser here;
outside a kernel a widget talks to a dummy comm)."""

from __future__ import annotations

import os
import threading
import time

import pytest

pytest.importorskip("anywidget", reason="the jupyter extra is not installed")

from pycontainer_lab import Sandbox
from pycontainer_lab.jupyter import NamespaceTree, lifetime
from pycontainer_lab.jupyter.namespace_tree import focus_of, tree_state
from pycontainer_lab.linux.namespaces import Namespace, namespace_ids, snapshot

from helpers import until


def kind(tree: NamespaceTree, name: str) -> list[dict]:
    return next(k["groups"] for k in tree.kinds if k["kind"] == name)


def pids(group: dict) -> set[int]:
    return {p["pid"] for p in group["processes"]}


def find(node: dict, ns_id: int) -> dict | None:
    if node["id"] == ns_id:
        return node
    return next((n for c in node["children"] if (n := find(c, ns_id))), None)


def test_a_fresh_sandbox_shares_every_namespace_with_the_host():
    with Sandbox("fresh") as box:
        tree = NamespaceTree(box)
        try:
            assert tree.focus["label"] == "sandbox fresh" and tree.focus["main"] == box.pid
            assert tree.focus["alive"] and tree.focus["new"] == []
            assert [k["kind"] for k in tree.kinds] == [ns.value for ns in Namespace]
            for k in tree.kinds:
                host = [g for g in k["groups"] if g["host"]]
                assert len(host) == 1 and host[0]["focus"], k["kind"]
                assert host[0] is k["groups"][0]  # the lit group comes first
                # the sandbox is listed first in it, marked
                assert host[0]["processes"][0] == {"pid": box.pid, "inner_pid": box.pid,
                                                   "comm": "python", "focus": True, "me": False}
            assert tree.pid_tree["host"] and tree.pid_tree["children"] == []
        finally:
            tree.close()


def test_steps_show_up_after_a_refresh_new_namespaces_lit_and_the_pid_tree_grows():
    with Sandbox() as box:
        tree = NamespaceTree(box)
        try:
            box.unshare("uts")
            assert all(g["host"] for g in kind(tree, "uts"))  # not refreshed yet
            tree.refresh()
            uts_id = box.namespaces()[Namespace.UTS]
            lit = kind(tree, "uts")[0]
            assert (lit["id"], lit["host"], lit["focus"]) == (uts_id, False, True)
            assert pids(lit) == {box.pid} and lit["count"] == 1
            assert not next(g for g in kind(tree, "uts") if g["host"])["focus"]
            assert tree.focus["new"] == ["uts"]

            box.unshare("pid")
            sleeper = box.start(["sleep", "30"])
            tree.refresh()
            assert tree.focus["main"] == box.pid  # the sandbox moved to its child, PID 1
            assert set(tree.focus["pids"]) >= {box.helper_pid, box.pid, sleeper.pid}
            child = find(tree.pid_tree, box.namespaces()[Namespace.PID])
            assert child is not None and child in tree.pid_tree["children"]
            assert child["focus"] and not child["host"]
            inner = {p["pid"]: p["inner_pid"] for p in child["processes"]}
            assert inner == {box.pid: 1, sleeper.pid: sleeper.inner_pid}
            assert tree.focus["new"] == ["pid", "uts"]
            assert tree.refreshes == 3
        finally:
            tree.close()


def test_the_kernels_own_process_is_marked_and_kernel_threads_are_left_out():
    snap = snapshot()
    state = tree_state(snap)
    listed = {p["pid"]: p for g in state["kinds"][0]["groups"] for p in g["processes"]}
    host = next(g for g in state["kinds"][0]["groups"] if g["host"])
    assert host["processes"][0]["pid"] == os.getpid() and host["processes"][0]["me"]
    threads = {p.pid for p in snap.processes.values() if p.pid == 2 or p.ppid == 2}
    assert threads and not threads & set(listed)
    with_threads = tree_state(snap, kernel_threads=True, max_processes=10_000)
    everyone = {p["pid"] for g in with_threads["kinds"][0]["groups"] for p in g["processes"]}
    assert threads <= everyone


def test_long_lists_are_cut_and_pids_restrict_what_is_listed():
    with Sandbox() as box:
        snap = snapshot()
        me = os.getpid()
        state = tree_state(snap, focus_of(box), max_processes=2)
        host = next(g for g in state["kinds"][0]["groups"] if g["host"])
        assert len(host["processes"]) == 2 and host["more"] == host["count"] - 2
        assert [p["pid"] for p in host["processes"]] == [box.pid, me]  # lit, then this kernel
        only = tree_state(snap, focus_of(box), shown={me})
        assert {p["pid"] for g in only["kinds"][0]["groups"] for p in g["processes"]} == \
            {me, box.pid}  # the highlighted sandbox is always listed


def test_auto_refresh_runs_in_a_thread_that_stops_with_the_widget():
    with Sandbox() as box:
        tree = NamespaceTree(box, auto_refresh=0.05)
        assert tree.auto_refresh == 0.05 and tree in lifetime.live()
        until(lambda: tree.refreshes >= 4)
        box.unshare("uts")  # seen without anyone calling refresh()
        until(lambda: tree.focus["new"] == ["uts"])
        tree.close()
        assert tree.auto_refresh == 0.0 and tree not in lifetime.live()
        assert "pcl-namespace-tree" not in {t.name for t in threading.enumerate()}
        count = tree.refreshes
        time.sleep(0.2)
        assert tree.refreshes == count


def test_the_page_asks_for_a_refresh_with_a_message():
    tree = NamespaceTree(os.getpid())
    try:
        assert tree.focus["label"] == f"process {os.getpid()}"
        tree._handle_custom_msg({"type": "refresh"}, [])
        assert tree.refreshes == 2
        tree._handle_custom_msg({"type": "something else"}, [])
        assert tree.refreshes == 2
    finally:
        tree.close()


def test_a_closed_sandbox_is_shown_gone_and_sandbox_widget_gives_the_tree():
    box = Sandbox("gone")
    tree = box.widget()
    try:
        assert isinstance(tree, NamespaceTree) and tree.focus["label"] == "sandbox gone"
        box.close()
        tree.refresh()
        assert tree.focus["alive"] is False
        assert all(not g["focus"] for k in tree.kinds for g in k["groups"])
    finally:
        tree.close()


def test_host_means_this_kernels_namespaces():
    tree = NamespaceTree()
    try:
        assert tree.host == namespace_ids(os.getpid()) and tree.focus == {}
        assert sum(g["host"] for g in kind(tree, "mnt")) == 1
        with pytest.raises(TypeError, match="cannot highlight a str"):
            NamespaceTree("nope")
    finally:
        tree.close()
