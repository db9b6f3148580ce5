"""Clinical values kept from the reference and invented beyond the source: the workbench's ``value_fidelity``."""

from __future__ import annotations

import evaluate

from workbench.scoring.hf_metrics.common import check_per_prediction, mean, metric_info
from workbench.scoring.values import value_fidelity

_DESCRIPTION = """\
Fidelity of the clinical values (numbers with units such as "168/96 mmHg", "11.2 mmol/L", "36.9 °C",
and named scores such as "INR 1.0" or "NIHSS 4") in model summaries, exactly as the medical LLM
evaluation workbench scores it.

Scheme: values are numbers with their units (thousands separators, signs, ranges and ratios parsed; unit
spellings folded; fixed conversions such as g/dL and g/L, °F and °C applied) bound to the analyte the text
names before them. The kept rate is the share of the reference's distinct values that the prediction also
contains; the invented rate is the share of the prediction's values that the source does not give for the
same analyte (or, without an analyte, with the same number and unit), doses with a wrong unit included. Cases where a rate is
undefined (no values in the reference, or none in the prediction) are left out of its mean.
"""

_KWARGS_DESCRIPTION = """
Args:
    predictions (list of str): model outputs.
    references (list of str): one reference summary per prediction.
    sources (list of str): the source note each prediction summarises.
Returns:
    values_kept_rate (float or None): mean share of reference values kept.
    values_invented_rate (float or None): mean share of output values not found in the source.
Examples:
    >>> metric = evaluate.load(metric_path("clinical_values"))
    >>> metric.compute(predictions=["BP 150/90 mmHg"], references=["BP 150/90 mmHg"],
    ...                sources=["BP 150/90 mmHg, HR 80 bpm"])["values_kept_rate"]
    1.0
"""


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS_DESCRIPTION)
class ClinicalValues(evaluate.Metric):
    def _info(self) -> evaluate.MetricInfo:
        return metric_info(_DESCRIPTION, _KWARGS_DESCRIPTION, "predictions", "references")

    def _compute(self, predictions: list[str], references: list[str],
                 sources: list[str] | None = None) -> dict[str, float | None]:
        check_per_prediction("sources", sources, predictions, "source text")
        results = [value_fidelity(prediction, reference, source)
                   for prediction, reference, source in zip(predictions, references, sources)]
        return {
            "values_kept_rate": mean([result.kept_rate for result in results]),
            "values_invented_rate": mean([result.invented_rate for result in results]),
        }
