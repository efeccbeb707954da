"""A matplotlib figure that a background thread can redraw in a notebook (ipympl).

ipympl shows a figure as a widget: the kernel renders it with Agg and sends the changed
pixels to the page over the widget's comm. Four choices make it a cheap *live* plot:

- the figure is made without pyplot (no global backend switch, nothing for ``plt.show()`` to
  show twice): a :class:`~matplotlib.figure.Figure` on ipympl's canvas, with its manager;
- it is redrawn by the thread that has new data (:meth:`LiveFigure.redraw`), not by asking
  the page to ask the kernel (``draw_idle``): that request would wait in the kernel's queue
  until the running cell ends, so the plot would freeze exactly while something happens;
- *blitting*: axes, ticks and legends are rendered once into a background; a frame only
  pastes the background and draws the moving artists on it (a few ms instead of ~50 ms),
  and only the pixels that changed travel to the page;
- one lock covers changing the artists and rendering them, whichever thread renders
  (the page also asks for full redraws, on resize), so a frame never sees half an update.
"""

from __future__ import annotations

import threading
import time
import warnings

from ipympl.backend_nbagg import Canvas, FigureManager
from matplotlib.artist import Artist
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

__all__ = ["LiveFigure"]


class _LockedCanvas(Canvas):
    """ipympl's canvas: renders under the figure's lock, and keeps a background for blitting."""

    def __init__(self, figure: Figure, live: LiveFigure):
        self._pcl_live = live
        super().__init__(figure)

    def draw(self) -> None:
        live = self._pcl_live
        with live.lock:
            self._png_is_old = True
            try:
                FigureCanvasAgg.draw(self)  # everything but the animated artists
                live._background = self.copy_from_bbox(self.figure.bbox)
                for artist in live.animated:
                    self.figure.draw_artist(artist)
            finally:
                self.manager.refresh_all()  # send the new pixels


class LiveFigure:
    """A figure to update from any thread: register the moving artists with
    :meth:`animate`, change them under ``live.lock``, then :meth:`redraw`.
    ``live.canvas`` is the widget to display."""

    def __init__(self, figsize: tuple[float, float] = (7.0, 4.0), dpi: float = 80):
        self.lock = threading.RLock()
        self.figure = Figure(figsize=figsize, dpi=dpi)
        self.animated: list[Artist] = []
        self._background: object = None
        self.canvas = _LockedCanvas(self.figure, self)
        self.canvas.toolbar_visible = False
        self.canvas.header_visible = False
        self.canvas.footer_visible = False
        self.canvas.resizable = False
        # ipympl keeps a PNG copy of every frame for pages that have not connected yet and
        # sends it without its "data:image/png;base64," prefix when the canvas is shown
        # inside a box: the page gets a broken image. Frames reach a page once it connects.
        self.canvas.syncing_data_url = False
        with warnings.catch_warnings():  # ipympl's toolbar trips a traitlets deprecation
            warnings.filterwarnings("ignore", "Passing unrecognized arguments",
                                    DeprecationWarning)
            self.manager = FigureManager(self.canvas, 0)
        self.frames = 0
        """Frames rendered by :meth:`redraw`."""
        self.full_frames = 0
        """… of which were full redraws (axes changed)."""
        self.render_seconds = 0.0
        """Time spent rendering them."""

    def animate(self, artist: Artist) -> Artist:
        """Mark an artist as moving: frames redraw only these over the background."""
        artist.set_animated(True)
        self.animated.append(artist)
        return artist

    def freeze_layout(self) -> None:
        """Place the axes once with the constrained layout, then keep them there (solving the
        layout at every frame would cost more than drawing it)."""
        with self.lock:
            self.figure.set_layout_engine("constrained")
            self.figure.get_layout_engine().execute(self.figure)
            self.figure.set_layout_engine("none")

    def redraw(self, full: bool = False) -> None:
        """Render now, in the calling thread, and send the changed pixels to the page.
        ``full`` renders the axes again too (after a limit, label or legend changed)."""
        t0 = time.perf_counter()
        with self.lock:
            if full or self._background is None:
                self.canvas.draw()
                self.full_frames += 1
            else:
                self.canvas.restore_region(self._background)
                for artist in self.animated:
                    self.figure.draw_artist(artist)
                self.canvas.blit(self.figure.bbox)
            self.frames += 1
        self.render_seconds += time.perf_counter() - t0

    def close(self) -> None:
        """Close the canvas widget (and its toolbar); the figure stops being shown."""
        toolbar = getattr(self.manager, "toolbar", None)
        self.canvas.close()
        if toolbar is not None and hasattr(toolbar, "close"):
            toolbar.close()
