"""Containers from images: the read-write layer (syllabus S2.3), diff, commit, rmi rules."""

from __future__ import annotations

import io
import json
import tarfile

import pytest
from test_containers import cleanup, inspect, ok, pcl  # noqa: F401 (fixture)

pytestmark = pytest.mark.usefixtures("cleanup")


@pytest.fixture(autouse=True)
def _images():
    yield
    refs = ok("images", "-q").split()
    if refs:
        pcl("rmi", "-f", *refs)


def test_changes_land_in_the_container_layer_and_diff_lists_them():
    ok("run", "--name", "changer", "busybox", "sh", "-c",
       "echo data > /newfile; rm /bin/vi; echo more >> /etc/passwd; mkdir /made")
    lines = ok("diff", "changer").splitlines()
    assert lines == ["C /bin", "D /bin/vi", "C /etc", "C /etc/passwd", "A /made",
                     "A /newfile"]
    upper = inspect("changer")["GraphDriver"]["Data"]["UpperDir"]
    with open(f"{upper}/newfile") as f:
        assert f.read() == "data\n"  # the exited container's files stay until rm
    # the image below is untouched: a new container sees the original files
    assert ok("run", "--rm", "busybox", "sh", "-c", "test -e /bin/vi && echo there") == \
        "there\n"


def test_commit_makes_an_image_that_runs_with_the_change():
    ok("run", "-d", "--name", "source", "busybox", "sh", "-c",
       "echo committed > /greeting; exec sleep 300")
    image_id = ok("commit", "-a", "Ada <ada@example.com>", "-m", "add a greeting",
                  "-c", 'CMD ["cat", "/greeting"]', "-c", "ENV WHO=me", "source",
                  "greeter:v1").strip()
    assert image_id.startswith("sha256:")
    assert inspect("source")["State"]["Running"] is True  # paused only meanwhile
    assert ok("run", "--rm", "greeter:v1") == "committed\n"
    assert ok("run", "--rm", "greeter:v1", "sh", "-c", "echo $WHO") == "me\n"
    info = json.loads(ok("inspect", "--type", "image", "greeter:v1"))[0]
    assert info["Author"] == "Ada <ada@example.com>" and info["Comment"] == "add a greeting"
    assert info["Config"]["Cmd"] == ["cat", "/greeting"]
    history = ok("history", "-q", "greeter:v1").split()
    assert len(history) >= 2


def test_commit_stores_symlinks_never_what_they_point_to(tmp_path):
    ok("run", "--name", "linker", "busybox", "sh", "-c",
       "ln -s /etc/shadow /escape; ln -s ../../../../../../etc /up")
    ok("commit", "linker", "linked:v1")
    saved = ok("save", "-o", str(tmp_path / "img.tar"), "linked:v1")
    del saved
    with tarfile.open(tmp_path / "img.tar") as outer:
        manifest = json.load(outer.extractfile("manifest.json"))
        top = outer.extractfile(manifest[0]["Layers"][-1]).read()
    with tarfile.open(fileobj=io.BytesIO(top)) as layer:
        entries = {m.name.lstrip("./"): m for m in layer.getmembers()}
    assert entries["escape"].issym() and entries["escape"].linkname == "/etc/shadow"
    assert entries["up"].issym()


def test_an_image_used_by_a_container_cannot_simply_be_removed():
    ok("create", "--name", "user", "busybox", "true")
    r = pcl("rmi", "busybox")
    assert r.returncode != 0 and "is using its referenced image" in r.stderr
    ok("rm", "user")
    ok("rmi", "busybox")
    assert ok("images", "-q") == ""


def test_an_unknown_image_is_a_one_line_error_and_nothing_is_created():
    r = pcl("run", "nosuchimage:1.0", "true")
    assert r.returncode == 125
    assert r.stderr == "pcl: No such image: nosuchimage:1.0\n"
    assert ok("ps", "-aq") == ""


def test_run_explain_prints_the_start_sequence():
    r = pcl("run", "--rm", "--explain", "busybox", "true")
    assert r.returncode == 0
    for call in ("unshare(CLONE_NEWNS)", "pivot_root(", "capset(", "prctl(PR_SET_NO_NEW_PRIVS",
                 "seccomp("):
        assert call in r.stderr, call
    assert "overlay" in r.stderr  # the image's layers stacked as the root
