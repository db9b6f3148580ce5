"""Outputs stored for other readers: gold identifiers replaced by ``[LABEL]``, or the text hashed.

Per-case outputs of a model that copies its input carry patient identifiers; a store other
people read gets them ``redacted`` (gold PHI spans of the set replaced by ``[LABEL]``) or
``hashed`` (SHA-256 of each output) instead of ``as-is``.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any, Literal, get_args

from workbench.data.evalsets import Case

OutputStorage = Literal["as-is", "redacted", "hashed"]
OUTPUT_STORAGE_CHOICES: tuple[str, ...] = get_args(OutputStorage)


def sha256_text(text: str | None) -> str | None:
    return None if text is None else "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def gold_phi(case: Case) -> list[tuple[str, str]]:
    """(identifier text, label) of every gold PHI span of ``case``."""
    return [(case.source[span.start:span.end], span.label) for span in case.phi if span.end > span.start]


def _loose_pattern(text: str) -> str:
    """``text`` with any run of whitespace or separators allowed where it has one."""
    pieces = [re.escape(piece) for piece in re.split(r"[\s\-./(),#:]+", text.strip()) if piece]
    return r"[\s\-./(),#:]*".join(pieces)


def redact(text: str | None, phi: list[tuple[str, str]]) -> str | None:
    """Replace every gold identifier of the case in ``text`` by ``[LABEL]``.

    Case-insensitive and tolerant of changed spacing and separators (``415 555 0199`` for
    ``(415) 555-0199``). Also replaced: each part of a name written alone (``Whitcombe``),
    a run of five or more digits taken from an identifier (``40318`` of ``40318876``), and
    an identifier cut off by the end of the output (``January 9`` of ``January 9, 2026``,
    when max_tokens stopped the model there). A date rewritten in another format is not found.
    """
    if not text:
        return text
    for gold, label in sorted(phi, key=lambda item: len(item[0]), reverse=True):
        pattern = _loose_pattern(gold)
        if pattern:
            text = re.sub(pattern, f"[{label}]", text, flags=re.IGNORECASE)
    for gold, label in phi:
        text = _redact_fragments(text, gold, label)
    return text


def _redact_fragments(text: str, gold: str, label: str) -> str:
    if label == "NAME":
        for part in re.split(r"[\s.,]+", gold):
            if len(part) >= 2:
                text = re.sub(rf"(?<![^\W\d_]){re.escape(part)}(?![^\W\d_])", f"[{label}]", text, flags=re.IGNORECASE)
    digits = re.sub(r"\D", "", gold)
    if len(digits) >= 6:
        text = re.sub(r"\d{5,}", lambda m: f"[{label}]" if m.group(0) in digits else m.group(0), text)
    stripped = text.rstrip()
    for length in range(len(gold) - 1, 2, -1):  # the output ends inside the identifier
        if stripped.lower().endswith(gold[:length].lower()) and gold[:length].strip() == gold[:length]:
            start = len(stripped) - length
            if start == 0 or not stripped[start - 1].isalnum():
                return stripped[:start] + f"[{label}]" + text[len(stripped):]
    return text


def stored_phi_items(items: list[dict[str, Any]], storage: OutputStorage) -> list[dict[str, Any]]:
    """The scorer's leaked items carry the gold identifier itself; only "as-is" keeps it."""
    if storage == "as-is":
        return items
    stored = []
    for item in items:
        text = item.get("text")
        replacement = f"[{item.get('label', 'PHI')}]" if storage == "redacted" else sha256_text(text)
        stored.append({**item, "text": replacement})
    return stored
