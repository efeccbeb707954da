# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Chapter 4 — Union filesystems and images · UnionFS（联合文件系统）与镜像
#
# *Syllabus S2, S6.2 · Docker 镜像原理 · 镜像的底层实现 · 容器镜像标准（image spec）*
#
# A container's root filesystem comes from an **image**, and an image is a stack of **layers**:
# directories kept physically apart (目录物理分离) and shown as one tree, stacked layer on layer
# (层层叠加). A union filesystem does the stacking. Images inherit by layers: an application
# image is a base image (BusyBox, Alpine, Ubuntu, CentOS…) plus the layers the application adds,
# and every image built on the same base shares its layers on disk. When a container starts, one
# new, empty **read-write layer** is mounted on top; everything the container changes lands
# there, and the image's layers are never written.
#
# This chapter stacks layers by hand with overlayfs, watches copy-on-write and whiteouts happen,
# measures overlay against the copying vfs driver, and then opens a real image in its standard
# (OCI) format.

# %%
import gzip
import hashlib
import json
import os
import time

from pycontainer_lab import trace
from pycontainer_lab.course import Lab, checks
from pycontainer_lab.course.views import Table
from pycontainer_lab.image.store import Store, tree_size
from pycontainer_lab.jupyter import LayerStackView, pcl
from pycontainer_lab.linux.probe import probe

lab = Lab("04-images")

# %% [markdown]
# ## Layers, stacked by hand · 层层叠加
#
# Two layers: a *base* with a small `/etc`, and an *app* layer that adds a program and its own
# `/etc/motd`. Each is an ordinary directory.

# %%
base = lab.layer("base", {"etc/motd": "base\n", "etc/base-release": "base 1.0\n",
                          "etc/secret": "do not ship me\n", "bin/tool": "#!/bin/sh\necho tool\n"})
app = lab.layer("app", {"etc/motd": "app\n", "app/run.sh": "#!/bin/sh\necho running\n"})
stack = lab.layerstack("demo", driver="overlay2")
with trace() as t:
    stack.stack(base).stack(app).mount()
print("merged:", sorted(str(p.relative_to(stack.view())) for p in stack.view().rglob("*")))
print("/etc/motd says:", stack.view("etc/motd").read_text().strip())
t

# %% [markdown]
# The mount names the layers in `lowerdir=`, **top-most first**, and adds an empty `upperdir`
# (the read-write layer) and a `workdir` (the kernel's scratch space). Where two layers hold the
# same path, the upper one wins: `/etc/motd` comes from *app*. The stack is mounted inside a
# sandbox's own mount namespace (nothing leaks onto the host); we look at it through
# `/proc/PID/root`. The widget shows the layers bottom-up:

# %%
view = lab.keep(LayerStackView(stack))
view

# %% [markdown]
# ## Copy-on-write · 写时复制
#
# Writing to a file of a lower layer cannot change that layer: the kernel first **copies the
# file up** into the read-write layer and writes the copy.

# %%
with open(stack.view("etc/base-release"), "a") as f:
    f.write("patched by the container\n")
print("merged:    ", stack.view("etc/base-release").read_text().splitlines())
print("base layer:", (base / "etc/base-release").read_text().splitlines())
print("upper:     ", sorted(str(p.relative_to(stack.upper)) for p in stack.upper.rglob("*")))
view.refresh()
stack.changes()

# %% [markdown]
# ## Deleting: whiteouts
#
# Deleting a file that a lower layer holds cannot remove it there either. The kernel leaves a
# **whiteout** in the read-write layer: a character device numbered 0:0 under the same name,
# which hides the file below. A directory deleted and made again is marked *opaque* (an extended
# attribute, `trusted.overlay.opaque=y`): nothing below shows through it.

# %%
stack.view("bin/tool").unlink()
marker = os.lstat(stack.upper / "bin" / "tool")
print("merged has bin/tool:", stack.view("bin/tool").exists())
print("base still has it:  ", (base / "bin" / "tool").exists())
print(f"upper/bin/tool: character device {os.major(marker.st_rdev)}:{os.minor(marker.st_rdev)}")
view.refresh()
stack.changes()

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex4-1-task", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ### Exercise 4.1 — two layers, in the right order
#
# The setup gives you the layers `base` and `app` (as above) and an empty layer stack `stack`.
# Stack them so that the merged tree has the files of both and `/etc/motd` comes from `app`,
# and mount it.

# %% nbgrader={"grade": false, "grade_id": "ex4-1-setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
base = lab.layer("ex4-1-base", {"etc/motd": "base\n", "etc/base-release": "base 1.0\n"})
app = lab.layer("ex4-1-app", {"etc/motd": "app\n", "app/run.sh": "#!/bin/sh\necho running\n"})
stack = lab.layerstack("ex4-1")

# %% nbgrader={"grade": false, "grade_id": "ex4-1-answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
stack.stack(base)
stack.stack(app)
stack.mount()
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex4-1-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
checks.stacked_layers(stack, base, app)

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex4-2-task", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ### Exercise 4.2 — delete a file in the container only
#
# The setup mounts a stack whose image layer `base` holds `etc/secret`. Remove `/etc/secret`
# from what the container sees, **without** changing the image's layer.

# %% nbgrader={"grade": false, "grade_id": "ex4-2-setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
base = lab.layer("ex4-2-base", {"etc/secret": "do not ship me\n", "etc/motd": "base\n"})
stack = lab.layerstack("ex4-2").stack(base).mount()

# %% nbgrader={"grade": false, "grade_id": "ex4-2-answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
stack.view("etc/secret").unlink()
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex4-2-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
checks.whiteout(stack, base)

# %% [markdown]
# ## Storage drivers · 文件系统比较
#
# Docker calls the code that stacks layers a **storage driver**; `docker info` names the one in
# use (通过docker info的Storage Driver可以看到文件系统类型). The course material compares six:
#
# | driver | how it works | in the material |
# |---|---|---|
# | **AUFS** | the first union filesystem Docker used; branches read-only or read-write | mature, never merged into Linux |
# | **OverlayFS** | union mount in the kernel: lower dirs + upper dir, copy-up, whiteouts | merged into Linux, faster; Docker's default today (`overlay2`) |
# | **Device Mapper** | thin-provisioned block devices, snapshots per layer | Red Hat's, in the kernel, a bit slow |
# | **btrfs** | subvolumes and snapshots of a copy-on-write filesystem | meant to replace Device Mapper |
# | **vfs** | no union at all: every layer is a full copy | slow, space-hungry, works everywhere |
# | **zfs** | datasets and clones of ZFS | from Solaris, less mature on Linux |
#
# Overlay and vfs both run here, so they can be measured: one layer of 400 small files, mounted
# by each driver with a read-write layer on top.

# %%
print("storage driver of this host (pcl info):", probe().Driver)
big = lab.layer("big", {f"data/file{i:03d}.txt": "x" * 4096 for i in range(400)})
rows = []
for driver in ("overlay2", "vfs"):
    s = lab.layerstack(f"measure-{driver}", driver=driver).stack(base).stack(big)
    t0 = time.monotonic()
    s.mount()
    took = time.monotonic() - t0
    rows.append([driver, f"{took * 1000:.0f} ms", f"{tree_size(s.upper) / 2**20:.2f} MiB",
                 len(list(s.view("data").iterdir()))])
Table(["driver", "mount (first start)", "read-write layer on disk", "files seen"], rows)

# %% [markdown]
# Overlay mounts in a moment and its read-write layer starts empty; vfs copies every layer
# into the container's directory first — for every container, at every first start.
#
# ## An image, opened · 容器镜像标准（image spec）
#
# The OCI image specification stores an image as content-addressed **blobs** (each file named by
# the SHA-256 of its bytes) in an **image layout**:
#
# - **index** (`index.json`, optional in images from a registry): points to a manifest per
#   platform, so one name works on amd64 and arm64;
# - **manifest**: the config's digest, the layers' digests, annotations;
# - **config**: the layers' *diff IDs* (digests of the uncompressed tars) and history, and what a
#   container needs to run: environment, working directory, command, volumes;
# - **layers**: tar archives (usually gzip-compressed) of the changes each layer makes —
#   additions, modifications, and deletions as whiteout files.
#
# The busybox image of the store, built offline from the host's busybox:

# %%
store = Store()
image = store.get("busybox")
layout = store.layout.path
print("the layout:", sorted(os.listdir(layout)))
index = json.loads((layout / "index.json").read_text())
print(json.dumps(index, indent=1)[:700])

# %%
manifest = store.layout.read_json(image.manifest_digest)
print("manifest", image.manifest_digest[:19], "…\n", json.dumps(manifest, indent=1))
config = store.layout.read_json(manifest["config"]["digest"])
print("config:", json.dumps({k: config[k] for k in ("architecture", "os", "config", "rootfs",
                                                      "history")}, indent=1)[:1500])

# %% [markdown]
# The manifest names the layer by the digest of its **compressed** blob; the config names it by
# its **diff ID**, the digest of the uncompressed tar. Both can be checked here and now:

# %%
layer = manifest["layers"][0]
blob = store.layout.blob_path(layer["digest"]).read_bytes()
print("sha256 of the blob:        ", "sha256:" + hashlib.sha256(blob).hexdigest())
print("the manifest says:         ", layer["digest"])
print("sha256 of the unzipped tar:", "sha256:" + hashlib.sha256(gzip.decompress(blob)).hexdigest())
print("the config's diff_id:      ", config["rootfs"]["diff_ids"][0])
lab.keep(LayerStackView(image))

# %% [markdown]
# ## `history` and `inspect` · docker history / docker inspect
#
# `history` lists what made each layer (查看构建镜像历史); `inspect` shows an image's details,
# and `-f` picks one field with a Go template (查看某一个镜像的详细信息).

# %%
# %load_ext pycontainer_lab
# %pcl history busybox

# %%
# %pcl inspect -f '{{.Architecture}} {{.Os}} {{json .RootFS}}' busybox

# %% [markdown]
# A container adds its read-write layer; `commit` turns that layer into a new image layer. The
# result is an image with two layers, its history one entry longer:

# %%
name, tag = f"ch4-{lab.id}", f"course/hello:{lab.id}"
lab.on_cleanup("image", lambda: pcl("rmi", "-f", tag))
lab.on_cleanup("container", lambda: pcl("rm", "-f", name))
pcl("run", "--name", name, "busybox", "sh", "-c", "echo hello > /hello.txt; rm /bin/vi")
pcl("diff", name)

# %%
pcl("commit", "-m", "add hello.txt, remove vi", name, tag)
pcl("history", tag)

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex4-3-task", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ### Exercise 4.3 — find a layer by its digest
#
# Starting from `index.json` in the store's layout (`store.layout.path`), find the **digest of
# the busybox image's layer blob** — the name of the file in `blobs/sha256/` that holds the
# compressed layer — and assign it, as `sha256:…`, to `answer`. Read the JSON files; don't copy
# a digest from above by hand.

# %% nbgrader={"grade": false, "grade_id": "ex4-3-setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
store = Store()
layout = store.layout.path
answer = None

# %% nbgrader={"grade": false, "grade_id": "ex4-3-answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
index = json.loads((layout / "index.json").read_text())
entry = next(m for m in index["manifests"]
             if m["annotations"]["org.opencontainers.image.ref.name"].endswith("busybox:latest"))
algo, digest = entry["digest"].split(":")
manifest = json.loads((layout / "blobs" / algo / digest).read_text())
answer = manifest["layers"][0]["digest"]
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex4-3-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
checks.layer_digest(answer, "busybox")

# %% [markdown]
# ## Clean up
#
# The stacks are unmounted (their sandboxes end), the layer directories removed, and the
# container and image made above deleted.

# %%
lab.cleanup()
