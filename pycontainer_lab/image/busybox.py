"""The offline base image: ``busybox:latest``, built from this host's static busybox.

Docker Hub may be out of reach (no network, or a classroom behind one NAT hitting the pull
limit), yet every lesson needs a small image. BusyBox is one static binary that acts as ``sh``,
``ls``, ``cat`` and some 300 other commands depending on the name it is called by -- so an image
of it is one layer: ``/bin/busybox``, a hard link per command, ``/etc/passwd`` and
``/etc/group``, and the empty directories a Linux root has.

The layer is written *reproducibly*: entries in sorted order, owner 0:0, one fixed time stamp
(:data:`EPOCH`), gzip without name or time. The same busybox binary gives the same image ID and
digest on every machine (with the same zlib). Where it came from is written into the image:
its history says which file was used, and the labels carry its version and hash.
"""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import tarfile
from collections.abc import Callable
from typing import TYPE_CHECKING

from ..errors import PclError
from ..linux.probe import find_busybox, is_static_elf
from ..tracing import step
from . import oci
from .pack import LayerWriter
from .reference import parse
from .staging import StagedLayer

if TYPE_CHECKING:
    from .store import Image, Store

__all__ = ["CREATED", "EPOCH", "OFFLINE_NAMES", "add_busybox", "busybox_layer"]

OFFLINE_NAMES = {"docker.io/library/busybox:latest"}
EPOCH = 1704067200  # 2024-01-01 00:00:00 UTC: when this recipe was fixed
CREATED = "2024-01-01T00:00:00Z"
PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

PASSWD = """root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/bin/false
bin:x:2:2:bin:/bin:/bin/false
sys:x:3:3:sys:/dev:/bin/false
sync:x:4:100:sync:/bin:/bin/sync
mail:x:8:8:mail:/var/spool/mail:/bin/false
www-data:x:33:33:www-data:/var/www:/bin/false
operator:x:37:37:Operator:/var:/bin/false
nobody:x:65534:65534:nobody:/home:/bin/false
"""
GROUP = """root:x:0:
daemon:x:1:
bin:x:2:
sys:x:3:
adm:x:4:
tty:x:5:
disk:x:6:
mail:x:8:
wheel:x:10:root
www-data:x:33:
users:x:100:
nogroup:x:65534:
"""
DIRS = {"bin": 0o755, "dev": 0o755, "etc": 0o755, "home": 0o755, "proc": 0o755,
        "root": 0o700, "sys": 0o755, "tmp": 0o1777, "usr": 0o755, "usr/sbin": 0o755,
        "var": 0o755, "var/spool": 0o755, "var/spool/mail": 0o755, "var/www": 0o755}


def _host_busybox() -> str:
    path = find_busybox()
    if path is None:
        raise PclError("busybox:latest is not in the store and cannot be built offline: this "
                       "host has no busybox (apt-get install busybox-static), or load an image "
                       "with 'pcl load -i FILE'")
    if not is_static_elf(path):
        raise PclError(f"{path} is dynamically linked and would not run in an empty image: "
                       "apt-get install busybox-static")
    return os.path.realpath(path)


def _info(name: str, mode: int, kind: bytes = tarfile.REGTYPE, size: int = 0,
          link: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.mode, info.size, info.linkname = kind, mode, size, link
    info.mtime, info.uid, info.gid = EPOCH, 0, 0
    return info


def busybox_layer(busybox: str, out: io.BufferedWriter) -> tuple[dict, object]:
    """Write the layer to ``out``; return facts for the config and the packed layer."""
    version = subprocess.run([busybox], capture_output=True, text=True).stdout.splitlines()
    applets = subprocess.run([busybox, "--list"], capture_output=True, text=True,
                             check=True).stdout.split()
    with open(busybox, "rb") as f:
        binary = f.read()
    entries: list[tuple[tarfile.TarInfo, bytes | None]] = []
    for d, mode in DIRS.items():
        entries.append((_info(d + "/", mode, tarfile.DIRTYPE), None))
    entries.append((_info("bin/busybox", 0o755, size=len(binary)), binary))
    for applet in sorted(set(applets) - {"busybox"}):
        if "/" not in applet:
            entries.append((_info(f"bin/{applet}", 0o755, tarfile.LNKTYPE, link="bin/busybox"),
                            None))
    for name, text in (("etc/group", GROUP), ("etc/passwd", PASSWD)):
        entries.append((_info(name, 0o644, size=len(text)), text.encode()))
    writer = LayerWriter(out, "gzip", level=9)
    # sorted, but a hard link may only come after the file it links to
    for info, data in sorted(entries, key=lambda e: (e[0].islnk(), e[0].name)):
        writer.add(info, io.BytesIO(data) if data is not None else None)
    facts = {"version": version[0].split(" multi-call")[0] if version else "BusyBox",
             "sha256": hashlib.sha256(binary).hexdigest(), "applets": len(applets)}
    return facts, writer.close()


def _config(busybox: str, facts: dict, diff_id: str) -> dict:
    short = facts["version"].split()[1] if len(facts["version"].split()) > 1 else ""
    made = (f"pcl: ADD {busybox} ({facts['version']}, sha256:{facts['sha256'][:12]}) as "
            f"/bin/busybox with {facts['applets']} applets -- built offline on this host")
    return {
        "architecture": oci.host_platform()["architecture"], "os": "linux", "created": CREATED,
        "config": {"Env": [PATH], "Cmd": ["sh"], "Labels": {
            "org.opencontainers.image.title": "busybox",
            "org.opencontainers.image.version": short.lstrip("v"),
            "org.opencontainers.image.description":
                "BusyBox from this host's static busybox, built offline by pycontainer-lab",
            "org.pycontainer-lab.source": f"{busybox} sha256:{facts['sha256']}"}},
        "rootfs": {"type": "layers", "diff_ids": [diff_id]},
        "history": [{"created": CREATED, "created_by": made},
                    {"created": CREATED, "created_by": '/bin/sh -c #(nop)  CMD ["sh"]',
                     "empty_layer": True}],
    }


def add_busybox(store: Store, notify: Callable[[str], None] | None = None) -> Image:
    """Build ``busybox:latest`` into ``store`` (a :class:`~.store.Store`) and return it."""
    busybox = _host_busybox()
    with step(f"build busybox:latest offline from {busybox}",
              f"tar + gzip {busybox} and its applet links into one layer; write config and "
              "manifest", f"pcl import (a tarball of {busybox} as /bin/busybox)"), \
            store.staging() as st:
        blob = st.path("blob")
        with open(blob, "wb") as f:
            facts, packed = busybox_layer(busybox, f)
            f.flush()
            os.fsync(f.fileno())
        layer = StagedLayer(packed.digest, packed.size, packed.media_type, packed.diff_id,
                            blob, None, packed.content_size)
        st.unpack_blob(blob, layer, "the busybox layer")
        image = store.add(_config(busybox, facts, packed.diff_id), [layer],
                          [parse("busybox:latest")])
    if notify:
        notify(f"busybox:latest was not in the store: built it offline from {busybox} "
               f"({facts['version']}) as image {image.short_id}")
    return image
