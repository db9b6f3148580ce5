"""The Run tab's choice of what a run does with records longer than a model's context: the same strategies,
defaults and checks as ``workbench run --long-records/--chunk-tokens/--chunk-overlap``, all taken from
``workbench.run.long_records``; this module only adds a line of explanation per strategy and reads the form."""

from __future__ import annotations

from workbench.run.long_records import CHUNKING, DEFAULT_STRATEGY, STRATEGIES, LongRecordSettings, LongRecordStrategy

STRATEGY_HELP: dict[str, str] = {
    LongRecordStrategy.refuse.value: "fail the case, naming its tokens",
    LongRecordStrategy.truncate.value: "keep the note's head and tail, leave out its middle",
    LongRecordStrategy.map_reduce.value: "summarise chunks, then combine their summaries",
    LongRecordStrategy.refine.value: "summarise chunk by chunk, refining the summary so far",
}
STRATEGY_LABEL = "Records longer than the model's context (--long-records)"
STRATEGY_INFO = ("A case whose prompt and max new tokens do not fit the model's context; records that fit are sent "
                 "whole whatever the choice.")
CHUNK_TOKENS_LABEL = "Chunk tokens (--chunk-tokens; 0 or blank: as many as fit)"
CHUNK_OVERLAP_LABEL = "Chunk overlap tokens (--chunk-overlap)"


def strategy_label(name: str) -> str:
    """A strategy as the dropdown offers it: its name, what it does, and whether it is the default."""
    explained = f"{name} — {STRATEGY_HELP[name]}" if name in STRATEGY_HELP else name
    return f"{explained} (default)" if name == DEFAULT_STRATEGY else explained


def strategy_choices() -> list[tuple[str, str]]:
    """Every strategy a run accepts, as (label, name) pairs, in their declared order."""
    return [(strategy_label(name), name) for name in STRATEGIES]


def uses_chunks(strategy: str | None) -> bool:
    """Whether the chunk fields apply (and are shown) for ``strategy``."""
    return strategy in CHUNKING


def _whole_number(value: float | None) -> int | float | None:
    """A number field's value: a whole number as an int (the page may send 64.0), anything else as it came, so
    that the settings' checks name it."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def settings_from_form(strategy: str | None, chunk_tokens: float | None,
                       chunk_overlap: float | None) -> LongRecordSettings:
    """The run's settings as the Run tab's fields give them. The chunk fields count only for the strategies that
    chunk (they are hidden otherwise); a blank or 0 chunk size means as many tokens as fit, a blank overlap 0.
    ``LongRecordSettings.problems`` checks the result as it checks the command line's."""
    name = strategy or DEFAULT_STRATEGY
    if not uses_chunks(name):
        return LongRecordSettings(name)
    return LongRecordSettings(name, chunk_tokens=_whole_number(chunk_tokens) or None,
                              chunk_overlap=_whole_number(chunk_overlap) or 0)
