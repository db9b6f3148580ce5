"""How the leaderboard, the report and a UI refresh grow with the number of evaluations logged to MLflow.

Builds a temporary SQLite MLflow store with N/2 evaluations, times the leaderboard (cold: first call in
the process; warm: the calls after it), ``workbench report`` on the newest comparison of the newest group
and the Leaderboard tab's refresh; then logs N/2 more evaluations and times the same again at N, and
prints the growth per doubling. Evaluations are real comparisons of scripted models (no weights) over
the first 2-4 cases of the shipped smoke sets: ``--models`` models per comparison, spread over
``--groups`` comparable groups (set × number of cases), logged with ``log_comparison(log_traces=False)``.
Also times logging an hour of one-second system samples.

Cold is the first call after new evaluations were logged: it reads every evaluation run from MLflow and runs
the paired tests of every group (the n × (n - 1) / 2 pairs of a group of n evaluations); warm is a call with
nothing changed since: one query for the experiments and their markers, one for the deleted runs.

    .venv/bin/python bench/bench_scale.py                      # 1,000 evaluations (about 0.6 s each to create)
    .venv/bin/python bench/bench_scale.py --evaluations 200    # quicker
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from workbench.privacy.egress import apply_privacy_environment  # noqa: E402

apply_privacy_environment()

SCRIPTS = ("echo-source", "first-sentences")
GROUP_SETS = (("smoke-en", 2), ("smoke-en", 3), ("smoke-en", 4), ("smoke-zh", 2), ("smoke-zh", 3),
              ("smoke-zh", 4))
SAMPLES_PER_HOUR = 3600


def write_catalogue(path: Path, models: int) -> list[str]:
    """A catalogue of ``models`` scripted models (alternating the two scripts); their names."""
    names = [f"scripted-{index:02d}" for index in range(models)]
    lines = ["models:"]
    for index, name in enumerate(names):
        lines += [f"  {name}:", "    backend: scripted", f"    model: {SCRIPTS[index % len(SCRIPTS)]}"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return names


def log_evaluations(count: int, *, start: int, models: list[str], groups: int, catalogue: Path, runs_dir: Path,
                    tracking_uri: str) -> list[Path]:
    """Run and log comparisons until ``count`` more evaluations are in the store; their run directories."""
    from workbench import api
    from workbench.track.mlflow_runs import log_comparison

    run_dirs = []
    logged = 0
    comparison = start
    while logged < count:
        evalset, limit = GROUP_SETS[comparison % min(groups, len(GROUP_SETS))]
        chosen = models[: min(len(models), count - logged)]
        result = api.evaluate(chosen, evalset, limit=limit, runs_dir=runs_dir, log_to_mlflow=False,
                              show_progress=False, catalogue=[catalogue])
        log_comparison(result.run_dir, tracking_uri=tracking_uri, log_traces=False)
        run_dirs.append(result.run_dir)
        logged += len(chosen)
        comparison += 1
    return run_dirs


def timed(action: Callable[[], object], repeats: int) -> list[float]:
    """Seconds of each of ``repeats`` calls."""
    seconds = []
    for _ in range(repeats):
        began = time.perf_counter()
        action()
        seconds.append(time.perf_counter() - began)
    return seconds


def measure(tracking_uri: str, runs_dir: Path, work_dir: Path, repeats: int) -> dict[str, float]:
    """Leaderboard cold and warm (median), the report on the newest comparison, a UI refresh (median)."""
    from workbench import api
    from workbench.privacy.audit import AuditLog
    from workbench.report.publish import find_latest_run_dir
    from workbench.track.leaderboard import leaderboard_entries, ranked_rows
    from workbench.ui.app import UIConfig, refresh_leaderboard

    def leaderboard() -> None:
        ranked_rows(leaderboard_entries(tracking_uri=tracking_uri))

    cold = timed(leaderboard, 1)[0]
    warm = statistics.median(timed(leaderboard, repeats))
    newest = find_latest_run_dir(runs_dir)
    report = statistics.median(timed(lambda: api.report([newest], out_dir=work_dir / "report"), repeats))
    config = UIConfig(runs_dir=runs_dir, tracking_uri=tracking_uri, audit=AuditLog(work_dir / "audit.jsonl"))
    refresh = statistics.median(timed(lambda: refresh_leaderboard(config, None, None, None), repeats))  # type: ignore[arg-type]
    entries = leaderboard_entries(tracking_uri=tracking_uri)
    return {"evaluations": float(len(entries)), "leaderboard cold s": cold, "leaderboard warm s": warm,
            "report s": report, "UI refresh s": refresh}


def time_system_samples(work_dir: Path, seconds: int) -> tuple[float, int]:
    """Seconds to log ``seconds`` one-second system samples to one run of a store already written to once, and
    the length of a logged history (the charts keep at most ``MAX_SYSTEM_POINTS`` points a series)."""
    import mlflow
    from mlflow import MlflowClient

    from workbench.track.mlflow_runs import _log_system_samples

    uri = f"sqlite:///{work_dir / 'samples.db'}"
    client = MlflowClient(uri)
    experiment_id = client.create_experiment("samples")
    samples = [{"elapsed_s": float(i), "cpu_percent": 50.0 + i % 7, "rss_mb": 800.0 + i % 13,
                "gpu_memory_mb": 4000.0 + i % 5} for i in range(seconds)]
    mlflow.set_tracking_uri(uri)
    with mlflow.start_run(run_id=client.create_run(experiment_id).info.run_id):  # warm-up: the store's first
        _log_system_samples(samples[:10], start_ms=int(time.time() * 1000))  # writes are set-up, not logging
    run_id = client.create_run(experiment_id).info.run_id
    with mlflow.start_run(run_id=run_id):
        began = time.perf_counter()
        _log_system_samples(samples, start_ms=int(time.time() * 1000))
        elapsed = time.perf_counter() - began
    return elapsed, len(client.get_metric_history(run_id, "system/cpu_percent"))


def print_figures(figures: dict[str, float]) -> None:
    print("  " + "  ".join(f"{name} {value:.0f}" if name == "evaluations" else f"{name} {value:.3f}"
                           for name, value in figures.items()), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--evaluations", type=int, default=1000, help="evaluations at the larger size (N)")
    parser.add_argument("--models", type=int, default=4, help="models per comparison")
    parser.add_argument("--groups", type=int, default=6, help=f"comparable groups (at most {len(GROUP_SETS)})")
    parser.add_argument("--repeats", type=int, default=3, help="timed calls per warm figure (median)")
    parser.add_argument("--samples-only", action="store_true", help="only time logging an hour of system samples")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-scale-") as directory:
        work_dir = Path(directory)
        catalogue = work_dir / "models.yaml"
        models = write_catalogue(catalogue, args.models)
        runs_dir = work_dir / "runs"
        tracking_uri = f"sqlite:///{work_dir / 'mlflow.db'}"
        print(f"{args.models} scripted models per comparison, {min(args.groups, len(GROUP_SETS))} groups; "
              f"store {tracking_uri}", flush=True)

        for repeat in range(args.repeats):  # each in a store of its own
            store_dir = work_dir / f"samples-{repeat}"
            store_dir.mkdir()
            elapsed, history = time_system_samples(store_dir, SAMPLES_PER_HOUR)
            print(f"an hour of system samples ({SAMPLES_PER_HOUR} samples × 3 metrics): logged in {elapsed:.3f} s "
                  f"(history length {history})", flush=True)
        if args.samples_only:
            return

        half = args.evaluations // 2
        sizes = [half, args.evaluations]
        figures: list[dict[str, float]] = []
        logged = 0
        comparisons = 0
        for size in sizes:
            began = time.perf_counter()
            created = log_evaluations(size - logged, start=comparisons, models=models, groups=args.groups,
                                      catalogue=catalogue, runs_dir=runs_dir, tracking_uri=tracking_uri)
            comparisons += len(created)
            print(f"created {size - logged} evaluations in {time.perf_counter() - began:.0f} s", flush=True)
            logged = size
            figures.append(measure(tracking_uri, runs_dir, work_dir, args.repeats))
            print_figures(figures[-1])

        print("growth per doubling (figure at N / figure at N/2):")
        small, large = figures
        print("  " + "  ".join(f"{name} ×{large[name] / small[name]:.2f}" for name in large
                               if name != "evaluations" and small[name] > 0), flush=True)


if __name__ == "__main__":
    main()
