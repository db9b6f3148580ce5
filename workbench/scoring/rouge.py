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
from itertools import chain
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


# rouge-score's tokens: after lower-casing, the runs of ASCII letters and digits (its tokenizer
# replaces every other character by a space, splits on spaces and keeps the runs of [a-z0-9]).
_ROUGE_SCORE_TOKEN = re.compile(r"[a-z0-9]+")


def tokenize_english(text: str) -> Tokens:
    """rouge-score's default tokenizer (no stemmer), token for token: the runs of ``[a-z0-9]`` in the
    lower-cased text, found in one pass (``rouge_score_tokens`` is rouge-score's own, kept for checks)."""
    return _ROUGE_SCORE_TOKEN.findall(text.lower())


def rouge_score_tokens(text: str) -> Tokens:
    """rouge-score's own tokenizer (no stemmer), as rouge-score calls it."""
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
    return _rouge_n_of_counts(_ngrams(target, n), _ngrams(prediction, n), len(target) - n + 1, len(prediction) - n + 1)


def _rouge_n_of_counts(target_ngrams: Counter, prediction_ngrams: Counter, target_total: int,
                       prediction_total: int) -> RougeScore:
    """ROUGE-N from the n-gram counts of both texts and their numbers of n-grams (clipped overlap:
    only n-grams both texts have are visited)."""
    overlap = sum(min(target_ngrams[gram], prediction_ngrams[gram]) for gram in target_ngrams.keys() & prediction_ngrams.keys())
    precision = overlap / max(prediction_total, 1)
    recall = overlap / max(target_total, 1)
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
class _SideBySide:
    """Prediction sentences laid side by side in one bit vector, each followed by one guard bit,
    and above them the whole prediction as one sequence (its tokens in text order, no guards).

    The guard bit is 0 in every row vector and in every match mask, so the carry of the
    bit-parallel addition stops there: each sentence's columns evolve exactly as they would
    alone, and one pass over the reference serves every prediction sentence (for ROUGE-Lsum,
    restarted at each reference sentence) and the whole prediction (for ROUGE-L, never restarted).
    """

    masks: dict[str, int]
    sentence_columns: int  # every bit that belongs to a sentence (guard bits cleared)
    last_columns: int  # the last column of each sentence
    columns: int  # the sentence columns and the whole prediction's
    whole_offset: int  # the bit of the whole prediction's first column

    @classmethod
    def of(cls, sentences: list[Tokens]) -> "_SideBySide":
        masks: dict[str, int] = {}
        get = masks.get
        non_empty = [sentence for sentence in sentences if sentence]
        tokens = sum(map(len, non_empty))
        whole_offset = tokens + len(non_empty)
        sentence_columns = 0
        last_columns = 0
        position = 0
        whole_position = whole_offset
        for sentence in non_empty:
            for token in sentence:
                masks[token] = get(token, 0) | (1 << position) | (1 << whole_position)
                position += 1
                whole_position += 1
            sentence_columns |= ((1 << len(sentence)) - 1) << (position - len(sentence))
            last_columns |= 1 << (position - 1)
            position += 1  # the guard bit
        columns = sentence_columns | (((1 << tokens) - 1) << whole_offset)
        return cls(masks, sentence_columns, last_columns, columns, whole_offset)


def _union_lcs(matched: list[tuple[int, int, int]], layout: _SideBySide) -> int:
    """Union over the prediction sentences of the reference positions of their LCS, read out as
    rouge-score reads it (:func:`_backtrack`), as bits of an integer; ``matched`` holds, for each reference
    token found in the prediction, (its position i, the columns holding it, the sentence columns where the LCS
    table rises at row i; see :func:`_summary_lcs`), in reference order. A token found nowhere in the
    prediction moves every walk up and adds nothing, so it is not listed.

    Every sentence's read-out walks up one reference row per step, so all of them walk together,
    row by row from the last: ``cursor`` holds the current column of each sentence (its bit
    ``j - 1`` for a walk at column ``j``). At row i a walk whose column holds the row's token
    takes it and moves diagonally; one whose table rises at its column moves left to the nearest
    column holding the token, takes it there and moves diagonally; the others move up.
    """
    columns = layout.sentence_columns
    cursor = layout.last_columns
    union = 0
    for index, match, rises in reversed(matched):
        diagonal = cursor & match
        leftward = (cursor ^ diagonal) & rises
        if not (diagonal or leftward):
            continue
        union |= 1 << index
        moved = diagonal >> 1
        cursor ^= diagonal ^ leftward
        while leftward:
            lowest = leftward & -leftward
            leftward ^= lowest
            # the nearest column below holding the token is bit q; the walk continues at bit q - 1
            moved |= (1 << (match & (lowest - 1)).bit_length()) >> 2
        cursor |= moved & columns
    return union


def _summary_lcs(target_sentences: list[Tokens], layout: _SideBySide) -> tuple[int, list[int]]:
    """The LCS length of the whole reference and the whole prediction (ROUGE-L, when the reference's
    tokens are its sentences' one after the other), and each reference sentence's union-LCS (ROUGE-Lsum).

    One bit-parallel pass goes over the reference tokens in order. For each token the pass keeps
    the sentence columns where the LCS table rises from the row above (bit x set where
    ``table[i][x + 1] = table[i - 1][x + 1] + 1``): the addition carries from the lowest match of
    each run of ones up to the first zero above it, and the table rises exactly over the columns
    the carry passes through, the carried-into bits (``total ^ vector ^ matches``) one place down.
    """
    columns, sentence_columns = layout.columns, layout.sentence_columns
    masks_get = layout.masks.get
    vector = columns
    unions: list[int] = []
    for reference in target_sentences:
        vector |= sentence_columns  # each sentence's table starts again; the whole prediction's goes on
        matched: list[tuple[int, int, int]] = []
        for index, token in enumerate(reference):
            match = masks_get(token, 0)
            if not match:
                continue
            matches = vector & match
            total = vector + matches
            matched.append((index, match, ((total ^ vector ^ matches) >> 1) & sentence_columns))
            vector = (total | (vector - matches)) & columns
        unions.append(_union_lcs(matched, layout))
    whole = (columns >> layout.whole_offset).bit_count()
    return whole - (vector >> layout.whole_offset).bit_count(), unions


def _summary_hits(target_sentences: list[Tokens], unions: list[int], target_counts: Counter[str],
                  prediction_counts: Counter[str]) -> int:
    """rouge-score's ROUGE-Lsum hits: the tokens of each sentence's union-LCS, in order, each counted
    while both texts still have an unused occurrence of it."""
    remaining_target = dict(target_counts)
    remaining_prediction = dict(prediction_counts)
    hits = 0
    for reference, union in zip(target_sentences, unions):
        while union:  # the union's positions in order, lowest first
            lowest = union & -union
            union ^= lowest
            token = reference[lowest.bit_length() - 1]
            if remaining_prediction.get(token, 0) > 0 and remaining_target[token] > 0:
                hits += 1
                remaining_prediction[token] -= 1
                remaining_target[token] -= 1
    return hits


def _rouge_of_lengths(common: int, target_length: int, prediction_length: int) -> RougeScore:
    precision = common / prediction_length
    recall = common / target_length
    return RougeScore(precision, recall, _fmeasure(precision, recall))


def rouge_lsum(target_sentences: list[Tokens], prediction_sentences: list[Tokens]) -> RougeScore:
    """Summary-level LCS with union-LCS per reference sentence and no double counting."""
    m = sum(map(len, target_sentences))
    n = sum(map(len, prediction_sentences))
    if not m or not n:
        return RougeScore(0.0, 0.0, 0.0)
    _whole, unions = _summary_lcs(target_sentences, _SideBySide.of(prediction_sentences))
    hits = _summary_hits(target_sentences, unions, Counter(chain.from_iterable(target_sentences)),
                         Counter(chain.from_iterable(prediction_sentences)))
    return _rouge_of_lengths(hits, m, n)


def _rouge_l_and_lsum(target_sentences: list[Tokens], prediction_sentences: list[Tokens],
                      target_counts: Counter[str], prediction_counts: Counter[str]) -> tuple[RougeScore, RougeScore]:
    """ROUGE-L and ROUGE-Lsum from one pass, for tokens that are the sentences' tokens one after the other."""
    m = sum(map(len, target_sentences))
    n = sum(map(len, prediction_sentences))
    if not m or not n:
        return RougeScore(0.0, 0.0, 0.0), RougeScore(0.0, 0.0, 0.0)
    whole, unions = _summary_lcs(target_sentences, _SideBySide.of(prediction_sentences))
    hits = _summary_hits(target_sentences, unions, target_counts, prediction_counts)
    return _rouge_of_lengths(whole, m, n), _rouge_of_lengths(hits, m, n)


def _sentences(text: str) -> list[str]:
    return [line for line in text.split("\n") if len(line)]


def _sentence_tokens(text: str, scheme: str) -> list[Tokens]:
    """The tokens of each non-empty line of ``text`` (rouge-score's sentences for ROUGE-Lsum)."""
    if scheme == "rouge-score":  # lower-casing keeps every line (it adds or drops no newline), so the text is lowered once
        find = _ROUGE_SCORE_TOKEN.findall
        return [find(line) for line in text.lower().split("\n") if line]
    tokenize = SCHEMES[scheme]
    return [tokenize(line) for line in _sentences(text)]


def _tokens(text: str, scheme: str) -> Tokens:
    """The tokens of ``text`` as :func:`rouge_scores` reads them for ROUGE-1/2/L under ``scheme``."""
    if scheme in LINE_SEPARABLE:
        return list(chain.from_iterable(_sentence_tokens(text, scheme)))
    return SCHEMES[scheme](text)


def rouge_l_fmeasure(target: str, prediction: str, *, language: Literal["en", "zh"] | str = "en",
                     scheme: str | None = None) -> float:
    """``rouge_scores(target, prediction, ...)["rougeL"].fmeasure``, computing ROUGE-L alone (the
    ROUGE by section reads nothing else)."""
    name = rouge_scheme(language, scheme)
    return rouge_l(_tokens(target, name), _tokens(prediction, name)).fmeasure


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
    target_sentences = _sentence_tokens(target, name)
    prediction_sentences = _sentence_tokens(prediction, name)
    if name in LINE_SEPARABLE:
        target_tokens = list(chain.from_iterable(target_sentences))
        prediction_tokens = list(chain.from_iterable(prediction_sentences))
    else:
        target_tokens = SCHEMES[name](target)
        prediction_tokens = SCHEMES[name](prediction)
    target_counts = Counter(target_tokens)
    prediction_counts = Counter(prediction_tokens)
    if name in LINE_SEPARABLE:
        rouge_l_score, rouge_lsum_score = _rouge_l_and_lsum(target_sentences, prediction_sentences, target_counts,
                                                            prediction_counts)
    else:
        rouge_l_score = rouge_l(target_tokens, prediction_tokens)
        rouge_lsum_score = rouge_lsum(target_sentences, prediction_sentences)
    return {
        "rouge1": _rouge_n_of_counts(target_counts, prediction_counts, len(target_tokens), len(prediction_tokens)),
        "rouge2": rouge_n(target_tokens, prediction_tokens, 2),
        "rougeL": rouge_l_score,
        "rougeLsum": rouge_lsum_score,
    }
