"""Rubric files: the format, errors that name the file, item and field, the content hash, per-case items, the
score of one output with must_not items, and the shipped rubrics for the shipped sets."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.data.evalsets import load_evalset
from workbench.judges.rubrics import (
    ITEM_TYPES, RUBRIC_FOR_SET, ItemAnswer, RubricError, load_rubric, parse_rubric_file, rubric_for_set, rubric_score,
)

GOOD = """\
name: demo
version: 2
language: en
items:
  - id: values
    type: completeness
    criterion: Every abnormal value is kept with its unit.
    points: 3
  - id: invented-drug
    type: accuracy
    criterion: The summary names a drug the note does not mention.
    points: 2
    must_not: true
cases:
  en-ed-chest-pain:
    - id: stemi
      type: accuracy
      criterion: The summary names an inferior STEMI.
      points: 1
"""


def write(tmp_path: Path, text: str, name: str = "demo@2.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_rubric_file_is_read_with_its_items_and_per_case_items(tmp_path: Path) -> None:
    rubric = parse_rubric_file(write(tmp_path, GOOD))
    assert (rubric.ref, rubric.language) == ("demo@2", "en")
    assert [item.id for item in rubric.items_for("en-ed-chest-pain")] == ["values", "invented-drug", "stemi"]
    assert [item.id for item in rubric.items_for("another-case")] == ["values", "invented-drug"]
    assert rubric.items[1].must_not and not rubric.items[0].must_not
    assert load_rubric(tmp_path / "demo@2.yaml") == rubric
    assert load_rubric("demo@2", extra_dirs=[tmp_path]) == rubric == load_rubric("demo", extra_dirs=[tmp_path])


def test_the_content_hash_follows_what_the_judge_is_asked_only(tmp_path: Path) -> None:
    rubric = parse_rubric_file(write(tmp_path, GOOD))
    described = parse_rubric_file(write(tmp_path, GOOD + "description: changed words\n"))
    reworded = parse_rubric_file(write(tmp_path, GOOD.replace("inferior STEMI", "inferior MI")))
    assert len(rubric.content_hash()) == 64
    assert described.content_hash() == rubric.content_hash()
    assert reworded.content_hash() != rubric.content_hash()


@pytest.mark.parametrize(("change", "expected"), [
    (("points: 3", "points: 0"), "items[0] (item 'values'), field 'points': Input should be greater than 0"),
    (("points: 3", "points: '3'"), "items[0] (item 'values'), field 'points': Input should be a valid number"),
    (("type: completeness", "type: style"), "items[0] (item 'values'), field 'type': Input should be 'accuracy'"),
    (("    must_not: true", "    must_not: maybe"), "items[1] (item 'invented-drug'), field 'must_not'"),
    (("    points: 2\n", "    pionts: 2\n"), "items[1] (item 'invented-drug'), field 'pionts': unknown field; did you "
                                             "mean 'points'?"),
    (("criterion: The summary names an inferior STEMI.", "criterion: '  '"),
     "cases.en-ed-chest-pain[0] (item 'stemi'), field 'criterion': the criterion is empty"),
    (("- id: stemi", "- id: values"), "item id 'values' is used twice (items[0] and cases.en-ed-chest-pain[0])"),
    (("- id: values", "- id: ../values"), "items[0] (item '../values'), field 'id': item id '../values' cannot name"),
    (("version: 2", "version: two"), "field 'version': Input should be a valid integer"),
])
def test_rubric_errors_name_the_file_the_item_and_the_field(tmp_path: Path, change: tuple[str, str],
                                                             expected: str) -> None:
    old, new = change
    assert old in GOOD
    path = write(tmp_path, GOOD.replace(old, new, 1))
    with pytest.raises(RubricError) as caught:
        parse_rubric_file(path)
    assert str(caught.value).startswith(f"{path}: ")
    assert expected in str(caught.value)


def test_broken_yaml_a_rubric_without_items_and_a_misnamed_file_are_refused(tmp_path: Path) -> None:
    with pytest.raises(RubricError, match=r"(?s)demo@2.yaml: not valid YAML: .*line 6, column 4"):
        parse_rubric_file(write(tmp_path, GOOD.replace("  - id: values\n", "  - id: values\n   bad: [\n")))
    with pytest.raises(RubricError, match="the rubric has no items"):
        parse_rubric_file(write(tmp_path, "name: demo\nversion: 2\nlanguage: en\n"))
    with pytest.raises(RubricError, match=r"must be named demo@2.yaml"):
        parse_rubric_file(write(tmp_path, GOOD, name="demo.yaml"))
    with pytest.raises(RubricError, match="unknown rubric 'nothing'"):
        load_rubric("nothing", extra_dirs=[tmp_path])
    with pytest.raises(RubricError, match="has no version '7'; versions: 2"):
        load_rubric("demo@7", extra_dirs=[tmp_path])


def test_the_score_of_one_output_subtracts_must_not_items_and_leaves_unparsed_ones_out() -> None:
    # positive 3 met, positive 2 not met, must_not 1 met: (3 - 1) / 5
    score = rubric_score([ItemAnswer(3, False, True), ItemAnswer(2, False, False), ItemAnswer(1, True, True)])
    assert score.score == pytest.approx(0.4)
    assert (score.earned, score.deducted, score.possible, score.answered, score.unparsed) == (3, 1, 5, 3, 0)
    # a must_not item not met costs nothing; an unparsed positive item leaves the denominator
    score = rubric_score([ItemAnswer(3, False, True), ItemAnswer(2, False, None), ItemAnswer(1, True, False)])
    assert (score.score, score.possible, score.answered, score.unparsed) == (1.0, 3, 2, 1)
    # more deducted than earned: clipped at 0
    assert rubric_score([ItemAnswer(1, False, True), ItemAnswer(3, True, True)]).score == 0.0
    # no positive item answered: no score
    assert rubric_score([ItemAnswer(3, True, False), ItemAnswer(2, False, None)]).score is None
    assert rubric_score([]).score is None


def test_shipped_rubrics_fit_the_shipped_sets() -> None:
    for set_name, ref in RUBRIC_FOR_SET.items():
        rubric = rubric_for_set(set_name)
        assert rubric.ref == ref and 6 <= len(rubric.items) <= 8
        assert rubric.language == load_evalset(set_name).manifest.language
        assert {item.type for item in rubric.items} == set(ITEM_TYPES)
        faults = {item.id for item in rubric.items if item.must_not}
        assert {"invented-medication", "identifier-copied", "unsafe-advice"} <= faults
        assert next(item for item in rubric.items if item.id == "identifier-copied").type == "phi"
    assert "【主诉】" in next(item.criterion for item in rubric_for_set("smoke-zh").items if item.type == "format")
    with pytest.raises(RubricError, match="no shipped rubric is declared for the set 'my-set'"):
        rubric_for_set("my-set")
