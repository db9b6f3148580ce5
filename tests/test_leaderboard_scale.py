"""The leaderboard reads MLflow in a fixed number of queries; system samples are logged in batches."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SCRIPTED_CATALOGUE

pytest.importorskip("mlflow", reason="MLflow is not installed")

import mlflow  # noqa: E402
from mlflow import MlflowClient  # noqa: E402

from workbench import api  # noqa: E402
from workbench.run.files import SCORES_FILE, model_directory  # noqa: E402
from workbench.scoring.registry import primary  # noqa: E402
from workbench.track import leaderboard as leaderboard_module  # noqa: E402
from workbench.track.leaderboard import leaderboard_entries, ranked_rows  # noqa: E402
from workbench.track.mlflow_runs import (  # noqa: E402
    EVALUATIONS_LOGGED_TAG, MAX_METRICS_PER_BATCH, MAX_SYSTEM_POINTS, _log_system_samples, chart_sample_indices,
)
from workbench.track.store import tracking_uri_scope  # noqa: E402

HOUR_OF_SAMPLES = 3600


@pytest.fixture()
def store(isolated_cwd: Path) -> str:
    (isolated_cwd / "models.yaml").write_text(SCRIPTED_CATALOGUE, encoding="utf-8")
    return f"sqlite:///{isolated_cwd / 'mlflow.db'}"


def _log_comparison(cwd: Path, uri: str, evalset: str) -> api.EvaluationResult:
    result = api.evaluate(["echo", "first"], evalset, limit=2, runs_dir=cwd / "runs", tracking_uri=uri,
                          log_traces=False, show_progress=False, catalogue=[cwd / "models.yaml"])
    assert result.mlflow_parent_run_id and not result.errors
    return result


class QueryCounter:
    """Counts the MLflow client's run queries (``search_runs`` pages and ``get_run`` calls)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls: list[str] = []
        for name in ("search_runs", "get_run"):
            original = getattr(MlflowClient, name)
            monkeypatch.setattr(MlflowClient, name, self._counted(name, original))

    def _counted(self, name: str, original: Any) -> Any:
        def counted(client: MlflowClient, *args: Any, **kwargs: Any) -> Any:
            self.calls.append(name)
            return original(client, *args, **kwargs)
        return counted

    def during(self, action: Any) -> tuple[Any, list[str]]:
        self.calls.clear()
        result = action()
        return result, list(self.calls)


def test_leaderboard_queries_do_not_grow_with_evaluations(store: str, isolated_cwd: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    counter = QueryCounter(monkeypatch)
    first = _log_comparison(isolated_cwd, store, "smoke-en")
    entries, queries_at_one = counter.during(lambda: leaderboard_entries(tracking_uri=store))
    assert len(entries) == 2
    for _ in range(2):
        _log_comparison(isolated_cwd, store, "smoke-zh")
    entries, queries_at_three = counter.during(lambda: leaderboard_entries(tracking_uri=store))
    assert len(entries) == 6
    # the deleted evaluation runs, the evaluation runs, their comparison runs
    assert queries_at_three == queries_at_one == ["search_runs", "search_runs", "search_runs"]
    assert [entry.started_ms for entry in entries] == sorted((entry.started_ms for entry in entries), reverse=True)
    oldest = [entry for entry in entries if entry.evalset == "smoke-en"]
    assert {entry.run_id for entry in oldest} == {first.run_id}  # from the comparison (parent) run's tags
    assert all(entry.run_dir == first.run_dir.resolve() for entry in oldest)
    quality = primary("quality").name
    low, high = oldest[0].ci(quality)  # from the ci.<metric> params, no artifact read
    assert low is not None and high is not None and low <= (oldest[0].value(quality) or 0.0) <= high

    filtered, queries_filtered = counter.during(lambda: leaderboard_entries(tracking_uri=store, evalset="smoke-en"))
    assert [entry.mlflow_run_id for entry in filtered] == [entry.mlflow_run_id for entry in oldest]
    assert queries_filtered == queries_at_one


def test_a_refresh_with_nothing_changed_reads_no_evaluation_run_and_any_change_is_seen(
        store: str, isolated_cwd: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    counter = QueryCounter(monkeypatch)
    _log_comparison(isolated_cwd, store, "smoke-en")
    first, _ = counter.during(lambda: leaderboard_entries(tracking_uri=store))
    again, queries = counter.during(lambda: leaderboard_entries(tracking_uri=store))
    assert again == first and queries == ["search_runs"]  # only the deleted runs: nothing else changed

    _log_comparison(isolated_cwd, store, "smoke-zh")  # a new log changes the experiment's marker
    after_log, queries = counter.during(lambda: leaderboard_entries(tracking_uri=store))
    assert len(after_log) == 4 and len(queries) == 3
    assert leaderboard_entries(tracking_uri=store) == after_log

    client = MlflowClient(store)
    gone = after_log[0].mlflow_run_id
    client.delete_run(gone)  # as in MLflow's own UI: the marker does not change, the deleted runs do
    assert [entry.mlflow_run_id for entry in leaderboard_entries(tracking_uri=store)] == \
        [entry.mlflow_run_id for entry in after_log[1:]]
    client.restore_run(gone)
    assert leaderboard_entries(tracking_uri=store) == after_log

    experiment_id = client.get_run(gone).info.experiment_id
    client.set_experiment_tag(experiment_id, EVALUATIONS_LOGGED_TAG, "changed by another writer")
    _, queries = counter.during(lambda: leaderboard_entries(tracking_uri=store))
    assert len(queries) == 3


def test_leaderboard_pages_through_runs(store: str, isolated_cwd: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for evalset in ("smoke-en", "smoke-zh"):
        _log_comparison(isolated_cwd, store, evalset)
    everything = leaderboard_entries(tracking_uri=store)
    monkeypatch.setattr(leaderboard_module, "SEARCH_PAGE_SIZE", 1)
    monkeypatch.setattr(leaderboard_module, "PARENT_IDS_PER_QUERY", 1)
    paged = leaderboard_entries(tracking_uri=store)
    assert paged == everything
    assert [entry.mlflow_run_id for entry in leaderboard_entries(tracking_uri=store, max_results=3)] == \
        [entry.mlflow_run_id for entry in everything[:3]]


def test_ranked_rows_reuse_the_paired_comparisons_until_an_evaluation_changes(
        store: str, isolated_cwd: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result = _log_comparison(isolated_cwd, store, "smoke-en")
    entries = leaderboard_entries(tracking_uri=store)
    computed: list[int] = []
    original = leaderboard_module.separated_on_quality

    def counted(evaluations: list[tuple[str, Any]], task: str | None = None) -> Any:
        computed.append(len(evaluations))
        return original(evaluations, task)

    monkeypatch.setattr(leaderboard_module, "separated_on_quality", counted)
    rows = ranked_rows(entries)
    assert ranked_rows(entries) == rows
    assert computed in ([2], [])  # [] when an earlier refresh in this process already compared them
    computed.clear()
    scores = model_directory(result.run_dir, "echo") / SCORES_FILE
    scores.write_text(scores.read_text(encoding="utf-8") + "\n", encoding="utf-8")  # rescored: same cases, new file
    assert ranked_rows(entries) == rows
    assert computed == [2]


def test_an_hour_of_system_samples_is_logged_in_batches_thinned_for_the_charts_with_each_sample_time(
        isolated_cwd: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    uri = f"sqlite:///{isolated_cwd / 'samples.db'}"
    client = MlflowClient(uri)
    run_id = client.create_run(client.create_experiment("samples")).info.run_id
    samples = [{"elapsed_s": index + 0.25, "cpu_percent": float(index % 100), "process_rss_mb": 500.0 + index,
                "gpu_memory_used_mb": None} for index in range(HOUR_OF_SAMPLES)]
    batches: list[int] = []
    original = MlflowClient.log_batch

    def counted(self: MlflowClient, run: str, metrics: Any = (), *args: Any, **kwargs: Any) -> Any:
        batches.append(len(metrics))
        return original(self, run, metrics, *args, **kwargs)

    monkeypatch.setattr(MlflowClient, "log_batch", counted)
    start_ms = int(time.time() * 1000) - HOUR_OF_SAMPLES * 1000
    with tracking_uri_scope(uri), mlflow.start_run(run_id=run_id):
        _log_system_samples(samples, start_ms=start_ms)
    kept = chart_sample_indices(HOUR_OF_SAMPLES)
    assert len(kept) == MAX_SYSTEM_POINTS and kept[0] == 0 and kept[-1] == HOUR_OF_SAMPLES - 1
    assert sum(batches) == 2 * MAX_SYSTEM_POINTS and max(batches) <= MAX_METRICS_PER_BATCH
    for name, value_of in (("system/cpu_percent", lambda i: float(i % 100)),
                           ("system/process_rss_mb", lambda i: 500.0 + i)):
        history = sorted(client.get_metric_history(run_id, name), key=lambda metric: metric.step)
        assert [metric.step for metric in history] == kept
        assert [metric.value for metric in history] == [value_of(i) for i in kept]
        assert [metric.timestamp for metric in history] == [start_ms + round((i + 0.25) * 1000) for i in kept]
    assert client.get_metric_history(run_id, "system/gpu_memory_used_mb") == []


def test_a_short_series_is_logged_whole_and_a_long_one_evenly_thinned() -> None:
    assert chart_sample_indices(5) == [0, 1, 2, 3, 4]
    assert chart_sample_indices(MAX_SYSTEM_POINTS) == list(range(MAX_SYSTEM_POINTS))
    picked = chart_sample_indices(10, max_points=4)
    assert picked == [0, 3, 6, 9]
    gaps = {b - a for a, b in zip(chart_sample_indices(36_000), chart_sample_indices(36_000)[1:])}
    assert max(gaps) - min(gaps) <= 1  # evenly spaced


def test_charts_draw_the_newest_evaluations_of_the_newest_group_and_the_labels_tell_repeats_apart() -> None:
    from workbench.track.leaderboard import (
        MAX_CHART_EVALUATIONS, LeaderboardEntry, entry_label, entry_labels, group_size, newest_group,
    )

    def entry(index: int, group_hash: str, model: str) -> LeaderboardEntry:
        return LeaderboardEntry(mlflow_run_id=f"run-{index}", parent_run_id=None, run_id=f"wb-{index}", run_dir=None,
                                started_ms=index, model=model, evalset="set", evalset_version="1",
                                evalset_hash=group_hash, prompt="p@1", prompt_uri="", cases=4, error=None)

    crowded = [entry(index, "sha256:" + "1" * 64, f"model-{index % 3}") for index in range(MAX_CHART_EVALUATIONS + 5)]
    older = [entry(-1, "sha256:" + "2" * 64, "model-0")]
    charted = newest_group(older + crowded)
    assert [e.started_ms for e in charted] == list(range(MAX_CHART_EVALUATIONS + 4, 4, -1))
    assert group_size(older + crowded, charted[0].group) == MAX_CHART_EVALUATIONS + 5
    assert newest_group([]) == []
    labels = entry_labels(crowded[:4])
    assert labels == {"run-0": "model-0@wb-0", "run-1": "model-1", "run-2": "model-2", "run-3": "model-0@wb-3"}
    assert entry_label(crowded[1], crowded[:4]) == "model-1" and entry_label(crowded[0], crowded[:4]) == "model-0@wb-0"


def test_marking_the_evaluations_changed_survives_two_writers_colliding(store: str,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from mlflow.exceptions import MlflowException

    from workbench.track.mlflow_runs import mark_evaluations_changed

    client = MlflowClient(store)
    experiment_id = client.create_experiment("collisions")
    original = MlflowClient.set_experiment_tag
    attempts: list[str] = []

    def colliding(self: MlflowClient, *args: Any, **kwargs: Any) -> Any:
        attempts.append(args[1])
        if len(attempts) == 1:  # as a team server's database answers two first inserts at once
            raise MlflowException("duplicate key value violates unique constraint \"experiment_tag_pk\"")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(MlflowClient, "set_experiment_tag", colliding)
    mark_evaluations_changed(client, experiment_id)
    assert attempts == [EVALUATIONS_LOGGED_TAG] * 2
    assert client.get_experiment(experiment_id).tags[EVALUATIONS_LOGGED_TAG]

    def always_failing(self: MlflowClient, *args: Any, **kwargs: Any) -> Any:
        raise MlflowException("the store is busy")

    monkeypatch.setattr(MlflowClient, "set_experiment_tag", always_failing)
    mark_evaluations_changed(client, experiment_id)  # the other writer's value marks the change: logging goes on
