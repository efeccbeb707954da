"""The widgets' front-end files: plain ES modules and CSS, loaded as they are (no build step,
no CDN), so the widgets work offline in JupyterLab, Notebook 7, VS Code and Voilà."""

from __future__ import annotations

from pathlib import Path

__all__ = ["asset"]

HERE = Path(__file__).parent


def asset(name: str) -> Path:
    """The path of one front-end file shipped in this directory."""
    path = HERE / name
    if not path.is_file():
        raise FileNotFoundError(f"missing widget asset {path}: reinstall pycontainer-lab")
    return path
