"""The team store of the README: a real `mlflow server` on PostgreSQL, two `workbench run`s at once.

A throwaway PostgreSQL cluster (Debian's `postgresql` package; `make test` installs it)
listens on 127.0.0.1 only, with its socket in a temporary directory. PostgreSQL refuses
to run as root, so when the tests run as root the cluster is made and run by the
`postgres` system user. An `mlflow server` uses it as backend and registry store and
serves artifacts from a temporary directory. Two `workbench run` processes, each
comparing two scripted models (no real model), then log to the server at the same time
on a fresh store: both race to create the experiment and to register the prompt.
"""

from __future__ import annotations

import glob
import json
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.conftest import free_port, workbench_command

pytest.importorskip("mlflow", reason="MLflow is not installed")
# SQLAlchemy 2.1 opens a plain postgresql:// URI (the README's) with psycopg 3.
pytest.importorskip("psycopg", reason="psycopg, the PostgreSQL driver for postgresql:// URIs, is not installed: "
                    "pip install 'psycopg[binary]'")

from mlflow import MlflowClient  # noqa: E402

MODELS = ("echo", "first")
CATALOGUE = """\
models:
  echo:
    backend: scripted
    model: echo-source
  first:
    backend: scripted
    model: first-sentences
"""
PROMPT_NAME = "clinical-summary-en"
PROMPT_REF = "clinical-summary-en@1"  # smoke-en's default prompt
DB_USER = "mlflow"
DB_NAME = "mlflow"


def postgres_bin_dir() -> Path | None:
    """The newest Debian PostgreSQL (`/usr/lib/postgresql/<major>/bin`), else initdb and pg_ctl on PATH."""
    def major(path: str) -> int:
        version = Path(path).parent.parent.name
        return int(version) if version.isdigit() else -1

    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=major, reverse=True)
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(str(Path(on_path).resolve()))
    for initdb in candidates:
        bin_dir = Path(initdb).parent
        if all(os.access(bin_dir / name, os.X_OK) for name in ("initdb", "pg_ctl", "createdb")):
            return bin_dir
    return None


def as_postgres_prefix() -> list[str]:
    """PostgreSQL will not run as root: as root, its programs run as the `postgres` user."""
    if os.geteuid() != 0:
        return []
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        pytest.skip("running as root and there is no 'postgres' system user to run PostgreSQL as "
                    "(Debian's postgresql package creates it; `make test` installs it)")
    runuser = shutil.which("runuser")
    if runuser is None:
        pytest.skip("running as root and runuser is missing, so PostgreSQL cannot be started as 'postgres'")
    return [runuser, "-u", "postgres", "--"]


def _run(command: list[str], *, cwd: Path, env: dict[str, str] | None = None, timeout: float = 60) -> str:
    completed = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    if completed.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited {completed.returncode}:\n{completed.stdout}\n{completed.stderr}")
    return completed.stdout


@contextmanager
def postgres_database(bin_dir: Path) -> Iterator[str]:
    """A fresh cluster on 127.0.0.1 (password auth) with database `mlflow`; yields its SQLAlchemy URI."""
    prefix = as_postgres_prefix()
    root = Path(tempfile.mkdtemp(prefix="workbench-team-pg-"))  # not under pytest's 0700 tmp: `postgres` must reach it
    data, log = root / "data", root / "postgres.log"
    password = secrets.token_hex(12)
    (root / "pwfile").write_text(password + "\n")
    if prefix:
        shutil.chown(root, "postgres", "postgres")
        shutil.chown(root / "pwfile", "postgres", "postgres")
    (root / "pwfile").chmod(0o600)
    port = free_port()
    started = False
    try:
        _run(prefix + [str(bin_dir / "initdb"), "-D", str(data), "-U", DB_USER, f"--pwfile={root / 'pwfile'}",
                       "--auth=scram-sha-256", "-E", "UTF8", "--no-locale"], cwd=root, timeout=120)
        options = f"-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories={root}"
        try:
            _run(prefix + [str(bin_dir / "pg_ctl"), "start", "-D", str(data), "-l", str(log), "-w", "-t", "60",
                           "-o", options], cwd=root, timeout=90)
        finally:
            started = (data / "postmaster.pid").exists()
        env = {**os.environ, "PGPASSWORD": password}
        _run([str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", DB_USER, DB_NAME], cwd=root, env=env)
        yield f"postgresql://{DB_USER}:{password}@127.0.0.1:{port}/{DB_NAME}"
    except RuntimeError as exc:
        tail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
        raise RuntimeError(f"{exc}\npostgres.log:\n{tail}") from exc
    finally:
        if started:
            stopped = subprocess.run(prefix + [str(bin_dir / "pg_ctl"), "stop", "-D", str(data), "-m", "fast", "-w"],
                                     cwd=root, capture_output=True, timeout=60)
            if stopped.returncode != 0:
                subprocess.run(prefix + [str(bin_dir / "pg_ctl"), "stop", "-D", str(data), "-m", "immediate", "-w"],
                               cwd=root, capture_output=True, timeout=60)
        shutil.rmtree(root, ignore_errors=True)


def stop_group(process: subprocess.Popen, timeout_s: float = 20.0) -> None:
    """Stop a process started with start_new_session=True and everything in its group."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        except ProcessLookupError:
            pass
    else:  # the leader exited; workers it left behind share its group
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


@dataclass
class Server:
    url: str
    artifacts: Path


@contextmanager
def mlflow_server(backend_uri: str, root: Path) -> Iterator[Server]:
    """`mlflow server` on 127.0.0.1 with the PostgreSQL store, serving artifacts from ``root/artifacts``."""
    port = free_port()
    log_path = root / "mlflow-server.log"
    env = {**os.environ, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"}  # no background job workers
    env.pop("MLFLOW_TRACKING_URI", None)
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "mlflow", "server", "--backend-store-uri", backend_uri,
             "--serve-artifacts", "--artifacts-destination", str(root / "artifacts"),
             "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
            stdout=log, stderr=subprocess.STDOUT, env=env, cwd=root, start_new_session=True,
        )
        try:
            url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 120  # the first start creates MLflow's schema in PostgreSQL
            while True:
                if process.poll() is not None:
                    raise RuntimeError(f"mlflow server exited {process.returncode}:\n{log_path.read_text()[-3000:]}")
                try:
                    if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"mlflow server did not answer /health in 120 s:\n{log_path.read_text()[-3000:]}")
                time.sleep(0.5)
            yield Server(url=url, artifacts=root / "artifacts")
        finally:
            stop_group(process)


def test_two_concurrent_runs_log_to_a_postgresql_mlflow_server(tmp_path: Path) -> None:
    bin_dir = postgres_bin_dir()
    if bin_dir is None:
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) not found under /usr/lib/postgresql/*/bin or "
                    "on PATH; `make test` installs Debian's postgresql")
    work = tmp_path / "work"
    work.mkdir()
    (work / "models.yaml").write_text(CATALOGUE)
    env = {name: value for name, value in os.environ.items()
           if name not in ("MLFLOW_TRACKING_URI", "MLFLOW_EXPERIMENT_NAME", "MLFLOW_EXPERIMENT_ID",
                           "WORKBENCH_CATALOGUE", "WORKBENCH_PROMPTS", "WORKBENCH_RUNS_DIR")}

    with postgres_database(bin_dir) as backend_uri, mlflow_server(backend_uri, tmp_path) as server:
        runs: dict[str, subprocess.Popen[str]] = {}
        try:
            for name in ("a", "b"):  # both start together and log to the fresh store at about the same time
                command = workbench_command() + [
                    "run", *[arg for model in MODELS for arg in ("-m", model)], "-e", "smoke-en", "--limit", "2",
                    "--runs-dir", f"runs-{name}", "--json-out", f"summary-{name}.json", "--no-progress",
                    "--tracking-uri", server.url]
                runs[name] = subprocess.Popen(command, cwd=work, env=env, stdout=subprocess.PIPE,
                                              stderr=subprocess.STDOUT, text=True, start_new_session=True)
            outputs = {name: process.communicate(timeout=150)[0] for name, process in runs.items()}
        finally:
            for process in runs.values():
                stop_group(process)
        for name, process in runs.items():
            assert process.returncode == 0, f"workbench run {name}:\n{outputs[name]}"
            assert "mlflow: run " in outputs[name] and server.url in outputs[name], outputs[name]

        run_dirs = {}
        for name in ("a", "b"):
            summary = json.loads((work / f"summary-{name}.json").read_text())
            assert sorted(evaluation["model"] for evaluation in summary["evaluations"]) == sorted(MODELS)
            assert {evaluation["prompt"] for evaluation in summary["evaluations"]} == {PROMPT_REF}
            directories = {(work / evaluation["records"]).resolve().parent.parent for evaluation in summary["evaluations"]}
            (run_dirs[name],) = directories

        client = MlflowClient(tracking_uri=server.url)
        experiment = client.get_experiment_by_name("workbench")
        assert experiment is not None and experiment.lifecycle_stage == "active"

        # The prompt version is registered once, although both runs registered it at the same time.
        assert [prompt.name for prompt in client.search_prompts(filter_string=f"name = '{PROMPT_NAME}'")] == [PROMPT_NAME]
        versions = client.search_prompt_versions(PROMPT_NAME)
        assert [version.tags.get("workbench_ref") for version in versions] == [PROMPT_REF], \
            f"expected one registry version holding {PROMPT_REF}, got {[(v.version, v.tags) for v in versions]}"
        prompt_uri = f"prompts:/{PROMPT_NAME}/{versions[0].version}"

        parents = client.search_runs([experiment.experiment_id], "tags.`workbench.kind` = 'comparison'")
        assert sorted(Path(parent.data.tags["workbench.run_dir"]).resolve() for parent in parents) == \
            sorted(run_dirs.values())
        for parent in parents:
            run_dir = Path(parent.data.tags["workbench.run_dir"])
            assert parent.info.status == "FINISHED"
            assert parent.info.run_name == parent.data.tags["workbench.run_id"] == run_dir.name
            assert parent.data.params["prompt_uri"] == prompt_uri
            children = client.search_runs([experiment.experiment_id],
                                          f"tags.mlflow.parentRunId = '{parent.info.run_id}'")
            assert sorted(child.data.params["model"] for child in children) == sorted(MODELS)
            for child in children:
                model = child.data.params["model"]
                assert child.info.status == "FINISHED"
                assert child.data.tags["workbench.kind"] == "evaluation"
                assert child.data.params["prompt_uri"] == prompt_uri
                assert child.data.params["backend"] == "scripted"
                artifacts = {item.path for item in client.list_artifacts(child.info.run_id)}
                assert {"evaluation.json", "cases.json"} <= artifacts, f"{model}: {sorted(artifacts)}"
                # The artifact went through the server into its artifact store and reads back unchanged.
                downloaded = Path(client.download_artifacts(child.info.run_id, "evaluation.json",
                                                            str(tmp_path / "downloads" / child.info.run_id)))
                assert json.loads(downloaded.read_text()) == json.loads((run_dir / model / "evaluation.json").read_text())
                stored = server.artifacts / experiment.experiment_id / child.info.run_id / "artifacts"
                assert (stored / "evaluation.json").is_file() and (stored / "cases.json").is_file()
        assert len({parent.info.run_id for parent in parents}) == 2


# The message a PostgreSQL-backed server gave when two runs inserted the same evaluation set at the same moment.
DATASET_COLLISION = ('BAD_REQUEST: (psycopg.errors.UniqueViolation) duplicate key value violates unique constraint '
                     '"dataset_pk"\nDETAIL:  Key (experiment_id, name, digest)=(1, smoke-en, 3f10) already exists.')


def test_a_run_input_that_collides_with_another_writer_is_logged_on_the_next_try(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import mlflow
    import pandas as pd
    from mlflow.data.pandas_dataset import from_pandas
    from mlflow.exceptions import MlflowException

    from workbench.track.store import retried_on_store_conflict, tracking_uri_scope

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    original = MlflowClient.log_inputs
    attempts: list[int] = []

    def colliding_once(self: MlflowClient, *args: object, **kwargs: object) -> object:
        attempts.append(1)
        if len(attempts) == 1:
            raise MlflowException(DATASET_COLLISION)
        return original(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(MlflowClient, "log_inputs", colliding_once)
    dataset = from_pandas(pd.DataFrame({"case_id": ["c1"]}), name="smoke-en")
    with tracking_uri_scope(uri), mlflow.start_run() as run:
        retried_on_store_conflict(lambda: mlflow.log_input(dataset, context="evaluation"), what="the set")
    assert len(attempts) == 2
    logged = MlflowClient(uri).get_run(run.info.run_id).inputs.dataset_inputs
    assert [entry.dataset.name for entry in logged] == ["smoke-en"]


def test_only_store_conflicts_are_tried_again_and_a_lasting_one_is_raised() -> None:
    from mlflow.exceptions import MlflowException

    from workbench.track.store import STORE_CONFLICT_ATTEMPTS, is_store_conflict, retried_on_store_conflict

    assert is_store_conflict(MlflowException(DATASET_COLLISION))
    assert is_store_conflict(MlflowException("(sqlite3.IntegrityError) UNIQUE constraint failed: datasets.name"))
    assert not is_store_conflict(MlflowException("RESOURCE_DOES_NOT_EXIST: run abc not found"))

    calls: list[str] = []

    def refused() -> None:
        calls.append("refused")
        raise MlflowException("RESOURCE_DOES_NOT_EXIST: run abc not found")

    with pytest.raises(MlflowException, match="not found"):
        retried_on_store_conflict(refused, what="a run input")
    assert calls == ["refused"]  # not a conflict: raised at once

    def always_colliding() -> None:
        calls.append("collided")
        raise MlflowException(DATASET_COLLISION)

    with pytest.raises(MlflowException, match="dataset_pk"):
        retried_on_store_conflict(always_colliding, what="a run input")
    assert calls.count("collided") == STORE_CONFLICT_ATTEMPTS
