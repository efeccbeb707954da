"""Lifecycle: the life of one container (syllabus S8.1) as a state machine you can drive.

::

    from pycontainer_lab.jupyter import Lifecycle
    %pcl create --name web busybox sleep 600
    Lifecycle("web")           # created → [start] → running ⇄ paused … → stopped → deleted

The diagram has the five states of the course -- created, running, paused, stopped, deleted --
with Docker's verbs on the arrows. The container's current state is lit; the buttons are the
verbs allowed from it, and each one calls the engine (``engine.lifecycle``), exactly what the
``pcl`` command of the same name does, in a background thread so the kernel stays free. The
widget reads the container's record again every ``auto_refresh`` seconds, so a ``%pcl stop``
in another cell, or the program ending by itself, moves the light too.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import traitlets

from ..engine import lifecycle as engine
from ..engine.reconcile import reconcile
from ..engine.state import status_text
from ..engine.store import ContainerStore
from ..errors import NotFoundError, PclError
from .refreshing import RefreshingWidget
from .static import asset

__all__ = ["ACTIONS", "Lifecycle", "course_state"]

# Docker's Status → the state of the course's diagram.
_STATES = {"created": "created", "running": "running", "restarting": "running",
           "paused": "paused", "exited": "stopped", "dead": "stopped", "removing": "deleted"}


def course_state(status: str | None) -> str:
    """Docker's ``State.Status`` (``None``: no such container) → created, running, paused,
    stopped or deleted."""
    return "deleted" if status is None else _STATES.get(status, "stopped")


ACTIONS: dict[str, tuple[tuple[str, ...], Callable[[str], object]]] = {
    # verb: (states it applies to, the engine call -- what `pcl VERB` does)
    "start": (("created", "stopped"), lambda c: engine.start(c).started()),
    "stop": (("running", "paused"), lambda c: engine.stop(c)),
    "kill": (("running", "paused"), lambda c: engine.kill(c)),
    "restart": (("running", "stopped"), lambda c: engine.restart(c)),
    "pause": (("running",), lambda c: engine.pause(c)),
    "unpause": (("paused",), lambda c: engine.unpause(c)),
    "rm": (("created", "stopped"), lambda c: engine.remove(c)),
    "rm -f": (("running", "paused"), lambda c: engine.remove(c, force=True)),
}


class Lifecycle(RefreshingWidget):
    """One container's state in the S8.1 diagram, with buttons that call the engine.

    ``container``: its name or id. :meth:`do` runs a verb from Python (and waits);
    the buttons run it in a background thread. ``history`` lists every change seen.
    """

    _esm = asset("lifecycle.js")
    _css = asset("lifecycle.css")

    container = traitlets.Unicode("").tag(sync=True)
    state = traitlets.Unicode("").tag(sync=True)
    """created, running, paused, stopped or deleted."""
    status = traitlets.Unicode("").tag(sync=True)
    """What ``pcl ps`` shows in STATUS: ``Up 3 seconds``, ``Exited (137) …``."""
    details = traitlets.Dict().tag(sync=True)
    """``id``, ``image``, ``pid``, ``exit_code``, ``oom_killed``, ``error``."""
    actions = traitlets.List(traitlets.Unicode()).tag(sync=True)
    """The verbs allowed from the current state."""
    busy = traitlets.Unicode("").tag(sync=True)
    """The verb running now (the buttons wait)."""
    history = traitlets.List(traitlets.Dict()).tag(sync=True)
    """``{"from", "to", "via", "at"}`` for each change of state seen."""

    _timer_name = "pcl-lifecycle-refresh"

    def __init__(self, container: str, *, auto_refresh: float | None = 1.0,
                 store: ContainerStore | None = None, **kwargs: object):
        super().__init__(container=container, **kwargs)
        self._store = store or ContainerStore()
        self._cid = ""
        self._lock = threading.Lock()
        self._worker: threading.Thread | None = None
        self._pending_via = ""
        self.refresh()
        if auto_refresh:
            self.start(auto_refresh)

    # ------------------------------------------------------------------ reading
    def _record(self) -> dict | None:
        try:
            record = self._store.get(self._cid or self.container)
        except NotFoundError:
            return None
        return reconcile(self._store, record)

    def refresh(self) -> str:
        """Read the container's record again; returns its state."""
        with self._lock:
            record = self._record()
            if record is not None:
                self._cid = record["ID"]
            st = record["State"] if record else {}
            new = course_state(st.get("Status") if record else None)
            with self.hold_sync():
                if new != self.state:
                    if self.state:
                        self.history = [*self.history[-19:], {
                            "from": self.state, "to": new, "via": self._pending_via,
                            "at": time.strftime("%H:%M:%S")}]
                    self.state = new
                self._pending_via = ""
                self.status = status_text(st) if record else "Deleted"
                self.details = {} if record is None else {
                    "id": record["ID"][:12], "image": record.get("Config", {}).get("Image", ""),
                    "pid": st.get("Pid", 0), "exit_code": st.get("ExitCode", 0),
                    "oom_killed": bool(st.get("OOMKilled")), "error": st.get("Error", "")}
                self.actions = [verb for verb, (states, _) in ACTIONS.items() if new in states]
            return new

    # ------------------------------------------------------------------ acting
    def do(self, verb: str) -> str:
        """Run one verb now (``"stop"``, ``"rm -f"``…) and return the new state; an engine
        error is kept in ``error`` and raised."""
        if verb not in ACTIONS:
            raise ValueError(f"unknown verb {verb!r}: one of {', '.join(ACTIONS)}")
        self.busy, self.error = verb, ""
        try:
            ACTIONS[verb][1](self._cid or self.container)
        except PclError as e:
            self.error = f"pcl {verb}: {e}"
            raise
        finally:
            self._pending_via = verb
            self.busy = ""
            self.refresh()
        return self.state

    def _do_in_background(self, verb: str) -> None:
        if self._worker is not None and self._worker.is_alive():
            self.error = f"still busy with {self.busy}"
            return

        def run() -> None:
            try:
                self.do(verb)
            except Exception as e:  # shown in the widget; nothing to raise to
                if not self.error:
                    self.error = f"pcl {verb}: {type(e).__name__}: {e}"

        self._worker = threading.Thread(target=run, name="pcl-lifecycle", daemon=True)
        self._worker.start()

    def _on_message(self, widget: object, content: dict, buffers: object) -> None:
        if isinstance(content, dict) and content.get("type") == "action" and \
                content.get("action") in ACTIONS:
            self._do_in_background(content["action"])
        else:
            super()._on_message(widget, content, buffers)

    def close(self) -> None:
        super().close()
        if self._worker is not None:
            self._worker.join(timeout=30)
