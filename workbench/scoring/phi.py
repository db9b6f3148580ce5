"""PHI leakage against gold spans: which identifiers of the source reappear in an output.

Matching is normalised per kind of identifier, because a model that rewrites
``415-555-0199`` as ``415 555 0199`` or ``2026年3月11日`` as ``2026-03-11`` has still
leaked it; and it asks for context where a bare substring would be a false alarm
(``肌张力`` is not the name 张力, ``SpO2 92%`` is not the age 92):

- numbers and codes (phone, fax, SSN, record, plan, account, licence, device, vehicle,
  ID numbers): compared on their letters and digits only, case-folded, with Chinese
  numerals read as digits (``一三八…`` = ``138…``); dates written with separators in the
  output are not read as codes. Partial: a record number's digits (six or more) without
  its letter prefix, or a phone/fax number without its area or country code;
- dates: parsed from common English and Chinese formats (Chinese numerals included) and
  compared as dates; when the gold has a year the output must have the same year;
- ages over 89: only in an age context (``92-year-old``, ``aged 92``, ``92 y/o``, ``92岁``,
  ``年龄92``);
- names: the full name (as a whole word; Chinese names of two characters not glued to a
  preceding Han word), for Chinese names also in pinyin (``Wang Jianguo``, ``Jianguo Wang``);
  partial: one part of an English name in a name-like context (capitalised as written; a
  part that is also a common word, such as Will or Frank, not at a sentence start unless
  next to another part of the name or after a title such as Mr or Dr), the Chinese given
  name as a token bounded by non-Han characters, the family name with a title (先生, 女士,
  医生, 某, …) or with 老/小, the pinyin family name after a title, the pinyin given name,
  or the initials (``WJG``) standing as a token;
- addresses and locations: the text after folding; partial: the street line of an
  address (``1200 Market St``; Chinese: road and number, ``安贞路18号``), a place name
  without its trailing generic words (``St. Mary's`` for ``St. Mary's Regional Medical
  Center``) or a Chinese institution without its leading place name (``协和医院``);
- everything else: the text after Unicode width folding, case folding and whitespace
  collapsing, as a whole word.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from collections.abc import Iterable
from typing import Literal

from workbench.data.evalsets import Case

CODE_LABELS = {"PHONE", "FAX", "SSN", "MRN", "HEALTH_PLAN_ID", "ACCOUNT", "LICENSE", "VEHICLE_ID", "DEVICE_ID", "ID_NUMBER"}
MatchKind = Literal["exact", "normalized", "partial"]

CHINESE_COMPOUND_SURNAMES = ("欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒", "夏侯", "令狐")
CHINESE_TITLES = ("先生", "女士", "小姐", "医生", "大夫", "主任", "护士", "老师", "阿姨", "叔叔", "大爷", "奶奶", "爷爷", "某", "氏", "医师", "教授")
# Words that end in a common family name and come before a title: 任 in 主任医师, 责任护士.
CHINESE_TITLE_TRAPS = ("主任", "责任", "主管", "值班", "全科", "实习", "助理", "进修", "见习")
# After 某, these make "a certain day/hospital/…" (于某日, 于某院), not a person.
CHINESE_MOU_NOT_PERSON = "日天年月时院医地处种些个次位部项段"
# 老/小 + a family name that is a common word (肺小叶, 小于 5 mm, 4 小时, 老年).
CHINESE_LAO_XIAO_WORDS = (
    "小叶", "小于", "小时", "小区", "小管", "小梁", "小范围", "小苏打", "小柴胡", "小金丸", "小康", "小孔", "小方块",
    "小米", "小关节", "小白鼠", "小车", "小程序", "小段", "小雪", "小满", "老年", "老花", "老毛病",
)
# Kinship and role words just before a two-character name that leave it a name (患者何涛, 其子王磊, 交警曲磊);
# after any other Han character a two-character name is taken for part of a word (肌张力 is not 张力).
CHINESE_ROLE_WORDS = (
    "患者", "患儿", "病人", "病友", "姓名", "家属", "亲属", "联系人", "监护人", "委托人", "代理人",
    "老伴", "爱人", "配偶", "丈夫", "妻子", "其妻", "其夫", "老公", "老婆", "儿子", "女儿", "其子", "其女", "长子", "次子",
    "长女", "次女", "孙子", "孙女", "外孙", "儿媳", "女婿", "母亲", "父亲", "其母", "其父", "哥哥", "姐姐", "弟弟", "妹妹",
    "其兄", "其姐", "其弟", "其妹", "侄子", "侄女", "外甥", "同事", "同学", "朋友", "邻居", "室友", "护工", "保姆", "陪护",
    "司机", "交警", "民警", "警察", "村医", "校医", "军医", "医师", "医生", "护士", "护师", "技师", "药师", "老师", "主任",
    "院长", "经理", "师傅",
)
# Family names whose usual reading differs from the character's most common one.
SURNAME_READINGS = {
    "单": ("shan",), "曾": ("zeng",), "区": ("ou",), "仇": ("qiu",), "解": ("xie",), "查": ("zha",), "朴": ("piao",),
    "盖": ("ge", "gai"), "乐": ("yue", "le"), "缪": ("miao",), "覃": ("qin", "tan"), "召": ("shao",), "种": ("chong",),
    "秘": ("bi",), "员": ("yun",), "宓": ("fu", "mi"), "尉迟": ("yu chi",),
}
NAME_TITLES = ("mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "madam", "nurse")
# Titles that make the next word a name; they must be written capitalised (``Dr``, not the verb ``miss``).
CONTEXT_TITLES = ("mr", "mrs", "ms", "miss", "mx", "dr", "prof")
# Three-letter abbreviations of clinical notes that pinyin initials (林爱德 = LAD) must not be taken for.
CLINICAL_ABBREVIATIONS = frozenset({
    "ICU", "CCU", "CRP", "BNP", "ECG", "EKG", "PCI", "LAD", "LCX", "RCA", "HBV", "HCV", "HIV", "CKD", "AKI", "DVT",
    "GCS", "CVA", "TIA", "MRI", "CTA", "DSA", "PET", "ALT", "AST", "GGT", "ALP", "LDH", "TSH", "BUN", "WBC", "RBC",
    "PLT", "HGB", "HCT", "MCV", "INR", "PTA", "BMI", "PPI", "ARB", "CCB", "NPO", "ADL", "ABG", "BPM", "DKA", "SLE",
    "CEA", "AFP", "PSA", "ESR", "ANA", "LVH", "AMI", "UTI", "URI", "CAP", "CHF", "SBP", "DBP", "MAP", "LMA", "OGT",
    "NGT", "TPN", "EGD", "ERC", "CBC", "BMP", "CMP", "LFT", "RFT", "TCM", "ACS", "CAD", "PAD", "PDA", "VSD", "ASD",
    "QID", "TID", "BID", "PRN", "SOB", "HPI", "ROS", "GFR", "FEV", "FVC", "PEF", "SPO", "HDL", "LDL", "NEC", "GBS",
})
# English words that are also first or family names: alone at a sentence start they are words.
COMMON_WORD_NAMES = frozenset({
    "will", "frank", "hope", "may", "grace", "joy", "faith", "mark", "bill", "rose", "june", "april", "august", "art",
    "pat", "sue", "dawn", "summer", "rich", "walker", "white", "brown", "black", "green", "gray", "grey", "young",
    "king", "long", "little", "cook", "baker", "hall", "wood", "stone", "bishop", "park", "lane", "hill", "march",
    "page", "price", "rice", "reed", "bell", "fox", "hunt", "sharp", "strong", "small", "short", "ward", "field",
    "banks", "chase", "miles", "case", "major", "ray", "gene", "guy", "don", "wells", "rivers", "lake", "cross",
    "north", "west", "best", "love", "power", "free", "fair", "holly", "ivy", "iris", "lily", "daisy", "olive",
    "ruby", "pearl", "amber", "penny", "dean", "drew", "wade", "chance", "sunny", "early", "hardy", "golden",
})
STREET_ABBREVIATIONS = {
    "street": "st", "avenue": "ave", "av": "ave", "road": "rd", "boulevard": "blvd", "drive": "dr", "lane": "ln",
    "court": "ct", "place": "pl", "terrace": "ter", "highway": "hwy", "parkway": "pkwy", "square": "sq",
    "circle": "cir", "apartment": "apt", "suite": "ste", "north": "n", "south": "s", "east": "e", "west": "w",
    "mount": "mt", "fort": "ft", "saint": "st", "center": "ctr", "centre": "ctr",
}
# Trailing words of an institution's name that do not identify it (St. Mary's *Regional Medical Center*).
GENERIC_PLACE_WORDS = frozenset({
    "regional", "medical", "center", "centre", "hospital", "hospitals", "clinic", "clinics", "university", "community",
    "general", "family", "practice", "health", "healthcare", "care", "pharmacy", "rehabilitation", "rehab",
    "institute", "memorial", "specialty", "surgical", "surgery", "urgent", "nursing", "home", "facility", "system",
    "services", "of", "the", "and", "&",
})
CHINESE_INSTITUTION_SUFFIXES = ("社区卫生服务中心", "卫生服务中心", "卫生院", "保健院", "门诊部", "医院", "诊所", "药房", "药店", "中心")
# A Chinese institution core made only of these (人民医院, 第一人民医院, 中医医院) names no one hospital.
CHINESE_GENERIC_HOSPITAL_WORDS = (
    "中西医结合", "人民解放军", "妇女儿童", "妇幼保健", "精神卫生", "传染病", "医学院", "人民", "中医", "儿童", "妇幼", "妇产",
    "肿瘤", "胸科", "口腔", "眼科", "精神", "骨科", "康复", "附属", "市立", "省立", "中心", "大学", "医科", "社区", "卫生",
    "专科", "乡镇", "市", "县", "区", "省", "镇", "乡", "总",
)
# A character before a shortened institution name that leaves it unqualified by another place (转至, 就诊于).
CHINESE_PLACE_VERBS = "至于在到往赴转去来自从由经送诊就入"
MONTHS = {name: number for number, names in enumerate(
    [("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",), ("jun", "june"),
     ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
     ("dec", "december")], start=1) for name in names}
CHINESE_DIGITS = {"〇": "0", "零": "0", "幺": "1", "一": "1", "二": "2", "三": "3", "四": "4", "五": "5", "六": "6",
                  "七": "7", "八": "8", "九": "9"}


# --- text helpers --------------------------------------------------------------------


_WHITESPACE_RUN = re.compile(r"\s+")
_NOT_ALNUM = re.compile(r"[^0-9a-z]")
_NOT_DIGIT = re.compile(r"\D")
_DIGIT_RUN = re.compile(r"\d+")
_CHINESE_NUMERAL_RUN = re.compile(r"[〇零幺一二三四五六七八九十]+")
_CHINESE_TENS = re.compile(r"([一二三四五六七八九]?)十([一二三四五六七八九]?)")
_CODE_RUN = re.compile(r"[0-9a-z]+(?:[\s\-./()#:]{0,2}[0-9a-z]+)*")
_DIGITS_IN_PIECES = re.compile(r"\+?\(?\d+\)?(?:[\s\-.]{0,2}\(?\d+\)?)*")
_NAME_WORD = re.compile(r"[^\W\d_]+(?:['’\-][^\W\d_]+)*")


@lru_cache(maxsize=256)
def fold(text: str) -> str:
    """Width and case folding with collapsed whitespace (kept for texts folded again: a source is
    folded once for each of its gold identifiers)."""
    return _WHITESPACE_RUN.sub(" ", unicodedata.normalize("NFKC", text).casefold()).strip()


def clear_text_caches() -> None:
    """Forget the texts already folded and read for numbers, codes, dates and names."""
    fold.cache_clear()
    _numeric.cache_clear()
    _output_codes.cache_clear()
    _dates_in.cache_clear()
    _name_search_text.cache_clear()
    _english_name_parts.cache_clear()


def _alnum(text: str) -> str:
    return _NOT_ALNUM.sub("", fold(text))


def _is_han(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff" or "\u3400" <= char <= "\u4dbf"


def _is_chinese(text: str) -> bool:
    return any(_is_han(char) for char in text)


def _is_word_char(char: str) -> bool:
    """A letter or digit that would continue a Latin word or a number (Han characters do not)."""
    return char.isalnum() and not _is_han(char)


def _strip_marks(text: str) -> str:
    """NFKC text with diacritics removed (``Wáng`` -> ``Wang``), case kept."""
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text))
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _arabic_run(match: re.Match[str]) -> str:
    run = match.group(0)
    if "十" not in run:
        return "".join(CHINESE_DIGITS[char] for char in run)
    parts = _CHINESE_TENS.fullmatch(run)
    if parts is None:
        return run
    tens = int(CHINESE_DIGITS[parts.group(1)]) if parts.group(1) else 1
    units = int(CHINESE_DIGITS[parts.group(2)]) if parts.group(2) else 0
    return str(tens * 10 + units)


def arabic_numerals(text: str) -> str:
    """Chinese numerals as digits: 二〇二四 -> 2024, 一三八 -> 138, 十二 -> 12, 三十一 -> 31."""
    return _CHINESE_NUMERAL_RUN.sub(_arabic_run, text)


@lru_cache(maxsize=256)
def _numeric(text: str) -> str:
    """The fold with Chinese numerals as digits (kept: an output is read so for each gold code and date)."""
    return arabic_numerals(fold(text))


def _contains_bounded(needle: str, haystack: str) -> bool:
    """``needle`` in ``haystack`` where it does not continue a Latin word or a number on either side."""
    if not needle:
        return False
    start = haystack.find(needle)
    while start >= 0:  # occurrences left to right, each search resuming after the last one (no overlaps)
        end = start + len(needle)
        before = haystack[start - 1] if start else ""
        after = haystack[end] if end < len(haystack) else ""
        if not (_is_word_char(needle[0]) and before and _is_word_char(before)) \
                and not (_is_word_char(needle[-1]) and after and _is_word_char(after)):
            return True
        start = haystack.find(needle, end)
    return False


def _plain_match(text: str, output: str) -> MatchKind | None:
    if _contains_bounded(text, output):
        return "exact"
    return "normalized" if _contains_bounded(fold(text), fold(output)) else None


# --- dates ---------------------------------------------------------------------------

_ORDINAL = r"(?:st|nd|rd|th)?"
_DATE_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*[日号]?"), "ymd"),
    (re.compile(r"(?<!\d)(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})(?!\d)"), "ymd"),
    # 03/14/2026 (US) or 14.03.2026 (European): both readings are kept.
    (re.compile(r"(?<![\d.])(?P<a>\d{1,2})(?P<sep>[-/.])(?P<b>\d{1,2})(?P=sep)(?P<y>\d{4}|\d{2})(?!\d)"), "either"),
    (re.compile(r"(?<![0-9a-z])(?P<y>(?:19|20)\d{2})(?P<m>0[1-9]|1[0-2])(?P<d>0[1-9]|[12]\d|3[01])(?![0-9a-z])"), "ymd"),
    (re.compile(rf"(?<!\d)(?P<d>\d{{1,2}}){_ORDINAL}[\s\-/]*(?:of\s+)?(?P<mon>[a-z]{{3,9}})\.?[\s\-/,]+(?P<y>\d{{4}})(?!\d)"),
     "dmy"),
    (re.compile(rf"\b(?P<mon>[a-z]{{3,9}})\.?\s+(?P<d>\d{{1,2}}){_ORDINAL},?\s+(?P<y>\d{{4}})(?!\d)"), "mdy"),
    (re.compile(r"(?<![\d年])(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*[日号]"), "md"),
    (re.compile(rf"\b(?P<mon>[a-z]{{3,9}})\.?\s+(?P<d>\d{{1,2}}){_ORDINAL}\b"), "md"),
    (re.compile(rf"(?<!\d)(?P<d>\d{{1,2}}){_ORDINAL}\s+(?:of\s+)?(?P<mon>[a-z]{{3,9}})\b"), "md"),
]


_ANY_DIGIT = re.compile(r"\d")
# Characters without which a date pattern cannot match, by its place in _DATE_PATTERNS (the Chinese ones' 年 and 月).
_DATE_MARKS = {0: "年月", 6: "月"}
# A month's name as the date patterns read one: a whole name, no letter after it.
_MONTH_NAME = re.compile("(?:" + "|".join(sorted(MONTHS, key=len, reverse=True)) + ")(?![a-z])")
# Each date pattern with what it needs in a text: its marks, and whether it reads a month's name.
_DATE_PATTERN_NEEDS = [(pattern, kind, _DATE_MARKS.get(place, ""), "(?P<mon>" in pattern.pattern)
                       for place, (pattern, kind) in enumerate(_DATE_PATTERNS)]


@dataclass(frozen=True)
class FoundDate:
    year: int | None
    month: int
    day: int


def _valid_date(year: int | None, month: int, day: int) -> bool:
    try:
        date(year or 2000, month, day)
    except ValueError:
        return False
    return True


def _readings(groups: dict[str, str | None], kind: str) -> list[tuple[int, int]]:
    """(month, day) readings of one match."""
    if kind == "either":
        first, second = int(groups["a"] or 0), int(groups["b"] or 0)
        return [(first, second), (second, first)]
    month = MONTHS.get(groups["mon"] or "") if groups.get("mon") else int(groups["m"] or 0)
    return [(month, int(groups["d"] or 0))] if month else []


def _date_patterns_for(folded: str) -> list[tuple[re.Pattern[str], str]]:
    """The date patterns that can read a date in ``folded``: every one needs a digit, the Chinese ones
    their 年 or 月, and those with a month's name one of the names (a match without one reads no date),
    with no letter after it (each pattern's month is a run of letters that ends there)."""
    if not _ANY_DIGIT.search(folded):
        return []
    has_month_name = _MONTH_NAME.search(folded) is not None
    return [(pattern, kind) for pattern, kind, marks, reads_month_name in _DATE_PATTERN_NEEDS
            if all(mark in folded for mark in marks) and (has_month_name or not reads_month_name)]


def find_dates(text: str) -> list[FoundDate]:
    """Dates written in ``text``: English and Chinese formats, Chinese numerals included."""
    return list(_dates_in(text))


@lru_cache(maxsize=1024)
def _dates_in(text: str) -> tuple[FoundDate, ...]:
    """:func:`find_dates`, kept for texts read again: a gold date recurs across cases, and an output
    is read for each gold date of its case."""
    folded = _numeric(text)
    return dates_by_patterns(folded, _date_patterns_for(folded))


def dates_by_patterns(folded: str, patterns: Iterable[tuple[re.Pattern[str], str]]) -> tuple[FoundDate, ...]:
    """The dates ``patterns`` read in ``folded`` (a text through :func:`_numeric`), in pattern order; text one
    pattern read as a date is not read again by another."""
    found: list[FoundDate] = []
    taken: list[tuple[int, int]] = []  # text already read as a date (March 3 of March 3, 2024 is not another date)
    for pattern, kind in patterns:
        for match in pattern.finditer(folded):
            if any(match.start() < end and start < match.end() for start, end in taken):
                continue
            groups = match.groupdict()
            year = int(groups["y"]) if groups.get("y") else None
            if year is not None and year < 100:
                year += 2000
            readings = [FoundDate(year=year, month=month, day=day)
                        for month, day in _readings(groups, kind) if _valid_date(year, month, day)]
            if readings:
                taken.append(match.span())
            found.extend(reading for reading in readings if reading not in found)
    return tuple(found)


def _date_match(text: str, output: str) -> MatchKind | None:
    if _contains_bounded(text, output):
        return "exact"
    gold = _dates_in(text)
    if not gold:
        return "normalized" if _contains_bounded(fold(text), fold(output)) else None
    written = _dates_in(output)
    for target in gold:
        for found in written:
            same_day = (found.month, found.day) == (target.month, target.day)
            if same_day and (target.year is None or found.year == target.year):
                return "normalized"
    return None


_SEPARATED_DATE = re.compile(
    r"(?<![0-9a-z])(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{4}|\d{1,2}/\d{1,2}/\d{2})(?![0-9a-z])"
)


def _without_dates(folded: str) -> str:
    """``folded`` with dates written with separators (2024-03-03, 03/03/2024) blanked out."""
    return _SEPARATED_DATE.sub(lambda match: " " if find_dates(match.group(0)) else match.group(0), folded)


# --- numbers and codes ---------------------------------------------------------------


def _code_candidates(prepared: str) -> list[str]:
    """Runs of letters/digits joined by separators a number may be written with, separators removed."""
    return [_NOT_ALNUM.sub("", run) for run in _CODE_RUN.findall(prepared)]


# Within a run of _CODE_RUN: one or two separators between letters or digits.
_CODE_RUN_JOIN = re.compile(r"(?<=[0-9a-z])[\s\-./()#:]{1,2}(?=[0-9a-z])")
_NOT_ALNUM_RUN = re.compile(r"[^0-9a-z]+")


def _joined_code_candidates(prepared: str) -> str:
    """The code candidates of ``prepared`` (:func:`_code_candidates`) joined by newlines: a text of
    letters and digits is a substring of this exactly where it is a substring of one candidate.

    A run of _CODE_RUN is letters and digits, each stretch of them joined to the next by one or two
    separators; the separators inside runs are dropped, and whatever is left between runs becomes
    one newline.
    """
    return _NOT_ALNUM_RUN.sub("\n", _CODE_RUN_JOIN.sub("", prepared)).strip("\n")


def _digit_runs(prepared: str) -> list[str]:
    """Numbers written in pieces (555-0199, 4383 4086, (415) 555-0199 whole), as digits only."""
    return [_NOT_DIGIT.sub("", run) for run in _DIGITS_IN_PIECES.findall(prepared)]


def _local_numbers(text: str) -> list[str]:
    """A phone number without its leading country/area code groups, where seven or more digits remain."""
    groups = _DIGIT_RUN.findall(_numeric(text))
    locals_: list[str] = []
    for dropped in range(1, len(groups)):
        rest = "".join(groups[dropped:])
        if len(rest) >= 7:
            locals_.append(rest)
    return locals_


@lru_cache(maxsize=256)
def _output_codes(output: str) -> tuple[str, frozenset[str]]:
    """The code candidates (joined, :func:`_joined_code_candidates`) and the digit runs of an output,
    dates written with separators left out (kept: an output is read so for each gold code)."""
    prepared = _without_dates(_numeric(output))
    return _joined_code_candidates(prepared), frozenset(_digit_runs(prepared))


def _code_match(label: str, text: str, output: str) -> MatchKind | None:
    gold = _alnum(arabic_numerals(text))
    if len(gold) < 3:
        return "exact" if _contains_bounded(text, output) else None
    if _contains_bounded(text, output):
        return "exact"
    candidates, runs = _output_codes(output)  # gold and digits are letters and digits only: a substring of one candidate
    if gold in candidates:
        return "normalized"
    digits = _NOT_DIGIT.sub("", gold)
    if digits != gold and len(digits) >= 6 and digits in candidates:
        return "partial"
    if label in ("PHONE", "FAX"):
        if any(local in runs for local in _local_numbers(text)):
            return "partial"
    return None


# --- ages over 89 --------------------------------------------------------------------


def _age_match(text: str, output: str) -> MatchKind | None:
    numbers = re.findall(r"\d{2,3}", _numeric(text))
    if not numbers:
        return _plain_match(text, output)
    age = numbers[0]
    written = _numeric(output)
    contexts = (
        rf"(?<![\d.]){age}\s*(?:周岁|岁)",
        rf"(?<![\d.]){age}\s*-?\s*(?:years?|yrs?|yo|y/o|y\.o\.?|y)(?![a-z])",
        rf"(?:\bage[ds]?\b|年龄|年齡)\s*(?:of\s+)?[:：]?\s*{age}(?![\d.])",
    )
    if _age_sex_shorthand(age, output) or any(re.search(pattern, written) for pattern in contexts):
        return "exact" if text in output else "normalized"
    return None


def _age_sex_shorthand(age: str, output: str) -> bool:
    """``98F`` / ``92 M`` as written (capital M or F), but not a temperature such as ``Temp 98F``."""
    as_written = unicodedata.normalize("NFKC", output)
    for match in re.finditer(rf"(?<![\d.]){age} ?[MF](?![A-Za-z])", as_written):
        if not re.search(r"\b(?:temp\w*|t|tmax|febrile)\W{0,3}$", as_written[:match.start()], re.IGNORECASE):
            return True
    return False


# --- names: English ------------------------------------------------------------------

_TITLE_BEFORE = re.compile(rf"\b(?:{'|'.join(CONTEXT_TITLES)})\.?\s*$", re.IGNORECASE)
_SENTENCE_START = re.compile(r"(?:^|[.!?:;\n。！？：；])[\s\"'“‘(\[*•·#>\-–—]*(?:\d+[.)]\s*)?$")


@lru_cache(maxsize=1024)
def _english_name_parts(name: str) -> tuple[str, ...]:
    words = _NAME_WORD.findall(unicodedata.normalize("NFKC", name))
    return tuple(word for word in words if len(word) >= 2 and word.casefold() not in NAME_TITLES)


def _next_to_name_part(before: str, after: str, others: list[str]) -> bool:
    """Another part of the name (or its initial, ``H.``) right before or after the match."""
    other_words = {other.casefold() for other in others}
    initials = {other[0].casefold() for other in others}
    previous = re.search(r"([^\W\d_]+)(\.?)[ \t]*,?[ \t]*$", before)
    if previous:
        word, dot = previous.group(1), previous.group(2)
        if (not dot and word.casefold() in other_words) or (len(word) == 1 and word.isupper() and word.casefold() in initials):
            return True
    following = re.match(r"[ \t]*,?[ \t]*([^\W\d_]+)(\.?)", after)
    if following:
        word, dot = following.group(1), following.group(2)
        if word.casefold() in other_words or (len(word) == 1 and dot and word.isupper() and word.casefold() in initials):
            return True
    return False


def _english_part_in_context(output: str, start: int, end: int, others: list[str]) -> bool:
    """Whether the name part at output[start:end] is written as a name, not as a word."""
    before, after, written = output[:start], output[end:], output[start:end]
    title = _TITLE_BEFORE.search(before)
    if title and title.group(0)[:1].isupper():
        return True
    if not written[:1].isupper():
        return False
    if _next_to_name_part(before, after, others):
        return True
    return not (written.casefold() in COMMON_WORD_NAMES and _SENTENCE_START.search(before))


@lru_cache(maxsize=256)
def _name_search_text(output: str) -> tuple[str, str | None]:
    """The output as English names are searched in (NFKC), and that text lower-cased where it is ASCII
    (kept: an output is read so for each gold name)."""
    text = unicodedata.normalize("NFKC", output)
    return text, text.lower() if text.isascii() else None


def _may_hold(words: list[str], lowered: str | None) -> bool:
    """False where no case-insensitive search can find every one of ``words`` in a text: the text is
    ASCII (``lowered``, lower-cased), so are the words, and one of them is not in it."""
    return lowered is None or not all(word.isascii() for word in words) \
        or all(word.lower() in lowered for word in words)


def _english_name_match(name: str, output: str) -> MatchKind | None:
    whole = _plain_match(name, output)
    if whole:
        return whole
    parts = _english_name_parts(name)
    text, lowered = _name_search_text(output)
    if len(parts) < 2:
        return None
    if _may_hold([parts[-1], parts[0]], lowered):
        reversed_name = rf"(?<![^\W\d_]){re.escape(parts[-1])}\s*,\s*{re.escape(parts[0])}(?![^\W\d_])"
        if re.search(reversed_name, text, re.IGNORECASE):
            return "normalized"
    for part in parts:
        if not _may_hold([part], lowered):
            continue
        others = [other for other in parts if other.casefold() != part.casefold()]
        for match in re.finditer(rf"(?<![^\W\d_]){re.escape(part)}(?![^\W\d_])", text, re.IGNORECASE):
            if _english_part_in_context(text, match.start(), match.end(), others):
                return "partial"
    return None


# --- names: Chinese ------------------------------------------------------------------


def _split_chinese_name(name: str) -> tuple[str, str]:
    for surname in CHINESE_COMPOUND_SURNAMES:
        if name.startswith(surname) and len(name) > len(surname):
            return surname, name[len(surname):]
    return name[:1], name[1:]


def _han_left_bounded(text: str, start: int) -> bool:
    """Nothing Han glued before ``start``, or a role word (患者, 其子, …) that introduces a name."""
    return start == 0 or not _is_han(text[start - 1]) or any(text[:start].endswith(word) for word in CHINESE_ROLE_WORDS)


def _han_token(text: str, start: int, end: int) -> bool:
    """text[start:end] bounded by non-Han characters (or the ends) on both sides."""
    return (start == 0 or not _is_han(text[start - 1])) and (end == len(text) or not _is_han(text[end]))


def _surname_with_title(surname: str, output: str) -> bool:
    for title in CHINESE_TITLES:
        for match in re.finditer(re.escape(surname + title), output):
            start, end = match.start(), match.end()
            if start and output[start - 1:start + len(surname)] in CHINESE_TITLE_TRAPS:
                continue
            if title == "某" and end < len(output) and output[end] in CHINESE_MOU_NOT_PERSON:
                continue
            return True
    return False


def _surname_with_lao_xiao(surname: str, output: str) -> bool:
    for match in re.finditer(rf"[老小]{re.escape(surname)}", output):
        if not _han_left_bounded(output, match.start()):
            continue
        if any(output.startswith(word, match.start()) for word in CHINESE_LAO_XIAO_WORDS):
            continue
        return True
    return False


def _syllables(readings: tuple[str, ...]) -> str:
    """A regex for one syllable given its readings; ü written v, u or yu."""
    forms = sorted({re.escape(reading).replace("v", "(?:v|u|yu)") for reading in readings})
    return forms[0] if len(forms) == 1 else "(?:" + "|".join(forms) + ")"


@lru_cache(maxsize=4096)
def _pinyin_patterns(surname: str, given: str) -> tuple[str, str, str]:
    """Regexes for the family and given name in pinyin, and the initials (``WJG``)."""
    from pypinyin import Style, lazy_pinyin  # a dependency; imported here as it loads a large dictionary

    surname_readings = SURNAME_READINGS.get(surname, (" ".join(lazy_pinyin(surname, style=Style.NORMAL)),))
    surname_pattern = "(?:" + "|".join(
        r"[\s'\-]?".join(_syllables((syllable,)) for syllable in reading.split()) for reading in surname_readings
    ) + ")"
    given_syllables = lazy_pinyin(given, style=Style.NORMAL) if given else []
    given_pattern = r"[\s'\-]?".join(_syllables((syllable,)) for syllable in given_syllables)
    initials = "".join(syllable[0] for syllable in surname_readings[0].split() + given_syllables).upper()
    return surname_pattern, given_pattern, initials


def _capitalised_match(pattern: str, text: str) -> bool:
    return any(match.group(0)[:1].isupper()
               for match in re.finditer(rf"(?<![A-Za-z]){pattern}(?![A-Za-z])", text, re.IGNORECASE))


def _pinyin_match(surname: str, given: str, output: str) -> MatchKind | None:
    if not re.search(r"[A-Za-z]", output):
        return None
    text = _strip_marks(output)
    family, personal, initials = _pinyin_patterns(surname, given)
    if personal and _capitalised_match(rf"(?:{family}[\s,\-]*{personal}|{personal}[\s,\-]*{family})", text):
        return "normalized"
    titled = rf"(?<![A-Za-z])(?:{'|'.join(CONTEXT_TITLES)})\.?\s+{family}(?![A-Za-z])"
    if _capitalised_match(titled, text):
        return "partial"
    if len(given) >= 2 and _capitalised_match(personal, text):
        return "partial"
    if len(initials) >= 3 and initials not in CLINICAL_ABBREVIATIONS \
            and re.search(rf"(?<![A-Za-z]){initials}(?![A-Za-z])", text):
        return "partial"
    return None


def _chinese_name_match(name: str, output: str) -> MatchKind | None:
    folded_name, folded_output = fold(name), fold(output)
    for match in re.finditer(re.escape(folded_name), folded_output):
        if len(folded_name) >= 3 or _han_left_bounded(folded_output, match.start()):
            return "exact" if name in output else "normalized"
    surname, given = _split_chinese_name(folded_name)
    pinyin = _pinyin_match(surname, given, output)
    if pinyin == "normalized":
        return pinyin
    if len(given) >= 2 and any(_han_token(folded_output, match.start(), match.end())
                               for match in re.finditer(re.escape(given), folded_output)):
        return "partial"
    if _surname_with_title(surname, folded_output) or _surname_with_lao_xiao(surname, folded_output):
        return "partial"
    return pinyin


def _name_match(name: str, output: str) -> MatchKind | None:
    return _chinese_name_match(name, output) if _is_chinese(name) else _english_name_match(name, output)


# --- addresses and locations ---------------------------------------------------------


def _place_words(text: str) -> list[str]:
    """Lower-case words and numbers with street words abbreviated (Street -> st, Saint -> st)."""
    return [STREET_ABBREVIATIONS.get(word, word) for word in re.findall(r"[0-9a-z]+", _strip_marks(text).casefold())]


def _contains_words(needle: list[str], haystack: list[str]) -> bool:
    size = len(needle)
    return size > 0 and any(haystack[index:index + size] == needle for index in range(len(haystack) - size + 1))


def _address_match(text: str, output: str) -> MatchKind | None:
    whole = _plain_match(text, output)
    if whole:
        return whole
    output_words = _place_words(output)
    if _contains_words(_place_words(text), output_words):
        return "normalized"
    street = re.split(r",|#|\b(?:apt|apartment|suite|ste|unit|room|rm|floor|fl|bldg|building)\b",
                      text, maxsplit=1, flags=re.IGNORECASE)[0]
    street_words = _place_words(street)
    if len(street_words) >= 2 and street_words[0].isdigit() and _contains_words(street_words, output_words):
        return "partial"
    road = re.search(r"(?:^|[省市区县镇乡])([^省市区县镇乡\d]{1,8}?(?:路|街|道|巷|弄|胡同)\d+号)", _numeric(text))
    if road and road.group(1) in _numeric(output):
        return "partial"
    return None


def _english_place_core(text: str) -> list[str]:
    """The words of a place name without its trailing generic words (and a leading 'The')."""
    words = unicodedata.normalize("NFKC", text).split()
    while words and re.sub(r"[^\w&']", "", words[-1]).casefold() in GENERIC_PLACE_WORDS:
        words.pop()
    if words and words[0].casefold() == "the":
        words.pop(0)
    return words


def _generic_chinese_core(core: str) -> bool:
    rest = re.sub(r"第?[一二三四五六七八九十\d]+", "", core)
    for word in CHINESE_GENERIC_HOSPITAL_WORDS:
        rest = rest.replace(word, "")
    return not rest


def _after_place_verb(short: str, output: str) -> bool:
    """``short`` in ``output`` not glued to another place name (转至协和医院, not 上海协和医院)."""
    return any(match.start() == 0 or not _is_han(output[match.start() - 1])
               or output[match.start() - 1] in CHINESE_PLACE_VERBS
               for match in re.finditer(re.escape(short), output))


def _location_match(text: str, output: str) -> MatchKind | None:
    whole = _plain_match(text, output)
    if whole:
        return whole
    folded, folded_output = fold(text), fold(output)
    suffix = next((suffix for suffix in CHINESE_INSTITUTION_SUFFIXES if folded.endswith(suffix)), None)
    if suffix:
        for cut in range(1, len(folded) - len(suffix)):
            core = folded[cut:len(folded) - len(suffix)]
            if len(core) >= 2 and not _generic_chinese_core(core) and _after_place_verb(folded[cut:], folded_output):
                return "partial"
    core = _english_place_core(text)
    if core and len(core) < len(text.split()) and len(re.sub(r"[^A-Za-z]", "", "".join(core))) >= 4:
        pieces = []
        for word in _place_words(" ".join(core)):
            spellings = {word} | {long for long, short in STREET_ABBREVIATIONS.items() if short == word}
            pieces.append("(?:" + "|".join(sorted(spellings)) + ")")
        if _capitalised_match(r"[^0-9A-Za-z]+".join(pieces), _strip_marks(output)):
            return "partial"
    return None


# --- matching one item ---------------------------------------------------------------


def match_phi(label: str, text: str, output: str) -> MatchKind | None:
    """Whether the gold identifier ``text`` of ``label`` reappears in ``output``, and how."""
    if not text.strip() or not output.strip():
        return None
    if label == "NAME":
        return _name_match(text, output)
    if label == "DATE":
        return _date_match(text, output)
    if label == "AGE_OVER_89":
        return _age_match(text, output)
    if label in CODE_LABELS:
        return _code_match(label, text, output)
    if label == "ADDRESS":
        return _address_match(text, output)
    if label == "LOCATION":
        return _location_match(text, output)
    return _plain_match(text, output)


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
