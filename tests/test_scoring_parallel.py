"""Scoring a set in several processes: the same scores as one process, in case order, whatever fails."""

from __future__ import annotations

import json
import logging
import subprocess
from pathlib import Path

import pytest

from tests.conftest import workbench_command
from workbench.data.evalsets import EvalSet, load_evalset
from workbench.scoring import parallel
from workbench.scoring.parallel import PARALLEL_MIN_CASES, MAX_WORKERS, workers_for
from workbench.scoring.registry import Metric, Scorer, register_scorer, unregister_scorer
from workbench.scoring.scorer import clear_text_caches, score_outputs

SENTENCES = Metric("output_sentences", "Output sentences", "sentences in the output", "sentences", None, "quality")


def _sentences(context: object) -> dict[str, float]:
    return {"output_sentences": float(getattr(context, "output").count(".") + 1)}


def _outputs(evalset: EvalSet) -> dict[str, str]:
    """One output per case that keeps some of the note's values and identifiers, and drops others."""
    return {case.id: f"Chief Complaint: {case.reference[:120]}\nAssessment and Plan: {case.source[:200]}"
            for case in evalset.cases}


def _scored(evalset: EvalSet, outputs: dict[str, str], workers: int) -> str:
    clear_text_caches()  # each side reads every text for the first time
    return json.dumps(score_outputs(evalset, outputs, workers=workers).to_json(), sort_keys=False)


def test_by_default_small_sets_stay_in_one_process_and_large_ones_use_every_core() -> None:
    assert workers_for(0, cores=16) == 1
    assert workers_for(2 * PARALLEL_MIN_CASES - 1, cores=16) == 1
    assert workers_for(2 * PARALLEL_MIN_CASES, cores=16) == 2
    assert workers_for(10_000, cores=2) == 2
    assert workers_for(10_000, cores=1) == 1
    assert workers_for(1_000_000, cores=64) == MAX_WORKERS


def test_slices_cover_every_case_once_in_order() -> None:
    for count, parts in ((10, 3), (3, 3), (7, 1), (2001, 8)):
        slices = parallel._slices(count, parts)
        assert len(slices) == parts
        assert [index for part in slices for index in part] == list(range(count))
        assert max(map(len, slices)) - min(map(len, slices)) <= 1


def test_several_processes_give_the_scores_of_one_with_a_registered_scorer_in_place(
        caplog: pytest.LogCaptureFixture) -> None:
    evalset = load_evalset("clinical-summary-en")
    outputs = _outputs(evalset)
    register_scorer(Scorer("sentences", (SENTENCES,), _sentences))
    try:
        one = _scored(evalset, outputs, workers=1)
        with caplog.at_level(logging.WARNING, logger="workbench.scoring.parallel"):
            three = _scored(evalset, outputs, workers=3)
    finally:
        unregister_scorer("sentences")
    assert not caplog.records  # both other slices were scored by their workers, none fell back to here
    assert three == one  # the same figures, keys in the same order, cases in set order
    document = json.loads(three)
    assert [case["id"] for case in document["cases"]] == [case.id for case in evalset.cases]
    assert all("output_sentences" in case for case in document["cases"])  # registered scorers run here
    assert document["aggregate"]["scored_cases"] == len(evalset.cases)


def test_a_worker_that_fails_is_reported_and_its_cases_scored_here(monkeypatch: pytest.MonkeyPatch,
                                                                   caplog: pytest.LogCaptureFixture) -> None:
    evalset = load_evalset("smoke-zh")
    outputs = _outputs(evalset)
    expected = _scored(evalset, outputs, workers=1)
    monkeypatch.setattr(parallel.sys, "executable", "/bin/false")  # every worker exits with status 1
    with caplog.at_level(logging.WARNING, logger="workbench.scoring.parallel"):
        assert _scored(evalset, outputs, workers=2) == expected
    (warning,) = [record.getMessage() for record in caplog.records]
    last = evalset.cases[-1].id
    assert "a scoring worker failed (exit status 1" in warning and f"… {last})" in warning


def test_score_command_with_workers_writes_what_one_process_writes(tmp_path: Path) -> None:
    evalset = load_evalset("smoke-en")
    predictions = tmp_path / "predictions.jsonl"
    predictions.write_text("".join(json.dumps({"id": case_id, "prediction": output}) + "\n"
                                   for case_id, output in _outputs(evalset).items()), encoding="utf-8")
    documents = []
    for workers in ("1", "2"):
        out = tmp_path / f"scores-{workers}.json"
        completed = subprocess.run(workbench_command() + ["score", "-e", "smoke-en", "--predictions", str(predictions),
                                                          "--workers", workers, "--json-out", str(out)],
                                   capture_output=True, text=True, timeout=180)
        assert completed.returncode == 0, completed.stderr
        documents.append(out.read_text(encoding="utf-8"))
    assert documents[0] == documents[1]
    refused = subprocess.run(workbench_command() + ["score", "-e", "smoke-en", "--predictions", str(predictions),
                                                    "--workers", "0"], capture_output=True, text=True, timeout=120)
    assert refused.returncode == 2 and "--workers" in refused.stderr
