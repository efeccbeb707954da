"""A real JupyterLab for browser tests, and Debian's chromium driven by Playwright.

:func:`jupyterlab` starts ``jupyter lab`` on a free port of 127.0.0.1 with a random token
and private root, settings, workspace and runtime directories (nothing of the user's
configuration leaks in, two test runs never meet), waits until it answers, and at the end
shuts it down through its API -- which shuts its kernels down too -- then makes sure the
whole process group is gone. :func:`chromium` opens a fresh headless browser profile.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-dev-shm-usage"]
REPO = Path(__file__).resolve().parents[1]


def missing() -> str | None:
    """Why a browser test cannot run here, or ``None``."""
    if not os.path.exists(CHROMIUM):
        return f"Debian's chromium is not installed at {CHROMIUM} (./lab installs it)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the Python package playwright is not installed (the dev extra has it)"
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Lab:
    """A running JupyterLab."""

    url: str
    token: str
    root: Path
    proc: subprocess.Popen
    log: Path

    def api(self, method: str, path: str, body: object = None, timeout: float = 30) -> object:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(f"{self.url}/api/{path}", data=data, method=method,
                                     headers={"Authorization": f"token {self.token}",
                                              "Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=timeout) as r:
            text = r.read()
        return json.loads(text) if text else None

    def upload_notebook(self, name: str, notebook: dict) -> None:
        """Put a notebook into the root directory through the contents API, as a user's
        upload does."""
        self.api("PUT", f"contents/{name}", {"type": "notebook", "format": "json",
                                              "content": notebook})

    def page(self, name: str) -> str:
        return f"{self.url}/lab/tree/{name}?token={self.token}"

    def kernels(self) -> list[dict]:
        return self.api("GET", "kernels")  # type: ignore[return-value]


def _settings(where: Path) -> None:
    """No news pop-up and no update check: nothing may cover the notebook."""
    d = where / "@jupyterlab" / "apputils-extension"
    d.mkdir(parents=True)
    (d / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False}))


def _wait_ready(lab: Lab, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if lab.proc.poll() is not None:
            raise RuntimeError(f"jupyter lab exited with {lab.proc.returncode}:\n"
                               f"{lab.log.read_text()[-3000:]}")
        with contextlib.suppress(OSError, urllib.error.URLError):
            lab.api("GET", "status", timeout=2)
            return
        time.sleep(0.25)
    raise TimeoutError(f"jupyter lab did not answer in {timeout:g} s:\n"
                       f"{lab.log.read_text()[-3000:]}")


def _stop(lab: Lab) -> None:
    with contextlib.suppress(OSError, urllib.error.URLError, ValueError):
        lab.api("POST", "shutdown", timeout=10)  # also shuts the kernels down
    try:
        lab.proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(lab.proc.pid, signal.SIGTERM)
        try:
            lab.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(lab.proc.pid, signal.SIGKILL)
            lab.proc.wait(timeout=10)
    with contextlib.suppress(ProcessLookupError):  # anything left in its process group
        os.killpg(lab.proc.pid, signal.SIGKILL)


@contextlib.contextmanager
def jupyterlab(base: Path, timeout: float = 90) -> Iterator[Lab]:
    """A JupyterLab serving ``base/root``, its kernels importing this checkout."""
    dirs = {name: base / name for name in ("root", "config", "data", "runtime", "settings",
                                           "workspaces", "ipython")}
    for d in dirs.values():
        d.mkdir(parents=True, exist_ok=True)
    _settings(dirs["settings"])
    env = dict(os.environ,
               PYTHONPATH=os.pathsep.join(filter(None, [str(REPO),
                                                         os.environ.get("PYTHONPATH")])),
               JUPYTER_CONFIG_DIR=str(dirs["config"]), JUPYTER_RUNTIME_DIR=str(dirs["runtime"]),
               JUPYTERLAB_SETTINGS_DIR=str(dirs["settings"]),
               JUPYTERLAB_WORKSPACES_DIR=str(dirs["workspaces"]),
               JUPYTER_DATA_DIR=str(dirs["data"]), IPYTHONDIR=str(dirs["ipython"]))
    for attempt in range(3):  # another program may take the free port before we do
        token, port = secrets.token_hex(16), free_port()
        log = base / f"jupyterlab-{attempt}.log"
        with open(log, "w") as out:
            proc = subprocess.Popen(
                [sys.executable, "-m", "jupyter", "lab", "--allow-root", "--no-browser",
                 "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
                 "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
                 f"--ServerApp.root_dir={dirs['root']}",
                 "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
                env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True, cwd=dirs["root"])
        lab = Lab(f"http://127.0.0.1:{port}", token, dirs["root"], proc, log)
        try:
            _wait_ready(lab, timeout)
            break
        except RuntimeError:
            _stop(lab)
            if "already in use" not in log.read_text() or attempt == 2:
                raise
    try:
        yield lab
    finally:
        _stop(lab)


@contextlib.contextmanager
def chromium(profile: Path) -> Iterator[object]:
    """A headless Debian chromium with a fresh profile, as a Playwright browser context."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(profile), executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
            viewport={"width": 1400, "height": 1000})
        try:
            yield context
        finally:
            context.close()
    shutil.rmtree(profile, ignore_errors=True)
