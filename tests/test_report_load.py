"""Load tests in the model-selection report: read through ``read_load_test``, shown under load beside
the comparison (curves, a table and a sentence per model), with the models, set and prompt that
differ said in words; the recommendation is the comparison's alone.

One comparison (two scripted models over smoke-en) and two load tests (one over the same set,
one over its first two cases) are made once for the module; the scripted backend answers at once.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from workbench import cli
from workbench.data.evalsets import load_evalset
from workbench.data.prompts import get_prompt
from workbench.models.spec import ModelSpec
from workbench.report.build import Report, ReportError, build_report, format_value
from workbench.report.html import render_html
from workbench.report.markdown import render_markdown
from workbench.run.load import LOAD_FILE, LoadSettings, read_load_test, run_load_test
from workbench.run.runner import RunSettings, run_comparison
from workbench.scoring.load import ServiceObjectives

EVALSET = "smoke-en"
E2E_OBJECTIVE_S = 2.0
LEVELS = [1, 2]
TABLE_HEADER = ("| level | requests | requests/s | output tokens/s | goodput/s | e2e p50 (s) | e2e p95 (s) | "
                "TTFT p95 (s) | failures |")


def _spec(name: str, script: str) -> ModelSpec:
    return ModelSpec(name=name, backend="scripted", model=script)


def _load_test(runs_dir: Path, specs: list[ModelSpec], cases: int | None = None) -> Path:
    evalset = load_evalset(EVALSET).head(cases)
    settings = LoadSettings(levels=LEVELS, requests_per_level=4, warmup=0, runs_dir=runs_dir, show_progress=False,
                            objectives=ServiceObjectives(e2e_s=E2E_OBJECTIVE_S))
    return run_load_test(specs, get_prompt(evalset.manifest.default_prompt), evalset, settings).directory


@pytest.fixture(scope="module")
def runs_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("runs")


@pytest.fixture(scope="module")
def run_dir(runs_dir: Path) -> Path:
    """A comparison of ``echo`` (copies the note) and ``first`` (its first sentences)."""
    evalset = load_evalset(EVALSET)
    outcome = run_comparison([_spec("echo", "echo-source"), _spec("first", "first-sentences")],
                             get_prompt(evalset.manifest.default_prompt), evalset,
                             RunSettings(runs_dir=runs_dir, use_cache=False, show_progress=False))
    assert [evaluation.error for evaluation in outcome.evaluations] == [None, None]
    return outcome.directory


@pytest.fixture(scope="module")
def load_dir(runs_dir: Path) -> Path:
    """``echo`` (in the comparison) and ``outsider`` (not in it) over the comparison's set."""
    return _load_test(runs_dir, [_spec("echo", "echo-source"), _spec("outsider", "first-sentences")])


@pytest.fixture(scope="module")
def other_set_dir(runs_dir: Path) -> Path:
    """``first`` over the first two cases of the set: another evaluation-set hash."""
    return _load_test(runs_dir, [_spec("first", "first-sentences")], cases=2)


@pytest.fixture(scope="module")
def report(run_dir: Path, load_dir: Path) -> Report:
    return build_report([run_dir], load_dirs=[load_dir])


@pytest.fixture(scope="module")
def markdown(report: Report) -> str:
    return render_markdown(report)


def _section(text: str, start: str, end: str | None = None) -> str:
    """The part of ``text`` from ``start`` up to the next ``end`` (or the end)."""
    begin = text.index(start)
    stop = text.find(end, begin + len(start)) if end else -1
    return text[begin:] if stop < 0 else text[begin:stop]


def _table_rows(section: str) -> list[list[str]]:
    lines = section.splitlines()
    header = lines.index(TABLE_HEADER)
    rows = []
    for line in lines[header + 2:]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip("|").split("|")])
    return rows


# --- the report record ----------------------------------------------------------------------


def test_the_report_holds_the_load_test_as_read(report: Report, load_dir: Path, run_dir: Path) -> None:
    [evidence] = report.load_tests
    assert evidence.record == read_load_test(load_dir) and evidence.directory == load_dir
    assert [sweep.model for sweep in evidence.record.models] == ["echo", "outsider"]
    assert evidence.models_not_compared == ["outsider"]
    assert report.models_without_load_test == ["first"]
    assert evidence.same_evalset and evidence.same_prompt
    assert evidence.record.evalset_hash == report.evalset_hash
    # Evidence beside the recommendation, not a gate: the same recommendation without it.
    plain = build_report([run_dir])
    assert plain.load_tests == [] and plain.models_without_load_test == []
    assert (report.recommendation.model, report.recommendation.reasons) == (
        plain.recommendation.model, plain.recommendation.reasons)
    assert report.models == plain.models and report.gates == plain.gates


def test_a_load_test_given_twice_is_shown_once(run_dir: Path, load_dir: Path) -> None:
    assert len(build_report([run_dir], load_dirs=[load_dir, load_dir / LOAD_FILE]).load_tests) == 1


# --- report.md --------------------------------------------------------------------------------


def test_markdown_tables_hold_load_json_numbers(markdown: str, load_dir: Path) -> None:
    data = json.loads((load_dir / LOAD_FILE).read_text(encoding="utf-8"))
    section = _section(markdown, "## Under load", "## Paired significance")
    assert markdown.index("## Pareto fronts") < markdown.index("## Under load") < markdown.index("## Worst cases")
    assert f"### Load test {data['load_id']}" in section
    for sweep in data["models"]:
        model_section = _section(section, f"#### {sweep['model']}", "####")
        expected = [[str(level["concurrency"]), str(level["requests"]), format_value(level["throughput_rps"]),
                     format_value(level["output_tokens_per_s"]), format_value(level["goodput_rps"]),
                     format_value(level["e2e_p50_s"]), format_value(level["e2e_p95_s"]),
                     format_value(level["ttft_p95_s"]), str(level["failures"])] for level in sweep["levels"]]
        assert _table_rows(model_section) == expected
        assert [row[0] for row in expected] == ["1", "2"]
        highest = sweep["highest_level_meeting_e2e"]
        assert (f"highest concurrency meeting e2e p95 ≤ {E2E_OBJECTIVE_S:g} s: "
                f"{highest if highest is not None else 'none'}") in model_section
        assert "its timings are written by a script, not measured" in model_section


def test_markdown_names_the_models_on_one_side_only(markdown: str) -> None:
    section = _section(markdown, "## Under load", "## Paired significance")
    assert "**models of the comparison without a load test: first**" in section
    assert "**models of this load test not in the comparison: outsider**" in section
    assert "different evaluation set" not in section and "different prompt" not in section
    assert "objectives: e2e ≤ 2 s" in section


def test_a_load_test_over_another_set_is_shown_and_says_so(run_dir: Path, load_dir: Path,
                                                          other_set_dir: Path) -> None:
    report = build_report([run_dir], load_dirs=[load_dir, other_set_dir])
    first, other = report.load_tests
    assert first.same_evalset and not other.same_evalset and other.same_prompt
    assert other.models_not_compared == [] and report.models_without_load_test == []
    record = read_load_test(other_set_dir)
    assert record.evalset == EVALSET and record.evalset_cases == 2 and record.evalset_hash != report.evalset_hash
    markdown = render_markdown(report)
    section = _section(markdown, f"### Load test {record.load_id}")
    assert (f"a different evaluation set from the comparison's: this load test sent {EVALSET} "
            f"v{record.evalset_version} (hash {record.evalset_hash}), the comparison scored {report.evalset} "
            f"v{report.evalset_version} (hash {report.evalset_hash})") in section
    assert "#### first" in section and TABLE_HEADER in section
    assert "models of the comparison without a load test" not in markdown  # each model has one now
    page = render_html(report)
    assert 'id="chart-load-0"' in page and 'id="chart-load-1"' in page
    assert f"this load test sent {EVALSET} v{record.evalset_version} (hash {record.evalset_hash})" in page


def test_no_load_test_no_section(run_dir: Path) -> None:
    plain = build_report([run_dir])
    assert "Under load" not in render_markdown(plain) and 'id="under-load"' not in render_html(plain)


# --- report.html ------------------------------------------------------------------------------


def test_html_section_draws_the_curves_offline(report: Report) -> None:
    from workbench.report.html import report_colours

    page = render_html(report)
    section = _section(page, '<section id="under-load">', "</section>")
    assert page.index("<h2>Charts") < page.index("<h2>Under load") < page.index("<h2>Paired significance")
    assert 'id="chart-load-0"' in section and section.count("<svg") == 3  # throughput, goodput, latency
    # each model's curves, as the legend names them (static SVG: no script, nothing fetched)
    for name in ("echo output tokens/s", "outsider goodput (requests/s)", "echo e2e p50", "outsider e2e p95"):
        assert f'data-label="{name}"' in section
    assert f"e2e objective {E2E_OBJECTIVE_S:g} s" in section  # the objective, as a horizontal line
    assert 'class="reference"' in section
    assert "<script" not in page and 'src="http' not in page
    # a model keeps the comparison's colour; a model only in the load test takes the next free one
    colours = report_colours(report)
    assert f'stroke="{colours["echo"]}"' in _section(section, 'data-label="echo e2e p95"', "</g>")
    outsider = _section(section, 'data-label="outsider e2e p95"', "</g>")
    assert f'stroke="{colours["echo"]}"' not in outsider and f'stroke="{colours["first"]}"' not in outsider
    assert section.count("<h4>") == 2 and section.count("<table>") == 2
    for header in ("requests/s", "output tokens/s", "goodput/s", "e2e p50 (s)", "e2e p95 (s)", "TTFT p95 (s)",
                   "failures"):
        assert f"<th>{header}</th>" in section
    assert "models of this load test not in the comparison: outsider" in section
    assert "models of the comparison without a load test: first" in section
    assert "highest concurrency meeting e2e p95 ≤ 2 s: " in section


def test_text_from_a_load_test_is_escaped(run_dir: Path, load_dir: Path, tmp_path: Path) -> None:
    copy = tmp_path / "load-markup"
    shutil.copytree(load_dir, copy)
    data = json.loads((copy / LOAD_FILE).read_text(encoding="utf-8"))
    data["models"][1]["error"] = "<script>alert('x')</script> | <b>bold</b>"
    (copy / LOAD_FILE).write_text(json.dumps(data), encoding="utf-8")
    report = build_report([run_dir], load_dirs=[copy])
    page = render_html(report)
    assert "<script>alert(" not in page and "&lt;script&gt;alert(" in page
    assert "the sweep stopped: &lt;script&gt;" in page
    markdown = render_markdown(report)
    assert "<b>bold</b>" not in markdown
    assert "the sweep stopped: &lt;script&gt;alert('x')&lt;/script&gt; \\| &lt;b&gt;bold&lt;/b&gt;" in markdown


# --- errors -----------------------------------------------------------------------------------


def test_a_directory_that_is_not_a_load_test_is_refused(run_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(ReportError) as caught:
        build_report([run_dir], load_dirs=[run_dir])
    assert str(caught.value) == (f"{run_dir} is a comparison run directory, not a load test: it has no {LOAD_FILE} "
                                 "(`workbench load` writes runs/load-*/load.json)")
    with pytest.raises(ReportError, match="is a directory, not a load test"):
        build_report([run_dir], load_dirs=[tmp_path])
    with pytest.raises(ReportError, match="load test .*nowhere not found"):
        build_report([run_dir], load_dirs=[tmp_path / "nowhere"])
    broken = tmp_path / "load-broken"
    broken.mkdir()
    (broken / LOAD_FILE).write_text("{not json", encoding="utf-8")
    with pytest.raises(ReportError, match=f"not a readable load test: {broken / LOAD_FILE}: not valid JSON"):
        build_report([run_dir], load_dirs=[broken])


# --- the command line -------------------------------------------------------------------------


def test_cli_writes_the_section_and_refuses_a_run_directory_in_one_line(
        run_dir: Path, load_dir: Path, other_set_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "report"
    result = CliRunner().invoke(cli.app, ["report", str(run_dir), "--load-test", str(load_dir), "--load-test",
                                          str(other_set_dir), "--out", str(out), "--no-mlflow"])
    assert result.exit_code == 0, result.output
    markdown = (out / "report.md").read_text(encoding="utf-8")
    assert markdown.count("### Load test ") == 2 and "## Under load" in markdown
    assert 'id="under-load"' in (out / "report.html").read_text(encoding="utf-8")

    refused = CliRunner().invoke(cli.app, ["report", str(run_dir), "--load-test", str(run_dir), "--out",
                                           str(tmp_path / "refused"), "--no-mlflow"])
    assert refused.exit_code == 2
    assert refused.output.strip() == (f"error: {run_dir} is a comparison run directory, not a load test: it has no "
                                      f"{LOAD_FILE} (`workbench load` writes runs/load-*/load.json)")
    assert not (tmp_path / "refused").exists()
