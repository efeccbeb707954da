"""`pcl --version`, `pcl info` and the host probe, run as a user runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from pycontainer_lab import __version__
from pycontainer_lab.linux import probe

from helpers import PCL


def pcl(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*PCL, *args], capture_output=True, text=True, timeout=60)


def _v1_controllers_mounted() -> bool:
    with open("/proc/mounts") as f:
        return any(line.split()[2] == "cgroup" and "name=" not in line for line in f)


def test_version_is_printed_without_importing_the_rest():
    out = pcl("--version")
    assert out.returncode == 0 and out.stdout == f"pcl version {__version__}, pycontainer-lab\n"
    code = ("import sys; from pycontainer_lab.cli.main import main; main(['--version']); "
            "heavy = [m for m in sys.modules if m.split('.')[0] in ('argparse', 'pyroute2', "
            "'matplotlib', 'ipywidgets', 'json', 'subprocess', 'ctypes')]; print(heavy)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.stdout.splitlines()[-1] == "[]", r.stdout


def test_info_shows_the_host_facts():
    out = pcl("info")
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert f" Kernel Version: {os.uname().release}\n" in text
    expected_version = "1" if _v1_controllers_mounted() else "2"
    assert f" Cgroup Version: {expected_version} (" in text
    with open("/proc/filesystems") as f:
        driver = "overlay2" if "overlay" in f.read() else "vfs"
    assert f" Storage Driver: {driver}\n" in text
    assert " Running as root: yes" in text
    assert f" Docker Root Dir: {os.environ['PCL_ROOT']}\n" in text
    for fact in ("User namespaces:", "iptables:", "busybox:", "Cgroup controllers usable:"):
        assert fact in text


def test_info_json_parses_and_matches_the_probe():
    out = pcl("info", "--format", "json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["KernelVersion"] == os.uname().release
    assert data["CgroupVersion"] == ("1" if _v1_controllers_mounted() else "2")
    assert data["NCPU"] == os.cpu_count()
    assert data["Host"]["Root"] is True
    assert isinstance(data["Host"]["CgroupControllers"], dict)
    with open("/proc/mounts") as f:
        mounted = {line.split()[1] for line in f if line.split()[2] in ("cgroup", "cgroup2")}
    assert {h["mountpoint"] for h in data["Host"]["CgroupHierarchies"]} == mounted


def test_info_counts_containers_and_images():
    assert pcl("info", "--format", "{{.Containers}} {{.Images}}").stdout == "0 0\n"
    subprocess.run([*PCL, "create", "--name", "counted", "busybox", "true"], check=True,
                   capture_output=True)
    try:
        out = pcl("info").stdout
        assert " Containers: 1\n  Running: 0\n  Paused: 0\n  Stopped: 1\n Images: 1\n" in out
    finally:
        subprocess.run([*PCL, "rm", "counted"], check=True, capture_output=True)
        subprocess.run([*PCL, "rmi", "busybox"], check=True, capture_output=True)


def test_info_go_template():
    out = pcl("info", "--format", "{{.KernelVersion}} {{.OSType}}")
    assert out.returncode == 0, out.stderr
    assert out.stdout == f"{os.uname().release} linux\n"


def test_unknown_command_and_flag_are_one_line_errors_with_docker_exit_codes():
    out = pcl("frobnicate")
    assert out.returncode == 125 and out.stdout == ""
    assert out.stderr == "pcl: 'frobnicate' is not a pcl command (see 'pcl --help')\n"
    out = pcl("info", "--bogus")
    assert out.returncode == 125
    assert out.stderr.count("\n") == 1 and "unrecognized arguments: --bogus" in out.stderr


def test_probe_finds_a_static_busybox():
    bb = probe.find_busybox()
    assert bb and probe.is_static_elf(bb)
    assert not probe.is_static_elf(sys.executable) or "static" in sys.executable
    assert not probe.is_static_elf("/etc/hostname")


def test_cgroup_mode_rules():
    H = probe.CgroupHierarchy
    v1 = H(1, "/sys/fs/cgroup/memory", ("memory",))
    named = H(1, "/sys/fs/cgroup/systemd", ("name=systemd",))
    v2 = H(2, "/sys/fs/cgroup", ("cpu", "memory"))
    assert probe.cgroup_mode([v2]) == (2, "unified")
    assert probe.cgroup_mode([v1, named]) == (1, "legacy")
    assert probe.cgroup_mode([v1, named, v2]) == (1, "hybrid")
    assert probe.cgroup_mode([named, v2]) == (2, "unified")  # systemd's named v1 tree only
