"""Bad input never crashes a loader: each case below once ended in a traceback, a hang or silent
acceptance, and must now be a ``WorkbenchError`` naming the file, the line where one is known,
and the field (with the closest known field for a misspelled key)."""

from __future__ import annotations

import csv
import io
import json
import shutil
from importlib import resources
from pathlib import Path

import pytest

from workbench.data.evalset_import import ColumnMap, import_cases
from workbench.data.evalset_tools import list_evalsets, validate_evalset_dir
from workbench.data.evalsets import EvalSetError, load_evalset_dir, read_cases, read_manifest, scan_cases
from workbench.data.input_checks import MAX_CSV_FIELD_CHARS
from workbench.data.predictions import read_predictions
from workbench.data.prompts import PromptError, parse_prompt_file
from workbench.models.catalogue import CatalogueError, load_catalogue
from workbench.report.build import ReportError, load_thresholds

SMOKE = Path(str(resources.files("workbench").joinpath("data/shipped/sets/smoke-en")))
PROMPT = Path(str(resources.files("workbench").joinpath("data/shipped/prompts/clinical-summary-en@1.yaml")))
CASE = {"id": "a", "language": "en", "source": "Seen by Dr. Lee on 03/14.", "reference": "Seen.",
        "phi": [{"start": 12, "end": 15, "label": "NAME"}]}


def _case_line(**changes: object) -> str:
    return json.dumps({**CASE, **changes})


def _copy_smoke(directory: Path) -> Path:
    directory.mkdir(parents=True)
    for name in ("cases.jsonl", "manifest.yaml"):
        shutil.copy(SMOKE / name, directory / name)
    return directory


def _break_line(path: Path, line: int, bad: bytes = b"\xff\xfe") -> None:
    lines = path.read_bytes().splitlines(keepends=True)
    lines[line - 1] = lines[line - 1][:20] + bad + lines[line - 1][20:]
    path.write_bytes(b"".join(lines))


# --- invalid UTF-8 -------------------------------------------------------------------------------


def test_a_non_utf8_set_is_listed_as_broken_naming_file_and_line(isolated_cwd: Path) -> None:
    from typer.testing import CliRunner

    from workbench import cli

    broken = _copy_smoke(isolated_cwd / "evalsets" / "broken-set")
    _break_line(broken / "cases.jsonl", 3)
    listing = {item.name: item for item in list_evalsets()}
    assert listing["broken-set"].problem is not None
    assert f"{broken / 'cases.jsonl'}:3: not valid UTF-8" in listing["broken-set"].problem
    assert listing["smoke-en"].problem is None  # the other sets are still listed
    result = CliRunner().invoke(cli.app, ["evalsets", "list"])
    assert result.exit_code == 0, result.output
    assert "broken-set" in result.output and "INVALID" in result.output
    report = validate_evalset_dir(broken)  # the other lines are still checked
    assert [problem for problem in report.problems if "UTF-8" in problem] == [
        f"{broken / 'cases.jsonl'}:3: not valid UTF-8 (byte 0xff at column 21); save the file as UTF-8"]
    assert report.cases == 3


def test_a_non_utf8_manifest_names_file_and_line(tmp_path: Path) -> None:
    directory = _copy_smoke(tmp_path / "set")
    _break_line(directory / "manifest.yaml", 6)  # description:
    with pytest.raises(EvalSetError, match=r"manifest\.yaml:6: not valid UTF-8 \(byte 0xff at column 21\)"):
        read_manifest(directory / "manifest.yaml")
    listed = validate_evalset_dir(directory)
    assert any("manifest.yaml:6: not valid UTF-8" in problem for problem in listed.problems)


def test_non_utf8_prompts_catalogues_predictions_and_thresholds_name_file_and_line(tmp_path: Path) -> None:
    prompt = tmp_path / PROMPT.name
    prompt.write_bytes(PROMPT.read_bytes().replace(b"Structured", b"Struct\xe9ured"))
    with pytest.raises(PromptError, match=rf"{prompt.name}:6: not valid UTF-8 \(byte 0xe9"):
        parse_prompt_file(prompt)
    catalogue = tmp_path / "models.yaml"
    catalogue.write_bytes(b"models:\n  m:\n    backend: scripted\n    model: echo-source\n    description: caf\xe9\n")
    with pytest.raises(CatalogueError, match=r"models\.yaml:5: not valid UTF-8"):
        load_catalogue([catalogue])
    predictions = tmp_path / "predictions.csv"
    predictions.write_bytes(b"id,prediction\na,fine\nb,caf\xe9\n")
    with pytest.raises(EvalSetError, match=r"predictions\.csv:3: not valid UTF-8"):
        read_predictions(predictions)
    jsonl = tmp_path / "predictions.jsonl"
    jsonl.write_bytes(b'{"id": "a", "prediction": "fine"}\n{"id": "b", "prediction": "caf\xe9"}\n')
    with pytest.raises(EvalSetError, match=r"predictions\.jsonl:2: not valid UTF-8"):
        read_predictions(jsonl)
    thresholds = tmp_path / "gates.yaml"
    thresholds.write_bytes(b"gates:\n  failure_rate: {max: 0}  # \xff\n")
    with pytest.raises(ReportError, match=r"gates\.yaml:2: not valid UTF-8"):
        load_thresholds(thresholds)
    notes = tmp_path / "notes.csv"
    notes.write_bytes(b"note_id,text\n1,Seen today.\n2,Seen \xff today.\n")
    with pytest.raises(EvalSetError, match=r"notes\.csv:3: not valid UTF-8"):
        import_cases(notes, "csv", ColumnMap("note_id", "text"))


# --- nesting, numbers, text ------------------------------------------------------------------------


@pytest.mark.parametrize("depth", [65, 100_000])
def test_deep_json_nesting_is_refused_with_file_and_line(tmp_path: Path, depth: int) -> None:
    path = tmp_path / "cases.jsonl"
    nested = "[" * depth + "1" + "]" * depth
    path.write_text(_case_line(id="a") + "\n" + _case_line(id="b")[:-1] + f', "metadata": {{"x": {nested}}}}}\n',
                    encoding="utf-8")
    with pytest.raises(EvalSetError, match=r"cases\.jsonl:2: .*nested deeper than 64 levels"):
        read_cases(path)
    predictions = tmp_path / "predictions.jsonl"
    predictions.write_text('{"id": "a", "prediction": ' + nested + "}\n", encoding="utf-8")
    with pytest.raises(EvalSetError, match=r"predictions\.jsonl:1: .*nested deeper than 64 levels"):
        read_predictions(predictions)


def test_deep_yaml_nesting_is_refused_quickly_in_every_yaml_loader(tmp_path: Path) -> None:
    nested = "[" * 5000 + "1" + "]" * 5000
    directory = _copy_smoke(tmp_path / "set")
    with (directory / "manifest.yaml").open("a", encoding="utf-8") as handle:
        handle.write(f"description: {nested}\n")
    with pytest.raises(EvalSetError, match=r"manifest\.yaml:\d+: .*nested deeper than 64 levels"):
        read_manifest(directory / "manifest.yaml")
    prompt = tmp_path / PROMPT.name
    prompt.write_text(PROMPT.read_text(encoding="utf-8") + f"\nextra: {nested}\n", encoding="utf-8")
    with pytest.raises(PromptError, match=r"nested deeper than 64 levels"):
        parse_prompt_file(prompt)
    catalogue = tmp_path / "models.yaml"
    catalogue.write_text(f"models:\n  m:\n    backend: scripted\n    model: echo-source\n    load_kwargs: {{x: {nested}}}\n",
                         encoding="utf-8")
    with pytest.raises(CatalogueError, match=r"models\.yaml:5: .*nested deeper than 64 levels"):
        load_catalogue([catalogue])
    thresholds = tmp_path / "gates.yaml"
    thresholds.write_text(f"failure_rate: {nested}\n", encoding="utf-8")
    with pytest.raises(ReportError, match=r"gates\.yaml:1: .*nested deeper than 64 levels"):
        load_thresholds(thresholds)


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_nan_and_infinity_in_json_are_refused(tmp_path: Path, value: str) -> None:
    path = tmp_path / "cases.jsonl"
    path.write_text(_case_line()[:-1] + f', "metadata": {{"weight": {value}}}}}\n', encoding="utf-8")
    with pytest.raises(EvalSetError, match=rf"cases\.jsonl:1: invalid JSON \({value} is not a finite number"):
        read_cases(path)


def test_lone_surrogates_and_huge_integers_are_refused(tmp_path: Path) -> None:
    directory = _copy_smoke(tmp_path / "set")
    lines = (directory / "cases.jsonl").read_text(encoding="utf-8").splitlines()
    case = json.loads(lines[1])
    case["metadata"]["ward"] = "SURROGATE"
    lines[1] = json.dumps(case).replace('"SURROGATE"', '"\\ud800"')  # json.dumps cannot write one itself
    (directory / "cases.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(EvalSetError, match=r"cases\.jsonl:2: .*lone surrogate"):
        load_evalset_dir(directory)  # once a UnicodeEncodeError while hashing
    path = tmp_path / "cases.jsonl"
    path.write_text(_case_line()[:-1] + ', "metadata": {"n": ' + "9" * 5000 + "}}\n", encoding="utf-8")
    with pytest.raises(EvalSetError, match=r"cases\.jsonl:1: invalid JSON \(Exceeds the limit"):
        read_cases(path)


# --- PHI spans -------------------------------------------------------------------------------------


def test_overlapping_and_repeated_phi_spans_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "cases.jsonl"
    overlapping = [{"start": 12, "end": 15, "label": "NAME"}, {"start": 14, "end": 24, "label": "DATE"}]
    path.write_text(_case_line(phi=overlapping) + "\n", encoding="utf-8")
    with pytest.raises(EvalSetError, match=r"cases\.jsonl:1: field 'phi\[1\]': span 14-24 overlaps phi\[0\] 12-15"):
        read_cases(path)
    repeated = [{"start": 12, "end": 15, "label": "NAME"}, {"start": 12, "end": 15, "label": "OTHER"}]
    path.write_text(_case_line(phi=repeated) + "\n", encoding="utf-8")
    with pytest.raises(EvalSetError, match=r"cases\.jsonl:1: field 'phi\[1\]': span 12-15 repeats phi\[0\] 12-15"):
        read_cases(path)
    adjacent = [{"start": 19, "end": 24, "label": "DATE"}, {"start": 12, "end": 15, "label": "NAME"}]
    path.write_text(_case_line(phi=adjacent) + "\n", encoding="utf-8")
    assert [span.start for span in read_cases(path)[0].phi] == [12, 19]  # sorted, and not overlapping


# --- misspelled keys -------------------------------------------------------------------------------


def test_misspelled_case_and_span_fields_suggest_the_known_one(tmp_path: Path) -> None:
    path = tmp_path / "cases.jsonl"
    data = {k: v for k, v in CASE.items() if k != "reference"} | {"refrence": "Seen."}
    path.write_text(_case_line() + "\n" + json.dumps(data) + "\n", encoding="utf-8")
    with pytest.raises(EvalSetError, match=r"cases\.jsonl:2: unknown field 'refrence'; did you mean 'reference'\?"):
        read_cases(path)
    path.write_text(_case_line(phi=[{"start": 12, "end": 15, "lable": "NAME"}]) + "\n", encoding="utf-8")
    with pytest.raises(EvalSetError, match=r"cases\.jsonl:1: unknown field 'phi\[0\]\.lable'; did you mean 'label'\?"):
        read_cases(path)
    cases, problems = scan_cases(path)
    assert not cases and len(problems) == 1
    jsonl = tmp_path / "import.jsonl"
    jsonl.write_text(json.dumps(data) + "\n", encoding="utf-8")
    with pytest.raises(EvalSetError, match=r"import\.jsonl:1: unknown field 'refrence'; did you mean 'reference'\?"):
        import_cases(jsonl, "jsonl", ColumnMap("id", "source"))


def test_misspelled_manifest_prompt_catalogue_and_gate_keys_suggest_the_known_one(tmp_path: Path) -> None:
    directory = _copy_smoke(tmp_path / "set")
    manifest = directory / "manifest.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace("licence:", "license:"), encoding="utf-8")
    with pytest.raises(EvalSetError, match=r"manifest\.yaml: unknown field 'license'; did you mean 'licence'\?"):
        read_manifest(manifest)
    prompt = tmp_path / PROMPT.name
    prompt.write_text(PROMPT.read_text(encoding="utf-8").replace("description:", "descripton:")
                      .replace("  - role: user", "  - rol: user"), encoding="utf-8")
    with pytest.raises(PromptError) as raised:
        parse_prompt_file(prompt)
    assert "unknown field 'descripton'; did you mean 'description'?" in str(raised.value)
    assert "unknown field 'messages.1.rol'; did you mean 'role'?" in str(raised.value)
    catalogue = tmp_path / "models.yaml"
    catalogue.write_text("models:\n  m:\n    backend: scripted\n    model: echo-source\n    contex_length: 2048\n"
                         "    sampling: {temprature: 0.2}\n", encoding="utf-8")
    with pytest.raises(CatalogueError) as raised:
        load_catalogue([catalogue])
    assert "models.m.contex_length: unknown field; did you mean 'context_length'?" in str(raised.value)
    assert "models.m.sampling.temprature: unknown field; did you mean 'temperature'?" in str(raised.value)
    catalogue.write_text("modles:\n  m: {backend: scripted, model: echo-source}\n", encoding="utf-8")
    with pytest.raises(CatalogueError, match=r"unknown field 'modles'; did you mean 'models'\?"):
        load_catalogue([catalogue])
    thresholds = tmp_path / "gates.yaml"
    thresholds.write_text("failure_rate: {mxa: 0}\n", encoding="utf-8")
    with pytest.raises(ReportError, match=r"gates\.yaml: gate 'failure_rate': unknown key\(s\) mxa; did you mean 'max'\?"):
        load_thresholds(thresholds)
    thresholds.write_text("gate:\n  failure_rate: {max: 0}\n", encoding="utf-8")
    with pytest.raises(ReportError, match=r"gates\.yaml: unknown key 'gate'; did you mean 'gates'\?"):
        load_thresholds(thresholds)


# --- CSV -------------------------------------------------------------------------------------------


def _csv(rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


def test_csv_fields_longer_than_the_csv_default_are_read_up_to_the_documented_maximum(tmp_path: Path) -> None:
    long_note = "Seen today. " * 20_000  # 240,000 characters: over the csv module's 131,072
    notes = tmp_path / "notes.csv"
    notes.write_text(_csv([["note_id", "text"], ["1", "Short note."], ["2", long_note]]), encoding="utf-8")
    assert import_cases(notes, "csv", ColumnMap("note_id", "text"))[1].source == long_note
    predictions = tmp_path / "predictions.csv"
    predictions.write_text(_csv([["id", "prediction"], ["a", long_note]]), encoding="utf-8")
    assert read_predictions(predictions).outputs["a"] == long_note
    notes.write_text(_csv([["note_id", "text"], ["1", "Short note."], ["2", "x" * (MAX_CSV_FIELD_CHARS + 1)]]),
                     encoding="utf-8")
    with pytest.raises(EvalSetError, match=r"notes\.csv:3: a field is longer than 10,485,760 characters"):
        import_cases(notes, "csv", ColumnMap("note_id", "text"))


def test_an_unterminated_csv_quote_is_refused_naming_its_line(tmp_path: Path) -> None:
    notes = tmp_path / "notes.csv"
    notes.write_text('note_id,text\n1,Seen today.\n2,"Seen with chest pain\n3,Seen for review.\n4,Follow-up.\n',
                     encoding="utf-8")
    with pytest.raises(EvalSetError, match=r"notes\.csv:3: a quoted field opened on this line is never closed"):
        import_cases(notes, "csv", ColumnMap("note_id", "text"))  # once: three notes merged into one source
    predictions = tmp_path / "predictions.csv"
    predictions.write_text('id,prediction\na,"Chief Complaint: pain\nb,Chief Complaint: cough\n', encoding="utf-8")
    with pytest.raises(EvalSetError, match=r"predictions\.csv:2: a quoted field opened on this line is never closed"):
        read_predictions(predictions)
    notes.write_text('note_id,text\n1,"Seen" today\n', encoding="utf-8")
    with pytest.raises(EvalSetError, match=r"notes\.csv:2: not valid CSV"):
        import_cases(notes, "csv", ColumnMap("note_id", "text"))
    notes.write_text('note_id,text\n1,Seen today.,extra\n', encoding="utf-8")
    with pytest.raises(EvalSetError, match=r"notes\.csv:2: the row has 3 fields, the header has 2"):
        import_cases(notes, "csv", ColumnMap("note_id", "text"))


def test_a_multiline_quoted_csv_field_is_still_one_note(tmp_path: Path) -> None:
    notes = tmp_path / "notes.csv"
    notes.write_text(_csv([["note_id", "text"], ["1", "Line one.\nLine two, with a comma."], ["2", "Seen."]]),
                     encoding="utf-8")
    cases = import_cases(notes, "csv", ColumnMap("note_id", "text"))
    assert [case.source for case in cases] == ["Line one.\nLine two, with a comma.", "Seen."]


# --- catalogue -------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["0", "-1", "'4'", "true", "1.5"])
def test_max_concurrency_below_one_or_not_a_whole_number_is_refused(tmp_path: Path, value: str) -> None:
    catalogue = tmp_path / "models.yaml"
    catalogue.write_text("models:\n  ward:\n    backend: openai\n    base_url: http://127.0.0.1:8000/v1\n"
                         f"    model: m\n    load_kwargs: {{max_concurrency: {value}}}\n", encoding="utf-8")
    with pytest.raises(CatalogueError, match=r"models\.yaml: models\.ward\.load_kwargs\.max_concurrency: must be a whole "
                                             r"number of at least 1"):
        load_catalogue([catalogue])
    catalogue.write_text(catalogue.read_text(encoding="utf-8").replace(f"max_concurrency: {value}", "max_concurrency: 2"),
                         encoding="utf-8")
    assert load_catalogue([catalogue])["ward"].spec.load_kwargs == {"max_concurrency": 2}


# --- Hugging Face imports --------------------------------------------------------------------------


def test_a_damaged_parquet_file_is_an_error_and_nan_extras_are_left_out(tmp_path: Path) -> None:
    import datasets

    dataset = datasets.Dataset.from_list([{"note_id": "1", "text": "Seen today.", "weight": 70.5},
                                          {"note_id": "2", "text": "Seen again.", "weight": float("nan")}])
    good = tmp_path / "notes.parquet"
    dataset.to_parquet(str(good))
    cases = import_cases(good, "hf", ColumnMap("note_id", "text"))
    assert [case.metadata for case in cases] == [{"weight": 70.5}, {}]
    damaged = tmp_path / "damaged.parquet"
    damaged.write_bytes(good.read_bytes()[:-40])
    with pytest.raises(EvalSetError, match=r"damaged\.parquet: cannot be read as a Hugging Face dataset"):
        import_cases(damaged, "hf", ColumnMap("note_id", "text"))

