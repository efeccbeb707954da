"""Docker's way with several containers: do each, print each name, report each failure."""

from __future__ import annotations

import sys
from collections.abc import Callable

from ...errors import PclError


def for_each(refs: list[str], action: Callable[[str], object], echo: bool = True) -> int:
    """Apply ``action`` to every ref; print the ref on success, ``pcl: …`` on failure.
    The exit code is 1 if any failed (the others are still done)."""
    failed = False
    for ref in refs:
        try:
            action(ref)
        except PclError as e:
            print(f"pcl: {e}", file=sys.stderr)
            failed = True
            continue
        if echo:
            print(ref)
    return 1 if failed else 0
