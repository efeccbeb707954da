"""A first container, built step by step from the library and explained by its trace.

Run by ``./lab course`` before JupyterLab starts: it needs root and a static busybox.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from pycontainer_lab import Sandbox, trace
from pycontainer_lab.linux.probe import find_busybox, is_static_elf


def rootfs(where: Path) -> Path:
    busybox = find_busybox()
    if not busybox or not is_static_elf(busybox):
        sys.exit("the demo needs a static busybox: apt-get install busybox-static")
    root = where / "rootfs"
    (root / "bin").mkdir(parents=True)
    shutil.copy2(busybox, root / "bin" / "busybox")
    for applet in ("sh", "ps", "hostname", "ls", "id", "cat"):
        (root / "bin" / applet).symlink_to("busybox")
    for d in ("dev", "proc", "sys", "tmp"):
        (root / d).mkdir()
    return root


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="pcl-demo-") as tmp:
        root = str(rootfs(Path(tmp)))
        with Sandbox(name="demo") as box, trace() as t:
            for kind in ("mnt", "uts", "ipc", "net", "pid", "cgroup"):
                box.unshare(kind)
            box.sethostname("demo")
            box.bind(root, root)
            box.make_dev(f"{root}/dev")
            box.mount_proc(f"{root}/proc")
            box.pivot_root(root)
            shown = box.run("echo \"hostname: $(hostname)\"; echo 'processes:'; ps; "
                            "echo \"root directory: $(ls /)\"")
        print(t)
        print()
        print(shown.stdout, end="")
        print("\nThat was a container: namespaces + a new root. The same, as `pcl run` does it "
              "(image, cgroup, capabilities, seccomp, a monitor):")
        subprocess.run([sys.executable, "-m", "pycontainer_lab.cli.main", "run", "--rm",
                        "--hostname", "demo", "busybox", "sh", "-c",
                        "echo \"hostname: $(hostname)\"; ps"], check=False)
        print("\nThe course continues in JupyterLab.")


if __name__ == "__main__":
    main()
