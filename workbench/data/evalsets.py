"""Evaluation sets: typed cases, loading, validation and content hashes.

A set is a directory ``<name>/`` holding ``cases.jsonl`` (one case per line) and
``manifest.yaml``. The content hash covers every case's content, in file order, as
canonical JSON (sorted keys, no insignificant whitespace, UTF-8), so it is the same
on every machine and for any key order, and changes when any character of any case
changes. Bump the manifest's ``version`` whenever the hash changes.
"""

from __future__ import annotations

import json
import os
import re
import secrets
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Literal

import yaml

from workbench import suggest
from workbench.data.input_checks import (
    check_known_keys, check_value, decode_utf8, parse_json, parse_yaml, read_utf8, utf8_lines,
)
from workbench.errors import WorkbenchError
from workbench.hashing import canonical_json, sha256_hex
from workbench.search_paths import EVALSETS

CASES_FILE = "cases.jsonl"
MANIFEST_FILE = "manifest.yaml"

PHI_LABELS = (
    "NAME", "DATE", "AGE_OVER_89", "PHONE", "FAX", "EMAIL", "SSN", "MRN", "HEALTH_PLAN_ID",
    "ACCOUNT", "LICENSE", "VEHICLE_ID", "DEVICE_ID", "URL", "IP", "ADDRESS", "ID_NUMBER",
    "LOCATION", "OTHER",
)
LANGUAGES = ("zh", "en")


class EvalSetError(WorkbenchError, ValueError):
    """A set, manifest or case is malformed; the message names file, line and field."""


@dataclass(frozen=True)
class PHISpan:
    start: int
    end: int
    label: str


@dataclass(frozen=True)
class Case:
    id: str
    language: Literal["zh", "en"]
    source: str
    reference: str
    phi: tuple[PHISpan, ...] = ()
    metadata: dict[str, Any] = field(default_factory=dict)

    def to_json_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "language": self.language,
            "source": self.source,
            "reference": self.reference,
            "phi": [{"start": s.start, "end": s.end, "label": s.label} for s in self.phi],
        }
        if self.metadata:
            data["metadata"] = self.metadata
        return data

    def content_hash(self) -> str:
        return sha256_hex(canonical_json(self.to_json_dict()))

    def prompt_values(self) -> dict[str, Any]:
        """What a prompt template may use from this case (never the reference, nor a coding set's gold codes)."""
        from workbench.scoring.coding import GOLD_FIELD

        metadata = {key: value for key, value in self.metadata.items() if key != GOLD_FIELD}
        return {"id": self.id, "language": self.language, "source": self.source, "metadata": metadata}


@dataclass(frozen=True)
class Manifest:
    name: str
    version: str
    language: str
    task: str
    default_prompt: str
    description: str = ""
    licence: str = ""
    provenance: str = ""
    required_sections: tuple[str, ...] = ()
    section_synonyms: dict[str, tuple[str, ...]] = field(default_factory=dict)
    num_cases: int | None = None
    content_hash: str | None = None
    # A coding set (task: coding) names the code system of its gold codes (workbench.scoring.coding.CODE_SYSTEMS).
    code_system: str = ""


@dataclass(frozen=True)
class EvalSet:
    manifest: Manifest
    cases: tuple[Case, ...]
    directory: Path | None = None

    @property
    def name(self) -> str:
        return self.manifest.name

    def content_hash(self) -> str:
        return content_hash(self.cases)

    def head(self, limit: int | None) -> "EvalSet":
        """The first ``limit`` cases (the whole set when ``limit`` is None)."""
        if limit is None or limit >= len(self.cases):
            return self
        if limit < 1:
            raise EvalSetError(f"--limit must be at least 1, got {limit}")
        return EvalSet(manifest=self.manifest, cases=self.cases[:limit], directory=self.directory)


def content_hash(cases: tuple[Case, ...] | list[Case]) -> str:
    lines = "\n".join(canonical_json(case.to_json_dict()) for case in cases)
    return "sha256:" + sha256_hex(lines)


# --- parsing -------------------------------------------------------------------------

def read_jsonl_objects(path: Path) -> list[tuple[str, dict[str, Any]]]:
    """Every non-blank line of a JSONL file as (``file:line``, object); a bad line is an error naming it.

    Lines must be UTF-8 and strict JSON (no NaN or Infinity), nested at most 64 levels
    (see ``workbench.data.input_checks``).
    """
    objects: list[tuple[str, dict[str, Any]]] = []
    for number, raw in utf8_lines(path, EvalSetError):
        line = decode_utf8(raw, str(path), EvalSetError, line_offset=number - 1)
        if not line.strip():
            continue
        where = f"{path}:{number}"
        data = parse_json(line, where, EvalSetError)
        if not isinstance(data, dict):
            raise EvalSetError(f"{where}: expected a JSON object")
        objects.append((where, data))
    return objects


PHI_MARK = re.compile(r"\[\[([A-Z_0-9]+)\|(.+?)\]\]", re.DOTALL)


def unmark_phi(marked: str) -> tuple[str, tuple[PHISpan, ...]]:
    """Turn text with inline marks ``[[LABEL|text]]`` into plain text and its PHI spans.

    Set builders write PHI this way so that offsets are computed, never typed by hand.
    """
    parts: list[str] = []
    spans: list[PHISpan] = []
    position = 0
    cursor = 0
    for match in PHI_MARK.finditer(marked):
        before = marked[cursor:match.start()]
        parts.append(before)
        position += len(before)
        label, value = match.group(1), match.group(2)
        if label not in PHI_LABELS:
            raise EvalSetError(f"unknown PHI label {label!r} in mark {match.group(0)!r}")
        spans.append(PHISpan(start=position, end=position + len(value), label=label))
        parts.append(value)
        position += len(value)
        cursor = match.end()
    parts.append(marked[cursor:])
    return "".join(parts), tuple(spans)



CASE_FIELDS = ("id", "language", "source", "reference", "phi", "metadata")
SPAN_FIELDS = ("start", "end", "label")


def parse_case(data: Any, where: str) -> Case:
    """Build a case from one decoded JSON object; ``where`` is 'file:line' for errors.

    Unknown fields are refused with the closest known one ("did you mean 'reference'?"), and so
    are PHI spans that overlap or repeat one another.
    """
    if not isinstance(data, dict):
        raise EvalSetError(f"{where}: expected a JSON object, got {type(data).__name__}")
    check_value(data, where, EvalSetError)
    return _case_from_checked(data, where)


def _case_from_checked(data: dict[str, Any], where: str) -> Case:
    """:func:`parse_case` of an object whose values ``check_value`` has already accepted (``parse_json`` checks
    every value it returns)."""
    check_known_keys(data, CASE_FIELDS, where, EvalSetError)
    for name in ("id", "language", "source"):
        if name not in data:
            raise EvalSetError(f"{where}: field '{name}' is missing")
    case_id = data["id"]
    if not isinstance(case_id, str) or not case_id.strip():
        raise EvalSetError(f"{where}: field 'id' must be a non-empty string")
    language = data["language"]
    if language not in LANGUAGES:
        raise EvalSetError(f"{where}: field 'language' must be one of {', '.join(LANGUAGES)}, got {language!r}")
    source = data["source"]
    if not isinstance(source, str) or not source.strip():
        raise EvalSetError(f"{where}: field 'source' must be a non-empty string")
    reference = data.get("reference", "")
    if not isinstance(reference, str):
        raise EvalSetError(f"{where}: field 'reference' must be a string")
    spans_data = data.get("phi", [])
    if not isinstance(spans_data, list):
        raise EvalSetError(f"{where}: field 'phi' must be a list of spans")
    indexed: list[tuple[PHISpan, int]] = []
    for index, span in enumerate(spans_data):
        at = f"{where}: field 'phi[{index}]'"
        if isinstance(span, dict):
            check_known_keys(span, SPAN_FIELDS, where, EvalSetError, prefix=f"phi[{index}].")
        if not isinstance(span, dict) or not set(SPAN_FIELDS) <= set(span):
            raise EvalSetError(f"{at} must be an object with start, end and label")
        start, end, label = span["start"], span["end"], span["label"]
        if not isinstance(start, int) or not isinstance(end, int) or isinstance(start, bool) or isinstance(end, bool):
            raise EvalSetError(f"{at}: start and end must be integers")
        if not 0 <= start < end <= len(source):
            raise EvalSetError(f"{at}: span {start}-{end} is outside the source text (length {len(source)})")
        if label not in PHI_LABELS:
            raise EvalSetError(f"{at}: unknown label {label!r}; known labels: {', '.join(PHI_LABELS)}")
        indexed.append((PHISpan(start=start, end=end, label=label), index))
    indexed.sort(key=lambda item: (item[0].start, item[0].end))
    for (before, before_index), (after, after_index) in zip(indexed, indexed[1:]):
        if after.start < before.end:
            relation = "repeats" if (after.start, after.end) == (before.start, before.end) else "overlaps"
            raise EvalSetError(
                f"{where}: field 'phi[{after_index}]': span {after.start}-{after.end} {relation} "
                f"phi[{before_index}] {before.start}-{before.end}; each character belongs to at most one span"
            )
    metadata = data.get("metadata", {})
    if not isinstance(metadata, dict):
        raise EvalSetError(f"{where}: field 'metadata' must be an object")
    return Case(
        id=case_id, language=language, source=source, reference=reference,
        phi=tuple(span for span, _ in indexed), metadata=metadata,
    )


def scan_cases(path: Path) -> tuple[list[Case], list[str]]:
    """Read every line of a JSONL file of cases, collecting all problems instead of stopping at the first.

    Each problem names the file, the line and the field at fault.
    """
    if not path.is_file():
        return [], [f"{path}: file not found"]
    try:
        lines = utf8_lines(path, EvalSetError)
    except EvalSetError as exc:
        return [], [str(exc)]
    cases: list[Case] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    for line_number, raw in lines:
        where = f"{path}:{line_number}"
        try:
            line = decode_utf8(raw, str(path), EvalSetError, line_offset=line_number - 1)
            if not line.strip():
                continue
            data = parse_json(line, where, EvalSetError)  # every value checked (check_value) on the way
            if not isinstance(data, dict):
                raise EvalSetError(f"{where}: expected a JSON object, got {type(data).__name__}")
            case = _case_from_checked(data, where)
        except EvalSetError as exc:
            problems.append(str(exc))
            continue
        if case.id in seen:
            problems.append(f"{where}: field 'id': duplicate id {case.id!r} (first on line {seen[case.id]})")
            continue
        seen[case.id] = line_number
        cases.append(case)
    if not cases and not problems:
        problems.append(f"{path}: no cases")
    return cases, problems


def read_cases(path: Path) -> list[Case]:
    """Read a JSONL file of cases; the first problem found is raised, naming file, line and field."""
    cases, problems = scan_cases(path)
    if problems:
        raise EvalSetError(problems[0] + (f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""))
    return cases


def read_manifest(path: Path) -> Manifest:
    """A set's ``manifest.yaml``; unknown fields are refused with the closest known one."""
    if not path.is_file():
        raise EvalSetError(f"{path}: file not found")
    data = parse_yaml(read_utf8(path, EvalSetError), str(path), EvalSetError)
    if not isinstance(data, dict):
        raise EvalSetError(f"{path}: expected a mapping")
    check_known_keys(data, [item.name for item in fields(Manifest)], str(path), EvalSetError)
    for name in ("name", "version", "language", "task", "default_prompt"):
        if not data.get(name):
            raise EvalSetError(f"{path}: field '{name}' is missing")
        if isinstance(data[name], (dict, list)):
            raise EvalSetError(f"{path}: field '{name}' must be text, got a {type(data[name]).__name__}")
    sections = data.get("required_sections") or []
    if not isinstance(sections, list) or not all(isinstance(s, str) for s in sections):
        raise EvalSetError(f"{path}: field 'required_sections' must be a list of strings")
    num_cases = data.get("num_cases")
    if num_cases is not None and (isinstance(num_cases, bool) or not isinstance(num_cases, int) or num_cases < 0):
        raise EvalSetError(f"{path}: field 'num_cases' must be a whole number, got {num_cases!r}")
    hash_text = data.get("content_hash")
    if hash_text is not None and not isinstance(hash_text, str):
        raise EvalSetError(f"{path}: field 'content_hash' must be text such as sha256:..., got {hash_text!r}")
    code_system = _read_code_system(data, path)
    return Manifest(
        name=str(data["name"]), version=str(data["version"]), language=str(data["language"]),
        task=str(data["task"]), default_prompt=str(data["default_prompt"]),
        description=str(data.get("description", "")), licence=str(data.get("licence", "")),
        provenance=str(data.get("provenance", "")), required_sections=tuple(sections),
        section_synonyms=read_section_synonyms(data.get("section_synonyms"), tuple(sections), path),
        num_cases=num_cases, content_hash=hash_text, code_system=code_system,
    )


def _read_code_system(data: dict[str, Any], path: Path) -> str:
    """A manifest's ``code_system``: required by a coding set (``task: coding``), refused elsewhere."""
    from workbench.scoring.coding import CODE_SYSTEMS, CODING_TASK

    value = data.get("code_system")
    if str(data["task"]) != CODING_TASK:
        if value:
            raise EvalSetError(f"{path}: field 'code_system' belongs to a coding set (task: {CODING_TASK}); "
                               f"this set's task is {data['task']!r}")
        return ""
    if value not in CODE_SYSTEMS:
        raise EvalSetError(f"{path}: field 'code_system' must be one of {', '.join(CODE_SYSTEMS)} for a coding set, "
                           f"got {value!r}")
    return str(value)


def read_section_synonyms(value: Any, required_sections: tuple[str, ...], path: Path) -> dict[str, tuple[str, ...]]:
    """A manifest's ``section_synonyms``: each required heading mapped to other names it may appear under.

    Absent or empty gives ``{}``; anything but a mapping from a heading in ``required_sections``
    to a list of non-empty strings is an error naming ``path`` and the field.
    """
    if value is None:
        return {}
    where = f"{path}: field 'section_synonyms'"
    if not isinstance(value, dict):
        raise EvalSetError(f"{where} must be a mapping from a required section to a list of names")
    synonyms: dict[str, tuple[str, ...]] = {}
    for heading, names in value.items():
        if heading not in required_sections:
            raise EvalSetError(f"{where}: key {heading!r} is not one of required_sections {list(required_sections)}")
        if not isinstance(names, list) or not all(isinstance(n, str) and n.strip() for n in names):
            raise EvalSetError(f"{where}: {heading!r} must map to a list of non-empty strings")
        synonyms[heading] = tuple(names)
    return synonyms


def load_evalset_dir(directory: Path, *, check_manifest: bool = True) -> EvalSet:
    manifest = read_manifest(directory / MANIFEST_FILE)
    cases = read_cases(directory / CASES_FILE)
    evalset = EvalSet(manifest=manifest, cases=tuple(cases), directory=directory)
    if check_manifest:
        problems = manifest_problems(evalset)
        if problems:
            raise EvalSetError("; ".join(problems))
    return evalset


def manifest_problems(evalset: EvalSet) -> list[str]:
    where = f"{evalset.directory / MANIFEST_FILE}" if evalset.directory else "manifest"
    problems: list[str] = []
    manifest = evalset.manifest
    if manifest.num_cases is not None and manifest.num_cases != len(evalset.cases):
        problems.append(f"{where}: field 'num_cases' says {manifest.num_cases}, {CASES_FILE} holds {len(evalset.cases)}")
    if manifest.code_system:  # a coding set: every case carries its gold codes
        from workbench.scoring.coding import GoldCodeError, gold_codes

        cases_file = evalset.directory / CASES_FILE if evalset.directory else CASES_FILE
        for case in evalset.cases:
            try:
                gold_codes(case.metadata, f"{cases_file}: case {case.id!r}")
            except GoldCodeError as exc:
                problems.append(str(exc))
    actual = evalset.content_hash()
    if manifest.content_hash is not None and manifest.content_hash != actual:
        problems.append(
            f"{where}: field 'content_hash' says {manifest.content_hash}, the cases hash to {actual} "
            "(the cases changed: bump 'version' and update the hash)"
        )
    return problems


def evalset_search_path(extra_dirs: list[Path] | None = None) -> list[Path]:
    """Directories that hold named sets, highest precedence first (see ``workbench.search_paths``)."""
    return [location.path for location in EVALSETS.locations(extra_dirs)]


def resolve_evalset(name_or_dir: str, extra_dirs: list[Path] | None = None) -> Path:
    candidate = Path(name_or_dir)
    if (candidate / CASES_FILE).is_file():
        return candidate
    for base in evalset_search_path(extra_dirs):
        if (base / name_or_dir / CASES_FILE).is_file():
            return base / name_or_dir
    known = sorted({p.parent.name for base in evalset_search_path(extra_dirs) if base.is_dir() for p in base.glob(f"*/{CASES_FILE}")})
    raise EvalSetError(f"evaluation set '{name_or_dir}' not found (no {CASES_FILE}); "
                       f"known sets: {', '.join(known) or 'none'}{suggest.did_you_mean(name_or_dir, known)}")


def load_evalset(name_or_dir: str, extra_dirs: list[Path] | None = None) -> EvalSet:
    """A set by name (looked up on the search path) or by directory."""
    return load_evalset_dir(resolve_evalset(name_or_dir, extra_dirs))


def write_manifest(directory: Path, manifest: Manifest, cases: list[Case]) -> Manifest:
    """Write ``manifest.yaml`` with the count and content hash of ``cases``."""
    final = Manifest(**{**manifest.__dict__, "num_cases": len(cases), "content_hash": content_hash(cases)})
    data = {k: (list(v) if isinstance(v, tuple) else v) for k, v in final.__dict__.items()}
    if final.section_synonyms:
        data["section_synonyms"] = {heading: list(names) for heading, names in final.section_synonyms.items()}
    else:
        del data["section_synonyms"]
    if not final.code_system:
        del data["code_system"]
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)
    _replace_whole(directory / MANIFEST_FILE, text)
    return final


def write_cases(path: Path, cases: list[Case]) -> None:
    _replace_whole(path, "".join(json.dumps(case.to_json_dict(), ensure_ascii=False) + "\n" for case in cases))


def _replace_whole(path: Path, text: str) -> None:
    """Write ``text`` to a temporary file beside ``path`` and move it into place: a reader sees the old
    file or the new one, never half of one."""
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    try:
        with temporary.open("x", encoding="utf-8", newline="\n") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def to_hf_dataset(evalset: EvalSet) -> Any:
    """The set as a Hugging Face ``datasets.Dataset`` (one row per case), for notebooks."""
    import datasets

    rows = []
    for case in evalset.cases:
        row = case.to_json_dict()
        row["metadata"] = json.dumps(case.metadata, ensure_ascii=False, sort_keys=True)
        rows.append(row)
    features = datasets.Features({
        "id": datasets.Value("string"),
        "language": datasets.Value("string"),
        "source": datasets.Value("string"),
        "reference": datasets.Value("string"),
        "phi": datasets.List({"start": datasets.Value("int32"), "end": datasets.Value("int32"),
                              "label": datasets.Value("string")}),
        "metadata": datasets.Value("string"),
    })
    dataset = datasets.Dataset.from_list(rows, features=features)
    dataset.info.description = f"{evalset.name} v{evalset.manifest.version} ({evalset.content_hash()})"
    return dataset


def from_hf_dataset(dataset: Any, manifest: Manifest) -> EvalSet:
    """Back from a ``datasets.Dataset`` made by :func:`to_hf_dataset`; the content hash is preserved."""
    cases = []
    for index, row in enumerate(dataset):
        data = dict(row)
        metadata = data.get("metadata") or "{}"
        data["metadata"] = json.loads(metadata) if isinstance(metadata, str) else metadata
        cases.append(parse_case(data, f"dataset row {index}"))
    return EvalSet(manifest=manifest, cases=tuple(cases))
