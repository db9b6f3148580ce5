"""Named ROUGE tokenization schemes: defaults by language, English unchanged, character-level
values checked by hand and against an independent implementation, jieba against rouge-chinese."""

from __future__ import annotations

import re
import subprocess
import sys
import unicodedata
from collections import Counter

import pytest
from rouge_score import rouge_scorer

from tests.conftest import PROJECT_ROOT
from workbench.scoring.rouge import SCHEMES, rouge_scheme, rouge_scores, tokenize_jieba

ENGLISH_PAIRS = [
    ("The patient reports chest pain for 3 days.", "Patient has had chest pain for three days."),
    ("BP 150/90 mmHg.\nTroponin I elevated at 3.2 ng/mL.", "Troponin elevated.\nBP was 150/90."),
    ("Assessment: acute MI. Plan: cath lab.", "Plan: cardiac catheterization; assessment acute myocardial infarction"),
    ("no known drug allergies", "NKDA"),
]

CHINESE_PAIRS = [
    ("【主诉】胸痛4小时。\n【初步诊断】急性心肌梗死。", "【主诉】胸痛4小时\n【诊断】急性心梗"),
    ("血压150/90mmHg，心率88次/分。", "血压 160/90 mmHg，心率 88 次/分。"),
    ("既往高血压6年，糖尿病3年。", "高血压病史6年；否认糖尿病。"),
    ("白细胞11.2×10^9/L，CK-MB 95U/L。", "ck-mb 95 u/l，白细胞１１.２×10^9/L"),
    ("患者胸痛3天，伴大汗。\n含服硝酸甘油不缓解。", "含服硝酸甘油后缓解。\n胸痛三天。"),
]


# --- defaults and names -----------------------------------------------------------------


def test_scheme_defaults_by_language() -> None:
    assert rouge_scheme("zh") == "char"
    assert rouge_scheme("en") == "rouge-score"
    assert rouge_scheme("zh", "jieba") == "jieba"
    assert rouge_scheme("en", "cjk-mixed") == "cjk-mixed"
    assert list(SCHEMES) == ["rouge-score", "char", "jieba", "cjk-mixed"]
    # The default is the same as naming it.
    reference, output = CHINESE_PAIRS[0]
    assert rouge_scores(reference, output, language="zh") == rouge_scores(reference, output, language="zh", scheme="char")


def test_unknown_scheme_names_the_known_ones() -> None:
    with pytest.raises(ValueError, match="known schemes: rouge-score, char, jieba, cjk-mixed"):
        rouge_scheme("zh", "words")
    with pytest.raises(ValueError, match="'bpe'"):
        rouge_scores("胸痛", "胸痛", language="zh", scheme="bpe")


# --- English unchanged ------------------------------------------------------------------


@pytest.mark.parametrize("scheme", [None, "rouge-score"])
def test_english_identical_to_rouge_score(scheme: str | None) -> None:
    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL", "rougeLsum"])
    for reference, output in ENGLISH_PAIRS:
        expected = scorer.score(reference, output)
        ours = rouge_scores(reference, output, language="en", scheme=scheme)
        for name, score in expected.items():
            assert (ours[name].precision, ours[name].recall, ours[name].fmeasure) == \
                (score.precision, score.recall, score.fmeasure), (name, reference)


# --- character level --------------------------------------------------------------------


def fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def fmeasures(reference: str, output: str, scheme: str | None = None) -> dict[str, float]:
    return {name: score.fmeasure for name, score in rouge_scores(reference, output, language="zh", scheme=scheme).items()}


def test_char_values_by_hand() -> None:
    # 血 压 1 5 0 / 9 0 m m h g against 血 压 1 6 0 / 9 0 m m h g: 11 of 12 characters,
    # 9 of 11 bigrams (15, 50 lost), LCS 11.
    changed = fmeasures("血压150/90mmHg", "血压160/90mmHg")
    assert changed == pytest.approx({"rouge1": 11 / 12, "rouge2": 9 / 11, "rougeL": 11 / 12, "rougeLsum": 11 / 12})
    # The same pair under cjk-mixed: 血 压 150 90 mmhg against 血 压 160 90 mmhg.
    mixed = fmeasures("血压150/90mmHg", "血压160/90mmHg", "cjk-mixed")
    assert mixed == pytest.approx({"rouge1": 4 / 5, "rouge2": 2 / 4, "rougeL": 4 / 5, "rougeLsum": 4 / 5})

    # NFKC folds "：" and "３"; spaces are not tokens; "。" is kept, so the output misses one of 8
    # tokens: P = 1, R = 7/8 (F = 14/15), and 6 of 7 bigrams (F = 12/13).
    folded = fmeasures("主诉：胸痛３天。", "主诉:胸痛 3 天")
    assert folded == pytest.approx({"rouge1": 14 / 15, "rouge2": 12 / 13, "rougeL": 14 / 15, "rougeLsum": 14 / 15})

    # Sentences swapped: every character matches, bigrams 胸痛 and 发热 of 3 (痛发 / 热胸 span the
    # newline), LCS over the whole text 2 of 4, union-LCS per line 4 of 4.
    swapped = fmeasures("胸痛\n发热", "发热\n胸痛")
    assert swapped == pytest.approx({"rouge1": 1.0, "rouge2": 2 / 3, "rougeL": 0.5, "rougeLsum": 1.0})

    # Upper and lower case are one token.
    assert fmeasures("CK-MB升高", "ck-mb升高")["rouge1"] == 1.0


def independent_char_scores(reference: str, output: str) -> dict[str, float]:
    """ROUGE-1/2/L F-measures on lists of characters: a textbook table LCS, nothing shared."""

    def characters(text: str) -> list[str]:
        return list(re.sub(r"\s+", "", unicodedata.normalize("NFKC", text).lower()))

    def f1(overlap: int, predicted: int, gold: int) -> float:
        if overlap == 0:
            return 0.0
        precision, recall = overlap / predicted, overlap / gold
        return 2 * precision * recall / (precision + recall)

    def ngram_f1(a: list[str], b: list[str], n: int) -> float:
        gold = Counter(tuple(a[i:i + n]) for i in range(len(a) - n + 1))
        predicted = Counter(tuple(b[i:i + n]) for i in range(len(b) - n + 1))
        return f1(sum((gold & predicted).values()), sum(predicted.values()), sum(gold.values()))

    a, b = characters(reference), characters(output)
    table = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            table[i][j] = table[i - 1][j - 1] + 1 if a[i - 1] == b[j - 1] else max(table[i - 1][j], table[i][j - 1])
    return {"rouge1": ngram_f1(a, b, 1), "rouge2": ngram_f1(a, b, 2), "rougeL": f1(table[-1][-1], len(b), len(a))}


def test_char_matches_an_independent_implementation() -> None:
    for reference, output in CHINESE_PAIRS + [(output, reference) for reference, output in CHINESE_PAIRS]:
        ours = fmeasures(reference, output)
        expected = independent_char_scores(reference, output)
        for name, value in expected.items():
            assert ours[name] == pytest.approx(value, abs=1e-12), (name, reference, output)


# --- jieba ------------------------------------------------------------------------------


def test_jieba_scheme_uses_jieba_words() -> None:
    import jieba

    assert tokenize_jieba("急性心肌梗死") == ["急性", "心肌梗死"]
    assert tokenize_jieba("既往 高血压6年。") == ["既往", "高血压", "6", "年", "。"]
    for pair in CHINESE_PAIRS:
        for text in pair:
            assert tokenize_jieba(text) == [word for word in jieba.lcut(fold(text)) if word.strip()]
    # Word-level ROUGE differs from character level: "心肌梗死" against "心肌梗塞" is one word missed.
    assert fmeasures("急性心肌梗死", "急性心肌梗塞", "jieba")["rouge1"] == pytest.approx(0.5)
    assert fmeasures("急性心肌梗死", "急性心肌梗塞", "char")["rouge1"] == pytest.approx(5 / 6)


def test_jieba_initialises_quietly() -> None:
    completed = subprocess.run(
        [sys.executable, "-c", "from workbench.scoring.rouge import tokenize_jieba; print(tokenize_jieba('胸痛'))"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, check=True, timeout=120)
    assert completed.stdout.strip() == "['胸痛']"
    assert completed.stderr == ""


def test_jieba_matches_rouge_chinese() -> None:
    """rouge-chinese fed the jieba words of the folded text joined by spaces.

    Compared with ``exclusive=False`` (repeated n-grams counted, clipped, as rouge-score does);
    its default ``exclusive=True`` counts each distinct n-gram once. Whitespace words are left
    out of what it is fed: a newline right after "。" would give it an empty-string token.
    """
    rouge_chinese = pytest.importorskip("rouge_chinese")
    import jieba

    def words(text: str) -> str:
        return " ".join(word for word in jieba.cut(fold(text)) if word.strip())

    scorer = rouge_chinese.Rouge(exclusive=False)
    for reference, output in CHINESE_PAIRS + [(output, reference) for reference, output in CHINESE_PAIRS]:
        expected = scorer.get_scores(words(output), words(reference))[0]
        ours = fmeasures(reference, output, "jieba")
        # rouge-chinese adds 1e-8 to the F-measure's denominator; its ROUGE-L is over the whole text.
        assert ours["rouge1"] == pytest.approx(expected["rouge-1"]["f"], abs=1e-7), reference
        assert ours["rouge2"] == pytest.approx(expected["rouge-2"]["f"], abs=1e-7), reference
        assert ours["rougeL"] == pytest.approx(expected["rouge-l"]["f"], abs=1e-7), reference


def test_line_separable_schemes_tokenize_a_text_as_its_lines_one_after_the_other() -> None:
    """ROUGE-1/2/L reuse the tokens of the lines ROUGE-Lsum reads; that needs these schemes to give the
    same tokens for a whole text and for its lines put end to end (combining marks and full-width
    forms at line starts included)."""
    import random

    from workbench.data.evalsets import load_evalset
    from workbench.scoring.rouge import LINE_SEPARABLE

    texts = [case.source + "\n" + case.reference
             for name in ("smoke-en", "smoke-zh", "clinical-summary-en", "inpatient-summary-zh")
             for case in load_evalset(name).cases]
    rng = random.Random(2)
    pieces = ["a", "B", "é", "e\u0301", "\u0301", "Σ", "ς", "１５０", "℃", "胸痛", "İ", "ﬁ", " ", "\n", "\r\n", "\n\n", "-", "3.5"]
    texts += ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 30))) for _ in range(2000)]
    for scheme in LINE_SEPARABLE:
        tokenize = SCHEMES[scheme]
        for text in texts:
            by_line = [token for line in text.split("\n") if line for token in tokenize(line)]
            assert tokenize(text) == by_line, (scheme, text)
