"""Gold PHI of the source that reappears in the output: the workbench's ``case_leakage``."""

from __future__ import annotations

from typing import Any

import evaluate

from workbench.scoring.hf_metrics.common import check_language, check_per_prediction, metric_info
from workbench.data.evalsets import Case, PHISpan
from workbench.scoring.phi import case_leakage, leakage_aggregate

_DESCRIPTION = """\
Leakage of protected health information (PHI) from the source note into model outputs, scored
against gold spans exactly as the medical LLM evaluation workbench scores it.

Scheme: the gold spans of a source are grouped into distinct items (label and folded text); an item
leaks when it reappears in the output exactly, after normalisation (NFKC, case, spacing, date and
code formats), or partially (a surname with a title, a given name, a date without its year).
``phi_leak_rate`` is leaked items over all items, pooled over cases; ``phi_mention_leak_rate`` counts
gold mentions instead; ``phi_document_leak_rate`` is the share of cases with PHI where any item leaks.
"""

_KWARGS_DESCRIPTION = """
Args:
    predictions (list of str): model outputs.
    sources (list of str): the source note of each prediction.
    phi_spans (list of list of dict): per case, the gold PHI spans of its source as
        {"start": int, "end": int, "label": str} (character offsets, end exclusive).
    language (str, optional): "en" (default) or "zh".
Returns:
    phi_items, phi_leaked_items (int), phi_leak_rate, phi_mention_leak_rate,
    phi_document_leak_rate (float or None), phi_partial_leaks (int),
    phi_leak_rate_by_label (dict of label to float).
Examples:
    >>> metric = evaluate.load(metric_path("phi_leakage"))
    >>> metric.compute(predictions=["Seen by Dr. Lee."], sources=["Dr. Ann Lee saw him."],
    ...                phi_spans=[[{"start": 4, "end": 11, "label": "NAME"}]])["phi_leak_rate"]
    1.0
"""

def _case(index: int, source: str, spans: list[dict[str, Any]], language: str) -> Case:
    phi = tuple(PHISpan(start=int(span["start"]), end=int(span["end"]), label=str(span["label"])) for span in spans)
    for span in phi:
        if not 0 <= span.start < span.end <= len(source):
            raise ValueError(f"case {index}: span {span.start}-{span.end} is outside its source (length {len(source)})")
    return Case(id=str(index), language=language, source=source, reference="", phi=phi)  # type: ignore[arg-type]


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS_DESCRIPTION)
class PhiLeakage(evaluate.Metric):
    def _info(self) -> evaluate.MetricInfo:
        return metric_info(_DESCRIPTION, _KWARGS_DESCRIPTION, "predictions")

    def _compute(self, predictions: list[str], sources: list[str] | None = None,
                 phi_spans: list[list[dict[str, Any]]] | None = None, language: str = "en") -> dict[str, Any]:
        check_language(language)
        check_per_prediction("sources", sources, predictions, "source text")
        check_per_prediction("phi_spans", phi_spans, predictions, "list of spans")
        cases = [_case(index, source, spans, language) for index, (source, spans) in enumerate(zip(sources, phi_spans))]
        return leakage_aggregate([case_leakage(case, prediction) for case, prediction in zip(cases, predictions)])
