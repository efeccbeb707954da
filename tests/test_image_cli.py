"""The image commands as a user types them: Docker's flags, columns and messages."""

from __future__ import annotations

import json
import subprocess
import sys

from helpers import PCL
from image_helpers import config_for, docker_archive, entry, layer_tar, pcl


def out(*args: str, **kw) -> str:
    r = pcl(*args, **kw)
    assert r.returncode == 0, r.stderr.decode()
    return r.stdout.decode()


def _app(tmp_path, tag="app:1", content=b"x", created="2024-05-01T00:00:00Z"):
    layer = layer_tar(entry("app", content))
    path = tmp_path / f"{content.hex()}.tar"
    path.write_bytes(docker_archive([layer], [tag], config=config_for(layer, created=created)))
    return out("load", "-i", str(path))


def test_images_columns_tag_and_rmi(tmp_path):
    assert out("images") == "REPOSITORY   TAG       IMAGE ID   CREATED   SIZE\n"
    r = pcl("inspect", "-f", "{{.Architecture}}", "busybox")
    assert r.stdout.decode() == "amd64\n" and "built it offline" in r.stderr.decode()
    assert out("tag", "busybox", "localhost:5000/bb:v1") == ""
    lines = out("images").splitlines()
    assert lines[0].split() == ["REPOSITORY", "TAG", "IMAGE", "ID", "CREATED", "SIZE"]
    assert [line.split()[:2] for line in lines[1:]] == [["busybox", "latest"],
                                                        ["localhost:5000/bb", "v1"]]
    short = lines[1].split()[2]
    assert len(short) == 12 and lines[1].endswith("MB")
    assert out("images", "-q").split() == [short, short]
    assert "DIGEST" in out("images", "--digests") and "sha256:" in out("images", "--digests")
    full = out("images", "--no-trunc", "-q").split()[0]
    assert full.startswith(f"sha256:{short}") and len(full) == 71
    assert out("images", "bb") == "REPOSITORY   TAG       IMAGE ID   CREATED   SIZE\n"
    assert out("image", "ls", "localhost:5000/bb").count("\n") == 2
    rows = [json.loads(x) for x in out("images", "--format", "json").splitlines()]
    assert {r["Repository"] for r in rows} == {"busybox", "localhost:5000/bb"}
    assert out("images", "--format", "{{.Repository}}:{{.Tag}}") == \
        "busybox:latest\nlocalhost:5000/bb:v1\n"
    assert out("rmi", "localhost:5000/bb:v1") == "Untagged: localhost:5000/bb:v1\n"
    assert out("rmi", "busybox").startswith(f"Untagged: busybox:latest\nDeleted: sha256:{short}")
    r = pcl("rmi", "busybox")
    assert r.returncode == 1 and r.stderr.decode() == "pcl: No such image: busybox:latest\n"


def test_inspect_templates_and_errors(tmp_path):
    _app(tmp_path)
    assert out("inspect", "-f", "{{.RepoTags}}", "app:1") == "[app:1]\n"
    assert json.loads(out("inspect", "-f", "{{json .Config}}", "app:1"))["Cmd"] == ["sh"]
    data = json.loads(out("image", "inspect", "app:1"))
    assert isinstance(data, list) and data[0]["RootFS"]["Type"] == "layers"
    r = pcl("inspect", "app:1", "nope")
    assert r.returncode == 1 and "No such object: nope" in r.stderr.decode()
    assert len(json.loads(r.stdout)) == 1
    assert "No such image: nope" in pcl("image", "inspect", "nope").stderr.decode()
    r = pcl("inspect", "-f", "{{.Nope", "app:1")
    assert r.returncode == 125 and r.stderr.decode().startswith("pcl: invalid --format")


def test_history(tmp_path):
    lines = out("history", "busybox").splitlines()
    assert lines[0].split() == ["IMAGE", "CREATED", "CREATED", "BY", "SIZE", "COMMENT"]
    assert lines[2].split()[0] == "<missing>" and "…" in lines[2]
    assert "…" not in out("history", "--no-trunc", "busybox")
    ids = out("history", "-q", "busybox").split()
    assert len(ids) == 2 and ids[1] == "<missing>"
    raw = out("history", "--human=false", "busybox")
    assert "2024-01-01T00:00:00Z" in raw and "ago" not in raw


def test_save_and_load_round_trip_through_stdout_and_stdin(tmp_path):
    _app(tmp_path, "app:1")
    data = subprocess.run([*PCL, "save", "app:1"], capture_output=True, timeout=60).stdout
    other = tmp_path / "other-root"
    other.mkdir()
    r = pcl("load", input=data, env={"PCL_ROOT": str(other)})
    assert r.stdout.decode() == "Loaded image: app:1\n"
    assert out("images", "-q", env={"PCL_ROOT": str(other)}) == out("images", "-q")
    r = pcl("save", "-o", str(tmp_path / "x.tar"), "nope:1")
    assert r.returncode == 1 and not (tmp_path / "x.tar").exists()


def test_import_from_stdin_with_changes(tmp_path):
    tarball = layer_tar(entry("bin/", None, b"5"), entry("bin/tool", b"#!/bin/sh\n", mode=0o755))
    r = pcl("import", "-c", "CMD [\"/bin/tool\"]", "-c", "ENV MODE=demo", "-m", "hand made",
            "-", "tools:1", input=tarball)
    assert r.returncode == 0, r.stderr
    assert r.stdout.decode().startswith("sha256:")
    assert out("inspect", "-f", "{{.Config.Cmd}} {{.Config.Env}} {{.Comment}}", "tools:1") == \
        "[/bin/tool] [MODE=demo] hand made\n"
    bad = pcl("import", "-c", "RUN true", "-", input=tarball)
    assert bad.returncode == 125 and "not a valid change command" in bad.stderr.decode()


def test_dangling_images_prune_and_system_df(tmp_path):
    _app(tmp_path, "app:1", b"one", "2024-05-01T00:00:00Z")
    _app(tmp_path, "app:1", b"two", "2024-06-01T00:00:00Z")  # takes the name: one dangles
    rows = out("images", "-f", "dangling=true").splitlines()
    assert len(rows) == 2 and rows[1].split()[:2] == ["<none>", "<none>"]
    assert out("images", "-f", "dangling=false").splitlines()[1].split()[:2] == ["app", "1"]
    bad = pcl("images", "-f", "color=red")
    assert bad.returncode == 125 and "invalid filter 'color'" in bad.stderr.decode()
    df = out("system", "df").splitlines()
    assert df[0].split() == ["TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE"]
    assert df[1].split()[:3] == ["Images", "2", "0"]
    assert out("image", "prune", input=b"n\n").startswith("WARNING!")
    pruned = out("image", "prune", "-f")
    assert pruned.startswith("Deleted Images:\ndeleted: sha256:")
    assert "Total reclaimed space: 3B" in pruned
    assert out("images", "-q").count("\n") == 1
    assert "untagged: app:1" in out("image", "prune", "-a", "-f")
    assert out("images", "-q") == ""


def test_pcl_images_imports_no_networking_or_plotting():
    code = ("import sys; from pycontainer_lab.cli.main import main; main(['images', '-q']); "
            "print([m for m in sys.modules if m.split('.')[0] in ('pyroute2', 'matplotlib', "
            "'ipywidgets', 'zstandard')])")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.stdout.splitlines()[-1] == "[]", r.stdout + r.stderr
