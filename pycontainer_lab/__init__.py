"""pycontainer-lab: learn how containers work by building them on a real Linux kernel.

The package has four floors, each importing only the floors below it:

1. ``linux/``   -- the kernel, one concept a module (namespaces, mounts, cgroups, overlay, …)
2. ``image/`` and ``runtime/`` -- the two OCI specifications
3. ``engine/``  -- what Docker's daemon adds: names, records, restart policies, logs
4. faces: ``cli/`` (the ``pcl`` command), ``jupyter/`` (widgets and magics)

``tracing`` sits beside them all: every step API records what it does into it.

The names below are imported lazily, so ``import pycontainer_lab`` stays cheap. In a notebook,
``%load_ext pycontainer_lab`` adds the ``%pcl`` and ``%%container`` magics.
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

__all__ = ["Namespace", "Sandbox", "Trace", "__version__", "load_ipython_extension", "probe",
           "trace", "unload_ipython_extension"]


def load_ipython_extension(ipython: object) -> None:
    """``%load_ext pycontainer_lab``: the ``%pcl`` and ``%%container`` magics."""
    from .jupyter.magics import load

    load(ipython)


def unload_ipython_extension(ipython: object) -> None:
    """``%unload_ext pycontainer_lab``: remove the magics, stop every live widget."""
    from .jupyter.magics import unload

    unload(ipython)


def __getattr__(name: str) -> object:
    if name in _LAZY:
        module = importlib.import_module(_LAZY[name], __name__)
        return module if name == module.__name__.rsplit(".", 1)[1] else getattr(module, name)
    raise AttributeError(f"module 'pycontainer_lab' has no attribute {name!r}")
