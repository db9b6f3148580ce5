"""ROUGE-1/2/L/Lsum F-measures with CJK-aware tokenization: the workbench's ``rouge_scores``."""

from __future__ import annotations

import evaluate

from workbench.scoring.hf_metrics.common import check_language, mean, metric_info
from workbench.scoring.rouge import ROUGE_TYPES, rouge_scores

TOKENIZATION = {"en": "rouge-score default", "zh": "character-level CJK"}

_DESCRIPTION = """\
ROUGE-1, ROUGE-2, ROUGE-L and ROUGE-Lsum F-measures of each prediction against its reference,
averaged over pairs, exactly as the medical LLM evaluation workbench reports them.

Tokenization scheme: English ("en") uses rouge-score's default tokenizer (lower-case runs of
[a-z0-9], no stemming), so numbers match ``rouge_score.RougeScorer``; Chinese ("zh") is tokenized
at character level: each Han character is a token, Latin words and numbers stay whole, after NFKC
folding (rouge-score's own tokenizer would drop every Chinese character). ROUGE-Lsum splits
sentences on newlines. Pairs whose reference is blank are skipped, as in the workbench.
"""

_KWARGS_DESCRIPTION = """
Args:
    predictions (list of str): model outputs.
    references (list of str): one reference summary per prediction.
    language (str, optional): "en" (default) or "zh"; chooses the tokenization.
Returns:
    rouge1, rouge2, rougeL, rougeLsum (float or None): mean F-measure over pairs with a
        non-blank reference (None when there are none).
    tokenization (str): "rouge-score default" or "character-level CJK".
Examples:
    >>> rouge = evaluate.load(metric_path("clinical_rouge"))
    >>> rouge.compute(predictions=["胸痛2小时"], references=["胸痛2小时"], language="zh")["rouge1"]
    1.0
"""


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS_DESCRIPTION)
class ClinicalRouge(evaluate.Metric):
    def _info(self) -> evaluate.MetricInfo:
        return metric_info(_DESCRIPTION, _KWARGS_DESCRIPTION, "predictions", "references")

    def _compute(self, predictions: list[str], references: list[str], language: str = "en") -> dict[str, object]:
        check_language(language)
        per_type: dict[str, list[float]] = {name: [] for name in ROUGE_TYPES}
        for prediction, reference in zip(predictions, references):
            if not reference.strip():
                continue
            for name, score in rouge_scores(reference, prediction, language=language).items():
                per_type[name].append(score.fmeasure)
        result: dict[str, object] = {name: mean(values) for name, values in per_type.items()}
        result["tokenization"] = TOKENIZATION[language]
        return result
