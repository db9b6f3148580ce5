"""Records longer than the context with the embedded SmolLM2 (llama.cpp, a 256-token context): every strategy
produces what the run says, counted with the loaded model's own tokenizer."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.data.evalsets import Case, EvalSet, Manifest, load_evalset
from workbench.data.prompts import PromptTemplate
from workbench.models.catalogue import get_model_spec
from workbench.models.llamacpp_backend import TOKEN_COUNT_SOURCE
from workbench.run.runner import RunSettings, run_comparison

CONTEXT = 256
MAX_TOKENS = 8
PROMPT = PromptTemplate(name="brief", version=1, task="summary", language="en",
                        messages=[{"role": "system", "content": "Summarise the clinical note in one sentence."},
                                  {"role": "user", "content": "{{source}}"}])


def _evalset() -> EvalSet:
    """The first 1,100 characters of a shipped long stay (about 300 SmolLM2 tokens: over the context once the
    output's room is kept), and a note that fits."""
    long_case = load_evalset("long-records-en").cases[0]
    cut = long_case.source.rfind("\n", 0, 1100)
    spans = tuple(span for span in long_case.phi if span.end <= cut)
    long_part = Case(id="long", language="en", source=long_case.source[:cut], reference=long_case.reference, phi=spans)
    short = Case(id="short", language="en", source="Chest pain for 2 hours; troponin 45 ng/L; ECG normal.",
                 reference="Chest pain; troponin 45 ng/L.")
    return EvalSet(Manifest(name="long-slice", version="1", language="en", task="summary", default_prompt="brief@1"),
                   (long_part, short))


@pytest.fixture(scope="module")
def evalset() -> EvalSet:
    return _evalset()


def _run(tmp_path: Path, evalset: EvalSet, strategy: str, **settings: object):
    spec = get_model_spec("smollm2-135m").model_copy(update={"name": "smollm2-256", "context_length": CONTEXT,
                                                             "load_kwargs": {"n_threads": 1}})  # the cores are shared
    spec = spec.with_overrides(max_tokens=MAX_TOKENS)
    outcome = run_comparison([spec], PROMPT, evalset, RunSettings(runs_dir=tmp_path, show_progress=False,
                                                                  use_cache=False, long_records=strategy, **settings))
    evaluation = outcome.evaluations[0]
    assert evaluation.error is None
    return {record.case_id: record for record in evaluation.records}


def test_refuse_and_truncate(tmp_path: Path, evalset: EvalSet) -> None:
    refused = _run(tmp_path, evalset, "refuse")
    record = refused["long"]
    handling = record.long_record
    assert handling is not None and handling.applied == "refused" and handling.token_count_source == TOKEN_COUNT_SOURCE
    assert handling.prompt_tokens_counted + MAX_TOKENS > CONTEXT
    assert record.error_type == "ContextLengthExceeded" and record.e2e_s is None and not record.output
    assert f"the prompt has {handling.prompt_tokens_counted} tokens" in record.error
    assert f"more than the context length {CONTEXT} of model 'smollm2-256'" in record.error
    whole = refused["short"]
    assert whole.ok and whole.long_record.applied == "whole"
    assert whole.long_record.prompt_tokens_counted == whole.prompt_tokens  # the count is the model's own

    truncated = _run(tmp_path, evalset, "truncate")["long"]
    handling = truncated.long_record
    assert truncated.ok and truncated.output.strip() and truncated.e2e_s and truncated.ttft_s
    assert handling.applied == "truncated" and 0 < handling.cut_tokens < handling.note_tokens
    assert handling.cut_chars == handling.cut_end - handling.cut_start > 0
    assert handling.sent_prompt_tokens == truncated.prompt_tokens <= CONTEXT - MAX_TOKENS


@pytest.mark.parametrize("strategy", ["map-reduce", "refine"])
def test_chunked_strategies_record_every_call(tmp_path: Path, evalset: EvalSet, strategy: str) -> None:
    record = _run(tmp_path, evalset, strategy)["long"]
    handling = record.long_record
    chunks = record.chunks
    assert record.ok and record.output.strip() and handling.applied == "chunked"
    assert handling.parts >= 2 and handling.token_count_source == TOKEN_COUNT_SOURCE
    kinds = [chunk.kind for chunk in chunks]
    if strategy == "map-reduce":
        assert kinds[:handling.parts] == ["map"] * handling.parts and kinds[handling.parts:] == ["reduce"]
    else:
        assert kinds == ["refine"] * handling.parts
    for chunk in chunks:
        assert chunk.error is None
        assert chunk.ttft_s is not None and chunk.e2e_s >= chunk.ttft_s > 0 and chunk.completion_tokens >= 1
        assert chunk.prompt_tokens == chunk.prompt_tokens_counted <= CONTEXT - MAX_TOKENS
    assert [chunk.offset_s for chunk in chunks] == sorted(chunk.offset_s for chunk in chunks)
    assert record.output == chunks[-1].output
    assert record.ttft_s == pytest.approx(chunks[0].ttft_s)
    assert record.e2e_s == pytest.approx(chunks[-1].offset_s + chunks[-1].e2e_s)
    assert record.e2e_s > sum(chunk.e2e_s for chunk in chunks) * 0.99  # the whole chain, one call after another
    assert record.completion_tokens == sum(chunk.completion_tokens for chunk in chunks)
