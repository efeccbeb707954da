"""``pcl``: the entry point. Finds the command, imports only its module, runs it.

Commands are looked up in :data:`COMMANDS` by name and imported on demand, so that
``pcl --version`` imports nothing but this file and a command never pays for another's
imports (networking, plotting).
"""

from __future__ import annotations

import importlib
import os
import sys

from .._version import __version__
from ..errors import PclError, UsageError

# name → (module under cli/commands, one-line help as Docker words it)
COMMANDS: dict[str, tuple[str, str]] = {
    "info": ("info", "Display system-wide information"),
    "version": ("version", "Show the pcl version information"),
    "run": ("run", "Create and run a new container from an image"),
    "create": ("create", "Create a new container"),
    "start": ("start", "Start one or more stopped containers"),
    "stop": ("stop", "Stop one or more running containers"),
    "kill": ("kill", "Kill one or more running containers"),
    "restart": ("restart", "Restart one or more containers"),
    "pause": ("pause", "Pause all processes within one or more containers"),
    "unpause": ("pause", "Unpause all processes within one or more containers"),
    "rm": ("rm", "Remove one or more containers"),
    "ps": ("ps", "List containers"),
    "logs": ("logs", "Fetch the logs of a container"),
    "wait": ("wait", "Block until one or more containers stop, then print their exit codes"),
    "rename": ("rename", "Rename a container"),
    "container prune": ("container_prune", "Remove all stopped containers"),
    "diff": ("diff", "Inspect changes to files or directories on a container's filesystem"),
    "commit": ("commit", "Create a new image from a container's changes"),
    "cp": ("cp", "Copy files/folders between a container and the local filesystem"),
    "export": ("export", "Export a container's filesystem as a tar archive"),
    "stats": ("stats", "Display a live stream of container(s) resource usage statistics"),
    "top": ("top", "Display the running processes of a container"),
    "exec": ("exec", "Execute a command in a running container"),
    "attach": ("attach", "Attach local standard input, output, and error streams to a running "
                         "container"),
    # images (issue 4): management spellings like `image ls` are in ALIASES
    "images": ("images", "List images"),
    "tag": ("tag", "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE"),
    "rmi": ("rmi", "Remove one or more images"),
    "history": ("history", "Show the history of an image"),
    "inspect": ("inspect", "Return low-level information on containers or images"),
    "save": ("save", "Save one or more images to a tar archive (streamed to STDOUT by default)"),
    "load": ("load", "Load an image from a tar archive or STDIN"),
    "import": ("import_", "Import the contents from a tarball to create a filesystem image"),
    "image inspect": ("inspect", "Display detailed information on one or more images"),
    "container inspect": ("inspect", "Display detailed information on one or more containers"),
    "image prune": ("image_prune", "Remove unused images"),
    "system df": ("system_df", "Show docker disk usage"),
    "system reset": ("system_reset", "Remove all containers, their cgroups and runtime state"),
}

# `pcl container ls` is `pcl ps`, and so on (Docker's management commands).
CONTAINER_VERBS = ("run", "create", "start", "stop", "kill", "restart", "pause", "unpause",
                   "rm", "logs", "wait", "rename", "attach", "inspect", "top", "stats", "exec",
                   "cp", "diff", "commit", "export", "prune")

# Docker's management-command spellings for the same commands: ("system", "info") → "info".
ALIASES: dict[tuple[str, str], str] = {
    ("system", "info"): "info",
    ("container", "ls"): "ps",
    ("container", "list"): "ps",
    ("container", "ps"): "ps",
    **{("container", verb): verb for verb in CONTAINER_VERBS if verb != "inspect"},
    ("container", "inspect"): "container inspect",
    ("container", "prune"): "container prune",
    ("image", "ls"): "images", ("image", "list"): "images", ("image", "rm"): "rmi",
    ("image", "remove"): "rmi", ("image", "tag"): "tag", ("image", "history"): "history",
    ("image", "inspect"): "image inspect", ("image", "save"): "save", ("image", "load"): "load",
    ("image", "import"): "import", ("image", "prune"): "image prune",
    ("system", "df"): "system df", ("system", "reset"): "system reset",
}


def usage() -> str:
    width = max(len(n) for n in COMMANDS)
    lines = ["Usage:  pcl [OPTIONS] COMMAND", "",
             "A Docker-compatible container runtime you can read, from pycontainer-lab.", "",
             "Options:", "  -v, --version   Print version information and quit", "",
             "Commands:"]
    lines += [f"  {n.ljust(width)}   {h}" for n, (_, h) in sorted(COMMANDS.items())]
    lines += ["", "Run 'pcl COMMAND --help' for more information on a command."]
    return "\n".join(lines)


def resolve(argv: list[str]) -> tuple[str, list[str]]:
    """Find the command in ``argv`` (``image ls`` style too); return it and its own args."""
    if len(argv) >= 2 and ALIASES.get((argv[0], argv[1])) in COMMANDS:
        return ALIASES[(argv[0], argv[1])], argv[2:]
    name = argv[0]
    if name not in COMMANDS:
        raise UsageError(f"'{name}' is not a pcl command (see 'pcl --help')")
    return name, argv[1:]


def run_command(argv: list[str]) -> int:
    """Parse and run one command line (without the leading ``pcl``); return the exit code."""
    from .parser import Parser  # argparse costs ~15 ms: not for `pcl --version`

    name, rest = resolve(argv)
    module = importlib.import_module(f".commands.{COMMANDS[name][0]}", __package__)
    parser = Parser(prog=f"pcl {name}", description=COMMANDS[name][1],
                    add_help=getattr(module, "ADD_HELP", True))
    module.add_arguments(parser)
    args = parser.parse_args(rest)
    args.command_name = name
    return module.run(args) or 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(usage())
        return 0
    if argv[0] in ("-v", "--version"):
        print(f"pcl version {__version__}, pycontainer-lab")
        return 0
    try:
        return run_command(argv)
    except PclError as e:
        print(f"pcl: {e}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `pcl … | head`
        return 0
    except OSError as e:
        if os.environ.get("PCL_DEBUG"):
            raise
        print(f"pcl: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
