"""Layer stacks on a real kernel: whiteouts, copy-up, opaque dirs, many layers, overlay vs vfs."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from pycontainer_lab import trace
from pycontainer_lab.linux.changes import Change
from pycontainer_lab.linux.layerstack import LayerStack, get_driver
from pycontainer_lab.linux.overlay import OPAQUE_XATTR, is_whiteout, overlay_options
from pycontainer_lab.linux.sandbox import Sandbox


def _layers(tmp: Path) -> tuple[Path, Path]:
    base, app = tmp / "base", tmp / "app"
    (base / "etc").mkdir(parents=True)
    (base / "etc" / "motd").write_text("hello from base\n")
    (base / "etc" / "hosts").write_text("127.0.0.1 localhost\n")
    (base / "var" / "cache").mkdir(parents=True)
    (base / "var" / "cache" / "old").write_text("stale\n")
    (app / "etc").mkdir(parents=True)
    (app / "etc" / "app.conf").write_text("port=80\n")
    (app / "etc" / "hosts").write_text("10.0.0.1 app\n")  # shadows base's
    return base, app


def _view(root: Path) -> dict[str, str]:
    out = {}
    for dirpath, dirnames, files in os.walk(root):
        for name in sorted(dirnames + files):
            p = Path(dirpath, name)
            rel = str(p.relative_to(root))
            out[rel] = "dir" if p.is_dir() else p.read_text()
    return out


def test_deleting_a_lower_file_leaves_a_whiteout_and_writing_copies_up(tmp_path):
    base, app = _layers(tmp_path)
    with trace() as t, LayerStack(tmp_path / "c", driver="overlay2") as stack:
        stack.stack(base).stack(app).mount()
        assert stack.view("etc/hosts").read_text() == "10.0.0.1 app\n"  # the top layer wins
        stack.view("etc/motd").unlink()
        with open(stack.view("etc/app.conf"), "a") as f:
            f.write("debug=1\n")
        whiteout = os.lstat(stack.upper / "etc" / "motd")
        assert is_whiteout(whiteout) and stat.S_ISCHR(whiteout.st_mode)
        assert (stack.upper / "etc" / "app.conf").read_text() == "port=80\ndebug=1\n"
        assert (app / "etc" / "app.conf").read_text() == "port=80\n"  # the layer is untouched
        assert (base / "etc" / "motd").exists()
        assert stack.changes() == [Change("/etc", "C"), Change("/etc/app.conf", "C"),
                                   Change("/etc/motd", "D")]
    mount_steps = [s for s in t if s.shell.startswith("mount -t overlay")]
    assert mount_steps and f"lowerdir={app}:{base}" in mount_steps[0].shell  # top first


def test_a_directory_deleted_and_made_again_is_opaque(tmp_path):
    base, app = _layers(tmp_path)
    with LayerStack(tmp_path / "c") as stack:
        stack.stack(base).stack(app).mount()
        r = stack.box.run(f"rm -rf {stack.merged}/var/cache && mkdir {stack.merged}/var/cache "
                          f"&& echo new > {stack.merged}/var/cache/fresh")
        assert r.ok, r.stderr
        assert os.getxattr(stack.upper / "var" / "cache", OPAQUE_XATTR) == b"y"
        assert sorted(os.listdir(stack.view("var/cache"))) == ["fresh"]
        assert Change("/var/cache/old", "D") in stack.changes()


def test_vfs_shows_the_same_tree_as_overlay(tmp_path):
    base, app = _layers(tmp_path)
    views, changes = {}, {}
    for driver in ("overlay2", "vfs"):
        with LayerStack(tmp_path / driver, driver=driver) as stack:
            stack.stack(base).stack(app).mount()
            before = _view(stack.view())
            stack.view("etc/motd").unlink()
            stack.view("etc/new").write_text("added\n")
            views[driver] = (before, _view(stack.view()))
            changes[driver] = {c for c in stack.changes() if c.path != "/etc"}
    assert views["overlay2"] == views["vfs"]
    assert "etc/motd" in views["vfs"][0] and "etc/motd" not in views["vfs"][1]
    assert changes["overlay2"] == changes["vfs"] == {Change("/etc/motd", "D"),
                                                    Change("/etc/new", "A")}
    assert not any(is_whiteout(os.lstat(p)) for p in (tmp_path / "vfs" / "upper").rglob("*"))


def test_stacking_onto_a_mounted_stack_remounts_with_the_new_layer_on_top(tmp_path):
    base, app = _layers(tmp_path)
    with LayerStack(tmp_path / "c") as stack:
        stack.stack(base).mount()
        assert stack.view("etc/hosts").read_text() == "127.0.0.1 localhost\n"
        stack.stack(app)
        assert stack.mounted and stack.view("etc/hosts").read_text() == "10.0.0.1 app\n"


def test_many_layers_with_long_paths_are_mounted_with_short_names(tmp_path):
    deep = tmp_path / ("x" * 80) / ("y" * 80)
    layers = []
    for i in range(120):
        d = deep / f"layer-{i:03d}"
        d.mkdir(parents=True)
        (d / f"f{i}").write_text(str(i))
        layers.append(d)
    assert len(overlay_options(layers, "/u", "/w")) > os.sysconf("SC_PAGE_SIZE")
    with trace() as t, LayerStack(tmp_path / "c") as stack:
        for d in layers:
            stack.lowers.append(d)  # (stack() would trace 120 steps)
        stack.mount()
        assert len(os.listdir(stack.view())) == 120
    assert any("short names" in s.action for s in t)
    assert not list(Path("/tmp").glob("pcl-ovl-*"))  # the scratch links are gone


def test_mounts_happen_only_inside_the_sandbox(tmp_path):
    base, _ = _layers(tmp_path)
    with Sandbox() as box:
        box.unshare("mnt")
        stack = LayerStack(tmp_path / "c", box=box).stack(base).mount()
        with open("/proc/self/mountinfo") as f:
            assert str(stack.merged) not in f.read()  # the host never sees it
        assert any(m.target == str(stack.merged) for m in box.mounts())
        stack.close()
        assert not any(m.target == str(stack.merged) for m in box.mounts())
        assert not box.closed  # a sandbox passed in stays open


def test_vfs_refuses_a_layer_after_copying(tmp_path):
    base, app = _layers(tmp_path)
    with LayerStack(tmp_path / "c", driver="vfs") as stack:
        stack.stack(base).mount()
        with pytest.raises(RuntimeError, match="stack every layer before mounting"):
            stack.stack(app)


def test_unknown_driver_is_named():
    with pytest.raises(ValueError, match="unknown storage driver 'zfs'"):
        get_driver("zfs")
