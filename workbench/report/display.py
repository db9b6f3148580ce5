"""How the API's comparison results show themselves in a notebook or a terminal: paired tests as a
table, a report as a short summary. The records underneath are the same ones every other door reads."""

from __future__ import annotations

import html
from dataclasses import dataclass, fields
from pathlib import Path

from workbench.report.build import Report, format_value
from workbench.report.tables import format_text_table
from workbench.scoring.stats import PairedComparison

PAIRED_HEADERS = ["metric", "models", "difference", "95% CI", "p", "Holm p", "n"]


def _html_table(headers: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{html.escape(cell)}</th>" for cell in headers)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


class PairedTable(list[PairedComparison]):
    """The paired comparisons of one run (a plain list of ``PairedComparison``) that prints as a table:
    metric, models (A − B), mean difference, its 95% interval, the test's p, the Holm-adjusted p and the
    number of shared cases."""

    def rows(self) -> list[list[str]]:
        """One row of text per comparison, in the order of :data:`PAIRED_HEADERS`."""
        return [[r.metric, f"{r.model_a} − {r.model_b}", format_value(r.mean_difference),
                 f"[{format_value(r.ci_low)}, {format_value(r.ci_high)}]", format_value(r.p_value),
                 format_value(r.p_adjusted), str(r.n)] for r in self]

    def __repr__(self) -> str:
        if not self:
            return "no paired comparisons (fewer than two models finished)"
        return format_text_table(PAIRED_HEADERS, self.rows())

    def _repr_html_(self) -> str:
        if not self:
            return "<p>no paired comparisons (fewer than two models finished)</p>"
        return _html_table(PAIRED_HEADERS, self.rows())


@dataclass(repr=False)
class ReportSummary(Report):
    """A :class:`Report` with the same fields, that displays as its recommendation, the models it
    compares and where ``report.html`` was written (``html_path``; None when it was not written)."""

    html_path: Path | None = None

    @classmethod
    def of(cls, report: Report, html_path: Path | None = None) -> "ReportSummary":
        """``report``'s fields as a summary (the field values are shared, not copied)."""
        return cls(**{item.name: getattr(report, item.name) for item in fields(Report)}, html_path=html_path)

    def summary_lines(self) -> list[tuple[str, str]]:
        """(heading, text) pairs: the recommendation, its first reason, the models, the set and the page."""
        chosen = self.recommendation.model or "none"
        lines = [("recommendation", chosen)]
        if self.recommendation.reasons:
            lines.append(("because", _shorten(self.recommendation.reasons[0], 160)))
        lines.append(("models", _shorten(", ".join(self.models), 200)))
        lines.append(("evaluation set", f"{self.evalset} ({self.evalset_hash[:19]}), prompt {self.prompt}"))
        lines.append(("report.html", str(self.html_path) if self.html_path is not None else "not written"))
        return lines

    def __repr__(self) -> str:
        width = max(len(heading) for heading, _ in self.summary_lines())
        return "\n".join(["Model-selection report"] +
                         [f"  {heading:<{width}}  {text}" for heading, text in self.summary_lines()])

    def _repr_html_(self) -> str:
        rows = "".join(f"<tr><th style='text-align:left'>{html.escape(heading)}</th><td>{html.escape(text)}</td></tr>"
                       for heading, text in self.summary_lines())
        return f"<p><b>Model-selection report</b></p><table>{rows}</table>"


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"
