"""Layer benchmark (run by hand, as root): unpacking and commit-style layer creation.

    sudo .venv/bin/python benchmarks/layers.py [--rounds 5] [--source /usr/lib/python3.11]

1. **Unpack** one gzip layer made from ``--source`` with GNU tar (``tar -xzf``), umoci
   (``umoci raw unpack`` of an OCI layout holding the layer) and pcl (``Staging.layer_from_stream``:
   hostile-safe unpack *plus* digest and diff-ID verification and a copy of the blob, i.e. all
   that ``pcl load`` does per layer; and ``extract_layer`` alone).
2. **Commit**: the same files written into a container, then turned into a layer:
   ``podman commit`` (overlay storage in a temporary root) against pcl's ``commit`` from an
   upper dir (gzip level 6, and uncompressed as podman stores layers).

Every tool runs in temporary directories that are removed afterwards; the medians of the rounds
are printed side by side. Nothing here is a test.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pycontainer_lab.image.compression import Prefetch, decompressor
from pycontainer_lab.image.extract import extract_layer
from pycontainer_lab.image.newimage import commit
from pycontainer_lab.image.staging import Staging
from pycontainer_lab.image.store import Store


def timed(fn: Callable[[], object], setup: Callable[[], object] | None, rounds: int) -> float:
    samples = []
    for _ in range(rounds):
        if setup:
            setup()
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples)


def sh(*argv: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(argv, check=True, capture_output=True, **kw)


def fresh(path: Path) -> None:
    """An empty directory, and no write-back of earlier rounds left to slow the next one."""
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    os.sync()


def unpack_benchmarks(work: Path, source: Path, rounds: int) -> list[tuple[str, float]]:
    tar = work / "layer.tar"
    # paths as in a root filesystem (usr/lib/python3.x/…): its relative symlinks stay inside
    sh("tar", "-C", "/", "--sort=name", "-cf", str(tar), str(source.resolve()).lstrip("/"))
    layer = work / "layer.tar.gz"
    with open(tar, "rb") as f, gzip.GzipFile(layer, "wb", compresslevel=6, mtime=0) as g:
        shutil.copyfileobj(f, g, 1 << 20)
    print(f"layer: {source} -> {tar.stat().st_size / 1e6:.1f} MB tar, "
          f"{layer.stat().st_size / 1e6:.1f} MB gzip, "
          f"{sum(len(f) for _, _, f in os.walk(source))} files")
    out = work / "out"
    results = [("GNU tar -xzf", timed(lambda: sh("tar", "-xzf", str(layer), "-C", str(out)),
                                       lambda: fresh(out), rounds))]
    if shutil.which("umoci"):
        oci = work / "oci"
        sh("umoci", "init", "--layout", str(oci))
        sh("umoci", "new", "--image", f"{oci}:bench")
        sh("umoci", "raw", "add-layer", "--image", f"{oci}:bench", str(tar))  # it gzips it
        results.append(("umoci raw unpack", timed(
            lambda: sh("umoci", "raw", "unpack", "--image", f"{oci}:bench", str(out / "r")),
            lambda: fresh(out), rounds)))

    def pcl_extract() -> None:
        with open(layer, "rb") as f:
            ahead = Prefetch(decompressor(f, "gzip"))
            try:
                extract_layer(ahead, out)
            finally:
                ahead.close()

    staging: list[Staging] = []

    def new_staging() -> None:
        while staging:
            staging.pop().__exit__(None, None, None)
        fresh(out)
        staging.append(Staging(out))

    def pcl_load() -> None:
        with open(layer, "rb") as f:
            staging[0].layer_from_stream(f, what="bench")

    results.append(("pcl extract_layer (unpack only)", timed(pcl_extract, lambda: fresh(out),
                                                            rounds)))
    results.append(("pcl layer_from_stream (unpack + verify + blob)", timed(
        pcl_load, new_staging, rounds)))
    new_staging()
    return results


def podman_commit(work: Path, source: Path, rounds: int) -> float | None:
    if not shutil.which("podman"):
        return None
    runroot = Path(tempfile.mkdtemp(prefix="pcl-pm-", dir="/tmp"))
    base = ["podman", "--root", str(work / "pm-root"), "--runroot", str(runroot),
            "--storage-driver", "overlay", "--cgroup-manager=cgroupfs", "--events-backend=file",
            "--runtime", "runc"]
    try:
        archive = work / "busybox.tar"
        sh(sys.executable, "-m", "pycontainer_lab.cli.main", "save", "-o", str(archive),
           "busybox", env={**os.environ, "PCL_ROOT": str(work / "pcl-root")})
        sh(*base, "load", "-i", str(archive))
        samples = []
        for i in range(rounds):
            sh(*base, "create", "--name", f"c{i}", "busybox", "true")
            sh(*base, "cp", f"{source}/.", f"c{i}:/data")
            os.sync()
            t0 = time.perf_counter()
            sh(*base, "commit", "-q", f"c{i}", f"bench:{i}")
            samples.append(time.perf_counter() - t0)
        return statistics.median(samples)
    finally:
        subprocess.run([*base, "system", "reset", "-f"], capture_output=True)
        shutil.rmtree(runroot, ignore_errors=True)


def pcl_commit(work: Path, source: Path, rounds: int, compression: str | None) -> float:
    store = Store(work / "pcl-root")
    base = store.get("busybox")
    upper = work / "upper"
    fresh(upper)
    sh("cp", "-a", f"{source}/.", str(upper / "data"))
    return timed(lambda: commit(store, upper, base=base, compression=compression), os.sync,
                 rounds)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--source", type=Path, default=Path(f"/usr/lib/python3.{sys.version_info[1]}"))
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="pcl-bench-", dir="/var/tmp"))
    try:
        rows = unpack_benchmarks(work, args.source, args.rounds)
        pm = podman_commit(work, args.source, args.rounds)
        rows.append(("podman commit (overlay storage)", pm if pm is not None else float("nan")))
        rows.append(("pcl commit (gzip -6)", pcl_commit(work, args.source, args.rounds, "gzip")))
        rows.append(("pcl commit (uncompressed)", pcl_commit(work, args.source, args.rounds,
                                                             None)))
    finally:
        with contextlib.suppress(OSError):
            shutil.rmtree(work)
    width = max(len(r[0]) for r in rows)
    print(f"\n{'what':<{width}}  median of {args.rounds} (ms)")
    for name, seconds in rows:
        print(f"{name:<{width}}  {seconds * 1000:10.1f}")


if __name__ == "__main__":
    main()
