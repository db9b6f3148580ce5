"""The fast paths of the default scorers give the numbers of the plain computations they replace."""

from __future__ import annotations

import random
import re

import numpy as np
import pytest
from rouge_score import rouge_scorer

from workbench.scoring import stats, values
from workbench.scoring.phi import _DATE_PATTERNS, find_dates, fold
from workbench.scoring.rouge import rouge_score_tokens, rouge_scores, tokenize_english

WORDS = "the a pain chest left arm no yes mg bp 胸痛 血压 患者 Ｋ İ ı ſ é ﬁ 150/90mmHg 36.8℃".split()


def _random_text(rng: random.Random, lines: int, words: int) -> str:
    return "\n".join(" ".join(rng.choice(WORDS) for _ in range(rng.randint(0, words))) for _ in range(lines))


def test_english_tokens_are_rouge_scores_own_on_mixed_and_adversarial_text() -> None:
    rng = random.Random(11)
    alphabet = "abcXYZ019 \n\t.,-_'’İıſKﬁé胸痛１５０ΣςσÅ\u00a0\u3000"
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 60))) for _ in range(3000)]
    texts += ["İstanbul KELVIN ſtop", "ΑΣ\nΒ", "", "\n\n", "A1c 4,500 x10⁹/L"]
    for text in texts:
        assert tokenize_english(text) == rouge_score_tokens(text), repr(text)


def test_rouge_equals_rouge_score_on_random_many_line_texts() -> None:
    """Many lines over a small vocabulary (many equally long alignments, lines whose tokens repeat),
    with Chinese and mixed words, empty lines and lines without tokens."""
    rng = random.Random(17)
    reference = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL", "rougeLsum"])
    for _ in range(400):
        target = _random_text(rng, rng.randint(0, 8), 12)
        prediction = _random_text(rng, rng.randint(0, 8), 12)
        expected = reference.score(target, prediction)
        ours = rouge_scores(target, prediction, language="en")
        for name, score in expected.items():
            assert (ours[name].precision, ours[name].recall, ours[name].fmeasure) == \
                (score.precision, score.recall, score.fmeasure), (name, target, prediction)


@pytest.mark.parametrize("scheme", ["char", "cjk-mixed"])
def test_one_pass_rouge_l_and_lsum_equal_the_separate_computations(scheme: str) -> None:
    from workbench.scoring.rouge import SCHEMES, _sentences, rouge_l, rouge_lsum

    rng = random.Random(23)
    tokenize = SCHEMES[scheme]
    for _ in range(300):
        target = _random_text(rng, rng.randint(0, 6), 8)
        prediction = _random_text(rng, rng.randint(0, 6), 8)
        ours = rouge_scores(target, prediction, scheme=scheme)
        target_sentences = [tokenize(line) for line in _sentences(target)]
        prediction_sentences = [tokenize(line) for line in _sentences(prediction)]
        assert ours["rougeL"] == rouge_l(tokenize(target), tokenize(prediction))
        assert ours["rougeLsum"] == _lsum_by_rouge_score_read_out(target_sentences, prediction_sentences)
        assert ours["rougeLsum"] == rouge_lsum(target_sentences, prediction_sentences)


def _lsum_by_rouge_score_read_out(target_sentences: list[list[str]], prediction_sentences: list[list[str]]):
    """rouge-score's own summary-level LCS (its table and backtracking), on any tokens."""
    from rouge_score.rouge_scorer import _summary_level_lcs

    from workbench.scoring.rouge import RougeScore

    if not any(target_sentences) or not any(prediction_sentences):
        return RougeScore(0.0, 0.0, 0.0)
    score = _summary_level_lcs(target_sentences, prediction_sentences)
    return RougeScore(score.precision, score.recall, score.fmeasure)


def _values_by_plain_search(text: str) -> list[tuple]:
    """Clinical values as found with the patterns run over the whole text (the reference for the fast search)."""
    folded, origins = values._fold(text)
    names = list(values.ANALYTE_PATTERN.finditer(folded))
    found = [(m.start(), m.end(), m.group("number"), values._normalise_unit(m.group("scale") or "", m.group("unit")), None)
             for m in values.VALUE_PATTERN.finditer(folded)]
    taken = [(start, end) for start, end, *_rest in found]
    for name in names:
        analyte = values._alias_key(name.group(0))
        bare = values._AFTER_NAME.match(folded, name.end())
        if analyte is None or bare is None:
            continue
        number_start, number_end = bare.span("number")
        if not any(start < number_end and number_start < end for start, end in taken):
            found.append((name.start(), bare.end(), bare.group("number"), "", analyte))
    found.sort(key=lambda item: item[0])
    result, previous_end = [], 0
    for start, end, number_text, unit, named in found:
        clause_start = max([previous_end] + [m.end() for m in values._CLAUSE_END.finditer(folded, previous_end, start)])
        within = [n for n in names if n.start() >= clause_start and n.end() <= start]
        analyte = named or (values._alias_key(within[-1].group(0)) if within else None)
        original_start, original_end = origins[start], origins[end - 1] + 1
        result.append((values._normalise_number(number_text.strip()), unit, text[original_start:original_end], analyte,
                       original_start, original_end, values._decimals(number_text)))
        previous_end = end
    return result


SNIPPETS = [
    "Hb", "hb", "HbA1c", "K+", "K", "Na+", "HCO3-", "BP", "bp", "HR", "pH", "PH", "T", "temp", "WBC", "white blood cells",
    "血红蛋白", "钠", "丙戊酸钠", "高血压", "血压", "心率", "血糖", "NT-proBNP", "NT proBNP", "troponin I", "CURB-65",
    "D-dimer", "D-二聚体", "C-反应蛋白", "B型钠尿肽", " ", "  ", "\n", ",", "，", ";", "；", "。", ".", ". ", ":", "：", "=", "-",
    "–", "~", "至", "+", "/", "4", "12", "4,500", "4 500", "3.5", "0.50", "−8", "150/90", "36+1", "周", "x10^9", "×10⁹", "²",
    "mmHg", "mm Hg", "mmol/L", "μmol/L", "mg", "mcg", "g/L", "g/dL", "°C", "℃", "°F", "%", "次/分", "bpm", "L", "U", "kg", "岁",
    "score", "is", "of", "was", "评分", "İNR", "ſodium", "Ｋ", "１５０", "é", "x", "the", "glucose", "SpO2", "O2 sat", "GCS",
    "whıte cells", "WHİTE CELLS", "ı", "İ", "platelet count", "MRN 78622131", "05/16/2026", "(698) 555-7634",
]


def test_value_search_finds_what_the_whole_text_search_finds() -> None:
    rng = random.Random(29)
    texts = ["".join(rng.choice(SNIPPETS) for _ in range(rng.randint(1, 30))) for _ in range(4000)]
    texts += ["Observations: BP 122/82 mmHg, HR 65 bpm, SpO2 90%, temperature 36.3 °C, potassium 4.9 mmol/L.",
              "既往高血压6年，血压150/90mmHg。", "丙戊酸钠 500mg，钠 135mmol/L", "HR\n64", "WBC 4,500 /uL; Hb\nis 92 g/L"]
    for text in texts:
        found = [(v.number, v.unit, v.text, v.analyte, v.start, v.end, v.decimals) for v in values.extract_values(text)]
        assert found == _values_by_plain_search(text), repr(text)


def _origins_one_by_one(text: str) -> list[int]:
    """The index in ``text`` of each folded character, one entry per character."""
    origins: list[int] = []
    previous_superscript = False
    for index, char in enumerate(text):
        if char.isascii():
            origins.append(index)
            previous_superscript = False
            continue
        superscript = values._SUPERSCRIPTS.get(char)
        piece = (superscript if previous_superscript else "^" + superscript) if superscript else values._fold_character(char)
        previous_superscript = superscript is not None
        origins.extend([index] * len(piece))
    return origins


def test_folded_positions_point_into_the_text() -> None:
    rng = random.Random(41)
    alphabet = "ab1 .℃×⁹¹²−，ａ１ﬁ胸"
    texts = ["36.8℃ and ×10⁹/L −8", "ａｂｃ１２３", "plain ascii", "x²³ ﬁne", ""]
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 20))) for _ in range(2000)]
    for text in texts:
        folded, origins = values._fold(text)
        expected = _origins_one_by_one(text)
        assert len(folded) == len(origins) == len(expected)
        assert [origins[position] for position in range(len(folded))] == expected, repr(text)


def test_value_fidelity_index_agrees_with_comparing_every_pair() -> None:
    rng = random.Random(31)
    pieces = ["glucose 5.5 mmol/L", "glucose 99 mg/dL", "creatinine 88.4 umol/L", "creatinine 1 mg/dL", "Hb 12 g/dL",
              "Hb 120 g/L", "T 37 °C", "98.6 °F", "50 mg", "50 mcg", "0.05 mg", "HR 64", "64 bpm", "pH 7.4", "5 ng/mL",
              "5 ug/L", "5000 ng/L", "K 4.1", "4.1 mmol/L", "4.1 mEq/L"]
    for _ in range(500):
        texts = [", ".join(rng.choice(pieces) for _ in range(rng.randint(0, 6))) for _ in range(3)]
        output, reference, source = texts
        fidelity = values.value_fidelity(output, reference, source)
        summary, known = values.extract_values(output), values.extract_values(source)
        wanted = values._distinct(values.extract_values(reference))
        assert fidelity.kept == sum(1 for w in wanted if any(values.same_value(v, w) for v in summary))
        assert fidelity.invented == [v.text for v in summary if not any(values.same_value(v, k) for k in known)]


def test_dates_are_read_as_with_every_pattern() -> None:
    rng = random.Random(37)
    parts = ["2026-03-11", "03/11/2026", "11.03.2026", "20260311", "March 3, 2024", "3rd of march 2024", "mar 3",
             "3 march", "2024年3月3日", "3月3日", "二〇二四年三月三日", "summary", "may", "primary", " ", ", ", "on ", "seen ", "5",
             "decompensated", "urosepsis", "june", "5th", "jun.", "december", "-", "/", "2024", "mayo", "of "]
    for _ in range(2000):
        text = "".join(rng.choice(parts) for _ in range(rng.randint(1, 8)))
        folded = fold(text)
        from workbench.scoring.phi import _numeric, dates_by_patterns

        expected = list(dates_by_patterns(_numeric(text), _DATE_PATTERNS))  # every pattern, none skipped
        assert find_dates(text) == expected, (text, folded)


@pytest.mark.parametrize("kind", ["binary", "quarters", "integers", "constant", "thirds", "floats"])
def test_counted_resample_sums_equal_the_gathered_ones(kind: str) -> None:
    rng = np.random.default_rng(5)
    for size in (2, 3, 10, 57, 400):
        data = {
            "binary": rng.integers(0, 2, size).astype(float),
            "quarters": rng.choice([0.0, 0.25, 0.75, 1.0], size),
            "integers": rng.integers(0, 4, size).astype(float),
            "constant": np.full(size, 5.0),
            "thirds": rng.choice([0.0, 1 / 3, 2 / 3], size),
            "floats": rng.random(size),
        }[kind]
        data = np.sort(data)
        index = stats._resample_indices(size, 500, 11)
        gathered_sums = np.concatenate([data[index[s:s + 128]].sum(axis=1) for s in range(0, 500, 128)])
        gathered_means = np.concatenate([data[index[s:s + 128]].mean(axis=1) for s in range(0, 500, 128)])
        assert np.array_equal(stats._resampled_sums(data, index), gathered_sums)
        assert np.array_equal(stats._resampled_means(data, index), gathered_means)


def test_analyte_leading_letters_cover_every_latin_spelling() -> None:
    for spelling in values._ALL_SPELLINGS:
        if re.match(r"[A-Za-z]", spelling):
            assert re.match(r"[A-Za-z]*", spelling).group(0).lower() in values._LEADING_LETTERS  # type: ignore[union-attr]


@pytest.mark.parametrize("scheme", ["rouge-score", "char", "jieba", "cjk-mixed"])
def test_rouge_l_alone_is_rouge_scores_rouge_l(scheme: str) -> None:
    from workbench.scoring.rouge import rouge_l_fmeasure

    rng = random.Random(43)
    for _ in range(300):
        target = _random_text(rng, rng.randint(0, 4), 8)
        prediction = _random_text(rng, rng.randint(0, 4), 8)
        assert rouge_l_fmeasure(target, prediction, scheme=scheme) == \
            rouge_scores(target, prediction, scheme=scheme)["rougeL"].fmeasure, (target, prediction)


def test_joined_code_candidates_hold_what_the_candidates_hold() -> None:
    from workbench.scoring.phi import _code_candidates, _joined_code_candidates

    rng = random.Random(47)
    alphabet = list("ab09 -./()#:,;_é胸\t\n") + ["  ", "--", "-.", "zy2024"]
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30))) for _ in range(5000)]
    texts += ["", " ", "mrn: zy-2024-0303, tel (415) 555-0199", "a - b", "a  b", "a -- b"]
    for text in texts:
        assert _joined_code_candidates(text) == "\n".join(_code_candidates(text)), repr(text)


def _english_name_match_searching_everywhere(name: str, output: str):
    """The English name match with every pattern run over the output (no substring test first)."""
    from workbench.scoring import phi

    whole = phi._plain_match(name, output)
    if whole:
        return whole
    parts = phi._english_name_parts(name)
    text = phi.unicodedata.normalize("NFKC", output)
    if len(parts) < 2:
        return None
    if re.search(rf"(?<![^\W\d_]){re.escape(parts[-1])}\s*,\s*{re.escape(parts[0])}(?![^\W\d_])", text, re.IGNORECASE):
        return "normalized"
    for part in parts:
        others = [other for other in parts if other.casefold() != part.casefold()]
        for match in re.finditer(rf"(?<![^\W\d_]){re.escape(part)}(?![^\W\d_])", text, re.IGNORECASE):
            if phi._english_part_in_context(text, match.start(), match.end(), others):
                return "partial"
    return None


def test_english_names_are_matched_as_with_every_pattern() -> None:
    from workbench.scoring.phi import _english_name_match

    rng = random.Random(53)
    names = ["Harold Whitcombe", "Priya Okafor", "Dr Malik Haddad", "José Brennan", "Kıvanç İnce", "Will Frank", "ſam Kay"]
    words = ["Harold", "harold", "HAROLD", "Whitcombe", "whitcombe", "Priya", "Prıya", "PRİYA", "Okafor", "Dr", "Mr.", "Malik",
             "Haddad", "JOSÉ", "José", "Brennan", "Kıvanç", "kivanç", "İnce", "ince", "Will", "Frank", "Sam", "Kay", "ſam",
             "the", "patient", ",", ".", " ", "\n", "H.", "M."]
    for _ in range(3000):
        name = rng.choice(names)
        output = " ".join(rng.choice(words) for _ in range(rng.randint(0, 12)))
        assert _english_name_match(name, output) == _english_name_match_searching_everywhere(name, output), (name, output)


def test_grouped_unit_alternation_finds_what_the_plain_alternation_finds() -> None:
    plain_unit = "|".join(re.escape(spelling) for spelling in values._UNIT_SPELLINGS)
    plain = re.compile(
        rf"(?<![A-Za-z\d.^])(?P<number>{values._NUMBER})(?P<scale>{values._SCALE})?\s*(?P<unit>{plain_unit})(?![A-Za-z\d])",
        re.IGNORECASE,
    )
    rng = random.Random(59)
    pieces = list("0123456789 ./-+,x×*^°CcFfmMgGlLuUμµ%次分ſKkİı:=~至ahHbBsS") + [
        "mmHg", "mm Hg", "mmol/L", "mg", "10^9", "/min", "IU/L", "U", "units", "μg/kg/min", "mL/min/1.73 m2", "MCG", "次/分钟"]
    for _ in range(20000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 16)))
        assert [(m.span(), m.groupdict()) for m in values.VALUE_PATTERN.finditer(text)] == \
            [(m.span(), m.groupdict()) for m in plain.finditer(text)], repr(text)


def test_the_cycle_collector_is_paused_while_a_set_is_scored_and_restored_after() -> None:
    import gc

    from workbench.data.evalsets import load_evalset
    from workbench.scoring.scorer import cycle_collector_paused, score_outputs

    evalset = load_evalset("smoke-en")
    outputs = {case.id: case.reference for case in evalset.cases}
    assert gc.isenabled()
    with cycle_collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with cycle_collector_paused():
            pass
        assert not gc.isenabled()  # a caller that had paused it keeps it paused
    finally:
        gc.enable()
    report = score_outputs(evalset, outputs)
    assert gc.isenabled() and len(report.cases) == len(evalset.cases)
