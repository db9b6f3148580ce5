"""Prompt versions in the MLflow Prompt Registry: register once per content hash, read back, alias.

A workbench prompt ``name@N`` is registered as a chat prompt whose tags carry its workbench
reference and content hash, so the same file registered twice creates nothing, and a version
read back is checked against its hash.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from workbench.data.prompts import PromptMessage, PromptTemplate
from workbench.track.store import TrackingError, client_for, environment_scope, tracking_uri_scope

from mlflow import MlflowClient  # noqa: E402  (after workbench.track.store switched telemetry off)
from mlflow.entities.model_registry import PromptVersion  # noqa: E402
from mlflow.exceptions import MlflowException  # noqa: E402

PROMPT_HASH_TAG = "workbench_prompt_hash"
PROMPT_REF_TAG = "workbench_ref"
PROMPT_FIELD_TAGS = {"task": "workbench_task", "language": "workbench_language",
                     "description": "workbench_description", "plain_completion_cue": "workbench_plain_completion_cue"}
_PROMPT_LINK_THREAD_PREFIX = "link_prompt_to_experiment_thread"


def _prompt_tags(prompt: PromptTemplate) -> dict[str, str]:
    tags = {PROMPT_HASH_TAG: prompt.content_hash(), PROMPT_REF_TAG: prompt.ref}
    for attribute, tag in PROMPT_FIELD_TAGS.items():
        value = getattr(prompt, attribute)
        if value:
            tags[tag] = str(value)
    return tags


def _registry_versions(client: MlflowClient, name: str) -> list[PromptVersion]:
    """Every registry version of prompt ``name``; none when the prompt is not registered."""
    if not client.search_prompts(filter_string=f"name = '{name}'"):
        return []
    versions: list[PromptVersion] = []
    token: str | None = None
    while True:
        page = client.search_prompt_versions(name, max_results=100, page_token=token)
        versions.extend(page)
        token = page.token
        if not token:
            return versions


def find_prompt_version(prompt: PromptTemplate, *, tracking_uri: str | None = None) -> str | None:
    """``prompts:/name/N`` of the registry version holding exactly this workbench prompt, if any."""
    client, _ = client_for(tracking_uri)
    for version in _registry_versions(client, prompt.name):
        tags = version.tags
        if tags.get(PROMPT_HASH_TAG) == prompt.content_hash() and tags.get(PROMPT_REF_TAG) == prompt.ref:
            return f"prompts:/{prompt.name}/{version.version}"
    return None


def register_prompt_version(prompt: PromptTemplate, *, tracking_uri: str | None = None,
                            experiment_id: str | None = None, commit_message: str | None = None) -> str:
    """Register ``prompt`` in the MLflow Prompt Registry once; returns ``prompts:/<name>/<version>``.

    A registry version whose workbench content hash and ``name@version`` match is reused,
    so registering the same prompt again creates nothing. ``experiment_id`` lists the
    prompt under that experiment (MLflow's experiment prompt list); without it MLflow
    lists a newly registered prompt under the default experiment.
    """
    client, uri = client_for(tracking_uri)
    with current_experiment(uri, experiment_id):
        existing = find_prompt_version(prompt, tracking_uri=uri)
        if existing is not None:
            if experiment_id:
                client.load_prompt(existing, cache_ttl_seconds=0)  # links it to the current experiment
            return existing
        template = [{"role": message.role, "content": message.content} for message in prompt.messages]
        arguments = dict(name=prompt.name, template=template, tags=_prompt_tags(prompt),
                         commit_message=commit_message or f"workbench prompt {prompt.ref}, content hash {prompt.content_hash()}")
        try:
            version = client.register_prompt(**arguments)
        except MlflowException as exc:  # another process created the prompt since the lookup above
            if exc.error_code != "RESOURCE_ALREADY_EXISTS":
                raise
            existing = find_prompt_version(prompt, tracking_uri=uri)
            if existing is not None:
                return existing
            version = client.register_prompt(**arguments)
        # Processes that all found nothing may each have added a version: all keep the lowest.
        matching = sorted(int(v.version) for v in _registry_versions(client, prompt.name)
                          if v.tags.get(PROMPT_HASH_TAG) == prompt.content_hash() and v.tags.get(PROMPT_REF_TAG) == prompt.ref)
        if matching and matching[0] != int(version.version):
            client.delete_prompt_version(prompt.name, str(version.version))
            return f"prompts:/{prompt.name}/{matching[0]}"
    return f"prompts:/{prompt.name}/{version.version}"


@dataclass(frozen=True)
class RegistryPromptVersion:
    name: str
    registry_version: int
    ref: str  # the workbench NAME@VERSION it holds ("" for a prompt made outside the workbench)
    aliases: list[str]
    commit_message: str
    created_ms: int

    @property
    def uri(self) -> str:
        return f"prompts:/{self.name}/{self.registry_version}"


def list_registry_prompts(*, tracking_uri: str | None = None, name: str | None = None) -> list[RegistryPromptVersion]:
    """Every version of every prompt in the registry (or of prompt ``name`` only), by name then newest version first."""
    client, _ = client_for(tracking_uri)
    found: list[RegistryPromptVersion] = []
    token: str | None = None
    names: list[str] = [name] if name else []
    while not name:
        page = client.search_prompts(max_results=100, page_token=token)
        names.extend(prompt.name for prompt in page)
        token = page.token
        if not token:
            break
    for prompt_name in sorted(names):
        for version in _registry_versions(client, prompt_name):
            # search_prompt_versions leaves aliases out (MLflow 3); get_prompt_version carries them.
            aliases = client.get_prompt_version(prompt_name, str(version.version)).aliases
            found.append(RegistryPromptVersion(
                name=prompt_name, registry_version=int(version.version), ref=version.tags.get(PROMPT_REF_TAG, ""),
                aliases=sorted(aliases or []), commit_message=version.commit_message or "",
                created_ms=int(version.creation_timestamp or 0)))
    return sorted(found, key=lambda v: (v.name, -v.registry_version))


def next_prompt_version(name: str, *, tracking_uri: str | None = None, prompts_dir: list[Path] | None = None) -> int:
    """The workbench version number a new edit of prompt ``name`` gets: one above any in files or the registry."""
    from workbench.data.prompts import load_prompts

    numbers = set(load_prompts(prompts_dir).get(name, {}))
    for version in list_registry_prompts(tracking_uri=tracking_uri, name=name):
        ref_name, _, number = version.ref.partition("@")
        if ref_name == name and number.isdigit():
            numbers.add(int(number))
    return max(numbers, default=0) + 1


def find_registered_prompt(ref: str, content_hash: str, *, tracking_uri: str | None = None) -> PromptTemplate | None:
    """The registry version holding workbench prompt ``ref`` with exactly ``content_hash``, if any."""
    client, _ = client_for(tracking_uri)
    name = ref.partition("@")[0]
    for version in _registry_versions(client, name):
        if version.tags.get(PROMPT_REF_TAG) == ref and version.tags.get(PROMPT_HASH_TAG) == content_hash:
            return prompt_template_from_version(version)
    return None


@contextmanager
def current_experiment(uri: str, experiment_id: str | None) -> Iterator[None]:
    """MLflow links a registered or loaded prompt to the "current" experiment, found through
    the global tracking URI and environment, from a background thread that is waited for here."""
    link_to = {"MLFLOW_EXPERIMENT_ID": experiment_id, "MLFLOW_EXPERIMENT_NAME": None} if experiment_id else {}
    with tracking_uri_scope(uri), environment_scope(**link_to):
        try:
            yield
        finally:
            _wait_for_prompt_links()


def _wait_for_prompt_links(timeout_s: float = 30.0) -> None:
    """MLflow tags a new prompt with its experiment from a background thread; let it finish."""
    for thread in threading.enumerate():
        if thread.name.startswith(_PROMPT_LINK_THREAD_PREFIX):
            thread.join(timeout_s)


def parse_prompt_uri(uri_or_alias: str) -> tuple[str, str]:
    """(name, version or alias) of ``prompts:/name/3``, ``prompts:/name@alias``, ``name/3`` or ``name@alias``."""
    body = uri_or_alias.removeprefix("prompts:/")
    for separator in ("@", "/"):
        name, found, rest = body.partition(separator)
        if found and name and rest and "/" not in rest:
            return name, rest
    raise TrackingError(f"'{uri_or_alias}': expected prompts:/NAME/VERSION or prompts:/NAME@ALIAS")


def get_prompt_version(client: MlflowClient, uri_or_alias: str) -> PromptVersion:
    """Read a version without ``load_prompt``, which also tags the prompt with the "current"
    experiment from a background thread (experiment 0 when none is active)."""
    name, version_or_alias = parse_prompt_uri(uri_or_alias)
    try:
        if version_or_alias.isdigit():
            version = client.get_prompt_version(name, version_or_alias)
        else:
            version = client.get_prompt_version_by_alias(name, version_or_alias)
    except MlflowException as exc:
        raise TrackingError(f"cannot load prompt {uri_or_alias}: {exc.message}") from exc
    if version is None:
        raise TrackingError(f"prompt {uri_or_alias} not found")
    return version


def load_prompt_template(uri_or_alias: str, *, tracking_uri: str | None = None) -> PromptTemplate:
    """A registry prompt (``prompts:/name/3`` or ``prompts:/name@production``) as a workbench prompt."""
    client, uri = client_for(tracking_uri)
    try:
        return prompt_template_from_version(get_prompt_version(client, uri_or_alias))
    except TrackingError as exc:
        raise TrackingError(f"{exc} (registry {uri})") from exc


def prompt_template_from_version(version: PromptVersion) -> PromptTemplate:
    tags = version.tags
    template = version.template
    ref = tags.get(PROMPT_REF_TAG, "")
    name, _, number = ref.partition("@")
    fields = {attribute: tags[tag] for attribute, tag in PROMPT_FIELD_TAGS.items() if tag in tags}
    try:
        if isinstance(template, str):  # a text prompt made outside the workbench
            messages = [PromptMessage(role="user", content=template)]
        else:
            messages = [PromptMessage(role=item["role"], content=item["content"]) for item in template]
        prompt = PromptTemplate(
            name=version.name, messages=messages, task=fields.pop("task", "summary"), **fields,
            version=int(number) if name == version.name and number.isdigit() else int(version.version),
        )
    except (ValidationError, KeyError) as exc:
        raise TrackingError(f"prompt {version.uri} cannot be a workbench prompt: {exc}") from exc
    expected = tags.get(PROMPT_HASH_TAG)
    if expected and expected != prompt.content_hash():
        raise TrackingError(f"prompt {version.uri}: content hash {prompt.content_hash()} differs from the "
                            f"recorded {expected}; the registry version was not written by this workbench")
    return prompt


def set_prompt_alias(name: str, alias: str, version: int, *, tracking_uri: str | None = None) -> None:
    """Point ``prompts:/<name>@<alias>`` at registry version ``version``."""
    client, _ = client_for(tracking_uri)
    client.set_prompt_alias(name, alias, int(version))
