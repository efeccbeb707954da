"""Chapter 4, union filesystems and images: two layers stacked in the right order, a deletion
that leaves the image's layer alone, and a layer found by its digest in the OCI layout."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from ...image.store import Store
from ...linux.layerstack import LayerStack
from ...linux.overlay import is_opaque, is_whiteout
from ..feedback import exercise, hint

__all__ = ["layer_digest", "stacked_layers", "whiteout"]


def _mounted(stack: LayerStack) -> bool:
    """Is something mounted at the stack's merged directory, in its sandbox's mount table?"""
    if stack._box is None or stack._box.closed:
        return False
    merged = os.path.realpath(stack.merged)
    return any(m.target == merged for m in stack.box.mounts())


def _read(stack: LayerStack, path: str) -> str | None:
    try:
        return stack.view(path).read_text().strip()
    except (FileNotFoundError, RuntimeError):
        return None


@exercise("4.1", "two layers, stacked in the right order")
def stacked_layers(stack: LayerStack, base: str | os.PathLike, app: str | os.PathLike) -> str:
    if not isinstance(stack, LayerStack):
        raise hint("stack.not-a-stack", f"Expected a LayerStack, got {type(stack).__name__}.")
    if not _mounted(stack):
        raise hint("stack.not-mounted",
                   "Nothing is mounted at the stack's merged directory: the layers are only "
                   "listed. Mount them: stack.mount().")
    motd = _read(stack, "etc/motd")
    has_base = _read(stack, "etc/base-release") is not None
    has_app = _read(stack, "app/run.sh") is not None
    if not (has_base and has_app):
        which = "the base layer" if not has_base else "the app layer"
        raise hint("stack.missing-layer",
                   f"The merged tree lacks the files of {which}: stack both, base first, then "
                   "app on top.")
    if motd != "app":
        raise hint("stack.reversed",
                   f"/etc/motd reads {motd!r}: the base layer is on top. Where two layers hold "
                   "the same path, the upper one wins, so stack base first and app second "
                   "(overlay's lowerdir lists them top-first).")
    return ("both layers are there and /etc/motd comes from the app layer: the upper layer "
            "hides the same path below it; everything else shows through.")


@exercise("4.2", "delete a file of the image, in the container only")
def whiteout(stack: LayerStack, base: str | os.PathLike, path: str = "etc/secret") -> str:
    lower = Path(base) / path
    if not lower.exists():
        raise hint("whiteout.lower-changed",
                   f"{lower} is gone from the image's layer itself: you deleted it in the layer "
                   "directory, behind the union's back. Layers are shared and read-only -- "
                   "every container of the image would lose it. Delete it through the merged "
                   f"view instead: stack.view({path!r}).unlink().")
    if not _mounted(stack):
        raise hint("whiteout.not-mounted", "The stack is not mounted: stack.mount().")
    if stack.view(path).exists():
        raise hint("whiteout.still-there",
                   f"/{path} is still in the merged tree. Delete it there: "
                   f"stack.view({path!r}).unlink().")
    marker = Path(stack.upper) / path
    try:
        st = os.lstat(marker)
    except FileNotFoundError:
        st = None
    if st is None and is_opaque(Path(stack.upper) / Path(path).parent):
        raise hint("whiteout.opaque-dir",
                   f"/{path} is hidden, but by an opaque directory: you deleted the whole "
                   f"/{Path(path).parent} and made it again, which hides *every* file of the "
                   f"layer below in it, not only {Path(path).name}. Delete just the file: "
                   f"stack.view({path!r}).unlink().")
    if st is None or not is_whiteout(st):
        kind = "nothing" if st is None else stat.filemode(st.st_mode)
        raise hint("whiteout.no-marker",
                   f"/{path} is hidden, but the upper layer holds {kind} at that path instead "
                   "of a whiteout: did you hide it some other way? Delete it through "
                   f"stack.view({path!r}).unlink().")
    return (f"/{path} is gone from the merged tree, the base layer still has it, and the upper "
            f"layer holds a whiteout for it: a character device 0:0 ({marker}).")


@exercise("4.3", "find a layer by its digest")
def layer_digest(answer: object, image: str = "busybox") -> str:
    img = Store().get(image)
    blob = img.layers[0]["digest"]
    text = str(answer).strip() if answer is not None else ""
    if text == blob:
        return (f"{blob} is the digest of the compressed layer blob: the manifest lists it, "
                "and blobs/sha256/ holds a file of exactly that name.")
    algo, _, hexpart = blob.partition(":")
    if text == hexpart:
        raise hint("digest.no-algorithm",
                   f"Right blob, but a digest names its algorithm too: '{algo}:{hexpart[:12]}…'.")
    if text == img.config_digest:
        raise hint("digest.config",
                   "That is the digest of the image's config (its ID): the manifest's 'config' "
                   "entry. The layers are in the manifest's 'layers' list.")
    if text == img.manifest_digest:
        raise hint("digest.manifest",
                   "That is the digest of the manifest itself (what index.json points to). "
                   "Open that manifest blob and take its first 'layers' entry.")
    if text in img.diff_ids:
        raise hint("digest.diff-id",
                   "That is the layer's diff ID: the digest of the *uncompressed* tar, listed in "
                   "the config's rootfs.diff_ids. The blob in the layout is compressed, and is "
                   "named by the digest in the manifest's 'layers'.")
    raise hint("digest.unknown",
               f"{text[:80]!r} is not a digest of this image. Start at index.json, follow the "
               "manifest's digest into blobs/sha256/, and read its 'layers'.")
