"""`workbench run` end to end on the embedded default: table, records, JSON summary."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.conftest import workbench_command
from workbench.data.evalsets import load_evalset
from workbench.run.files import read_records


def test_run_prints_the_table_and_writes_records_and_json(isolated_cwd: Path) -> None:
    completed = subprocess.run(
        workbench_command() + ["run", "-m", "smollm2-135m", "-m", "gemma3-270m", "-e", "smoke-zh", "--limit", "2",
                               "--max-tokens", "16", "--warmup", "1", "--json-out", "out/summary.json"],
        capture_output=True, text=True, timeout=600,
    )
    assert completed.returncode == 0, completed.stderr
    lines = completed.stdout.splitlines()
    header = next(line for line in lines if line.startswith("rank  model"))
    for column in ("cases", "failures", "ROUGE-L", "PHI leak", "TTFT p50", "e2e p50", "e2e p95", "tok/s"):
        assert column in header
    assert any(line.split()[1:2] == ["smollm2-135m"] for line in lines)
    assert any(line.split()[1:2] == ["gemma3-270m"] for line in lines)
    assert any(line.startswith("rank: ranked by Failures") for line in lines)
    assert "inpatient-summary-zh@1" in completed.stdout  # the set's default prompt
    assert "records: " in completed.stdout

    summary = json.loads((isolated_cwd / "out" / "summary.json").read_text(encoding="utf-8"))
    evalset = load_evalset("smoke-zh").head(2)
    assert [e["model"] for e in summary["evaluations"]] == ["smollm2-135m", "gemma3-270m"]
    for evaluation in summary["evaluations"]:
        assert evaluation["evalset"] == "smoke-zh"
        assert evaluation["evalset_hash"] == evalset.content_hash()
        assert evaluation["prompt"] == "inpatient-summary-zh@1"
        metrics = evaluation["metrics"]
        assert metrics["cases"] == 2 and metrics["failures"] == 0 and metrics["warmup_requests"] == 1
        assert 0 < metrics["ttft_p50_s"] <= metrics["e2e_p50_s"] <= metrics["e2e_p95_s"]
        assert metrics["output_tokens_per_s_p50"] > 0
        records = read_records(Path(evaluation["records"]).parent)
        assert [r.case_id for r in records] == [c.id for c in evalset.cases]
        for record in records:
            assert record.evalset_hash == evalset.content_hash()
            assert (record.prompt, record.prompt_version) == ("inpatient-summary-zh", 1)
            settings = record.generation_settings
            assert settings["sampling"]["max_tokens"] == 16 and settings["sampling"]["temperature"] == 0.0
            assert settings["context_length"] > 0
            assert record.generated_by["file_sha256"]
            assert record.completion_tokens == 16
    evaluation_file = Path(summary["evaluations"][0]["records"]).parent / "evaluation.json"
    evaluation = json.loads(evaluation_file.read_text())
    assert evaluation["backend_info"]["backend"] == "llamacpp"
    # CPU and memory were sampled while the model generated.
    assert evaluation["system_samples"] and evaluation["metrics"]["system_process_rss_mb_max"] > 50
    # The run was logged to the local MLflow store under ./mlruns.
    assert (isolated_cwd / "mlruns" / "mlflow.db").is_file() and "mlflow: run " in completed.stdout
    import mlflow

    mlflow.set_tracking_uri(f"sqlite:///{isolated_cwd / 'mlruns' / 'mlflow.db'}")
    children = mlflow.search_runs(search_all_experiments=True, filter_string="tags.`workbench.kind` = 'evaluation'")
    assert sorted(children["params.model"]) == ["gemma3-270m", "smollm2-135m"]
    assert set(children["params.prompt_uri"]) == {"prompts:/inpatient-summary-zh/1"}
    assert set(children["params.evalset_hash"]) == {evalset.content_hash()}
    assert children["params.ci.rougeL"].notna().all()  # intervals: a param per headline metric and intervals.json

    # The registered prompt drives a run by its registry URI.
    again = subprocess.run(
        workbench_command() + ["run", "-m", "smollm2-135m", "-e", "smoke-zh", "--limit", "2", "--max-tokens", "16",
                               "--prompt", "prompts:/inpatient-summary-zh/1", "--no-mlflow", "--no-progress"],
        capture_output=True, text=True, timeout=300,
    )
    assert again.returncode == 0, again.stderr
    assert "prompt inpatient-summary-zh@1" in again.stdout
    row = next(line.split() for line in again.stdout.splitlines() if line.split()[1:2] == ["smollm2-135m"])
    assert row[2:5] == ["2", "0", "2"]  # same prompt content as the file version: both cases from the cache


def test_unknown_names_are_clear_errors(isolated_cwd: Path) -> None:
    missing_set = subprocess.run(workbench_command() + ["run", "-m", "smollm2-135m", "-e", "no-such-set"],
                                 capture_output=True, text=True, timeout=60)
    assert missing_set.returncode == 2 and "evaluation set 'no-such-set' not found" in missing_set.stderr
    assert "smoke-en" in missing_set.stderr
    missing_model = subprocess.run(workbench_command() + ["run", "-m", "gpt-9", "-e", "smoke-en"],
                                   capture_output=True, text=True, timeout=60)
    assert missing_model.returncode == 2 and "unknown model 'gpt-9'" in missing_model.stderr
