"""A run killed with SIGKILL half-way resumes with only the missing cases."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

from tests.conftest import workbench_command
from workbench.run.files import read_records

COMMAND = ["run", "-m", "smollm2-135m", "-e", "smoke-en", "--max-tokens", "40", "--no-progress"]


def _records_file(runs: Path, exclude: set[Path]) -> Path | None:
    found = [p for p in runs.glob("*/smollm2-135m/records.jsonl") if p not in exclude]
    return found[0] if found else None


def test_restart_after_sigkill_completes_only_the_missing_cases(isolated_cwd: Path) -> None:
    runs = isolated_cwd / "runs"
    first = subprocess.Popen(workbench_command() + COMMAND, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.time() + 300
    first_file: Path | None = None
    while time.time() < deadline:
        first_file = _records_file(runs, set())
        if first_file is not None and len(read_records(first_file.parent)) >= 1:
            break
        assert first.poll() is None, first.stderr.read().decode() if first.stderr else ""
        time.sleep(0.05)
    os.kill(first.pid, signal.SIGKILL)
    first.wait(timeout=30)
    assert first.returncode == -signal.SIGKILL
    assert first_file is not None
    finished_before_kill = {r.case_id: r for r in read_records(first_file.parent)}
    assert 1 <= len(finished_before_kill) < 4, "the kill must land half-way"

    second = subprocess.run(workbench_command() + COMMAND + ["--json-out", "summary.json"],
                            capture_output=True, text=True, timeout=600)
    assert second.returncode == 0, second.stderr
    second_file = _records_file(runs, {first_file})
    assert second_file is not None
    records = read_records(second_file.parent)
    ids = [r.case_id for r in records]
    assert len(records) == 4 and len(set(ids)) == 4  # every case once, no duplicates
    cached = {r.case_id: r for r in records if r.cached}
    generated = [r for r in records if not r.cached]
    # Everything finished before the kill came from the cache, unchanged.
    assert set(finished_before_kill) <= set(cached)
    for case_id, before in finished_before_kill.items():
        assert cached[case_id].output == before.output
        assert cached[case_id].e2e_s == before.e2e_s
    assert len(generated) == 4 - len(cached)
    summary = json.loads((isolated_cwd / "summary.json").read_text())
    assert summary["evaluations"][0]["metrics"]["cached"] == len(cached)

    # A third run generates nothing at all.
    third = subprocess.run(workbench_command() + COMMAND + ["--json-out", "again.json"],
                           capture_output=True, text=True, timeout=120)
    assert third.returncode == 0, third.stderr
    assert json.loads((isolated_cwd / "again.json").read_text())["evaluations"][0]["metrics"]["cached"] == 4
