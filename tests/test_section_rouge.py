"""ROUGE-L per section: each required section of the output against the same section of the reference."""

from __future__ import annotations

import pytest

from workbench.data.evalsets import Case
from workbench.scoring.rouge import rouge_scores
from workbench.scoring.scorer import section_rouge

SECTIONS = ("【主诉】", "【现病史】", "【初步诊断】")
REFERENCE = "【主诉】胸痛3天。\n【现病史】活动后胸骨后压榨样疼痛，持续10分钟。\n【初步诊断】不稳定型心绞痛。"


def _case(reference: str = REFERENCE) -> Case:
    return Case(id="c1", language="zh", source="患者胸痛3天。", reference=reference)


def test_the_reference_scores_one_and_section_order_does_not_matter() -> None:
    assert section_rouge(_case(), REFERENCE, SECTIONS) == pytest.approx(1.0)
    reordered = "【初步诊断】不稳定型心绞痛。\n【主诉】胸痛3天。\n【现病史】活动后胸骨后压榨样疼痛，持续10分钟。"
    assert section_rouge(_case(), reordered, SECTIONS) == pytest.approx(1.0)


def test_a_missing_section_scores_zero_and_text_under_the_wrong_heading_does_not_count() -> None:
    missing = "【主诉】胸痛3天。\n【现病史】活动后胸骨后压榨样疼痛，持续10分钟。"
    assert section_rouge(_case(), missing, SECTIONS) == pytest.approx(2 / 3)
    swapped = "【主诉】不稳定型心绞痛。\n【现病史】胸痛3天。\n【初步诊断】活动后胸骨后压榨样疼痛，持续10分钟。"
    whole = rouge_scores(REFERENCE, swapped, language="zh")["rougeL"].fmeasure
    assert section_rouge(_case(), swapped, SECTIONS) < 0.3 < whole  # the whole-text score hides the swap


def test_no_sections_in_the_reference_gives_no_score() -> None:
    assert section_rouge(_case("胸痛3天，考虑心绞痛。"), REFERENCE, SECTIONS) is None
