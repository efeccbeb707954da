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


def human_size(n: float, binary: bool = False, precision: int = 4) -> str:
    """Sizes as Docker prints them: ``1.24MB`` (decimal) or ``1.16MiB`` (``binary=True``).

    ``precision`` is the number of significant digits (Docker's image lists use 3).
    """
    step, units = (1024.0, ["B", "KiB", "MiB", "GiB", "TiB"]) if binary else \
        (1000.0, ["B", "kB", "MB", "GB", "TB"])
    i = 0
    while n >= step and i < len(units) - 1:
        n /= step
        i += 1
    return f"{n:.{precision}g}{units[i]}" if i else f"{int(n)}{units[0]}"


def human_duration(seconds: float) -> str:
    """A duration as Docker words it: ``Less than a second``, ``About a minute``, ``3 days``."""
    s = int(seconds)
    if s < 1:
        return "Less than a second"
    if s < 60:
        return "1 second" if s == 1 else f"{s} seconds"
    minutes = s // 60
    if minutes < 60:
        return "About a minute" if minutes == 1 else f"{minutes} minutes"
    hours = int(seconds / 3600 + 0.5)
    if hours == 1:
        return "About an hour"
    if hours < 48:
        return f"{hours} hours"
    if hours < 24 * 7 * 2:
        return f"{hours // 24} days"
    if hours < 24 * 30 * 2:
        return f"{hours // 24 // 7} weeks"
    if hours < 24 * 365 * 2:
        return f"{hours // 24 // 30} months"
    return f"{int(seconds / 3600) // 24 // 365} years"
