"""The PHI detector skips rules and recognisers that cannot match a text: it finds exactly what running all of them finds."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
from phonenumbers import COUNTRY_CODE_TO_REGION_CODE, PhoneMetadata

from workbench.data.evalsets import load_evalset
from workbench.scoring.phi_detector import (
    MIN_PHONE_DIGITS,
    PHONE_REGIONS,
    PHIDetector,
    apply_rules,
    lower_for_matching,
    may_match,
    needed_text,
)

SPANS = Path(__file__).parent / "data" / "phi_detector_spans.json"
MTS_TRAINING = Path(__file__).resolve().parents[2] / "shared" / "data" / "mts-dialog" / "MTS_Dataset_TrainingSet.csv"
SETS = ["smoke-en", "smoke-zh", "clinical-summary-en", "inpatient-summary-zh", "phi-heldout-en", "phi-heldout-zh"]


@pytest.fixture(scope="module")
def detector() -> PHIDetector:
    return PHIDetector()


def mts_summaries() -> list[str]:
    if not MTS_TRAINING.exists():
        return []
    with MTS_TRAINING.open(encoding="utf-8-sig", newline="") as handle:
        return [row["section_text"] for row in csv.DictReader(handle)]


def set_texts() -> list[tuple[str, str]]:
    texts = []
    for name in SETS:
        for case in load_evalset(name).cases:
            texts += [(case.source, case.language)] + ([(case.reference, case.language)] if case.reference else [])
    return texts


def recorded_cases() -> list[dict[str, object]]:
    return json.loads(SPANS.read_text(encoding="utf-8"))


def recorded_text(item: dict[str, object], summaries: list[str]) -> str | None:
    if "text" in item:
        return str(item["text"])
    if "set" in item:
        case = next(case for case in load_evalset(str(item["set"])).cases if case.id == item["case"])
        return str(getattr(case, str(item["field"])))
    row = int(item["mts_training_row"])  # type: ignore[arg-type]
    return summaries[row] if row < len(summaries) else None


def test_detector_finds_the_recorded_spans(detector: PHIDetector) -> None:
    """Spans recorded from the detector that ran every rule and Presidio's whole engine on every text."""
    summaries = mts_summaries()
    checked = 0
    for item in recorded_cases():
        text = recorded_text(item, summaries)
        if text is None:
            continue
        from_mts = "mts_training_row" in item  # MTS-Dialog's text stays in its own files: offsets only
        found = [[d.label, d.start, d.end, None if from_mts else d.text, d.score, d.recognizer]
                 for d in detector.detect(text, str(item["language"]))]
        assert found == item["spans"], text[:200]
        checked += 1
    assert checked >= 700


def test_a_skipped_rule_has_no_match(detector: PHIDetector) -> None:
    texts = set_texts() + [(summary, "en") for summary in mts_summaries()[:400]]
    texts += [(text, "zh" if language == "en" else "en") for text, language in set_texts()]
    for text, language in texts:
        lowered = lower_for_matching(text)
        for rule in detector.rules[language]:
            if not may_match(rule.pattern, text, lowered):
                assert rule.pattern.search(text) is None, (rule.name, text[:200])


def test_a_skipped_presidio_recogniser_finds_nothing(detector: PHIDetector) -> None:
    presidio = detector.presidio
    texts = [text for text, _ in set_texts()] + mts_summaries()[:400] + [
        "Call +44 20 7946 0958 or 0412 345 678.", "IP fe80::1 and 10.0.0.1", "14-MAR-2026, MAR-26, 3/14",
        "jane@x.example", "see www.example.org", "DEA AB1234563", "SSN 123 45 6789",
    ]
    for text in texts:
        lowered = lower_for_matching(text)
        for recognizer in presidio.recognizers:
            if not presidio._may_find(recognizer, text, lowered):
                assert not recognizer.analyze(text=text, entities=presidio.entities, nlp_artifacts=None), (
                    recognizer.name, text[:200])


def test_detector_matches_presidio_engine_on_summaries(detector: PHIDetector) -> None:
    texts = mts_summaries()[:300] + [text for text, language in set_texts() if language == "en"]
    for text in texts:
        expected = sorted((r.entity_type, r.start, r.end, round(r.score, 3))
                          for r in detector.analyzer.analyze(text=text, language="en", score_threshold=0.4))
        found = sorted((r.entity_type, r.start, r.end, round(r.score, 3)) for r in detector.presidio.analyze(text))
        assert found == expected, text[:200]


def test_min_phone_digits_is_the_shortest_valid_number() -> None:
    shortest = {}
    for code, regions in COUNTRY_CODE_TO_REGION_CODE.items():
        for region in regions:
            metadata = PhoneMetadata.metadata_for_region_or_calling_code(code, region)
            if metadata is not None:
                lengths = [length for length in metadata.general_desc.possible_length if length > 0]
                assert lengths, region
                shortest[region] = (len(str(code)), min(lengths))
    in_regions = min(shortest[region][1] for region in PHONE_REGIONS)
    with_country_code = min(code_digits + length for code_digits, length in shortest.values())
    assert MIN_PHONE_DIGITS <= min(in_regions, with_country_code)


@pytest.mark.parametrize(("pattern", "text", "possible"), [
    (r"\b(?i:MRN|record\s+number)\s*:?\s*\d+", "mrn 123", True),
    (r"\b(?i:MRN|record\s+number)\s*:?\s*\d+", "nothing here 123", False),
    (r"\bDr\.?[ ]+[A-Z][a-z]+", "dr Smith", False),  # case-sensitive: "Dr" must be written so
    (r"(?:fax)?\d{3}", "123", True),  # optional parts need nothing
    (r"(?<=Tel: )\d+", "Tel: 5", True),
    (r"(?<=Tel: )\d+", "tel 5", False),
    (r"(?i:patient)", "PATİENT", True),  # İ matches i when case is ignored
    (r"(?i:class)", "claſs", True),
])
def test_needed_text(pattern: str, text: str, possible: bool) -> None:
    compiled = re.compile(pattern)
    assert may_match(compiled, text, lower_for_matching(text)) is possible
    if not possible:
        assert compiled.search(text) is None


def test_needed_text_reads_alternatives_and_repeats() -> None:
    needs = needed_text(re.compile(r"(?:abc|(?i:DEF))x{2,}(?:y)?"))
    assert frozenset({("abc", False), ("def", True)}) in needs
    assert frozenset({("x", False)}) in needs
    assert all(("y", False) not in need for need in needs)


def test_rules_skip_nothing_in_a_text_full_of_identifiers(detector: PHIDetector) -> None:
    text = ("Patient: Harold Whitcombe, MRN 40318876, fax 503-555-0148, SSN 243-59-4100, seen 03/14/2026 by "
            "Dr. Priya Raman at Lakeside General Hospital; wife Maureen Lee; email jane.doe@gmail.com.")
    lowered = lower_for_matching(text)
    matching = [rule for rule in detector.rules["en"] if rule.pattern.search(text)]
    assert {rule.name for rule in matching} >= {"mrn", "fax", "ssn", "numeric_date", "title_name", "relative_name"}
    assert all(may_match(rule.pattern, text, lowered) for rule in matching)
    assert {d.recognizer for d in apply_rules(detector.rules["en"], text)} >= {"mrn", "fax", "ssn", "title_name"}
