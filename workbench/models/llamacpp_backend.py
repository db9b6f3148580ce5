"""llama.cpp in-process backend (the embedded CPU default), streaming token by token.

The chat template stored in the GGUF file is rendered here (sandboxed Jinja), so
chat-template keyword arguments such as ``enable_thinking`` reach it exactly as they
would reach a Hugging Face tokenizer. Tokens are generated one at a time, so the
completion token count is exact. Timings follow the HTTP backend's (docs/scoring.md,
"Latency"): a token whose bytes end inside a multi-byte UTF-8 character has no text
yet, so it is neither the first token nor the end of an inter-token gap; the token
that completes the character is, as a llama.cpp server would stream it. The end of
generation is the last token sampled, the end-of-generation token included.

Every call into llama.cpp (loading included) runs on one dedicated thread: llama.cpp's
OpenMP build keeps a pool of worker threads per calling thread, and calls from a second
thread oversubscribe the cores and halve the speed on a small machine.

A request with tools (a coding set) goes through llama-cpp-python's own chat handler instead, not
streamed: the GGUF's template (the tools reach it; a call comes back as a call only for a named
``tool_choice``, whose arguments a grammar built from the schema constrains), or the function-calling
format the entry names with ``load_kwargs: {chat_format: chatml-function-calling}`` (it decides between a
message and calls; it cannot stream a call it chose itself). Such a record has its end-to-end time and
token counts, no first-token time, and the calls exactly as the handler returned them.
"""

from __future__ import annotations

import codecs
import ctypes
import os
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

from jinja2.exceptions import TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from workbench.errors import WorkbenchError
from workbench.models.base import BackendInfo, GenerationRequest, GenerationResult, StreamClock, TokenCount
from workbench.models.base import ToolCallStream
from workbench.models.embedded import verified_gguf
from workbench.models.reasoning import split_reasoning
from workbench.models.spec import ModelSpec


class TokenTextDecoder:
    """The text of a stream of tokens, as it becomes complete UTF-8.

    A token may end inside a multi-byte character (SmolLM2 splits many Chinese
    characters over two tokens): ``feed`` then returns "" and keeps the bytes until the
    token that completes the character. ``flush`` ends the stream; bytes still pending
    come out as U+FFFD.
    """

    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")

    def feed(self, token_bytes: bytes) -> str:
        return self._decoder.decode(token_bytes, final=False)

    def flush(self) -> str:
        return self._decoder.decode(b"", final=True)


TOKEN_COUNT_SOURCE = "the loaded model's tokenizer (llama.cpp)"


class PromptTooLong(WorkbenchError, ValueError):
    """The prompt does not fit in the model's context window."""


def _raise_template_error(message: str) -> None:
    raise TemplateError(message)


def render_chat_template(template: str, messages: list[dict[str, str]], *, bos_token: str, eos_token: str,
                         template_kwargs: dict[str, Any]) -> str:
    environment = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
    environment.globals["raise_exception"] = _raise_template_error
    environment.globals["strftime_now"] = lambda fmt: datetime.now().strftime(fmt)
    return environment.from_string(template).render(
        messages=messages, add_generation_prompt=True, bos_token=bos_token, eos_token=eos_token, **template_kwargs
    )


# llama.cpp's log levels: NONE 0, DEBUG 1, INFO 2, WARN 3, ERROR 4, CONT 5 (continues the line before).
LLAMA_LOG_ERROR = 4
_log_callback: Any = None  # kept referenced: llama.cpp calls it for the life of the process


def print_only_llama_errors(llama_cpp: Any) -> None:
    """Route llama.cpp's log to stderr for errors only. llama-cpp-python's own callback reads an older
    numbering in which 3 was an error, so with ``verbose=False`` llama.cpp's warnings (e.g. about the
    sliding-window cache) still reach stderr and a notebook cell's output."""
    global _log_callback
    if _log_callback is not None:
        return

    @llama_cpp.llama_log_callback
    def callback(level: int, text: bytes, user_data: Any) -> None:
        if level == LLAMA_LOG_ERROR:
            sys.stderr.write(text.decode("utf-8", "replace"))
            sys.stderr.flush()

    _log_callback = callback
    llama_cpp.llama_log_set(callback, ctypes.c_void_p(0))


class LlamaCppBackend:
    def __init__(self, spec: ModelSpec) -> None:
        try:
            import llama_cpp
        except ImportError as exc:
            raise RuntimeError(
                "llama-cpp-python is not installed; install the embedded extra: pip install -e '.[embedded]'"
            ) from exc
        print_only_llama_errors(llama_cpp)
        self.spec = spec
        self._llama_cpp = llama_cpp
        self.path, self.sha256 = verified_gguf(spec)
        load_kwargs = dict(spec.load_kwargs)
        self.n_threads = int(load_kwargs.pop("n_threads", os.cpu_count() or 1))
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"llama-{spec.name}")
        self.llm = self._thread.submit(
            llama_cpp.Llama,
            model_path=str(self.path),
            n_ctx=spec.context_length,
            n_threads=self.n_threads,
            seed=spec.sampling.seed,
            verbose=False,
            **load_kwargs,
        ).result()
        self.chat_template = self.llm.metadata.get("tokenizer.chat_template", "")
        if spec.prompt_format == "chat" and not self.chat_template:
            raise ValueError(
                f"model '{spec.name}': {self.path.name} has no chat template; set prompt_format: plain in its entry"
            )
        self.bos_text = self.llm.detokenize([self.llm.token_bos()], special=True).decode("utf-8", "replace")
        self.eos_text = self.llm.detokenize([self.llm.token_eos()], special=True).decode("utf-8", "replace")
        self.add_bos = self.llm.metadata.get("tokenizer.ggml.add_bos_token", "true") == "true"

    def info(self) -> BackendInfo:
        return BackendInfo(
            backend="llamacpp",
            backend_version=f"llama-cpp-python {self._llama_cpp.__version__}",
            model_id=self.spec.package or str(self.path),
            resolved_revision=f"sha256:{self.sha256}",
            file_sha256=self.sha256,
            device=f"cpu ({self.n_threads} threads)",
            max_concurrency=1,  # one llama.cpp context serves one request at a time
            details={"gguf": self.path.name, "general.name": self.llm.metadata.get("general.name")},
        )

    def _prompt_tokens(self, request: GenerationRequest) -> list[int]:
        if self.spec.prompt_format == "plain":
            return self.llm.tokenize(request.plain_prompt.encode("utf-8"), add_bos=self.add_bos, special=False)
        text = render_chat_template(
            self.chat_template,
            [{"role": m.role, "content": m.content} for m in request.messages],
            bos_token=self.bos_text,
            eos_token=self.eos_text,
            template_kwargs=self.spec.effective_chat_template_kwargs(),
        )
        starts_with_bos = bool(self.bos_text) and text.startswith(self.bos_text)
        return self.llm.tokenize(text.encode("utf-8"), add_bos=self.add_bos and not starts_with_bos, special=True)

    def count_prompt_tokens(self, request: GenerationRequest) -> TokenCount:
        """The prompt's tokens exactly as ``generate`` will feed them (chat template included)."""
        tokens = self._thread.submit(self._prompt_tokens, request).result()
        return TokenCount(len(tokens), TOKEN_COUNT_SOURCE)

    def count_text_tokens(self, text: str) -> TokenCount:
        tokens = self._thread.submit(self.llm.tokenize, text.encode("utf-8"), False, False).result()
        return TokenCount(len(tokens), TOKEN_COUNT_SOURCE)

    def _is_end_of_generation(self, token: int) -> bool:
        vocab = getattr(getattr(self.llm, "_model", None), "vocab", None)
        if vocab is not None and hasattr(self._llama_cpp, "llama_vocab_is_eog"):
            return bool(self._llama_cpp.llama_vocab_is_eog(vocab, token))
        return token == self.llm.token_eos()

    def generate(self, request: GenerationRequest) -> GenerationResult:
        """Queue the request on the llama.cpp thread; the clock starts when it is issued."""
        clock = StreamClock(request.request_id, tuple(self.spec.reasoning_tags),
                            starts_in_reasoning=bool(self.spec.reasoning_in_prompt))
        if request.tools and self.spec.prompt_format == "chat":
            return self._thread.submit(self._generate_with_tools, request, clock).result()
        return self._thread.submit(self._generate, request, clock).result()

    def _generate_with_tools(self, request: GenerationRequest, clock: StreamClock) -> GenerationResult:
        """One request with tools through llama-cpp-python's chat handler (see the module's docstring)."""
        sampling = self.spec.sampling
        try:
            if self.spec.effective_chat_template_kwargs():
                raise ValueError(f"model '{self.spec.name}': llama-cpp-python's chat handlers take no chat-template "
                                 "keyword arguments, so a request with tools cannot honour chat_template_kwargs or "
                                 "thinking; serve the model over HTTP (llama.cpp or vLLM) to code with it")
            reply = self.llm.create_chat_completion(
                messages=[{"role": m.role, "content": m.content} for m in request.messages],
                tools=[dict(tool) for tool in request.tools], tool_choice=request.tool_choice,
                temperature=sampling.temperature, top_p=sampling.top_p, top_k=sampling.top_k or 0,
                min_p=sampling.min_p or 0.0, repeat_penalty=sampling.repetition_penalty or 1.0,
                max_tokens=sampling.max_tokens, seed=sampling.seed, stop=list(sampling.stop or []), stream=False,
            )
            choice = reply["choices"][0]
            message = choice.get("message") or {}
            calls = ToolCallStream()
            calls.add(message.get("tool_calls"))
            usage = reply.get("usage") or {}
            result = clock.finish(finish_reason=choice.get("finish_reason"), prompt_tokens=usage.get("prompt_tokens"),
                                  completion_tokens=usage.get("completion_tokens"),
                                  token_count_source="llama-cpp-python usage", tool_calls=calls.calls())
            content = message.get("content") or ""
            split = split_reasoning(content, tuple(self.spec.reasoning_tags),
                                    starts_in_reasoning=bool(self.spec.reasoning_in_prompt))
            result.output, result.reasoning, result.raw_output = split.content, split.reasoning, content
            return result
        except Exception as exc:
            return clock.fail(exc)

    def _generate(self, request: GenerationRequest, clock: StreamClock) -> GenerationResult:
        sampling = self.spec.sampling
        prompt_tokens: list[int] = []
        completion = 0
        try:
            prompt_tokens = self._prompt_tokens(request)
            room = self.spec.context_length - len(prompt_tokens)
            if room < 1:
                raise PromptTooLong(
                    f"prompt has {len(prompt_tokens)} tokens; the context length of "
                    f"'{self.spec.name}' is {self.spec.context_length}"
                )
            max_tokens = min(sampling.max_tokens, room)
            self.llm.set_seed(sampling.seed)
            decoder = TokenTextDecoder()
            text_so_far = ""
            finish_reason = "length"
            for token in self.llm.generate(
                prompt_tokens,
                temp=sampling.temperature,
                top_p=sampling.top_p,
                top_k=sampling.top_k or 0,
                min_p=sampling.min_p or 0.0,
                repeat_penalty=sampling.repetition_penalty or 1.0,
                reset=True,
            ):
                if self._is_end_of_generation(token):
                    clock.piece("")  # the end-of-generation token arrived: the generation ends here
                    finish_reason = "stop"
                    break
                completion += 1
                piece = decoder.feed(self.llm.detokenize([token], special=self.spec.keep_special_tokens))
                clock.piece(piece)  # "" while a UTF-8 character is incomplete: no first token, no gap
                text_so_far += piece
                if sampling.stop and any(stop in text_so_far for stop in sampling.stop):
                    finish_reason = "stop"
                    break
                if completion >= max_tokens:
                    break
            tail = decoder.flush()
            if tail:
                clock.piece(tail)
            result = clock.finish(
                finish_reason=finish_reason,
                prompt_tokens=len(prompt_tokens),
                completion_tokens=completion,
                token_count_source="generated_tokens",
            )
            if sampling.stop:
                result.output = _cut_at_stop(result.output, sampling.stop)
            return result
        except Exception as exc:
            return clock.fail(exc, prompt_tokens=len(prompt_tokens) or None, completion_tokens=completion)

    def close(self) -> None:
        close = getattr(self.llm, "close", None)
        if callable(close):
            self._thread.submit(close).result()
        self._thread.shutdown(wait=True)


def _cut_at_stop(text: str, stops: list[str]) -> str:
    positions = [text.find(stop) for stop in stops if stop in text]
    return text[: min(positions)].rstrip() if positions else text
