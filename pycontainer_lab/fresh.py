"""Starting a *fresh* Python process that runs one of our modules.

The project never forks a process that may have threads (a Jupyter kernel): it starts a new
interpreter instead -- ``python -I -S -c "…; from MODULE import main; main(sys.argv[1:])"``.
``-I`` ignores the user's environment and site directory, ``-S`` skips ``site`` (faster to
start); the package is found through the path inserted first. Like ``tracing``, this module
sits below the four floors, and imports only ``os`` and ``sys`` (the container monitor's
relay uses it and must stay small).
"""

from __future__ import annotations

import os
import sys

__all__ = ["PACKAGE_PARENT", "python_argv"]

PACKAGE_PARENT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
"""The directory holding the ``pycontainer_lab`` package."""


def python_argv(module: str, *args: str) -> list[str]:
    """The command line of a fresh interpreter running ``module.main(args)``."""
    boot = (f"import sys; sys.path.insert(0, {PACKAGE_PARENT!r}); "
            f"from {module} import main; main(sys.argv[1:])")
    return [sys.executable, "-I", "-S", "-c", boot, *args]
