"""The argument parser every command uses: argparse, with Docker's way of failing."""

from __future__ import annotations

import argparse
from typing import NoReturn

from ..errors import UsageError


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error is a one-line :class:`UsageError` (exit 125, as Docker)."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see '{self.prog} --help')")
