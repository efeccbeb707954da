"""Every step explains itself: record what the step APIs do, as they do it.

Inside ``with trace() as t:`` each step API call (an ``unshare``, a ``mount``, a cgroup file write)
adds one :class:`Step` to ``t``: what it did in words, the syscall or file write it made, the shell
command a learner could type to do the same, and how long it took::

    from pycontainer_lab import Sandbox, trace
    with Sandbox() as box, trace() as t:
        box.unshare("uts")
        box.sethostname("lab")
    print(t)          # a table; in a notebook ``t`` renders as an HTML table with a timeline

Steps done in another process (the sandbox helper) are recorded there and shipped back, so one
trace shows the whole story whichever process did the work.

This module sits below the four floors: every floor may import it, it imports none of them.
"""

from __future__ import annotations

import contextvars
import html
import os
import textwrap
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field

__all__ = ["Step", "Trace", "is_tracing", "record", "step", "trace"]


@dataclass
class Step:
    """One thing a step API did."""

    action: str
    """What happened, in words (``new UTS namespace``)."""
    call: str
    """The syscall or file write that did it (``unshare(CLONE_NEWUTS)``)."""
    shell: str = ""
    """A shell command a learner could type to do the same (``unshare --uts``)."""
    seconds: float = 0.0
    """How long it took."""
    pid: int = 0
    """The process (as the host numbers it) that did it."""
    error: str = ""
    """Why it failed, if it did."""
    note: str = ""
    """Why it is done this way, for the curious learner."""

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Trace:
    """The steps recorded inside one ``with trace():`` block, in order."""

    steps: list[Step] = field(default_factory=list)

    def __iter__(self) -> Iterator[Step]:
        return iter(self.steps)

    def __len__(self) -> int:
        return len(self.steps)

    def __getitem__(self, i: int) -> Step:
        return self.steps[i]

    @property
    def seconds(self) -> float:
        """Total time of all steps."""
        return sum(s.seconds for s in self.steps)

    def to_dicts(self) -> list[dict]:
        return [s.to_dict() for s in self.steps]

    def table(self, width: int = 44) -> str:
        """The steps as a plain-text table (columns wrap at ``width`` characters)."""
        head = ("#", "step", "syscall / file write", "shell", "ms")
        rows = [
            (
                str(i),
                s.action + (f"  [FAILED: {s.error}]" if s.error else ""),
                s.call,
                s.shell,
                f"{s.seconds * 1000:.2f}",
            )
            for i, s in enumerate(self.steps, 1)
        ]
        wrapped = [[textwrap.wrap(c, width) or [""] for c in row] for row in rows]
        widths = [len(h) for h in head]
        for row in wrapped:
            for i, lines in enumerate(row):
                widths[i] = max(widths[i], *(len(x) for x in lines))
        out = ["  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)).rstrip()]
        out.append("  ".join("-" * w for w in widths))
        for row in wrapped:
            for k in range(max(len(lines) for lines in row)):
                cells = [lines[k] if k < len(lines) else "" for lines in row]
                line = "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True))
                out.append(line.rstrip())
        out.append(f"{len(self.steps)} steps, {self.seconds * 1000:.1f} ms")
        return "\n".join(out)

    def __str__(self) -> str:
        return self.table()

    def _repr_html_(self) -> str:
        total = self.seconds or 1.0
        rows = []
        for i, s in enumerate(self.steps, 1):
            bar = max(1.0, 100.0 * s.seconds / total)
            note = f'<div style="opacity:.7">{html.escape(s.note)}</div>' if s.note else ""
            err = f'<div style="color:#c00">failed: {html.escape(s.error)}</div>' if s.error else ""
            rows.append(
                f"<tr><td>{i}</td><td>{html.escape(s.action)}{note}{err}</td>"
                f"<td><code>{html.escape(s.call)}</code></td>"
                f"<td><code>{html.escape(s.shell)}</code></td>"
                f'<td style="text-align:right">{s.seconds * 1000:.2f}</td>'
                f'<td style="width:120px"><div style="background:#4a90d9;height:8px;'
                f'width:{bar:.0f}%"></div></td></tr>'
            )
        return (
            '<table class="pcl-trace"><thead><tr><th>#</th><th>step</th>'
            "<th>syscall / file write</th><th>shell</th><th>ms</th><th>time</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>"
            f"<div>{len(self.steps)} steps, {self.seconds * 1000:.1f} ms</div>"
        )


_active: contextvars.ContextVar[tuple[Trace, ...]] = contextvars.ContextVar(
    "pcl_active_traces", default=()
)


def is_tracing() -> bool:
    """True when some ``with trace():`` block is recording in this context."""
    return bool(_active.get())


@contextmanager
def trace() -> Iterator[Trace]:
    """Record every step done inside the block (blocks may nest; each sees its own steps)."""
    t = Trace()
    token = _active.set((*_active.get(), t))
    try:
        yield t
    finally:
        _active.reset(token)


def record(*steps: Step) -> None:
    """Add finished steps to every active trace (used for steps done in another process)."""
    for t in _active.get():
        t.steps.extend(steps)


@contextmanager
def step(action: str, call: str, shell: str = "", note: str = "") -> Iterator[Step]:
    """Time the block as one step and record it; a failure is recorded too, then re-raised.

    The yielded :class:`Step` may be amended inside the block (for example when the exact
    call is only known after a lookup).
    """
    s = Step(action=action, call=call, shell=shell, note=note, pid=os.getpid())
    t0 = time.perf_counter()
    try:
        yield s
    except BaseException as e:
        s.error = str(e) or type(e).__name__
        raise
    finally:
        s.seconds = time.perf_counter() - t0
        record(s)
