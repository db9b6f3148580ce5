"""The decision report: built from a real comparison, refused over mixed sets, rendered in a real browser.

One real comparison (SmolLM2 and Gemma 3 on three smoke-en cases, 24 tokens) is run once
for the module; a second run over two cases reuses its generation cache.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from workbench.data.evalsets import load_evalset
from workbench.models.catalogue import get_model_spec
from workbench.data.prompts import get_prompt
from workbench.report.build import (
    Report,
    ReportError,
    Thresholds,
    build_report,
    default_thresholds,
    load_thresholds,
    pareto_front,
)
from workbench.report.html import render_html
from workbench.report.markdown import render_markdown
from workbench.report.publish import find_latest_run_dir, log_report_to_mlflow, write_report
from workbench.scoring.registry import default_gates
from workbench.run.runner import RunSettings, run_comparison

MODELS = ["smollm2-135m", "gemma3-270m"]
PROMPT = "clinical-summary-en@1"
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def _run(runs_dir: Path, limit: int) -> Path:
    specs = [get_model_spec(name).with_overrides(max_tokens=24) for name in MODELS]
    settings = RunSettings(runs_dir=runs_dir, limit=limit, show_progress=False)
    outcome = run_comparison(specs, get_prompt(PROMPT), load_evalset("smoke-en"), settings)
    assert [evaluation.error for evaluation in outcome.evaluations] == [None, None]
    return outcome.directory


@pytest.fixture(scope="module")
def runs_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("runs")


@pytest.fixture(scope="module")
def run_dir(runs_dir: Path) -> Path:
    return _run(runs_dir, limit=3)


@pytest.fixture(scope="module")
def strict_thresholds(tmp_path_factory: pytest.TempPathFactory) -> Thresholds:
    path = tmp_path_factory.mktemp("gates") / "strict.yaml"
    path.write_text("phi_leak_rate: {max: 0}\ne2e_p95_s: {max: 600}\n", encoding="utf-8")
    return load_thresholds(path)


@pytest.fixture(scope="module")
def permissive_thresholds(tmp_path_factory: pytest.TempPathFactory) -> Thresholds:
    path = tmp_path_factory.mktemp("gates") / "permissive.yaml"
    path.write_text("gates:\n  phi_leak_rate: {max: 1}\n  rougeL: {min: 0}\n  e2e_p95_s: {max: 600}\n",
                    encoding="utf-8")
    return load_thresholds(path)


@pytest.fixture(scope="module")
def report(run_dir: Path, permissive_thresholds: Thresholds) -> Report:
    return build_report([run_dir], permissive_thresholds)


@pytest.fixture(scope="module")
def written(report: Report, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return write_report(report, tmp_path_factory.mktemp("report"))


# --- thresholds ---------------------------------------------------------------------------


def test_thresholds_file_is_validated(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text("rougeL: {min: 0.3}\nphi_leak_rate: {max: 0}\ne2e_p95_s: {min: 0, max: 30}\n", encoding="utf-8")
    gates = {gate.metric: gate for gate in load_thresholds(good).gates}
    assert gates["rougeL"].min == 0.3 and gates["rougeL"].max is None
    assert gates["phi_leak_rate"].max == 0.0
    assert (gates["e2e_p95_s"].min, gates["e2e_p95_s"].max) == (0.0, 30.0)

    for text, expected in (("rougeL: {minimum: 0.3}\n", "unknown key"), ("rougeL: {min: high}\n", "'min' must be a number"),
                           ("rougeL: 0.3\n", "gate 'rougeL'"), ("- rougeL\n", "expected a mapping"),
                           ("rougeL: {min: 0.5, max: 0.1}\n", "above max")):
        bad = tmp_path / "bad.yaml"
        bad.write_text(text, encoding="utf-8")
        with pytest.raises(ReportError, match=expected) as caught:
            load_thresholds(bad)
        assert str(bad) in str(caught.value)
    with pytest.raises(ReportError, match="not found"):
        load_thresholds(tmp_path / "missing.yaml")
    assert default_thresholds().gates == tuple(default_gates())


def test_pareto_front() -> None:
    points = {"fast": (1.0, 0.2), "good": (5.0, 0.6), "worse": (6.0, 0.5), "tie": (5.0, 0.6)}
    assert pareto_front(points) == ["fast", "good", "tie"]


# --- the report's content ---------------------------------------------------------------


def test_report_content(report: Report, run_dir: Path) -> None:
    assert sorted(report.models) == sorted(MODELS)
    assert [row.model for row in report.leaderboard] == report.models
    rouge = [row.values["rougeL"].value for row in report.leaderboard]
    assert rouge == sorted(rouge, reverse=True)
    # Three cases cannot separate two models: they share the first rank instead of one being "first".
    assert [row.rank for row in report.leaderboard] == [1, 1]
    assert all(result.underpowered and not result.significant for result in report.significance)
    assert all(row.values["rougeL"].ci_low is not None for row in report.leaderboard)
    assert report.evalset == "smoke-en" and report.prompt == PROMPT
    settings = {item.model: item for item in report.settings}
    assert settings["smollm2-135m"].backend == "llamacpp" and settings["smollm2-135m"].file_sha256
    assert settings["gemma3-270m"].sampling["max_tokens"] == 24
    assert set(report.gates) == set(MODELS) and all(len(results) == 3 for results in report.gates.values())
    assert "NAME" in report.phi_labels and set(report.phi_by_label) == set(MODELS)
    assert all(report.latency[model]["e2e_p95_s"] is not None for model in MODELS)
    assert report.pareto_latency.front and set(report.pareto_latency.front) <= set(MODELS)
    assert {result.metric for result in report.significance} >= {"rougeL", "e2e_s"}
    assert all({result.model_a, result.model_b} == set(MODELS) for result in report.significance)
    for model, cases in report.worst_cases.items():
        assert cases and all(0 <= case.row_index < 3 for case in cases)
        records = [json.loads(line) for line in (run_dir / model / "records.jsonl").read_text().splitlines()]
        by_index = {record["case_index"]: record["case_id"] for record in records}
        assert all(by_index[case.row_index] == case.case_id for case in cases)  # rows of cases.json follow case_index


def test_permissive_gates_recommend_the_best_passing_model(report: Report) -> None:
    recommendation = report.recommendation
    assert recommendation.model == report.leaderboard[0].model
    assert recommendation.runner_up == report.leaderboard[1].model
    assert recommendation.comparison is not None and recommendation.comparison.metric == "rougeL"
    assert recommendation.significant in (True, False)
    assert any("passes all 3 gates" in reason for reason in recommendation.reasons)
    markdown = render_markdown(report)
    assert f"**Recommended: {recommendation.model}**" in markdown
    assert "significant at the 5% level" in markdown
    assert markdown.index("## Recommendation") < markdown.index("## Leaderboard") < markdown.index("## Worst cases")


def test_strict_phi_gate_fails_both_models(run_dir: Path, strict_thresholds: Thresholds) -> None:
    strict = build_report([run_dir], strict_thresholds)
    assert strict.recommendation.model is None
    for model in MODELS:
        assert not strict.passes_all(model)
        assert any("phi_leak_rate" in failure for failure in strict.recommendation.failures[model])
    markdown = render_markdown(strict)
    assert "No model passes all gates" in markdown
    assert all(f"{model} fails: phi_leak_rate" in markdown for model in MODELS)


def test_unknown_gate_metric_is_refused(run_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "typo.yaml"
    path.write_text("rogueL: {min: 0.3}\n", encoding="utf-8")
    with pytest.raises(ReportError, match="rogueL"):
        build_report([run_dir], load_thresholds(path))


def test_refuses_different_evaluation_sets(run_dir: Path, runs_dir: Path) -> None:
    other = _run(runs_dir, limit=2)  # cached generations: fast
    first = json.loads((run_dir / "run.json").read_text())["evalset_hash"]
    second = json.loads((other / "run.json").read_text())["evalset_hash"]
    assert first != second
    with pytest.raises(ReportError, match="different evaluation sets") as caught:
        build_report([run_dir, other], default_thresholds())
    message = str(caught.value)
    assert first in message and second in message
    assert run_dir.name in message and other.name in message
    assert find_latest_run_dir(runs_dir) == other


def test_refuses_different_prompts(run_dir: Path, tmp_path: Path) -> None:
    import shutil

    copy = tmp_path / "other-prompt"
    shutil.copytree(run_dir, copy)
    evaluation_file = copy / "gemma3-270m" / "evaluation.json"
    evaluation = json.loads(evaluation_file.read_text())
    evaluation["prompt"], evaluation["prompt_hash"] = "clinical-summary-en@2", "0" * 64
    evaluation_file.write_text(json.dumps(evaluation))
    with pytest.raises(ReportError, match="different prompt versions") as caught:
        build_report([copy], default_thresholds())
    assert "clinical-summary-en@2" in str(caught.value) and PROMPT in str(caught.value)


# --- rendering ----------------------------------------------------------------------------


def test_html_is_self_contained_and_escaped(report: Report, run_dir: Path, tmp_path: Path) -> None:
    page = render_html(report)
    assert page.startswith("<!DOCTYPE html>")
    assert 'id="leaderboard"' in page and page.count('<figure class="chart"') >= 3
    # Charts are inline SVG: no script at all, nothing fetched, no web font, plotly.js not inlined.
    assert "<script" not in page and 'src="http' not in page and "@import" not in page and "url(" not in page
    assert "Plotly" not in page and page.count("<svg") >= 3
    assert len(page.encode("utf-8")) < 300_000
    order = ["Recommendation", "Settings and provenance", "Leaderboard", "Gates", "PHI leakage by label", "Latency",
             "Charts", "Paired significance", "Worst cases", "Full hashes"]
    positions = [page.index(f"<h2>{title}") for title in order]
    assert positions == sorted(positions)
    # Long hashes are shortened in the text, whole in their tooltip and under "Full hashes".
    shown = report.evalset_hash[:len("sha256:") + 12] + "…"
    assert f'title="{report.evalset_hash}">{shown}</code>' in page
    assert page.count(report.evalset_hash) == 2 and f"<dd>{report.evalset_hash}</dd>" in page
    assert "@media print" in page and "size:A4 portrait" in page

    # an output with markup stays text
    import shutil

    copy = tmp_path / "markup"
    shutil.copytree(run_dir, copy)
    records_file = copy / "smollm2-135m" / "records.jsonl"
    records = [json.loads(line) for line in records_file.read_text().splitlines()]
    for record in records:
        record["output"] = "<script>alert('x')</script> & <b>bold</b>"
    records_file.write_text("".join(json.dumps(record) + "\n" for record in records))
    escaped = render_html(build_report([copy], default_thresholds()))
    assert "<script>alert(" not in escaped and "&lt;script&gt;alert(" in escaped
    assert "<b>bold</b>" not in render_markdown(build_report([copy], default_thresholds()))


def _launch(playwright):
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed at /usr/bin/chromium "
                    "(apt-get install -y chromium); CI installs it")
def test_report_renders_in_headless_chromium(written: tuple[Path, Path], report: Report) -> None:
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    html_path, _ = written
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    screenshot = ARTIFACTS / "report.png"
    with sync_api.sync_playwright() as playwright:
        browser = _launch(playwright)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            requests: list[str] = []
            page.on("request", lambda request: requests.append(request.url))
            page.goto(html_path.resolve().as_uri())
            # Nothing forces a horizontal scroll at 1280 px: wide tables scroll inside their own box.
            assert page.evaluate("document.documentElement.scrollWidth") <= 1280
            leaderboard = page.locator("table#leaderboard").inner_text()
            assert all(model in leaderboard for model in MODELS)
            assert page.locator(".chart svg").count() >= 3
            assert page.locator("#chart-pareto-e2e_p95_s svg .point").count() == len(MODELS)
            assert page.locator("#chart-interval-rougeL svg .interval").count() == len(MODELS)  # 95% whiskers
            # one colour per model, the same in every chart
            colours = page.evaluate("""() => {
                const seen = {};
                for (const row of document.querySelectorAll('.chart svg .row')) {
                    const point = row.querySelector('.point');
                    if (!point) continue;
                    (seen[row.dataset.label] ||= new Set()).add(point.getAttribute('fill'));
                }
                return Object.fromEntries(Object.entries(seen).map(([k, v]) => [k, [...v]]));
            }""")
            assert set(colours) == set(MODELS)
            assert all(len(fills) == 1 for fills in colours.values()), colours
            assert len({fills[0] for fills in colours.values()}) == len(MODELS)
            assert page.title().startswith("Workbench report")
            page.screenshot(path=str(screenshot), full_page=True)
            # The print layout fits A4 portrait's printable width (190 mm at 96 px per inch).
            page.emulate_media(media="print")
            page.set_viewport_size({"width": 718, "height": 1000})
            assert page.evaluate("document.documentElement.scrollWidth") <= 718
        finally:
            browser.close()
    assert all(url.startswith(("file:", "data:", "about:")) for url in requests), requests
    assert screenshot.stat().st_size > 10_000


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed at /usr/bin/chromium "
                    "(apt-get install -y chromium); CI installs it")
def test_report_prints_to_an_a4_pdf(written: tuple[Path, Path], report: Report) -> None:
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    pypdf = pytest.importorskip("pypdf", reason="pypdf is not installed (pip install -e '.[dev]')")
    from workbench.scoring.registry import primary, ranking_rule_text

    html_path, _ = written
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pdf_path = ARTIFACTS / "report.pdf"
    with sync_api.sync_playwright() as playwright:
        browser = _launch(playwright)
        try:
            page = browser.new_page()
            page.goto(html_path.resolve().as_uri())
            page.pdf(path=str(pdf_path), format="A4", print_background=True)
        finally:
            browser.close()
    reader = pypdf.PdfReader(str(pdf_path))
    assert len(reader.pages) >= 1
    for pdf_page in reader.pages:  # A4 portrait: 210 × 297 mm = 595 × 842 points
        width, height = float(pdf_page.mediabox.width), float(pdf_page.mediabox.height)
        assert abs(width - 595.3) < 2 and abs(height - 841.9) < 2, (width, height)
    text = " ".join(" ".join(pdf_page.extract_text().split()) for pdf_page in reader.pages)
    assert all(model in text for model in MODELS)
    assert primary("quality").label in text and "Recommend" in text
    assert " ".join(ranking_rule_text().split()) in text


# --- MLflow ---------------------------------------------------------------------------------


@pytest.fixture()
def sqlite_uri(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'mlruns' / 'mlflow.db'}"


def _artifact_names(uri: str, run_id: str) -> set[str]:
    from mlflow import MlflowClient

    return {item.path for item in MlflowClient(tracking_uri=uri).list_artifacts(run_id, "report")}


def test_log_report_to_an_existing_parent_run(report: Report, written: tuple[Path, Path], run_dir: Path,
                                              sqlite_uri: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from mlflow import MlflowClient

    from workbench.track.mlflow_runs import log_comparison

    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    logged = log_comparison(run_dir, tracking_uri=sqlite_uri)
    parents = log_report_to_mlflow(report, *written, tracking_uri=sqlite_uri)
    assert parents == [logged.parent_run_id]
    assert _artifact_names(sqlite_uri, logged.parent_run_id) == {"report/report.html", "report/report.md"}
    parent = MlflowClient(tracking_uri=sqlite_uri).get_run(logged.parent_run_id)
    assert parent.data.tags["workbench.kind"] == "comparison"


def test_log_report_logs_the_run_first_when_missing(report: Report, written: tuple[Path, Path],
                                                    sqlite_uri: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from mlflow import MlflowClient

    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.delenv("MLFLOW_EXPERIMENT_NAME", raising=False)
    (parent,) = log_report_to_mlflow(report, *written, tracking_uri=sqlite_uri)
    run = MlflowClient(tracking_uri=sqlite_uri).get_run(parent)
    assert run.info.run_name == report.run_ids[0] and run.data.tags["workbench.kind"] == "comparison"
    assert _artifact_names(sqlite_uri, parent) == {"report/report.html", "report/report.md"}
    assert os.path.basename(written[0]) == "report.html"
