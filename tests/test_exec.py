"""`pcl exec` and `pcl top`: joining a running container, with its restrictions."""

from __future__ import annotations

import os
import signal
import subprocess

import pytest
from test_containers import cleanup, inspect, ok, pcl, until  # noqa: F401 (fixture)

from helpers import PCL, busybox_rootfs

pytestmark = pytest.mark.usefixtures("cleanup")


@pytest.fixture
def running(tmp_path):
    rootfs = str(busybox_rootfs(tmp_path))
    ok("run", "-d", "--name", "target", "--hostname", "inside", "--rootfs", rootfs,
       "sh", "-c", "mkdir -p /data && touch /data/marker && exec sleep 300")
    until(lambda: "marker" in pcl("exec", "target", "ls", "/data").stdout,
          what="the container to be ready")
    return "target"


def test_exec_sees_the_containers_pid_1_hostname_and_mounts(running):
    out = ok("exec", running, "sh", "-c", "cat /proc/1/cmdline | tr '\\0' ' '; echo; "
                                          "hostname; ls /data; cat /proc/self/mountinfo")
    cmdline, hostname, marker, *mounts = out.splitlines()
    assert cmdline.strip() == "sleep 300"
    assert hostname == "inside" and marker == "marker"
    points = [m.split()[4] for m in mounts]
    assert "/" in points and "/data" not in points
    assert not any(p.startswith(("/work", "/tmp/pytest")) for p in points)  # no host paths


def test_exec_has_the_containers_restrictions_and_its_cgroup_namespace(running):
    out = ok("exec", running, "sh", "-c", "grep -E '^(CapEff|NoNewPrivs|Seccomp):' "
                                          "/proc/self/status; cat /proc/self/cgroup")
    init = inspect(running)["State"]["Pid"]
    with open(f"/proc/{init}/status") as f:
        init_caps = next(line for line in f if line.startswith("CapEff:"))
    assert init_caps.strip() in out
    assert "NoNewPrivs:\t1" in out and "Seccomp:\t2" in out
    cgroup_lines = [line for line in out.splitlines() if line[:1].isdigit()]
    assert cgroup_lines and all(line.endswith(":/") for line in cgroup_lines)


def test_exec_flags_and_exit_codes(running):
    out = ok("exec", "-u", "1000", "-w", "/tmp", "-e", "WHO=me", running,
             "sh", "-c", "id -u; pwd; echo $WHO")
    assert out.split() == ["1000", "/tmp", "me"]
    assert pcl("exec", running, "sh", "-c", "exit 7").returncode == 7
    missing = pcl("exec", running, "nosuch")
    assert missing.returncode == 127 and 'exec: "nosuch"' in missing.stderr
    piped = subprocess.run([*PCL, "exec", "-i", running, "cat"], input="through stdin",
                           capture_output=True, text=True, timeout=30)
    assert piped.stdout == "through stdin"


def test_exec_into_a_stopped_container_is_an_error(running):
    ok("stop", "-t", "0", running)
    r = pcl("exec", running, "true")
    assert r.returncode != 0 and "is not running" in r.stderr
    assert r.stderr.count("\n") == 1


def test_the_container_cannot_reach_the_entering_process(running):
    """runc's CVE-2019-5736: a process joining a container is python from the host until it
    execs; it must be unreachable through /proc from inside. We stop it just before exec."""
    env = dict(os.environ, PCL_EXEC_STOP_BEFORE_EXEC="1")
    joiner = subprocess.Popen([*PCL, "exec", running, "true"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        init = inspect(running)["State"]["Pid"]

        def stopped_child() -> int | None:
            for pid in os.listdir("/proc"):
                if not pid.isdigit():
                    continue
                try:
                    with open(f"/proc/{pid}/status") as f:
                        status = f.read()
                    same_ns = os.readlink(f"/proc/{pid}/ns/pid") == \
                        os.readlink(f"/proc/{init}/ns/pid")
                except OSError:
                    continue
                if same_ns and "\nState:\tT" in status:
                    return int(pid)
            return None

        until(lambda: stopped_child() is not None, what="the joining process to stop")
        host_pid = stopped_child()
        with open(f"/proc/{host_pid}/status") as f:
            inner = next(line for line in f if line.startswith("NSpid")).split()[-1]
        # from the host it is plainly the host's python, stopped before its exec
        assert "python" in os.readlink(f"/proc/{host_pid}/exe")
        probe = ok("exec", running, "sh", "-c",
                   f"readlink /proc/{inner}/exe || echo EXE-DENIED; "
                   f"readlink /proc/{inner}/fd/0 || echo FD-DENIED; "
                   f"cat /proc/{inner}/environ >/dev/null 2>&1 || echo ENV-DENIED")
        assert "EXE-DENIED" in probe and "FD-DENIED" in probe and "ENV-DENIED" in probe
        assert "python" not in probe
        os.kill(host_pid, signal.SIGCONT)
        assert joiner.wait(timeout=30) == 0
    finally:
        if joiner.poll() is None:
            joiner.kill()
            joiner.wait()
        joiner.stdout.close()
        joiner.stderr.close()


def test_top_lists_the_containers_processes_with_host_pids(running):
    ok("exec", "-d", running, "sleep", "123")
    until(lambda: "sleep 123" in ok("top", running), what="the exec'd process")
    out = ok("top", running).splitlines()
    assert out[0].split()[:3] == ["UID", "PID", "PPID"]
    cmds = [line.split(None, 7)[-1] for line in out[1:]]
    assert "sleep 300" in cmds and "sleep 123" in cmds
    pids = [int(line.split()[1]) for line in out[1:]]
    assert inspect(running)["State"]["Pid"] in pids
