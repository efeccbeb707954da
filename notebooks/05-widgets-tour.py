# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # See it live: the kernel at work, in widgets
#
# Run the cells in order (Shift+Enter) and keep an eye on the widgets: they watch the real kernel of this machine and redraw themselves as each step lands.
#
# `%load_ext pycontainer_lab` adds two magics: `%pcl …` runs any `pcl` command right here (tables come out as tables) and `%%container IMAGE` runs a cell as a shell script in a new container.

# %%
# %load_ext pycontainer_lab
# %pcl version

# %% [markdown]
# ## Namespaces: who sees what
#
# A sandbox is a helper process you apply steps to. The tree shows every namespace of every kind, with the sandbox and its children lit. The *host* namespaces are the ones this kernel is in.

# %%
from pycontainer_lab import Sandbox
from pycontainer_lab.jupyter import NamespaceTree

box = Sandbox("lab")
NamespaceTree(box, auto_refresh=1.0)

# %% [markdown]
# Now give it a hostname of its own and a PID namespace, then look up: a new `uts` namespace holds the sandbox, and a child PID namespace appears in the tree, where the sandbox is PID 1.

# %%
box.unshare("uts").sethostname("lab")
box.unshare("pid")
box.start("sleep 600")
box.run("hostname").stdout

# %% [markdown]
# ## Cgroups: limits you can watch being enforced
#
# The monitor samples the group twice a second. The dashed lines are its limits: `--cpus 0.5` and `-m 32m` in Docker's words.

# %%
from pycontainer_lab.jupyter import ResourceMonitor
from pycontainer_lab.linux.cgroups import Cgroup

cg = Cgroup("see-it-live").create()
cg.set("cpus", 0.5)
cg.set("memory", "32m")
box.join_cgroup(cg)
ResourceMonitor(cg)

# %%
box.start("while :; do :; done")  # a busy loop: the CPU line stops at the dashed 50 %

# %%
box.start("tail /dev/zero")  # eats memory until the kernel kills it at 32 MiB: a red X

# %%
cg.stats()  # the same numbers, once

# %% [markdown]
# ## Images and containers
#
# A container is an image's layers, read-only, with one read-write layer on top. Start one that changes a few files, and see where each change lands: a changed file is *copied up* from the image's layer, which stays untouched; a deleted one gets a *whiteout*.

# %%
# %pcl run -d --init --name seeit busybox sh -c 'echo hello >> /etc/passwd; rm /bin/ls; sleep 600'

# %%
from pycontainer_lab.jupyter import LayerStackView, Lifecycle

LayerStackView(container="seeit", auto_refresh=1.0)

# %% [markdown]
# The life of a container (created → running ⇄ paused → stopped → deleted). The buttons call the engine, as the `pcl` commands of the same names do.

# %%
Lifecycle("seeit")

# %%
# %%container busybox -m 16m
# echo "hello from $(hostname), a container of its own"
# ls /

# %%
# %pcl ps -a

# %% [markdown]
# ## Clean up
#
# Removing the container and the cgroup, closing the sandbox; unloading the extension stops every widget that still watches something.

# %%
# %pcl rm -f seeit
box.close()
cg.delete()
# %unload_ext pycontainer_lab
