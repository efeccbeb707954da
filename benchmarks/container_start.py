"""How fast does a container start, and how small is its monitor? pcl beside runc and crun.

Run by hand, as root, on a quiet machine (not a test)::

    .venv/bin/python benchmarks/container_start.py [--rounds 20]

Side by side in one run, on the same busybox root filesystem:

- ``runc run`` and ``crun run`` of a bundle whose program is ``true`` (their CLIs);
- ``pcl run --rm --network none busybox true`` (the whole CLI: image, monitor, records);
- a *warm* start from the library: ``runtime.create`` + ``start`` + wait in an already
  running, single-threaded Python process (the runtime floor only);
- the private memory of a container's monitor while its container runs (``Private_Dirty``
  and USS from ``/proc/PID/smaps_rollup``), with twenty containers running.

crun refuses this host's hybrid cgroups; as the field notes say, it runs in a private mount
namespace where the cgroup2 mount is unmounted.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PCL = [sys.executable, "-m", "pycontainer_lab.cli.main"]


def busybox_bundle(where: Path) -> Path:
    from pycontainer_lab.linux.probe import find_busybox

    rootfs = where / "rootfs"
    (rootfs / "bin").mkdir(parents=True)
    shutil.copy2(find_busybox(), rootfs / "bin" / "busybox")
    for applet in ("sh", "true", "sleep"):
        (rootfs / "bin" / applet).symlink_to("busybox")
    for d in ("dev", "proc", "sys", "tmp", "etc"):
        (rootfs / d).mkdir()
    return where


def runc_config(bundle: Path) -> None:
    """``runc spec``, made non-interactive and running ``true``."""
    subprocess.run(["runc", "spec"], cwd=bundle, check=True)
    cfg = json.loads((bundle / "config.json").read_text())
    cfg["process"]["terminal"] = False
    cfg["process"]["args"] = ["/bin/true"]
    cfg["root"]["readonly"] = False
    (bundle / "config.json").write_text(json.dumps(cfg))


def timed(argv: list[str], rounds: int, **kw: object) -> list[float]:
    out = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, **kw)
        out.append((time.perf_counter() - t0) * 1000)
    return out


def warm_library(bundle: Path, rounds: int) -> list[float]:
    """runtime.create + start + wait, in a fresh single-threaded process, modules loaded."""
    code = f"""
import json, os, sys, time
sys.path.insert(0, {str(ROOT)!r})
from pycontainer_lab.runtime import container, spec
import pycontainer_lab.runtime.init  # warm: everything imported once
s = spec.default_spec(["/bin/true"])
s["linux"]["namespaces"] = [n for n in s["linux"]["namespaces"]]
spec.save({str(bundle)!r}, s)
devnull = os.open(os.devnull, os.O_RDWR)
times = []
for i in range({rounds}):
    t0 = time.perf_counter()
    c = container.create(f"warm{{i}}", {str(bundle)!r}, stdin=devnull, stdout=devnull,
                         stderr=devnull)
    container.start(c.id)
    os.waitpid(c.pid, 0)
    container.delete(c.id)
    times.append((time.perf_counter() - t0) * 1000)
print(json.dumps(times))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={**os.environ})
    return json.loads(out.stdout.strip().splitlines()[-1])


def monitor_memory(count: int) -> tuple[list[int], list[int]]:
    """(Private_Dirty kB, USS kB) of each monitor, with ``count`` containers running."""
    ids = [subprocess.run([*PCL, "run", "-d", "busybox", "sleep", "60"], check=True,
                          capture_output=True, text=True).stdout.strip()
           for _ in range(count)]
    time.sleep(2.5)  # monitors switch to the small relay after a second
    dirty, uss = [], []
    try:
        for cid in ids:
            info = json.loads(subprocess.run([*PCL, "inspect", cid], check=True,
                                             capture_output=True, text=True).stdout)[0]
            init = info["State"]["Pid"]
            with open(f"/proc/{init}/stat") as f:
                monitor = int(f.read().rsplit(")", 1)[1].split()[1])
            fields = {}
            with open(f"/proc/{monitor}/smaps_rollup") as f:
                for line in f:
                    parts = line.split()
                    if len(parts) >= 2 and parts[1].isdigit():
                        fields[parts[0].rstrip(":")] = int(parts[1])
            dirty.append(fields["Private_Dirty"])
            uss.append(fields["Private_Dirty"] + fields["Private_Clean"])
    finally:
        subprocess.run([*PCL, "rm", "-f", *ids], check=True, stdout=subprocess.DEVNULL)
    return dirty, uss


def report(name: str, times: list[float]) -> None:
    print(f"{name:<44} median {statistics.median(times):7.1f} ms   "
          f"min {min(times):7.1f}   max {max(times):7.1f}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=20)
    p.add_argument("--monitors", type=int, default=20)
    args = p.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="pcl-bench-"))
    os.environ["PCL_ROOT"] = str(tmp / "pcl-root")
    try:
        bundle = busybox_bundle(tmp / "bundle")
        runc_config(bundle)
        results = {}
        n = args.rounds
        results["runc run (CLI)"] = timed(
            ["runc", "--root", str(tmp / "runc"), "run", "--bundle", str(bundle), "b1"], n)
        crun = (f"umount /sys/fs/cgroup/unified 2>/dev/null; for i in $(seq {n}); do "
                f"s=$(date +%s%N); crun --root {tmp}/crun run --bundle {bundle} c1 >/dev/null;"
                " e=$(date +%s%N); echo $(( (e - s) / 1000 )); done")
        out = subprocess.run(["unshare", "-m", "sh", "-c", crun], capture_output=True,
                             text=True)
        if out.returncode == 0 and out.stdout.strip():
            results["crun run (CLI)"] = [int(x) / 1000 for x in out.stdout.split()]
        else:
            print("crun:", out.stderr.strip()[:200])
        subprocess.run([*PCL, "run", "--rm", "busybox", "true"], check=True,
                       capture_output=True)  # build the offline image first
        results["pcl run --rm --network none busybox true"] = timed(
            [*PCL, "run", "--rm", "--network", "none", "busybox", "true"], n)
        results["pcl runtime, warm, from the library"] = warm_library(tmp / "warm", n) \
            if busybox_bundle(tmp / "warm") else []
        print(f"\nContainer start to exit of `true`, {n} rounds each:")
        for name, times in results.items():
            report(name, times)
        dirty, uss = monitor_memory(args.monitors)
        print(f"\nMonitor memory with {args.monitors} containers running: "
              f"Private_Dirty median {statistics.median(dirty)} kB (max {max(dirty)}), "
              f"USS median {statistics.median(uss)} kB (max {max(uss)})")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
