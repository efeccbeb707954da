"""Floor 1: the Linux kernel, one concept a module.

Each module is one chapter of the course and offers *step APIs*: functions that do one real
thing to the kernel (a syscall, a file write) and record it in the active trace.

- ``syscalls``   the raw system calls Python lacks (ctypes)
- ``namespaces`` the seven namespace kinds, namespace ids, who shares what
- ``mounts``     proc, sysfs, tmpfs, a minimal /dev, bind mounts, pivot_root
- ``sandbox``    a helper process to apply those steps to, one at a time
- ``cgroups``    limits and accounting on cgroup v1 and v2, Docker's resource flags, live stats
- ``probe``      what this host allows
- ``overlay``    overlayfs: layer stacks, copy-on-write, whiteouts
- ``vfs``        the storage driver that copies every layer instead
- ``changes``    what a container changed (A/C/D, like ``docker diff``)
- ``layerstack`` a layer stack built one layer at a time, with either driver

Nothing here knows about images or containers.
"""
