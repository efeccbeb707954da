"""The flags ``pcl create`` and ``pcl run`` share, spelled as Docker spells them."""

from __future__ import annotations

import argparse

from ..engine.create import ContainerOptions
from .resource_flags import add_resource_arguments, resources_from_args

__all__ = ["add_container_flags", "options_from", "print_warnings"]

def add_container_flags(p: argparse.ArgumentParser) -> None:
    """Docker's flags; the parser must be made with ``add_help=False`` (``-h`` is the
    hostname, as in Docker), so ``--help`` is added here."""
    p.add_argument("-i", "--interactive", action="store_true",
                   help="Keep STDIN open even if not attached")
    p.add_argument("-t", "--tty", action="store_true", help="Allocate a pseudo-TTY")
    p.add_argument("--name", default="", help="Assign a name to the container")
    p.add_argument("-e", "--env", action="append", default=[], help="Set environment variables")
    p.add_argument("--env-file", action="append", default=[],
                   help="Read in a file of environment variables")
    p.add_argument("-w", "--workdir", default="", help="Working directory inside the container")
    p.add_argument("-u", "--user", default="",
                   help="Username or UID (format: <name|uid>[:<group|gid>])")
    p.add_argument("-h", "--hostname", default="", help="Container host name")
    p.add_argument("--domainname", default="", help="Container NIS domain name")
    p.add_argument("--entrypoint", default=None,
                   help="Overwrite the default ENTRYPOINT of the image")
    p.add_argument("-l", "--label", action="append", default=[],
                   help="Set meta data on a container")
    p.add_argument("--restart", default="no",
                   help="Restart policy: no, always, on-failure[:max-retries], unless-stopped")
    p.add_argument("--rm", action="store_true",
                   help="Automatically remove the container when it exits")
    p.add_argument("--cap-add", action="append", default=[], help="Add Linux capabilities")
    p.add_argument("--cap-drop", action="append", default=[], help="Drop Linux capabilities")
    p.add_argument("--privileged", action="store_true",
                   help="Give extended privileges to this container")
    p.add_argument("--security-opt", action="append", default=[], help="Security Options")
    p.add_argument("--read-only", action="store_true",
                   help="Mount the container's root filesystem as read only")
    p.add_argument("--init", action="store_true",
                   help="Run an init inside the container that forwards signals and reaps "
                        "processes")
    p.add_argument("--network", "--net", default="none",
                   help="Connect a container to a network: none (default here), host, "
                        "container:NAME")
    p.add_argument("--stop-signal", default="", help="Signal to stop the container")
    p.add_argument("--stop-timeout", type=int, default=None,
                   help="Timeout (in seconds) to stop a container")
    p.add_argument("--rootfs", default="",
                   help="Use this directory as the root filesystem instead of an image "
                        "(as podman run --rootfs)")
    add_resource_arguments(p)
    p.add_argument("--help", action="help", help="Print usage")
    p.add_argument("image", metavar="IMAGE")
    p.add_argument("command", metavar="COMMAND", nargs=argparse.REMAINDER)


def options_from(args: argparse.Namespace) -> ContainerOptions:
    resources = resources_from_args(args)
    image = args.image
    rootfs = args.rootfs
    command = list(args.command)
    if rootfs:  # with --rootfs there is no image: the first word is the command
        command = [image, *command] if image else command
        image = ""
    return ContainerOptions(
        image=image or "", cmd=command, entrypoint=args.entrypoint, env=args.env,
        env_file=args.env_file, name=args.name, hostname=args.hostname,
        domainname=args.domainname, user=args.user, workdir=args.workdir, tty=args.tty,
        interactive=args.interactive, labels=args.label, restart=args.restart,
        auto_remove=args.rm, cap_add=args.cap_add, cap_drop=args.cap_drop,
        privileged=args.privileged, security_opt=args.security_opt, read_only=args.read_only,
        init=args.init, network=args.network, stop_signal=args.stop_signal,
        stop_timeout=args.stop_timeout, resources=resources, rootfs=rootfs)


def print_warnings(record: dict) -> None:
    """Docker's ``WARNING: …`` lines for limits this host cannot enforce (on stderr)."""
    import sys

    for warning in record.get("Pcl", {}).get("Warnings", []):
        print(f"WARNING: {warning}", file=sys.stderr)
