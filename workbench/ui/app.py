"""The browser workbench for clinical informaticists: run, leaderboard, cases, prompts, review, playground.

A thin layer: every handler calls ``workbench`` (api, leaderboard, run_cases, playground,
tracking) and only formats what comes back for Gradio components. Model work goes through
one first-come-first-served queue per device; every action is written to the audit log
(hashes of inputs, never their text).
"""

from __future__ import annotations

import getpass
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

from workbench.privacy.egress import apply_privacy_environment

apply_privacy_environment()  # GRADIO_ANALYTICS_ENABLED=False before gradio is imported

import gradio as gr  # noqa: E402
import yaml  # noqa: E402

from workbench import api  # noqa: E402
from workbench.privacy.audit import AuditLog  # noqa: E402
from workbench.judges.judge_run import judged_item  # noqa: E402
from workbench.run.run_cases import RunCases, highlighted, load_run_cases  # noqa: E402
from workbench.run.device_queue import DeviceQueues, device_key  # noqa: E402
from workbench.data.evalset_tools import list_evalsets  # noqa: E402
from workbench.data.evalsets import load_evalset  # noqa: E402
from workbench.report.tables import headline_cells, headline_headers, status_cell  # noqa: E402
from workbench.run.files import list_run_dirs  # noqa: E402
from workbench.scoring.registry import is_metric, metric  # noqa: E402
from workbench.report.figures import (  # noqa: E402
    latency_distribution_figure, phi_by_label_figure, quality_latency_figure,
)
from workbench.track.leaderboard import (  # noqa: E402
    filter_choices, format_number, group_size, leaderboard_entries, leaderboard_headers, newest_group, ranked_rows,
)
from workbench.models import unavailable_reason  # noqa: E402
from workbench.models.spec import ModelSpec  # noqa: E402
from workbench.run.playground import gold_spans, guess_language, run_playground, save_as_case, source_phi  # noqa: E402
from workbench.data.prompts import PromptTemplate, get_prompt, language_mismatch, load_prompts  # noqa: E402
from workbench.run.files import RunDirectoryError  # noqa: E402
from workbench.run.long_records import DEFAULT_STRATEGY  # noqa: E402
from workbench.safe_names import UnsafeNameError, check_safe_name, safe_child  # noqa: E402
from workbench.ui.access import Credentials, LoginGuard  # noqa: E402
from workbench.ui.chunk_view import CHUNK_CSS, long_record_html  # noqa: E402
from workbench.ui.escape import markdown_text  # noqa: E402
from workbench.ui.long_record_options import (  # noqa: E402
    CHUNK_OVERLAP_LABEL, CHUNK_TOKENS_LABEL, STRATEGY_INFO, STRATEGY_LABEL, settings_from_form, strategy_choices,
    uses_chunks,
)
from workbench.ui import compare_view, review_view  # noqa: E402
from workbench.ui.run_links import (  # noqa: E402
    DEFAULT_MLFLOW_UI_URL, FinishedRun, build_run_report, export_leaderboard, export_runs, links_html,
)
from workbench.run.batch import LanguageMismatchError, plan_sets  # noqa: E402
from workbench.ui.page_style import MONO_FONTS, PAGE_CSS, SANS_FONTS  # noqa: E402
from workbench.ui.playground_view import (  # noqa: E402
    UPDATES_PER_S, StreamedText, flag_view, result_columns, streaming_columns,
)
from workbench.ui.prompt_editor import (  # noqa: E402
    DIFF_CSS, check_edit, diff_html, edited_fields, editable_text, preview,
)

MAX_MODEL_SLOTS = 6  # outputs shown side by side in the Cases and Playground tabs
SET_DEFAULT_PROMPT = "(the set's default prompt)"
ALL = "(all)"


@dataclass
class UIConfig:
    runs_dir: Path
    tracking_uri: str
    audit: AuditLog
    catalogue: list[Path] | None = None
    prompts_dir: list[Path] | None = None
    saved_cases_dir: Path = Path("evalsets")
    allow_remote_endpoint: bool = False
    credentials: Credentials | None = None
    mlflow_ui_url: str = DEFAULT_MLFLOW_UI_URL  # where finished runs link to their MLflow run
    review_admins: tuple[str, ...] = ()  # users who create review tasks, reveal models and log reviews (review_view)
    queues: DeviceQueues = field(default_factory=DeviceQueues)
    cancel_events: dict[str, threading.Event] = field(default_factory=dict)
    _detector: Any = None

    def detector(self) -> Any:
        if self._detector is None:
            from workbench.scoring.phi_detector import PHIDetector

            self._detector = PHIDetector()
        return self._detector


def _user(request: gr.Request | None) -> str:
    name = getattr(request, "username", None) if request is not None else None
    return name or f"local:{getpass.getuser()}"


def _session(request: gr.Request | None) -> str:
    return (getattr(request, "session_hash", None) or "default") if request is not None else "default"


def _positive(value: float | None) -> int | None:
    """A blank number field arrives as None or 0: both mean "not set"."""
    return int(value) if value and value > 0 else None


# The tasks of the sets a table shows decide its metric columns (a summary's until a run says otherwise).
SUMMARY_COLUMNS: tuple[str | None, ...] = (None,)


def result_headers(tasks: Sequence[str | None] = SUMMARY_COLUMNS) -> list[str]:
    return ["set", "model", "cases", "cached", *headline_headers(tasks), "status"]


def _column_widths(headers: list[str], fixed: dict[str, float]) -> list[str]:
    """Column widths in percent of the table, so that every column (status and PHI leak included) fits a
    1400 px window: the named columns get their share, the metric columns split the rest, wider where they
    carry an interval."""
    rest = 100 - sum(fixed.values())
    weights = {header: (1.6 if "CI" in header else 1.0) for header in headers if header not in fixed}
    total = sum(weights.values()) or 1
    return [f"{fixed[header] if header in fixed else rest * weights[header] / total:.2f}%" for header in headers]


def result_column_widths(tasks: Sequence[str | None] = SUMMARY_COLUMNS) -> list[str]:
    return _column_widths(result_headers(tasks), {"set": 7, "model": 8, "cases": 5, "cached": 6, "status": 8})


def leaderboard_column_widths(entries: list[Any] | None = None) -> list[str]:
    return _column_widths(leaderboard_headers(entries), {"group": 11, "rank": 4.5, "model": 7, "run": 8, "cases": 5,
                                                         "status": 5})


def result_tasks(results: list[api.EvaluationResult]) -> list[str | None]:
    """The tasks of the finished sets, whose headline metrics are the result table's columns."""
    return list(dict.fromkeys(result.task for result in results)) or list(SUMMARY_COLUMNS)


def table_update(rows: list[list[str]], headers: list[str], widths: list[str]) -> Any:
    """A table's new rows with the columns they were made for (a coding set's differ from a summary set's)."""
    import pandas as pd

    return gr.update(value=pd.DataFrame(rows, columns=headers), headers=headers, column_widths=widths)


def result_rows(result: api.EvaluationResult, tasks: Sequence[str | None] | None = None) -> list[list[str]]:
    """The finished run's table, columns from the metric registry's headline metrics of ``tasks`` (default: the
    set's), rows in ranking order (failed cases are in the Failures column and the status)."""
    columns = [result.task] if tasks is None else tasks
    return [[result.evalset, evaluation.model,
             *[str(evaluation.metrics.get(name, "-")) for name in ("cases", "cached")],
             *headline_cells(evaluation.metrics, columns), status_cell(evaluation.error, evaluation.metrics)]
            for evaluation in result.ranked()]


# --- choices ---------------------------------------------------------------------------------


def model_label(name: str, reason: str | None) -> str:
    """What a model's checkbox says: its name, and why this machine cannot run it when it cannot."""
    return name if reason is None else f"{name} — cannot run here: {reason}"


def model_choices(config: UIConfig) -> list[tuple[str, str]]:
    """The catalogue's models as (label, name) pairs: a model this machine cannot run is offered with the reason."""
    return [(model_label(name, unavailable_reason(entry.spec)), name)
            for name, entry in sorted(api.load_catalogue(config.catalogue).items())]


def unrunnable(specs: list[ModelSpec]) -> str | None:
    """Why some of the chosen models cannot run on this machine, one clause per model (escaped for the page);
    None when all of them can."""
    reasons = {spec.name: unavailable_reason(spec) for spec in specs}
    refused = [f"{markdown_text(name)} cannot run here: {markdown_text(reason)}"
               for name, reason in reasons.items() if reason is not None]
    return "; ".join(refused) if refused else None


def evalset_choices() -> list[str]:
    return [listing.name for listing in list_evalsets() if listing.problem is None]


def prompt_choices(config: UIConfig) -> list[str]:
    """File prompt versions, then registry versions and aliases."""
    choices = [SET_DEFAULT_PROMPT]
    for name, versions in sorted(load_prompts(config.prompts_dir).items()):
        choices.extend(f"{name}@{number}" for number in sorted(versions))
    try:
        from workbench.track.prompt_registry import list_registry_prompts

        for version in list_registry_prompts(tracking_uri=config.tracking_uri):
            choices.append(version.uri)
            choices.extend(f"prompts:/{version.name}@{alias}" for alias in version.aliases)
    except Exception:  # an unreachable tracking server must not stop the UI; files still work
        pass
    return choices


def evalset_list(current: str | list[str] | None) -> Any:
    """The evaluation-set dropdown as the search path holds it now; ``current`` stays chosen while it is listed.
    The Run tab's set choice is a multiselect: given a list, the sets still listed stay chosen."""
    choices = evalset_choices()
    fallback = "smoke-en" if "smoke-en" in choices else None
    if isinstance(current, list):
        kept = [name for name in current if name in choices]
        return gr.update(choices=choices, value=kept or ([fallback] if fallback else []))
    return gr.update(choices=choices, value=current if current in choices else fallback)


def prompt_list(config: UIConfig, current: str | None) -> Any:
    """A prompt dropdown as the prompt files and the registry hold them now (new versions, new aliases);
    ``current`` stays chosen while it is offered."""
    choices = prompt_choices(config)
    return gr.update(choices=choices, value=current if current in choices else SET_DEFAULT_PROMPT)


@dataclass
class DeviceJob:
    """Model work on a background thread, started once the devices of its models are free.

    The UI handler polls it (``polled``) and shows ``status``: its place in a device's queue,
    then ``running_status``; ``result`` or ``error`` once the thread is done.
    """

    status: str = "queued"
    result: Any = None
    error: str | None = None
    thread: threading.Thread | None = None
    waiting_for: str | None = None  # the device it waits for, while it waits
    ahead: int = 0  # jobs ahead of it in that device's line
    started: bool = False  # it holds its devices and runs

    @classmethod
    def start(cls, queues: DeviceQueues, specs: list[ModelSpec], work: Callable[[], Any], *, name: str,
              running_status: str) -> "DeviceJob":
        job = cls()

        def on_wait(device: str, ahead: int) -> None:
            job.waiting_for, job.ahead = device, ahead
            job.status = f"waiting for device **{markdown_text(device)}** ({ahead} job(s) ahead)"

        def target() -> None:
            try:
                with queues.hold([device_key(spec) for spec in specs], on_wait):
                    job.started, job.waiting_for = True, None
                    job.status = running_status
                    job.result = work()
            except Exception as exc:  # shown in the page; the UI keeps serving
                job.error = f"{type(exc).__name__}: {exc}"

        job.thread = threading.Thread(target=target, name=name, daemon=True)
        job.thread.start()
        return job

    @property
    def running(self) -> bool:
        return self.thread is not None and self.thread.is_alive()

    def polled(self, interval_s: float = 0.5) -> Iterator[None]:
        """Yield every ``interval_s`` while the work runs."""
        while self.running:
            yield
            assert self.thread is not None
            self.thread.join(timeout=interval_s)


# --- Run -----------------------------------------------------------------------------------


def run_evaluation(config: UIConfig, models: list[str], evalset: str | list[str], prompt: str, limit: float | None,
                   max_tokens: float | None, detect_phi: bool, request: gr.Request,
                   on_finished: Callable[[list[api.EvaluationResult]], None] | None = None, *,
                   long_records: str | None = DEFAULT_STRATEGY, chunk_tokens: float | None = None,
                   chunk_overlap: float | None = 0) -> Iterator[tuple[str, list[list[str]]]]:
    """The Run tab's run: the chosen models over each chosen set, one set after the other (each set its own
    comparison, all under one batch id). Yields (status, result rows); ``on_finished`` gets the finished
    results before the last status. ``long_records``, ``chunk_tokens`` and ``chunk_overlap`` are the form's
    long-record fields (``long_record_options.settings_from_form``), checked as the command line's are."""
    user, session = _user(request), _session(request)
    if not models:
        yield "Choose at least one model.", []
        return
    evalsets = [evalset] if isinstance(evalset, str) else [name for name in (evalset or []) if name]
    if not evalsets:
        yield "Choose an evaluation set.", []
        return
    long_record_settings = settings_from_form(long_records, chunk_tokens, chunk_overlap)
    problems = long_record_settings.problems()
    if problems:
        yield f"**Error:** {markdown_text('; '.join(problems))}", []
        return
    limit_value, max_tokens_value = _positive(limit), _positive(max_tokens)
    prompt_ref = None if not prompt or prompt == SET_DEFAULT_PROMPT else prompt
    try:
        specs = api.model_specs(models, catalogue=config.catalogue, max_tokens=max_tokens_value)
        plans = plan_sets(evalsets, prompt_ref, lambda ref: api.resolve_prompt(
            ref, config.prompts_dir, tracking_uri=config.tracking_uri,
            allow_remote_endpoint=config.allow_remote_endpoint), allow_language_mismatch=True, option="sets")
        cases = sum(len(plan.evalset.head(limit_value).cases) for plan in plans)
    except Exception as exc:  # an unknown model, set or prompt, a limit below 1: say so, run nothing
        yield f"**Error:** {markdown_text(exc)}", []
        return
    refused = unrunnable(specs)
    if refused:  # nothing is queued for a model that would only fail when opened
        yield f"**Error:** {refused}; choose models this machine can run.", []
        return
    mismatches = [plan.language_note for plan in plans if plan.language_note]
    if mismatches:  # every section heading would be missed: refuse, as the CLI does without its override
        yield f"**Error:** {markdown_text('; '.join(mismatches))}; choose a prompt in the set's language.", []
        return
    cancel = threading.Event()
    config.cancel_events[session] = cancel
    progress: dict[str, Any] = {"done": 0, "last": "", "sets_done": 0}
    shown_sets = ", ".join(evalsets)
    config.audit.record(user=user, action="run.start", models=models,
                        evalset=evalsets[0] if len(evalsets) == 1 else shown_sets,
                        details={"prompt": prompt_ref or "default", "limit": limit_value, "max_tokens": max_tokens_value,
                                 "long_records": long_record_settings.name,
                                 **({"evalsets": evalsets} if len(evalsets) > 1 else {})})

    def on_record(record: api.GenerationRecord) -> None:
        progress["done"] += 1
        progress["last"] = f"{markdown_text(record.model)}: case {markdown_text(record.case_id)} done"

    def on_result(_result: api.EvaluationResult) -> None:
        progress["sets_done"] += 1

    def work() -> list[api.EvaluationResult]:
        return api.evaluate_sets(
            models, [plan.evalset for plan in plans], prompt=plans[0].prompt if prompt_ref else None,
            on_result=on_result, limit=limit_value, max_tokens=max_tokens_value, detect_phi=detect_phi,
            long_records=long_record_settings.name, chunk_tokens=long_record_settings.chunk_tokens,
            chunk_overlap=long_record_settings.chunk_overlap, runs_dir=config.runs_dir,
            tracking_uri=config.tracking_uri,
            allow_remote_endpoint=config.allow_remote_endpoint, show_progress=False, catalogue=config.catalogue,
            prompts_dir=config.prompts_dir, cancel=cancel, on_record=on_record)

    started = time.monotonic()
    job = DeviceJob.start(config.queues, specs, work, name=f"ui-run-{session}", running_status="running")
    try:
        for _ in job.polled():
            yield progress_status(job, cancel, models, evalsets, progress, cases * len(models),
                                  time.monotonic() - started), []
    finally:
        if job.running:  # the page went away: stop after the cases in flight
            cancel.set()
        config.cancel_events.pop(session, None)
    results: list[api.EvaluationResult] | None = job.result
    if job.error or results is None:
        config.audit.record(user=user, action="run.finish", models=models, evalset=evalsets[0], outcome="error",
                            details={"error": job.error})
        yield f"**Error:** {markdown_text(job.error)}", []
        return
    cancelled = cancel.is_set()
    if not results:  # cancelled while it waited for the device: nothing ran
        config.audit.record(user=user, action="run.finish", models=models, evalset=evalsets[0], outcome="cancelled",
                            details={"run_ids": []})
        yield "**Cancelled** before the run started: nothing was generated.", []
        return
    failed = any(result.errors or result.failed_cases for result in results)
    details: dict[str, Any] = ({"run_id": results[0].run_id, "mlflow_run": results[0].mlflow_parent_run_id}
                               if len(results) == 1 else
                               {"run_ids": [result.run_id for result in results],
                                "mlflow_runs": [result.mlflow_parent_run_id for result in results],
                                "batch": results[0].batch_id})
    config.audit.record(user=user, action="run.finish", models=models,
                        evalset=evalsets[0] if len(evalsets) == 1 else shown_sets,
                        outcome="cancelled" if cancelled else ("error" if failed else "ok"), details=details)
    elapsed = time.monotonic() - started
    if cancelled:
        ids = ", ".join(markdown_text(result.run_id) for result in results)
        message = (f"**Cancelled** run {ids}: finished cases are kept in the response cache; "
                   "run again to generate only the missing ones.")
    elif len(results) == 1:
        message = finished_message(results[0], elapsed)
    else:
        verdicts = [run_verdict(result) for result in results]
        overall = next((v for v in ("Failed", "Finished with failures") if v in verdicts), "Finished")
        message = (f"**{overall}** batch {markdown_text(results[0].batch_id)}: {len(results)} sets in {elapsed:.0f} s, "
                   "each ranked within its own cases\n\n"
                   + "\n".join(f"- {markdown_text(result.evalset)}: {finished_message(result)}" for result in results))
    if on_finished is not None:
        on_finished(results)
    yield message, [row for result in results for row in result_rows(result, result_tasks(results))]


def progress_status(job: DeviceJob, cancel: threading.Event, models: list[str], evalsets: list[str],
                    progress: dict[str, Any], total: int, elapsed_s: float) -> str:
    """What the Run tab says while a run is queued or running. A run that waits says so plainly, with its
    place in the device's line; once Cancel is pressed that is what it says until the run stops."""
    if cancel.is_set():
        return (f"**Cancelling** after the cases in flight… {progress['done']}/{total} cases done; finished cases "
                "are kept.")
    if not job.started:
        if job.waiting_for is None:
            return "**Queued**: waiting for a free device…"
        return (f"**Waiting for the device {markdown_text(job.waiting_for)}**: {job.ahead} job(s) ahead of this run "
                f"(number {job.ahead + 1} in line). It starts by itself when the device is free; Cancel leaves the "
                "line.")
    sets = (f"{markdown_text(evalsets[0])}" if len(evalsets) == 1 else
            f"{len(evalsets)} sets ({min(progress['sets_done'] + 1, len(evalsets))} of {len(evalsets)})")
    return (f"**Running** {markdown_text(', '.join(models))} on {sets} · {progress['done']}/{total} cases · "
            f"{elapsed_s:.0f} s" + (f" · {progress['last']}" if progress["last"] else ""))


def finished_message(result: api.EvaluationResult, elapsed_s: float | None = None) -> str:
    """One finished comparison's status: its verdict, run id, MLflow and what failed."""
    logged = (f"logged to MLflow (run {markdown_text(result.mlflow_parent_run_id)})" if result.mlflow_parent_run_id
              else f"not logged to MLflow: {markdown_text(result.mlflow_error)}")
    took = f" in {elapsed_s:.0f} s" if elapsed_s is not None else ""
    message = f"**{run_verdict(result)}** run {markdown_text(result.run_id)}{took} · {logged}"
    if result.errors:
        message += " · errors: " + "; ".join(f"{markdown_text(model)}: {markdown_text(error)}"
                                             for model, error in result.errors.items())
    for model, cases in result.failed_cases.items():
        first_id, first_error = next(iter(cases.items()))
        message += (f" · **{markdown_text(model)}: {len(cases)} case(s) failed** "
                    f"(not scored; first: {markdown_text(first_id)}, {markdown_text(first_error)})")
    return message


def finished_runs(results: list[api.EvaluationResult]) -> list[FinishedRun]:
    return [FinishedRun(run_id=result.run_id, run_dir=str(result.run_dir), evalset=result.evalset,
                        experiment_id=result.mlflow_experiment_id, mlflow_run_id=result.mlflow_parent_run_id)
            for result in results]


def finished_parts(config: UIConfig, runs: list[FinishedRun]) -> list[Any]:
    """What the Run tab shows under a finished run: the links, the actions, the run picker (several sets),
    the export files, the report file (cleared) and the finished runs (state)."""
    if not runs:
        return [gr.update(value="", visible=False), gr.update(visible=False), gr.update(choices=[], value=None),
                gr.update(value=None), gr.update(value=None), gr.update(value=None, visible=False), []]
    name = f"run-{runs[0].run_id}" if len(runs) == 1 else f"batch-{runs[0].run_id}"
    try:
        csv_path, json_path = export_runs([run.run_dir for run in runs], name)
        csv_value, json_value = str(csv_path), str(json_path)
    except Exception:  # the run's files cannot be read back: no export offered
        csv_value = json_value = None
    choices = [(f"{run.evalset} · {run.run_id}", run.run_dir) for run in runs]
    return [gr.update(value=links_html(runs, config.mlflow_ui_url), visible=True), gr.update(visible=True),
            gr.update(choices=choices, value=runs[0].run_dir, visible=len(runs) > 1),
            gr.update(value=csv_value), gr.update(value=json_value), gr.update(value=None, visible=False),
            [run.run_dir for run in runs]]


def build_report_for(config: UIConfig, run_dir: str | None, request: gr.Request) -> tuple[Any, str]:
    """The "Build report" button: report.html of the chosen finished run, offered as a file."""
    if not run_dir:
        return gr.update(value=None, visible=False), "Run an evaluation first."
    try:
        chosen = readable_run_dir(config, run_dir, request)
        path = build_run_report(chosen)
    except Exception as exc:  # a run that cannot be reported on: say why
        return gr.update(value=None, visible=False), f"**Report not built:** {markdown_text(exc)}"
    config.audit.record(user=_user(request), action="run.report", details={"run_id": chosen.name})
    return gr.update(value=str(path), visible=True), f"Report of run {markdown_text(chosen.name)} built."


def run_verdict(result: api.EvaluationResult) -> str:
    """How a finished run's status opens: "Failed" when no model produced a single case,
    "Finished with failures" when a model could not run or a case failed, else "Finished"."""
    if not any(record.ok for evaluation in result.ranked() for record in evaluation.records):
        return "Failed"
    if result.errors or result.failed_cases:
        return "Finished with failures"
    return "Finished"


def cancel_run(config: UIConfig, request: gr.Request) -> str:
    event = config.cancel_events.get(_session(request))
    config.audit.record(user=_user(request), action="run.cancel", outcome="ok" if event else "nothing running")
    if event is None:
        return "Nothing is running."
    event.set()
    return "**Cancelling** after the cases in flight…"


# --- Leaderboard ------------------------------------------------------------------------------


def refresh_leaderboard(config: UIConfig, evalset: str | None, prompt: str | None,
                        request: gr.Request) -> tuple[Any, Any, list[list[str]], Any, Any, Any, str, Any, Any]:
    evalset_filter = None if not evalset or evalset == ALL else evalset
    prompt_filter = None if not prompt or prompt == ALL else prompt
    config.audit.record(user=_user(request), action="leaderboard.view", evalset=evalset_filter,
                        details={"prompt": prompt_filter})
    everything = leaderboard_entries(tracking_uri=config.tracking_uri)
    evalsets, prompts = filter_choices(everything)
    entries = [e for e in everything if (evalset_filter is None or e.evalset == evalset_filter)
               and (prompt_filter is None or e.prompt == prompt_filter)]
    group = newest_group(entries)
    rows = ranked_rows(entries)
    note = (f"{len(entries)} evaluation(s). Rows are ranked within groups of the same cases and prompt version; "
            f"charts show {_chart_scope(entries, group)}." if group else "No evaluations logged yet.")
    csv_file, json_file = leaderboard_files(entries, rows, evalset_filter, prompt_filter)
    return (gr.update(choices=[ALL, *evalsets], value=evalset or ALL), gr.update(choices=[ALL, *prompts], value=prompt or ALL),
            table_update(rows, leaderboard_headers(entries), leaderboard_column_widths(entries)),
            quality_latency_figure(group), phi_by_label_figure(group),
            latency_distribution_figure(group), note, csv_file, json_file)


def _chart_scope(entries: list[Any], charted: list[Any]) -> str:
    """What the charts show: the newest group, or its newest evaluations when it has more than a chart draws."""
    name = markdown_text(charted[0].group)
    size = group_size(entries, charted[0].group)
    if size > len(charted):
        return f"the newest {len(charted)} of the {size} evaluations of the newest group ({name})"
    return f"the newest group ({name})"


def leaderboard_files(entries: list[Any], rows: list[list[str]], evalset: str | None,
                      prompt: str | None) -> tuple[Any, Any]:
    """The Export CSV / Export JSON buttons' files: the rows shown, as shown (order, groups, ranks)."""
    if not entries:
        return gr.update(value=None), gr.update(value=None)
    csv_path, json_path = export_leaderboard(entries, {"evalset": evalset, "prompt": prompt}, rows)
    return gr.update(value=str(csv_path)), gr.update(value=str(json_path))


def _hidden_slot() -> list[Any]:
    return [gr.update(visible=False), "", None]


def _hidden_slots() -> list[Any]:
    return [part for _ in range(MAX_MODEL_SLOTS) for part in _hidden_slot()]


def _hidden_details() -> list[str]:
    return ["" for _ in range(MAX_MODEL_SLOTS)]


def _output_slots(prefix: str, details: list[Any] | None = None) -> list[Any]:
    """Side-by-side columns (title + highlighted output), shown as many as there are models. Given a list in
    ``details``, each column also gets an HTML block under its output (the Cases tab's long-record view),
    appended to that list rather than to the slots."""
    slots: list[Any] = []
    with gr.Row():
        for index in range(MAX_MODEL_SLOTS):
            with gr.Column(min_width=280, visible=False) as column:
                slots.extend([column, gr.Markdown(), gr.HighlightedText(show_legend=True, elem_id=f"{prefix}-{index}")])
                if details is not None:
                    details.append(gr.HTML("", css_template=CHUNK_CSS, js_on_load=None,
                                           elem_id=f"{prefix}-long-record-{index}"))
    return slots


# --- Cases ----------------------------------------------------------------------------------------


def run_dir_choices(config: UIConfig) -> list[tuple[str, str]]:
    return [(path.name, str(path)) for path in list_run_dirs(config.runs_dir)]


def refresh_runs(config: UIConfig, current: str | None = None) -> Any:
    """The run dropdown, newest first; ``current`` stays chosen while it is listed, else the newest run."""
    choices = run_dir_choices(config)
    values = [value for _, value in choices]
    return gr.update(choices=choices, value=current if current in values else (values[0] if values else None))


def chosen_run_dir(config: UIConfig, run_dir: str) -> Path:
    """The run directory picked in the Cases tab; a value that is not a directory directly inside
    ``config.runs_dir`` (symlinks included), such as one posted through Gradio's API, is refused."""
    chosen = Path(run_dir)
    inside = safe_child(config.runs_dir, chosen.name, "run directory")
    if chosen.resolve() != inside.resolve():
        raise UnsafeNameError(f"run directory {run_dir!r} is not inside the runs directory {config.runs_dir}")
    return inside


def readable_run_dir(config: UIConfig, run_dir: str, request: gr.Request | None) -> Path:
    """:func:`chosen_run_dir`, refused to a user who reviews that run blind (``review_view.blind_review_of``)."""
    chosen = chosen_run_dir(config, run_dir)
    held_back = review_view.blind_review_of(config, _user(request), chosen)
    if held_back is not None:
        raise RunDirectoryError(held_back)
    return chosen


def case_choices(cases: RunCases) -> list[tuple[str, str]]:
    """The case dropdown of one run: cases where a guard and the gold spans disagree first, then those where the
    models disagree most."""
    return [(f"{item.case_id} · disagreement {item.disagreement:.2f}"
             + (" · guard ≠ gold" if item.guard_disagrees_with_gold else ""), item.case_id)
            for item in cases.ordered()]


def review_queue_text(cases: RunCases) -> str:
    """The guard review queue of a run: every output a guard judged controversial or could not judge, to be read
    by a person (empty when no guard judged the run)."""
    queue = cases.review_queue()
    if not queue:
        return ""
    lines = [f"**Guard review queue: {len(queue)} output(s) for a person to read**", ""]
    lines += [f"- {markdown_text(item.case_id)} · {markdown_text(item.model)} · {markdown_text(item.guard)}: "
              f"{item.level}" + (f" ({markdown_text(', '.join(item.categories))})" if item.categories else "")
              + (f" — {markdown_text(item.reason)}" if item.reason else "") for item in queue]
    return "\n".join(lines) + "\n\n"


def rubric_lines(rubric_verdicts: list[Any]) -> str:
    """Each judge's rubric verdicts on one output, for the output's title: how many criteria it found satisfied,
    then each one it did not (or could not answer) with the judge's justification."""
    by_judge: dict[str, list[Any]] = {}
    for verdict in rubric_verdicts:
        by_judge.setdefault(verdict.judge, []).append(verdict)
    lines = []
    for judge, verdicts in by_judge.items():
        items = [judged_item(verdict) for verdict in verdicts]
        satisfied = sum(1 for item in items if item.satisfied)
        lines.append(f"\njudge {markdown_text(judge)}: {satisfied} of {len(items)} criteria satisfied")
        for verdict, item in zip(verdicts, items):
            if item.satisfied is not True:
                why = verdict.justification or verdict.problem
                lines.append(f"\n- {'unparsed' if item.satisfied is None else 'not satisfied'}: "
                             f"{markdown_text(verdict.item_id)}" + (f" — {markdown_text(why)}" if why else ""))
    return "".join(lines)


def tool_call_lines(output: Any) -> str:
    """An output's function calls for its title: each call's name and arguments as the model wrote them, how the
    call was read, and why it is not valid."""
    lines = [f"\ncall {index + 1}: **{markdown_text(call.get('name', ''))}**"
             + (f" ({markdown_text(output.call_readings[index])})" if index < len(output.call_readings) else "")
             + f" — arguments: {markdown_text(call.get('arguments', ''))}"
             for index, call in enumerate(output.tool_calls)]
    lines += [f"\n- {markdown_text(problem)}" for problem in output.call_problems]
    if not output.tool_calls and "no_call" in output.call_readings:
        lines.append("\nno function call")
    return "".join(lines)


def verdict_lines(verdicts: list[Any]) -> str:
    """Each guard's verdict on one output, for the output's title: level, categories and reason."""
    return "".join(f"\nguard {markdown_text(verdict.guard)}: **{verdict.level}**"
                   + (f" ({markdown_text(', '.join(verdict.categories))})" if verdict.categories else "")
                   + (f" — {markdown_text(verdict.reason or verdict.problem)}" if verdict.reason or verdict.problem
                      else "") for verdict in verdicts)


def choose_run(config: UIConfig, run_dir: str | None, case_id: str | None = None) -> Any:
    """The case dropdown of the chosen run, with ``RunCases.pick(case_id)`` chosen."""
    if not run_dir:
        return gr.update(choices=[], value=None)
    try:
        cases = load_run_cases(chosen_run_dir(config, run_dir))
    except (RunDirectoryError, UnsafeNameError):  # show_case says why
        return gr.update(choices=[], value=None)
    return gr.update(choices=case_choices(cases), value=cases.pick(case_id))


PICK_A_CASE = "Pick a case to see the note and the outputs."


def _blank_case(summary: str = "") -> list[Any]:
    return [None, "", [], summary, *_hidden_slots(), *_hidden_details()]


def _unchanged_case() -> list[Any]:
    """The case view left as it is (nothing rendered again, nothing audited)."""
    return [gr.update() for _ in range(4 + 4 * MAX_MODEL_SLOTS)]


def _case_prompt(cases: RunCases, note: str = "") -> list[Any]:
    """The case view of a run before the user picks a case: no note, no outputs, no scores."""
    return _blank_case(f"{review_queue_text(cases)}Run {markdown_text(cases.run_id)} · "
                       f"{markdown_text(cases.evalset.name)} · {len(cases.evalset.cases)} case(s). {note}{PICK_A_CASE}")


def open_run(config: UIConfig, run_dir: str | None, case_id: str | None, request: gr.Request) -> list[Any]:
    """The case dropdown and the case view of the run the user chose, read once. The case the user picked
    (``case_id``) stays picked and is shown from this run while the run has it: every output, score and
    timing shown is that run's. Without a picked case the view only asks for one, and nothing is audited."""
    if not run_dir:
        return [gr.update(choices=[], value=None), *_blank_case()]
    try:
        cases = load_run_cases(readable_run_dir(config, run_dir, request))
    except (RunDirectoryError, UnsafeNameError) as exc:
        return [gr.update(choices=[], value=None), *_blank_case(f"**Cannot show this run:** {markdown_text(exc)}")]
    if case_id and cases.has(case_id):
        return [gr.update(choices=case_choices(cases), value=case_id), *case_parts(config, cases, case_id, request)]
    note = f"Case {markdown_text(case_id)} is not in this run. " if case_id else ""
    return [gr.update(choices=case_choices(cases), value=None), *_case_prompt(cases, note)]


def open_cases(config: UIConfig, run_dir: str | None, case_id: str | None, request: gr.Request, *,
               newest: bool = False) -> list[Any]:
    """The Cases tab's lists as the runs directory holds them now, filled without the user asking (page load,
    tab select, "Refresh runs", a finished run): the run list (``run_dir`` kept while it is listed, else the
    newest run; always the newest with ``newest``) and that run's case list. It renders no case itself, so it
    audits nothing: a case the user picked stays as shown while its run stays chosen, else the view asks for a pick."""
    runs = refresh_runs(config, None if newest else run_dir)
    chosen = runs["value"]
    if not chosen:
        return [runs, gr.update(choices=[], value=None), *_blank_case("No runs yet.")]
    try:
        cases = load_run_cases(readable_run_dir(config, chosen, request))
    except (RunDirectoryError, UnsafeNameError) as exc:
        return [runs, gr.update(choices=[], value=None),
                *_blank_case(f"**Cannot show this run:** {markdown_text(exc)}")]
    if chosen == run_dir and case_id and cases.has(case_id):
        return [runs, gr.update(choices=case_choices(cases), value=case_id), *_unchanged_case()]
    return [runs, gr.update(choices=case_choices(cases), value=None), *_case_prompt(cases)]


def show_case(config: UIConfig, run_dir: str | None, case_id: str | None, request: gr.Request) -> list[Any]:
    """The case the user picked, from the chosen run; the view is audited."""
    if not run_dir:
        return _blank_case()
    try:
        cases = load_run_cases(readable_run_dir(config, run_dir, request))
    except (RunDirectoryError, UnsafeNameError) as exc:
        return _blank_case(f"**Cannot show this run:** {markdown_text(exc)}")
    return case_parts(config, cases, case_id, request)


def long_record_details(cases: RunCases, case_id: str, models: list[str]) -> list[str]:
    """Under each model's output, how its record was handled when it did not fit the context (chunk_view);
    '' for a record sent whole and for the columns not shown."""
    records, scores = getattr(cases, "records", {}), getattr(cases, "scores", {})
    shown = [long_record_html(records.get(model, {}).get(case_id), scores.get(model, {}).get(case_id))
             for model in models[:MAX_MODEL_SLOTS]]
    return shown + _hidden_details()[len(shown):]


def case_parts(config: UIConfig, cases: RunCases, case_id: str | None, request: gr.Request) -> list[Any]:
    """One case of a loaded run as the Cases tab shows it (source, reference, score table, summary, output
    columns, then the long-record view under each output); the view is written to the audit log. Without a
    case, only the prompt to pick one."""
    if not case_id:
        return _case_prompt(cases)
    try:
        view = cases.view(case_id)
    except KeyError:
        return _blank_case(f"**Cannot show this case:** {markdown_text(case_id)} is not in run "
                           f"{markdown_text(cases.run_id)}")
    config.audit.record(user=_user(request), action="cases.view", models=cases.models, evalset=cases.evalset.name,
                        details={"run_id": cases.run_id, "case_id": case_id})
    score_names = [name for name in dict.fromkeys(name for output in view.outputs for name in output.scores)]
    scores = [[metric(name).label if is_metric(name) else name,
               *[metric(name).format(output.scores.get(name)) for output in view.outputs]] for name in score_names]
    scores += [["TTFT s", *[format_number(o.ttft_s, 2) for o in view.outputs]],
               ["e2e s", *[format_number(o.e2e_s, 2) for o in view.outputs]],
               ["output tokens", *["-" if o.completion_tokens is None else str(o.completion_tokens) for o in view.outputs]]]
    slots: list[Any] = []
    for index in range(MAX_MODEL_SLOTS):
        if index < len(view.outputs):
            output = view.outputs[index]
            marked = len(output.spans)
            title = (f"### {markdown_text(output.model)}\n{marked} PHI span(s) marked"
                     + (f" · **error:** {markdown_text(output.error)}" if output.error else "")
                     + tool_call_lines(output) + verdict_lines(output.verdicts) + rubric_lines(output.rubric_verdicts))
            slots.extend([gr.update(visible=True), title,
                          gr.update(value=highlighted(output.output, output.spans), label=output.model)])
        else:
            slots.extend(_hidden_slot())
    summary = (f"Run {markdown_text(cases.run_id)} · {markdown_text(cases.evalset.name)} · "
               f"case {markdown_text(view.case_id)} · disagreement {view.disagreement:.2f}")
    return [highlighted(view.source, view.source_spans), view.reference,
            gr.update(value=scores, headers=["score", *[o.model for o in view.outputs]]), summary, *slots,
            *long_record_details(cases, view.case_id, [output.model for output in view.outputs])]


# --- Prompts ----------------------------------------------------------------------------------------


def prompt_names(config: UIConfig) -> list[str]:
    names = set(load_prompts(config.prompts_dir))
    try:
        from workbench.track.prompt_registry import list_registry_prompts

        names.update(version.name for version in list_registry_prompts(tracking_uri=config.tracking_uri))
    except Exception:
        pass
    return sorted(names)


def prompt_versions(config: UIConfig, name: str | None) -> tuple[list[list[str]], Any]:
    if not name:
        return [], gr.update(choices=[], value=None)
    rows: list[list[str]] = []
    refs: list[str] = []
    for number, prompt in sorted(load_prompts(config.prompts_dir).get(name, {}).items()):
        rows.append(["file", prompt.ref, "-", "-", prompt.description or "", prompt.content_hash()[:12]])
        refs.append(prompt.ref)
    from workbench.track.prompt_registry import list_registry_prompts

    for version in sorted(list_registry_prompts(tracking_uri=config.tracking_uri, name=name),
                          key=lambda v: v.registry_version):  # oldest first: the newest is the default base
        rows.append(["registry", version.ref or "-", version.uri, ", ".join(version.aliases) or "-",
                     version.commit_message, "-"])
        refs.append(version.uri)
    return rows, gr.update(choices=refs, value=refs[-1] if refs else None)


def load_prompt_for_edit(config: UIConfig, ref: str | None) -> str:
    if not ref:
        return ""
    return editable_text(api.resolve_prompt(ref, config.prompts_dir, tracking_uri=config.tracking_uri))


def _base_prompt(config: UIConfig, ref: str | None) -> PromptTemplate | None:
    """The version an edit started from (None when no version is chosen)."""
    return api.resolve_prompt(ref, config.prompts_dir, tracking_uri=config.tracking_uri) if ref else None


def preview_prompt_edit(config: UIConfig, name: str | None, text: str, base_ref: str | None) -> str:
    """The Prompts tab's diff view: the edit against its base version, with what registering would refuse."""
    try:
        base = _base_prompt(config, base_ref)
    except Exception as exc:  # a registry that cannot be read: say so in the view
        return diff_html("", [f"version {base_ref} cannot be read: {exc}"])
    return preview(name, text or "", base)


def register_edited_prompt(config: UIConfig, name: str | None, text: str, message: str,
                           request: gr.Request, base_ref: str | None = None) -> str:
    """Register the edited template as the next version of prompt ``name``, after the checks of
    ``prompt_editor.check_edit`` (YAML, fields, variables, and a change from ``base_ref``, the version it started from)."""
    from workbench.data.prompts import PromptError
    from workbench.track.prompt_registry import next_prompt_version, register_prompt_version

    if not name:
        return "Choose a prompt first."
    if not message.strip():
        return "Write a commit message: what changed and why."
    try:
        check_safe_name(name, "prompt name")  # before the name reaches the prompt files or the registry
        edited_fields(text)  # unreadable YAML is refused before the registry is asked anything
        base = _base_prompt(config, base_ref)
        version = next_prompt_version(name, tracking_uri=config.tracking_uri, prompts_dir=config.prompts_dir)
        prompt = check_edit(name, text, version=version, base=base)
        uri = register_prompt_version(prompt, tracking_uri=config.tracking_uri, commit_message=message.strip())
    except (yaml.YAMLError, PromptError, ValueError) as exc:
        config.audit.record(user=_user(request), action="prompts.register", outcome="error",
                            inputs={"prompt": text}, details={"name": name})
        return f"**Not registered:** {markdown_text(exc)}"
    config.audit.record(user=_user(request), action="prompts.register", inputs={"prompt": text, "message": message},
                        details={"name": name, "uri": uri, "ref": prompt.ref})
    return f"Registered **{markdown_text(prompt.ref)}** as {markdown_text(uri)}."


def set_alias(config: UIConfig, name: str | None, alias: str, version: float | None, request: gr.Request) -> str:
    from workbench.track.prompt_registry import set_prompt_alias

    if not name or not alias.strip() or not _positive(version):
        return "Choose a prompt, an alias and a registry version."
    try:
        set_prompt_alias(name, alias.strip(), int(version or 0), tracking_uri=config.tracking_uri)
    except Exception as exc:
        return f"**Alias not set:** {markdown_text(exc)}"
    config.audit.record(user=_user(request), action="prompts.alias",
                        details={"name": name, "alias": alias.strip(), "version": int(version)})
    return markdown_text(f"prompts:/{name}@{alias.strip()} → prompts:/{name}/{int(version)}")


# --- Playground ----------------------------------------------------------------------------------------


def _default_prompt_for(note: str) -> str:
    return "inpatient-summary-zh" if guess_language(note) == "zh" else "clinical-summary-en"


def playground(config: UIConfig, note: str, models: list[str], prompt: str, max_tokens: float | None,
               request: gr.Request) -> Iterator[list[Any]]:
    hidden = _hidden_slots()
    if not note.strip() or not models:
        yield ["Paste a note and choose at least one model.", None, *hidden]
        return
    user = _user(request)
    config.audit.record(user=user, action="playground.run", models=models, inputs={"note": note},
                        details={"prompt": prompt})
    ref = _default_prompt_for(note) if not prompt or prompt == SET_DEFAULT_PROMPT else prompt
    try:
        template = api.resolve_prompt(ref, config.prompts_dir, tracking_uri=config.tracking_uri)
        specs = api.model_specs(models, catalogue=config.catalogue, max_tokens=_positive(max_tokens))
    except Exception as exc:
        yield [f"**Error:** {markdown_text(exc)}", None, *hidden]
        return
    refused = unrunnable(specs)
    if refused:
        yield [f"**Error:** {refused}; choose models this machine can run.", None, *hidden]
        return
    language = guess_language(note)
    detector = config.detector()
    note_view = flag_view(note, source_phi(note, language, detector), with_origin=False)
    names = [spec.name for spec in specs]
    streamed = StreamedText()
    job = DeviceJob.start(
        config.queues, specs, lambda: run_playground(note, specs, template, language=language, detector=detector,
                                                     allow_remote_endpoint=config.allow_remote_endpoint,
                                                     on_text=streamed.update),
        name="ui-playground", running_status="generating")
    shown: tuple[int, str] | None = None
    # The text so far goes to the page as it arrives, at most UPDATES_PER_S times a second.
    for _ in job.polled(interval_s=1 / UPDATES_PER_S):
        version, texts = streamed.snapshot()
        if shown == (version, job.status):
            continue
        shown = (version, job.status)
        yield [f"**Running** {markdown_text(', '.join(models))} · {job.status}", note_view,
               *streaming_columns(names, texts, MAX_MODEL_SLOTS)]
    if job.error:
        yield [f"**Error:** {markdown_text(job.error)}", note_view, *hidden]
        return
    config.audit.record(user=user, action="playground.finish", models=models, inputs={"note": note})
    yield [f"Done · prompt {markdown_text(template.ref)} · nothing was stored", note_view,
           *result_columns(job.result, MAX_MODEL_SLOTS)]


def save_playground_case(config: UIConfig, note: str, reference: str, set_name: str, case_id: str,
                         request: gr.Request) -> str:
    """Save the note as a case: the identifiers the Playground highlights in it become its gold PHI spans,
    so runs on the set score PHI leakage; an empty reference is refused (the case could not be scored)."""
    set_name = set_name.strip() or "playground-saved"
    try:
        flags = source_phi(note, guess_language(note), config.detector()) if note.strip() else []
        manifest = save_as_case(note, sets_root=config.saved_cases_dir, set_name=set_name, case_id=case_id.strip(),
                                reference=reference, phi=flags, default_prompt=_default_prompt_for(note))
    except Exception as exc:
        return f"**Not saved:** {markdown_text(exc)}"
    saved = gold_spans(note, flags)
    config.audit.record(user=_user(request), action="playground.save_case", evalset=set_name,
                        inputs={"note": note, "reference": reference},
                        details={"case_id": case_id.strip(), "phi_spans": len(saved)})
    return (f"Saved case **{markdown_text(case_id.strip())}** to evaluation set **{markdown_text(set_name)}** "
            f"({markdown_text(manifest)}) with {len(saved)} gold PHI span(s): "
            f"{markdown_text(', '.join(sorted({span.label for span in saved})) or 'none found')}.")


# --- the app ------------------------------------------------------------------------------------------------


def _theme() -> Any:
    """System fonts only (the page fetches nothing remote), CJK fonts before the generic family (page_style)."""
    return gr.themes.Default(font=SANS_FONTS, font_mono=MONO_FONTS)


def build_app(config: UIConfig) -> gr.Blocks:
    models = model_choices(config)
    evalsets = evalset_choices()
    with gr.Blocks(title="Medical LLM evaluation workbench", analytics_enabled=False) as app:
        gr.Markdown("## Medical LLM evaluation workbench")
        with gr.Tabs(elem_id="workbench-tabs") as tabs:
            with gr.Tab("Run", id="run") as run_tab:
                with gr.Row():
                    run_models = gr.CheckboxGroup(models, label="Models", elem_id="run-models")
                    with gr.Column():
                        run_evalset = gr.Dropdown(evalsets, value=["smoke-en"] if "smoke-en" in evalsets else [],
                                                  multiselect=True, elem_id="run-evalset",
                                                  label="Evaluation sets (each its own comparison, run one after "
                                                        "the other)")
                        run_prompt = gr.Dropdown(prompt_choices(config), value=SET_DEFAULT_PROMPT, label="Prompt version",
                                                 elem_id="run-prompt")
                        with gr.Row():
                            run_limit = gr.Number(value=None, precision=0, label="Limit (first N cases; 0: all)",
                                                  elem_id="run-limit")
                            run_max_tokens = gr.Number(value=None, precision=0,
                                                       label="Max new tokens (0: catalogue)", elem_id="run-max-tokens")
                        run_long_records = gr.Dropdown(strategy_choices(), value=DEFAULT_STRATEGY, label=STRATEGY_LABEL,
                                                       info=STRATEGY_INFO, elem_id="run-long-records")
                        with gr.Row(visible=False, elem_id="run-chunk-fields") as run_chunk_fields:
                            run_chunk_tokens = gr.Number(value=None, precision=0, label=CHUNK_TOKENS_LABEL,
                                                         elem_id="run-chunk-tokens")
                            run_chunk_overlap = gr.Number(value=0, precision=0, label=CHUNK_OVERLAP_LABEL,
                                                          elem_id="run-chunk-overlap")
                        run_detect = gr.Checkbox(False, label="Run the PHI detector on outputs")
                with gr.Row():
                    run_button = gr.Button("Run evaluation", variant="primary", elem_id="run-button")
                    cancel_button = gr.Button("Cancel", variant="stop", elem_id="cancel-button")
                run_status = gr.Markdown("Choose models and a set, then run.", elem_id="run-status")
                run_table = gr.Dataframe(headers=result_headers(), interactive=False, label="Result", elem_id="run-result",
                                         wrap=True, column_widths=result_column_widths())
                run_links = gr.HTML("", visible=False, elem_id="run-links")
                with gr.Row(visible=False) as run_actions:
                    run_pick = gr.Dropdown([], label="Finished run", visible=False, elem_id="run-finished")
                    run_open_cases = gr.Button("Open in Cases", elem_id="run-open-cases")
                    run_build_report = gr.Button("Build report", elem_id="run-build-report")
                    run_export_csv = gr.DownloadButton("Export CSV", elem_id="run-export-csv")
                    run_export_json = gr.DownloadButton("Export JSON", elem_id="run-export-json")
                run_report_status = gr.Markdown(elem_id="run-report-status")
                run_report_file = gr.File(label="report.html", visible=False, interactive=False,
                                          elem_id="run-report-file")
                run_finished = gr.State([])

            with gr.Tab("Leaderboard", id="leaderboard") as leaderboard_tab:
                with gr.Row():
                    lb_evalset = gr.Dropdown([ALL], value=ALL, label="Evaluation set", elem_id="lb-evalset")
                    lb_prompt = gr.Dropdown([ALL], value=ALL, label="Prompt version", elem_id="lb-prompt")
                    lb_refresh = gr.Button("Refresh", elem_id="lb-refresh")
                    lb_export_csv = gr.DownloadButton("Export CSV", elem_id="lb-export-csv")
                    lb_export_json = gr.DownloadButton("Export JSON", elem_id="lb-export-json")
                lb_note = gr.Markdown()
                lb_table = gr.Dataframe(headers=leaderboard_headers(), interactive=False, label="Leaderboard",
                                        elem_id="leaderboard-table", wrap=True,
                                        column_widths=leaderboard_column_widths())
                with gr.Row():
                    lb_quality = gr.Plot(label="Quality vs latency", elem_id="chart-quality-latency")
                    lb_phi = gr.Plot(label="PHI leakage by label", elem_id="chart-phi-label")
                lb_latency = gr.Plot(label="Latency distribution", elem_id="chart-latency")

            with gr.Tab("Compare", id="compare") as compare_tab:
                compare_parts = compare_view.build_compare_tab(config, _user)

            with gr.Tab("Cases", id="cases") as cases_tab:
                with gr.Row():
                    case_run = gr.Dropdown(run_dir_choices(config), label="Run", elem_id="case-run")
                    case_id = gr.Dropdown([], label="Case (models disagree most first)", elem_id="case-id")
                    case_refresh = gr.Button("Refresh runs")
                case_summary = gr.Markdown(elem_id="case-summary")
                with gr.Row():
                    case_source = gr.HighlightedText(label="Source (gold PHI)", show_legend=True, elem_id="case-source")
                    case_reference = gr.Textbox(label="Reference", lines=8, interactive=False)
                case_scores = gr.Dataframe(headers=["score"], interactive=False, label="Per-case scores",
                                           elem_id="case-scores")
                case_long_records: list[Any] = []
                case_slots = _output_slots("case-output", case_long_records)

            with gr.Tab("Prompts", id="prompts") as prompts_tab:
                with gr.Row():
                    pr_name = gr.Dropdown(prompt_names(config), label="Prompt", elem_id="prompt-name")
                    pr_base = gr.Dropdown([], label="Start from version", elem_id="prompt-base")
                pr_versions = gr.Dataframe(
                    elem_id="prompt-versions", headers=["source", "version", "registry URI", "aliases",
                                                        "commit message / description", "content hash"],
                    interactive=False, label="Versions", wrap=True,
                    column_widths=["8%", "17%", "22%", "11%", "30%", "12%"])  # every column in a 1400 px window
                with gr.Row(equal_height=False):
                    pr_text = gr.Code(language="yaml", label="Template (edit, then register as a new version)",
                                      elem_id="prompt-template")
                    with gr.Column():
                        gr.Markdown("**Changes from the version you started from**")
                        pr_diff = gr.HTML(diff_html(""), css_template=DIFF_CSS, js_on_load=None, elem_id="prompt-diff")
                pr_message = gr.Textbox(label="Commit message", placeholder="What changed and why",
                                        elem_id="prompt-message")
                pr_register = gr.Button("Register new version", variant="primary", elem_id="prompt-register")
                with gr.Row():
                    pr_alias = gr.Textbox(label="Alias", placeholder="production")
                    pr_alias_version = gr.Number(precision=0, label="Registry version")
                    pr_alias_button = gr.Button("Set alias")
                pr_status = gr.Markdown(elem_id="prompt-status")

            with gr.Tab("Review", id="review") as review_tab:
                review_view.build_review_tab(config, _user, review_tab)

            with gr.Tab("Playground", id="playground") as playground_tab:
                gr.Markdown("Nothing pasted here is stored unless you save it as a case.")
                pg_note = gr.Textbox(label="Clinical note", lines=10, elem_id="pg-note")
                with gr.Row():
                    pg_models = gr.CheckboxGroup(models, label="Models", elem_id="pg-models")
                    pg_prompt = gr.Dropdown(prompt_choices(config), value=SET_DEFAULT_PROMPT, label="Prompt version")
                    pg_max_tokens = gr.Number(value=None, precision=0, label="Max new tokens (0: catalogue)")
                pg_button = gr.Button("Run side by side", variant="primary", elem_id="pg-button")
                pg_status = gr.Markdown(elem_id="pg-status")
                pg_source = gr.HighlightedText(label="Identifiers found in the note", show_legend=True)
                pg_slots = _output_slots("pg-output")
                with gr.Accordion("Save as a case", open=False):
                    pg_reference = gr.Textbox(label="Reference summary (required: the case is scored against it)",
                                              lines=4, elem_id="pg-reference")
                    with gr.Row():
                        pg_set = gr.Textbox(value="playground-saved", label="Evaluation set")
                        pg_case_id = gr.Textbox(label="Case id")
                    pg_save = gr.Button("Save as case")
                    pg_save_status = gr.Markdown()

        # Model work waits in the per-device queues, not in Gradio's, so users see their place in line.
        run_finish_outputs = [run_links, run_actions, run_pick, run_export_csv, run_export_json, run_report_file,
                              run_finished]

        def _run(models: list[str], evalsets: list[str], prompt: str, limit: float | None, max_tokens: float | None,
                 detect: bool, long_records: str | None, chunk_tokens: float | None, chunk_overlap: float | None,
                 request: gr.Request) -> Iterator[list[Any]]:
            finished: list[api.EvaluationResult] = []
            status, rows = "", []
            for status, rows in run_evaluation(config, models, evalsets, prompt, limit, max_tokens, detect, request,
                                               on_finished=finished.extend, long_records=long_records,
                                               chunk_tokens=chunk_tokens, chunk_overlap=chunk_overlap):
                yield [status, _result_table(rows, finished), *[gr.update() for _ in run_finish_outputs]]
            yield [status, _result_table(rows, finished), *finished_parts(config, finished_runs(finished))]

        def _result_table(rows: list[list[str]], finished: list[api.EvaluationResult]) -> Any:
            tasks = result_tasks(finished)  # known before the rows come: on_finished runs before the last status
            return table_update(rows, result_headers(tasks), result_column_widths(tasks))

        def _cancel(request: gr.Request) -> str:
            return cancel_run(config, request)

        run_event = run_button.click(
            lambda: finished_parts(config, []), None, run_finish_outputs, api_visibility="private", queue=False).then(
            _run, [run_models, run_evalset, run_prompt, run_limit, run_max_tokens, run_detect, run_long_records,
                   run_chunk_tokens, run_chunk_overlap],
            [run_status, run_table, *run_finish_outputs],
            concurrency_limit=8, concurrency_id="model-work", api_visibility="private")
        cancel_button.click(_cancel, None, run_status,
                            api_visibility="private", queue=False)

        run_long_records.change(lambda strategy: gr.update(visible=uses_chunks(strategy)), run_long_records,
                                run_chunk_fields, api_visibility="private", queue=False)
        leaderboard_outputs = [lb_evalset, lb_prompt, lb_table, lb_quality, lb_phi, lb_latency, lb_note,
                               lb_export_csv, lb_export_json]

        def _exported(action: str, export_format: str) -> Callable[[gr.Request], None]:
            def record(request: gr.Request) -> None:
                config.audit.record(user=_user(request), action=action, details={"format": export_format})
            return record

        for button, action, export_format in ((lb_export_csv, "leaderboard.export", "csv"),
                                              (lb_export_json, "leaderboard.export", "json"),
                                              (run_export_csv, "run.export", "csv"),
                                              (run_export_json, "run.export", "json")):
            button.click(_exported(action, export_format), None, None, api_visibility="private", queue=False)

        def _report(run_dir: str | None, request: gr.Request) -> tuple[Any, str]:
            return build_report_for(config, run_dir, request)

        run_build_report.click(lambda: "Building the report…", None, run_report_status, api_visibility="private",
                               queue=False).then(_report, run_pick, [run_report_file, run_report_status],
                                                 api_visibility="private")

        def _refresh(evalset: str | None, prompt: str | None, request: gr.Request) -> Any:
            return refresh_leaderboard(config, evalset, prompt, request)

        lb_refresh.click(_refresh, [lb_evalset, lb_prompt], leaderboard_outputs, api_visibility="private")
        leaderboard_tab.select(_refresh, [lb_evalset, lb_prompt], leaderboard_outputs, api_visibility="private")
        lb_evalset.input(_refresh, [lb_evalset, lb_prompt], leaderboard_outputs, api_visibility="private")
        lb_prompt.input(_refresh, [lb_evalset, lb_prompt], leaderboard_outputs, api_visibility="private")

        # The Cases tab: the run and case lists fill themselves (page load, tab select, refresh, a finished run),
        # but a case's note and outputs are shown, and audited, only for a case the user picked.
        def _show(run_dir: str | None, case: str | None, request: gr.Request) -> list[Any]:
            return show_case(config, run_dir, case, request)

        def _open_run(run_dir: str | None, case: str | None, request: gr.Request) -> list[Any]:
            return open_run(config, run_dir, case, request)

        def _open_cases(run_dir: str | None, case: str | None, request: gr.Request) -> list[Any]:
            return open_cases(config, run_dir, case, request)

        def _open_newest(run_dir: str | None, case: str | None, request: gr.Request) -> list[Any]:
            return open_cases(config, run_dir, case, request, newest=True)

        case_outputs = [case_source, case_reference, case_scores, case_summary, *case_slots, *case_long_records]
        # `select`, not `input`: a dropdown also sends `input` when it merely loses focus, which would show
        # (and audit) the case again without the user picking anything.
        case_run.select(_open_run, [case_run, case_id], [case_id, *case_outputs], api_visibility="private")
        case_id.select(_show, [case_run, case_id], case_outputs, api_visibility="private")
        for event in (case_refresh.click, cases_tab.select, app.load):
            event(_open_cases, [case_run, case_id], [case_run, case_id, *case_outputs], api_visibility="private")
        run_event.then(_refresh, [lb_evalset, lb_prompt], leaderboard_outputs, api_visibility="private").then(
            _open_newest, [case_run, case_id], [case_run, case_id, *case_outputs], api_visibility="private")

        def _open_in_cases(run_dir: str | None, request: gr.Request) -> list[Any]:
            return [gr.Tabs(selected="cases"), *open_cases(config, run_dir, None, request)]

        run_open_cases.click(_open_in_cases, run_pick, [tabs, case_run, case_id, *case_outputs],
                             api_visibility="private")
        compare_tab.select(compare_parts["refresh"], [compare_parts["run_a"], compare_parts["run_b"]],
                           [compare_parts["run_a"], compare_parts["run_b"]], api_visibility="private")

        # The Run and Playground lists follow the prompt files, the registry and the sets on the search path.
        def _run_lists(evalset: str | None, prompt: str | None) -> tuple[Any, Any]:
            return evalset_list(evalset), prompt_list(config, prompt)

        def _prompt_lists(run_prompt_ref: str | None, pg_prompt_ref: str | None) -> tuple[Any, Any]:
            return prompt_list(config, run_prompt_ref), prompt_list(config, pg_prompt_ref)

        for event in (run_tab.select, app.load):
            event(_run_lists, [run_evalset, run_prompt], [run_evalset, run_prompt], api_visibility="private")
        for event in (playground_tab.select, app.load):
            event(lambda ref: prompt_list(config, ref), pg_prompt, pg_prompt, api_visibility="private")

        def _open_prompts(name: str | None) -> Any:
            names = prompt_names(config)
            chosen = name if name in names else (names[0] if names else None)
            versions, base = prompt_versions(config, chosen)
            return gr.update(choices=names, value=chosen), versions, base

        prompts_tab.select(_open_prompts, pr_name, [pr_name, pr_versions, pr_base], api_visibility="private")
        pr_name.change(lambda name: prompt_versions(config, name), pr_name, [pr_versions, pr_base],
                       api_visibility="private")
        pr_base.change(lambda ref: load_prompt_for_edit(config, ref), pr_base, pr_text, api_visibility="private")
        pr_text.change(lambda name, text, ref: preview_prompt_edit(config, name, text, ref), [pr_name, pr_text, pr_base],
                       pr_diff, trigger_mode="always_last", api_visibility="private")

        def _register(name: str | None, text: str, message: str, base_ref: str | None, request: gr.Request) -> Any:
            status = register_edited_prompt(config, name, text, message, request, base_ref)
            versions, newest = prompt_versions(config, name)
            # A refused edit stays in the editor, on its base; a registered one becomes the new base.
            return status, versions, newest if status.startswith("Registered") else gr.update()

        pr_register.click(_register, [pr_name, pr_text, pr_message, pr_base], [pr_status, pr_versions, pr_base],
                          api_visibility="private").then(
            _prompt_lists, [run_prompt, pg_prompt], [run_prompt, pg_prompt], api_visibility="private")

        def _alias(name: str | None, alias: str, version: float | None, request: gr.Request) -> Any:
            return set_alias(config, name, alias, version, request), prompt_versions(config, name)[0]

        pr_alias_button.click(_alias, [pr_name, pr_alias, pr_alias_version], [pr_status, pr_versions],
                              api_visibility="private").then(
            _prompt_lists, [run_prompt, pg_prompt], [run_prompt, pg_prompt], api_visibility="private")

        def _playground(note: str, models: list[str], prompt: str, max_tokens: float | None,
                        request: gr.Request) -> Iterator[list[Any]]:
            yield from playground(config, note, models, prompt, max_tokens, request)

        pg_button.click(
            _playground,
            [pg_note, pg_models, pg_prompt, pg_max_tokens], [pg_status, pg_source, *pg_slots],
            concurrency_limit=8, concurrency_id="model-work", api_visibility="private")

        def _save(note: str, reference: str, set_name: str, case: str, request: gr.Request) -> str:
            return save_playground_case(config, note, reference, set_name, case, request)

        pg_save.click(_save, [pg_note, pg_reference, pg_set, pg_case_id], pg_save_status,
                      api_visibility="private").then(evalset_list, run_evalset, run_evalset, api_visibility="private")
    return app


def launch(config: UIConfig, *, host: str, port: int) -> None:
    """Serve the app; a login is required whenever ``config.credentials`` is set.

    Logins go through a ``LoginGuard``: audited, slowed on failure, locked after repeated failures.
    """
    app = build_app(config)
    app.queue(default_concurrency_limit=4)
    auth = LoginGuard(config.credentials, config.audit).check_async if config.credentials else None
    app.launch(server_name=host, server_port=port, auth=auth, share=False, ssr_mode=False, mcp_server=False,
               show_error=True, theme=_theme(), css=PAGE_CSS, enable_monitoring=False, quiet=False)
