"""The engine as a library, from a Jupyter-like process: several threads and a running
asyncio loop. It must never fork the caller (it starts fresh processes instead)."""

from __future__ import annotations

import asyncio
import os
import threading
import time

import pytest

from pycontainer_lab.engine import create, lifecycle, logs
from pycontainer_lab.engine import state as st
from pycontainer_lab.engine.execute import start_exec
from pycontainer_lab.engine.store import ContainerStore


@pytest.fixture
def busy_threads():
    stop = threading.Event()
    threads = [threading.Thread(target=stop.wait) for _ in range(8)]
    for t in threads:
        t.start()
    yield
    stop.set()
    for t in threads:
        t.join()


def test_the_engine_from_a_threaded_process_with_a_running_loop(busy_threads):
    forks = []
    os.register_at_fork(before=lambda: forks.append(threading.active_count()))

    async def cell() -> tuple[int, int]:
        assert asyncio.get_running_loop().is_running()
        rec = create.create(create.ContainerOptions(
            image="busybox", cmd=["sh", "-c", "echo started; exec sleep 30"], name="fromlab"))
        lifecycle.start(rec["ID"]).started()
        deadline = time.monotonic() + 10
        while not [e for e in logs.read("fromlab")] and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        ex = start_exec("fromlab", ["sh", "-c", "exit 4"])
        code = ex.wait()
        lifecycle.stop("fromlab", timeout=1)
        status = ContainerStore().get("fromlab")["State"]["ExitCode"]
        lifecycle.remove("fromlab")
        return code, status

    code, status = asyncio.run(cell())
    assert code == 4 and status == 137
    assert not [n for n in forks if n > 1], "the engine forked a multithreaded process"


def test_logs_since_and_until():
    rec = create.create(create.ContainerOptions(
        image="busybox", cmd=["sh", "-c", "echo early; sleep 1.2; echo late"], name="timed"))
    try:
        lifecycle.start(rec["ID"]).started()
        assert lifecycle.wait("timed") == 0
        entries = list(logs.read("timed"))
        assert [e.text for e in entries] == ["early\n", "late\n"]
        first, second = (st.parse_time(e.time) for e in entries)
        assert second - first > 1.0
        middle = f"{(first + second) / 2:.3f}"  # a Unix time between the two lines
        assert [e.text for e in logs.read("timed", since=middle)] == ["late\n"]
        assert [e.text for e in logs.read("timed", until=middle)] == ["early\n"]
        assert [e.text for e in logs.read("timed", since="1h")] == ["early\n", "late\n"]
    finally:
        lifecycle.remove("timed", force=True)
