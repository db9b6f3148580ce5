"""A run's cases as they were when it ran: the set it names, cut to the run's limit, still hashing to what the run
recorded. Whatever shows or judges a run's outputs next to their notes reads the cases through here, so an output
is never put beside a note that changed since."""

from __future__ import annotations

from pathlib import Path

from workbench.data.evalsets import EvalSet, EvalSetError, load_evalset
from workbench.run.files import RunDirectoryError, RunManifest


def checked_run_evalset(run: RunManifest, run_dir: Path) -> EvalSet:
    """The run's cases as they were; a :class:`RunDirectoryError` saying why when the set cannot be loaded or its
    cases changed since the run."""
    try:
        evalset = load_evalset(run.evalset).head(run.limit)
    except (EvalSetError, OSError) as exc:
        raise RunDirectoryError(f"{run_dir}: the run's evaluation set {run.evalset!r} cannot be loaded: {exc}") from exc
    if evalset.content_hash() != run.evalset_hash:
        raise RunDirectoryError(
            f"{run_dir}: evaluation set {run.evalset!r} now hashes to {evalset.content_hash()[:19]}, "
            f"the run used {run.evalset_hash[:19]}; its cases changed since the run")
    return evalset


def run_evalset(run: RunManifest, run_dir: Path) -> EvalSet | None:
    """The run's cases as they were, or None when they cannot be had (see :func:`checked_run_evalset`)."""
    try:
        return checked_run_evalset(run, run_dir)
    except RunDirectoryError:
        return None
