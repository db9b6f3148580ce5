"""The browser workbench keeps what it shows current: the Cases tab's lists are filled on page load and a case
the user picks shows the chosen run's outputs (only picked cases are shown and audited), and the Run tab offers
prompt versions and sets added while the app runs."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Iterator

import pytest
import yaml

from tests.conftest import ARTIFACTS
from tests.test_ui import CHROMIUM, CHROMIUM_ARGS, start_ui, stop
from workbench import api
from workbench.privacy.audit import AuditLog
from workbench.run.files import list_run_dirs, read_run_dir
from workbench.run.playground import save_as_case
from workbench.ui import app as ui_app

MODEL = "echo"  # the scripted backend: the user message comes back as the output, in milliseconds
CASES = 2
MARKERS = {1: "VERSION-ALPHA", 2: "VERSION-BRAVO"}  # what each prompt version puts in the output


def _prompt_file(prompts: Path, version: int, marker: str) -> None:
    (prompts / f"brief-en@{version}.yaml").write_text(yaml.safe_dump({
        "name": "brief-en", "version": version, "task": "summary", "language": "en",
        "description": f"Echo test prompt {marker}",
        "messages": [{"role": "user", "content": f"{marker}: summarise this note.\n\n{{{{source}}}}"}],
    }, sort_keys=False), encoding="utf-8")


def _workdir(root: Path) -> Path:
    """A working directory with a scripted model, two prompt versions and two runs of smoke-en, one per version."""
    (root / "models.yaml").write_text(f"models:\n  {MODEL}:\n    backend: scripted\n    model: echo-source\n",
                                      encoding="utf-8")
    (root / "prompts").mkdir()
    for version, marker in MARKERS.items():
        _prompt_file(root / "prompts", version, marker)
        result = api.evaluate([MODEL], "smoke-en", prompt=f"brief-en@{version}", limit=CASES, runs_dir=root / "runs",
                              log_to_mlflow=False, show_progress=False, catalogue=[root / "models.yaml"],
                              prompts_dir=[root / "prompts"])
        assert result.errors == {} and not result.failed_cases
    return root


def _outputs(run_dir: Path) -> dict[str, str]:
    """Case id -> the model's recorded output in one run directory."""
    (evaluation,) = read_run_dir(run_dir).evaluations
    return {record.case_id: record.output for record in evaluation.records}


def _tokens(run_dir: Path) -> dict[str, int | None]:
    (evaluation,) = read_run_dir(run_dir).evaluations
    return {record.case_id: record.completion_tokens for record in evaluation.records}


def _marker(run_dir: Path) -> str:
    return next(marker for marker in MARKERS.values() if all(marker in text for text in _outputs(run_dir).values()))


def _request() -> SimpleNamespace:
    return SimpleNamespace(username=None, session_hash="s1")


# --- the handlers, on real run directories -------------------------------------------------------------


def _config(workdir: Path) -> ui_app.UIConfig:
    return ui_app.UIConfig(runs_dir=workdir / "runs", tracking_uri=f"sqlite:///{workdir / 'mlflow.db'}",
                           audit=AuditLog(workdir / "audit.jsonl"))


def _viewed(config: ui_app.UIConfig) -> list[tuple[str, str]]:
    """(run id, case id) of every ``cases.view`` in the audit log."""
    return [(entry.details["run_id"], entry.details["case_id"]) for entry in config.audit.entries()
            if entry.action == "cases.view"]


def _slot_hidden(parts: list[object], first_slot: int) -> bool:
    return all(parts[first_slot + 3 * index]["visible"] is False for index in range(ui_app.MAX_MODEL_SLOTS))


def test_cases_tab_on_load_lists_the_newest_run_and_shows_no_case(tmp_path: Path) -> None:
    workdir = _workdir(tmp_path)
    config = _config(workdir)
    newest, older = list_run_dirs(config.runs_dir)

    # Page load (no run, no case chosen yet): the newest run and its case list, no note, no output, no audit.
    loaded = ui_app.open_cases(config, None, None, _request())
    assert loaded[0]["value"] == str(newest)
    assert [value for _, value in loaded[1]["choices"]] == list(_outputs(newest))
    assert loaded[1]["value"] is None
    source, reference, scores, summary = loaded[2:6]
    assert source is None and reference == "" and scores == []
    assert ui_app.PICK_A_CASE in summary and newest.name in summary
    assert _slot_hidden(loaded, 6)
    # Refresh and tab select keep a listed run; after a run, the newest: none of them shows a case.
    assert ui_app.open_cases(config, str(older), None, _request())[0]["value"] == str(older)
    after_run = ui_app.open_cases(config, str(older), list(_outputs(older))[0], _request(), newest=True)
    assert after_run[0]["value"] == str(newest) and after_run[1]["value"] is None
    assert ui_app.PICK_A_CASE in after_run[5]
    # Choosing a run without having picked a case lists its cases and still shows none.
    chosen = ui_app.open_run(config, str(older), None, _request())
    assert chosen[0]["value"] is None and ui_app.PICK_A_CASE in chosen[4] and older.name in chosen[4]
    assert _viewed(config) == []


def test_switching_run_shows_that_runs_output_for_the_same_case(tmp_path: Path) -> None:
    workdir = _workdir(tmp_path)
    config = _config(workdir)
    newest, older = list_run_dirs(config.runs_dir)
    case = list(_outputs(older))[1]  # not the case the list would choose by itself

    ui_app.open_cases(config, None, None, _request())  # page load: nothing shown
    ui_app.open_run(config, str(older), None, _request())  # the user chooses a run ...
    first = ui_app.show_case(config, str(older), case, _request())  # ... and picks a case
    assert case in first[3] and older.name in first[3]
    assert first[6]["value"]["text"] == _outputs(older)[case]
    switched = ui_app.open_run(config, str(newest), case, _request())
    assert switched[0]["value"] == case and [value for _, value in switched[0]["choices"]] == list(_outputs(newest))
    assert switched[7]["value"]["text"] == _outputs(newest)[case] != _outputs(older)[case]
    assert newest.name in switched[4]
    assert [str(_tokens(newest)[case])] == switched[3]["value"][-1][1:]  # the run's own timings and counts

    # Tab select or refresh with the run still listed keeps the run and the picked case, the view as it was.
    kept = ui_app.open_cases(config, str(newest), case, _request())
    assert kept[0]["value"] == str(newest) and kept[1]["value"] == case
    assert all(part == {"__type__": "update"} for part in kept[2:])
    assert _viewed(config) == [(older.name, case), (newest.name, case)]  # exactly the user's views


def test_per_case_scores_are_named_by_the_metric_registry(tmp_path: Path) -> None:
    from workbench.scoring.registry import metric
    from workbench.run.run_cases import case_score_fields

    workdir = _workdir(tmp_path)
    config = _config(workdir)
    newest, _older = list_run_dirs(config.runs_dir)
    shown = ui_app.show_case(config, str(newest), list(_outputs(newest))[0], _request())
    names = [row[0] for row in shown[2]["value"]]
    labels = {metric(name).label for name in case_score_fields()}
    assert "PHI leak (case)" in names and "ROUGE-L" in names, names
    assert not set(names) & set(case_score_fields())  # no raw keys such as phi_case_leak_rate
    assert set(names) - {"TTFT s", "e2e s", "output tokens"} <= labels, names


def test_run_lists_keep_the_choice_and_offer_what_appeared(isolated_cwd: Path) -> None:
    config = ui_app.UIConfig(runs_dir=isolated_cwd / "runs", tracking_uri=f"sqlite:///{isolated_cwd / 'mlflow.db'}",
                             audit=AuditLog(isolated_cwd / "audit.jsonl"), prompts_dir=[isolated_cwd / "prompts"])
    (isolated_cwd / "prompts").mkdir()
    assert ui_app.prompt_list(config, "brief-en@1")["value"] == ui_app.SET_DEFAULT_PROMPT
    _prompt_file(isolated_cwd / "prompts", 1, MARKERS[1])
    assert ui_app.prompt_list(config, "brief-en@1")["value"] == "brief-en@1"
    assert ui_app.evalset_list("fresh-set")["value"] == "smoke-en"
    save_as_case("Cough for a week, no fever.", sets_root=isolated_cwd / "evalsets", set_name="fresh-set",
                 case_id="c1", reference="Cough; no fever.")
    listed = ui_app.evalset_list("fresh-set")
    assert listed["value"] == "fresh-set" and "smoke-zh" in listed["choices"]


# --- in a browser ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def running_ui(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The app started over a working directory whose two runs were made before it started."""
    workdir = _workdir(tmp_path_factory.mktemp("ui-cases"))
    process, url, _log = start_ui(workdir)
    try:
        yield url, workdir
    finally:
        stop(process)


@pytest.fixture(scope="module")
def browser(running_ui: tuple[str, Path]) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _pick(page: object, elem_id: str, option: str) -> None:
    """Open a dropdown and click one of its options, as a user does."""
    page.locator(f"#{elem_id} input").click()  # type: ignore[attr-defined]
    page.get_by_role("option", name=option).click()  # type: ignore[attr-defined]


def _viewed_in(workdir: Path) -> list[tuple[str, str]]:
    """(run id, case id) of every ``cases.view`` the app wrote to the working directory's audit log."""
    return [(entry.details["run_id"], entry.details["case_id"]) for entry in AuditLog(workdir / "audit.jsonl").entries()
            if entry.action == "cases.view"]


needs_chromium = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed at "
                                    "/usr/bin/chromium (`make test` installs it)")


@needs_chromium
def test_cases_tab_is_filled_on_load_and_follows_the_chosen_run(running_ui: tuple[str, Path], browser: object) -> None:
    from playwright.sync_api import expect

    ARTIFACTS.mkdir(exist_ok=True)
    url, workdir = running_ui
    newest, older = list_run_dirs(workdir / "runs")
    page = browser.new_page(viewport={"width": 1400, "height": 1000})  # type: ignore[attr-defined]
    page.goto(url)
    page.get_by_role("tab", name="Cases").click()
    case_list, output, summary = page.locator("#case-id"), page.locator("#case-output-0"), page.locator("#case-summary")

    # Restarted over existing runs: the newest run's cases are listed, but no case is shown or audited unasked.
    expect(page.locator("#case-run input")).to_have_value(newest.name, timeout=30_000)
    expect(summary).to_contain_text(ui_app.PICK_A_CASE, timeout=30_000)
    expect(case_list.locator("input")).to_have_value("")
    expect(output).to_be_hidden()
    expect(page.locator("#case-source")).not_to_contain_text(_marker(newest))
    assert _viewed_in(workdir) == []
    page.locator("#case-id input").click()
    for case in _outputs(newest):
        expect(page.get_by_role("option", name=case)).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_role("listbox")).to_have_count(0)
    page.screenshot(path=str(ARTIFACTS / "ui-cases-on-load.png"), full_page=True)

    # Run 1, its second case: that run's output.
    case = list(_outputs(older))[1]
    _pick(page, "case-run", older.name)
    expect(summary).to_contain_text(older.name, timeout=30_000)
    expect(summary).to_contain_text(ui_app.PICK_A_CASE)
    expect(output).to_be_hidden()
    _pick(page, "case-id", case)
    expect(summary).to_contain_text(f"case {case}", timeout=30_000)
    expect(output).to_contain_text(_marker(older))

    # Switching to run 2 keeps the case and shows run 2's output, scores and counts, none of run 1's.
    _pick(page, "case-run", newest.name)
    expect(summary).to_contain_text(newest.name, timeout=30_000)
    expect(summary).to_contain_text(f"case {case}")
    expect(output).to_contain_text(_marker(newest))
    expect(output).not_to_contain_text(_marker(older))
    expect(page.locator("#case-scores")).to_contain_text(str(_tokens(newest)[case]))
    expect(page.locator("#case-scores")).to_contain_text("PHI leak (case)")
    expect(page.locator("#case-scores")).not_to_contain_text("phi_case_leak_rate")
    # Highlighted text wraps between words, never inside one, and flows as a paragraph.
    for highlighter in ("#case-source", "#case-output-0"):
        style = page.evaluate("selector => { const s = getComputedStyle(document.querySelector(selector + ' .textfield'));"
                              " return [s.wordBreak, s.display]; }", highlighter)
        assert style == ["normal", "block"], (highlighter, style)
    page.screenshot(path=str(ARTIFACTS / "ui-cases-switch-run.png"), full_page=True)
    # Opening the case list and leaving it without a pick shows nothing again.
    page.locator("#case-id input").click()
    page.keyboard.press("Escape")
    page.locator("#case-summary").click()
    page.wait_for_timeout(1_000)  # time for any event the focus change would send
    assert _viewed_in(workdir) == [(older.name, case), (newest.name, case)]  # exactly the user's views
    page.close()


@needs_chromium
def test_run_tab_offers_prompt_versions_and_sets_added_while_running(running_ui: tuple[str, Path],
                                                                     browser: object) -> None:
    from playwright.sync_api import expect

    ARTIFACTS.mkdir(exist_ok=True)
    url, workdir = running_ui
    page = browser.new_page(viewport={"width": 1400, "height": 1000})  # type: ignore[attr-defined]
    page.goto(url)
    page.locator("#run-prompt input").click()
    expect(page.get_by_role("option", name="brief-en@2")).to_be_visible(timeout=30_000)
    expect(page.get_by_role("option", name="brief-en@3")).to_have_count(0)
    page.keyboard.press("Escape")

    # While the page is open: a new prompt version file and a new set in the working directory's search path.
    _prompt_file(workdir / "prompts", 3, "VERSION-CHARLIE")
    save_as_case("Cough for a week, no fever, lungs clear.", sets_root=workdir / "evalsets", set_name="fresh-set",
                 case_id="c1", reference="Cough; no fever; lungs clear.")
    page.get_by_role("tab", name="Cases").click()
    page.get_by_role("tab", name="Run").click()

    page.locator("#run-prompt input").click()
    expect(page.get_by_role("option", name="brief-en@3")).to_be_visible(timeout=30_000)
    page.get_by_role("option", name="brief-en@3").click()
    expect(page.locator("#run-prompt input")).to_have_value("brief-en@3")
    page.locator("#run-evalset input").click()
    expect(page.get_by_role("option", name="fresh-set")).to_be_visible(timeout=30_000)
    page.get_by_role("option", name="fresh-set").click()
    page.keyboard.press("Escape")  # the set list takes several sets: it stays open after a pick
    expect(page.locator("#run-evalset")).to_contain_text("fresh-set")
    expect(page.get_by_role("listbox")).to_have_count(0)
    page.screenshot(path=str(ARTIFACTS / "ui-run-lists.png"), full_page=True)
    page.close()
