"""The report's static SVG charts and the one model → colour assignment: escaped text, intervals drawn
as whiskers, units from the metric registry, Chinese labels drawn with a CJK font, and the same colour
for a model in the report, the UI's plotly figures and the notebooks' charts."""

from __future__ import annotations

import re
import shutil
import subprocess
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

from workbench.report.chart_view import PLOTLY_MIME, SVG_MIME, ChartView
from workbench.report.colours import MODEL_PALETTE, model_colours
from workbench.report.figures import axis_title, concurrency_chart
from workbench.report.html import _CSS
from workbench.report.svg_charts import (
    CJK_FONTS, BarSeries, IntervalRow, LineSeries, ReferenceLine, ScatterPoint, StripRow, fit_text,
    grouped_bar_chart, interval_chart, line_chart, nice_ticks, scatter_chart, strip_chart, text_width,
)
from workbench.scoring.registry import metric

CHROMIUM = Path("/usr/bin/chromium")
SVG = "{http://www.w3.org/2000/svg}"


def _parsed(svg: str) -> ElementTree.Element:
    """The chart as XML: it must be a well-formed standalone SVG document."""
    root = ElementTree.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    return root


def _texts(root: ElementTree.Element) -> list[str]:
    return ["".join(element.itertext()) for element in root.iter(f"{SVG}text")]


def test_colours_follow_the_order_of_the_comparison() -> None:
    colours = model_colours(["b", "a", "b", "c"])
    assert list(colours) == ["b", "a", "c"]
    assert colours == {"b": MODEL_PALETTE[0], "a": MODEL_PALETTE[1], "c": MODEL_PALETTE[2]}
    many = model_colours([f"m{index}" for index in range(len(MODEL_PALETTE) + 1)])
    assert many[f"m{len(MODEL_PALETTE)}"] == MODEL_PALETTE[0]  # beyond the palette the colours repeat
    assert "#F0E442" not in MODEL_PALETTE  # Okabe-Ito's yellow is too pale on white


def test_interval_chart_draws_whiskers_and_escapes_text() -> None:
    rougeL = metric("rougeL")
    rows = [IntervalRow("<b>model</b> & co", 0.5, 0.4, 0.6, "#0072B2"), IntervalRow("no-interval", 0.2),
            IntervalRow("missing", None)]
    svg = interval_chart(rows, title="ROUGE-L <mean>", axis_label=axis_title(rougeL), domain=(0.0, 1.0))
    assert "<b>" not in svg and "&lt;b&gt;model&lt;/b&gt; &amp; co" in svg
    root = _parsed(svg)
    texts = _texts(root)
    assert "ROUGE-L (95% CI), higher is better" in texts
    assert "0.500 [0.400, 0.600]" in texts and "0.200" in texts and "not reported" in texts
    assert [g.get("data-label") for g in root.iter(f"{SVG}g") if g.get("class") == "row"] == [
        "<b>model</b> & co", "no-interval", "missing"]
    assert sum(1 for g in root.iter(f"{SVG}g") if g.get("class") == "interval") == 1
    assert "<script" not in svg and "http://" not in svg.replace('xmlns="http://www.w3.org/2000/svg"', "")


def test_scatter_chart_has_both_intervals_and_the_front() -> None:
    points = [ScatterPoint("fast", 1.0, 0.2, "#0072B2", y_low=0.1, y_high=0.3),
              ScatterPoint("good", 5.0, 0.6, "#E69F00", x_low=4.0, x_high=6.0, y_low=0.5, y_high=0.7)]
    root = _parsed(scatter_chart(points, title="Quality vs latency", x_label=axis_title(metric("e2e_p95_s")),
                                 y_label=axis_title(metric("rougeL")), front=["fast", "good"]))
    assert sum(1 for g in root.iter(f"{SVG}g") if g.get("class") == "interval") == 3
    assert [p.get("class") for p in root.iter(f"{SVG}polyline")] == ["front"]
    assert "e2e p95 (s), lower is better" in _texts(root)  # the unit from the metric registry


def test_bars_lines_and_strips_are_well_formed() -> None:
    bars = _parsed(grouped_bar_chart(["NAME", "DATE"], [BarSeries("a", [0.5, None], "#0072B2"),
                                                         BarSeries("b", [1.0, 0.0], "#E69F00")],
                                     title="PHI leak by label", axis_label="share", domain=(0.0, 1.0)))
    assert sum(1 for rect in bars.iter(f"{SVG}rect") if rect.get("class") == "bar") == 3
    assert "not reported" in _texts(bars)
    lines = _parsed(line_chart([LineSeries("a p95", [(1.0, 2.0), (4.0, None), (16.0, 3.0)], "#0072B2"),
                                LineSeries("a p50", [(1.0, 1.0), (4.0, 1.5), (16.0, 2.0)], "#0072B2", dashed=True)],
                               title="latency", x_label="requests in flight", y_label="seconds",
                               x_ticks=[1, 4, 16], log_x=True, reference=ReferenceLine(2.5, "e2e objective 2.5 s")))
    assert "e2e objective 2.5 s" in _texts(lines) and {"1", "4", "16"} <= set(_texts(lines))
    assert len([p for p in lines.iter(f"{SVG}polyline")]) == 1  # the gap at 4 leaves no two-point segment
    strips = _parsed(strip_chart([StripRow("a e2e", [1.0, 2.0, 3.0], "#0072B2")], title="per case",
                                 axis_label="seconds"))
    assert "median 2.00, n=3" in _texts(strips)


def test_text_fits_and_ticks_are_round() -> None:
    assert text_width("模型") == 2 * text_width("M") / 0.6
    shortened = fit_text("a-very-long-model-name@20261130-065416-aac27d", 100)
    assert shortened.endswith("…") and text_width(shortened) <= 100
    assert nice_ticks(0.0, 1.0) == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert nice_ticks(0.22, 0.62)[0] <= 0.22 and nice_ticks(0.22, 0.62)[-1] >= 0.62
    svg = interval_chart([IntervalRow("\x00bad\x1f", 0.1)], title="t", axis_label="x")
    assert "\x00" not in svg and "\x1f" not in svg and _parsed(svg) is not None


def test_the_font_stacks_name_cjk_fonts_before_the_generic_family() -> None:
    stacks = re.findall(r"font-family:([^;}]+)", _CSS)  # the body's, then the monospace one
    assert [stack.strip().rsplit(",", 1)[-1].strip() for stack in stacks] == ["sans-serif", "monospace"]
    for stack in stacks:
        assert CJK_FONTS in stack and stack.index("Noto Sans CJK SC") < stack.rindex(",")
    for name in ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC"):
        assert name in CJK_FONTS


def test_a_chart_view_carries_plotly_and_svg() -> None:
    view = concurrency_chart({1: {"e2e_p50_s": 1.0, "ttft_p50_s": 0.2}, 4: {"e2e_p50_s": 2.5, "ttft_p50_s": 0.9}},
                             ["ttft_p50_s", "e2e_p50_s"])
    bundle = view._repr_mimebundle_()
    assert set(bundle) == {PLOTLY_MIME, SVG_MIME, "text/plain"}
    assert [trace["name"] for trace in bundle[PLOTLY_MIME]["data"]] == ["TTFT p50", "e2e p50"]
    assert bundle[SVG_MIME] == view.svg and "seconds" in _texts(_parsed(view.svg))
    # the plotly lines and the SVG lines share the colours
    colours = [trace["line"]["color"] for trace in bundle[PLOTLY_MIME]["data"]]
    assert colours == list(MODEL_PALETTE[:2]) and all(colour in view.svg for colour in colours)
    assert isinstance(view, ChartView) and repr(view).startswith("<chart: ")


def _cjk_font_installed() -> bool:
    fc_list = shutil.which("fc-list")
    return bool(fc_list and subprocess.run([fc_list, ":lang=zh"], capture_output=True, text=True).stdout.strip())


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed at /usr/bin/chromium")
@pytest.mark.skipif(not _cjk_font_installed(), reason="no CJK font (apt-get install -y fonts-noto-cjk): Chinese "
                    "would draw as boxes")
def test_chinese_labels_draw_with_a_cjk_font(tmp_path: Path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    svg = interval_chart([IntervalRow("千问模型", 0.5, 0.4, 0.6, "#0072B2")], title="摘要质量", axis_label="ROUGE-L")
    page_path = tmp_path / "chart.html"
    page_path.write_text(f"<!DOCTYPE html><html><head><meta charset='utf-8'><style>{_CSS}</style></head>"
                         f"<body><p id='prose'>推荐模型</p>{svg}</body></html>", encoding="utf-8")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--headless", "--no-sandbox"])
        try:
            page = browser.new_page()
            page.goto(page_path.as_uri())
            session = page.context.new_cdp_session(page)
            session.send("DOM.enable")
            session.send("CSS.enable")
            root = session.send("DOM.getDocument")["root"]["nodeId"]
            used = []
            for selector in ("#prose", "svg text"):
                node = session.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
                used += [font["familyName"] for font in session.send("CSS.getPlatformFontsForNode",
                                                                      {"nodeId": node})["fonts"]]
        finally:
            browser.close()
    assert used and all("CJK" in family or "Han" in family or "Hei" in family for family in used), used
