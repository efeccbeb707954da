"""What the image commands share: the store, messages to stderr, IDs and times as Docker shows.

Only presentation lives here; the rules (names, filters' meaning, rmi) are in ``image/``.
"""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime

from ..errors import UsageError
from ..image.digests import hex_of
from ..image.store import Store
from .output import human_duration

__all__ = ["created_at", "ellipsis", "notify", "parse_bool", "print_table", "short_id",
           "since", "store"]


def store() -> Store:
    """The image store, with the engine answering "which containers use this image?"."""
    from ..engine.usage import SPEC
    from ..image import usage

    if SPEC not in usage.PROVIDERS:
        usage.PROVIDERS.append(SPEC)
    return Store()


def notify(message: str) -> None:
    """Tell the user something happened on the side (an image built offline…)."""
    print(message, file=sys.stderr)


def short_id(image_id: str, no_trunc: bool = False) -> str:
    """``sha256:3f57d9401f8d…`` → ``3f57d9401f8d`` (``no_trunc``: unchanged)."""
    if no_trunc or not image_id.startswith("sha256:"):
        return image_id
    return hex_of(image_id)[:12]


def since(timestamp: float) -> str:
    """``2 hours ago``."""
    if not timestamp:
        return "N/A"
    return f"{human_duration(time.time() - timestamp)} ago"


def created_at(timestamp: float) -> str:
    """Go's ``time.Time`` string: ``2024-01-01 00:00:00 +0000 UTC``."""
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M:%S +0000 UTC")


def ellipsis(text: str, width: int) -> str:
    """Cut ``text`` to ``width`` characters, ending with ``…`` when cut (as docker history)."""
    return text if len(text) <= width else text[: width - 1] + "…"


def parse_bool(text: str) -> bool:
    """Go's strconv.ParseBool: ``1 t T TRUE true True`` / ``0 f F FALSE false False``."""
    if text in ("1", "t", "T", "TRUE", "true", "True"):
        return True
    if text in ("0", "f", "F", "FALSE", "false", "False"):
        return False
    raise UsageError(f"invalid boolean value {text!r}: use true or false")


def print_table(fmt: str, rows: list[dict], headers: dict[str, str] | None = None) -> None:
    """Print ``rows`` with a list command's ``--format`` (a bad template: one-line error)."""
    from .gotemplate import TemplateError, render_table

    try:
        print(render_table(fmt, rows, headers), end="")
    except TemplateError as e:
        raise UsageError(f"invalid --format template: {e}") from None
