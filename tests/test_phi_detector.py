"""The offline PHI detector: what it finds in English and Chinese, and how it does on gold sets."""

from __future__ import annotations

import socket
import time

import pytest

from workbench.data.evalsets import EvalSetError, resolve_evalset
from workbench.scoring.phi_detector import (
    Detection,
    PHIDetector,
    copied_and_invented,
    detector_quality,
    format_quality_table,
    resident_id_valid,
    resolve_overlaps,
)

GOLD_SETS = ["smoke-en", "smoke-zh"]
BIGGER_SETS = ["clinical-summary-en", "inpatient-summary-zh"]


@pytest.fixture(scope="module")
def detector() -> PHIDetector:
    return PHIDetector()


def labelled(detector: PHIDetector, text: str, language: str) -> set[tuple[str, str]]:
    return {(d.label, d.text) for d in detector.detect(text, language)}


# --- English ---------------------------------------------------------------------------

EN_IDENTIFIERS = [
    ("Patient: Harold Whitcombe, 58-year-old man, presents with chest pain.", "NAME", "Harold Whitcombe"),
    ("Plan discussed with Mrs. Okafor at the bedside.", "NAME", "Okafor"),
    ("Seen by Dr. Priya Raman in the heart failure clinic.", "NAME", "Priya Raman"),
    ("His wife Maureen Lee can be reached at home.", "NAME", "Maureen Lee"),
    ("The daughter, Courtney Butler, called the ward.", "NAME", "Courtney Butler"),
    ("patient name: Tobias Lindqvist", "NAME", "Tobias Lindqvist"),
    ("Admitted under MRN 40318876 last night.", "MRN", "40318876"),
    ("Medical record no.: K4624437", "MRN", "K4624437"),
    ("Patient ID: PT-559102 on the wristband.", "MRN", "PT-559102"),
    ("Insurance member ID HPX-5530-2291 is on file.", "HEALTH_PLAN_ID", "HPX-5530-2291"),
    ("Health plan: W884942190. Consultant: on call.", "HEALTH_PLAN_ID", "W884942190"),
    ("Billing account ACC-2288107 was updated.", "ACCOUNT", "ACC-2288107"),
    ("A 93-year-old woman with a fractured hip.", "AGE_OVER_89", "93"),
    ("The patient, aged 91, lives alone.", "AGE_OVER_89", "91"),
    ("Age: 95 | MRN: 19-351-002", "AGE_OVER_89", "95"),
    ("Please fax the results to 503-555-0148.", "FAX", "503-555-0148"),
    ("Her son can be reached at (415) 555-0199.", "PHONE", "(415) 555-0199"),
    ("Questions to rdfinch@mailbox.example after discharge.", "EMAIL", "rdfinch@mailbox.example"),
    ("Results by email to jane.doe@gmail.com as requested.", "EMAIL", "jane.doe@gmail.com"),
    ("SSN 243-59-4100 recorded at registration.", "SSN", "243-59-4100"),
    ("Results posted to https://myhealth.lakeside-health.org/records/vg57x58g today.", "URL",
     "https://myhealth.lakeside-health.org/records/vg57x58g"),
    ("Telehealth session from IP 192.0.2.76 was stable.", "IP", "192.0.2.76"),
    ("Generator serial PJN299157S; leads checked.", "DEVICE_ID", "PJN299157S"),
    ("Insulin pump SN NG5118141H was interrogated.", "DEVICE_ID", "NG5118141H"),
    ("Driver of a sedan (licence plate 3XL 5067) in a collision.", "VEHICLE_ID", "3XL 5067"),
    ("Identity confirmed from driver's licence B85071228.", "LICENSE", "B85071228"),
    ("Home address: 1142 Orchard Lane, Millbrook, OR 97301.", "ADDRESS", "1142 Orchard Lane, Millbrook, OR 97301"),
    ("She lives at 77 Harbour Street with her husband.", "ADDRESS", "77 Harbour Street"),
    ("Seen 03/14/2026 in clinic.", "DATE", "03/14/2026"),
    ("Operated 2026-03-14 without complications.", "DATE", "2026-03-14"),
    ("Admitted March 14, 2026 with fever.", "DATE", "March 14, 2026"),
    ("Discharged 14 Mar 2026 to home.", "DATE", "14 Mar 2026"),
    ("Transferred to Lakeside General Hospital for PCI.", "LOCATION", "Lakeside General Hospital"),
    ("Follow-up at Riverside Medical Center in two weeks.", "LOCATION", "Riverside Medical Center"),
    ("Previously treated at St. Anne's Infirmary.", "LOCATION", "St. Anne's Infirmary"),
]


@pytest.mark.parametrize(("text", "label", "identifier"), EN_IDENTIFIERS, ids=[f"{c[1]}-{i}" for i, c in enumerate(EN_IDENTIFIERS)])
def test_english_identifier_detected_with_its_label(detector: PHIDetector, text: str, label: str, identifier: str) -> None:
    assert (label, identifier) in labelled(detector, text, "en")


def test_english_detections_point_into_the_text(detector: PHIDetector) -> None:
    text = "Patient: Rosa Delgado-Finch, DOB 07/22/1951, phone 503-555-0148."
    detections = detector.detect(text, "en")
    assert {(d.label, d.text) for d in detections} >= {("NAME", "Rosa Delgado-Finch"), ("DATE", "07/22/1951"),
                                                       ("PHONE", "503-555-0148")}
    for d in detections:
        assert text[d.start:d.end] == d.text
        assert 0 < d.score <= 1 and d.recognizer
    assert detections == sorted(detections, key=lambda d: (d.start, d.end))


@pytest.mark.parametrize("text", [
    "BP 150/90 mmHg", "troponin 2.8 ng/mL", "WBC 13.6 x10^9/L", "LVEF 38%",
    "Vitals: BP 168/96 mmHg, HR 104 bpm, RR 22/min, SpO2 94% on room air, temperature 36.9 °C. "
    "Glucose 11.2 mmol/L, creatinine 96 umol/L, eGFR 52 mL/min/1.73m2, INR 1.0, Hb 9.8 g/dL. "
    "ST elevation 3 mm in leads II, III and aVF. Aspirin 300 mg, then metformin 500 mg b.i.d.; "
    "weight 92 kg, 90-day mortality discussed, NYHA class III, GCS 15/15, pH 7.12, QTc 452 ms.",
])
def test_english_clinical_values_are_not_phi(detector: PHIDetector, text: str) -> None:
    assert detector.detect(text, "en") == []


def test_english_title_case_summary_flags_only_identifiers(detector: PHIDetector) -> None:
    summary = (
        "Chief Complaint:\nCrushing Substernal Chest Pain.\nHistory of Present Illness:\n"
        "Mr Whitcombe, a 58-year-old man, presented to the Emergency Department. Patient Reports Severe Pain. "
        "Contact Details Given to Family. Follow-Up With Cardiology Clinic in 2 Weeks; seen in the Heart Failure "
        "Clinic; Referred to Cardiac Rehabilitation. Primary PCI at Lakeside General Hospital on 14 March."
    )
    assert labelled(detector, summary, "en") == {
        ("NAME", "Whitcombe"), ("LOCATION", "Lakeside General Hospital"), ("DATE", "14 March"),
    }


# --- Chinese ---------------------------------------------------------------------------


def test_resident_id_needs_a_valid_check_digit(detector: PHIDetector) -> None:
    assert resident_id_valid("110105196303152336")
    assert resident_id_valid("52010219410112428X")
    assert not resident_id_valid("110105196303152337")
    assert ("ID_NUMBER", "110105196303152336") in labelled(detector, "身份证号110105196303152336。", "zh")
    wrong = detector.detect("身份证号110105196303152337。", "zh")
    assert not [d for d in wrong if d.label == "ID_NUMBER"]


@pytest.mark.parametrize("number", ["13812345678", "138-1234-5678", "138 1234 5678"])
def test_chinese_mobile_numbers_in_three_formats(detector: PHIDetector, number: str) -> None:
    assert ("PHONE", number) in labelled(detector, f"其子联系电话{number}，已告知病情。", "zh")


@pytest.mark.parametrize(("text", "label", "identifier"), [
    ("患者王建国，男，62岁，住院号ZY20260311。", "MRN", "ZY20260311"),
    ("病案号：BA0098213", "MRN", "BA0098213"),
    ("医保卡号：YB413992300206", "HEALTH_PLAN_ID", "YB413992300206"),
    ("住院费用账号：FY2025033736", "ACCOUNT", "FY2025033736"),
    ("植入双腔起搏器（序列号RXB314649M）", "DEVICE_ID", "RXB314649M"),
    ("传真021-64041990", "FAX", "021-64041990"),
    ("住址北京市朝阳区安贞路18号院3号楼。", "ADDRESS", "北京市朝阳区安贞路18号院3号楼"),
    ("家住上海市徐汇区漕溪北路88弄5号。", "ADDRESS", "上海市徐汇区漕溪北路88弄5号"),
    ("于2026年3月11日入院。", "DATE", "2026年3月11日"),
    ("2026-03-11入院。", "DATE", "2026-03-11"),
    ("2026/3/11入院。", "DATE", "2026/3/11"),
    ("3月11日复查。", "DATE", "3月11日"),
    ("患者女，93岁，跌倒致髋部疼痛。", "AGE_OVER_89", "93岁"),
    ("患者王建国，男，62岁。", "NAME", "王建国"),
    ("请张伟先生明日复诊。", "NAME", "张伟"),
    ("主治医师：李明。", "NAME", "李明"),
    ("其子王磊联系电话13812345678。", "NAME", "王磊"),
    ("于北京东郊康宁医院心内科就诊。", "LOCATION", "北京东郊康宁医院"),
    ("电子邮箱zhoufang@gmail.com", "EMAIL", "zhoufang@gmail.com"),
])
def test_chinese_identifier_detected_with_its_label(detector: PHIDetector, text: str, label: str, identifier: str) -> None:
    assert (label, identifier) in labelled(detector, text, "zh")


@pytest.mark.parametrize("text", [
    "血压150/90mmHg，心率98次/分，白细胞11.2×10^9/L",
    "患者黄疸加重，高热3天，于今晨入院，患者安静入睡，一般情况尚可。查体：体温38.6℃，呼吸26次/分，血氧饱和度91%。心电图示V1-V4导联ST段抬高0.3mV；"
    "肌钙蛋白I 3.2ng/mL；血钾5.6mmol/L；INR 1.0；NIHSS评分12分；孕36+4周；转至当地医院。",
])
def test_chinese_clinical_text_is_not_phi(detector: PHIDetector, text: str) -> None:
    assert detector.detect(text, "zh") == []


# --- overlaps, copied and invented ---------------------------------------------------------


def test_overlapping_detections_keep_the_better_one() -> None:
    phone = Detection("PHONE", 10, 22, "503-555-0148", 0.6, "a")
    fax = Detection("FAX", 10, 22, "503-555-0148", 0.9, "b")
    short = Detection("NAME", 0, 5, "Harol", 0.8, "c")
    longer = Detection("NAME", 0, 8, "Harold W", 0.8, "d")
    assert resolve_overlaps([phone, fax, short, longer]) == [longer, fax]


def test_copied_and_invented_phone_numbers(detector: PHIDetector) -> None:
    source = "Wife Maureen Whitcombe can be reached at (415) 555-0199."
    output = "Contact the wife on 415.555.0199; the clinic line is 212-555-0147."
    copied, invented = copied_and_invented(source, output, "en", detector)
    assert [(d.label, d.text) for d in copied] == [("PHONE", "415.555.0199")]
    assert [(d.label, d.text) for d in invented] == [("PHONE", "212-555-0147")]


def test_copied_and_invented_in_chinese(detector: PHIDetector) -> None:
    source = "患者王建国，男，62岁。其子王磊联系电话13812345678。"
    output = "患者王建国，联系电话138-1234-5678，备用电话13987654321。"
    copied, invented = copied_and_invented(source, output, "zh", detector)
    assert ("PHONE", "138-1234-5678") in {(d.label, d.text) for d in copied}
    assert ("NAME", "王建国") in {(d.label, d.text) for d in copied}
    assert [(d.label, d.text) for d in invented] == [("PHONE", "13987654321")]


# --- offline --------------------------------------------------------------------------------


def test_detector_makes_no_network_attempt(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the PHI detector tried to use the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    started = time.monotonic()
    fresh = PHIDetector()
    found = labelled(fresh, "Email jane.doe@gmail.com or see https://portal.example.org/x; fax 503-555-0148.", "en")
    assert ("EMAIL", "jane.doe@gmail.com") in found
    assert time.monotonic() - started < 15


# --- quality against gold ---------------------------------------------------------------------


def available_sets() -> list[str]:
    names = list(GOLD_SETS)
    for name in BIGGER_SETS:
        try:
            resolve_evalset(name)
        except EvalSetError:
            continue
        names.append(name)
    return names


def test_detector_quality_on_gold_sets(detector: PHIDetector) -> None:
    quality = detector_quality(available_sets(), detector)
    assert {"en", "zh", "ALL"} <= set(quality)
    for language in ("en", "zh"):
        rows = quality[language]
        for label, row in rows.items():
            if row["gold"]:
                assert 0.0 <= row["recall"] <= 1.0, (language, label)
                assert 0.0 <= row["precision"] <= 1.0, (language, label)
            assert row["true_positive"] <= row["detected"]
            assert row["found"] <= row["gold"]
        assert rows["ALL"]["gold"] == sum(row["gold"] for label, row in rows.items() if label != "ALL")
        assert rows["ALL"]["recall"] >= 0.7, format_quality_table(quality)
    table = format_quality_table(quality)
    assert "recall" in table and "precision" in table and "NAME" in table
