"""The `workbench` command line."""

from __future__ import annotations

import getpass
import json
import sys
from collections import Counter
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

import typer
import yaml

from workbench.privacy.egress import apply_privacy_environment

apply_privacy_environment()

from workbench.data.evalset_import import ColumnMap, import_evalset  # noqa: E402
from workbench.data.evalset_tools import describe_evalset, list_evalsets, validate_evalset_dir  # noqa: E402
from workbench.data.evalsets import EvalSet, EvalSetError, load_evalset, resolve_evalset  # noqa: E402
from workbench.models.catalogue import CatalogueError, get_model_spec, load_catalogue  # noqa: E402
from workbench.data.predictions import check_coverage, read_predictions  # noqa: E402
from workbench.data.prompts import PromptError, get_prompt, language_mismatch, load_prompts  # noqa: E402
from workbench.errors import WorkbenchError  # noqa: E402
from workbench.run.long_records import DEFAULT_STRATEGY, LongRecordStrategy  # noqa: E402
from workbench.report.tables import format_text_table, headline_cells, headline_headers, status_cell  # noqa: E402
from workbench.scoring.registry import (  # noqa: E402
    SUMMARY_TASK, default_gates, interval_of, metric, metrics_where, ranking_key, ranking_rule_text,
)
from workbench.scoring.registry import primary as primary_metric  # noqa: E402
from workbench.scoring.coding import CODING_TASK  # noqa: E402

if TYPE_CHECKING:
    from workbench.run.runner import ComparisonOutcome

# The runner, the scorers and the statistics (numpy) are imported by the commands that use them, and MLflow
# only by the commands that log to it or read it: `--help`, listings and `report --no-mlflow` start fast.

# Help and usage errors as click writes them: wrapped to the terminal (at most HELP_WIDTH columns, 80 without
# one), never cutting an option name short, as rich's tables do at 80 columns in CI, pipes and narrow terminals.
HELP_WIDTH = 120
app = typer.Typer(help="Medical LLM evaluation workbench.", no_args_is_help=True, add_completion=False,
                  rich_markup_mode=None, context_settings={"max_content_width": HELP_WIDTH})
models_app = typer.Typer(help="The model catalogue.", no_args_is_help=True)
prompts_app = typer.Typer(help="Versioned prompt templates.", no_args_is_help=True)
app.add_typer(models_app, name="models")
evalsets_app = typer.Typer(help="Evaluation sets: list, show, validate, import.", no_args_is_help=True)
app.add_typer(prompts_app, name="prompts")
app.add_typer(evalsets_app, name="evalsets")

CatalogueOption = typer.Option(None, "--catalogue", help="Extra catalogue YAML file(s); entries override shipped ones.")
PromptsDirOption = typer.Option(None, "--prompts-dir", help="Extra directory of prompt files NAME@VERSION.yaml.")


MAX_FAILED_CASES_SHOWN = 20
RougeSchemeOption = typer.Option(
    None, "--rouge-scheme", help="ROUGE tokenization: rouge-score, char, jieba or cjk-mixed (default: rouge-score for "
    "English, char for Chinese, as published Chinese figures use).")


class StoreOutputs(str, Enum):
    as_is = "as-is"
    redacted = "redacted"
    hashed = "hashed"


TrackingUriOption = typer.Option(
    None, "--tracking-uri",
    help="MLflow tracking URI (default: $MLFLOW_TRACKING_URI, else sqlite:///./mlruns/mlflow.db).")
ExperimentOption = typer.Option(None, "--experiment", help="MLflow experiment (default: $MLFLOW_EXPERIMENT_NAME or 'workbench').")
StoreOutputsOption = typer.Option(
    StoreOutputs.as_is, "--store-outputs",
    help="Per-case outputs in MLflow: as-is (synthetic sets), redacted (the set's gold PHI replaced by [LABEL]) or hashed (SHA-256).")
TracesOption = typer.Option(
    True, "--traces/--no-traces",
    help="Log each case as an MLflow trace with its scores as assessments (about 0.2 s per case and model on a SQLite store).")


def _fail(message: str) -> None:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code=2)


def _format_table(headers: list[str], rows: list[list[str]]) -> str:
    return format_text_table(headers, rows)


@models_app.command("list")
def models_list(catalogue: Optional[list[Path]] = CatalogueOption) -> None:
    """List every model the workbench knows, shipped and your own, and whether this machine can run it."""
    from workbench.models import unavailable_reason

    try:
        entries = load_catalogue(catalogue)
    except CatalogueError as exc:
        _fail(str(exc))
    rows = []
    for name, entry in sorted(entries.items()):
        spec = entry.spec
        where = f"{spec.model} @ {spec.base_url}" if spec.base_url else (spec.model or spec.path or spec.package or "")
        thinking = "-" if spec.thinking is None else ("on" if spec.thinking else "off")
        reason = unavailable_reason(spec)
        rows.append([name, spec.backend, where, str(spec.context_length), thinking, entry.source,
                     "yes" if reason is None else f"no: {reason}"])
    typer.echo(_format_table(["model", "backend", "weights / endpoint", "context", "thinking", "defined in",
                              "runs here"], rows))


@models_app.command("show")
def models_show(name: str, catalogue: Optional[list[Path]] = CatalogueOption) -> None:
    """Print one catalogue entry with every default filled in."""
    try:
        spec = get_model_spec(name, catalogue)
    except CatalogueError as exc:
        _fail(str(exc))
    typer.echo(yaml.safe_dump(spec.model_dump(mode="json"), allow_unicode=True, sort_keys=False))


@prompts_app.command("list")
def prompts_list(prompts_dir: Optional[list[Path]] = PromptsDirOption,
                 tracking_uri: Optional[str] = TrackingUriOption) -> None:
    """List prompt templates and their versions: the prompt files, then the MLflow Prompt Registry's versions."""
    try:
        prompts = load_prompts(prompts_dir)
    except PromptError as exc:
        _fail(str(exc))
    rows = []
    for name, versions in sorted(prompts.items()):
        latest = versions[max(versions)]
        rows.append([name, ", ".join(str(v) for v in sorted(versions)), latest.task, latest.language or "-",
                     latest.content_hash()[:12]])
    typer.echo(_format_table(["prompt", "versions", "task", "language", "latest hash"], rows))
    typer.echo("")
    typer.echo(_registry_prompt_table(tracking_uri))


def _registry_prompt_table(tracking_uri: Optional[str]) -> str:
    """The registry's prompt versions as a table, or one line saying why there are none to show.
    The default SQLite store is only read when it exists: listing never creates one."""
    from workbench.track.store import default_tracking_uri

    uri = tracking_uri or default_tracking_uri()
    sqlite_prefix = "sqlite:///"
    if uri.startswith(sqlite_prefix) and not Path(uri[len(sqlite_prefix):].split("?", 1)[0]).exists():
        return f"MLflow Prompt Registry ({uri}): no store yet; versions registered from the UI or a run appear here."
    from workbench.track.prompt_registry import list_registry_prompts  # MLflow: only when there is a store to read

    try:
        versions = list_registry_prompts(tracking_uri=uri)
    except Exception as exc:  # an unreachable server: the file prompts are still listed
        return f"MLflow Prompt Registry ({uri}): not read: {exc}"
    rows = [[version.uri, version.ref or "-", ", ".join(f"@{alias}" for alias in version.aliases) or "-",
             version.commit_message] for version in versions]
    return (f"MLflow Prompt Registry ({uri}):\n"
            + (_format_table(["registry URI", "workbench version", "aliases", "commit message"], rows) if rows
               else "no prompt versions registered"))


@prompts_app.command("show")
def prompts_show(ref: str, prompts_dir: Optional[list[Path]] = PromptsDirOption) -> None:
    """Print a prompt version: NAME or NAME@VERSION from files, or prompts:/NAME/N, prompts:/NAME@ALIAS from MLflow."""
    try:
        prompt = _resolve_prompt(ref, prompts_dir)
    except PromptError as exc:
        _fail(str(exc))
    typer.echo(yaml.safe_dump(prompt.model_dump(mode="json"), allow_unicode=True, sort_keys=False))


def _resolve_prompt(ref: str, prompts_dir: Optional[list[Path]]) -> Any:
    """A prompt from the files (NAME[@VERSION]) or from the MLflow Prompt Registry (prompts:/...)."""
    from workbench.api import resolve_prompt

    return resolve_prompt(ref, prompts_dir)


def _log_run_to_mlflow(run_dir: Path, tracking_uri: Optional[str], experiment: Optional[str],
                       store_outputs: StoreOutputs, prompts_dir: Optional[list[Path]],
                       allow_remote_endpoint: bool = False, log_traces: bool = True) -> None:
    from workbench.track.mlflow_runs import log_comparison

    _echo_logged(log_comparison(run_dir, tracking_uri=tracking_uri, experiment=experiment,
                                store_outputs=store_outputs.value, prompts_dir=prompts_dir,
                                allow_remote_endpoint=allow_remote_endpoint, log_traces=log_traces))


def _echo_logged(logged: Any) -> None:
    typer.echo(f"mlflow: run {logged.parent_run_id} in experiment {logged.experiment_id} at {logged.tracking_uri}, "
               f"prompt {logged.prompt_uri}")
    for model in logged.missing_models:
        typer.secho(f"mlflow: {model} has no evaluation.json and was not logged", fg=typer.colors.YELLOW, err=True)


@app.command("track")
def track(
    run_dir: Path = typer.Argument(..., exists=True, file_okay=False, help="A run directory runs/<run_id>."),
    tracking_uri: Optional[str] = TrackingUriOption,
    experiment: Optional[str] = ExperimentOption,
    store_outputs: StoreOutputs = StoreOutputsOption,
    prompts_dir: Optional[list[Path]] = PromptsDirOption,
    allow_remote_endpoint: bool = typer.Option(False, "--allow-remote-endpoint", help="Allow sending the run (prompts, outputs: patient data) to a tracking server outside loopback and private networks."),
    traces: bool = TracesOption,
) -> None:
    """Log a finished run directory to MLflow: one parent run, one nested run per model, a trace per case."""
    from mlflow.exceptions import MlflowException

    from workbench.track.store import TrackingError

    try:
        _log_run_to_mlflow(run_dir, tracking_uri, experiment, store_outputs, prompts_dir, allow_remote_endpoint,
                           log_traces=traces)
    except (TrackingError, MlflowException) as exc:
        _fail(str(exc))


@app.command("report")
def report(
    run_dirs: Optional[list[Path]] = typer.Argument(
        None, exists=True, file_okay=False,
        help="Run directories runs/<run_id> to report on together (default: the newest under --runs-dir)."),
    runs_dir: Optional[Path] = typer.Option(
        None, "--runs-dir", help="Where to look for the newest run (default ./runs or $WORKBENCH_RUNS_DIR)."),
    thresholds: Optional[Path] = typer.Option(
        None, "--thresholds", help="YAML gates: metric: {min: X} / {max: Y} (default, for a summary set: "
        + "; ".join(gate.describe() for gate in default_gates(SUMMARY_TASK)) + "; for a coding set: "
        + "; ".join(gate.describe() for gate in default_gates(CODING_TASK)) + ")."),
    out: Optional[Path] = typer.Option(None, "--out", help="Output directory (default: the first run directory)."),
    load_test: Optional[list[Path]] = typer.Option(
        None, "--load-test", help="A load test directory runs/load-* (workbench load) shown under load beside the "
        "comparison; repeat for several. Evidence only: it does not change the recommendation."),
    output_excerpts: bool = typer.Option(True, "--output-excerpts/--no-output-excerpts",
                                         help="Show the start of the worst outputs (they may hold PHI the model copied)."),
    tracking_uri: Optional[str] = TrackingUriOption,
    experiment: Optional[str] = ExperimentOption,
    no_mlflow: bool = typer.Option(False, "--no-mlflow", help="Do not attach the report to the MLflow parent run."),
    allow_remote_endpoint: bool = typer.Option(False, "--allow-remote-endpoint", help="Allow sending the report and runs (patient data) to a tracking server outside loopback and private networks."),
) -> None:
    """Write report.html (self-contained) and report.md for a comparison, and attach them to its MLflow run.

    With --load-test, the report also shows each load test's curves and levels under load."""
    from workbench.report.build import ReportError, build_report, load_thresholds
    from workbench.report.publish import find_latest_run_dir, log_report_to_mlflow, write_report
    from workbench.run.files import default_runs_dir

    try:
        if not run_dirs:
            run_dirs = [find_latest_run_dir(runs_dir or default_runs_dir())]
        gates = load_thresholds(thresholds) if thresholds is not None else None  # None: the set's task's defaults
        built = build_report(list(run_dirs), gates, output_excerpt_chars=240 if output_excerpts else 0,
                             load_dirs=list(load_test or []))
        html_path, md_path = write_report(built, out or run_dirs[0])
    except ReportError as exc:
        _fail(str(exc))
        return
    typer.echo(str(html_path))
    typer.echo(str(md_path))
    recommendation = built.recommendation
    typer.echo(f"recommendation: {recommendation.model}" if recommendation.model else "recommendation: no model passes all gates")
    if not no_mlflow:
        from mlflow.exceptions import MlflowException

        from workbench.track.store import TrackingError, checked_tracking_uri

        try:
            parents = log_report_to_mlflow(
                built, html_path, md_path, experiment=experiment,
                tracking_uri=checked_tracking_uri(tracking_uri, allow_remote_endpoint=allow_remote_endpoint))
        except (TrackingError, MlflowException) as exc:
            _fail(f"report written, but not attached in MLflow: {exc}")
            return
        typer.echo(f"mlflow: attached to run(s) {', '.join(parents)}")


@prompts_app.command("register")
def prompts_register(
    ref: str,
    alias: Optional[str] = typer.Option(None, "--alias", help="Also point this alias (e.g. production) at it."),
    tracking_uri: Optional[str] = TrackingUriOption,
    prompts_dir: Optional[list[Path]] = PromptsDirOption,
) -> None:
    """Register a prompt version (NAME or NAME@VERSION) in the MLflow Prompt Registry, once."""
    from workbench.track.prompt_registry import parse_prompt_uri, register_prompt_version, set_prompt_alias

    try:
        prompt = get_prompt(ref, prompts_dir)
    except PromptError as exc:
        _fail(str(exc))
    uri = register_prompt_version(prompt, tracking_uri=tracking_uri)
    if alias:
        set_prompt_alias(prompt.name, alias, int(parse_prompt_uri(uri)[1]), tracking_uri=tracking_uri)
    typer.echo(uri + (f" (alias {alias})" if alias else ""))


@prompts_app.command("pull")
def prompts_pull(
    uri: str = typer.Argument(..., help="prompts:/NAME/VERSION or prompts:/NAME@ALIAS"),
    tracking_uri: Optional[str] = TrackingUriOption,
    out_dir: Optional[Path] = typer.Option(None, "--out-dir", help="Write NAME@VERSION.yaml here (a --prompts-dir)."),
) -> None:
    """Print a registry prompt as a workbench prompt file, or write it into a prompts directory."""
    from workbench.track.store import TrackingError
    from workbench.track.prompt_registry import load_prompt_template

    try:
        prompt = load_prompt_template(uri, tracking_uri=tracking_uri)
    except TrackingError as exc:
        _fail(str(exc))
    text = yaml.safe_dump(prompt.model_dump(mode="json"), allow_unicode=True, sort_keys=False)
    if out_dir is None:
        typer.echo(text)
        return
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{prompt.ref}.yaml"
    if target.exists() and target.read_text(encoding="utf-8") != text:
        _fail(f"{target} exists with other content; a prompt version is never edited")
    target.write_text(text, encoding="utf-8")
    typer.echo(str(target))


@prompts_app.command("alias")
def prompts_alias(name: str, alias: str, version: int, tracking_uri: Optional[str] = TrackingUriOption) -> None:
    """Point prompts:/NAME@ALIAS at registry version VERSION."""
    from mlflow.exceptions import MlflowException

    from workbench.track.prompt_registry import set_prompt_alias

    try:
        set_prompt_alias(name, alias, version, tracking_uri=tracking_uri)
    except MlflowException as exc:
        _fail(exc.message)
    typer.echo(f"prompts:/{name}@{alias} -> prompts:/{name}/{version}")


@evalsets_app.command("list")
def evalsets_list() -> None:
    """List the sets found in ./evalsets, $WORKBENCH_EVALSETS and the shipped ones."""
    rows = []
    for listing in list_evalsets():
        if listing.problem:
            rows.append([listing.name, "-", "-", "-", "INVALID (run: workbench evalsets validate " + listing.name + ")",
                         str(listing.directory)])
        else:
            rows.append([listing.name, str(listing.version), str(listing.language), str(listing.cases),
                         str(listing.content_hash)[:19], str(listing.directory)])
    typer.echo(_format_table(["evalset", "version", "language", "cases", "hash", "directory"], rows))


@evalsets_app.command("show")
def evalsets_show(name: str, as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Counts, languages, PHI by label and length distribution of one set."""
    try:
        evalset = load_evalset(name)
    except EvalSetError as exc:
        _fail(str(exc))
    info = describe_evalset(evalset)
    if as_json:
        typer.echo(json.dumps(info, ensure_ascii=False, indent=2))
        return
    typer.echo(f"{info['name']} v{info['version']}  {info['cases']} cases  {info['content_hash']}")
    typer.echo(f"directory: {info['directory']}")
    typer.echo(f"languages: {', '.join(f'{k} {v}' for k, v in info['languages'].items())}")
    typer.echo(f"task: {info['task']}   default prompt: {info['default_prompt']}")
    if info["required_sections"]:
        typer.echo(f"required sections: {' '.join(info['required_sections'])}")
    typer.echo(f"licence: {info['licence'] or '-'}   provenance: {info['provenance'] or '-'}")
    typer.echo(f"references: {info['cases_with_reference']} of {info['cases']} cases")
    typer.echo(f"PHI: {info['phi_spans']} spans in {info['cases_with_phi']} cases, {len(info['phi_by_label'])} labels")
    for label, count in info["phi_by_label"].items():
        typer.echo(f"  {label:<15} {count}")
    if len(info["departments"]) > 1 or "-" not in info["departments"]:
        typer.echo("departments: " + ", ".join(f"{k} {v}" for k, v in info["departments"].items()))
    for title, key in (("source length (chars)", "source_chars"), ("reference length (chars)", "reference_chars")):
        d = info[key]
        typer.echo(f"{title}: min {d['min']}  p25 {d['p25']:.0f}  median {d['median']:.0f}  p75 {d['p75']:.0f}  max {d['max']}")


@evalsets_app.command("validate")
def evalsets_validate(name_or_dir: str) -> None:
    """Check ids, fields, PHI spans and labels, and the manifest's count and hash; list every problem."""
    try:
        directory = resolve_evalset(name_or_dir)
    except EvalSetError as exc:
        _fail(str(exc))
    report = validate_evalset_dir(directory)
    if report.ok:
        typer.echo(f"ok: {directory}: {report.cases} cases, {report.content_hash}")
        return
    for problem in report.problems:
        typer.secho(problem, fg=typer.colors.RED, err=True)
    typer.secho(f"{len(report.problems)} problem(s) in {directory}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code=1)


@evalsets_app.command("import")
def evalsets_import(
    file: Path = typer.Argument(..., help="CSV, JSONL, or a Hugging Face dataset saved on disk (directory, .parquet, .arrow)."),
    fmt: str = typer.Option(..., "--format", help="csv, jsonl or hf."),
    id_col: str = typer.Option("id", "--id-col", help="Column holding a unique case id."),
    source_col: str = typer.Option("source", "--source-col", help="Column holding the note or dialogue."),
    reference_col: Optional[str] = typer.Option(None, "--reference-col", help="Column holding the reference summary."),
    name: str = typer.Option(..., "--name", help="Name of the new set."),
    version: str = typer.Option("1", "--version"),
    language: Optional[str] = typer.Option(None, "--language", help="zh or en; detected per case when omitted."),
    out: Optional[Path] = typer.Option(None, "--out", help="Directory to write (default ./evalsets/NAME)."),
    split: Optional[str] = typer.Option(None, "--split", help="Split of a saved DatasetDict (default train)."),
    licence: str = typer.Option("", "--licence", help="Licence of the imported data, recorded in the manifest."),
    default_prompt: Optional[str] = typer.Option(None, "--default-prompt", help="Prompt used when a run names none."),
    required_section: Optional[list[str]] = typer.Option(None, "--required-section", help="A section every summary must have; repeat in order."),
) -> None:
    """Turn your own (de-identified or synthetic) records into a validated set with its manifest."""
    if fmt not in ("csv", "jsonl", "hf"):
        _fail(f"--format must be csv, jsonl or hf, got {fmt!r}")
    try:
        directory, manifest, cases = import_evalset(
            file, fmt, ColumnMap(id=id_col, source=source_col, reference=reference_col),  # type: ignore[arg-type]
            name=name, version=version, language=language, out=out, split=split, licence=licence,
            default_prompt=default_prompt, required_sections=tuple(required_section or ()),
        )
    except EvalSetError as exc:
        _fail(str(exc))
    report = validate_evalset_dir(directory)
    if not report.ok:
        _fail("; ".join(report.problems))
    typer.echo(f"imported {len(cases)} cases into {directory} ({manifest.content_hash})")


@app.command("score")
def score(
    evalset: str = typer.Option(..., "--evalset", "-e", help="Evaluation set name or directory."),
    predictions: Path = typer.Option(..., "--predictions", help="CSV or JSONL with one prediction per case id."),
    id_col: str = typer.Option("id", "--id-col"),
    prediction_col: str = typer.Option("prediction", "--prediction-col"),
    json_out: Optional[Path] = typer.Option(None, "--json-out", help="Write aggregate and per-case scores as JSON."),
    allow_missing: bool = typer.Option(False, "--allow-missing", help="Score the cases that have a prediction."),
    keep_reasoning: bool = typer.Option(False, "--keep-reasoning", help="Score <think> blocks too (they are removed by default)."),
    detect_phi: Optional[bool] = typer.Option(None, "--detect-phi/--no-detect-phi", help="Run the PHI detector on the outputs (default: only when the set has no gold PHI spans)."),
    rouge_scheme: Optional[str] = RougeSchemeOption,
    workers: Optional[int] = typer.Option(None, "--workers", min=1, help="Processes that score the cases (default: one per core for sets of several thousand cases, else one)."),
) -> None:
    """Score outputs produced anywhere against an evaluation set, as `workbench run` does."""
    from workbench.scoring.scorer import score_outputs

    try:
        dataset = load_evalset(evalset)
        read = read_predictions(predictions, id_col=id_col, prediction_col=prediction_col, keep_reasoning=keep_reasoning)
        missing = check_coverage(dataset, read, allow_missing=allow_missing, path=predictions)
    except EvalSetError as exc:
        _fail(str(exc))
    if detect_phi is None:
        detect_phi = not any(case.phi for case in dataset.cases)
    report = score_outputs(dataset, read.outputs, detector=_detector() if detect_phi else None, rouge=rouge_scheme,
                           workers=workers, tool_calls=read.tool_calls)
    document = report.to_json()
    document["evalset"] = dataset.name
    document["evalset_hash"] = dataset.content_hash()
    document["missing"] = missing
    document["reasoning_removed"] = read.reasoning_removed
    a = report.aggregate
    typer.echo(f"evalset {dataset.name} v{dataset.manifest.version}: {a['scored_cases']} cases scored"
               + (f", {len(missing)} without a prediction" if missing else "")
               + (f", reasoning removed from {read.reasoning_removed}" if read.reasoning_removed else ""))
    typer.echo(f"ROUGE tokenization: {report.rouge_scheme}")
    typer.echo(_metrics_table(a))
    if json_out is not None:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps(document, ensure_ascii=False, indent=2), encoding="utf-8")
        typer.echo(f"scores: {json_out}")


def _detector() -> Any:
    from workbench.scoring.phi_detector import shared_detector

    return shared_detector()


phi_app = typer.Typer(help="PHI detection without gold spans.", no_args_is_help=True)
app.add_typer(phi_app, name="phi")


@phi_app.command("detector-quality")
def phi_detector_quality(
    evalset: Optional[list[str]] = typer.Option(None, "--evalset", "-e", help="Sets with gold spans (default: the shipped sets and the held-apart sets, two tables)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Recall and precision of the PHI detector per label on gold spans: know its blind spots.

    By default two tables: the shipped sets with gold, and the held-apart sets (the rules were
    written without looking at them: the honest figure for text the rules were not fitted to).
    """
    from workbench.scoring.phi_detector import PHIDetector, detector_quality, format_quality_table

    if evalset:
        try:
            quality = detector_quality(evalset)
        except EvalSetError as exc:
            _fail(str(exc))
        typer.echo(json.dumps(quality, indent=2) if as_json else format_quality_table(quality))
        return
    shipped = ["inpatient-summary-zh", "clinical-summary-en"]
    held_apart = ["phi-heldout-en", "phi-heldout-zh"]
    missing = []
    for name in held_apart:
        try:
            resolve_evalset(name)
        except EvalSetError:
            missing.append(name)
    detector = PHIDetector()
    try:
        shipped_quality = detector_quality(shipped, detector)
        held_quality = None if missing else detector_quality(held_apart, detector)
    except EvalSetError as exc:
        _fail(str(exc))
    if as_json:
        typer.echo(json.dumps({"shipped": shipped_quality, "held_apart": held_quality}, indent=2))
        return
    typer.echo(f"Shipped sets with gold ({', '.join(shipped)})")
    typer.echo(format_quality_table(shipped_quality))
    typer.echo("")
    if held_quality is None:
        typer.echo(f"Held-apart sets ({', '.join(held_apart)}): not present yet ({', '.join(missing)} missing).")
        return
    typer.echo(f"Held-apart sets ({', '.join(held_apart)}), rules written without looking at them")
    typer.echo(format_quality_table(held_quality))


@phi_app.command("detect")
def phi_detect(text: str = typer.Argument(..., help="Text to scan."),
               language: str = typer.Option("en", "--language", help="en or zh")) -> None:
    """Print the PHI the detector finds in a text (nothing is stored)."""
    for detection in _detector().detect(text, language):
        typer.echo(f"{detection.label:<15} {detection.start:>5}-{detection.end:<5} {detection.text}  ({detection.recognizer})")


def _metrics_table(aggregate: dict[str, Any]) -> str:
    """Every quality and privacy metric the scorers reported, with its interval."""
    rows = []
    for item in [*metrics_where(kind="quality"), *metrics_where(kind="privacy")]:
        if item.aggregation == "run" or aggregate.get(item.name) is None:
            continue  # not reported (e.g. the detector did not run)
        low, high = interval_of(aggregate, item.name)
        interval = f"[{item.format(low)}, {item.format(high)}]" if low is not None and high is not None else "-"
        rows.append([item.name, item.label, item.format(aggregate.get(item.name)), interval,
                     item.direction or ""])
    return _format_table(["metric", "label", "value", "95% CI", "better"], rows)


def _paired(outcome: ComparisonOutcome) -> list[Any]:
    from workbench.api import paired_for

    return paired_for(outcome)


def _paired_lines(results: list[Any]) -> list[str]:
    lines = []
    width = max((len(f"{metric(r.metric).label} {metric(r.metric).arrow}") for r in results), default=0)
    for result in results:
        effect = "-" if result.effect_size is None else f"{result.effect_size:+.2f}"
        name = f"{metric(result.metric).label} {metric(result.metric).arrow}"
        adjusted = "-" if result.p_adjusted is None else f"{result.p_adjusted:.3f}"
        verdict = "underpowered" if result.underpowered else ("significant" if result.significant else "not significant")
        lines.append(
            f"{name:<{width}}  {result.model_a} - {result.model_b}: {result.mean_difference:+.4f} "
            f"[{result.ci_low:+.4f}, {result.ci_high:+.4f}]  p={result.p_value:.3f}  p_holm={adjusted}  "
            f"d={effect}  n={result.n}  {verdict}"
        )
    return lines


def summary_headers(tasks: Any = None) -> list[str]:
    """The summary table's columns for sets of ``tasks`` (None: every headline metric); read at call time, so a
    scorer registered later shows too."""
    return ["rank", "model", "cases", "failures", "cached", *headline_headers(tasks), "status"]


def _summary_rows(outcome: ComparisonOutcome, paired: list[Any], tasks: Any = None) -> list[list[str]]:
    """One row per model, in the order of the ranking rule of the set's task; columns from the registry's headline
    metrics for ``tasks`` (default: the set's task); ``paired`` are the comparison's paired tests, which decide
    shared ranks."""
    from workbench.scoring.compare import rank_label, shared_ranks

    task = outcome.evalset.manifest.task
    ordered = [(e.model, ranking_key(e.metrics, failed=bool(e.error), task=task)) for e in outcome.evaluations]
    ordered.sort(key=lambda item: item[1])
    ranks = shared_ranks(ordered, paired, task)
    by_model = {evaluation.model: evaluation for evaluation in outcome.evaluations}
    columns = [task] if tasks is None else tasks
    return [[rank_label(ranks[model], ranks), model,
             *[str(by_model[model].metrics.get(name, "-")) for name in ("cases", "failures", "cached")],
             *headline_cells(by_model[model].metrics, columns),
             status_cell(by_model[model].error, by_model[model].metrics)]
            for model, _ in ordered]


def _summary_table(outcome: ComparisonOutcome, paired: list[Any]) -> str:
    return _format_table(summary_headers([outcome.evalset.manifest.task]), _summary_rows(outcome, paired))


def comparison_json(outcome: ComparisonOutcome, paired: list[Any]) -> dict[str, Any]:
    from workbench.run.files import RECORDS_FILE
    from workbench.scoring.compare import comparison_dicts

    return {
        "paired_comparisons": comparison_dicts(paired),
        "run_id": outcome.run_id,
        "run_dir": str(outcome.directory),
        "evaluations": [
            {
                "model": evaluation.model,
                "evalset": outcome.evalset.name,
                "evalset_version": outcome.evalset.manifest.version,
                "evalset_hash": outcome.evalset.content_hash(),
                "prompt": outcome.prompt.ref,
                "prompt_hash": outcome.prompt.content_hash(),
                "records": str(evaluation.directory / RECORDS_FILE),
                "error": evaluation.error,
                "metrics": evaluation.metrics,
            }
            for evaluation in outcome.evaluations
        ],
    }


def _limit_note(limit: int | None, evalset: EvalSet) -> str | None:
    """The note for a ``--limit`` above the number of cases in ``evalset`` (every case runs); None otherwise."""
    cases = len(evalset.cases)
    if limit is None or limit <= cases:
        return None
    return f"--limit {limit} is more than the {cases} cases of {evalset.name}: all {cases} are run"


@app.command("run")
def run(
    model: list[str] = typer.Option(..., "--model", "-m", help="Catalogue name; repeat to compare models."),
    evalset: list[str] = typer.Option(..., "--evalset", "-e", help="Evaluation set name or directory; repeat to run several sets one after the other (each its own comparison, one batch id)."),
    prompt: Optional[str] = typer.Option(None, "--prompt", "-p", help="NAME, NAME@VERSION, or prompts:/NAME/N or prompts:/NAME@ALIAS from the MLflow registry; default: the set's default_prompt."),
    limit: Optional[int] = typer.Option(None, "--limit", min=1, help="Only the first N cases."),
    concurrency: int = typer.Option(1, "--concurrency", "-c", min=1, help="Requests in flight per model."),
    json_out: Optional[Path] = typer.Option(None, "--json-out", help="Write the summary as JSON here."),
    runs_dir: Optional[Path] = typer.Option(None, "--runs-dir", help="Where run directories and the cache live (default ./runs or $WORKBENCH_RUNS_DIR)."),
    max_tokens: Optional[int] = typer.Option(None, "--max-tokens", min=1, help="Override every model's max_tokens."),
    seed: Optional[int] = typer.Option(None, "--seed", help="Override every model's sampling seed."),
    thinking: Optional[bool] = typer.Option(None, "--thinking/--no-thinking", help="Switch reasoning on or off for models that have the switch."),
    warmup: int = typer.Option(0, "--warmup", min=0, help="Warm-up requests per model, excluded from the records."),
    no_cache: bool = typer.Option(False, "--no-cache", help="Generate every case again, ignoring the response cache."),
    allow_remote_endpoint: bool = typer.Option(False, "--allow-remote-endpoint", help="Allow sending prompts and outputs (patient data) to model endpoints and a tracking server outside loopback and private networks."),
    detect_phi: bool = typer.Option(False, "--detect-phi", help="Also run the PHI detector on outputs (copied vs invented identifiers)."),
    rouge_scheme: Optional[str] = RougeSchemeOption,
    long_records: LongRecordStrategy = typer.Option(LongRecordStrategy(DEFAULT_STRATEGY), "--long-records", help="A case whose prompt and max_tokens do not fit the model's context: refuse (fail it, naming the tokens; the default), truncate (keep the note's head and tail), map-reduce (summarise chunks, then combine) or refine (summarise chunk by chunk). Records that fit are sent whole."),
    chunk_tokens: Optional[int] = typer.Option(None, "--chunk-tokens", min=1, help="map-reduce and refine: note tokens per chunk at most (default: as many as fit the context)."),
    chunk_overlap: int = typer.Option(0, "--chunk-overlap", min=0, help="map-reduce and refine: tokens two consecutive chunks share (default 0)."),
    mlflow_log: bool = typer.Option(True, "--mlflow/--no-mlflow", help="Log the finished run to MLflow (local SQLite under ./mlruns unless --tracking-uri)."),
    traces: bool = TracesOption,
    tracking_uri: Optional[str] = TrackingUriOption,
    experiment: Optional[str] = ExperimentOption,
    store_outputs: StoreOutputs = StoreOutputsOption,
    no_progress: bool = typer.Option(False, "--no-progress", help="No progress bar."),
    allow_failures: bool = typer.Option(False, "--allow-failures", help="Exit 0 even when some cases failed (they are still counted as failures and left out of the scores)."),
    allow_language_mismatch: bool = typer.Option(False, "--allow-language-mismatch", help="Run a prompt in one language over a set in another (refused by default: its headings and wording cannot match the set's)."),
    guard_model: Optional[str] = typer.Option(None, "--guard", help="Also have this catalogue model give a guard verdict (safe / controversial / unsafe) on every output before the run is logged (see `workbench guard`)."),
    judge_models: Optional[list[str]] = typer.Option(None, "--judge", help="Also have this catalogue model grade every output against the rubric before the run is logged (see `workbench judge`); repeat for a jury."),
    rubric: Optional[str] = typer.Option(None, "--rubric", help="Rubric file or NAME@VERSION for --judge (default: the shipped rubric of each set)."),
    allow_same_family: bool = typer.Option(False, "--allow-same-family", help="Let the --guard and --judge models judge candidates of their own family."),
    catalogue: Optional[list[Path]] = CatalogueOption,
    prompts_dir: Optional[list[Path]] = PromptsDirOption,
) -> None:
    """Run models over one or more evaluation sets; one record per case, a summary table at the end.

    Several --evalset options run the sets one after the other with the same models and prompt (each set's
    default prompt when --prompt is not given): each set is its own comparison (run directory, MLflow parent
    run, ranking), all tagged with one batch id. Refuses a prompt whose language differs from a set's (unless
    --allow-language-mismatch). Exits 1 when a model could not run or any case failed (unless --allow-failures),
    naming them."""
    from workbench.api import evaluate_sets, resolve_prompt
    from workbench.run.batch import LanguageMismatchError, plan_sets
    from workbench.run.runner import RunSettings

    try:
        plans = plan_sets(evalset, prompt, lambda ref: resolve_prompt(
            ref, prompts_dir, tracking_uri=tracking_uri, allow_remote_endpoint=allow_remote_endpoint),
            allow_language_mismatch=allow_language_mismatch)
    except LanguageMismatchError as exc:
        _fail(f"{exc}; --allow-language-mismatch runs it anyway")
        return
    except WorkbenchError as exc:  # an unknown set or prompt, a set named twice: nothing ran
        _fail(str(exc))
        return
    for plan in plans:
        for note in (plan.language_note, _limit_note(limit, plan.evalset)):
            if note:
                typer.secho(f"note: {note}", fg=typer.colors.YELLOW, err=True)
    shown: list[tuple[Any, list[Any]]] = []

    def show(result: Any) -> None:
        comparisons = _paired(result.outcome)  # read the run's files and test once; the table, lines and JSON share them
        _echo_result(result, comparisons, rouge_scheme)
        shown.append((result, comparisons))

    try:
        results = evaluate_sets(
            model, [plan.evalset for plan in plans], prompt=plans[0].prompt if prompt else None,
            allow_language_mismatch=allow_language_mismatch, on_result=show, limit=limit, max_tokens=max_tokens,
            seed=seed, thinking=thinking, concurrency=concurrency, warmup=warmup, detect_phi=detect_phi,
            rouge_scheme=rouge_scheme, long_records=long_records.value, chunk_tokens=chunk_tokens,
            chunk_overlap=chunk_overlap, use_cache=not no_cache, runs_dir=runs_dir, log_to_mlflow=mlflow_log,
            tracking_uri=tracking_uri, experiment=experiment, store_outputs=store_outputs.value,
            log_traces=traces, allow_remote_endpoint=allow_remote_endpoint, show_progress=not no_progress,
            catalogue=catalogue, prompts_dir=prompts_dir, guard=guard_model, judges=judge_models, rubric=rubric,
            allow_same_family=allow_same_family)
    except WorkbenchError as exc:  # an unknown model, a bad setting: nothing ran
        _fail(str(exc))
        return
    except KeyboardInterrupt:
        where = runs_dir or RunSettings().runs_dir
        typer.secho(f"\ninterrupted: finished cases are kept under {where} and in the response cache; "
                    "run the same command again to generate only the missing ones", fg=typer.colors.YELLOW, err=True)
        raise typer.Exit(code=130)
    if len(results) > 1:
        typer.echo("")
        typer.echo(f"batch {results[0].batch_id}: {len(results)} sets, each ranked within its own cases")
        typer.echo(_batch_table(shown))
    if json_out is not None:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        if len(shown) == 1:
            document = comparison_json(shown[0][0].outcome, shown[0][1])
        else:
            runs = [comparison_json(result.outcome, comparisons) for result, comparisons in shown]
            document = {"batch": results[0].batch_id if results else None, "runs": runs,
                        "evaluations": [evaluation for run in runs for evaluation in run["evaluations"]]}
        json_out.write_text(json.dumps(document, ensure_ascii=False, indent=2), encoding="utf-8")
        typer.echo(f"summary: {json_out}")
    outcomes = [result.outcome for result in results]
    failed_cases = [(evaluation.model, record) for outcome in outcomes for evaluation in outcome.evaluations
                    for record in evaluation.records if not record.ok]
    where = (lambda outcome: f" on {outcome.evalset.name}") if len(outcomes) > 1 else (lambda outcome: "")
    for outcome in outcomes:
        for evaluation in outcome.evaluations:
            if evaluation.error:
                typer.secho(f"error: model {evaluation.model}{where(outcome)}: {evaluation.error}",
                            fg=typer.colors.RED, err=True)
    for model_name, record in failed_cases[:MAX_FAILED_CASES_SHOWN]:
        typer.secho(f"failed: {model_name} case {record.case_id}: {record.error_type or 'error'}: {record.error}",
                    fg=typer.colors.YELLOW if allow_failures else typer.colors.RED, err=True)
    if len(failed_cases) > MAX_FAILED_CASES_SHOWN:
        typer.secho(f"failed: {len(failed_cases) - MAX_FAILED_CASES_SHOWN} more case(s); every failure is in the "
                    "records (records.jsonl, field 'error')", err=True)
    model_errors = any(evaluation.error for outcome in outcomes for evaluation in outcome.evaluations)
    if model_errors or (failed_cases and not allow_failures):
        if failed_cases and not allow_failures:
            typer.secho(f"{len(failed_cases)} case(s) failed: they are not scored and count against the failure "
                        "gate; --allow-failures exits 0 all the same", fg=typer.colors.RED, err=True)
        raise typer.Exit(code=1)


def _long_record_lines(outcome: Any) -> list[str]:
    """Per model, the cases whose prompt did not fit its context and what was done with them."""
    lines = []
    for evaluation in outcome.evaluations:
        handled = [record.long_record for record in evaluation.records if record.long_record is not None]
        over = [handling for handling in handled if handling.applied != "whole"]
        if not over:
            continue
        applied = Counter(handling.applied for handling in over)
        line = (f"long records: {evaluation.model}: {len(over)} of {len(evaluation.records)} case(s) did not fit its "
                f"context of {over[0].context_length} tokens with max_tokens {over[0].max_tokens} "
                f"(--long-records {over[0].strategy}): "
                + ", ".join(f"{count} {what}" for what, count in sorted(applied.items())))
        cut = evaluation.metrics.get("long_records_cut_share")
        calls = evaluation.metrics.get("long_records_calls_mean")
        if cut is not None:
            line += f"; {cut:.0%} of a truncated note's tokens cut on average"
        if calls is not None:
            line += f"; {calls:.1f} calls per chunked case"
        lines.append(line + f"; tokens counted with {over[0].token_count_source}")
    return lines


def _echo_result(result: Any, comparisons: list[Any], rouge_scheme: Optional[str]) -> None:
    """One set's part of `workbench run`: the set, the ranked table, the paired tests, where it went."""
    from workbench.scoring.rouge import rouge_scheme as scheme_for
    from workbench.scoring.stats import MIN_CASES_FOR_RANKING

    outcome = result.outcome
    typer.echo("")
    typer.echo(f"evalset {outcome.evalset.name} v{outcome.evalset.manifest.version} "
               f"({len(outcome.evalset.cases)} cases, {outcome.evalset.content_hash()[:19]}), prompt {outcome.prompt.ref}, "
               f"ROUGE tokenization {scheme_for(outcome.evalset.manifest.language, rouge_scheme)}")
    typer.echo(_summary_table(outcome, comparisons))
    for line in _long_record_lines(outcome):
        typer.echo(line)
    if outcome.evalset.manifest.code_system:  # a coding set: every coding score, beyond the table's columns
        for evaluation in outcome.evaluations:
            typer.echo(f"coding scores ({outcome.evalset.manifest.code_system}), {evaluation.model}:")
            typer.echo(_metrics_table(evaluation.metrics))
    task = outcome.evalset.manifest.task
    typer.echo(f"rank: {ranking_rule_text(task)}; models no Holm-adjusted test separates on "
               f"{primary_metric('quality', task).label} share a rank (\"1=\")")
    paired = _paired_lines(comparisons)
    if paired:
        typer.echo("paired differences (95% t interval, paired t-test p, Holm-adjusted p over every test, effect "
                   f"size d; fewer than {MIN_CASES_FOR_RANKING} shared cases: underpowered):")
        for line in paired:
            typer.echo("  " + line)
    typer.echo(f"records: {outcome.directory}")
    if result.logged is not None:
        _echo_logged(result.logged)
        if result.batch_id:
            typer.echo(f"mlflow: tagged workbench.batch={result.batch_id}")
    if result.mlflow_error is not None:  # the run is complete on disk; `workbench track` can log it later
        typer.secho(f"mlflow: not logged ({result.mlflow_error}); retry with `workbench track {outcome.directory}`"
                    if result.logged is None else f"mlflow: {result.mlflow_error}", fg=typer.colors.YELLOW, err=True)


def _batch_table(shown: list[tuple[Any, list[Any]]]) -> str:
    """Every set's ranked rows in one table with a set column (ranks count within each set)."""
    tasks = list(dict.fromkeys(result.outcome.evalset.manifest.task for result, _ in shown))
    rows = [[result.outcome.evalset.name, *row] for result, comparisons in shown
            for row in _summary_rows(result.outcome, comparisons, tasks)]
    return _format_table(["set", *summary_headers(tasks)], rows)


class ExportFormat(str, Enum):
    csv = "csv"
    json = "json"


@app.command("export")
def export(
    run_dirs: list[Path] = typer.Argument(..., exists=True, file_okay=False, help="Run directories runs/<run_id>."),
    export_format: ExportFormat = typer.Option(ExportFormat.csv, "--format", help="csv: one row per model and case "
                                               "(outputs, timings, per-case scores); json: the per-model rows and "
                                               "the per-case rows."),
    out: Path = typer.Option(..., "--out", help="File to write."),
) -> None:
    """Export runs as CSV (UTF-8, Chinese intact) or JSON; metric columns are named "label (key)" from the registry."""
    from workbench.api import export_run

    try:
        path = export_run(list(run_dirs), out, export_format=export_format.value)
    except WorkbenchError as exc:
        _fail(str(exc))
        return
    typer.echo(str(path))


@app.command("leaderboard")
def leaderboard(
    evalset: Optional[str] = typer.Option(None, "--evalset", "-e", help="Only evaluations of this set."),
    prompt: Optional[str] = typer.Option(None, "--prompt", "-p", help="Only evaluations with this prompt version (NAME@VERSION)."),
    csv_out: Optional[Path] = typer.Option(None, "--csv", help="Also write the leaderboard as CSV here."),
    json_out: Optional[Path] = typer.Option(None, "--json", help="Also write the leaderboard as JSON here."),
    tracking_uri: Optional[str] = TrackingUriOption,
) -> None:
    """Every evaluation logged to MLflow, ranked within groups of the same cases and prompt version."""
    from workbench.track.export import leaderboard_table, write_export
    from workbench.track.leaderboard import leaderboard_entries, leaderboard_headers, ranked_rows
    from workbench.track.store import TrackingError

    try:
        entries = leaderboard_entries(tracking_uri=tracking_uri, evalset=evalset, prompt=prompt)
    except TrackingError as exc:
        _fail(str(exc))
        return
    rows = ranked_rows(entries)
    if not entries:
        typer.echo("no evaluations logged" + (" for these filters" if evalset or prompt else ""))
    else:
        typer.echo(_format_table(leaderboard_headers(entries), rows))
    for path, export_format in ((csv_out, "csv"), (json_out, "json")):
        if path is not None:
            try:
                written = write_export(path, export_format, [leaderboard_table(entries, rows)],
                                       filters={"evalset": evalset, "prompt": prompt})
            except WorkbenchError as exc:
                _fail(str(exc))
                return
            typer.echo(f"{export_format}: {written}")


@app.command("guard")
def guard(
    run_dir: Path = typer.Argument(..., exists=True, file_okay=False, help="Run directory runs/<run_id>."),
    guard_model: str = typer.Option(..., "--guard", help="Catalogue model that gives the verdicts (e.g. qwen3guard-gen-4b)."),
    allow_same_family: bool = typer.Option(False, "--allow-same-family", help="Let the guard judge candidates of its own family (the summary says which)."),
    limit: Optional[int] = typer.Option(None, "--limit", min=1, help="Only the first N outputs of each model."),
    sources: bool = typer.Option(False, "--sources", help="Also judge each case's source note (what was there before any model)."),
    audit_log: Optional[Path] = typer.Option(None, "--audit-log", help="Audit log that gets every verdict (hashes of "
                                             "output and reply, never text); default $WORKBENCH_AUDIT_LOG or "
                                             "audit/ui-audit.jsonl."),
    catalogue: Optional[list[Path]] = CatalogueOption,
) -> None:
    """A guard model's verdict (safe / controversial / unsafe, categories, reason) on every output of a run, without
    generating again: shares with intervals, routes, the guard's latency and its agreement with the gold spans."""
    from workbench.judges.guard_run import run_guard
    from workbench.models import open_backend
    from workbench.privacy.audit import AuditLog, default_audit_path
    from workbench.report.tables import GUARD_HEADERS, guard_cells

    try:
        spec = get_model_spec(guard_model, catalogue)
        audit = AuditLog(audit_log or default_audit_path())
        result = run_guard(run_dir, spec, open_guard=open_backend, allow_same_family=allow_same_family, limit=limit,
                           include_sources=sources, audit=audit, user=getpass.getuser())
    except (WorkbenchError, CatalogueError) as exc:
        _fail(str(exc))
        return
    rows = [*result.summaries, *([result.sources] if result.sources is not None else [])]
    typer.echo(_format_table(GUARD_HEADERS, [guard_cells(summary) for summary in rows]))
    if result.same_family_graded:
        typer.echo(f"graded although of the guard's family: {', '.join(result.same_family_graded)}")
    typer.echo(f"verdicts: {result.summary_path}")


@app.command("judge")
def judge(
    run_dir: Path = typer.Argument(..., exists=True, file_okay=False, help="Run directory runs/<run_id>."),
    judge_models: list[str] = typer.Option(..., "--judge", help="Catalogue model that grades; repeat for a jury."),
    rubric: Optional[str] = typer.Option(None, "--rubric", help="Rubric file or NAME@VERSION (default: the shipped rubric of the run's set)."),
    pairwise: bool = typer.Option(False, "--pairwise", help="Also compare every pair of models case by case, in both orders."),
    allow_same_family: bool = typer.Option(False, "--allow-same-family", help="Let a judge grade candidates of its own family (the summary says which)."),
    limit: Optional[int] = typer.Option(None, "--limit", min=1, help="Only the first N outputs of each model."),
    catalogue: Optional[list[Path]] = CatalogueOption,
) -> None:
    """Grade every output of a run against a rubric with one or more local judge models, without generating again:
    rubric scores with intervals, per item type, unparsed verdicts counted; with several judges, the jury's
    majority and mean and the judges' agreement (Krippendorff's α)."""
    from workbench.judges.judge_run import judge_run
    from workbench.judges.jury import read_jury
    from workbench.judges.pairwise_run import pairwise_run
    from workbench.judges.rubrics import load_rubric, rubric_for_set
    from workbench.models import open_backend
    from workbench.report.tables import (
        JUDGE_HEADERS, JURY_HEADERS, PAIRWISE_HEADERS, agreement_sentence, judge_cells, jury_cells, pairwise_cells,
    )
    from workbench.run.files import read_manifest

    try:
        specs = [get_model_spec(name, catalogue) for name in dict.fromkeys(judge_models)]
        chosen = load_rubric(rubric) if rubric else rubric_for_set(read_manifest(run_dir).evalset)
        for spec in specs:
            result = judge_run(run_dir, spec, chosen, open_judge=open_backend, allow_same_family=allow_same_family,
                               limit=limit)
            typer.echo(f"judge {spec.name} · rubric {chosen.ref} ({chosen.content_hash()[:12]})")
            typer.echo(_format_table(JUDGE_HEADERS, [judge_cells(summary) for summary in result.summaries]))
            if result.same_family_graded:
                typer.echo(f"graded although of the judge's family: {', '.join(result.same_family_graded)}")
            if pairwise:
                compared = pairwise_run(run_dir, spec, open_judge=open_backend, allow_same_family=allow_same_family,
                                        limit=limit)
                typer.echo(_format_table(PAIRWISE_HEADERS, [pairwise_cells(summary) for summary in compared.summaries]))
            typer.echo("")
        if len(specs) > 1:
            jury = read_jury(run_dir, [spec.name for spec in specs])
            typer.echo(f"jury of {len(specs)} judges · {agreement_sentence(jury.agreement)}")
            typer.echo(_format_table(JURY_HEADERS, [jury_cells(summary) for summary in jury.models]))
    except (WorkbenchError, CatalogueError) as exc:
        _fail(str(exc))
        return


@app.command("diff")
def diff(
    run_a: Path = typer.Argument(..., exists=True, file_okay=False, help="Run directory A (runs/<run_id>)."),
    run_b: Path = typer.Argument(..., exists=True, file_okay=False, help="Run directory B, compared with A."),
    cases: int = typer.Option(10, "--cases", min=0, help="How many cases to list, largest change first."),
    words: bool = typer.Option(False, "--words", help="Also print the word-level differences of the listed cases "
                               "([-only in A-] {+only in B+})."),
    json_out: Optional[Path] = typer.Option(None, "--json-out", help="Write the deltas and per-case changes as JSON."),
) -> None:
    """Two runs side by side: score deltas per model over the cases both hold, and the cases that changed most.

    Runs over different evaluation-set hashes are compared only on the cases both hold with identical content,
    and the output says so."""
    from workbench.api import diff_runs
    from workbench.scoring.run_diff import RunDiffError

    try:
        found = diff_runs(run_a, run_b)
    except (RunDiffError, WorkbenchError) as exc:
        _fail(str(exc))
        return
    typer.echo(f"A: {found.a.run_id}  {found.a.evalset} {found.a.evalset_hash[:19]}  prompt {found.a.prompt}")
    typer.echo(f"B: {found.b.run_id}  {found.b.evalset} {found.b.evalset_hash[:19]}  prompt {found.b.prompt}")
    for notice in found.notices():
        typer.secho(f"note: {notice}", fg=typer.colors.YELLOW)
    typer.echo(f"compared: {len(found.shared_cases)} shared case(s); means over the cases both runs scored "
               "(B - A)")
    typer.echo(_format_table(*_diff_model_table(found)))
    listed = found.cases[:cases]
    if listed:
        typer.echo("")
        typer.echo("cases, largest change first:")
        typer.echo(_format_table(*_diff_case_table(listed)))
    if words:
        from workbench.scoring.run_diff import word_diff

        for case in listed:
            typer.echo("")
            typer.echo(f"{case.case_id} · {case.model}:")
            typer.echo("".join(segment.text if segment.change == "same" else
                               (f"[-{segment.text}-]" if segment.change == "removed" else f"{{+{segment.text}+}}")
                               for segment in word_diff(case.output_a, case.output_b)))
    if json_out is not None:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps(_diff_json(found), ensure_ascii=False, indent=2), encoding="utf-8")
        typer.echo(f"diff: {json_out}")


def _signed(value: Optional[float], digits: int) -> str:
    return "-" if value is None else f"{value:+.{digits}f}"


def _diff_model_table(found: Any) -> tuple[list[str], list[list[str]]]:
    from workbench.scoring.run_diff import compared_metrics

    metrics = [item for item in compared_metrics() if any(d.metric == item.name for m in found.model_deltas
                                                          for d in m.deltas)]
    headers = ["model", "cases", "failures A", "failures B", "outputs changed",
               *[f"{item.label} {item.arrow} A → B (Δ)" for item in metrics]]
    rows = []
    for model in found.model_deltas:
        by_name = {delta.metric: delta for delta in model.deltas}
        cells = []
        for item in metrics:
            delta = by_name.get(item.name)
            cells.append("-" if delta is None else
                         f"{item.format(delta.a)} → {item.format(delta.b)} ({_signed(delta.delta, item.digits)})")
        rows.append([model.model, str(model.cases), str(model.failures_a), str(model.failures_b),
                     str(model.changed_outputs), *cells])
    return headers, rows


def _diff_case_table(listed: list[Any]) -> tuple[list[str], list[list[str]]]:
    from workbench.scoring.run_diff import compared_metrics

    metrics = compared_metrics()
    headers = ["case", "model", "output", *[f"Δ {item.label}" for item in metrics]]
    rows = [[case.case_id, case.model, "same" if case.identical else "changed",
             *[_signed(case.delta(item.name), item.digits) for item in metrics]] for case in listed]
    return headers, rows


def _diff_json(found: Any) -> dict[str, Any]:
    from dataclasses import asdict

    return {"a": asdict(found.a), "b": asdict(found.b), "same_cases": found.same_cases, "notices": found.notices(),
            "shared_cases": found.shared_cases, "only_a": found.only_a, "only_b": found.only_b,
            "changed_content": found.changed_content,
            "models": [asdict(model) for model in found.model_deltas],
            "cases": [{"case_id": case.case_id, "model": case.model, "identical": case.identical,
                       "deltas": {delta.metric: delta.delta for delta in case.deltas}} for case in found.cases]}


def _load_table(sweep: Any) -> str:
    """One row per level of a model's load test: throughput, goodput, end-to-end latency, failures."""
    def number(value: float | None, digits: int = 2) -> str:
        return "-" if value is None else f"{value:.{digits}f}"

    rows = [[str(level.concurrency), str(level.requests), number(level.throughput_rps),
             number(level.output_tokens_per_s, 1), number(level.goodput_rps),
             "-" if level.good_requests is None else str(level.good_requests), number(level.e2e_p50_s, 3),
             number(level.e2e_p95_s, 3), number(level.ttft_p95_s, 3), str(level.failures)]
            for level in sweep.levels]
    return _format_table(["level", "requests", "req/s", "tok/s", "goodput/s", "good", "e2e p50 (s)", "e2e p95 (s)",
                          "TTFT p95 (s)", "failures"], rows)


@app.command("load")
def load(
    model: list[str] = typer.Option(..., "--model", "-m", help="Catalogue name; repeat to test several models, one after the other."),
    evalset: str = typer.Option(..., "--evalset", "-e", help="Evaluation set name or directory: its prompts are sent, in turn."),
    prompt: Optional[str] = typer.Option(None, "--prompt", "-p", help="NAME, NAME@VERSION, or prompts:/NAME/N or prompts:/NAME@ALIAS; default: the set's default_prompt."),
    concurrency: str = typer.Option("1,4,16", "--concurrency", "-c", help="Concurrency levels: requests kept in flight, comma-separated."),
    requests_per_level: Optional[int] = typer.Option(None, "--requests-per-level", "-n", help="Requests sent at each level (default: max(2 x level, cases in the set))."),
    warmup: int = typer.Option(1, "--warmup", help="Requests sent to each model before the first level, left out of every figure."),
    slo: Optional[list[str]] = typer.Option(None, "--slo", help="A per-request objective NAME=SECONDS (ttft, tpot or e2e); repeat. Goodput counts the requests that meet every one."),
    max_tokens: Optional[int] = typer.Option(None, "--max-tokens", min=1, help="Override every model's max_tokens."),
    runs_dir: Optional[Path] = typer.Option(None, "--runs-dir", help="Where the load-* directory goes (default ./runs or $WORKBENCH_RUNS_DIR)."),
    mlflow_log: Optional[bool] = typer.Option(None, "--mlflow/--no-mlflow", help="Log one MLflow run per model (default: only when --tracking-uri or $MLFLOW_TRACKING_URI is given)."),
    tracking_uri: Optional[str] = TrackingUriOption,
    experiment: Optional[str] = ExperimentOption,
    allow_remote_endpoint: bool = typer.Option(False, "--allow-remote-endpoint", help="Allow sending prompts (patient data) to model endpoints and a tracking server outside loopback and private networks."),
    no_progress: bool = typer.Option(False, "--no-progress", help="No progress bar."),
    catalogue: Optional[list[Path]] = CatalogueOption,
    prompts_dir: Optional[list[Path]] = PromptsDirOption,
) -> None:
    """Load test: each model under 1, 4, 16... simultaneous requests; throughput, goodput and latency per level.

    Writes load.json, <model>/requests.jsonl and load.html (the curves) under runs/load-*. Exits 1
    when a model could not be loaded or its sweep stopped; failed requests are a result, counted per level."""
    from workbench.api import load_sweep
    from workbench.run.runner import RunSettings

    try:
        result = load_sweep(
            model, evalset, concurrency=concurrency, requests_per_level=requests_per_level, warmup=warmup, slo=slo,
            prompt=prompt, max_tokens=max_tokens, runs_dir=runs_dir, log_to_mlflow=mlflow_log, tracking_uri=tracking_uri,
            experiment=experiment, allow_remote_endpoint=allow_remote_endpoint, show_progress=not no_progress,
            catalogue=catalogue, prompts_dir=prompts_dir)
    except WorkbenchError as exc:  # a bad level or objective, an unknown set, prompt or model: nothing ran
        _fail(str(exc))
        return
    except KeyboardInterrupt:
        where = runs_dir or RunSettings().runs_dir
        typer.secho(f"\ninterrupted: the levels that finished are in {where}/load-*/load.json", fg=typer.colors.YELLOW,
                    err=True)
        raise typer.Exit(code=130)
    record = result.record
    typer.echo("")
    typer.echo(f"load test {record.load_id}: evalset {record.evalset} v{record.evalset_version} "
               f"({record.evalset_cases} cases), prompt {record.prompt}, objectives: {record.objectives.describe()}")
    for sweep in record.models:
        typer.echo("")
        backend = sweep.backend_info or {}
        typer.echo(f"{sweep.model}" + (f" ({backend.get('backend')}, {backend.get('model_id')})" if backend else ""))
        if sweep.levels:
            typer.echo(_load_table(sweep))
        limit = backend.get("max_concurrency")
        if isinstance(limit, int) and any(level > limit for level in record.levels):
            typer.echo(f"note: the backend serves at most {limit} requests at once; above that they queue inside it")
        if record.objectives.e2e_s is not None:
            highest = sweep.highest_level_meeting_e2e
            typer.echo(f"highest level meeting e2e p95 ≤ {record.objectives.e2e_s:g} s (no failures): "
                       + (str(highest) if highest is not None else "none"))
        if sweep.error:
            typer.secho(f"error: model {sweep.model}: {sweep.error}", fg=typer.colors.RED, err=True)
    typer.echo("")
    typer.echo(f"load test: {result.directory}")
    typer.echo(f"curves: {result.page}")
    if result.logged is not None:
        runs = ", ".join(f"{name} {run_id}" for name, run_id in result.logged.run_ids.items())
        typer.echo(f"mlflow: runs {runs} in experiment {result.logged.experiment_id} at {result.logged.tracking_uri}")
    elif result.mlflow_error is not None:
        typer.secho(f"mlflow: not logged ({result.mlflow_error})", fg=typer.colors.YELLOW, err=True)
    if any(sweep.error for sweep in record.models):
        raise typer.Exit(code=1)


ui_user_app = typer.Typer(help="Users who may log in to the browser UI.", no_args_is_help=True)
app.add_typer(ui_user_app, name="ui-user")


@ui_user_app.command("add")
def ui_user_add(
    auth_file: Path = typer.Argument(..., help="Credentials file (created with owner-only permissions)."),
    name: str = typer.Argument(..., help="User name shown in the audit log."),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the password from standard input."),
) -> None:
    """Add a user (or change a password) in a UI credentials file; only an scrypt hash is stored."""
    from workbench.ui.access import UIAccessError, add_user

    password = sys.stdin.readline().rstrip("\n") if password_stdin else typer.prompt(
        "Password", hide_input=True, confirmation_prompt=True)
    try:
        add_user(auth_file, name, password)
    except UIAccessError as exc:
        _fail(str(exc))
    typer.echo(f"{name} can now log in with --auth-file {auth_file}")


from workbench.review.commands import review_app  # noqa: E402

app.add_typer(review_app, name="review")

audit_app = typer.Typer(help="The UI audit log.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")


@audit_app.command("verify")
def audit_verify(path: Path = typer.Argument(..., help="Audit log (JSONL) to check, e.g. audit/ui-audit.jsonl.")) -> None:
    """Check the audit log's hash chain: exit 0 when intact, 1 listing every broken, edited or truncated line."""
    from workbench.privacy.audit import AuditLogError, check_audit_log

    try:
        verification = check_audit_log(path)
    except AuditLogError as exc:
        _fail(str(exc))
    if verification.problems:
        for problem in verification.problems:
            typer.echo(problem)
        typer.secho(f"{path}: {len(verification.problems)} problem(s): the hash chain is broken",
                    fg=typer.colors.RED, err=True)
        raise typer.Exit(code=1)
    before = verification.entries_before_chain
    note = (f" ({before} {'entry' if before == 1 else 'entries'} before the hash chain: written before it existed, "
            "not protected by it)" if before else "")
    typer.echo(f"ok: {verification.entries} entries{note}")


@app.command("ui")
def ui(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to serve on; anything but loopback needs --auth-file."),
    port: int = typer.Option(7860, "--port", min=1, max=65535, help="Port to serve on."),
    auth_file: Optional[Path] = typer.Option(None, "--auth-file", help="Credentials file from `workbench ui-user add`; users must log in."),
    audit_log: Optional[Path] = typer.Option(None, "--audit-log", help="Audit log (JSONL) of every action (default ./audit/ui-audit.jsonl or $WORKBENCH_AUDIT_LOG)."),
    runs_dir: Optional[Path] = typer.Option(None, "--runs-dir", help="Where run directories and the cache live (default ./runs or $WORKBENCH_RUNS_DIR)."),
    tracking_uri: Optional[str] = TrackingUriOption,
    allow_remote_endpoint: bool = typer.Option(False, "--allow-remote-endpoint", help="Allow models behind endpoints outside loopback and private networks."),
    catalogue: Optional[list[Path]] = CatalogueOption,
    prompts_dir: Optional[list[Path]] = PromptsDirOption,
    mlflow_ui_url: str = typer.Option("http://127.0.0.1:5000", "--mlflow-ui-url", help="Where `mlflow ui` (or the team's MLflow server) is browsed: finished runs link to their MLflow run there."),
    review_admin: Optional[list[str]] = typer.Option(None, "--review-admin", help="A login name that administers clinician reviews in the Review tab: creates tasks, reveals models, logs to MLflow (repeat for each; without --auth-file the local user is one)."),
) -> None:
    """Serve the browser workbench: run, leaderboard, compare, cases, prompts, review and playground."""
    from workbench.privacy.audit import AuditLog, default_audit_path
    from workbench.run.runner import RunSettings
    from workbench.track.store import checked_tracking_uri
    from workbench.ui.access import UIAccessError, check_bind, read_credentials

    try:
        credentials = read_credentials(auth_file) if auth_file is not None else None
        check_bind(host, credentials)
    except UIAccessError as exc:
        _fail(str(exc))
    if not mlflow_ui_url.startswith(("http://", "https://")):
        _fail(f"--mlflow-ui-url must start with http:// or https://, got {mlflow_ui_url!r}")
    from workbench.ui.app import UIConfig, launch

    settings = RunSettings()
    config = UIConfig(
        runs_dir=runs_dir or settings.runs_dir,
        tracking_uri=checked_tracking_uri(tracking_uri, allow_remote_endpoint=allow_remote_endpoint),
        audit=AuditLog(audit_log or default_audit_path()), catalogue=catalogue, prompts_dir=prompts_dir,
        allow_remote_endpoint=allow_remote_endpoint, credentials=credentials, mlflow_ui_url=mlflow_ui_url,
        review_admins=tuple(name.strip() for name in review_admin or () if name.strip()),
    )
    typer.echo(f"audit log: {config.audit.path}; runs: {config.runs_dir}; MLflow: {config.tracking_uri}")
    launch(config, host=host, port=port)


def main() -> None:
    """The console entry: an error the user can fix is one line on stderr and exit status 2;
    anything else is a bug and keeps its traceback."""
    try:
        app()
    except WorkbenchError as exc:
        typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
