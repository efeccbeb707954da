"""The OCI runtime: one container from a bundle, through exactly the spec's four states, with
Docker's isolation by default."""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest

from pycontainer_lab.errors import NotFoundError, PclError, UsageError
from pycontainer_lab.linux import capabilities
from pycontainer_lab.runtime import container, spec
from pycontainer_lab.tracing import trace

from helpers import busybox_rootfs


class Run:
    """Create (and start) a container from a busybox bundle; collect its output and exit."""

    def __init__(self, bundle_dir, args, *, start=True, **spec_changes):
        self.id = f"pcl-{os.getpid()}-{time.monotonic_ns() % 10**9}"
        s = spec.default_spec(args)
        for key, value in spec_changes.items():
            section, _, name = key.partition("__")
            (s[section] if name else s)[name or section] = value
        spec.save(bundle_dir, s)
        self.r, w = os.pipe()
        try:
            self.created = container.create(self.id, bundle_dir, stdout=w, stderr=w)
        finally:
            os.close(w)
        if start:
            container.start(self.id)

    def wait(self) -> tuple[int, str]:
        _, status = os.waitpid(self.created.pid, 0)
        out = b""
        while chunk := os.read(self.r, 65536):
            out += chunk
        os.close(self.r)
        return os.waitstatus_to_exitcode(status), out.decode()

    def finish(self) -> tuple[int, str]:
        code, out = self.wait()
        container.delete(self.id)
        return code, out


@pytest.fixture
def bundle(tmp_path):
    busybox_rootfs(tmp_path)
    return tmp_path


def test_the_four_states(bundle):
    c = Run(bundle, ["sh", "-c", "read x < /dev/stdin; echo ran"], start=False)
    assert container.state(c.id)["status"] == "created"
    st = container.state(c.id)
    assert set(st) == {"ociVersion", "id", "status", "pid", "bundle", "annotations"}
    container.start(c.id)
    with pytest.raises(PclError, match="only a created container can be started"):
        container.start(c.id)
    _code, _out = c.wait()
    assert container.state(c.id)["status"] == "stopped"
    container.delete(c.id)
    with pytest.raises(NotFoundError, match="does not exist"):
        container.state(c.id)


def test_running_and_kill(bundle):
    c = Run(bundle, ["sleep", "60"])
    assert container.state(c.id)["status"] == "running"
    with pytest.raises(PclError, match="that is running: stop it first"):
        container.delete(c.id)
    container.kill(c.id, signal.SIGKILL)
    code, _ = c.finish()
    assert code == -signal.SIGKILL


def test_pid_1_ignores_sigterm_without_a_handler(bundle):
    """The kernel protects a PID namespace's init: signals it has no handler for are dropped
    -- why `stop` falls back to SIGKILL, and why `--init` exists."""
    c = Run(bundle, ["sleep", "60"])
    container.kill(c.id, signal.SIGTERM)
    time.sleep(0.3)
    assert container.state(c.id)["status"] == "running"
    container.kill(c.id, signal.SIGKILL)
    assert c.finish()[0] == -signal.SIGKILL


def test_program_sees_its_own_world(bundle):
    code, out = Run(bundle, ["sh", "-c", "echo $$; hostname; ls /; ls /proc | grep -c '^[0-9]'"],
                    hostname="box1").finish()
    assert code == 0
    pid1, host, *rest = out.split("\n")
    assert pid1 == "1" and host == "box1"
    assert "bin" in rest and "work" not in rest


def test_create_traces_the_start_sequence(bundle):
    with trace() as t:
        Run(bundle, ["true"]).finish()
    calls = [s.call for s in t]
    for expected in ("unshare(CLONE_NEWPID); fork()", "unshare(CLONE_NEWNS)",
                     "prctl(PR_SET_NO_NEW_PRIVS, 1)"):
        assert expected in calls
    assert any(c.startswith("pivot_root(") for c in calls)
    assert any(c.startswith("capset(") for c in calls)
    assert any(c.startswith("seccomp(") for c in calls)


def test_default_isolation(bundle):
    probe = "; ".join([
        "grep -E '^(CapEff|CapBnd|NoNewPrivs|Seccomp):' /proc/self/status",
        "echo fds: $(ls /proc/self/fd)",
        "mount -t tmpfs none /tmp && echo MOUNTED",
        "test -e /proc/sysrq-trigger && (echo h > /proc/sysrq-trigger && echo SYSRQ)",
        "echo keys: $(wc -c < /proc/keys)",
        "v=$(cat /proc/sys/vm/overcommit_memory); (echo $v > /proc/sys/vm/overcommit_memory) "
        "2>/dev/null && echo PROCSYS-WRITABLE",
        "m=$(cat /sys/class/net/lo/mtu); (echo $m > /sys/class/net/lo/mtu) 2>/dev/null "
        "&& echo SYS-WRITABLE",
        "mknod /tmp/disk b 8 0 && (head -c 1 /tmp/disk > /dev/null) 2>/dev/null && echo RAW",
        "unshare -n true 2>/dev/null && echo UNSHARED",
        "echo done",
    ])
    _code, out = Run(bundle, ["sh", "-c", probe]).finish()
    lines = dict(line.split(":", 1) for line in out.splitlines() if ":" in line)
    assert capabilities.names(int(lines["CapEff"], 16)) == \
        [c for c in capabilities.ALL if c in capabilities.DOCKER_DEFAULT]
    assert lines["CapBnd"] == lines["CapEff"]
    assert lines["NoNewPrivs"].strip() == "1" and lines["Seccomp"].strip() == "2"
    assert lines["fds"].split() == ["0", "1", "2", "3"]  # 3 is ls's own directory
    assert lines["keys"].strip() == "0"  # masked by /dev/null
    for escape in ("MOUNTED", "SYSRQ", "PROCSYS-WRITABLE", "SYS-WRITABLE", "RAW", "UNSHARED"):
        assert escape not in out
    assert out.rstrip().endswith("done")


def test_missing_program_fails_create_like_docker(bundle):
    with pytest.raises(PclError, match=r'exec: "nope": executable file not found in \$PATH') \
            as e:
        Run(bundle, ["nope"])
    assert e.value.exit_code == 127
    assert container.list_ids() == []  # nothing half-created


def test_read_only_root(bundle):
    _code, out = Run(bundle, ["sh", "-c", "touch /x || echo RO; touch /dev/shm/y && echo SHM"],
                    root={"path": "rootfs", "readonly": True}).finish()
    assert "RO" in out and "SHM" in out


def test_non_root_user_has_no_capabilities(bundle):
    os.chmod(bundle, 0o755)
    _code, out = Run(bundle, ["sh", "-c", "id -u; grep CapEff /proc/self/status"],
                    process__user={"uid": 1000, "gid": 1000}).finish()
    uid, caps = out.split("\n")[:2]
    assert uid == "1000" and caps.split()[1] == "0000000000000000"


def test_bad_ids_and_threaded_callers_are_refused(bundle):
    spec.save(bundle, spec.default_spec(["true"]))
    with pytest.raises(UsageError, match="invalid container id"):
        container.create("../x", bundle)
    stop = threading.Event()
    t = threading.Thread(target=stop.wait)
    t.start()
    try:
        with pytest.raises(PclError, match="single-threaded"):
            container.create("threaded", bundle)
    finally:
        stop.set()
        t.join()
