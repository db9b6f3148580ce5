"""What a judge model is asked, and how its reply is read.

Rubric grading asks one question per (output, rubric item): the judge sees the source note, the output and one
criterion, and replies with one JSON object::

    {"met": true, "justification": "BP 168/96 mmHg and troponin I 2.8 ng/mL are both kept."}

Pairwise comparison shows two outputs for the same note, labelled Output 1 and Output 2, and the judge replies
``{"better": "1" | "2" | "tie", "justification": "..."}``.

A reply is read when it is exactly one JSON object, bare or wrapped in one ```json fence, with the keys asked
for and nothing else (``justification`` may be left out). Anything else (invalid JSON, a list, a missing or
non-boolean ``met``, a key given twice, text before or after the object) is *unparsed*: it is counted with the
reason and never guessed at. The instructions are English; they work for notes and outputs in Chinese too.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any, Literal

from workbench.data.prompts import ChatMessage
from workbench.models.base import GenerationRequest

RUBRIC_INSTRUCTION_VERSION = "rubric-item@1"
RUBRIC_INSTRUCTION = (
    "You check one criterion against a summary that a model wrote of a clinical note. Read the NOTE, then the "
    "SUMMARY, then decide whether the CRITERION is true of the SUMMARY. A criterion may describe something good "
    "(true when the summary does it) or a fault (true when the summary contains the fault). Judge only this "
    "criterion, using only the note and the summary; they may be written in any language.\n"
    "Reply with one JSON object and nothing else:\n"
    '{"met": true or false, "justification": "one short sentence"}\n\n'
    "NOTE:\n{note}\n\n"
    "SUMMARY:\n{output}\n\n"
    "CRITERION:\n{criterion}"
)
RUBRIC_INSTRUCTION_HASH = hashlib.sha256(RUBRIC_INSTRUCTION.encode("utf-8")).hexdigest()

PAIRWISE_INSTRUCTION_VERSION = "pairwise@1"
PAIRWISE_INSTRUCTION = (
    "You compare two summaries that models wrote of the same clinical note. Decide which one is the better "
    "clinical summary of the NOTE: faithful to the note (nothing invented), keeping the findings that matter "
    "with their values and units, free of personal identifiers, safe, and in the sections asked for. The order "
    "in which they are shown means nothing. The texts may be written in any language.\n"
    "Reply with one JSON object and nothing else:\n"
    '{"better": "1", "2" or "tie", "justification": "one short sentence"}\n\n'
    "NOTE:\n{note}\n\n"
    "Output 1:\n{first}\n\n"
    "Output 2:\n{second}"
)
PAIRWISE_INSTRUCTION_HASH = hashlib.sha256(PAIRWISE_INSTRUCTION.encode("utf-8")).hexdigest()

PLAIN_CUE = "\n\nJSON reply:\n"  # ends the prompt of a base model (prompt_format: plain)
Preference = Literal["1", "2", "tie", "unparsed"]
PREFERENCES: tuple[Preference, ...] = ("1", "2", "tie")

_PLACEHOLDER = re.compile(r"\{(note|output|criterion|first|second)\}")
_FENCE = re.compile(r"```(?:json)?[ \t]*\n(?P<body>.*?)\n?```", re.DOTALL | re.IGNORECASE)


def rubric_instruction_label() -> str:
    return f"{RUBRIC_INSTRUCTION_VERSION} sha256:{RUBRIC_INSTRUCTION_HASH[:12]}"


def pairwise_instruction_label() -> str:
    return f"{PAIRWISE_INSTRUCTION_VERSION} sha256:{PAIRWISE_INSTRUCTION_HASH[:12]}"


def fill(template: str, values: dict[str, str]) -> str:
    """The template with each ``{name}`` replaced in one pass (a note holding ``{output}`` stays as written)."""
    return _PLACEHOLDER.sub(lambda match: values[match[1]], template)


def _request(prompt: str, request_id: str) -> GenerationRequest:
    return GenerationRequest(request_id=request_id, messages=(ChatMessage(role="user", content=prompt),),
                             plain_prompt=prompt + PLAIN_CUE)


def rubric_request(note: str, output: str, criterion: str, request_id: str) -> GenerationRequest:
    """What the judge is sent to check one criterion against one output."""
    return _request(fill(RUBRIC_INSTRUCTION, {"note": note, "output": output, "criterion": criterion}), request_id)


def pairwise_request(note: str, first: str, second: str, request_id: str) -> GenerationRequest:
    """What the judge is sent to compare two outputs, ``first`` shown as Output 1."""
    return _request(fill(PAIRWISE_INSTRUCTION, {"note": note, "first": first, "second": second}), request_id)


# --- reading replies -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemVerdict:
    """A judge's answer on one criterion; ``met`` is None for an unparsed reply, and ``problem`` says why."""

    met: bool | None
    justification: str = ""
    problem: str = ""

    @property
    def parsed(self) -> bool:
        return self.met is not None


@dataclass(frozen=True)
class PairwiseVerdict:
    """A judge's preference between Output 1 and Output 2; ``problem`` says why a reply is unparsed."""

    better: Preference
    justification: str = ""
    problem: str = ""

    @property
    def parsed(self) -> bool:
        return self.better != "unparsed"


_JSON_KINDS = {list: "array", str: "string", int: "number", float: "number", bool: "boolean", type(None): "null"}


class _RepeatedKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _refuse_repeated_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise _RepeatedKey(key)
        found[key] = value
    return found


def reply_object(text: str) -> dict[str, Any] | str:
    """The one JSON object of a reply (bare, or the whole reply is one ```json fence), or what is wrong."""
    body = text.strip()
    fenced = _FENCE.fullmatch(body)
    if fenced is not None:
        body = fenced["body"].strip()
    if not body:
        return "the reply is empty"
    try:
        value = json.loads(body, object_pairs_hook=_refuse_repeated_keys)
    except _RepeatedKey as exc:
        return f"the key {exc.key!r} appears more than once"
    except json.JSONDecodeError as exc:
        return f"not one JSON object, bare or in a ```json fence: {_decode_problem(body, exc)}"
    except RecursionError:
        return "the reply nests JSON too deeply"
    if not isinstance(value, dict):
        return f"the reply is a JSON {_JSON_KINDS.get(type(value), 'value')}, not an object"
    return value


def _decode_problem(body: str, exc: json.JSONDecodeError) -> str:
    if exc.msg == "Extra data":
        return "text follows the object"
    if body.startswith("```"):
        return "text outside the fence"
    if exc.pos == 0 and "{" in body:
        return "text comes before the object"
    return f"invalid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"


def _shown(value: Any) -> str:
    """A value of the reply as JSON writes it."""
    return json.dumps(value, ensure_ascii=False)


def _keys_problem(value: dict[str, Any], expected: tuple[str, ...]) -> str | None:
    """What is wrong with the object's other keys or its justification, or None."""
    unexpected = [key for key in value if key not in expected]
    if unexpected:
        return f"unexpected key(s) {', '.join(map(repr, unexpected))}; expected {', '.join(map(repr, expected))}"
    if not isinstance(value.get("justification", ""), str):
        return f"'justification' is {_shown(value['justification'])}, not text"
    return None


def parse_judge_reply(text: str) -> ItemVerdict:
    """A judge's verdict on one criterion, or an unparsed verdict saying what is wrong with the reply."""
    value = reply_object(text)
    if isinstance(value, str):
        return ItemVerdict(met=None, problem=value)
    if "met" not in value:
        return ItemVerdict(met=None, problem="no 'met' key")
    if not isinstance(value["met"], bool):
        return ItemVerdict(met=None, problem=f"'met' is {_shown(value['met'])}, not true or false")
    problem = _keys_problem(value, ("met", "justification"))
    if problem is not None:
        return ItemVerdict(met=None, problem=problem)
    return ItemVerdict(met=value["met"], justification=value.get("justification", "").strip())


def parse_pairwise_reply(text: str) -> PairwiseVerdict:
    """A judge's preference between two outputs, or an unparsed verdict saying what is wrong with the reply."""
    value = reply_object(text)
    if isinstance(value, str):
        return PairwiseVerdict(better="unparsed", problem=value)
    if "better" not in value:
        return PairwiseVerdict(better="unparsed", problem="no 'better' key")
    if not isinstance(value["better"], str) or value["better"] not in PREFERENCES:
        return PairwiseVerdict(better="unparsed",
                               problem=f"'better' is {_shown(value['better'])}, not \"1\", \"2\" or \"tie\"")
    problem = _keys_problem(value, ("better", "justification"))
    if problem is not None:
        return PairwiseVerdict(better="unparsed", problem=problem)
    return PairwiseVerdict(better=value["better"], justification=value.get("justification", "").strip())
