"""Where pycontainer-lab keeps its state on disk.

=========  ==============================  ===================================
mode       data (images, containers…)       runtime state (pids, sockets…)
=========  ==============================  ===================================
root       /var/lib/pycontainer-lab         /run/pycontainer-lab
rootless   $XDG_DATA_HOME/pycontainer-lab   $XDG_RUNTIME_DIR/pycontainer-lab
PCL_ROOT   $PCL_ROOT                        $PCL_ROOT/run
=========  ==============================  ===================================

``PCL_ROOT`` overrides both (the tests always set it to a temporary directory). Like
``tracing``, this module sits below the four floors and imports none of them.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["data_root", "run_root"]


def data_root() -> Path:
    """The directory for images, layers, containers and volumes."""
    if os.environ.get("PCL_ROOT"):
        return Path(os.environ["PCL_ROOT"])
    if os.geteuid() == 0:
        return Path("/var/lib/pycontainer-lab")
    xdg = os.environ.get("XDG_DATA_HOME") or os.path.expanduser("~/.local/share")
    return Path(xdg) / "pycontainer-lab"


def run_root() -> Path:
    """The directory for runtime state that must not survive a reboot."""
    if os.environ.get("PCL_ROOT"):
        return Path(os.environ["PCL_ROOT"]) / "run"
    if os.geteuid() == 0:
        return Path("/run/pycontainer-lab")
    xdg = os.environ.get("XDG_RUNTIME_DIR") or f"/tmp/pycontainer-lab-{os.getuid()}"
    return Path(xdg) / "pycontainer-lab"
