"""Strategies for records longer than the context, compared: every (model, set, strategy) through the real runner.

Each strategy (``refuse``, ``truncate``, ``map-reduce``, ``refine``; see ``workbench.run.long_records``) is run
with ``api.evaluate``, the call ``workbench run`` and the notebooks make: the cases are counted against the
model's context with its own tokenizer, sent whole, refused, truncated or chunked, written to a run directory
and scored. Nothing is logged to MLflow and the response cache is off, so every figure is a fresh generation.
One run directory per (set, strategy) holds every model; the table is read back from those files only
(``records.jsonl``, ``scores.jsonl``, ``evaluation.json``), never from what the script measured itself.

Columns (one row per model, set and strategy):

- ``ctx``: the model's context length as the run recorded it (``evaluation.json``, ``model_spec``);
- ``cases``, ``over``: cases run, and how many did not fit the context with ``max_tokens`` of room;
- ``failed``: cases whose generation failed (refused, a chunk call that failed, a backend error);
- ``cut``: truncate only, the mean share of a truncated note's tokens left out (``long_records_cut_share``);
- ``calls``: model calls sent per case, over every case (a chunked case: its map, reduce or refine calls; a
  case sent whole or truncated: 1; a refused one: 0);
- ``s/case``: end-to-end seconds of a case, the whole chain for a chunked case (first request to last token);
- ``prompt``, ``compl``: prompt and completion tokens of a case, summed over its calls, as the backend counted
  them; these three are means over the cases that sent at least one call;
- ``ROUGE-L``: the set's primary quality metric (the ROUGE scheme of each set is named under the table);
- ``PHI final``, ``PHI chunks``: per case, the share of its gold PHI items found in the final summary
  (``phi_case_leak_rate``), and in any output written before it (chunk summaries, summaries so far;
  ``phi_intermediate_leak_rate``, chunked cases only), means over cases; the same definition, so the two can
  be read side by side;
- ``inv final``, ``inv chunks``: distinct clinical values found in neither the note nor the reference, per
  case, in the final summary (from the ``values_invented`` of ``scores.jsonl``) and in the outputs before it
  (``values_intermediate_invented``); ``inv share``: the share of the final summary's values that are invented
  (``values_invented_rate``).

Quality figures (ROUGE-L, PHI, invented values) are over the cases whose generation succeeded, as the runner
scores them; a failed case is counted in ``failed`` and scored nowhere. "–" marks a figure that does not apply
(no truncated case, no chunked case, no case scored).

``--context-length N`` runs every model with that context instead of its catalogue entry's: the script writes a
catalogue file in the output directory with each model's entry as loaded and ``context_length: N``, and passes
it like ``--catalogue`` (a user entry with the name of a shipped one replaces it); the run files record the
context used. A context above what the model was trained for is accepted by llama.cpp but not by every model.

Run from the repository root (the table is printed as Markdown; the run directories stay under ``--out``):

    .venv/bin/python bench/bench_long_records.py --limit 1 --max-tokens 48 --chunk-tokens 2048
    .venv/bin/python bench/bench_long_records.py --models qwen3-14b --strategies refuse,truncate,map-reduce,refine \\
        --context-length 8192 --chunk-tokens 5000 --chunk-overlap 200 --concurrency 8
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from statistics import mean
from typing import Any

from workbench.privacy.egress import apply_privacy_environment

apply_privacy_environment()

from workbench import api  # noqa: E402
from workbench.run.files import EvaluationFiles, GenerationRecord  # noqa: E402
from workbench.run.long_records import CHUNKING, CONTEXT_ERROR, STRATEGIES, LongRecordSettings  # noqa: E402
from workbench.scoring.registry import metric  # noqa: E402

DEFAULT_MODELS = "smollm2-135m"
DEFAULT_SETS = "long-records-en,long-records-zh"
DEFAULT_STRATEGIES = "truncate,map-reduce,refine"
DASH = "–"

# The registry's metrics the table reads from evaluation.json (``metric`` refuses a name it does not declare).
QUALITY = api.primary("quality").name
PHI_FINAL = metric("phi_case_leak_rate").name
PHI_CHUNKS = metric("phi_intermediate_leak_rate").name
INVENTED_SHARE = metric("values_invented_rate").name
INVENTED_CHUNKS = metric("values_intermediate_invented").name
CUT_SHARE = metric("long_records_cut_share").name
OVER_CONTEXT = metric("long_records_over_context").name


@dataclass
class Row:
    """One model's figures for one set and strategy, all read from its run files."""

    model: str
    evalset: str
    strategy: str
    run_dir: Path
    context_length: int | None = None
    cases: int = 0
    over: int | None = None
    failed: int = 0
    cut_share: float | None = None
    calls: float | None = None
    seconds: float | None = None
    prompt_tokens: float | None = None
    completion_tokens: float | None = None
    rouge_l: float | None = None
    phi_final: float | None = None
    phi_chunks: float | None = None
    invented_final: float | None = None
    invented_chunks: float | None = None
    invented_share: float | None = None
    rouge_scheme: str | None = None
    count_sources: list[str] = field(default_factory=list)
    device: str | None = None
    errors: list[str] = field(default_factory=list)  # the model's own error, then each failed case's

    def as_dict(self) -> dict[str, Any]:
        data = {name: getattr(self, name) for name in self.__dataclass_fields__}
        data["run_dir"] = str(self.run_dir)
        return data


def _csv(text: str) -> list[str]:
    return [item.strip() for item in text.split(",") if item.strip()]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default=DEFAULT_MODELS, help="catalogue names, comma-separated")
    parser.add_argument("--sets", default=DEFAULT_SETS, help="evaluation sets (names or directories), comma-separated")
    parser.add_argument("--strategies", default=DEFAULT_STRATEGIES,
                        help=f"comma-separated, of {', '.join(STRATEGIES)} (refuse only on request)")
    parser.add_argument("--limit", type=int, default=None, help="first N cases of each set (default: every case)")
    parser.add_argument("--max-tokens", type=int, default=None,
                        help="completion tokens per call (default: each model's catalogue entry)")
    parser.add_argument("--chunk-tokens", type=int, default=None,
                        help="map-reduce and refine: note tokens per chunk at most (default: as many as fit)")
    parser.add_argument("--chunk-overlap", type=int, default=0,
                        help="map-reduce and refine: tokens two consecutive chunks share (default 0)")
    parser.add_argument("--context-length", type=int, default=None,
                        help="run every model with this context length instead of its catalogue entry's")
    parser.add_argument("--catalogue", type=Path, action="append", default=[],
                        help="a user catalogue file (repeatable), as for workbench run")
    parser.add_argument("--concurrency", type=int, default=1, help="cases in flight at once (default 1)")
    parser.add_argument("--out", type=Path, default=None,
                        help="where the run directories go (default: a new directory under the system's temp dir)")
    parser.add_argument("--json-out", type=Path, default=None, help="also write the rows as JSON to this file")
    args = parser.parse_args(argv)
    args.models, args.sets, args.strategies = _csv(args.models), _csv(args.sets), _csv(args.strategies)
    for option in ("models", "sets", "strategies"):
        if not getattr(args, option):
            parser.error(f"--{option} names nothing")
    unknown = [name for name in args.strategies if name not in STRATEGIES]
    if unknown:
        parser.error(f"--strategies: unknown {', '.join(unknown)}; choose from {', '.join(STRATEGIES)}")
    if args.limit is not None and args.limit < 1:
        parser.error("--limit must be at least 1")
    if args.max_tokens is not None and args.max_tokens < 1:
        parser.error("--max-tokens must be at least 1")
    if args.context_length is not None and args.context_length < 128:
        parser.error("--context-length must be at least 128")
    if args.concurrency < 1:
        parser.error("--concurrency must be at least 1")
    for strategy in args.strategies:  # every strategy's settings are checked before the first model loads
        problems = LongRecordSettings(strategy, *_chunking(strategy, args)).problems()
        if problems:
            parser.error("; ".join(problems))
    return args


def _chunking(strategy: str, args: argparse.Namespace) -> tuple[int | None, int]:
    """The chunk settings a strategy takes (the others refuse any)."""
    return (args.chunk_tokens, args.chunk_overlap) if strategy in CHUNKING else (None, 0)


# --- running ------------------------------------------------------------------------------------


def context_catalogue(models: list[str], catalogues: list[Path], context_length: int, out: Path) -> Path:
    """A catalogue file holding each model's entry as loaded, with ``context_length`` replaced."""
    entries = api.load_catalogue(catalogues or None)
    document: dict[str, Any] = {"models": {}}
    for name in models:
        spec = api.model_specs([name], catalogue=catalogues or None)[0]  # an unknown name fails here, naming the known
        body = entries[spec.name].spec.model_dump(mode="json", exclude_defaults=True)
        body.pop("name", None)
        body["context_length"] = context_length
        document["models"][name] = body
    path = out / f"catalogue-context-{context_length}.yaml"
    path.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")  # JSON is YAML
    return path


def run_all(args: argparse.Namespace, out: Path) -> list[tuple[str, str, Path]]:
    """Every (set, strategy) run with every model: (set, strategy, run directory), in order."""
    catalogues = list(args.catalogue)
    if args.context_length is not None:
        catalogues.append(context_catalogue(args.models, catalogues, args.context_length, out))
    api.model_specs(args.models, catalogue=catalogues or None)  # unknown models fail before anything runs
    sets = [api.load_evalset(name) for name in args.sets]  # and unknown sets
    runs: list[tuple[str, str, Path]] = []
    total = len(sets) * len(args.strategies)
    for evalset in sets:
        for strategy in args.strategies:
            chunk_tokens, chunk_overlap = _chunking(strategy, args)
            began = time.perf_counter()
            result = api.evaluate(
                args.models, evalset, limit=args.limit, max_tokens=args.max_tokens, concurrency=args.concurrency,
                long_records=strategy, chunk_tokens=chunk_tokens, chunk_overlap=chunk_overlap, use_cache=False,
                runs_dir=out / "runs", log_to_mlflow=False, show_progress=False, catalogue=catalogues or None)
            runs.append((evalset.name, strategy, result.run_dir))
            print(f"[{len(runs)}/{total}] {evalset.name} {strategy}: {time.perf_counter() - began:.1f} s "
                  f"({result.run_dir})", file=sys.stderr, flush=True)
    return runs


# --- reading the run files ---------------------------------------------------------------------


def calls_sent(record: GenerationRecord) -> int:
    """Model calls a case sent: each chunk call that went to the model (a call refused for its length did
    not), else one for a case sent whole or truncated, none for a refused one."""
    if record.chunks:
        return sum(1 for chunk in record.chunks if chunk.error_type != CONTEXT_ERROR)
    handling = record.long_record
    if handling is not None:
        return 1 if handling.applied in ("whole", "truncated") else 0
    return 1 if record.ok or record.e2e_s is not None else 0


def _mean(values: list[float | int | None]) -> float | None:
    present = [float(value) for value in values if value is not None]
    return mean(present) if present else None


def _number(metrics: dict[str, Any], name: str) -> float | None:
    value = metrics.get(name)
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def row_of(evaluation: EvaluationFiles, evalset: str, strategy: str, run_dir: Path) -> Row:
    summary, records = evaluation.summary, evaluation.records_in_order()
    metrics = summary.metrics
    sent = [record for record in records if calls_sent(record) > 0]
    scores = evaluation.scores
    row = Row(model=evaluation.model, evalset=evalset, strategy=strategy, run_dir=run_dir)
    row.context_length = summary.model_spec.get("context_length")
    row.cases = len(records)
    over = _number(metrics, OVER_CONTEXT)
    row.over = int(over) if over is not None else None
    row.failed = sum(1 for record in records if not record.ok)
    row.cut_share = _number(metrics, CUT_SHARE)
    row.calls = _mean([calls_sent(record) for record in records])
    row.seconds = _mean([record.e2e_s for record in sent])
    row.prompt_tokens = _mean([record.prompt_tokens for record in sent])
    row.completion_tokens = _mean([record.completion_tokens for record in sent])
    row.rouge_l = _number(metrics, QUALITY)
    row.phi_final = _number(metrics, PHI_FINAL)
    row.phi_chunks = _number(metrics, PHI_CHUNKS)
    row.invented_share = _number(metrics, INVENTED_SHARE)
    row.invented_chunks = _number(metrics, INVENTED_CHUNKS)
    row.invented_final = _mean([float(len({str(value) for value in item.values_invented})) for item in scores])
    row.rouge_scheme = summary.rouge_scheme
    row.count_sources = sorted({record.long_record.token_count_source for record in records
                                if record.long_record is not None})
    row.device = (summary.backend_info or {}).get("device")
    if summary.error:
        row.errors.append(f"model: {summary.error}")
    row.errors += [f"{record.case_id}: {record.error_type or 'error'}: {record.error}"
                   for record in records if not record.ok]
    return row


def collect(runs: list[tuple[str, str, Path]]) -> list[Row]:
    rows: list[Row] = []
    for evalset, strategy, run_dir in runs:
        files = api.read_run_dir(run_dir)
        rows += [row_of(evaluation, evalset, strategy, run_dir) for evaluation in files.evaluations]
        rows += [Row(model=model, evalset=evalset, strategy=strategy, run_dir=run_dir,
                     errors=["model: no evaluation.json (the model did not finish)"]) for model in files.missing]
    return rows


# --- printing -----------------------------------------------------------------------------------

COLUMNS = ("model", "set", "strategy", "ctx", "cases", "over", "failed", "cut", "calls", "s/case", "prompt",
           "compl", "ROUGE-L", "PHI final", "PHI chunks", "inv final", "inv chunks", "inv share")


def _fmt(value: float | int | None, digits: int) -> str:
    if value is None:
        return DASH
    return f"{value:,.{digits}f}" if isinstance(value, float) else f"{value:,}"


def table(rows: list[Row]) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for row in rows:
        cells = [row.model, row.evalset, row.strategy, _fmt(row.context_length, 0), _fmt(row.cases, 0),
                 _fmt(row.over, 0), _fmt(row.failed, 0), _fmt(row.cut_share, 3), _fmt(row.calls, 1),
                 _fmt(row.seconds, 1), _fmt(row.prompt_tokens, 0), _fmt(row.completion_tokens, 0),
                 _fmt(row.rouge_l, 3), _fmt(row.phi_final, 3), _fmt(row.phi_chunks, 3),
                 _fmt(row.invented_final, 1), _fmt(row.invented_chunks, 1), _fmt(row.invented_share, 3)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def machine() -> str:
    model = next((line.split(":", 1)[1].strip() for line in _read("/proc/cpuinfo").splitlines()
                  if line.startswith("model name")), platform.processor() or "unknown CPU")
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    memory = next((line.split()[1] for line in _read("/proc/meminfo").splitlines() if line.startswith("MemTotal")), None)
    load = " ".join(_read("/proc/loadavg").split()[:3]) or "unknown"
    parts = [f"{platform.system()} {platform.machine()}", model, f"{os.cpu_count()} cores ({usable} usable)"]
    if memory:
        parts.append(f"{int(memory) / 1024 ** 2:.1f} GiB memory")
    parts += [f"load average at start {load}", f"niceness {os.nice(0)}", f"Python {platform.python_version()}"]
    return "; ".join(parts)


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def notes(rows: list[Row]) -> list[str]:
    lines: list[str] = []
    schemes = {row.evalset: row.rouge_scheme for row in rows if row.rouge_scheme}
    if schemes:
        lines.append("ROUGE scheme: " + "; ".join(f"{name}: {scheme}" for name, scheme in schemes.items()))
    models: dict[str, tuple[set[str], set[str]]] = {}
    for row in rows:
        sources, devices = models.setdefault(row.model, (set(), set()))
        sources.update(row.count_sources)
        if row.device:
            devices.add(row.device)
    for model, (sources, devices) in models.items():
        lines.append(f"{model}: tokens counted with {' / '.join(sorted(sources)) or 'nothing (no case measured)'}; "
                     f"ran on {' / '.join(sorted(devices)) or 'an unrecorded device'}")
    for row in rows:
        for error in row.errors[:3]:
            lines.append(f"failed ({row.model}, {row.evalset}, {row.strategy}): {_short(error)}")
        if len(row.errors) > 3:
            lines.append(f"failed ({row.model}, {row.evalset}, {row.strategy}): and {len(row.errors) - 3} more")
    return lines


def _short(text: str, most: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= most else text[: most - 1] + "…"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    out = args.out or Path(tempfile.mkdtemp(prefix="bench-long-records-"))
    out.mkdir(parents=True, exist_ok=True)
    command = shlex.join([os.path.relpath(sys.executable) if sys.executable else "python", *sys.argv]
                         if argv is None else ["bench/bench_long_records.py", *argv])
    host = machine()
    began = time.perf_counter()
    runs = run_all(args, out)
    elapsed = time.perf_counter() - began
    rows = collect(runs)
    print(f"command: {command}")
    print(f"machine: {host}")
    print(f"settings: limit {args.limit or 'every case'}; max_tokens {args.max_tokens or 'catalogue'}; "
          f"chunk_tokens {args.chunk_tokens or 'as many as fit'} and chunk_overlap {args.chunk_overlap} "
          f"(map-reduce, refine); context {args.context_length or 'catalogue'}; concurrency {args.concurrency}; "
          "response cache off; no MLflow")
    print(f"run directories under {out / 'runs'}")
    print()
    print(table(rows))
    print()
    for line in notes(rows):
        print(line)
    print(f"wall time of the whole benchmark (model loading and scoring included): {elapsed:.0f} s")
    if args.json_out is not None:
        args.json_out.write_text(json.dumps({"command": command, "machine": host, "elapsed_s": elapsed,
                                             "rows": [row.as_dict() for row in rows]}, ensure_ascii=False, indent=2),
                                 encoding="utf-8")
    return 1 if any(row.errors and row.errors[0].startswith("model:") for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
