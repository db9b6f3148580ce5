"""All default scorers for one evaluation: per-case figures and aggregates with 95% intervals."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from workbench.data.evalsets import Case, EvalSet
from workbench.scoring.coding import CODING_TASK, gold_codes, score_coding
from workbench.scoring.diagnosis_terms import check_terms
from workbench.scoring.phi import case_leakage, leakage_aggregate
from workbench.scoring.rouge import ROUGE_TYPES, rouge_l_fmeasure, rouge_scheme, rouge_scores
from workbench.scoring.registry import CaseContext, ci_keys, extra_scorers, label_key, metrics_where
from workbench.scoring.stats import bootstrap_mean, bootstrap_ratio
from workbench.scoring.structure import check_structure, section_bodies
from workbench.scoring.values import plausibility_flags, value_fidelity

if TYPE_CHECKING:
    from workbench.scoring.phi_detector import PHIDetector


def section_rouge(case: Case, output: str, required_sections: tuple[str, ...],
                  synonyms: dict[str, tuple[str, ...]] | None = None, scheme: str | None = None,
                  produced: dict[str, str] | None = None) -> float | None:
    """ROUGE-L between the reference's and the output's text under each required heading, averaged over the
    sections the reference has (a section missing from the output scores 0), as sectioned clinical summaries
    are reported; None when the reference has no sections. ``produced``: the output's section bodies
    when they are already known (``section_bodies(output, ...)``)."""
    reference = section_bodies(case.reference, required_sections, synonyms)
    reference = {heading: body for heading, body in reference.items() if body.strip()}
    if not reference:
        return None
    if produced is None:
        produced = section_bodies(output, required_sections, synonyms)
    scores = [rouge_l_fmeasure(body, produced.get(heading, ""), language=case.language, scheme=scheme)
              for heading, body in reference.items()]
    return sum(scores) / len(scores)


def score_case(case: Case, output: str, required_sections: tuple[str, ...],
               detector: "PHIDetector | None" = None,
               synonyms: dict[str, tuple[str, ...]] | None = None, rouge: str | None = None) -> dict[str, Any]:
    """Every default per-case score of ``output`` for ``case``; with a detector, also the
    PHI it finds in the output, split into identifiers copied from the source and invented ones.
    ``synonyms`` are the set's ``section_synonyms`` (other names a required section may appear under);
    ``rouge`` names the ROUGE tokenization scheme (default: the case language's, see ``rouge_scheme``)."""
    scores = content_scores(case, output, required_sections, synonyms, rouge)
    return finish_case_scores(scores, case, output, required_sections, detector)


def content_scores(case: Case, output: str, required_sections: tuple[str, ...],
                   synonyms: dict[str, tuple[str, ...]] | None = None, rouge: str | None = None) -> dict[str, Any]:
    """The scores of :func:`score_case` that need nothing but the case and the output (ROUGE, values,
    structure, plausibility, lengths, gold PHI leakage): pure, so they may be computed in another process."""
    scores: dict[str, Any] = {"id": case.id}
    if case.reference.strip():
        for name, score in rouge_scores(case.reference, output, language=case.language, scheme=rouge).items():
            scores[name] = score.fmeasure
        fidelity = value_fidelity(output, case.reference, case.source)
        scores["values_kept_rate"] = fidelity.kept_rate
        scores["values_invented_rate"] = fidelity.invented_rate
        scores["values_invented"] = fidelity.invented
        scores["values_unit_errors"] = fidelity.unit_errors
    else:
        scores.update({name: None for name in ROUGE_TYPES})
        fidelity = value_fidelity(output, "", case.source)
        scores["values_kept_rate"] = None
        scores["values_invented_rate"] = fidelity.invented_rate
        scores["values_invented"] = fidelity.invented
        scores["values_unit_errors"] = fidelity.unit_errors
    if required_sections:
        structure = check_structure(output, required_sections, synonyms)
        scores["structure_compliance"] = structure.compliance
        scores["structure_ok"] = 1.0 if structure.ok else 0.0
        scores["sections_missing"] = list(structure.missing)
        scores["sections_empty"] = list(structure.empty)
        scores["sections_in_order"] = structure.in_order
        produced = {section.heading: section.body for section in structure.sections}  # section_bodies(output, ...)
        scores["rougeL_by_section"] = section_rouge(case, output, required_sections, synonyms, rouge, produced)
    else:
        scores["structure_compliance"] = None
        scores["structure_ok"] = None
        scores["rougeL_by_section"] = None
    terms = check_terms(output, required_sections, case.language, synonyms)
    scores["diagnosis_terms_rate"] = terms.mapped_rate if terms is not None else None
    scores["diagnosis_terms"] = ([{"diagnosis": item.text, "category": item.category, "term": item.term}
                                  for item in terms.diagnoses] if terms is not None else [])
    flags = plausibility_flags(output)
    if not output.strip():
        flags.append("empty output")
    scores["plausibility_flags"] = flags
    scores["plausibility_flagged"] = 1.0 if flags else 0.0
    scores.update(length_figures(output, case.source, case.reference))
    scores.update(leakage_scores(case, output))
    return scores


def leakage_scores(case: Case, text: str) -> dict[str, Any]:
    """Gold PHI leakage of ``text`` for ``case``: the per-case figures, the leaked items, and the leakage itself
    (``_leakage``, which the aggregates read)."""
    leakage = case_leakage(case, text)
    return {
        "phi_items": leakage.items,
        "phi_leaked_items": leakage.leaked_items,
        "phi_case_leak_rate": leakage.leak_rate,
        "phi_any_leak": (1.0 if leakage.any_leak else 0.0) if leakage.items else None,
        "phi_leaked": [{"label": item.label, "text": item.text, "match": item.match, "mentions": item.mentions}
                       for item in leakage.leaked],
        "_leakage": leakage,
    }


def coding_case_scores(case: Case, output: str, tool_calls: list[dict[str, Any]] | None,
                       code_system: str) -> dict[str, Any]:
    """The per-case scores of a coding set: the reply's function calls against the case's gold codes
    (``workbench.scoring.coding``; a reply without a valid call scores 0, never a guess), and gold PHI leakage in
    everything the reply wrote (its text and the calls' arguments)."""
    coded = score_coding(tool_calls, gold_codes(case.metadata, f"case {case.id!r}"), code_system)
    written = "\n".join([output, *(str(call.get("arguments", "")) for call in tool_calls or [])])
    scores: dict[str, Any] = {
        "id": case.id,
        "coding_called": 1.0 if coded.called else 0.0,
        "coding_valid_call": 1.0 if coded.valid_call else 0.0,
        "coding_code_valid_rate": coded.codes_valid_rate,
        "coding_precision": coded.exact.precision,
        "coding_recall": coded.exact.recall,
        "coding_f1": coded.exact.f1,
        "coding_category_precision": coded.category.precision,
        "coding_category_recall": coded.category.recall,
        "coding_category_f1": coded.category.f1,
        "coding_primary_accuracy": coded.primary_correct,
        "coding_calls": list(coded.statuses) or ["no_call"],
        "coding_problems": list(coded.problems),
        "coding_codes": [{"code": item.written, "matched": item.matched, "category": item.category}
                         for item in coded.predicted],
        "coding_invalid_codes": list(coded.invalid_codes),
        "output_chars": len(output),
    }
    scores.update(leakage_scores(case, written))
    return scores


def finish_case_scores(scores: dict[str, Any], case: Case, output: str, required_sections: tuple[str, ...],
                       detector: "PHIDetector | None" = None) -> dict[str, Any]:
    """``scores`` (:func:`content_scores` of the case) completed in place with the detector's findings and the
    registered scorers' figures, in that order; they stay in the calling process (a detector holds a loaded
    model, a registered scorer may hold anything)."""
    if detector is not None:
        from workbench.scoring.phi_detector import copied_and_invented

        copied, invented = copied_and_invented(case.source, output, case.language, detector)
        scores["phi_detected"] = (
            [{"label": d.label, "text": d.text, "origin": "copied"} for d in copied]
            + [{"label": d.label, "text": d.text, "origin": "invented"} for d in invented]
        )
        scores["phi_detected_copied"] = float(len(copied))
        scores["phi_detected_invented"] = float(len(invented))
        scores["phi_invented_any"] = 1.0 if invented else 0.0
    context = CaseContext(case=case, output=output, required_sections=tuple(required_sections))
    for scorer in extra_scorers():
        scores.update(scorer.score(context))
    return scores


def intermediate_scores(case: Case, outputs: list[str] | None) -> dict[str, Any]:
    """PHI and invented values in the outputs a chunked case wrote before its final summary (chunk summaries,
    summaries so far): a leak there is a leak, though the final summary may not show it. The gold PHI items
    found in any of them (share of the case's items, and whether any), and the distinct clinical values in them
    that the note does not hold (as ``values_invented_rate`` finds them); None for a case without such outputs
    (sent whole or truncated)."""
    if not outputs:
        return {"phi_intermediate_leak_rate": None, "phi_intermediate_any_leak": None,
                "values_intermediate_invented": None}
    leaked: dict[tuple[str, str], dict[str, Any]] = {}
    items = 0
    invented: dict[str, Any] = {}
    for index, output in enumerate(outputs):
        leakage = case_leakage(case, output)
        items = leakage.items
        for item in leakage.leaked:
            leaked.setdefault((item.label, item.text), {"label": item.label, "text": item.text, "match": item.match,
                                                        "call": index})
        for value in value_fidelity(output, case.reference, case.source).invented:
            invented.setdefault(str(value), value)
    return {
        "phi_intermediate_leak_rate": len(leaked) / items if items else None,
        "phi_intermediate_any_leak": (1.0 if leaked else 0.0) if items else None,
        "phi_intermediate_leaked": list(leaked.values()),
        "values_intermediate_invented": float(len(invented)),
        "values_intermediate_invented_list": list(invented.values()),
    }


def aggregate_scores(case_scores: list[dict[str, Any]]) -> dict[str, Any]:
    """Means over cases with bootstrap 95% intervals, plus the PHI leakage aggregates."""
    aggregate: dict[str, Any] = {"scored_cases": len(case_scores)}
    for metric in metrics_where(aggregation="mean"):
        if not any(metric.name in s for s in case_scores):
            continue
        estimate = bootstrap_mean([s.get(metric.name) for s in case_scores])
        aggregate[metric.name] = estimate.mean
        if metric.interval:
            low, high = ci_keys(metric.name)
            aggregate[low], aggregate[high] = estimate.ci_low, estimate.ci_high
    leakages = [s["_leakage"] for s in case_scores]
    aggregate.update(leakage_aggregate(leakages))
    ratios = {
        "phi_leak_rate": ([c.leaked_items for c in leakages], [c.items for c in leakages]),
        "phi_mention_leak_rate": ([c.leaked_mentions for c in leakages], [c.mentions for c in leakages]),
    }
    for label in aggregate["phi_leak_rate_by_label"]:
        ratios[label_key("phi_leak_rate", label)] = (
            [sum(1 for item in c.leaked if item.label == label) for c in leakages],
            [c.items_by_label.get(label, 0) for c in leakages],
        )
        aggregate[label_key("phi_leak_rate", label)] = aggregate["phi_leak_rate_by_label"][label]
    for metric, (numerators, denominators) in ratios.items():
        low, high = ci_keys(metric)
        aggregate[low], aggregate[high] = bootstrap_ratio(numerators, denominators)
    documents = ci_keys("phi_document_leak_rate")
    aggregate[documents[0]], aggregate[documents[1]] = (aggregate.get(key) for key in ci_keys("phi_any_leak"))
    return aggregate


@dataclass
class ScoreReport:
    aggregate: dict[str, Any]
    cases: list[dict[str, Any]]
    rouge_scheme: str  # the ROUGE tokenization every ROUGE figure of this report used

    def to_json(self) -> dict[str, Any]:
        return {
            "rouge_scheme": self.rouge_scheme,
            "aggregate": self.aggregate,
            "cases": [{k: v for k, v in case.items() if not k.startswith("_")} for case in self.cases],
        }


def score_outputs(evalset: EvalSet, outputs: dict[str, str], *, detector: "PHIDetector | None" = None,
                  rouge: str | None = None, workers: int | None = None,
                  intermediate: dict[str, list[str]] | None = None,
                  tool_calls: dict[str, list[dict[str, Any]]] | None = None) -> ScoreReport:
    """Score one output per case id of ``evalset`` (ids without an output are not scored); ``rouge`` names
    the ROUGE tokenization scheme (default: the set language's). ``workers``: processes that compute the
    content scores (:func:`content_scores`); None chooses (:func:`~workbench.scoring.parallel.workers_for`:
    one below a few thousand cases, else one per core), 1 scores in this process. The scores are the same
    either way. ``intermediate``: per case id, the outputs of a chunked case's calls before its final summary
    (``workbench.run.long_records``); PHI and invented values are looked for in them too
    (:func:`intermediate_scores`). A coding set (``task: coding``) is scored on ``tool_calls``, per case id the
    raw function calls of the reply (:func:`coding_case_scores`)."""
    from workbench.scoring.parallel import content_scores_in_workers, workers_for

    scheme = rouge_scheme(evalset.manifest.language, rouge)
    if evalset.manifest.task == CODING_TASK:
        return _score_coding_outputs(evalset, outputs, tool_calls or {}, detector, scheme)
    sections = evalset.manifest.required_sections
    synonyms = evalset.manifest.section_synonyms
    scored = [case for case in evalset.cases if case.id in outputs]
    count = workers_for(len(scored)) if workers is None else workers
    with cycle_collector_paused():
        if count > 1:
            contents = content_scores_in_workers(scored, outputs, sections, synonyms, scheme, workers=count)
        else:
            contents = (content_scores(case, outputs[case.id], sections, synonyms, scheme) for case in scored)
        case_scores = [finish_case_scores(scores, case, outputs[case.id], sections, detector)
                       for case, scores in zip(scored, contents)]
        for case, scores in zip(scored, case_scores):
            scores.update(intermediate_scores(case, (intermediate or {}).get(case.id)))
        aggregate = aggregate_scores(case_scores)
    return ScoreReport(aggregate=aggregate, cases=case_scores, rouge_scheme=scheme)


def _score_coding_outputs(evalset: EvalSet, outputs: dict[str, str], tool_calls: dict[str, list[dict[str, Any]]],
                          detector: "PHIDetector | None", scheme: str) -> ScoreReport:
    """:func:`score_outputs` of a coding set: each case's calls against its gold codes, then the detector and the
    registered scorers on the reply's text."""
    scored = [case for case in evalset.cases if case.id in outputs]
    case_scores = [finish_case_scores(coding_case_scores(case, outputs[case.id], tool_calls.get(case.id),
                                                         evalset.manifest.code_system),
                                      case, outputs[case.id], evalset.manifest.required_sections, detector)
                   for case in scored]
    return ScoreReport(aggregate=aggregate_scores(case_scores), cases=case_scores, rouge_scheme=scheme)


@contextmanager
def cycle_collector_paused() -> Iterator[None]:
    """Python's cycle collector paused while a set is scored, as it was before afterwards. Scoring makes
    many short-lived objects and no reference cycles to speak of: reference counting frees them, and the
    collector would only walk the set's cases and texts over and over (about a tenth of the time of a large
    set)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def clear_text_caches() -> None:
    """Forget the texts already read (clinical values, folded texts), so a benchmark measures texts
    scored for the first time; scores are the same with or without what is kept."""
    from workbench.scoring.phi import clear_text_caches as clear_phi_caches
    from workbench.scoring.values import clear_value_cache

    clear_value_cache()
    clear_phi_caches()


def length_figures(output: str, source: str, reference: str) -> dict[str, float | int | None]:
    """Output length in characters, and relative to the source and the reference."""
    return {
        "output_chars": len(output),
        "compression_ratio": len(output) / len(source) if source else None,
        "length_ratio_to_reference": len(output) / len(reference) if reference else None,
    }
