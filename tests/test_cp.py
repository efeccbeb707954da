"""`pcl cp` and `pcl export`: Docker's archive semantics, never a step out of the container."""

from __future__ import annotations

import io
import os
import subprocess
import tarfile

import pytest
from test_containers import cleanup, ok, pcl  # noqa: F401 (fixture)

from pycontainer_lab.engine.cpplan import unpack
from pycontainer_lab.errors import PclError

from helpers import PCL, busybox_rootfs

pytestmark = pytest.mark.usefixtures("cleanup")

SETUP = ("mkdir -p /opt/app/sub /etc && echo v1 > /opt/app/conf && echo deep > /opt/app/sub/f"
         " && echo container-passwd > /etc/passwd && ln -s /etc /leak && exec sleep 300")


@pytest.fixture(params=["running", "stopped"])
def box(request, tmp_path):
    rootfs = str(busybox_rootfs(tmp_path))
    ok("run", "-d", "--name", "box", "--rootfs", rootfs, "sh", "-c", SETUP)
    for _ in range(100):
        if pcl("exec", "box", "test", "-e", "/leak").returncode == 0:
            break
    if request.param == "stopped":
        ok("stop", "-t", "0", "box")
    return "box"


def test_copy_out_by_docker_rules(box, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    ok("cp", f"{box}:/opt/app/conf", str(out / "renamed"))  # missing dest: that name
    assert (out / "renamed").read_text() == "v1\n"
    ok("cp", f"{box}:/opt/app/conf", str(out))  # existing dir: into it
    assert (out / "conf").read_text() == "v1\n"
    ok("cp", f"{box}:/opt/app", str(out / "tree"))  # a directory to a new name
    assert (out / "tree" / "sub" / "f").read_text() == "deep\n"
    ok("cp", f"{box}:/opt/app", str(out))  # a directory into an existing one
    assert (out / "app" / "conf").exists()
    ok("cp", f"{box}:/opt/app/.", str(out / "contents"))  # src/. copies the contents
    assert sorted(os.listdir(out / "contents")) == ["conf", "sub"]
    r = pcl("cp", f"{box}:/opt/app", str(out / "renamed"))
    assert r.returncode != 0 and "cannot copy a directory to a file" in r.stderr
    r = pcl("cp", f"{box}:/nope", str(out))
    assert r.returncode != 0 and "Could not find the file /nope in container" in r.stderr
    stream = subprocess.run([*PCL, "cp", f"{box}:/opt/app/conf", "-"], capture_output=True)
    with tarfile.open(fileobj=io.BytesIO(stream.stdout)) as tar:
        assert tar.getnames() == ["conf"]


def test_copy_in_by_docker_rules(box, tmp_path):
    src = tmp_path / "src"
    (src / "inner").mkdir(parents=True)
    (src / "a.txt").write_text("host a\n")
    (src / "inner" / "b.txt").write_text("host b\n")
    ok("cp", str(src / "a.txt"), f"{box}:/opt/app/")
    ok("cp", str(src), f"{box}:/opt/newdir")
    ok("cp", f"{box}:/opt", str(tmp_path / "back"))
    back = tmp_path / "back"
    assert (back / "app" / "a.txt").read_text() == "host a\n"
    assert (back / "newdir" / "inner" / "b.txt").read_text() == "host b\n"
    assert (back / "app" / "a.txt").stat().st_uid == 0


def test_symlinks_resolve_inside_the_container_never_on_the_host(box, tmp_path):
    """/leak -> /etc in the container: cp must use the container's /etc both ways
    (Docker's CVE-2018-15664 raced exactly this)."""
    got = tmp_path / "passwd"
    ok("cp", f"{box}:/leak/passwd", str(got))
    assert got.read_text() == "container-passwd\n"
    marker = tmp_path / "pcl-escape-marker"
    marker.write_text("x\n")
    ok("cp", str(marker), f"{box}:/leak/")
    assert not os.path.exists("/etc/pcl-escape-marker")  # the host's /etc is untouched
    ok("cp", f"{box}:/etc/pcl-escape-marker", str(tmp_path / "check"))
    assert (tmp_path / "check").read_text() == "x\n"


def test_export_is_the_containers_filesystem(box, tmp_path):
    archive = tmp_path / "fs.tar"
    ok("export", "-o", str(archive), box)
    with tarfile.open(archive) as tar:
        names = set(tar.getnames())
    assert {"./opt/app/conf", "./bin/busybox", "./leak"} <= names
    assert not any(n.startswith(("./proc/", "./sys/", "./dev/pts")) for n in names)


def _tar(*members: tuple[tarfile.TarInfo, bytes]) -> io.BytesIO:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for info, data in members:
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data) if data else None)
    buf.seek(0)
    return buf


@pytest.mark.parametrize("kind", ["through-link", "absolute", "dotdot", "device"])
def test_what_a_container_sends_cannot_escape_on_the_host(tmp_path, kind):
    outside = tmp_path / "outside"
    outside.mkdir()
    dest = tmp_path / "dest"
    dest.mkdir()
    top = tarfile.TarInfo("top")
    top.type = tarfile.DIRTYPE
    members = [(top, b"")]
    if kind == "through-link":
        link = tarfile.TarInfo("top/evil")
        link.type, link.linkname = tarfile.SYMTYPE, str(outside)
        members += [(link, b""), (tarfile.TarInfo("top/evil/owned"), b"pwned")]
    elif kind == "absolute":
        members += [(tarfile.TarInfo(str(outside / "owned")), b"pwned")]
    elif kind == "dotdot":
        members += [(tarfile.TarInfo("top/../../outside/owned"), b"pwned")]
    else:
        dev = tarfile.TarInfo("top/sda")
        dev.type, dev.devmajor, dev.devminor = tarfile.BLKTYPE, 8, 0
        members += [(dev, b"")]
    try:
        unpack(_tar(*members), str(dest), owner=(0, 0), hostile=True)
    except (tarfile.TarError, PclError, OSError):
        refused = True
    else:
        refused = False
    assert refused or kind == "absolute"  # an absolute name may be made relative instead
    assert not (outside / "owned").exists()
    assert not (dest / "top" / "sda").exists()
