"""Interop with real tools: skopeo, podman, umoci and oci-image-tool read what pcl writes,
and pcl reads what they write. Each tool works in temporary storage and is skipped if missing."""

from __future__ import annotations

import json
import shutil
import subprocess
import tarfile
import tempfile

import pytest

from image_helpers import pcl


def need(*tools: str) -> None:
    for tool in tools:
        if not shutil.which(tool):
            pytest.skip(f"{tool} is not installed (./lab install brings it)")


def run(*argv: str, **kw) -> subprocess.CompletedProcess:
    r = subprocess.run(argv, capture_output=True, text=True, timeout=180, **kw)
    assert r.returncode == 0, f"{argv}: {r.stderr}"
    return r


@pytest.fixture
def saved(tmp_path):
    """busybox:latest saved by pcl, and its image ID."""
    archive = tmp_path / "busybox.tar"
    r = pcl("save", "-o", str(archive), "busybox")
    assert r.returncode == 0, r.stderr
    image_id = pcl("inspect", "-f", "{{.Id}}", "busybox").stdout.decode().strip()
    return archive, image_id


def test_skopeo_copies_a_saved_archive_and_oci_image_tool_validates_it(saved, tmp_path):
    need("skopeo", "oci-image-tool")
    archive, _ = saved
    run("skopeo", "copy", f"docker-archive:{archive}", f"oci:{tmp_path}/copy:bb")
    assert json.loads((tmp_path / "copy" / "index.json").read_text())["manifests"]
    layout = tmp_path / "layout"
    layout.mkdir()
    with tarfile.open(archive) as t:
        t.extractall(layout, filter="data")
    r = run("oci-image-tool", "validate", "--type", "image", "--ref", "name=latest", str(layout))
    assert "reference [name=latest]: OK" in r.stdout + r.stderr
    run("skopeo", "inspect", f"oci-archive:{archive}:latest")


def test_podman_loads_a_saved_archive(saved, tmp_path):
    need("podman")
    archive, image_id = saved
    short = tempfile.mkdtemp(prefix="pcl-pm-", dir="/tmp")  # podman wants a short runroot
    base = ["podman", "--root", str(tmp_path / "root"), "--runroot", short,
            "--storage-driver", "vfs", "--cgroup-manager=cgroupfs", "--events-backend=file",
            "--runtime", "runc"]
    r = run(*base, "load", "-i", str(archive))
    assert "Loaded image: docker.io/library/busybox:latest" in r.stdout
    ids = run(*base, "images", "--no-trunc", "--format", "{{.ID}}").stdout.split()
    try:
        assert image_id in ids or image_id.removeprefix("sha256:") in ids
    finally:
        run(*base, "rmi", "-a")
        shutil.rmtree(short, ignore_errors=True)


def test_skopeo_inspect_reads_the_store_directly(pcl_root):
    need("skopeo")
    pcl("images")  # nothing yet; busybox is built on first use:
    digest = pcl("inspect", "-f", "{{.Descriptor.digest}}", "busybox").stdout.decode().strip()
    r = run("skopeo", "inspect", f"oci:{pcl_root}/images:docker.io/library/busybox:latest")
    assert json.loads(r.stdout)["Digest"] == digest


def test_a_layout_made_by_skopeo_loads(saved, tmp_path):
    need("skopeo")
    archive, _ = saved
    layout = tmp_path / "sk"
    run("skopeo", "copy", f"docker-archive:{archive}", f"oci:{layout}:quay.io/demo/bb:2")
    r = pcl("load", "-i", str(layout))
    assert r.returncode == 0, r.stderr
    assert r.stdout.decode() == "Loaded image: quay.io/demo/bb:2\n"
    packed = tmp_path / "sk.tar.gz"
    run("tar", "-C", str(layout), "-czf", str(packed), ".")
    assert pcl("load", "-i", str(packed)).stdout.decode() == "Loaded image: quay.io/demo/bb:2\n"
    out = pcl("images", "--format", "{{.Repository}}")
    assert "quay.io/demo/bb" in out.stdout.decode().split()


def test_a_layout_made_by_umoci_loads(tmp_path):
    need("umoci")
    layout, bundle = tmp_path / "um", tmp_path / "bundle"
    run("umoci", "init", "--layout", str(layout))
    run("umoci", "new", "--image", f"{layout}:base")
    run("umoci", "unpack", "--image", f"{layout}:base", str(bundle))
    (bundle / "rootfs" / "hello.txt").write_text("made by umoci\n")
    run("umoci", "repack", "--image", f"{layout}:base", str(bundle))
    run("umoci", "config", "--image", f"{layout}:base", "--config.cmd", "cat",
        "--config.cmd", "/hello.txt")
    r = pcl("load", "-i", str(layout))
    assert r.returncode == 0, r.stderr
    out = r.stdout.decode()
    assert out.startswith("Loaded image ID: sha256:")
    assert "only by 'base'" in r.stderr.decode()  # a bare tag: the user is told how to name it
    image_id = out.split()[-1]
    assert pcl("tag", image_id, "umoci/base:1").returncode == 0
    cmd = pcl("inspect", "-f", "{{json .Config.Cmd}}", "umoci/base:1").stdout.decode()
    assert json.loads(cmd) == ["cat", "/hello.txt"]
