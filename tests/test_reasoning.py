"""Reasoning is kept out of the scored output and kept in the record."""

from __future__ import annotations

import json
from pathlib import Path

from workbench.data.evalsets import load_evalset
from workbench.models.base import BackendInfo, GenerationRequest, GenerationResult, StreamClock
from workbench.models.spec import ModelSpec
from workbench.data.prompts import get_prompt
from workbench.models.reasoning import content_has_started, split_reasoning
from workbench.run.files import read_records
from workbench.run.runner import RunSettings, run_comparison

MEDGEMMA_TAGS = (("<unused94>", "<unused95>"), ("<think>", "</think>"))


def test_think_block_is_split_from_the_answer() -> None:
    split = split_reasoning("<think>\nBP is 150/90, so hypertension.\n</think>\n\n【主诉】头痛3天。")
    assert split.content == "【主诉】头痛3天。"
    assert split.reasoning == "BP is 150/90, so hypertension."
    assert not split.reasoning_unterminated


def test_empty_think_block_of_a_non_thinking_turn_leaves_only_the_answer() -> None:
    split = split_reasoning("<think>\n\n</think>\n\nChief Complaint:\nChest pain.")
    assert split.content == "Chief Complaint:\nChest pain."
    assert split.reasoning == ""


def test_closing_tag_without_opening_means_the_template_opened_the_block() -> None:
    split = split_reasoning("the patient is febrile</think>Summary: fever.")
    assert split.content == "Summary: fever."
    assert split.reasoning == "the patient is febrile"


def test_unterminated_reasoning_leaves_no_content_to_score() -> None:
    split = split_reasoning("<think>still weighing the troponin of 2.8 ng/mL")
    assert split.content == ""
    assert split.reasoning_unterminated
    assert "troponin" in split.reasoning


def test_medgemma_thought_tokens_and_several_blocks() -> None:
    text = "<unused94>thought: check sodium<unused95>Hyponatraemia. <think>again</think>Plan: fluids."
    split = split_reasoning(text, MEDGEMMA_TAGS)
    assert split.content == "Hyponatraemia. Plan: fluids."
    assert "check sodium" in split.reasoning and "again" in split.reasoning


def test_content_start_ignores_reasoning_whitespace_and_tag_prefixes() -> None:
    assert not content_has_started("")
    assert not content_has_started("  \n")
    assert not content_has_started("<th")
    assert not content_has_started("<think>reasoning")
    assert not content_has_started("<think>reasoning</think>\n")
    assert content_has_started("<think>reasoning</think>\nAnswer")
    assert content_has_started("Answer without thinking")


def test_stream_clock_times_first_token_and_first_content_token() -> None:
    clock = StreamClock("r1", (("<think>", "</think>"),))
    for piece in ["<think>", "weigh", " the ECG", "</think>", "\n", "STEMI", "."]:
        clock.piece(piece)
    result = clock.finish(completion_tokens=7)
    assert result.output == "STEMI."
    assert result.reasoning == "weigh the ECG"
    assert result.ttft_s is not None and result.ttfc_s is not None and result.e2e_s is not None
    assert result.ttft_s <= result.ttfc_s <= result.e2e_s
    assert len(result.itl_s) == 6
    assert result.reasoning_tokens == 5  # the pieces before the answer began


class ScriptedThinkingBackend:
    """Streams a fixed reasoning model's reply through the real StreamClock."""

    def __init__(self) -> None:
        self.calls = 0

    def info(self) -> BackendInfo:
        return BackendInfo(backend="scripted", backend_version="1", model_id="scripted-thinker")

    def generate(self, request: GenerationRequest) -> GenerationResult:
        self.calls += 1
        clock = StreamClock(request.request_id, (("<think>", "</think>"),))
        for piece in ["<think>", "The note lists chest pain.", "</think>", "\n\n", "Chief Complaint:", " chest pain"]:
            clock.piece(piece)
        return clock.finish(completion_tokens=6, prompt_tokens=10, finish_reason="stop")

    def close(self) -> None:
        pass


def test_records_keep_reasoning_apart_from_the_scored_output(tmp_path: Path) -> None:
    spec = ModelSpec(name="thinker", backend="openai", base_url="http://127.0.0.1:9/v1", model="x", thinking=True)
    backend = ScriptedThinkingBackend()
    outcome = run_comparison(
        [spec], get_prompt("clinical-summary-en@1"), load_evalset("smoke-en"),
        RunSettings(runs_dir=tmp_path, limit=2, show_progress=False),
        backend_factory=lambda s, allow: backend,
    )
    records = read_records(outcome.evaluations[0].directory)
    assert len(records) == 2
    for record in records:
        assert record.output == "Chief Complaint: chest pain"
        assert "<think>" not in record.output
        assert record.reasoning == "The note lists chest pain."
        assert record.raw_output.startswith("<think>")
        assert record.generation_settings["chat_template_kwargs"] == {"enable_thinking": True}
    json.dumps([record.model_dump(mode="json") for record in records])  # records are plain JSON
