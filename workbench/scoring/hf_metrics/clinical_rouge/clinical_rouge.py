"""ROUGE-1/2/L/Lsum F-measures with named tokenization schemes: the workbench's ``rouge_scores``."""

from __future__ import annotations

import evaluate

from workbench.scoring.hf_metrics.common import check_language, mean, metric_info
from workbench.scoring.rouge import ROUGE_TYPES, rouge_scheme, rouge_scores

_DESCRIPTION = """\
ROUGE-1, ROUGE-2, ROUGE-L and ROUGE-Lsum F-measures of each prediction against its reference,
averaged over pairs, exactly as the medical LLM evaluation workbench reports them.

Tokenization schemes: "rouge-score" (English default: rouge-score's tokenizer, lower-case runs of
[a-z0-9], no stemming, so numbers match ``rouge_score.RougeScorer``); "char" (Chinese default:
character-level, every non-whitespace character one token after NFKC folding and lower-casing,
punctuation kept); "jieba" (jieba words, as rouge-chinese is usually fed); "cjk-mixed" (each Han
character, Latin words and numbers whole, punctuation dropped). Counting is rouge-score's for every
scheme. ROUGE-Lsum splits sentences on newlines. Pairs whose reference is blank are skipped, as in
the workbench.
"""

_KWARGS_DESCRIPTION = """
Args:
    predictions (list of str): model outputs.
    references (list of str): one reference summary per prediction.
    language (str, optional): "en" (default) or "zh"; chooses the default tokenization scheme.
    scheme (str, optional): "rouge-score", "char", "jieba" or "cjk-mixed"; None (default) takes
        the language's default ("en" → "rouge-score", "zh" → "char").
Returns:
    rouge1, rouge2, rougeL, rougeLsum (float or None): mean F-measure over pairs with a
        non-blank reference (None when there are none).
    tokenization (str): the scheme used, e.g. "rouge-score" or "char".
Examples:
    >>> rouge = evaluate.load(metric_path("clinical_rouge"))
    >>> rouge.compute(predictions=["胸痛2小时"], references=["胸痛2小时"], language="zh")["rouge1"]
    1.0
"""


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS_DESCRIPTION)
class ClinicalRouge(evaluate.Metric):
    def _info(self) -> evaluate.MetricInfo:
        return metric_info(_DESCRIPTION, _KWARGS_DESCRIPTION, "predictions", "references")

    def _compute(self, predictions: list[str], references: list[str], language: str = "en",
                 scheme: str | None = None) -> dict[str, object]:
        check_language(language)
        scheme = rouge_scheme(language, scheme)
        per_type: dict[str, list[float]] = {name: [] for name in ROUGE_TYPES}
        for prediction, reference in zip(predictions, references):
            if not reference.strip():
                continue
            for name, score in rouge_scores(reference, prediction, language=language, scheme=scheme).items():
                per_type[name].append(score.fmeasure)
        result: dict[str, object] = {name: mean(values) for name, values in per_type.items()}
        result["tokenization"] = scheme
        return result
