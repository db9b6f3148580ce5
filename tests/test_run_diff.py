"""Two runs side by side: aligned by case and model, deltas over shared cases only, word-level differences."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from workbench import api, cli
from workbench.run.files import read_run_dir
from workbench.scoring.registry import primary
from workbench.scoring.run_diff import RunDiffError, Segment, diff_runs, side_a, side_b, tokens, word_diff

MARKERS = {1: "VERSION-ALPHA", 2: "VERSION-BRAVO"}


def test_words_stay_whole_and_chinese_goes_by_character() -> None:
    assert tokens("fever 38.5 °C") == ["fever", " ", "38", ".", "5", " ", "°", "C"]
    assert tokens("患者发热") == ["患", "者", "发", "热"]
    segments = word_diff("The patient has a cough.", "The patient has no cough.")
    assert segments == [Segment("The patient has ", "same"), Segment("a", "removed"), Segment("no", "added"),
                        Segment(" cough.", "same")]
    assert "".join(s.text for s in side_a(segments)) == "The patient has a cough."
    assert "".join(s.text for s in side_b(segments)) == "The patient has no cough."
    chinese = word_diff("患者发热三天", "患者咳嗽三天")
    assert [s for s in chinese if s.change != "same"] == [Segment("发热", "removed"), Segment("咳嗽", "added")]
    assert word_diff("same", "same") == [Segment("same", "same")]


def _workdir(root: Path) -> tuple[Path, Path, Path]:
    """Two prompt versions of one scripted echo model over smoke-en (2 cases each), and a third run over 1 case."""
    (root / "models.yaml").write_text("models:\n  echo:\n    backend: scripted\n    model: echo-source\n"
                                      "  first:\n    backend: scripted\n    model: first-sentences\n", encoding="utf-8")
    (root / "prompts").mkdir()
    runs = []
    for version, marker in MARKERS.items():
        (root / "prompts" / f"brief-en@{version}.yaml").write_text(yaml.safe_dump({
            "name": "brief-en", "version": version, "task": "summary", "language": "en",
            "messages": [{"role": "user", "content": f"{marker}: summarise this note.\n\n{{{{source}}}}"}]}),
            encoding="utf-8")
    for version, limit, models in ((1, 2, ["echo", "first"]), (2, 2, ["echo"]), (2, 1, ["echo"])):
        result = api.evaluate(models, "smoke-en", prompt=f"brief-en@{version}", limit=limit, runs_dir=root / "runs",
                              log_to_mlflow=False, show_progress=False, catalogue=[root / "models.yaml"],
                              prompts_dir=[root / "prompts"])
        runs.append(result.run_dir)
    return runs[0], runs[1], runs[2]


def test_two_prompt_versions_are_aligned_by_case_and_model(tmp_path: Path) -> None:
    first, second, _ = _workdir(tmp_path)
    found = diff_runs(read_run_dir(first), read_run_dir(second))
    assert found.same_cases and found.models == ["echo"] and found.models_only_a == ["first"]
    assert found.notices() == ["Models in only one run are not compared: first (A).",
                               "Prompt versions differ: brief-en@1 (A) vs brief-en@2 (B)."]
    (model,) = found.model_deltas
    assert model.cases == 2 and model.changed_outputs == 2 and model.failures_a == model.failures_b == 0
    quality = primary("quality").name
    delta = next(d for d in model.deltas if d.metric == quality)
    scores_a = read_run_dir(first).evaluations[0].scores_by_case()
    assert delta.a == pytest.approx(sum(s.value(quality) for s in scores_a.values()) / 2)
    changes = [abs(case.delta(quality) or 0.0) for case in found.cases]
    assert changes == sorted(changes, reverse=True)  # the largest change of the primary quality score first
    segments = found.cases[0].segments()
    assert Segment("ALPHA", "removed") in segments and Segment("BRAVO", "added") in segments


def test_different_hashes_compare_only_the_shared_cases_and_say_so(tmp_path: Path) -> None:
    _, two_cases, one_case = _workdir(tmp_path)
    found = diff_runs(read_run_dir(two_cases), read_run_dir(one_case))
    assert not found.same_cases and len(found.shared_cases) == 1 and len(found.only_a) == 1
    assert found.notices()[0].startswith("The runs are over different evaluation-set hashes")
    assert "only the 1 case(s) both runs hold with identical content are compared; 1 case(s) only in A" in \
        found.notices()[0]
    assert [case.case_id for case in found.cases] == found.shared_cases
    assert found.model_deltas[0].cases == 1 and found.model_deltas[0].changed_outputs == 0


def test_runs_with_nothing_in_common_are_refused(tmp_path: Path) -> None:
    first, second, _ = _workdir(tmp_path)
    other = api.evaluate(["first"], "smoke-zh", limit=1, runs_dir=tmp_path / "runs", log_to_mlflow=False,
                         show_progress=False, catalogue=[tmp_path / "models.yaml"])
    with pytest.raises(RunDiffError, match="no model in common"):
        diff_runs(read_run_dir(second), read_run_dir(other.run_dir))
    with pytest.raises(RunDiffError, match="no case in common"):
        diff_runs(read_run_dir(first), read_run_dir(other.run_dir))


def test_cli_diff_prints_the_table_the_notice_and_the_words(tmp_path: Path) -> None:
    first, second, one_case = _workdir(tmp_path)
    result = CliRunner().invoke(cli.app, ["diff", str(first), str(second), "--words", "--json-out",
                                          str(tmp_path / "diff.json")])
    assert result.exit_code == 0, result.output
    assert "note: Prompt versions differ: brief-en@1 (A) vs brief-en@2 (B)." in result.output
    assert f"{primary('quality').label} ↑ A → B (Δ)" in result.output
    assert "[-ALPHA-]{+BRAVO+}" in result.output
    document = json.loads((tmp_path / "diff.json").read_text(encoding="utf-8"))
    assert document["same_cases"] is True and document["models"][0]["model"] == "echo"
    shared = CliRunner().invoke(cli.app, ["diff", str(second), str(one_case)])
    assert shared.exit_code == 0 and "different evaluation-set hashes" in shared.output
