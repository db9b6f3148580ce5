"""The leaderboard: every model evaluation logged to MLflow, with scores, CIs and latency.

Rows come from the nested per-model runs that :func:`workbench.track.mlflow_runs.log_comparison`
writes. Rows are grouped by what makes them comparable (evaluation-set hash and prompt
version): a chart or a ranking never mixes groups. Columns, ranking and charts come from the
metric registry, so the leaderboard agrees with the report on who is first.

Intervals come from each run's ``ci.<metric>`` params (headline metrics, as the tables show them)
or, for runs logged before those existed, from the metrics ``<metric>_ci_low``/``_ci_high``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench.report.tables import headline_cells, headline_headers, status_cell
from workbench.run.files import EVALUATION_FILE, RunDirectoryError, model_directory, read_records
from workbench.scoring.compare import paired_comparisons, rank_label, shared_ranks
from workbench.scoring.registry import interval_of, per_label, primary, ranking_key, value_of
from workbench.scoring.stats import PairedComparison
from workbench.track.mlflow_runs import intervals_from_params
from workbench.track.store import client_for


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
        return (*ranking_key(self.metrics, failed=self.error is not None), -self.started_ms)


def _quote(value: str) -> str:
    return value.replace("'", "\\'")


def leaderboard_entries(*, tracking_uri: str | None = None, evalset: str | None = None,
                        prompt: str | None = None, max_results: int = 1000) -> list[LeaderboardEntry]:
    """Per-model evaluations from MLflow, newest first; ``evalset``/``prompt`` filter by name or ref."""
    client, _ = client_for(tracking_uri)
    experiment_ids = [experiment.experiment_id for experiment in client.search_experiments()]
    if not experiment_ids:
        return []
    conditions = ["tags.`workbench.kind` = 'evaluation'"]
    if evalset:
        conditions.append(f"params.evalset = '{_quote(evalset)}'")
    if prompt:
        conditions.append(f"params.prompt = '{_quote(prompt)}'")
    runs = client.search_runs(experiment_ids, filter_string=" and ".join(conditions),
                              order_by=["attributes.start_time DESC"], max_results=max_results)
    parents: dict[str, Any] = {}
    entries = []
    for run in runs:
        parent_id = run.data.tags.get("mlflow.parentRunId")
        if parent_id and parent_id not in parents:
            parents[parent_id] = client.get_run(parent_id)
        parent = parents.get(parent_id) if parent_id else None
        parent_tags = parent.data.tags if parent is not None else {}
        params = run.data.params
        run_dir = parent_tags.get("workbench.run_dir")
        cases = params.get("evalset_cases")
        entries.append(LeaderboardEntry(
            mlflow_run_id=run.info.run_id, parent_run_id=parent_id,
            run_id=parent_tags.get("workbench.run_id", ""), run_dir=Path(run_dir) if run_dir else None,
            started_ms=int(run.info.start_time or 0), model=params.get("model", run.info.run_name or ""),
            evalset=params.get("evalset", ""), evalset_version=params.get("evalset_version", ""),
            evalset_hash=params.get("evalset_hash", ""), prompt=params.get("prompt", ""),
            prompt_uri=params.get("prompt_uri", ""), cases=int(cases) if cases and cases.isdigit() else None,
            error=run.data.tags.get("error"), metrics=entry_metrics(run.data.metrics, params),
        ))
    return entries


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


def leaderboard_headers() -> list[str]:
    return ["group", "rank", "model", "run", "cases", *headline_headers(), "status"]


def ranked_rows(entries: list[LeaderboardEntry]) -> list[list[str]]:
    """One table row per entry; within a comparable group ranked by the registry's one ranking rule, models that
    no Holm-corrected paired test separates (from the records in their run directories) sharing a rank."""
    groups: dict[str, list[LeaderboardEntry]] = {}
    for entry in entries:
        groups.setdefault(entry.group, []).append(entry)
    rows = []
    for group, members in groups.items():  # groups in order of their newest entry
        ordered = sorted(members, key=LeaderboardEntry.ranking_key)
        labels = {entry.mlflow_run_id: entry_label(entry, ordered) for entry in ordered}
        ranks = shared_ranks([(labels[e.mlflow_run_id], e.ranking_key()[:-1]) for e in ordered],
                             _comparisons(ordered, labels))
        for entry in ordered:
            label = labels[entry.mlflow_run_id]
            rows.append([group, rank_label(ranks[label], ranks), entry.model, entry.run_id,
                         "-" if entry.cases is None else str(entry.cases), *headline_cells(entry.metrics),
                         status_cell(entry.error, entry.metrics)])
    return rows


def entry_label(entry: LeaderboardEntry, entries: list[LeaderboardEntry]) -> str:
    """The model's name, or ``model@run`` when the same model appears more than once."""
    repeated = sum(1 for other in entries if other.model == entry.model) > 1
    return f"{entry.model}@{entry.run_id}" if repeated else entry.model


def _comparisons(entries: list[LeaderboardEntry], labels: dict[str, str]) -> list[PairedComparison]:
    """Paired comparisons between the entries whose run directories are still on this machine."""
    available = []
    for entry in entries:
        if entry.run_dir is None or entry.error:
            continue
        try:
            directory = model_directory(entry.run_dir, entry.model)
        except RunDirectoryError:
            continue
        if (directory / EVALUATION_FILE).is_file():
            available.append((labels[entry.mlflow_run_id], directory))
    return paired_comparisons(available) if len(available) >= 2 else []


def newest_group(entries: list[LeaderboardEntry]) -> list[LeaderboardEntry]:
    """The entries of the comparable group that holds the newest entry (what charts draw)."""
    if not entries:
        return []
    group = max(entries, key=lambda e: e.started_ms).group
    return [e for e in entries if e.group == group]


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
