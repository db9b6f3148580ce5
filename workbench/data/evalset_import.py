"""Import users' own data (CSV, JSONL, Hugging Face datasets saved on disk) as an evaluation set."""

from __future__ import annotations

import difflib
import hashlib
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Literal

from workbench.data.evalsets import (
    CASE_FIELDS, LANGUAGES, Case, EvalSetError, Manifest, parse_case, read_jsonl_objects, write_cases, write_manifest,
)
from workbench.data.input_checks import read_csv_rows

ImportFormat = Literal["csv", "jsonl", "hf"]
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
DEFAULT_PROMPTS = {"zh": "inpatient-summary-zh@1", "en": "clinical-summary-en@1"}


@dataclass(frozen=True)
class ColumnMap:
    id: str
    source: str
    reference: str | None = None


def detect_language(text: str) -> Literal["zh", "en"]:
    """'zh' when Han characters make up at least a tenth of the letters, else 'en'."""
    letters = sum(1 for char in text if char.isalpha())
    han = len(HAN.findall(text))
    return "zh" if letters and han / letters >= 0.1 else "en"


def _rows_from_csv(path: Path) -> tuple[list[str], Iterator[tuple[str, dict[str, Any]]]]:
    # Strict CSV: invalid UTF-8, a quote left open, a field over 10 MiB or a row whose number of fields
    # differs from the header's is an error naming the line (see workbench.data.input_checks).
    # The line is where the row ended (rows may span lines).
    columns, rows = read_csv_rows(path, EvalSetError)
    return columns, iter(rows)


def _rows_from_jsonl(path: Path) -> tuple[list[str], Iterator[tuple[str, dict[str, Any]]]]:
    decoded = read_jsonl_objects(path)
    columns = list(dict.fromkeys(key for _, row in decoded for key in row))
    return columns, iter(decoded)


def _rows_from_hf(path: Path, split: str | None) -> tuple[list[str], Iterator[tuple[str, dict[str, Any]]]]:
    import datasets

    if not (path.is_dir() or path.suffix in (".parquet", ".arrow")):
        raise EvalSetError(f"{path}: --format hf takes a directory written by save_to_disk, or a .parquet or .arrow file")
    try:
        if path.is_dir():
            loaded = datasets.load_from_disk(str(path))
        elif path.suffix == ".parquet":
            loaded = datasets.Dataset.from_parquet(str(path))
        else:
            loaded = datasets.Dataset.from_file(str(path))
        if isinstance(loaded, datasets.DatasetDict):
            chosen = split or ("train" if "train" in loaded else next(iter(loaded)))
            if chosen not in loaded:
                raise EvalSetError(f"{path}: no split '{chosen}'; splits: {', '.join(loaded)}")
            loaded = loaded[chosen]
        columns = list(loaded.column_names)
        rows = [(f"{path}: row {index}", dict(row)) for index, row in enumerate(loaded)]
    except EvalSetError:
        raise
    except ImportError:
        raise  # a missing library is the installation's problem, not the file's
    except Exception as exc:  # datasets and pyarrow raise many kinds of error for a damaged file
        cause: BaseException = exc
        while cause.__cause__ is not None:  # datasets wraps the reader's own error
            cause = cause.__cause__
        detail = str(cause) if len(str(cause)) <= 300 else str(cause)[:300] + "..."
        raise EvalSetError(f"{path}: cannot be read as a Hugging Face dataset ({type(cause).__name__}: {detail})") from exc
    return columns, iter(rows)


def _require_columns(path: Path, columns: list[str], mapping: ColumnMap) -> None:
    for option, column in (("--id-col", mapping.id), ("--source-col", mapping.source), ("--reference-col", mapping.reference)):
        if column is not None and column not in columns:
            raise EvalSetError(
                f"{path}: column '{column}' (given by {option}) not found; columns present: {', '.join(columns) or 'none'}"
            )


def _is_case_record(row: dict[str, Any]) -> bool:
    return {"id", "language", "source"} <= set(row)


def import_cases(path: Path, fmt: ImportFormat, mapping: ColumnMap, *, language: str | None = None,
                 split: str | None = None) -> list[Case]:
    """Read ``path`` into cases; every problem names the file and line (or row) and the field."""
    if not path.exists():
        raise EvalSetError(f"{path}: file not found")
    if language is not None and language not in LANGUAGES:
        raise EvalSetError(f"--language must be one of {', '.join(LANGUAGES)}, got {language!r}")
    if fmt == "csv":
        columns, rows = _rows_from_csv(path)
    elif fmt == "jsonl":
        columns, rows = _rows_from_jsonl(path)
    elif fmt == "hf":
        columns, rows = _rows_from_hf(path, split)
    else:
        raise EvalSetError(f"--format must be csv, jsonl or hf, got {fmt!r}")
    _require_columns(path, columns, mapping)
    cases: list[Case] = []
    seen: dict[str, str] = {}
    for where, row in rows:
        case = _case_from_row(row, where, mapping, language, keep_case_fields=(fmt == "jsonl" and _is_case_record(row)))
        if case.id in seen:
            raise EvalSetError(f"{where}: column '{mapping.id}': duplicate id {case.id!r} (first at {seen[case.id]})")
        seen[case.id] = where
        cases.append(case)
    if not cases:
        raise EvalSetError(f"{path}: no rows to import")
    return cases


def _case_from_row(row: dict[str, Any], where: str, mapping: ColumnMap, language: str | None,
                   keep_case_fields: bool) -> Case:
    raw_id = row.get(mapping.id)
    if raw_id is None or str(raw_id).strip() == "":
        raise EvalSetError(f"{where}: column '{mapping.id}' is empty")
    source = row.get(mapping.source)
    if not isinstance(source, str) or not source.strip():
        raise EvalSetError(f"{where}: column '{mapping.source}' is empty")
    reference = row.get(mapping.reference, "") if mapping.reference else row.get("reference", "") if keep_case_fields else ""
    if reference is None:
        reference = ""
    if not isinstance(reference, str):
        raise EvalSetError(f"{where}: column '{mapping.reference}' must be text")
    data: dict[str, Any] = {
        "id": str(raw_id).strip(),
        "source": source,
        "reference": reference,
        "language": language or detect_language(source),
    }
    if keep_case_fields:
        # A file already in the case format keeps its language and gold PHI spans;
        # extra keys in a span (such as "text") are dropped, and so are other keys of the record,
        # unless one looks like a misspelled case field ("refrence").
        for key in row:
            close = difflib.get_close_matches(str(key), [name for name in CASE_FIELDS if name not in row], n=1)
            if key not in CASE_FIELDS and close:
                raise EvalSetError(f"{where}: unknown field '{key}'; did you mean '{close[0]}'?")
        data["language"] = row.get("language", data["language"])
        data["phi"] = [
            {"start": span.get("start"), "end": span.get("end"), "label": span.get("label")}
            if isinstance(span, dict) else span
            for span in (row.get("phi") or [])
        ]
        if isinstance(row.get("metadata"), dict):
            data["metadata"] = row["metadata"]
    else:
        used = {mapping.id, mapping.source, mapping.reference}
        # A float that is not finite (NaN marks a missing value in parquet and pandas) is left out like "".
        extra = {k: v for k, v in row.items() if k not in used and isinstance(v, (str, int, float, bool)) and v != ""
                 and not (isinstance(v, float) and not math.isfinite(v))}
        if extra:
            data["metadata"] = extra
    return parse_case(data, where)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for item in files:
        with item.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def import_evalset(path: Path, fmt: ImportFormat, mapping: ColumnMap, *, name: str, version: str = "1",
                   language: str | None = None, out: Path | None = None, split: str | None = None,
                   licence: str = "", description: str = "", default_prompt: str | None = None,
                   required_sections: tuple[str, ...] = ()) -> tuple[Path, Manifest, list[Case]]:
    """Import ``path`` and write ``cases.jsonl`` and ``manifest.yaml`` into ``out`` (default ./evalsets/NAME)."""
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", name):
        raise EvalSetError(f"--name {name!r}: use letters, digits, '.', '_' and '-' only")
    cases = import_cases(path, fmt, mapping, language=language, split=split)
    languages = sorted({case.language for case in cases})
    directory = out or (Path.cwd() / "evalsets" / name)
    directory.mkdir(parents=True, exist_ok=True)
    manifest = Manifest(
        name=name, version=str(version), language=",".join(languages), task="summary",
        default_prompt=default_prompt or DEFAULT_PROMPTS[languages[0]],
        description=description or f"Imported from {path.name}",
        licence=licence,
        provenance=(f"Imported from {path.name} (sha256 {file_sha256(path)}) with id={mapping.id}, "
                    f"source={mapping.source}, reference={mapping.reference or '-'}"),
        required_sections=tuple(required_sections),
    )
    write_cases(directory / "cases.jsonl", cases)
    final = write_manifest(directory, manifest, cases)
    return directory, final, cases
