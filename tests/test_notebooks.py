"""Every notebook runs top to bottom on the embedded CPU default, quietly (nothing on stderr, no
warnings in its output) and writing only what it declares; a failing cell fails the build. Each
executed notebook is exported to HTML with nbconvert, and every cell that showed a chart keeps a
static picture of it there. The API objects the notebooks display print as tables and short summaries."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from tests.conftest import ARTIFACTS, PROJECT_ROOT, SCRIPTED_CATALOGUE

NOTEBOOKS = sorted((PROJECT_ROOT / "notebooks").glob("*.ipynb"))
NOISE = ("Warning", "IProgress")  # what no cell's output may carry
PLOTLY_MIME = "application/vnd.plotly.v1+json"
CHART_MIMES = (PLOTLY_MIME, "image/svg+xml", "image/png")
CHARTS = {"01_quickstart": 0, "02_compare_models": 3, "03_phi_leakage": 1, "04_latency": 2}  # cells showing one


def declared_writes(notebook: nbformat.NotebookNode) -> set[str]:
    """The entries a notebook says it creates in its working directory (``metadata.workbench.writes``)."""
    return set(notebook.metadata.get("workbench", {}).get("writes", []))


def stderr_noise(notebook: nbformat.NotebookNode) -> list[str]:
    """Every stderr output of an executed notebook, and every output that carries a warning, as ``cell N: text``."""
    found = []
    for index, cell in enumerate(notebook.cells):
        for output in cell.get("outputs", []):
            text = output.get("text", "") or str(output.get("data", {}).get("text/plain", ""))
            if (output.get("output_type") == "stream" and output.get("name") == "stderr") or any(
                    word in text for word in NOISE):
                found.append(f"cell {index}: {text[:300]}")
    return found


def chart_cells(notebook: nbformat.NotebookNode) -> list[int]:
    """Indexes of the code cells that displayed a chart."""
    return [index for index, cell in enumerate(notebook.cells) if cell.cell_type == "code" and any(
        mime in output.get("data", {}) for output in cell.get("outputs", []) for mime in CHART_MIMES)]


def exported_cells(notebook: nbformat.NotebookNode) -> tuple[str, list[str]]:
    """The notebook as nbconvert's HTML page, and the page's part for each cell, in cell order."""
    from nbconvert import HTMLExporter

    page, _ = HTMLExporter().from_notebook_node(notebook)
    parts = page.split('<div class="jp-Cell ')[1:]
    parts[-1] = parts[-1].split("</main>")[0]
    assert len(parts) == len(notebook.cells), "nbconvert's page no longer has one jp-Cell per cell"
    return page, parts


def test_the_four_notebooks_are_there() -> None:
    assert [path.stem for path in NOTEBOOKS] == ["01_quickstart", "02_compare_models", "03_phi_leakage", "04_latency"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[path.stem for path in NOTEBOOKS])
def test_every_notebook_declares_what_it_writes(path: Path) -> None:
    writes = declared_writes(nbformat.read(path, as_version=4))
    assert "runs" in writes
    assert all("/" not in name and name not in {".", ".."} for name in writes), writes


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[path.stem for path in NOTEBOOKS])
def test_notebook_runs_headless(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("MLFLOW_TRACKING_URI", "WORKBENCH_RUNS_DIR", "WORKBENCH_CATALOGUE", "WORKBENCH_PROMPTS"):
        monkeypatch.delenv(name, raising=False)
    notebook = nbformat.read(path, as_version=4)
    before = {entry.name for entry in tmp_path.iterdir()}
    client = NotebookClient(notebook, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}})
    try:
        client.execute()  # raises CellExecutionError naming the cell and its traceback
    finally:
        ARTIFACTS.mkdir(exist_ok=True)
        nbformat.write(notebook, ARTIFACTS / f"{path.stem}.executed.ipynb")
    assert (tmp_path / "runs").is_dir()
    # Exported to HTML, every chart keeps a static picture: each plotly output carries its SVG beside it.
    assert len(chart_cells(notebook)) == CHARTS[path.stem]
    for index in chart_cells(notebook):
        for output in notebook.cells[index].outputs:
            if PLOTLY_MIME in output.get("data", {}):
                assert output.data.get("image/svg+xml", "").startswith("<svg"), f"cell {index}: no SVG beside plotly"
    page, cells = exported_cells(notebook)
    (ARTIFACTS / f"{path.stem}.html").write_text(page, encoding="utf-8")
    for index in chart_cells(notebook):
        assert "<svg" in cells[index] or "<img" in cells[index], f"cell {index} lost its chart in the HTML export"
    assert "<script src=\"http" not in "".join(cells)
    assert not stderr_noise(notebook), "\n".join(stderr_noise(notebook))
    new = {entry.name for entry in tmp_path.iterdir()} - before
    assert new <= declared_writes(notebook), f"undeclared files left behind: {sorted(new - declared_writes(notebook))}"


@pytest.fixture
def scripted_result(isolated_cwd: Path):
    """Two scripted models over three cases, not logged to MLflow."""
    from workbench import api

    catalogue = isolated_cwd / "models.yaml"
    catalogue.write_text(SCRIPTED_CATALOGUE, encoding="utf-8")
    result = api.evaluate(["echo", "first"], "smoke-en", limit=3, catalogue=[catalogue], log_to_mlflow=False,
                          show_progress=False, runs_dir=isolated_cwd / "runs")
    assert not result.errors, result.errors
    return result


def test_paired_prints_as_a_table_with_one_line_per_comparison(scripted_result) -> None:
    from workbench import api

    comparisons = api.paired(scripted_result)
    assert len(comparisons) > 0 and all(isinstance(item, api.PairedComparison) for item in comparisons)
    assert api.comparison_dicts(comparisons)  # still the list every other reader takes
    lines = repr(comparisons).splitlines()
    assert lines[0].split() == ["metric", "models", "difference", "95%", "CI", "p", "Holm", "p", "n"]
    assert set(lines[1]) <= {"-", " "}
    assert len(lines) == 2 + len(comparisons)
    for line, item in zip(lines[2:], comparisons):
        assert line.startswith(item.metric) and f"{item.model_a} − {item.model_b}" in line
    assert comparisons._repr_html_().count("<tr>") == 1 + len(comparisons)


def test_the_report_prints_as_a_short_summary(scripted_result, isolated_cwd: Path) -> None:
    from workbench import api

    report = api.report([scripted_result.run_dir], out_dir=isolated_cwd / "report")
    text = repr(report)
    assert len(text) < 1000
    assert f"recommendation  {report.recommendation.model or 'none'}" in text
    assert str(isolated_cwd / "report" / "report.html") in text
    assert all(model in text for model in report.models)
    assert len(report._repr_html_()) < 2000 and "recommendation" in report._repr_html_()
    assert report.leaderboard and report.significance is not None  # the fields other code reads are all there
    assert "not written" in repr(api.report([scripted_result.run_dir]))
