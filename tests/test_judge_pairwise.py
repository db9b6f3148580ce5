"""Pairwise comparison by a judge model: each pair asked in both orders, a win only when both orders agree; a judge
that always prefers Output 1 turns every case into a tie with the order disagreement counted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import scripted_comparison
from workbench.judges.family import SameFamilyError
from workbench.judges.judge_stats import PairwiseJudgement, pair_outcomes, summarise_pair
from workbench.judges.pairwise_run import pairwise_run
from workbench.judges.rubric_judge import PAIRWISE_INSTRUCTION_VERSION, Preference
from workbench.models import open_backend
from workbench.models.spec import ModelSpec
from workbench.run.files import read_pairwise_records, read_pairwise_runs, read_run_dir

FIRST, SECOND, TIE = ('{"better": "%s", "justification": "reason"}' % better for better in ("1", "2", "tie"))


@pytest.fixture()
def scripted_run(isolated_cwd: Path) -> Path:
    return scripted_comparison(isolated_cwd, cases=3)


def scripted_judge(directory: Path, name: str, replies: dict[str, str], family: str = "Scripted") -> ModelSpec:
    script = directory / f"{name}.json"
    script.write_text(json.dumps({key: {"output": reply, "e2e_s": 0.2} for key, reply in replies.items()}),
                      encoding="utf-8")
    return ModelSpec(name=name, backend="scripted", path=str(script), family=family)


def case_ids(run_dir: Path) -> list[str]:
    return [record.case_id for record in read_run_dir(run_dir).evaluations[0].records_in_order()]


def test_a_judge_that_always_prefers_output_1_makes_every_case_a_tie(scripted_run: Path, isolated_cwd: Path) -> None:
    cases = case_ids(scripted_run)
    judge = scripted_judge(isolated_cwd, "biased-judge", {case: FIRST for case in cases})

    result = pairwise_run(scripted_run, judge, open_judge=open_backend)

    (summary,) = result.summaries
    assert (summary.model_a, summary.model_b) == ("echo", "first")
    assert (summary.cases, summary.compared, summary.wins, summary.losses, summary.ties) == (3, 3, 0, 0, 3)
    assert summary.order_disagreements == 3 and summary.unparsed == 0
    assert summary.win_rate == 0.0 and summary.win_rate_ci_low == 0.0 and 0 < summary.win_rate_ci_high < 1
    kept = read_pairwise_records(scripted_run, "biased-judge")
    assert [(record.case_id, record.first, record.second, record.preferred) for record in kept] == [
        (case, first, second, first) for case in cases for first, second in (("echo", "first"), ("first", "echo"))]
    assert kept[0].instruction.startswith(PAIRWISE_INSTRUCTION_VERSION) and kept[0].e2e_s == 0.2
    (saved,) = read_pairwise_runs(scripted_run)
    assert saved.judge == "biased-judge" and saved.summaries == result.summaries


def test_a_win_counts_only_when_both_orders_agree(scripted_run: Path, isolated_cwd: Path) -> None:
    c1, c2, c3 = case_ids(scripted_run)
    replies = {f"echo:first:{c1}": SECOND, f"first:echo:{c1}": FIRST,  # first wins in both orders
               f"echo:first:{c2}": TIE, f"first:echo:{c2}": TIE,  # a tie in both orders: no disagreement
               f"echo:first:{c3}": FIRST, f"first:echo:{c3}": "Output 1, clearly."}  # unparsed: left out
    judge = scripted_judge(isolated_cwd, "fair-judge", replies)

    (summary,) = pairwise_run(scripted_run, judge, open_judge=open_backend).summaries

    assert (summary.cases, summary.compared, summary.wins, summary.losses, summary.ties) == (3, 2, 0, 1, 1)
    assert (summary.order_disagreements, summary.unparsed, summary.win_rate) == (0, 1, 0.0)
    kept = read_pairwise_records(scripted_run, "fair-judge")
    unparsed = next(record for record in kept if record.better == "unparsed")
    assert unparsed.reply == "Output 1, clearly." and unparsed.problem and unparsed.preferred is None
    limited = pairwise_run(scripted_run, judge, open_judge=open_backend, limit=1)
    assert len(limited.records) == 2 and limited.summaries[0].wins == 0 and limited.summaries[0].losses == 1


def test_a_pairwise_judge_of_a_candidates_family_is_refused(scripted_run: Path, isolated_cwd: Path) -> None:
    judge = scripted_judge(isolated_cwd, "first-judge", {case: TIE for case in case_ids(scripted_run)}, family="first")
    with pytest.raises(SameFamilyError, match="'first'"):
        pairwise_run(scripted_run, judge, open_judge=open_backend)
    assert pairwise_run(scripted_run, judge, open_judge=open_backend, allow_same_family=True,
                        limit=1).same_family_graded == ["first"]


def test_pair_outcomes_by_hand() -> None:
    def asked(case: str, first: str, better: Preference) -> PairwiseJudgement:
        return PairwiseJudgement(case_id=case, first=first, second="b" if first == "a" else "a", better=better,
                                 latency_s=1.0)

    judgements = [asked("c1", "a", "1"), asked("c1", "b", "2"),  # a in both orders: a wins
                  asked("c2", "a", "1"), asked("c2", "b", "tie"),  # a, then tie: a tie, orders disagree
                  asked("c3", "a", "2"), asked("c3", "b", "1"),  # b in both orders
                  asked("c4", "a", "1"),  # one order only: unparsed
                  PairwiseJudgement(case_id="c1", first="a", second="z", better="1")]  # another pair
    outcomes = pair_outcomes("a", "b", judgements)
    assert [(outcome.case_id, outcome.outcome, outcome.order_disagreement) for outcome in outcomes] == [
        ("c1", "a", False), ("c2", "tie", True), ("c3", "b", False), ("c4", "unparsed", False)]
    summary = summarise_pair("a", "b", judgements)
    assert (summary.wins, summary.losses, summary.ties, summary.compared, summary.unparsed) == (1, 1, 1, 3, 1)
    assert summary.win_rate == pytest.approx(1 / 3) and summary.latency_p50_s == 1.0
