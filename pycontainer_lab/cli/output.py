"""Shared output helpers for commands: ``--format`` handling, sizes and durations."""

from __future__ import annotations

import json

from ..errors import UsageError


def format_value(fmt: str, data: object) -> str:
    """Apply a ``--format`` value: ``json`` (one compact line, as Docker) or a Go template."""
    if fmt.strip() == "json":
        return json.dumps(data, separators=(",", ":"))
    from .gotemplate import TemplateError, render

    try:
        return render(fmt, data)
    except TemplateError as e:
        raise UsageError(f"invalid --format template: {e}") from None


def human_size(n: float, binary: bool = False) -> str:
    """Sizes as Docker prints them: ``1.24MB`` (decimal) or ``1.16MiB`` (``binary=True``)."""
    step, units = (1024.0, ["B", "KiB", "MiB", "GiB", "TiB"]) if binary else \
        (1000.0, ["B", "kB", "MB", "GB", "TB"])
    i = 0
    while n >= step and i < len(units) - 1:
        n /= step
        i += 1
    return f"{n:.4g}{units[i]}" if i else f"{int(n)}{units[0]}"
