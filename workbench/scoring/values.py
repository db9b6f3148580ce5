"""Clinical values in text (numbers with their units, bound to the analyte they measure), their
fidelity to the reference and source, and plausibility (pure functions).

A value is a number ("4,500", "-8", "150/90", "3-5", "36+1") with an optional scale (×10^9) and a
unit ("mm Hg", "µg", "℃", "次/分"), or a number written right after a named analyte without a
unit ("pH 7.12", "HR 64"). The analyte is the last name of the alias table found before the number
in the same clause ("Hb", "血红蛋白", "troponin I"). Two values are the same when their analytes
agree (where both name one), and their numbers are equal in the same unit, or equal after a fixed
unit conversion once rounded to the written precision.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from operator import itemgetter

# --- analytes ----------------------------------------------------------------------------------

# Analyte key -> its spellings (matched case-insensitively, as whole words for Latin spellings).
_ANALYTES: dict[str, tuple[str, ...]] = {
    "hb": ("Hb", "Hgb", "haemoglobin", "hemoglobin", "血红蛋白"),
    "hba1c": ("HbA1c", "A1c", "glycated haemoglobin", "glycated hemoglobin", "糖化血红蛋白"),
    "wbc": ("WBC", "white cell count", "white blood cell count", "white blood cells", "white cells",
            "leukocytes", "白细胞", "白细胞计数"),
    "plt": ("PLT", "platelets", "platelet count", "platelet", "血小板"),
    "neut_pct": ("neutrophils", "中性粒细胞比例", "中性粒细胞百分比"),
    "k": ("K", "K+", "potassium", "serum potassium", "血钾", "钾"),
    "na": ("Na", "Na+", "sodium", "serum sodium", "血钠", "钠"),
    "hco3": ("HCO3", "HCO3-", "bicarbonate", "碳酸氢根"),
    "be": ("BE", "base excess", "碱剩余"),
    "creatinine": ("Cr", "SCr", "creatinine", "serum creatinine", "肌酐", "血肌酐"),
    "urea": ("BUN", "urea", "blood urea nitrogen", "尿素氮", "尿素"),
    "egfr": ("eGFR", "GFR"),
    "bp": ("BP", "blood pressure", "血压"),
    "hr": ("HR", "heart rate", "pulse", "pulse rate", "心率", "脉搏"),
    "rr": ("RR", "respiratory rate", "resp rate", "呼吸", "呼吸频率"),
    "temp": ("T", "temp", "temperature", "体温"),
    "spo2": ("SpO2", "SaO2", "oxygen saturation", "O2 sat", "O2 saturation", "sats", "血氧", "血氧饱和度"),
    "pao2": ("PaO2", "氧分压"),
    "paco2": ("PaCO2", "二氧化碳分压"),
    "glucose": ("glucose", "blood glucose", "blood sugar", "BG", "血糖", "空腹血糖", "随机血糖", "葡萄糖"),
    "bnp": ("BNP", "B型钠尿肽"),
    "ntprobnp": ("NT-proBNP", "NT proBNP", "NTproBNP"),
    "troponin": ("troponin", "troponin I", "troponin T", "hs-troponin", "cTnI", "cTnT", "TnI", "TnT",
                 "hs-cTnT", "hs-cTnI", "肌钙蛋白", "肌钙蛋白I", "肌钙蛋白T"),
    "ckmb": ("CK-MB", "CKMB", "肌酸激酶同工酶"),
    "lvef": ("LVEF", "EF", "ejection fraction", "射血分数", "左室射血分数"),
    "inr": ("INR",),
    "ph": ("pH",),
    "lactate": ("lactate", "lactic acid", "乳酸"),
    "ldh": ("LDH", "lactate dehydrogenase", "乳酸脱氢酶"),
    "crp": ("CRP", "C-reactive protein", "C反应蛋白", "C-反应蛋白"),
    "pct": ("PCT", "procalcitonin", "降钙素原"),
    "alt": ("ALT", "谷丙转氨酶"),
    "ast": ("AST", "谷草转氨酶"),
    "bilirubin": ("bilirubin", "total bilirubin", "总胆红素"),
    "albumin": ("albumin", "白蛋白"),
    "ldl": ("LDL", "LDL cholesterol", "LDL-C", "低密度脂蛋白胆固醇"),
    "ddimer": ("D-dimer", "D-二聚体"),
    "nihss": ("NIHSS",),
    "gcs": ("GCS",),
    "sofa": ("SOFA",),
    "qsofa": ("qSOFA",),
    "curb65": ("CURB-65",),
}
# Words that hold an analyte's spelling but name a condition, not a measurement: 高血压 is not 血压.
_NOT_ANALYTES = ("高血压", "低血压", "高血糖", "低血糖", "高血钾", "低血钾", "高血钠", "低血钠")
_ALL_SPELLINGS = [spelling for spellings in _ANALYTES.values() for spelling in spellings] + list(_NOT_ANALYTES)
_ALIAS_KEYS: dict[str, str | None] = {
    **{spelling.lower(): key for key, spellings in _ANALYTES.items() for spelling in spellings},
    **{spelling: None for spelling in _NOT_ANALYTES},
}
_CJK = r"\u4e00-\u9fff"


def _alias_pattern(spelling: str) -> str:
    """A spelling as a regular expression: Latin ones as whole words, case-insensitive unless they
    are short abbreviations ("BE", "T", "Cr" and "pH" are not "be", "t", "CR" and "PH"); a single CJK
    character only when no CJK character comes right before it (钠, not 丙戊酸钠)."""
    escaped = re.escape(spelling)
    if re.match(r"[A-Za-z]", spelling):
        word = rf"(?<![A-Za-z0-9]){escaped}(?![A-Za-z0-9])"
        return word if len(spelling) <= 3 and spelling != spelling.lower() else f"(?i:{word})"
    if len(spelling) == 1:
        return rf"(?<![{_CJK}]){escaped}"
    return escaped


def _analyte_pattern(spellings: list[str]) -> re.Pattern[str]:
    """One pattern for every spelling, longest first, that finds what their plain alternation finds.

    At any position only spellings that begin with the character there can match, so the
    spellings are grouped by their first character (lower-cased, in longest-first order
    within a group) behind a lookahead on that character; Latin spellings, which all begin
    with the same whole-word lookbehind, are tried only where a word starts. The search
    then tries a handful of groups per position instead of every spelling.
    """
    groups: dict[tuple[bool, str], list[str]] = {}
    for spelling in sorted(spellings, key=len, reverse=True):
        groups.setdefault((bool(re.match(r"[A-Za-z]", spelling)), spelling[0].lower()), []).append(spelling)

    def part(latin: bool) -> str:
        firsts = "".join(sorted({c for (is_latin, first) in groups if is_latin == latin for c in (first, first.upper())}))
        alternatives = "|".join(
            f"(?=(?i:{re.escape(first)}))(?:" + "|".join(_alias_pattern(s) for s in members) + ")"
            for (is_latin, first), members in groups.items() if is_latin == latin)
        word_start = "(?<![A-Za-z0-9])" if latin else ""
        return f"(?=[{re.escape(firsts)}]){word_start}(?:{alternatives})"

    return re.compile(f"{part(True)}|{part(False)}")


ANALYTE_PATTERN = _analyte_pattern(_ALL_SPELLINGS)


# --- units -------------------------------------------------------------------------------------

# Normalised unit -> its spellings (matched case-insensitively, after NFKC: "℃" is "°C", "µ" is "μ").
_UNITS: dict[str, tuple[str, ...]] = {
    "mmhg": ("mmHg", "mm Hg", "毫米汞柱"),
    "cmh2o": ("cmH2O",),
    "bpm": ("bpm", "beats/min", "次/分", "次/分钟", "次/min"),
    "/min": ("/min", "breaths/min"),
    "°c": ("°C",),
    "°f": ("°F",),
    "ml/min/1.73m2": ("mL/min/1.73 m2", "mL/min/1.73m2", "mL/min/1.73 m^2", "mL/min/1.73m^2"),
    "ml/min": ("mL/min",),
    "ml/h": ("mL/h", "mL/hr"),
    "mmol/l": ("mmol/L",),
    "umol/l": ("μmol/L", "umol/L"),
    "meq/l": ("mEq/L",),
    "mg/dl": ("mg/dL",),
    "g/dl": ("g/dL",),
    "mg/l": ("mg/L",),
    "g/l": ("g/L",),
    "ug/l": ("μg/L", "ug/L", "mcg/L"),
    "ng/ml": ("ng/mL",),
    "pg/ml": ("pg/mL",),
    "ng/l": ("ng/L",),
    "iu/l": ("IU/L",),
    "u/l": ("U/L",),
    "iu/ml": ("IU/mL",),
    "u/ml": ("U/mL",),
    "/l": ("/L",),
    "/ul": ("/μL", "/uL"),
    "/hp": ("/HP",),
    "/hpf": ("/hpf",),
    "kg/m2": ("kg/m2", "kg/m^2"),
    "ug/kg/min": ("μg/kg/min", "ug/kg/min", "mcg/kg/min"),
    "mg/kg": ("mg/kg",),
    "ug/kg": ("μg/kg", "ug/kg", "mcg/kg"),
    "mg/d": ("mg/d", "mg/day"),
    "kg": ("kg",),
    "cm": ("cm",),
    "mm": ("mm",),
    "ml": ("mL",),
    "ug": ("mcg", "μg", "ug"),
    "mg": ("mg",),
    "g": ("g",),
    "l": ("L",),
    "iu": ("IU",),
    "u": ("units", "U"),
    "%": ("%",),
    "岁": ("岁",),
    "天": ("天",),
    "周": ("周",),
    "小时": ("小时",),
    "分钟": ("分钟",),
    "min": ("min",),
    "h": ("h",),
    "次": ("次",),
}
_UNIT_KEYS: dict[str, str] = {spelling.lower(): key for key, spellings in _UNITS.items() for spelling in spellings}


def _unit_alternation(spellings: list[str]) -> str:
    """The plain alternation of ``spellings`` (lower-case, longest first), as a pattern that finds the same
    unit faster where none begins: a lookahead on every first character refuses such a place at once,
    and each group of spellings sharing a first character is tried only behind its own lookahead.

    Under case-insensitive matching, spellings with different (lower-case) first characters never
    match at one place, so the order of the spellings that can match there is the plain alternation's.
    """
    groups: dict[str, list[str]] = {}
    for spelling in spellings:
        groups.setdefault(spelling[0], []).append(spelling)
    firsts = re.escape("".join(sorted(groups)))
    alternatives = "|".join(f"(?={re.escape(first)})(?:" + "|".join(re.escape(s) for s in members) + ")"
                            for first, members in groups.items())
    return f"(?=[{firsts}])(?:{alternatives})"


_UNIT_SPELLINGS = sorted(_UNIT_KEYS, key=len, reverse=True)
_UNIT = _unit_alternation(_UNIT_SPELLINGS)

# --- numbers -----------------------------------------------------------------------------------

# Thousands are grouped by "," or a space ("4,500", "4 500"), never by the Chinese "，", which
# separates clauses.
_INTEGER = r"(?:\d{1,3}(?:,\d{3})+(?![\d,])|\d{1,3}(?: \d{3})+(?!\d)|\d+)"
_DECIMAL = rf"{_INTEGER}(?:\.\d+)?"
_SIGNED = rf"(?:(?<![A-Za-z0-9.])[-+])?{_DECIMAL}"
_RANGE_MARK = r"(?:-|–|~|至|到)"
_GESTATION_NUMBER = r"\d{1,2}\+[0-6]"  # weeks+days of pregnancy: 36+1周
_GESTATION = rf"{_GESTATION_NUMBER}(?=\s*周)"
_NUMBER = rf"(?:{_GESTATION}|{_SIGNED}(?:\s*/\s*{_DECIMAL}|\s*{_RANGE_MARK}\s*{_SIGNED})?)"
_SCALE = r"(?:\s*[x×*]\s*10\s*(?:\^|\*\*)?\s*\d{1,2}|\s+10\s*(?:\^|\*\*)\s*\d{1,2})"
VALUE_PATTERN = re.compile(
    rf"(?<![A-Za-z\d.^])(?P<number>{_NUMBER})(?P<scale>{_SCALE})?\s*(?P<unit>{_UNIT})(?![A-Za-z\d])",
    re.IGNORECASE,
)
# A number right after a named analyte, without a unit: "pH 7.12", "INR 1.0", "GCS 15", "HR 64"
# (not "高血压6年" or "glucose 4+": no letter, CJK character, "%" or "+" may follow).
_AFTER_NAME = re.compile(
    rf"\s*(?:评分|(?i:score|of|is|was)|[:=])?\s*(?P<number>{_NUMBER})(?![\d.,]?\d)(?![A-Za-z%+{_CJK}])")
# Where a clause ends: the analyte of a value is looked for only since then.
_CLAUSE_END = re.compile(r"[,;，；。\n]|\.(?=\s|$)")
_SUPERSCRIPTS = {"⁰": "0", "¹": "1", "²": "2", "³": "3", "⁴": "4", "⁵": "5", "⁶": "6", "⁷": "7", "⁸": "8", "⁹": "9"}
_FOLDS = {"−": "-", "，": "，"}  # Unicode minus; the Chinese comma is kept (NFKC would make it ",")


@dataclass(frozen=True)
class ClinicalValue:
    number: str  # normalised: "150/90", "38.2", "4500", "-8", "3~5"
    unit: str  # normalised: "mmhg", "°c", "x10^9/l", "ug"; "" for a bare number after an analyte
    text: str  # as written
    analyte: str | None = None  # key of the analyte table: "hb", "k", "glucose"
    start: int = field(default=-1, compare=False)  # where ``text`` lies in the text given
    end: int = field(default=-1, compare=False)
    decimals: int = field(default=0, compare=False)  # digits written after the decimal point

    @property
    def key(self) -> tuple[str, str]:
        return (self.number, self.unit or (self.analyte or ""))


_NON_ASCII = re.compile(r"[^\x00-\x7f]")


@lru_cache(maxsize=4096)
def _fold_character(char: str) -> str:
    return _FOLDS.get(char) or unicodedata.normalize("NFKC", char)


class _FoldedOrigins(Sequence[int]):
    """The index in the text of each character of its fold, kept as pieces (a run of ASCII copied
    whole, or the characters one non-ASCII character folded to) rather than one entry per character."""

    def __init__(self, length: int) -> None:
        self._length = length
        self._starts: list[int] = []  # first folded index of each piece
        self._origins: list[int] = []  # index in the text of its first character
        self._copied: list[bool] = []  # an ASCII run: one character of the text per folded character

    def add(self, start: int, origin: int, copied: bool) -> None:
        self._starts.append(start)
        self._origins.append(origin)
        self._copied.append(copied)

    def __len__(self) -> int:
        return self._length

    def __getitem__(self, index):  # type: ignore[override]
        if isinstance(index, slice):
            return [self[position] for position in range(*index.indices(self._length))]
        if index < 0:
            index += self._length
        if not 0 <= index < self._length:
            raise IndexError(index)
        piece = bisect_right(self._starts, index) - 1
        origin = self._origins[piece]
        return origin + index - self._starts[piece] if self._copied[piece] else origin


def _fold(text: str) -> tuple[str, Sequence[int]]:
    """NFKC, character by character, with the index in ``text`` of every folded character;
    superscript exponents become "^9", the Unicode minus "-". ASCII text is its own fold."""
    if text.isascii():
        return text, range(len(text))
    pieces: list[str] = []
    starts: list[tuple[int, int, bool]] = []
    folded_length = 0
    previous_superscript = False
    position = 0
    for match in _NON_ASCII.finditer(text):  # ASCII is its own NFKC and holds no superscript: copied whole
        index = match.start()
        if index > position:
            pieces.append(text[position:index])
            starts.append((folded_length, position, True))
            folded_length += index - position
            previous_superscript = False
        char = match.group()
        superscript = _SUPERSCRIPTS.get(char)
        if superscript is not None:
            piece = superscript if previous_superscript else "^" + superscript
        else:
            piece = _fold_character(char)
        previous_superscript = superscript is not None
        if piece:
            pieces.append(piece)
            starts.append((folded_length, index, False))
            folded_length += len(piece)
        position = index + 1
    if position < len(text):
        pieces.append(text[position:])
        starts.append((folded_length, position, True))
        folded_length += len(text) - position
    origins = _FoldedOrigins(folded_length)
    for start, origin, copied in starts:
        origins.add(start, origin, copied)
    return "".join(pieces), origins


# Compiled once: these run for every value found.
_SEPARATORS = re.compile(r"[\s,]")
_GESTATION_WHOLE = re.compile(_GESTATION_NUMBER)
_RANGE_SPLIT = re.compile(rf"(?<=[\d.])\s*{_RANGE_MARK}\s*")
_FRACTION = re.compile(r"\.(\d+)")
_SPACES = re.compile(r"\s+")
_DIGIT_RUN = re.compile(r"\d+")


def _normalise_decimal(text: str) -> str:
    """One number, normalised: "4,500" -> "4500", "+2" -> "2", "-8.0" -> "-8", "0.50" -> "0.5"."""
    text = _SEPARATORS.sub("", text)
    negative = text.startswith("-")
    digits = text.lstrip("+-")
    if "." in digits:
        digits = digits.rstrip("0").rstrip(".")
    digits = digits.lstrip("0")
    if not digits or digits.startswith("."):
        digits = "0" + digits
    return "-" + digits if negative and digits != "0" else digits


@lru_cache(maxsize=4096)
def _normalise_number(text: str) -> str:
    if _GESTATION_WHOLE.fullmatch(text):
        return text
    if "/" in text:
        return "/".join(_normalise_decimal(part) for part in text.split("/"))
    return "~".join(_normalise_decimal(part) for part in _RANGE_SPLIT.split(text, maxsplit=1))


def _decimals(text: str) -> int:
    if "." not in text:
        return 0
    return max((len(part) for part in _FRACTION.findall(text)), default=0)


@lru_cache(maxsize=4096)
def _normalise_unit(scale: str, unit: str) -> str:
    key = _UNIT_KEYS.get(_SPACES.sub(" ", unit).lower(), unit.lower())
    if scale:
        exponent = _DIGIT_RUN.findall(scale)[-1]
        return f"x10^{exponent}{key}"
    return key


# Where an analyte's spelling may begin: a run of ASCII letters (Latin spellings begin a word), or
# the first character of a spelling in another script. No spelling holds a clause end.
_NAME_START = re.compile(
    "[A-Za-z" + re.escape("".join(sorted({spelling[0] for spelling in _ALL_SPELLINGS if not re.match(r"[A-Za-z]", spelling)})))
    + "](?:(?<=[A-Za-z])[A-Za-z]*)?")
# The lower-cased letters a Latin spelling begins with, up to its first character that is not an
# ASCII letter: a word can begin a spelling only if it is one of these (a spelling's letters match
# ASCII letters of either case, or a dotted or dotless i, which ends the word's run of ASCII letters).
_LEADING_LETTERS = frozenset(re.match(r"[A-Za-z]*", spelling).group(0).lower()  # type: ignore[union-attr]
                             for spelling in _ALL_SPELLINGS if re.match(r"[A-Za-z]", spelling))
_I_LIKE = "ıİ"
# Letters that case-insensitive matching takes for "i" and that folding (NFKC) keeps: a spelling
# matched with one of them is looked up with an "i" in its place ("whıte cells" is "white cells").
_I_LIKE_AS_I = str.maketrans({"ı": "i", "İ": "i"})
# Clause ends other than the newline ("\n" is whitespace, which a bare number after a name may follow).
# Each pattern begins with a set of characters, which the search skips to directly.
_HARD_CLAUSE_END = re.compile(r"[,;，；。.](?:(?<!\.)|(?=\s|$))")
_CLAUSE_END_FAST = re.compile(r"[,;，；。\n.](?:(?<!\.)|(?=\s|$))")  # _CLAUSE_END
_DIGIT = re.compile(r"\d")
# Where a value may begin: a digit or a sign not right after what VALUE_PATTERN's lookbehind refuses.
_VALUE_START = re.compile(r"(?<![A-Za-z\d.^])[-+\d]", re.IGNORECASE)


def _alias_key(spelling: str) -> str | None:
    """The analyte key of a spelling found by ANALYTE_PATTERN (None for a condition such as 高血压)."""
    written = spelling.lower()
    if written in _ALIAS_KEYS:
        return _ALIAS_KEYS[written]
    return _ALIAS_KEYS[spelling.translate(_I_LIKE_AS_I).lower()]


def _digit_stretches(folded: str) -> list[tuple[int, int]]:
    """(start, end) of every stretch of text between clause ends other than the newline that holds a
    digit, in text order; ``end`` is the clause end that closes it (or the text's end).

    The clause ends are read only as far as the last such stretch: the text after its last digit
    is searched for a digit once and for nothing else.
    """
    stretches: list[tuple[int, int]] = []
    clause_ends = (match.start() for match in _HARD_CLAUSE_END.finditer(folded))
    start, end = 0, -1
    digit = _DIGIT.search(folded)
    while digit is not None:
        while end < digit.start():  # pass the clause ends before the digit (none is at a digit)
            start = end + 1
            end = next(clause_ends, len(folded))
        stretches.append((start, end))
        digit = _DIGIT.search(folded, end)
    return stretches


def _value_matches(folded: str, stretches: list[tuple[int, int]]) -> list[re.Match[str]]:
    """``VALUE_PATTERN.finditer(folded)``, tried only where a value may begin.

    Every value begins with a digit, or a sign right before one, so in a stretch of
    :func:`_digit_stretches` (a sign is no clause end); a value may run past its stretch's end.
    """
    found: list[re.Match[str]] = []
    match_value = VALUE_PATTERN.match
    taken_until = 0
    for stretch_start, stretch_end in stretches:
        for start in _VALUE_START.finditer(folded, max(stretch_start, taken_until), stretch_end):
            position = start.start()
            if position < taken_until:
                continue
            match = match_value(folded, position)
            if match is not None:
                found.append(match)
                taken_until = match.end()
    return found


def _names_near_numbers(folded: str, stretches: list[tuple[int, int]]) -> list[re.Match[str]]:
    """The analyte names ``ANALYTE_PATTERN.finditer(folded)`` finds in every stretch of
    :func:`_digit_stretches`; the names elsewhere can bind no number.

    A value and the name it takes its analyte from lie in one clause, and a bare number follows its
    name across whitespace and a short word only, so both lie in one such stretch with a digit. No
    spelling holds a clause end, so a search from the start of a stretch finds what the search over
    the whole text finds there. Within a stretch, the pattern is tried only where a spelling may begin.
    """
    names: list[re.Match[str]] = []
    match_name = ANALYTE_PATTERN.match
    for start, end in stretches:
        taken_until = start
        for candidate in _NAME_START.finditer(folded, start, end):
            position = candidate.start()
            if position < taken_until:
                continue
            word = candidate.group(0)
            if (word[0] < "\x80" and word.lower() not in _LEADING_LETTERS
                    and folded[candidate.end():candidate.end() + 1] not in _I_LIKE):
                continue
            name = match_name(folded, position)
            if name is not None:
                names.append(name)
                taken_until = name.end()
    return names


def _analyte_before(folded: str, names: list[re.Match[str]], name_ends: list[int], start: int, floor: int) -> str | None:
    """The analyte last named in the clause before ``start``, not before ``floor`` (``name_ends``: where each name ends)."""
    clause_start = floor
    for clause_end in _CLAUSE_END_FAST.finditer(folded, floor, start):
        clause_start = clause_end.end()
    before = bisect_right(name_ends, start)  # names are in text order and do not overlap: their ends are sorted
    if not before or names[before - 1].start() < clause_start:
        return None
    return _alias_key(names[before - 1].group(0))


def _overlaps_one(starts: list[int], ends: list[int], start: int, end: int) -> bool:
    """Whether ``start``..``end`` overlaps one of the spans ``starts[i]``..``ends[i]``, which are in text
    order and do not overlap (so their ends are in order too): only the last span that starts
    before ``end`` can reach past ``start``."""
    before = bisect_left(starts, end)
    return before > 0 and ends[before - 1] > start


def extract_values(text: str) -> list[ClinicalValue]:
    """Numbers with units, and numbers named by an analyte, in clinical text, in order of appearance."""
    return list(_extract_values(text))


def clear_value_cache() -> None:
    """Forget the values of texts already read."""
    _extract_values.cache_clear()


@lru_cache(maxsize=4096)
def _extract_values(text: str) -> tuple[ClinicalValue, ...]:
    """:func:`extract_values`, kept for texts read again: an output is read by the fidelity and the
    plausibility scorers, and a set's sources and references by every evaluation of the set."""
    folded, origins = _fold(text)
    stretches = _digit_stretches(folded)
    names = _names_near_numbers(folded, stretches)
    # start, end, number as written, unit, analyte (given for a bare number after a name)
    found: list[tuple[int, int, str, str, str | None]] = [
        (match.start(), match.end(), match.group("number"), _normalise_unit(match.group("scale") or "", match.group("unit")), None)
        for match in _value_matches(folded, stretches)
    ]
    taken_starts = [start for start, *_rest in found]
    taken_ends = [end for _start, end, *_rest in found]
    for name in names:
        analyte = _alias_key(name.group(0))
        if analyte is None:
            continue
        bare = _AFTER_NAME.match(folded, name.end())
        if bare is None:
            continue
        number_start, number_end = bare.span("number")
        if not _overlaps_one(taken_starts, taken_ends, number_start, number_end):
            found.append((name.start(), bare.end(), bare.group("number"), "", analyte))
    found.sort(key=itemgetter(0))

    values: list[ClinicalValue] = []
    name_ends = [name.end() for name in names]
    previous_end = 0
    for start, end, number_text, unit, named in found:
        original_start, original_end = origins[start], origins[end - 1] + 1
        values.append(ClinicalValue(
            number=_normalise_number(number_text.strip()), unit=unit, text=text[original_start:original_end],
            analyte=named or _analyte_before(folded, names, name_ends, start, previous_end),
            start=original_start, end=original_end, decimals=_decimals(number_text),
        ))
        previous_end = end
    return tuple(values)


# --- conversions -------------------------------------------------------------------------------

Converter = Callable[[float], float]


def _times(factor: float) -> Converter:
    return lambda number: number * factor


def _both_ways(unit: str, other: str, analyte: str | None, factor: float) -> dict[tuple[str, str, str | None], Converter]:
    return {(unit, other, analyte): _times(factor), (other, unit, analyte): _times(1 / factor)}


# (from unit, to unit, analyte the conversion needs, or None) -> conversion. Every unit listed here
# measures one quantity with a fixed factor; glucose and creatinine need their analyte named.
_CONVERSIONS: dict[tuple[str, str, str | None], Converter] = {
    **_both_ways("g/dl", "g/l", None, 10),
    **_both_ways("mg/dl", "mg/l", None, 10),
    **_both_ways("ng/ml", "ng/l", None, 1000),
    **_both_ways("ug/l", "ng/l", None, 1000),
    **_both_ways("g", "mg", None, 1000),
    **_both_ways("mg", "ug", None, 1000),
    **_both_ways("mmol/l", "mg/dl", "glucose", 18.016),
    **_both_ways("umol/l", "mg/dl", "creatinine", 1 / 88.4),
    ("°c", "°f", None): lambda celsius: celsius * 9 / 5 + 32,
    ("°f", "°c", None): lambda fahrenheit: (fahrenheit - 32) * 5 / 9,
}
# Conversions by a power of ten give exact numbers; the others are rounded to the written precision.
_ROUNDED = {("°c", "°f"), ("°f", "°c"), ("mmol/l", "mg/dl"), ("mg/dl", "mmol/l"), ("umol/l", "mg/dl"), ("mg/dl", "umol/l")}
# Spellings of one unit with the same numbers: compared like one unit.
_SAME_SCALE = ({"bpm", "/min"}, {"ng/ml", "ug/l"}, {"pg/ml", "ng/l"}, {"u/l", "iu/l"}, {"mmol/l", "meq/l"})


_PARTS_SPLIT = re.compile(r"[/~]")


def _parts(number: str) -> list[float] | None:
    try:
        return [float(part) for part in _PARTS_SPLIT.split(number)]
    except ValueError:
        return None


def _same_scale(first: str, second: str) -> bool:
    return first == second or any({first, second} <= group for group in _SAME_SCALE)


def _converted_equal(value: ClinicalValue, known: ClinicalValue, analyte: str | None) -> bool:
    """``known`` converted to ``value``'s unit is ``value``: exactly for a power of ten, else once
    rounded to ``value``'s written precision."""
    convert = _CONVERSIONS.get((known.unit, value.unit, analyte)) or _CONVERSIONS.get((known.unit, value.unit, None))
    if convert is None or value.number.count("~") != known.number.count("~"):
        return False
    parts, known_parts = _parts(value.number), _parts(known.number)
    if parts is None or known_parts is None or len(parts) != len(known_parts):
        return False
    if (known.unit, value.unit) in _ROUNDED:
        tolerance = 0.5 * 10 ** -value.decimals + 1e-9
        return all(abs(convert(part) - wanted) <= tolerance for part, wanted in zip(known_parts, parts))
    return all(abs(convert(part) - wanted) <= 1e-9 * max(1.0, abs(wanted)) for part, wanted in zip(known_parts, parts))


def same_value(value: ClinicalValue, known: ClinicalValue) -> bool:
    """Whether ``value`` says what ``known`` says: their analytes agree where both name one, and
    the numbers are equal in one unit, or ``known`` converted to ``value``'s unit is ``value``."""
    if value.analyte and known.analyte and value.analyte != known.analyte:
        return False
    if not value.unit or not known.unit:  # a bare number after a name: only that analyte's value
        return value.analyte is not None and value.analyte == known.analyte and value.number == known.number
    if _same_scale(value.unit, known.unit):
        return value.number == known.number  # numbers are normalised: equal text is equal value
    return _converted_equal(value, known, value.analyte or known.analyte)


# --- dose units --------------------------------------------------------------------------------

# A dose unit: a mass, optionally per kg or per time; "50 mg" for "50 mcg" is a 1000-fold error.
_DOSE_UNIT = re.compile(r"(?P<mass>ng|ug|mg|g)(?P<per>/kg/min|/kg|/d|/h)?")


def _dose_parts(unit: str) -> tuple[str, str] | None:
    match = _DOSE_UNIT.fullmatch(unit)
    return (match.group("mass"), match.group("per") or "") if match else None


# For a unit, the units a value in it may be converted from, and to (the pairs of _CONVERSIONS).
_CONVERTED_FROM: dict[str, frozenset[str]] = {}
_CONVERTED_TO: dict[str, frozenset[str]] = {}
for _from, _to, _analyte in _CONVERSIONS:
    _CONVERTED_FROM[_to] = _CONVERTED_FROM.get(_to, frozenset()) | {_from}
    _CONVERTED_TO[_from] = _CONVERTED_TO.get(_from, frozenset()) | {_to}


class _ValuesByKey:
    """Values indexed by number and by unit: the only ones :func:`same_value` can find equal to a
    given value are those with its number (same unit, a unit of the same scale, or a bare number)
    and those in a unit it converts to or from."""

    def __init__(self, values: Sequence[ClinicalValue]) -> None:
        self.by_number: dict[str, list[ClinicalValue]] = {}
        self.by_unit: dict[str, list[ClinicalValue]] = {}
        for value in values:
            self.by_number.setdefault(value.number, []).append(value)
            self.by_unit.setdefault(value.unit, []).append(value)

    def _candidates(self, number: str, units: frozenset[str]) -> list[ClinicalValue]:
        found = list(self.by_number.get(number, ()))
        for unit in units:
            found.extend(self.by_unit.get(unit, ()))
        return found

    def has_same_as(self, value: ClinicalValue) -> bool:
        """Whether one of these values ``known`` has ``same_value(value, known)``."""
        return any(same_value(value, known)
                   for known in self._candidates(value.number, _CONVERTED_FROM.get(value.unit, frozenset())))

    def says(self, known: ClinicalValue) -> bool:
        """Whether one of these values ``value`` has ``same_value(value, known)``."""
        return any(same_value(value, known)
                   for value in self._candidates(known.number, _CONVERTED_TO.get(known.unit, frozenset())))


def _dose_unit_errors(output_values: Sequence[ClinicalValue], source_values: Sequence[ClinicalValue],
                      source_index: _ValuesByKey | None = None) -> list[str]:
    errors: list[str] = []
    source_index = source_index if source_index is not None else _ValuesByKey(source_values)
    for value in output_values:
        dose = _dose_parts(value.unit)
        if dose is None or source_index.has_same_as(value):
            continue
        for source in source_values:
            source_dose = _dose_parts(source.unit)
            if (source_dose is not None and source_dose[1] == dose[1] and source_dose[0] != dose[0]
                    and source.number == value.number
                    and not (value.analyte and source.analyte and value.analyte != source.analyte)):
                errors.append(f"dose unit differs from the source: {value.text} (source {source.text})")
                break
    return errors


def dose_unit_errors(output: str, source: str) -> list[str]:
    """Doses whose number is in the source with another mass unit ("50 mg" where the source has
    "50 mcg"): a 1000-fold error, one flag each."""
    return _dose_unit_errors(extract_values(output), extract_values(source))


# --- fidelity ----------------------------------------------------------------------------------


@dataclass
class ValueFidelity:
    reference_values: int
    kept: int
    summary_values: int
    invented: list[str] = field(default_factory=list)
    unit_errors: list[str] = field(default_factory=list)

    @property
    def kept_rate(self) -> float | None:
        """Share of the reference's clinical values that the summary keeps (None when it has none)."""
        return self.kept / self.reference_values if self.reference_values else None

    @property
    def invented_rate(self) -> float | None:
        """Share of the summary's clinical values that the source does not have."""
        return len(self.invented) / self.summary_values if self.summary_values else None


def _distinct(values: Sequence[ClinicalValue]) -> list[ClinicalValue]:
    seen: dict[tuple[str | None, str, str], ClinicalValue] = {}
    for value in values:
        seen.setdefault((value.analyte, value.number, value.unit), value)
    return list(seen.values())


def value_fidelity(output: str, reference: str, source: str) -> ValueFidelity:
    """The reference's distinct values the output keeps, and the output's values the source does
    not have (invented; a dose with a 1000-fold unit error is invented and also in ``unit_errors``)."""
    reference_values = _distinct(_extract_values(reference))
    summary_values = _extract_values(output)
    source_values = _extract_values(source)
    summary_index = _ValuesByKey(summary_values)
    source_index = _ValuesByKey(source_values)
    kept = sum(1 for wanted in reference_values if summary_index.says(wanted))
    invented = [value.text for value in summary_values if not source_index.has_same_as(value)]
    return ValueFidelity(reference_values=len(reference_values), kept=kept, summary_values=len(summary_values),
                         invented=invented, unit_errors=_dose_unit_errors(summary_values, source_values, source_index))


# --- plausibility ------------------------------------------------------------------------------

# (unit, lowest plausible, highest plausible) for a single number; ratios are checked as blood pressure.
_PLAUSIBLE_RANGES = {
    "°c": (25.0, 45.0),
    "°f": (77.0, 113.0),
    "bpm": (15.0, 300.0),
    "%": (0.0, 100.0),
    "mmol/l": (0.0, 200.0),
    "kg": (0.2, 400.0),
}
# Analytes whose plausible range is not their unit's: a base excess may be negative, and a
# respiratory rate in 次/分 (read as "bpm") may be under 15.
_ANALYTE_RANGES = {"be": (-40.0, 40.0), "rr": (2.0, 80.0)}


def plausibility_flags(output: str) -> list[str]:
    """Values no living patient has (systolic BP > 300 mmHg, temperature 50 °C, SpO2 120%…)."""
    flags: list[str] = []
    for value in _extract_values(output):
        parts = _parts(value.number)
        if parts is None:
            continue
        if "/" in value.number and (value.unit == "mmhg" or (value.analyte == "bp" and not value.unit)):
            systolic, diastolic = parts
            if not 40 <= systolic <= 300 or not 10 <= diastolic <= 200 or diastolic >= systolic:
                flags.append(f"implausible blood pressure {value.text}")
            continue
        bounds = _ANALYTE_RANGES.get(value.analyte or "") or _PLAUSIBLE_RANGES.get(value.unit)
        if bounds is None:
            continue
        if not all(bounds[0] <= part <= bounds[1] for part in parts):
            flags.append(f"implausible value {value.text}")
    return flags
