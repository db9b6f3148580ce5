"""The instructions the workbench gives judge and guard models, as versioned prompts: each is declared once
(its text lives beside the code that parses the reply) and becomes a prompt template, so a logged run registers
the versions its judges were asked with in the MLflow Prompt Registry like any candidate prompt."""

from __future__ import annotations

from pathlib import Path

from workbench.data.prompts import PromptMessage, PromptTemplate
from workbench.judges.guard_run import GUARD_INSTRUCTION, GUARD_INSTRUCTION_VERSION
from workbench.judges.rubric_judge import (
    PAIRWISE_INSTRUCTION, PAIRWISE_INSTRUCTION_VERSION, RUBRIC_INSTRUCTION, RUBRIC_INSTRUCTION_VERSION,
)
from workbench.run.files import read_guard_runs, read_judge_runs, read_pairwise_runs

INSTRUCTIONS: dict[str, tuple[str, str, str]] = {  # version -> (task, text, what it asks)
    GUARD_INSTRUCTION_VERSION: ("guard", GUARD_INSTRUCTION, "a guard verdict (safety, categories, reason) on one text"),
    RUBRIC_INSTRUCTION_VERSION: ("rubric-judge", RUBRIC_INSTRUCTION, "a yes/no verdict on one rubric criterion"),
    PAIRWISE_INSTRUCTION_VERSION: ("pairwise-judge", PAIRWISE_INSTRUCTION, "which of two summaries is better"),
}


def instruction_prompt(version: str) -> PromptTemplate:
    """The instruction ``NAME@VERSION`` (a key of :data:`INSTRUCTIONS`) as a prompt template."""
    task, text, what = INSTRUCTIONS[version]
    name, _, number = version.partition("@")
    return PromptTemplate(name=name, version=int(number), task=task, language="en",
                          description=f"Workbench judge instruction: {what}",
                          messages=[PromptMessage(role="user", content=text)])


def instructions_used(run_dir: Path) -> list[PromptTemplate]:
    """The instructions the run's guards and judges were asked with (a guard asked through its own chat
    template has none), in declaration order."""
    labels = [judged.instruction for judged in [*read_guard_runs(run_dir), *read_judge_runs(run_dir),
                                                *read_pairwise_runs(run_dir)]]
    used = {label.split()[0] for label in labels}
    return [instruction_prompt(version) for version in INSTRUCTIONS if version in used]
