"""What a review asks: the kinds of task, which cases, the aspects of a summary, the answers each kind takes,
and their checks.

Declared once here; the task planner, the store, the UI, the statistics and the report all read them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from workbench.errors import WorkbenchError

ReviewKind = Literal["pairwise", "likert"]
REVIEW_KINDS: tuple[ReviewKind, ...] = ("pairwise", "likert")

CaseSelection = Literal["all", "sample", "disagreement"]  # which of a run's cases a task reviews
CASE_SELECTIONS: tuple[CaseSelection, ...] = ("all", "sample", "disagreement")

PairwiseChoice = Literal["A", "B", "tie"]
PAIRWISE_CHOICES: tuple[PairwiseChoice, ...] = ("A", "B", "tie")

LIKERT_POINTS = (1, 2, 3, 4, 5)
LIKERT_LOW, LIKERT_HIGH = LIKERT_POINTS[0], LIKERT_POINTS[-1]


class ReviewAnswerError(WorkbenchError, ValueError):
    """An answer that does not fit its question (an unknown aspect, a missing choice, a score outside 1–5)."""


@dataclass(frozen=True)
class Aspect:
    """One thing a reviewer judges: its key in answers and files, the words shown, and the question."""

    name: str
    label: str
    question: str


ASPECTS: tuple[Aspect, ...] = (
    Aspect("accuracy", "Accuracy", "Is everything the summary states supported by the note?"),
    Aspect("completeness", "Completeness", "Does the summary keep what a clinician needs from the note?"),
    Aspect("no_phi", "No identifiers copied", "Does the summary leave out the patient's identifiers?"),
    Aspect("usefulness", "Usefulness", "Would you use this summary in practice?"),
)
ASPECT_NAMES = tuple(aspect.name for aspect in ASPECTS)
OVERALL = "overall"  # the pairwise question over all aspects together

# Likert flags: yes/no questions asked of every output.
FLAGS: dict[str, str] = {
    "harm": "Contains an error that could harm a patient",
    "identifier": "Contains an identifier of the patient",
}


def aspect(name: str) -> Aspect:
    for item in ASPECTS:
        if item.name == name:
            return item
    raise ReviewAnswerError(f"unknown aspect {name!r}; the aspects are {', '.join(ASPECT_NAMES)}")


def check_pairwise(choices: dict[str, str], aspects: tuple[str, ...]) -> dict[str, PairwiseChoice]:
    """``choices``: the overall choice and one per aspect, each "A", "B" or "tie"; returned in question order."""
    unknown = sorted(set(choices) - {OVERALL, *aspects})
    if unknown:
        raise ReviewAnswerError(f"unknown question(s) {', '.join(unknown)}; asked: {', '.join((OVERALL, *aspects))}")
    checked: dict[str, PairwiseChoice] = {}
    for question in (OVERALL, *aspects):
        value = choices.get(question)
        if value not in PAIRWISE_CHOICES:
            raise ReviewAnswerError(f"{question}: choose A, B or tie (got {value!r})")
        checked[question] = value  # type: ignore[assignment]  # one of PAIRWISE_CHOICES
    return checked


def check_likert(scores: dict[str, int | None], questions: tuple[str, ...], *, what: str) -> dict[str, int]:
    """``scores``: a point from 1 to 5 for every one of ``questions`` (aspects, or required sections)."""
    unknown = sorted(set(scores) - set(questions))
    if unknown:
        raise ReviewAnswerError(f"unknown {what} {', '.join(unknown)}; asked: {', '.join(questions)}")
    checked: dict[str, int] = {}
    for question in questions:
        value = scores.get(question)
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or not LIKERT_LOW <= value <= LIKERT_HIGH:
            raise ReviewAnswerError(f"{what} {question}: give a score from {LIKERT_LOW} to {LIKERT_HIGH} (got {value!r})")
        checked[question] = value
    return checked
