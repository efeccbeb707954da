"""Wrong answers to the course's exercises, one for each anticipated way of going wrong.

``WRONG[exercise]`` lists ``(hint id, code)``: the code is put in the answer cell instead of
the solution (after a fresh setup), and the check must then fail with exactly that hint.
Each code is a plausible attempt a learner makes, and must itself run without an error.
"""

from __future__ import annotations

import os

ALL5 = "for kind in ('pid', 'mnt', 'uts', 'ipc', 'net'):\n    box.unshare(kind)\n"

WRONG: dict[str, list[tuple[str, str]]] = {
    # chapter 1
    "ex1-1": [
        ("chroot.not-locked", "pass"),
        ("chroot.chdir-only", "box.chdir(str(jail))"),
        ("chroot.wrong-dir", "box.chroot(str(jail / 'etc'))"),
        ("sandbox.closed", "box.chroot(str(jail))\nbox.close()"),
    ],
    "ex1-2": [
        ("pivot.not-locked", "pass"),
        ("pivot.escaped", "box.chroot(str(jail))"),
        ("pivot.no-python", "box.umount(str(jail / 'usr'))\nbox.bind(str(jail), str(jail))\n"
                            "box.pivot_root(str(jail))"),
    ],
    "ex1-3": [
        ("container.no-namespaces", "cg.set('memory', '64m')\nbox.join_cgroup(cg)"),
        ("container.missing-namespaces", "box.unshare('uts')\nbox.unshare('pid')\n"
                                         "cg.set('memory', '64m')\nbox.join_cgroup(cg)"),
        ("container.no-limit", ALL5 + "box.join_cgroup(cg)"),
        ("container.mb-not-mib", ALL5 + "cg.set('memory', 64_000_000)\nbox.join_cgroup(cg)"),
        ("container.wrong-limit", ALL5 + "cg.set('memory', '32m')\nbox.join_cgroup(cg)"),
        ("container.not-in-cgroup", ALL5 + "cg.set('memory', '64m')"),
    ],
    # chapter 2
    "ex2-1": [
        ("uts.shared", "pass"),
        ("uts.name-not-set", "box.unshare('uts')"),
        ("uts.wrong-name", "box.unshare('uts')\nbox.sethostname('web2')"),
    ],
    "ex2-2": [
        ("pid.shared", "box.unshare('mnt')\nbox.mount_proc()"),
        ("pid.host-proc", "box.unshare('pid')"),
        ("pid.host-proc", "box.unshare('mnt')\nbox.unshare('pid')"),
    ],
    "ex2-3": [
        ("net.shared", "pass"),
        ("net.lo-down", "box.unshare('net')"),
    ],
    "ex2-4": [
        ("user.no-namespace", "pass"),
        ("user.unmapped", "box.unshare('user')"),
        ("user.root-outside", "box.unshare('user')\nbox.map_ids([(0, 0, 1)], [(0, 0, 1)])"),
    ],
    # chapter 3
    "ex3-1": [
        ("cpu.no-limit", "box.join_cgroup(cg)"),
        ("cpu.shares-not-cap", "cg.set('cpu-shares', 512)\nbox.join_cgroup(cg)"),
        *([("cpu.cpuset-not-cap", "cg.set('cpuset-cpus', '0')\nbox.join_cgroup(cg)")]
          if (os.cpu_count() or 1) > 1 else []),
        ("cpu.wrong-limit", "cg.set('cpus', 1.5)\nbox.join_cgroup(cg)"),
        ("cpu.not-joined", "cg.set('cpus', 0.5)"),
    ],
    "ex3-2": [
        ("memory.no-limit", "box.join_cgroup(cg)"),
        ("memory.mb-not-mib", "cg.set('memory', 32_000_000)\nbox.join_cgroup(cg)"),
        ("memory.no-unit",
         "cg.set('memory.limit_in_bytes' if cg.version == 1 else 'memory.max', '32')"),
        ("memory.wrong-limit", "cg.set('memory', '64m')\nbox.join_cgroup(cg)"),
        ("memory.not-joined", "cg.set('memory', '32m')"),
    ],
    "ex3-3": [
        ("pids.no-limit", "box.join_cgroup(cg)"),
        ("pids.wrong-limit", "cg.set('pids-limit', 100)\nbox.join_cgroup(cg)"),
        ("pids.not-joined", "cg.set('pids-limit', 10)"),
    ],
    # chapter 4
    "ex4-1": [
        ("stack.not-mounted", "stack.stack(base).stack(app)"),
        ("stack.reversed", "stack.stack(app).stack(base).mount()"),
        ("stack.missing-layer", "stack.stack(app).mount()"),
    ],
    "ex4-2": [
        ("whiteout.still-there", "pass"),
        ("whiteout.lower-changed", "(base / 'etc' / 'secret').unlink()"),
        ("whiteout.not-mounted", "stack.unmount()"),
        ("whiteout.opaque-dir", "import shutil\nshutil.rmtree(stack.view('etc'))\n"
                                "stack.view('etc').mkdir()"),
    ],
    "ex4-3": [
        ("digest.config", "answer = store.get('busybox').config_digest"),
        ("digest.manifest", "answer = store.get('busybox').manifest_digest"),
        ("digest.diff-id", "answer = store.get('busybox').diff_ids[0]"),
        ("digest.no-algorithm", "answer = store.get('busybox').layers[0]['digest'][7:]"),
        ("digest.unknown", "answer = 'sha256:' + '0' * 64"),
    ],
}

NOT_TRIED = {
    "sandbox.not-a-sandbox": "a type mistake in the check call, which is locked",
    "stack.not-a-stack": "the same",
    "whiteout.no-marker": "a fallback: overlay itself always leaves a whiteout or an opaque dir",
}
"""Hints no wrong answer reaches through the answer cell, and why."""
