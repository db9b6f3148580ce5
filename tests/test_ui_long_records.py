"""Records longer than the context in the browser workbench: the Run tab's strategy reaches the run files as the
command line's does, and the Cases tab shows how a record was truncated or chunked, each chunk call in order."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Iterator

import pytest
import yaml
from typer.testing import CliRunner

from tests.conftest import ARTIFACTS
from tests.test_ui import CHROMIUM, CHROMIUM_ARGS, start_ui, stop
from workbench.privacy.audit import AuditLog
from workbench.run.files import CaseScores, ChunkRecord, GenerationRecord, LongRecordHandling, list_run_dirs
from workbench.run.long_records import CHUNKING, DEFAULT_STRATEGY, STRATEGIES
from workbench.ui import app as ui_app
from workbench.ui.chunk_view import long_record_html
from workbench.ui.escape import markdown_text
from workbench.ui.long_record_options import (
    STRATEGY_HELP, settings_from_form, strategy_choices, strategy_label, uses_chunks,
)

MODEL = "chunky"
PATIENT = "Harold Whitcombe"  # a gold NAME of smoke-en's first case
CONTEXT = 448  # smoke-en's first case (about 470 tokens by the estimate) does not fit; its parts do
# Every chunk call the first case may take gets a short answer; the first part's leaks the patient's name.
SCRIPT = {**{f"map-{number}": f"Part {number}: chest pain, ST elevation." for number in range(2, 9)},
          **{f"reduce-{number}": "Inferior STEMI; troponin I 2.8 ng/mL." for number in range(2, 12)},
          "map-1": f"{PATIENT}, 58, chest pain."}


def _workdir(root: Path) -> Path:
    """A working directory whose catalogue holds a scripted model with a small context."""
    (root / "script.yaml").write_text(yaml.safe_dump(SCRIPT), encoding="utf-8")
    entry = {"backend": "scripted", "model": "first-sentences", "path": str(root / "script.yaml"),
             "context_length": CONTEXT, "sampling": {"max_tokens": 16}}
    (root / "models.yaml").write_text(yaml.safe_dump({"models": {MODEL: entry}}), encoding="utf-8")
    return root


def _request() -> SimpleNamespace:
    return SimpleNamespace(username=None, session_hash="s1")


# --- the rendering, on records made by hand ----------------------------------------------------------------


def _record(**fields: Any) -> GenerationRecord:
    base: dict[str, Any] = dict(run_id="r1", case_id="c1", case_index=0, case_hash="h", model="m", evalset="s",
                                evalset_version="1", evalset_hash="h", prompt="p", prompt_version=1, prompt_hash="h",
                                rendered_prompt_hash="h", messages=[], generation_settings={}, cache_key="k")
    return GenerationRecord(**{**base, **fields})


def _handling(applied: str, strategy: str, **fields: Any) -> LongRecordHandling:
    return LongRecordHandling(strategy=strategy, applied=applied, context_length=256, max_tokens=16,
                              prompt_tokens_counted=600, token_count_source="estimate", **fields)


def _chunk(index: int, kind: str, output: str, **fields: Any) -> ChunkRecord:
    return ChunkRecord(index=index, kind=kind, parts=2, prompt_hash="h", output=output, **fields)


def test_a_record_sent_whole_shows_nothing() -> None:
    assert long_record_html(None) == ""
    assert long_record_html(_record(output="fine")) == ""  # written before records were measured
    assert long_record_html(_record(output="fine", long_record=_handling("whole", "map-reduce"))) == ""


def test_a_truncated_record_says_how_far_over_and_what_was_cut() -> None:
    record = _record(output="summary", long_record=_handling(
        "truncated", "truncate", note_tokens=580, sent_prompt_tokens=236, cut_tokens=364, cut_chars=1100,
        cut_start=500, cut_end=1600))
    shown = long_record_html(record)
    assert shown.startswith('<details class="long-record"><summary>Longer than the context: truncated (truncate)')
    assert "--long-records truncate: truncated" in shown
    assert "exceed the context of 256 by 360 tokens" in shown  # 600 + 16 - 256
    assert "cut 364 of 580 note tokens (63%), 1100 characters from the middle" in shown
    assert "sent 236 tokens" in shown and "<ol>" not in shown and "PHI leaked" not in shown


def test_a_chunked_record_lists_every_call_in_order_and_marks_the_leak() -> None:
    chunks = [_chunk(0, "map", "Alice Warren admitted <img src=x>; potassium 9.9 mmol/L.", part=1, e2e_s=0.4,
                     completion_tokens=12, prompt_tokens_counted=200, offset_s=0.0),
              _chunk(1, "map", "Stable on the ward.", part=2, e2e_s=0.3, completion_tokens=5, offset_s=0.4),
              _chunk(2, "reduce", "Creatinine 98 umol/L at discharge.", combines=[0, 1], e2e_s=0.5,
                     completion_tokens=7, offset_s=0.7)]
    record = _record(output=chunks[-1].output, chunks=chunks, e2e_s=1.2, ttft_s=0.05, completion_tokens=24,
                     long_record=_handling("chunked", "map-reduce", note_tokens=580, chunk_tokens=200,
                                           chunk_overlap=0, parts=2))
    scores = CaseScores(id="c1", phi_intermediate_leaked=[{"label": "NAME", "text": "Alice Warren", "match": "exact",
                                                           "call": 0}],
                        phi_intermediate_any_leak=1.0, values_intermediate_invented=1.0,
                        values_intermediate_invented_list=["potassium 9.9 mmol/L"])
    shown = long_record_html(record, scores)
    summary = shown[:shown.index("</summary>")]
    assert "chunked (map-reduce) · 3 call(s) · 1.20 s" in summary
    assert '<span class="leak">PHI leaked in chunk outputs</span>' in summary  # seen with the details closed
    assert "2 part(s) of at most 200 tokens, overlap 0" in shown
    assert "3 call(s) · chain e2e 1.20 s (first request to last token) · TTFT 0.05 s · 24 tokens written" in shown
    titles = ["call 1 · map · part 1 of 2 · e2e 0.40 s · read 200 tokens · wrote 12 tokens",
              "call 2 · map · part 2 of 2 · e2e 0.30 s · read - · wrote 5 tokens",
              "call 3 · reduce · combines calls 1, 2 · e2e 0.50 s"]
    positions = [shown.index(title) for title in titles]
    assert positions == sorted(positions)
    assert "PHI leaked in chunk outputs: NAME Alice Warren (first in call 1)" in shown
    assert "1 value(s) in chunk outputs that the note does not hold: potassium 9.9 mmol/L" in shown
    assert ('<mark title="leaked NAME">Alice Warren<span class="label">leaked NAME</span></mark>'
            in shown)
    assert "&lt;img src=x&gt;" in shown and "<img" not in shown  # a chunk's text is escaped
    assert shown.count("<mark") == 1


def test_a_failed_chain_shows_the_call_that_failed() -> None:
    chunks = [_chunk(0, "map", "One.", part=1, e2e_s=0.1), _chunk(1, "map", "Two.", part=2, e2e_s=0.1),
              _chunk(2, "reduce", "", error="no two of them fit one reduce call", error_type="ContextLengthExceeded")]
    record = _record(error="reduce call 3 failed", chunks=chunks,
                     long_record=_handling("chunked", "map-reduce", chunk_tokens=200, chunk_overlap=0, parts=2))
    shown = long_record_html(record, None)
    assert "call 3 · reduce · 2 part(s) · e2e -" in shown
    assert '<div class="error">error: ContextLengthExceeded: no two of them fit one reduce call</div>' in shown


# --- the Run tab's fields ------------------------------------------------------------------------------------


def test_the_strategy_choices_come_from_the_runner_declaration() -> None:
    assert [value for _label, value in strategy_choices()] == list(STRATEGIES)
    assert set(STRATEGY_HELP) == set(STRATEGIES)  # every strategy is explained
    labels = dict((value, label) for label, value in strategy_choices())
    assert labels[DEFAULT_STRATEGY].endswith("(default)")
    assert [name for name in STRATEGIES if uses_chunks(name)] == list(CHUNKING)


def test_the_form_is_read_and_checked_as_the_command_line_is() -> None:
    assert settings_from_form("truncate", 10, 5).describe() == {"strategy": "truncate", "truncation": "head+tail",
                                                                 "framing": settings_from_form("truncate", 0, 0)
                                                                 .describe()["framing"]}  # hidden fields ignored
    assert settings_from_form(None, None, None).name == DEFAULT_STRATEGY
    chunked = settings_from_form("refine", 128.0, None)
    assert (chunked.chunk_tokens, chunked.chunk_overlap) == (128, 0) and isinstance(chunked.chunk_tokens, int)
    assert settings_from_form("map-reduce", 0, 0).chunk_tokens is None  # 0 or blank: as many as fit
    assert settings_from_form("refine", 10, 0).problems() == [
        "chunk_tokens (--chunk-tokens) must be a whole number of at least 32 (or none for as many as fit), got 10"]
    assert "chunk_overlap (--chunk-overlap) 64 must be less than chunk_tokens (--chunk-tokens) 64" in \
        settings_from_form("map-reduce", 64, 64).problems()


def test_settings_the_runner_refuses_are_said_naming_the_field_and_nothing_runs(isolated_cwd: Path) -> None:
    workdir = _workdir(isolated_cwd)
    config = ui_app.UIConfig(runs_dir=workdir / "runs", tracking_uri=f"sqlite:///{workdir / 'mlflow.db'}",
                             audit=AuditLog(workdir / "audit.jsonl"), catalogue=[workdir / "models.yaml"])
    shown = list(ui_app.run_evaluation(config, [MODEL], ["smoke-en"], ui_app.SET_DEFAULT_PROMPT, 1, 0, False,
                                       _request(), long_records="refine", chunk_tokens=10, chunk_overlap=0))
    refused = "chunk_tokens (--chunk-tokens) must be a whole number of at least 32 (or none for as many as fit), got 10"
    assert shown == [(f"**Error:** {markdown_text(refused)}", [])]
    assert not (workdir / "runs").exists()


# --- the Run tab's handler and the Cases tab, on a real run ----------------------------------------------------


def _long_records_of(run_dir: Path) -> tuple[Any, Any]:
    manifest = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))
    evaluation = json.loads((run_dir / MODEL / "evaluation.json").read_text(encoding="utf-8"))
    return manifest["long_records"], evaluation["long_records"]


def test_the_run_tab_records_the_strategy_as_the_cli_does_and_cases_show_the_chain(isolated_cwd: Path) -> None:
    from workbench import cli

    workdir = _workdir(isolated_cwd)
    config = ui_app.UIConfig(runs_dir=workdir / "runs", tracking_uri=f"sqlite:///{workdir / 'mlflow.db'}",
                             audit=AuditLog(workdir / "audit.jsonl"), catalogue=[workdir / "models.yaml"])
    statuses = [status for status, _rows in ui_app.run_evaluation(
        config, [MODEL], ["smoke-en"], ui_app.SET_DEFAULT_PROMPT, 1, 0, False, _request(),
        long_records="map-reduce", chunk_tokens=None, chunk_overlap=0)]
    assert statuses[-1].startswith("**Finished**"), statuses[-1]
    (ui_run,) = list_run_dirs(workdir / "runs")
    cli_runs = workdir / "cli-runs"
    result = CliRunner().invoke(cli.app, ["run", "-m", MODEL, "-e", "smoke-en", "--limit", "1", "--long-records",
                                          "map-reduce", "--no-mlflow", "--no-progress", "--runs-dir", str(cli_runs),
                                          "--catalogue", str(workdir / "models.yaml")])
    assert result.exit_code == 0, result.output
    (cli_run,) = list_run_dirs(cli_runs)
    assert _long_records_of(ui_run) == _long_records_of(cli_run)
    assert _long_records_of(ui_run)[0]["strategy"] == "map-reduce"
    start = next(entry for entry in config.audit.entries() if entry.action == "run.start")
    assert start.details["long_records"] == "map-reduce"

    case_id = "en-ed-chest-pain"
    parts = ui_app.show_case(config, str(ui_run), case_id, _request())
    details = parts[-ui_app.MAX_MODEL_SLOTS:]
    assert details[1:] == [""] * (ui_app.MAX_MODEL_SLOTS - 1)  # one model: the other columns are hidden
    shown = details[0]
    assert "chunked (map-reduce)" in shown and "PHI leaked in chunk outputs" in shown
    assert "call 1 · map · part 1 of " in shown and "· reduce · combines calls 1, 2" in shown
    assert f'<mark title="leaked NAME">{PATIENT}<span class="label">leaked NAME</span></mark>' in shown


# --- in a browser ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def chunky_ui(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The app over a working directory whose catalogue holds the scripted model with a small context."""
    workdir = _workdir(tmp_path_factory.mktemp("ui-long-records"))
    process, url, _log = start_ui(workdir)
    try:
        yield url, workdir
    finally:
        stop(process)


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed at /usr/bin/chromium "
                    "(`make test` installs it)")
def test_map_reduce_chosen_in_the_run_tab_shows_its_chunk_calls_in_cases(chunky_ui: tuple[str, Path]) -> None:
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    url, workdir = chunky_ui
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(url)
        page.locator("#run-models").get_by_label(MODEL).check()
        page.locator("#run-limit input").fill("1")
        expect(page.locator("#run-long-records input")).to_have_value(strategy_label(DEFAULT_STRATEGY))
        expect(page.locator("#run-chunk-fields")).to_be_hidden()  # refuse, the default, does not chunk
        page.locator("#run-long-records input").click()
        page.get_by_role("option", name="map-reduce", exact=False).click()
        expect(page.locator("#run-chunk-tokens")).to_be_visible()
        expect(page.locator("#run-chunk-overlap")).to_be_visible()
        page.locator("#run-button").click()
        expect(page.locator("#run-status")).to_contain_text("Finished", timeout=120_000)
        (run_dir,) = list_run_dirs(workdir / "runs")
        assert _long_records_of(run_dir)[0]["strategy"] == "map-reduce"

        page.locator("#run-open-cases").click()
        expect(page.locator("#case-run input")).to_have_value(run_dir.name, timeout=30_000)
        page.locator("#case-id input").click()
        page.get_by_role("option", name="en-ed-chest-pain", exact=False).click()
        view = page.locator("#case-output-long-record-0")
        expect(view).to_contain_text("chunked (map-reduce)", timeout=30_000)
        expect(view).to_contain_text("PHI leaked in chunk outputs")
        view.locator("summary").click()
        expect(view.locator("li.chunk-call").first).to_contain_text("call 1 · map · part 1 of")
        expect(view.locator("li.chunk-call").last).to_contain_text("reduce · combines calls 1, 2")
        expect(view.locator("mark").first).to_contain_text(PATIENT)
        page.screenshot(path=str(ARTIFACTS / "ui-long-records.png"), full_page=True)
        browser.close()
