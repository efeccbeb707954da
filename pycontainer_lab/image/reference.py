"""Image references: what ``busybox`` really means.

A reference names an image: ``[registry[:port]/]path[:tag][@digest]``. Docker fills in what is
left out, and so do we::

    busybox                    → docker.io/library/busybox:latest
    alice/app:v1               → docker.io/alice/app:v1
    localhost:5000/app         → localhost:5000/app:latest
    busybox@sha256:3f57…       → docker.io/library/busybox@sha256:3f57…   (no tag added)

The first path component is a registry when it contains a ``.`` or a ``:``, is ``localhost``, or
has capitals; otherwise the image is on Docker Hub (``docker.io``), whose one-word names live
under ``library/``. Repository names are lower-case; a tag is up to 128 characters of
``[A-Za-z0-9_.-]`` (not starting with ``.`` or ``-``); a digest is ``algorithm:hex``. The *familiar*
form drops ``docker.io/`` and ``library/`` again: that is what ``pcl images`` shows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import UsageError

__all__ = ["DEFAULT_DOMAIN", "Reference", "ReferenceError", "is_full_id", "parse"]

DEFAULT_DOMAIN = "docker.io"
_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_DOMAIN = re.compile(rf"(?:{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})*|\[[0-9a-fA-F:]+\])"
                     r"(?::[0-9]+)?")
_PATH_COMPONENT = re.compile(r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*")
_TAG = re.compile(r"[\w][\w.-]{0,127}")
_DIGEST = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}")
_FULL_ID = re.compile(r"(?:sha256:)?[0-9a-f]{64}")
NAME_MAX = 255


class ReferenceError(UsageError):
    """Not a valid image reference."""


def is_full_id(text: str) -> bool:
    """A 64-hex image ID (``sha256:`` optional): never a repository name."""
    return _FULL_ID.fullmatch(text) is not None


@dataclass(frozen=True)
class Reference:
    """A parsed, normalized image reference."""

    domain: str
    path: str
    tag: str | None = None
    digest: str | None = None

    @property
    def name(self) -> str:
        """``docker.io/library/busybox``: the repository, fully qualified."""
        return f"{self.domain}/{self.path}"

    @property
    def familiar_name(self) -> str:
        """``busybox``: the repository as Docker shows it."""
        if self.domain != DEFAULT_DOMAIN:
            return self.name
        path = self.path
        if path.startswith("library/") and path.count("/") == 1:
            return path.removeprefix("library/")
        return path

    def _suffix(self) -> str:
        return (f":{self.tag}" if self.tag else "") + (f"@{self.digest}" if self.digest else "")

    @property
    def familiar(self) -> str:
        """``busybox:latest``."""
        return self.familiar_name + self._suffix()

    def __str__(self) -> str:
        return self.name + self._suffix()

    def with_tag(self, tag: str) -> Reference:
        return Reference(self.domain, self.path, tag, None)


def _split_domain(name: str) -> tuple[str, str]:
    first, slash, rest = name.partition("/")
    if not slash or (not any(c in first for c in ".:") and first != "localhost"
                     and first.lower() == first):
        domain, remainder = DEFAULT_DOMAIN, name
    else:
        domain, remainder = first, rest
    if domain == "index.docker.io":
        domain = DEFAULT_DOMAIN
    if domain == DEFAULT_DOMAIN and "/" not in remainder:
        remainder = f"library/{remainder}"
    return domain, remainder


def parse(text: str, default_tag: bool = True) -> Reference:
    """Parse and normalize ``text``; add the tag ``latest`` when neither tag nor digest is given.

    Raises :class:`ReferenceError` (exit 125) naming what is wrong.
    """
    bad = f'"{text}" is not a valid repository/tag: invalid reference format'
    if not text:
        raise ReferenceError(f"{bad}: the name is empty")
    if is_full_id(text):
        raise ReferenceError(f"invalid repository name ({text}), cannot specify 64-byte "
                             "hexadecimal strings")
    rest, _, digest = text.partition("@")
    if digest and not _DIGEST.fullmatch(digest):
        raise ReferenceError(f"{bad}: bad digest {digest!r} (want sha256:<64 hex digits>)")
    name, tag = rest, None
    colon = rest.rfind(":")
    if colon > rest.rfind("/"):
        name, tag = rest[:colon], rest[colon + 1:]
        if not _TAG.fullmatch(tag):
            raise ReferenceError(f"{bad}: bad tag {tag!r} (letters, digits, _ . -; at most "
                                 "128; not starting with . or -)")
    domain, path = _split_domain(name)
    if path.lower() != path:
        raise ReferenceError(f"{bad}: repository name ({path}) must be lowercase")
    if not _DOMAIN.fullmatch(domain) or not all(_PATH_COMPONENT.fullmatch(c)
                                                for c in path.split("/")):
        raise ReferenceError(f"{bad}: a name is lower-case words joined by . _ - and /, "
                             "optionally after a registry like localhost:5000/")
    if len(f"{domain}/{path}") > NAME_MAX:
        raise ReferenceError(f"{bad}: repository name must not be more than {NAME_MAX} "
                             "characters")
    if default_tag and tag is None and not digest:
        tag = "latest"
    return Reference(domain, path, tag, digest or None)
