"""Separate a model's reasoning ("thinking") from the answer that gets scored.

Reasoning models wrap their thoughts in tag pairs: Qwen3 uses ``<think>…</think>``,
MedGemma marks thought blocks with its own pair of special tokens. Scoring that text
as if it were the summary is a known failure of evaluation harnesses, so every output
is split here: the content is scored, the reasoning is kept in the record.

Rules (applied for each configured tag pair, in order):
- every ``OPEN … CLOSE`` block is reasoning, wherever it appears;
- a ``CLOSE`` with no ``OPEN`` before it means the chat template already opened the
  block inside the prompt, so everything before it is reasoning;
- an ``OPEN`` that never closes (the model ran out of tokens while thinking) makes
  the rest of the text reasoning, and the content is empty.

Some chat templates (Qwen3 thinking checkpoints) end the prompt with the first ``OPEN``
tag, so the output begins inside a reasoning block and may never show ``OPEN`` at all.
``starts_in_reasoning=True`` says so: the text is read as if it began with the first
pair's ``OPEN`` tag, and nothing is content until its ``CLOSE``.
"""

from __future__ import annotations

from dataclasses import dataclass

ReasoningTags = tuple[tuple[str, str], ...]

DEFAULT_REASONING_TAGS: ReasoningTags = (("<think>", "</think>"),)


@dataclass(frozen=True)
class SplitOutput:
    content: str
    reasoning: str
    reasoning_unterminated: bool = False


def split_reasoning(text: str, tags: ReasoningTags = DEFAULT_REASONING_TAGS, *,
                    starts_in_reasoning: bool = False) -> SplitOutput:
    """Split ``text`` into the answer (stripped of surrounding whitespace) and the reasoning.

    ``starts_in_reasoning``: the prompt already opened the first pair's block (see above).
    """
    if starts_in_reasoning and tags and not text.lstrip().startswith(tags[0][0]):
        text = tags[0][0] + text
    reasoning_parts: list[str] = []
    unterminated = False
    for open_tag, close_tag in tags:
        close_at = text.find(close_tag)
        open_at = text.find(open_tag)
        if close_at != -1 and (open_at == -1 or close_at < open_at):
            reasoning_parts.append(text[:close_at])
            text = text[close_at + len(close_tag):]
        while True:
            open_at = text.find(open_tag)
            if open_at == -1:
                break
            close_at = text.find(close_tag, open_at + len(open_tag))
            if close_at == -1:
                reasoning_parts.append(text[open_at + len(open_tag):])
                text = text[:open_at]
                unterminated = True
                break
            reasoning_parts.append(text[open_at + len(open_tag):close_at])
            text = text[:open_at] + text[close_at + len(close_tag):]
    reasoning = "\n".join(part.strip() for part in reasoning_parts if part.strip())
    return SplitOutput(content=text.strip(), reasoning=reasoning, reasoning_unterminated=unterminated)


def content_has_started(text_so_far: str, tags: ReasoningTags = DEFAULT_REASONING_TAGS, *,
                        starts_in_reasoning: bool = False) -> bool:
    """True once a streamed output holds answer text outside any reasoning block.

    Used to time the first *content* token: whitespace, reasoning, and a fragment
    that could still grow into an opening tag do not count as content.
    """
    content = split_reasoning(text_so_far, tags, starts_in_reasoning=starts_in_reasoning).content
    if not content:
        return False
    return not any(open_tag.startswith(content) for open_tag, _close in tags)
