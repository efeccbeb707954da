"""The syntax of Docker's resource flag values, read the way the ``docker`` CLI reads them.

- sizes (``-m 32m``, ``--memory-swap 1.5g``, ``--device-write-bps /dev/sda:10mb``): a number, an
  optional space, an optional unit ``k m g t p`` (powers of 1024), an optional ``i``, an optional
  ``b``, any case -- ``32m``, ``32MB``, ``32MiB``, ``33554432`` and ``33554432b`` are the same;
- CPUs (``--cpus 1.5``): an exact rational number, kept as *nano-CPUs* (1.5 → 1500000000);
- CPU and memory-node lists (``--cpuset-cpus 0-2,4``): numbers and ranges, comma separated;
- devices (``--device-read-bps /dev/sda:1mb``): ``PATH:VALUE``, the path under ``/dev/``,
  turned into the ``major:minor`` numbers the kernel wants.

Every function raises :class:`~pycontainer_lab.errors.UsageError` with one line that names the
flag, the value and the rule: ``invalid --memory "3x": invalid size ...``.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from fractions import Fraction

from ...errors import UsageError

__all__ = ["Device", "format_list", "invalid", "parse_cpus", "parse_device", "parse_int",
           "parse_list", "parse_size", "parse_swap"]

KiB = 1024
_UNITS = {"": 1, "k": KiB, "m": KiB**2, "g": KiB**3, "t": KiB**4, "p": KiB**5}
_SIZE = re.compile(r"^(\d+(?:\.\d+)?) ?([kmgtp]?)i?b?$", re.IGNORECASE)


def invalid(flag: str, value: object, rule: str) -> UsageError:
    """The one-line error for a bad flag value."""
    return UsageError(f'invalid {flag} "{value}": {rule}')


def parse_size(flag: str, value: str | int) -> int:
    """A size in bytes (Docker's ``RAMInBytes``: binary units; ``1.5k`` is 1536)."""
    if isinstance(value, int):
        return value
    m = _SIZE.match(value.strip())
    if not m:
        raise invalid(flag, value, "not a size: use a number with an optional b, k, m or g "
                                   "suffix, like 32m")
    return int(float(m.group(1)) * _UNITS[m.group(2).lower()])


def parse_swap(flag: str, value: str | int) -> int:
    """Like :func:`parse_size`, and ``-1`` for unlimited (``--memory-swap -1``)."""
    return -1 if str(value).strip() == "-1" else parse_size(flag, value)


def parse_int(flag: str, value: str | int, hint: str = "") -> int:
    """A whole number in decimal, optionally signed."""
    if isinstance(value, bool):
        raise invalid(flag, value, "not an integer")
    if isinstance(value, int):
        return value
    if not re.fullmatch(r"[+-]?\d+", value.strip()):
        raise invalid(flag, value, "not an integer" + (f" ({hint})" if hint else ""))
    return int(value)


def parse_cpus(flag: str, value: str | float | int | Fraction) -> int:
    """CPUs as nano-CPUs, exactly: ``1.5`` → ``1500000000`` (Docker reads it as a rational
    number, so ``3/2`` works too, and more than 9 decimal places is "too precise")."""
    if isinstance(value, bool):
        raise invalid(flag, value, "not a number of CPUs")
    try:
        cpus = Fraction(str(value).strip()) if not isinstance(value, Fraction) else value
    except (ValueError, ZeroDivisionError):
        raise invalid(flag, value, "failed to parse as a rational number (like 1.5)") from None
    nano = cpus * 10**9
    if nano.denominator != 1:
        raise invalid(flag, value, "value is too precise (at most 9 decimal places)")
    return int(nano)


def parse_list(flag: str, value: str, what: str = "CPUs") -> set[int]:
    """A list like ``0-2,4`` → ``{0, 1, 2, 4}`` (the kernel's "cpulist" format)."""
    out: set[int] = set()
    if value == "":
        return out
    for part in value.split(","):
        lo, dash, hi = part.partition("-")
        if not lo.isdigit() or (dash and not hi.isdigit()):
            raise invalid(flag, value, f"not a list of {what} like 0-2,4")
        first, last = int(lo), int(hi) if dash else int(lo)
        if last < first:
            raise invalid(flag, value, f"the range {part} runs backwards")
        out.update(range(first, last + 1))
    return out


def format_list(numbers: set[int]) -> str:
    """The inverse of :func:`parse_list`: ``{0, 1, 2, 4}`` → ``0-2,4``."""
    runs: list[list[int]] = []
    for n in sorted(numbers):
        if runs and n == runs[-1][1] + 1:
            runs[-1][1] = n
        else:
            runs.append([n, n])
    return ",".join(f"{a}-{b}" if a != b else str(a) for a, b in runs)


@dataclass(frozen=True)
class Device:
    """A block device limit: ``--device-write-bps /dev/loop0:1mb`` → path, 7:0, 1048576."""

    path: str
    major: int
    minor: int
    value: int
    """Bytes per second, I/O operations per second, or a weight (10–1000)."""

    @property
    def numbers(self) -> str:
        """``major:minor``, the way cgroup files name a device."""
        return f"{self.major}:{self.minor}"


def parse_device(flag: str, spec: str, kind: str) -> Device:
    """``PATH:VALUE`` with VALUE a rate (``kind="bps"``: a size per second; ``"iops"``: a
    whole number) or a weight (``"weight"``: 10 to 1000, or 0). The path must be a block device:
    the cgroup files want its ``major:minor`` numbers, found with ``stat``."""
    path, sep, raw = spec.partition(":")
    if not sep or not path:
        raise invalid(flag, spec, "bad format: use DEVICE:VALUE, like /dev/sda:10mb")
    if not path.startswith("/dev/"):
        raise invalid(flag, spec, "bad format for device path: it must start with /dev/")
    if kind == "bps":
        if not _SIZE.match(raw.strip()):
            raise invalid(flag, spec, "invalid rate: use <device-path>:<number>[<unit>] with "
                                      "an optional unit kb, mb or gb")
        number = parse_size(flag, raw)
    elif kind == "iops":
        if not raw.isdigit():
            raise invalid(flag, spec, "invalid rate: use <device-path>:<number>, a positive "
                                      "integer")
        number = int(raw)
    else:
        if not raw.isdigit() or int(raw) > 65535 or (0 < int(raw) < 10 or int(raw) > 1000):
            raise invalid(flag, spec, "invalid weight for device: use 10 to 1000 (0 disables)")
        number = int(raw)
    try:
        st = os.stat(path)
    except OSError as e:
        raise invalid(flag, spec, f"stat {path}: {e.strerror.lower()}") from None
    if not stat.S_ISBLK(st.st_mode):
        raise invalid(flag, spec, f"{path} is not a block device")
    return Device(path, os.major(st.st_rdev), os.minor(st.st_rdev), number)
