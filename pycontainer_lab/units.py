"""Sizes and durations in the words Docker uses (its go-units package): ``1.98MB``,
``23.5GiB``, ``About a minute``, ``3 days``. Like ``tracing``, below the four floors: the
engine words a container's status with it, the faces their tables.
"""

from __future__ import annotations

__all__ = ["human_duration", "human_size"]


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
