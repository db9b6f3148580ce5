"""``bench/bench_long_records.py`` on a scripted model (no weights, answers at once): every (set, strategy) runs
through the real runner, and each figure of the printed table is the one the run files hold."""

from __future__ import annotations

import json
from pathlib import Path
from types import ModuleType

import pytest

from tests.conftest import bench_script
from workbench.run.files import read_run_dir

CATALOGUE = """models:
  first:
    backend: scripted
    model: first-sentences
    description: the note's first sentences
"""
STRATEGIES = ("refuse", "truncate", "map-reduce", "refine")


def _bench() -> ModuleType:
    return bench_script("bench_long_records.py")


def _table_rows(printed: str) -> list[dict[str, str]]:
    lines = [line for line in printed.splitlines() if line.startswith("| ")]
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    return [dict(zip(header, (cell.strip() for cell in line.strip("|").split("|")))) for line in lines[1:]]


def test_every_strategy_runs_and_the_table_is_read_from_the_run_files(
        isolated_cwd: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (isolated_cwd / "models.yaml").write_text(CATALOGUE, encoding="utf-8")
    out = isolated_cwd / "out"
    code = _bench().main(["--models", "first", "--catalogue", str(isolated_cwd / "models.yaml"),
                          "--strategies", ",".join(STRATEGIES), "--limit", "1", "--max-tokens", "32",
                          "--context-length", "4096", "--chunk-tokens", "1500", "--chunk-overlap", "100",
                          "--out", str(out), "--json-out", str(isolated_cwd / "rows.json")])
    printed = capsys.readouterr().out
    assert code == 0
    assert "command: bench/bench_long_records.py --models first" in printed
    assert "cores" in printed and "ROUGE scheme: long-records-en: rouge-score; long-records-zh: char" in printed
    rows = _table_rows(printed)
    assert [(row["set"], row["strategy"]) for row in rows] == [
        (evalset, strategy) for evalset in ("long-records-en", "long-records-zh") for strategy in STRATEGIES]
    saved = json.loads((isolated_cwd / "rows.json").read_text(encoding="utf-8"))["rows"]
    for row, data in zip(rows, saved):
        files = read_run_dir(Path(data["run_dir"]))
        assert files.manifest.long_records["strategy"] == row["strategy"]
        evaluation = files.evaluations[0]
        records, metrics = evaluation.records, evaluation.summary.metrics
        assert evaluation.summary.model_spec["context_length"] == 4096 and row["ctx"] == "4,096"
        assert not any(record.cached for record in records)
        assert row["cases"] == "1" and row["over"] == "1"  # every shipped long record is over a 4,096 context
        if row["strategy"] == "refuse":
            assert row["failed"] == "1" and row["calls"] == "0.0" and row["s/case"] == "–" and row["ROUGE-L"] == "–"
            assert "ContextLengthExceeded" in printed
            continue
        record = records[0]
        assert row["failed"] == "0"
        assert row["ROUGE-L"] == f"{metrics['rougeL']:,.3f}"
        assert row["s/case"] == f"{record.e2e_s:,.1f}"
        assert row["prompt"] == f"{record.prompt_tokens:,}" and row["compl"] == f"{record.completion_tokens:,}"
        assert row["PHI final"] == f"{metrics['phi_case_leak_rate']:,.3f}"
        if row["strategy"] == "truncate":
            assert row["calls"] == "1.0" and not record.chunks
            assert row["cut"] == f"{metrics['long_records_cut_share']:,.3f}"
            assert row["PHI chunks"] == "–" and row["inv chunks"] == "–"
        else:
            assert record.chunks and row["calls"] == f"{float(len(record.chunks)):,.1f}" and row["cut"] == "–"
            assert record.long_record is not None and record.long_record.chunk_tokens == 1500
            assert row["PHI chunks"] == f"{metrics['phi_intermediate_leak_rate']:,.3f}"
            assert row["inv chunks"] == f"{metrics['values_intermediate_invented']:,.1f}"


@pytest.mark.parametrize("options", [
    ["--strategies", "truncate,summarise"],
    ["--strategies", "map-reduce", "--chunk-tokens", "100", "--chunk-overlap", "100"],
    ["--limit", "0"],
])
def test_bad_options_are_refused_before_anything_runs(options: list[str], isolated_cwd: Path) -> None:
    with pytest.raises(SystemExit) as exited:
        _bench().main(["--out", str(isolated_cwd / "out"), *options])
    assert exited.value.code == 2
    assert not (isolated_cwd / "out").exists()
