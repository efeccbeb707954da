# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # pycontainer-lab: how containers work · docker原理
#
# A container is a process that the kernel shows a different world: its own **namespaces**
# (what it can see) and **cgroups** (what it may use), with a root filesystem made of image
# **layers**. In this course you build all of it yourself, one step at a time, on the real
# kernel of this machine — nothing is simulated, and every step shows the system call it made
# and the shell command that does the same.
#
# ## The route
#
# Each chapter stands alone; this order builds up best.
#
# | | chapter | syllabus | 中文 | exercises |
# |---|---|---|---|---|
# | 1 | [Containers](01-containers.ipynb): what a container is, its traits, its history; `chroot` and the classic breakout | S1 | 容器 · 什么是容器？ · 容器的特点 | 3 |
# | 2 | [Namespaces](02-namespaces.ipynb): pid, net, ipc, mnt, uts, user and cgroup, one at a time | S8.2 | 命名空间 | 4 |
# | 3 | [Cgroups](03-cgroups.ipynb): every CPU, memory and block-I/O knob, watched live; v1 and v2 | S8.3 | cgroup资源配额限制 | 3 |
# | 4 | [Union filesystems and images](04-images.ipynb): layers by hand, copy-on-write, whiteouts, overlay vs vfs, an OCI image opened | S2, S6.2 | UnionFS（联合文件系统） · 镜像 | 3 |
#
# Besides the chapters, [See it live](05-widgets-tour.ipynb) is a short tour of the widgets and
# the `%pcl` magics that the chapters use.
#
# ## What this host must allow
#
# The course needs root (it creates namespaces, mounts and cgroups) and a few kernel features.
# This table is not written by hand: it is what the probe (`pcl info`) finds on this machine,
# now. A chapter that lacks something says so at its top; a single cell that lacks something is
# skipped with the reason and what to do, never faked.

# %%
from pycontainer_lab.course.needs import host_report

host_report()

# %% [markdown]
# ## A first step
#
# A `Sandbox` is a small helper process that you move into namespaces one step at a time. Inside
# `with trace() as t:` every step is recorded: the system call, the equivalent shell command,
# and how long it took.

# %%
import socket

from pycontainer_lab import trace
from pycontainer_lab.course import Lab

lab = Lab("00-index")
box = lab.sandbox("first")
with trace() as t:
    box.unshare("uts")
    box.sethostname("my-first-container")
print("inside: ", box.run("hostname").stdout.strip())
print("outside:", socket.gethostname())
t

# %% [markdown]
# ## How the exercises work
#
# Each exercise has a **setup** cell (run it for a fresh start: it replaces the sandbox or
# cgroup of an earlier try), an **answer** cell where you write code, and a **check** cell. The
# check looks at the state of the kernel — `/proc`, cgroup files, mount tables, directories —
# not at your code, so any way that reaches the right state passes. When it does not, the check
# says what it found and what to try, with a short id in brackets (`[uts.shared]`). Run the
# setup again, fix your answer, check again.
#
# Every chapter ends with `lab.cleanup()`, which removes every sandbox, cgroup, mount and
# scratch directory the notebook made (it also runs when the kernel shuts down). Sandboxes end
# with a crashed kernel by themselves; if cgroups or containers are left over anyway,
# `pcl system reset` removes them.
#
# **For teachers**: the chapters carry nbgrader metadata (locked setup and check cells, solution
# regions, hidden tests, points). In an nbgrader course directory put a chapter under
# `source/<assignment>/` and run `nbgrader generate_assignment <assignment>`; the student
# version has the solutions removed, and `nbgrader autograde` grades submissions with the same
# checks. The sources are the `.py` files beside these notebooks (jupytext); after editing one,
# `python scripts/notebooks.py build` regenerates its notebook.

# %%
lab.cleanup()
