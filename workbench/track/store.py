"""Where MLflow keeps things: the tracking URI, the local SQLite store, clients and experiments.

By default everything stays on this machine: a SQLite store at ``./mlruns/mlflow.db``
with artifacts under ``./mlruns/artifacts`` (``MLFLOW_TRACKING_URI`` overrides it), and
MLflow's telemetry is switched off before MLflow is imported.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import unquote

from workbench.errors import WorkbenchError
from workbench.privacy.egress import apply_privacy_environment

apply_privacy_environment()  # MLFLOW_DISABLE_TELEMETRY must be set before mlflow is imported

import mlflow  # noqa: E402
from mlflow import MlflowClient  # noqa: E402


class TrackingError(WorkbenchError, RuntimeError):
    """A run directory cannot be logged, or a registry prompt cannot be read back."""


def default_tracking_uri(cwd: Path | None = None) -> str:
    """``$MLFLOW_TRACKING_URI`` if set, else a SQLite store in ``<cwd>/mlruns/mlflow.db``."""
    configured = os.environ.get("MLFLOW_TRACKING_URI", "").strip()
    if configured:
        return configured
    root = (cwd or Path.cwd()).resolve() / "mlruns"
    return f"sqlite:///{root / 'mlflow.db'}"


def _sqlite_path(tracking_uri: str) -> Path | None:
    """The database file of ``sqlite:///relative.db`` or ``sqlite:////absolute.db``."""
    prefix = "sqlite:///"
    if not tracking_uri.startswith(prefix):
        return None
    path = unquote(tracking_uri[len(prefix):].split("?", 1)[0])
    return Path(path).resolve() if path and path != ":memory:" else None


def _artifact_location(tracking_uri: str) -> str | None:
    """For a SQLite store, artifacts live beside the database in ``artifacts/``; a server decides itself."""
    database = _sqlite_path(tracking_uri)
    return str(database.parent / "artifacts") if database is not None else None


def _prepare_store(tracking_uri: str) -> None:
    database = _sqlite_path(tracking_uri)
    if database is not None:
        database.parent.mkdir(parents=True, exist_ok=True)


@contextmanager
def tracking_uri_scope(uri: str) -> Iterator[None]:
    """Point MLflow's fluent API at ``uri`` for the block, then put back what was there."""
    previous = mlflow.get_tracking_uri() if mlflow.is_tracking_uri_set() else None
    mlflow.set_tracking_uri(uri)
    try:
        yield
    finally:
        mlflow.set_tracking_uri(previous)  # type: ignore[arg-type]  # None restores "unset"


@contextmanager
def environment_scope(**values: str | None) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in values}
    try:
        for name, value in values.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def client_for(tracking_uri: str | None) -> tuple[MlflowClient, str]:
    uri = tracking_uri or default_tracking_uri()
    _prepare_store(uri)
    return MlflowClient(tracking_uri=uri), uri


def ensure_experiment(name: str, *, tracking_uri: str | None = None) -> str:
    """The id of experiment ``name``, created (artifacts beside a SQLite store) when missing."""
    client, uri = client_for(tracking_uri)
    experiment = client.get_experiment_by_name(name)
    if experiment is not None:
        if experiment.lifecycle_stage == "deleted":
            raise TrackingError(f"experiment '{name}' is deleted in {uri}; restore it or choose another name")
        return str(experiment.experiment_id)
    return str(client.create_experiment(name, artifact_location=_artifact_location(uri)))
