"""A chart as a notebook shows it: the interactive plotly figure and, beside it, the same chart as a static
SVG image, so that an exported notebook (``jupyter nbconvert --to html``), a viewer without plotly's
extension, or a printout still has the picture."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

PLOTLY_MIME = "application/vnd.plotly.v1+json"
SVG_MIME = "image/svg+xml"


@dataclass(frozen=True)
class ChartView:
    """``figure`` is the plotly Figure (for interaction, or to change it); ``svg`` the static rendering of the
    same data by :mod:`workbench.report.svg_charts`; ``title`` names the chart in plain text."""

    figure: Any
    svg: str
    title: str

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        """Both renderings: front ends that draw plotly show the interactive one, others (and exports) the SVG."""
        import plotly.io as pio

        plotly_json = json.loads(pio.to_json(self.figure, validate=False, remove_uids=True))
        plotly_json["config"] = {"displaylogo": False}
        return {PLOTLY_MIME: plotly_json, SVG_MIME: self.svg, "text/plain": repr(self)}

    def __repr__(self) -> str:
        return f"<chart: {self.title}>"
