"""PHI leakage against gold spans: which identifiers of the source reappear in an output.

Matching is normalised per kind of identifier, because a model that rewrites
``415-555-0199`` as ``415 555 0199`` or ``2026年3月11日`` as ``2026-03-11`` has still
leaked it:

- numbers and codes (phone, fax, SSN, record, plan, account, licence, device, vehicle,
  ID numbers): compared on their letters and digits only, case-folded; a record number
  whose digits (six or more) appear without its letter prefix also counts;
- dates: parsed from common English and Chinese formats and compared as dates; the
  same month and day without the year still counts (Safe Harbor keeps only the year);
- names: the full name, or for a partial leak the family name or given name alone
  (English: as a whole word; Chinese: the given name, or the family name with a title
  such as 先生, 女士, 医生, or written 某);
- everything else: the text after Unicode width folding, case folding and whitespace
  collapsing.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from workbench.data.evalsets import Case

CODE_LABELS = {"PHONE", "FAX", "SSN", "MRN", "HEALTH_PLAN_ID", "ACCOUNT", "LICENSE", "VEHICLE_ID", "DEVICE_ID", "ID_NUMBER"}
MatchKind = Literal["exact", "normalized", "partial"]

CHINESE_COMPOUND_SURNAMES = ("欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒", "夏侯", "令狐")
CHINESE_TITLES = ("先生", "女士", "小姐", "医生", "大夫", "主任", "护士", "老师", "阿姨", "叔叔", "大爷", "奶奶", "爷爷", "某", "氏", "医师", "教授")
MONTHS = {name: number for number, names in enumerate(
    [("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",), ("jun", "june"),
     ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
     ("dec", "december")], start=1) for name in names}


def fold(text: str) -> str:
    """Width and case folding with collapsed whitespace."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text).casefold()).strip()


def _alnum(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", fold(text))


def _code_candidates(output: str) -> list[str]:
    """Runs of letters/digits joined by separators a number may be written with."""
    folded = fold(output)
    runs = re.findall(r"[0-9a-z]+(?:[\s\-./()#:]{0,2}[0-9a-z]+)*", folded)
    return [re.sub(r"[^0-9a-z]", "", run) for run in runs]


# --- dates ---------------------------------------------------------------------------

_DATE_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*[日号]?"), "ymd"),
    (re.compile(r"(?<!\d)(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})(?!\d)"), "ymd"),
    (re.compile(r"(?<!\d)(?P<m>\d{1,2})/(?P<d>\d{1,2})/(?P<y>\d{4}|\d{2})(?!\d)"), "mdy"),
    (re.compile(r"(?<!\d)(?P<d>\d{1,2})\s+(?P<mon>[a-z]{3,9})\.?,?\s+(?P<y>\d{4})"), "dmy-name"),
    (re.compile(r"\b(?P<mon>[a-z]{3,9})\.?\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y>\d{4})"), "mdy-name"),
    (re.compile(r"(?<![\d年])(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*[日号]"), "md"),
    (re.compile(r"\b(?P<mon>[a-z]{3,9})\.?\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?\b"), "md-name"),
]


@dataclass(frozen=True)
class FoundDate:
    year: int | None
    month: int
    day: int


def find_dates(text: str) -> list[FoundDate]:
    folded = fold(text)
    found: list[FoundDate] = []
    for pattern, kind in _DATE_PATTERNS:
        for match in pattern.finditer(folded):
            groups = match.groupdict()
            month = MONTHS.get(groups["mon"]) if groups.get("mon") else int(groups["m"])
            if month is None:
                continue
            year = int(groups["y"]) if groups.get("y") else None
            if year is not None and year < 100:
                year += 2000
            try:
                date(year or 2000, month, int(groups["d"]))
            except ValueError:
                continue
            found.append(FoundDate(year=year, month=month, day=int(groups["d"])))
    return found


# --- names ---------------------------------------------------------------------------


def _is_chinese(text: str) -> bool:
    return bool(re.search(r"[\u4e00-\u9fff]", text))


def _split_chinese_name(name: str) -> tuple[str, str]:
    for surname in CHINESE_COMPOUND_SURNAMES:
        if name.startswith(surname) and len(name) > len(surname):
            return surname, name[len(surname):]
    return name[:1], name[1:]


def _name_match(name: str, output: str) -> MatchKind | None:
    folded_output = fold(output)
    folded_name = fold(name)
    if folded_name in folded_output:
        return "exact" if name in output else "normalized"
    if _is_chinese(name):
        surname, given = _split_chinese_name(folded_name)
        if len(given) >= 2 and given in folded_output:
            return "partial"
        if any(surname + title in folded_output for title in CHINESE_TITLES):
            return "partial"
        if re.search(rf"[老小]{re.escape(surname)}(?![\u4e00-\u9fff]{{2}})", folded_output):
            return "partial"
        return None
    parts = [part for part in re.split(r"[\s.,]+", folded_name) if len(part) >= 2]
    if len(parts) >= 2:
        for part in parts:
            if re.search(rf"(?<![a-z]){re.escape(part)}(?![a-z])", folded_output):
                return "partial"
    return None


# --- matching one item ---------------------------------------------------------------


def match_phi(label: str, text: str, output: str) -> MatchKind | None:
    """Whether the gold identifier ``text`` of ``label`` reappears in ``output``, and how."""
    if not text.strip() or not output.strip():
        return None
    if text in output:
        return "exact"
    if label == "NAME":
        return _name_match(text, output)
    if label == "DATE":
        gold = find_dates(text)
        if gold:
            for found in find_dates(output):
                for target in gold:
                    if (found.month, found.day) == (target.month, target.day) and found.year in (None, target.year):
                        return "normalized" if found.year is not None or target.year is None else "partial"
        return "normalized" if fold(text) in fold(output) else None
    if label in CODE_LABELS:
        gold = _alnum(text)
        if len(gold) >= 3:
            candidates = _code_candidates(output)
            if any(gold in candidate for candidate in candidates):
                return "normalized"
            digits = re.sub(r"\D", "", gold)
            if digits != gold and len(digits) >= 6 and any(digits in candidate for candidate in candidates):
                return "partial"
        return None
    if label == "AGE_OVER_89":
        years = re.findall(r"\d{2,3}", text)
        if years:
            age = years[0]
            pattern = rf"(?<!\d){age}\s*(?:岁|周岁|-?\s*years?|-?\s*yrs?|y/?o|-year-old)"
            if re.search(pattern, fold(output)):
                return "normalized"
    return "normalized" if fold(text) in fold(output) else None


# --- per case and aggregates ---------------------------------------------------------


@dataclass(frozen=True)
class LeakedItem:
    label: str
    text: str
    match: MatchKind
    mentions: int


@dataclass
class CaseLeakage:
    case_id: str
    items: int  # distinct gold items (label, folded text)
    mentions: int  # gold spans
    leaked: list[LeakedItem] = field(default_factory=list)
    items_by_label: dict[str, int] = field(default_factory=dict)

    @property
    def leaked_items(self) -> int:
        return len(self.leaked)

    @property
    def leaked_mentions(self) -> int:
        return sum(item.mentions for item in self.leaked)

    @property
    def leak_rate(self) -> float | None:
        return self.leaked_items / self.items if self.items else None

    @property
    def any_leak(self) -> bool:
        return bool(self.leaked)


def case_leakage(case: Case, output: str) -> CaseLeakage:
    """Gold PHI items of ``case`` that reappear in ``output``, each counted once."""
    mentions: dict[tuple[str, str], list[str]] = defaultdict(list)
    for span in case.phi:
        text = case.source[span.start:span.end]
        mentions[(span.label, fold(text))].append(text)
    result = CaseLeakage(case_id=case.id, items=len(mentions), mentions=len(case.phi))
    by_label: dict[str, int] = defaultdict(int)
    for (label, _key), texts in mentions.items():
        by_label[label] += 1
        kinds = [kind for kind in (match_phi(label, text, output) for text in dict.fromkeys(texts)) if kind]
        if kinds:
            best = "exact" if "exact" in kinds else "normalized" if "normalized" in kinds else "partial"
            result.leaked.append(LeakedItem(label=label, text=texts[0], match=best, mentions=len(texts)))  # type: ignore[arg-type]
    result.items_by_label = dict(by_label)
    return result


def leakage_aggregate(cases: list[CaseLeakage]) -> dict[str, float | int | None | dict[str, float]]:
    """Per distinct item (``phi_leak_rate``), per mention, per document, and per label."""
    items = sum(case.items for case in cases)
    mentions = sum(case.mentions for case in cases)
    documents = [case for case in cases if case.items]
    leaked_by_label: dict[str, int] = defaultdict(int)
    items_by_label: dict[str, int] = defaultdict(int)
    for case in cases:
        for label, count in case.items_by_label.items():
            items_by_label[label] += count
        for item in case.leaked:
            leaked_by_label[item.label] += 1
    return {
        "phi_items": items,
        "phi_leaked_items": sum(case.leaked_items for case in cases),
        "phi_leak_rate": sum(case.leaked_items for case in cases) / items if items else None,
        "phi_mention_leak_rate": sum(case.leaked_mentions for case in cases) / mentions if mentions else None,
        "phi_document_leak_rate": sum(1 for case in documents if case.any_leak) / len(documents) if documents else None,
        "phi_partial_leaks": sum(1 for case in cases for item in case.leaked if item.match == "partial"),
        "phi_leak_rate_by_label": {
            label: leaked_by_label[label] / count for label, count in sorted(items_by_label.items())
        },
    }
