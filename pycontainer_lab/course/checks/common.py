"""What several checks ask of the kernel."""

from __future__ import annotations

import os

from ...linux.sandbox import Sandbox
from ..feedback import hint

__all__ = ["alive", "new_kinds", "root_of"]


def alive(box: Sandbox) -> None:
    """A check needs a living sandbox to look at."""
    if not isinstance(box, Sandbox):
        raise hint("sandbox.not-a-sandbox",
                   f"Expected the exercise's sandbox, got {type(box).__name__}: pass `box` from "
                   "the setup cell.")
    if box.closed:
        raise hint("sandbox.closed",
                   "This sandbox has ended (closed, or its helper died): run the exercise's "
                   "setup cell again for a fresh one, then your answer.")


def new_kinds(box: Sandbox) -> set[str]:
    """The kinds of namespace in which the sandbox no longer shares the host's."""
    return {ns.value for ns in box.new_namespaces()}


def root_of(pid: int) -> str:
    """Where process ``pid``'s root directory is, as ``/proc/PID/root`` names it."""
    return os.readlink(f"/proc/{pid}/root")
