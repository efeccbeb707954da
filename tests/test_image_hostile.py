"""Hostile archives are refused with a clear error, and the store does not change by one byte."""

from __future__ import annotations

import os
import tarfile

import pytest

from pycontainer_lab.errors import PclError
from pycontainer_lab.image import archive
from pycontainer_lab.image.extract import extract_layer
from pycontainer_lab.image.store import Store

from image_helpers import (
    config_for,
    docker_archive,
    entry,
    gz,
    layer_tar,
    pcl,
    sha,
    tree_hash,
)

GOOD = layer_tar(entry("etc/", None, tarfile.DIRTYPE), entry("etc/hello", b"hi\n"))


@pytest.fixture
def store(pcl_root, tmp_path):
    """A store that already holds one image (a good load first)."""
    path = tmp_path / "good.tar"
    path.write_bytes(docker_archive([GOOD], ["good:1"]))
    s = Store()
    archive.load(s, path)
    return s


HOSTILE = {
    "path traversal": (layer_tar(entry("../../escaped", b"x")), "climbs out"),
    "absolute path": (layer_tar(entry("/etc/evil", b"x")), "absolute path"),
    "escaping symlink": (layer_tar(entry("up", None, tarfile.SYMTYPE, link="../../../../etc")),
                         "escaping symlink"),
    "write through a symlink": (
        layer_tar(entry("evil", None, tarfile.SYMTYPE, link="/tmp"),
                  entry("evil/pcl-test-pwned", b"x")), "refusing to write through it"),
    "escaping hard link": (layer_tar(entry("h", None, tarfile.LNKTYPE, link="../../etc/shadow")),
                           "climbs out"),
    "hard link to the host": (layer_tar(entry("h", None, tarfile.LNKTYPE, link="etc/shadow")),
                              "not a file unpacked earlier"),
    "device node": (layer_tar(entry("sda", None, tarfile.BLKTYPE, devmajor=8, devminor=0)),
                    "device node sda"),
    "overlay xattr": (layer_tar(entry("d/", None, tarfile.DIRTYPE, pax_headers={
        "SCHILY.xattr.trusted.overlay.redirect": "/etc"})), "trusted.overlay.redirect"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_layers_are_refused_and_the_store_is_unchanged(store, pcl_root, tmp_path, case):
    layer, message = HOSTILE[case]
    path = tmp_path / "bad.tar"
    path.write_bytes(docker_archive([layer], ["bad:1"]))
    before = tree_hash(pcl_root)
    r = pcl("load", "-i", str(path))
    assert r.returncode != 0
    assert message in r.stderr.decode() and r.stderr.decode().count("\n") == 1
    assert tree_hash(pcl_root) == before
    assert not os.path.exists("/tmp/pcl-test-pwned")


def test_corrupt_gzip_is_refused(store, pcl_root, tmp_path):
    blob = bytearray(gz(GOOD))
    blob[len(blob) // 2] ^= 0xFF
    path = tmp_path / "bad.tar"
    path.write_bytes(docker_archive([GOOD], ["bad:1"], blobs=[bytes(blob)]))
    before = tree_hash(pcl_root)
    with pytest.raises(PclError, match=r"not a valid gzip stream|digest"):
        archive.load(store, path)
    assert tree_hash(pcl_root) == before


def test_digest_mismatch_is_refused(store, pcl_root, tmp_path):
    other = layer_tar(entry("etc/hello", b"tampered\n"))
    path = tmp_path / "bad.tar"
    path.write_bytes(docker_archive([GOOD], ["bad:1"], config=config_for(GOOD), blobs=[other]))
    before = tree_hash(pcl_root)
    with pytest.raises(PclError, match=f"the image config says {sha(GOOD)}"):
        archive.load(store, path)
    assert tree_hash(pcl_root) == before


@pytest.mark.parametrize("cut", [0.5, 0.9])
def test_truncated_archive_is_refused(store, pcl_root, tmp_path, cut):
    big = layer_tar(entry("big", os.urandom(200_000)))
    data = docker_archive([big], ["bad:1"])
    path = tmp_path / "bad.tar"
    path.write_bytes(data[: int(len(data) * cut)])
    before = tree_hash(pcl_root)
    r = pcl("load", "-i", str(path))
    assert r.returncode != 0 and r.stderr.decode().startswith("pcl: ")
    assert tree_hash(pcl_root) == before


def test_oci_blob_with_wrong_size_is_refused(store, pcl_root, tmp_path):
    layout = tmp_path / "layout"
    archive.save_to_file(store, ["good:1"], tmp_path / "good-oci.tar")
    layout.mkdir()
    with tarfile.open(tmp_path / "good-oci.tar") as t:
        t.extractall(layout, filter="data")
    (layout / "manifest.json").unlink()  # only the OCI side
    layer = next(p for p in (layout / "blobs" / "sha256").iterdir() if p.stat().st_size > 1000
                 or p.read_bytes()[:2] == b"\x1f\x8b")
    layer.write_bytes(layer.read_bytes() + b"\0" * 512)
    r = pcl("rmi", "good:1")
    assert r.returncode == 0
    before = tree_hash(pcl_root)
    with pytest.raises(PclError, match="bytes where the manifest says"):
        archive.load(store, layout)
    assert tree_hash(pcl_root) == before


def test_extract_keeps_whiteouts_of_lower_layers_only(tmp_path):
    layer = layer_tar(entry("a/", None, tarfile.DIRTYPE), entry("a/.wh.gone", b""),
                      entry("a/kept", b"1"), entry("a/.wh.kept", b""),
                      entry("b/", None, tarfile.DIRTYPE), entry("b/.wh..wh..opq", b""))
    import io

    extract_layer(io.BytesIO(layer), tmp_path)
    assert os.stat(tmp_path / "a" / "gone", follow_symlinks=False).st_rdev == 0
    assert (tmp_path / "a" / "kept").read_text() == "1"  # same-layer file survives its whiteout
    assert os.getxattr(tmp_path / "b", "trusted.overlay.opaque") == b"y"
