"""MLflow tracking: a finished run directory becomes MLflow runs, prompts go to the Prompt Registry.

``log_comparison(run_dir)`` reads what ``workbench run`` left on disk and logs one parent
run for the comparison with one nested child run per model: generation settings and
provenance as params, every numeric metric (with its bootstrap CI bounds and latency
percentiles), the per-case table (``cases.json``), the evaluation set as a run input
and ``evaluation.json`` as an artifact. The prompt version is registered once in the
MLflow Prompt Registry and every run names it as ``prompts:/<name>/<registry version>``.

By default everything stays on this machine: a SQLite store at ``./mlruns/mlflow.db``
with artifacts under ``./mlruns/artifacts`` (``MLFLOW_TRACKING_URI`` overrides it), and
MLflow's telemetry is switched off before MLflow is imported.

Per-case outputs of a model that copies its input carry patient identifiers; choose
``store_outputs="redacted"`` (gold PHI spans of the set replaced by ``[LABEL]``) or
``"hashed"`` (SHA-256 of each output) for a store other people can read.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, get_args
from urllib.parse import unquote

from pydantic import ValidationError

from workbench.privacy import apply_privacy_environment

apply_privacy_environment()  # MLFLOW_DISABLE_TELEMETRY must be set before mlflow is imported

import mlflow  # noqa: E402
from mlflow import MlflowClient  # noqa: E402
from mlflow.data.dataset_source import DatasetSource  # noqa: E402
from mlflow.data.dataset_source_registry import register_dataset_source  # noqa: E402
from mlflow.data.pandas_dataset import from_pandas  # noqa: E402
from mlflow.entities import RunStatus  # noqa: E402
from mlflow.entities.model_registry import PromptVersion  # noqa: E402
from mlflow.exceptions import MlflowException  # noqa: E402

import workbench  # noqa: E402
from workbench.evalsets import Case, EvalSet, EvalSetError, load_evalset  # noqa: E402
from workbench.prompts import PromptError, PromptMessage, PromptTemplate, get_prompt  # noqa: E402
from workbench.runner import (  # noqa: E402
    EVALUATION_FILE, RUN_FILE, EvaluationFiles, RunDirectoryError, read_run_dir,
)

OutputStorage = Literal["as-is", "redacted", "hashed"]
OUTPUT_STORAGE_CHOICES: tuple[str, ...] = get_args(OutputStorage)
DEFAULT_EXPERIMENT = "workbench"
CASES_TABLE = "cases.json"
PROMPT_HASH_TAG = "workbench_prompt_hash"
PROMPT_REF_TAG = "workbench_ref"
PROMPT_FIELD_TAGS = {"task": "workbench_task", "language": "workbench_language",
                     "description": "workbench_description", "plain_completion_cue": "workbench_plain_completion_cue"}
# generation_settings keys logged under another name: "model" is taken by the catalogue name.
SETTING_PARAM_NAMES = {"model": "spec.model"}
FLATTENED_SETTINGS = ("sampling",)
BACKEND_INFO_PARAMS = {"backend": "backend", "backend_version": "backend_version", "model_id": "backend_model_id",
                       "resolved_revision": "resolved_revision", "file_sha256": "file_sha256", "device": "device",
                       "max_concurrency": "backend_max_concurrency", "details": "backend_details"}
MAX_PARAM_VALUE = 6000  # MLflow's limit on a param value
MAX_DATASET_DIGEST = 36  # MLflow's limit on a dataset digest
_PROMPT_LINK_THREAD_PREFIX = "link_prompt_to_experiment_thread"

_logger = logging.getLogger(__name__)


class TrackingError(RuntimeError):
    """A run directory cannot be logged, or a registry prompt cannot be read back."""


@dataclass
class LoggedComparison:
    parent_run_id: str
    experiment_id: str
    child_run_ids: dict[str, str]
    prompt_uri: str
    tracking_uri: str
    missing_models: list[str] = field(default_factory=list)


# --- where things are stored ------------------------------------------------------------


def default_tracking_uri(cwd: Path | None = None) -> str:
    """``$MLFLOW_TRACKING_URI`` if set, else a SQLite store in ``<cwd>/mlruns/mlflow.db``."""
    configured = os.environ.get("MLFLOW_TRACKING_URI", "").strip()
    if configured:
        return configured
    root = (cwd or Path.cwd()).resolve() / "mlruns"
    return f"sqlite:///{root / 'mlflow.db'}"


def _sqlite_path(tracking_uri: str) -> Path | None:
    """The database file of ``sqlite:///relative.db`` or ``sqlite:////absolute.db``."""
    prefix = "sqlite:///"
    if not tracking_uri.startswith(prefix):
        return None
    path = unquote(tracking_uri[len(prefix):].split("?", 1)[0])
    return Path(path).resolve() if path and path != ":memory:" else None


def _artifact_location(tracking_uri: str) -> str | None:
    """For a SQLite store, artifacts live beside the database in ``artifacts/``; a server decides itself."""
    database = _sqlite_path(tracking_uri)
    return str(database.parent / "artifacts") if database is not None else None


def _prepare_store(tracking_uri: str) -> None:
    database = _sqlite_path(tracking_uri)
    if database is not None:
        database.parent.mkdir(parents=True, exist_ok=True)


@contextmanager
def _tracking_uri(uri: str) -> Iterator[None]:
    """Point MLflow's fluent API at ``uri`` for the block, then put back what was there."""
    previous = mlflow.get_tracking_uri() if mlflow.is_tracking_uri_set() else None
    mlflow.set_tracking_uri(uri)
    try:
        yield
    finally:
        mlflow.set_tracking_uri(previous)  # type: ignore[arg-type]  # None restores "unset"


@contextmanager
def _environment(**values: str | None) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in values}
    try:
        for name, value in values.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _client(tracking_uri: str | None) -> tuple[MlflowClient, str]:
    uri = tracking_uri or default_tracking_uri()
    _prepare_store(uri)
    return MlflowClient(tracking_uri=uri), uri


def ensure_experiment(name: str, *, tracking_uri: str | None = None) -> str:
    """The id of experiment ``name``, created (artifacts beside a SQLite store) when missing."""
    client, uri = _client(tracking_uri)
    experiment = client.get_experiment_by_name(name)
    if experiment is not None:
        if experiment.lifecycle_stage == "deleted":
            raise TrackingError(f"experiment '{name}' is deleted in {uri}; restore it or choose another name")
        return str(experiment.experiment_id)
    return str(client.create_experiment(name, artifact_location=_artifact_location(uri)))


# --- prompts ----------------------------------------------------------------------------


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
    client, _ = _client(tracking_uri)
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
    client, uri = _client(tracking_uri)
    with _current_experiment(uri, experiment_id):
        existing = find_prompt_version(prompt, tracking_uri=uri)
        if existing is not None:
            if experiment_id:
                client.load_prompt(existing, cache_ttl_seconds=0)  # links it to the current experiment
            return existing
        template = [{"role": message.role, "content": message.content} for message in prompt.messages]
        version = client.register_prompt(
            name=prompt.name, template=template, tags=_prompt_tags(prompt),
            commit_message=commit_message or f"workbench prompt {prompt.ref}, content hash {prompt.content_hash()}",
        )
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
    client, _ = _client(tracking_uri)
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
            found.append(RegistryPromptVersion(
                name=prompt_name, registry_version=int(version.version), ref=version.tags.get(PROMPT_REF_TAG, ""),
                aliases=sorted(version.aliases or []), commit_message=version.commit_message or "",
                created_ms=int(version.creation_timestamp or 0)))
    return sorted(found, key=lambda v: (v.name, -v.registry_version))


def next_prompt_version(name: str, *, tracking_uri: str | None = None, prompts_dir: list[Path] | None = None) -> int:
    """The workbench version number a new edit of prompt ``name`` gets: one above any in files or the registry."""
    from workbench.prompts import load_prompts

    numbers = set(load_prompts(prompts_dir).get(name, {}))
    for version in list_registry_prompts(tracking_uri=tracking_uri, name=name):
        ref_name, _, number = version.ref.partition("@")
        if ref_name == name and number.isdigit():
            numbers.add(int(number))
    return max(numbers, default=0) + 1


def find_registered_prompt(ref: str, content_hash: str, *, tracking_uri: str | None = None) -> PromptTemplate | None:
    """The registry version holding workbench prompt ``ref`` with exactly ``content_hash``, if any."""
    client, _ = _client(tracking_uri)
    name = ref.partition("@")[0]
    for version in _registry_versions(client, name):
        if version.tags.get(PROMPT_REF_TAG) == ref and version.tags.get(PROMPT_HASH_TAG) == content_hash:
            return prompt_template_from_version(version)
    return None


@contextmanager
def _current_experiment(uri: str, experiment_id: str | None) -> Iterator[None]:
    """MLflow links a registered or loaded prompt to the "current" experiment, found through
    the global tracking URI and environment, from a background thread that is waited for here."""
    link_to = {"MLFLOW_EXPERIMENT_ID": experiment_id, "MLFLOW_EXPERIMENT_NAME": None} if experiment_id else {}
    with _tracking_uri(uri), _environment(**link_to):
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


def _get_prompt_version(client: MlflowClient, uri_or_alias: str) -> PromptVersion:
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
    client, uri = _client(tracking_uri)
    try:
        return prompt_template_from_version(_get_prompt_version(client, uri_or_alias))
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
    client, _ = _client(tracking_uri)
    client.set_prompt_alias(name, alias, int(version))


# --- reading a run directory --------------------------------------------------------------


def read_run(run_dir: Path) -> tuple[dict[str, Any], list[EvaluationFiles], list[str]]:
    """run.json, each model's files, and the models that have no evaluation.json (an interrupted run)."""
    try:
        run, evaluations, missing = read_run_dir(run_dir)
    except RunDirectoryError as exc:
        raise TrackingError(str(exc)) from exc
    if not evaluations:
        raise TrackingError(f"{run_dir}: no model has an {EVALUATION_FILE}; is the run finished?")
    return run, evaluations, missing


def _run_evalset(run: dict[str, Any]) -> EvalSet | None:
    """The evaluation set of the run (its first ``limit`` cases) if it can still be found."""
    try:
        evalset = load_evalset(run["evalset"]).head(run.get("limit"))
    except (EvalSetError, OSError, KeyError):
        return None
    return evalset


# --- params and metrics -------------------------------------------------------------------


def _param_value(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True) if isinstance(value, (dict, list, tuple)) else str(value)
    return text if len(text) <= MAX_PARAM_VALUE else text[: MAX_PARAM_VALUE - 1] + "…"


def generation_params(settings: dict[str, Any]) -> dict[str, str]:
    """Generation settings as params: ``sampling`` flattened to ``sampling.<key>``, containers as JSON."""
    params: dict[str, str] = {}
    for key, value in settings.items():
        if key in FLATTENED_SETTINGS and isinstance(value, dict):
            for inner, inner_value in value.items():
                params[f"{key}.{inner}"] = _param_value(inner_value)
        else:
            params[SETTING_PARAM_NAMES.get(key, key)] = _param_value(value)
    return params


def git_commit(directory: Path | None = None) -> str:
    """``git rev-parse HEAD`` of the workbench checkout, or "unknown" (an installed package, no git)."""
    project = directory or Path(workbench.__file__).resolve().parent.parent
    if not ((project / ".git").exists() and (project / "pyproject.toml").is_file()):
        return "unknown"
    try:
        completed = subprocess.run(["git", "-C", str(project), "rev-parse", "HEAD"], capture_output=True,
                                   text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    commit = completed.stdout.strip()
    return commit if completed.returncode == 0 and commit else "unknown"


def evaluation_params(evaluation: dict[str, Any], *, prompt_uri: str, output_storage: str, commit: str) -> dict[str, str]:
    prompt_name, _, prompt_version = str(evaluation.get("prompt", "")).partition("@")
    params = {
        "model": evaluation["model"],
        **generation_params(evaluation.get("generation_settings") or {}),
    }
    for key, name in BACKEND_INFO_PARAMS.items():
        params[name] = _param_value((evaluation.get("backend_info") or {}).get(key))
    params.update({
        "prompt": evaluation.get("prompt", ""),
        "prompt_name": prompt_name,
        "prompt_version": prompt_version,
        "prompt_hash": evaluation.get("prompt_hash", ""),
        "prompt_uri": prompt_uri,
        "evalset": evaluation.get("evalset", ""),
        "evalset_version": evaluation.get("evalset_version", ""),
        "evalset_hash": evaluation.get("evalset_hash", ""),
        "evalset_cases": evaluation.get("evalset_cases", ""),
        "requested_concurrency": evaluation.get("requested_concurrency", ""),
        "effective_concurrency": evaluation.get("effective_concurrency", ""),
        "workbench_version": evaluation.get("workbench_version", ""),
        "git_commit": commit,
        "output_storage": output_storage,
    })
    return {key: _param_value(value) for key, value in params.items()}


_METRIC_KEY_UNSAFE = re.compile(r"[^A-Za-z0-9_\-. /]")


def numeric_metrics(metrics: dict[str, Any]) -> dict[str, float]:
    """Every number of evaluation.json's metrics; ``phi_leak_rate_by_label`` as ``phi_leak_rate_<LABEL>``."""
    flat: dict[str, float] = {}
    for key, value in metrics.items():
        if isinstance(value, (int, float)):  # None (no value) and dicts are skipped
            flat[_METRIC_KEY_UNSAFE.sub("_", key)] = float(value)
    for label, value in (metrics.get("phi_leak_rate_by_label") or {}).items():
        key = _METRIC_KEY_UNSAFE.sub("_", f"phi_leak_rate_{label}")
        if isinstance(value, (int, float)) and key not in flat:
            flat[key] = float(value)
    return flat


# --- the per-case table ------------------------------------------------------------------


def sha256_text(text: str | None) -> str | None:
    return None if text is None else "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def _gold_phi(case: Case) -> list[tuple[str, str]]:
    return [(case.source[span.start:span.end], span.label) for span in case.phi if span.end > span.start]


def _loose_pattern(text: str) -> str:
    """``text`` with any run of whitespace or separators allowed where it has one."""
    pieces = [re.escape(piece) for piece in re.split(r"[\s\-./(),#:]+", text.strip()) if piece]
    return r"[\s\-./(),#:]*".join(pieces)


def redact(text: str | None, phi: list[tuple[str, str]]) -> str | None:
    """Replace every gold identifier of the case in ``text`` by ``[LABEL]``.

    Case-insensitive and tolerant of changed spacing and separators (``415 555 0199`` for
    ``(415) 555-0199``). Also replaced: each part of a name written alone (``Whitcombe``),
    a run of five or more digits taken from an identifier (``40318`` of ``40318876``), and
    an identifier cut off by the end of the output (``January 9`` of ``January 9, 2026``,
    when max_tokens stopped the model there). A date rewritten in another format is not found.
    """
    if not text:
        return text
    for gold, label in sorted(phi, key=lambda item: len(item[0]), reverse=True):
        pattern = _loose_pattern(gold)
        if pattern:
            text = re.sub(pattern, f"[{label}]", text, flags=re.IGNORECASE)
    for gold, label in phi:
        text = _redact_fragments(text, gold, label)
    return text


def _redact_fragments(text: str, gold: str, label: str) -> str:
    if label == "NAME":
        for part in re.split(r"[\s.,]+", gold):
            if len(part) >= 2:
                text = re.sub(rf"(?<![^\W\d_]){re.escape(part)}(?![^\W\d_])", f"[{label}]", text, flags=re.IGNORECASE)
    digits = re.sub(r"\D", "", gold)
    if len(digits) >= 6:
        text = re.sub(r"\d{5,}", lambda m: f"[{label}]" if m.group(0) in digits else m.group(0), text)
    stripped = text.rstrip()
    for length in range(len(gold) - 1, 2, -1):  # the output ends inside the identifier
        if stripped.lower().endswith(gold[:length].lower()) and gold[:length].strip() == gold[:length]:
            start = len(stripped) - length
            if start == 0 or not stripped[start - 1].isalnum():
                return stripped[:start] + f"[{label}]" + text[len(stripped):]
    return text


def _stored_phi_items(items: list[dict[str, Any]], storage: OutputStorage) -> list[dict[str, Any]]:
    """The scorer's leaked items carry the gold identifier itself; only "as-is" keeps it."""
    if storage == "as-is":
        return items
    stored = []
    for item in items:
        text = item.get("text")
        replacement = f"[{item.get('label', 'PHI')}]" if storage == "redacted" else sha256_text(text)
        stored.append({**item, "text": replacement})
    return stored


def _cases_by_id(evalset: EvalSet | None, records: list[dict[str, Any]], storage: OutputStorage) -> dict[str, Case]:
    if storage != "redacted":
        return {}
    if evalset is None:
        raise TrackingError("store_outputs='redacted' needs the run's evaluation set to find the gold PHI, "
                            "and it cannot be loaded here")
    cases = {case.id: case for case in evalset.cases}
    for record in records:
        case = cases.get(record["case_id"])
        if case is None or (record.get("case_hash") and record["case_hash"] != case.content_hash()):
            raise TrackingError(f"case {record['case_id']!r} of evalset {evalset.name} changed since the run; "
                                "its gold PHI cannot be trusted for redaction")
    return cases


def case_rows(files: EvaluationFiles, *, storage: OutputStorage, evalset: EvalSet | None) -> list[dict[str, Any]]:
    """One row per case: the record joined with its scores, outputs stored as ``storage`` says."""
    scores = {score["id"]: score for score in files.scores}
    cases = _cases_by_id(evalset, files.records, storage)
    rows = []
    for record in sorted(files.records, key=lambda item: item.get("case_index", 0)):
        score = scores.get(record["case_id"], {})
        output, reasoning = record.get("output"), record.get("reasoning")
        if storage == "redacted":
            phi = _gold_phi(cases[record["case_id"]])
            output, reasoning = redact(output, phi), redact(reasoning, phi)
        elif storage == "hashed":
            output, reasoning = sha256_text(output), sha256_text(reasoning)
        rows.append({
            "case_id": record["case_id"],
            "model": files.model,
            "output": output,
            "reasoning": reasoning,
            **{key: score.get(key) for key in ("rouge1", "rouge2", "rougeL", "rougeLsum",
                                               "structure_compliance", "values_kept_rate", "phi_case_leak_rate")},
            "phi_leaked": json.dumps(_stored_phi_items(score.get("phi_leaked") or [], storage), ensure_ascii=False),
            "plausibility_flags": json.dumps(score.get("plausibility_flags") or [], ensure_ascii=False),
            **{key: record.get(key) for key in ("ttft_s", "ttfc_s", "e2e_s", "prompt_tokens", "completion_tokens")},
            "error": record.get("error"),
            "cached": bool(record.get("cached")),
        })
    return rows


# --- the evaluation set as a run input ---------------------------------------------------


class WorkbenchEvalsetSource(DatasetSource):
    """Where a run's cases came from: a workbench evaluation set, pinned by its content hash."""

    def __init__(self, name: str, version: str, content_hash: str, location: str | None = None) -> None:
        self.name, self.version, self.content_hash, self.location = name, version, content_hash, location

    @staticmethod
    def _get_source_type() -> str:
        return "workbench_evalset"

    def load(self, **kwargs: Any) -> EvalSet:
        evalset = load_evalset(self.location or self.name)
        if evalset.content_hash() != self.content_hash:
            raise TrackingError(f"evalset {self.name}: content hash is now {evalset.content_hash()}, "
                                f"the run used {self.content_hash}")
        return evalset

    @staticmethod
    def _can_resolve(raw_source: Any) -> bool:
        return False

    @classmethod
    def _resolve(cls, raw_source: Any) -> WorkbenchEvalsetSource:
        raise NotImplementedError

    def to_dict(self) -> dict[str, Any]:
        return {"evalset": self.name, "version": self.version, "content_hash": self.content_hash,
                "location": self.location}

    @classmethod
    def from_dict(cls, source_dict: dict[Any, Any]) -> WorkbenchEvalsetSource:
        return cls(name=source_dict["evalset"], version=str(source_dict.get("version", "")),
                   content_hash=source_dict["content_hash"], location=source_dict.get("location"))


register_dataset_source(WorkbenchEvalsetSource)  # type: ignore[arg-type]  # MLflow takes the class


def evalset_digest(content_hash: str) -> str:
    """The evalset hash cut to MLflow's 36-character digest (the full hash is in the source)."""
    return content_hash.removeprefix("sha256:")[:MAX_DATASET_DIGEST]


def _log_evalset_input(evaluation: dict[str, Any], records: list[dict[str, Any]], evalset: EvalSet | None) -> None:
    """The cases as a run input: ids and case hashes only, never the notes themselves."""
    import pandas as pd

    frame = pd.DataFrame([{"case_id": r["case_id"], "case_hash": r.get("case_hash", "")} for r in records],
                         columns=["case_id", "case_hash"])
    content_hash = evaluation.get("evalset_hash", "")
    location = str(evalset.directory) if evalset is not None and evalset.directory is not None else None
    source = WorkbenchEvalsetSource(evaluation.get("evalset", ""), str(evaluation.get("evalset_version", "")),
                                    content_hash, location)
    dataset = from_pandas(frame, source=source, name=evaluation.get("evalset", "evalset"),
                                      digest=evalset_digest(content_hash))
    mlflow.log_input(dataset, context="evaluation",
                     tags={"workbench.evalset_hash": content_hash,
                           "workbench.evalset_version": str(evaluation.get("evalset_version", ""))})


# --- logging ------------------------------------------------------------------------------


def _log_evaluation(files: EvaluationFiles, *, experiment_id: str, prompt_uri: str, storage: OutputStorage,
                    commit: str, evalset: EvalSet | None) -> str:
    evaluation = files.evaluation
    error = evaluation.get("error")
    tags = {"workbench.kind": "evaluation", "model": files.model}
    if error:
        tags["error"] = str(error)[:5000]
    run = mlflow.start_run(experiment_id=experiment_id, run_name=files.model, nested=True, tags=tags)
    status = RunStatus.to_string(RunStatus.FAILED)
    try:
        mlflow.log_params(evaluation_params(evaluation, prompt_uri=prompt_uri, output_storage=storage, commit=commit))
        mlflow.log_metrics(numeric_metrics(evaluation.get("metrics") or {}))
        _log_system_samples(evaluation.get("system_samples") or [])
        rows = case_rows(files, storage=storage, evalset=evalset)
        if rows:
            import pandas as pd

            mlflow.log_table(pd.DataFrame(rows), artifact_file=CASES_TABLE)
        _log_evalset_input(evaluation, files.records, evalset)
        mlflow.log_artifact(str(files.directory / EVALUATION_FILE))
        _link_prompt(run.info.run_id, prompt_uri)
        if not error:
            status = RunStatus.to_string(RunStatus.FINISHED)
    finally:
        mlflow.end_run(status=status)
    return run.info.run_id


def _log_system_samples(samples: list[dict[str, Any]]) -> None:
    """CPU, memory and GPU memory sampled during generation, as metric histories (step = sample)."""
    for step, sample in enumerate(samples):
        values = {f"system/{name}": float(value) for name, value in sample.items()
                  if name != "elapsed_s" and isinstance(value, (int, float))}
        if values:
            mlflow.log_metrics(values, step=step)


def _link_prompt(run_id: str, prompt_uri: str) -> None:
    """Show the prompt version on the run (MLflow's ``mlflow.linkedPrompts`` tag)."""
    client = MlflowClient()
    try:
        client.link_prompt_version_to_run(run_id, _get_prompt_version(client, prompt_uri))
    except (MlflowException, TrackingError) as exc:  # the param prompt_uri already names it
        _logger.warning("could not link %s to run %s: %s", prompt_uri, run_id, exc)


def _comparison_params(run: dict[str, Any], prompt_uri: str, storage: str) -> dict[str, str]:
    keys = ("evalset", "evalset_version", "evalset_hash", "evalset_full_hash", "prompt", "prompt_hash", "limit",
            "concurrency", "warmup", "workbench_version")
    params = {key: _param_value(run.get(key)) for key in keys}
    params.update({"prompt_uri": prompt_uri, "models": ",".join(run.get("models", [])), "output_storage": storage})
    return params


def _run_prompt(run: dict[str, Any], prompts_dir: list[Path] | None, tracking_uri: str) -> PromptTemplate:
    """The prompt version the run used, from the files or else the registry; its content must
    still hash to what the run recorded."""
    try:
        prompt = get_prompt(run["prompt"], prompts_dir)
    except (PromptError, KeyError) as exc:
        registered = None
        if run.get("prompt") and run.get("prompt_hash"):
            registered = find_registered_prompt(str(run["prompt"]), str(run["prompt_hash"]), tracking_uri=tracking_uri)
        if registered is None:
            raise TrackingError(f"the run's prompt {run.get('prompt')!r} cannot be loaded from the prompt files "
                                f"or the registry: {exc}") from exc
        return registered
    if run.get("prompt_hash") and prompt.content_hash() != run["prompt_hash"]:
        raise TrackingError(f"prompt {prompt.ref} was edited after the run (hash {prompt.content_hash()[:12]}, "
                            f"the run used {run['prompt_hash'][:12]}); restore it before logging")
    return prompt


def log_comparison(run_dir: Path, *, tracking_uri: str | None = None, experiment: str | None = None,
                   store_outputs: OutputStorage = "as-is", prompts_dir: list[Path] | None = None) -> LoggedComparison:
    """Log a finished ``workbench run`` directory to MLflow: a parent run and a nested run per model.

    ``tracking_uri`` defaults to :func:`default_tracking_uri`, ``experiment`` to
    ``$MLFLOW_EXPERIMENT_NAME`` or "workbench"; ``prompts_dir`` is where the run's prompt
    was found if it is not a shipped one. Each call logs new runs; the prompt version is
    registered only once.
    """
    if store_outputs not in OUTPUT_STORAGE_CHOICES:
        raise ValueError(f"store_outputs must be one of {', '.join(OUTPUT_STORAGE_CHOICES)}, got {store_outputs!r}")
    run_dir = Path(run_dir)
    run, evaluations, missing = read_run(run_dir)
    evalset = _run_evalset(run)
    uri = tracking_uri or default_tracking_uri()
    prompt = _run_prompt(run, prompts_dir, uri)
    experiment_name = experiment or os.environ.get("MLFLOW_EXPERIMENT_NAME") or DEFAULT_EXPERIMENT
    experiment_id = ensure_experiment(experiment_name, tracking_uri=uri)
    prompt_uri = register_prompt_version(prompt, tracking_uri=uri, experiment_id=experiment_id)
    commit = git_commit()
    children: dict[str, str] = {}
    tags = {"workbench.kind": "comparison", "workbench.run_id": run["run_id"],
            "workbench.run_dir": str(run_dir.resolve())}
    if missing:
        tags["workbench.missing_models"] = ",".join(missing)
    with _tracking_uri(uri), mlflow.start_run(experiment_id=experiment_id, run_name=run["run_id"], tags=tags) as parent:
        mlflow.log_params(_comparison_params(run, prompt_uri, store_outputs))
        mlflow.log_artifact(str(run_dir / RUN_FILE))
        _link_prompt(parent.info.run_id, prompt_uri)
        for files in evaluations:
            children[files.model] = _log_evaluation(files, experiment_id=experiment_id, prompt_uri=prompt_uri,
                                                    storage=store_outputs, commit=commit, evalset=evalset)
    return LoggedComparison(parent_run_id=parent.info.run_id, experiment_id=experiment_id, child_run_ids=children,
                            prompt_uri=prompt_uri, tracking_uri=uri, missing_models=missing)


def load_cases_table(run_id: str, *, tracking_uri: str | None = None) -> Any:
    """The per-case table of one evaluation run as a pandas DataFrame."""
    client, uri = _client(tracking_uri)
    experiment_id = client.get_run(run_id).info.experiment_id
    with _tracking_uri(uri):  # MlflowClient.load_table searches runs through the global URI
        return client.load_table(experiment_id, CASES_TABLE, run_ids=[run_id])
