"""Run a course notebook in a real Jupyter kernel, cell by cell, as a learner would.

:func:`run` executes every code cell top to bottom (the solutions are in the cells). With
``wrong``, it first tries each exercise with wrong answers: before the real answer cell of
exercise ``ex2-1`` it runs, for each wrong answer, the exercise's setup cell (a fresh start),
the wrong code instead of the answer, and the check cell, and records how the check failed.
Then the setup, the real answer and the check run as written.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


@dataclass
class Attempt:
    exercise: str
    expected: str
    """The hint id the wrong answer should get."""
    answer_error: str
    """An error the wrong answer itself raised (it should raise none)."""
    ename: str
    evalue: str


@dataclass
class Run:
    seconds: float = 0.0
    cells: list[tuple[int, float, str]] = field(default_factory=list)
    """(index, seconds, first line) of every code cell run."""
    outputs: dict[int, list[dict]] = field(default_factory=dict)
    attempts: list[Attempt] = field(default_factory=list)

    def text(self, index: int) -> str:
        """Everything cell ``index`` showed, as text."""
        parts = []
        for o in self.outputs.get(index, []):
            if o["output_type"] == "stream":
                parts.append(o["text"])
            elif o["output_type"] in ("display_data", "execute_result"):
                parts.append(str(o["data"].get("text/plain", "")))
                parts.append(str(o["data"].get("text/html", "")))
            elif o["output_type"] == "error":
                parts.append(f"{o['ename']}: {o['evalue']}")
        return "\n".join(parts)

    def all_text(self) -> str:
        return "\n".join(self.text(i) for i in self.outputs)


def _grade_id(cell: dict) -> str:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")


def exercises(nb: nbformat.NotebookNode) -> dict[str, dict[str, int]]:
    """``{"ex2-1": {"task": i, "setup": j, "answer": k, "check": l}}`` from the grade ids."""
    found: dict[str, dict[str, int]] = {}
    for i, cell in enumerate(nb.cells):
        gid = _grade_id(cell)
        if gid.startswith("ex"):
            ex, _, role = gid.rpartition("-")
            found.setdefault(ex, {})[role] = i
    return found


def _first_error(cell: dict) -> tuple[str, str]:
    for o in cell.get("outputs", []):
        if o["output_type"] == "error":
            return o["ename"], o["evalue"]
    return "", ""


def run(name: str, wrong: dict[str, list[tuple[str, str]]] | None = None,
        timeout: int = 150) -> Run:
    """Execute ``notebooks/<name>.ipynb``; see the module's docstring."""
    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    parts = exercises(nb)
    client = NotebookClient(nb, kernel_name="python3", timeout=timeout,
                            resources={"metadata": {"path": str(NOTEBOOKS)}})
    result = Run()
    t0 = time.monotonic()

    def execute(cell: dict, index: int, may_fail: bool = False) -> dict:
        cell = nbformat.from_dict(dict(cell, outputs=[]))
        if may_fail:
            cell.metadata = dict(cell.metadata, tags=["raises-exception"])
        client.execute_cell(cell, index)
        return cell

    with client.setup_kernel():
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            gid = _grade_id(cell)
            if wrong and gid.endswith("-answer"):
                ex = gid.rpartition("-")[0]
                magic = cell.source.splitlines()[0] if cell.source.startswith("%%") else ""
                for expected, code in wrong.get(ex, []):
                    execute(nb.cells[parts[ex]["setup"]], parts[ex]["setup"])
                    tried = execute(nbformat.v4.new_code_cell(
                        f"{magic}\n{code}" if magic else code), index, may_fail=True)
                    ename, evalue = _first_error(tried)
                    error = f"{ename}: {evalue}" if ename else ""
                    checked = execute(nb.cells[parts[ex]["check"]], parts[ex]["check"],
                                      may_fail=True)
                    result.attempts.append(Attempt(ex, expected, error, *_first_error(checked)))
                execute(nb.cells[parts[ex]["setup"]], parts[ex]["setup"])
            start = time.monotonic()
            client.execute_cell(cell, index)
            result.cells.append((index, time.monotonic() - start,
                                 (cell.source.splitlines() or [""])[0]))
            result.outputs[index] = list(cell.outputs)
    result.seconds = time.monotonic() - t0
    return result


def kernel_env(repo: Path) -> None:
    """Make the kernel import this checkout's package (it inherits our environment)."""
    path = os.environ.get("PYTHONPATH", "")
    if str(repo) not in path.split(os.pathsep):
        os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(repo), path) if p)
