"""Figures of a load test: what one concurrency level did to latency, throughput and goodput (pure functions).

A load test keeps ``concurrency`` requests in flight and records every request's timings
(``workbench.models.base.GenerationResult`` as a dict). One level is summarised as
:class:`LoadLevel`:

- ``wall_s``: from the first request issued to the last one finished;
- ``throughput_rps`` and ``output_tokens_per_s``: successful requests and their completion
  tokens over ``wall_s``;
- latency percentiles (p50, p90, p95, p99) of TTFT, TPOT, ITL and end-to-end time over the
  successful requests, with :func:`workbench.scoring.latency.percentile`;
- ``goodput_rps``: requests per second that met every per-request objective given
  (:class:`ServiceObjectives`: TTFT, TPOT, end-to-end, in seconds). A failed request is never
  good. Without objectives there is no goodput.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from workbench.errors import WorkbenchError
from workbench.scoring.latency import percentile

OBJECTIVE_NAMES = ("ttft", "tpot", "e2e")  # per-request objectives, each in seconds
LEVEL_PERCENTILES = (50, 90, 95, 99)
REQUESTS_PER_SLOT = 2  # by default each slot of a level is used at least twice (and every case once)


class LoadSettingsError(WorkbenchError, ValueError):
    """A concurrency level, request count or service-level objective that no load test can use."""


class ServiceObjectives(BaseModel):
    """Per-request objectives, in seconds: time to first token, time per output token after the
    first, end-to-end time. None: no objective on that figure."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    ttft_s: float | None = Field(None, gt=0)
    tpot_s: float | None = Field(None, gt=0)
    e2e_s: float | None = Field(None, gt=0)

    def given(self) -> dict[str, float]:
        """The objectives that were set, by name (``ttft``, ``tpot``, ``e2e``)."""
        values = {"ttft": self.ttft_s, "tpot": self.tpot_s, "e2e": self.e2e_s}
        return {name: value for name, value in values.items() if value is not None}

    def describe(self) -> str:
        """``"ttft ≤ 2 s, e2e ≤ 10 s"``, or ``"none"``."""
        return ", ".join(f"{name} ≤ {value:g} s" for name, value in self.given().items()) or "none"


class LoadLevel(BaseModel):
    """What one concurrency level did: counts, wall time, throughput, goodput and latency percentiles
    (seconds; ``None`` where no successful request measured it)."""

    model_config = ConfigDict(extra="forbid")

    concurrency: int
    requests: int
    failures: int
    good_requests: int | None = None  # met every objective; None without objectives
    wall_s: float | None = None
    throughput_rps: float | None = None
    output_tokens_per_s: float | None = None
    goodput_rps: float | None = None
    completion_tokens: int = 0
    ttft_p50_s: float | None = None
    ttft_p90_s: float | None = None
    ttft_p95_s: float | None = None
    ttft_p99_s: float | None = None
    tpot_p50_s: float | None = None
    tpot_p90_s: float | None = None
    tpot_p95_s: float | None = None
    tpot_p99_s: float | None = None
    itl_p50_s: float | None = None
    itl_p90_s: float | None = None
    itl_p95_s: float | None = None
    itl_p99_s: float | None = None
    e2e_p50_s: float | None = None
    e2e_p90_s: float | None = None
    e2e_p95_s: float | None = None
    e2e_p99_s: float | None = None

    def metric_values(self) -> dict[str, float]:
        """Every figure of the level that has a value, by field name, except the level itself
        (it is the step of each figure's curve)."""
        return {name: float(value) for name, value in self.model_dump().items()
                if name != "concurrency" and isinstance(value, (int, float)) and not isinstance(value, bool)}


# --- settings ---------------------------------------------------------------------------------


def parse_levels(levels: str | Sequence[int]) -> list[int]:
    """Concurrency levels from ``"1,4,16"`` or a list, ascending and each once; every level a whole
    number of at least 1."""
    items: list[Any] = [part.strip() for part in levels.split(",")] if isinstance(levels, str) else list(levels)
    if not items or items == [""]:
        raise LoadSettingsError("--concurrency: give at least one level, e.g. --concurrency 1,4,16")
    found: set[int] = set()
    for item in items:
        number: int | None = None
        if isinstance(item, str) and item.isdigit():
            number = int(item)
        elif isinstance(item, int) and not isinstance(item, bool):
            number = item
        if number is None or number < 1:
            raise LoadSettingsError(f"--concurrency: each level must be a whole number of at least 1, got {item!r}")
        found.add(number)
    return sorted(found)


def parse_objectives(objectives: Sequence[str] | Mapping[str, float] | ServiceObjectives | None) -> ServiceObjectives:
    """Objectives from ``["e2e=10", "ttft=2"]`` (the ``--slo`` options) or ``{"e2e": 10}``; names
    from :data:`OBJECTIVE_NAMES`, values positive numbers of seconds, each name once."""
    if objectives is None:
        return ServiceObjectives()
    if isinstance(objectives, ServiceObjectives):
        return objectives
    pairs: list[tuple[str, Any, str]] = []
    if isinstance(objectives, Mapping):
        pairs = [(str(name), value, f"{name}={value}") for name, value in objectives.items()]
    else:
        for item in objectives:
            name, equals, value = str(item).partition("=")
            if not equals:
                raise LoadSettingsError(f"--slo {item}: expected NAME=SECONDS, e.g. --slo e2e=10")
            pairs.append((name.strip(), value.strip(), str(item)))
    seconds: dict[str, float] = {}
    for name, value, written in pairs:
        if name not in OBJECTIVE_NAMES:
            raise LoadSettingsError(f"--slo {written}: unknown objective {name!r}; known: {', '.join(OBJECTIVE_NAMES)}")
        if name in seconds:
            raise LoadSettingsError(f"--slo {written}: objective {name!r} is given twice")
        seconds[name] = _seconds(value, written)
    return ServiceObjectives(**{f"{name}_s": value for name, value in seconds.items()})


def _seconds(value: Any, written: str) -> float:
    """A positive, finite number of seconds (``"10"``, ``"0.5"``, ``"10s"``)."""
    text = str(value).strip()
    try:
        number = float(text[:-1] if text.endswith("s") else text)
    except ValueError:
        number = math.nan
    if isinstance(value, bool) or not math.isfinite(number) or number <= 0:
        raise LoadSettingsError(f"--slo {written}: {text!r} is not a positive number of seconds")
    return number


def check_requests_per_level(requests: int | None) -> int | None:
    """``requests`` unchanged when it is None (the default rule) or a whole number of at least 1."""
    if requests is not None and (isinstance(requests, bool) or not isinstance(requests, int) or requests < 1):
        raise LoadSettingsError(f"--requests-per-level: must be a whole number of at least 1, got {requests!r}")
    return requests


def requests_for_level(concurrency: int, cases: int, requested: int | None = None) -> int:
    """How many requests a level sends: ``requested``, else enough for every slot to be used twice and
    every case once (``max(2 × concurrency, cases)``)."""
    return requested if requested is not None else max(REQUESTS_PER_SLOT * concurrency, cases)


# --- one level ----------------------------------------------------------------------------------


def _values(results: Sequence[Mapping[str, Any]], name: str) -> list[float]:
    return [float(r[name]) for r in results if r.get(name) is not None]


def _failed(result: Mapping[str, Any]) -> bool:
    return bool(result.get("error"))


def meets_objectives(result: Mapping[str, Any], objectives: ServiceObjectives) -> bool:
    """Whether one request met every objective. A failed request never does; a figure the request
    did not measure misses its objective, except TPOT of an answer of fewer than two tokens (there
    was no decoding to be slow)."""
    if _failed(result):
        return False
    for name, limit in objectives.given().items():
        value = result.get(f"{name}_s")
        if value is None and name == "tpot" and (result.get("completion_tokens") or 0) < 2:
            continue
        if value is None or float(value) > limit:
            return False
    return True


def wall_time_s(results: Sequence[Mapping[str, Any]]) -> float | None:
    """From the first request issued to the last one finished, from the requests' own clocks
    (``started_at`` plus ``e2e_s``); None when a request carries no start time."""
    starts = [r.get("started_at") for r in results]
    if not results or any(start is None for start in starts):
        return None
    first = min(float(start) for start in starts)  # type: ignore[arg-type]
    last = max(float(r["started_at"]) + float(r.get("e2e_s") or 0.0) for r in results)
    return last - first


def _per_second(count: float, wall_s: float | None) -> float | None:
    return count / wall_s if wall_s and wall_s > 0 else None


def level_summary(results: Sequence[Mapping[str, Any]], *, concurrency: int, objectives: ServiceObjectives,
                  measured_wall_s: float | None = None) -> LoadLevel:
    """The figures of one level from its requests' results (dicts of ``GenerationResult`` fields).

    ``measured_wall_s`` is the sender's own clock around the level, used only when some request
    carries no start time (see :func:`wall_time_s`).
    """
    ok = [r for r in results if not _failed(r)]
    wall = wall_time_s(results)
    if wall is None:
        wall = measured_wall_s
    tokens = int(sum(_values(ok, "completion_tokens")))
    series = {"ttft": _values(ok, "ttft_s"), "tpot": _values(ok, "tpot_s"), "e2e": _values(ok, "e2e_s"),
              "itl": [float(gap) for r in ok for gap in (r.get("itl_s") or [])]}
    percentiles = {f"{name}_p{q}_s": percentile(values, q) for name, values in series.items()
                   for q in LEVEL_PERCENTILES}
    good = sum(1 for r in results if meets_objectives(r, objectives)) if objectives.given() else None
    return LoadLevel(
        concurrency=concurrency, requests=len(results), failures=len(results) - len(ok), good_requests=good,
        wall_s=wall, throughput_rps=_per_second(len(ok), wall), output_tokens_per_s=_per_second(tokens, wall),
        goodput_rps=None if good is None else _per_second(good, wall),
        completion_tokens=tokens, **percentiles,
    )


def meets_e2e_objective(level: LoadLevel, objectives: ServiceObjectives) -> bool:
    """Whether a level holds the end-to-end objective: its p95 end-to-end time is within it and no
    request failed (a failed request has no latency, so it cannot hide in the percentile)."""
    return (objectives.e2e_s is not None and level.failures == 0 and level.e2e_p95_s is not None
            and level.e2e_p95_s <= objectives.e2e_s)


def highest_level_meeting(levels: Sequence[LoadLevel], objectives: ServiceObjectives) -> int | None:
    """The highest concurrency whose level holds the end-to-end objective (:func:`meets_e2e_objective`);
    None without an end-to-end objective or when no level holds it."""
    meeting = [level.concurrency for level in levels if meets_e2e_objective(level, objectives)]
    return max(meeting) if meeting else None
