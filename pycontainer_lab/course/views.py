"""Small displays the chapters share: a before/after table of namespaces, and tables of
rows. Each is plain text outside a notebook and an HTML table inside one."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

from ..linux.namespaces import Namespace, namespace_ids

__all__ = ["NamespaceChange", "Table", "compare_namespaces"]


@dataclass
class Table:
    """Rows under a header, shown as text or HTML."""

    header: Sequence[str]
    rows: list[Sequence[object]]
    title: str = ""

    def __str__(self) -> str:
        cols = [list(map(str, self.header))] + [[str(c) for c in r] for r in self.rows]
        widths = [max(len(r[i]) for r in cols) for i in range(len(self.header))]
        lines = [self.title] if self.title else []
        lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
                  for r in cols]
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        head = "".join(f"<th style='text-align:left'>{html.escape(str(h))}</th>"
                       for h in self.header)
        body = "".join("<tr>" + "".join(f"<td style='text-align:left'>{_cell(c)}</td>"
                                        for c in r) + "</tr>" for r in self.rows)
        cap = f"<caption style='text-align:left'>{html.escape(self.title)}</caption>" \
            if self.title else ""
        return f"<table class='pcl-table'>{cap}<tr>{head}</tr>{body}</table>"


def _cell(value: object) -> str:
    text = html.escape(str(value))
    return f"<b>{text}</b>" if isinstance(value, Mark) else text


class Mark(str):
    """A table cell to show in bold (what changed)."""


@dataclass
class NamespaceChange:
    """A process's namespaces before and after some steps, beside the host's."""

    before: dict[Namespace, int]
    after: dict[Namespace, int]
    host: dict[Namespace, int]

    @property
    def changed(self) -> list[Namespace]:
        return [ns for ns in Namespace if self.before[ns] != self.after[ns]]

    def table(self) -> Table:
        rows = []
        for ns in Namespace:
            moved = self.before[ns] != self.after[ns]
            where = "new: its own" if self.after[ns] != self.host[ns] else "the host's"
            rows.append([ns.value, self.before[ns], Mark(self.after[ns]) if moved
                         else self.after[ns], Mark(where) if moved else where, ns.isolates])
        return Table(["kind", "before", "after", "now", "a new one isolates"], rows,
                     f"changed: {', '.join(n.value for n in self.changed) or 'nothing'}")

    def __str__(self) -> str:
        return str(self.table())

    __repr__ = __str__

    def _repr_html_(self) -> str:
        return self.table()._repr_html_()


def compare_namespaces(before: dict[Namespace, int], after: dict[Namespace, int],
                       host: dict[Namespace, int] | None = None) -> NamespaceChange:
    """``before`` and ``after`` are ``box.namespaces()`` taken around some steps."""
    return NamespaceChange(before, after, host or namespace_ids())
