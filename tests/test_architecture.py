"""The four floors (docs/architecture.md): each imports only the floors below it.

Read from the source with ``ast``, so a lazy import inside a function counts too.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "pycontainer_lab"

# floor of each top-level part of the package; 0 = shared by all floors
FLOORS = {"tracing": 0, "paths": 0, "errors": 0, "atomicfile": 0, "units": 0, "_version": 0,
          "linux": 1, "image": 2, "runtime": 2, "engine": 3, "cli": 4, "jupyter": 4,
          "course": 4, "__init__": 4, "__main__": 4, "fresh": 0,
          # obj.widget(): asks the Jupyter face by name, only when called (see display.py)
          "display": 0}


def _part(module: str) -> str:
    return module.split(".")[1] if module.startswith("pycontainer_lab.") else ""


def _imports(path: Path, package: Path = PACKAGE) -> list[tuple[int, str]]:
    """(line, absolute module) for every import of the package in ``path``."""
    rel = path.relative_to(package.parent).with_suffix("")
    pkg = list(rel.parts[:-1])  # the package a relative import starts from
    out = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = pkg[: len(pkg) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
                names = [mod] if node.module else [f"{mod}.{a.name}" for a in node.names]
            else:
                names = [node.module or ""]
            out += [(node.lineno, n) for n in names if n.startswith("pycontainer_lab")]
        elif isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names
                    if a.name.startswith("pycontainer_lab")]
    return out


def test_every_module_imports_only_floors_below_it():
    wrong = []
    for path in PACKAGE.rglob("*.py"):
        me = path.relative_to(PACKAGE).parts[0].removesuffix(".py")
        mine = FLOORS[me]
        for line, module in _imports(path):
            part = _part(module)
            if part in ("", me):
                continue
            theirs = FLOORS.get(part, 4)
            if theirs > mine or (theirs == mine and mine != 4):
                wrong.append(f"{path.relative_to(PACKAGE.parent)}:{line} imports {module}")
    assert not wrong, "\n".join(wrong)


def test_the_check_would_notice_a_wrong_import(tmp_path):
    fake = tmp_path / "pycontainer_lab" / "linux" / "probe.py"
    fake.parent.mkdir(parents=True)
    fake.write_text("from ..engine import store\nfrom . import mounts\n")
    imports = _imports(fake, tmp_path / "pycontainer_lab")
    assert imports == [(1, "pycontainer_lab.engine"), (2, "pycontainer_lab.linux.mounts")]
    assert FLOORS[_part(imports[0][1])] > FLOORS["linux"]
