"""The test harness: a private PCL_ROOT per test, unique names, and a leak check.

Every test runs with ``PCL_ROOT`` pointing into its own temporary directory, so nothing touches
a real store. After each test the machine is compared with how it was before: a mount, process,
cgroup, network link, netns, IPC object or loop device that the test left behind fails that
test; at the end of the session the same check (plus firewall rules) runs over the whole run.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import leaks

SESSION = uuid.uuid4().hex[:12]

# The runtime's tests fork from this process, which the runtime allows only while it has one
# thread. numpy (the widget tests import it) starts OpenBLAS worker threads on import unless
# told not to: set before any test module is collected.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def pytest_sessionstart(session: pytest.Session) -> None:
    os.environ[leaks.MARKER] = SESSION  # every process the tests start inherits it
    base = session.config._tmp_path_factory.getbasetemp()  # type: ignore[attr-defined]
    os.environ[leaks.BASETEMP] = str(base)
    # the project's cgroups of this session live under a parent of its own, removed with them
    os.environ[leaks.CGROUP_PARENT] = f"{leaks.SESSION_CGROUP_PREFIX}{SESSION}"
    os.environ["PCL_CGROUP_PARENT_OWNED"] = "1"
    session.config._pcl_before = leaks.Snapshot.take(SESSION, full=True)  # type: ignore


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    before = getattr(session.config, "_pcl_before", None)
    if before is None:
        return
    found = leaks.Snapshot.take(SESSION, full=True).leaked_since(before)
    if found:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        text = "LEAK CHECK FAILED: the test session left behind " + leaks.describe(found)
        if reporter:
            reporter.write_line(text, red=True, bold=True)
        else:
            print(text)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(autouse=True)
def _no_leaks(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail the test whose teardown leaves something behind on the machine."""
    if request.node.get_closest_marker("leaks_ok"):
        yield
        return
    before = leaks.Snapshot.take(SESSION)
    yield
    found = leaks.Snapshot.take(SESSION).leaked_since(before)
    if found:
        pytest.fail(f"test left behind {leaks.describe(found)}", pytrace=False)


@pytest.fixture(autouse=True)
def pcl_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh, private storage root for this test (``PCL_ROOT``)."""
    root = tmp_path / "pcl-root"
    root.mkdir()
    monkeypatch.setenv("PCL_ROOT", str(root))
    return root


@pytest.fixture
def unique() -> Callable[[str], str]:
    """Make names no other test (or earlier run) uses: ``unique("br")`` → ``pclbr3f9a1c``.

    Names start with ``pcl`` (so leftovers are recognisable) and stay within the 15
    characters a network interface name may have.
    """

    def make(prefix: str = "") -> str:
        return f"pcl{prefix[:5]}{uuid.uuid4().hex[:7]}"

    return make


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "leaks_ok: skip the per-test leak check")
