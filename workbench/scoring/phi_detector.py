"""PHI detection in model outputs when there is no gold, fully offline.

``workbench.scoring.phi`` scores leakage against the gold spans of a set. A model can
also *invent* identifiers (a plausible phone number, a name for the doctor), and free
text from elsewhere has no gold at all, so this module finds identifiers by itself:

- English: Presidio's pattern recognisers (phone, e-mail, URL, IP, SSN, date, medical
  licence) on a blank spaCy pipeline, plus regular-expression rules for what Presidio
  cannot see without a named-entity model: names after titles, roles and relatives,
  record, plan, account, device and vehicle numbers, ages over 89, fax numbers, street
  addresses, dates written out and facility names.
- Chinese: regular-expression rules only (resident ID with its check digit, mobile and
  landline numbers, 住院号/病案号, 医保卡号, addresses, dates, ages, hospitals, and names
  written after or before a context word).

Nothing is downloaded. Presidio normally loads (and if missing downloads) a spaCy model;
here its spaCy engine gets ``spacy.blank("en")`` instead. Presidio's e-mail recogniser
validates domains with ``tldextract``, whose default extractor fetches the public suffix
list over the network on first use; it is replaced by a recogniser whose extractor has
no suffix list URLs and no cache directory, so it only reads the snapshot bundled with
the package.

:func:`copied_and_invented` splits the identifiers of an output into those copied from
the source and those the model made up; :func:`detector_quality` measures the detector
against the gold spans of evaluation sets.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Callable, Iterable, Iterator

import spacy
import tldextract
from presidio_analyzer import AnalyzerEngine, EntityRecognizer, RecognizerRegistry
from presidio_analyzer.nlp_engine import SpacyNlpEngine
from presidio_analyzer.predefined_recognizers import (
    DateRecognizer,
    EmailRecognizer,
    IpRecognizer,
    MedicalLicenseRecognizer,
    PhoneRecognizer,
    UrlRecognizer,
    UsSsnRecognizer,
)
from spacy.language import Language
from spacy.tokens import Doc

from workbench.data.evalsets import Case, load_evalset
from workbench.scoring.phi import match_phi

# Presidio entity types and the workbench labels they become.
PRESIDIO_LABELS = {
    "PERSON": "NAME",
    "PHONE_NUMBER": "PHONE",
    "EMAIL_ADDRESS": "EMAIL",
    "US_SSN": "SSN",
    "DATE_TIME": "DATE",
    "URL": "URL",
    "IP_ADDRESS": "IP",
    "US_DRIVER_LICENSE": "LICENSE",
    "MEDICAL_LICENSE": "LICENSE",
    "LOCATION": "LOCATION",
    "US_PASSPORT": "ID_NUMBER",
    "US_BANK_NUMBER": "ACCOUNT",
    "NRP": "OTHER",
}
PRESIDIO_MIN_SCORE = 0.4  # Presidio's weakest guesses (bare digit runs, mm/yy) stay out
PHONE_REGIONS = ("US", "CA", "GB", "IE", "AU", "NZ")

# Reserved top-level domains (RFC 2606/6761) used in examples and synthetic notes.
RESERVED_TLDS = ("example", "test", "invalid", "localhost")


@dataclass(frozen=True)
class Detection:
    label: str
    start: int
    end: int
    text: str
    score: float
    recognizer: str


# --- rules: one regular expression per kind of identifier ----------------------------

Refine = Callable[[str], "tuple[int, int] | None"]


@dataclass(frozen=True)
class Rule:
    """A pattern for one label; the identifier is its group ``phi`` (or the whole match).

    ``refine`` may narrow the matched text to a (start, end) inside it, or reject it (None).
    """

    name: str
    label: str
    pattern: re.Pattern[str]
    score: float
    refine: Refine | None = None


def _keep_if(predicate: Callable[[str], bool]) -> Refine:
    return lambda text: (0, len(text)) if predicate(text) else None


def _digits(text: str) -> int:
    return sum(char.isdigit() for char in text)


def _has_digits(count: int) -> Refine:
    return _keep_if(lambda text: _digits(text) >= count)


def apply_rules(rules: Iterable[Rule], text: str) -> Iterator[Detection]:
    for rule in rules:
        group = "phi" if "phi" in rule.pattern.groupindex else 0
        for match in rule.pattern.finditer(text):
            start, end = match.span(group)
            if rule.refine is not None:
                kept = rule.refine(text[start:end])
                if kept is None:
                    continue
                start, end = start + kept[0], start + kept[1]
            if end > start:
                yield Detection(rule.label, start, end, text[start:end], rule.score, rule.name)


def resolve_overlaps(detections: Iterable[Detection]) -> list[Detection]:
    """Keep the best of overlapping detections (higher score, then longer), in text order."""
    kept: list[Detection] = []
    for detection in sorted(detections, key=lambda d: (-d.score, d.start - d.end, d.start)):
        if all(detection.end <= other.start or detection.start >= other.end for other in kept):
            kept.append(detection)
    return sorted(kept, key=lambda d: (d.start, d.end))


def _valid_date(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return 1900 <= year <= 2100


def _numeric_date_ok(text: str) -> bool:
    """A date written with numbers only: y-m-d, m/d/y or d/m/y must be a real day."""
    parts = [int(part) for part in re.findall(r"[0-9]+", text)]
    if len(parts) != 3:
        return False
    if parts[0] > 31:
        return _valid_date(parts[0], parts[1], parts[2])
    year = parts[2] + 2000 if parts[2] < 100 else parts[2]
    return _valid_date(year, parts[0], parts[1]) or _valid_date(year, parts[1], parts[0])


# --- English rules ---------------------------------------------------------------------

_TOKEN = r"(?:[A-Z]')?[A-Z][a-z]+(?:[A-Z][a-z]+)?(?:-[A-Z][a-z]+)*"
_PART = rf"(?:{_TOKEN}|[A-Z]\.)"
_FULL_NAME = rf"{_PART}(?:[ ]{_PART}){{0,1}}[ ]{_TOKEN}"  # two or three words, the last a word
_ANY_NAME = rf"(?:{_PART}[ ]){{0,2}}{_TOKEN}"  # one to three words

# Capitalised words that follow a title or role but are not names.
_NOT_NAMES = {
    "The", "This", "That", "He", "She", "His", "Her", "They", "Their", "We", "Our", "It", "And", "Or",
    "Patient", "Patients", "Hospital", "Clinic", "Center", "Centre", "Medical", "Health", "General",
    "Department", "Unit", "Ward", "Team", "Emergency", "Care", "Plan", "History", "Date", "Age", "Phone",
    "Fax", "Email", "Address", "Portal", "Education", "Signed", "Seen", "Admitted", "Discharged",
    "Follow", "Review", "Note", "Notes", "Summary", "Contact", "Consultant", "Attending", "Resident",
    "Nurse", "Surgeon", "Physician", "Doctor", "Dr", "Mr", "Mrs", "Ms", "Miss", "MD", "Family", "Practice",
    "Pharmacy", "Regional", "Community", "University", "Memorial", "Monday", "Tuesday", "Wednesday",
    "Thursday", "Friday", "Saturday", "Sunday", "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December", "Jan", "Feb", "Mar", "Apr", "Jun",
    "Jul", "Aug", "Sep", "Sept", "Oct", "Nov", "Dec", "Today", "Tomorrow", "Yesterday", "Unknown",
    "None", "Nil", "Not", "No", "Yes", "Name", "Child", "Infant", "Parents", "Mother", "Father",
    # words of Title Case headings and sentences in model outputs
    "Reports", "Presents", "Presented", "Denies", "Complains", "Severe", "Mild", "Moderate", "Acute", "Chronic",
    "Pain", "Details", "Given", "Information", "Status", "Instructions", "Up", "With", "Discharge", "Admission",
    "Visit", "Examination", "Assessment", "Findings", "Results", "Medications", "Allergies", "Consent",
    "Declined", "Agreed", "Informed", "Stable", "Improved", "Unchanged", "Alert", "Advised", "Aware", "Notified",
    "Chest", "Shortness", "Breath", "Fever", "Cough", "Blood", "Pressure", "Rate", "Diagnosis", "Treatment",
    "Therapy", "Management", "Symptoms", "Signs", "Was", "Is", "Has", "Had", "Be", "To", "Of", "In", "On", "At",
    "For", "By", "From", "As", "Left", "Right", "Bilateral", "Normal", "Abnormal", "Negative", "Positive",
    "Increased", "Decreased", "New", "Known", "Previous", "Current", "Recent", "Daily", "Weekly", "Home",
    "Return", "Chief", "Complaint", "Present", "Illness", "Past", "Social", "Called", "Updated", "Requested",
    "Recorded", "Started", "Stopped", "Continue", "Continued", "Planning", "Work", "Key", "Visited",
}
_TITLES = r"(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof)\.?"
_ROLES = (
    r"patient(?:'s)?(?:\s+name)?|pt|name|full name|signed(?:\s+by)?|dictated by|seen by|reviewed by|"
    r"referred by|copy to|cc|child|infant|baby|mother|father|parents?|wife|husband|partner|spouse|"
    r"son|daughter|sister|brother|niece|nephew|grand(?:son|daughter|mother|father)|aunt|uncle|cousin|"
    r"friend|colleague|neighbou?r|guardian|carer|caregiver|fianc[ée]e?|next of kin|contact|"
    r"nurse|midwife|resident|intern|student|technician|pharmacist|manager|coordinator|physician|"
    r"surgeon|an(?:a)?esthetist|consultant|attending|assistant|operator|therapist|physiotherapist|"
    r"dietitian|social worker|p(?:a)?ediatrician|obstetrician|gp|doctor|interpreter|chaplain|"
    r"registrar|fellow|scribe|witness"
)
_DISCIPLINES = (
    r"physiotherapy|occupational therapy|dietetics|nutrition|speech and language therapy|speech therapy|psychology|"
    r"psycho-oncology|pharmacy|social work|nursing|stoma care|chaplaincy|palliative care|primary care|"
    r"[a-z]+ology|[a-z]+iatrics|[a-z]+ medicine|[a-z]+ surgery"
)
_CREDENTIALS = r"(?:MD|DO|RN|NP|PA-C|PA|PhD|MBBS|FRCS|CNM|RD|PharmD|DNP|APRN)"


def _name_refine(min_words: int) -> Refine:
    """Drop capitalised words that are not names from both ends; reject what still holds one."""
    def refine(text: str) -> tuple[int, int] | None:
        words = [(m.start(), m.end(), m.group()) for m in re.finditer(r"\S+", text)]
        while words and words[-1][2].rstrip(".") in _NOT_NAMES:
            words.pop()
        while words and words[0][2].rstrip(".") in _NOT_NAMES:
            words.pop(0)
        if len(words) < min_words or not re.fullmatch(_TOKEN, words[-1][2]):
            return None
        if any(word.rstrip(".") in _NOT_NAMES for _, _, word in words):
            return None
        return words[0][0], words[-1][1]
    return refine


_MONTH = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
          r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)")
_US_PHONE = r"(?:\+?1[-. ]?)?(?:\(\d{3}\)[ ]?|\d{3}[-. ])\d{3}[-. ]\d{4}"
_CODE = r"[A-Za-z0-9]+(?:[-/][A-Za-z0-9]+)*"
_STREET_TYPES = (
    r"Street|St|Avenue|Ave|Road|Rd|Lane|Ln|Drive|Dr|Boulevard|Blvd|Court|Ct|Way|Place|Pl|Terrace|Ter|"
    r"Circle|Cir|Highway|Hwy|Parkway|Pkwy|Square|Sq|Trail|Trl|Crescent|Close|Grove|Row|Alley|Plaza|Loop"
)
_STATE_ZIP = r"[A-Z]{2}[ ]+\d{5}(?:-\d{4})?"
_CITY = r"(?:[A-Z][a-z]+[ ]?){1,3}"
_FACILITY_TYPES = (
    r"Hospital|Medical Cent(?:er|re)|Health Cent(?:er|re)|Clinic|Health System|Infirmary|Family Practice|"
    r"Pharmacy|Rehabilitation Cent(?:er|re)|Nursing Home|Care Home|Hospice|Surgery Cent(?:er|re)|"
    r"Medical Group|Health Services|Care Cent(?:er|re)|Care Facility|Nursing Facility|School|College|University|"
    r"Academy|Cent(?:er|re)|Institute|Family Medicine|Rehabilitation|Medical Practice"
)
# A word of a facility's name; a word that ends a name itself starts the next facility.
_FACILITY_WORD = r"(?!(?:Hospital|Infirmary|Clinic|Pharmacy|Hospice|Institute)\b)[A-Z][a-z'.]+"
_GENERIC_FACILITY_WORDS = {
    "General", "Community", "Regional", "University", "Memorial", "Medical", "Health", "District",
    "County", "City", "State", "Children's", "Teaching", "Private", "Public", "Local", "Our", "The",
    "This", "Your", "Rehabilitation", "Care", "Family", "Surgery", "Nursing", "Elementary", "High", "Middle",
    "Primary", "Secondary", "and", "of", "Cancer", "Heart", "Therapy", "Wellness", "Trauma", "Stroke", "Kidney",
    "Dialysis", "Eye", "Dental", "Women's", "Outpatient", "Inpatient", "Day", "Sleep", "Pain", "Diabetes",
    "Cardiac", "Vascular", "Spine", "Orthopedic", "Orthopaedic", "Surgical", "Imaging", "Radiology", "Infusion",
    "Endoscopy", "Breast", "Fertility", "Memory", "Burn", "Mental", "Behavioral", "Behavioural", "Psychiatric",
    "Rehab", "Speech", "Physical", "Occupational", "Wound", "Urgent", "Emergency", "Student", "Research",
    "Cardiology", "Oncology", "Neurology", "Pulmonary", "Respiratory", "Renal", "Transplant", "Birth", "Maternity",
    "Simulation", "Education", "Training", "Call", "Contact", "Data", "Service", "Services", "Shopping",
    "Recovery", "Addiction", "Detox", "Treatment", "Assessment", "Diagnostic", "Ambulatory",
    "Failure", "Anticoagulation", "Fracture", "Falls", "Continence", "Hypertension", "Lipid", "Asthma", "COPD",
    "Lung", "Liver", "Endocrine", "Thyroid", "Skin", "Foot", "Antenatal", "Prenatal", "Postnatal", "Well", "Baby",
    "Travel", "Vaccination", "Walk-In", "Minor", "Injuries", "Injury", "Genetics", "HIV", "Sexual", "Obesity",
    "Bariatric", "Weight", "Smoking", "Cessation", "Seizure", "Headache", "Movement", "Disorders", "Allergy",
    "Infectious", "Diseases", "Hand", "Lab", "Cath", "Spinal", "Head", "Neck", "Cardiothoracic",
}
_FACILITY_LEADING_STOP = {"The", "At", "In", "To", "From", "Via", "Our", "This", "Your", "Seen", "Admitted",
                          "Transferred", "Referred", "Discharged", "Copy", "And", "Of", "and", "of", "&", "Up",
                          "With", "For", "On", "By", "Follow", "Attends", "Attended", "Visit", "Visited"}


def _generic_facility_word(word: str) -> bool:
    return word in _GENERIC_FACILITY_WORDS or word.endswith(("ology", "ologic", "iatrics", "iatry", "ics"))


def _facility_refine(text: str) -> tuple[int, int] | None:
    kind = re.search(rf"(?:{_FACILITY_TYPES})$", text)
    if kind is None:
        return None
    words = [(m.start(), m.group()) for m in re.finditer(r"\S+", text[:kind.start()])]
    while words and words[0][1] in _FACILITY_LEADING_STOP:
        words.pop(0)
    if not words or all(_generic_facility_word(word) for _, word in words):
        return None
    return words[0][0], len(text)


def _english_rules() -> list[Rule]:
    return [
        # names
        Rule("title_name", "NAME", re.compile(rf"\b{_TITLES}[ ]+(?P<phi>{_ANY_NAME})"), 0.85, _name_refine(1)),
        Rule("role_name", "NAME", re.compile(rf"\b(?i:{_ROLES})\b\s*[:,]?[ ]+(?P<phi>{_FULL_NAME})"), 0.8,
             _name_refine(2)),
        Rule("credential_name", "NAME", re.compile(rf"(?P<phi>{_FULL_NAME}),?[ ]{_CREDENTIALS}\b"), 0.8,
             _name_refine(2)),
        Rule("name_with_role", "NAME", re.compile(
            rf"(?P<phi>{_FULL_NAME})(?:,[ ]|[ ]\()(?=(?:[a-z-]+[ ]){{0,2}}(?:{_ROLES}|{_DISCIPLINES}|GP)\b)"), 0.75,
            _name_refine(2)),
        Rule("name_before_age", "NAME",
             re.compile(rf"(?P<phi>{_FULL_NAME}),[ ](?=\d{{1,3}}\b|DOB\b|born\b|aged?\b)"), 0.75, _name_refine(2)),
        # record-like numbers after their keyword
        Rule("mrn", "MRN", re.compile(
            rf"(?i:\b(?:MRN|MR#|MR\s?No\.?|medical\s+record(?:\s+(?:number|no\.?|#))?|record\s+(?:number|no\.?|#)|"
            rf"hospital\s+(?:number|no\.?)|patient\s+(?:ID|number|no\.?)|chart\s+(?:number|no\.?|#)|unit\s+number))"
            rf"\s*[:#]?\s*(?P<phi>{_CODE})"), 0.9, _has_digits(4)),
        Rule("health_plan", "HEALTH_PLAN_ID", re.compile(
            rf"(?i:\b(?:health\s+plan(?:\s+(?:ID|number|no\.?))?|plan\s+ID|insurance(?:\s+(?:member\s+)?(?:ID|number|no\.?))?|"
            rf"member\s+(?:ID|number|no\.?)|policy\s+(?:number|no\.?)|subscriber\s+ID|beneficiary\s+(?:ID|number)|"
            rf"medicaid\s+(?:ID|number|no\.?)|medicare\s+(?:ID|number|no\.?)))\s*[:#]?\s*(?P<phi>{_CODE})"),
            0.9, _has_digits(4)),
        Rule("account", "ACCOUNT", re.compile(
            rf"(?i:\b(?:account|acct)(?:\s+(?:number|no\.?|#))?)\s*[:#]?\s*(?P<phi>{_CODE})"), 0.85, _has_digits(4)),
        Rule("ssn", "SSN", re.compile(
            r"(?i:\b(?:SSN|social\s+security(?:\s+(?:number|no\.?))?))\s*[:#]?\s*(?P<phi>\d{3}[- ]?\d{2}[- ]?\d{4})\b"),
            0.95),
        Rule("licence", "LICENSE", re.compile(
            rf"(?i:\b(?:(?:driver'?s?|driving|medical|nursing)\s+)?licen[cs]e(?!\s+plate)(?:\s+(?:number|no\.?|#))?|"
            rf"\bDEA(?:\s+(?:number|no\.?))?|\bNPI)\s*[:#]?\s*(?P<phi>{_CODE})"), 0.85, _has_digits(5)),
        Rule("vehicle", "VEHICLE_ID", re.compile(
            r"(?i:\b(?:licen[cs]e\s+plate|number\s+plate|plate|registration\s+(?:plate|number)|VIN|vehicle\s+"
            r"(?:ID|registration|reg\.?)))(?:\s+(?:number|no\.?))?\s*[:#]?\s*"
            r"(?P<phi>[A-Z0-9]{1,8}(?:[- ][A-Z0-9]{1,8}){0,2}\b)"), 0.85, _has_digits(2)),
        Rule("device", "DEVICE_ID", re.compile(
            rf"(?i:\b(?:serial(?:\s+(?:number|no\.?|#))?|S/N|SN|device\s+ID|lot(?:\s+(?:number|no\.?))?|lead|"
            rf"pacemaker|pump|generator|transmitter|implant|catheter|stent|valve|ICD|CRT-D))\s*[:#]?\s*"
            rf"(?P<phi>(?=[A-Za-z0-9-]*[A-Za-z])(?=[A-Za-z0-9-]*\d){_CODE})"), 0.8, _has_digits(4)),
        Rule("lot_code", "DEVICE_ID", re.compile(r"\b(?P<phi>LOT-?\d{5,})\b"), 0.8),
        # ages over 89
        Rule("age_years", "AGE_OVER_89", re.compile(
            r"(?<![\d.])(?P<phi>9\d|1[01]\d)(?=\s*-?\s*(?:years?|yrs?)[- ]old\b|\s*(?:years?|yrs?|y/?o)\b"
            r"(?!\s+(?:of|ago|later|earlier|before|after|since|prior|history|duration)\b))", re.IGNORECASE), 0.85),
        Rule("age_field", "AGE_OVER_89", re.compile(r"(?i:\bage[ds]?)\s*:?\s*(?P<phi>9\d|1[01]\d)\b(?!\s*(?:%|kg|mg|mm))"),
             0.85),
        # fax, then phones Presidio misses (fictional 555 numbers are not valid numbers)
        Rule("fax", "FAX", re.compile(
            rf"(?i:\bfax(?:ed)?(?:\s+(?:number|no\.?|#))?)\s*[:#]?\s*(?:[a-z]+\s+){{0,3}}(?P<phi>{_US_PHONE})\b"), 0.9),
        Rule("us_phone", "PHONE", re.compile(rf"(?<![\d-])(?P<phi>{_US_PHONE})(?![\d-])"), 0.6),
        Rule("email", "EMAIL", re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+\b"), 0.7),
        Rule("url", "URL", re.compile(r"\b(?:https?://|www\.)[^\s<>\"')\]]+[^\s<>\"')\].,;:!?]"), 0.8),
        # addresses: a street type, or a trailing ", City, ST 12345"
        Rule("street_address", "ADDRESS", re.compile(
            rf"\b\d{{1,6}}(?:[ ]+[A-Z][a-z]+\.?){{1,4}}[ ]+(?:{_STREET_TYPES})\b"
            rf"(?:[ ]+(?:Apt\.?|Suite|Unit|#)[ ]*\w+)?(?:,[ ]*{_CITY})?(?:,[ ]*{_STATE_ZIP})?"), 0.75),
        Rule("city_state_zip_address", "ADDRESS", re.compile(
            rf"\b\d{{1,6}}(?:[ ]+[A-Z][A-Za-z'-]*\.?){{1,5}}(?:[ ]+(?:Apt\.?|Suite|Unit|#)[ ]*\w+)?,[ ]*{_CITY},[ ]*"
            rf"{_STATE_ZIP}\b"), 0.8),
        # dates
        Rule("numeric_date", "DATE", re.compile(
            r"(?<![\d/.-])(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}/\d{1,2}/(?:\d{4}|\d{2}))(?![\d/-])"), 0.7,
            _keep_if(_numeric_date_ok)),
        Rule("month_name_date", "DATE", re.compile(
            rf"\b(?:{_MONTH}\.?[ ]+\d{{1,2}}(?:st|nd|rd|th)?,?[ ]+\d{{4}}|\d{{1,2}}(?:st|nd|rd|th)?[ ]+{_MONTH}\.?,?"
            rf"[ ]+\d{{4}})\b"), 0.75),
        Rule("month_day", "DATE", re.compile(
            rf"\b(?:(?!May){_MONTH}\.?[ ]+\d{{1,2}}(?:st|nd|rd|th)?|\d{{1,2}}(?:st|nd|rd|th)?[ ]+{_MONTH})\b(?![,.]?[ ]?\d)"),
            0.55),
        # facilities
        Rule("facility", "LOCATION", re.compile(
            rf"\b(?P<phi>(?:(?:{_FACILITY_WORD}|St\.|and|of|&)[ ]+){{1,6}}(?:{_FACILITY_TYPES}))\b"), 0.7,
            _facility_refine),
    ]


# --- Chinese rules ---------------------------------------------------------------------

_HAN = "\u4e00-\u9fff"
_ZH_SURNAMES = (  # common surnames, leaving out characters that often start clinical words (查体, 房颤, 车祸)
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔"
    "钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫阎段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛"
    "樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕季裴霍涂成苗谷盛曲翁冉骆"
    "蓝路游华卓缪项宗瞿桂郎虞敖巩池冀郁茹萧辛靳柴鲍滕饶艾尤穆褚戚闵卞姬隋邬臧佟晏岑窦娄麦祁喻蒲牟"
)
_ZH_COMPOUND_SURNAMES = ("欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文",
                         "司徒", "夏侯", "令狐", "端木", "西门", "南宫", "独孤", "澹台", "呼延")
# Characters that end a name (or show that what follows a surname is not a name).
_ZH_NOT_GIVEN = (
    "的了在于与和及或并而但因为是有无不未已曾再又也都均即被将把以对从向给让说诉述示伴等个次多日年时分秒岁周"
    "前后内外上下左右侧入出院住诊治疗查测服用药发热痛咳喘吐泻晕肿血压性别男女系同陪送联电话号码今昨晚夜我你他"
    "她其此该之称签代提供现既往告知嘱予行做来去到目睹肢腿足眼耳腹胸背腰头颈肩膝髋疸可感见规好差稳定醒愈显"
)
# Clinical words that start with a surname character, and what a name field may hold instead.
_ZH_NOT_NAMES = ("安静", "高热", "高烧", "黄疸", "尚可", "常规", "平稳", "明显", "良好", "方可", "曾经", "时有", "成功",
                 "应用", "向来", "许多", "何时", "于是", "江湖", "石膏", "白天", "白细胞", "毛细", "温度", "康复", "程度",
                 "严密", "严格", "严重", "申请", "包扎", "方案", "安排", "安全", "成人", "高度", "文件", "常见",
                 "患者", "患儿", "病人", "本人", "家属", "父亲", "母亲", "丈夫", "妻子", "儿子", "女儿", "同事", "朋友",
                 "邻居", "护工", "保姆", "不详", "未知", "暂缺")
_ZH_GIVEN = rf"(?:(?![{_ZH_NOT_GIVEN}])[{_HAN}]){{1,2}}"
_ZH_NAME = rf"(?:{'|'.join(_ZH_COMPOUND_SURNAMES)}|[{_ZH_SURNAMES}]){_ZH_GIVEN}"
# After a field label with a colon (姓名：, 联系人：) the value is a name even with a rarer surname.
_ZH_FIELD_NAME = rf"(?:{'|'.join(_ZH_COMPOUND_SURNAMES)}|(?![{_ZH_NOT_GIVEN}])[{_HAN}]){_ZH_GIVEN}"
_ZH_NAME_BEFORE = (
    "患者|病人|患儿|姓名|家属|其子|其女|其妻|其夫|其母|其父|其兄|其弟|其姐|其妹|其孙|配偶|之子|之女|联系人|"
    "医师|医生|主任|护士|护师|审阅|签名|记录者|丈夫|妻子|儿子|女儿|父亲|母亲|陪同人|陈述者|提供者"
)
_ZH_NAME_AFTER = (
    r"先生|女士|医生|医师|主任|护士|老师|，[男女]|,[男女]|[（(](?:父亲|母亲|儿子|女儿|丈夫|妻子|配偶|兄弟|姐妹|"
    r"哥哥|弟弟|姐姐|妹妹|孙子|孙女|儿媳|女婿|本人|朋友|同事)"
)
_ZH_MOBILE = r"(?:\+?86[- ]?)?1[3-9][0-9](?:[0-9]{8}|[- ][0-9]{4}[- ][0-9]{4})"
_ZH_LANDLINE = r"(?:\(0[0-9]{2,3}\)|0[0-9]{2,3}[- ]?)[0-9]{7,8}(?:-[0-9]{1,5})?"
_ZH_CODE = r"[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*"
_ZH_FACILITY_KINDS = "中心医院|人民医院|医院|卫生院|诊所|卫生服务中心|保健院|医疗中心"
_ZH_FACILITY_CUT = "在于至到往赴经由从及与的为是入住送转曾收就诊来自后前日月年我该"
_ZH_GENERIC_FACILITIES = {"当地", "外", "上级", "基层", "社区", "附近", "县级", "市级", "省级", "其他", "综合",
                          "专科", "乡镇", "外地", "多家", "某", "私立", "公立", "乡", "县", "村"}
_ZH_ADDRESS_CUT = re.compile(r"^.*(?:住址|地址|家住|住在|住于|居住于|居住在|现住|现居|户籍地|户籍)[：:]?")


def resident_id_valid(number: str) -> bool:
    """The 18-digit Chinese resident ID: its last character is a check digit over the first 17."""
    if not re.fullmatch(r"[0-9]{17}[0-9Xx]", number):
        return False
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(digit) * weight for digit, weight in zip(number, weights))
    return "10X98765432"[total % 11] == number[-1].upper()


def _zh_facility_refine(text: str) -> tuple[int, int] | None:
    start = max((text.rfind(char) + 1 for char in _ZH_FACILITY_CUT), default=0)
    name = text[start:]
    kind = re.search(f"(?:{_ZH_FACILITY_KINDS})$", name)
    if kind is None or kind.start() < 2 or name[:kind.start()] in _ZH_GENERIC_FACILITIES:
        return None
    return start, len(text)


def _zh_address_refine(text: str) -> tuple[int, int] | None:
    cut = _ZH_ADDRESS_CUT.match(text)
    start = cut.end() if cut else 0
    return (start, len(text)) if len(text) - start >= 5 else None


def _zh_name_refine(text: str) -> tuple[int, int] | None:
    return None if text.startswith(_ZH_NOT_NAMES) else (0, len(text))


def _zh_keyword_code(name: str, label: str, keywords: str, score: float) -> Rule:
    pattern = re.compile(rf"(?:{keywords})\s*[：:#]?\s*(?P<phi>{_ZH_CODE})")
    return Rule(name, label, pattern, score, _has_digits(4))


def _chinese_rules() -> list[Rule]:
    admin = rf"(?:[{_HAN}]{{1,8}}?(?:省|自治区|特别行政区|市|州|盟|地区|区|县|旗|镇|乡|街道))"
    street = rf"[{_HAN}0-9]{{1,10}}?(?:路|街|大道|巷|胡同|道|里)"
    tail = r"(?:院|[0-9]{1,5}(?:号楼|号院|号|栋|幢|座|单元|室|层|楼|弄))*"
    return [
        Rule("zh_resident_id", "ID_NUMBER", re.compile(r"(?<![0-9A-Za-z])(?P<phi>[1-9][0-9]{16}[0-9Xx])(?![0-9A-Za-z])"),
             0.95, _keep_if(resident_id_valid)),
        Rule("zh_fax", "FAX", re.compile(rf"传真(?:号码?)?\s*[：:]?\s*(?P<phi>{_ZH_LANDLINE}|{_ZH_MOBILE})(?![0-9])"), 0.9),
        Rule("zh_mobile", "PHONE", re.compile(rf"(?<![0-9A-Za-z])(?P<phi>{_ZH_MOBILE})(?![0-9])"), 0.85),
        Rule("zh_landline", "PHONE", re.compile(rf"(?<![0-9A-Za-z.])(?P<phi>{_ZH_LANDLINE})(?![0-9.])"), 0.7),
        _zh_keyword_code("zh_record_number", "MRN",
                         "住院号|病案号|门诊号|病历号|住院病历号|登记号|就诊卡号|患者ID|病人ID|ID号?", 0.9),
        _zh_keyword_code("zh_health_plan", "HEALTH_PLAN_ID", "医保卡号|医保号|医保账号|社保卡号|医疗保险号|参保号", 0.92),
        _zh_keyword_code("zh_account", "ACCOUNT", "账号|帐号|银行卡号|账户", 0.88),
        _zh_keyword_code("zh_device", "DEVICE_ID", "序列号|SN号?|S/N|批号|器械编号", 0.88),
        Rule("zh_email", "EMAIL", re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"), 0.9),
        Rule("zh_url", "URL", re.compile(r"(?:https?://|www\.)[A-Za-z0-9\-._~:/?#\[\]@!$&'*+,;=%]+[A-Za-z0-9/]"), 0.9),
        Rule("zh_ip", "IP", re.compile(
            r"(?<![0-9.])(?:(?:25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])\.){3}(?:25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])(?!\.?[0-9])"),
            0.85),
        Rule("zh_address", "ADDRESS", re.compile(rf"(?P<phi>{admin}*{street}[0-9]{{1,5}}(?:号|弄){tail})"), 0.85,
             _zh_address_refine),
        Rule("zh_date", "DATE", re.compile(r"(?<![0-9])[0-9]{4}\s*年\s*[0-9]{1,2}\s*月(?:\s*[0-9]{1,2}\s*[日号])?"), 0.85),
        Rule("zh_numeric_date", "DATE", re.compile(r"(?<![0-9.])[0-9]{4}[-/.][0-9]{1,2}[-/.][0-9]{1,2}(?![0-9])"), 0.8,
             _keep_if(_numeric_date_ok)),
        Rule("zh_month_day", "DATE", re.compile(r"(?<![0-9年])[0-9]{1,2}\s*月\s*[0-9]{1,2}\s*[日号]"), 0.75),
        Rule("zh_age", "AGE_OVER_89", re.compile(r"(?<![0-9.])(?P<phi>(?:9[0-9]|1[0-2][0-9])\s*周?岁)"), 0.85),
        Rule("zh_facility", "LOCATION", re.compile(rf"[{_HAN}]{{2,14}}?(?:{_ZH_FACILITY_KINDS})"), 0.8,
             _zh_facility_refine),
        Rule("zh_name_in_field", "NAME",
             re.compile(rf"(?:{_ZH_NAME_BEFORE})[：:][\s\u3000]*(?P<phi>{_ZH_FIELD_NAME})"), 0.82, _zh_name_refine),
        Rule("zh_name_after_context", "NAME",
             re.compile(rf"(?:{_ZH_NAME_BEFORE})[：:\s\u3000]*(?P<phi>{_ZH_NAME})"), 0.8, _zh_name_refine),
        Rule("zh_name_before_title", "NAME", re.compile(rf"(?P<phi>{_ZH_NAME})(?={_ZH_NAME_AFTER})"), 0.8, _zh_name_refine),
    ]


# --- Presidio, offline -------------------------------------------------------------------


@Language.component("phi_lowercase_lemma")
def _lowercase_lemma(doc: Doc) -> Doc:
    """A blank pipeline has no lemmatiser; Presidio's context words compare with lemmas."""
    for token in doc:
        token.lemma_ = token.lower_
    return doc


class BlankSpacyNlpEngine(SpacyNlpEngine):
    """Presidio's spaCy engine on ``spacy.blank``: tokens only, nothing loaded or downloaded."""

    def __init__(self, language: str = "en") -> None:
        super().__init__(models=[{"lang_code": language, "model_name": f"blank:{language}"}])
        self.language = language

    def load(self) -> None:
        nlp = spacy.blank(self.language)
        nlp.add_pipe("phi_lowercase_lemma")
        self.nlp = {self.language: nlp}


class OfflineEmailRecognizer(EmailRecognizer):
    """Presidio's e-mail recogniser with a tldextract that never fetches the suffix list."""

    def __init__(self) -> None:
        super().__init__()
        self._extract = tldextract.TLDExtract(
            cache_dir=None, suffix_list_urls=(), fallback_to_snapshot=True, extra_suffixes=RESERVED_TLDS,
        )

    def validate_result(self, pattern_text: str) -> bool:
        return self._extract(pattern_text).fqdn != ""


def _presidio_recognizers() -> list[EntityRecognizer]:
    return [
        OfflineEmailRecognizer(),
        # German numbering plans accept "168/96", a blood pressure: English-speaking regions only.
        PhoneRecognizer(supported_regions=PHONE_REGIONS),
        UrlRecognizer(),
        IpRecognizer(),
        UsSsnRecognizer(),
        DateRecognizer(),
        MedicalLicenseRecognizer(),
    ]


def build_presidio_analyzer() -> AnalyzerEngine:
    engine = BlankSpacyNlpEngine("en")
    engine.load()
    registry = RecognizerRegistry(recognizers=_presidio_recognizers(), supported_languages=["en"])
    return AnalyzerEngine(nlp_engine=engine, registry=registry, supported_languages=["en"])


# --- the detector --------------------------------------------------------------------------


class PHIDetector:
    """Finds identifiers in English or Chinese text; build once, the analyzer is reused."""

    def __init__(self) -> None:
        self.analyzer = build_presidio_analyzer()
        self.rules = {"en": _english_rules(), "zh": _chinese_rules()}

    def detect(self, text: str, language: str) -> list[Detection]:
        if language not in self.rules:
            raise ValueError(f"unsupported language {language!r}; expected one of {', '.join(self.rules)}")
        found = list(apply_rules(self.rules[language], text))
        if language == "en":
            found += self._presidio(text)
            found += _names_after_and(text, found)
        return resolve_overlaps(found)

    def _presidio(self, text: str) -> list[Detection]:
        detections = []
        for result in self.analyzer.analyze(text=text, language="en", score_threshold=PRESIDIO_MIN_SCORE):
            label = PRESIDIO_LABELS.get(result.entity_type)
            if label is None:
                continue
            name = (result.recognition_metadata or {}).get("recognizer_name", "presidio")
            detections.append(Detection(label, result.start, result.end, text[result.start:result.end],
                                        round(float(result.score), 3), f"presidio:{name}"))
        return detections


def _names_after_and(text: str, found: list[Detection]) -> list[Detection]:
    """'Parents Ann Lee and Tom Lee': the second name of a pair joined by 'and'."""
    extra = []
    pattern = re.compile(rf"[ ]+and[ ]+(?P<phi>{_FULL_NAME})")
    for detection in found:
        if detection.label != "NAME":
            continue
        match = pattern.match(text, detection.end)
        if match:
            kept = _name_refine(2)(match.group("phi"))
            if kept:
                start = match.start("phi") + kept[0]
                end = match.start("phi") + kept[1]
                extra.append(Detection("NAME", start, end, text[start:end], detection.score - 0.05, "and_name"))
    return extra


# --- copied from the source, or invented -----------------------------------------------


def copied_and_invented(
    source: str, output: str, language: str, detector: PHIDetector,
) -> tuple[list[Detection], list[Detection]]:
    """Identifiers found in ``output``: those that appear in ``source`` (normalised), and the rest."""
    copied: list[Detection] = []
    invented: list[Detection] = []
    for detection in detector.detect(output, language):
        (copied if match_phi(detection.label, detection.text, source) else invented).append(detection)
    return copied, invented


# --- quality against gold spans --------------------------------------------------------------

Row = dict[str, "float | int"]
ALL = "ALL"


def _overlaps(a_start: int, a_end: int, b_start: int, b_end: int) -> bool:
    return a_start < b_end and b_start < a_end


def _case_counts(case: Case, detections: list[Detection]) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = defaultdict(lambda: {"gold": 0, "found": 0, "detected": 0, "true_positive": 0})
    for span in case.phi:
        counts[span.label]["gold"] += 1
        if any(d.label == span.label and _overlaps(d.start, d.end, span.start, span.end) for d in detections):
            counts[span.label]["found"] += 1
    for d in detections:
        counts[d.label]["detected"] += 1
        if any(s.label == d.label and _overlaps(d.start, d.end, s.start, s.end) for s in case.phi):
            counts[d.label]["true_positive"] += 1
    return counts


def _rates(counts: dict[str, int]) -> Row:
    row: Row = dict(counts)
    row["recall"] = counts["found"] / counts["gold"] if counts["gold"] else 0.0
    row["precision"] = counts["true_positive"] / counts["detected"] if counts["detected"] else 0.0
    return row


def detector_quality(set_names: list[str], detector: PHIDetector | None = None) -> dict[str, dict[str, Row]]:
    """The detector on every case's source against its gold spans, per language and label.

    Returns ``{language: {label: row}}`` for each language present plus ``"ALL"`` for all
    languages together; each language also has an ``"ALL"`` label row. A row holds
    ``gold`` (gold spans), ``found`` (gold spans overlapped by a detection of the same
    label), ``detected`` (detections), ``true_positive`` (detections overlapping a gold
    span of the same label), ``recall`` (found / gold) and ``precision``
    (true_positive / detected); a rate with nothing to divide by is 0.0.
    """
    detector = detector or PHIDetector()
    totals: dict[str, dict[str, dict[str, int]]] = defaultdict(
        lambda: defaultdict(lambda: {"gold": 0, "found": 0, "detected": 0, "true_positive": 0}))
    for name in set_names:
        for case in load_evalset(name).cases:
            detections = detector.detect(case.source, case.language)
            for label, counts in _case_counts(case, detections).items():
                for language in (case.language, ALL):
                    for key in (label, ALL):
                        for field, value in counts.items():
                            totals[language][key][field] += value
    return {
        language: {label: _rates(counts) for label, counts in sorted(rows.items(), key=lambda item: _label_order(item[0]))}
        for language, rows in sorted(totals.items(), key=lambda item: item[0] == ALL)
    }


def _label_order(label: str) -> tuple[int, str]:
    return (1, "") if label == ALL else (0, label)


def format_quality_table(quality: dict[str, dict[str, Row]]) -> str:
    """A plain-text table: language, label, gold, detected, recall, precision."""
    header = f"{'language':<9}{'label':<16}{'gold':>6}{'detected':>10}{'recall':>9}{'precision':>11}"
    lines = [header, "-" * len(header)]
    for language, rows in quality.items():
        for label, row in rows.items():
            recall = f"{row['recall']:.2f}" if row["gold"] else "-"
            precision = f"{row['precision']:.2f}" if row["detected"] else "-"
            lines.append(f"{language:<9}{label:<16}{row['gold']:>6}{row['detected']:>10}{recall:>9}{precision:>11}")
    return "\n".join(lines)
