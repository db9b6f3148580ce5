"""Rubric grading of an existing run by a judge model: scripted judges whose replies are known (one judge, and a
jury of two with their agreement), the refusal of a judge of a candidate's family, and the embedded SmolLM2 as
judge through the llama.cpp backend."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import SCRIPTED_CATALOGUE, scripted_comparison
from workbench import api
from workbench.data.evalsets import load_evalset
from workbench.judges.family import SameFamilyError
from workbench.judges.judge_run import judge_run
from workbench.judges.jury import JuryError, majority, read_jury, summarise_jury
from workbench.judges.rubric_judge import RUBRIC_INSTRUCTION_VERSION
from workbench.judges.rubrics import Rubric, RubricItem
from workbench.models import get_model_spec, open_backend
from workbench.models.base import GenerationRequest
from workbench.models.scripted import register_script, unregister_script
from workbench.models.spec import ModelSpec
from workbench.run.files import model_directory, read_judge_records, read_judge_runs, read_run_dir

RUBRIC = Rubric(name="test-rubric", version=1, language="en", items=[
    RubricItem(id="values", type="completeness", criterion="Every abnormal value is kept with its unit.", points=2),
    RubricItem(id="sections", type="format", criterion="The four sections are present.", points=1),
    RubricItem(id="identifier-copied", type="phi", criterion="The summary contains an identifier from the note.",
               points=3, must_not=True),
])
YES, NO = '{"met": true, "justification": "yes"}', '```json\n{"met": false, "justification": "no"}\n```'


@pytest.fixture()
def scripted_run(isolated_cwd: Path) -> Path:
    return scripted_comparison(isolated_cwd)


def case_ids(run_dir: Path) -> list[str]:
    return [record.case_id for record in read_run_dir(run_dir).evaluations[0].records_in_order()]


def scripted_judge(directory: Path, name: str, replies: dict[str, str], family: str = "Scripted") -> ModelSpec:
    script = directory / f"{name}.json"
    script.write_text(json.dumps({key: {"output": reply, "e2e_s": 0.5} for key, reply in replies.items()}),
                      encoding="utf-8")
    return ModelSpec(name=name, backend="scripted", path=str(script), family=family)


def test_a_scripted_judge_grades_every_item_of_every_output(scripted_run: Path, isolated_cwd: Path) -> None:
    first_case, second_case = case_ids(scripted_run)
    replies = {"values": YES, "sections": YES, "identifier-copied": NO,  # every request of the item, unless below
               f"echo:{first_case}:sections": NO, f"echo:{first_case}:identifier-copied": YES,
               f"echo:{second_case}:sections": "The sections look fine to me.",
               f"first:{second_case}:values": NO}
    judge = scripted_judge(isolated_cwd, "scripted-judge", replies)

    result = judge_run(scripted_run, judge, RUBRIC, open_judge=open_backend)

    echo, first = result.summaries
    # echo: case 1 (2 + 0 - 3) / 3 -> 0; case 2 (2 - 0) / 2 with sections unparsed -> 1
    assert (echo.model, echo.outputs, echo.scored, echo.items, echo.unparsed) == ("echo", 2, 2, 6, 1)
    assert echo.score == pytest.approx(0.5) and echo.score_ci_low is not None
    assert echo.met_by_type["phi"].count == 1 and echo.satisfied_by_type["phi"].count == 1
    assert echo.met_by_type["format"].total == 1 and echo.met_by_type["format"].count == 0  # the unparsed one left out
    # first: case 1 (2 + 1) / 3 -> 1; case 2 (0 + 1) / 3
    assert first.score == pytest.approx((1 + 1 / 3) / 2) and first.unparsed == 0
    assert first.met_by_type["completeness"].count == 1 and first.satisfied_by_type["phi"].share == 1.0
    assert echo.latency_p50_s == pytest.approx(0.5) and echo.latency_p95_s == pytest.approx(0.5)

    kept = read_judge_records(model_directory(scripted_run, "echo"), "scripted-judge")
    assert [(record.case_id, record.item_id, record.met) for record in kept] == [
        (first_case, "values", True), (first_case, "sections", False), (first_case, "identifier-copied", True),
        (second_case, "values", True), (second_case, "sections", None), (second_case, "identifier-copied", False)]
    unparsed = kept[4]
    assert unparsed.reply == "The sections look fine to me." and "not one JSON object" in unparsed.problem
    assert kept[1].justification == "no" and kept[2].must_not and kept[2].type == "phi" and kept[2].points == 3
    assert kept[0].instruction.startswith(RUBRIC_INSTRUCTION_VERSION) and kept[0].e2e_s == 0.5
    assert kept[0].rubric == "test-rubric@1" and kept[0].rubric_hash == RUBRIC.content_hash()
    (saved,) = read_judge_runs(scripted_run)
    assert saved.judge == "scripted-judge" and saved.summaries == result.summaries
    assert saved.same_family_graded == [] and saved.notes_from_requests == []


def test_the_judge_sees_the_source_note_the_output_and_the_criterion(scripted_run: Path) -> None:
    seen: list[GenerationRequest] = []

    def remember(request: GenerationRequest) -> dict[str, str]:
        seen.append(request)
        return {"output": YES}

    register_script("test-remembering-judge", remember)
    try:
        judge = ModelSpec(name="remembering-judge", backend="scripted", model="test-remembering-judge")
        rubric = Rubric(name="one", version=1, language="en", items=[RUBRIC.items[0]],
                        cases={case_ids(scripted_run)[0]: [RUBRIC.items[1]]})
        judge_run(scripted_run, judge, rubric, open_judge=open_backend, limit=1)
    finally:
        unregister_script("test-remembering-judge")
    case = load_evalset("smoke-en").cases[0]
    output = read_run_dir(scripted_run).evaluations[1].records_in_order()[0].output
    assert [request.request_id for request in seen] == [
        f"judge:remembering-judge:{model}:{case.id}:{item}"
        for model in ("echo", "first") for item in ("values", "sections")]
    prompt = seen[2].messages[0].content
    assert f"NOTE:\n{case.source}\n\nSUMMARY:\n{output}\n\nCRITERION:\n{RUBRIC.items[0].criterion}" in prompt


def test_a_judge_of_a_candidates_family_is_refused_unless_allowed(scripted_run: Path, isolated_cwd: Path) -> None:
    same = scripted_judge(isolated_cwd, "echo-judge", {"values": YES, "sections": YES, "identifier-copied": NO},
                          family="echo")
    with pytest.raises(SameFamilyError, match="judge 'echo-judge' is of the echo family"):
        judge_run(scripted_run, same, RUBRIC, open_judge=open_backend)
    allowed = judge_run(scripted_run, same, RUBRIC, open_judge=open_backend, allow_same_family=True, limit=1)
    assert allowed.same_family_graded == ["echo"] and len(allowed.records) == 6
    assert read_judge_runs(scripted_run)[0].same_family_graded == ["echo"]


def test_a_jury_of_two_judges_majority_scores_and_agreement(scripted_run: Path, isolated_cwd: Path) -> None:
    c1, c2 = case_ids(scripted_run)
    rubric = Rubric(name="jury", version=1, language="en", items=[RUBRIC.items[0], RUBRIC.items[2]])
    # (judge A, judge B) on each (model, case, item); None: B's reply is unparsed
    votes = {("echo", c1, "values"): (True, True), ("echo", c1, "identifier-copied"): (True, True),
             ("echo", c2, "values"): (True, True), ("echo", c2, "identifier-copied"): (True, False),
             ("first", c1, "values"): (True, True), ("first", c1, "identifier-copied"): (False, False),
             ("first", c2, "values"): (False, False), ("first", c2, "identifier-copied"): (False, None)}
    reply = {True: YES, False: NO, None: "maybe"}
    for index, name in enumerate(("judge-a", "judge-b")):
        judge = scripted_judge(isolated_cwd, name, {":".join(key): reply[pair[index]] for key, pair in votes.items()})
        judge_run(scripted_run, judge, rubric, open_judge=open_backend)

    jury = read_jury(scripted_run, ["judge-a", "judge-b"])

    assert jury.judges == ["judge-a", "judge-b"] and jury.rubric == "jury@1"
    echo, first = jury.models
    assert (echo.items, echo.decided, echo.undecided) == (4, 3, 1)  # the two judges split on echo's case 2 identifier
    assert (first.decided, first.undecided) == (4, 0)  # one parsed answer is a majority of the parsed answers
    # majority: echo case 1 (2 - 3) / 2 -> 0, case 2 identifier undecided -> 2 / 2; first: 1 and 0
    assert echo.majority_score == pytest.approx(0.5) and first.majority_score == pytest.approx(0.5)
    # judges' mean: echo case 1 both 0, case 2 A 0 and B 1 -> 0.5; first case 1 both 1, case 2 both 0
    assert echo.mean_score == pytest.approx(0.25) and first.mean_score == pytest.approx(0.5)
    # seven items have both answers: T/T four times, F/F twice, T/F once
    # alpha: o_TT = 8, o_FF = 4, o_TF = o_FT = 1; n_T = 9, n_F = 5, n = 14: 1 - 13 * 2 / (2 * 9 * 5) = 64 / 90
    assert jury.agreement.items == 7 and jury.agreement.alpha == pytest.approx(64 / 90)
    # kappa: observed 6/7, chance (5/7)(4/7) + (2/7)(3/7) = 26/49: (42 - 26) / (49 - 26) = 16/23
    assert jury.agreement.kappa == pytest.approx(16 / 23) and jury.agreement.raw_agreement == pytest.approx(6 / 7)


def test_a_jury_needs_two_judges_of_the_same_rubric(scripted_run: Path, isolated_cwd: Path) -> None:
    first = scripted_judge(isolated_cwd, "judge-a", {"values": YES, "identifier-copied": NO, "sections": YES})
    judge_run(scripted_run, first, RUBRIC, open_judge=open_backend, limit=1)
    other_rubric = Rubric(name="jury", version=1, language="en", items=[RUBRIC.items[0]])
    second = scripted_judge(isolated_cwd, "judge-b", {"values": NO})
    judge_run(scripted_run, second, other_rubric, open_judge=open_backend, limit=1)
    with pytest.raises(JuryError, match="different rubrics"):
        read_jury(scripted_run, ["judge-a", "judge-b"])
    with pytest.raises(JuryError, match="no rubric verdicts of 'judge-c'"):
        read_jury(scripted_run, ["judge-a", "judge-c"])
    with pytest.raises(JuryError, match="at least two judges"):
        summarise_jury({})
    assert majority([True, None, False]) is None and majority([None, False]) is False and majority([]) is None


@pytest.mark.slow
def test_the_embedded_model_as_judge(isolated_cwd: Path) -> None:
    (isolated_cwd / "models.yaml").write_text(SCRIPTED_CATALOGUE, encoding="utf-8")
    run_dir = api.evaluate(["first"], "smoke-en", limit=2, runs_dir=isolated_cwd / "runs", log_to_mlflow=False,
                           show_progress=False, catalogue=[isolated_cwd / "models.yaml"]).run_dir
    judge = get_model_spec("smollm2-135m")
    rubric = Rubric(name="small", version=1, language="en", items=[RUBRIC.items[0]])

    result = judge_run(run_dir, judge, rubric, open_judge=open_backend, limit=1)

    (record,) = read_judge_records(model_directory(run_dir, "first"), "smollm2-135m")
    assert result.records == [record] and record.judge == "smollm2-135m" and record.item_id == "values"
    assert record.error is None and record.reply and record.completion_tokens
    assert record.e2e_s is not None and record.e2e_s > 0
    assert (record.met is None) == bool(record.problem)  # parsed, or unparsed with the reason
    (summary,) = result.summaries
    assert summary.items == 1 and summary.latency_p50_s == record.e2e_s
    assert summary.unparsed == (record.met is None)
