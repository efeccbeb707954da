"""The image store and the syllabus's rules: tag, rmi, filters, the offline busybox, safety."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tarfile
import time

import pytest

from pycontainer_lab.errors import NotFoundError, UsageError
from pycontainer_lab.image import archive, usage
from pycontainer_lab.image.docker import history, inspect
from pycontainer_lab.image.filters import list_images, parse_filters
from pycontainer_lab.image.newimage import commit, import_tarball
from pycontainer_lab.image.reference import parse
from pycontainer_lab.image.store import ConflictError, Store
from pycontainer_lab.linux.layerstack import LayerStack, get_driver

from image_helpers import config_for, docker_archive, entry, layer_tar, sha

# --- references


@pytest.mark.parametrize("text, full, familiar", [
    ("busybox", "docker.io/library/busybox:latest", "busybox:latest"),
    ("alice/app:v1", "docker.io/alice/app:v1", "alice/app:v1"),
    ("localhost:5000/app", "localhost:5000/app:latest", "localhost:5000/app:latest"),
    ("index.docker.io/library/busybox:1.36", "docker.io/library/busybox:1.36", "busybox:1.36"),
    ("quay.io/a/b/c:t", "quay.io/a/b/c:t", "quay.io/a/b/c:t"),
    ("busybox@sha256:" + "a" * 64, "docker.io/library/busybox@sha256:" + "a" * 64,
     "busybox@sha256:" + "a" * 64),
])
def test_references_are_normalized_like_docker(text, full, familiar):
    ref = parse(text)
    assert str(ref) == full and ref.familiar == familiar


@pytest.mark.parametrize("text, why", [
    ("Busybox", "must be lowercase"), ("a" * 64, "64-byte hexadecimal"),
    ("busybox:-x", "bad tag"), ("a//b", "lower-case words"), ("x@sha256:12", "bad digest"),
])
def test_bad_references_say_why(text, why):
    with pytest.raises(UsageError, match=why):
        parse(text)


# --- a store with a few images


def _load(store: Store, tmp_path, tag: str, content: bytes, created: str) -> str:
    layer = layer_tar(entry("data", content))
    path = tmp_path / f"{tag.replace(':', '_').replace('/', '_')}.tar"
    path.write_bytes(docker_archive([layer], [tag], config=config_for(
        layer, created=created, config={"Cmd": ["sh"], "Labels": {"tier": tag.split(":")[0]}})))
    return archive.load(store, path)[0].id


@pytest.fixture
def three(tmp_path):
    s = Store()
    ids = {name: _load(s, tmp_path, name, name.encode(), created)
           for name, created in (("alpha:1", "2024-01-01T00:00:00Z"),
                                 ("beta:1", "2024-02-01T00:00:00Z"),
                                 ("gamma:1", "2024-03-01T00:00:00Z"))}
    return s, ids


def _shown(store, **filters):
    return sorted(r.familiar for li in list_images(store, parse_filters(
        [f"{k}={v}" for k, vs in filters.items() for v in ([vs] if isinstance(vs, str) else vs)]))
        for r in li.names)


def test_tag_adds_a_name_and_keeps_the_old(three):
    s, ids = three
    s.tag("alpha:1", "registry.local:5000/team/alpha:prod")
    image = s.get("alpha:1")
    assert image.repo_tags == ["alpha:1", "registry.local:5000/team/alpha:prod"]
    assert s.get("registry.local:5000/team/alpha:prod").id == ids["alpha:1"]


def test_tag_moves_a_name_and_the_old_image_becomes_dangling(three):
    s, ids = three
    s.tag("beta:1", "alpha:1")
    assert s.get("alpha:1").id == ids["beta:1"]
    dangling = [li.image.id for li in list_images(s, {"dangling": ["true"]})]
    assert dangling == [ids["alpha:1"]]


def test_rmi_of_one_of_several_tags_only_untags(three):
    s, ids = three
    s.tag("alpha:1", "alpha:2")
    assert s.remove("alpha:1") == [("Untagged", "alpha:1")]
    assert s.get("alpha:2").id == ids["alpha:1"]
    records = s.remove("alpha:2")
    assert records[:2] == [("Untagged", "alpha:2"), ("Deleted", ids["alpha:1"])]
    assert ("Deleted", sha(layer_tar(entry("data", b"alpha:1")))) in records
    with pytest.raises(NotFoundError, match="No such image: alpha:2"):
        s.get("alpha:2")
    assert not s.layout.has_blob(ids["alpha:1"])  # garbage collected
    assert s.check() == []


def test_rmi_by_id_with_names_in_several_repositories_must_be_forced(three):
    s, ids = three
    s.tag("beta:1", "other:1")
    with pytest.raises(ConflictError, match="referenced in multiple repositories"):
        s.remove(ids["beta:1"][7:19])
    records = s.remove(ids["beta:1"][7:19], force=True)
    assert ("Untagged", "beta:1") in records and ("Untagged", "other:1") in records
    assert ("Deleted", ids["beta:1"]) in records


def test_an_image_used_by_a_container_cannot_be_removed(three):
    s, ids = three
    unregister = usage.register(
        lambda image_id: [usage.ImageUser("c0ffee" * 10 + "abcd", "web", running=False)]
        if image_id == ids["gamma:1"] else [])
    try:
        with pytest.raises(ConflictError, match='unable to remove repository reference "gamma:1" '
                                                r"\(must force\) - container c0ffeec0ffee"):
            s.remove("gamma:1")
        with pytest.raises(ConflictError, match="being used by stopped container"):
            s.remove(ids["gamma:1"])
        assert s.remove("gamma:1", force=True) == [("Untagged", "gamma:1")]
        assert s.get(ids["gamma:1"]).names == []  # kept, dangling, for its container
        assert s.prune(all=True)[0] and s.find(ids["gamma:1"])  # prune spares it too
    finally:
        unregister()


def test_a_running_container_protects_its_image_even_from_force(three):
    s, ids = three
    unregister = usage.register(lambda image_id: [usage.ImageUser("f" * 64, running=True)])
    try:
        with pytest.raises(ConflictError, match=r"\(cannot be forced\) - image is being used by "
                                                "running container ffffffffffff"):
            s.remove(ids["alpha:1"], force=True)
    finally:
        unregister()


def test_filters_work_as_dockers(three):
    s, _ = three
    s.tag("beta:1", "team/beta:2")
    assert _shown(s, before="gamma:1") == ["alpha:1", "beta:1", "team/beta:2"]
    assert _shown(s, since="alpha:1") == ["beta:1", "gamma:1", "team/beta:2"]
    assert _shown(s, since="alpha:1", before="gamma:1") == ["beta:1", "team/beta:2"]
    assert _shown(s, reference="beta") == ["beta:1"]  # pattern vs name: no '/' in '*'
    assert _shown(s, reference="*/beta") == ["team/beta:2"]
    assert _shown(s, reference="*:1") == ["alpha:1", "beta:1", "gamma:1"]
    assert _shown(s, reference=["alpha", "gamma:*"]) == ["alpha:1", "gamma:1"]
    assert _shown(s, label="tier=beta") == ["beta:1", "team/beta:2"]
    assert _shown(s, label="tier") == ["alpha:1", "beta:1", "gamma:1", "team/beta:2"]
    assert _shown(s, dangling="false") == ["alpha:1", "beta:1", "gamma:1", "team/beta:2"]
    assert _shown(s, dangling="true") == []
    with pytest.raises(UsageError, match="invalid filter 'color'"):
        parse_filters(["color=red"])
    with pytest.raises(NotFoundError):
        _shown(s, before="nope:1")


def test_busybox_is_built_offline_reproducibly_and_says_where_from(tmp_path):
    messages = []
    first = Store(tmp_path / "one").get("busybox", notify=messages.append)
    second = Store(tmp_path / "two").get("busybox:latest")
    assert first.id == second.id and first.manifest_digest == second.manifest_digest
    assert "built it offline from" in messages[0]
    assert first.labels["org.pycontainer-lab.source"].endswith(
        first.labels["org.pycontainer-lab.source"].split("sha256:")[1])
    rows = history(Store(tmp_path / "one"), first)
    assert rows[0]["CreatedBy"] == '/bin/sh -c #(nop)  CMD ["sh"]'
    assert "ADD /" in rows[1]["CreatedBy"] and rows[1]["Size"] > 500_000
    assert first.run_config.cmd == ["sh"]
    dirs = Store(tmp_path / "one").layer_dirs(first)
    assert os.path.samefile(dirs[0] / "bin" / "sh", dirs[0] / "bin" / "busybox")  # hard links


def test_inspect_has_dockers_shape(three):
    s, ids = three
    data = inspect(s, s.get("alpha:1"))
    assert data["Id"] == ids["alpha:1"] and data["Architecture"] == "amd64"
    assert data["RootFS"] == {"Type": "layers", "Layers": [sha(layer_tar(entry("data",
                                                                                 b"alpha:1")))]}
    assert data["Config"]["Cmd"] == ["sh"] and data["Config"]["Labels"] == {"tier": "alpha"}
    assert data["GraphDriver"]["Name"] in ("overlay2", "vfs")
    assert data["RepoDigests"] == [f"alpha@{s.get('alpha:1').manifest_digest}"]


def test_import_with_changes(tmp_path):
    s = Store()
    tarball = tmp_path / "rootfs.tar.xz"
    import lzma

    tarball.write_bytes(lzma.compress(layer_tar(entry("bin/", None, tarfile.DIRTYPE),
                                                entry("bin/app", b"#!/bin/sh\n", mode=0o755))))
    image = import_tarball(s, tarball, names=[parse("imported:v1")], message="by hand",
                           changes=['CMD ["/bin/app", "--serve"]', "ENV A=1 B='two words'",
                                    "EXPOSE 80 53/udp", "WORKDIR /srv", "WORKDIR data",
                                    "USER nobody", "VOLUME /data", "LABEL k=v"])
    rc = image.run_config
    assert rc.cmd == ["/bin/app", "--serve"] and rc.env == ["A=1", "B=two words"]
    assert rc.exposed_ports == ["53/udp", "80/tcp"] and rc.working_dir == "/srv/data"
    assert rc.user == "nobody" and rc.volumes == ["/data"] and rc.labels == {"k": "v"}
    assert history(s, image)[0]["Comment"] == "by hand"
    with pytest.raises(UsageError, match="run is not a valid change command"):
        import_tarball(s, tarball, changes=["RUN rm -rf /"])


@pytest.mark.parametrize("driver", ["overlay2", "vfs"])
def test_commit_turns_an_upper_dir_into_a_layer_with_whiteouts(tmp_path, driver):
    s = Store(driver=driver)
    base = s.get("busybox")
    lowers = s.layer_dirs(base)
    with LayerStack(tmp_path / "c", driver=driver) as stack:
        for d in lowers:
            stack.stack(d)
        stack.mount()
        stack.view("etc/passwd").unlink()
        stack.view("etc/motd").write_text("committed\n")
        changes = stack.changes() if driver == "vfs" else None
        new = commit(s, stack.upper, base=base, changes=changes, message="two changes",
                     names=[parse("mine:1")], config_changes=['CMD ["cat", "/etc/motd"]'])
    assert new.parent == base.id and new.diff_ids[:-1] == base.diff_ids
    top = s.layer_dirs(new)[-1]
    assert (top / "etc" / "motd").read_text() == "committed\n"
    assert os.lstat(top / "etc" / "passwd").st_rdev == 0  # the whiteout made it through
    assert len(os.listdir(top / "etc")) == 2
    assert s.get("mine:1").run_config.cmd == ["cat", "/etc/motd"]
    # the parent is now an intermediate image once it loses its name
    s.untag(base, base.names[0])
    assert [li.image.id for li in list_images(s)] == [new.id]
    assert {li.image.id for li in list_images(s, all=True)} == {new.id, base.id}
    get_driver(driver)


# --- safety under concurrency and crashes


WORKER = """
import os, sys
os.environ["PCL_ROOT"] = sys.argv[1]
from pycontainer_lab.image.store import Store
from pycontainer_lab.image import archive
s = Store()
for i in range(int(sys.argv[3])):
    archive.load(s, sys.argv[2])
    s.tag("w:1", f"w{os.getpid()}:{i}")
    if i % 2:
        s.remove(f"w{os.getpid()}:{i}")
"""


def test_concurrent_load_tag_rmi_never_corrupt_the_index(pcl_root, tmp_path):
    tarball = tmp_path / "w.tar"
    tarball.write_bytes(docker_archive([layer_tar(entry("f", b"w"))], ["w:1"]))
    procs = [subprocess.Popen([sys.executable, "-c", WORKER, str(pcl_root), str(tarball), "6"])
             for _ in range(4)]
    assert [p.wait(120) for p in procs] == [0, 0, 0, 0]
    s = Store()
    assert s.check() == []
    names = sorted(t for i in s.images() for t in i.repo_tags)
    assert len(names) == 1 + 4 * 3  # w:1 and the even-numbered tags of each worker
    json.loads((pcl_root / "images" / "index.json").read_text())


CRASHER = """
import os, sys
os.environ["PCL_ROOT"] = sys.argv[1]
from pycontainer_lab.image.store import Store
from pycontainer_lab.image import archive
s = Store()
i = 0
while True:
    archive.load(s, sys.argv[2]); s.tag("w:1", f"t:{i}"); s.remove(f"t:{i}"); i += 1
"""


def test_a_crash_mid_write_leaves_a_consistent_store(pcl_root, tmp_path):
    tarball = tmp_path / "w.tar"
    tarball.write_bytes(docker_archive([layer_tar(entry("f", os.urandom(300_000)))], ["w:1"]))
    archive.load(Store(), tarball)
    for delay in (0.35, 0.5, 0.65, 0.8):
        p = subprocess.Popen([sys.executable, "-c", CRASHER, str(pcl_root), str(tarball)])
        time.sleep(delay)
        p.send_signal(signal.SIGKILL)
        p.wait()
        s = Store()
        assert s.check() == [] and s.get("w:1")
    s.remove(s.get("w:1").id, force=True)  # (a crash may have left a t:N name too)
    # … and garbage collection swept what the crashes left behind
    assert not list(pcl_root.glob(".staging-*"))
    assert not list((pcl_root / "images").rglob(".*.tmp"))
    assert Store().layout.blobs() == set()


def test_zstd_layers_round_trip_through_save_and_load(tmp_path):
    pytest.importorskip("zstandard", reason="needs the zstandard package (pip install .[zstd])")
    s = Store()
    upper = tmp_path / "upper"
    (upper / "etc").mkdir(parents=True)
    (upper / "etc" / "z").write_text("zstd\n")
    image = commit(s, upper, names=[parse("z:1")], compression="zstd")
    assert image.layers[0]["mediaType"].endswith("+zstd")
    archive.save_to_file(s, ["z:1"], tmp_path / "z.tar")
    other = Store(tmp_path / "other")
    loaded = archive.load(other, tmp_path / "z.tar")[0]
    assert loaded.id == image.id
    assert (other.layer_dirs(loaded)[0] / "etc" / "z").read_text() == "zstd\n"


def test_a_parent_keeps_its_layers_for_its_child(tmp_path):
    s = Store()
    base = s.get("busybox")
    upper = tmp_path / "upper"
    upper.mkdir()
    (upper / "x").write_text("x")
    child = commit(s, upper, base=base, names=[parse("child:1")])
    with pytest.raises(ConflictError, match="image has dependent child images"):
        s.remove(base.id)
    assert s.remove("busybox") == [("Untagged", "busybox:latest")]  # untagged, kept as parent
    assert s.find(base.id) and s.layer_dirs(s.get("child:1"))[0].is_dir()
    s.remove("child:1")
    assert s.images() == [] or all(i.id != child.id for i in s.images())
