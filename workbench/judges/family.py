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
