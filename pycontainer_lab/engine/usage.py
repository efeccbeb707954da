"""Which containers use an image: the engine's answer to ``rmi``'s question.

The image store (a floor below) cannot know about containers; ``rmi`` and ``image prune``
ask the checkers registered in :mod:`..image.usage`, and this is the engine's.
"""

from __future__ import annotations

from ..image.usage import ImageUser
from .store import ContainerStore

__all__ = ["image_users"]

SPEC = "pycontainer_lab.engine.usage:image_users"


def image_users(image_id: str) -> list[ImageUser]:
    return [ImageUser(r["ID"], r["Name"].lstrip("/"),
                      running=r["State"]["Status"] in ("running", "paused", "restarting"))
            for r in ContainerStore().all() if r.get("Image") == image_id]
