# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Chapter 2 — Namespaces · 命名空间
#
# *Syllabus S8.2 · 容器的底层实现 → linux：命名空间*
#
# A **namespace** wraps one kind of global resource so that the processes inside see their own
# copy of it. Every process is in exactly one namespace of each kind; the kernel shows which in
# `/proc/PID/ns/<kind>`, a link like `uts:[4026531838]`. The number is the namespace's id: two
# processes showing the same number share that namespace.
#
# In this chapter you move a **sandbox** — a small helper process you drive step by step — into
# new namespaces, one kind at a time, and watch what changes: in the namespace tree, in a
# before/after table, and in what commands inside it see. Every step is real: a system call on
# this machine's kernel.

# %%
import os
import socket
from pathlib import Path

from pycontainer_lab import trace
from pycontainer_lab.course import Lab, checks
from pycontainer_lab.course.views import compare_namespaces
from pycontainer_lab.jupyter import NamespaceTree
from pycontainer_lab.linux.namespaces import Namespace, namespace_ids

lab = Lab("02-namespaces")
host = namespace_ids()  # the namespaces of this notebook's kernel: the host's
[(ns.value, host[ns], ns.isolates) for ns in Namespace]

# %% [markdown]
# Seven kinds: the six of the course material plus the **cgroup** namespace (added to Linux in
# 4.6, after the material was written). Now a sandbox, and the tree of all namespaces on the
# machine with the sandbox highlighted. The tree redraws when you call `tree.refresh()` — watch
# it after each section.

# %%
box = lab.sandbox("tour")
tree = lab.keep(NamespaceTree(box, max_processes=6))
tree

# %% [markdown]
# ## UTS · UTS命名空间
#
# UTS (*UNIX Time-Sharing*) holds the **hostname** and the NIS **domain name**. With its own UTS
# namespace a container can be named like a separate machine on the network; Docker names each
# container after its ID by default. Setting the hostname in a *shared* UTS namespace would rename
# the host — the sandbox refuses that step until it has its own namespace.

# %%
before = box.namespaces()
with trace() as t:
    box.unshare("uts")
    box.sethostname("lab")
    box.setdomainname("course.local")
t

# %%
print("inside: ", box.run("hostname; cat /proc/sys/kernel/domainname").stdout.split())
print("outside:", socket.gethostname())
compare_namespaces(before, box.namespaces(), host)

# %% [markdown]
# Each row of the trace is one system call, with the shell command that does the same
# (`unshare --uts`, `hostname lab`). The table shows the one id that changed.

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex2-1-task", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ### Exercise 2.1 — a hostname of its own
#
# The setup cell gives you a fresh sandbox `box`. Make its hostname `web1` **without** changing
# the host's. Then run the check: it looks at the kernel (the sandbox's namespaces and
# hostname), not at your code.

# %% nbgrader={"grade": false, "grade_id": "ex2-1-setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
box = lab.sandbox("ex2-1")

# %% nbgrader={"grade": false, "grade_id": "ex2-1-answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
box.unshare("uts")
box.sethostname("web1")
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex2-1-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
checks.uts_hostname(box, "web1")
### BEGIN HIDDEN TESTS
assert socket.gethostname() != "web1", "the host's hostname changed"
### END HIDDEN TESTS

# %% [markdown]
# ## PID · 进程命名空间 PID
#
# A PID namespace **renumbers** processes: the first process inside is PID 1, and two namespaces
# may both have a process 7. PID namespaces form a **tree** rooted at the initial namespace the
# machine booted with. A parent namespace sees the processes of its children (under its own
# numbers) and can signal them; a child sees nothing of its parent.
#
# `unshare(CLONE_NEWPID)` only affects the caller's *children*, so the sandbox forks: the child
# becomes PID 1 and `box.pid` follows it. `/proc` shows the PID namespace of whoever mounted it,
# so the sandbox also gets its own mount namespace and mounts a fresh `/proc`.

# %%
box = lab.sandbox("tour-pid")
before = box.namespaces()
with trace() as t:
    box.unshare("mnt")       # a mount table of its own, so the new /proc stays inside
    box.unshare("pid")
    box.mount_proc()
t

# %%
sleeper = box.start("sleep 300")
print(box.run("ps -o pid,comm").stdout)
with open(f"/proc/{sleeper.pid}/status") as f:
    print("the host sees the sleep as:", [line.strip() for line in f if line.startswith("NSpid")])
compare_namespaces(before, box.namespaces(), host)

# %% [markdown]
# `NSpid` lists the process's number in each PID namespace it is in, outermost first: the host
# calls it by a large number, the sandbox by a small one. Now the two directions of visibility:
# the parent kills a process of the child namespace; the child cannot even see the kernel
# running this notebook.

# %%
os.kill(sleeper.pid, 9)                                  # the host signals into the child
print("sleep ended with", sleeper.wait(timeout=5))
print(box.run(f"kill -0 {os.getpid()} || echo 'no process {os.getpid()} in here'").stdout)
tree = lab.keep(NamespaceTree(box, max_processes=6))
tree

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex2-2-task", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ### Exercise 2.2 — PID 1, with its own `/proc`
#
# Make the fresh sandbox `box` PID 1 of a new PID namespace, with a `/proc` that shows only the
# processes of that namespace (so `ps` inside lists only them).

# %% nbgrader={"grade": false, "grade_id": "ex2-2-setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
box = lab.sandbox("ex2-2")

# %% nbgrader={"grade": false, "grade_id": "ex2-2-answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
box.unshare("mnt")
box.unshare("pid")
box.mount_proc()
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex2-2-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
checks.pid_namespace(box)
### BEGIN HIDDEN TESTS
assert box.pid_in_namespace == 1
### END HIDDEN TESTS

# %% [markdown]
# ## Network · 网络命名空间 network
#
# A network namespace is a whole network stack of its own: **interfaces, IPv4 and IPv6
# addresses, routes, firewall rules, sockets**. A new one holds a single device, the loopback,
# and it is down. Containers are linked to the outside by virtual devices: a *veth pair*, one end
# inside, the other attached to a bridge on the host (Docker's `docker0`) — the networking chapter
# builds that.

# %%
box = lab.sandbox("tour-net")
print("host interfaces:", sorted(os.listdir("/sys/class/net")))
box.unshare("net")
print(box.run("ip -o link show; echo routes:; ip route; echo IPv6 routes:; ip -6 route").stdout)

# %% [markdown]
# Only `lo`, down, and no routes at all: even `127.0.0.1` is unreachable until the loopback is
# up. The firewall is per namespace too — the host's rules are not here.

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex2-3-task", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ### Exercise 2.3 — a network stack of its own
#
# Give the fresh sandbox `box` its own network namespace in which `127.0.0.1` works (the
# loopback device is up). Commands run in the sandbox with `box.run(...)` see its namespaces.

# %% nbgrader={"grade": false, "grade_id": "ex2-3-setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
box = lab.sandbox("ex2-3")

# %% nbgrader={"grade": false, "grade_id": "ex2-3-answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
box.unshare("net")
box.run("ip link set lo up")
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex2-3-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
checks.net_loopback(box)
### BEGIN HIDDEN TESTS
assert box.run("ping -c1 -W1 127.0.0.1").returncode in (0, 127)  # 127: no ping installed
### END HIDDEN TESTS

# %% [markdown]
# ## IPC · IPC命名空间
#
# IPC is *inter-process communication*: System V **semaphores, message queues and shared
# memory**, and POSIX message queues. Each object has a 32-bit id; processes in one IPC namespace
# see each other's objects, processes in another see none of them. (The PID and IPC namespaces
# are often used together.)

# %%
box = lab.sandbox("tour-ipc")
box.unshare("ipc")
print(box.run("ipcmk -Q; ipcmk -M 4096; ipcs -q -m").stdout)
with open("/proc/sysvipc/msg") as f:
    print("message queues the host sees:", len(f.readlines()) - 1)

# %% [markdown]
# The objects live as long as their namespace: when the sandbox is closed they are gone, without
# an `ipcrm`.
#
# ## Mount · 挂载命名空间 Mount
#
# The first namespace Linux had (2002, hence its flag is plainly `CLONE_NEWNS`). It is like
# `chroot` done right: each mount namespace has its own mount table, so processes in different
# namespaces see different file trees, and a mount made in one does not appear in the others.
# `/proc/PID/mounts` lists the mounts of a process's namespace, `/proc/PID/mountstats` their
# statistics.

# %%
box = lab.sandbox("tour-mnt")
where = lab.directory("mnt-demo")
box.unshare("mnt")
box.mount_tmpfs(str(where), size="1m")
box.write_file(f"{where}/note.txt", "written inside the sandbox's mount namespace\n")
print("inside: ", box.run(f"ls {where}; grep {where} /proc/self/mounts").stdout)
print("outside:", os.listdir(where), "| in my /proc/self/mounts:",
      str(where) in Path("/proc/self/mounts").read_text())
with open(f"/proc/{box.pid}/mountstats") as f:
    print([line.strip() for line in f if str(where) in line])

# %% [markdown]
# The tmpfs and its file exist only in the sandbox's mount table: the host sees an empty
# directory. (The sandbox made its mounts *private* first — on hosts where `/` is a shared mount,
# mounts would otherwise propagate back to the host.)
#
# ## User · 用户命名空间 user
#
# A user namespace has its own **user and group ids**: a process can be root (uid 0) inside,
# with all capabilities over the namespace's own resources, while it is an unprivileged uid
# outside. A new user namespace starts without an id map — every id shows as `nobody` (65534) —
# until a process *outside* writes `/proc/PID/uid_map` and `gid_map`.

# %%
# %%needs userns
box = lab.sandbox("tour-user")
box.unshare("user")
print("before the map: uid", box.uname()["uid"])
with trace() as t:
    box.map_ids()
print("after: uid", box.uname()["uid"], "inside; the host sees uid", box.host_ids()[0])
t

# %%
# %%needs userns
print(box.run("id; cat /etc/shadow").stderr or "(read it!)")

# %% [markdown]
# Root inside, but to the host the process is uid 100000: reading the host's `/etc/shadow` is
# refused. That is the safety a user namespace adds.

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex2-4-task", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ### Exercise 2.4 — root inside, nobody outside
#
# Make the fresh sandbox `box` uid 0 inside its own user namespace while the host sees an
# unprivileged uid. (Skipped, with the reason, on hosts without user namespaces.)

# %% nbgrader={"grade": false, "grade_id": "ex2-4-setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
box = lab.sandbox("ex2-4")

# %% nbgrader={"grade": false, "grade_id": "ex2-4-answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
# %%needs userns
### BEGIN SOLUTION
box.unshare("user")
box.map_ids()
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex2-4-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
# %%needs userns
checks.user_root(box)

# %% [markdown]
# ## Cgroup namespace · cgroup 命名空间
#
# Not in the course material, but every container runtime uses it: a cgroup namespace makes the
# process's current cgroup look like the root `/` of the cgroup tree, so a container cannot learn
# (or depend on) where the host placed it. Chapter 3 is about cgroups themselves.

# %%
box = lab.sandbox("tour-cgroup")
cg = lab.cgroup("cgns-demo")
box.join_cgroup(cg)
print("before:", box.run("grep -m3 . /proc/self/cgroup").stdout)
box.unshare("cgroup")
print("after: ", box.run("grep -m3 . /proc/self/cgroup").stdout)

# %% [markdown]
# ## All of them at once
#
# A container is all of these together. The tree now shows every sandbox this notebook still
# runs, each in the namespaces it made.

# %%
tree = lab.keep(NamespaceTree(box, max_processes=4))
tree

# %% [markdown]
# ## Clean up
#
# Every sandbox, cgroup and directory this notebook made is removed (namespaces vanish with
# their last process).

# %%
lab.cleanup()
