"""What a ``pcl`` command printed, shown in a notebook: tables as HTML tables, errors as one line.

``pcl`` prints Docker's output: aligned columns under an upper-case header (``pcl ps``,
``pcl images``), plain text (``pcl info``), ``WARNING:`` lines and ``pcl: <error>`` on
stderr. :class:`CommandOutput` keeps all of it and renders it in a notebook; it is what
``%pcl`` returns, so ``out = %pcl ps -a`` gives the rows to a program too (``out.rows``).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

__all__ = ["CommandOutput", "Table", "parse_table"]

_HEADER = re.compile(r"^[A-Z][A-Z0-9 ./%()_-]*[A-Z0-9)%]$")
_GAP = re.compile(r"\S+(?: \S+)*")  # a header cell: words separated by single spaces


@dataclass
class Table:
    """Columns printed under an upper-case header, as Docker's tabwriter aligns them."""

    columns: list[str]
    rows: list[list[str]] = field(default_factory=list)

    def to_dicts(self) -> list[dict[str, str]]:
        return [dict(zip(self.columns, r, strict=True)) for r in self.rows]

    def to_html(self) -> str:
        left = "style='text-align:left'"  # notebooks right-align table cells by default
        head = "".join(f"<th {left}>{html.escape(c)}</th>" for c in self.columns)
        body = "".join("<tr>" + "".join(f"<td {left}>{html.escape(v)}</td>" for v in r)
                       + "</tr>" for r in self.rows)
        if not self.rows:
            body = f"<tr><td colspan='{len(self.columns)}'><i>(none)</i></td></tr>"
        return (f"<table class='pcl-table'><thead><tr>{head}</tr></thead>"
                f"<tbody>{body}</tbody></table>")


def parse_table(text: str) -> Table | None:
    """Read a Docker-style table (``CONTAINER ID   IMAGE   …``); ``None`` if ``text`` is not
    one. Columns start where the header's cells start: at least two spaces apart."""
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines or not _HEADER.match(lines[0].rstrip()) or "  " not in lines[0]:
        return None
    header = lines[0].rstrip()
    cells = [(m.start(), m.group()) for m in _GAP.finditer(header)]
    starts = [s for s, _ in cells]
    if len(cells) < 2 or any(header[s - 2:s] != "  " for s in starts[1:]):
        return None
    rows = []
    for line in lines[1:]:
        bounds = [*starts[1:], None]
        row = [line[a:b].strip() for a, b in zip(starts, bounds, strict=True)]
        rows.append(row)
    return Table([c for _, c in cells], rows)


@dataclass
class CommandOutput:
    """One ``pcl`` command run in-process: its exit code and what it printed."""

    argv: list[str]
    exit_code: int
    stdout: str = ""
    stderr: str = ""
    streamed: bool = False
    """The output was already shown as it came (``run``, ``logs -f``…): not shown again."""

    @property
    def ok(self) -> bool:
        return self.exit_code == 0

    @property
    def table(self) -> Table | None:
        return parse_table(self.stdout)

    @property
    def rows(self) -> list[dict[str, str]]:
        """The table's rows as dicts (column → value), or ``[]`` if the output is no table."""
        table = self.table
        return table.to_dicts() if table else []

    @property
    def lines(self) -> list[str]:
        return self.stdout.splitlines()

    def _messages_html(self) -> str:
        out = []
        for line in self.stderr.splitlines():
            if not line.strip():
                continue
            colour = "#9a6700" if line.startswith("WARNING") else "#cf222e"
            out.append(f"<div class='pcl-message' style='color:{colour}'>"
                       f"{html.escape(line)}</div>")
        if self.exit_code and not out:
            out.append(f"<div class='pcl-message' style='color:#cf222e'>pcl "
                       f"{html.escape(' '.join(self.argv[:1]))}: exit status "
                       f"{self.exit_code}</div>")
        return "".join(out)

    def _repr_html_(self) -> str:
        body = ""
        if not self.streamed:
            table = self.table
            if table is not None:
                body = table.to_html()
            elif self.stdout.strip():
                body = f"<pre class='pcl-output'>{html.escape(self.stdout.rstrip())}</pre>"
        return f"<div class='pcl-command'>{body}{self._messages_html()}</div>"

    def __repr__(self) -> str:
        if self.streamed:
            return f"<pcl {' '.join(self.argv[:1])}: exit status {self.exit_code}>"
        return (self.stdout + self.stderr).rstrip() or f"(exit status {self.exit_code})"
