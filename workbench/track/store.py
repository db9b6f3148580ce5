"""Where MLflow keeps things: the tracking URI, the local SQLite store, clients and experiments.

By default everything stays on this machine: a SQLite store at ``./mlruns/mlflow.db``
with artifacts under ``./mlruns/artifacts`` (``MLFLOW_TRACKING_URI`` overrides it), and
MLflow's telemetry is switched off before MLflow is imported. Every client is made by
:func:`client_for`, which puts the tracking URI through the egress policy first
(:func:`checked_tracking_uri`): a tracking server outside loopback and private networks
needs the user's opt-in.

Importing this module sets the privacy environment but does not import MLflow (about 2 s):
the functions that talk to a store import it when first called, so finding the default URI or
checking a URI costs nothing. A store is made ready once per process and URI, and
:func:`client_for` hands out one client per URI.
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar
from urllib.parse import unquote

from workbench.errors import WorkbenchError
from workbench.privacy.egress import apply_privacy_environment, check_tracking_uri

# MLFLOW_DISABLE_TELEMETRY must be set before mlflow is imported: here, by this module or any importer of it.
apply_privacy_environment()

if TYPE_CHECKING:
    from mlflow import MlflowClient

T = TypeVar("T")
_logger = logging.getLogger(__name__)


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


# MLflow retries a tracking server that does not answer for about four minutes (7 retries,
# backoff factor 2, 120 s per request). A workbench client gives up after about 15 s at worst:
# 3 tries of at most 4 s each, with pauses of a few seconds between them (a refused connection
# fails in about 3 s). A value the user set in the environment is kept.
HTTP_REQUEST_DEFAULTS = {
    "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "2",
    "MLFLOW_HTTP_REQUEST_TIMEOUT": "4",
    "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": "1",
}

_prepared_uris: set[str] = set()  # stores made ready in this process: tables created, or the server answered
_prepare_lock = threading.Lock()
_clients: dict[str, MlflowClient] = {}  # one client per tracking URI in this process (MLflow keeps one store per URI)


def _bound_http_requests() -> None:
    """Set :data:`HTTP_REQUEST_DEFAULTS` for MLflow's HTTP requests, except those the user set."""
    for name, value in HTTP_REQUEST_DEFAULTS.items():
        if not os.environ.get(name, "").strip():
            os.environ[name] = value


def _prepare_store(tracking_uri: str) -> None:
    """Make the store at ``tracking_uri`` ready, once per process: a SQLite store gets its tables
    (created under a file lock, see :func:`_create_sqlite_store`); a tracking server must answer
    within the bounded wait of :data:`HTTP_REQUEST_DEFAULTS`."""
    is_server = tracking_uri.startswith(("http://", "https://"))
    if is_server:
        _bound_http_requests()
    database = _sqlite_path(tracking_uri)
    with _prepare_lock:
        if tracking_uri in _prepared_uris and (database is None or database.is_file()):
            return
        if database is not None:
            _create_sqlite_store(database, tracking_uri)
        elif is_server:
            _check_server(tracking_uri)
        _prepared_uris.add(tracking_uri)


def _create_sqlite_store(database: Path, tracking_uri: str) -> None:
    """Create the tables of a SQLite store while holding ``<db>.lock`` beside it (``fcntl.flock``).

    Two processes opening a new store at once would otherwise both run MLflow's schema
    migrations and one fails (``table _alembic_tmp_experiments already exists``). Under the
    lock the first creates the tables; the second finds them made.
    """
    lock_path = database.with_name(database.name + ".lock")
    try:
        database.parent.mkdir(parents=True, exist_ok=True)
        lock = lock_path.open("a")
    except OSError as exc:
        if database.is_file():
            return  # a store made earlier in a directory this process cannot write to: nothing to create
        raise TrackingError(f"cannot create the MLflow store {database}: {exc.strerror or exc}") from exc
    from mlflow import MlflowClient

    with lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        try:
            MlflowClient(tracking_uri=tracking_uri).search_experiments(max_results=1)  # creates the tables
        finally:
            fcntl.flock(lock.fileno(), fcntl.LOCK_UN)


def _unreachable(exc: BaseException) -> bool:
    """Whether an MLflow error was caused by a connection that failed or timed out."""
    import requests

    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, (requests.exceptions.ConnectionError, requests.exceptions.Timeout, OSError)):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _check_server(tracking_uri: str) -> None:
    """One cheap request, so that a server that does not answer fails here with a clear message."""
    import requests
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    try:
        MlflowClient(tracking_uri=tracking_uri).search_experiments(max_results=1)
    except (MlflowException, requests.exceptions.RequestException, OSError) as exc:
        if not _unreachable(exc):
            raise
        timeout = os.environ.get("MLFLOW_HTTP_REQUEST_TIMEOUT", HTTP_REQUEST_DEFAULTS["MLFLOW_HTTP_REQUEST_TIMEOUT"])
        retries = os.environ.get("MLFLOW_HTTP_REQUEST_MAX_RETRIES",
                                 HTTP_REQUEST_DEFAULTS["MLFLOW_HTTP_REQUEST_MAX_RETRIES"])
        raise TrackingError(
            f"tracking server {tracking_uri} did not answer (timeout {timeout} s per request, {retries} retries: "
            "MLFLOW_HTTP_REQUEST_TIMEOUT, MLFLOW_HTTP_REQUEST_MAX_RETRIES); nothing was logged there. A run "
            "directory stays complete on disk: `workbench track RUN_DIR` logs it once the server is up"
        ) from exc


@contextmanager
def tracking_uri_scope(uri: str) -> Iterator[None]:
    """Point MLflow's fluent API at ``uri`` for the block, then put back what was there."""
    import mlflow

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


_approved_remote_uris: set[str] = set()  # tracking URIs the user allowed off this machine, in this process


def checked_tracking_uri(tracking_uri: str | None = None, *, allow_remote_endpoint: bool = False) -> str:
    """The tracking URI to use (``tracking_uri``, else :func:`default_tracking_uri`), after the egress check.

    Prompts and per-case outputs go to the tracking store, so a URI outside loopback and
    private networks raises :class:`~workbench.privacy.egress.RemoteEndpointRefused` unless
    ``allow_remote_endpoint`` (``--allow-remote-endpoint``). The opt-in is remembered for that
    URI for the rest of the process, so the clients the prompt registry, the report and the
    leaderboard open later for the same URI pass without the flag.
    """
    uri = tracking_uri or default_tracking_uri()
    if allow_remote_endpoint:
        _approved_remote_uris.add(uri)
    check_tracking_uri(uri, allow_remote=uri in _approved_remote_uris)
    return uri


def client_for(tracking_uri: str | None, *, allow_remote_endpoint: bool = False) -> tuple[MlflowClient, str]:
    """An MLflow client for ``tracking_uri`` (or the default) and the URI, once the URI passed the egress check.

    The egress check runs on every call; the store is made ready once per URI (:func:`_prepare_store`)
    and the client is made once per URI and then shared (a client holds no state but its URI)."""
    uri = checked_tracking_uri(tracking_uri, allow_remote_endpoint=allow_remote_endpoint)
    _prepare_store(uri)
    client = _clients.get(uri)
    if client is None:
        from mlflow import MlflowClient

        client = _clients.setdefault(uri, MlflowClient(tracking_uri=uri))
    return client, uri


def ensure_experiment(name: str, *, tracking_uri: str | None = None, allow_remote_endpoint: bool = False) -> str:
    """The id of experiment ``name``, created (artifacts beside a SQLite store) when missing."""
    from mlflow.exceptions import MlflowException

    client, uri = client_for(tracking_uri, allow_remote_endpoint=allow_remote_endpoint)
    experiment = client.get_experiment_by_name(name)
    if experiment is not None:
        if experiment.lifecycle_stage == "deleted":
            raise TrackingError(f"experiment '{name}' is deleted in {uri}; restore it or choose another name")
        return str(experiment.experiment_id)
    try:
        return str(client.create_experiment(name, artifact_location=_artifact_location(uri)))
    except MlflowException as exc:  # another process created it since the lookup above
        if exc.error_code != "RESOURCE_ALREADY_EXISTS":
            raise
        experiment = client.get_experiment_by_name(name)
        if experiment is None:
            raise
        return str(experiment.experiment_id)


STORE_CONFLICT_ATTEMPTS = 4
_CONFLICT_MARKERS = ("unique constraint", "uniqueviolation", "integrityerror", "duplicate key")


def is_store_conflict(exc: Exception) -> bool:
    """Whether ``exc`` is a store refusing a row another writer inserted first (a unique-key collision in the
    database behind the store, as SQLite, PostgreSQL or MySQL words it)."""
    message = str(exc).lower()
    return any(marker in message for marker in _CONFLICT_MARKERS)


def retried_on_store_conflict(action: Callable[[], T], *, what: str) -> T:
    """``action()``, tried again when the store refuses it because another writer inserted the same row at the
    same moment (MLflow looks a row up and then inserts it, so two writers can both find nothing). The second
    try finds the other writer's row. Any other error, or a conflict on the last try, is raised; ``what`` says
    in the log what was being written."""
    from mlflow.exceptions import MlflowException

    for attempt in range(1, STORE_CONFLICT_ATTEMPTS + 1):
        try:
            return action()
        except MlflowException as exc:
            if not is_store_conflict(exc) or attempt == STORE_CONFLICT_ATTEMPTS:
                raise
            _logger.info("%s collided with another writer (try %d of %d); trying again", what, attempt,
                         STORE_CONFLICT_ATTEMPTS)
            time.sleep(0.05 * attempt)
    raise AssertionError("unreachable")
