"""This machine's CPU, in the names the container world uses.

The kernel calls it ``x86_64`` or ``aarch64`` (``uname -m``); Go, and so Docker and the OCI
image specification, call the same CPUs ``amd64`` and ``arm64``.
"""

from __future__ import annotations

import os

__all__ = ["go_arch"]

_GO = {"x86_64": "amd64", "aarch64": "arm64", "armv7l": "arm", "i686": "386",
       "ppc64le": "ppc64le", "s390x": "s390x", "riscv64": "riscv64"}


def go_arch() -> str:
    """Go's (and OCI's) name for this CPU: ``amd64``, ``arm64``…"""
    machine = os.uname().machine
    return _GO.get(machine, machine)
