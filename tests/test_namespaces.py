"""Syllabus S8.2 on the real kernel: each namespace kind on its own, seen from both sides."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import uuid

import pytest

from pycontainer_lab.linux.namespaces import Namespace, namespace_ids, snapshot
from pycontainer_lab.linux.probe import cgroup_hierarchies
from pycontainer_lab.linux.sandbox import Sandbox

from helpers import world_readable_dir


def _pids_in(listing: str) -> set[int]:
    return {int(x) for x in listing.split() if x.isdigit()}


def test_pid_namespace_renumbers_and_hides_the_host():
    with Sandbox() as box:
        box.unshare("mnt").unshare("pid").mount_proc("/proc")
        assert box.pid_in_namespace == 1
        assert box.pid != 1 and box.pid != box.helper_pid
        # inside: the sandbox is PID 1 and only its own processes exist
        inside = _pids_in(box.run("ls /proc").stdout)
        assert 1 in inside and len(inside) <= 3, inside
        assert "python" in box.run("cat /proc/1/cmdline").stdout
        cmdlines = box.run("cat /proc/[0-9]*/cmdline | tr '\\0' ' '").stdout
        assert "pytest" not in cmdlines  # the test process (the parent side) is invisible
        # outside: the host sees it under its own pid, and can signal it
        sleeper = box.start(["sleep", "60"])
        assert 1 < sleeper.inner_pid < 20 and sleeper.pid != sleeper.inner_pid
        with open(f"/proc/{sleeper.pid}/status") as f:
            nspid = next(line for line in f if line.startswith("NSpid:")).split()[1:]
        assert [int(x) for x in nspid] == [sleeper.pid, sleeper.inner_pid]
        os.kill(sleeper.pid, signal.SIGTERM)
        assert sleeper.wait(timeout=10) == -signal.SIGTERM


def test_pid_namespaces_form_a_tree_rooted_at_ours():
    with Sandbox() as box:
        box.unshare("pid")
        snap = snapshot()
        ours = namespace_ids()[Namespace.PID]
        theirs = box.namespaces()[Namespace.PID]
        assert theirs != ours
        assert snap.pid_tree.id == ours
        child = next(c for c in snap.pid_tree.children if c.id == theirs)
        assert child.parent == ours
        assert [p.pid for p in child.processes] == [box.pid]
        assert child.processes[0].inner_pid == 1
        assert box.helper_pid in snap.members("pid", ours)  # the helper stayed outside


def test_uts_namespace_has_its_own_hostname():
    host = socket.gethostname()
    with Sandbox() as box:
        box.unshare("uts").sethostname("pcl-lab").setdomainname("pcl.example")
        assert box.run("hostname").stdout.strip() == "pcl-lab"
        assert box.uname()["domainname"] == "pcl.example"
        assert box.enter(["hostname"]).stdout.strip() == "pcl-lab"  # setns sees it too
        assert socket.gethostname() == host


def _shm_count(text: str) -> int:
    return len([line for line in text.splitlines()[1:] if line.strip()])


def test_ipc_objects_are_per_namespace():
    with Sandbox() as box:
        box.unshare("ipc")
        assert _shm_count(box.run("cat /proc/sysvipc/shm").stdout) == 0
        with open("/proc/sysvipc/shm") as f:
            host_before = _shm_count(f.read())
        made = box.run("ipcmk -M 4096")
        assert made.ok, made.stderr
        assert _shm_count(box.run("cat /proc/sysvipc/shm").stdout) == 1
        with open("/proc/sysvipc/shm") as f:
            assert _shm_count(f.read()) == host_before  # invisible outside
        # and vice versa: an object made on the host is invisible inside
        out = subprocess.run(["ipcmk", "-M", "4096"], capture_output=True, text=True, check=True)
        shmid = out.stdout.split(":")[-1].strip()
        try:
            assert _shm_count(box.run("cat /proc/sysvipc/shm").stdout) == 1
        finally:
            subprocess.run(["ipcrm", "-m", shmid], check=True)


def test_mount_namespace_keeps_mounts_inside(tmp_path):
    target = tmp_path / "inside-only"
    target.mkdir()
    with Sandbox() as box:
        box.unshare("mnt").mount_tmpfs(str(target), size="1m")
        box.write_file(str(target / "hello"), "from inside")
        assert any(m.target == str(target) and m.fstype == "tmpfs" for m in box.mounts())
        with open(f"/proc/{box.pid}/mountstats") as f:
            assert str(target) in f.read()
        with open("/proc/self/mounts") as f:
            assert str(target) not in f.read()
        assert not (target / "hello").exists()  # the host sees the bare directory


def test_network_namespace_has_only_loopback_and_it_is_down():
    with Sandbox() as box:
        box.unshare("net")
        links = box.run("ip -o link show").stdout.strip().splitlines()
        assert len(links) == 1, links
        assert links[0].split(":")[1].strip() == "lo"
        assert "state DOWN" in links[0]
        dev = box.run("cat /proc/net/dev").stdout.splitlines()[2:]
        assert [line.split(":")[0].strip() for line in dev] == ["lo"]
    assert len(os.listdir("/sys/class/net")) >= 2  # the host still has its devices


def test_user_namespace_root_is_unprivileged_outside():
    with world_readable_dir() as d:
        secret = d / "secret"
        secret.write_text("root only\n")
        os.chmod(secret, 0o600)
        with Sandbox() as box:
            # control: without a user namespace the sandbox is real root and reads it
            assert box.run(["cat", str(secret)]).ok
            box.unshare("user")
            assert box.run("id -u").stdout.strip() == "65534"  # unmapped: the overflow id
            box.map_ids()
            assert box.run("id -u").stdout.strip() == "0"  # root inside...
            assert box.host_ids() == (100000, 100000)  # ...uid 100000 outside
            r = box.run(["cat", str(secret)])
            assert r.returncode != 0 and "Permission denied" in r.stderr


def _own_cgroup_dir() -> str:
    """A hierarchy to make a test cgroup in: v1's pids if mounted, else the v2 tree."""
    hs = cgroup_hierarchies()
    v1 = [h for h in hs if h.version == 1 and "pids" in h.controllers]
    return (v1 or [h for h in hs if h.version == 2])[0].mountpoint


def test_cgroup_namespace_sees_its_cgroup_as_root():
    group = os.path.join(_own_cgroup_dir(), f"pcl-test-{uuid.uuid4().hex[:8]}")
    os.mkdir(group)
    try:
        with Sandbox() as box:
            with open(os.path.join(group, "cgroup.procs"), "w") as f:
                f.write(str(box.pid))
            box.unshare("cgroup")
            name = "/" + os.path.basename(group)
            with open(f"/proc/{box.pid}/cgroup") as f:
                outside = f.read()
            assert any(line.endswith(":" + name) for line in outside.splitlines())
            inside = box.run("cat /proc/self/cgroup").stdout.splitlines()
            assert inside and all(line.endswith(":/") for line in inside), inside
    finally:
        os.rmdir(group)


@pytest.mark.parametrize("bad", ["time2", "container", ""])
def test_unknown_namespace_kind_names_the_valid_ones(bad):
    with pytest.raises(ValueError, match="valid kinds are cgroup, ipc, mnt, net, pid, user, uts"):
        Namespace.parse(bad)
