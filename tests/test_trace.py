"""Every step explains itself: the trace of a sequence of steps."""

from __future__ import annotations

import pytest

from pycontainer_lab import Sandbox, trace
from pycontainer_lab.tracing import Step, is_tracing, step


def test_a_sequence_of_steps_gives_one_row_each_with_syscall_and_shell():
    with Sandbox() as box, trace() as t:
        box.unshare("uts")
        box.sethostname("traced")
        box.unshare("mnt")
    calls = [s.call for s in t]
    assert calls == ["unshare(CLONE_NEWUTS)", "sethostname('traced')", "unshare(CLONE_NEWNS)",
                     "mount(None, '/', None, MS_REC|MS_PRIVATE)"]
    shells = [s.shell for s in t]
    assert shells == ["unshare --uts", "hostname traced", "unshare --mount",
                      "mount --make-rprivate /"]
    assert all(s.seconds > 0 and s.pid == box.helper_pid for s in t)
    table = str(t).splitlines()
    assert table[0].split() == ["#", "step", "syscall", "/", "file", "write", "shell", "ms"]
    assert len([line for line in table if line[:3].strip().isdigit()]) == 4
    assert table[-1].startswith("4 steps, ")
    html = t._repr_html_()
    assert html.count("<tr><td>") == 4 and "unshare(CLONE_NEWUTS)" in html


def test_the_sandbox_start_and_outside_writes_are_steps_too():
    with trace() as t, Sandbox() as box:
        box.unshare("user").map_ids()
    actions = [s.call for s in t]
    assert actions[0].startswith("fork(); execve(python")
    assert any(c.startswith(f"write /proc/{box.pid}/uid_map") for c in actions)
    assert t[0].pid == box.helper_pid


def test_pid_namespace_steps_explain_the_fork():
    with Sandbox() as box, trace() as t:
        box.unshare("pid")
    assert [s.call for s in t] == ["unshare(CLONE_NEWPID)", "fork()"]
    assert "only children move" in t[0].note
    assert "PID 1" in t[1].action


def test_failed_steps_are_recorded_with_the_error(tmp_path):
    with Sandbox() as box, trace() as t:
        box.unshare("mnt")
        with pytest.raises(OSError):
            box.umount(str(tmp_path))
    assert t[-1].call.startswith("umount2(") and "Invalid argument" in t[-1].error
    assert "FAILED" in str(t)


def test_traces_nest_and_nothing_is_recorded_outside():
    assert not is_tracing()
    with trace() as outer:
        with step("a", "a()"):
            pass
        with trace() as inner:
            assert is_tracing()
            with step("b", "b()", "b"):
                pass
    with step("c", "c()"):
        pass
    assert [s.action for s in outer] == ["a", "b"]
    assert [s.action for s in inner] == ["b"]
    assert isinstance(inner[0], Step) and inner[0].to_dict()["shell"] == "b"
