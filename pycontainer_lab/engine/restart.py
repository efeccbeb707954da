"""Restart policies: what the monitor does when a container's program ends.

==================  ==========================================================
``no``              never restart (the default)
``always``          restart whatever the exit code, unless stopped by hand
``on-failure[:N]``  restart after a non-zero exit, at most N times if N is given
``unless-stopped``  like ``always``
==================  ==========================================================

Between restarts the monitor waits 100 ms, doubling each time up to a minute; a run that
lasted 10 seconds or more resets the delay, as Docker does.
"""

from __future__ import annotations

from ..errors import UsageError

__all__ = ["delay", "parse", "should_restart"]

NAMES = ("no", "always", "on-failure", "unless-stopped")


def parse(text: str) -> dict:
    """``"on-failure:3"`` → ``{"Name": "on-failure", "MaximumRetryCount": 3}``."""
    name, _, count = (text or "no").partition(":")
    if name not in NAMES:
        raise UsageError(f"invalid restart policy '{text}': use no, always, "
                         "on-failure[:max-retries] or unless-stopped")
    if count and name != "on-failure":
        raise UsageError(f"invalid restart policy '{text}': maximum retry count can only be "
                         "used with 'on-failure'")
    try:
        retries = int(count) if count else 0
    except ValueError:
        raise UsageError(f"invalid restart policy '{text}': the retry count must be a "
                         "number") from None
    if retries < 0:
        raise UsageError(f"invalid restart policy '{text}': maximum retry count cannot be "
                         "negative")
    return {"Name": "" if name == "no" else name, "MaximumRetryCount": retries}


def should_restart(policy: dict, exit_code: int, restart_count: int,
                   manually_stopped: bool) -> bool:
    name = policy.get("Name") or "no"
    if manually_stopped or name == "no":
        return False
    if name in ("always", "unless-stopped"):
        return True
    maximum = policy.get("MaximumRetryCount", 0)
    return exit_code != 0 and (maximum == 0 or restart_count < maximum)


def delay(previous: float, ran_for: float) -> float:
    """Seconds to wait before the next start."""
    if ran_for >= 10 or previous <= 0:
        return 0.1
    return min(previous * 2, 60.0)
