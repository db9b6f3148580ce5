"""What every ``evaluate`` module of the workbench shares: its ``MetricInfo``, input checks, and the mean."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import datasets
import evaluate

from workbench.data.evalsets import LANGUAGES


def metric_info(description: str, inputs_description: str, *columns: str) -> evaluate.MetricInfo:
    """A ``MetricInfo`` whose features are the given string columns (predictions, references)."""
    return evaluate.MetricInfo(
        description=description, citation="", inputs_description=inputs_description,
        features=datasets.Features({column: datasets.Value("string") for column in columns}),
    )


def check_language(language: str) -> None:
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, got {language!r}")


def check_per_prediction(name: str, values: Sequence[Any] | None, predictions: Sequence[str], what: str) -> None:
    """``values`` must give one ``what`` per prediction."""
    if values is None or len(values) != len(predictions):
        raise ValueError(f"{name} must give one {what} per prediction")


def mean(values: Sequence[float | None]) -> float | None:
    """The mean of the values that are not None (None when there are none), as the workbench aggregates."""
    present = [value for value in values if value is not None]
    return sum(present) / len(present) if present else None
