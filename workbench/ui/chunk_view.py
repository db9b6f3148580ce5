"""How the Cases tab shows a case whose record did not fit the model's context: what was done with it and,
for a chunked case, every call of the chain in order (``workbench.run.long_records``).

Pure rendering: a record and its scores in, an HTML fragment out (empty for a record sent whole). Every
text from a record or a score is escaped; the gold identifiers a chunk output repeats are marked as the
Cases tab marks them in outputs (``output_phi_spans``), and a chain whose outputs leaked PHI says so in the
line shown while the details are closed.
"""

from __future__ import annotations

import html

from workbench.run.files import CaseScores, ChunkRecord, GenerationRecord, LongRecordHandling
from workbench.run.run_cases import MarkedSpan, output_phi_spans

CHUNK_CSS = """
details.long-record { margin-top: 6px; border: 1px solid var(--border-color-primary);
                      border-radius: var(--radius-md); padding: 4px 8px; font-size: var(--text-sm); }
details.long-record > summary { cursor: pointer; }
.long-record .leak { color: #b42318; font-weight: bold; }
.long-record ol { margin: 4px 0; padding-left: 1.5em; }
.long-record li { margin: 4px 0; }
.long-record .chunk-output { white-space: pre-wrap; overflow-wrap: anywhere; margin: 2px 0 0 0;
                             font-family: var(--font-mono); }
.long-record mark { background: #fde68a; color: inherit; border-radius: 3px; padding: 0 2px; }
.long-record mark .label { font-size: 0.75em; color: #92400e; margin-left: 3px; }
.long-record .error { color: #b42318; }
"""


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f} s"


def _tokens(value: int | None) -> str:
    return "-" if value is None else f"{value} tokens"


def marked_html(text: str, spans: list[MarkedSpan]) -> str:
    """``text`` escaped, each span wrapped in a ``<mark>`` that names its label (spans do not overlap)."""
    pieces: list[str] = []
    position = 0
    for span in sorted(spans, key=lambda item: item.start):
        pieces.append(html.escape(text[position:span.start]))
        pieces.append(f'<mark title="{html.escape(span.label, quote=True)}">{html.escape(text[span.start:span.end])}'
                      f'<span class="label">{html.escape(span.label)}</span></mark>')
        position = span.end
    pieces.append(html.escape(text[position:]))
    return "".join(pieces)


def over_context_tokens(handling: LongRecordHandling) -> int:
    """How many tokens the whole record's prompt and ``max_tokens`` exceed the context by."""
    return handling.prompt_tokens_counted + handling.max_tokens - handling.context_length


def cut_share(handling: LongRecordHandling) -> float | None:
    """The share of the note's tokens truncation left out (None when nothing was cut)."""
    if not handling.cut_tokens or not handling.note_tokens:
        return None
    return handling.cut_tokens / handling.note_tokens


def handling_text(handling: LongRecordHandling) -> str:
    """One line: the strategy, what was applied, how far over the context the record was, and what was cut or
    how it was split."""
    parts = [f"--long-records {handling.strategy}: {handling.applied}",
             f"prompt {handling.prompt_tokens_counted} tokens + max_tokens {handling.max_tokens} exceed the context "
             f"of {handling.context_length} by {over_context_tokens(handling)} tokens"]
    share = cut_share(handling)
    if share is not None:
        parts.append(f"cut {handling.cut_tokens} of {handling.note_tokens} note tokens ({share:.0%}), "
                     f"{handling.cut_chars} characters from the middle")
    if handling.sent_prompt_tokens is not None:
        parts.append(f"sent {handling.sent_prompt_tokens} tokens")
    if handling.parts is not None:
        parts.append(f"{handling.parts} part(s) of at most {handling.chunk_tokens} tokens, "
                     f"overlap {handling.chunk_overlap or 0}")
    parts.append(f"counted with {handling.token_count_source}")
    return " · ".join(parts)


def call_title(chunk: ChunkRecord) -> str:
    """What a chunk call was: its number, kind and the part it read (or the calls it combined)."""
    if chunk.part is not None:
        read = f"part {chunk.part} of {chunk.parts}"
    elif chunk.combines:
        read = "combines calls " + ", ".join(str(index + 1) for index in chunk.combines)
    else:
        read = f"{chunk.parts} part(s)"
    return f"call {chunk.index + 1} · {chunk.kind} · {read}"


def leaked_items(scores: CaseScores | None) -> list[dict[str, object]]:
    """The gold PHI items the chain's outputs before the last repeated (``phi_intermediate_leaked``)."""
    if scores is None:
        return []
    return [item for item in scores.get("phi_intermediate_leaked") or [] if isinstance(item, dict)]


def chunk_spans(text: str, scores: CaseScores | None) -> list[MarkedSpan]:
    """The gold identifiers a chunk output repeats: those leaked by any output of the chain, the final one's
    included, marked as the Cases tab marks an output's."""
    if scores is None:
        return []
    known = [*scores.phi_leaked, *leaked_items(scores)]
    return output_phi_spans(text, CaseScores(id=scores.id, phi_leaked=known))


def call_html(chunk: ChunkRecord, scores: CaseScores | None) -> str:
    """One call of the chain: its title, timing and tokens, a PHI mark, its error and its output."""
    spans = chunk_spans(chunk.output, scores)
    head = [html.escape(call_title(chunk)), f"e2e {_seconds(chunk.e2e_s)}",
            f"read {_tokens(chunk.prompt_tokens_counted)}", f"wrote {_tokens(chunk.completion_tokens)}"]
    if spans:
        head.append('<span class="leak">PHI leaked</span>')
    error = (f'<div class="error">error: {html.escape(chunk.error_type or "error")}: {html.escape(chunk.error)}</div>'
             if chunk.error else "")
    output = f'<div class="chunk-output">{marked_html(chunk.output, spans)}</div>' if chunk.output else ""
    return f'<li class="chunk-call"><div>{" · ".join(head)}</div>{error}{output}</li>'


def chain_text(record: GenerationRecord) -> str:
    """The chain as a whole: its calls, its latency from the first request to the last token, its tokens."""
    return (f"{len(record.chunks)} call(s) · chain e2e {_seconds(record.e2e_s)} (first request to last token) · "
            f"TTFT {_seconds(record.ttft_s)} · {_tokens(record.completion_tokens)} written in all")


def leak_lines(scores: CaseScores | None) -> list[str]:
    """What the chain's outputs before the last leaked or invented, from the case's scores (empty when nothing)."""
    if scores is None:
        return []
    lines = []
    items = leaked_items(scores)
    if items:
        named = ", ".join(f"{item.get('label')} {item.get('text')}" + _first_call(item.get("call")) for item in items)
        lines.append(f"PHI leaked in chunk outputs: {named}")
    invented = scores.get("values_intermediate_invented_list") or []  # the values behind the metric's count
    if invented:
        values = ", ".join(str(value) for value in invented)
        lines.append(f"{len(invented)} value(s) in chunk outputs that the note does not hold: {values}")
    return lines


def _first_call(index: object) -> str:
    return f" (first in call {index + 1})" if isinstance(index, int) else ""


def summary_html(record: GenerationRecord, handling: LongRecordHandling, scores: CaseScores | None) -> str:
    """The line shown while the details are closed: what was applied and, for a chain, its calls, its latency
    and whether its outputs leaked PHI."""
    opened = html.escape(f"Longer than the context: {handling.applied} ({handling.strategy})")
    if record.chunks:
        opened += html.escape(f" · {len(record.chunks)} call(s) · {_seconds(record.e2e_s)}")
    if leaked_items(scores):
        opened += ' · <span class="leak">PHI leaked in chunk outputs</span>'
    return f"<summary>{opened}</summary>"


def long_record_html(record: GenerationRecord | None, scores: CaseScores | None = None) -> str:
    """How a case's record was handled, as a closed details element under its output; '' for a record sent
    whole (or written before records were measured)."""
    handling = record.long_record if record is not None else None
    if record is None or handling is None or handling.applied == "whole":
        return ""
    body = [f"<div>{html.escape(handling_text(handling))}</div>"]
    if record.chunks:
        body.append(f"<div>{html.escape(chain_text(record))}</div>")
        body += [f'<div class="leak">{html.escape(line)}</div>' for line in leak_lines(scores)]
        body.append("<ol>" + "".join(call_html(chunk, scores) for chunk in record.chunks) + "</ol>")
    return f'<details class="long-record">{summary_html(record, handling, scores)}{"".join(body)}</details>'
