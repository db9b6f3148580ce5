"""The leaderboard: every model evaluation logged to MLflow, with scores, CIs and latency.

Rows come from the nested per-model runs that :func:`workbench.track.mlflow_runs.log_comparison`
writes. Rows are grouped by what makes them comparable (evaluation-set hash and prompt
version): a chart or a ranking never mixes groups. Columns, ranking and charts come from the
metric registry, so the leaderboard agrees with the report on who is first.

Intervals come from each run's ``ci.<metric>`` params (headline metrics, as the tables show them)
or, for runs logged before those existed, from the metrics ``<metric>_ci_low``/``_ci_high``.
"""

from __future__ import annotations

import stat
import threading
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from workbench.report.tables import headline_cells, headline_headers, status_cell
from workbench.run.files import (
    EVALUATION_FILE, RECORDS_FILE, SCORES_FILE, RunDirectoryError, model_directory, read_records,
)
from workbench.scoring.compare import per_case_values, rank_label, ranks_given_separations, separated_on_quality
from workbench.scoring.registry import interval_of, per_label, primary, ranking_key, value_of
from workbench.track.mlflow_runs import EVALUATIONS_LOGGED_TAG, NOT_RECORDED, TASK_PARAM, intervals_from_params
from workbench.track.store import client_for

from mlflow import MlflowClient  # noqa: E402  (after workbench.track.store switched telemetry off)
from mlflow.entities import Run, ViewType  # noqa: E402


@dataclass(frozen=True)
class LeaderboardEntry:
    mlflow_run_id: str
    parent_run_id: str | None
    run_id: str  # the workbench run id (run directory name)
    run_dir: Path | None
    started_ms: int
    model: str
    evalset: str
    evalset_version: str
    evalset_hash: str
    prompt: str
    prompt_uri: str
    cases: int | None
    error: str | None
    metrics: dict[str, float] = field(default_factory=dict)
    task: str | None = None  # the set's task, which names the ranking rule's quality metric (None: not recorded)

    @property
    def group(self) -> str:
        """What makes entries comparable: the same cases (hash) and the same prompt version."""
        return f"{self.evalset} {self.evalset_hash[7:19] if self.evalset_hash.startswith('sha256:') else self.evalset_hash[:12]} · {self.prompt}"

    def value(self, metric: str) -> float | None:
        return value_of(self.metrics, metric)

    def ci(self, metric: str) -> tuple[float | None, float | None]:
        return interval_of(self.metrics, metric)

    def phi_by_label(self) -> dict[str, float]:
        return per_label(self.metrics, primary("privacy").name)

    def ranking_key(self) -> tuple[float, ...]:
        return (*ranking_key(self.metrics, failed=self.error is not None, task=self.task), -self.started_ms)


SEARCH_PAGE_SIZE = 1000  # runs per search_runs page
PARENT_IDS_PER_QUERY = 500  # parent run ids named in one ``run_id IN (...)`` filter
MAX_DELETED_RUNS = 10_000  # deleted evaluation runs read to tell whether a deletion changed the leaderboard
MAX_SNAPSHOTS = 64  # full reads kept (one per store, filter and size asked for)


def _quote(value: str) -> str:
    return value.replace("'", "\\'")


def evaluation_filter(evalset: str | None, prompt: str | None) -> str:
    """The ``search_runs`` filter of the per-model evaluation runs, with the set and prompt filters in it."""
    conditions = ["tags.`workbench.kind` = 'evaluation'"]
    if evalset:
        conditions.append(f"params.evalset = '{_quote(evalset)}'")
    if prompt:
        conditions.append(f"params.prompt = '{_quote(prompt)}'")
    return " and ".join(conditions)


def search_all_runs(client: MlflowClient, experiment_ids: list[str], filter_string: str, *,
                    max_results: int, order_by: list[str] | None = None,
                    run_view_type: int = ViewType.ACTIVE_ONLY) -> list[Run]:
    """Up to ``max_results`` runs matching ``filter_string``, read page by page (:data:`SEARCH_PAGE_SIZE` runs
    a page): the number of queries depends on the runs returned, never one query per run."""
    runs: list[Run] = []
    page_token: str | None = None
    while len(runs) < max_results:
        page = client.search_runs(experiment_ids, filter_string=filter_string, run_view_type=run_view_type,
                                  order_by=order_by, max_results=min(SEARCH_PAGE_SIZE, max_results - len(runs)), page_token=page_token)
        runs.extend(page)
        page_token = page.token
        if not page_token or not page:
            break
    return runs


def parent_runs(client: MlflowClient, experiment_ids: list[str], parent_ids: list[str]) -> dict[str, Run]:
    """The comparison (parent) runs named, by id, read :data:`PARENT_IDS_PER_QUERY` at a time."""
    parents: dict[str, Run] = {}
    for first in range(0, len(parent_ids), PARENT_IDS_PER_QUERY):
        chunk = parent_ids[first:first + PARENT_IDS_PER_QUERY]
        names = ", ".join(f"'{_quote(run_id)}'" for run_id in chunk)
        for run in search_all_runs(client, experiment_ids, f"attributes.run_id IN ({names})",
                                   max_results=len(chunk)):
            parents[run.info.run_id] = run
    return parents


@dataclass(frozen=True)
class StoreSnapshot:
    """What a full read of the evaluations found, with what says whether it is still current: each experiment's
    :data:`EVALUATIONS_LOGGED_TAG` (changed by every log of evaluations) and the deleted evaluation runs."""
    markers: tuple[tuple[str, str | None], ...]
    deleted_run_ids: frozenset[str]
    entries: tuple[LeaderboardEntry, ...]


# (tracking URI, search filter, max results) -> the last full read. A refresh whose experiments, markers and
# deleted runs are unchanged returns these entries without reading the evaluation runs again.
_snapshots: dict[tuple[str, str, int], StoreSnapshot] = {}
_snapshots_lock = threading.Lock()


def leaderboard_entries(*, tracking_uri: str | None = None, evalset: str | None = None,
                        prompt: str | None = None, max_results: int = 1000) -> list[LeaderboardEntry]:
    """Per-model evaluations from MLflow, newest first; ``evalset``/``prompt`` filter by name or ref.

    A fixed number of queries whatever the number of evaluations: the experiments, the deleted evaluation runs,
    then, unless nothing changed since the last read in this process, the evaluation runs (one ``search_runs``
    page per :data:`SEARCH_PAGE_SIZE` runs, filters in the query) and their comparison runs (one query per
    :data:`PARENT_IDS_PER_QUERY` comparisons). Nothing changed when every experiment (the same ones) carries the
    same :data:`EVALUATIONS_LOGGED_TAG` and the same evaluation runs are deleted: every log of evaluations changes
    the tag, and deleting or restoring a run changes the deleted ones. Intervals come from the runs'
    ``ci.<metric>`` params; no artifact is downloaded."""
    client, uri = client_for(tracking_uri)
    experiments = client.search_experiments()
    if not experiments:
        return []
    experiment_ids = [experiment.experiment_id for experiment in experiments]
    markers = tuple((experiment.experiment_id, experiment.tags.get(EVALUATIONS_LOGGED_TAG))
                    for experiment in experiments)
    filter_string = evaluation_filter(evalset, prompt)
    deleted = frozenset(run.info.run_id for run in search_all_runs(
        client, experiment_ids, filter_string, max_results=MAX_DELETED_RUNS, run_view_type=ViewType.DELETED_ONLY))
    key = (uri, filter_string, max_results)
    with _snapshots_lock:
        snapshot = _snapshots.get(key)
    if snapshot is not None and snapshot.markers == markers and snapshot.deleted_run_ids == deleted:
        return list(snapshot.entries)
    runs = search_all_runs(client, experiment_ids, filter_string, max_results=max_results,
                           order_by=["attributes.start_time DESC"])
    parent_ids = list(dict.fromkeys(run.data.tags["mlflow.parentRunId"] for run in runs
                                    if run.data.tags.get("mlflow.parentRunId")))
    parents = parent_runs(client, experiment_ids, parent_ids)
    entries = tuple(_entry(run, parents) for run in runs)
    with _snapshots_lock:
        if len(_snapshots) >= MAX_SNAPSHOTS:
            _snapshots.clear()
        _snapshots[key] = StoreSnapshot(markers=markers, deleted_run_ids=deleted, entries=entries)
    return list(entries)


def _entry(run: Run, parents: dict[str, Run]) -> LeaderboardEntry:
    """One evaluation run as a leaderboard entry; the workbench run id and run directory are its parent's tags."""
    parent_id = run.data.tags.get("mlflow.parentRunId")
    parent = parents.get(parent_id) if parent_id else None
    parent_tags = parent.data.tags if parent is not None else {}
    params = run.data.params
    run_dir = parent_tags.get("workbench.run_dir")
    cases = params.get("evalset_cases")
    return LeaderboardEntry(
        mlflow_run_id=run.info.run_id, parent_run_id=parent_id,
        run_id=parent_tags.get("workbench.run_id", ""), run_dir=Path(run_dir) if run_dir else None,
        started_ms=int(run.info.start_time or 0), model=params.get("model", run.info.run_name or ""),
        evalset=params.get("evalset", ""), evalset_version=params.get("evalset_version", ""),
        evalset_hash=params.get("evalset_hash", ""), prompt=params.get("prompt", ""),
        prompt_uri=params.get("prompt_uri", ""), cases=int(cases) if cases and cases.isdigit() else None,
        error=run.data.tags.get("error"), metrics=entry_metrics(run.data.metrics, params),
        task=None if params.get(TASK_PARAM, NOT_RECORDED) == NOT_RECORDED else params[TASK_PARAM],
    )


def entry_metrics(metrics: dict[str, float], params: dict[str, str]) -> dict[str, float]:
    """An evaluation run's metrics with its interval bounds as flat ``<metric>_ci_low``/``_ci_high`` keys: from its
    ``ci.<metric>`` params, or from its metrics where it was logged with the bounds as metrics (these win)."""
    return {**intervals_from_params(params), **metrics}


def filter_choices(entries: list[LeaderboardEntry]) -> tuple[list[str], list[str]]:
    """The evaluation sets and prompt versions present, for filter menus."""
    return sorted({e.evalset for e in entries if e.evalset}), sorted({e.prompt for e in entries if e.prompt})


def format_number(value: float | None, digits: int = 3) -> str:
    """A table cell: the number to ``digits`` places, "-" when there is none."""
    return "-" if value is None else f"{value:.{digits}f}"


def entry_tasks(entries: list[LeaderboardEntry]) -> list[str | None]:
    """The tasks of the sets of ``entries``, which decide the table's metric columns (a summary's when none)."""
    return list(dict.fromkeys(entry.task for entry in entries)) or [None]


def leaderboard_headers(entries: list[LeaderboardEntry] | None = None) -> list[str]:
    """The columns of the leaderboard of ``entries``: the headline metrics of their sets' tasks."""
    return ["group", "rank", "model", "run", "cases", *headline_headers(entry_tasks(entries or [])), "status"]


def ranked_rows(entries: list[LeaderboardEntry]) -> list[list[str]]:
    """One table row per entry; within a comparable group ranked by the registry's one ranking rule, models that
    no Holm-corrected paired test separates (from the records in their run directories) sharing a rank."""
    groups: dict[str, list[LeaderboardEntry]] = {}
    for entry in entries:
        groups.setdefault(entry.group, []).append(entry)
    rows = []
    tasks = entry_tasks(entries)
    for group, members in groups.items():  # groups in order of their newest entry
        keyed = sorted(((entry.ranking_key(), entry) for entry in members), key=lambda pair: pair[0])
        ordered = [entry for _, entry in keyed]
        labels = entry_labels(ordered)
        ranks = ranks_given_separations([(labels[entry.mlflow_run_id], key[:-1]) for key, entry in keyed],
                                        _separated(ordered, labels))
        for entry in ordered:
            label = labels[entry.mlflow_run_id]
            rows.append([group, rank_label(ranks[label], ranks), entry.model, entry.run_id,
                         "-" if entry.cases is None else str(entry.cases), *headline_cells(entry.metrics, tasks),
                         status_cell(entry.error, entry.metrics)])
    return rows


def entry_label(entry: LeaderboardEntry, entries: list[LeaderboardEntry]) -> str:
    """The model's name, or ``model@run`` when the same model appears more than once in ``entries``."""
    return entry_labels([entry, *(other for other in entries if other.mlflow_run_id != entry.mlflow_run_id)])[
        entry.mlflow_run_id]


def entry_labels(entries: list[LeaderboardEntry]) -> dict[str, str]:
    """MLflow run id -> the model's name, or ``model@run`` where the same model appears more than once."""
    appearances = Counter(entry.model for entry in entries)
    return {entry.mlflow_run_id: f"{entry.model}@{entry.run_id}" if appearances[entry.model] > 1 else entry.model
            for entry in entries}


# What the paired comparisons of a group decided, kept between refreshes: (label, evaluation directory,
# modification time and size of each file the comparisons read) of each entry -> the pairs separated on the
# primary quality metric. A group whose evaluations did not change is not read and tested again.
ComparisonKey = tuple[tuple[str, str, tuple[tuple[int, int], ...]], ...]
COMPARED_FILES = (EVALUATION_FILE, SCORES_FILE, RECORDS_FILE)
_separated_cache: dict[ComparisonKey, set[frozenset[str]]] = {}
MAX_CACHED_GROUPS = 256


def _separated(entries: list[LeaderboardEntry], labels: dict[str, str]) -> set[frozenset[str]]:
    """The pairs of entries separated on the primary quality metric by the paired comparisons between the entries
    whose run directories are still on this machine (remembered for as long as their evaluation, scores and
    records files do not change)."""
    available = []
    key = []
    for entry in entries:
        if entry.run_dir is None or entry.error:
            continue
        try:
            directory = model_directory(entry.run_dir, entry.model)
        except RunDirectoryError:
            continue
        written = tuple(_file_version(directory / name) for name in COMPARED_FILES)
        if written[0] == MISSING_FILE:  # COMPARED_FILES[0] is the evaluation file: no finished evaluation here
            continue
        available.append((labels[entry.mlflow_run_id], directory))
        key.append((labels[entry.mlflow_run_id], str(directory), written))
    if len(available) < 2:
        return set()
    cache_key: ComparisonKey = tuple(key)
    if cache_key not in _separated_cache:
        if len(_separated_cache) >= MAX_CACHED_GROUPS:
            _separated_cache.clear()
        _separated_cache[cache_key] = separated_on_quality(
            [(label, per_case_values(directory)) for label, directory in available], entries[0].task)
    return _separated_cache[cache_key]


MISSING_FILE = (0, -1)


def _file_version(path: Path) -> tuple[int, int]:
    """(modification time in ns, size) of ``path``; :data:`MISSING_FILE` when it is missing or not a file."""
    try:
        status = path.stat()
    except OSError:
        return MISSING_FILE
    if not stat.S_ISREG(status.st_mode):
        return MISSING_FILE
    return status.st_mtime_ns, status.st_size


MAX_CHART_EVALUATIONS = 16  # evaluations a leaderboard chart draws: the newest of the newest group


def newest_group(entries: list[LeaderboardEntry]) -> list[LeaderboardEntry]:
    """What the charts draw: the newest :data:`MAX_CHART_EVALUATIONS` entries of the comparable group that holds
    the newest entry (a chart of a hundred boxes is read by nobody, and drawing it would slow every refresh)."""
    if not entries:
        return []
    group = max(entries, key=lambda e: e.started_ms).group
    members = [e for e in entries if e.group == group]
    return sorted(members, key=lambda e: e.started_ms, reverse=True)[:MAX_CHART_EVALUATIONS]


def group_size(entries: list[LeaderboardEntry], group: str) -> int:
    """How many of ``entries`` belong to ``group``."""
    return sum(1 for entry in entries if entry.group == group)


def per_case_latencies(entry: LeaderboardEntry) -> dict[str, list[float]]:
    """TTFT and end-to-end seconds of every successful case, read from the model's records in the run
    directory (a case taken from the response cache keeps the timings of the generation that produced it)."""
    if entry.run_dir is None:
        return {}
    try:
        ok = [record for record in read_records(model_directory(entry.run_dir, entry.model)) if record.ok]
    except RunDirectoryError:
        return {}
    return {"ttft_s": [record.ttft_s for record in ok if record.ttft_s is not None],
            "e2e_s": [record.e2e_s for record in ok if record.e2e_s is not None]}
