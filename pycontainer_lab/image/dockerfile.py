"""``-c 'CMD ["sh"]'``: Dockerfile instructions that change an image's config.

``pcl import`` and ``pcl commit`` accept the instructions that only change how an image runs,
not its files -- the same ones Docker accepts there::

    CMD ["sh"]  |  CMD echo hi          → Cmd ["sh"]  |  ["/bin/sh", "-c", "echo hi"]
    ENTRYPOINT …                          → Entrypoint (same two forms)
    ENV A=1 B="two words"  |  ENV A 1     → Env ["A=1", "B=two words"]
    EXPOSE 80 53/udp                      → ExposedPorts {"80/tcp": {}, "53/udp": {}}
    LABEL k=v …                           → Labels
    USER app[:group]  WORKDIR /srv  VOLUME /data  STOPSIGNAL SIGTERM  ONBUILD …
"""

from __future__ import annotations

import copy
import json
import posixpath
import re
import shlex
from collections.abc import Iterable

from ..errors import UsageError

__all__ = ["ALLOWED", "apply_changes"]

ALLOWED = ("CMD", "ENTRYPOINT", "ENV", "EXPOSE", "LABEL", "ONBUILD", "STOPSIGNAL", "USER",
           "VOLUME", "WORKDIR")


def _command(arg: str) -> list[str]:
    """JSON (exec) form ``["a", "b"]`` or shell form ``a b`` → argv."""
    if arg.startswith("["):
        try:
            argv = json.loads(arg)
        except ValueError:
            argv = None
        if isinstance(argv, list) and all(isinstance(a, str) for a in argv):
            return argv
    return ["/bin/sh", "-c", arg]


def _pairs(arg: str, what: str) -> list[tuple[str, str]]:
    """``k=v k2="v 2"`` (or the old ``k v`` form, for ENV) → pairs."""
    words = shlex.split(arg)
    if words and "=" not in words[0]:
        if what != "ENV" or len(words) < 2:
            raise UsageError(f"{what} needs key=value pairs, got {arg!r}")
        return [(words[0], arg.split(None, 1)[1])]
    pairs = []
    for w in words:
        key, eq, value = w.partition("=")
        if not eq or not key:
            raise UsageError(f"{what}: {w!r} is not key=value")
        pairs.append((key, value))
    return pairs


def _ports(arg: str) -> list[str]:
    out = []
    for word in arg.split():
        m = re.fullmatch(r"(\d+)(?:-(\d+))?(?:/(tcp|udp|sctp))?", word)
        if not m:
            raise UsageError(f"EXPOSE: invalid port {word!r} (PORT[-END][/tcp|udp|sctp])")
        first, last = int(m[1]), int(m[2] or m[1])
        out += [f"{p}/{m[3] or 'tcp'}" for p in range(first, last + 1)]
    return out


def apply_changes(config: dict, changes: Iterable[str]) -> dict:
    """A copy of the image ``config`` with each instruction of ``changes`` applied in order."""
    result = copy.deepcopy(config)
    c = result.setdefault("config", {})
    for change in changes:
        instr, _, arg = change.strip().partition(" ")
        instr, arg = instr.upper(), arg.strip()
        if instr not in ALLOWED:
            raise UsageError(f"{instr.lower() or repr(change)} is not a valid change command "
                             f"(one of {', '.join(ALLOWED)})")
        if not arg:
            raise UsageError(f"{instr} needs an argument")
        if instr in ("CMD", "ENTRYPOINT"):
            c["Cmd" if instr == "CMD" else "Entrypoint"] = _command(arg)
        elif instr == "ENV":
            env = [e for e in c.get("Env") or []]
            for key, value in _pairs(arg, "ENV"):
                env = [e for e in env if e.split("=", 1)[0] != key] + [f"{key}={value}"]
            c["Env"] = env
        elif instr == "LABEL":
            c["Labels"] = {**(c.get("Labels") or {}), **dict(_pairs(arg, "LABEL"))}
        elif instr == "EXPOSE":
            c["ExposedPorts"] = {**(c.get("ExposedPorts") or {}),
                                 **{p: {} for p in _ports(arg)}}
        elif instr == "VOLUME":
            paths = _command(arg) if arg.startswith("[") else arg.split()
            if paths[:2] == ["/bin/sh", "-c"]:
                raise UsageError(f"VOLUME: {arg!r} is not a JSON list of paths")
            c["Volumes"] = {**(c.get("Volumes") or {}), **{p: {} for p in paths}}
        elif instr == "WORKDIR":
            c["WorkingDir"] = posixpath.normpath(posixpath.join(c.get("WorkingDir") or "/", arg))
        elif instr == "USER":
            c["User"] = arg
        elif instr == "STOPSIGNAL":
            c["StopSignal"] = arg
        elif instr == "ONBUILD":
            c["OnBuild"] = [*(c.get("OnBuild") or []), arg]
    return result
