"""Throughput of the workbench runner against a bare llama-cpp-python loop.

Both sides generate answers for the same rendered prompts (the evaluation set's default
prompt, the set repeated ``--repeat`` times, one request at a time) with the same GGUF
file, the same thread count and the model's catalogue sampling settings, with
``max_tokens`` set by ``--max-tokens``.

Both sides first send ``--warmup`` untimed requests (default 1, the set's first prompt);
on the workbench side that is the runner's own warm-up (``RunSettings.warmup``).
``--warmup 0`` shows the comparison with the first request's start-up cost on both sides.
(The llama.cpp backend makes every call into llama.cpp from one dedicated thread: its
OpenMP build keeps a thread team per calling thread, and calls from two threads once
halved decoding speed on a 2-core machine. This script is how that was found.)

Workbench side: ``workbench.run.runner.run_comparison`` with the response cache off. Three
figures are reported:

* generation phase: the runner's own wall clock around its request loop, after the model
  is loaded and warmed up. It includes the runner's work between requests (records
  written and fsynced), and is the figure that matches the bare loop's wall clock;
* sum of per-record ``e2e_s``: time inside the backend only;
* whole call: ``run_comparison`` timed from outside, including model load, GGUF hashing,
  the warm-up requests and the run files.

Bare side: ``llama_cpp.Llama`` loaded before the clock starts, the warm-up, then
``create_chat_completion(stream=False)`` (``create_completion`` for ``prompt_format:
plain`` models) per prompt; completion tokens are read from ``usage.completion_tokens``.
Figures: the loop's wall clock, and the sum of per-request times.

Tokens per second is sum(completion tokens) / seconds; requests per second is requests /
seconds. The last line is the ratio of the two wall-clock figures (load and warm-up
excluded on both sides). The bare loop lets llama-cpp-python apply the GGUF chat template
itself, so its prompts may differ from the workbench's by a token or two; the count of
identical outputs is printed as a check.

Run from the repository root:

    .venv/bin/python bench/bench_runner_vs_bare.py
    .venv/bin/python bench/bench_runner_vs_bare.py --max-tokens 64 --repeat 3
    .venv/bin/python bench/bench_runner_vs_bare.py --warmup 0   # no warm-up on either side
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workbench.data.evalsets import EvalSet, load_evalset
from workbench.models.catalogue import get_model_spec
from workbench.models.embedded import verified_gguf
from workbench.models.spec import ModelSpec
from workbench.privacy.egress import apply_privacy_environment
from workbench.data.prompts import PromptTemplate, RenderedPrompt, get_prompt
from workbench.run.runner import RunSettings, render_all, run_comparison


@dataclass
class Figure:
    """One throughput measurement: how many requests and tokens in how many seconds."""

    side: str
    basis: str
    requests: int
    tokens: int
    seconds: float

    @property
    def tokens_per_s(self) -> float:
        return self.tokens / self.seconds if self.seconds > 0 else 0.0

    @property
    def requests_per_s(self) -> float:
        return self.requests / self.seconds if self.seconds > 0 else 0.0


@dataclass
class SideResult:
    figures: list[Figure]
    outputs: list[str]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="smollm2-135m", help="catalogue name of a llamacpp model")
    parser.add_argument("--evalset", default="smoke-en", help="evaluation set name or directory")
    parser.add_argument("--max-tokens", type=int, default=128, help="completion token limit per request")
    parser.add_argument("--repeat", type=int, default=1, help="passes over the evaluation set")
    parser.add_argument("--warmup", type=int, default=1, help="untimed warm-up requests on each side")
    args = parser.parse_args()
    if args.max_tokens < 1:
        parser.error("--max-tokens must be at least 1")
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    if args.warmup < 0:
        parser.error("--warmup must be 0 or more")
    return args


def repeated(evalset: EvalSet, times: int) -> EvalSet:
    """The set with its cases listed ``times`` times in a row (same ids, same prompts)."""
    return EvalSet(manifest=evalset.manifest, cases=evalset.cases * times, directory=evalset.directory)


# --- workbench side ---------------------------------------------------------------------

def run_workbench(spec: ModelSpec, prompt: PromptTemplate, evalset: EvalSet, warmup: int) -> SideResult:
    with tempfile.TemporaryDirectory(prefix="bench-runner-") as tmpdir:
        settings = RunSettings(runs_dir=Path(tmpdir), concurrency=1, limit=None, warmup=warmup,
                               use_cache=False, show_progress=False)
        started = time.perf_counter()
        outcome = run_comparison([spec], prompt, evalset, settings)
        whole_call_s = time.perf_counter() - started
    evaluation = outcome.evaluations[0]
    if evaluation.error:
        raise RuntimeError(f"workbench run failed: {evaluation.error}")
    records = evaluation.records
    failed = [r for r in records if r.error]
    if failed:
        raise RuntimeError(f"workbench: {len(failed)} request(s) failed, first: {failed[0].error}")

    tokens = sum(int(r.completion_tokens or 0) for r in records)
    requests = len(records)
    # The runner's own timer covers its request loop only; it reports it as a throughput.
    request_rate = evaluation.metrics["request_throughput_req_s"]
    generation_s = requests / request_rate if request_rate else float("nan")
    e2e_s = sum(float(r.e2e_s or 0.0) for r in records)
    figures = [
        Figure("workbench", "generation phase (load, warm-up excluded)", requests, tokens, generation_s),
        Figure("workbench", "sum of per-request e2e_s", requests, tokens, e2e_s),
        Figure("workbench", "whole call (load, hash, warm-up included)", requests, tokens, whole_call_s),
    ]
    ordered = sorted(records, key=lambda r: r.case_index)
    return SideResult(figures=figures, outputs=[r.output for r in ordered])


# --- bare llama-cpp-python side ----------------------------------------------------------

def load_bare_model(spec: ModelSpec) -> Any:
    import llama_cpp

    path, _sha256 = verified_gguf(spec)
    load_kwargs = dict(spec.load_kwargs)
    n_threads = int(load_kwargs.pop("n_threads", os.cpu_count() or 1))
    return llama_cpp.Llama(model_path=str(path), n_ctx=spec.context_length, n_threads=n_threads,
                           seed=spec.sampling.seed, verbose=False, **load_kwargs)


def bare_request(llm: Any, spec: ModelSpec, rendered: RenderedPrompt) -> tuple[str, int]:
    """One non-streamed request; returns the output text and its completion token count."""
    sampling = spec.sampling
    options: dict[str, Any] = dict(
        temperature=sampling.temperature,
        top_p=sampling.top_p,
        top_k=sampling.top_k or 0,
        min_p=sampling.min_p or 0.0,
        repeat_penalty=sampling.repetition_penalty or 1.0,
        max_tokens=sampling.max_tokens,
        seed=sampling.seed,
        stop=list(sampling.stop) or None,
        stream=False,
    )
    if spec.prompt_format == "plain":
        response = llm.create_completion(prompt=rendered.plain_prompt, **options)
        text = response["choices"][0]["text"]
    else:
        messages = [{"role": m.role, "content": m.content} for m in rendered.messages]
        response = llm.create_chat_completion(messages=messages, **options)
        text = response["choices"][0]["message"]["content"] or ""
    return text, int(response["usage"]["completion_tokens"])


def run_bare(spec: ModelSpec, prompts: list[RenderedPrompt], warmup: int) -> SideResult:
    llm = load_bare_model(spec)
    try:
        for _ in range(warmup):  # not timed; the same prompt the runner warms up with
            bare_request(llm, spec, prompts[0])
        outputs: list[str] = []
        tokens = 0
        per_request_s = 0.0
        loop_started = time.perf_counter()
        for rendered in prompts:
            request_started = time.perf_counter()
            text, completion_tokens = bare_request(llm, spec, rendered)
            per_request_s += time.perf_counter() - request_started
            outputs.append(text)
            tokens += completion_tokens
        loop_s = time.perf_counter() - loop_started
    finally:
        llm.close()
    figures = [
        Figure("bare", "loop wall clock (load, warm-up excluded)", len(prompts), tokens, loop_s),
        Figure("bare", "sum of per-request times", len(prompts), tokens, per_request_s),
    ]
    return SideResult(figures=figures, outputs=outputs)


# --- report ------------------------------------------------------------------------------

def ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator > 0 else float("nan")


def print_table(figures: list[Figure]) -> None:
    header = f"{'side':<10} {'basis':<44} {'reqs':>5} {'tokens':>7} {'seconds':>8} {'tok/s':>8} {'req/s':>7}"
    print(header)
    print("-" * len(header))
    for f in figures:
        print(f"{f.side:<10} {f.basis:<44} {f.requests:>5} {f.tokens:>7} {f.seconds:>8.2f} "
              f"{f.tokens_per_s:>8.1f} {f.requests_per_s:>7.3f}")


def print_report(spec: ModelSpec, evalset: EvalSet, prompt: PromptTemplate, repeat: int, warmup: int,
                 workbench: SideResult, bare: SideResult) -> None:
    print(f"model {spec.name} | evalset {evalset.name} ({len(evalset.cases)} cases x {repeat} = "
          f"{len(evalset.cases) * repeat} requests) | prompt {prompt.ref} | max_tokens {spec.sampling.max_tokens} "
          f"| threads {spec.load_kwargs.get('n_threads', os.cpu_count())} | warm-up {warmup} per side "
          f"| concurrency 1 | cache off")
    print()
    print_table(workbench.figures + bare.figures)
    print()
    same = sum(1 for a, b in zip(workbench.outputs, bare.outputs) if a.strip() == b.strip())
    print(f"identical outputs: {same}/{len(bare.outputs)}")
    wb_wall, wb_e2e = workbench.figures[0], workbench.figures[1]
    bare_wall, bare_each = bare.figures[0], bare.figures[1]
    print(f"ratio of per-request sums (workbench e2e_s / bare), tok/s: "
          f"{ratio(wb_e2e.tokens_per_s, bare_each.tokens_per_s):.2f}")
    print(f"ratio (workbench / bare), req/s, wall clock: "
          f"{ratio(wb_wall.requests_per_s, bare_wall.requests_per_s):.2f}")
    print(f"ratio (workbench / bare): {ratio(wb_wall.tokens_per_s, bare_wall.tokens_per_s):.2f}"
          f"  (output tok/s, wall clock, model load and warm-up excluded on both sides)")


def main() -> None:
    apply_privacy_environment()
    args = parse_args()
    spec = get_model_spec(args.model).with_overrides(max_tokens=args.max_tokens)
    if spec.backend != "llamacpp":
        raise SystemExit(f"model '{spec.name}' uses backend '{spec.backend}'; this benchmark needs 'llamacpp'")
    if spec.prompt_format == "chat" and spec.effective_chat_template_kwargs():
        print("note: chat-template keyword arguments are not passed by the bare loop; outputs may differ")
    base_set = load_evalset(args.evalset)
    prompt = get_prompt(base_set.manifest.default_prompt)
    evalset = repeated(base_set, args.repeat)
    prompts = render_all(evalset, prompt)

    workbench = run_workbench(spec, prompt, evalset, args.warmup)
    bare = run_bare(spec, prompts, args.warmup)
    print_report(spec, base_set, prompt, args.repeat, args.warmup, workbench, bare)


if __name__ == "__main__":
    main()
