"""The one error type a user of ``pcl`` or of the library is meant to read.

A :class:`PclError` carries a one-line message that names the problem and the fix
(``invalid memory "3m": minimum is 4m``); the CLI prints it as ``pcl: <message>`` and exits
with ``exit_code``. Any other exception is a bug or an unexpected kernel answer.
Like ``tracing``, this module sits below the four floors.
"""

from __future__ import annotations

__all__ = ["NotFoundError", "PclError", "UsageError"]


class PclError(Exception):
    """A problem the user can fix; ``str(e)`` says what and how."""

    exit_code = 1


class UsageError(PclError, ValueError):
    """Bad input: a flag value, a name, a reference. Docker exits 125 for these."""

    exit_code = 125


class NotFoundError(PclError, LookupError):
    """No such image, container, volume or network."""

    exit_code = 1
