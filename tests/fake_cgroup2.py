"""A fake cgroup2 tree in a temporary directory, for testing the v2 file logic on a v1 host.

Its "kernel" is :class:`FakeCgroup2FS`, a :class:`~pycontainer_lab.linux.cgroups.fs.CgroupFS`
that does what cgroupfs does for the rules the v2 code relies on -- and nothing else:

- ``mkdir`` fills the new cgroup with the core files, and with the files of each controller its
  parent enables in ``cgroup.subtree_control`` (listed in the child's ``cgroup.controllers``);
- ``cgroup.subtree_control`` takes ``+ctrl``/``-ctrl`` for controllers the cgroup has, and
  refuses (``EBUSY``) to enable any in a non-root cgroup that holds processes; ``cgroup.procs``
  refuses (``EBUSY``) a process in a non-root cgroup that enables controllers for children --
  the no-internal-processes rule, both ways;
- ``cpu.max`` keeps the period when only a quota is written; ``io.max`` and ``io.weight`` merge
  per-device lines; ``cgroup.freeze`` updates ``cgroup.events``; ``cgroup.kill`` empties
  ``cgroup.procs`` below it; ``rmdir`` refuses a cgroup with processes or children.

Values are stored as written, so a test can assert exactly what the code wrote.
"""

from __future__ import annotations

import errno
import os
import shutil

from pycontainer_lab.linux.cgroups.fs import CgroupFS

CONTROLLERS = ("cpuset", "cpu", "io", "memory", "hugetlb", "pids")

CORE = {"cgroup.procs": "", "cgroup.subtree_control": "", "cgroup.events":
        "populated 0\nfrozen 0\n", "cgroup.freeze": "0\n", "cgroup.kill": "",
        "cgroup.type": "domain\n"}

FILES = {
    "cpu": {"cpu.max": "max 100000\n", "cpu.weight": "100\n",
            "cpu.stat": "usage_usec 0\nuser_usec 0\nsystem_usec 0\nnr_periods 0\n"
                        "nr_throttled 0\nthrottled_usec 0\n"},
    "memory": {"memory.max": "max\n", "memory.low": "0\n", "memory.high": "max\n",
               "memory.swap.max": "max\n", "memory.current": "0\n", "memory.peak": "0\n",
               "memory.events": "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\n"},
    "pids": {"pids.max": "max\n", "pids.current": "0\n", "pids.events": "max 0\n"},
    "io": {"io.max": "", "io.weight": "default 100\n", "io.stat": ""},
    "cpuset": {"cpuset.cpus": "\n", "cpuset.mems": "\n"},
    "hugetlb": {},
}


def _oserror(code: int, path: str) -> OSError:
    return OSError(code, os.strerror(code), path)


class FakeCgroup2FS(CgroupFS):
    """A cgroup2 "kernel" over plain files under ``root`` (see the module doc)."""

    def __init__(self, root: str, bfq: bool = False):
        self.root = root
        self.bfq = bfq
        os.makedirs(root, exist_ok=True)
        self._put(root, "cgroup.controllers", " ".join(CONTROLLERS) + "\n")
        for name, text in CORE.items():
            self._put(root, name, text)
        self._put(root, "cgroup.procs", "1\n")  # the root may hold processes (it is exempt)

    # -- helpers
    def _put(self, d: str, name: str, text: str) -> None:
        with open(os.path.join(d, name), "w") as f:
            f.write(text)

    def _get(self, d: str, name: str) -> str:
        with open(os.path.join(d, name)) as f:
            return f.read()

    def _populate(self, d: str) -> None:
        parent = os.path.dirname(d)
        enabled = self._get(parent, "cgroup.subtree_control").split()
        self._put(d, "cgroup.controllers", " ".join(enabled) + ("\n" if enabled else ""))
        for c in enabled:
            for name, text in FILES[c].items():
                if not os.path.exists(os.path.join(d, name)):
                    self._put(d, name, text)
            if c == "io" and self.bfq and not os.path.exists(os.path.join(d, "io.bfq.weight")):
                self._put(d, "io.bfq.weight", "default 100\n")

    # -- the filesystem operations
    def mkdir(self, path: str) -> None:
        os.mkdir(path)
        for name, text in CORE.items():
            self._put(path, name, text)
        self._populate(path)

    def rmdir(self, path: str) -> None:
        if self._get(path, "cgroup.procs").strip() or self.subdirs(path):
            raise _oserror(errno.EBUSY, path)
        shutil.rmtree(path)

    def write(self, path: str, data: str) -> None:
        if not os.path.isfile(path):
            raise _oserror(errno.ENOENT, path)
        d, name = os.path.split(path)
        is_root = os.path.samefile(d, self.root)
        if name == "cgroup.subtree_control":
            have = self._get(d, "cgroup.controllers").split()
            enabled = self._get(d, name).split()
            for token in data.split():
                ctrl = token[1:]
                if ctrl not in have or token[0] not in "+-":
                    raise _oserror(errno.ENOENT, path)
                if token[0] == "+" and not is_root and self._get(d, "cgroup.procs").strip():
                    raise _oserror(errno.EBUSY, path)  # no internal processes
                if token[0] == "+" and ctrl not in enabled:
                    enabled.append(ctrl)
                elif token[0] == "-" and ctrl in enabled:
                    enabled.remove(ctrl)
            order = [c for c in have if c in enabled]
            self._put(d, name, " ".join(order) + ("\n" if order else ""))
            for child in self.subdirs(d):
                self._populate(os.path.join(d, child))
        elif name == "cgroup.procs":
            if not is_root and self._get(d, "cgroup.subtree_control").strip():
                raise _oserror(errno.EBUSY, path)  # no internal processes
            pid = data.strip()
            for dirpath, _, files in os.walk(self.root):  # a process is in one cgroup only
                if "cgroup.procs" in files and dirpath != d:
                    rest = [p for p in self._get(dirpath, name).split() if p != pid]
                    self._put(dirpath, name, "".join(f"{p}\n" for p in rest))
            self._put(d, name, self._get(d, name) + f"{pid}\n")
        elif name == "cgroup.freeze":
            self._put(d, name, data.strip() + "\n")
            self._put(d, "cgroup.events", f"populated 0\nfrozen {data.strip()}\n")
        elif name == "cgroup.kill":  # the group and every group inside it
            for dirpath, _, files in os.walk(d):
                if "cgroup.procs" in files:
                    self._put(dirpath, "cgroup.procs", "")
        elif name == "cpu.max":
            parts = data.split()
            period = parts[1] if len(parts) > 1 else self._get(d, name).split()[1]
            self._put(d, name, f"{parts[0]} {period}\n")
        elif name in ("io.max", "io.weight", "io.bfq.weight"):
            self._merge(d, name, data)
        else:
            self._put(d, name, data.strip() + "\n")

    def _merge(self, d: str, name: str, data: str) -> None:
        """Per-device files: one line per device, new keys replace old ones."""
        lines = {line.split()[0]: line.split()[1:] for line in self._get(d, name).splitlines()
                 if line.strip()}
        key, *values = data.split()
        if not values:  # a bare weight is the default
            key, values = "default", [key]
        if name == "io.max":
            old = dict(v.split("=") for v in lines.get(key, []))
            old = {k: old.get(k, "max") for k in ("rbps", "wbps", "riops", "wiops")}
            old.update(v.split("=") for v in values)
            values = [f"{k}={v}" for k, v in old.items()]
        lines[key] = values
        self._put(d, name, "".join(f"{k} {' '.join(v)}\n" for k, v in lines.items()))
