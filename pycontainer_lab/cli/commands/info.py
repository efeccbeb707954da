"""``pcl info``: what this host allows, printed like ``docker info``."""

from __future__ import annotations

import argparse

from ...linux.probe import HostInfo, probe
from ..output import format_value, human_size


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("-f", "--format",
                   help="Format the output: 'json', or a Go template like '{{.CgroupVersion}}'")


def yes(flag: bool) -> str:
    return "yes" if flag else "no"


def counts() -> dict:
    """Docker's counts: containers by state, images; and the store's storage driver."""
    from ...engine.reconcile import reconcile_all
    from ...engine.store import ContainerStore
    from ...image.store import Store

    records = reconcile_all(ContainerStore())
    status = [r["State"]["Status"] for r in records]
    store = Store()
    return {"Containers": len(records), "ContainersRunning": status.count("running"),
            "ContainersPaused": status.count("paused"),
            "ContainersStopped": len(records) - status.count("running") - status.count("paused"),
            "Images": len(store.images()), "Driver": store.driver}


def render(info: HostInfo, c: dict) -> str:
    h = info.Host
    lines = [
        "Client:",
        f" Version:    {info.ServerVersion}",
        " Context:    pycontainer-lab (daemonless: works on the state on disk)",
        "",
        "Server:",
        f" Containers: {c['Containers']}",
        f"  Running: {c['ContainersRunning']}",
        f"  Paused: {c['ContainersPaused']}",
        f"  Stopped: {c['ContainersStopped']}",
        f" Images: {c['Images']}",
        f" Server Version: {info.ServerVersion}",
        f" Storage Driver: {c['Driver']}",
        f" Logging Driver: {info.LoggingDriver}",
        f" Cgroup Driver: {info.CgroupDriver}",
        f" Cgroup Version: {info.CgroupVersion} ({h['CgroupMode']})",
        " Security Options:",
        *[f"  {o.split(',')[0].removeprefix('name=')}" for o in info.SecurityOptions],
        f" Kernel Version: {info.KernelVersion}",
        f" Operating System: {info.OperatingSystem}",
        f" OSType: {info.OSType}",
        f" Architecture: {info.Architecture}",
        f" CPUs: {info.NCPU}",
        f" Total Memory: {human_size(info.MemTotal, binary=True)}",
        f" Name: {info.Name}",
        f" Docker Root Dir: {info.DockerRootDir}",
        f" Run Root Dir: {h['RunRoot']}",
        "",
        "Host (what pycontainer-lab may do here):",
        f" Running as root: {yes(h['Root'])} (euid {h['Euid']}, CAP_SYS_ADMIN "
        f"{yes(h['CapSysAdmin'])}, CAP_SYS_RESOURCE {yes(h['CapSysResource'])})",
        f" User namespaces: {h['UserNamespacesDetail']}",
        f" Overlay filesystem: {yes(h['Overlay'])}",
        f" iptables: {h['Iptables'] or 'not installed'}",
        f" nftables: {h['Nftables'] or 'not installed'}",
        f" busybox: {h['Busybox'] or 'not installed'}"
        + (" (static)" if h["BusyboxStatic"] else " (dynamic)" if h["Busybox"] else ""),
        f" Open files limit: soft {h['NofileLimit'][0]}, hard {h['NofileLimit'][1]}",
        " Cgroup hierarchies:",
        *[f"  v{c['version']} {c['mountpoint']}: {' '.join(c['controllers']) or '(none)'}"
          for c in h["CgroupHierarchies"]],
        " Cgroup controllers usable:",
        *[f"  {name:<10} {where}" for name, where in sorted(h["CgroupControllers"].items())],
    ]
    if info.Warnings:
        lines += ["", *info.Warnings]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    info = probe()
    c = counts()
    if args.format:
        print(format_value(args.format, {**info.to_dict(), **c}))
    else:
        print(render(info, c))
    return 0
