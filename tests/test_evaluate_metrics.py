"""The workbench's metrics through Hugging Face ``evaluate.load``: offline, and the workbench's own numbers.

Each shipped metric module is loaded from its local directory and run over real cases of the
shipped smoke sets with hand-edited outputs; its results must equal the workbench's aggregate of
``score_case`` over the same outputs.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

for _name in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE", "HF_EVALUATE_OFFLINE"):
    os.environ[_name] = "1"

import evaluate  # noqa: E402

from workbench.data.evalsets import Case, EvalSet, load_evalset  # noqa: E402
from workbench.scoring.hf_metrics import METRIC_MODULES, metric_path  # noqa: E402
from workbench.scoring.phi_detector import PHIDetector  # noqa: E402
from workbench.scoring.scorer import aggregate_scores, score_case  # noqa: E402

SETS = ["smoke-en", "smoke-zh"]
INVENTED = {
    "en": "\nFollow-up: Dr. Jane Doe, call (212) 555-0147.",
    "zh": "\n随访：联系电话13912345678。",
}

Loader = Callable[[str], evaluate.EvaluationModule]


@pytest.fixture(scope="module")
def load_metric(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Loader]:
    """``evaluate.load`` with the module cache and the metrics' data in a temporary directory."""
    root = tmp_path_factory.mktemp("hf-evaluate")
    loaded: dict[str, evaluate.EvaluationModule] = {}

    def load(name: str) -> evaluate.EvaluationModule:
        if name not in loaded:
            loaded[name] = evaluate.load(metric_path(name), module_type="metric",
                                         cache_dir=str(root / "metrics"), keep_in_memory=True)
        return loaded[name]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(evaluate.config, "HF_MODULES_CACHE", root / "modules")
        yield load


@pytest.fixture(scope="module")
def detector() -> PHIDetector:
    return PHIDetector()


def edited_outputs(case: Case) -> list[str]:
    """The reference, the reference with two numbers changed, the source, a truncated reference,
    and the reference with an invented identifier."""
    changed = re.sub(r"\d+", lambda match: str(int(match.group()) + 13), case.reference, count=2)
    lines = case.reference.splitlines()
    return [case.reference, changed, case.source, "\n".join(lines[: len(lines) // 2]),
            case.reference + INVENTED[case.language]]


def scored(evalset: EvalSet, detector: PHIDetector) -> tuple[list[Case], list[str], dict[str, Any]]:
    """Cases and outputs in step, and the workbench's own aggregate over them."""
    cases: list[Case] = []
    outputs: list[str] = []
    for case in evalset.cases:
        for output in edited_outputs(case):
            cases.append(case)
            outputs.append(output)
    sections = evalset.manifest.required_sections
    aggregate = aggregate_scores([score_case(case, output, sections, detector) for case, output in zip(cases, outputs)])
    return cases, outputs, aggregate


@pytest.fixture(scope="module", params=SETS)
def workbench_scores(request: pytest.FixtureRequest, detector: PHIDetector) -> tuple[EvalSet, list[Case], list[str], dict[str, Any]]:
    evalset = load_evalset(request.param)
    return (evalset, *scored(evalset, detector))


def assert_same(result: dict[str, Any], expected: dict[str, Any], keys: list[str]) -> None:
    for key in keys:
        assert expected[key] is not None, key
        assert result[key] == pytest.approx(expected[key]), key


def test_metric_paths_hold_one_script_each() -> None:
    for name in METRIC_MODULES:
        assert (Path(metric_path(name)) / f"{name}.py").is_file()


def test_unknown_metric_names_the_known_ones() -> None:
    with pytest.raises(ValueError, match="known metrics: " + ", ".join(METRIC_MODULES)):
        metric_path("rouge")


def test_clinical_rouge(load_metric: Loader, workbench_scores: tuple[EvalSet, list[Case], list[str], dict[str, Any]]) -> None:
    evalset, cases, outputs, expected = workbench_scores
    language = evalset.manifest.language
    result = load_metric("clinical_rouge").compute(
        predictions=outputs, references=[case.reference for case in cases], language=language)
    assert_same(result, expected, ["rouge1", "rouge2", "rougeL", "rougeLsum"])
    assert 0.3 < result["rouge1"] < 1.0
    assert result["tokenization"] == {"en": "rouge-score", "zh": "char"}[language]


def test_structure_compliance(load_metric: Loader,
                              workbench_scores: tuple[EvalSet, list[Case], list[str], dict[str, Any]]) -> None:
    evalset, _cases, outputs, expected = workbench_scores
    result = load_metric("structure_compliance").compute(
        predictions=outputs, required_sections=list(evalset.manifest.required_sections))
    assert_same(result, expected, ["structure_compliance", "structure_ok"])
    assert 0.0 < result["structure_ok"] < 1.0


def test_clinical_values(load_metric: Loader, workbench_scores: tuple[EvalSet, list[Case], list[str], dict[str, Any]]) -> None:
    _evalset, cases, outputs, expected = workbench_scores
    result = load_metric("clinical_values").compute(
        predictions=outputs, references=[case.reference for case in cases], sources=[case.source for case in cases])
    assert_same(result, expected, ["values_kept_rate", "values_invented_rate"])
    assert 0.0 < result["values_invented_rate"] < 1.0


def test_phi_leakage(load_metric: Loader, workbench_scores: tuple[EvalSet, list[Case], list[str], dict[str, Any]]) -> None:
    evalset, cases, outputs, expected = workbench_scores
    spans = [[{"start": s.start, "end": s.end, "label": s.label} for s in case.phi] for case in cases]
    result = load_metric("phi_leakage").compute(
        predictions=outputs, sources=[case.source for case in cases], phi_spans=spans,
        language=evalset.manifest.language)
    assert_same(result, expected, ["phi_items", "phi_leaked_items", "phi_leak_rate", "phi_mention_leak_rate",
                                   "phi_document_leak_rate", "phi_partial_leaks"])
    assert result["phi_leak_rate_by_label"] == pytest.approx(expected["phi_leak_rate_by_label"])
    assert 0.0 < result["phi_leak_rate"] < 1.0


def test_phi_detector(load_metric: Loader, detector: PHIDetector,
                      workbench_scores: tuple[EvalSet, list[Case], list[str], dict[str, Any]]) -> None:
    evalset, cases, outputs, expected = workbench_scores
    result = load_metric("phi_detector").compute(
        predictions=outputs, sources=[case.source for case in cases], language=evalset.manifest.language,
        detector=detector)
    assert_same(result, expected, ["phi_detected_copied", "phi_detected_invented", "phi_invented_any"])
    assert 0.0 < result["phi_invented_any"] < 1.0
