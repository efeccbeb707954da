"""Container ids and names, as Docker makes them.

An id is 64 hex digits of randomness; commands accept any unique prefix, and tables show the
first 12. A name is chosen by the user (``--name``) or made up from an adjective and the
surname of a scientist or engineer, like Docker's ``focused_hopper``.
"""

from __future__ import annotations

import os
import re

from ..errors import UsageError

__all__ = ["NAME_RULE", "check_name", "new_id", "random_name", "short"]

NAME_RULE = re.compile(r"^/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$")

ADJECTIVES = [
    "admiring", "bold", "brave", "busy", "calm", "clever", "cool", "curious", "dazzling",
    "eager", "elegant", "epic", "fervent", "focused", "friendly", "gallant", "gifted",
    "happy", "hopeful", "jolly", "keen", "kind", "laughing", "lucid", "modest", "nifty",
    "optimistic", "patient", "peaceful", "quirky", "relaxed", "serene", "sharp", "stoic",
    "sweet", "tender", "trusting", "upbeat", "vibrant", "wizardly", "youthful", "zealous",
]
# People whose work made containers (and computers) possible.
SURNAMES = [
    "babbage", "backus", "bell", "berners_lee", "borg", "cerf", "corbato", "dijkstra",
    "engelbart", "goldberg", "hamilton", "hopper", "kernighan", "knuth", "lamport",
    "liskov", "lovelace", "mccarthy", "menabrea", "neumann", "noether", "perlman", "pike",
    "ritchie", "shannon", "sinofsky", "stallman", "sutherland", "tanenbaum", "thompson",
    "torvalds", "turing", "wilkes", "wing", "wozniak", "yonath",
]


def new_id() -> str:
    """64 random hex digits (256 bits from the kernel's random number generator)."""
    return os.urandom(32).hex()


def short(container_id: str) -> str:
    """The 12-digit form that tables show."""
    return container_id[:12]


def _pick(words: list[str]) -> str:
    return words[int.from_bytes(os.urandom(4), "big") % len(words)]


def random_name() -> str:
    return f"{_pick(ADJECTIVES)}_{_pick(SURNAMES)}"


def check_name(name: str) -> str:
    """A valid container name without its leading ``/`` (Docker stores it with one)."""
    if not NAME_RULE.match(name):
        raise UsageError(f'invalid container name "{name}": only [a-zA-Z0-9][a-zA-Z0-9_.-] '
                         "are allowed, at least two characters")
    return name.lstrip("/")
