"""`workbench judge` on an existing run: two scripted judges of other families, a jury, pairwise in both orders;
their figures in the evaluation's metrics and in the report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import SCRIPTED_CATALOGUE
from workbench import api, cli
from workbench.judges.rubrics import rubric_for_set
from workbench.run.files import model_directory, read_summary

PASSING = '{"met": true, "justification": "the criterion holds"}'
FAILING = '{"met": false, "justification": "the criterion does not hold"}'


@pytest.fixture()
def judged_run(isolated_cwd: Path) -> Path:
    rubric = rubric_for_set("smoke-en")
    # judge-a says every criterion holds; judge-b says none does, except a reply it gets wrong for one item
    replies_a = {item.id: PASSING for item in rubric.items}
    replies_b = {item.id: FAILING for item in rubric.items} | {rubric.items[0].id: "I think so."}
    for name, replies in (("judge-a", replies_a), ("judge-b", replies_b)):
        (isolated_cwd / f"{name}.json").write_text(json.dumps(replies), encoding="utf-8")
    (isolated_cwd / "pairs.json").write_text(json.dumps({"en-ed-chest-pain": '{"better": "1"}',
                                                         "en-discharge-pneumonia": '{"better": "1"}'}),
                                             encoding="utf-8")
    (isolated_cwd / "models.yaml").write_text(SCRIPTED_CATALOGUE + f"""  judge-a:
    backend: scripted
    path: {isolated_cwd / 'judge-a.json'}
    family: Alpha
  judge-b:
    backend: scripted
    path: {isolated_cwd / 'judge-b.json'}
    family: Beta
  judge-pairs:
    backend: scripted
    path: {isolated_cwd / 'pairs.json'}
    family: Gamma
""", encoding="utf-8")
    result = api.evaluate(["echo", "first"], "smoke-en", limit=2, runs_dir=isolated_cwd / "runs", log_to_mlflow=False,
                          show_progress=False, catalogue=[isolated_cwd / "models.yaml"])
    return result.run_dir


def test_judges_a_jury_and_pairwise_through_the_cli(judged_run: Path, isolated_cwd: Path) -> None:
    outcome = CliRunner().invoke(cli.app, ["judge", str(judged_run), "--judge", "judge-a", "--judge", "judge-b"])
    assert outcome.exit_code == 0, outcome.output
    assert "rubric clinical-summary-en@1" in outcome.output and "jury of 2 judges" in outcome.output
    assert "Krippendorff's α" in outcome.output
    metrics_a = read_summary(model_directory(judged_run, "echo")).metrics
    assert metrics_a["judge_unparsed_rate"] == pytest.approx(1 / len(rubric_for_set("smoke-en").items))  # judge-b's
    pairs = CliRunner().invoke(cli.app, ["judge", str(judged_run), "--judge", "judge-pairs", "--pairwise",
                                         "--rubric", "clinical-summary-en@1"])
    assert pairs.exit_code == 0, pairs.output
    assert "A wins / B wins / ties" in pairs.output
    row = next(line for line in pairs.output.splitlines() if line.startswith("echo ") and "first" in line)
    assert "0 / 0 / 2" in row  # the judge always prefers what it reads first: both orders disagree, so ties


def test_a_judge_of_a_candidates_family_and_an_unknown_rubric_are_refused(judged_run: Path, isolated_cwd: Path) -> None:
    with (isolated_cwd / "models.yaml").open("a", encoding="utf-8") as handle:
        handle.write("  echo-judge:\n    backend: scripted\n    model: echo-source\n    family: echo\n")
    refused = CliRunner().invoke(cli.app, ["judge", str(judged_run), "--judge", "echo-judge"])
    assert refused.exit_code == 2 and "--allow-same-family" in refused.output
    unknown = CliRunner().invoke(cli.app, ["judge", str(judged_run), "--judge", "judge-a", "--rubric", "nope@3"])
    assert unknown.exit_code == 2 and "nope" in unknown.output


def test_the_report_names_each_judge_its_rubric_and_shows_scores_pairs_and_the_jury(judged_run: Path,
                                                                                   isolated_cwd: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(cli.app, ["judge", str(judged_run), "--judge", "judge-a", "--judge", "judge-b"]).exit_code == 0
    assert runner.invoke(cli.app, ["judge", str(judged_run), "--judge", "judge-pairs", "--pairwise"]).exit_code == 0
    summary = api.report([judged_run], out_dir=isolated_cwd / "report")
    page = summary.html_path.read_text(encoding="utf-8")
    assert 'id="judge-scores"' in page
    assert "judge judge-a (Alpha family) graded with rubric clinical-summary-en@1" in page
    assert "Jury (judge-a, judge-b, judge-pairs)" in page and "Krippendorff" in page  # one rubric: one jury
    assert "judge-pairs: side by side" in page
    assert "1.000 [" in page or "<td>1.000</td>" in page  # judge-a: every criterion met, must-nots too: clipped
    markdown = (isolated_cwd / "report" / "report.md").read_text(encoding="utf-8")
    assert "## Judge scores" in markdown and "A wins / B wins / ties" in markdown
