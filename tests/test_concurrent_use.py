"""Concurrent use: two processes creating one MLflow SQLite store, ten playground saves to one set,
and a tracking server that does not answer."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.conftest import free_port

pytest.importorskip("mlflow", reason="MLflow is not installed")

# Each process imports first, says "ready", and starts only when told to: the two then create
# the store at the same moment.
RACER = """\
import sys
from workbench.track.store import client_for, ensure_experiment
print("ready", flush=True)
sys.stdin.readline()
uri, name = sys.argv[1], sys.argv[2]
client, _ = client_for(uri)
print(ensure_experiment(name, tracking_uri=uri), flush=True)
"""


def test_two_processes_creating_a_new_sqlite_store_at_once_both_succeed(tmp_path: Path) -> None:
    for repetition in range(3):
        database = tmp_path / f"try-{repetition}" / "mlruns" / "mlflow.db"
        uri = f"sqlite:///{database}"
        racers = [subprocess.Popen([sys.executable, "-c", RACER, uri, f"experiment-{number}"],
                                   stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                  for number in range(2)]
        try:
            for racer in racers:
                assert racer.stdout is not None
                assert racer.stdout.readline().strip() == "ready", racer.stderr.read() if racer.stderr else ""
            for racer in racers:
                assert racer.stdin is not None
                racer.stdin.write("go\n")
                racer.stdin.flush()
            results = [racer.communicate(timeout=180) for racer in racers]
        finally:
            for racer in racers:
                if racer.poll() is None:
                    racer.kill()
                    racer.wait()
        for racer, (out, err) in zip(racers, results):
            assert racer.returncode == 0, f"repetition {repetition}: {err[-3000:]}"
            assert out.strip().isdigit(), out
        assert database.is_file()


# --- ten playground saves to one set at once -----------------------------------------------------------


def test_ten_saves_to_one_set_at_once_are_all_kept_and_the_set_stays_valid(tmp_path: Path) -> None:
    from workbench.data.evalsets import load_evalset_dir
    from workbench.run.playground import save_as_case

    sets_root = tmp_path / "sets"
    ids = [f"pasted-{number:02d}" for number in range(10)]
    start = threading.Barrier(len(ids))
    failures: list[BaseException] = []

    def save(case_id: str) -> None:
        start.wait(timeout=60)
        try:
            save_as_case(f"Patient seen for cough, case {case_id}. Chest clear; advised fluids.",
                         sets_root=sets_root, set_name="pasted", case_id=case_id, language="en",
                         reference="Cough with a clear chest; fluids advised.")
        except BaseException as exc:  # collected and reported below
            failures.append(exc)

    threads = [threading.Thread(target=save, args=(case_id,)) for case_id in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert failures == []
    saved = load_evalset_dir(sets_root / "pasted")  # validates the manifest's count and hash against the cases
    assert sorted(case.id for case in saved.cases) == ids
    assert saved.manifest.num_cases == 10
    assert saved.manifest.version == "1.9"  # created at 1.0, then nine minor bumps
    assert sorted(path.name for path in (sets_root / "pasted").iterdir()) == ["cases.jsonl", "manifest.yaml"]


# --- a tracking server that does not answer -------------------------------------------------------------

HTTP_VARIABLES = ("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "MLFLOW_HTTP_REQUEST_TIMEOUT",
                  "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR")


@pytest.fixture()
def http_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """None of MLflow's HTTP variables set; whatever the workbench sets is undone after the test."""
    for name in HTTP_VARIABLES:
        monkeypatch.setenv(name, "")  # recorded, so that teardown puts back what was there
        monkeypatch.delenv(name)


def test_an_unreachable_tracking_server_fails_fast_and_the_run_directory_is_complete(
        isolated_cwd: Path, http_environment: None) -> None:
    from workbench import api
    from workbench.run.files import read_run_dir

    catalogue = isolated_cwd / "models.yaml"
    catalogue.write_text("models:\n  echo:\n    backend: scripted\n    model: echo-source\n", encoding="utf-8")
    uri = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    started = time.monotonic()
    result = api.evaluate(["echo"], "smoke-en", catalogue=[catalogue], runs_dir=isolated_cwd / "runs",
                          tracking_uri=uri, show_progress=False)
    elapsed = time.monotonic() - started
    assert elapsed < 60, f"took {elapsed:.0f} s"
    assert result.logged is None
    assert result.mlflow_error is not None
    assert f"tracking server {uri} did not answer (timeout 4 s per request, 2 retries" in result.mlflow_error
    assert "`workbench track RUN_DIR` logs it" in result.mlflow_error
    files = read_run_dir(result.outcome.directory)
    assert files.missing == []
    [evaluation] = files.evaluations
    assert len(evaluation.records) == len(evaluation.scores) == len(result.outcome.evalset.cases)


def test_http_settings_the_user_made_are_kept(http_environment: None, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    from workbench.track.store import TrackingError, client_for

    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_TIMEOUT", "7")
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "1")
    uri = f"http://127.0.0.1:{free_port()}"
    started = time.monotonic()
    with pytest.raises(TrackingError, match=r"did not answer \(timeout 7 s per request, 1 retries"):
        client_for(uri)
    assert time.monotonic() - started < 30
    assert os.environ["MLFLOW_HTTP_REQUEST_TIMEOUT"] == "7"
    assert os.environ["MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR"] == "1"  # the one the user left unset
