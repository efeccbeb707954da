"""Containers through `pcl`, as a user runs them (syllabus S3.3, S3.4, S8.1)."""

from __future__ import annotations

import json
import os
import pty
import select
import signal
import subprocess
import time

import pytest

from helpers import PCL, busybox_rootfs


def pcl(*args: str, timeout: float = 60, input: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*PCL, *args], capture_output=True, text=True, timeout=timeout,
                          input=input)


def ok(*args: str) -> str:
    r = pcl(*args)
    assert r.returncode == 0, (args, r.stdout, r.stderr)
    return r.stdout


def inspect(ref: str) -> dict:
    return json.loads(ok("inspect", ref))[0]


def until(check, timeout: float = 10.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def rootfs(tmp_path):
    return str(busybox_rootfs(tmp_path))


@pytest.fixture
def cleanup():
    """Whatever a test leaves, gone: every container of this PCL_ROOT, forcibly."""
    yield
    ids = pcl("ps", "-aq", "--no-trunc").stdout.split()
    if ids:
        pcl("rm", "-f", *ids)


pytestmark = pytest.mark.usefixtures("cleanup")


def test_run_prints_output_and_returns_the_exit_code(rootfs):
    r = pcl("run", "--rootfs", rootfs, "sh", "-c", "echo out; echo err >&2; exit 3")
    assert (r.returncode, r.stdout, r.stderr) == (3, "out\n", "err\n")


def test_rm_flag_removes_on_exit_and_without_it_the_container_stays(rootfs):
    ok("run", "--rm", "--name", "gone", "--rootfs", rootfs, "true")
    assert pcl("inspect", "gone").returncode != 0
    assert pcl("run", "--name", "kept", "--rootfs", rootfs, "sh", "-c", "exit 5").returncode == 5
    state = inspect("kept")["State"]
    assert state["Status"] == "exited" and state["ExitCode"] == 5
    assert "kept" in ok("ps", "-a", "--format", "{{.Names}}")
    assert "kept" not in ok("ps", "--format", "{{.Names}}")  # not running


def test_detached_run_rm_of_running_needs_force(rootfs):
    cid = ok("run", "-d", "--name", "busy", "--rootfs", rootfs, "sleep", "60").strip()
    assert len(cid) == 64
    assert inspect("busy")["State"]["Running"] is True
    r = pcl("rm", "busy")
    assert r.returncode != 0
    assert "stop the container before removing or force remove" in r.stderr
    assert r.stderr.count("\n") == 1
    ok("run", "-d", "--rootfs", rootfs, "sleep", "60")
    ok("create", "--rootfs", rootfs, "true")
    ids = ok("ps", "-aq").split()
    assert len(ids) == 3 and all(len(i) == 12 for i in ids)
    ok("rm", "-f", *ids)  # rm -f $(pcl ps -aq)
    assert ok("ps", "-aq") == ""


def test_stop_kills_a_process_that_ignores_term_after_the_timeout(rootfs):
    ok("run", "-d", "--name", "stubborn", "--rootfs", rootfs, "sh", "-c",
       "trap '' TERM; while true; do sleep 0.1; done")
    t0 = time.monotonic()
    ok("stop", "-t", "1", "stubborn")
    took = time.monotonic() - t0
    assert 0.9 < took < 8
    assert inspect("stubborn")["State"]["ExitCode"] == 137


def test_stop_ends_a_cooperative_process_at_once_and_kill_is_immediate(rootfs):
    ok("run", "-d", "--name", "polite", "--init", "--rootfs", rootfs, "sleep", "60")
    t0 = time.monotonic()
    ok("stop", "-t", "20", "polite")
    assert time.monotonic() - t0 < 5  # tini passed SIGTERM on: no need to wait 20 s
    assert inspect("polite")["State"]["ExitCode"] == 143
    ok("run", "-d", "--name", "victim", "--rootfs", rootfs, "sleep", "60")
    t0 = time.monotonic()
    ok("kill", "victim")
    assert time.monotonic() - t0 < 5
    assert inspect("victim")["State"]["ExitCode"] == 137


def test_logs_tail_follow_and_timestamps(rootfs):
    ok("run", "-d", "--name", "talker", "--rootfs", rootfs, "sh", "-c",
       "echo one; echo two; sleep 1.5; echo three; sleep 30")
    until(lambda: "two" in ok("logs", "talker"), what="the first lines")
    assert ok("logs", "talker") == "one\ntwo\n"
    assert ok("logs", "--tail", "1", "talker") == "two\n"
    stamped = ok("logs", "-t", "talker").splitlines()
    assert stamped[0].endswith(" one") and stamped[0][:4].isdigit() and "T" in stamped[0]
    follower = subprocess.Popen([*PCL, "logs", "--tail", "0", "-f", "talker"],
                                stdout=subprocess.PIPE, text=True)
    try:
        line = follower.stdout.readline()
        assert line == "three\n"  # only what came after
    finally:
        follower.kill()
        follower.wait()
        follower.stdout.close()


def test_restart_always_brings_an_exiting_container_back(rootfs):
    ok("run", "-d", "--name", "phoenix", "--restart", "always", "--rootfs", rootfs,
       "sh", "-c", "sleep 0.2; exit 1")
    until(lambda: inspect("phoenix")["RestartCount"] >= 2, timeout=20,
          what="two restarts")
    ok("stop", "-t", "1", "phoenix")
    count = inspect("phoenix")["RestartCount"]
    time.sleep(1)
    assert inspect("phoenix")["RestartCount"] == count  # stopped by hand: no more restarts
    assert inspect("phoenix")["State"]["Status"] == "exited"


def test_on_failure_retries_at_most_n_times(rootfs):
    ok("run", "-d", "--name", "flaky", "--restart", "on-failure:2", "--rootfs", rootfs,
       "sh", "-c", "exit 7")
    until(lambda: inspect("flaky")["State"]["Status"] == "exited"
          and inspect("flaky")["RestartCount"] == 2, timeout=20, what="two retries")
    time.sleep(1)
    assert inspect("flaky")["RestartCount"] == 2
    assert inspect("flaky")["State"]["ExitCode"] == 7


def test_a_detached_container_survives_the_death_of_its_pcl(rootfs):
    p = subprocess.Popen([*PCL, "run", "-d", "--name", "orphan", "--rootfs", rootfs,
                          "sleep", "60"], stdout=subprocess.PIPE, text=True)
    cid = p.stdout.readline().strip()
    p.kill()
    p.wait()
    p.stdout.close()
    assert inspect(cid)["State"]["Running"] is True
    pid = inspect(cid)["State"]["Pid"]
    os.kill(pid, 0)  # the container's init is alive


def test_when_the_monitor_is_killed_ps_and_inspect_tell_the_truth(rootfs):
    ok("run", "-d", "--name", "lonely", "--rootfs", rootfs, "sleep", "60")
    record = inspect("lonely")
    init = record["State"]["Pid"]
    with open(f"/proc/{init}/stat") as f:
        monitor = int(f.read().rsplit(")", 1)[1].split()[1])
    os.kill(monitor, signal.SIGKILL)
    until(lambda: not os.path.exists(f"/proc/{init}"), what="the container to die with it")
    state = inspect("lonely")["State"]
    assert state["Running"] is False and state["Status"] == "exited"
    assert "monitor" in state["Error"]
    assert "Exited (137)" in ok("ps", "-a", "--format", "{{.Status}}")


def test_ctrl_p_ctrl_q_detaches_through_a_real_pty_and_attach_returns(rootfs):
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(PCL[0], [*PCL, "run", "-it", "--name", "shell", "--rootfs", rootfs, "sh"])

    def read_until(text: str, timeout: float = 15) -> str:
        buf = ""
        deadline = time.monotonic() + timeout
        while text not in buf and time.monotonic() < deadline:
            r, _, _ = select.select([fd], [], [], 0.2)
            if r:
                try:
                    buf += os.read(fd, 4096).decode(errors="replace")
                except OSError:
                    break
        assert text in buf, buf
        return buf

    try:
        read_until("# ")
        os.write(fd, b"echo ins''ide\r")
        read_until("inside")
        os.write(fd, b"\x10\x11")  # Ctrl-P Ctrl-Q
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
    finally:
        os.close(fd)
    assert inspect("shell")["State"]["Running"] is True  # detached, still running
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(PCL[0], [*PCL, "attach", "shell"])
    try:
        time.sleep(0.5)
        os.write(fd, b"echo back''again; exit 9\r")
        read_until("backagain")
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 9  # exit in the shell stops it
    finally:
        os.close(fd)
    assert inspect("shell")["State"]["Status"] == "exited"


def test_create_then_start_and_the_lifecycle_states(rootfs):
    ok("create", "--name", "later", "--rootfs", rootfs, "sleep", "60")
    assert inspect("later")["State"]["Status"] == "created"
    ok("start", "later")
    assert inspect("later")["State"]["Status"] == "running"
    ok("restart", "-t", "1", "later")
    assert inspect("later")["State"]["Status"] == "running"
    ok("stop", "-t", "1", "later")
    assert inspect("later")["State"]["Status"] == "exited"
    ok("start", "later")
    assert inspect("later")["State"]["Running"] is True


def test_hostname_defaults_to_the_short_id_and_env_workdir_user(rootfs):
    out = ok("run", "-e", "GREETING=hi", "-w", "/tmp", "-u", "1000", "--rootfs", rootfs,
             "sh", "-c", "hostname; echo $GREETING; pwd; id -u")
    hostname, greeting, cwd, uid = out.split()
    cid = ok("ps", "-alq", "--no-trunc").strip()
    assert hostname == cid[:12]
    assert (greeting, cwd, uid) == ("hi", "/tmp", "1000")


def test_twenty_containers_at_once(rootfs):
    for i in range(20):
        ok("run", "-d", "--name", f"many{i}", "--rootfs", rootfs, "sleep", "60")
    running = ok("ps", "--format", "{{.Names}}").split()
    assert sorted(running) == sorted(f"many{i}" for i in range(20))


@pytest.mark.parametrize("args, message", [
    (["--restart", "sometimes"], "invalid restart policy 'sometimes'"),
    (["--detach-keys", "ctrl-"], "invalid detach keys"),
    (["--name", "a b"], 'invalid container name "a b"'),
    (["--network", "bridge"], "--network bridge is not available yet"),
    (["-m", "3m"], "minimum"),
])
def test_bad_flags_are_one_line_errors_and_create_nothing(rootfs, args, message):
    r = pcl("run", *args, "--rootfs", rootfs, "true")
    assert r.returncode == 125
    assert message in r.stderr and r.stderr.count("\n") == 1, r.stderr
    assert ok("ps", "-aq") == ""


def test_name_in_use_and_missing_program(rootfs):
    ok("create", "--name", "taken", "--rootfs", rootfs, "true")
    r = pcl("create", "--name", "taken", "--rootfs", rootfs, "true")
    assert r.returncode == 125 and 'The container name "/taken" is already in use' in r.stderr
    r = pcl("run", "--rm", "--rootfs", rootfs, "nosuchprogram")
    assert r.returncode == 127
    assert 'exec: "nosuchprogram": executable file not found in $PATH' in r.stderr
    assert ok("ps", "-aq").split() == [inspect("taken")["ID"][:12]]


def test_pause_freezes_and_unpause_resumes(rootfs):
    ok("run", "-d", "--name", "counter", "--rootfs", rootfs, "sh", "-c",
       "i=0; while true; do i=$((i+1)); echo $i > /tmp/n; sleep 0.05; done")

    def count() -> int:
        text = pcl("exec", "counter", "cat", "/tmp/n").stdout.strip()
        return int(text) if text.isdigit() else 0

    until(lambda: count() > 2, what="the counter to count")
    ok("pause", "counter")
    assert inspect("counter")["State"]["Status"] == "paused"
    assert "(Paused)" in ok("ps", "--format", "{{.Status}}")
    init = inspect("counter")["State"]["Pid"]
    with open(f"/proc/{init}/stat") as f:
        ticks = f.read()
    time.sleep(0.5)
    with open(f"/proc/{init}/stat") as f:
        assert f.read() == ticks  # not one tick of CPU while frozen
    ok("unpause", "counter")
    before = count()
    until(lambda: count() > before + 2, what="the counter to go on")
    assert inspect("counter")["State"]["Status"] == "running"


def test_memory_limit_oom_kill_shows_in_inspect(rootfs):
    r = pcl("run", "--name", "hog", "-m", "16m", "--memory-swap", "16m", "--rootfs", rootfs,
            "sh", "-c", "x=$(head -c 64000000 /dev/zero | tr '\\0' a); echo survived")
    assert r.returncode == 137 and "survived" not in r.stdout
    state = inspect("hog")["State"]
    assert state["OOMKilled"] is True and state["ExitCode"] == 137
    assert inspect("hog")["HostConfig"]["Memory"] == 16 * 1024 * 1024


def test_stats_shows_the_limits_and_cpu_use(rootfs):
    ok("run", "-d", "--name", "spinner", "--cpus", "0.5", "-m", "64m", "--rootfs", rootfs,
       "sh", "-c", "while :; do :; done")
    table = ok("stats", "--no-stream").splitlines()
    assert table[0].split()[:3] == ["CONTAINER", "ID", "NAME"]
    row = next(line for line in table if "spinner" in line)
    assert "/ 64MiB" in row
    cpu = float(row.split()[2].rstrip("%"))
    assert 20 < cpu < 70  # about half a CPU (a generous band: this is not a benchmark)
    fmt = ok("stats", "--no-stream", "--format", "{{.Name}}: {{.PIDs}}", "spinner")
    assert fmt.strip() == "spinner: 1"


def test_ps_filters_last_and_formats(rootfs):
    ok("run", "--name", "zero", "-l", "tier=db", "--rootfs", rootfs, "true")
    assert pcl("run", "--name", "three", "--rootfs", rootfs, "sh", "-c", "exit 3").returncode == 3
    ok("run", "-d", "--name", "alive", "-l", "tier=web", "--rootfs", rootfs, "sleep", "60")
    names = lambda *a: ok("ps", *a, "--format", "{{.Names}}").split()  # noqa: E731
    assert names() == ["alive"]
    assert names("-a") == ["alive", "three", "zero"]  # newest first
    assert names("-a", "-f", "status=exited") == ["three", "zero"]
    assert names("-a", "-f", "exited=3") == ["three"]
    assert names("-a", "-f", "label=tier") == ["alive", "zero"]
    assert names("-a", "-f", "label=tier=db") == ["zero"]
    assert names("-a", "-f", "name=^th") == ["three"]
    assert names("-a", "-f", "before=alive") == ["three", "zero"]
    assert names("-a", "-f", "since=zero") == ["alive", "three"]
    assert names("-l") == ["alive"] and names("-n", "2") == ["alive", "three"]
    table = ok("ps", "-a").splitlines()
    assert table[0].split() == ["CONTAINER", "ID", "IMAGE", "COMMAND", "CREATED", "STATUS",
                                "PORTS", "NAMES"]
    assert "Exited (3)" in ok("ps", "-a", "--format", "table {{.Names}}\t{{.Status}}")
    r = pcl("ps", "-f", "color=red")
    assert r.returncode == 125 and "invalid filter 'color'" in r.stderr


def test_rename_wait_kill_signal_and_start_attached(rootfs):
    ok("create", "--name", "before", "--rootfs", rootfs, "sh", "-c",
       "trap 'echo got-usr1; exit 4' USR1; while true; do sleep 0.1; done")
    ok("rename", "before", "after")
    assert pcl("inspect", "before").returncode != 0 and inspect("after")["Name"] == "/after"
    ok("start", "after")
    ok("kill", "-s", "USR1", "after")
    assert ok("wait", "after").strip() == "4"
    assert "got-usr1" in ok("logs", "after")
    r = pcl("kill", "-s", "NOPE", "after")
    assert r.returncode != 0 and 'invalid signal "NOPE"' in r.stderr
    ok("create", "--name", "greeter", "--rootfs", rootfs, "sh", "-c", "echo attached; exit 6")
    out = pcl("start", "-a", "greeter")
    assert (out.returncode, out.stdout) == (6, "attached\n")


def test_system_reset_removes_every_container_and_cgroup(rootfs):
    from pycontainer_lab.linux.cgroups import Cgroup

    ok("run", "-d", "--name", "left1", "--rootfs", rootfs, "sleep", "60")
    ok("create", "--name", "left2", "--rootfs", rootfs, "true")
    stray = Cgroup("pclstray").create()  # as an interrupted cell would leave it
    assert stray.exists
    out = ok("system", "reset", "-f")
    assert out.count("removed container") == 2 and "deleted cgroup" in out
    assert ok("ps", "-aq") == "" and not stray.exists
