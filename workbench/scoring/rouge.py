"""ROUGE-1/2/L/Lsum F-measures, identical to ``rouge_score.RougeScorer`` defaults, and fast.

Only the tokenization changes with the language; counting is rouge-score's everywhere
(clipped n-gram counts, F = 2PR/(P+R), ROUGE-Lsum sentences split on newlines). The
tokenization is one of the named schemes in :data:`SCHEMES`:

* ``"rouge-score"`` (English default): rouge-score's own tokenizer (lower-case, runs of
  ``[a-z0-9]``, no stemming), so published numbers reproduce to the last digit;
  ``rouge_score`` is asked for its tokenizer, never re-implemented. It drops every
  non-ASCII character, so it cannot score Chinese.
* ``"char"`` (Chinese default): character-level ROUGE as LCSTS-style and most published
  Chinese figures use it: after NFKC folding and lower-casing, every character that is not
  whitespace is one token, digits, Latin letters and punctuation included.
* ``"jieba"``: jieba word segmentation (default mode, HMM on) of the folded text with
  whitespace tokens dropped, the tokens rouge-chinese scores when it is given
  ``" ".join(jieba.cut(text))``.
* ``"cjk-mixed"``: one token per Han character, Latin words and numbers whole,
  punctuation dropped (:func:`tokenize_cjk`; the workbench's Chinese default before
  ``"char"``).

:func:`rouge_scheme` tells which scheme applies to a language.

The longest common subsequence is computed with a bit-parallel algorithm on Python
integers (one integer operation per reference token instead of one Python step per
table cell). ROUGE-Lsum needs the LCS *alignment*, not only its length, and its value
depends on which of several equally long alignments is read out; :func:`lcs_indices`
reads the table exactly as rouge-score's backtracking does (prefer moving left only
when the left cell is strictly larger), so the union-LCS is the same token for token.
"""

from __future__ import annotations

import functools
import logging
import re
import unicodedata
import warnings
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Literal, Sequence

from rouge_score import tokenize as rouge_tokenize

from workbench.errors import WorkbenchError

if TYPE_CHECKING:
    import jieba

Tokens = list[str]
ROUGE_TYPES = ("rouge1", "rouge2", "rougeL", "rougeLsum")

# One token per Han character (and CJK punctuation is dropped); runs of Latin letters or
# digits (with a decimal point) stay whole words, lower-cased, so "150/90mmHg" gives
# ["150", "90", "mmhg"] and "36.8℃" gives ["36.8"].
CJK_TOKEN = re.compile(
    r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f]"
    r"|[0-9]+(?:\.[0-9]+)?"
    r"|[a-z]+"
)


def tokenize_english(text: str) -> Tokens:
    """rouge-score's default tokenizer (no stemmer)."""
    return rouge_tokenize.tokenize(text, None)


def tokenize_cjk(text: str) -> Tokens:
    """Chinese-aware tokens: each Han character, each Latin word, each number.

    Full-width forms are folded to ASCII first (NFKC), so "１５０" matches "150".
    """
    return CJK_TOKEN.findall(unicodedata.normalize("NFKC", text).lower())


def _fold(text: str) -> str:
    """NFKC (full-width forms to ASCII, "１５０" → "150") and lower case."""
    return unicodedata.normalize("NFKC", text).lower()


def tokenize_chars(text: str) -> Tokens:
    """Character-level tokens: every character of the folded text that is not whitespace.

    Punctuation is kept, as in the published character-level scripts (LCSTS-style
    ``" ".join(text)``; PromptCBLUE and MedBench also keep punctuation as tokens). NFKC
    may turn one character into several: "℃" gives "°", "c".
    """
    return [character for character in _fold(text) if not character.isspace()]


@functools.cache
def _jieba_tokenizer() -> "jieba.Tokenizer":
    """jieba's tokenizer with its bundled dictionary, initialised once and quietly (no network)."""
    with warnings.catch_warnings():  # jieba imports pkg_resources where it exists, which warns
        warnings.simplefilter("ignore")
        import jieba

    jieba.setLogLevel(logging.WARNING)  # jieba logs "Building prefix dict..." to stderr at DEBUG
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    return tokenizer


def tokenize_jieba(text: str) -> Tokens:
    """jieba words of the folded text (precise mode, HMM on), whitespace tokens dropped."""
    return [word for word in _jieba_tokenizer().lcut(_fold(text)) if word.strip()]


SCHEMES: dict[str, Callable[[str], Tokens]] = {
    "rouge-score": tokenize_english,
    "char": tokenize_chars,
    "jieba": tokenize_jieba,
    "cjk-mixed": tokenize_cjk,
}
DEFAULT_SCHEMES: dict[str, str] = {"en": "rouge-score", "zh": "char"}


class RougeSchemeError(WorkbenchError, ValueError):
    """A ROUGE tokenization scheme that does not exist."""


def rouge_scheme(language: str, scheme: str | None = None) -> str:
    """The tokenization scheme that applies: ``scheme`` if given, else the language's default.

    Defaults: "zh" → "char", any other language → "rouge-score". Raises ``ValueError``
    naming the known schemes when ``scheme`` is not one of them.
    """
    if scheme is None:
        return DEFAULT_SCHEMES.get(language, "rouge-score")
    if scheme not in SCHEMES:
        raise RougeSchemeError(f"unknown ROUGE scheme {scheme!r}; known schemes: {', '.join(SCHEMES)}")
    return scheme


def tokenizer_for(language: str, scheme: str | None = None) -> Callable[[str], Tokens]:
    return SCHEMES[rouge_scheme(language, scheme)]


@dataclass(frozen=True)
class RougeScore:
    precision: float
    recall: float
    fmeasure: float


def _fmeasure(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0


# --- n-grams ------------------------------------------------------------------------


def _ngrams(tokens: Tokens, n: int) -> Counter[tuple[str, ...]]:
    return Counter(tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1))


def rouge_n(target: Tokens, prediction: Tokens, n: int) -> RougeScore:
    target_ngrams = _ngrams(target, n)
    prediction_ngrams = _ngrams(prediction, n)
    overlap = sum(min(count, prediction_ngrams[gram]) for gram, count in target_ngrams.items())
    precision = overlap / max(sum(prediction_ngrams.values()), 1)
    recall = overlap / max(sum(target_ngrams.values()), 1)
    return RougeScore(precision, recall, _fmeasure(precision, recall))


# --- longest common subsequence -------------------------------------------------------


def _match_masks(candidate: Sequence[str]) -> dict[str, int]:
    masks: dict[str, int] = {}
    for position, token in enumerate(candidate):
        masks[token] = masks.get(token, 0) | (1 << position)
    return masks


def _lcs_rows(reference: Sequence[str], width: int, masks: dict[str, int]) -> list[int]:
    """Bit vectors V_0..V_m of the LCS table (Allison-Dix / Hyyrö) against a candidate of ``width`` tokens.

    In V_i, bit j-1 is 0 where the table value rises between columns j-1 and j, so
    ``table[i][j] = j - popcount(V_i & ((1 << j) - 1))``.
    """
    full = (1 << width) - 1
    vector = full
    rows = [vector]
    for token in reference:
        matches = vector & masks.get(token, 0)
        vector = ((vector + matches) | (vector - matches)) & full
        rows.append(vector)
    return rows


def lcs_length(reference: Sequence[str], candidate: Sequence[str]) -> int:
    if not reference or not candidate:
        return 0
    width = len(candidate)
    full = (1 << width) - 1
    masks = _match_masks(candidate)
    vector = full
    for token in reference:
        matches = vector & masks.get(token, 0)
        vector = ((vector + matches) | (vector - matches)) & full
    return width - vector.bit_count()


def lcs_indices(reference: Sequence[str], candidate: Sequence[str], masks: dict[str, int] | None = None) -> list[int]:
    """Indices into ``reference`` of one LCS, chosen exactly as rouge-score chooses it.

    rouge-score walks back from the table's corner: on a match it takes the token,
    otherwise it moves left only if ``table[i][j-1] > table[i-1][j]``. Off a match the
    current cell equals the larger of the two, so the walk keeps the current value
    ``length`` and the test becomes: the row does not rise at column j (a bit test) and
    the cell above is ``length - 1`` (one popcount).
    """
    if not reference or not candidate:
        return []
    rows = _lcs_rows(reference, len(candidate), masks if masks is not None else _match_masks(candidate))
    i, j = len(reference), len(candidate)
    length = j - rows[i].bit_count()
    picked: list[int] = []
    while length > 0:
        if reference[i - 1] == candidate[j - 1]:
            picked.append(i - 1)
            i -= 1
            j -= 1
            length -= 1
        elif (rows[i] >> (j - 1)) & 1 and j - (rows[i - 1] & ((1 << j) - 1)).bit_count() == length - 1:
            j -= 1
        else:
            i -= 1
    picked.reverse()
    return picked


def rouge_l(target: Tokens, prediction: Tokens) -> RougeScore:
    if not target or not prediction:
        return RougeScore(0.0, 0.0, 0.0)
    length = lcs_length(target, prediction)
    precision = length / len(prediction)
    recall = length / len(target)
    return RougeScore(precision, recall, _fmeasure(precision, recall))


def rouge_lsum(target_sentences: list[Tokens], prediction_sentences: list[Tokens]) -> RougeScore:
    """Summary-level LCS with union-LCS per reference sentence and no double counting."""
    if not target_sentences or not prediction_sentences:
        return RougeScore(0.0, 0.0, 0.0)
    m = sum(map(len, target_sentences))
    n = sum(map(len, prediction_sentences))
    if not m or not n:
        return RougeScore(0.0, 0.0, 0.0)
    remaining_target: Counter[str] = Counter()
    remaining_prediction: Counter[str] = Counter()
    for sentence in target_sentences:
        remaining_target.update(sentence)
    for sentence in prediction_sentences:
        remaining_prediction.update(sentence)
    candidates = [(sentence, _match_masks(sentence)) for sentence in prediction_sentences if sentence]
    hits = 0
    for reference in target_sentences:
        union: set[int] = set()
        for candidate, masks in candidates:
            union.update(lcs_indices(reference, candidate, masks))
        for index in sorted(union):
            token = reference[index]
            if remaining_prediction[token] > 0 and remaining_target[token] > 0:
                hits += 1
                remaining_prediction[token] -= 1
                remaining_target[token] -= 1
    precision = hits / n
    recall = hits / m
    return RougeScore(precision, recall, _fmeasure(precision, recall))


def _sentences(text: str) -> list[str]:
    return [line for line in text.split("\n") if len(line)]


def rouge_scores(
    target: str,
    prediction: str,
    *,
    language: Literal["en", "zh"] | str = "en",
    scheme: str | None = None,
) -> dict[str, RougeScore]:
    """ROUGE-1, -2, -L and -Lsum of ``prediction`` against ``target`` (sentences split on newlines).

    ``scheme`` names the tokenization (see :data:`SCHEMES`); None takes the language's
    default, :func:`rouge_scheme` ``(language)``.
    """
    tokenize = tokenizer_for(language, scheme)
    target_tokens = tokenize(target)
    prediction_tokens = tokenize(prediction)
    return {
        "rouge1": rouge_n(target_tokens, prediction_tokens, 1),
        "rouge2": rouge_n(target_tokens, prediction_tokens, 2),
        "rougeL": rouge_l(target_tokens, prediction_tokens),
        "rougeLsum": rouge_lsum([tokenize(s) for s in _sentences(target)],
                                [tokenize(s) for s in _sentences(prediction)]),
    }
