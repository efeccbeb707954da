"""Floor 4, the Jupyter face: widgets, magics and rich display for the course.

Like the CLI, this face only reads state from the floors below and draws it; every button
calls one library or engine function. The widgets are built on anywidget (an ES module and
a CSS file shipped in ``static/``, no build step, no CDN) and ipympl, so they work in
JupyterLab, Notebook 7, VS Code and Voilà, also offline.

- :class:`NamespaceTree`   which processes share which namespaces; the PID-namespace tree
- :class:`ResourceMonitor` live CPU % and memory of cgroups, with their limits drawn
- :class:`LayerStackView`  an image's layers bottom-up, a container's read-write layer on top
- :class:`Lifecycle`       a container's state in the S8.1 diagram, buttons calling the engine
- ``%load_ext pycontainer_lab`` -- ``%pcl …`` and ``%%container IMAGE`` (see :mod:`.magics`);
  :func:`pcl` is ``%pcl`` for Python code

Widgets that run a thread (a sampler, an auto-refresh timer) stop it when closed, when the
extension is unloaded and when the kernel shuts down (:mod:`.lifetime`).
"""

from __future__ import annotations

import importlib

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .layer_stack import LayerStackView
    from .lifecycle import Lifecycle
    from .lifetime import close_all
    from .magics import pcl
    from .namespace_tree import NamespaceTree
    from .resource_monitor import ResourceMonitor

_LAZY = {
    "pcl": ".magics",
    "LayerStackView": ".layer_stack",
    "Lifecycle": ".lifecycle",
    "NamespaceTree": ".namespace_tree",
    "ResourceMonitor": ".resource_monitor",
    "close_all": ".lifetime",
}

__all__ = ["LayerStackView", "Lifecycle", "NamespaceTree", "ResourceMonitor", "close_all", "pcl",
           "widget_for"]


def widget_for(obj: object, **options: object) -> object:
    """The widget that shows ``obj`` live (what ``obj.widget()`` returns).

    ========================  ================================================
    a Sandbox                 :class:`NamespaceTree` with the sandbox highlighted
    a Cgroup                  :class:`ResourceMonitor` of that group
    a Sampler                 :class:`ResourceMonitor` fed by that sampler
    an Image                  :class:`LayerStackView` of its layers
    a linux LayerStack        :class:`LayerStackView` with its upper directory
    ========================  ================================================

    A container is named by its name or id: ``Lifecycle("web")``,
    ``LayerStackView(container="web")``, ``ResourceMonitor(container="web")``,
    ``NamespaceTree(container="web")``.
    """
    from ..image.store import Image
    from ..linux.cgroups import Cgroup, Sampler
    from ..linux.layerstack import LayerStack
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
    if isinstance(obj, Image | LayerStack):
        from .layer_stack import LayerStackView

        return LayerStackView(obj, **options)  # type: ignore[arg-type]
    raise TypeError(f"no widget shows a {type(obj).__name__}")


def __getattr__(name: str) -> object:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
