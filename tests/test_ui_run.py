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
    while not any("waiting for device **cpu**" in status for status in second) and time.time() < deadline:
        time.sleep(0.2)
    assert any("waiting for device **cpu** (1 job(s) ahead)" in status for status in second), second

    assert cancel_run(config, _user("alice")).startswith("**Cancelling**")
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


def test_unknown_set_or_no_model_is_said_plainly(isolated_cwd: Path) -> None:
    config = UIConfig(runs_dir=isolated_cwd / "runs", tracking_uri=f"sqlite:///{isolated_cwd / 'db.sqlite'}",
                      audit=AuditLog(isolated_cwd / "audit.jsonl"))
    assert list(run_evaluation(config, [], "smoke-en", SET_DEFAULT_PROMPT, 0, 0, False, _user("a")))[-1][0] == \
        "Choose at least one model."
    status = list(run_evaluation(config, ["smollm2-135m"], "no-such-set", SET_DEFAULT_PROMPT, 0, 0, False, _user("a")))
    assert status[-1][0].startswith("**Error:** evaluation set 'no-such-set' not found")
    assert not (isolated_cwd / "runs").exists()
