"""What the widgets that look at state again and again share: refresh now, on a click, or
every few seconds from a background thread that stops when the widget closes.

A subclass says how to look (:meth:`RefreshingWidget.refresh`); this class runs it on the
page's ↻ button (a ``{"type": "refresh"}`` message), on a :class:`~.timer.Repeater`, and keeps
the last failure in ``error`` for the page to show.
"""

from __future__ import annotations

import anywidget
import traitlets

from .lifetime import track, untrack
from .timer import Repeater

__all__ = ["RefreshingWidget"]


class RefreshingWidget(anywidget.AnyWidget):
    """An anywidget with ``refresh()``, ``start(interval)``, ``stop()`` and ``close()``."""

    refreshes = traitlets.Int(0).tag(sync=True)
    auto_refresh = traitlets.Float(0.0).tag(sync=True)
    """Seconds between automatic refreshes (0: off)."""
    error = traitlets.Unicode("").tag(sync=True)

    _timer_name = "pcl-refresh"
    _timer: Repeater | None = None

    def __init__(self, **kwargs: object):
        super().__init__(**kwargs)
        self.on_msg(self._on_message)

    def refresh(self) -> object:
        """Look again and redraw (each widget says how)."""
        raise NotImplementedError

    def _safe_refresh(self) -> None:
        try:
            self.refresh()
        except Exception as e:
            self.error = f"refresh failed: {type(e).__name__}: {e}"
            raise

    def start(self, interval: float = 1.0) -> RefreshingWidget:
        """Refresh every ``interval`` seconds in a background thread."""
        self.stop()
        self._timer = Repeater(self._safe_refresh, interval, name=self._timer_name).start()
        self.auto_refresh = float(interval)
        track(self)
        return self

    def stop(self) -> None:
        """Stop refreshing by itself (the widget stays as it is)."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self.auto_refresh = 0.0
        untrack(self)

    def _on_message(self, _widget: object, content: dict, _buffers: object) -> None:
        if isinstance(content, dict) and content.get("type") == "refresh":
            self._safe_refresh()

    def close(self) -> None:
        self.stop()
        super().close()
