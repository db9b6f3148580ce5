"""Summary quality beyond ROUGE: structure, clinical values, plausibility, length (pure functions)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

# A clinical value: a number (or a ratio such as 150/90), an optional scale (×10^9), and a unit.
_NUMBER = r"\d+(?:\.\d+)?(?:\s*/\s*\d+(?:\.\d+)?)?"
_SCALE = r"(?:\s*[x×*]\s*10\s*(?:\^|\*\*)?\s*\d+)?"
_UNIT = (
    r"mmHg|cmH2O|bpm|beats/min|breaths/min|/min|次/分|次/min|°C|℃|°F|"
    r"mL/min/1\.73\s*m2|mL/min/1\.73m²|mL/min|"
    r"mmol/L|µmol/L|μmol/L|umol/L|mEq/L|mg/dL|g/dL|mg/L|g/L|µg/L|μg/L|ug/L|ng/mL|pg/mL|ng/L|"
    r"IU/L|U/L|IU/mL|U/mL|/L|/μL|/µL|/uL|/HP|/hpf|"
    r"kg/m2|kg/m²|kg|cm|mm|mL|ml|mg|g|L|%|岁|天|周|小时|分钟|min|h|次"
)
VALUE_PATTERN = re.compile(
    rf"(?<![\d.])(?P<number>{_NUMBER})(?P<scale>{_SCALE})\s*(?P<unit>{_UNIT})(?![A-Za-z])",
    re.IGNORECASE,
)
# Values named without a unit after them: "LVEF 38%" is caught by the unit; "pH 7.12" and "INR 1.0" are not.
NAMED_VALUE_PATTERN = re.compile(r"\b(?P<name>pH|INR|NIHSS|GCS|SOFA|CURB-65|qSOFA)\s*(?:评分|score|of)?\s*(?P<number>\d+(?:\.\d+)?)", re.IGNORECASE)

_UNIT_ALIASES = {"℃": "°c", "μmol/l": "umol/l", "µmol/l": "umol/l", "μg/l": "ug/l", "µg/l": "ug/l", "ml": "ml",
                 "beats/min": "bpm", "次/分": "bpm", "次/min": "bpm", "/μl": "/ul", "/µl": "/ul",
                 "ml/min/1.73m²": "ml/min/1.73m2", "kg/m²": "kg/m2"}


@dataclass(frozen=True)
class ClinicalValue:
    number: str  # normalised: "150/90", "38.2", "13.6"
    unit: str  # normalised: "mmhg", "°c", "x10^9/l"
    text: str  # as written

    @property
    def key(self) -> tuple[str, str]:
        return (self.number, self.unit)


def _normalise_number(text: str) -> str:
    parts = [part.strip() for part in text.split("/")]
    normalised = []
    for part in parts:
        if "." in part:
            part = part.rstrip("0").rstrip(".") or "0"
        normalised.append(part.lstrip("0") or "0")
    return "/".join(normalised)


def _normalise_unit(scale: str, unit: str) -> str:
    unit = re.sub(r"\s+", "", unit).lower()
    unit = _UNIT_ALIASES.get(unit, unit)
    if scale.strip():
        exponent = re.findall(r"\d+", scale)[-1]
        return f"x10^{exponent}{unit}"
    return unit


def extract_values(text: str) -> list[ClinicalValue]:
    """Numbers with units (and a few named scores) in clinical text, in order of appearance."""
    folded = unicodedata.normalize("NFKC", text).replace("℃", "°C")
    values: list[ClinicalValue] = []
    for match in VALUE_PATTERN.finditer(folded):
        values.append(ClinicalValue(
            number=_normalise_number(match.group("number")),
            unit=_normalise_unit(match.group("scale") or "", match.group("unit")),
            text=match.group(0).strip(),
        ))
    for match in NAMED_VALUE_PATTERN.finditer(folded):
        values.append(ClinicalValue(number=_normalise_number(match.group("number")),
                                    unit=match.group("name").lower(), text=match.group(0).strip()))
    return values


# --- structure ----------------------------------------------------------------------


@dataclass(frozen=True)
class StructureResult:
    present: tuple[str, ...]
    missing: tuple[str, ...]
    empty: tuple[str, ...]
    in_order: bool

    @property
    def compliance(self) -> float:
        """Share of required sections present and non-empty (1.0 when none are required)."""
        required = len(self.present) + len(self.missing)
        if required == 0:
            return 1.0
        return (len(self.present) - len(self.empty)) / required

    @property
    def ok(self) -> bool:
        return not self.missing and not self.empty and self.in_order


def check_structure(output: str, required_sections: tuple[str, ...] | list[str]) -> StructureResult:
    """Required section headings present, in the manifest's order, each followed by text."""
    folded = unicodedata.normalize("NFKC", output).casefold()
    positions: dict[str, int] = {}
    for heading in required_sections:
        found = folded.find(unicodedata.normalize("NFKC", heading).casefold())
        if found != -1:
            positions[heading] = found
    present = tuple(h for h in required_sections if h in positions)
    missing = tuple(h for h in required_sections if h not in positions)
    order = sorted(present, key=lambda h: positions[h])
    in_order = list(order) == list(present)
    empty: list[str] = []
    boundaries = [positions[h] for h in order] + [len(folded)]
    for index, heading in enumerate(order):
        start = positions[heading] + len(unicodedata.normalize("NFKC", heading).casefold())
        body = folded[start:boundaries[index + 1]]
        if not re.sub(r"[\s:：\-*#]+", "", body):
            empty.append(heading)
    return StructureResult(present=present, missing=missing, empty=tuple(empty), in_order=in_order)


# --- values and plausibility ----------------------------------------------------------


@dataclass
class ValueFidelity:
    reference_values: int
    kept: int
    summary_values: int
    invented: list[str] = field(default_factory=list)

    @property
    def kept_rate(self) -> float | None:
        """Share of the reference's clinical values that the summary keeps (None when it has none)."""
        return self.kept / self.reference_values if self.reference_values else None

    @property
    def invented_rate(self) -> float | None:
        """Share of the summary's clinical values that appear nowhere in the source."""
        return len(self.invented) / self.summary_values if self.summary_values else None


def value_fidelity(output: str, reference: str, source: str) -> ValueFidelity:
    reference_keys = {value.key for value in extract_values(reference)}
    summary_values = extract_values(output)
    summary_keys = {value.key for value in summary_values}
    source_values = extract_values(source)
    source_keys = {value.key for value in source_values}
    source_numbers = {value.number for value in source_values} | set(re.findall(r"\d+(?:\.\d+)?", unicodedata.normalize("NFKC", source)))
    invented = [
        value.text for value in summary_values
        if value.key not in source_keys and value.number not in source_numbers
    ]
    return ValueFidelity(
        reference_values=len(reference_keys),
        kept=len(reference_keys & summary_keys),
        summary_values=len(summary_values),
        invented=invented,
    )


# (unit, lowest plausible, highest plausible) for a single number; ratios are checked as blood pressure.
_PLAUSIBLE_RANGES = {
    "°c": (25.0, 45.0),
    "°f": (77.0, 113.0),
    "bpm": (15.0, 300.0),
    "%": (0.0, 100.0),
    "mmol/l": (0.0, 200.0),
    "kg": (0.2, 400.0),
}


def plausibility_flags(output: str) -> list[str]:
    """Values no living patient has (systolic BP > 300 mmHg, temperature 50 °C, SpO2 120%…)."""
    flags: list[str] = []
    for value in extract_values(output):
        if value.unit == "mmhg" and "/" in value.number:
            systolic, diastolic = (float(part) for part in value.number.split("/"))
            if not 40 <= systolic <= 300 or not 10 <= diastolic <= 200 or diastolic >= systolic:
                flags.append(f"implausible blood pressure {value.text}")
            continue
        bounds = _PLAUSIBLE_RANGES.get(value.unit)
        if bounds is None:
            continue
        number = float(value.number.split("/")[0])
        if not bounds[0] <= number <= bounds[1]:
            flags.append(f"implausible value {value.text}")
    return flags


def length_figures(output: str, source: str, reference: str) -> dict[str, float | int | None]:
    return {
        "output_chars": len(output),
        "compression_ratio": len(output) / len(source) if source else None,
        "length_ratio_to_reference": len(output) / len(reference) if reference else None,
    }
