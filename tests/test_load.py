"""`workbench load`: a concurrency sweep on the scripted backend, its figures, files, CLI and MLflow runs."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from workbench import api, cli
from workbench.data.evalsets import load_evalset
from workbench.data.prompts import get_prompt
from workbench.models.scripted import register_script, unregister_script, user_text
from workbench.models.spec import ModelSpec
from workbench.report.figures import load_sweep_figure
from workbench.run.files import model_directory
from workbench.run.load import (
    LOAD_FILE, LOAD_PAGE, LoadFileError, LoadSettings, LoadTest, read_load_requests, read_load_test, run_load_test,
)
from workbench.scoring.load import (
    LoadLevel, LoadSettingsError, ServiceObjectives, highest_level_meeting, level_summary, meets_objectives,
    parse_levels, parse_objectives, requests_for_level,
)

SMOKE_CASES = ["en-ed-chest-pain", "en-discharge-pneumonia", "en-clinic-heart-failure", "en-operative-appendix"]
SLEEP_S = 0.05

# One case fast and good, one slow, one failing (with timings that would meet any objective),
# one with a slow first token.
SCRIPT = """
en-ed-chest-pain: {output: "fast", ttft_s: 0.1, e2e_s: 0.5, completion_tokens: 11}
en-discharge-pneumonia: {output: "slow", ttft_s: 0.2, e2e_s: 3.0, completion_tokens: 21}
en-clinic-heart-failure: {error: "server overloaded", ttft_s: 0.05, e2e_s: 0.1}
en-operative-appendix: {output: "late start", ttft_s: 1.5, e2e_s: 2.0, completion_tokens: 6}
"""


@pytest.fixture()
def sleeping_script() -> Iterator[str]:
    """A registered script that really takes SLEEP_S per request, so requests overlap in wall-clock time."""
    def sleep_then_echo(request):  # type: ignore[no-untyped-def]
        time.sleep(SLEEP_S)
        return {"output": user_text(request)[:40], "ttft_s": 0.01, "e2e_s": SLEEP_S, "completion_tokens": 5}

    register_script("test-load-sleep", sleep_then_echo, replace=True)
    yield "test-load-sleep"
    unregister_script("test-load-sleep")


@pytest.fixture()
def scripted_spec(tmp_path: Path) -> ModelSpec:
    script = tmp_path / "script.yaml"
    script.write_text(SCRIPT, encoding="utf-8")
    return ModelSpec(name="scripted-ward", backend="scripted", path=str(script))


def _sweep(specs: list[ModelSpec], runs_dir: Path, levels: list[int], requests: int | None = None,
           objectives: ServiceObjectives | None = None):  # type: ignore[no-untyped-def]
    evalset = load_evalset("smoke-en")
    settings = LoadSettings(levels=levels, requests_per_level=requests, objectives=objectives or ServiceObjectives(),
                            runs_dir=runs_dir, show_progress=False)
    return run_load_test(specs, get_prompt(evalset.manifest.default_prompt), evalset, settings)


def _max_overlap(intervals: list[tuple[float, float]]) -> int:
    """The most intervals open at one moment (an interval ending when another starts does not overlap it)."""
    events = sorted([(start, 1) for start, _ in intervals] + [(end, -1) for _, end in intervals])
    open_now = peak = 0
    for _, step in events:
        open_now += step
        peak = max(peak, open_now)
    return peak


# --- sending: exactly `level` in flight -----------------------------------------------------------


def test_each_level_keeps_exactly_level_requests_in_flight(sleeping_script: str, tmp_path: Path) -> None:
    spec = ModelSpec(name="sleeper", backend="scripted", model=sleeping_script)
    outcome = _sweep([spec], tmp_path / "runs", [1, 3], requests=9)
    requests = read_load_requests(model_directory(outcome.directory, "sleeper"))
    assert len(requests) == 18
    for level in (1, 3):
        sent = [r for r in requests if r.concurrency == level]
        assert [r.index for r in sent] == list(range(9))
        assert [r.case_id for r in sent] == [SMOKE_CASES[i % 4] for i in range(9)]  # cycling over the cases
        intervals = [(r.started_at, r.started_at + r.e2e_s) for r in sent]  # type: ignore[operator]
        assert _max_overlap(intervals) == level
        assert len({r.request_id for r in sent}) == 9
    sweep = outcome.record.models[0]
    assert [level.requests for level in sweep.levels] == [9, 9] and sweep.error is None
    assert sweep.levels[1].wall_s < sweep.levels[0].wall_s  # three at once finish sooner than one by one


def test_default_request_count_covers_every_slot_twice_and_every_case() -> None:
    assert requests_for_level(1, 4) == 4
    assert requests_for_level(4, 4) == 8
    assert requests_for_level(16, 49) == 49
    assert requests_for_level(16, 4, 5) == 5


# --- figures of a level -------------------------------------------------------------------------


def test_goodput_counts_only_requests_meeting_every_objective_and_never_failures(
        scripted_spec: ModelSpec, tmp_path: Path) -> None:
    objectives = parse_objectives(["e2e=1", "ttft=1"])
    outcome = _sweep([scripted_spec], tmp_path / "runs", [2, 4], objectives=objectives)
    sweep = outcome.record.models[0]
    assert [level.concurrency for level in sweep.levels] == [2, 4]
    level = sweep.level(2)
    assert level is not None
    assert (level.requests, level.failures, level.good_requests) == (4, 1, 1)  # only the fast case
    assert level.goodput_rps == pytest.approx(1 / level.wall_s)
    assert level.throughput_rps == pytest.approx(3 / level.wall_s)
    assert level.completion_tokens == 11 + 21 + 6
    assert level.output_tokens_per_s == pytest.approx(38 / level.wall_s)
    # Hand-computed percentiles (linear interpolation between closest ranks) over the three successes.
    assert (level.e2e_p50_s, level.e2e_p90_s, level.e2e_p95_s, level.e2e_p99_s) == pytest.approx((2.0, 2.8, 2.9, 2.98))
    assert (level.ttft_p50_s, level.ttft_p95_s) == pytest.approx((0.2, 0.2 + 0.9 * 1.3))
    # TPOT: (0.5 - 0.1) / 10, (3.0 - 0.2) / 20, (2.0 - 1.5) / 5
    assert (level.tpot_p50_s, level.tpot_p90_s) == pytest.approx((0.1, 0.1 + 0.8 * 0.04))
    # ITL: 10 gaps of 0.04, 5 of 0.1, 20 of 0.14 (35 in all; the median is the 18th)
    assert (level.itl_p50_s, level.itl_p99_s) == pytest.approx((0.14, 0.14))
    assert sweep.level(4).good_requests == 2 and sweep.level(4).failures == 2  # type: ignore[union-attr]
    # A failed request whose timings would meet the objectives is still not good.
    failed = {"error": "server overloaded", "ttft_s": 0.05, "e2e_s": 0.1}
    assert not meets_objectives(failed, objectives)
    assert not meets_objectives({"ttft_s": 0.1, "e2e_s": 0.5, "tpot_s": 0.2}, parse_objectives({"tpot": 0.05}))
    assert meets_objectives({"ttft_s": 0.1, "e2e_s": 0.1, "completion_tokens": 1}, parse_objectives({"tpot": 0.05}))


def test_level_summary_from_hand_made_results() -> None:
    results = [
        {"started_at": 100.0, "ttft_s": 0.2, "e2e_s": 1.0, "completion_tokens": 10, "itl_s": [0.1] * 9},
        {"started_at": 100.0, "ttft_s": 0.4, "e2e_s": 2.0, "completion_tokens": 20, "itl_s": [0.08] * 19},
        {"started_at": 101.0, "e2e_s": 0.5, "error": "timeout"},
    ]
    level = level_summary(results, concurrency=2, objectives=ServiceObjectives(e2e_s=1.5))
    assert level.wall_s == pytest.approx(2.0)  # first issued at 100, last finished at 102
    assert (level.requests, level.failures, level.good_requests) == (3, 1, 1)
    assert level.goodput_rps == pytest.approx(0.5) and level.throughput_rps == pytest.approx(1.0)
    assert level.output_tokens_per_s == pytest.approx(15.0)
    assert level.e2e_p50_s == pytest.approx(1.5) and level.ttft_p90_s == pytest.approx(0.38)
    no_objectives = level_summary(results, concurrency=2, objectives=ServiceObjectives())
    assert no_objectives.good_requests is None and no_objectives.goodput_rps is None
    assert "goodput_rps" not in no_objectives.metric_values() and "concurrency" not in level.metric_values()


def test_highest_level_meeting_the_end_to_end_objective() -> None:
    def level(concurrency: int, p95: float | None, failures: int = 0) -> LoadLevel:
        return LoadLevel(concurrency=concurrency, requests=8, failures=failures, e2e_p95_s=p95)

    objectives = ServiceObjectives(e2e_s=10)
    assert highest_level_meeting([level(1, 2.0), level(4, 9.5), level(16, 30.0)], objectives) == 4
    assert highest_level_meeting([level(1, 2.0), level(4, 9.5, failures=1)], objectives) == 1
    assert highest_level_meeting([level(1, 12.0)], objectives) is None
    assert highest_level_meeting([level(1, 2.0)], ServiceObjectives()) is None


def test_levels_and_objectives_are_checked() -> None:
    assert parse_levels("16, 1,4,4") == [1, 4, 16]
    assert parse_objectives(["e2e=10", "ttft=2s"]) == ServiceObjectives(e2e_s=10, ttft_s=2)
    for bad in ("0", "1,x", "", "-2", "1.5"):
        with pytest.raises(LoadSettingsError, match="^--concurrency"):
            parse_levels(bad)
    for bad, why in ((["foo=1"], "unknown objective 'foo'; known: ttft, tpot, e2e"),
                     (["e2e=abc"], "'abc' is not a positive number of seconds"),
                     (["e2e=0"], "not a positive number"), (["e2e"], "expected NAME=SECONDS"),
                     (["e2e=1", "e2e=2"], "given twice")):
        with pytest.raises(LoadSettingsError, match="^--slo .*" + why.replace("(", r"\(")):
            parse_objectives(bad)


# --- files --------------------------------------------------------------------------------------


def test_load_json_round_trips_through_its_reader(scripted_spec: ModelSpec, sleeping_script: str,
                                                  tmp_path: Path) -> None:
    sleeper = ModelSpec(name="sleeper", backend="scripted", model=sleeping_script)
    outcome = _sweep([scripted_spec, sleeper], tmp_path / "runs", [1, 2], requests=4,
                     objectives=ServiceObjectives(e2e_s=1.0))
    assert outcome.directory.name.startswith("load-") and outcome.directory.parent == tmp_path / "runs"
    record = read_load_test(outcome.directory)
    assert isinstance(record, LoadTest) and record == outcome.record
    assert read_load_test(outcome.directory / LOAD_FILE) == record
    assert record.levels == [1, 2] and record.requests_per_level == 4 and record.evalset == "smoke-en"
    assert [sweep.model for sweep in record.models] == ["scripted-ward", "sleeper"]
    assert record.sweep("sleeper").highest_level_meeting_e2e == 2  # type: ignore[union-attr]
    assert record.sweep("scripted-ward").highest_level_meeting_e2e is None  # type: ignore[union-attr]
    ward = record.sweep("scripted-ward")
    assert ward is not None and ward.backend_info["backend"] == "scripted"  # type: ignore[index]
    assert ward.generation_settings == scripted_spec.generation_settings()
    assert record.warmup == 1 and [item["case_id"] for item in ward.warmup] == [SMOKE_CASES[0]]  # not in any level
    requests = read_load_requests(model_directory(outcome.directory, "scripted-ward"))
    assert len(requests) == 8 and sum(not r.ok for r in requests) == 2

    data = json.loads((outcome.directory / LOAD_FILE).read_text(encoding="utf-8"))
    (tmp_path / "newer.json").write_text(json.dumps({**data, "schema_version": 99}), encoding="utf-8")
    with pytest.raises(LoadFileError, match="schema version 99.*upgrade the workbench"):
        read_load_test(tmp_path / "newer.json")


def test_a_model_that_cannot_be_loaded_fails_its_own_sweep(scripted_spec: ModelSpec, tmp_path: Path) -> None:
    missing = ModelSpec(name="gone", backend="scripted", path=str(tmp_path / "no-such-script.yaml"))
    outcome = _sweep([missing, scripted_spec], tmp_path / "runs", [1], requests=2)
    gone, ward = outcome.record.models
    assert gone.error and "script file not found" in gone.error and not gone.levels
    assert ward.error is None and len(ward.levels) == 1


# --- the command line ---------------------------------------------------------------------------


def _catalogue(tmp_path: Path, script: Path) -> Path:
    catalogue = tmp_path / "models.yaml"
    catalogue.write_text(f"models:\n  ward:\n    backend: scripted\n    path: {script}\n", encoding="utf-8")
    return catalogue


@pytest.mark.parametrize("options, message", [
    (["--concurrency", "0"], "error: --concurrency: each level must be a whole number of at least 1, got '0'"),
    (["--slo", "foo=1"], "error: --slo foo=1: unknown objective 'foo'; known: ttft, tpot, e2e"),
    (["--slo", "e2e=abc"], "error: --slo e2e=abc: 'abc' is not a positive number of seconds"),
    (["--requests-per-level", "0"], "error: --requests-per-level: must be a whole number of at least 1, got 0"),
    (["--warmup", "-1"], "error: --warmup: must be a whole number of at least 0, got -1"),
])
def test_cli_refuses_bad_options_in_one_line(options: list[str], message: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli.app, ["load", "-m", "ward", "-e", "smoke-en", "--runs-dir",
                                          str(tmp_path / "runs"), "--no-progress", *options])
    assert result.exit_code == 2, result.output
    assert result.output.strip() == message
    assert not (tmp_path / "runs").exists()  # nothing ran


def test_cli_prints_a_table_per_model_and_writes_the_curves(scripted_spec: ModelSpec, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.chdir(tmp_path)
    catalogue = _catalogue(tmp_path, Path(scripted_spec.path or ""))
    result = CliRunner().invoke(cli.app, ["load", "-m", "ward", "-e", "smoke-en", "-c", "1,2", "--slo", "e2e=2.5",
                                          "--catalogue", str(catalogue), "--runs-dir", str(tmp_path / "runs"),
                                          "--no-progress"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    header = next(line for line in lines if line.startswith("level"))
    for column in ("req/s", "tok/s", "goodput/s", "e2e p50 (s)", "e2e p95 (s)", "failures"):
        assert column in header
    rows = [line.split() for line in lines if line.split()[:1] in (["1"], ["2"])]
    assert [row[0] for row in rows] == ["1", "2"] and all(row[-1] == "1" for row in rows)  # one failure per level
    assert "highest level meeting e2e p95 ≤ 2.5 s (no failures): none" in result.output
    assert not (tmp_path / "mlruns").exists()  # no tracking configured: nothing logged
    directory = next((tmp_path / "runs").glob("load-*"))
    page = (directory / LOAD_PAGE).read_text(encoding="utf-8")
    assert "<script src=" not in page and 'src="http' not in page  # plotly inlined, nothing fetched
    assert "e2e objective 2.5 s" in page
    figure = load_sweep_figure(read_load_test(directory))
    assert [trace.name for trace in figure.data] == [
        "ward output tokens/s", "ward goodput (requests/s)", "ward e2e p50", "ward e2e p95"]
    assert all(list(trace.x) == [1, 2] for trace in figure.data)
    assert [shape.y0 for shape in figure.layout.shapes] == [2.5]  # the objective, as a horizontal line


# --- MLflow -------------------------------------------------------------------------------------


def test_mlflow_gets_one_run_per_model_with_a_curve_per_figure(scripted_spec: ModelSpec, sleeping_script: str,
                                                               tmp_path: Path) -> None:
    from mlflow import MlflowClient

    uri = f"sqlite:///{tmp_path / 'mlruns' / 'mlflow.db'}"
    sleeper = ModelSpec(name="sleeper", backend="scripted", model=sleeping_script)
    result = api.load_sweep([scripted_spec, sleeper], "smoke-en", concurrency="1,2,4", requests_per_level=4,
                            slo=["e2e=1"], runs_dir=tmp_path / "runs", tracking_uri=uri, experiment="ward-load",
                            show_progress=False)
    assert result.mlflow_error is None and result.logged is not None
    assert result.page == result.directory / LOAD_PAGE and result.page.is_file()
    client = MlflowClient(tracking_uri=uri)
    experiment = client.get_experiment_by_name("ward-load")
    assert experiment is not None and set(result.logged.run_ids) == {"scripted-ward", "sleeper"}
    for model, run_id in result.logged.run_ids.items():
        run = client.get_run(run_id)
        assert run.info.experiment_id == experiment.experiment_id and run.info.status == "FINISHED"
        assert run.data.tags["workbench.kind"] == "load"
        params = run.data.params
        assert (params["model"], params["evalset"], params["levels"], params["slo_e2e_s"]) == (
            model, "smoke-en", "1,2,4", "1.0")
        assert params["requests_per_level"] == "4" and params["backend"] == "scripted"
        sweep = result.record.sweep(model)
        for name in ("throughput_rps", "output_tokens_per_s", "goodput_rps", "e2e_p50_s", "e2e_p95_s", "ttft_p95_s"):
            history = sorted(client.get_metric_history(run_id, name), key=lambda m: m.step)
            assert [m.step for m in history] == [1, 2, 4], name
            assert [m.value for m in history] == pytest.approx(
                [getattr(sweep.level(step), name) for step in (1, 2, 4)])
        artifacts = {item.path for item in client.list_artifacts(run_id)}
        assert {LOAD_FILE, LOAD_PAGE} <= artifacts
    sleeper_run = client.get_run(result.logged.run_ids["sleeper"])
    assert sleeper_run.data.metrics["highest_level_meeting_e2e"] == 4
