"""The leaderboard: every model evaluation logged to MLflow, with scores, CIs and latency.

Rows come from the nested per-model runs that :func:`workbench.tracking.log_comparison`
writes. Rows are grouped by what makes them comparable (evaluation-set hash and prompt
version): a chart or a ranking never mixes groups.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench.runner import RECORDS_FILE, read_records
from workbench.tracking import _client

SCORE_COLUMNS = ("rougeL", "structure_compliance", "values_kept_rate", "phi_leak_rate")
LATENCY_COLUMNS = ("ttft_p50_s", "e2e_p50_s", "e2e_p95_s", "output_tokens_per_s_p50")
PHI_LABEL_PREFIX = "phi_leak_rate_"


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
        return self.metrics.get(metric)

    def ci(self, metric: str) -> tuple[float | None, float | None]:
        return self.metrics.get(f"{metric}_ci_low"), self.metrics.get(f"{metric}_ci_high")

    def phi_by_label(self) -> dict[str, float]:
        return {key[len(PHI_LABEL_PREFIX):]: value for key, value in self.metrics.items()
                if key.startswith(PHI_LABEL_PREFIX) and not key.endswith(("_ci_low", "_ci_high"))
                and key[len(PHI_LABEL_PREFIX):].isupper()}


def _quote(value: str) -> str:
    return value.replace("'", "\\'")


def leaderboard_entries(*, tracking_uri: str | None = None, evalset: str | None = None,
                        prompt: str | None = None, max_results: int = 1000) -> list[LeaderboardEntry]:
    """Per-model evaluations from MLflow, newest first; ``evalset``/``prompt`` filter by name or ref."""
    client, _ = _client(tracking_uri)
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
            error=run.data.tags.get("error"), metrics=dict(run.data.metrics),
        ))
    return entries


def filter_choices(entries: list[LeaderboardEntry]) -> tuple[list[str], list[str]]:
    """The evaluation sets and prompt versions present, for filter menus."""
    return sorted({e.evalset for e in entries if e.evalset}), sorted({e.prompt for e in entries if e.prompt})


def format_number(value: float | None, digits: int = 3) -> str:
    """A table cell: the number to ``digits`` places, "-" when there is none."""
    return "-" if value is None else f"{value:.{digits}f}"


def format_with_ci(value: float | None, low: float | None, high: float | None) -> str:
    """A table cell: "0.412 [0.380, 0.445]", or the value alone when it has no interval."""
    if value is None:
        return "-"
    return f"{value:.3f} [{low:.3f}, {high:.3f}]" if low is not None and high is not None else f"{value:.3f}"


def _with_ci(entry: LeaderboardEntry, metric: str) -> str:
    return format_with_ci(entry.value(metric), *entry.ci(metric))


LEADERBOARD_HEADERS = ["group", "rank", "model", "run", "cases", "ROUGE-L [95% CI]", "sections", "values kept",
                       "PHI leak [95% CI]", "TTFT p50 s", "e2e p50 s", "e2e p95 s", "tok/s", "status"]


def ranked_rows(entries: list[LeaderboardEntry]) -> list[list[str]]:
    """One table row per entry; within a comparable group ranked by ROUGE-L (higher first), then PHI leak."""
    groups: dict[str, list[LeaderboardEntry]] = {}
    for entry in entries:
        groups.setdefault(entry.group, []).append(entry)
    rows = []
    for group, members in groups.items():  # groups in order of their newest entry
        ranked = sorted(members, key=lambda e: (e.error is not None, -(e.value("rougeL") or -1.0),
                                                 e.value("phi_leak_rate") or 0.0, -e.started_ms))
        for rank, entry in enumerate(ranked, start=1):
            rows.append([
                group, str(rank), entry.model, entry.run_id, "-" if entry.cases is None else str(entry.cases),
                _with_ci(entry, "rougeL"), format_number(entry.value("structure_compliance")),
                format_number(entry.value("values_kept_rate")), _with_ci(entry, "phi_leak_rate"),
                format_number(entry.value("ttft_p50_s"), 2), format_number(entry.value("e2e_p50_s"), 2), format_number(entry.value("e2e_p95_s"), 2),
                format_number(entry.value("output_tokens_per_s_p50"), 1), "error: " + entry.error if entry.error else "ok",
            ])
    return rows


def newest_group(entries: list[LeaderboardEntry]) -> list[LeaderboardEntry]:
    """The entries of the comparable group that holds the newest entry (what charts draw)."""
    if not entries:
        return []
    group = max(entries, key=lambda e: e.started_ms).group
    return [e for e in entries if e.group == group]


def _label(entry: LeaderboardEntry, entries: list[LeaderboardEntry]) -> str:
    repeated = sum(1 for other in entries if other.model == entry.model) > 1
    return f"{entry.model}@{entry.run_id}" if repeated else entry.model


def quality_latency_figure(entries: list[LeaderboardEntry]) -> Any:
    import plotly.graph_objects as go

    usable = [e for e in entries if e.value("rougeL") is not None and e.value("e2e_p95_s") is not None]
    figure = go.Figure()
    for entry in usable:
        low, high = entry.ci("rougeL")
        value = entry.value("rougeL") or 0.0
        figure.add_trace(go.Scatter(
            x=[entry.value("e2e_p95_s")], y=[value], mode="markers+text", text=[_label(entry, usable)],
            textposition="top center", name=_label(entry, usable), cliponaxis=False,
            error_y=None if low is None or high is None else {"type": "data", "symmetric": False,
                                                             "array": [high - value], "arrayminus": [value - low]},
            marker={"size": 12}))
    group = usable[0].group if usable else ""
    figure.update_layout(title=f"Quality vs latency · {group}", xaxis_title="e2e p95 (s), lower is better",
                         yaxis_title="ROUGE-L (95% CI), higher is better", showlegend=False,
                         margin={"l": 60, "r": 20, "t": 50, "b": 50})
    return figure


def phi_by_label_figure(entries: list[LeaderboardEntry]) -> Any:
    import plotly.graph_objects as go

    labels = sorted({label for e in entries for label in e.phi_by_label()})
    figure = go.Figure()
    for entry in entries:
        rates = entry.phi_by_label()
        figure.add_trace(go.Bar(name=_label(entry, entries), x=labels, y=[rates.get(label) for label in labels]))
    group = entries[0].group if entries else ""
    figure.update_layout(title=f"PHI leakage by label · {group}", barmode="group", yaxis_title="share of gold items leaked",
                         yaxis_range=[0, 1.05], margin={"l": 60, "r": 20, "t": 50, "b": 80})
    return figure


def per_case_latencies(entry: LeaderboardEntry) -> dict[str, list[float]]:
    """TTFT and end-to-end seconds of every successful case, read from the model's records in the run
    directory (a case taken from the response cache keeps the timings of the generation that produced it)."""
    if entry.run_dir is None:
        return {}
    ok = [r for r in read_records(entry.run_dir / entry.model / RECORDS_FILE) if not r.get("error")]
    return {"ttft_s": [float(r["ttft_s"]) for r in ok if r.get("ttft_s") is not None],
            "e2e_s": [float(r["e2e_s"]) for r in ok if r.get("e2e_s") is not None]}


def latency_distribution_figure(entries: list[LeaderboardEntry]) -> Any:
    import plotly.graph_objects as go

    figure = go.Figure()
    for entry in entries:
        values = per_case_latencies(entry)
        for metric, title in (("ttft_s", "TTFT"), ("e2e_s", "end-to-end")):
            if values.get(metric):
                figure.add_trace(go.Box(y=values[metric], name=f"{_label(entry, entries)} {title}", boxpoints="all"))
    group = entries[0].group if entries else ""
    figure.update_layout(title=f"Latency per case · {group}", yaxis_title="seconds", showlegend=False,
                         margin={"l": 60, "r": 20, "t": 50, "b": 80})
    return figure
