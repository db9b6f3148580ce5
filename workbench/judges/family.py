"""A judge or guard never grades a model of its own family unless the user says it may (a known bias: models
prefer what their own family writes)."""

from __future__ import annotations

from workbench.errors import WorkbenchError
from workbench.models.spec import ModelSpec


class SameFamilyError(WorkbenchError, ValueError):
    """A judge or guard was asked to grade a candidate of its own family."""


def family_of(spec: ModelSpec) -> str:
    """The declared family, or the model's own name when none is declared (it is then a family of its own)."""
    return spec.family or spec.name


def same_family(judge: ModelSpec, candidate: ModelSpec) -> bool:
    return family_of(judge).casefold() == family_of(candidate).casefold()


def check_families(judge: ModelSpec, candidates: list[ModelSpec], *, role: str, allow_same_family: bool) -> list[str]:
    """The candidates of the judge's family, in order. Refused (naming them, the family and the option that
    allows it) unless ``allow_same_family``; then they are returned so the report can say so."""
    related = [candidate.name for candidate in candidates if same_family(judge, candidate)]
    if related and not allow_same_family:
        raise SameFamilyError(
            f"{role} {judge.name!r} is of the {family_of(judge)} family, like the candidate(s) "
            f"{', '.join(map(repr, related))}: a model tends to favour its own family's writing, so it does not "
            f"grade them. Choose a {role} of another family, or pass --allow-same-family to grade them anyway "
            f"(the report then says so).")
    return related


VERDICT_MAX_TOKENS = 160  # a verdict is a few lines (guard) or one JSON object (judge): no longer answer is needed


def as_judge(spec: ModelSpec) -> ModelSpec:
    """The model as it is run to judge: its own settings, with at most :data:`VERDICT_MAX_TOKENS` output tokens
    (a model that does not stop after its verdict would otherwise write on to its own limit)."""
    return spec.with_overrides(max_tokens=min(spec.sampling.max_tokens, VERDICT_MAX_TOKENS))
