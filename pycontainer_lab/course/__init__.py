"""Floor 4, the course face: what the notebooks in ``notebooks/`` use besides the library.

The chapters teach with the step APIs themselves (``Sandbox``, ``Cgroup``, ``LayerStack``,
the image store); this package only adds what a *course* needs around them:

- :class:`Lab`     one per notebook: makes the exercises' sandboxes, cgroups and directories,
  remembers them, and removes them all again (``lab.cleanup()``, also when the kernel stops)
- :mod:`.needs`    what a cell needs from the host, from the probe: ``%%needs userns`` skips a
  cell (saying why and what to do) where the host lacks it, instead of a traceback
- :mod:`.feedback` the answer of a check: a clear pass, or :class:`NotYetPassed` with a hint
  written for the way the attempt went wrong
- :mod:`.checks`   one function per exercise; each looks at *kernel state* (``/proc``, cgroup
  files, directories, the image store), never at the code the learner wrote
- :mod:`.jail`     a tiny root filesystem to lock a process into, and the classic chroot
  breakout to run in it

::

    from pycontainer_lab.course import Lab, checks
    lab = Lab("02-namespaces")
    box = lab.sandbox("ex-uts")
    box.unshare("uts"); box.sethostname("web1")
    checks.uts_hostname(box, "web1")      # ✔ passed (or: ✘ not yet, with a hint)
    lab.cleanup()
"""

from __future__ import annotations

import importlib

TYPE_CHECKING = False
if TYPE_CHECKING:
    from . import checks
    from .feedback import NotYetPassed, Passed
    from .lab import Lab
    from .needs import needs

_LAZY = {"Lab": ".lab", "NotYetPassed": ".feedback", "Passed": ".feedback", "needs": ".needs"}

__all__ = ["Lab", "NotYetPassed", "Passed", "checks", "needs"]


def __getattr__(name: str) -> object:
    if name == "checks":
        return importlib.import_module(".checks", __name__)
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
