"""The sandbox process: driven step by step, safe from a threaded asyncio caller, and
always cleaned up -- when closed, when a step fails, when its caller dies."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time

import pytest

from pycontainer_lab.linux.namespaces import Namespace
from pycontainer_lab.linux.sandbox import SafetyError, Sandbox, SandboxClosedError

from helpers import alive


def _wait_gone(pid: int, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not alive(pid):
            return True
        time.sleep(0.05)
    return False


def test_a_threaded_caller_cannot_unshare_a_user_namespace_itself():
    """Why the sandbox exists: the kernel refuses CLONE_NEWUSER to a multithreaded process."""
    code = textwrap.dedent("""
        import threading, time
        from pycontainer_lab.linux import syscalls
        stop = threading.Event()
        ts = [threading.Thread(target=stop.wait) for _ in range(3)]
        [t.start() for t in ts]
        try:
            syscalls.unshare(syscalls.CLONE_NEWUSER)
            print("unshared")
        except OSError as e:
            print(e.errno, e)
        stop.set()
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    assert out.stdout.startswith("22 [Errno 22] unshare(CLONE_NEWUSER): Invalid argument"), out


def test_sandbox_works_from_ten_busy_threads_and_a_running_event_loop():
    stop = threading.Event()

    def spin() -> None:
        x = 0
        while not stop.is_set():
            x += 1

    threads = [threading.Thread(target=spin, daemon=True) for _ in range(10)]
    for t in threads:
        t.start()

    async def cell() -> tuple[str, str, set[Namespace]]:
        # like a notebook cell: synchronous calls while the kernel's loop is running
        assert asyncio.get_running_loop().is_running()
        ticks = 0

        async def tick() -> None:
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0.01)

        ticker = asyncio.create_task(tick())
        while ticks < 2:
            await asyncio.sleep(0.01)
        with Sandbox() as box:
            box.unshare("user").map_ids()
            for kind in ("mnt", "uts", "ipc", "net", "pid", "cgroup"):
                box.unshare(kind)
            box.sethostname("threaded")
            box.mount_proc("/proc")
            who = box.run("id -u; hostname").stdout
            enter = box.enter(["hostname"]).stdout
            new = box.new_namespaces()
        ticker.cancel()
        return who, enter, new

    try:
        who, entered, new = asyncio.run(cell())
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert threading.active_count() >= 1
    assert who.split() == ["0", "threaded"]
    assert entered.strip() == "threaded"
    assert new == set(Namespace)


def test_steps_on_a_closed_sandbox_say_so():
    box = Sandbox(name="done")
    box.close()
    box.close()  # twice is fine
    with pytest.raises(SandboxClosedError, match=r"sandbox 'done' .* is closed: start a new one"):
        box.unshare("uts")
    with pytest.raises(SandboxClosedError, match="is closed"):
        box.enter(["true"])
    assert not alive(box.helper_pid)


def test_a_killed_helper_is_reported_not_hung():
    box = Sandbox()
    os.kill(box.helper_pid, signal.SIGKILL)
    _wait_gone(box.helper_pid)
    with pytest.raises(SandboxClosedError, match=r"ended \(killed by signal 9\)"):
        box.run("true")
    box.close()


def test_close_ends_every_process_of_the_sandbox():
    box = Sandbox()
    box.unshare("mnt").unshare("pid").mount_proc()
    sleeper = box.start(["sleep", "600"])
    pids = [box.helper_pid, box.pid, sleeper.pid]
    assert all(alive(p) for p in pids)
    box.close()
    assert all(_wait_gone(p) for p in pids)


def test_closing_without_a_pid_namespace_ends_background_commands():
    box = Sandbox()
    sleeper = box.start(["sleep", "600"])
    box.close()
    assert _wait_gone(sleeper.pid)


def test_when_the_caller_dies_the_sandbox_goes_too(tmp_path):
    target = tmp_path / "mnt"
    target.mkdir()
    code = textwrap.dedent(f"""
        import sys, time
        from pycontainer_lab.linux.sandbox import Sandbox
        box = Sandbox()
        box.unshare("mnt").unshare("pid").mount_tmpfs({str(target)!r})
        s = box.start(["sleep", "600"])
        print(box.helper_pid, box.pid, s.pid, flush=True)
        time.sleep(600)
    """)
    caller = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        pids = [int(x) for x in caller.stdout.readline().split()]
        assert len(pids) == 3 and all(alive(p) for p in pids)
    finally:
        caller.kill()
        caller.wait()
        caller.stdout.close()
    assert all(_wait_gone(p) for p in pids), [p for p in pids if alive(p)]


def test_when_the_caller_dies_during_a_long_command_the_sandbox_goes_too():
    code = textwrap.dedent("""
        import threading, time, os
        from pycontainer_lab.linux.sandbox import Sandbox
        box = Sandbox()
        print(box.helper_pid, flush=True)
        box.run("sleep 600")
    """)
    caller = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        helper = int(caller.stdout.readline())
        deadline = time.monotonic() + 10
        kids: list[str] = []
        while not kids and time.monotonic() < deadline:
            with open(f"/proc/{helper}/task/{helper}/children") as f:
                kids = f.read().split()
            time.sleep(0.05)
        assert kids, "the sleep never started"
    finally:
        caller.kill()
        caller.wait()
        caller.stdout.close()
    assert _wait_gone(helper)
    assert all(_wait_gone(int(k)) for k in kids)


def test_a_failed_step_leaves_the_sandbox_usable(tmp_path):
    with Sandbox() as box:
        box.unshare("mnt")
        with pytest.raises(OSError, match="not a mount point; make it one with a bind mount"):
            box.pivot_root(str(tmp_path))
        (tmp_path / "file").write_text("")
        with pytest.raises(OSError, match="mkdir"):
            box.mount_proc(str(tmp_path / "file" / "proc"))  # fails at its first sub-step
        assert box.run("echo still here").stdout == "still here\n"


def test_steps_that_would_change_the_host_are_refused():
    host = socket.gethostname()
    with Sandbox() as box:
        with pytest.raises(SafetyError, match=r"box.unshare\('uts'\) first"):
            box.sethostname("oops")
        with pytest.raises(SafetyError, match=r"box.unshare\('mnt'\) first"):
            box.mount_tmpfs("/mnt")
        with pytest.raises(SafetyError, match=r"box.unshare\('user'\) first"):
            box.map_ids()
    assert socket.gethostname() == host


def test_unknown_step_arguments_are_clear_errors():
    with Sandbox() as box:
        with pytest.raises(ValueError, match="valid kinds are"):
            box.unshare("bogus")
        with pytest.raises(ValueError, match="unknown propagation 'shared'"):
            box.unshare("mnt", propagation="shared")
        assert box.run("true").ok


def test_run_reports_exit_codes_output_and_timeouts():
    with Sandbox() as box:
        r = box.run("echo out; echo err >&2; exit 3")
        assert (r.returncode, r.stdout, r.stderr) == (3, "out\n", "err\n")
        assert box.run(["cat"], input="piped").stdout == "piped"
        assert box.run("echo $PCL_X", env={"PCL_X": "y"}).stdout == "y\n"
        slow = box.run("sleep 30", timeout=0.3)
        assert slow.timed_out and slow.returncode == -signal.SIGKILL
        with pytest.raises(FileNotFoundError):
            box.run(["/no/such/program"])


def test_a_frozen_or_stalled_sandbox_still_closes(unique):
    """A cell may leave its sandbox frozen (cgroup freezer) or stalled at a memory limit with
    the OOM killer off; closing must still end it, not hang the notebook."""
    from pycontainer_lab.linux.cgroups import Cgroup

    cg = Cgroup(unique("frz")).create()
    try:
        box = Sandbox()
        box.join_cgroup(cg)
        pid = box.helper_pid
        cg.freeze()
        t0 = time.monotonic()
        box.close()
        assert time.monotonic() - t0 < 30
        assert _wait_gone(pid)
    finally:
        cg.delete()
