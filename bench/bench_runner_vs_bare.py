"""Throughput of the workbench's llama.cpp backend against bare llama-cpp-python, taking turns request by request.

Both sides generate answers for the same rendered prompts (the evaluation set's default
prompt over its cases, one request at a time) with the same GGUF file, the same thread
count and the model's catalogue sampling settings, with ``max_tokens`` set by
``--max-tokens``.

Both sides are loaded once, before any clock starts, and stay loaded for the whole
benchmark; each is then warmed up with ``--warmup`` untimed requests (default 1, the set's
first prompt). ``--rounds N`` rounds follow. In a round, every prompt of the set is sent to
one side and then at once to the other, so the two sides meet the same state of a shared
machine (other work, thermal state) and a slowdown that lasts a few seconds touches both.
The side that goes first alternates from round to round (the workbench first in rounds 1,
3, ...), so neither side always runs straight after the other.

Workbench side: the backend the runner uses, opened through the backend registry
(``get_backend("llamacpp").open``), and ``backend.generate(request)`` timed from outside. That
time includes handing the request to the backend's llama.cpp thread (the backend makes every
call into llama.cpp from one dedicated thread: llama.cpp's OpenMP build keeps a thread team
per calling thread, and calls from two threads once halved decoding speed on a 2-core
machine), rendering the GGUF chat template (sandboxed Jinja), tokenisation, token-by-token
generation with incremental UTF-8 decoding, the stream clock (TTFT, inter-token gaps) and
stop-string checks. It does not include what ``workbench run`` does around each request:
the record written and fsynced, the response cache, system samples, scoring.

Bare side: a ``llama_cpp.Llama`` called from the main thread,
``create_chat_completion(stream=False)`` (``create_completion`` for ``prompt_format: plain``
models) timed from outside; completion tokens are read from ``usage.completion_tokens``. It
lets llama-cpp-python apply the GGUF chat template itself, so its prompts may differ from the
workbench's by a token or two; the count of identical outputs is printed as a check.

Per round and side, tokens per second is sum(completion tokens) / sum(request seconds); the
round's ratio is workbench tok/s / bare tok/s. The summary gives the minimum, median and
maximum of the ratio over the rounds.

Run from the repository root:

    .venv/bin/python bench/bench_runner_vs_bare.py
    .venv/bin/python bench/bench_runner_vs_bare.py --max-tokens 32 --rounds 3
    .venv/bin/python bench/bench_runner_vs_bare.py --warmup 0   # first request's start-up cost in round 1
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from dataclasses import dataclass
from typing import Any

from workbench.privacy.egress import apply_privacy_environment

apply_privacy_environment()

from workbench.data.evalsets import load_evalset  # noqa: E402
from workbench.data.prompts import RenderedPrompt, get_prompt  # noqa: E402
from workbench.models.base import Backend, GenerationRequest  # noqa: E402
from workbench.models.catalogue import get_model_spec  # noqa: E402
from workbench.models.embedded import verified_gguf  # noqa: E402
from workbench.models.registry import OpenOptions, get_backend  # noqa: E402
from workbench.models.spec import ModelSpec  # noqa: E402
from workbench.run.runner import render_all  # noqa: E402

WORKBENCH = "workbench"
BARE = "bare"


@dataclass
class SideTotals:
    """One side's requests in one round: completion tokens, seconds summed over requests, outputs in order."""

    tokens: int = 0
    seconds: float = 0.0
    outputs: list[str] | None = None

    @property
    def tokens_per_s(self) -> float:
        return self.tokens / self.seconds if self.seconds > 0 else 0.0


@dataclass
class Round:
    number: int
    first: str
    workbench: SideTotals
    bare: SideTotals

    @property
    def ratio(self) -> float:
        bare_rate = self.bare.tokens_per_s
        return self.workbench.tokens_per_s / bare_rate if bare_rate > 0 else float("nan")

    @property
    def identical_outputs(self) -> int:
        pairs = zip(self.workbench.outputs or [], self.bare.outputs or [])
        return sum(1 for a, b in pairs if a.strip() == b.strip())


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="smollm2-135m", help="catalogue name of a llamacpp model")
    parser.add_argument("--evalset", default="smoke-en", help="evaluation set name or directory")
    parser.add_argument("--max-tokens", type=int, default=128, help="completion token limit per request")
    parser.add_argument("--rounds", type=int, default=5, help="rounds over the set; each sends every prompt to both sides")
    parser.add_argument("--warmup", type=int, default=1, help="untimed warm-up requests on each side")
    args = parser.parse_args()
    if args.max_tokens < 1:
        parser.error("--max-tokens must be at least 1")
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    if args.warmup < 0:
        parser.error("--warmup must be 0 or more")
    return args


# --- the two sides: one request each -----------------------------------------------------

def workbench_request(backend: Backend, rendered: RenderedPrompt, request_id: str) -> tuple[str, int, float]:
    """One request through the workbench backend: output, completion tokens, seconds measured from outside."""
    request = GenerationRequest(request_id=request_id, messages=rendered.messages, plain_prompt=rendered.plain_prompt)
    started = time.perf_counter()
    result = backend.generate(request)
    seconds = time.perf_counter() - started
    if result.error:
        raise RuntimeError(f"workbench request {request_id} failed: {result.error_type}: {result.error}")
    return result.output, int(result.completion_tokens or 0), seconds


def load_bare_model(spec: ModelSpec) -> Any:
    import llama_cpp

    path, _sha256 = verified_gguf(spec)
    load_kwargs = dict(spec.load_kwargs)
    n_threads = int(load_kwargs.pop("n_threads", os.cpu_count() or 1))
    return llama_cpp.Llama(model_path=str(path), n_ctx=spec.context_length, n_threads=n_threads,
                           seed=spec.sampling.seed, verbose=False, **load_kwargs)


def bare_request(llm: Any, spec: ModelSpec, rendered: RenderedPrompt) -> tuple[str, int, float]:
    """One non-streamed request to the bare model: output, completion tokens, seconds measured from outside."""
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
    started = time.perf_counter()
    if spec.prompt_format == "plain":
        response = llm.create_completion(prompt=rendered.plain_prompt, **options)
        text = response["choices"][0]["text"]
    else:
        messages = [{"role": m.role, "content": m.content} for m in rendered.messages]
        response = llm.create_chat_completion(messages=messages, **options)
        text = response["choices"][0]["message"]["content"] or ""
    seconds = time.perf_counter() - started
    return text, int(response["usage"]["completion_tokens"]), seconds


# --- rounds ------------------------------------------------------------------------------

def run_round(number: int, backend: Backend, llm: Any, spec: ModelSpec, prompts: list[RenderedPrompt]) -> Round:
    first = WORKBENCH if number % 2 == 1 else BARE
    totals = {WORKBENCH: SideTotals(outputs=[]), BARE: SideTotals(outputs=[])}
    order = (WORKBENCH, BARE) if first == WORKBENCH else (BARE, WORKBENCH)
    for index, rendered in enumerate(prompts):
        for side in order:
            if side == WORKBENCH:
                text, tokens, seconds = workbench_request(backend, rendered, f"round-{number}:{index}")
            else:
                text, tokens, seconds = bare_request(llm, spec, rendered)
            totals[side].tokens += tokens
            totals[side].seconds += seconds
            totals[side].outputs.append(text)  # type: ignore[union-attr]
    return Round(number=number, first=first, workbench=totals[WORKBENCH], bare=totals[BARE])


def print_round(item: Round, requests: int) -> None:
    print(f"{item.number:>5}  {item.first:<9}  {item.workbench.tokens:>8} {item.workbench.seconds:>8.2f} "
          f"{item.workbench.tokens_per_s:>8.1f}  {item.bare.tokens:>8} {item.bare.seconds:>8.2f} "
          f"{item.bare.tokens_per_s:>8.1f}  {item.ratio:>6.3f}  {item.identical_outputs}/{requests}", flush=True)


def main() -> None:
    args = parse_args()
    spec = get_model_spec(args.model).with_overrides(max_tokens=args.max_tokens)
    if spec.backend != "llamacpp":
        raise SystemExit(f"model '{spec.name}' uses backend '{spec.backend}'; this benchmark needs 'llamacpp'")
    if spec.prompt_format == "chat" and spec.effective_chat_template_kwargs():
        print("note: chat-template keyword arguments are not passed by the bare loop; outputs may differ")
    evalset = load_evalset(args.evalset)
    prompt = get_prompt(evalset.manifest.default_prompt)
    prompts = render_all(evalset, prompt)

    backend = get_backend("llamacpp").open(spec, OpenOptions())
    llm = load_bare_model(spec)
    try:
        for number in range(args.warmup):  # not timed; the set's first prompt on both sides
            workbench_request(backend, prompts[0], f"warmup-{number}")
            bare_request(llm, spec, prompts[0])
        print(f"model {spec.name} | evalset {evalset.name} ({len(prompts)} requests per side per round) | prompt "
              f"{prompt.ref} | max_tokens {spec.sampling.max_tokens} | threads "
              f"{spec.load_kwargs.get('n_threads', os.cpu_count())} | warm-up {args.warmup} per side | "
              f"{args.rounds} rounds, sides alternating request by request")
        print()
        print(f"{'round':>5}  {'first':<9}  {'wb tok':>8} {'wb s':>8} {'wb tok/s':>8}  {'bare tok':>8} {'bare s':>8} "
              f"{'bare t/s':>8}  {'ratio':>6}  identical")
        rounds = []
        for number in range(1, args.rounds + 1):
            item = run_round(number, backend, llm, spec, prompts)
            rounds.append(item)
            print_round(item, len(prompts))
    finally:
        backend.close()
        llm.close()
    ratios = [item.ratio for item in rounds]
    print()
    print(f"ratio (workbench / bare), output tok/s per round: min {min(ratios):.3f}  median "
          f"{statistics.median(ratios):.3f}  max {max(ratios):.3f}  over {len(ratios)} rounds")


if __name__ == "__main__":
    main()
