"""A finished load test becomes MLflow runs: one run per model in the experiment.

``log_load_test(load_dir)`` reads ``load.json`` and logs, for each model, the sweep's settings
(set, prompt, levels, requests per level, objectives), the model's generation settings and
backend as params; every figure of every level as a metric whose step is the level's
concurrency, so MLflow draws each figure as a curve against concurrency; the highest level
that held the end-to-end objective; and ``load.json`` and ``load.html`` as artifacts. Params
and metrics go in one ``log_batch`` per run. Per-request outputs stay in the load directory.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workbench.track.store import client_for, ensure_experiment

from mlflow.entities import Metric, Param, RunStatus  # noqa: E402  (after workbench.track.store switched telemetry off)

from workbench.run.load import (  # noqa: E402
    LOAD_FILE, LOAD_PAGE, LOAD_SCHEMA_VERSION, LoadTest, ModelSweep, read_load_test,
)
from workbench.track.mlflow_runs import (  # noqa: E402
    BACKEND_INFO_PARAMS, DEFAULT_EXPERIMENT, param_value, generation_params, git_commit,
)

LOAD_RUN_KIND = "load"
SWEEP_FIGURES = ("highest_level_meeting_e2e",)  # figures of the whole sweep, logged without a step


@dataclass
class LoggedLoadTest:
    """Where a load test went in MLflow: one run per model."""

    experiment_id: str
    run_ids: dict[str, str]
    tracking_uri: str


def load_params(record: LoadTest, sweep: ModelSweep, *, commit: str) -> dict[str, str]:
    """The sweep's settings, the model's generation settings and its backend, as MLflow params."""
    params: dict[str, Any] = {"model": sweep.model, **generation_params(sweep.generation_settings)}
    for key, name in BACKEND_INFO_PARAMS.items():
        params[name] = (sweep.backend_info or {}).get(key)
    params.update({
        "load_id": record.load_id,
        "evalset": record.evalset,
        "evalset_version": record.evalset_version,
        "evalset_hash": record.evalset_hash,
        "evalset_cases": record.evalset_cases,
        "prompt": record.prompt,
        "prompt_hash": record.prompt_hash,
        "levels": ",".join(str(level) for level in record.levels),
        "requests_per_level": record.requests_per_level or "max(2 x level, cases)",
        "objectives": record.objectives.describe(),
        **{f"slo_{name}_s": value for name, value in record.objectives.given().items()},
        "workbench_version": record.workbench_version,
        "load_file_schema": LOAD_SCHEMA_VERSION,
        "git_commit": commit,
    })
    return {key: param_value(value) for key, value in params.items()}


def load_metrics(sweep: ModelSweep, *, timestamp_ms: int) -> list[Metric]:
    """Every figure of every level at ``step=concurrency``, and the sweep's own figures without a step."""
    metrics = [Metric(key=name, value=value, timestamp=timestamp_ms, step=level.concurrency)
               for level in sweep.levels for name, value in level.metric_values().items()]
    for name in SWEEP_FIGURES:
        value = getattr(sweep, name)
        if value is not None:
            metrics.append(Metric(key=name, value=float(value), timestamp=timestamp_ms, step=0))
    return metrics


def log_load_test(load_dir: Path, *, tracking_uri: str | None = None, experiment: str | None = None,
                  allow_remote_endpoint: bool = False) -> LoggedLoadTest:
    """Log a load test directory to MLflow: one run per model in ``experiment`` (default
    ``$MLFLOW_EXPERIMENT_NAME`` or "workbench"). A tracking URI outside loopback and private networks
    is refused unless ``allow_remote_endpoint``."""
    load_dir = Path(load_dir)
    record = read_load_test(load_dir)
    client, uri = client_for(tracking_uri, allow_remote_endpoint=allow_remote_endpoint)
    experiment_name = experiment or os.environ.get("MLFLOW_EXPERIMENT_NAME") or DEFAULT_EXPERIMENT
    experiment_id = ensure_experiment(experiment_name, tracking_uri=uri)
    commit = git_commit()
    artifacts = [path for path in (load_dir / LOAD_FILE, load_dir / LOAD_PAGE) if path.is_file()]
    run_ids: dict[str, str] = {}
    for sweep in record.models:
        tags = {"workbench.kind": LOAD_RUN_KIND, "workbench.load_id": record.load_id,
                "workbench.load_dir": str(load_dir.resolve()), "model": sweep.model}
        if sweep.error:
            tags["error"] = sweep.error[:5000]
        run = client.create_run(experiment_id, run_name=f"{sweep.model} load {record.load_id}", tags=tags)
        run_id = run.info.run_id
        status = RunStatus.to_string(RunStatus.FAILED)
        try:
            params = [Param(key, value) for key, value in load_params(record, sweep, commit=commit).items()]
            client.log_batch(run_id, metrics=load_metrics(sweep, timestamp_ms=int(time.time() * 1000)),
                             params=params)
            for path in artifacts:
                client.log_artifact(run_id, str(path))
            if not sweep.error:
                status = RunStatus.to_string(RunStatus.FINISHED)
        finally:
            client.set_terminated(run_id, status=status)
        run_ids[sweep.model] = run_id
    return LoggedLoadTest(experiment_id=experiment_id, run_ids=run_ids, tracking_uri=uri)
