"""The `workbench` command line."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Optional

import typer
import yaml

from workbench.privacy import apply_privacy_environment

apply_privacy_environment()

from workbench.evalsets import EvalSetError, load_evalset  # noqa: E402
from workbench.models.catalogue import CatalogueError, get_model_spec, load_catalogue  # noqa: E402
from workbench.prompts import PromptError, get_prompt, load_prompts  # noqa: E402
from workbench.runner import ComparisonOutcome, RunSettings, run_comparison  # noqa: E402

app = typer.Typer(help="Medical LLM evaluation workbench.", no_args_is_help=True, add_completion=False)
models_app = typer.Typer(help="The model catalogue.", no_args_is_help=True)
prompts_app = typer.Typer(help="Versioned prompt templates.", no_args_is_help=True)
app.add_typer(models_app, name="models")
app.add_typer(prompts_app, name="prompts")

CatalogueOption = typer.Option(None, "--catalogue", help="Extra catalogue YAML file(s); entries override shipped ones.")
PromptsDirOption = typer.Option(None, "--prompts-dir", help="Extra directory of prompt files NAME@VERSION.yaml.")


def _fail(message: str) -> None:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code=2)


def _format_table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows)]
    lines = ["  ".join(str(cell).ljust(width) for cell, width in zip(headers, widths))]
    lines.append("  ".join("-" * width for width in widths))
    for row in rows:
        lines.append("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths)))
    return "\n".join(lines)


@models_app.command("list")
def models_list(catalogue: Optional[list[Path]] = CatalogueOption) -> None:
    """List every model the workbench knows, shipped and your own."""
    try:
        entries = load_catalogue(catalogue)
    except CatalogueError as exc:
        _fail(str(exc))
    rows = []
    for name, entry in sorted(entries.items()):
        spec = entry.spec
        where = spec.model or spec.path or spec.package or ""
        if spec.backend == "openai":
            where = f"{spec.model} @ {spec.base_url}"
        thinking = "-" if spec.thinking is None else ("on" if spec.thinking else "off")
        rows.append([name, spec.backend, where, str(spec.context_length), thinking, entry.source])
    typer.echo(_format_table(["model", "backend", "weights / endpoint", "context", "thinking", "defined in"], rows))


@models_app.command("show")
def models_show(name: str, catalogue: Optional[list[Path]] = CatalogueOption) -> None:
    """Print one catalogue entry with every default filled in."""
    try:
        spec = get_model_spec(name, catalogue)
    except CatalogueError as exc:
        _fail(str(exc))
    typer.echo(yaml.safe_dump(spec.model_dump(mode="json"), allow_unicode=True, sort_keys=False))


@prompts_app.command("list")
def prompts_list(prompts_dir: Optional[list[Path]] = PromptsDirOption) -> None:
    """List prompt templates and their versions."""
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


@prompts_app.command("show")
def prompts_show(ref: str, prompts_dir: Optional[list[Path]] = PromptsDirOption) -> None:
    """Print a prompt version (NAME or NAME@VERSION)."""
    try:
        prompt = get_prompt(ref, prompts_dir)
    except PromptError as exc:
        _fail(str(exc))
    typer.echo(yaml.safe_dump(prompt.model_dump(mode="json"), allow_unicode=True, sort_keys=False))


def _seconds(value: Any) -> str:
    return "-" if value is None else f"{value:.2f}s"


def _summary_table(outcome: ComparisonOutcome) -> str:
    rows = []
    for evaluation in outcome.evaluations:
        m = evaluation.metrics
        rate = m.get("output_tokens_per_s_p50")
        rows.append([
            evaluation.model, str(m["cases"]), str(m["failures"]), str(m["cached"]),
            _seconds(m.get("ttft_p50_s")), _seconds(m.get("e2e_p50_s")), _seconds(m.get("e2e_p95_s")),
            "-" if rate is None else f"{rate:.1f}",
            "ERROR: " + evaluation.error if evaluation.error else "ok",
        ])
    headers = ["model", "cases", "failures", "cached", "TTFT p50", "e2e p50", "e2e p95", "out tok/s", "status"]
    return _format_table(headers, rows)


def comparison_json(outcome: ComparisonOutcome) -> dict[str, Any]:
    return {
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
                "records": str(evaluation.records_path),
                "error": evaluation.error,
                "metrics": evaluation.metrics,
            }
            for evaluation in outcome.evaluations
        ],
    }


@app.command("run")
def run(
    model: list[str] = typer.Option(..., "--model", "-m", help="Catalogue name; repeat to compare models."),
    evalset: str = typer.Option(..., "--evalset", "-e", help="Evaluation set name or directory."),
    prompt: Optional[str] = typer.Option(None, "--prompt", "-p", help="NAME or NAME@VERSION; default: the set's default_prompt."),
    limit: Optional[int] = typer.Option(None, "--limit", min=1, help="Only the first N cases."),
    concurrency: int = typer.Option(1, "--concurrency", "-c", min=1, help="Requests in flight per model."),
    json_out: Optional[Path] = typer.Option(None, "--json-out", help="Write the summary as JSON here."),
    runs_dir: Optional[Path] = typer.Option(None, "--runs-dir", help="Where run directories and the cache live (default ./runs or $WORKBENCH_RUNS_DIR)."),
    max_tokens: Optional[int] = typer.Option(None, "--max-tokens", min=1, help="Override every model's max_tokens."),
    seed: Optional[int] = typer.Option(None, "--seed", help="Override every model's sampling seed."),
    thinking: Optional[bool] = typer.Option(None, "--thinking/--no-thinking", help="Switch reasoning on or off for models that have the switch."),
    warmup: int = typer.Option(0, "--warmup", min=0, help="Warm-up requests per model, excluded from the records."),
    no_cache: bool = typer.Option(False, "--no-cache", help="Generate every case again, ignoring the response cache."),
    allow_remote_endpoint: bool = typer.Option(False, "--allow-remote-endpoint", help="Allow sending prompts (patient data) to endpoints outside loopback and private networks."),
    no_progress: bool = typer.Option(False, "--no-progress", help="No progress bar."),
    catalogue: Optional[list[Path]] = CatalogueOption,
    prompts_dir: Optional[list[Path]] = PromptsDirOption,
) -> None:
    """Run models over an evaluation set; one record per case, a summary table at the end."""
    try:
        dataset = load_evalset(evalset)
        template = get_prompt(prompt or dataset.manifest.default_prompt, prompts_dir)
        specs = [get_model_spec(name, catalogue).with_overrides(thinking=thinking, max_tokens=max_tokens, seed=seed)
                 for name in model]
    except (EvalSetError, PromptError, CatalogueError) as exc:
        _fail(str(exc))
    settings = RunSettings(concurrency=concurrency, limit=limit, warmup=warmup, use_cache=not no_cache,
                           allow_remote_endpoint=allow_remote_endpoint, show_progress=not no_progress)
    if runs_dir is not None:
        settings.runs_dir = runs_dir
    try:
        outcome = run_comparison(specs, template, dataset, settings)
    except (PromptError, ValueError) as exc:
        _fail(str(exc))
    except KeyboardInterrupt:
        typer.secho(f"\ninterrupted: finished cases are kept under {settings.runs_dir} and in the response cache; "
                    "run the same command again to generate only the missing ones", fg=typer.colors.YELLOW, err=True)
        raise typer.Exit(code=130)
    typer.echo("")
    typer.echo(f"evalset {outcome.evalset.name} v{outcome.evalset.manifest.version} "
               f"({len(outcome.evalset.cases)} cases, {outcome.evalset.content_hash()[:19]}), prompt {template.ref}")
    typer.echo(_summary_table(outcome))
    typer.echo(f"records: {outcome.directory}")
    if json_out is not None:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps(comparison_json(outcome), ensure_ascii=False, indent=2), encoding="utf-8")
        typer.echo(f"summary: {json_out}")
    if any(evaluation.error for evaluation in outcome.evaluations):
        for evaluation in outcome.evaluations:
            if evaluation.error:
                typer.secho(f"error: model {evaluation.model}: {evaluation.error}", fg=typer.colors.RED, err=True)
        raise typer.Exit(code=1)


def main() -> None:  # pragma: no cover - console entry
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
