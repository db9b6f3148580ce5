"""A judge or guard of a candidate's own family is refused unless the user opts in."""

from __future__ import annotations

import pytest

from workbench.judges.family import SameFamilyError, check_families, family_of, same_family
from workbench.models.catalogue import get_model_spec
from workbench.models.spec import ModelSpec


def test_catalogue_models_declare_their_family() -> None:
    assert family_of(get_model_spec("qwen3guard-gen-8b")) == family_of(get_model_spec("qwen3-14b")) == "Qwen"
    assert family_of(get_model_spec("medgemma-4b-it")) == family_of(get_model_spec("gemma3-270m")) == "Gemma"
    assert get_model_spec("qwen3guard-gen-4b").guard_prompt == "chat-template"
    assert get_model_spec("smollm2-135m").guard_prompt == "instructed"


def test_same_family_judge_is_refused_naming_the_candidates_and_the_option() -> None:
    guard = get_model_spec("qwen3guard-gen-8b")
    candidates = [get_model_spec(name) for name in ("qwen3-14b", "medgemma-4b-it", "qwen3-4b")]
    with pytest.raises(SameFamilyError, match=r"Qwen family.*'qwen3-14b', 'qwen3-4b'.*--allow-same-family"):
        check_families(guard, candidates, role="guard", allow_same_family=False)
    assert check_families(guard, candidates, role="guard", allow_same_family=True) == ["qwen3-14b", "qwen3-4b"]
    assert check_families(guard, candidates[1:2], role="guard", allow_same_family=False) == []


def test_a_model_without_a_family_is_a_family_of_its_own() -> None:
    mine = ModelSpec(name="local-judge", backend="scripted", model="echo-source")
    other = ModelSpec(name="other", backend="scripted", model="echo-source")
    assert family_of(mine) == "local-judge"
    assert same_family(mine, mine) and not same_family(mine, other)


def test_a_judge_writes_at_most_a_verdicts_worth_of_tokens() -> None:
    from workbench.judges.family import VERDICT_MAX_TOKENS, as_judge

    assert as_judge(get_model_spec("smollm2-135m")).sampling.max_tokens == VERDICT_MAX_TOKENS  # 256 in the catalogue
    assert as_judge(get_model_spec("qwen3guard-gen-4b")).sampling.max_tokens == 128  # its own, lower limit kept
