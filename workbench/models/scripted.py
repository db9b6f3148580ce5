"""A deterministic backend that runs no model: outputs and timings come from a script.

For tests and demos of tracking, reports and the UI on any machine. A catalogue entry
with ``backend: scripted`` names its script with one or both of:

- ``path``: a JSON or YAML file mapping a case id (or any ``:``-separated suffix of the
  request id ``"{run_id}:{model}:{case_id}"``) to what that case produced::

      en-ed-chest-pain:
        output: "Chief Complaint: chest pain ..."
        ttft_s: 0.2
        e2e_s: 1.5
        completion_tokens: 120
      en-discharge-pneumonia: {error: "server overloaded"}

  A plain string stands for ``{output: ...}``. ``tool_calls`` gives the function calls of the reply exactly
  as a server would return them: a list of ``{name, arguments}``, ``arguments`` the raw string (which may
  be invalid JSON on purpose).
- ``model``: the name of a Python function registered with ``register_script``; it is
  given the ``GenerationRequest`` and returns a dict with the same fields. Two are built in:
  ``echo-source`` (the user message, i.e. the note, copied: a PHI leak on purpose) and
  ``first-sentences`` (the first three sentences of the user message).

With both, the file answers the cases it lists and the function the rest. Timings are
never measured: they are the script's, or ``DEFAULT_TTFT_S`` to the first token and then
``DEFAULT_S_PER_TOKEN`` per token. ``generate`` returns at once (it never sleeps), and
``info()`` says ``details={"timings": "scripted"}`` so no report mistakes them for real ones.
The output goes to a ``streaming_text_to`` listener piece by piece (a word, or a CJK character);
``load_kwargs: {stream_token_delay_s: 0.05}`` waits that long before each piece, so a page
that shows tokens as they arrive can be seen doing so (the recorded timings stay the script's).
Token counts default to an approximate count of the text (words, and each CJK character).
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

import workbench
from workbench.errors import WorkbenchError
from workbench.models.base import BackendInfo, GenerationRequest, GenerationResult, current_text_listener
from workbench.models.reasoning import split_reasoning
from workbench.models.spec import ModelSpec

DEFAULT_TTFT_S = 0.05
DEFAULT_S_PER_TOKEN = 0.01
DEFAULT_MAX_CONCURRENCY = 8
FIRST_SENTENCES = 3
SCRIPTED_ERROR_TYPE = "ScriptedError"  # error_type of a failure the script asked for

ScriptFunction = Callable[[GenerationRequest], dict[str, Any]]


class ScriptError(WorkbenchError, ValueError):
    """A script file or registered script is missing or malformed, or has no answer for a request."""


@dataclass(frozen=True)
class ScriptStep:
    """What the script says one request produced; None means "use the default"."""

    output: str = ""
    ttft_s: float | None = None
    e2e_s: float | None = None
    completion_tokens: int | None = None
    prompt_tokens: int | None = None
    error: str | None = None
    tool_calls: tuple[tuple[str, str], ...] = ()  # (name, arguments as written)


# --- reading script entries ---------------------------------------------------------------------

_TIME_FIELDS = ("ttft_s", "e2e_s")
_COUNT_FIELDS = ("completion_tokens", "prompt_tokens")
_TEXT_FIELDS = ("output", "error")
SCRIPT_FIELDS = _TEXT_FIELDS + _TIME_FIELDS + _COUNT_FIELDS + ("tool_calls",)


def _parse_tool_calls(value: Any, where: str) -> tuple[tuple[str, str], ...]:
    """A script entry's ``tool_calls``: a list of ``{name, arguments}``, both strings (arguments kept as written)."""
    if value is None:
        return ()
    if not isinstance(value, list):
        raise ScriptError(f"{where}.tool_calls: expected a list of {{name, arguments}}, got {value!r}")
    calls = []
    for index, call in enumerate(value):
        at = f"{where}.tool_calls[{index}]"
        if not isinstance(call, dict) or set(call) != {"name", "arguments"}:
            raise ScriptError(f"{at}: expected a mapping with exactly name and arguments")
        if not isinstance(call["name"], str) or not isinstance(call["arguments"], str):
            raise ScriptError(f"{at}: name and arguments must be strings (arguments as the model wrote them)")
        calls.append((call["name"], call["arguments"]))
    return tuple(calls)


def parse_step(data: Any, where: str) -> ScriptStep:
    """One script entry (a mapping of ``SCRIPT_FIELDS``, or a string output); ``where`` prefixes errors."""
    if isinstance(data, str):
        return ScriptStep(output=data)
    if not isinstance(data, dict):
        raise ScriptError(f"{where}: expected a mapping with some of {', '.join(SCRIPT_FIELDS)}, or a string output")
    unknown = sorted(str(key) for key in data if key not in SCRIPT_FIELDS)
    if unknown:
        raise ScriptError(f"{where}: unknown field(s) {', '.join(unknown)}; allowed: {', '.join(SCRIPT_FIELDS)}")
    for name in _TEXT_FIELDS:
        if data.get(name) is not None and not isinstance(data[name], str):
            raise ScriptError(f"{where}.{name}: expected a string, got {data[name]!r}")
    for name in _TIME_FIELDS:
        value = data.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0):
            raise ScriptError(f"{where}.{name}: expected a number of seconds >= 0, got {value!r}")
    for name in _COUNT_FIELDS:
        value = data.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
            raise ScriptError(f"{where}.{name}: expected a whole number >= 0, got {value!r}")
    ttft_s, e2e_s = data.get("ttft_s"), data.get("e2e_s")
    if ttft_s is not None and e2e_s is not None and e2e_s < ttft_s:
        raise ScriptError(f"{where}: e2e_s ({e2e_s}) is less than ttft_s ({ttft_s})")
    return ScriptStep(
        output=data.get("output") or "",
        ttft_s=None if ttft_s is None else float(ttft_s),
        e2e_s=None if e2e_s is None else float(e2e_s),
        completion_tokens=data.get("completion_tokens"),
        prompt_tokens=data.get("prompt_tokens"),
        error=data.get("error"),
        tool_calls=_parse_tool_calls(data.get("tool_calls"), where),
    )


def read_script_bytes(path: Path) -> bytes:
    """The bytes of a script file; a missing file is an error that names it."""
    try:
        return path.read_bytes()
    except FileNotFoundError as exc:
        raise ScriptError(f"{path}: script file not found") from exc


def parse_script(data: bytes, path: Path) -> dict[str, ScriptStep]:
    """The entries of a JSON (``.json``) or YAML script file, by case id or request-id suffix."""
    kind = "JSON" if path.suffix.lower() == ".json" else "YAML"
    try:
        text = data.decode("utf-8")
        document = json.loads(text) if kind == "JSON" else yaml.safe_load(text)
    except (UnicodeDecodeError, json.JSONDecodeError, yaml.YAMLError) as exc:
        raise ScriptError(f"{path}: not valid {kind}: {exc}") from exc
    if document is None:
        return {}
    if not isinstance(document, dict):
        raise ScriptError(f"{path}: expected a mapping of case id -> entry")
    return {str(key): parse_step(value, f"{path}: {key}") for key, value in document.items()}


def load_script_file(path: Path) -> dict[str, ScriptStep]:
    """The entries of the script file at ``path``."""
    return parse_script(read_script_bytes(path), path)


def file_sha256(path: Path) -> str:
    """Hex digest of a script file's bytes (so an edited script is not served from the cache)."""
    return hashlib.sha256(read_script_bytes(path)).hexdigest()


def find_step(steps: dict[str, ScriptStep], request_id: str) -> ScriptStep | None:
    """The entry for ``request_id``: its exact key, else the longest key it ends with after a ``:``."""
    if request_id in steps:
        return steps[request_id]
    matches = [key for key in steps if request_id.endswith(":" + key)]
    return steps[max(matches, key=len)] if matches else None


def case_id_of(request_id: str) -> str:
    """The case id inside a request id ``"{run_id}:{model}:{case_id}"`` (the whole id if not of that form)."""
    parts = request_id.split(":", 2)
    return parts[2] if len(parts) == 3 else request_id


# --- registered script functions ----------------------------------------------------------------

_SCRIPTS: dict[str, ScriptFunction] = {}


def register_script(name: str, fn: ScriptFunction, *, replace: bool = False) -> None:
    """Make ``fn`` usable as ``model: NAME`` of a scripted catalogue entry; replacing needs ``replace=True``."""
    if not name or name != name.strip():
        raise ValueError(f"script name {name!r} must be a non-empty name without surrounding spaces")
    if name in _SCRIPTS and not replace:
        raise ValueError(f"script '{name}' is already registered; pass replace=True to replace it")
    _SCRIPTS[name] = fn


def unregister_script(name: str) -> None:
    """Forget the script ``name`` (e.g. one a test registered)."""
    get_script(name)
    del _SCRIPTS[name]


def script_names() -> list[str]:
    """Names of every registered script, sorted."""
    return sorted(_SCRIPTS)


def get_script(name: str) -> ScriptFunction:
    """The function registered as ``name``."""
    if name not in _SCRIPTS:
        raise ScriptError(f"unknown script '{name}'; known scripts: {', '.join(script_names())}")
    return _SCRIPTS[name]


def user_text(request: GenerationRequest) -> str:
    """The last user message of the request (the plain prompt when it has none)."""
    for message in reversed(request.messages):
        if message.role == "user":
            return message.content
    return request.plain_prompt


_SENTENCE_END = re.compile(r"[.!?](?=\s|$)|[。！？]")


def first_sentences(request: GenerationRequest, n: int = FIRST_SENTENCES) -> dict[str, Any]:
    """The first ``n`` sentences of the user message, as written (a sentence ends at . ! ? before
    a space or the end, or at 。！？); the whole message when it has fewer."""
    text = user_text(request)
    ends = [match.end() for match in _SENTENCE_END.finditer(text)]
    return {"output": (text[: ends[n - 1]] if len(ends) >= n else text).strip()}


def echo_source(request: GenerationRequest) -> dict[str, Any]:
    """The user message, unchanged: the note is copied, identifiers included."""
    return {"output": user_text(request)}


register_script("echo-source", echo_source)
register_script("first-sentences", first_sentences)


# --- the catalogue's view: field checks and cache identity --------------------------------------


def check_scripted_spec(spec: ModelSpec) -> list[str]:
    """Problems with a scripted entry's fields (``path`` and/or a registered ``model``)."""
    if not spec.path and not spec.model:
        return [
            "backend 'scripted' needs 'path' (a JSON or YAML script file) or 'model' "
            f"(a registered script: {', '.join(script_names())})"
        ]
    if spec.model and spec.model not in _SCRIPTS:
        return [f"backend 'scripted': unknown script '{spec.model}'; known scripts: {', '.join(script_names())}"]
    return []


def _function_name(fn: ScriptFunction) -> str:
    return f"{getattr(fn, '__module__', '?')}.{getattr(fn, '__qualname__', type(fn).__name__)}"


def script_identity(spec: ModelSpec) -> dict[str, Any]:
    """What pins a scripted model's answers: the script file's digest and the function's name."""
    identity: dict[str, Any] = {}
    if spec.path:
        identity["script_sha256"] = file_sha256(Path(spec.path).expanduser())
    if spec.model:
        identity["script_function"] = _function_name(get_script(spec.model))
    return identity


# --- the backend --------------------------------------------------------------------------------

_TOKEN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]|[^\s\u3400-\u9fff\uf900-\ufaff]+")
_PIECE = re.compile(r"\s*(?:[\u3400-\u9fff\uf900-\ufaff]|[^\s\u3400-\u9fff\uf900-\ufaff]+)|\s+")


def count_tokens(text: str) -> int:
    """An approximate token count: whitespace-separated words, and each CJK character as one."""
    return len(_TOKEN.findall(text))


class ScriptedBackend:
    """Answers every request from its script at once, with the script's (or default) timings."""

    def __init__(self, spec: ModelSpec) -> None:
        self.spec = spec
        self.path = Path(spec.path).expanduser() if spec.path else None
        data = read_script_bytes(self.path) if self.path else None
        self.steps = parse_script(data, self.path) if self.path and data is not None else {}
        self.sha256 = hashlib.sha256(data).hexdigest() if data is not None else None
        self.script = get_script(spec.model) if spec.model else None
        self.max_concurrency = int(spec.load_kwargs.get("max_concurrency", DEFAULT_MAX_CONCURRENCY))
        self.stream_token_delay_s = float(spec.load_kwargs.get("stream_token_delay_s", 0.0))

    def info(self) -> BackendInfo:
        details: dict[str, Any] = {"timings": "scripted"}
        if self.path:
            details.update(script_file=str(self.path), script_sha256=self.sha256)
        if self.script:
            details["script_function"] = _function_name(self.script)
        return BackendInfo(
            backend="scripted",
            backend_version=workbench.__version__,
            model_id=self.spec.model or str(self.path),
            device="cpu",
            max_concurrency=self.max_concurrency,
            details=details,
        )

    def generate(self, request: GenerationRequest) -> GenerationResult:
        started_at = time.time()
        try:
            step = self._step(request)
        except Exception as exc:  # a broken script fails its request, never the run
            return GenerationResult(request_id=request.request_id, started_at=started_at,
                                    error=str(exc) or type(exc).__name__, error_type=type(exc).__name__)
        if step.error is not None:
            return GenerationResult(
                request_id=request.request_id, output=step.output, raw_output=step.output, started_at=started_at,
                ttft_s=step.ttft_s, e2e_s=step.e2e_s, prompt_tokens=step.prompt_tokens,
                completion_tokens=step.completion_tokens, error=step.error, error_type=SCRIPTED_ERROR_TYPE,
            )
        self._stream(step.output)
        return self._result(request, step, started_at)

    def _stream(self, output: str) -> None:
        """Hand the output to the current text listener piece by piece, each after ``stream_token_delay_s``."""
        listener = current_text_listener()
        if listener is None and not self.stream_token_delay_s:
            return
        for piece in _PIECE.findall(output):
            if self.stream_token_delay_s:
                time.sleep(self.stream_token_delay_s)
            if listener is not None:
                listener(piece, "")

    def _step(self, request: GenerationRequest) -> ScriptStep:
        """The file's entry for the request, else the function's answer."""
        step = find_step(self.steps, request.request_id)
        if step is not None:
            return step
        if self.script is not None:
            where = f"script '{self.spec.model}'"
            try:
                answer = self.script(request)
            except Exception as exc:
                raise ScriptError(f"{where} raised {type(exc).__name__}: {exc}") from exc
            return parse_step(answer, where)
        raise ScriptError(f"{self.path}: no entry for case '{case_id_of(request.request_id)}' "
                          f"(request '{request.request_id}')")

    def _result(self, request: GenerationRequest, step: ScriptStep, started_at: float) -> GenerationResult:
        split = split_reasoning(step.output, tuple(self.spec.reasoning_tags),
                                starts_in_reasoning=bool(self.spec.reasoning_in_prompt))
        tokens = step.completion_tokens if step.completion_tokens is not None else (
            count_tokens(step.output) + sum(count_tokens(arguments) for _, arguments in step.tool_calls))
        ttft = step.ttft_s if step.ttft_s is not None else (DEFAULT_TTFT_S if tokens else None)
        e2e = step.e2e_s
        if e2e is None:
            e2e = round((ttft or DEFAULT_TTFT_S) + DEFAULT_S_PER_TOKEN * max(tokens - 1, 0), 9)
        gap = round((e2e - ttft) / (tokens - 1), 9) if ttft is not None and tokens >= 2 else None
        reasoning_tokens = count_tokens(split.reasoning) if split.reasoning else 0
        ttfc = None
        if split.content and ttft is not None:
            ttfc = min(e2e, ttft + (gap or 0.0) * reasoning_tokens)
        prompt_tokens = step.prompt_tokens
        if prompt_tokens is None:
            prompt_tokens = sum(count_tokens(message.content) for message in request.messages)
        return GenerationResult(
            request_id=request.request_id,
            output=split.content,
            reasoning=split.reasoning,
            raw_output=step.output,
            finish_reason="stop",
            prompt_tokens=prompt_tokens,
            completion_tokens=tokens,
            reasoning_tokens=reasoning_tokens,
            token_count_source="scripted",
            ttft_s=ttft,
            ttfc_s=ttfc,
            e2e_s=e2e,
            itl_s=[gap] * (tokens - 1) if gap is not None else [],
            started_at=started_at,
            tool_calls=[{"name": name, "arguments": arguments} for name, arguments in step.tool_calls],
        )

    def close(self) -> None:
        """Nothing to release."""
