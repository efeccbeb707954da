"""Shared output helpers for commands: ``--format`` handling (sizes and durations: ``units``)."""

from __future__ import annotations

import json

from ..errors import UsageError
from ..units import human_duration, human_size

__all__ = ["confirm", "format_value", "human_duration", "human_size"]


def format_value(fmt: str, data: object) -> str:
    """Apply a ``--format`` value: ``json`` (one compact line, as Docker) or a Go template."""
    if fmt.strip() == "json":
        return json.dumps(data, separators=(",", ":"))
    from .gotemplate import TemplateError, render

    try:
        return render(fmt, data)
    except TemplateError as e:
        raise UsageError(f"invalid --format template: {e}") from None


def confirm(what: str) -> bool:
    """Docker's prompt before removing things (on stdout, as Docker's): ``WARNING! This will
    remove …`` [y/N]."""
    import sys

    sys.stdout.write(f"WARNING! This will remove {what}.\n"
                     "Are you sure you want to continue? [y/N] ")
    sys.stdout.flush()
    return sys.stdin.readline().strip().lower() in ("y", "yes")
