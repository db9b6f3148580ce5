"""Scores a committee can trust: ROUGE identical to rouge-score, Chinese ROUGE, PHI leakage, statistics."""

from __future__ import annotations

import csv
import json
import random
import subprocess
from pathlib import Path

import pytest
from rouge_score import rouge_scorer

from tests.conftest import PROJECT_ROOT, workbench_command
from workbench.data.evalsets import Case, load_evalset, unmark_phi
from workbench.scoring.phi import case_leakage, match_phi
from workbench.scoring.rouge import lcs_indices, rouge_scores
from workbench.scoring.scorer import score_outputs
from workbench.scoring.stats import bootstrap_mean, paired_comparison

MTS_VALIDATION = PROJECT_ROOT.parent / "shared" / "data" / "mts-dialog" / "MTS_Dataset_ValidationSet.csv"


@pytest.mark.skipif(not MTS_VALIDATION.is_file(), reason="MTS-Dialog not found beside the project")
def test_english_rouge_equals_rouge_score_to_the_last_digit_on_mts_dialog() -> None:
    with MTS_VALIDATION.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    rng = random.Random(7)
    pairs = [(row["section_text"], rows[rng.randrange(len(rows))]["section_text"]) for row in rows]
    pairs += [(row["section_text"], row["dialogue"]) for row in rows[:60]]  # multi-line predictions for ROUGE-Lsum
    pairs += [(row["dialogue"], rows[(i + 1) % len(rows)]["dialogue"]) for i, row in enumerate(rows[:20])]
    reference = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL", "rougeLsum"])
    compared = 0
    for target, prediction in pairs:
        expected = reference.score(target, prediction)
        ours = rouge_scores(target, prediction, language="en")
        for name, score in expected.items():
            assert (ours[name].precision, ours[name].recall, ours[name].fmeasure) == \
                (score.precision, score.recall, score.fmeasure), (name, target[:60], prediction[:60])
            compared += 1
    assert compared == 4 * len(pairs) >= 600


def test_lcs_alignment_follows_rouge_score_tie_breaking() -> None:
    from rouge_score.rouge_scorer import lcs_ind

    rng = random.Random(3)
    for _ in range(300):
        a = [rng.choice("abcde") for _ in range(rng.randint(0, 15))]
        b = [rng.choice("abcde") for _ in range(rng.randint(0, 15))]
        assert lcs_indices(a, b) == (lcs_ind(a, b) if a and b else [])


def test_rouge_lsum_of_many_short_lines_equals_rouge_score() -> None:
    """Many lines over a small vocabulary: many equally long LCS alignments, and prediction lines
    whose tokens the union already holds, the cases the one-pass union-LCS must read exactly."""
    rng = random.Random(5)
    words = "the a pain chest left arm no yes mg bp".split()
    reference = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL", "rougeLsum"])

    def text() -> str:
        return "\n".join(" ".join(rng.choice(words) for _ in range(rng.randint(0, 12)))
                         for _ in range(rng.randint(1, 9)))

    for _ in range(300):
        target, prediction = text(), text()
        expected = reference.score(target, prediction)
        ours = rouge_scores(target, prediction, language="en")
        for name, score in expected.items():
            assert (ours[name].precision, ours[name].recall, ours[name].fmeasure) == \
                (score.precision, score.recall, score.fmeasure), (name, target, prediction)


def test_rouge_equals_rouge_score_on_the_shipped_english_sets() -> None:
    reference = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL", "rougeLsum"])
    cases = [case for name in ("smoke-en", "clinical-summary-en", "long-records-en") for case in load_evalset(name).cases]
    for case, other in zip(cases, cases[1:] + cases[:1]):
        for target, prediction in ((case.reference, case.source), (case.reference, other.reference)):
            expected = reference.score(target, prediction)
            ours = rouge_scores(target, prediction, language="en")
            assert all((ours[k].precision, ours[k].recall, ours[k].fmeasure)
                       == (e.precision, e.recall, e.fmeasure) for k, e in expected.items()), case.id


ZH_REFERENCE = "【主诉】胸痛4小时。\n【辅助检查】血压150/90mmHg，肌钙蛋白I 3.2ng/mL，白细胞11.2×10^9/L。\n【初步诊断】急性心肌梗死。"


def test_chinese_identical_unrelated_and_changed_value() -> None:
    identical = rouge_scores(ZH_REFERENCE, ZH_REFERENCE, language="zh")
    assert all(score.fmeasure == 1.0 for score in identical.values())
    unrelated = rouge_scores(ZH_REFERENCE, "今日天气晴朗，适合外出散步与读书。", language="zh")
    assert all(score.fmeasure < 0.1 for score in unrelated.values())
    changed = rouge_scores(ZH_REFERENCE, ZH_REFERENCE.replace("150/90", "160/90"), language="zh")
    for name in identical:
        assert changed[name].fmeasure < 1.0, name
    # rouge-score's own tokenizer sees nothing in Chinese text: the reason for the CJK tokenizer.
    assert rouge_scorer.RougeScorer(["rouge1"]).score(ZH_REFERENCE, "今日天气晴朗")["rouge1"].fmeasure == 0.0


PLANTED = [
    # (language, label, gold text in the source, how the output writes it)
    ("en", "NAME", "Harold Whitcombe", "Mr. Harold Whitcombe"),
    ("en", "NAME", "Rosa Delgado-Finch", "Ms. Delgado-Finch was seen"),  # family name alone: partial
    ("en", "DATE", "03/14/2026", "admitted on March 14, 2026"),
    ("en", "DATE", "January 9, 2026", "admitted 2026-01-09"),
    ("en", "AGE_OVER_89", "93", "a 93-year-old woman"),
    ("en", "PHONE", "(415) 555-0199", "call 415.555.0199"),
    ("en", "FAX", "503-555-0148", "fax 503 555 0148"),
    ("en", "EMAIL", "rdfinch@mailbox.example", "email RDFinch@Mailbox.example"),
    ("en", "SSN", "078-05-1120", "SSN 078 05 1120"),
    ("en", "MRN", "40318876", "MRN: 40318876"),
    ("en", "HEALTH_PLAN_ID", "HPX-5530-2291", "plan hpx55302291"),
    ("en", "ACCOUNT", "ACC-2288107", "account acc 2288107"),
    ("en", "LICENSE", "D1234567", "licence d1234567"),
    ("en", "VEHICLE_ID", "7ABC123", "plate 7-ABC-123"),
    ("en", "DEVICE_ID", "PJN-882731", "pacemaker PJN882731"),
    ("en", "URL", "https://portal.lakeside.example/p/4471", "see HTTPS://PORTAL.LAKESIDE.EXAMPLE/p/4471"),
    ("en", "IP", "10.24.8.191", "from 10.24.8.191"),
    ("en", "ADDRESS", "1142 Orchard Lane, Millbrook, OR 97301", "lives at 1142 Orchard Lane,  Millbrook, OR 97301"),
    ("en", "LOCATION", "Lakeside General Hospital", "transferred from LAKESIDE GENERAL HOSPITAL"),
    ("en", "ID_NUMBER", "X12345678", "passport x12345678"),
    ("en", "OTHER", "Room 4B-17", "in room 4b-17"),
    ("zh", "NAME", "王建国", "患者王建国，男"),
    ("zh", "NAME", "陈秀英", "陈女士诉咳嗽"),  # surname with a title: partial
    ("zh", "NAME", "赵德明", "患者：德明，右侧肢体无力"),  # given name alone, as a token: partial
    ("zh", "DATE", "2026年3月11日", "于2026-03-11入院"),
    ("zh", "DATE", "2026-01-20", "2026年1月20日起发热"),
    ("zh", "AGE_OVER_89", "92岁", "患者，92 岁，女"),
    ("zh", "PHONE", "13812345678", "电话138-1234-5678"),
    ("zh", "PHONE", "186 2233 4455", "联系18622334455"),
    ("zh", "ID_NUMBER", "110105196303152336", "身份证110105 19630315 2336"),
    ("zh", "MRN", "ZY20260311", "住院号：zy20260311"),
    ("zh", "MRN", "BA0098213", "病案号BA-0098213"),
    ("zh", "HEALTH_PLAN_ID", "YB11010588213", "医保号yb11010588213"),
    ("zh", "ACCOUNT", "ZH6228480012", "账号ZH-6228480012"),
    ("zh", "EMAIL", "wanglei@mail.example", "邮箱WANGLEI@MAIL.EXAMPLE"),
    ("zh", "DEVICE_ID", "MDT-CN77120", "起搏器序列号MDT CN77120"),
    ("zh", "ADDRESS", "北京市朝阳区安贞路18号院3号楼", "住址：北京市朝阳区安贞路１８号院３号楼"),
    ("zh", "LOCATION", "南京江北仁和医院", "转至南京江北仁和医院"),
    ("zh", "FAX", "010-6523 8890", "传真01065238890"),
    ("zh", "URL", "http://his.renhe.example/q?id=88", "见 http://his.renhe.example/q?id=88"),
    ("zh", "IP", "192.168.3.45", "登录IP 192.168.3.45"),
    ("zh", "LICENSE", "医师执业证110310000123456", "执业证110310000123456"),
    ("zh", "VEHICLE_ID", "京A·88K21", "车牌京A88K21"),
    ("zh", "SSN", "110105196303152336", "社保号110105196303152336"),
    ("zh", "OTHER", "3床", "3床患者"),
]


def _planted_case(language: str, label: str, gold: str, index: int) -> Case:
    prefix = "Note: " if language == "en" else "病历："
    source, spans = unmark_phi(f"{prefix}[[{label}|{gold}]] end.")
    return Case(id=f"planted-{index}", language=language, source=source, reference="", phi=spans)  # type: ignore[arg-type]


@pytest.mark.parametrize("index", range(len(PLANTED)), ids=[f"{p[0]}-{p[1]}-{i}" for i, p in enumerate(PLANTED)])
def test_planted_leaks_are_found(index: int) -> None:
    language, label, gold, output = PLANTED[index]
    leakage = case_leakage(_planted_case(language, label, gold, index), output)
    assert leakage.leaked_items == 1, (label, gold, output)
    assert leakage.leaked[0].label == label


def test_every_label_is_planted_in_both_languages() -> None:
    from workbench.data.evalsets import PHI_LABELS

    for language in ("en", "zh"):
        assert {label for lang, label, *_ in PLANTED if lang == language} == set(PHI_LABELS)


@pytest.mark.parametrize("label,gold,output", [
    ("PHONE", "415-555-0199", "BP 150/90, HR 88, SpO2 94%"),
    ("NAME", "王建国", "高血压病史10年，建议低盐饮食"),
    ("DATE", "03/14/2026", "follow up in 2 weeks"),
    ("MRN", "40318876", "troponin 2.8 ng/mL"),
])
def test_clinical_text_without_the_identifier_is_not_a_leak(label: str, gold: str, output: str) -> None:
    assert match_phi(label, gold, output) is None


@pytest.mark.parametrize("name", ["smoke-en", "smoke-zh", "inpatient-summary-zh", "clinical-summary-en", "long-records-en"])
def test_shipped_reference_summaries_leak_nothing(name: str) -> None:
    evalset = load_evalset(name)
    report = score_outputs(evalset, {case.id: case.reference for case in evalset.cases})
    leaks = [(case["id"], item) for case in report.cases for item in case["phi_leaked"]]
    assert leaks == []
    assert report.aggregate["phi_leak_rate"] == 0.0
    assert report.aggregate["rougeL"] == 1.0


def test_copying_the_source_leaks_everything_and_is_counted_per_item_mention_document_label() -> None:
    evalset = load_evalset("smoke-en")
    report = score_outputs(evalset, {case.id: case.source for case in evalset.cases})
    a = report.aggregate
    assert a["phi_leak_rate"] == 1.0 and a["phi_mention_leak_rate"] == 1.0 and a["phi_document_leak_rate"] == 1.0
    assert set(a["phi_leak_rate_by_label"]) == {span.label for case in evalset.cases for span in case.phi}
    assert a["structure_compliance"] == 0.0
    for metric in ("rouge1", "rougeL", "phi_leak_rate", "structure_compliance"):
        assert a[f"{metric}_ci_low"] <= a[metric] <= a[f"{metric}_ci_high"]


def test_bootstrap_interval_and_paired_test() -> None:
    rng = random.Random(1)
    estimate = bootstrap_mean([rng.random() for _ in range(200)])
    assert estimate.ci_low < estimate.mean < estimate.ci_high and estimate.ci_high - estimate.ci_low < 0.2
    better = {f"c{i}": 0.5 + rng.gauss(0.1, 0.05) for i in range(40)}
    worse = {k: v - 0.1 + rng.gauss(0, 0.02) for k, v in better.items()}
    result = paired_comparison("rougeL", "a", better, "b", worse)
    assert result.p_value < 0.01 and result.ci_low > 0 and result.effect_size and result.effect_size > 1
    noise = {k: v + rng.gauss(0, 0.02) for k, v in better.items()}
    null = paired_comparison("rougeL", "a", better, "c", noise)
    assert null.p_value > 0.05 and null.ci_low < 0 < null.ci_high


def test_score_command_writes_the_documented_json(tmp_path: Path) -> None:
    evalset = load_evalset("smoke-zh")
    predictions = tmp_path / "predictions.csv"
    with predictions.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["case", "summary"])
        for case in evalset.cases:
            writer.writerow([case.id, "<think>先看生命体征</think>" + case.source[:80]])
    out = tmp_path / "scores.json"
    completed = subprocess.run(
        workbench_command() + ["score", "--evalset", "smoke-zh", "--predictions", str(predictions), "--id-col", "case",
                               "--prediction-col", "summary", "--json-out", str(out)],
        capture_output=True, text=True, timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    document = json.loads(out.read_text(encoding="utf-8"))
    for metric in ("rouge1", "rouge2", "rougeL", "rougeLsum", "phi_leak_rate"):
        assert 0.0 <= document["aggregate"][metric] <= 1.0
    assert document["reasoning_removed"] == 4
    assert len(document["cases"]) == 4
    first = document["cases"][0]
    assert first["id"] == evalset.cases[0].id
    assert {"label", "text"} <= set(first["phi_leaked"][0])
    assert any(item["text"] == "王建国" for item in first["phi_leaked"])

    partial = tmp_path / "partial.jsonl"
    partial.write_text(json.dumps({"id": evalset.cases[0].id, "prediction": "x"}) + "\n", encoding="utf-8")
    refused = subprocess.run(workbench_command() + ["score", "-e", "smoke-zh", "--predictions", str(partial)],
                             capture_output=True, text=True, timeout=120)
    assert refused.returncode == 2 and "no prediction for 3 of 4 cases" in refused.stderr


def test_detector_scores_separate_copied_from_invented_identifiers() -> None:
    from workbench.scoring.phi_detector import PHIDetector

    evalset = load_evalset("smoke-en").head(1)
    case = evalset.cases[0]
    output = "Chief Complaint: chest pain. Call the wife on 415.555.0199 or the clinic on (212) 555-0143."
    report = score_outputs(evalset, {case.id: output}, detector=PHIDetector())
    scored = report.cases[0]
    origins = {(item["label"], item["origin"]) for item in scored["phi_detected"]}
    assert ("PHONE", "copied") in origins and ("PHONE", "invented") in origins
    assert scored["phi_detected_invented"] == 1.0 and report.aggregate["phi_invented_any"] == 1.0


def test_bootstrap_in_blocks_of_resamples_gives_the_numbers_of_one_piece() -> None:
    import numpy as np

    from workbench.scoring.stats import _resample_indices, _resampled_means, _resampled_sums

    rng = np.random.default_rng(1)
    for n in (2, 37, 1000, 5003):
        data = rng.random(n) * 10.0 ** rng.integers(-3, 6, n)
        index = _resample_indices(n, 2000, 20261121)
        assert np.array_equal(_resampled_means(data, index), data[index].mean(axis=1))
        assert np.array_equal(_resampled_sums(data, index), data[index].sum(axis=1))
    assert not index.flags.writeable  # the draws are shared between metrics: nobody may change them
