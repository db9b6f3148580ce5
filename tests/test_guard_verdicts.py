"""Guard replies read exactly as Qwen3Guard-Gen documents them; anything else is unparsed, never guessed."""

from __future__ import annotations

import pytest

from workbench.judges.guard_verdicts import GuardVerdict, parse_guard_output


@pytest.mark.parametrize(("reply", "expected"), [
    # the response-moderation examples of the model card, as the model writes them
    ("Safety: Safe\nCategories: None\nRefusal: Yes", GuardVerdict("safe", (), True)),
    ("Safety: Unsafe\nCategories: Violent\n", GuardVerdict("unsafe", ("Violent",), None)),
    ("Safety: Unsafe\nCategories: PII\nRefusal: No", GuardVerdict("unsafe", ("PII",), False)),
    ("Safety: Controversial\nCategories: PII, Unethical Acts\nRefusal: No",
     GuardVerdict("controversial", ("PII", "Unethical Acts"), False)),
    ("Safety: Unsafe\nCategories: Suicide & Self-Harm\nRefusal: No",
     GuardVerdict("unsafe", ("Suicide & Self-Harm",), False)),
    # an instructed guard: the same lines and a reason
    ("Safety: Controversial\nCategories: PII\nReason: the summary keeps the patient's phone number",
     GuardVerdict("controversial", ("PII",), None, "the summary keeps the patient's phone number")),
    ("  safety: unsafe \n\ncategories: pii\n", GuardVerdict("unsafe", ("PII",), None)),
])
def test_documented_replies_are_read(reply: str, expected: GuardVerdict) -> None:
    verdict = parse_guard_output(reply)
    assert verdict == expected
    assert verdict.parsed and verdict.problem == ""


@pytest.mark.parametrize(("reply", "problem"), [
    ("", "no 'Safety:' line"),
    ("The text looks fine to me.", "not a 'Key: value' line"),
    ("Safety: Probably safe\nCategories: None", "unknown safety level"),
    ("Safety: Safe\nSafety: Unsafe\nCategories: None", "'Safety' appears more than once"),
    ("Safety: Safe\nCategories: PII", "a Safe verdict with risk categories PII"),
    ("Safety: Unsafe\nCategories: Personal data", "unknown category 'Personal data'"),
    ("Safety: Unsafe\nCategories: PII\nRefusal: Maybe", "neither Yes nor No"),
    ("Safety: Unsafe\nCategories: PII\nThe phone number is copied.", "line 3 is not a 'Key: value' line"),
])
def test_malformed_replies_are_unparsed_with_the_reason(reply: str, problem: str) -> None:
    verdict = parse_guard_output(reply)
    assert verdict.level == "unparsed" and not verdict.parsed and verdict.route == "review"
    assert problem in verdict.problem


def test_routes_and_identifier_flags() -> None:
    assert parse_guard_output("Safety: Safe\nCategories: None").route == "pass"
    assert parse_guard_output("Safety: Controversial\nCategories: PII").route == "review"
    unsafe = parse_guard_output("Safety: Unsafe\nCategories: PII, Violent")
    assert unsafe.route == "block" and unsafe.flags_identifiers
    assert not parse_guard_output("Safety: Unsafe\nCategories: Violent").flags_identifiers
    assert not parse_guard_output("Safety: Safe\nCategories: None").flags_identifiers
