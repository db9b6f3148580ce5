"""Structure compliance as a reader sees it: required sections found only as line-initial headings.

Every output here is written by hand and its right answer is known. Most cases are ones the old
plain substring search got wrong (a heading form without the manifest's exact ``"Name:"`` or
``"【名称】"`` spelling, a name mentioned in a sentence, a section name in a body before its heading).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.data.evalsets import Case, EvalSet, EvalSetError, Manifest, read_manifest, write_manifest
from workbench.scoring.scorer import score_outputs
from workbench.scoring.structure import SectionFound, check_structure, section_bodies, section_name

EN = ("Chief Complaint:", "History of Present Illness:", "Key Findings:", "Assessment and Plan:")
EN_NAMES = ("Chief Complaint", "History of Present Illness", "Key Findings", "Assessment and Plan")
EN_BODIES = (
    "Crushing substernal chest pain for 2 hours.",
    "58-year-old man with hypertension and diabetes; pain radiates to the left arm.",
    "BP 168/96 mmHg, HR 104 bpm. Troponin I 2.8 ng/mL.",
    "Inferior STEMI. Aspirin 300 mg, emergency catheterisation.",
)
ZH = ("【主诉】", "【现病史】", "【辅助检查】", "【初步诊断】")
ZH_NAMES = ("主诉", "现病史", "辅助检查", "初步诊断")
ZH_BODIES = (
    "持续性胸骨后压榨样疼痛4小时。",
    "活动后出现胸骨后疼痛，向左肩放射，伴大汗。",
    "心电图示V1-V4导联ST段抬高0.3mV；肌钙蛋白I 3.2ng/mL。",
    "急性前壁ST段抬高型心肌梗死；高血压。",
)


def render(form: str, names: tuple[str, ...], bodies: tuple[str, ...]) -> str:
    """A four-section output with every heading written in ``form`` ({name}, {NAME}, {n}, {spaced}, {body})."""
    return "\n".join(
        form.format(name=name, NAME=name.upper(), n=number, spaced=" ".join(name), body=body)
        for number, (name, body) in enumerate(zip(names, bodies), start=1)
    )


@pytest.mark.parametrize("form", [
    "**{name}**: {body}",
    "## {name}\n{body}",
    "**{name}:**\n{body}",
    "**{name}:** {body}",
    "{NAME}: {body}",
    "{n}. {name}: {body}",
    "__{name}__\n{body}",
    "{name} - {body}",
    "{name} — {body}",
    "- **{name}**\n{body}",
    "### {n}. {name}:\n\n{body}\n",
    "{name}\n{body}",
])
def test_english_heading_forms_are_found_with_their_bodies(form: str) -> None:
    output = render(form, EN_NAMES, EN_BODIES)
    result = check_structure(output, EN)
    assert result.present == EN and result.missing == () and result.empty == ()
    assert result.in_order and result.ok and result.compliance == 1.0
    assert section_bodies(output, EN) == dict(zip(EN, EN_BODIES))


@pytest.mark.parametrize("form", [
    "{name}：{body}",
    "{name}:{body}",
    "【{name}】{body}",
    "【{name}】\n{body}",
    "[{name}]\n{body}",
    "［{name}］{body}",
    "{spaced}：{body}",
    "**{name}**：{body}",
    "## {name}\n{body}",
    "{n}. {name}：{body}",
])
def test_chinese_heading_forms_are_found_with_their_bodies(form: str) -> None:
    output = render(form, ZH_NAMES, ZH_BODIES)
    result = check_structure(output, ZH)
    assert result.present == ZH and result.missing == () and result.empty == ()
    assert result.in_order and result.ok
    assert section_bodies(output, ZH) == dict(zip(ZH, ZH_BODIES))


def test_single_forms_named_in_the_brief() -> None:
    cases = {
        "**Chief Complaint**: chest pain": "chest pain",
        "## Chief Complaint\nchest pain": "chest pain",
        "**Chief Complaint:** chest pain": "chest pain",
        "CHIEF COMPLAINT: chest pain": "chest pain",
        "1. Chief Complaint: chest pain": "chest pain",
    }
    for output, body in cases.items():
        assert section_bodies(output, ["Chief Complaint:"]) == {"Chief Complaint:": body}, output
    zh_cases = {"主诉：胸痛": "胸痛", "【主诉】胸痛": "胸痛", "[主诉]胸痛": "胸痛", "主 诉：胸痛": "胸痛"}
    for output, body in zh_cases.items():
        assert section_bodies(output, ["【主诉】"]) == {"【主诉】": body}, output
        assert check_structure(output, ["【主诉】"]).ok, output


def test_a_full_chinese_sectioned_summary() -> None:
    output = (
        "以下为病历摘要：\n"
        "一、主诉：持续性胸骨后压榨样疼痛4小时。\n"
        "二、现病史：\n"
        "患者4小时前活动后出现胸骨后压榨样疼痛，向左肩放射，伴大汗。\n"
        "既往高血压10年。\n"
        "三、辅助检查：\n"
        "1. 心电图：V1-V4导联ST段抬高0.3mV。\n"
        "2. 肌钙蛋白I 3.2ng/mL。\n"
        "四、初步诊断：\n"
        "1. 急性前壁ST段抬高型心肌梗死\n"
        "2. 高血压\n"
    )
    result = check_structure(output, ZH)
    assert result.present == ZH and result.ok
    assert [section.line for section in result.sections] == [2, 3, 6, 9]
    assert section_bodies(output, ZH) == {
        "【主诉】": "持续性胸骨后压榨样疼痛4小时。",
        "【现病史】": "患者4小时前活动后出现胸骨后压榨样疼痛，向左肩放射，伴大汗。\n既往高血压10年。",
        "【辅助检查】": "1. 心电图：V1-V4导联ST段抬高0.3mV。\n2. 肌钙蛋白I 3.2ng/mL。",
        "【初步诊断】": "1. 急性前壁ST段抬高型心肌梗死\n2. 高血压",
    }


@pytest.mark.parametrize("output,sections", [
    ("In summary, the patient's chief complaint: chest pain for 2 hours; history of present illness: pain "
     "radiating to the left arm; key findings: troponin 2.8 ng/mL; assessment and plan: STEMI, to the cath lab.", EN),
    ("The chief complaint was chest pain.\nThe key findings were an ST elevation and a raised troponin.\n"
     "Our assessment and plan: primary PCI.", EN),
    ("患者因胸痛入院，入院记录【主诉】为胸痛4小时，【现病史】见上，【辅助检查】示ST段抬高，【初步诊断】为心梗。", ZH),
])
def test_names_mentioned_in_prose_are_not_headings(output: str, sections: tuple[str, ...]) -> None:
    result = check_structure(output, sections)
    assert result.present == () and result.missing == sections
    assert result.compliance == 0.0 and not result.ok
    assert section_bodies(output, sections) == {}


def test_a_section_named_in_a_body_before_its_heading_keeps_the_order() -> None:
    output = (
        "Chief Complaint:\nChest pain; the Assessment and Plan: was agreed with cardiology (see below).\n"
        "History of Present Illness:\nPain for 2 hours at rest. Key Findings: are listed next.\n"
        "Key Findings:\nTroponin I 2.8 ng/mL.\n"
        "Assessment and Plan:\nPrimary PCI."
    )
    result = check_structure(output, EN)
    assert result.present == EN and result.in_order and result.ok
    assert section_bodies(output, EN)["Assessment and Plan:"] == "Primary PCI."


def test_sections_out_of_order_are_reported() -> None:
    output = "## Key Findings\nTroponin raised.\n## Chief Complaint\nChest pain.\n## History of Present Illness\nAt rest.\n" \
             "## Assessment and Plan\nPCI."
    result = check_structure(output, EN)
    assert result.present == EN and not result.in_order and not result.ok
    assert result.compliance == 1.0


def test_empty_sections_are_detected() -> None:
    output = "## Chief Complaint\nChest pain.\n## History of Present Illness\nAt rest.\n## Key Findings\n" \
             "## Assessment and Plan\nPCI.\n"
    result = check_structure(output, EN)
    assert result.present == EN and result.empty == ("Key Findings:",)
    assert result.compliance == 0.75 and not result.ok
    assert section_bodies(output, EN)["Key Findings:"] == ""

    zh = "主诉：胸痛4小时。\n现病史：活动后胸痛。\n辅助检查：\n初步诊断：\n"
    result = check_structure(zh, ZH)
    assert result.present == ZH and result.empty == ("【辅助检查】", "【初步诊断】")
    assert result.compliance == 0.5


def test_synonyms_from_a_manifest(tmp_path: Path) -> None:
    (tmp_path / "manifest.yaml").write_text(
        "name: s\nversion: '1'\nlanguage: en\ntask: summary\ndefault_prompt: p@1\n"
        "required_sections:\n- 'Chief Complaint:'\n- 'History of Present Illness:'\n- 'Key Findings:'\n"
        "- 'Assessment and Plan:'\n"
        "section_synonyms:\n  'Assessment and Plan:': [Impression and Plan, A/P]\n  'Chief Complaint:': [CC]\n",
        encoding="utf-8",
    )
    manifest = read_manifest(tmp_path / "manifest.yaml")
    assert manifest.section_synonyms == {"Assessment and Plan:": ("Impression and Plan", "A/P"), "Chief Complaint:": ("CC",)}
    for plan in ("Impression and Plan:", "**A/P:**", "## IMPRESSION AND PLAN"):
        output = f"CC: chest pain\nHistory of Present Illness: at rest\nKey Findings: troponin 2.8\n{plan}\nPCI"
        result = check_structure(output, manifest.required_sections, manifest.section_synonyms)
        assert result.ok, plan
        assert section_bodies(output, manifest.required_sections, manifest.section_synonyms)["Assessment and Plan:"] == "PCI"
        assert check_structure(output, manifest.required_sections).missing == ("Chief Complaint:", "Assessment and Plan:")

    evalset = EvalSet(manifest=manifest, cases=(Case(id="c1", language="en", source="note", reference=""),))
    output = "CC: chest pain\nHistory of Present Illness: at rest\nKey Findings: troponin 2.8\nA/P: PCI"
    case = score_outputs(evalset, {"c1": output}).cases[0]
    assert case["structure_compliance"] == 1.0 and case["structure_ok"] == 1.0 and case["sections_missing"] == []


@pytest.mark.parametrize("synonyms,message", [
    ("section_synonyms: [A/P]\n", "must be a mapping"),
    ("section_synonyms:\n  'Plan:': [A/P]\n", "key 'Plan:' is not one of required_sections"),
    ("section_synonyms:\n  'Assessment and Plan:': A/P\n", "must map to a list of non-empty strings"),
    ("section_synonyms:\n  'Assessment and Plan:': ['']\n", "must map to a list of non-empty strings"),
])
def test_malformed_synonyms_name_the_file_and_field(tmp_path: Path, synonyms: str, message: str) -> None:
    path = tmp_path / "manifest.yaml"
    path.write_text("name: s\nversion: '1'\nlanguage: en\ntask: summary\ndefault_prompt: p@1\n"
                    "required_sections:\n- 'Assessment and Plan:'\n" + synonyms, encoding="utf-8")
    with pytest.raises(EvalSetError) as error:
        read_manifest(path)
    assert str(path) in str(error.value) and "field 'section_synonyms'" in str(error.value)
    assert message in str(error.value)


def test_synonyms_are_written_only_when_there_are_some(tmp_path: Path) -> None:
    cases = [Case(id="c1", language="en", source="note", reference="")]
    plain = Manifest(name="s", version="1", language="en", task="summary", default_prompt="p@1", required_sections=EN)
    write_manifest(tmp_path, plain, cases)
    assert "section_synonyms" not in (tmp_path / "manifest.yaml").read_text(encoding="utf-8")
    assert read_manifest(tmp_path / "manifest.yaml").section_synonyms == {}

    with_synonyms = Manifest(**{**plain.__dict__, "section_synonyms": {"Assessment and Plan:": ("A/P",)}})
    written = write_manifest(tmp_path, with_synonyms, cases)
    assert read_manifest(tmp_path / "manifest.yaml") == written
    assert read_manifest(tmp_path / "manifest.yaml").section_synonyms == {"Assessment and Plan:": ("A/P",)}


def test_section_bodies_of_reference_and_output_line_up() -> None:
    reference = "\n".join(f"{heading}\n{body}" for heading, body in zip(EN, EN_BODIES))
    output = (
        "Here is the summary.\n\n"
        f"**Chief Complaint:** {EN_BODIES[0]}\n\n"
        f"**History of Present Illness:**\n{EN_BODIES[1]}\n\n"
        f"**Assessment & Plan:**\n{EN_BODIES[3]}\n"
    )
    assert section_bodies(reference, EN) == dict(zip(EN, EN_BODIES))
    assert section_bodies(output, EN) == {EN[0]: EN_BODIES[0], EN[1]: EN_BODIES[1], EN[3]: EN_BODIES[3]}
    result = check_structure(output, EN)
    assert result.missing == ("Key Findings:",) and result.in_order
    assert result.sections == (
        SectionFound(heading=EN[0], line=3, body=EN_BODIES[0]),
        SectionFound(heading=EN[1], line=5, body=EN_BODIES[1]),
        SectionFound(heading=EN[3], line=8, body=EN_BODIES[3]),
    )


def test_section_name_reduces_manifest_headings() -> None:
    assert section_name("Chief Complaint:") == "chief complaint"
    assert section_name("【主诉】") == "主诉"
    assert section_name("## Assessment & Plan -") == "assessment and plan"
    assert section_name("主 诉：") == "主诉"
