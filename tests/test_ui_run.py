"""The Run tab's handlers with a real model: progress, the per-device queue between two users, cancel."""

from __future__ import annotations

import getpass
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from workbench.ui.app import SET_DEFAULT_PROMPT, UIConfig, cancel_run, run_evaluation
from workbench.privacy.audit import AuditLog
from workbench.run.files import read_records


def _user(session: str) -> SimpleNamespace:
    """What Gradio hands a handler about its caller: a user name (none on loopback) and a session."""
    return SimpleNamespace(username=None, session_hash=session)


def _consume(generator, statuses: list[str]) -> None:
    for status, _rows in generator:
        statuses.append(status)


@pytest.mark.slow
def test_second_user_waits_for_the_device_and_cancel_keeps_finished_cases(isolated_cwd: Path) -> None:
    config = UIConfig(runs_dir=isolated_cwd / "runs", tracking_uri=f"sqlite:///{isolated_cwd / 'mlruns' / 'db.sqlite'}",
                      audit=AuditLog(isolated_cwd / "audit.jsonl"))
    first: list[str] = []
    second: list[str] = []
    long_run = threading.Thread(target=_consume, args=(run_evaluation(
        config, ["smollm2-135m"], "smoke-en", SET_DEFAULT_PROMPT, 0, 96, False, _user("alice")), first))
    long_run.start()
    deadline = time.time() + 120
    while not any("case" in status and "done" in status for status in first) and time.time() < deadline:
        time.sleep(0.2)  # until the first case of alice's run finished
    short_run = threading.Thread(target=_consume, args=(run_evaluation(
        config, ["smollm2-135m"], "smoke-en", SET_DEFAULT_PROMPT, 1, 8, False, _user("bob")), second))
    short_run.start()
    deadline = time.time() + 30
    while not any("Waiting for the device cpu" in status for status in second) and time.time() < deadline:
        time.sleep(0.2)
    assert any(status.startswith("**Waiting for the device cpu**: 1 job(s) ahead of this run (number 2 in line)")
               for status in second), second
    assert not any(status.startswith("**Running**") and "Waiting" in status for status in second)

    assert cancel_run(config, _user("alice")).startswith("**Cancelling**")
    time.sleep(1.5)  # the progress loop polls twice a second: the cancel feedback must not be overwritten
    assert first[-1].startswith("**Cancelling**") or first[-1].startswith("**Cancelled**"), first[-1]
    long_run.join(120)
    short_run.join(120)
    assert first[-1].startswith("**Cancelled**"), first[-1]
    assert second[-1].startswith("**Finished**") and "logged to MLflow" in second[-1], second[-1]
    assert cancel_run(config, _user("alice")) == "Nothing is running."

    alice_dir, bob_dir = sorted((isolated_cwd / "runs").glob("2*"), key=lambda p: (p / "run.json").stat().st_mtime)
    kept = read_records(alice_dir / "smollm2-135m")
    assert 1 <= len(kept) < 4  # cancelled after the cases in flight, finished ones kept
    assert len(read_records(bob_dir / "smollm2-135m")) == 1
    actions = [(entry.user, entry.action, entry.outcome) for entry in config.audit.entries()]
    assert (f"local:{getpass.getuser()}", "run.finish", "cancelled") in actions
    assert [a for a in actions if a[1] == "run.cancel"][0][2] == "ok"


def test_status_while_waiting_running_and_cancelling() -> None:
    from workbench.ui.app import DeviceJob, progress_status

    job, cancel = DeviceJob(), threading.Event()
    progress = {"done": 1, "last": "echo: case c1 done", "sets_done": 0}
    job.waiting_for, job.ahead = "gpu:0", 2
    waiting = progress_status(job, cancel, ["echo"], ["smoke-en"], progress, 4, 3.0)
    assert waiting.startswith("**Waiting for the device gpu:0**: 2 job(s) ahead of this run (number 3 in line).")
    assert "Running" not in waiting
    job.started, job.waiting_for = True, None
    running = progress_status(job, cancel, ["echo"], ["smoke-en", "smoke-zh"], progress, 8, 3.0)
    assert running == "**Running** echo on 2 sets (1 of 2) · 1/8 cases · 3 s · echo: case c1 done"
    cancel.set()
    assert progress_status(job, cancel, ["echo"], ["smoke-en"], progress, 4, 4.0).startswith(
        "**Cancelling** after the cases in flight… 1/4 cases done")


def test_cancel_feedback_stays_until_the_run_stops(isolated_cwd: Path) -> None:
    from tests.conftest import SCRIPTED_CATALOGUE

    (isolated_cwd / "models.yaml").write_text(SCRIPTED_CATALOGUE, encoding="utf-8")
    config = UIConfig(runs_dir=isolated_cwd / "runs", tracking_uri=f"sqlite:///{isolated_cwd / 'db.sqlite'}",
                      audit=AuditLog(isolated_cwd / "audit.jsonl"), catalogue=[isolated_cwd / "models.yaml"])
    statuses: list[str] = []
    gate = threading.Event()
    import workbench.ui.app as ui_app

    real = ui_app.api.evaluate_sets

    def slow_sets(*args, **kwargs):  # the run holds until Cancel was pressed and seen by the progress loop
        gate.wait(30)
        return real(*args, **kwargs)

    ui_app.api.evaluate_sets = slow_sets
    try:
        worker = threading.Thread(target=_consume, args=(run_evaluation(
            config, ["echo"], ["smoke-en"], SET_DEFAULT_PROMPT, 1, 0, False, _user("carol")), statuses))
        worker.start()
        deadline = time.time() + 30
        while not statuses and time.time() < deadline:
            time.sleep(0.1)
        assert cancel_run(config, _user("carol")).startswith("**Cancelling**")
        time.sleep(1.5)
        assert statuses[-1].startswith("**Cancelling**"), statuses[-1]
        gate.set()
        worker.join(60)
    finally:
        ui_app.api.evaluate_sets = real
    assert statuses[-1].startswith("**Cancelled**"), statuses[-1]


def test_unknown_set_or_no_model_is_said_plainly(isolated_cwd: Path) -> None:
    config = UIConfig(runs_dir=isolated_cwd / "runs", tracking_uri=f"sqlite:///{isolated_cwd / 'db.sqlite'}",
                      audit=AuditLog(isolated_cwd / "audit.jsonl"))
    assert list(run_evaluation(config, [], "smoke-en", SET_DEFAULT_PROMPT, 0, 0, False, _user("a")))[-1][0] == \
        "Choose at least one model."
    status = list(run_evaluation(config, ["smollm2-135m"], "no-such-set", SET_DEFAULT_PROMPT, 0, 0, False, _user("a")))
    assert status[-1][0].startswith("**Error:** evaluation set 'no-such-set' not found")
    assert not (isolated_cwd / "runs").exists()


# --- in a browser: a run over two sets, its links, report, export, and the tables at 1400 px --------------------

import csv  # noqa: E402
import json  # noqa: E402
from typing import Iterator  # noqa: E402

from tests.conftest import ARTIFACTS, SCRIPTED_CATALOGUE  # noqa: E402
from tests.test_ui import CHROMIUM, CHROMIUM_ARGS, start_ui, stop  # noqa: E402
from workbench.data.evalsets import load_evalset  # noqa: E402
from workbench.run.files import list_run_dirs  # noqa: E402
from workbench.track.batch_tags import BATCH_TAG  # noqa: E402

MLFLOW_UI = "http://127.0.0.1:5999"
LIMIT = 2
needs_chromium = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed at "
                                    "/usr/bin/chromium (`make test` installs it)")


@pytest.fixture(scope="module")
def scripted_ui(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The app over a working directory whose catalogue holds the two scripted models."""
    workdir = tmp_path_factory.mktemp("ui-run")
    (workdir / "models.yaml").write_text(SCRIPTED_CATALOGUE, encoding="utf-8")
    process, url, _log = start_ui(workdir, "--mlflow-ui-url", MLFLOW_UI)
    try:
        yield url, workdir
    finally:
        stop(process)


@pytest.fixture(scope="module")
def browser(scripted_ui: tuple[str, Path]) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def headers_outside(page: object, table_id: str) -> list[str]:
    """The column headers of a table that are not wholly inside the table's visible area."""
    return page.evaluate(  # type: ignore[attr-defined]
        """(id) => {
            const root = document.getElementById(id);
            const table = root.querySelector('table');
            let box = table.getBoundingClientRect();
            for (let node = table.parentElement; node && node !== root.parentElement; node = node.parentElement) {
                const style = getComputedStyle(node);
                if (/(auto|scroll|hidden)/.test(style.overflowX)) {
                    const r = node.getBoundingClientRect();
                    box = {left: Math.max(box.left, r.left), right: Math.min(box.right, r.right)};
                }
            }
            const view = {left: Math.max(box.left, 0), right: Math.min(box.right, window.innerWidth)};
            const headers = [...table.querySelectorAll('thead th')];
            if (headers.length < 5) return ['(no column headers found)'];
            return headers
                .filter(th => { const r = th.getBoundingClientRect();
                                return r.width < 8 || r.left < view.left - 1 || r.right > view.right + 1; })
                .map(th => th.innerText.trim());
        }""", table_id)


def table_rows(page: object, table_id: str) -> list[list[str]]:
    return page.evaluate(  # type: ignore[attr-defined]
        """(id) => [...document.getElementById(id).querySelectorAll('[role=row].virtual-row')]
            .map(row => [...row.querySelectorAll('[role=gridcell]')].map(cell => cell.innerText.trim()))""", table_id)


def table_headers(page: object, table_id: str) -> list[str]:
    return page.evaluate(  # type: ignore[attr-defined]
        """(id) => [...document.getElementById(id).querySelectorAll('thead th')].map(th => th.title)""", table_id)


def _download(page: object, selector: str) -> Path:
    with page.expect_download(timeout=30_000) as info:  # type: ignore[attr-defined]
        page.locator(selector).click()  # type: ignore[attr-defined]
    return Path(info.value.path())


@needs_chromium
def test_a_run_over_two_sets_links_to_mlflow_cases_report_and_exports(scripted_ui: tuple[str, Path],
                                                                        browser: object) -> None:
    from playwright.sync_api import expect
    import mlflow

    ARTIFACTS.mkdir(exist_ok=True)
    url, workdir = scripted_ui
    page = browser.new_page(viewport={"width": 1400, "height": 1000})  # type: ignore[attr-defined]
    page.goto(url)
    page.locator("#run-models").get_by_label("echo").check()
    page.locator("#run-models").get_by_label("first").check()
    page.locator("#run-evalset input").click()  # smoke-en is chosen; add smoke-zh
    page.get_by_role("option", name="smoke-zh").click()
    page.keyboard.press("Escape")
    page.locator("#run-limit input").fill(str(LIMIT))
    page.locator("#run-button").click()
    status = page.locator("#run-status")
    expect(status).to_contain_text("Finished", timeout=120_000)
    expect(status).to_contain_text("batch")
    expect(page.locator("#run-links")).to_be_visible()
    runs = list_run_dirs(workdir / "runs")
    assert len(runs) == 2

    # The MLflow links: one per set, to the parent run the store holds for that run, in the right experiment.
    mlflow.set_tracking_uri(f"sqlite:///{workdir / 'mlruns' / 'mlflow.db'}")
    parents = mlflow.search_runs(search_all_experiments=True, filter_string="tags.`workbench.kind` = 'comparison'",
                                 output_format="list")
    assert len(parents) == 2 and len({parent.data.tags[BATCH_TAG] for parent in parents}) == 1
    expected = {f"{MLFLOW_UI}/#/experiments/{parent.info.experiment_id}/runs/{parent.info.run_id}"
                for parent in parents}
    links = page.locator("#run-links a.mlflow-run-link")
    expect(links).to_have_count(2)
    assert {links.nth(i).get_attribute("href") for i in range(2)} == expected

    # Every column of the result, status included, is inside the table at 1400 px.
    expect(page.locator("#run-result")).to_contain_text("smoke-zh")
    assert headers_outside(page, "run-result") == []
    shown = table_rows(page, "run-result")
    assert len(shown) == 4 and {row[0] for row in shown} == {"smoke-en", "smoke-zh"}

    # Export: the CSV holds every model's every case of both sets (Chinese intact), the JSON the table's rows.
    with _download(page, "#run-export-csv").open(encoding="utf-8-sig", newline="") as handle:
        case_rows = list(csv.DictReader(handle))
    assert len(case_rows) == 2 * 2 * LIMIT
    assert {(row["evalset"], row["model"]) for row in case_rows} == {(s, m) for s in ("smoke-en", "smoke-zh")
                                                                     for m in ("echo", "first")}
    zh_case = load_evalset("smoke-zh").cases[0]
    echoed = next(row["output"] for row in case_rows if row["model"] == "echo" and row["case"] == zh_case.id)
    assert zh_case.source[:20] in echoed
    assert any(heading.endswith("(rougeL)") for heading in case_rows[0])
    document = json.loads(_download(page, "#run-export-json").read_text(encoding="utf-8"))
    assert sorted((row["evalset"], row["model"], str(row["cases"])) for row in document["models"]) == \
        sorted((row[0], row[1], row[2]) for row in shown)

    # Build report: report.html of the chosen run, kept in its directory and offered as a file.
    page.locator("#run-build-report").click()
    expect(page.locator("#run-report-status")).to_contain_text("built", timeout=120_000)
    expect(page.locator("#run-report-file")).to_contain_text("report-", timeout=30_000)
    chosen = page.locator("#run-finished input").input_value()
    reported = [run for run in runs if (run / "report.html").is_file()]
    assert len(reported) == 1 and reported[0].name in chosen
    page.screenshot(path=str(ARTIFACTS / "ui-run.png"), full_page=True)

    # Open in Cases: the Cases tab, with that run chosen.
    page.locator("#run-open-cases").click()
    expect(page.locator("#case-run input")).to_have_value(reported[0].name, timeout=30_000)
    expect(page.locator("#case-summary")).to_contain_text(reported[0].name)
    expect(page.get_by_role("tab", name="Cases")).to_have_attribute("aria-selected", "true")

    # Leaderboard at 1400 px: every column visible, PHI leak included; the export matches the rows shown.
    page.get_by_role("tab", name="Leaderboard").click()
    table = page.locator("#leaderboard-table")
    expect(table).to_contain_text("smoke-zh", timeout=60_000)
    assert headers_outside(page, "leaderboard-table") == []
    expect(page.locator("#chart-quality-latency .main-svg").first).to_be_visible(timeout=30_000)
    rows = table_rows(page, "leaderboard-table")
    with _download(page, "#lb-export-csv").open(encoding="utf-8-sig", newline="") as handle:
        exported = list(csv.DictReader(handle))
    assert [(row["group"], row["rank"], row["model"], row["run"]) for row in exported] == \
        [(row[0], row[1], row[2], row[3]) for row in rows]
    from workbench.scoring.registry import metric, primary

    quality = primary("quality")
    column = f"{quality.label} ({quality.name})"
    shown_at = table_headers(page, "leaderboard-table").index(f"{quality.heading} [95% CI]")
    assert [metric(quality.name).format(float(row[column])) for row in exported] == \
        [row[shown_at].split(" ")[0] for row in rows]
    lb_json = json.loads(_download(page, "#lb-export-json").read_text(encoding="utf-8"))
    assert [row["mlflow_run_id"] for row in lb_json["leaderboard"]] == [row["MLflow run"] for row in exported]
    page.screenshot(path=str(ARTIFACTS / "ui-leaderboard.png"), full_page=True)
    page.close()
