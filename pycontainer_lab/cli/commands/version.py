"""``pcl version``: the versions of pcl and of what it runs on, like ``docker version``."""

from __future__ import annotations

import argparse
import platform

from ..._version import __version__


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("-f", "--format", help="Format the output: 'json' or a Go template")


def run(args: argparse.Namespace) -> int:
    data = {
        "Client": {"Version": __version__, "Platform": {"Name": "pycontainer-lab"},
                   "PythonVersion": platform.python_version(), "Os": "linux",
                   "Arch": platform.machine()},
        "Server": {"Version": __version__, "KernelVersion": platform.release(),
                   "ApiVersion": "none (daemonless)"},
    }
    if args.format:
        from ..output import format_value
        print(format_value(args.format, data))
        return 0
    print(f"Client:\n Version:           {__version__}\n"
          f" Python version:    {platform.python_version()}\n"
          f" OS/Arch:           linux/{platform.machine()}\n\n"
          f"Server: (daemonless: pcl works on the state on disk)\n"
          f" Kernel:            {platform.release()}")
    return 0
