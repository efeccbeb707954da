"""The course's notebooks are written as text; the ``.ipynb`` files are generated from it.

``notebooks/NN-name.py`` (jupytext's *percent* format: ``# %%`` starts a cell, cell metadata
such as nbgrader's sits on that line) is the source a teacher edits and reviews in diffs;
``notebooks/NN-name.ipynb`` is what JupyterLab opens. Generated notebooks carry no outputs and
stable cell ids, so regenerating an unchanged source gives the same bytes.

    python scripts/notebooks.py build     # write every .ipynb from its .py
    python scripts/notebooks.py check     # exit 1 if any .ipynb differs from its .py

``check`` is run by the test suite: a text edit without a rebuild fails CI.
"""

from __future__ import annotations

import sys
from pathlib import Path

import jupytext
import nbformat

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"

NOT_FROM_TEXT: dict[str, str] = {}
"""Notebooks kept as .ipynb by their owners, not generated here (and why)."""


def sources(where: Path = NOTEBOOKS) -> list[Path]:
    """The text sources, in course order."""
    return sorted(where.glob("[0-9][0-9]-*.py"))


def generate(source: Path) -> str:
    """The ``.ipynb`` text for one source: no outputs, ids from the file name and position."""
    nb = jupytext.read(source, fmt="py:percent")
    nb.metadata.pop("jupytext", None)
    nb.metadata["language_info"] = {"name": "python"}
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"{source.stem[:2]}-{i:03d}"
        if cell.cell_type == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
    nb.nbformat, nb.nbformat_minor = 4, 5
    nbformat.validate(nb)
    return nbformat.writes(nb) + "\n"


def build(where: Path = NOTEBOOKS) -> list[Path]:
    written = []
    for src in sources(where):
        target = src.with_suffix(".ipynb")
        text = generate(src)
        if not target.exists() or target.read_text() != text:
            target.write_text(text)
            written.append(target)
    return written


def out_of_sync(where: Path = NOTEBOOKS) -> list[str]:
    """What is wrong: notebooks that differ from their source, or have none."""
    wrong = []
    for src in sources(where):
        target = src.with_suffix(".ipynb")
        if not target.exists():
            wrong.append(f"{target.name} is missing: run python scripts/notebooks.py build")
        elif target.read_text() != generate(src):
            wrong.append(f"{target.name} differs from {src.name}: run "
                         "python scripts/notebooks.py build")
    made = {s.with_suffix(".ipynb") for s in sources(where)}
    wrong += [f"{nb.name} has no text source {nb.with_suffix('.py').name}"
              for nb in sorted(where.glob("*.ipynb"))
              if nb not in made and nb.name not in NOT_FROM_TEXT]
    return wrong


def main(argv: list[str]) -> int:
    if argv[:1] == ["build"]:
        for path in build():
            print(f"wrote {path.relative_to(NOTEBOOKS.parent)}")
        return 0
    if argv[:1] == ["check"]:
        wrong = out_of_sync()
        print("\n".join(wrong) or "notebooks are in sync with their sources")
        return 1 if wrong else 0
    print(__doc__.strip().split("\n\n")[2], file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
