"""What a check answers: a clear pass, or "not yet" with a hint for this way of going wrong.

A check function looks at the kernel and either returns the pass message or calls
:func:`hint` with an *id* and a sentence. The id names one anticipated way of failing
(``uts.shared``: the sandbox still shares the host's UTS namespace); it appears in brackets
after the hint, so a teacher can count which mistakes a class makes, and the course's tests can
check that each wrong answer gets its own hint.

A failed check raises :class:`NotYetPassed`, an ``AssertionError``: nbgrader's autograder
counts the cell as failed, and a notebook run stops there like at any failed test. In IPython
it is shown as two short lines instead of a traceback (``_render_traceback_``): a learner
needs the hint, not the check's insides.
"""

from __future__ import annotations

import functools
import html
from collections.abc import Callable
from dataclasses import dataclass
from typing import ParamSpec

__all__ = ["Hint", "NotYetPassed", "Passed", "exercise", "hint"]

P = ParamSpec("P")


class Hint(Exception):
    """Raised by :func:`hint` inside a check; :func:`exercise` turns it into NotYetPassed."""

    def __init__(self, id: str, text: str):
        super().__init__(text)
        self.id = id
        self.text = text


def hint(id: str, text: str) -> Hint:
    """Stop the check here: the attempt went wrong in the way ``id`` names; ``text`` says what
    the learner sees and what to try. Use as ``raise hint(...)``."""
    return Hint(id, text)


@dataclass
class Passed:
    """A passed exercise; shows itself as a green line in a notebook -- once: the check shows
    it, and it stays quiet when it is also the cell's last value."""

    exercise: str
    title: str
    message: str
    shown: bool = False

    def _ipython_display_(self) -> None:
        if self.shown:
            return
        self.shown = True
        from IPython.display import display

        display({"text/html": self._repr_html_(), "text/plain": str(self)}, raw=True)

    def __str__(self) -> str:
        return f"✔ Exercise {self.exercise} passed ({self.title}): {self.message}"

    __repr__ = __str__

    def _repr_html_(self) -> str:
        return (f"<div class='pcl-check pcl-pass' style='border-left:4px solid #2e7d32;"
                f"padding:4px 10px;background:#edf7ed'><b>✔ Exercise {html.escape(self.exercise)}"
                f" passed</b> ({html.escape(self.title)})<br>{html.escape(self.message)}</div>")


class NotYetPassed(AssertionError):
    """A check found the kernel state not yet as the exercise asks; ``hint`` says why."""

    def __init__(self, exercise: str, title: str, hint_id: str, hint: str):
        self.exercise = exercise
        self.title = title
        self.hint_id = hint_id
        self.hint = hint
        super().__init__(f"Exercise {exercise} ({title}) not passed yet: {hint} [{hint_id}]")

    def _render_traceback_(self) -> list[str]:
        """IPython shows these lines instead of a traceback."""
        red, bold, dim, off = "\x1b[31m", "\x1b[1m", "\x1b[2m", "\x1b[0m"
        return [f"{red}{bold}✘ Exercise {self.exercise} not passed yet{off} ({self.title})",
                f"{self.hint} {dim}[{self.hint_id}]{off}"]


def show(obj: object) -> None:
    """Display ``obj`` in a notebook (HTML where it has it); print it elsewhere."""
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:
        get_ipython = None  # type: ignore[assignment]
    if get_ipython is not None and get_ipython() is not None:
        display(obj)
    else:
        print(obj)


def exercise(number: str, title: str) -> Callable[[Callable[P, str]], Callable[P, Passed]]:
    """Make a check function out of one that returns the pass message or raises a hint.

    The check shows its pass at once (a grade cell may go on with hidden tests after it) and
    returns the :class:`Passed` too."""

    def wrap(fn: Callable[P, str]) -> Callable[P, Passed]:
        @functools.wraps(fn)
        def check(*args: P.args, **kwargs: P.kwargs) -> Passed:
            try:
                message = fn(*args, **kwargs)
            except Hint as h:
                raise NotYetPassed(number, title, h.id, h.text) from None
            passed = Passed(number, title, message)
            show(passed)
            return passed

        check.exercise = number  # type: ignore[attr-defined]
        check.title = title  # type: ignore[attr-defined]
        return check

    return wrap
