"""The evaluation-set format: loading, content hash, errors that name the place."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from workbench.data.evalsets import EvalSetError, content_hash, load_evalset, parse_case, read_cases


@pytest.mark.parametrize("name", ["smoke-en", "smoke-zh"])
def test_smoke_sets_load_with_consistent_manifests_and_spans(name: str) -> None:
    evalset = load_evalset(name)
    assert evalset.manifest.num_cases == len(evalset.cases) == 4
    assert evalset.manifest.content_hash == evalset.content_hash()
    for case in evalset.cases:
        assert case.phi, case.id
        for span in case.phi:
            text = case.source[span.start:span.end]
            assert text.strip() == text and text not in case.reference, (case.id, text)


def test_hash_ignores_key_order_and_sees_one_character() -> None:
    cases = list(load_evalset("smoke-en").cases)
    original = content_hash(cases)
    reordered = [parse_case(json.loads(json.dumps(dict(reversed(list(c.to_json_dict().items()))))), "x") for c in cases]
    assert content_hash(reordered) == original
    changed = parse_case({**cases[0].to_json_dict(), "source": cases[0].source.replace("168/96", "168/97")}, "x")
    assert content_hash([changed] + cases[1:]) != original


def test_malformed_lines_name_file_line_and_field(tmp_path: Path) -> None:
    good = json.dumps({"id": "a", "language": "en", "source": "Seen by Dr. Lee.", "reference": "",
                       "phi": [{"start": 12, "end": 15, "label": "NAME"}]})
    path = tmp_path / "cases.jsonl"
    path.write_text(good + "\n{not json\n", encoding="utf-8")
    with pytest.raises(EvalSetError, match=r"cases.jsonl:2: invalid JSON"):
        read_cases(path)
    path.write_text(good + "\n" + good + "\n", encoding="utf-8")
    with pytest.raises(EvalSetError, match=r"cases.jsonl:2: field 'id': duplicate id 'a'"):
        read_cases(path)
    path.write_text(good.replace('"end": 15', '"end": 99') + "\n", encoding="utf-8")
    with pytest.raises(EvalSetError, match=r"cases.jsonl:1: field 'phi\[0\]': span 12-99 is outside"):
        read_cases(path)


def test_a_line_of_cases_jsonl_is_refused_as_parse_case_refuses_its_object(tmp_path: Path) -> None:
    """Reading a file checks each value once (when the line is parsed) and then builds the case;
    every bad line still gets the message ``parse_case`` gives for its object."""
    from workbench.data.input_checks import MAX_NESTING

    good = {"id": "a", "language": "en", "source": "Seen by Dr. Lee.", "reference": ""}
    deep: object = "x"
    for _ in range(MAX_NESTING + 1):
        deep = [deep]
    bad_lines = [
        json.dumps([good]),
        json.dumps("text"),
        json.dumps({**good, "metadata": {"ward": deep}}),
        json.dumps({**good, "reference": "\ud800"}),
        json.dumps({**good, "refrence": ""}),
        json.dumps({**good, "id": " "}),
        json.dumps({**good, "language": "fr"}),
        json.dumps({**good, "phi": [{"start": 0, "end": 4, "label": "NAME", "extra": 1}]}),
        json.dumps({**good, "phi": [{"start": 0, "end": 4, "label": "NAME"}, {"start": 2, "end": 6, "label": "DATE"}]}),
        json.dumps({**good, "phi": [{"start": True, "end": 4, "label": "NAME"}]}),
        json.dumps({**good, "metadata": []}),
    ]
    path = tmp_path / "cases.jsonl"
    for line in bad_lines:
        path.write_text(line + "\n", encoding="utf-8")
        with pytest.raises(EvalSetError) as from_file:
            read_cases(path)
        with pytest.raises(EvalSetError) as from_object:
            parse_case(json.loads(line), f"{path}:1")
        assert str(from_file.value) == str(from_object.value), line
