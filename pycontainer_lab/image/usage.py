"""Who uses an image? The rule of ``rmi``: an image a container uses cannot simply go.

Images know nothing of containers (they live a floor higher), so the container engine tells
us: it registers a *checker*, a function from an image ID to the containers using it. ``rmi``
and ``image prune`` ask every checker before deleting anything::

    from pycontainer_lab.image import usage
    usage.register(lambda image_id: [usage.ImageUser("3f2a…", "web", running=True)]
                   if image_id == wanted else [])

Checkers named in :data:`PROVIDERS` (``"module:function"``) are imported on first use, so a
command like ``pcl rmi`` finds the engine's checker without importing the engine eagerly.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass

__all__ = ["PROVIDERS", "Checker", "ImageUser", "register", "users"]


@dataclass(frozen=True)
class ImageUser:
    """A container that uses an image (its layers are that container's lower dirs)."""

    container_id: str
    name: str = ""
    running: bool = False

    @property
    def short_id(self) -> str:
        return self.container_id[:12]


Checker = Callable[[str], Iterable[ImageUser]]
"""Given an image ID (``sha256:…``), the containers using that image."""

PROVIDERS: list[str] = []
"""``"module:function"`` checkers loaded lazily (the engine adds its own here)."""

_checkers: list[Checker] = []
_loaded: set[str] = set()


def register(checker: Checker) -> Callable[[], None]:
    """Add a checker; returns a function that removes it again."""
    _checkers.append(checker)
    return lambda: _checkers.remove(checker) if checker in _checkers else None


def _load_providers() -> None:
    for spec in PROVIDERS:
        if spec not in _loaded:
            module, _, func = spec.partition(":")
            _checkers.append(getattr(importlib.import_module(module), func))
            _loaded.add(spec)


def users(image_id: str) -> list[ImageUser]:
    """Every container any checker reports as using ``image_id``."""
    _load_providers()
    found: list[ImageUser] = []
    for check in list(_checkers):
        found.extend(check(image_id))
    return found
