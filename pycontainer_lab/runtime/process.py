"""The last steps before a container's program runs, shared by ``create`` (the container's
init) and ``exec`` (a process joining it): become the configured user with only the
configured capabilities, forbid gaining privileges, install the seccomp filter, find the
program on the container's ``PATH``.
"""

from __future__ import annotations

import errno
import os

from ..linux import capabilities, seccomp, syscalls
from ..tracing import step

__all__ = ["ExecError", "drop_privileges", "environment", "lookpath"]

PR_SET_KEEPCAPS = 8


class ExecError(OSError):
    """The program cannot be started (Docker exits 127 for not found, 126 otherwise)."""

    def __init__(self, err: int, message: str):
        super().__init__(err, message)
        self.exit_code = 127 if err == errno.ENOENT else 126


def environment(spec: dict) -> dict[str, str]:
    env = {}
    for item in spec["process"].get("env", []):
        key, _, value = item.partition("=")
        env[key] = value
    return env


def lookpath(program: str, env: dict[str, str]) -> str:
    """Find ``program`` as ``execvp`` would, in the container's tree (we are pivoted)."""
    if "/" in program:
        candidates = [program]
    else:
        candidates = [os.path.join(d or ".", program)
                      for d in env.get("PATH", "/usr/bin:/bin").split(":")]
    for c in candidates:
        if os.path.isfile(c) and os.access(c, os.X_OK):
            return c
    if "/" not in program:
        raise ExecError(errno.ENOENT,
                        f'exec: "{program}": executable file not found in $PATH')
    if not os.path.exists(program):
        raise ExecError(errno.ENOENT, f'exec: "{program}": no such file or directory')
    raise ExecError(errno.EACCES, f'exec: "{program}": permission denied')


def drop_privileges(spec: dict) -> None:
    """Become the configured user with only the configured capabilities, then give up the
    right to gain privileges (``no_new_privs``) and install the seccomp filter.

    Without ``no_new_privs`` the kernel lets only a privileged process load a filter, so then
    the filter comes first, while we still hold CAP_SYS_ADMIN (as runc does).
    """
    process = spec["process"]
    user = process.get("user", {})
    uid, gid = user.get("uid", 0), user.get("gid", 0)
    wanted = process.get("capabilities", {}).get("bounding", capabilities.DOCKER_DEFAULT)
    own = set(capabilities.capability_sets()["permitted"])
    caps = [c for c in wanted if c in own]  # nobody can give what they lack (--privileged)
    nnp = process.get("noNewPrivileges", True)
    filtered = bool(spec.get("linux", {}).get("seccomp"))
    if filtered and not nnp:
        seccomp.load(seccomp.default_profile(caps), no_new_privs=False)
    capabilities.drop_bounding(caps)
    with step(f"become uid {uid}, gid {gid}"
              + (f", groups {user['additionalGids']}" if user.get("additionalGids") else ""),
              f"setgroups(…); setresgid({gid}, …); setresuid({uid}, …)",
              f"setpriv --reuid={uid} --regid={gid} --init-groups"):
        syscalls.prctl(PR_SET_KEEPCAPS, 1)  # keep capabilities across setuid for capset
        os.setgroups(user.get("additionalGids", []))
        os.setresgid(gid, gid, gid)
        os.setresuid(uid, uid, uid)
    capabilities.set_capabilities(caps, caps, [])  # no inheritable set (as Docker since 2022)
    if "umask" in user:
        os.umask(user["umask"])
    cwd = process.get("cwd", "/")
    with step(f"change directory to {cwd}", f"chdir({cwd!r})", f"cd {cwd}"):
        os.chdir(cwd)
    if nnp:
        with step("no new privileges: set-uid files and file capabilities stop working",
                  "prctl(PR_SET_NO_NEW_PRIVS, 1)", "setpriv --no-new-privs"):
            syscalls.prctl(syscalls.PR_SET_NO_NEW_PRIVS, 1)
        if filtered:
            seccomp.load(seccomp.default_profile(caps))
