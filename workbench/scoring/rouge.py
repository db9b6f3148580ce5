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
For ROUGE-Lsum every prediction line is laid side by side in one integer, so one pass
over a reference line gives the table of each prediction line (:class:`_Candidates`).
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
# Schemes whose tokens of a text are the tokens of its lines one after the other (each character
# is read on its own and a newline ends every token), so a text is tokenized once, line by line,
# for ROUGE-1/2/L and ROUGE-Lsum alike. jieba segments whole runs of text, so it is not one.
LINE_SEPARABLE = frozenset({"rouge-score", "char", "cjk-mixed"})


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


def _ngrams(tokens: Tokens, n: int) -> Counter[str] | Counter[tuple[str, ...]]:
    """Counts of the n-grams of ``tokens``: tokens themselves for n = 1, else tuples (``zip`` over
    shifted copies builds them in C)."""
    if n == 1:
        return Counter(tokens)
    return Counter(zip(*(tokens[i:] for i in range(n))))


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
    """Indices into ``reference`` of one LCS, chosen exactly as rouge-score chooses it (see :func:`_backtrack`)."""
    if not reference or not candidate:
        return []
    masks = masks if masks is not None else _match_masks(candidate)
    rows = _lcs_rows(reference, len(candidate), masks)
    length = len(candidate) - rows[-1].bit_count()
    picked = _backtrack(reference, candidate, frozenset(candidate), masks, rows, 0, length)
    return [index for index in range(len(reference)) if (picked >> index) & 1]


def rouge_l(target: Tokens, prediction: Tokens) -> RougeScore:
    if not target or not prediction:
        return RougeScore(0.0, 0.0, 0.0)
    length = lcs_length(target, prediction)
    precision = length / len(prediction)
    recall = length / len(target)
    return RougeScore(precision, recall, _fmeasure(precision, recall))


def _backtrack(reference: Sequence[str], candidate: Sequence[str], candidate_tokens: frozenset[str],
               masks: dict[str, int], rows: list[int], offset: int, length: int) -> int:
    """The reference positions of the LCS that rouge-score's backtracking reads out, as bits of an integer.

    ``rows`` are the bit vectors of a pass over one or more candidates laid side by side, and
    ``masks`` their match masks; this candidate's columns start at bit ``offset`` and its LCS has
    ``length`` tokens. rouge-score walks back from the corner: on a match it takes the token,
    else it moves left only when ``table[i][j-1] > table[i-1][j]``. Off a match the cell holds
    the walk's current ``length``, and the cell above holds ``length`` or ``length - 1``:

    * above is ``length``: the walk moves up (a reference token the candidate lacks leaves
      its row equal to the one above, so its row is passed over without reading the table);
    * above is ``length - 1``: the cell on the left is ``length``, and it stays so, with
      ``length - 1`` above it, until the walk meets the reference token in the candidate:
      the walk moves left to the nearest such column and takes the match there.
    """
    picked = 0
    i, j = len(reference), len(candidate)
    while length > 0:
        token = reference[i - 1]
        if token == candidate[j - 1]:
            picked |= 1 << (i - 1)
            j -= 1
        elif token not in candidate_tokens or j - ((rows[i - 1] >> offset) & ((1 << j) - 1)).bit_count() == length:
            i -= 1
            continue
        else:
            picked |= 1 << (i - 1)
            j = ((masks[token] >> offset) & ((1 << (j - 1)) - 1)).bit_length() - 1
        i -= 1
        length -= 1
    return picked


@dataclass(frozen=True)
class _Candidate:
    tokens: Sequence[str]
    token_set: frozenset[str]
    offset: int  # the bit of its first column
    columns: int  # ones over its columns, from bit 0


@dataclass(frozen=True)
class _Candidates:
    """Prediction sentences laid side by side in one bit vector, each followed by one guard bit.

    The guard bit is 0 in every row vector and in every match mask, so the carry of the
    bit-parallel addition stops there: each sentence's columns evolve exactly as they
    would alone, and one pass over a reference sentence serves every prediction sentence.
    """

    sentences: list[_Candidate]
    masks: dict[str, int]
    columns: int  # every bit that belongs to a sentence (guard bits cleared)

    @classmethod
    def of(cls, sentences: list[Sequence[str]]) -> "_Candidates":
        masks: dict[str, int] = {}
        laid_out: list[_Candidate] = []
        columns = 0
        position = 0
        for sentence in sentences:
            own_columns = (1 << len(sentence)) - 1
            laid_out.append(_Candidate(sentence, frozenset(sentence), position, own_columns))
            columns |= own_columns << position
            for token in sentence:
                masks[token] = masks.get(token, 0) | (1 << position)
                position += 1
            position += 1  # the guard bit
        return cls(laid_out, masks, columns)


def _union_lcs(reference: Sequence[str], candidates: _Candidates) -> int:
    """Union over the candidates of the reference positions of their LCS (rouge-score's read-out), as bits.

    A sentence none of whose tokens is at a reference position still outside the union cannot
    add to it and is not read out; once the union holds every position, no sentence is.
    """
    columns = candidates.columns
    masks = candidates.masks
    vector = columns
    rows = [vector]
    for token in reference:
        matches = vector & masks.get(token, 0)
        vector = ((vector + matches) | (vector - matches)) & columns
        rows.append(vector)
    everything = (1 << len(reference)) - 1
    union = 0
    outside: set[str] | frozenset[str] = frozenset(reference)  # tokens at positions outside the union
    for candidate in candidates.sentences:
        if candidate.token_set.isdisjoint(outside):
            continue
        length = len(candidate.tokens) - ((vector >> candidate.offset) & candidate.columns).bit_count()
        if not length:
            continue
        added = _backtrack(reference, candidate.tokens, candidate.token_set, masks, rows, candidate.offset, length)
        if added & ~union:
            union |= added
            if union == everything:
                break
            outside = {token for index, token in enumerate(reference) if not (union >> index) & 1}
    return union


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
    candidates = _Candidates.of([sentence for sentence in prediction_sentences if sentence])
    hits = 0
    for reference in target_sentences:
        union = _union_lcs(reference, candidates)
        index = 0
        while union:
            if union & 1:
                token = reference[index]
                if remaining_prediction[token] > 0 and remaining_target[token] > 0:
                    hits += 1
                    remaining_prediction[token] -= 1
                    remaining_target[token] -= 1
            union >>= 1
            index += 1
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
    name = rouge_scheme(language, scheme)
    tokenize = SCHEMES[name]
    target_sentences = [tokenize(s) for s in _sentences(target)]
    prediction_sentences = [tokenize(s) for s in _sentences(prediction)]
    if name in LINE_SEPARABLE:
        target_tokens = [token for sentence in target_sentences for token in sentence]
        prediction_tokens = [token for sentence in prediction_sentences for token in sentence]
    else:
        target_tokens = tokenize(target)
        prediction_tokens = tokenize(prediction)
    return {
        "rouge1": rouge_n(target_tokens, prediction_tokens, 1),
        "rouge2": rouge_n(target_tokens, prediction_tokens, 2),
        "rougeL": rouge_l(target_tokens, prediction_tokens),
        "rougeLsum": rouge_lsum(target_sentences, prediction_sentences),
    }
