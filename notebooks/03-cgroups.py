# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Chapter 3 — Cgroups · cgroup资源配额限制
#
# *Syllabus S8.3 · 容器的底层实现 → linux：cgroup资源配额限制*
#
# Namespaces decide what a container can *see*; **control groups** decide what it may *use*.
# A cgroup limits, accounts and isolates the CPU, memory, block I/O and number of processes of
# the processes in it. Only by limiting what each container gets can many of them share a host
# without fighting over it. **By default a container has no limit at all**: it may use as much
# as the kernel's scheduler lets it; `docker stats` shows what it uses.
#
# A cgroup is a directory in a special filesystem: a process joins by writing its pid to
# `cgroup.procs`, a limit is a number written to a file, and usage is read from other files.
# Here you set every CPU, memory and block I/O knob of the course material one at a time, on
# the real kernel, and watch the effect live in the resource monitor.

# %%
import os
import signal
import time
from pathlib import Path

from pycontainer_lab import trace
from pycontainer_lab.course import Lab, checks
from pycontainer_lab.course.measure import cpu_use, timed
from pycontainer_lab.course.views import Table
from pycontainer_lab.jupyter import ResourceMonitor
from pycontainer_lab.linux.cgroups import UnsupportedKnobError
from pycontainer_lab.linux.cgroups.knobs import EQUIVALENTS, KNOBS
from pycontainer_lab.linux.cgroups.stats import cpu_percent

lab = Lab("03-cgroups")
v = lab.cgroup_version
print(f"This host: cgroup v{v} ({lab.host.Host['CgroupMode']}); controllers:")
Table(["controller", "where"], sorted(lab.host.Host["CgroupControllers"].items()))

# %% [markdown]
# ## Two versions · cgroup v1 与 v2
#
# **cgroup v1** mounts one hierarchy per controller (`/sys/fs/cgroup/memory`,
# `/sys/fs/cgroup/cpu`…): a process sits in a separate group in each. **cgroup v2** has one tree
# for every controller; a controller must be enabled in the parent's `cgroup.subtree_control`
# before its files appear in a child, and a group that hands controllers to children may hold no
# processes itself. A *hybrid* host has both (the controllers on v1). The files differ in name
# and scale; Docker's flags are the same. The library speaks both: give it Docker's name and it
# writes the right file for this host — the trace shows which.

# %%
rows = []
for v1_file, v2_file, knob in EQUIVALENTS:
    if knob and knob not in {r[0] for r in rows}:
        rows.append((knob, v1_file, v2_file or "(none)", KNOBS[knob]))
Table(["Docker flag", "cgroup v1 file", "cgroup v2 file", "what it limits"], rows,
      f"this host writes the v{v} column")

# %% [markdown]
# ## A group, a process, the monitor
#
# One cgroup, one sandbox in it, and the monitor: CPU % (100 % = one whole CPU) and memory, with
# each limit drawn dashed once there is one. Keep it in view while you run the cells below.

# %%
cg = lab.cgroup("demo")
box = lab.sandbox("demo")
with trace() as t:
    box.join_cgroup(cg)
print(box.run("cat /proc/self/cgroup").stdout)
t

# %%
monitor = lab.keep(ResourceMonitor(cg, interval=0.5, window=40, title="the demo group"))
monitor

# %% [markdown]
# ## CPU · CPU
#
# ### `--cpus`: a quota in every period
#
# The CFS scheduler gives a group a **quota** of CPU time in every **period** (100 ms by
# default). `--cpus=1.5` is `--cpu-period=100000 --cpu-quota=150000`: 150 ms of CPU time every
# 100 ms, one and a half CPUs. A group that has used its quota is **throttled** until the next
# period. First, two busy loops without any limit:

# %%
loops = [box.start("while :; do :; done") for _ in range(2)]
print(f"no limit: {cpu_use(cg):.0f} % of a CPU")

# %%
with trace() as t:
    cg.set("cpus", 1.5)
print(f"--cpus 1.5: {cpu_use(cg):.0f} %")
with trace() as t2:
    cg.set("cpus", 0.5)
print(f"--cpus 0.5: {cpu_use(cg):.0f} %")
s = cg.stats()
print(f"throttled in {s.cpu_throttled_periods} of {s.cpu_periods} periods")
t

# %% [markdown]
# The trace shows the files written for `--cpus 1.5` (on v1 two files, `cpu.cfs_period_us` and
# `cpu.cfs_quota_us`; on v2 one, `cpu.max` = `"150000 100000"`). The monitor's CPU line drops to
# the dashed limit.
#
# ### `--cpu-period` and `--cpu-quota`
#
# The same two numbers set one at a time. A shorter period gives the same share in smaller
# slices (less waiting after a burst, more scheduling work). Docker recommends `--cpus`.

# %%
with trace() as t:
    cg.set("cpu-period", 50000)
    cg.set("cpu-quota", 25000)
print(f"quota 25000 µs per 50000 µs = {cg.stats().cpu_limit} CPUs: {cpu_use(cg):.0f} %")
t

# %% [markdown]
# ### `--cpuset-cpus`: which CPUs
#
# A cpuset does not limit time, it limits *where*: a list (`0,1`) or range (`0-1`) of CPUs.
# With the quota lifted and both loops pinned to CPU 0, the group can use at most one CPU.

# %%
# %%needs cgroup:cpuset
with trace() as t:
    cg.set("cpus", 0)             # 0 = no quota (cpu.cfs_quota_us -1 / cpu.max "max")
    cg.set("cpuset-cpus", "0")
print(f"pinned to CPU 0: {cpu_use(cg):.0f} %")
print(box.run("grep Cpus_allowed_list /proc/self/status").stdout)
t

# %% [markdown]
# ### `--cpu-shares`: a weight, only under contention
#
# Shares (default 1024; on v2 `cpu.weight`, default 100, by Docker's formula) say how CPU time
# is divided **when groups compete** for it. Two groups on the same CPU, one with 1024 shares and
# one with 512, get about two thirds and one third. When the other group is idle, the light one
# gets everything: shares are a *soft* limit, not a cap.

# %%
for p in loops:                               # stop the demo's loops first
    os.kill(p.pid, signal.SIGKILL)
    p.wait(timeout=5)

# %%
# %%needs cgroup:cpuset
heavy, light = lab.cgroup("heavy", cpu_shares=1024, cpuset_cpus="0"), \
    lab.cgroup("light", cpu_shares=512, cpuset_cpus="0")
pair = lab.keep(ResourceMonitor({"1024 shares": heavy, "512 shares": light}, interval=0.5,
                                window=30, title="two groups on CPU 0"))
boxes = {name: lab.sandbox(name) for name in ("heavy", "light")}
boxes["heavy"].join_cgroup(heavy)
boxes["light"].join_cgroup(light)
spin = {name: b.start("while :; do :; done") for name, b in boxes.items()}
pair

# %%
# %%needs cgroup:cpuset
a, b = heavy.stats(), light.stats()
time.sleep(1.5)
print(f"competing: heavy {cpu_percent(a, heavy.stats()):.0f} %, "
      f"light {cpu_percent(b, light.stats()):.0f} %")
os.kill(spin["heavy"].pid, signal.SIGKILL)
print(f"heavy idle: light alone gets {cpu_use(light, 1.0):.0f} %")

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex3-1-task", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ### Exercise 3.1 — at most half a CPU
#
# The setup gives you a fresh cgroup `cg` and sandbox `box`. Make sure nothing the sandbox runs
# can ever use more than **half a CPU**, busy machine or idle.

# %% nbgrader={"grade": false, "grade_id": "ex3-1-setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
cg = lab.cgroup("ex3-1")
box = lab.sandbox("ex3-1")

# %% nbgrader={"grade": false, "grade_id": "ex3-1-answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
cg.set("cpus", 0.5)
box.join_cgroup(cg)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex3-1-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
checks.cpu_half(box, cg)
### BEGIN HIDDEN TESTS
box.start("while :; do :; done")
assert cpu_use(cg, 1.0) < 75, "more than half a CPU was used"
### END HIDDEN TESTS

# %% [markdown]
# ## Memory · 内存
#
# ### `-m / --memory`: the limit, and the OOM killer
#
# Above its limit the kernel first reclaims the group's memory (page cache, swap); when nothing
# more can be reclaimed, the **OOM killer** kills a process *of the group* — the rest of the
# machine is untouched. Sizes take `b`, `k`, `m`, `g`; the minimum is 4m. `tail /dev/zero` reads
# an endless line and keeps it all in memory:

# %%
mem = lab.cgroup("memory", memory="32m", memory_swap="32m")   # swap = 0: memory+swap is 32m
hog = lab.sandbox("memory")
hog.join_cgroup(mem)
mem_monitor = lab.keep(ResourceMonitor(mem, interval=0.25, window=20, title="32 MiB group"))
mem_monitor

# %%
elapsed, done = timed(hog, "tail /dev/zero")
s = mem.stats()
print(f"tail ended after {elapsed:.1f} s, exit {done.returncode} (137 = 128 + 9: SIGKILL); "
      f"OOM kills: {s.oom_kills}; peak {s.memory_peak and s.memory_peak >> 20} MiB")

# %% [markdown]
# ### `--memory-reservation`, `--memory-swap`, `--memory-swappiness`, `--kernel-memory`
#
# - **reservation**: a soft limit below `--memory`: under memory pressure the group is pushed
#   back to it (v1 `memory.soft_limit_in_bytes`; v2 `memory.low`, which *protects* that much).
# - **memory-swap**: memory **plus** swap (`-1` unlimited; on v2 the library writes the swap part
#   alone to `memory.swap.max`).
# - **swappiness** (0–100): how eagerly the group's anonymous memory is swapped (v1 only).
# - **kernel-memory** (minimum 4m): kernel memory could not be swapped, so a group could block the
#   host; v1 only, and ignored by Linux 6.x, which counts it in the memory limit.
#
# Each is tried on this host. Where the kernel has no such knob, the library says so — as Docker
# does — and the cell shows that answer, not a pretend success.

# %%
def try_knob(group, knob, value):
    """Set one knob; show the files written, or why this host cannot."""
    try:
        with trace() as t:
            group.set(knob, value)
        print(f"{knob} {value}: " + "; ".join(f"{s.call}" for s in t.steps))
    except UnsupportedKnobError as e:
        print(f"{knob} {value}: not in effect here: {e.reason}")


knobs = lab.cgroup("memory-knobs", memory="64m")
for knob, value in [("memory-reservation", "32m"), ("memory-swap", "128m"),
                    ("memory-swappiness", 10), ("kernel-memory", "16m")]:
    try_knob(knobs, knob, value)

# %% [markdown]
# ### `--oom-kill-disable`
#
# Instead of killing, the group's processes *wait* at the limit until memory is freed. Only
# with `--memory` (otherwise the host itself could run out), and only on cgroup v1; v2 has no
# such knob.

# %%
# %%needs cgroup-v1
stall = lab.cgroup("no-oom-kill", memory="16m", memory_swap="16m", oom_kill_disable=True)
stuck = lab.sandbox("no-oom-kill")
stuck.join_cgroup(stall)
tail = stuck.start("tail /dev/zero")
time.sleep(1.0)
s = stall.stats()
print(f"under_oom={s.under_oom}, OOM kills={s.oom_kills}, usage {s.memory_current >> 20} MiB "
      f"of {s.memory_limit >> 20}; tail's state:",
      Path(f"/proc/{tail.pid}/stat").read_text().rsplit(")", 1)[1].split()[0])
os.kill(tail.pid, signal.SIGKILL)
print("after SIGKILL:", tail.wait(timeout=5))

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex3-2-task", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ### Exercise 3.2 — 32 MiB
#
# Limit the fresh cgroup `cg` to **32 MiB** of memory and put the sandbox `box` in it.

# %% nbgrader={"grade": false, "grade_id": "ex3-2-setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
cg = lab.cgroup("ex3-2")
box = lab.sandbox("ex3-2")

# %% nbgrader={"grade": false, "grade_id": "ex3-2-answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
cg.set("memory", "32m")
box.join_cgroup(cg)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex3-2-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
checks.memory_limit(box, cg, 32)
### BEGIN HIDDEN TESTS
assert box.run("tail /dev/zero", timeout=30).returncode == 137, "the hog was not OOM-killed"
### END HIDDEN TESTS

# %% [markdown]
# ## Processes · pids
#
# `--pids-limit` caps the processes (and threads) of a group: a fork bomb stops at the limit
# instead of taking the machine down. Here a bounded one: 100 `sleep`s, at most 20 allowed.

# %%
pids = lab.cgroup("pids", pids_limit=20)
bomb = lab.sandbox("pids")
bomb.join_cgroup(pids)
done = bomb.run("for i in $(seq 100); do sleep 30 >/dev/null 2>&1 & done; echo all started",
                timeout=30)
print("the shell said:", (done.stdout + done.stderr).strip())
s = pids.stats()
print(f"processes now {s.pids_current} of {s.pids_max}; forks refused: {s.pids_limit_hits}")

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex3-3-task", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ### Exercise 3.3 — at most 10 processes
#
# Cap the fresh cgroup `cg` at **10** processes and put the sandbox `box` in it.

# %% nbgrader={"grade": false, "grade_id": "ex3-3-setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
cg = lab.cgroup("ex3-3")
box = lab.sandbox("ex3-3")

# %% nbgrader={"grade": false, "grade_id": "ex3-3-answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
cg.set("pids-limit", 10)
box.join_cgroup(cg)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex3-3-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
checks.pids_limit(box, cg, 10)

# %% [markdown]
# ## Block I/O · 磁盘读写
#
# Docker limits a container's disk bandwidth by **weight** (`--blkio-weight`, relative, 10–1000)
# and by **bps and iops limits** per device (`--device-read-bps /dev/sda:1mb`,
# `--device-write-iops`…). Limits act on a block device, so here is one of our own: a file
# attached as a loop device. `dd … oflag=direct` writes past the page cache, straight to the
# device, so the limit is what it meets.

# %%
# %%needs loop block-io
disk = lab.loop_device("disk", size_mib=16)
io = lab.cgroup("io", device_write_bps=[f"{disk}:2mb"], device_read_iops=[f"{disk}:100"])
writer = lab.sandbox("io")
writer.join_cgroup(io)
took, done = timed(writer, f"dd if=/dev/zero of={disk} bs=64k count=64 oflag=direct 2>&1")
print(f"wrote 4 MiB at 2 MiB/s allowed: {took:.1f} s")
took, done = timed(writer, f"dd if={disk} of=/dev/null bs=4k count=200 iflag=direct 2>&1")
print(f"read 200 blocks at 100 IOPS allowed: {took:.1f} s")
io.stats()

# %%
# %%needs loop block-io
try_knob(io, "blkio-weight", 500)

# %% [markdown]
# A weight is divided by the I/O scheduler (BFQ) among groups competing for one device; where
# the device uses another scheduler, there is no weight file to write, and the library says so.
#
# ## What `docker stats` shows
#
# Everything above was read from the groups' files; `cg.stats()` gathers them (as
# `pcl stats` does for containers):

# %%
mem.stats()

# %% [markdown]
# ## Clean up
#
# Monitors stop, sandboxes end, and each cgroup is removed (a cgroup is removed with `rmdir`,
# once its processes are gone).

# %%
lab.cleanup()
