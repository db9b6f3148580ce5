"""Required section headings present, in order and non-empty: the workbench's ``check_structure``."""

from __future__ import annotations

import evaluate

from workbench.scoring.hf_metrics.common import mean, metric_info
from workbench.scoring.structure import check_structure

_DESCRIPTION = """\
Structure compliance of clinical summaries, exactly as the medical LLM evaluation workbench scores it.

Scheme: each required heading is searched for in the output after NFKC folding and case folding;
a present heading counts only when text (other than whitespace, colons, dashes, asterisks and
hashes) follows it before the next heading. Compliance is the share of required headings present
and non-empty; an output is fully "ok" when none is missing or empty and they appear in the
required order.
"""

_KWARGS_DESCRIPTION = """
Args:
    predictions (list of str): model outputs.
    required_sections (list of str): headings every output must contain, in order,
        e.g. ["Chief Complaint:", "Assessment and Plan:"] or ["【主诉】", "【初步诊断】"].
Returns:
    structure_compliance (float or None): mean compliance over outputs (None for no outputs).
    structure_ok (float or None): share of outputs with every section present, non-empty and in order.
Examples:
    >>> metric = evaluate.load(metric_path("structure_compliance"))
    >>> metric.compute(predictions=["A: x\\nB: y"], required_sections=["A:", "B:"])["structure_ok"]
    1.0
"""


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS_DESCRIPTION)
class StructureCompliance(evaluate.Metric):
    def _info(self) -> evaluate.MetricInfo:
        return metric_info(_DESCRIPTION, _KWARGS_DESCRIPTION, "predictions")

    def _compute(self, predictions: list[str], required_sections: list[str] | None = None) -> dict[str, float | None]:
        if not required_sections:
            raise ValueError("required_sections must name at least one heading")
        results = [check_structure(prediction, tuple(required_sections)) for prediction in predictions]
        return {
            "structure_compliance": mean([result.compliance for result in results]),
            "structure_ok": mean([1.0 if result.ok else 0.0 for result in results]),
        }
