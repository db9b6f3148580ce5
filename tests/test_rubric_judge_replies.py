"""A judge's reply is read only when it is exactly the JSON object asked for, bare or in one ```json fence;
anything else is unparsed, with the reason, never guessed at. And the prompt holds the note, the output and the
criterion as given."""

from __future__ import annotations

import pytest

from workbench.judges.rubric_judge import (
    PAIRWISE_INSTRUCTION_VERSION, RUBRIC_INSTRUCTION, RUBRIC_INSTRUCTION_HASH, RUBRIC_INSTRUCTION_VERSION, ItemVerdict,
    PairwiseVerdict, pairwise_instruction_label, pairwise_request, parse_judge_reply, parse_pairwise_reply,
    rubric_instruction_label, rubric_request,
)


@pytest.mark.parametrize(("reply", "expected"), [
    ('{"met": true, "justification": "BP 168/96 mmHg is kept."}',
     ItemVerdict(met=True, justification="BP 168/96 mmHg is kept.")),
    ('  {"met": false}\n', ItemVerdict(met=False)),
    ('```json\n{"met": false, "justification": "No unit for troponin."}\n```',
     ItemVerdict(met=False, justification="No unit for troponin.")),
    ('```\n{"met": true, "justification": "所有异常值均保留。"}\n```',
     ItemVerdict(met=True, justification="所有异常值均保留。")),
    ('```JSON\n{"met": true}```', ItemVerdict(met=True)),
])
def test_a_reply_in_the_format_is_read(reply: str, expected: ItemVerdict) -> None:
    assert parse_judge_reply(reply) == expected


@pytest.mark.parametrize(("reply", "problem"), [
    ("", "the reply is empty"),
    ("```json\n```", "the reply is empty"),
    ('{"met": true', "not one JSON object, bare or in a ```json fence: invalid JSON "
                     "(Expecting ',' delimiter at line 1 column 13)"),
    ("{met: true}", "not one JSON object, bare or in a ```json fence: invalid JSON "
                    "(Expecting property name enclosed in double quotes at line 1 column 2)"),
    ("Yes, the criterion is met.", "not one JSON object, bare or in a ```json fence: invalid JSON "
                                   "(Expecting value at line 1 column 1)"),
    ('Here is my answer: {"met": true}',
     "not one JSON object, bare or in a ```json fence: text comes before the object"),
    ('{"met": true} I hope this helps.', "not one JSON object, bare or in a ```json fence: text follows the object"),
    ('```json\n{"met": true}\n```\nDone.', "not one JSON object, bare or in a ```json fence: text outside the fence"),
    ('```json\n{"met": true}\n```\n```json\n{"met": false}\n```',
     "not one JSON object, bare or in a ```json fence: text follows the object"),
    ('[{"met": true}]', "the reply is a JSON array, not an object"),
    ("true", "the reply is a JSON boolean, not an object"),
    ('{"justification": "kept"}', "no 'met' key"),
    ('{"met": "true"}', "'met' is \"true\", not true or false"),
    ('{"met": 1}', "'met' is 1, not true or false"),
    ('{"met": null}', "'met' is null, not true or false"),
    pytest.param("[" * 100_000 + "]" * 100_000, "the reply nests JSON too deeply", id="deeply-nested"),
    ('{"met": true, "met": false}', "the key 'met' appears more than once"),
    ('{"met": true, "score": 4}', "unexpected key(s) 'score'; expected 'met', 'justification'"),
    ('{"met": true, "justification": ["a", "b"]}', "'justification' is [\"a\", \"b\"], not text"),
])
def test_anything_else_is_unparsed_with_the_reason(reply: str, problem: str) -> None:
    assert parse_judge_reply(reply) == ItemVerdict(met=None, problem=problem)
    assert not parse_judge_reply(reply).parsed


@pytest.mark.parametrize(("reply", "expected"), [
    ('{"better": "1", "justification": "Keeps every value."}',
     PairwiseVerdict(better="1", justification="Keeps every value.")),
    ('```json\n{"better": "tie"}\n```', PairwiseVerdict(better="tie")),
    ('{"better": "2"}', PairwiseVerdict(better="2")),
    ('{"better": 1}', PairwiseVerdict(better="unparsed", problem="'better' is 1, not \"1\", \"2\" or \"tie\"")),
    ('{"better": "Output 1"}', PairwiseVerdict(better="unparsed",
                                               problem="'better' is \"Output 1\", not \"1\", \"2\" or \"tie\"")),
    ('{"met": true}', PairwiseVerdict(better="unparsed", problem="no 'better' key")),
    ('Output 1 is better.', PairwiseVerdict(better="unparsed", problem="not one JSON object, bare or in a ```json "
                                            "fence: invalid JSON (Expecting value at line 1 column 1)")),
])
def test_pairwise_replies(reply: str, expected: PairwiseVerdict) -> None:
    assert parse_pairwise_reply(reply) == expected


def test_the_prompt_holds_the_note_the_output_and_the_criterion_as_given() -> None:
    request = rubric_request("Note with {output} in it.", "Chief Complaint: chest pain", "Units are kept.",
                             "judge:j:m:c:i")
    (message,) = request.messages
    assert message.role == "user" and request.request_id == "judge:j:m:c:i"
    assert message.content.endswith("NOTE:\nNote with {output} in it.\n\nSUMMARY:\nChief Complaint: chest pain\n\n"
                                    "CRITERION:\nUnits are kept.")
    assert message.content.startswith(RUBRIC_INSTRUCTION.split("{note}")[0])
    assert request.plain_prompt.startswith(message.content) and request.plain_prompt.endswith("JSON reply:\n")
    assert rubric_instruction_label() == f"{RUBRIC_INSTRUCTION_VERSION} sha256:{RUBRIC_INSTRUCTION_HASH[:12]}"
    pair = pairwise_request("the note", "first text", "second text", "pairwise:j:a:b:c").messages[0].content
    assert pair.endswith("NOTE:\nthe note\n\nOutput 1:\nfirst text\n\nOutput 2:\nsecond text")
    assert pairwise_instruction_label().startswith(PAIRWISE_INSTRUCTION_VERSION + " sha256:")
