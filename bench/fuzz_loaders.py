"""Fuzz every loader of user input: each outcome must be a success or a ``WorkbenchError``.

Each loader starts from a valid file (a shipped set, prompt, a catalogue, predictions, an
import, a thresholds file) and is fed mutated copies: byte flips, truncation, deleted and
duplicated lines, misspelled keys, deep nesting, invalid UTF-8, NaN and Infinity, huge
numbers and fields, stray quotes, overlapping PHI spans, lone surrogates. Any exception
other than a ``WorkbenchError`` is a bug ("crash"), and so is a refusal whose message does
not name the file at fault ("unnamed"). The counts per loader are printed, then one
traceback per distinct crash.

    .venv/bin/python bench/fuzz_loaders.py [--cases 20000] [--seed 0] [--loader NAME ...]

``--cases`` is the total number of mutations, shared among the loaders by weight (listing
and Hugging Face imports are slow and get fewer). The exit status is 1 when anything crashed.
``tests/test_fuzz_loaders.py`` runs the same targets with a few hundred mutations each.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import json
import os
import random
import re
import shutil
import sys
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from workbench.errors import WorkbenchError

SHIPPED_SETS = Path(str(resources.files("workbench").joinpath("data/shipped/sets")))
SHIPPED_PROMPTS = Path(str(resources.files("workbench").joinpath("data/shipped/prompts")))
ENV_VARS = ("WORKBENCH_EVALSETS", "WORKBENCH_PROMPTS", "WORKBENCH_CATALOGUE", "WORKBENCH_RUNS_DIR")


# --- mutations ---------------------------------------------------------------------------------

KEY_PATTERN = re.compile(rb"(?<![A-Za-z_])[A-Za-z_]{3,40}(?=[\"']?[ \t]*:)")
JSON_VALUE_PATTERN = re.compile(rb':\s*("(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?|true|false|null)')
YAML_VALUE_PATTERN = re.compile(rb":[ \t]+([^\n]+)")
KNOWN_KEYS = (b"id", b"language", b"source", b"reference", b"phi", b"metadata", b"start", b"end", b"label",
              b"name", b"version", b"task", b"default_prompt", b"messages", b"role", b"content", b"models",
              b"backend", b"load_kwargs", b"max_concurrency", b"sampling", b"gates", b"min", b"max", b"prediction")
REPLACEMENT_VALUES = (
    b"NaN", b"Infinity", b"-Infinity", b"1e999", b"null", b"[]", b"{}", b"true", b'""', b"0", b"-1",
    b"123456789012345678901234567890", b"9" * 5000, b'"\\ud800"', b'"\\u0000"', b".nan", b".inf", b"~",
    b"*undefined_alias", b"!!python/object/apply:os.getcwd []", b"!!binary AAAA", b"2026-01-01",
)
INVALID_UTF8 = (b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xfe\xff", b"\x80\x80", b"\xf4\x90\x80\x80")
NESTING_DEPTHS = (65, 200, 1000, 5000, 100_000)
HUGE_FIELD_CHARS = (131_073, 300_000)


def _lines(data: bytes) -> list[bytes]:
    return data.splitlines(keepends=True)


def flip_byte(data: bytes, rng: random.Random) -> bytes:
    if not data:
        return bytes([rng.randrange(256)])
    at = rng.randrange(len(data))
    return data[:at] + bytes([rng.randrange(256)]) + data[at + 1:]


def truncate(data: bytes, rng: random.Random) -> bytes:
    return data[:rng.randrange(len(data) + 1)]


def delete_line(data: bytes, rng: random.Random) -> bytes:
    lines = _lines(data)
    if lines:
        del lines[rng.randrange(len(lines))]
    return b"".join(lines)


def duplicate_line(data: bytes, rng: random.Random) -> bytes:
    lines = _lines(data)
    if lines:
        at = rng.randrange(len(lines))
        lines.insert(rng.randrange(len(lines) + 1), lines[at])
    return b"".join(lines)


def _misspell(word: bytes, rng: random.Random) -> bytes:
    choice = rng.randrange(4)
    at = rng.randrange(len(word))
    if choice == 0:
        return word[:at] + word[at + 1:]  # refrence
    if choice == 1:
        return word[:at] + word[at:at + 1] * 2 + word[at + 1:]  # referrence
    if choice == 2 and len(word) > 1:
        at = min(at, len(word) - 2)
        return word[:at] + word[at + 1:at + 2] + word[at:at + 1] + word[at + 2:]  # refernece
    return rng.choice(KNOWN_KEYS)


def rename_key(data: bytes, rng: random.Random) -> bytes:
    matches = list(KEY_PATTERN.finditer(data))
    if not matches:  # a CSV header: misspell one of its names
        lines = _lines(data)
        if not lines:
            return data
        names = lines[0].split(b",")
        at = rng.randrange(len(names))
        if names[at].strip():
            names[at] = _misspell(names[at].strip(), rng) + names[at][len(names[at].rstrip()):]
        return b",".join(names) + b"".join(lines[1:])
    match = rng.choice(matches)
    return data[:match.start()] + _misspell(match.group(0), rng) + data[match.end():]


def replace_value(data: bytes, rng: random.Random) -> bytes:
    matches = list(JSON_VALUE_PATTERN.finditer(data)) or list(YAML_VALUE_PATTERN.finditer(data))
    value = rng.choice(REPLACEMENT_VALUES)
    if not matches:
        at = rng.randrange(len(data) + 1)
        return data[:at] + value + data[at:]
    match = rng.choice(matches)
    return data[:match.start(1)] + value + data[match.end(1):]


def deep_nesting(data: bytes, rng: random.Random) -> bytes:
    depth = rng.choice(NESTING_DEPTHS)
    opener, closer = rng.choice(((b"[", b"]"), (b'{"a":', b"}"), (b"[{\"k\":", b"}]")))
    nested = opener * depth + b"1" + closer * depth
    matches = list(JSON_VALUE_PATTERN.finditer(data)) or list(YAML_VALUE_PATTERN.finditer(data))
    if not matches:
        at = rng.randrange(len(data) + 1)
        return data[:at] + nested + data[at:]
    match = rng.choice(matches)
    return data[:match.start(1)] + nested + data[match.end(1):]


def invalid_utf8(data: bytes, rng: random.Random) -> bytes:
    at = rng.randrange(len(data) + 1)
    return data[:at] + rng.choice(INVALID_UTF8) + data[at:]


def huge_field(data: bytes, rng: random.Random) -> bytes:
    at = rng.randrange(len(data) + 1)
    return data[:at] + b"x" * rng.choice(HUGE_FIELD_CHARS) + data[at:]


def stray_quote(data: bytes, rng: random.Random) -> bytes:
    at = rng.randrange(len(data) + 1)
    return data[:at] + rng.choice((b'"', b"'", b'"\n', b"\\")) + data[at:]


def overlapping_phi(data: bytes, rng: random.Random) -> bytes:
    overlapping = b'{"start": 0, "end": 6, "label": "NAME"}, {"start": 3, "end": 9, "label": "NAME"}, '
    duplicated = b'{"start": 0, "end": 6, "label": "NAME"}, {"start": 0, "end": 6, "label": "DATE"}, '
    places = [match.end() for match in re.finditer(rb'"phi":\s*\[', data)]
    if not places:
        return data
    at = rng.choice(places)
    return data[:at] + rng.choice((overlapping, duplicated)) + data[at:]


def line_endings(data: bytes, rng: random.Random) -> bytes:
    choice = rng.randrange(4)
    if choice == 0:
        return data.replace(b"\n", b"\r\n")
    if choice == 1:
        return data.replace(b"\n", b"\r")
    if choice == 2:
        return b"\xef\xbb\xbf" + data
    at = rng.randrange(len(data) + 1)
    return data[:at] + b"\x00" + data[at:]


def empty(data: bytes, rng: random.Random) -> bytes:
    return rng.choice((b"", b"\n", b" ", b"null", b"[]", b"---\n", b"\xef\xbb\xbf"))


MUTATORS: tuple[Callable[[bytes, random.Random], bytes], ...] = (
    flip_byte, truncate, delete_line, duplicate_line, rename_key, rename_key, replace_value, replace_value,
    deep_nesting, invalid_utf8, huge_field, stray_quote, overlapping_phi, line_endings, empty,
)


def mutate(data: bytes, rng: random.Random) -> tuple[bytes, list[str]]:
    """One to three random mutations of ``data``, and their names."""
    names: list[str] = []
    for _ in range(rng.choice((1, 1, 1, 2, 3))):
        mutator = rng.choice(MUTATORS)
        data = mutator(data, rng)
        names.append(mutator.__name__)
    return data, names


# --- targets: one loader each --------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """A loader: the valid files it starts from (name -> bytes) and how it is called on a directory holding them."""

    name: str
    files: dict[str, bytes]
    call: Callable[[Path], object]
    weight: float = 1.0


def _smoke_cases() -> bytes:
    return (SHIPPED_SETS / "smoke-en" / "cases.jsonl").read_bytes()


def _smoke_manifest() -> bytes:
    return (SHIPPED_SETS / "smoke-en" / "manifest.yaml").read_bytes()


def _smoke_rows() -> list[dict[str, object]]:
    return [json.loads(line) for line in _smoke_cases().decode("utf-8").splitlines() if line.strip()]


def _csv_bytes(header: list[str], rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


CATALOGUE = b"""models:
  ward-server:
    backend: openai
    base_url: http://127.0.0.1:8000/v1
    model: Qwen/Qwen3-14B
    load_kwargs: {max_concurrency: 4}
    sampling: {temperature: 0.0, max_tokens: 600, stop: ["</s>"]}
  ward-script:
    backend: scripted
    model: echo-source
    context_length: 2048
    reasoning_tags: [["<think>", "</think>"]]
"""

THRESHOLDS = b"""gates:
  failure_rate: {max: 0.0}
  rougeL: {min: 0.3}
  latency_p95_s: {max: 30}
"""


def _check_listed(directory: Path) -> None:
    """The set must be listed, broken or not; one listed as broken counts as refused, with its problem."""
    from workbench.data.evalset_tools import list_evalsets

    listed = [item for item in list_evalsets() if item.directory == directory]
    if len(listed) != 1:
        raise AssertionError(f"{directory} is not listed exactly once by list_evalsets: {listed}")
    if listed[0].problem is not None:
        raise WorkbenchError(listed[0].problem)


def _load_evalset_dir(directory: Path) -> None:
    from workbench.data.evalset_tools import validate_evalset_dir
    from workbench.data.evalsets import load_evalset_dir

    validate_evalset_dir(directory)  # collects problems; never raises for bad content
    load_evalset_dir(directory)


def _cases(directory: Path) -> None:
    from workbench.data.evalsets import read_cases, read_jsonl_objects, scan_cases

    scan_cases(directory / "cases.jsonl")
    read_jsonl_objects(directory / "cases.jsonl")
    read_cases(directory / "cases.jsonl")


def _manifest(directory: Path) -> None:
    from workbench.data.evalsets import read_manifest

    read_manifest(directory / "manifest.yaml")


def _prompt(directory: Path) -> None:
    from workbench.data.prompts import load_prompts, parse_prompt_file

    parse_prompt_file(directory / "clinical-summary-en@1.yaml")
    load_prompts([directory])


def _catalogue(directory: Path) -> None:
    from workbench.models.catalogue import load_catalogue

    load_catalogue([directory / "models.yaml"])


def _predictions(name: str) -> Callable[[Path], None]:
    def call(directory: Path) -> None:
        from workbench.data.predictions import read_predictions

        read_predictions(directory / name)

    return call


def _import(name: str, fmt: str, id_col: str, source_col: str, reference_col: str) -> Callable[[Path], None]:
    def call(directory: Path) -> None:
        from workbench.data.evalset_import import ColumnMap, import_cases

        import_cases(directory / name, fmt, ColumnMap(id_col, source_col, reference_col))  # type: ignore[arg-type]

    return call


def _thresholds(directory: Path) -> None:
    from workbench.report.build import load_thresholds

    load_thresholds(directory / "thresholds.yaml")


def _hf_files(workdir: Path) -> dict[str, bytes]:
    """A small dataset saved by ``save_to_disk`` (arrow + two JSON files) and as parquet."""
    import datasets

    rows = [{"note_id": str(row["id"]), "text": str(row["source"]), "summary": str(row["reference"])} for row in _smoke_rows()]
    dataset = datasets.Dataset.from_list(rows)
    saved = workdir / "hf-seed"
    dataset.save_to_disk(str(saved))
    dataset.to_parquet(str(workdir / "hf-seed.parquet"))
    files = {f"ds/{path.name}": path.read_bytes() for path in sorted(saved.iterdir()) if path.is_file()}
    files["notes.parquet"] = (workdir / "hf-seed.parquet").read_bytes()
    return files


def _hf_import(directory: Path) -> None:
    from workbench.data.evalset_import import ColumnMap, import_cases

    mapping = ColumnMap("note_id", "text", "summary")
    import_cases(directory / "ds", "hf", mapping)
    import_cases(directory / "notes.parquet", "hf", mapping)


def build_targets(workdir: Path, names: list[str] | None = None) -> list[Target]:
    """Every target (or those named); ``workdir`` holds seed files that need building."""
    rows = _smoke_rows()
    predictions_csv = _csv_bytes(
        ["id", "prediction"],
        [[str(row["id"]), f"<think>short</think>Chief Complaint:\n{str(row['reference'])[:200]}"] for row in rows])
    predictions_jsonl = b"".join(
        json.dumps({"id": row["id"], "prediction": str(row["reference"])[:300]}, ensure_ascii=False).encode("utf-8") + b"\n"
        for row in rows)
    notes_csv = _csv_bytes(["note_id", "text", "summary", "department"],
                           [[str(row["id"]), str(row["source"]), str(row["reference"]), "ED"] for row in rows])
    prompt = (SHIPPED_PROMPTS / "clinical-summary-en@1.yaml").read_bytes()
    targets = [
        Target("cases", {"cases.jsonl": _smoke_cases()}, _cases),
        Target("manifest", {"manifest.yaml": _smoke_manifest()}, _manifest),
        Target("evalset_dir", {"cases.jsonl": _smoke_cases(), "manifest.yaml": _smoke_manifest()}, _load_evalset_dir),
        Target("evalset_list", {"cases.jsonl": _smoke_cases(), "manifest.yaml": _smoke_manifest()}, _check_listed, 0.15),
        Target("prompt", {"clinical-summary-en@1.yaml": prompt}, _prompt),
        Target("catalogue", {"models.yaml": CATALOGUE}, _catalogue),
        Target("predictions_csv", {"predictions.csv": predictions_csv}, _predictions("predictions.csv")),
        Target("predictions_jsonl", {"predictions.jsonl": predictions_jsonl}, _predictions("predictions.jsonl")),
        Target("import_csv", {"notes.csv": notes_csv}, _import("notes.csv", "csv", "note_id", "text", "summary")),
        Target("import_jsonl", {"cases.jsonl": _smoke_cases()}, _import("cases.jsonl", "jsonl", "id", "source", "reference")),
        Target("thresholds", {"thresholds.yaml": THRESHOLDS}, _thresholds),
    ]
    if names is None or "import_hf" in names:
        targets.append(Target("import_hf", _hf_files(workdir), _hf_import, 0.1))
    if names is not None:
        unknown = set(names) - {target.name for target in targets}
        if unknown:
            raise SystemExit(f"unknown loader(s): {', '.join(sorted(unknown))}")
        targets = [target for target in targets if target.name in names]
    return targets


# --- running -------------------------------------------------------------------------------------


@dataclass
class LoaderOutcome:
    counts: Counter[str] = field(default_factory=Counter)
    crashes: dict[str, str] = field(default_factory=dict)  # signature -> one traceback (with the mutations)
    seconds: float = 0.0

    @property
    def failures(self) -> int:
        return sum(n for key, n in self.counts.items() if key not in ("ok", "refused"))


def _signature(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    inside = [frame for frame in frames if "/workbench/" in frame.filename] or frames
    last = inside[-1] if inside else None
    where = f"{Path(last.filename).name}:{last.lineno} {last.name}" if last else "?"
    return f"{type(exc).__name__} at {where}"


def run_target(target: Target, count: int, rng: random.Random, workdir: Path) -> LoaderOutcome:
    """``count`` mutated copies of the target's files, each loaded once."""
    outcome = LoaderOutcome()
    started = time.perf_counter()
    directory = workdir / f"fz-{target.name}"
    for _ in range(count):
        shutil.rmtree(directory, ignore_errors=True)
        directory.mkdir(parents=True)
        victim = rng.choice(sorted(target.files))
        mutations: list[str] = []
        for name, data in target.files.items():
            if name == victim:
                data, mutations = mutate(data, rng)
            (directory / name).parent.mkdir(parents=True, exist_ok=True)
            (directory / name).write_bytes(data)
        try:
            target.call(directory)
        except WorkbenchError as exc:
            if str(directory) in str(exc):
                outcome.counts["refused"] += 1
            else:
                outcome.counts["unnamed"] += 1
                outcome.crashes.setdefault(f"unnamed: {str(exc)[:160]}", f"mutations of {victim}: {mutations}\n{exc}\n")
        except Exception as exc:  # every other exception is a bug: that is what this counts
            outcome.counts["crash"] += 1
            outcome.crashes.setdefault(
                _signature(exc), f"mutations of {victim}: {mutations}\n" + "".join(traceback.format_exception(exc))[-3000:])
        else:
            outcome.counts["ok"] += 1
    shutil.rmtree(directory, ignore_errors=True)
    outcome.seconds = time.perf_counter() - started
    return outcome


@contextlib.contextmanager
def isolated(workdir: Path) -> Iterator[None]:
    """Run in ``workdir`` with no WORKBENCH_* variables but the listing's, and a private datasets cache."""
    saved_env = {name: os.environ.get(name) for name in (*ENV_VARS, "HF_DATASETS_CACHE")}
    saved_cwd = Path.cwd()
    try:
        for name in ENV_VARS:
            os.environ.pop(name, None)
        os.environ["WORKBENCH_EVALSETS"] = str(workdir)  # the listing target's set lives here
        os.environ["HF_DATASETS_CACHE"] = str(workdir / "hf-cache")
        os.chdir(workdir)
        yield
    finally:
        os.chdir(saved_cwd)
        for name, value in saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def fuzz(total: int, seed: int, workdir: Path, names: list[str] | None = None) -> dict[str, LoaderOutcome]:
    """About ``total`` mutations shared among the targets by weight; a fixed seed gives the same inputs."""
    with isolated(workdir):
        targets = build_targets(workdir, names)
        weights = sum(target.weight for target in targets)
        results: dict[str, LoaderOutcome] = {}
        for target in targets:
            count = max(1, round(total * target.weight / weights))
            results[target.name] = run_target(target, count, random.Random(f"{seed}:{target.name}"), workdir)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=20000, help="total mutations over all loaders (default 20000)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--loader", action="append", help="only this loader (repeatable)")
    args = parser.parse_args()
    sys.setrecursionlimit(1000)  # the interpreter's default, whatever a library set
    with tempfile.TemporaryDirectory(prefix="fuzz-loaders-") as temporary:
        results = fuzz(args.cases, args.seed, Path(temporary), args.loader)
    print(f"{'loader':<18}{'cases':>7}{'ok':>7}{'refused':>9}{'crash':>7}{'unnamed':>9}{'seconds':>9}")
    for name, outcome in results.items():
        counts = outcome.counts
        print(f"{name:<18}{sum(counts.values()):>7}{counts['ok']:>7}{counts['refused']:>9}{counts['crash']:>7}"
              f"{counts['unnamed']:>9}{outcome.seconds:>9.1f}")
    failures = sum(outcome.failures for outcome in results.values())
    print(f"tracebacks and unnamed refusals: {failures}")
    for name, outcome in results.items():
        for signature, text in outcome.crashes.items():
            print(f"\n=== {name}: {signature}\n{text}")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
