"""Identifiers found in outputs without gold, copied from the source or invented: the workbench's PHI detector."""

from __future__ import annotations

import evaluate

from workbench.scoring.hf_metrics.common import check_language, check_per_prediction, mean, metric_info
from workbench.scoring.phi_detector import PHIDetector, copied_and_invented

_DESCRIPTION = """\
Identifiers (names, dates, phone numbers, record numbers, addresses, ...) that appear in model outputs,
found without gold spans by the medical LLM evaluation workbench's offline PHI detector, and split into
those copied from the source note and those the model invented.

Scheme: English uses Presidio's pattern recognisers on a blank spaCy pipeline plus the workbench's
regular-expression rules; Chinese uses regular-expression rules only (resident ID with check digit,
phone numbers, 住院号/病案号, addresses, dates, ages, hospitals, names next to context words). Nothing is
downloaded. A detection counts as copied when it reappears in the source (exactly, normalised or
partially), otherwise as invented. The detector takes a few seconds to build; it is built once per
loaded metric, or pass your own as ``detector``.
"""

_KWARGS_DESCRIPTION = """
Args:
    predictions (list of str): model outputs.
    sources (list of str): the source note of each prediction.
    language (str, optional): "en" (default) or "zh".
    detector (PHIDetector, optional): a built ``workbench.scoring.phi_detector.PHIDetector`` to reuse.
Returns:
    phi_detected_copied (float or None): mean number of identifiers per output copied from the source.
    phi_detected_invented (float or None): mean number of identifiers per output not in the source.
    phi_invented_any (float or None): share of outputs with at least one invented identifier.
Examples:
    >>> metric = evaluate.load(metric_path("phi_detector"))
    >>> metric.compute(predictions=["Call (415) 555-0100."], sources=["No identifiers here."])["phi_invented_any"]
    1.0
"""


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS_DESCRIPTION)
class PhiDetector(evaluate.Metric):
    _detector: PHIDetector | None = None

    def _info(self) -> evaluate.MetricInfo:
        return metric_info(_DESCRIPTION, _KWARGS_DESCRIPTION, "predictions")

    def _compute(self, predictions: list[str], sources: list[str] | None = None, language: str = "en",
                 detector: PHIDetector | None = None) -> dict[str, float | None]:
        check_language(language)
        check_per_prediction("sources", sources, predictions, "source text")
        if detector is None:
            if self._detector is None:
                self._detector = PHIDetector()
            detector = self._detector
        copied: list[float] = []
        invented: list[float] = []
        for prediction, source in zip(predictions, sources):
            found_copied, found_invented = copied_and_invented(source, prediction, language, detector)
            copied.append(float(len(found_copied)))
            invented.append(float(len(found_invented)))
        return {
            "phi_detected_copied": mean(copied),
            "phi_detected_invented": mean(invented),
            "phi_invented_any": mean([1.0 if count else 0.0 for count in invented]),
        }
