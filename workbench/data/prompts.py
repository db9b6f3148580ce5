"""Prompt templates as versioned data.

A prompt is a YAML file: ``name``, integer ``version``, ``task``, ``language``, a
description, and ``messages`` (system and user) whose text holds ``{{variables}}``.
Variables are filled from the case (``source``, ``id``, ``language``, and
``metadata.KEY``) and from the evaluation set's manifest (``required_sections``,
``evalset``). The reference summary is never a variable: a prompt that asks for it
would hand the answer to the model.

Shipped prompts live in ``workbench/data/shipped/prompts/``; users add theirs in a directory
given by ``--prompts-dir`` or ``WORKBENCH_PROMPTS``, or in ``./prompts`` of the working
directory (precedence as in ``workbench.search_paths``). A file is named ``<name>@<version>.yaml``; a version, once used in a run,
must never be edited: write the next version instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from workbench import suggest
from workbench.data.input_checks import did_you_mean, parse_yaml, read_utf8
from workbench.errors import WorkbenchError
from workbench.hashing import canonical_json, sha256_hex
from workbench.safe_names import check_safe_name
from workbench.search_paths import PROMPTS

VARIABLE_PATTERN = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_.]*)\s*\}\}")
FORBIDDEN_VARIABLES = {"reference"}
# Every variable a prompt may use, and what fills it: the case (``Case.prompt_values``) and the set's
# manifest (``runner.render_all``). ``metadata.KEY`` is any key of a case's metadata.
PROMPT_VARIABLES = {
    "source": "the case's clinical note",
    "id": "the case id",
    "language": "the case's language",
    "metadata.KEY": "a field of the case's metadata",
    "required_sections": "the set's required section headings",
    "evalset": "the set's name",
}
REQUIRED_VARIABLE = "source"  # without it the model never sees the note


@dataclass(frozen=True)
class ChatMessage:
    """One turn of a chat prompt, as sent to a model."""

    role: Literal["system", "user", "assistant"]
    content: str


class PromptError(WorkbenchError, ValueError):
    """A prompt file is malformed, unknown, or cannot be filled for a case."""


class PromptMessage(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: Literal["system", "user", "assistant"]
    content: str


class PromptTemplate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str  # a safe name: it becomes the file name NAME@VERSION.yaml
    version: int = Field(ge=1)
    task: str
    language: str | None = None
    description: str = ""
    messages: list[PromptMessage] = Field(min_length=1)
    # For base models (prompt_format: plain) the messages become one document that
    # ends with this cue, e.g. "Summary:".
    plain_completion_cue: str = ""

    @field_validator("name")
    @classmethod
    def _check_name(cls, name: str) -> str:
        return check_safe_name(name, "prompt name")

    @property
    def ref(self) -> str:
        return f"{self.name}@{self.version}"

    def variables(self) -> list[str]:
        found: list[str] = []
        for message in self.messages:
            for name in VARIABLE_PATTERN.findall(message.content):
                if name not in found:
                    found.append(name)
        for name in VARIABLE_PATTERN.findall(self.plain_completion_cue):
            if name not in found:
                found.append(name)
        return found

    def content_hash(self) -> str:
        """Hash of everything that shapes what the model sees."""
        return sha256_hex(
            canonical_json(
                {
                    "messages": [m.model_dump() for m in self.messages],
                    "plain_completion_cue": self.plain_completion_cue,
                }
            )
        )

    def render(self, values: dict[str, Any], *, where: str = "") -> "RenderedPrompt":
        """Fill every ``{{variable}}``; a variable without a value is an error naming it."""

        def fill(text: str) -> str:
            def replace(match: re.Match[str]) -> str:
                name = match.group(1)
                value = _lookup(values, name)
                if value is None:
                    raise PromptError(
                        f"{where}prompt {self.ref} needs '{{{{{name}}}}}', which this case cannot fill "
                        f"(available: {', '.join(sorted(_available(values)))})"
                    )
                if isinstance(value, (list, tuple)):
                    return "\n".join(str(item) for item in value)
                return str(value)

            return VARIABLE_PATTERN.sub(replace, text)

        for name in self.variables():
            if name.split(".", 1)[0] in FORBIDDEN_VARIABLES:
                raise PromptError(f"prompt {self.ref} uses '{{{{{name}}}}}': the reference is never shown to a model")
        messages = tuple(ChatMessage(role=m.role, content=fill(m.content)) for m in self.messages)
        return RenderedPrompt(messages=messages, plain_prompt=_plain_document(messages, fill(self.plain_completion_cue)))


@dataclass(frozen=True)
class RenderedPrompt:
    messages: tuple[ChatMessage, ...]
    plain_prompt: str
    hash: str = field(init=False)

    def __post_init__(self) -> None:
        digest = sha256_hex(canonical_json([[m.role, m.content] for m in self.messages] + [self.plain_prompt]))
        object.__setattr__(self, "hash", digest)


def _plain_document(messages: tuple[ChatMessage, ...], cue: str) -> str:
    parts = [m.content.strip() for m in messages if m.content.strip()]
    if cue:
        parts.append(cue)
    return "\n\n".join(parts)


def _lookup(values: dict[str, Any], dotted: str) -> Any:
    current: Any = values
    for part in dotted.split("."):
        if not isinstance(current, dict) or part not in current:
            return None
        current = current[part]
    if current == "" or current == []:
        return None
    return current


def _available(values: dict[str, Any], prefix: str = "") -> list[str]:
    names: list[str] = []
    for key, value in values.items():
        if key in FORBIDDEN_VARIABLES:
            continue
        if isinstance(value, dict):
            names.extend(_available(value, f"{prefix}{key}."))
        elif value not in (None, "", []):
            names.append(f"{prefix}{key}")
    return names


def variable_problems(prompt: PromptTemplate) -> list[str]:
    """Why the ``{{variables}}`` of ``prompt`` cannot work, one line each: the reference (never shown to a
    model), a name no case or set fills (with the closest known one), or no ``{{source}}`` at all."""
    known = [name for name in PROMPT_VARIABLES if not name.endswith(".KEY")]
    prefixes = tuple(name[: -len("KEY")] for name in PROMPT_VARIABLES if name.endswith(".KEY"))
    problems: list[str] = []
    used = prompt.variables()
    for name in used:
        if name.split(".", 1)[0] in FORBIDDEN_VARIABLES:
            problems.append(f"'{{{{{name}}}}}': the reference is never shown to a model (it is the expected answer)")
        elif name not in known and not (name.startswith(prefixes) and len(name) > len(prefixes[0])):
            problems.append(f"'{{{{{name}}}}}' is not a prompt variable{suggest.did_you_mean(name, known)} "
                            f"(variables: {', '.join('{{' + known_name + '}}' for known_name in PROMPT_VARIABLES)})")
    if REQUIRED_VARIABLE not in used:
        problems.append(f"the template never uses '{{{{{REQUIRED_VARIABLE}}}}}': the model would not see the note")
    return problems


# --- loading -------------------------------------------------------------------------


def parse_prompt_file(path: Path, text: str | None = None) -> PromptTemplate:
    """A prompt version from its YAML file (or from ``text``, named ``path``); every problem names the file
    and the field, and a misspelled field names the one it resembles."""
    source = text if text is not None else read_utf8(path, PromptError)
    document = parse_yaml(source, str(path), PromptError)
    if not isinstance(document, dict):
        raise PromptError(f"{path}: expected a mapping with name, version, task and messages")
    prompt = prompt_from_mapping(document, str(path))
    expected_stem = f"{prompt.name}@{prompt.version}"
    if path.stem != expected_stem:
        raise PromptError(f"{path}: file must be named {expected_stem}.yaml to match its name and version")
    return prompt


def prompt_from_mapping(document: dict[str, Any], where: str) -> PromptTemplate:
    """A prompt version from its parsed fields; every problem names ``where`` and the field, and a misspelled
    field names the one it resembles."""
    try:
        return PromptTemplate.model_validate(document)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            location = error["loc"]
            problem = f"{'.'.join(str(part) for part in location)}: {error['msg']}"
            if error["type"] == "extra_forbidden" and location:
                known = PromptMessage.model_fields if location[0] == "messages" else PromptTemplate.model_fields
                problem = f"unknown field '{'.'.join(str(part) for part in location)}'{did_you_mean(location[-1], known)}"
            problems.append(problem)
        raise PromptError(f"{where}: {'; '.join(problems)}") from exc


def prompt_directories(extra: list[Path] | None = None) -> list[Path]:
    """Where prompt versions are looked up, highest precedence first (see ``workbench.search_paths``)."""
    return [location.path for location in PROMPTS.locations(extra)]


def load_prompts(extra_dirs: list[Path] | None = None) -> dict[str, dict[int, PromptTemplate]]:
    prompts: dict[str, dict[int, PromptTemplate]] = {}
    for directory in reversed(prompt_directories(extra_dirs)):  # higher precedence overrides
        if not directory.is_dir():
            raise PromptError(f"{directory}: prompts directory not found")
        for path in sorted(directory.glob("*.yaml")):
            prompt = parse_prompt_file(path)
            prompts.setdefault(prompt.name, {})[prompt.version] = prompt
    return prompts


def get_prompt(ref: str, extra_dirs: list[Path] | None = None) -> PromptTemplate:
    """``NAME`` (latest version) or ``NAME@VERSION``."""
    name, _, version_text = ref.partition("@")
    prompts = load_prompts(extra_dirs)
    if name not in prompts:
        # NAME@VERSION is matched against every NAME@VERSION, so the suggestion is what to type
        known = sorted(f"{known_name}@{known_version}" for known_name, versions in prompts.items()
                       for known_version in versions) if version_text else sorted(prompts)
        raise PromptError(f"unknown prompt '{name}'; known prompts: {', '.join(sorted(prompts)) or 'none'}"
                          f"{suggest.did_you_mean(ref, known)}")
    versions = prompts[name]
    if not version_text:
        return versions[max(versions)]
    try:
        version = int(version_text.lstrip("v"))
    except ValueError as exc:
        raise PromptError(f"prompt reference '{ref}': version must be an integer, e.g. {name}@1") from exc
    if version not in versions:
        raise PromptError(f"prompt '{name}' has no version {version}; versions: {', '.join(map(str, sorted(versions)))}")
    return versions[version]


# --- language ------------------------------------------------------------------------

LANGUAGE_NAMES = {"en": "English", "zh": "Chinese"}


def _primary_language(code: str | None) -> str | None:
    """``en`` for ``en``, ``EN`` or ``en-GB``; None for no code."""
    primary = (code or "").strip().replace("_", "-").split("-", 1)[0].lower()
    return primary or None


def _described(code: str) -> str:
    return f"{LANGUAGE_NAMES[code]} ({code})" if code in LANGUAGE_NAMES else code


def language_mismatch(prompt: PromptTemplate, evalset_name: str, evalset_language: str | None) -> str | None:
    """Why ``prompt`` does not suit the evaluation set ``evalset_name`` in ``evalset_language``, as one line;
    None when both languages are the same or either is not declared.

    A prompt asks for headings and prose in its own language; against a set in another language
    every required section is missed and the references share almost no words with the outputs.
    Each door decides what overrides the refusal and says so after this line.
    """
    prompt_language = _primary_language(prompt.language)
    set_language = _primary_language(evalset_language)
    if prompt_language is None or set_language is None or prompt_language == set_language:
        return None
    return (f"prompt {prompt.ref} is in {_described(prompt_language)} but evaluation set {evalset_name} is in "
            f"{_described(set_language)}: the outputs would be scored against section headings and references "
            "in another language")
