"""pycontainer-lab: learn how containers work by building them on a real Linux kernel.

The package has four floors, each importing only the floors below it:

1. ``linux/``   -- the kernel, one concept a module (namespaces, mounts, cgroups, overlay, …)
2. ``image/`` and ``runtime/`` -- the two OCI specifications
3. ``engine/``  -- what Docker's daemon adds: names, records, restart policies, logs
4. faces: ``cli/`` (the ``pcl`` command), ``jupyter/`` (widgets and magics)

``tracing`` sits beside them all: every step API records what it does into it.

The names below are imported lazily, so ``import pycontainer_lab`` stays cheap.
"""

from __future__ import annotations

import importlib

from ._version import __version__

TYPE_CHECKING = False  # not `from typing import …`: typing costs ~15 ms
if TYPE_CHECKING:
    from .linux.namespaces import Namespace
    from .linux.sandbox import Sandbox
    from .tracing import Trace, trace

_LAZY = {
    "Sandbox": ".linux.sandbox",
    "Namespace": ".linux.namespaces",
    "trace": ".tracing",
    "Trace": ".tracing",
    "probe": ".linux.probe",
}

__all__ = ["Namespace", "Sandbox", "Trace", "__version__", "probe", "trace"]


def __getattr__(name: str) -> object:
    if name in _LAZY:
        module = importlib.import_module(_LAZY[name], __name__)
        return module if name == module.__name__.rsplit(".", 1)[1] else getattr(module, name)
    raise AttributeError(f"module 'pycontainer_lab' has no attribute {name!r}")
