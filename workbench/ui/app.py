"""The browser workbench for clinical informaticists: run, leaderboard, cases, prompts, playground.

A thin layer: every handler calls ``workbench`` (api, leaderboard, case_view, playground,
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
from typing import Any, Callable, Iterator

from workbench.privacy.egress import apply_privacy_environment

apply_privacy_environment()  # GRADIO_ANALYTICS_ENABLED=False before gradio is imported

import gradio as gr  # noqa: E402
import yaml  # noqa: E402

from workbench import api  # noqa: E402
from workbench.privacy.audit import AuditLog  # noqa: E402
from workbench.ui.case_view import RunCases, highlighted, load_run_cases  # noqa: E402
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
    filter_choices, format_number, leaderboard_entries, leaderboard_headers, newest_group, ranked_rows,
)
from workbench.models import unavailable_reason  # noqa: E402
from workbench.models.spec import ModelSpec  # noqa: E402
from workbench.run.playground import guess_language, run_playground, save_as_case, source_phi  # noqa: E402
from workbench.data.prompts import PromptTemplate, get_prompt, language_mismatch, load_prompts  # noqa: E402
from workbench.run.files import RunDirectoryError  # noqa: E402
from workbench.safe_names import UnsafeNameError, check_safe_name, safe_child  # noqa: E402
from workbench.ui.access import Credentials, LoginGuard  # noqa: E402
from workbench.ui.escape import markdown_text  # noqa: E402

MAX_MODEL_SLOTS = 6  # outputs shown side by side in the Cases and Playground tabs
SET_DEFAULT_PROMPT = "(the set's default prompt)"
ALL = "(all)"
EDITABLE_PROMPT_FIELDS = ("task", "language", "description", "messages", "plain_completion_cue")


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


def result_headers() -> list[str]:
    return ["model", "cases", "failures", "cached", *headline_headers(), "status"]


def result_rows(result: api.EvaluationResult) -> list[list[str]]:
    """The finished run's table, columns from the metric registry, rows in ranking order."""
    return [[evaluation.model, *[str(evaluation.metrics.get(name, "-")) for name in ("cases", "failures", "cached")],
             *headline_cells(evaluation.metrics), status_cell(evaluation.error, evaluation.metrics)]
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


def evalset_list(current: str | None) -> Any:
    """The evaluation-set dropdown as the search path holds it now; ``current`` stays chosen while it is listed."""
    choices = evalset_choices()
    fallback = "smoke-en" if "smoke-en" in choices else None
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

    @classmethod
    def start(cls, queues: DeviceQueues, specs: list[ModelSpec], work: Callable[[], Any], *, name: str,
              running_status: str) -> "DeviceJob":
        job = cls()

        def on_wait(device: str, ahead: int) -> None:
            job.status = f"waiting for device **{markdown_text(device)}** ({ahead} job(s) ahead)"

        def target() -> None:
            try:
                with queues.hold([device_key(spec) for spec in specs], on_wait):
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


def run_evaluation(config: UIConfig, models: list[str], evalset: str, prompt: str, limit: float | None,
                   max_tokens: float | None, detect_phi: bool,
                   request: gr.Request) -> Iterator[tuple[str, list[list[str]]]]:
    user, session = _user(request), _session(request)
    if not models:
        yield "Choose at least one model.", []
        return
    if not evalset:
        yield "Choose an evaluation set.", []
        return
    limit_value, max_tokens_value = _positive(limit), _positive(max_tokens)
    prompt_ref = None if not prompt or prompt == SET_DEFAULT_PROMPT else prompt
    try:
        specs = api.model_specs(models, catalogue=config.catalogue, max_tokens=max_tokens_value)
        chosen_set = load_evalset(evalset)
        cases = len(chosen_set.head(limit_value).cases)
        template = get_prompt(prompt_ref or chosen_set.manifest.default_prompt, config.prompts_dir)
    except Exception as exc:  # an unknown model, set or prompt, a limit below 1: say so, run nothing
        yield f"**Error:** {markdown_text(exc)}", []
        return
    refused = unrunnable(specs)
    if refused:  # nothing is queued for a model that would only fail when opened
        yield f"**Error:** {refused}; choose models this machine can run.", []
        return
    mismatch = language_mismatch(template, chosen_set.name, chosen_set.manifest.language)
    if mismatch:  # every section heading would be missed: refuse, as the CLI does without its override
        yield f"**Error:** {markdown_text(mismatch)}; choose a prompt in the set's language.", []
        return
    cancel = threading.Event()
    config.cancel_events[session] = cancel
    progress: dict[str, Any] = {"done": 0, "last": ""}
    config.audit.record(user=user, action="run.start", models=models, evalset=evalset,
                        details={"prompt": prompt_ref or "default", "limit": limit_value, "max_tokens": max_tokens_value})

    def on_record(record: api.GenerationRecord) -> None:
        progress["done"] += 1
        progress["last"] = f"{markdown_text(record.model)}: case {markdown_text(record.case_id)} done"

    def work() -> api.EvaluationResult:
        return api.evaluate(
            models, evalset, prompt=prompt_ref, limit=limit_value, max_tokens=max_tokens_value,
            detect_phi=detect_phi, runs_dir=config.runs_dir, tracking_uri=config.tracking_uri,
            allow_remote_endpoint=config.allow_remote_endpoint, show_progress=False,
            catalogue=config.catalogue, prompts_dir=config.prompts_dir, cancel=cancel, on_record=on_record)

    started = time.monotonic()
    job = DeviceJob.start(config.queues, specs, work, name=f"ui-run-{session}", running_status="running")
    try:
        for _ in job.polled():
            yield (f"**Running** {markdown_text(', '.join(models))} on {markdown_text(evalset)} · "
                   f"{progress['done']}/{cases * len(models)} cases · "
                   f"{time.monotonic() - started:.0f} s · {progress['last'] or job.status}"), []
    finally:
        if job.running:  # the page went away: stop after the cases in flight
            cancel.set()
        config.cancel_events.pop(session, None)
    result: api.EvaluationResult | None = job.result
    if job.error or result is None:
        config.audit.record(user=user, action="run.finish", models=models, evalset=evalset, outcome="error",
                            details={"error": job.error})
        yield f"**Error:** {markdown_text(job.error)}", []
        return
    cancelled = cancel.is_set()
    config.audit.record(user=user, action="run.finish", models=models, evalset=evalset,
                        outcome="cancelled" if cancelled else ("error" if result.errors or result.failed_cases else "ok"),
                        details={"run_id": result.run_id, "mlflow_run": result.mlflow_parent_run_id})
    if cancelled:
        message = (f"**Cancelled** run {markdown_text(result.run_id)}: finished cases are kept in the response cache; "
                   "run again to generate only the missing ones.")
    else:
        logged = (f"logged to MLflow (run {markdown_text(result.mlflow_parent_run_id)})" if result.mlflow_parent_run_id
                  else f"not logged to MLflow: {markdown_text(result.mlflow_error)}")
        message = (f"**{run_verdict(result)}** run {markdown_text(result.run_id)} in {time.monotonic() - started:.0f} s"
                   f" · {logged}")
        if result.errors:
            message += " · errors: " + "; ".join(f"{markdown_text(model)}: {markdown_text(error)}"
                                                 for model, error in result.errors.items())
        for model, cases in result.failed_cases.items():
            first_id, first_error = next(iter(cases.items()))
            message += (f" · **{markdown_text(model)}: {len(cases)} case(s) failed** "
                        f"(not scored; first: {markdown_text(first_id)}, {markdown_text(first_error)})")
    yield message, result_rows(result)


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
                        request: gr.Request) -> tuple[Any, Any, list[list[str]], Any, Any, Any, str]:
    evalset_filter = None if not evalset or evalset == ALL else evalset
    prompt_filter = None if not prompt or prompt == ALL else prompt
    config.audit.record(user=_user(request), action="leaderboard.view", evalset=evalset_filter,
                        details={"prompt": prompt_filter})
    everything = leaderboard_entries(tracking_uri=config.tracking_uri)
    evalsets, prompts = filter_choices(everything)
    entries = [e for e in everything if (evalset_filter is None or e.evalset == evalset_filter)
               and (prompt_filter is None or e.prompt == prompt_filter)]
    group = newest_group(entries)
    note = (f"{len(entries)} evaluation(s). Rows are ranked within groups of the same cases and prompt version; "
            f"charts show the newest group ({markdown_text(group[0].group)})." if group
            else "No evaluations logged yet.")
    return (gr.update(choices=[ALL, *evalsets], value=evalset or ALL), gr.update(choices=[ALL, *prompts], value=prompt or ALL),
            ranked_rows(entries), quality_latency_figure(group), phi_by_label_figure(group),
            latency_distribution_figure(group), note)


def _hidden_slot() -> list[Any]:
    return [gr.update(visible=False), "", None]


def _hidden_slots() -> list[Any]:
    return [part for _ in range(MAX_MODEL_SLOTS) for part in _hidden_slot()]


def _output_slots(prefix: str) -> list[Any]:
    """Side-by-side columns (title + highlighted output), shown as many as there are models."""
    slots: list[Any] = []
    with gr.Row():
        for index in range(MAX_MODEL_SLOTS):
            with gr.Column(min_width=280, visible=False) as column:
                slots.extend([column, gr.Markdown(), gr.HighlightedText(show_legend=True, elem_id=f"{prefix}-{index}")])
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


def case_choices(cases: RunCases) -> list[tuple[str, str]]:
    """The case dropdown of one run: the cases where the models disagree most first."""
    return [(f"{item.case_id} · disagreement {item.disagreement:.2f}", item.case_id) for item in cases.ordered()]


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
    return [None, "", [], summary, *_hidden_slots()]


def _unchanged_case() -> list[Any]:
    """The case view left as it is (nothing rendered again, nothing audited)."""
    return [gr.update() for _ in range(4 + 3 * MAX_MODEL_SLOTS)]


def _case_prompt(cases: RunCases, note: str = "") -> list[Any]:
    """The case view of a run before the user picks a case: no note, no outputs, no scores."""
    return _blank_case(f"Run {markdown_text(cases.run_id)} · {markdown_text(cases.evalset.name)} · "
                       f"{len(cases.evalset.cases)} case(s). {note}{PICK_A_CASE}")


def open_run(config: UIConfig, run_dir: str | None, case_id: str | None, request: gr.Request) -> list[Any]:
    """The case dropdown and the case view of the run the user chose, read once. The case the user picked
    (``case_id``) stays picked and is shown from this run while the run has it: every output, score and
    timing shown is that run's. Without a picked case the view only asks for one, and nothing is audited."""
    if not run_dir:
        return [gr.update(choices=[], value=None), *_blank_case()]
    try:
        cases = load_run_cases(chosen_run_dir(config, run_dir))
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
        cases = load_run_cases(chosen_run_dir(config, chosen))
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
        cases = load_run_cases(chosen_run_dir(config, run_dir))
    except (RunDirectoryError, UnsafeNameError) as exc:
        return _blank_case(f"**Cannot show this run:** {markdown_text(exc)}")
    return case_parts(config, cases, case_id, request)


def case_parts(config: UIConfig, cases: RunCases, case_id: str | None, request: gr.Request) -> list[Any]:
    """One case of a loaded run as the Cases tab shows it (source, reference, score table, summary, output
    columns); the view is written to the audit log. Without a case, only the prompt to pick one."""
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
                     + (f" · **error:** {markdown_text(output.error)}" if output.error else ""))
            slots.extend([gr.update(visible=True), title,
                          gr.update(value=highlighted(output.output, output.spans), label=output.model)])
        else:
            slots.extend(_hidden_slot())
    summary = (f"Run {markdown_text(cases.run_id)} · {markdown_text(cases.evalset.name)} · "
               f"case {markdown_text(view.case_id)} · disagreement {view.disagreement:.2f}")
    return [highlighted(view.source, view.source_spans), view.reference,
            gr.update(value=scores, headers=["score", *[o.model for o in view.outputs]]), summary, *slots]


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

    for version in list_registry_prompts(tracking_uri=config.tracking_uri, name=name):
        rows.append(["registry", version.ref or "-", version.uri, ", ".join(version.aliases) or "-",
                     version.commit_message, "-"])
        refs.append(version.uri)
    return rows, gr.update(choices=refs, value=refs[-1] if refs else None)


class _BlockStyleDumper(yaml.SafeDumper):
    """Multi-line strings as ``|`` blocks, so a message reads and edits as it will be sent."""


_BlockStyleDumper.add_representer(
    str, lambda dumper, text: dumper.represent_scalar("tag:yaml.org,2002:str", text, style="|" if "\n" in text else None))


def editable_text(prompt: PromptTemplate) -> str:
    data = prompt.model_dump(mode="json")
    return yaml.dump({key: data[key] for key in EDITABLE_PROMPT_FIELDS if data.get(key) is not None},
                     Dumper=_BlockStyleDumper, allow_unicode=True, sort_keys=False, width=100)


def load_prompt_for_edit(config: UIConfig, ref: str | None) -> str:
    if not ref:
        return ""
    return editable_text(api.resolve_prompt(ref, config.prompts_dir, tracking_uri=config.tracking_uri))


def register_edited_prompt(config: UIConfig, name: str | None, text: str, message: str,
                           request: gr.Request) -> str:
    from workbench.data.prompts import PromptError
    from workbench.track.prompt_registry import next_prompt_version, register_prompt_version

    if not name:
        return "Choose a prompt first."
    if not message.strip():
        return "Write a commit message: what changed and why."
    try:
        check_safe_name(name, "prompt name")  # before the name reaches the prompt files or the registry
        fields = yaml.safe_load(text)
        if not isinstance(fields, dict):
            raise PromptError("expected a mapping with task, language, description and messages")
        unknown = sorted(set(fields) - set(EDITABLE_PROMPT_FIELDS))
        if unknown:
            raise PromptError(f"fields {', '.join(unknown)} cannot be edited here (name and version are set for you)")
        version = next_prompt_version(name, tracking_uri=config.tracking_uri, prompts_dir=config.prompts_dir)
        prompt = PromptTemplate.model_validate({**fields, "name": name, "version": version})
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
    note_flags = source_phi(note, language, detector)
    note_view = {"text": note, "entities": [{"entity": f.label, "start": f.start, "end": f.end} for f in note_flags]}
    job = DeviceJob.start(
        config.queues, specs, lambda: run_playground(note, specs, template, language=language, detector=detector,
                                                     allow_remote_endpoint=config.allow_remote_endpoint),
        name="ui-playground", running_status="generating")
    for _ in job.polled():
        yield [f"**Running** {markdown_text(', '.join(models))} · {job.status}", note_view, *hidden]
    if job.error:
        yield [f"**Error:** {markdown_text(job.error)}", note_view, *hidden]
        return
    slots: list[Any] = []
    results = job.result
    for index in range(MAX_MODEL_SLOTS):
        if index < len(results):
            result = results[index]
            speed = "-" if result.tokens_per_s is None else f"{result.tokens_per_s:.1f}"
            title = (f"### {markdown_text(result.model)}\nTTFT {format_number(result.ttft_s, 2)} s · "
                     f"e2e {format_number(result.e2e_s, 2)} s · "
                     f"{result.completion_tokens or 0} tokens · {speed} tok/s · PHI copied {result.copied_phi}, "
                     f"invented {result.invented_phi}"
                     + (f" · **error:** {markdown_text(result.error)}" if result.error else ""))
            view = {"text": result.output, "entities": [{"entity": f"{f.origin} {f.label}", "start": f.start,
                                                         "end": f.end} for f in result.phi_flags]}
            slots.extend([gr.update(visible=True), title, gr.update(value=view, label=result.model)])
        else:
            slots.extend(_hidden_slot())
    config.audit.record(user=user, action="playground.finish", models=models, inputs={"note": note})
    yield [f"Done · prompt {markdown_text(template.ref)} · nothing was stored", note_view, *slots]


def save_playground_case(config: UIConfig, note: str, reference: str, set_name: str, case_id: str,
                         request: gr.Request) -> str:
    set_name = set_name.strip() or "playground-saved"
    try:
        manifest = save_as_case(note, sets_root=config.saved_cases_dir, set_name=set_name, case_id=case_id.strip(),
                                reference=reference, default_prompt=_default_prompt_for(note))
    except Exception as exc:
        return f"**Not saved:** {markdown_text(exc)}"
    config.audit.record(user=_user(request), action="playground.save_case", evalset=set_name,
                        inputs={"note": note, "reference": reference}, details={"case_id": case_id.strip()})
    return (f"Saved case **{markdown_text(case_id.strip())}** to evaluation set **{markdown_text(set_name)}** "
            f"({markdown_text(manifest)}).")


# --- the app ------------------------------------------------------------------------------------------------


def _theme() -> Any:
    system_fonts = ["ui-sans-serif", "system-ui", "sans-serif"]  # no web fonts: the page fetches nothing remote
    return gr.themes.Default(font=system_fonts, font_mono=["ui-monospace", "monospace"])


def build_app(config: UIConfig) -> gr.Blocks:
    models = model_choices(config)
    evalsets = evalset_choices()
    with gr.Blocks(title="Medical LLM evaluation workbench", analytics_enabled=False) as app:
        gr.Markdown("## Medical LLM evaluation workbench")
        with gr.Tab("Run", id="run") as run_tab:
            with gr.Row():
                run_models = gr.CheckboxGroup(models, label="Models", elem_id="run-models")
                with gr.Column():
                    run_evalset = gr.Dropdown(evalsets, value="smoke-en" if "smoke-en" in evalsets else None,
                                              label="Evaluation set", elem_id="run-evalset")
                    run_prompt = gr.Dropdown(prompt_choices(config), value=SET_DEFAULT_PROMPT, label="Prompt version",
                                             elem_id="run-prompt")
                    with gr.Row():
                        run_limit = gr.Number(value=None, precision=0, label="Limit (first N cases; 0: all)",
                                              elem_id="run-limit")
                        run_max_tokens = gr.Number(value=None, precision=0,
                                                   label="Max new tokens (0: catalogue)", elem_id="run-max-tokens")
                    run_detect = gr.Checkbox(False, label="Run the PHI detector on outputs")
            with gr.Row():
                run_button = gr.Button("Run evaluation", variant="primary", elem_id="run-button")
                cancel_button = gr.Button("Cancel", variant="stop", elem_id="cancel-button")
            run_status = gr.Markdown("Choose models and a set, then run.", elem_id="run-status")
            run_table = gr.Dataframe(headers=result_headers(), interactive=False, label="Result", elem_id="run-result")

        with gr.Tab("Leaderboard", id="leaderboard") as leaderboard_tab:
            with gr.Row():
                lb_evalset = gr.Dropdown([ALL], value=ALL, label="Evaluation set", elem_id="lb-evalset")
                lb_prompt = gr.Dropdown([ALL], value=ALL, label="Prompt version", elem_id="lb-prompt")
                lb_refresh = gr.Button("Refresh", elem_id="lb-refresh")
            lb_note = gr.Markdown()
            lb_table = gr.Dataframe(headers=leaderboard_headers(), interactive=False, label="Leaderboard",
                                    elem_id="leaderboard-table")
            with gr.Row():
                lb_quality = gr.Plot(label="Quality vs latency", elem_id="chart-quality-latency")
                lb_phi = gr.Plot(label="PHI leakage by label", elem_id="chart-phi-label")
            lb_latency = gr.Plot(label="Latency distribution", elem_id="chart-latency")

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
            case_slots = _output_slots("case-output")

        with gr.Tab("Prompts", id="prompts") as prompts_tab:
            with gr.Row():
                pr_name = gr.Dropdown(prompt_names(config), label="Prompt", elem_id="prompt-name")
                pr_base = gr.Dropdown([], label="Start from version", elem_id="prompt-base")
            pr_versions = gr.Dataframe(elem_id="prompt-versions", headers=["source", "version", "registry URI", "aliases", "commit message / description",
                                                "content hash"], interactive=False, label="Versions")
            pr_text = gr.Code(language="yaml", label="Template (edit, then register as a new version)",
                              elem_id="prompt-template")
            pr_message = gr.Textbox(label="Commit message", placeholder="What changed and why")
            pr_register = gr.Button("Register new version", variant="primary")
            with gr.Row():
                pr_alias = gr.Textbox(label="Alias", placeholder="production")
                pr_alias_version = gr.Number(precision=0, label="Registry version")
                pr_alias_button = gr.Button("Set alias")
            pr_status = gr.Markdown()

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
                pg_reference = gr.Textbox(label="Reference summary (optional)", lines=4)
                with gr.Row():
                    pg_set = gr.Textbox(value="playground-saved", label="Evaluation set")
                    pg_case_id = gr.Textbox(label="Case id")
                pg_save = gr.Button("Save as case")
                pg_save_status = gr.Markdown()

        # Model work waits in the per-device queues, not in Gradio's, so users see their place in line.
        def _run(models: list[str], evalset: str, prompt: str, limit: float | None, max_tokens: float | None,
                 detect: bool, request: gr.Request) -> Iterator[tuple[str, list[list[str]]]]:
            yield from run_evaluation(config, models, evalset, prompt, limit, max_tokens, detect, request)

        def _cancel(request: gr.Request) -> str:
            return cancel_run(config, request)

        run_event = run_button.click(
            _run, [run_models, run_evalset, run_prompt, run_limit, run_max_tokens, run_detect], [run_status, run_table],
            concurrency_limit=8, concurrency_id="model-work", api_visibility="private")
        cancel_button.click(_cancel, None, run_status,
                            api_visibility="private", queue=False)
        leaderboard_outputs = [lb_evalset, lb_prompt, lb_table, lb_quality, lb_phi, lb_latency, lb_note]

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

        case_outputs = [case_source, case_reference, case_scores, case_summary, *case_slots]
        # `select`, not `input`: a dropdown also sends `input` when it merely loses focus, which would show
        # (and audit) the case again without the user picking anything.
        case_run.select(_open_run, [case_run, case_id], [case_id, *case_outputs], api_visibility="private")
        case_id.select(_show, [case_run, case_id], case_outputs, api_visibility="private")
        for event in (case_refresh.click, cases_tab.select, app.load):
            event(_open_cases, [case_run, case_id], [case_run, case_id, *case_outputs], api_visibility="private")
        run_event.then(_refresh, [lb_evalset, lb_prompt], leaderboard_outputs, api_visibility="private").then(
            _open_newest, [case_run, case_id], [case_run, case_id, *case_outputs], api_visibility="private")

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

        def _register(name: str | None, text: str, message: str, request: gr.Request) -> Any:
            status = register_edited_prompt(config, name, text, message, request)
            versions, base = prompt_versions(config, name)
            return status, versions, base

        pr_register.click(_register, [pr_name, pr_text, pr_message], [pr_status, pr_versions, pr_base],
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
               show_error=True, theme=_theme(), enable_monitoring=False, quiet=False)
