"""Every metric the workbench reports, declared once.

A :class:`Metric` says what a number is (name, label, one-line definition, unit), which way
is better, whether it carries a bootstrap 95% interval, what kind of evidence it is
(quality, privacy, latency, volume, system, judge) and its default gate. The CLI table, the
report (leaderboard, gates, charts), the UI leaderboard and case view, the MLflow export
and the paired comparisons all read these declarations; none of them names a metric.

A scorer adds its own metrics with :func:`register_scorer`: its per-case values are
averaged over cases with a bootstrap interval and appear in every door without further edits.

The ranking rule is the one order used by the leaderboard, the report and the CLI: see
:func:`ranking_key` and :func:`ranking_rule_text`. What a set asks of a model (its manifest's
``task``) decides which quality metric comes first in it, which default gates apply and which
columns a table shows (:func:`task_rules`): a summary is ranked on ROUGE-L, an ICD-10 coding reply
on the F1 of its codes, and neither is gated on the other's metrics.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from workbench.errors import WorkbenchError
from workbench.scoring.coding import CODING_TASK

if TYPE_CHECKING:
    from workbench.data.evalsets import Case

Direction = Literal["higher", "lower"]
Kind = Literal["quality", "privacy", "latency", "volume", "system", "judge"]
# How the evaluation-level value is made: the mean of the per-case value of the same name
# ("mean", bootstrap CI over cases), a ratio of sums computed by its scorer ("ratio"), or a
# figure of the whole run such as a latency percentile or a count ("run").
Aggregation = Literal["mean", "ratio", "run"]
MEASURE_UNITS = ("s", "ms", "MB", "%")  # units named in headings; counts, fractions and rates speak for themselves


class MetricError(WorkbenchError, ValueError):
    """An unknown metric name, or a metric or scorer declared twice."""


@dataclass(frozen=True)
class Gate:
    """A pass/fail bound on one metric's evaluation-level value."""

    metric: str
    min: float | None = None
    max: float | None = None

    def passes(self, value: float | None) -> bool:
        return value is not None and (self.min is None or value >= self.min) and (self.max is None or value <= self.max)

    def describe(self) -> str:
        parts = []
        if self.min is not None:
            parts.append(f"{self.metric} ≥ {self.min:g}")
        if self.max is not None:
            parts.append(f"{self.metric} ≤ {self.max:g}")
        return " and ".join(parts)


@dataclass(frozen=True)
class Metric:
    name: str
    label: str
    definition: str
    unit: str
    direction: Direction | None  # None: a figure to read, not to rank on
    kind: Kind
    aggregation: Aggregation = "mean"
    interval: bool = False  # reported with a bootstrap 95% CI (keys from :func:`ci_keys`)
    gate: Gate | None = None  # the default gate of the model-selection report
    paired: bool = False  # compared case by case between models (paired t-test and interval, Holm-adjusted)
    headline: bool = False  # a column of the summary tables (CLI, UI leaderboard, report leaderboard)
    by_label: bool = False  # also reported per PHI label as ``<name>_<LABEL>``
    per_case_display: bool = False  # shown next to each output in the case view
    digits: int = 3
    # The one task whose replies this metric scores (e.g. "coding"); None: any task's output text.
    task: str | None = None

    @property
    def arrow(self) -> str:
        return {"higher": "↑", "lower": "↓", None: ""}[self.direction]

    @property
    def heading(self) -> str:
        """A table heading: label, the unit where it is a measure (seconds, MB, %), and direction."""
        unit = f" ({self.unit})" if self.unit in MEASURE_UNITS else ""
        return f"{self.label}{unit} {self.arrow}".strip()

    def better(self, a: float, b: float) -> bool:
        return a > b if self.direction == "higher" else a < b

    def format(self, value: Any) -> str:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return "-"
        if isinstance(value, bool) or (self.unit == "count" and float(value).is_integer()):
            return str(int(value))  # a whole count reads as one ("9", not "9.000"), however it was stored
        return f"{float(value):.{self.digits}f}"


def ci_keys(name: str) -> tuple[str, str]:
    """Where a metric's 95% interval is stored beside its value."""
    return f"{name}_ci_low", f"{name}_ci_high"


def label_key(name: str, label: str) -> str:
    """The per-label key of a ``by_label`` metric, e.g. the leak rate of NAME items."""
    return f"{name}_{label}"


@dataclass(frozen=True)
class CaseContext:
    """What a scorer sees for one case: the case, the output to score, the set's required sections."""

    case: "Case"
    output: str
    required_sections: tuple[str, ...]


@dataclass(frozen=True)
class Scorer:
    """A scoring function and the metrics it reports. ``score`` returns per-case values keyed by
    metric name (None where the metric does not apply to the case); other keys are details kept
    in the case's scores but not aggregated."""

    name: str
    metrics: tuple[Metric, ...]
    score: Callable[[CaseContext], dict[str, Any]]


_METRICS: dict[str, Metric] = {}
_SCORERS: dict[str, Scorer] = {}


def register_metric(metric: Metric, *, replace: bool = False) -> Metric:
    if metric.name in _METRICS and not replace and _METRICS[metric.name] != metric:
        raise MetricError(f"metric '{metric.name}' is already declared")
    _METRICS[metric.name] = metric
    return metric


def register_scorer(scorer: Scorer, *, replace: bool = False) -> Scorer:
    """Add a scorer: its metrics join the registry and every run scores every case with it."""
    if scorer.name in _SCORERS and not replace:
        raise MetricError(f"scorer '{scorer.name}' is already registered")
    for metric in scorer.metrics:
        register_metric(metric, replace=replace)
    _SCORERS[scorer.name] = scorer
    return scorer


def unregister_scorer(name: str) -> None:
    scorer = _SCORERS.pop(name, None)
    for metric in scorer.metrics if scorer else ():
        _METRICS.pop(metric.name, None)


def extra_scorers() -> list[Scorer]:
    """Scorers added with :func:`register_scorer`, in registration order."""
    return list(_SCORERS.values())


def metric(name: str) -> Metric:
    try:
        return _METRICS[name]
    except KeyError:
        raise MetricError(f"unknown metric '{name}'; known metrics: {', '.join(sorted(_METRICS))}") from None


def is_metric(name: str) -> bool:
    return name in _METRICS


def all_metrics() -> list[Metric]:
    return list(_METRICS.values())


def metrics_where(*, kind: Kind | None = None, headline: bool | None = None, aggregation: Aggregation | None = None,
                  paired: bool | None = None, per_case_display: bool | None = None) -> list[Metric]:
    """Declared metrics matching every given property, in declaration order."""
    found = []
    for item in _METRICS.values():
        if kind is not None and item.kind != kind:
            continue
        if headline is not None and item.headline != headline:
            continue
        if aggregation is not None and item.aggregation != aggregation:
            continue
        if paired is not None and item.paired != paired:
            continue
        if per_case_display is not None and item.per_case_display != per_case_display:
            continue
        found.append(item)
    return found


HEADLINE_KIND_ORDER: tuple[Kind, ...] = ("volume", "quality", "privacy", "latency", "system", "judge")


def headline_metrics(tasks: Iterable[str | None] | None = None) -> list[Metric]:
    """The columns of the summary tables (CLI, UI leaderboard, report, MLflow): the headline metrics that score the
    replies of any of ``tasks`` (all of them when None), failures first, then quality, privacy and latency."""
    wanted = None if tasks is None else set(tasks)
    found = [item for item in metrics_where(headline=True)
             if wanted is None or any(applies_to(item, task) for task in wanted)]
    return sorted(found, key=lambda item: HEADLINE_KIND_ORDER.index(item.kind))


def default_gates(task: str | None = None) -> list[Gate]:
    """The registry's default gates of the metrics that score ``task``'s replies (None: a summary's)."""
    return [item.gate for item in _METRICS.values() if item.gate is not None and applies_to(item, task)]


def number(value: Any) -> float | None:
    """A metric value as a float; None for missing, non-numeric or NaN."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return None if math.isnan(float(value)) else float(value)


def value_of(metrics: Mapping[str, Any], name: str) -> float | None:
    return number(metrics.get(name))


def interval_of(metrics: Mapping[str, Any], name: str) -> tuple[float | None, float | None]:
    low, high = ci_keys(name)
    return number(metrics.get(low)), number(metrics.get(high))


def format_with_ci(metrics: Mapping[str, Any], name: str) -> str:
    """"0.412 [0.380, 0.445]", or the value alone when it has no interval; "-" when missing."""
    declared = metric(name)
    value = value_of(metrics, name)
    low, high = interval_of(metrics, name)
    if value is None:
        return "-"
    if declared.interval and low is not None and high is not None:
        return f"{declared.format(value)} [{declared.format(low)}, {declared.format(high)}]"
    return declared.format(value)


def per_label(metrics: Mapping[str, Any], name: str) -> dict[str, float]:
    """``{LABEL: value}`` of a ``by_label`` metric, read from flat keys ``<name>_<LABEL>``."""
    prefix = label_key(name, "")
    low, high = ci_keys("")
    found = {}
    for key, value in metrics.items():
        label = key[len(prefix):] if key.startswith(prefix) else ""
        if label and label.isupper() and not key.endswith((low, high)) and number(value) is not None:
            found[label] = float(value)
    return found


def flat_metrics(metrics: Mapping[str, Any]) -> dict[str, float]:
    """Every declared metric's value, interval and per-label values as ``{key: float}`` (for MLflow and tables)."""
    flat: dict[str, float] = {}
    for item in _METRICS.values():
        value = value_of(metrics, item.name)
        if value is not None:
            flat[item.name] = value
        if item.interval:
            for key, bound in zip(ci_keys(item.name), interval_of(metrics, item.name)):
                if bound is not None:
                    flat[key] = bound
        if item.by_label:
            for label, rate in per_label(metrics, item.name).items():
                flat[label_key(item.name, label)] = rate
                for key in ci_keys(label_key(item.name, label)):
                    if number(metrics.get(key)) is not None:
                        flat[key] = float(metrics[key])
    return flat


# --- the primary metrics and the one ranking rule -----------------------------------------

PRIMARY: dict[Kind, str] = {"quality": "rougeL", "privacy": "phi_leak_rate", "latency": "e2e_p95_s"}


@dataclass(frozen=True)
class TaskRules:
    """What a set's task makes of the registry: its primary quality metric, and whether the metrics of output text
    (ROUGE, sections, values: those declared without a ``task``) score its replies. Privacy and latency are the
    same for every task."""

    quality: str
    text_quality: bool = True


SUMMARY_TASK = "summary"  # the task of the shipped summary sets
SUMMARY_RULES = TaskRules(quality=PRIMARY["quality"])
# Tasks with rules of their own; any other task (summary, phi-detection, a user's own) follows SUMMARY_RULES.
# A coding reply is a function call: ranked on the exact-code F1 against the gold codes, never on ROUGE.
TASK_RULES: dict[str, TaskRules] = {CODING_TASK: TaskRules(quality="coding_f1", text_quality=False)}


def task_rules(task: str | None) -> TaskRules:
    """The rules of ``task`` (None, for files written before the task was recorded, and unknown tasks: a summary)."""
    return TASK_RULES.get(task or "", SUMMARY_RULES)


def applies_to(item: Metric, task: str | None) -> bool:
    """Whether metric ``item`` scores the replies of ``task`` (None: a summary): its own task's metrics, and metrics
    of no task unless they are text-quality metrics and the task's replies are not text to score as such."""
    if item.task is not None:
        return item.task == task
    return item.kind != "quality" or task_rules(task).text_quality


def primary(kind: Kind, task: str | None = None) -> Metric:
    """The primary metric of ``kind`` for ``task`` (the quality metric depends on the task)."""
    return metric(task_rules(task).quality if kind == "quality" else PRIMARY[kind])


def ranking(task: str | None = None) -> tuple[str, ...]:
    """The ranking rule of ``task``: the share of failed cases (none first), then the task's primary quality
    metric, then PHI leakage, then tail latency; an evaluation that could not run at all comes last."""
    return ("failure_rate", task_rules(task).quality, PRIMARY["privacy"], PRIMARY["latency"])


def ranking_key(metrics: Mapping[str, Any], *, failed: bool = False, task: str | None = None) -> tuple[float, ...]:
    """Sort key (ascending = better first) of the ranking rule of ``task``; missing values sort last."""
    key: list[float] = [1.0 if failed else 0.0]
    for name in ranking(task):
        declared = metric(name)
        value = value_of(metrics, name)
        if value is None:
            key.append(math.inf)
        else:
            key.append(-value if declared.direction == "higher" else value)
    return tuple(key)


def ranking_rule_text(task: str | None = None) -> str:
    parts = [f"{metric(name).label} ({'higher' if metric(name).direction == 'higher' else 'lower'} first)"
             for name in ranking(task)]
    return "ranked by " + ", then ".join(parts) + "; evaluations that could not run last"


# --- the declarations ----------------------------------------------------------------------

def _declare(*metrics: Metric) -> None:
    for item in metrics:
        register_metric(item)


_declare(
    Metric("failure_rate", "Failures", "share of cases whose generation failed (an error, or a stream cut short); "
           "failed cases are left out of every quality and PHI score", "fraction", "lower", "volume",
           aggregation="run", interval=True, gate=Gate("failure_rate", max=0.0), headline=True),
    Metric("rouge1", "ROUGE-1", "F-measure of unigram overlap with the reference (rouge-score tokens; one token per "
           "Han character for Chinese)", "F-measure", "higher", "quality", interval=True, per_case_display=True),
    Metric("rouge2", "ROUGE-2", "F-measure of bigram overlap with the reference", "F-measure", "higher", "quality",
           interval=True),
    Metric("rougeL", "ROUGE-L", "F-measure of the longest common subsequence with the reference", "F-measure",
           "higher", "quality", interval=True, gate=Gate("rougeL", min=0.3), paired=True, headline=True,
           per_case_display=True),
    Metric("rougeLsum", "ROUGE-Lsum", "ROUGE-L over sentences/lines (union LCS), as rouge-score computes it",
           "F-measure", "higher", "quality", interval=True, paired=True),
    Metric("rougeL_by_section", "ROUGE-L per section", "ROUGE-L between the reference's and the output's text "
           "under each required heading, averaged over the reference's sections (a missing section scores 0)",
           "F-measure", "higher", "quality", interval=True, paired=True),
    Metric("structure_compliance", "Sections", "share of the set's required section headings present (as headings)",
           "fraction", "higher", "quality", interval=True, gate=Gate("structure_compliance", min=0.9), paired=True,
           headline=True, per_case_display=True),
    Metric("structure_ok", "All sections", "share of outputs with every required section present, non-empty and "
           "in order", "fraction", "higher", "quality", interval=True),
    Metric("values_kept_rate", "Values kept", "share of the reference's clinical values (number + unit) found in "
           "the output", "fraction", "higher", "quality", interval=True, paired=True, headline=True,
           per_case_display=True),
    Metric("values_invented_rate", "Values invented", "share of the output's clinical values found in neither "
           "the reference nor the source", "fraction", "lower", "quality", interval=True, per_case_display=True),
    Metric("plausibility_flagged", "Implausible", "share of outputs with an implausible value or empty output",
           "fraction", "lower", "quality", interval=True),
    Metric("compression_ratio", "Compression", "output length over source length, in characters", "ratio", None,
           "quality", interval=True),
    Metric("phi_leak_rate", "PHI leak", "share of distinct gold PHI items of the source that reappear in the output",
           "fraction", "lower", "privacy", aggregation="ratio", interval=True, gate=Gate("phi_leak_rate", max=0.0),
           headline=True, by_label=True),
    Metric("phi_case_leak_rate", "PHI leak (case)", "per case: share of its gold PHI items in the output",
           "fraction", "lower", "privacy", interval=True, paired=True, per_case_display=True),
    Metric("phi_mention_leak_rate", "PHI leak (mentions)", "share of gold PHI mentions whose item reappears",
           "fraction", "lower", "privacy", aggregation="ratio", interval=True),
    Metric("phi_document_leak_rate", "PHI leak (documents)", "share of cases with gold PHI where any item leaks",
           "fraction", "lower", "privacy", aggregation="ratio", interval=True),
    Metric("phi_any_leak", "Any PHI leak", "per case: 1 when any gold PHI item reappears", "fraction", "lower",
           "privacy", interval=True),
    Metric("phi_leaked_items", "PHI items leaked", "gold PHI items found in outputs, summed over cases", "count",
           "lower", "privacy", aggregation="ratio", per_case_display=True),
    Metric("phi_items", "PHI items", "distinct gold PHI items in the sources, summed over cases", "count", None,
           "privacy", aggregation="ratio"),
    Metric("phi_partial_leaks", "PHI partial leaks", "leaked items found only in part (a name's surname, digits of "
           "an identifier)", "count", "lower", "privacy", aggregation="ratio"),
    Metric("phi_detected_copied", "PHI copied (detector)", "identifiers the detector finds in the output that are "
           "also in the source, per case", "count", "lower", "privacy", interval=True, per_case_display=True),
    Metric("phi_detected_invented", "PHI invented (detector)", "identifiers the detector finds in the output but "
           "not in the source, per case", "count", "lower", "privacy", interval=True, per_case_display=True),
    Metric("phi_invented_any", "Any PHI invented", "share of outputs with an identifier not in the source",
           "fraction", "lower", "privacy", interval=True),
    Metric("ttft_p50_s", "TTFT p50", "median time to the first token", "s", "lower", "latency", aggregation="run",
           headline=True, digits=2),
    Metric("e2e_p50_s", "e2e p50", "median end-to-end time of a request", "s", "lower", "latency",
           aggregation="run", headline=True, digits=2),
    Metric("e2e_p95_s", "e2e p95", "95th percentile of end-to-end time", "s", "lower", "latency",
           aggregation="run", gate=Gate("e2e_p95_s", max=30.0), headline=True, digits=2),
    Metric("output_tokens_per_s_p50", "tok/s", "median per-request output rate: completion tokens over "
           "end-to-end seconds", "tokens/s", "higher", "latency", aggregation="run", headline=True, digits=1),
    Metric("e2e_s", "e2e", "per case: end-to-end seconds of the request", "s", "lower", "latency",
           aggregation="run", paired=True, digits=2),
)
# Records longer than the model's context (``workbench.run.long_records``): the outputs a chunked case wrote before
# its final summary are looked at too, and the run says how many cases did not fit and what was done.
_declare(
    Metric("phi_intermediate_leak_rate", "PHI leak (chunk outputs)", "per chunked case: share of its gold PHI items "
           "found in any output written before the final summary (chunk summaries, summaries so far); cases sent "
           "whole or truncated have none", "fraction", "lower", "privacy", interval=True, per_case_display=True),
    Metric("phi_intermediate_any_leak", "Any PHI leak (chunk outputs)", "per chunked case: 1 when any gold PHI item "
           "is found in an output written before the final summary", "fraction", "lower", "privacy", interval=True),
    Metric("values_intermediate_invented", "Values invented (chunk outputs)", "per chunked case: distinct clinical "
           "values in the outputs written before the final summary that the note does not hold", "count", "lower",
           "quality", interval=True),
    Metric("long_records_over_context", "Over context", "cases whose prompt and max_tokens did not fit the model's "
           "context (refused, truncated or chunked)", "count", None, "volume", aggregation="run"),
    Metric("long_records_cut_share", "Share cut", "mean over truncated cases of the share of the note's tokens left "
           "out", "fraction", None, "volume", aggregation="run"),
    Metric("long_records_calls_mean", "Calls per chunked case", "mean model calls of a chunked case (chunks, "
           "reduce calls)", "calls", None, "volume", aggregation="run", digits=1),
)
# What the report shows of each model's records over the context (the first is the count that makes them shown).
LONG_RECORD_FIGURES: tuple[str, ...] = ("long_records_over_context", "long_records_cut_share", "long_records_calls_mean",
                                        "phi_intermediate_leak_rate")
# Standard diagnosis terms in a summary (``workbench.scoring.diagnosis_terms``), and ICD-10 coding through a function
# call on coding sets (``workbench.scoring.coding``): a reply without a valid call codes nothing and scores 0.
_declare(
    Metric("diagnosis_terms_rate", "Standard terms", "share of the diagnoses in the output's assessment section that "
           "name an ICD-10 category (its title or a listed synonym); abbreviations and colloquial names do not",
           "fraction", "higher", "quality", interval=True, per_case_display=True),
    Metric("coding_called", "Coding: called", "share of replies that hold a function call (a reply without one "
           "counts 0)", "fraction", "higher", "quality", interval=True, task=CODING_TASK),
    Metric("coding_valid_call", "Coding: valid call", "share of replies whose calls are all calls of "
           "record_diagnoses with JSON arguments that match its schema (no call, invalid JSON, a wrong schema or "
           "another tool count 0)", "fraction", "higher", "quality", interval=True, per_case_display=True,
           task=CODING_TASK, gate=Gate("coding_valid_call", min=0.9), headline=True),
    Metric("coding_code_valid_rate", "Coding: codes valid", "share of the codes of valid calls that the set's code "
           "system holds (ICD-10-CM, or WHO ICD-10 with national clinical edition codes read as the WHO code they "
           "extend)", "fraction", "higher", "quality", interval=True, task=CODING_TASK),
    Metric("coding_precision", "Coding precision", "share of the distinct codes given that are gold codes, exact "
           "code", "fraction", "higher", "quality", interval=True, task=CODING_TASK),
    Metric("coding_recall", "Coding recall", "share of the gold codes given, exact code", "fraction", "higher",
           "quality", interval=True, task=CODING_TASK),
    Metric("coding_f1", "Coding F1", "harmonic mean of coding precision and recall, exact code", "F-measure",
           "higher", "quality", interval=True, paired=True, per_case_display=True, task=CODING_TASK, headline=True),
    Metric("coding_category_precision", "Coding precision (category)", "coding precision with codes compared by "
           "their three-character category", "fraction", "higher", "quality", interval=True, task=CODING_TASK),
    Metric("coding_category_recall", "Coding recall (category)", "coding recall with codes compared by their "
           "three-character category", "fraction", "higher", "quality", interval=True, task=CODING_TASK),
    Metric("coding_category_f1", "Coding F1 (category)", "coding F1 with codes compared by their three-character "
           "category", "F-measure", "higher", "quality", interval=True, paired=True, per_case_display=True,
           task=CODING_TASK, headline=True),
    Metric("coding_primary_accuracy", "Primary diagnosis", "share of replies whose one code marked primary is the "
           "gold primary code (none, several or a wrong one count 0)", "fraction", "higher", "quality",
           interval=True, per_case_display=True, task=CODING_TASK, headline=True),
)
# A guard model's verdicts on the outputs (``workbench guard``): the latest guard of the evaluation; each guard's
# own figures stay in its guard-<guard>.json. Intervals are 95% Wilson intervals of the shares.
_declare(
    Metric("guard_unsafe_rate", "Guard: unsafe", "share of audited outputs a guard model judged unsafe (they would "
           "be blocked)", "fraction", "lower", "judge", aggregation="run", interval=True),
    Metric("guard_review_rate", "Guard: to review", "share of audited outputs a guard judged controversial or whose "
           "verdict could not be read (they would go to a person)", "fraction", "lower", "judge", aggregation="run",
           interval=True),
    Metric("guard_pii_rate", "Guard: PII", "share of audited outputs a guard judged not safe for personal "
           "identifiers (category PII)", "fraction", "lower", "judge", aggregation="run", interval=True),
    Metric("guard_unparsed_rate", "Guard: unparsed", "share of the guard's replies that did not follow its format "
           "(counted, never guessed)", "fraction", None, "judge", aggregation="run", interval=True),
    Metric("guard_gold_kappa", "Guard vs gold κ", "Cohen's κ between the guard naming PII and a gold identifier "
           "being copied, on cases with gold spans (a figure about the guard)", "kappa", None, "judge",
           aggregation="run"),
    Metric("guard_p50_s", "Guard p50", "median seconds of one guard verdict", "s", None, "judge", aggregation="run",
           digits=2),
    Metric("guard_p95_s", "Guard p95", "95th percentile of seconds of one guard verdict", "s", None, "judge",
           aggregation="run", digits=2),
)
# A judge model's rubric grading (``workbench judge``): the latest judge of the evaluation; each judge's figures
# stay in its judge-<judge>.json. The score's interval is a bootstrap over outputs.
_declare(
    Metric("judge_rubric_score", "Judge: rubric", "mean over outputs of the rubric score a judge model gave: points "
           "of criteria met, less points of must-not criteria met, over the points possible (0 to 1)", "fraction",
           "higher", "judge", aggregation="run", interval=True),
    Metric("judge_unparsed_rate", "Judge: unparsed", "share of the judge's verdicts that could not be read (left out "
           "of the score, counted)", "fraction", None, "judge", aggregation="run"),
    Metric("judge_p50_s", "Judge p50", "median seconds of one rubric verdict", "s", None, "judge", aggregation="run",
           digits=2),
)
for _name, _label, _what in (("ttft", "TTFT", "time to the first token"),
                             ("ttfc", "TTFC", "time to the first content token (after any reasoning)"),
                             ("tpot", "TPOT", "time per output token after the first"),
                             ("itl", "ITL", "gap between consecutive streamed chunks"),
                             ("e2e", "e2e", "end-to-end time of a request")):
    for _q in (50, 90, 99):
        if not is_metric(f"{_name}_p{_q}_s"):
            register_metric(Metric(f"{_name}_p{_q}_s", f"{_label} p{_q}", f"{_q}th percentile of {_what}", "s",
                                   "lower", "latency", aggregation="run", digits=3))
_declare(
    Metric("output_throughput_tok_s", "Output throughput", "completion tokens over the generation phase's wall "
           "time (only when no case came from the cache)", "tokens/s", "higher", "latency", aggregation="run",
           digits=1),
    Metric("request_throughput_req_s", "Request throughput", "successful requests over the generation phase's "
           "wall time", "requests/s", "higher", "latency", aggregation="run", digits=2),
    Metric("prompt_tokens_mean", "Prompt tokens", "mean prompt tokens per request", "tokens", None, "volume",
           aggregation="run", digits=1),
    Metric("completion_tokens_mean", "Completion tokens", "mean completion tokens per request", "tokens", None,
           "volume", aggregation="run", digits=1),
    Metric("cases", "Cases", "cases with a record", "count", None, "volume", aggregation="run"),
    Metric("failures", "Failures", "cases whose generation failed", "count", "lower", "volume", aggregation="run"),
    Metric("cached", "Cached", "cases taken from the response cache", "count", None, "volume", aggregation="run"),
    Metric("concurrency", "Concurrency", "requests in flight at once", "count", None, "volume", aggregation="run"),
    Metric("warmup_requests", "Warm-up requests", "requests sent before timing started", "count", None, "volume",
           aggregation="run"),
    Metric("scored_cases", "Scored cases", "cases with scores", "count", None, "volume", aggregation="run"),
)
SYSTEM_SERIES = (("cpu_percent", "CPU", "%"), ("process_cpu_percent", "process CPU", "%"),
                 ("process_rss_mb", "process RSS", "MB"), ("memory_used_percent", "memory used", "%"),
                 ("gpu_memory_used_mb", "GPU memory", "MB"), ("gpu_utilization_percent", "GPU utilisation", "%"))
for _series, _label, _unit in SYSTEM_SERIES:
    for _stat in ("mean", "max"):
        register_metric(Metric(f"system_{_series}_{_stat}", f"{_label} {_stat}", f"{_stat} of {_label} sampled "
                               "once a second during generation", _unit, None, "system", aggregation="run", digits=1))
