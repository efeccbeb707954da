"""``pcl run --explain``: what a container start really did, step by step.

The monitor records the trace of the runtime's ``create`` (every namespace, mount, capability
and filter of the container's init) in ``start-trace.json`` beside the attach socket.
"""

from __future__ import annotations

import json

from ..errors import NotFoundError
from ..tracing import Step, Trace
from .store import ContainerStore

__all__ = ["start_trace"]


def start_trace(ref: str, store: ContainerStore | None = None) -> Trace:
    store = store or ContainerStore()
    cid = store.resolve(ref)
    try:
        steps = json.loads((store.run_dir(cid) / "start-trace.json").read_text())
    except FileNotFoundError:
        raise NotFoundError(f"no start trace for container {cid[:12]}: it has not started") \
            from None
    return Trace([Step(**s) for s in steps])
