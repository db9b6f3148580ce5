"""Clinical values: parsing (thousands, signs, ranges, unit spellings), unit conversion, analyte
binding, dose unit errors and plausibility, each on a hand-written output whose answer is known."""

from __future__ import annotations

import pytest

from workbench.scoring.values import (
    ClinicalValue,
    ValueFidelity,
    dose_unit_errors,
    extract_values,
    plausibility_flags,
    value_fidelity,
)


def parsed(text: str) -> list[tuple[str | None, str, str]]:
    return [(value.analyte, value.number, value.unit) for value in extract_values(text)]


# --- numbers -------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["BNP 4,500 pg/mL", "BNP 4 500 pg/mL", "BNP 4\u00a0500 pg/mL", "BNP 4\u202f500 pg/mL"])
def test_thousands_separators_are_one_number(text: str) -> None:
    assert parsed(text) == [("bnp", "4500", "pg/ml")]


def test_thousands_separator_is_not_read_as_an_invented_500() -> None:
    source = "NT-proBNP 4500 pg/mL on admission."
    fidelity = value_fidelity("NT-proBNP 4,500 pg/mL.", "NT-proBNP 4500 pg/mL.", source)
    assert (fidelity.kept, fidelity.invented) == (1, [])
    assert value_fidelity("NT-proBNP 4,501 pg/mL.", "", source).invented == ["4,501 pg/mL"]


def test_chinese_comma_separates_clauses_not_thousands() -> None:
    # "4，500" is ambiguous in Chinese text (the full-width comma ends a clause), so it is two numbers.
    assert [value.number for value in extract_values("BNP 4，500 pg/mL")] == ["4", "500"]


@pytest.mark.parametrize(("text", "number"), [
    ("Base excess -8 mmol/L", "-8"), ("Base excess \u22128 mmol/L", "-8"), ("Base excess +2 mmol/L", "2"),
    ("碱剩余-8mmol/L", "-8"),
])
def test_signs(text: str, number: str) -> None:
    assert parsed(text) == [("be", number, "mmol/l")]


@pytest.mark.parametrize("text", ["K 3-5 mmol/L", "K 3–5 mmol/L", "K 3~5 mmol/L", "K 3至5 mmol/L", "K 3 - 5 mmol/L"])
def test_ranges_are_ranges_not_negatives(text: str) -> None:
    assert parsed(text) == [("k", "3~5", "mmol/l")]


def test_sign_lost_is_not_kept_and_is_invented() -> None:
    reference = "Base excess -8 mmol/L."
    source = "ABG: pH 7.21, base excess -8 mmol/L, lactate 4.1 mmol/L."
    for output in ("Base excess 8 mmol/L.", "Base excess 8."):
        fidelity = value_fidelity(output, reference, source)
        assert fidelity.kept == 0 and fidelity.reference_values == 1, output
        assert len(fidelity.invented) == 1, output
    assert value_fidelity("Base excess \u22128 mmol/L.", reference, source).kept == 1


def test_a_changed_range_end_is_invented() -> None:
    source = "Target potassium 4-5 mmol/L."
    assert value_fidelity("Potassium target 4–5 mmol/L.", "", source).invented == []
    assert value_fidelity("Potassium target 4-6 mmol/L.", "", source).invented == ["4-6 mmol/L"]


def test_gestational_age_is_one_value() -> None:
    assert parsed("孕36+1周") == [(None, "36+1", "周")]
    assert value_fidelity("孕36+2周", "", "停经36+1周，头痛2天。").invented == ["36+2周"]


# --- units ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["BP 150/90 mmHg", "BP 150/90 mm Hg", "BP 150/90mmHg", "血压150/90毫米汞柱", "血压 150/90mmHg"])
def test_blood_pressure_keeps_its_unit(text: str) -> None:
    assert parsed(text) == [("bp", "150/90", "mmhg")]


def test_mm_hg_spelling_is_kept_and_checked() -> None:
    fidelity = value_fidelity("BP 150/90 mm Hg.", "BP 150/90 mmHg.", "Blood pressure 150/90 mmHg, HR 88 bpm.")
    assert (fidelity.kept, fidelity.invented) == (1, [])
    assert plausibility_flags("BP 350/90 mm Hg") == ["implausible blood pressure 350/90 mm Hg"]


@pytest.mark.parametrize(("text", "unit"), [
    ("50 mcg", "ug"), ("50 μg", "ug"), ("50 µg", "ug"), ("50 ug", "ug"),
    ("38.2℃", "°c"), ("38.2 °C", "°c"), ("100.8 °F", "°f"),
    ("11.2 ×10^9/L", "x10^9/l"), ("11.2 x10⁹/L", "x10^9/l"), ("11.2 10^9/L", "x10^9/l"), ("11.2×10^9/L", "x10^9/l"),
    ("95%", "%"), ("88次/分", "bpm"), ("88 bpm", "bpm"), ("136 g/L", "g/l"), ("4.3 mmol/L", "mmol/l"),
    ("119 µmol/L", "umol/l"), ("119 μmol/L", "umol/l"),
])
def test_unit_spellings(text: str, unit: str) -> None:
    assert [value.unit for value in extract_values(text)] == [unit]


# --- conversions ---------------------------------------------------------------------------------


def test_haemoglobin_in_g_per_litre_is_kept() -> None:
    fidelity = value_fidelity("Hb 136 g/L.", "Hb 13.6 g/dL.", "Labs: haemoglobin 13.6 g/dL, WBC 7.2 x10^9/L.")
    assert (fidelity.kept, fidelity.invented) == (1, [])
    assert value_fidelity("Hb 137 g/L.", "Hb 13.6 g/dL.", "haemoglobin 13.6 g/dL").kept == 0


def test_fahrenheit_is_kept_at_its_written_precision() -> None:
    reference, source = "Temperature 38.2 °C.", "Exam: temperature 38.2 °C, pulse 110 bpm."
    fidelity = value_fidelity("Temperature 100.8 °F.", reference, source)  # 38.2 °C = 100.76 °F
    assert (fidelity.kept, fidelity.invented) == (1, [])
    assert value_fidelity("Temperature 101 °F.", reference, source).kept == 1
    assert value_fidelity("Temperature 100.9 °F.", reference, source).invented == ["100.9 °F"]
    assert value_fidelity("Temperature 38.2 °C.", "T 100.8 °F", "T 100.8 °F").kept == 1  # 100.8 °F = 38.22 °C


def test_mg_per_dl_and_mg_per_litre() -> None:
    assert value_fidelity("CRP 1.5 mg/dL", "", "CRP 15 mg/L").invented == []
    assert value_fidelity("CRP 1.6 mg/dL", "", "CRP 15 mg/L").invented == ["1.6 mg/dL"]


def test_glucose_converts_only_when_named_glucose() -> None:
    assert value_fidelity("Glucose 180 mg/dL.", "", "Blood glucose 10.0 mmol/L.").invented == []
    assert value_fidelity("血糖 180 mg/dL", "", "血糖10.0mmol/L").invented == []
    assert value_fidelity("Glucose 190 mg/dL.", "", "Blood glucose 10.0 mmol/L.").invented == ["190 mg/dL"]
    assert value_fidelity("180 mg/dL.", "", "10.0 mmol/L.").invented == ["180 mg/dL"]  # no analyte: no conversion


def test_creatinine_converts_only_when_named_creatinine() -> None:
    assert value_fidelity("Creatinine 1.35 mg/dL.", "", "Creatinine 119 umol/L.").invented == []
    assert value_fidelity("肌酐 1.35 mg/dL", "", "血肌酐119μmol/L").invented == []
    assert value_fidelity("Creatinine 1.5 mg/dL.", "", "Creatinine 119 umol/L.").invented == ["1.5 mg/dL"]
    assert value_fidelity("1.35 mg/dL.", "", "119 umol/L.").invented == ["1.35 mg/dL"]


# --- doses ---------------------------------------------------------------------------------------


def test_microgram_spellings_are_one_unit() -> None:
    source = "Fentanyl 50 mcg IV given."
    for output in ("fentanyl 50 μg", "fentanyl 50 µg", "fentanyl 50 ug", "fentanyl 50 mcg", "fentanyl 0.05 mg"):
        fidelity = value_fidelity(output, "Fentanyl 50 mcg.", source)
        assert (fidelity.kept, fidelity.invented, fidelity.unit_errors) == (1, [], []), output


def test_thousandfold_dose_error_is_flagged_and_invented() -> None:
    source = "Fentanyl 50 mcg IV given; paracetamol 1 g."
    assert dose_unit_errors("Fentanyl 50 mg IV.", source) == ["dose unit differs from the source: 50 mg (source 50 mcg)"]
    fidelity = value_fidelity("Fentanyl 50 mg IV.", "Fentanyl 50 mcg.", source)
    assert fidelity.kept == 0 and fidelity.invented == ["50 mg"]
    assert fidelity.unit_errors == ["dose unit differs from the source: 50 mg (source 50 mcg)"]
    assert dose_unit_errors("Paracetamol 1 mg.", source) == ["dose unit differs from the source: 1 mg (source 1 g)"]
    assert dose_unit_errors("Paracetamol 1 g, fentanyl 50 mcg.", source) == []
    assert dose_unit_errors("Paracetamol 1000 mg.", source) == []


# --- analytes ------------------------------------------------------------------------------------

SOURCE = ("Labs: Hb 13.6 g/dL, WBC 11.2 x10^9/L, potassium 4.1 mmol/L, sodium 138 mmol/L, "
          "glucose 5.6 mmol/L, creatinine 119 umol/L. Vitals: BP 150/90 mmHg, HR 88 bpm, T 38.2 °C, SpO2 95%.")


def test_values_are_bound_to_their_analyte() -> None:
    assert parsed(SOURCE) == [
        ("hb", "13.6", "g/dl"), ("wbc", "11.2", "x10^9/l"), ("k", "4.1", "mmol/l"), ("na", "138", "mmol/l"),
        ("glucose", "5.6", "mmol/l"), ("creatinine", "119", "umol/l"), ("bp", "150/90", "mmhg"),
        ("hr", "88", "bpm"), ("temp", "38.2", "°c"), ("spo2", "95", "%"),
    ]


def test_a_wrong_value_equal_to_another_number_of_the_note_is_invented() -> None:
    reference = "Potassium 4.1 mmol/L."
    fidelity = value_fidelity("Potassium 5.6 mmol/L.", reference, SOURCE)  # 5.6 is the glucose
    assert fidelity.kept == 0 and fidelity.invented == ["5.6 mmol/L"]
    assert value_fidelity("K 4.1 mmol/L.", reference, SOURCE).kept == 1  # another spelling, same analyte
    assert value_fidelity("Heart rate 95 bpm.", "", SOURCE).invented == ["95 bpm"]


def test_a_value_without_analyte_falls_back_to_number_and_unit() -> None:
    assert value_fidelity("Also 5.6 mmol/L.", "", SOURCE).invented == []
    assert value_fidelity("Also 5.7 mmol/L.", "", SOURCE).invented == ["5.7 mmol/L"]
    assert value_fidelity("Also 5.6 mg.", "", SOURCE).invented == ["5.6 mg"]  # the number alone is not enough


def test_chinese_values_and_analytes() -> None:
    source = "体格检查：体温38.2℃，脉搏96次/分，血压150/90mmHg。辅助检查：血红蛋白136g/L；血钾4.1mmol/L；血糖5.6mmol/L。"
    assert parsed("血红蛋白 136 g/L，体温 38.2℃，血压 150/90mmHg") == [
        ("hb", "136", "g/l"), ("temp", "38.2", "°c"), ("bp", "150/90", "mmhg")]
    fidelity = value_fidelity("血红蛋白 136 g/L，体温 38.2℃，血压 150/90mmHg", "血红蛋白136g/L；体温38.2℃", source)
    assert (fidelity.kept, fidelity.invented) == (2, [])
    assert value_fidelity("血红蛋白 13.6 g/dL", "", source).invented == []
    assert value_fidelity("血钾 5.6mmol/L", "血钾4.1mmol/L", source).invented == ["5.6mmol/L"]
    assert value_fidelity("体温 100.8°F", "", source).invented == []


def test_condition_names_are_not_analytes() -> None:
    assert extract_values("既往高血压6年，血压150/90mmHg。") == [
        ClinicalValue(number="150/90", unit="mmhg", text="150/90mmHg", analyte="bp")]
    assert [value.analyte for value in extract_values("丙戊酸钠 500mg，钠 135mmol/L")] == [None, "na"]
    assert [value.analyte for value in extract_values("should be 5 mg")] == [None]


def test_bare_numbers_after_a_name() -> None:
    assert parsed("pH 7.12, INR 1.0, HR 64, GCS 15") == [("ph", "7.12", ""), ("inr", "1", ""), ("hr", "64", ""), ("gcs", "15", "")]
    assert parsed("Urinalysis: glucose 4+, ketones 3+.") == []
    assert value_fidelity("HR 64", "", "heart rate 64 bpm").invented == []
    assert value_fidelity("HR 65", "", "heart rate 64 bpm, 65 kg").invented == ["HR 65"]


# --- compatibility -------------------------------------------------------------------------------


def test_text_is_as_written_with_its_place() -> None:
    text = "T 38.2℃, WBC 11.2 x10⁹/L, base excess −8 mmol/L"
    for value in extract_values(text):
        assert text[value.start:value.end] == value.text
    assert [value.text for value in extract_values(text)] == ["38.2℃", "11.2 x10⁹/L", "−8 mmol/L"]


def test_keys_and_rates_as_before() -> None:
    assert [value.key for value in extract_values("BP 150/090 mmHg, pH 7.120")] == [("150/90", "mmhg"), ("7.12", "ph")]
    fidelity = value_fidelity("BP 150/90 mmHg, HR 99 bpm", "BP 150/90 mmHg, T 36.5 °C", "BP 150/90 mmHg, HR 80 bpm")
    assert isinstance(fidelity, ValueFidelity)
    assert (fidelity.kept_rate, fidelity.invented_rate, fidelity.invented) == (0.5, 0.5, ["99 bpm"])
    assert value_fidelity("no numbers", "", "").kept_rate is None
    assert value_fidelity("", "x", "").invented_rate is None


def test_plausibility_flags() -> None:
    assert plausibility_flags("T 50 °C, SpO2 120%, BP 120/80 mmHg, K 4.1 mmol/L") == [
        "implausible value 50 °C", "implausible value 120%"]
    assert plausibility_flags("BP 80/120") == ["implausible blood pressure BP 80/120"]
    assert plausibility_flags("T -8 °C") == ["implausible value -8 °C"]
    assert plausibility_flags("Base excess -8 mmol/L, 呼吸12次/分，脉搏12次/分") == ["implausible value 12次/分"]


def test_each_spelling_names_one_analyte_and_one_unit() -> None:
    from workbench.scoring.values import _ANALYTES, _UNITS

    for table in (_ANALYTES, _UNITS):
        spellings = [spelling.lower() for spellings in table.values() for spelling in spellings]
        assert len(spellings) == len(set(spellings))


# --- the fast paths read what the plain definitions read ----------------------------------------

SHIPPED_SETS = ("smoke-en", "smoke-zh", "clinical-summary-en", "inpatient-summary-zh", "long-records-en",
                "phi-heldout-en", "phi-heldout-zh")


def _shipped_texts() -> list[str]:
    from workbench.data.evalsets import load_evalset

    texts = []
    for name in SHIPPED_SETS:
        for case in load_evalset(name).cases:
            texts += [case.source, case.reference]
    return texts


def _random_clinical_texts(count: int) -> list[str]:
    """Spellings of analytes and units, numbers, superscripts and separators in random order."""
    import random

    from workbench.scoring import values

    rng = random.Random(11)
    pieces = (list(values._ALL_SPELLINGS) + [s for spellings in values._UNITS.values() for s in spellings]
              + ["12", "4,500", "-3", "7.12", "36+1", "150/90", "×10⁹", "３６．８", "−8", "℃", "µg"]
              + [" ", " ", ", ", ": ", "\n", "。", "，", "x", "2", "-", "丙戊酸"])
    return ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 40))) for _ in range(count)]


def test_grouped_analyte_pattern_finds_what_the_plain_alternation_finds() -> None:
    import re

    from workbench.scoring import values

    plain = re.compile("|".join(values._alias_pattern(s) for s in sorted(values._ALL_SPELLINGS, key=len, reverse=True)))
    texts = _shipped_texts() + _random_clinical_texts(3000)
    for text in texts:
        folded, _origins = values._fold(text)
        assert [(m.span(), m.group()) for m in values.ANALYTE_PATTERN.finditer(folded)] == \
            [(m.span(), m.group()) for m in plain.finditer(folded)], folded[:80]


def test_fold_copies_ascii_runs_as_the_character_by_character_fold_would() -> None:
    from workbench.scoring import values

    def by_character(text: str) -> tuple[str, list[int]]:
        pieces, origins, previous = [], [], False
        for index, char in enumerate(text):
            superscript = values._SUPERSCRIPTS.get(char)
            piece = (superscript if previous else "^" + superscript) if superscript else values._fold_character(char)
            previous = superscript is not None
            pieces.append(piece)
            origins.extend([index] * len(piece))
        return "".join(pieces), origins

    for text in _shipped_texts() + _random_clinical_texts(1000) + ["x10⁹/L", "10⁹ ⁹", "a²b³", ""]:
        folded, origins = values._fold(text)
        assert (folded, list(origins)) == by_character(text)


def test_values_read_again_are_the_same_and_cannot_be_changed_through_the_cache() -> None:
    text = "Hb 98 g/L, K 5.9 mmol/L"
    first = extract_values(text)
    first.clear()
    assert extract_values(text) == extract_values(text) != []


# --- dotted and dotless i ---------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["whıte cells 12", "WHİTE CELLS 12", "whıte cells 12 x10^9/L", "Whıte blood cells: 12"])
def test_a_dotted_or_dotless_i_in_an_analyte_name_reads_as_i(text: str) -> None:
    """Case-insensitive matching takes ı and İ for i, so "whıte cells" is found as the name
    "white cells": its value is bound to that analyte (it used to raise KeyError)."""
    assert [value.analyte for value in extract_values(text)] == ["wbc"]
    assert [value.number for value in extract_values(text)] == ["12"]
