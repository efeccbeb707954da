"""What it costs to watch cgroups: twenty groups sampled at 2 Hz (the live plots' load).

    sudo PYTHONPATH=. .venv/bin/python benchmarks/cgroup_sampling.py [--groups 20] [--hz 2]
        [--seconds 10]

Creates ``--groups`` cgroups (each holding one sleeping process, so every file has something
to report), then measures:

1. one sampling round of all groups, timed directly (median and 95th percentile over 200);
2. the sampler thread running at ``--hz`` for ``--seconds``: the CPU time it used, as a share
   of one CPU, and how late its rounds were.

Everything is deleted at the end, also on Ctrl-C. Not a test: the numbers depend on the host.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pycontainer_lab.linux.cgroups import Cgroup, Sampler


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--groups", type=int, default=20)
    ap.add_argument("--hz", type=float, default=2.0)
    ap.add_argument("--seconds", type=float, default=10.0)
    args = ap.parse_args()

    tag = uuid.uuid4().hex[:6]
    groups: list[Cgroup] = []
    sleepers: list[subprocess.Popen] = []
    try:
        for i in range(args.groups):
            cg = Cgroup(f"pclbench{tag}-{i}").create()
            groups.append(cg)
            p = subprocess.Popen(["sleep", "3600"])
            sleepers.append(p)
            cg.add(p.pid)
        layout = groups[0].layout
        print(f"{args.groups} groups on cgroup v{layout.version} ({layout.mode}), "
              f"{len(groups[0].dirs())} director{'y' if len(groups[0].dirs()) == 1 else 'ies'} "
              "each")

        sampler = Sampler(groups, interval=1 / args.hz)
        rounds = []
        for _ in range(200):
            t0 = time.perf_counter()
            sampler.sample_once()
            rounds.append(time.perf_counter() - t0)
        rounds.sort()
        per_round = statistics.median(rounds)
        print(f"one round of {args.groups} groups: median {per_round * 1e3:.2f} ms, "
              f"p95 {rounds[int(0.95 * len(rounds))] * 1e3:.2f} ms "
              f"({per_round / args.groups * 1e6:.0f} µs per group)")
        print(f"  → at {args.hz:g} Hz that is {per_round * args.hz * 100:.2f} % of one CPU")

        sampler = Sampler(groups, interval=1 / args.hz, capacity=240)
        wall0, cpu0 = time.monotonic(), time.process_time()
        with sampler:
            time.sleep(args.seconds)
        wall, cpu = time.monotonic() - wall0, time.process_time() - cpu0
        lateness = [b.time - a.time - sampler.interval for a, b in
                    zip(sampler.history(groups[0].name), sampler.history(groups[0].name)[1:],
                        strict=False)]
        print(f"sampler thread, {args.seconds:g} s at {args.hz:g} Hz: {sampler.rounds} rounds, "
              f"thread CPU {sampler.cpu_seconds * 1e3:.1f} ms = "
              f"{sampler.cpu_seconds / wall * 100:.3f} % of one CPU "
              f"(whole process {cpu / wall * 100:.3f} %)")
        if lateness:
            print(f"  interval jitter: max {max(abs(x) for x in lateness) * 1e3:.1f} ms")
    finally:
        for p in sleepers:
            p.kill()
            p.wait()
        for cg in groups:
            cg.delete()


if __name__ == "__main__":
    main()
