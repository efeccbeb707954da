# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Chapter 1 — Containers · 容器
#
# *Syllabus S1 · docker原理 → 容器*
#
# ## What a container is · 什么是容器？
#
# A Linux container (LXC) is *operating-system-level virtualization*: no second kernel, no
# emulated hardware — an ordinary process to which **the kernel shows a different world**. Two
# mechanisms make it:
#
# - **namespaces** decide what the process can *see*: its own process numbers, network, hostname,
#   mounts, users (chapter 2);
# - **cgroups** decide what it may *use*: CPU, memory, block I/O, processes (chapter 3).
#
# The root filesystem it sees comes from an image (chapter 4). This chapter builds one container
# by hand, measures what makes containers attractive, and then goes back to where it all began —
# `chroot` — to see, by breaking out of one, why a changed root alone is not a container.

# %%
import shutil
import statistics
import subprocess
import sys
import time

from pycontainer_lab import trace
from pycontainer_lab.course import Lab, checks
from pycontainer_lab.course.jail import BREAKOUT, run_breakout
from pycontainer_lab.course.measure import cpu_use
from pycontainer_lab.course.views import Table
from pycontainer_lab.image.store import Store

lab = Lab("01-containers")

# %% [markdown]
# ## A container, composed by hand
#
# A tiny root filesystem (a static busybox), a sandbox process, six new namespaces, a new root
# with its own `/proc` and `/dev`, and a cgroup with limits. Every row of the trace is one
# system call or file write.

# %%
box = lab.sandbox("by-hand")
root = lab.jail("by-hand")
cg = lab.cgroup("by-hand", memory="64m", cpus=0.5, pids_limit=50)
with trace() as t:
    for kind in ("mnt", "uts", "ipc", "net", "pid", "cgroup"):
        box.unshare(kind)
    box.sethostname("container")
    box.bind(str(root), str(root))
    box.make_dev(f"{root}/dev")
    box.mount_proc(f"{root}/proc")
    box.pivot_root(str(root))
    box.join_cgroup(cg)
print(box.run("echo hostname: $(hostname); ps; ls /; ip link; cat /proc/self/cgroup | head -4").stdout)
t

# %% [markdown]
# Its own hostname, a process list that starts at PID 1, a root that is the little busybox tree,
# a network with only a loopback, and a cgroup with 64 MiB, half a CPU and 50 processes. That is
# all a container is. `pcl run` (like `docker run`) does the same steps in one go, from an image:

# %%
# %load_ext pycontainer_lab
# %pcl run --rm --hostname box busybox sh -c 'hostname; ps; ls /'

# %% [markdown]
# ## Container technologies · 容器技术有哪些
#
# **Docker** made containers popular: a client (`docker`) talks over a REST API to a daemon
# (`dockerd`) that keeps images and containers and asks a runtime (`runc`) to start each one;
# images come from a registry. pycontainer-lab has the same parts, in Python, without a daemon:
#
# | Docker | here | what it does |
# |---|---|---|
# | `docker` CLI | `pcl` | parses Docker's commands and flags |
# | `dockerd` | `pycontainer_lab.engine` (works on the state on disk) | names, records, restart policies, logs |
# | containerd-shim / conmon | the monitor process | parent of the container, keeps its exit code and logs |
# | `runc` | `pycontainer_lab.runtime` | OCI runtime: one container from a bundle |
# | image store, registry | `pycontainer_lab.image` | OCI image layout, layers |
# | the kernel | `pycontainer_lab.linux` | namespaces, cgroups, mounts — what you just used |
#
# ## Container traits · 容器的特点
#
# The course material names four: **lightweight** (轻量级: only what the program needs),
# **starts in about a second or less** (秒即启动), **portable** (易于移植: build once, run
# anywhere), **elastic** (弹性伸缩: resources can grow and shrink). Measured here, now:

# %%
def pcl_run(*args):
    return subprocess.run([sys.executable, "-m", "pycontainer_lab.cli.main", "run", "--rm",
                           *args], capture_output=True, text=True, timeout=60)


starts, procs = [], []
for _ in range(3):
    t0 = time.monotonic()
    pcl_run("busybox", "true")
    starts.append(time.monotonic() - t0)
    t0 = time.monotonic()
    subprocess.run([sys.executable, "-c", "pass"])
    procs.append(time.monotonic() - t0)

store = Store()
image_size = store.image_size(store.get("busybox"))
disk = shutil.disk_usage("/")
Table(["", "measured here"], [
    ["start + run + remove a busybox container (pcl run --rm, median of 3)",
     f"{statistics.median(starts) * 1000:.0f} ms"],
    ["start a Python interpreter (python -c pass, median of 3)",
     f"{statistics.median(procs) * 1000:.0f} ms"],
    ["the busybox image", f"{image_size / 2**20:.1f} MiB"],
    ["this host's whole root filesystem (what a VM image would carry)",
     f"{disk.used / 2**30:.1f} GiB"],
])

# %% [markdown]
# A container starts in the time of a few process starts (most of `pcl`'s is Python starting
# itself): no kernel boots, no hardware is probed. A virtual machine boots its own kernel and
# init first; none runs on this machine, so that is not measured here — typically seconds. The
# image carries one program and what it needs, not an operating system.
#
# **Portable**: the image is stored in the standard OCI format; `pcl save` writes it as one
# archive that Docker, Podman or skopeo load on any Linux host of the same architecture.
# **Elastic**: a running container's limits can change while it runs. The container built above
# gets a busy loop; its CPU quota is raised from half a CPU to one and a half:

# %%
spin = box.start("while :; do :; done")
print(f"--cpus 0.5: {cpu_use(cg):.0f} % of a CPU")
cg.set("cpus", 1.5)
print(f"--cpus 1.5: {cpu_use(cg):.0f} % (one loop can use at most one CPU)")

# %% [markdown]
# ## History · 历史
#
# *最早的容器技术为1982年Unix系统上的chroot工具 · 早期的容器实现技术*
#
# | year | what | where | it added |
# |---|---|---|---|
# | 1979–1982 | `chroot` | Unix V7, BSD | another root directory for a process |
# | 2000 | FreeBSD **jail** | FreeBSD | a chroot with its own processes, network address, root user |
# | 2001 | **Linux-VServer** | Linux (patch) | jails for Linux: security contexts |
# | 2004 | **Solaris Containers** (Zones) | Solaris 10 | zones plus resource management |
# | 2005 | **OpenVZ** | Linux (patch) | whole-system containers for hosting |
# | 2008 | **LXC** | Linux (mainline) | namespaces + cgroups, no patched kernel |
# | 2013 | **Docker** | Linux | images in layers, a registry, one command to run them |
#
# Each step closed a hole the one before left open. The first hole is the oldest: what does
# `chroot` really do?
#
# ## chroot by hand · chroot
#
# `chroot(path)` changes **where path lookups start** for one process: `/` now means `path`.
# Nothing else. Here is a jail (a busybox tree whose `/etc/hostname` says `jail`) and a sandbox
# locked into it. The sandbox first gets its own mount namespace, only so that the read-only bind
# mounts that lend the host's Python to the jail (we need it for the breakout) stay out of the
# host's mount table; chroot itself knows nothing of namespaces.

# %%
box = lab.sandbox("chroot")
jail = lab.jail("chroot", box)        # busybox + the host's Python, lent read-only
box.chroot(str(jail))
print(box.run("ls /; cat /etc/hostname /etc/motd").stdout)

# %% [markdown]
# Inside, `/` is the jail. But that is all: mount `/proc` and the jailed process sees every
# process of the machine, the host's hostname is its hostname, the host's network is its
# network.

# %%
print(box.run("mount -t proc proc /proc; echo processes visible: $(ls -d /proc/[0-9]* | wc -l); "
              "echo hostname: $(hostname); ip -o link | cut -d' ' -f2; umount /proc").stdout)

# %% [markdown]
# ## The breakout · 越狱
#
# A root process inside can even walk out. `chroot` into a subdirectory **without** moving the
# working directory into it: the working directory is now *outside* the process's root, and the
# kernel only stops `..` at the root — which the working directory is not below. So `..` climbs
# to the real `/`, and a last `chroot(".")` makes it the root again. This is the program, run
# inside the jail by the host's Python:

# %%
print(BREAKOUT)
escaped = run_breakout(box)
print("the breakout read /etc/hostname:", escaped.stdout.strip(), "  (the jail's says 'jail')")

# %% [markdown]
# It read the **host's** `/etc/hostname`: it was out. (It only read one file; nothing was
# changed.) This is why `chroot` is not a container.

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex1-1-task", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ### Exercise 1.1 — lock a process into a jail
#
# The setup gives you a fresh sandbox `box` and a jail directory `jail`. Make the jail the
# sandbox's root directory, so that `box.run("cat /etc/hostname")` prints `jail`.

# %% nbgrader={"grade": false, "grade_id": "ex1-1-setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
box = lab.sandbox("ex1-1")
jail = lab.jail("ex1-1")

# %% nbgrader={"grade": false, "grade_id": "ex1-1-answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
box.chroot(str(jail))
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex1-1-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
checks.chroot_jail(box, jail)

# %% [markdown]
# ## Closing it: `pivot_root` in a mount namespace
#
# Containers do not `chroot`. In a **mount namespace of their own** they make the new root a
# mount point and call `pivot_root`: the new root becomes the namespace's root, the old root is
# moved below it and then **unmounted**. Afterwards the host's tree is not in the namespace any
# more — there is no directory above the root to climb to. The same breakout, again:

# %%
box = lab.sandbox("pivot")
jail = lab.jail("pivot", box)        # box now has its own mount namespace
with trace() as t:
    box.bind(str(jail), str(jail))   # pivot_root wants a mount point
    box.pivot_root(str(jail))
escaped = run_breakout(box)
print("the breakout read /etc/hostname:", escaped.stdout.strip())
print("mounts in the sandbox:", [m.target for m in box.mounts()])
t

# %% [markdown]
# The breakout climbed as far as it could and found the jail's own file. The other holes close
# the same way, one namespace each: a PID namespace hides the host's processes, a UTS namespace
# gives a hostname of its own, a network namespace a network of its own — the container built at
# the top of this chapter.

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex1-2-task", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ### Exercise 1.2 — a root the breakout cannot leave
#
# The setup gives you a sandbox `box` with its own mount namespace and a jail `jail` (with the
# host's Python lent to it). Lock the sandbox into the jail so that the breakout stays inside.
# The check runs the breakout in your sandbox.

# %% nbgrader={"grade": false, "grade_id": "ex1-2-setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
box = lab.sandbox("ex1-2")
jail = lab.jail("ex1-2", box)

# %% nbgrader={"grade": false, "grade_id": "ex1-2-answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
box.bind(str(jail), str(jail))
box.pivot_root(str(jail))
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex1-2-check", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
checks.escape_proof(box, jail)

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex1-3-task", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ### Exercise 1.3 — a container: namespaces + a cgroup
#
# Make the fresh sandbox `box` a container in the sense of this chapter: its own **pid, mnt,
# uts, ipc and net** namespaces, and inside the cgroup `cg`, limited to **64 MiB** of memory.

# %% nbgrader={"grade": false, "grade_id": "ex1-3-setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
box = lab.sandbox("ex1-3")
cg = lab.cgroup("ex1-3")

# %% nbgrader={"grade": false, "grade_id": "ex1-3-answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
for kind in ("pid", "mnt", "uts", "ipc", "net"):
    box.unshare(kind)
cg.set("memory", "64m")
box.join_cgroup(cg)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex1-3-check", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
checks.container(box, cg, "64m")

# %% [markdown]
# ## Clean up
#
# Every sandbox, cgroup and jail of this notebook is removed.

# %%
lab.cleanup()
