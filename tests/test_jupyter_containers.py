"""The widgets of images and containers against the real store and engine: the layer stack
with its copy-ups and whiteouts, the lifecycle diagram driven through its verbs, and the tree,
monitor and views that take a container's name."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytest.importorskip("anywidget", reason="the jupyter extra is not installed")

from pycontainer_lab.engine import create, lifecycle
from pycontainer_lab.engine.store import ContainerStore
from pycontainer_lab.image.store import Store
from pycontainer_lab.jupyter import (
    LayerStackView,
    Lifecycle,
    NamespaceTree,
    ResourceMonitor,
    lifetime,
    widget_for,
)
from pycontainer_lab.jupyter.layer_stack import scan_layer
from pycontainer_lab.linux.cgroups import Resources
from pycontainer_lab.linux.layerstack import LayerStack
from pycontainer_lab.linux.namespaces import Namespace
from pycontainer_lab.linux.overlay import make_whiteout

from helpers import until


@pytest.fixture
def cleanup():
    yield
    for record in ContainerStore().all():
        lifecycle.remove(record["ID"], force=True)


pytestmark = pytest.mark.usefixtures("cleanup")


def run(name: str, script: str, **options: object) -> dict:
    record = create.create(create.ContainerOptions(image="busybox", cmd=["sh", "-c", script],
                                                   name=name, init=True, **options))
    lifecycle.start(record["ID"]).started()
    return record


def test_an_images_layers_bottom_up_with_what_made_them():
    image = Store().get("busybox")
    view = widget_for(image)
    try:
        assert isinstance(view, LayerStackView) and view.rw == {}
        assert view.title == "image busybox:latest"
        (layer,) = view.layers
        assert layer["kind"] == "image" and layer["id"] == image.diff_ids[0][7:19]
        assert "busybox" in layer["label"] and layer["files"] > 100
        # busybox's applets are hard links to one file: its size counts once
        busybox = os.path.getsize(os.path.join(layer["path"], "bin/busybox"))
        assert busybox <= layer["size"] < busybox + 65536  # not 270 times busybox
        assert "<table>" in image._repr_html_() and image.short_id in image._repr_html_()
    finally:
        view.close()


def test_a_containers_layer_shows_copy_up_whiteouts_and_additions():
    run("layers", "echo changed >> /etc/passwd; rm /bin/ls; echo new > /tmp/new; sleep 60")
    view = LayerStackView(container="layers")
    try:
        until(lambda: view.refresh()["rw"]["change_count"] >= 5)
        assert view.title == "container layers (busybox)" and view.driver in ("overlay2", "vfs")
        assert [x["kind"] for x in view.layers] == ["image", "init"]
        changes = {c["path"]: c for c in view.rw["changes"]}
        assert changes["/etc/passwd"]["kind"] == "C" and changes["/etc/passwd"]["from"] == 0
        assert view.layers[0]["copied_up"] == ["/etc/passwd"]  # from the image's layer
        assert changes["/bin/ls"]["kind"] == "D" and changes["/tmp/new"]["kind"] == "A"
        if view.driver == "overlay2":
            assert view.rw["whiteouts"] == ["/bin/ls"]  # a 0:0 device hides the lower file
        lower = Path(view.layers[0]["path"]) / "etc" / "passwd"
        assert "changed" not in lower.read_text()  # the image's layer stays untouched
    finally:
        view.close()


def test_a_hand_built_stack_and_its_upper_directory(tmp_path):
    base = tmp_path / "base"
    (base / "etc").mkdir(parents=True)
    (base / "etc" / "motd").write_text("hello\n")
    (base / "gone").write_text("x")
    top = tmp_path / "top"
    top.mkdir()
    make_whiteout(str(top / "gone"))
    with LayerStack(tmp_path / "stack", driver="overlay2") as stack:
        stack.stack(base).stack(top).mount()
        stack.view("etc/motd").write_text("changed\n")
        view = stack.widget()
        try:
            assert [x["label"] for x in view.layers] == ["base", "top"]
            assert view.layers[1]["whiteouts"] == ["/gone"]
            assert view.layers[0]["copied_up"] == ["/etc/motd"]
            assert {c["path"]: c["from"] for c in view.rw["changes"]}["/etc/motd"] == 0
        finally:
            view.close()


def test_scan_layer_counts_and_stops_at_its_limit(tmp_path):
    layer = tmp_path / "layer"
    layer.mkdir()
    for i in range(30):
        (layer / f"f{i}").write_text("ab")
    full = scan_layer(layer)
    assert (full["files"], full["size"], full["truncated"]) == (30, 60, False)
    assert scan_layer(layer, limit=10)["truncated"]


def test_the_lifecycle_follows_the_engine_and_its_verbs_call_it():
    record = create.create(create.ContainerOptions(
        image="busybox", cmd=["sleep", "60"], name="life", init=True))
    w = Lifecycle("life", auto_refresh=None)
    try:
        assert (w.state, w.status, w.actions) == ("created", "Created", ["start", "rm"])
        assert w.do("start") == "running" and w.details["pid"] > 0
        assert set(w.actions) == {"stop", "kill", "restart", "pause", "rm -f"}
        assert w.do("pause") == "paused" and ContainerStore().get("life")["State"]["Paused"]
        assert w.do("unpause") == "running"
        assert w.do("stop") == "stopped" and w.status.startswith("Exited (")
        with pytest.raises(Exception, match="not paused"):
            w.do("unpause")  # not allowed from here: the engine says so, the widget shows it
        assert "not paused" in w.error
        assert w.do("rm") == "deleted" and w.actions == []
        assert [(h["from"], h["to"], h["via"]) for h in w.history] == [
            ("created", "running", "start"), ("running", "paused", "pause"),
            ("paused", "running", "unpause"), ("running", "stopped", "stop"),
            ("stopped", "deleted", "rm")]
        assert record["ID"] not in ContainerStore().ids()
    finally:
        w.close()


def test_the_lifecycle_sees_changes_made_elsewhere_and_buttons_run_in_the_background():
    run("elsewhere", "sleep 60")
    w = Lifecycle("elsewhere", auto_refresh=0.1)
    try:
        assert w.state == "running" and w in lifetime.live()
        lifecycle.kill("elsewhere")  # like `%pcl kill elsewhere` in another cell
        until(lambda: w.state == "stopped")
        assert w.history[-1]["via"] == ""  # seen, not done by the widget
        w._handle_custom_msg({"type": "action", "action": "start"}, [])  # a click
        until(lambda: w.state == "running" and not w.busy)
        assert w.history[-1] == {**w.history[-1], "from": "stopped", "to": "running",
                                 "via": "start"}
    finally:
        w.close()
    assert w not in lifetime.live()


def test_tree_and_monitor_take_a_containers_name():
    run("named", "while :; do :; done",
        resources=Resources.from_flags(cpus="0.5", memory="32m"))
    tree = NamespaceTree(container="named")
    mon = ResourceMonitor(container="named", interval=0.2)
    try:
        pid = ContainerStore().get("named")["State"]["Pid"]
        assert tree.focus["label"] == "container named" and tree.focus["main"] == pid
        assert {"pid", "mnt", "uts", "ipc", "net"} <= set(tree.focus["new"])
        pid_ns = next(k for k in tree.kinds if k["kind"] == Namespace.PID.value)["groups"]
        assert pid_ns[0]["focus"] and not pid_ns[0]["host"]
        until(lambda: mon.rows[0]["samples"] >= 5)
        row = mon.rows[0]
        assert row["label"] == "named" and row["cpu_limit"] == 0.5
        assert row["memory_limit"] == 32 << 20 and 20 < row["cpu_percent"] < 70
    finally:
        tree.close()
        mon.close()
