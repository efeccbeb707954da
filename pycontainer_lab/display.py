"""``obj.widget()``: the live notebook view of a library object, without importing Jupyter.

A :class:`~.linux.sandbox.Sandbox` is best seen as a namespace tree, a
:class:`~.linux.cgroups.Cgroup` or a :class:`~.linux.cgroups.Sampler` as a live CPU and memory
plot. Those widgets live in the Jupyter face (``pycontainer_lab.jupyter``, floor 4), and a
floor only imports the floors below it. So the classes inherit :class:`HasWidget`, and the
face is asked which widget shows an object only when ``widget()`` is called -- a plain
``import pycontainer_lab`` or ``pcl --version`` never loads ipywidgets or matplotlib.

Like ``tracing``, this module sits below the four floors and imports none of them at import time.
"""

from __future__ import annotations

import importlib

__all__ = ["HasWidget"]


class HasWidget:
    """Mixin: ``obj.widget(**options)`` returns the notebook widget that shows ``obj`` live."""

    __slots__ = ()

    def widget(self, **options: object) -> object:
        """The widget that shows this object (see :func:`pycontainer_lab.jupyter.widget_for`);
        ``options`` go to the widget's constructor."""
        face = importlib.import_module("pycontainer_lab.jupyter")
        return face.widget_for(self, **options)
