"""The batch id on MLflow runs: every parent and model run of the sets run together carries it."""

from __future__ import annotations

from typing import Any

from workbench.track.store import client_for

BATCH_TAG = "workbench.batch"


def tag_batch(logged: Any, batch_id: str, *, tracking_uri: str | None = None,
              allow_remote_endpoint: bool = False) -> None:
    """Tag the parent run and every model run of one logged comparison
    (``workbench.track.mlflow_runs.LoggedComparison``) with ``batch_id``."""
    client, _ = client_for(tracking_uri or logged.tracking_uri, allow_remote_endpoint=allow_remote_endpoint)
    for run_id in [logged.parent_run_id, *logged.child_run_ids.values()]:
        client.set_tag(run_id, BATCH_TAG, batch_id)
