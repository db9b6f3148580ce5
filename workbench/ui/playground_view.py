"""What the Playground tab shows: each model's output column while it streams and once it is done.

A column is three parts (the column's visibility, a Markdown title, a highlighted output), as the
tab lays them out; columns beyond the models are hidden.
"""

from __future__ import annotations

import threading
from typing import Any

import gradio as gr

from workbench.run.playground import PHIFlag, PlaygroundResult
from workbench.track.leaderboard import format_number
from workbench.ui.escape import markdown_text

UPDATES_PER_S = 5  # the page is sent the streamed text at most this often


class StreamedText:
    """The text each model has generated so far: written by the generating thread, read by the page's poller."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._texts: dict[str, str] = {}
        self._version = 0

    def update(self, model: str, text: str) -> None:
        with self._lock:
            self._texts[model] = text
            self._version += 1

    def snapshot(self) -> tuple[int, dict[str, str]]:
        """A counter that grows with every update, and a copy of the texts."""
        with self._lock:
            return self._version, dict(self._texts)


def hidden_column() -> list[Any]:
    return [gr.update(visible=False), "", None]


def flag_view(text: str, flags: list[PHIFlag], *, with_origin: bool) -> dict[str, Any]:
    """The ``{"text", "entities"}`` a highlighter takes; each flag labelled "copied NAME" or just "NAME"."""
    return {"text": text, "entities": [{"entity": f"{flag.origin} {flag.label}" if with_origin else flag.label,
                                        "start": flag.start, "end": flag.end} for flag in flags]}


def streaming_columns(models: list[str], texts: dict[str, str], max_columns: int) -> list[Any]:
    """The columns while the models generate: the text so far, models still waiting say so."""
    parts: list[Any] = []
    for index in range(max_columns):
        if index >= len(models):
            parts.extend(hidden_column())
            continue
        model = models[index]
        text = texts.get(model)
        state = "waiting" if text is None else f"generating · {len(text)} characters so far"
        parts.extend([gr.update(visible=True), f"### {markdown_text(model)}\n{state}",
                      gr.update(value={"text": text or "", "entities": []}, label=model)])
    return parts


def result_title(result: PlaygroundResult) -> str:
    speed = "-" if result.tokens_per_s is None else f"{result.tokens_per_s:.1f}"
    return (f"### {markdown_text(result.model)}\nTTFT {format_number(result.ttft_s, 2)} s · "
            f"e2e {format_number(result.e2e_s, 2)} s · {result.completion_tokens or 0} tokens · {speed} tok/s · "
            f"PHI copied {result.copied_phi}, invented {result.invented_phi}"
            + (f" · **error:** {markdown_text(result.error)}" if result.error else ""))


def result_columns(results: list[PlaygroundResult], max_columns: int) -> list[Any]:
    """The columns once every model is done: output with its PHI flags, timings in the title."""
    parts: list[Any] = []
    for index in range(max_columns):
        if index >= len(results):
            parts.extend(hidden_column())
            continue
        result = results[index]
        parts.extend([gr.update(visible=True), result_title(result),
                      gr.update(value=flag_view(result.output, result.phi_flags, with_origin=True),
                                label=result.model)])
    return parts
