"""Secure by default, as Docker -- and lifted only on purpose (--privileged, --cap-add,
--security-opt). Every probe is harmless if isolation were broken: `h` to sysrq-trigger,
current values written back."""

from __future__ import annotations

import pytest
from test_containers import cleanup, ok, pcl  # noqa: F401 (fixture)

from pycontainer_lab.linux import capabilities

pytestmark = pytest.mark.usefixtures("cleanup")

PROBES = {
    "mount": "mount -t tmpfs none /tmp",
    "sysrq": "test -e /proc/sysrq-trigger && echo h > /proc/sysrq-trigger",
    "kcore": "test -e /proc/kcore && head -c 1 /proc/kcore",
    "keys": "test -s /proc/keys",
    "procsys": "f=/proc/sys/vm/overcommit_memory; v=$(cat $f) && echo $v > $f",
    "sysfs": "m=$(cat /sys/class/net/lo/mtu) && echo $m > /sys/class/net/lo/mtu",
    "rawdisk": "mknod /tmp/disk b 8 0 && head -c 1 /tmp/disk > /dev/null",
    "unshare": "unshare -n true",
    "devices": "ls /dev | grep -qE '^(sd|vd|nvme|mem|kmsg)'",
}


def _escapes(*flags: str) -> set[str]:
    script = "; ".join(f"({cmd}) >/dev/null 2>&1 && echo ESCAPE:{name}"
                       for name, cmd in PROBES.items())
    out = ok("run", "--rm", *flags, "busybox", "sh", "-c", script + "; true")
    return {line.split(":", 1)[1] for line in out.splitlines() if line.startswith("ESCAPE:")}


def test_a_default_container_cannot_reach_the_host():
    assert _escapes() == set()


def test_privileged_lifts_the_restrictions_on_purpose():
    escapes = _escapes("--privileged")
    assert {"mount", "procsys", "sysfs", "unshare"} <= escapes
    caps = ok("run", "--rm", "--privileged", "busybox", "grep", "CapEff", "/proc/self/status")
    assert set(capabilities.names(int(caps.split()[1], 16))) >= {"CAP_SYS_ADMIN",
                                                                  "CAP_NET_ADMIN"}


def test_cap_add_and_cap_drop():
    def caps(*flags: str) -> set[str]:
        out = ok("run", "--rm", *flags, "busybox", "grep", "CapEff", "/proc/self/status")
        return set(capabilities.names(int(out.split()[1], 16)))

    assert caps() == set(capabilities.DOCKER_DEFAULT)
    assert caps("--cap-drop", "chown", "--cap-add", "NET_ADMIN") == \
        set(capabilities.DOCKER_DEFAULT) - {"CAP_CHOWN"} | {"CAP_NET_ADMIN"}
    assert caps("--cap-drop", "ALL", "--cap-add", "KILL") == {"CAP_KILL"}
    r = pcl("run", "--rm", "--cap-add", "FLY", "busybox", "true")
    assert r.returncode == 125 and 'unknown capability: "CAP_FLY"' in r.stderr


def test_cap_add_sys_admin_opens_mount_through_seccomp_too():
    assert "mount" in _escapes("--cap-add", "SYS_ADMIN")


def test_seccomp_unconfined_and_no_new_privileges_options():
    out = ok("run", "--rm", "--security-opt", "seccomp=unconfined", "busybox",
             "grep", "-E", "^(Seccomp|NoNewPrivs):", "/proc/self/status")
    assert "Seccomp:\t0" in out
    out = ok("run", "--rm", "--security-opt", "no-new-privileges=false", "busybox",
             "grep", "NoNewPrivs:", "/proc/self/status")
    assert out.split()[1] == "0"
    r = pcl("run", "--rm", "--security-opt", "bogus", "busybox", "true")
    assert r.returncode == 125 and 'invalid --security-opt "bogus"' in r.stderr


def test_read_only_root():
    out = ok("run", "--rm", "--read-only", "busybox", "sh", "-c",
             "touch /x 2>/dev/null || echo RO; touch /dev/shm/ok && echo TMPFS-OK")
    assert out.split() == ["RO", "TMPFS-OK"]


def test_no_runtime_file_descriptor_reaches_the_container():
    out = ok("run", "--rm", "busybox", "ls", "/proc/self/fd")
    assert out.split() == ["0", "1", "2", "3"]  # 3: ls reading the directory itself
