"""The course package outside a notebook: the Lab's bookkeeping, %%needs, the feedback."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from pycontainer_lab.course import Lab, NotYetPassed, checks
from pycontainer_lab.course import needs as needs_module
from pycontainer_lab.course.feedback import Passed, exercise, hint
from pycontainer_lab.course.jail import has_host_root, run_breakout
from pycontainer_lab.course.needs import Capability, host_report, missing
from pycontainer_lab.linux.cgroups import Cgroup


def test_the_lab_replaces_a_resource_asked_for_again_and_cleans_up_everything():
    lab = Lab("test-lab", needs=("root",))
    first = lab.sandbox("box")
    second = lab.sandbox("box")
    assert first.closed and not second.closed
    cg = lab.cgroup("limits", memory="16m")
    assert cg.exists and cg.stats().memory_limit == 16 << 20
    assert cg.name.endswith(lab.id)
    where = lab.directory("scratch")
    dev = lab.loop_device("disk", size_mib=1)
    lab.cleanup(quiet=True)
    assert second.closed and not cg.exists and not where.exists()
    assert dev not in subprocess.run(["losetup", "-a"], capture_output=True, text=True).stdout
    assert lab.removed[0] == "loop disk" and len(lab.removed) == 5
    lab.cleanup(quiet=True)
    assert lab.removed == []


def test_a_failing_undo_does_not_stop_the_others():
    lab = Lab("test-lab", needs=())
    done = []
    lab.on_cleanup("first", lambda: done.append("first"))
    lab.on_cleanup("broken", lambda: 1 / 0)
    lab.cleanup(quiet=True)
    assert done == ["first"] and lab.removed == ["undo first"]


def test_two_labs_never_share_a_cgroup():
    a, b = Lab("test-lab", needs=()), Lab("test-lab", needs=())
    try:
        assert a.cgroup("same").path != b.cgroup("same").path
    finally:
        a.cleanup(quiet=True)
        b.cleanup(quiet=True)
    assert Cgroup.existing() == []


def test_missing_names_what_and_how(monkeypatch):
    monkeypatch.setitem(needs_module.CAPABILITIES, "warp-drive", Capability(
        "a warp drive", lambda h: False, lambda h: "ask engineering"))
    assert missing("warp-drive") == "a warp drive: ask engineering"
    assert missing("root") is None
    with pytest.raises(ValueError, match="unknown capability"):
        missing("teleporter")
    assert "root" in str(host_report())


def test_the_needs_magic_skips_a_cell_or_runs_it(monkeypatch):
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    monkeypatch.setitem(needs_module.CAPABILITIES, "warp-drive", Capability(
        "a warp drive", lambda h: False, lambda h: "ask engineering"))
    if not InteractiveShell.initialized():
        # no history thread: the runtime's tests, later in this process, fork only while it
        # has a single thread
        config = Config()
        config.HistoryManager.enabled = False
        InteractiveShell.instance(config=config)
    shell = InteractiveShell.instance()
    assert needs_module.register_magic(shell)
    shown = []
    monkeypatch.setattr(needs_module, "_notice", shown.append)
    shell.run_cell("%%needs warp-drive\nengaged = True")
    assert "engaged" not in shell.user_ns
    assert shown == [["a warp drive: ask engineering"]]
    result = shell.run_cell("%%needs root\nx = 20\nx + 1")
    assert result.result == 21 and shell.user_ns["x"] == 20
    result = shell.run_cell("%%needs root\nraise KeyError('inner')")
    assert isinstance(result.error_in_exec, KeyError)  # errors are not swallowed


def test_a_check_passes_or_fails_with_its_hint():
    @exercise("9.9", "a test exercise")
    def check(value: int) -> str:
        if value < 0:
            raise hint("test.negative", "The value is negative.")
        return f"{value} is fine"

    ok = check(3)
    assert isinstance(ok, Passed) and ok.message == "3 is fine" and "✔" in ok._repr_html_()
    with pytest.raises(NotYetPassed) as failed:
        check(-1)
    assert isinstance(failed.value, AssertionError)  # nbgrader counts it as a failed test
    assert str(failed.value).endswith("The value is negative. [test.negative]")
    lines = failed.value._render_traceback_()
    assert len(lines) == 2 and "Traceback" not in "".join(lines)


def test_the_breakout_escapes_chroot_and_not_pivot_root():
    lab = Lab("test-lab", needs=())
    try:
        box = lab.sandbox("chroot")
        with pytest.raises(RuntimeError, match="lock it into a jail"):
            run_breakout(box)  # never in the host's root
        jail = lab.jail("chroot", box)
        box.chroot(str(jail))
        assert not has_host_root(box.pid)
        assert run_breakout(box).stdout.strip() == Path("/etc/hostname").read_text().strip()
        with pytest.raises(NotYetPassed, match=r"\[pivot.escaped\]"):
            checks.escape_proof(box, jail)
        box = lab.sandbox("pivot")
        jail = lab.jail("pivot", box)
        box.bind(str(jail), str(jail)).pivot_root(str(jail))
        assert run_breakout(box).stdout.strip() == "jail"
        checks.escape_proof(box, jail)
        assert not os.path.exists("/.escape")
    finally:
        lab.cleanup(quiet=True)
