"""Floor 4, the Jupyter face: widgets, magics and rich display for the course.

Like the CLI, this face only reads state from the floors below and draws it; every button
calls one library or engine function. The widgets are built on anywidget (an ES module and
a CSS file shipped in ``static/``, no build step, no CDN) and ipympl, so they work in
JupyterLab, Notebook 7, VS Code and Voilà, also offline.

- :class:`NamespaceTree`   which processes share which namespaces; the PID-namespace tree
- :class:`ResourceMonitor` live CPU % and memory of cgroups, with their limits drawn
- ``%load_ext pycontainer_lab`` -- ``%pcl …`` and ``%%container IMAGE`` (see :mod:`.magics`);
  :func:`pcl` is ``%pcl`` for Python code

Widgets that run a thread (a sampler, an auto-refresh timer) stop it when closed, when the
extension is unloaded and when the kernel shuts down (:mod:`.lifetime`).
"""

from __future__ import annotations

import importlib

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .lifetime import close_all
    from .magics import pcl
    from .namespace_tree import NamespaceTree
    from .resource_monitor import ResourceMonitor

_LAZY = {
    "pcl": ".magics",
    "NamespaceTree": ".namespace_tree",
    "ResourceMonitor": ".resource_monitor",
    "close_all": ".lifetime",
}

__all__ = ["NamespaceTree", "ResourceMonitor", "close_all", "pcl", "widget_for"]


def widget_for(obj: object, **options: object) -> object:
    """The widget that shows ``obj`` live (what ``obj.widget()`` returns).

    ========================  ================================================
    a Sandbox                 :class:`NamespaceTree` with the sandbox highlighted
    a Cgroup                  :class:`ResourceMonitor` of that group
    a Sampler                 :class:`ResourceMonitor` fed by that sampler
    ========================  ================================================
    """
    from ..linux.cgroups import Cgroup, Sampler
    from ..linux.sandbox import Sandbox

    if isinstance(obj, Sandbox):
        from .namespace_tree import NamespaceTree

        return NamespaceTree(obj, **options)  # type: ignore[arg-type]
    if isinstance(obj, Cgroup):
        from .resource_monitor import ResourceMonitor

        return ResourceMonitor(obj, **options)  # type: ignore[arg-type]
    if isinstance(obj, Sampler):
        from .resource_monitor import ResourceMonitor

        return ResourceMonitor(sampler=obj, **options)  # type: ignore[arg-type]
    raise TypeError(f"no widget shows a {type(obj).__name__}")


def __getattr__(name: str) -> object:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
