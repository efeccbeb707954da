"""Mount steps: a minimal /dev, bind mounts, read-only remounts and pivot_root, in a sandbox."""

from __future__ import annotations

import os
import subprocess

import pytest

from pycontainer_lab.linux import mounts
from pycontainer_lab.linux.sandbox import Sandbox

from helpers import busybox_rootfs, world_readable_dir

STANDARD_DEV = {"null", "zero", "full", "random", "urandom", "tty", "pts", "shm", "ptmx", "fd",
                "stdin", "stdout", "stderr"}


def _container_root(box: Sandbox, root: str) -> None:
    box.unshare("mnt").unshare("pid").unshare("net")
    box.bind(root, root)  # pivot_root wants a mount point
    box.make_dev(f"{root}/dev")
    box.mount_proc(f"{root}/proc")
    box.mount_sysfs(f"{root}/sys")
    box.pivot_root(root)


def test_pivot_root_leaves_only_the_new_tree(tmp_path):
    root = busybox_rootfs(tmp_path)
    (root / "etc" / "marker").write_text("new root\n")
    with Sandbox() as box:
        _container_root(box, str(root))
        assert sorted(box.run(["/bin/ls", "/"]).stdout.split()) == \
            ["bin", "dev", "etc", "proc", "sys", "tmp"]
        assert box.run("cat /etc/marker").stdout == "new root\n"
        targets = [m.target for m in box.mounts()]
        assert targets[0] == "/" and "/.oldroot" not in targets
        assert not any(t.startswith(str(tmp_path)) for t in targets)  # host paths detached
        assert not box.run("test -e /.oldroot").ok
    assert (root / "etc" / "marker").exists()


def test_minimal_dev_has_only_the_standard_devices(tmp_path):
    root = busybox_rootfs(tmp_path)
    with Sandbox() as box:
        _container_root(box, str(root))
        assert set(box.run("ls /dev").stdout.split()) == STANDARD_DEV
        assert box.run("echo discard > /dev/null && head -c 16 /dev/urandom | wc -c")\
            .stdout.strip() == "16"
        assert box.run("head -c 3 /dev/zero | wc -c").stdout.strip() == "3"
        full = box.run("echo x > /dev/full")
        assert full.returncode != 0 and "No space left" in full.stderr
        assert box.run("readlink /dev/ptmx").stdout.strip() == "pts/ptmx"
        devpts = next(m for m in box.mounts() if m.target == "/dev/pts")
        assert devpts.fstype == "devpts"
        assert not box.run("test -e /dev/sda -o -e /dev/mem -o -e /dev/kmsg").ok


def test_minimal_dev_in_a_user_namespace_binds_the_host_nodes():
    with world_readable_dir() as d:
        root = busybox_rootfs(d)
        subprocess.run(["chown", "-R", "100000:100000", str(root)], check=True)  # root inside
        with Sandbox() as box:
            box.unshare("user").map_ids()
            _container_root(box, str(root))
            assert box.run("echo x > /dev/null && head -c 2 /dev/zero | wc -c")\
                .stdout.strip() == "2"
            binds = {m.target for m in box.mounts() if m.fstype == "devtmpfs"}
            assert {"/dev/null", "/dev/zero"} <= binds  # mknod is not allowed in a user ns


def test_readonly_bind_mount(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "a").write_text("host data\n")
    with Sandbox() as box:
        box.unshare("mnt")
        view = str(tmp_path / "view")
        box.bind(str(data), view, readonly=True)
        assert box.run(f"cat {view}/a").stdout == "host data\n"
        w = box.run(f"echo x > {view}/b")
        assert w.returncode != 0 and "Read-only file system" in w.stderr
        assert next(m for m in box.mounts() if m.target == view).readonly
        box.run(f"echo x > {data}/c").check()  # the source stays writable
    assert (data / "c").exists() and not (data / "b").exists()


def test_pivot_root_onto_a_plain_directory_explains_the_fix(tmp_path):
    with Sandbox() as box:
        box.unshare("mnt")
        with pytest.raises(OSError) as err:
            box.pivot_root(str(tmp_path))
        msg = str(err.value)
        assert "is not a mount point" in msg
        assert f"mount --bind {tmp_path} {tmp_path}" in msg


def test_sysfs_in_a_user_namespace_without_its_own_network_explains_why(tmp_path):
    with world_readable_dir() as d, Sandbox() as box:
        box.unshare("user").map_ids().unshare("mnt")
        with pytest.raises(PermissionError, match=r"unshare\('net'\) first"):
            box.mount_sysfs(str(d))


def test_without_a_private_mount_namespace_mounts_would_leak_so_they_are_refused():
    with Sandbox() as box, pytest.raises(RuntimeError, match="would change the host"):
        box.mount_proc("/mnt")


def test_is_mount_point_sees_bind_mounts_that_ismount_misses(tmp_path):
    with Sandbox() as box:
        box.unshare("mnt").bind(str(tmp_path), str(tmp_path))
        assert str(tmp_path) in [m.target for m in box.mounts()]
        assert mounts.is_mount_point(str(tmp_path), box.pid)
    assert not mounts.is_mount_point(str(tmp_path))


def test_mount_table_parsing_unescapes_spaces(tmp_path):
    spaced = tmp_path / "with space"
    spaced.mkdir()
    with Sandbox() as box:
        box.unshare("mnt").mount_tmpfs(str(spaced))
        m = next(m for m in box.mounts() if m.fstype == "tmpfs" and "with" in m.target)
        assert m.target == str(spaced)
        assert os.path.basename(m.target) == "with space"
