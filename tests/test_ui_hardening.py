"""The browser UI hardened: planted HTML and markdown shown as text, login lockout with audit, a tamper-evident audit log."""

from __future__ import annotations

import asyncio
import inspect
import json
import threading
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from markdown_it import MarkdownIt
from typer.testing import CliRunner

from workbench import api
from workbench.privacy.audit import (
    GENESIS_HASH, AuditLog, AuditLogError, check_audit_log, line_hash, verify_audit_log,
)
from workbench.run.files import RunDirectoryError
from workbench.run.playground import PlaygroundResult
from workbench.ui import app as ui_app
from workbench.ui.access import LoginGuard, add_user, read_credentials
from workbench.run.run_cases import CaseView, ModelOutput
from workbench.ui.escape import markdown_text

IMAGE = "<img src=http://127.0.0.1:9/x>"
LINK = "[x](http://127.0.0.1:9/y)"
MARKDOWN_IMAGE = "![i](http://127.0.0.1:9/z.png)"
PAYLOAD = f"{IMAGE} {LINK} {MARKDOWN_IMAGE} *bold* `code` | cell"
_RENDERER = MarkdownIt("commonmark").enable("table")


def assert_inert(markdown: str) -> None:
    """Nothing in ``markdown`` becomes a tag, a link or an image, and no bare address is left to autolink."""
    assert "<" not in markdown and "](" not in markdown and "://" not in markdown, markdown
    rendered = _RENDERER.render(markdown)
    assert "<img" not in rendered and "<a " not in rendered and "<code" not in rendered, rendered


def _request(session: str = "s1") -> SimpleNamespace:
    return SimpleNamespace(username=None, session_hash=session)


@pytest.fixture()
def config(tmp_path: Path) -> ui_app.UIConfig:
    (tmp_path / "runs").mkdir()
    return ui_app.UIConfig(runs_dir=tmp_path / "runs", tracking_uri=f"sqlite:///{tmp_path / 'mlflow.db'}",
                           audit=AuditLog(tmp_path / "audit.jsonl"), saved_cases_dir=tmp_path / "evalsets")


# --- 1. planted HTML and markdown are shown as text ------------------------------------------------------


def test_markdown_text_escapes_html_links_images_and_formatting() -> None:
    escaped = markdown_text(PAYLOAD + "\n# heading\n> quote\nwww.example.org \\*")
    assert_inert(escaped)
    assert "&lt;img src=http:\\/\\/127.0.0.1:9/x&gt;" in escaped
    assert "\\[x\\]\\(http" in escaped and "\\!\\[i\\]" in escaped
    assert "\\*bold\\*" in escaped and "\\`code\\`" in escaped and "\\| cell" in escaped
    assert "\\# heading" in escaped and "&gt; quote" in escaped and "www\\.example" in escaped
    assert "\\\\\\*" in escaped  # a backslash in the text cannot undo the escape that follows it
    # What a viewer reads is the text itself.
    shown = _RENDERER.render(escaped)
    assert "&lt;img src=http://127.0.0.1:9/x&gt; [x](http://127.0.0.1:9/y)" in shown
    assert markdown_text("evaluation set 'smoke-en' not found") == "evaluation set 'smoke-en' not found"


def test_run_status_escapes_a_planted_model_name(config: ui_app.UIConfig) -> None:
    status = list(ui_app.run_evaluation(config, [IMAGE], "smoke-en", ui_app.SET_DEFAULT_PROMPT, 0, 0, False,
                                        _request()))[-1][0]
    assert status.startswith("**Error:** unknown model") and "&lt;img" in status
    assert_inert(status)


def test_run_status_escapes_errors_from_servers_and_models(config: ui_app.UIConfig,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    def failing(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError(f"server said {IMAGE} {LINK}")

    monkeypatch.setattr(api, "evaluate", failing)
    status = list(ui_app.run_evaluation(config, ["smollm2-135m"], "smoke-en", ui_app.SET_DEFAULT_PROMPT, 1, 8, False,
                                        _request()))[-1][0]
    assert status.startswith("**Error:** RuntimeError: server said &lt;img")
    assert_inert(status)

    finished = SimpleNamespace(run_id=f"run-{LINK}", errors={IMAGE: f"HTTP 500: {MARKDOWN_IMAGE}"},
                               failed_cases={f"model {LINK}": {f"case {IMAGE}": f"error {MARKDOWN_IMAGE}"}},
                               mlflow_parent_run_id=None, mlflow_error=f"tracking server said {IMAGE}",
                               ranked=lambda: [], task="summary")
    monkeypatch.setattr(api, "evaluate", lambda *args, **kwargs: finished)
    status = list(ui_app.run_evaluation(config, ["smollm2-135m"], "smoke-en", ui_app.SET_DEFAULT_PROMPT, 1, 8, False,
                                        _request()))[-1][0]
    assert status.startswith("**Failed** run run-\\[x\\]") and "not logged to MLflow" in status
    assert "**model \\[x\\]" in status and "case(s) failed**" in status
    assert_inert(status)


def test_case_view_escapes_run_case_and_model_names_and_errors(config: ui_app.UIConfig,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    run_dir = config.runs_dir / "run-1"
    run_dir.mkdir()
    output = ModelOutput(model=IMAGE, output="ok", error=f"timeout {LINK}", spans=[], scores={}, ttft_s=None,
                         e2e_s=None, completion_tokens=None)
    view = CaseView(case_id=f"case {MARKDOWN_IMAGE}", source="note", reference="", source_spans=[], outputs=[output],
                    disagreement=0.0)
    cases = SimpleNamespace(run_id=f"run {IMAGE}", evalset=SimpleNamespace(name=f"set {LINK}"), models=[IMAGE],
                            view=lambda case_id: view)
    monkeypatch.setattr(ui_app, "load_run_cases", lambda path: cases)
    parts = ui_app.show_case(config, str(run_dir), "case-1", _request())
    summary, title = parts[3], parts[5]
    assert summary.startswith("Run run &lt;img") and "case case \\!\\[i\\]" in summary
    assert title.startswith("### &lt;img") and "**error:** timeout \\[x\\]" in title
    assert_inert(summary)
    assert_inert(title)

    def unreadable(path: Path) -> Any:
        raise RunDirectoryError(f"{path}: bad run.json {IMAGE}")

    monkeypatch.setattr(ui_app, "load_run_cases", unreadable)
    message = ui_app.show_case(config, str(run_dir), "case-1", _request())[3]
    assert message.startswith("**Cannot show this run:**")
    assert_inert(message)


def test_playground_escapes_model_names_and_errors(config: ui_app.UIConfig, monkeypatch: pytest.MonkeyPatch) -> None:
    status = list(ui_app.playground(config, "Cough for a week.", [IMAGE], ui_app.SET_DEFAULT_PROMPT, 0,
                                    _request()))[-1][0]
    assert status.startswith("**Error:** unknown model")
    assert_inert(status)

    result = PlaygroundResult(model=f"model {IMAGE}", output="summary", reasoning="", error=f"HTTP 502: {LINK}",
                              ttft_s=0.1, e2e_s=0.2, completion_tokens=3, tokens_per_s=15.0)
    monkeypatch.setattr(ui_app, "run_playground", lambda *args, **kwargs: [result])
    monkeypatch.setattr(ui_app, "source_phi", lambda *args: [])
    config._detector = object()
    parts = list(ui_app.playground(config, "Cough for a week.", ["smollm2-135m"], ui_app.SET_DEFAULT_PROMPT, 0,
                                   _request()))[-1]
    assert parts[0].startswith("Done · prompt clinical-summary-en")
    title = parts[3]
    assert title.startswith("### model &lt;img") and "**error:** HTTP 502: \\[x\\]" in title
    assert_inert(title)


def test_prompt_and_saved_case_statuses_escape_names_and_errors(config: ui_app.UIConfig,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    status = ui_app.register_edited_prompt(config, IMAGE, "task: x\n", "why", _request())
    assert status.startswith("**Not registered:**")
    assert_inert(status)

    from workbench.track import prompt_registry

    def refused(name: str, alias: str, version: int, tracking_uri: str) -> None:
        raise RuntimeError(f"registry said {IMAGE}")

    monkeypatch.setattr(prompt_registry, "set_prompt_alias", refused)
    status = ui_app.set_alias(config, "clinical-summary-en", LINK, 1, _request())
    assert status.startswith("**Alias not set:**")
    assert_inert(status)
    monkeypatch.setattr(prompt_registry, "set_prompt_alias", lambda *args, **kwargs: None)
    status = ui_app.set_alias(config, f"name{MARKDOWN_IMAGE}", LINK, 2, _request())
    assert "→" in status
    assert_inert(status)

    for set_name, case_id in ((IMAGE, "case-1"), ("saved", f"case {LINK}")):
        status = ui_app.save_playground_case(config, "Cough for a week.", "", set_name, case_id, _request())
        assert status.startswith("**Not saved:**")
        assert_inert(status)


# --- 2. logins: audited, slowed on failure, locked after repeated failures ---------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)


@pytest.fixture(scope="module")
def users_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("users") / "users.txt"
    add_user(path, "alice", "a long enough password")
    add_user(path, "bob", "bob's long password")
    return path


def _guard(users_file: Path, tmp_path: Path) -> tuple[LoginGuard, FakeClock, AuditLog]:
    clock = FakeClock()
    audit = AuditLog(tmp_path / "audit.jsonl")
    return LoginGuard(read_credentials(users_file), audit, clock=clock, sleep=clock.sleep), clock, audit


def test_thirty_fast_wrong_passwords_lock_the_user_and_every_attempt_is_audited(users_file: Path,
                                                                                 tmp_path: Path) -> None:
    guard, clock, audit = _guard(users_file, tmp_path)
    results = []
    for attempt in range(30):
        results.append(guard.check("alice", f"guess number {attempt}"))
        clock.now += 0.04  # 30 tries in 1.2 s
    assert not any(results)
    assert clock.slept == [0.5] * 30  # every failure costs the caller a delay
    outcomes = [(entry.user, entry.action, entry.outcome) for entry in audit.entries()]
    assert outcomes == [("alice", "login", "failed")] * 5 + [("alice", "login", "locked")] * 25
    assert audit.entries()[4].details["locked_for_s"] == 60
    assert guard.check("alice", "a long enough password") is False  # locked: even the right password is refused
    assert guard.check("bob", "bob's long password") is True  # other users are not affected
    text = audit.path.read_text(encoding="utf-8")
    assert "guess number" not in text and "long enough password" not in text and "bob's long" not in text
    assert verify_audit_log(audit.path) == []

    clock.now += 60
    assert guard.locked_for("alice") == 0
    assert guard.check("alice", "a long enough password") is True
    assert audit.entries()[-1].outcome == "ok" and audit.entries()[-1].user == "alice"


def test_lockouts_double_up_to_fifteen_minutes_and_a_success_resets(users_file: Path, tmp_path: Path) -> None:
    guard, clock, _ = _guard(users_file, tmp_path)
    lockouts = []
    for _ in range(6):
        for _ in range(5):
            guard.check("alice", "wrong password")
        lockouts.append(round(guard.locked_for("alice")))
        clock.now += guard.locked_for("alice")
    assert lockouts == [60, 120, 240, 480, 900, 900]
    assert guard.check("alice", "a long enough password") is True
    for _ in range(5):
        guard.check("alice", "wrong password")
    assert round(guard.locked_for("alice")) == 60  # the success started it over


def test_failures_spread_beyond_the_window_do_not_lock_and_unknown_users_are_counted(users_file: Path,
                                                                                       tmp_path: Path) -> None:
    guard, clock, audit = _guard(users_file, tmp_path)
    for _ in range(10):
        assert guard.check("alice", "wrong password") is False
        clock.now += 76  # 76 s apart: never 5 failures within 300 s
    assert guard.locked_for("alice") == 0
    assert guard.check("alice", "a long enough password") is True
    for _ in range(5):
        guard.check("mallory", "anything at all")
    assert guard.locked_for("mallory") == 60
    entry = audit.entries()[-1]
    assert entry.user == "mallory" and entry.details["known_user"] is False
    assert "anything at all" not in audit.path.read_text(encoding="utf-8")


def test_launch_wires_the_login_guard_into_gradio(users_file: Path, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    launched: dict[str, Any] = {}

    class FakeBlocks:
        def queue(self, **kwargs: Any) -> None:
            pass

        def launch(self, **kwargs: Any) -> None:
            launched.update(kwargs)

    monkeypatch.setattr(ui_app, "build_app", lambda config: FakeBlocks())
    config = ui_app.UIConfig(runs_dir=tmp_path / "runs", tracking_uri="sqlite:///unused.db",
                             audit=AuditLog(tmp_path / "audit.jsonl"), credentials=read_credentials(users_file))
    ui_app.launch(config, host="0.0.0.0", port=7860)
    auth = launched["auth"]
    assert inspect.iscoroutinefunction(auth)  # Gradio awaits it: scrypt and the delay stay off the event loop
    assert asyncio.run(auth("alice", "a long enough password")) is True
    assert asyncio.run(auth("alice", "wrong")) is False
    assert [(e.user, e.outcome) for e in config.audit.entries()] == [("alice", "ok"), ("alice", "failed")]


# --- 3. the audit log is a hash chain ------------------------------------------------------------------------------


def _write(log: AuditLog, count: int) -> None:
    for number in range(count):
        log.record(user=f"user{number}", action="run.start", models=["m"], inputs={"note": f"note {number}"})


def test_audit_lines_form_a_hash_chain_and_verify_finds_edits(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.jsonl")
    _write(log, 4)
    raw = log.path.read_bytes().split(b"\n")[:-1]
    first, second = json.loads(raw[0]), json.loads(raw[1])
    assert first["prev_hash"] == GENESIS_HASH and second["prev_hash"] == line_hash(raw[0])
    assert verify_audit_log(log.path) == []
    assert check_audit_log(log.path).entries == 4

    edited = json.loads(raw[1])
    edited["user"] = "someone else"
    lines = list(raw)
    lines[1] = json.dumps(edited).encode()
    log.path.write_bytes(b"\n".join(lines) + b"\n")
    problems = verify_audit_log(log.path)
    assert problems[0].startswith("line 2: its content does not match its hash")
    assert any(problem.startswith("line 3: prev_hash does not match line 2") for problem in problems)

    log.path.write_bytes(b"\n".join([raw[0], raw[2], raw[3]]) + b"\n")  # line 2 removed
    assert verify_audit_log(log.path) == ["line 2: prev_hash does not match line 1 "
                                          "(a line before it was edited, inserted or removed)"]

    log.path.write_bytes(b"\n".join([raw[0], b"not json", raw[1], raw[2], raw[3]]) + b"\n")
    problems = verify_audit_log(log.path)
    assert problems[0] == "line 2: not a JSON object (edited or truncated)"
    assert problems[1].startswith("line 3: prev_hash does not match line 2")

    log.path.write_bytes(b"\n".join(raw) + b"\n")
    log.path.write_bytes(log.path.read_bytes()[:-20])  # the last line cut short
    problems = verify_audit_log(log.path)
    assert "line 4: not a JSON object (edited or truncated)" in problems
    assert "line 4: truncated (the file does not end with an end of line)" in problems


def test_a_line_cut_short_by_a_crash_stays_apart_and_the_chain_goes_on(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.jsonl")
    _write(log, 2)
    log.path.write_bytes(log.path.read_bytes()[:-30])
    _write(log, 2)
    assert verify_audit_log(log.path) == ["line 2: not a JSON object (edited or truncated)"]


def test_a_log_from_before_the_chain_is_counted_not_failed(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    old = [{"time": "2025-01-01T00:00:00.000+00:00", "user": "alice", "action": "run.start", "models": ["m"],
            "evalset": "smoke-en", "input_hashes": {}, "details": {}, "outcome": "ok"}] * 2
    path.write_text("".join(json.dumps(entry) + "\n" for entry in old), encoding="utf-8")
    verification = check_audit_log(path)
    assert verification.ok and verification.entries == 2 and verification.entries_before_chain == 2
    log = AuditLog(path)
    _write(log, 2)
    verification = check_audit_log(path)
    assert verification.ok and verification.entries == 4 and verification.entries_before_chain == 2
    assert [entry.user for entry in log.entries()] == ["alice", "alice", "user0", "user1"]
    lines = path.read_text(encoding="utf-8").splitlines()
    lines.insert(3, lines[0])  # an unchained line after the chain began
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    problems = verify_audit_log(path)
    assert problems[0] == "line 4: no hash after the chain began (inserted or edited)"


def test_concurrent_writers_keep_the_chain(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    logs = [AuditLog(path), AuditLog(path)]  # two writers of one file in one process

    def write(index: int) -> None:
        for number in range(25):
            logs[index % 2].record(user=f"writer{index}", action="cases.view", details={"n": number})

    threads = [threading.Thread(target=write, args=(index,)) for index in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    verification = check_audit_log(path)
    assert verification.problems == [] and verification.entries == 200


def test_cli_audit_verify(tmp_path: Path) -> None:
    from workbench import cli

    log = AuditLog(tmp_path / "audit.jsonl")
    _write(log, 3)
    runner = CliRunner()
    result = runner.invoke(cli.app, ["audit", "verify", str(log.path)])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "ok: 3 entries"

    lines = log.path.read_text(encoding="utf-8").splitlines()
    lines[0] = lines[0].replace('"user0"', '"mallory"')
    log.path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = runner.invoke(cli.app, ["audit", "verify", str(log.path)])
    assert result.exit_code == 1
    assert "line 1: its content does not match its hash (edited)" in result.output
    assert "line 2: prev_hash does not match line 1" in result.output

    legacy = tmp_path / "old.jsonl"
    legacy.write_text(json.dumps({"time": "t", "user": "u", "action": "a"}) + "\n", encoding="utf-8")
    AuditLog(legacy).record(user="u", action="b")
    result = runner.invoke(cli.app, ["audit", "verify", str(legacy)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("ok: 2 entries (1 entry before the hash chain")

    result = runner.invoke(cli.app, ["audit", "verify", str(tmp_path / "missing.jsonl")])
    assert result.exit_code == 2 and "no such audit log" in result.output
    with pytest.raises(AuditLogError):
        check_audit_log(tmp_path / "missing.jsonl")
