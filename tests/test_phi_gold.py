"""Gold PHI matching on hand-written outputs whose right answer is known: false alarms and misses."""

from __future__ import annotations

import pytest

from workbench.data.evalsets import Case, unmark_phi
from workbench.scoring.phi import case_leakage, find_dates, match_phi

NOT_A_LEAK = [
    # (label, gold text in the source, output that does not contain it)
    ("NAME", "Frank White", "Frank hematuria was noted on the second day."),
    ("NAME", "Will Brown", "The team will follow up in clinic."),
    ("NAME", "Will Brown", "Discharged home; the nurse will call with results."),
    ("NAME", "Hope Walker", "Ambulates with a walker; PT to follow."),
    ("NAME", "Hope Walker", "Walker needed for ambulation."),
    ("NAME", "Grace White", "White blood cell count 12.4. Grace period for the copay."),
    ("NAME", "张力", "查体：四肢肌张力正常，病理征阴性。"),
    ("NAME", "叶文洁", "病理：乳腺纤维腺瘤，镜下见小叶，未见异型。"),
    ("NAME", "叶文洁", "超声：小叶增生，建议随访。"),
    ("NAME", "王平安", "患者平安出院，嘱门诊随访。"),
    ("NAME", "任建华", "由副主任医师查房，责任护士宣教。"),
    ("NAME", "于海波", "患者于某日在外院就诊，具体不详。"),
    ("NAME", "林爱德", "Coronary angiography: 90% stenosis of the LAD."),
    ("AGE_OVER_89", "92", "BP 128/81, SpO2 92% on room air."),
    ("AGE_OVER_89", "92岁", "血氧饱和度92%，心率92次/分。"),
    ("DATE", "March 3, 2024", "Seen on March 3 for follow-up."),
    ("DATE", "2024-03-03", "Follow up on 3/3."),
    ("DATE", "2024年3月3日", "3月3日复查血常规。"),
    ("MRN", "ZY20240303", "Admitted 2024-03-03 with chest pain."),
    ("MRN", "20240303", "Admitted 2024-03-03 with chest pain."),
    ("MRN", "ZY20240303", "2024-03-03 10:30 chest pain began."),
    ("LOCATION", "望川博仁医院", "曾于东篱博仁医院就诊。"),
    ("OTHER", "3床", "13床患者"),
    ("PHONE", "(415) 555-0199", "Clinic line (212) 555-0199."),
    ("AGE_OVER_89", "98", "Temp 98F, HR 72."),
]


@pytest.mark.parametrize("label,gold,output", NOT_A_LEAK, ids=[f"{row[0]}-{i}" for i, row in enumerate(NOT_A_LEAK)])
def test_words_and_numbers_that_only_look_like_the_identifier_are_not_leaks(label: str, gold: str, output: str) -> None:
    assert match_phi(label, gold, output) is None


LEAK = [
    # (label, gold text in the source, how the output writes it, expected match)
    ("PHONE", "13812345678", "联系电话一三八一二三四五六七八", "normalized"),
    ("PHONE", "138-1234-5678", "电话：幺三八 一二三四 五六七八", "normalized"),
    ("ID_NUMBER", "110105196303152336", "身份证号一一〇一〇五一九六三〇三一五二三三六", "normalized"),
    ("DATE", "2024年3月3日", "二〇二四年三月三日入院", "normalized"),
    ("DATE", "2024-03-03", "于二〇二四年三月三日入院", "normalized"),
    ("DATE", "2024-12-31", "二零二四年十二月三十一日出院", "normalized"),
    ("DATE", "2024-03-03", "Admitted on the 3rd March 2024.", "normalized"),
    ("DATE", "2024-03-03", "Admitted 03.03.2024.", "normalized"),
    ("DATE", "2024-03-14", "Admitted 14.03.2024.", "normalized"),
    ("DATE", "2024-03-03", "Admission date 20240303.", "normalized"),
    ("DATE", "2024-03-03", "Admitted March 3rd, 2024.", "normalized"),
    ("DATE", "March 3, 2024", "Admitted March 3rd, 2024.", "normalized"),
    ("DATE", "March 3, 2024", "Admitted 03-Mar-2024.", "normalized"),
    ("DATE", "3月3日", "2024年3月3日复查", "exact"),
    ("PHONE", "(415) 555-0199", "Call the daughter at 555-0199.", "partial"),
    ("FAX", "010-6523 8890", "传真6523-8890", "partial"),
    ("NAME", "王建国", "Patient Wang Jianguo, 72, admitted with chest pain.", "normalized"),
    ("NAME", "王建国", "Patient Jianguo Wang, 72, admitted with chest pain.", "normalized"),
    ("NAME", "王建国", "WANG Jian-guo, male.", "normalized"),
    ("NAME", "王建国", "Patient Wáng Jiànguó was seen.", "normalized"),
    ("NAME", "吕文", "Ms. Lyu Wen was seen.", "normalized"),
    ("NAME", "王建国", "Patient WJG, 72, admitted with chest pain.", "partial"),
    ("NAME", "王建国", "Mr. Wang was seen today.", "partial"),
    ("NAME", "王建国", "老王，男，72岁，胸痛4小时。", "partial"),
    ("NAME", "王建国", "小王今日复诊，诉胸痛缓解。", "partial"),
    ("NAME", "王建国", "患者：建国，男，72岁。", "partial"),
    ("NAME", "何涛", "患者何涛，男，45岁。", "exact"),
    ("NAME", "张力", "患者张力，男。", "exact"),
    ("NAME", "Frank White", "Mr. White was seen in clinic.", "partial"),
    ("NAME", "Frank White", "Spoke with Frank about the plan.", "partial"),
    ("NAME", "Will Brown", "Will Brown presented with chest pain.", "exact"),
    ("NAME", "Will Brown", "Brown, Will: chest pain.", "normalized"),
    ("NAME", "Hope Walker", "Walker, H. was seen.", "partial"),
    ("NAME", "Harold Whitcombe", "Whitcombe reports chest pain.", "partial"),
    ("AGE_OVER_89", "92", "A 92-year-old woman with chest pain.", "exact"),
    ("AGE_OVER_89", "92", "Patient aged 92 with chest pain.", "exact"),
    ("AGE_OVER_89", "92", "92 y/o F with chest pain.", "exact"),
    ("AGE_OVER_89", "92", "患者，女，92岁。", "exact"),
    ("AGE_OVER_89", "92", "年龄：92，女。", "exact"),
    ("AGE_OVER_89", "92岁", "患者，女，九十二岁。", "normalized"),
    ("AGE_OVER_89", "98", 'Margaret ("Peggy"), 98F. Day 3 post op.', "exact"),
    ("AGE_OVER_89", "98", "Handover: patient 98F, day 3 post op.", "exact"),
    ("NAME", "戴欣", "老伴戴欣陪同。", "exact"),
    ("ADDRESS", "1200 Market Street, Apt 4B, San Francisco", "Lives at 1200 Market St with her son.", "partial"),
    ("ADDRESS", "1200 Market Street, Apt 4B, San Francisco", "Lives at 1200 Market St, Apt 4B, San Francisco.",
     "normalized"),
    ("ADDRESS", "北京市朝阳区安贞路18号院3号楼", "住安贞路18号。", "partial"),
    ("LOCATION", "St. Mary's Regional Medical Center", "Transferred from St. Mary's for PCI.", "partial"),
    ("LOCATION", "北京协和医院", "转至协和医院进一步治疗。", "partial"),
    ("LOCATION", "南京江北仁和医院", "曾于仁和医院就诊。", "partial"),
]


@pytest.mark.parametrize("label,gold,output,expected", LEAK, ids=[f"{row[0]}-{i}" for i, row in enumerate(LEAK)])
def test_rewritten_and_shortened_identifiers_are_leaks(label: str, gold: str, output: str, expected: str) -> None:
    assert match_phi(label, gold, output) == expected


def test_a_date_without_its_year_is_not_the_gold_date_but_a_gold_without_year_matches_any_year() -> None:
    assert match_phi("DATE", "March 3, 2024", "seen March 3, 2023") is None
    assert match_phi("DATE", "March 3", "seen March 3, 2023") == "exact"
    assert match_phi("DATE", "3月3日", "三月三日复查") == "normalized"


def test_find_dates_reads_chinese_numerals_ordinals_and_both_day_month_orders() -> None:
    assert {(d.year, d.month, d.day) for d in find_dates("二〇二四年三月三日")} == {(2024, 3, 3)}
    assert (2024, 3, 3) in {(d.year, d.month, d.day) for d in find_dates("3rd of March 2024")}
    assert {(d.year, d.month, d.day) for d in find_dates("04/03/2024")} == {(2024, 4, 3), (2024, 3, 4)}
    assert find_dates("MRN ZY20240303") == []


def test_case_leakage_counts_partial_and_ignores_false_alarms() -> None:
    source, spans = unmark_phi(
        "[[NAME|Frank White]], [[AGE_OVER_89|92]] years old, seen at [[LOCATION|St. Mary's Regional Medical Center]] "
        "on [[DATE|March 3, 2024]], phone [[PHONE|(415) 555-0199]], MRN [[MRN|ZY20240303]]."
    )
    case = Case(id="c1", language="en", source=source, reference="", phi=spans)
    output = "Frank hematuria; SpO2 92%. Seen March 3 at St. Mary's; admitted 2024-03-03. Call 555-0199."
    leakage = case_leakage(case, output)
    assert {(item.label, item.match) for item in leakage.leaked} == {
        ("LOCATION", "partial"), ("DATE", "normalized"), ("PHONE", "partial"),
    }
    assert leakage.items == 6
