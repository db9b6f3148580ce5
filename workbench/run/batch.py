"""Several evaluation sets in one go: each set its own comparison, all under one batch id.

A batch runs the same models, one set after the other. Each set keeps its own run directory and
MLflow parent run, so rankings stay within one set's hash; the batch id ties them together.
:func:`plan_sets` resolves every set and its prompt (the given one, else the set's default) and checks
the prompt's language against each set before anything runs.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone

from workbench.data.evalsets import EvalSet, load_evalset
from workbench.data.prompts import PromptTemplate, language_mismatch
from workbench.errors import WorkbenchError


class BatchError(WorkbenchError, ValueError):
    """A batch that cannot start: no set, a set named twice, or a prompt in another language than a set."""


class LanguageMismatchError(BatchError):
    """A prompt in another language than one of the sets (refused unless the mismatch is allowed)."""


@dataclass(frozen=True)
class SetPlan:
    """One set of a batch and the prompt version it runs with; ``language_note`` says why the prompt's
    language differs from the set's (only when the mismatch was allowed)."""

    evalset: EvalSet
    prompt: PromptTemplate
    language_note: str | None = None


def new_batch_id() -> str:
    return "batch-" + datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S") + "-" + secrets.token_hex(3)


def plan_sets(evalsets: Sequence[str | EvalSet], prompt: str | PromptTemplate | None,
              resolve_prompt: Callable[[str], PromptTemplate], *, allow_language_mismatch: bool = False,
              option: str = "--evalset") -> list[SetPlan]:
    """Every set loaded and paired with its prompt, in the order given. Refuses an empty list, a set named
    twice and (unless ``allow_language_mismatch``) a prompt in another language than a set, naming each."""
    if not evalsets:
        raise BatchError(f"choose at least one evaluation set ({option})")
    loaded = [load_evalset(item) if isinstance(item, str) else item for item in evalsets]
    names = [dataset.name for dataset in loaded]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise BatchError(f"{option} names {', '.join(repeated)} more than once; each set runs once per batch")
    fixed = prompt if isinstance(prompt, PromptTemplate) else (resolve_prompt(prompt) if prompt else None)
    plans: list[SetPlan] = []
    refused: list[str] = []
    for dataset in loaded:
        template = fixed or resolve_prompt(dataset.manifest.default_prompt)
        mismatch = language_mismatch(template, dataset.name, dataset.manifest.language)
        if mismatch and not allow_language_mismatch:
            refused.append(mismatch)
        plans.append(SetPlan(dataset, template, mismatch))
    if refused:
        raise LanguageMismatchError("; ".join(refused))
    return plans
