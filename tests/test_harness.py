"""The leak check itself: each kind of leftover it promises to catch is caught."""

from __future__ import annotations

import os
import subprocess
import uuid

from pycontainer_lab.linux import syscalls
from pycontainer_lab.linux.probe import cgroup_hierarchies

import leaks
from conftest import SESSION


def _leaked(before: leaks.Snapshot, full: bool = False) -> dict[str, list[str]]:
    return leaks.Snapshot.take(SESSION, full=full).leaked_since(before)


def test_a_leftover_mount_is_caught(tmp_path):
    before = leaks.Snapshot.take(SESSION)
    syscalls.mount("tmpfs", str(tmp_path), "tmpfs", 0, "size=1m")
    try:
        assert any(str(tmp_path) in m for m in _leaked(before)["mounts"])
    finally:
        syscalls.umount2(str(tmp_path))
    assert _leaked(before) == {}


def test_a_leftover_process_is_caught():
    before = leaks.Snapshot.take(SESSION)
    p = subprocess.Popen(["sleep", "60"])
    try:
        assert any(m.startswith(f"{p.pid} sleep 60") for m in _leaked(before)["processes"])
    finally:
        p.kill()
        p.wait()
    assert _leaked(before) == {}


def test_a_leftover_cgroup_link_ipc_object_and_rule_are_caught(unique):
    before = leaks.Snapshot.take(SESSION, full=True)
    base = next(h.mountpoint for h in cgroup_hierarchies())
    group = os.path.join(base, unique("cg"))
    link, chain = unique("d"), unique("ch").upper()
    os.mkdir(group)
    shm = ""
    try:
        subprocess.run(["ip", "link", "add", link, "type", "bridge"], check=True)
        shm = subprocess.run(["ipcmk", "-M", "4096"], capture_output=True, text=True,
                             check=True).stdout.split(":")[-1].strip()
        subprocess.run(["iptables", "-N", chain], check=True)
        found = _leaked(before, full=True)
        assert found["cgroups"] == [group]
        assert found["links"] == [link]
        assert len(found["ipc"]) == 1
        assert any(chain in r for r in found["firewall"])
    finally:
        os.rmdir(group)
        subprocess.run(["ip", "link", "del", link], capture_output=True)
        if shm:
            subprocess.run(["ipcrm", "-m", shm], check=True)
        subprocess.run(["iptables", "-X", chain], capture_output=True)
    assert _leaked(before, full=True) == {}


def test_unique_names_fit_an_interface_name(unique):
    names = {unique("bridge") for _ in range(50)}
    assert len(names) == 50
    assert all(n.startswith("pcl") and len(n) <= 15 for n in names)
    assert uuid.UUID(int=0)  # (uuid is what makes them unique)
