"""Importing users' own data, validation that names every problem, and the HF datasets door."""

from __future__ import annotations

import csv
import json
import subprocess
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT, workbench_command
from workbench.data.evalset_import import ColumnMap, detect_language, import_cases, import_evalset
from workbench.data.evalset_tools import validate_evalset_dir
from workbench.data.evalsets import EvalSetError, from_hf_dataset, load_evalset, load_evalset_dir, to_hf_dataset

MTS = PROJECT_ROOT.parent / "shared" / "data" / "mts-dialog"
MTS_TRAIN = MTS / "MTS_Dataset_TrainingSet.csv"
MTS_MAP = ColumnMap(id="ID", source="dialogue", reference="section_text")

needs_mts = pytest.mark.skipif(not MTS_TRAIN.is_file(), reason=f"MTS-Dialog not found at {MTS}")


@needs_mts
def test_mts_dialog_training_set_imports_every_row_as_a_valid_set(isolated_cwd: Path) -> None:
    with MTS_TRAIN.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    completed = subprocess.run(
        workbench_command() + ["evalsets", "import", str(MTS_TRAIN), "--format", "csv", "--id-col", "ID",
                               "--source-col", "dialogue", "--reference-col", "section_text", "--name", "mts-train",
                               "--licence", "CC BY 4.0"],
        capture_output=True, text=True, timeout=300,
    )
    assert completed.returncode == 0, completed.stderr
    evalset = load_evalset("mts-train")  # found in ./evalsets of the working directory
    assert len(evalset.cases) == len(rows)
    assert [case.id for case in evalset.cases] == [row["ID"] for row in rows]
    assert all(case.source == row["dialogue"] and case.reference == row["section_text"]
               for case, row in zip(evalset.cases, rows))
    assert {case.language for case in evalset.cases} == {"en"}
    assert evalset.cases[0].metadata["section_header"] == rows[0]["section_header"]
    assert validate_evalset_dir(evalset.directory).ok
    validated = subprocess.run(workbench_command() + ["evalsets", "validate", "mts-train"],
                               capture_output=True, text=True, timeout=120)
    assert validated.returncode == 0 and f"{len(rows)} cases" in validated.stdout


@needs_mts
def test_missing_column_lists_the_columns_present(tmp_path: Path) -> None:
    with pytest.raises(EvalSetError, match=r"column 'note' \(given by --source-col\) not found; columns present: "
                                           r"ID, section_header, section_text, dialogue"):
        import_cases(MTS_TRAIN, "csv", ColumnMap(id="ID", source="note"))


def test_jsonl_in_the_case_format_keeps_spans_and_language(tmp_path: Path) -> None:
    source = "患者李四，电话13912345678。"
    path = tmp_path / "mine.jsonl"
    path.write_text(json.dumps({
        "id": "c1", "language": "zh", "source": source, "reference": "【主诉】无",
        "phi": [{"start": 2, "end": 4, "label": "NAME", "text": "李四"}, {"start": 7, "end": 18, "label": "PHONE"}],
    }, ensure_ascii=False) + "\n", encoding="utf-8")
    directory, manifest, cases = import_evalset(path, "jsonl", ColumnMap(id="id", source="source"), name="mine",
                                                out=tmp_path / "mine")
    assert cases[0].language == "zh" and cases[0].reference == "【主诉】无"
    assert [(s.start, s.end, s.label) for s in cases[0].phi] == [(2, 4, "NAME"), (7, 18, "PHONE")]
    assert manifest.default_prompt == "inpatient-summary-zh@1"
    assert validate_evalset_dir(directory).ok


def test_duplicate_ids_and_empty_sources_name_the_line(tmp_path: Path) -> None:
    path = tmp_path / "notes.csv"
    path.write_text("case,text\nA,Chest pain.\nB,\nA,Fever.\n", encoding="utf-8")
    with pytest.raises(EvalSetError, match=r"notes.csv:3: column 'text' is empty"):
        import_cases(path, "csv", ColumnMap(id="case", source="text"))
    path.write_text("case,text\nA,Chest pain.\nA,Fever.\n", encoding="utf-8")
    with pytest.raises(EvalSetError, match=r"notes.csv:3: column 'case': duplicate id 'A'"):
        import_cases(path, "csv", ColumnMap(id="case", source="text"))


def test_hf_dataset_on_disk_imports_and_round_trips(tmp_path: Path) -> None:
    evalset = load_evalset("smoke-zh")
    dataset = to_hf_dataset(evalset)
    assert dataset.num_rows == 4 and dataset[0]["phi"][0]["label"] == "NAME"
    assert from_hf_dataset(dataset, evalset.manifest).content_hash() == evalset.content_hash()
    dataset.save_to_disk(str(tmp_path / "saved"))
    cases = import_cases(tmp_path / "saved", "hf", ColumnMap(id="id", source="source", reference="reference"))
    assert [c.source for c in cases] == [c.source for c in evalset.cases]


def test_language_detection() -> None:
    assert detect_language("患者男，62岁，胸痛4小时，BP 150/90mmHg") == "zh"
    assert detect_language("Patient reports chest pain; 胸痛.") == "en"


def _write_set(directory: Path, lines: list[str], manifest_extra: str = "") -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "cases.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (directory / "manifest.yaml").write_text(
        "name: broken\nversion: '1'\nlanguage: en\ntask: summary\ndefault_prompt: clinical-summary-en@1\n" + manifest_extra,
        encoding="utf-8",
    )


def test_validate_lists_every_problem_with_file_line_and_field(tmp_path: Path) -> None:
    good = {"id": "a", "language": "en", "source": "Seen by Dr. Lee.", "reference": "", "phi": [{"start": 12, "end": 15, "label": "NAME"}]}
    lines = [
        json.dumps(good),
        "{not json",
        json.dumps({**good, "id": "b", "phi": [{"start": 12, "end": 40, "label": "NAME"}]}),
        json.dumps(good),
        json.dumps({**good, "id": "c", "phi": [{"start": 0, "end": 4, "label": "PATIENT"}]}),
        json.dumps({"id": "d", "language": "en", "reference": ""}),
    ]
    _write_set(tmp_path / "broken", lines, "num_cases: 9\ncontent_hash: sha256:0\n")
    report = validate_evalset_dir(tmp_path / "broken")
    text = "\n".join(report.problems)
    assert "cases.jsonl:2: invalid JSON" in text
    assert "cases.jsonl:3: field 'phi[0]': span 12-40 is outside the source text" in text
    assert "cases.jsonl:4: field 'id': duplicate id 'a' (first on line 1)" in text
    assert "cases.jsonl:5: field 'phi[0]': unknown label 'PATIENT'" in text
    assert "cases.jsonl:6: field 'source' is missing" in text
    completed = subprocess.run(workbench_command() + ["evalsets", "validate", str(tmp_path / "broken")],
                               capture_output=True, text=True, timeout=60)
    assert completed.returncode == 1 and "5 problem(s)" in completed.stderr


def test_validate_catches_a_manifest_out_of_step_with_its_cases(tmp_path: Path) -> None:
    good = {"id": "a", "language": "en", "source": "Chest pain.", "reference": "", "phi": []}
    _write_set(tmp_path / "stale", [json.dumps(good)], "num_cases: 2\ncontent_hash: sha256:abc\n")
    problems = "\n".join(validate_evalset_dir(tmp_path / "stale").problems)
    assert "manifest.yaml: field 'num_cases' says 2, cases.jsonl holds 1" in problems
    assert "manifest.yaml: field 'content_hash' says sha256:abc" in problems and "bump 'version'" in problems
    with pytest.raises(EvalSetError, match="num_cases"):
        load_evalset_dir(tmp_path / "stale")
