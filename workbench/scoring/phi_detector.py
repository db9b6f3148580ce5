"""PHI detection in model outputs when there is no gold, fully offline.

``workbench.scoring.phi`` scores leakage against the gold spans of a set. A model can
also *invent* identifiers (a plausible phone number, a name for the doctor), and free
text from elsewhere has no gold at all, so this module finds identifiers by itself:

- English: Presidio's pattern recognisers (phone, e-mail, URL, IP, SSN, date, medical
  licence) on a blank spaCy pipeline, plus regular-expression rules for what Presidio
  cannot see without a named-entity model: names after titles, roles and relatives, or
  before an age and sex, a role or a patient verb; name fields, signature lines,
  surname-first capitals and nicknames; record, plan, account, device and vehicle
  numbers, SSN variants, ages over 89, fax numbers, street addresses, dates written out
  (also in words), facility names, employers and cities after a context word.
- Chinese: regular-expression rules only (resident ID with its check digit, mobile and
  landline numbers, 住院号/病案号/门诊号, 医保卡号, addresses, dates in Arabic or Chinese
  numerals, ages, hospitals, employers, and names written after or before a context
  word, 老王/小李 and 陈医生).

A name found once is looked for again in the same text, so later bare mentions count.
Eponyms, scales and clinical words (Foley, Glasgow Coma Scale, 肌张力, 小叶增生) are kept
out of names and places. Full-width letters and digits are read as ASCII.

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

import functools
import re
import re._constants as sre
import re._parser as sre_parser
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Callable, Iterable, Iterator

import phonenumbers
import spacy
import tldextract
from presidio_analyzer import AnalyzerEngine, EntityRecognizer, PatternRecognizer, RecognizerRegistry, RecognizerResult
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


# --- which texts a pattern can match at all ----------------------------------------------
#
# Most rules need a keyword ("MRN", "fax", "Dr") that most texts do not contain. The literal
# text a pattern cannot match without is read from the pattern itself, and a rule whose
# needed text is absent is not run: it could not have found anything.

# One of these strings occurs in any text the pattern matches; True: compare in lower case.
Needed = frozenset[tuple[str, bool]]

# Characters that a case-insensitive pattern matches to an ASCII letter other than its two cases.
_CASE_EQUIVALENTS = {0x130: "i", 0x131: "i", 0x17F: "s", 0x212A: "k"}


def lower_for_matching(text: str) -> str:
    """The text in lower case, with İ, ı, ſ and the Kelvin sign read as the ASCII letters they match."""
    return text.lower() if text.isascii() else text.translate(_CASE_EQUIVALENTS).lower()


@functools.cache
def needed_text(pattern: re.Pattern[str]) -> tuple[Needed, ...]:
    """What any text the pattern matches contains: for each entry, one of its strings.

    Only ASCII literals count; lookaheads and lookbehinds count too (they look at the same
    text), optional parts and alternatives without a literal do not.
    """
    tree = sre_parser.parse(pattern.pattern, pattern.flags)
    needed = _sequence_needs(list(tree), bool(tree.state.flags & re.IGNORECASE))
    return tuple(sorted(set(needed), key=len))


def _sequence_needs(items: list[tuple[object, object]], ignore_case: bool) -> list[Needed]:
    needed: list[Needed] = []
    run: list[str] = []

    def close_run() -> None:
        if run:
            literal = "".join(run)
            folded = ignore_case and any(char.isalpha() for char in literal)
            needed.append(frozenset({(literal.lower() if folded else literal, folded)}))
            run.clear()

    for op, argument in items:
        if op is sre.LITERAL and argument < 128:
            run.append(chr(argument))
        elif op is sre.AT:  # ^, $, \b take no characters: the literal run goes on
            continue
        else:
            close_run()
            needed += _item_needs(op, argument, ignore_case)
    close_run()
    return needed


def _item_needs(op: object, argument: object, ignore_case: bool) -> list[Needed]:
    if op is sre.SUBPATTERN:
        _group, add_flags, del_flags, items = argument
        ignore_case = (ignore_case or bool(add_flags & re.IGNORECASE)) and not del_flags & re.IGNORECASE
        return _sequence_needs(list(items), ignore_case)
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
        least, _most, items = argument
        return _sequence_needs(list(items), ignore_case) if least >= 1 else []
    if op in (sre.ATOMIC_GROUP, sre.ASSERT):
        items = argument if op is sre.ATOMIC_GROUP else argument[1]
        return _sequence_needs(list(items), ignore_case)
    if op is sre.BRANCH:
        either: set[tuple[str, bool]] = set()
        for alternative in argument[1]:
            needs = _sequence_needs(list(alternative), ignore_case)
            if not needs:
                return []
            either |= max(needs, key=_selectivity)
        return [frozenset(either)]
    return []


def _selectivity(needed: Needed) -> tuple[int, int]:
    """Longer and fewer strings rule out more texts."""
    return min(len(literal) for literal, _ in needed), -len(needed)


@functools.cache
def _needed_lookups(pattern: re.Pattern[str]) -> tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]:
    """:func:`needed_text` split, entry by entry, into strings looked for as written and in lower case."""
    return tuple((tuple(literal for literal, folded in needed if not folded),
                  tuple(literal for literal, folded in needed if folded))
                 for needed in needed_text(pattern))


def may_match(pattern: re.Pattern[str], text: str, lowered: str) -> bool:
    """False when the text lacks something every match of the pattern needs (``lowered``:
    :func:`lower_for_matching` of the text)."""
    for as_written, in_lower_case in _needed_lookups(pattern):
        if not _contains_any(text, as_written) and not _contains_any(lowered, in_lower_case):
            return False
    return True


def _contains_any(text: str, literals: tuple[str, ...]) -> bool:
    for literal in literals:
        if literal in text:
            return True
    return False


def apply_rules(rules: Iterable[Rule], text: str) -> Iterator[Detection]:
    lowered = lower_for_matching(text)
    for rule in rules:
        if not may_match(rule.pattern, text, lowered):
            continue
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

_UP = "A-ZÀ-ÖØ-Þ"  # capital letters, accented ones included (José, Núñez, Zoë)
_LO = "a-zß-öø-ÿ"
_TOKEN = rf"(?:[{_UP}]')?[{_UP}][{_LO}]+(?:[{_UP}][{_LO}]+)?(?:-[{_UP}][{_LO}]+)*"
_PART = rf"(?:{_TOKEN}|[{_UP}]\.)"
_PARTICLE = r"(?:de|del|della|da|di|do|dos|das|van|von|der|den|la|le|du|bin|ibn|al|ter|ten)"
# two to four words, the last a word; inside, a middle initial (with or without a dot) or a particle
_FULL_NAME = rf"{_PART}(?:[ ](?:{_TOKEN}|[{_UP}]\.?|{_PARTICLE})){{0,2}}[ ]{_TOKEN}"
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
_CREDENTIALS = (r"(?:MD|DO|RN|NP|PA-C|PA|PhD|MBBS|MBChB|FRCS|FRCP|MRCP|FACP|FACS|CNM|RD|PharmD|DNP|APRN|FNP|ANP|"
                r"CRNA|LPN|LVN|CNA|SLP|MSW|LCSW|RPh|DPM|DDS|DMD|BSN|MSN|CNS|RRT|EMT|OTR|DPT)")

# More capitalised words that are not names: sign-offs, job titles, Title Case verbs, relatives.
_NOT_NAMES |= {
    "Call", "Ask", "Tell", "Inform", "Discuss", "Discussed", "Check", "Repeat", "Consider", "Arrange", "Refer",
    "Ring", "Please", "Dear", "Sir", "Madam", "Colleague", "Colleagues", "All", "Thanks", "Thank", "Regards",
    "Kind", "Best", "Sincerely", "Yours", "Many", "Warm", "Cheers", "Specialist", "Registrar", "Senior", "Junior",
    "Staff", "Charge", "Clinical", "Registered", "Practitioner", "Assistant", "Specialty", "Trainee", "Officer",
    "Lead", "Director", "Matron", "Sister", "Deceased", "Concerned", "Agrees", "Wishes", "Aware", "Visiting",
    "Visits", "Also", "Both", "Only", "Already", "Here", "There", "Now", "Then", "When", "Where", "Who", "What",
    "Which", "Why", "How", "If", "But", "So", "Because", "After", "Before", "During", "Since", "Until", "While",
    "Per", "Via", "Re", "Cc", "Attn", "Dx", "Hx", "Rx", "Tx", "Pt", "Pts", "Christmas", "Easter", "English",
    "Spanish", "Mandarin", "Cantonese", "French", "Polish", "Arabic", "Interpreter", "Daughter", "Son", "Wife",
    "Husband", "Brother", "Partner", "Spouse", "Friend", "Neighbour", "Neighbor", "Carer", "Caregiver",
    "Guardian", "Nephew", "Niece", "Aunt", "Uncle", "Cousin", "Grandson", "Granddaughter", "Grandmother",
    "Grandfather", "Mum", "Mom", "Dad", "Kin", "Next", "Superior", "Physical", "Occupational", "Speech",
    "Therapist", "Physiotherapy", "Infectious", "Diseases", "Disease", "Syndrome", "Disorder", "Sign", "Signs",
    "Score", "Scale", "Coma", "Criteria", "Rule", "Rules", "Test", "Reflex", "Palsy", "Catheter", "Fracture",
    "Stool", "Chart", "Class", "Stage", "Grade", "Type", "Index", "Association", "Balance", "Triage", "System",
    "Service", "Services", "Team", "Surgery", "Medicine", "Intensive", "Theatre", "Theatres", "Outpatient",
    "Inpatient", "Ambulance", "Paramedic", "Paramedics", "Police", "Registration", "Reception", "Records",
    "Goes", "Known", "Prefers", "Lives", "Works", "Worked", "Employed", "Retired", "Is", "Are", "Were",
    "Appointment", "Next", "Last", "First", "Second", "Third", "Mobilises", "Mobilizes", "Walks", "Uses",
    "Pupils", "Equal", "Reactive", "Sats", "Temp", "Obs", "Observations", "Bloods", "Labs", "Imaging",
    "Bedside", "Informed", "Notified", "Contacted", "Phoned", "Consents", "Declines", "Requests", "Wants",
    "Happy", "Upset", "Worried", "Anxious", "Available", "Unavailable", "Unable", "Able", "Accompanied",
    "Died", "Dies", "Has", "Says", "Said", "Feels", "Thinks", "Believes", "Reports", "Requests", "Asks", "Nearby",
    "Housing", "Accommodation", "Himself", "Herself", "Themselves", "Self", "Family", "Friends", "Relatives",
}
# Eponyms and scale names rarely used as a person's name in notes (Foley catheter, Glasgow Coma Scale); eponyms
# that are common names (Wilson, Murphy) are caught by the word after them instead (_EPONYM_NOUNS).
_EPONYMS = {
    "Foley", "Parkinson", "Glasgow", "Apgar", "Babinski", "Romberg", "Kernig", "Brudzinski", "Crohn", "Cushing",
    "Hodgkin", "Alzheimer", "Raynaud", "Sjogren", "Sjögren", "Guillain", "Barré", "Barre", "Tourette", "Asperger",
    "Meckel", "Nissen", "Hartmann", "Trendelenburg", "Valsalva", "Heimlich", "Tinel", "Phalen", "Lachman",
    "McMurray", "Rovsing", "McBurney", "Kussmaul", "Cheyne", "Korotkoff", "Snellen", "Breslow", "Ranson",
    "Waterlow", "Karnofsky", "Epworth", "Ganz", "Sengstaken", "Blakemore", "Wolff", "Kaposi", "Hirschsprung",
    "Dupuytren", "Schlatter", "Perthes", "Monteggia", "Galeazzi", "Chvostek", "Trousseau", "Virchow", "Sequard",
    "Creutzfeldt", "Charcot", "Duchenne", "Fallot", "Eisenmenger", "Ebstein", "Wenckebach", "Mobitz", "Brugada",
    "Yankauer", "Guedel", "Seldinger", "Doppler", "Ziehl", "Neelsen", "Westergren", "Friedewald", "Cockcroft",
    "Gault", "Hoehn", "Yahr", "Marfan", "Legionella", "Salmonella", "Listeria", "Klebsiella", "Pseudomonas",
    "Staphylococcus", "Streptococcus", "Clostridium", "Escherichia", "Enterococcus", "Haemophilus", "Hemophilus",
    "Moraxella", "Chlamydia", "Neisseria", "Giardia", "Bristol", "Manchester", "Ottawa", "Geneva", "Montreal",
}
_NOT_NAMES |= _EPONYMS
# Words after a person's name that show the name is an eponym: "Wilson disease", "Murphy's sign".
_EPONYM_NOUNS = (
    r"(?:'s[ ]+)?(?i:disease|syndrome|sign|signs|test|score|scale|criteria|classification|reflex|maneuver|"
    r"manoeuvre|procedure|operation|repair|fracture|palsy|catheter|tube|drain|line|stocking|stockings|frame|"
    r"position|grade|stage|staging|type|phenomenon|law|rule|rules|index|method|stain|node|nodes|cyst|ulcer|"
    r"tumou?r|lymphoma|sarcoma|esophagus|oesophagus|triad|murmur|respiration|breathing|criterion|forceps|"
    r"retractor|needle|mask|airway|blade|splint|cast|bandage|dressing|shunt|valve|device|chart|equation|"
    r"formula|questionnaire|inventory|assessment|tool|system)\b"
)
# Single capitalised words that read as a name only in some sentences ("Will follow up").
_AMBIGUOUS_FIRST_NAMES = {"Will", "May", "Can", "Did", "Does", "Should", "Would", "Could", "Must", "Shall"}


def _name_refine(min_words: int, strict_start: bool = False) -> Refine:
    """Drop capitalised words that are not names from both ends; reject what still holds one.

    With ``strict_start`` the first word must itself be a name: after a relative ("Son Reports
    Improvement") a Title Case sentence is not a name.
    """
    def refine(text: str) -> tuple[int, int] | None:
        words = [(m.start(), m.end(), m.group()) for m in re.finditer(r"\S+", text)]
        if strict_start and words and _not_a_name_word(words[0][2]):
            return None
        while words and words[-1][2].rstrip(".") in _NOT_NAMES:
            words.pop()
        while words and words[0][2].rstrip(".") in _NOT_NAMES:
            words.pop(0)
        if len(words) < min_words or not re.fullmatch(_TOKEN, words[-1][2]):
            return None
        if any(_not_a_name_word(word) for _, _, word in words):
            return None
        if len(words) == 1 and words[0][2] in _AMBIGUOUS_FIRST_NAMES:
            return None
        return words[0][0], words[-1][1]
    return refine


def _clinical_word(word: str) -> bool:
    """Cardiology, Rheumatologist, Paediatrics, Hepatitis, Improvement: a discipline, disease or noun, not a name."""
    return word.lower().endswith(("ology", "ologist", "ologists", "iatrics", "iatry", "itis", "osis", "ectomy",
                                  "otomy", "emia", "aemia", "opathy", "ment", "ments", "tion", "tions", "sion",
                                  "ness", "ity", "ism"))


def _verb_like(word: str) -> bool:
    """Verbalized, Requested, Notified: a past tense in Title Case (Ahmed, Reed, Javed are names)."""
    return len(word) >= 6 and word.endswith("ed") and not word.endswith(("eed", "med", "ved", "hed", "jed"))


def _not_a_name_word(word: str) -> bool:
    word = word.rstrip(".,")
    return word in _NOT_NAMES or _clinical_word(word) or _verb_like(word)


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


# --- English rules without a title: relatives, signatures, surname first, employers, cities ---

_RELATIVES = (
    r"wife|husband|partner|spouse|sons?|daughters?|mother|mum|mom|father|dad|brothers?|sisters?|siblings?|twins?|"
    r"nieces?|nephews?|children|kids|"
    r"grand(?:son|daughter|mother|father|child|ma|pa)|granny|aunt|auntie|uncle|cousin|"
    r"step(?:son|daughter|mother|father|brother|sister)|(?:mother|father|son|daughter|brother|sister)-in-law|"
    r"fianc[ée]e?|girlfriend|boyfriend|friend|neighbou?r|carer|caregiver|guardian|housemate|flatmate|roommate|"
    r"NOK|next of kin|coworker|co-worker|workmate|boss|supervisor|landlord|landlady|colleague|god(?:mother|father|son|"
    r"daughter)|ex-(?:wife|husband|partner)|widow|widower"
)
_PROFESSIONS = (
    r"[a-z]+ologist|[a-z]+iatrist|[a-z]+ician|[a-z]+ist|nurse|midwife|teacher|driver|engineer|lawyer|solicitor|"
    r"farmer|worker|manager|cleaner|builder|plumber|carpenter|labou?rer|baker|butcher|waiter|waitress|painter|"
    r"decorator|writer|banker|accountant|cashier|clerk|chef|cook|mechanic|firefighter|officer|soldier|veteran|"
    r"student|retiree|pensioner|housewife|homemaker|shopkeeper|salesman|saleswoman|secretary|administrator|"
    r"architect|developer|programmer|analyst|director|executive|lecturer|professor|researcher|scientist|pilot|"
    r"sailor|fisherman|miner|welder|roofer|gardener|landscaper|janitor|caretaker|porter|guard|courier|postman|"
    r"hairdresser|barber|beautician|tailor|actor|actress|photographer|designer|vet|veterinarian|paramedic|nun|"
    r"priest|pastor|minister|vicar|rabbi|imam|monk|athlete|footballer|coach|trainer|bartender|barista|nanny|"
    r"childminder|houseman|practitioner|clinician|radiographer|sonographer|orderly|FY1|FY2|SHO|SpR|ST[1-8]|CT[1-3]|"
    r"physio|OT|SALT|HCA|CNS|ANP|ACP|matron|sister|ward clerk|PCA|CNA|tech"
)
_CLOSINGS = (
    r"(?:kind|warm|best|many|with)\s+(?:regards|wishes|thanks)|regards|thanks|thank you|sincerely|"
    r"yours\s+(?:sincerely|faithfully|truly)|best|cheers|respectfully"
)
_PATIENT_VERBS = (
    r"presented|presents|presenting|attended|attends|reports|reported|complains|complained|denies|denied|states|"
    r"stated|underwent|tolerated|returns|returned|arrived|remains|agreed|agrees|consented|declined|refused|"
    r"describes|described|collapsed|developed|came|comes|walked|lives|works|smokes|drinks|feels|felt|"
    r"was (?:admitted|seen|reviewed|brought|transferred|referred|discharged|found|born|diagnosed)|"
    r"is (?:a|an|known|being)|was (?:a|an)|has (?:a|been|had)|had (?:a|an)"
)
_AGE_UNIT = r"\d{1,3}[ -]?(?:[MF]\b|y/?o\b|y\.o\.?|yo\b|yrs?\b|years?\b|-?year-old)"
_UPPER = r"(?:[A-Z]')?[A-Z]{2,}(?:-[A-Z]{2,})?"
# Capitalised headings and abbreviations that look like a surname written first (HEENT, NORMAL).
_UPPER_NOT_NAMES = {
    "ABDOMEN", "SOFT", "NORMAL", "HEENT", "CHEST", "CLEAR", "PLAN", "ASSESSMENT", "HISTORY", "EXAM", "NEURO",
    "CARDIO", "RESP", "SKIN", "EXTREMITIES", "PULSES", "LUNGS", "HEART", "NECK", "SUPPLE", "ALERT", "ORIENTED",
    "STABLE", "TENDER", "NONTENDER", "NON-TENDER", "GENERAL", "VITALS", "LABS", "IMAGING", "MEDS", "MEDICATIONS",
    "ALLERGIES", "DIAGNOSIS", "IMPRESSION", "PROCEDURE", "FINDINGS", "RESULTS", "NOTE", "NOTES", "DISCHARGE",
    "ADMISSION", "SUMMARY", "FOLLOW", "RETURN", "PRECAUTIONS", "DIET", "ACTIVITY", "CONDITION", "DISPOSITION",
    "HOME", "WARD", "UNIT", "LEFT", "RIGHT", "BILATERAL", "POSITIVE", "NEGATIVE", "YES", "NONE", "NIL",
    "UNKNOWN", "NAME", "PATIENT", "DATE", "TIME", "SEX", "MALE", "FEMALE", "AGE", "DOB", "MRN", "ADDRESS",
    "PHONE", "EMAIL", "FAX", "SIGNED", "URGENT", "ROUTINE", "STAT", "PAIN", "FEVER", "COUGH", "NAUSEA",
    "VOMITING", "DIARRHEA", "HEADACHE", "DIZZINESS", "ECHO", "GLUCOSE", "LACTATE", "TROPONIN", "COVID", "FLU",
    "SEPSIS", "ASTHMA", "CANCER", "STROKE", "AND", "THE", "FOR", "WITH", "NOT", "NKDA", "OTHER", "REVIEW",
    "SYSTEMS", "PHYSICAL", "SOCIAL", "FAMILY", "PAST", "MEDICAL", "SURGICAL", "CURRENT", "REASON", "REFERRAL",
    "CHIEF", "COMPLAINT", "PRESENT", "ILLNESS", "SUBJECTIVE", "OBJECTIVE", "EYES", "EARS", "NOSE", "THROAT",
    "ORAL", "ABDO", "RECTAL", "PELVIC", "BACK", "SPINE", "UPPER", "LOWER", "INPATIENT", "OUTPATIENT", "EMERGENCY",
    "DEPARTMENT", "CLINIC", "HOSPITAL", "DOCTOR", "NURSE", "CONSULTANT", "ATTENDING", "NHS", "HOSP", "ID", "RE",
    "WARM", "DRY", "INTACT", "PINK", "MOIST", "REGULAR", "IRREGULAR", "AWAKE", "CALM", "COOPERATIVE", "GOOD",
    "FAIR", "POOR", "MILD", "MODERATE", "SEVERE", "ACUTE", "CHRONIC", "DAILY", "EXT", "EXTR", "GEN", "PSYCH",
    "LYMPH", "HEME", "ENDO", "RENAL", "HEPATIC", "CARDIAC", "PULM", "PULMONARY", "EYE", "EAR", "MOUTH", "TEETH",
    "PELVIS", "JOINT", "JOINTS", "MUSCLE", "MUSCLES", "GAIT", "SPEECH", "MOOD", "AFFECT", "THOUGHT", "JUDGMENT",
    "INSIGHT", "MEMORY", "DENIES", "OK", "FINE", "AS", "ABOVE", "BELOW", "SEE", "PER", "NO", "CHANGE",
    "UNCHANGED", "IMPROVED", "WORSE", "BETTER", "RESOLVED", "ONGOING", "PENDING", "DONE", "SENT", "ORDERED",
    "GIVEN", "STARTED", "STOPPED", "HELD", "CONTINUE", "CONTINUED", "INCREASE", "DECREASE", "ABDOMINAL", "BOWEL",
    "BLADDER", "URINE", "BLOOD", "WOUND", "DRAIN", "LINE", "LINES", "AIRWAY", "BREATHING", "CIRCULATION",
    "DISABILITY", "EXPOSURE", "TEMP", "PULSE", "WEIGHT", "HEIGHT", "ORIENTATION", "POWER", "TONE", "REFLEXES",
    "SENSATION", "COORDINATION", "CRANIAL", "NERVES", "OXYGEN", "INTAKE", "OUTPUT", "FLUIDS", "DIET", "SLEEP",
}
_ORG_WORD = rf"(?:[{_UP}][\w'’&-]*|[0-9]+[A-Za-z][\w'’&-]*)"  # Lowe's, 3M; not a number
_ORG = rf"{_ORG_WORD}(?:[ ](?:(?:&|and|of|the|for|de)[ ])?{_ORG_WORD}){{0,5}}"
# Services too large to identify anyone ("retired from the Army").
_NOT_EMPLOYERS = {"Army", "Navy", "Air Force", "Royal Navy", "Royal Air Force", "Marines", "Marine Corps", "Military",
                  "Council", "Government", "Police", "NHS", "Fire Service", "Post Office", "State", "City",
                  "County", "Federal Government", "Civil Service", "Armed Forces", "National Guard"}
_NO_EMPLOYER_VALUES = {"n", "na", "n/a", "none", "unknown", "retired", "unemployed", "self-employed", "self",
                       "student", "homemaker", "disabled", "not applicable", "not employed", "nil", "local authority"}
_TITLE_WORDS = {"Dr", "Mr", "Mrs", "Ms", "Miss", "Mx", "Prof", "Doctor", "Nurse", "Sister", "GP"}
_PLACE_PREFIXES = ("New", "North", "South", "East", "West", "Saint", "St", "Fort", "Port", "Mount", "Mt", "Great",
                   "Little", "Upper", "Lower", "Old", "Royal", "Palm", "Lake")
_PLACE_WORD = rf"(?:[{_UP}][{_LO}]+(?:[-'][{_UP}a-z][{_LO}]*)*)"
_US_STATES = (
    "Alabama|Alaska|Arizona|Arkansas|California|Colorado|Connecticut|Delaware|Florida|Georgia|Hawaii|Idaho|Illinois|"
    "Indiana|Iowa|Kansas|Kentucky|Louisiana|Maine|Maryland|Massachusetts|Michigan|Minnesota|Mississippi|Missouri|"
    "Montana|Nebraska|Nevada|New Hampshire|New Jersey|New Mexico|New York|North Carolina|North Dakota|Ohio|Oklahoma|"
    "Oregon|Pennsylvania|Rhode Island|South Carolina|South Dakota|Tennessee|Texas|Utah|Vermont|Virginia|Washington|"
    "West Virginia|Wisconsin|Wyoming"
)
_US_STATE_CODES = (
    "AL|AK|AZ|AR|CA|CO|CT|DE|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|NM|NY|NC|ND|OH|OK|"
    "OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|DC"
)
_PLACE = (rf"(?:(?:St\.|Mt\.)[ ])?{_PLACE_WORD}(?:[ ](?:upon[ ]|on[ ]|under[ ]|le[ ])?{_PLACE_WORD}){{0,2}}"
          rf"(?:,[ ](?:{_US_STATES}|(?:{_US_STATE_CODES})\b))?")
# Countries, states and regions: larger than a city, so not identifiers under Safe Harbor.
_NOT_CITIES = set(_US_STATES.split("|")) | {
    "America", "United States", "USA", "Canada", "Mexico", "Brazil", "Argentina", "Colombia", "Peru", "Chile",
    "Venezuela", "Cuba", "Jamaica", "Haiti", "Guatemala", "Honduras", "El Salvador", "Nicaragua", "Ecuador",
    "England", "Scotland", "Wales", "Ireland", "Northern Ireland", "Britain", "Great Britain", "United Kingdom",
    "France", "Germany", "Spain", "Portugal", "Italy", "Greece", "Poland", "Romania", "Bulgaria", "Ukraine",
    "Russia", "Turkey", "Netherlands", "Belgium", "Sweden", "Norway", "Denmark", "Finland", "Iceland", "Austria",
    "Switzerland", "Hungary", "Czechia", "Lithuania", "Latvia", "Estonia", "Albania", "Serbia", "Croatia",
    "Bosnia", "Europe", "Africa", "Asia", "Australia", "New Zealand", "China", "Japan", "Korea", "South Korea",
    "Vietnam", "Thailand", "Philippines", "Indonesia", "Malaysia", "Singapore", "India", "Pakistan",
    "Bangladesh", "Sri Lanka", "Nepal", "Afghanistan", "Iran", "Iraq", "Syria", "Lebanon", "Israel", "Jordan",
    "Egypt", "Libya", "Tunisia", "Algeria", "Morocco", "Nigeria", "Ghana", "Kenya", "Uganda", "Tanzania",
    "Ethiopia", "Eritrea", "Somalia", "Sudan", "South Sudan", "Zimbabwe", "Zambia", "South Africa", "Congo",
    "Cameroon", "Senegal", "Sierra Leone", "Liberia", "Rwanda", "Saudi Arabia", "Yemen", "Oman", "Qatar",
    "Kuwait", "Taiwan", "Mongolia", "Abroad", "Overseas", "Town", "City", "Home", "Eastern Europe",
    "Western Europe", "Central Europe", "South America", "Central America", "Latin America", "North America",
    "Middle East", "Caribbean", "Scandinavia", "Balkans", "East Africa", "West Africa", "North Africa",
    "Southeast Asia", "South Asia", "East Asia", "Far East", "Mainland China", "Midwest", "Upstate",
}
_ORDINAL_WORDS = (
    r"first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|thirteenth|fourteenth|"
    r"fifteenth|sixteenth|seventeenth|eighteenth|nineteenth|twentieth|"
    r"twenty[- ](?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth)|thirtieth|thirty[- ]first"
)
_FULL_MONTH = r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
_MONTH_CAPS = r"(?:JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|SEPT|OCT|NOV|DEC)"
_SSN_KEY = (r"(?i:\b(?:SSN|SS\#|SS[ ]?No\.?|soc(?:ial)?\.?[ ]sec(?:urity)?\.?|social[ ]security)"
            r"(?:[ ](?:number|no\.?|\#))?)")
# a code whose groups may be spaced (XGH 882 441 907); the first group has a digit or is a short capital prefix
_SPACED_CODE = (rf"(?:(?=[A-Za-z0-9/-]*\d){_CODE}|[A-Z]{{1,4}}(?=[ ]\d))"
                rf"(?:[ ](?=[A-Za-z]{{0,3}}\d)[A-Za-z0-9]+(?:[-/][A-Za-z0-9]+)*)*")
_IS = r"(?:(?:is|was)\s+)?"  # "his MRN is 4401..."
_INSURERS = (r"Aetna|Cigna|Humana|Kaiser(?:[ ]Permanente)?|Anthem|Blue[ ]?Cross(?:[ ]Blue[ ]?Shield)?|BCBS|"
             r"UnitedHealthcare|United[ ]Healthcare|UHC|Medicare|Medicaid|Medi-Cal|Tricare|TRICARE|Bupa|AXA|Molina|"
             r"WellCare|Ambetter|Highmark|Oscar|Centene|Vitality|Aviva|Allianz|Health[ ]Net|MassHealth")
# Words that are also common English words: never looked for again elsewhere in the text.
_WORD_NAMES = {
    "Will", "May", "Frank", "Grace", "Hope", "Faith", "Joy", "Rose", "Mark", "Bill", "Pat", "Sue", "Art", "Guy",
    "Don", "Ray", "Jack", "Dawn", "Summer", "April", "June", "August", "Victor", "Major", "Rich", "Chase",
    "Wade", "Hunter", "Lane", "Miles", "Cliff", "Glen", "Dale", "Gene", "Sunny", "Walker", "Young", "Bell",
    "Brown", "White", "Green", "Black", "Long", "Little", "Sharp", "Wells", "Baker", "Cook", "Fox", "Hall",
}


def _upper_name_refine(text: str) -> tuple[int, int] | None:
    """CHEN, WEI or SMITH, John A.: the first two words must be name-like (vowels, not a heading)."""
    words = re.findall(r"[\w'’.-]+", text)
    if len(words) < 2:
        return None
    for word in words[:2]:
        if word.upper().strip(".") in _UPPER_NOT_NAMES or not re.search(r"[AEIOUYaeiouy]", word):
            return None
        if not word.isupper() and (word in _NOT_NAMES or _clinical_word(word)):
            return None
    return 0, len(text)


def _org_refine(text: str) -> tuple[int, int] | None:
    """An employer's name: drop a trailing connector; reject a title or only common words."""
    words = [(m.start(), m.end(), m.group()) for m in re.finditer(r"\S+", text)]
    while words and words[-1][2] in {"&", "and", "of", "the", "for", "de"}:
        words.pop()
    if not words or words[0][2].rstrip(".") in _TITLE_WORDS:
        return None
    if all(word in _NOT_NAMES or _clinical_word(word) for _, _, word in words):
        return None
    name = text[words[0][0]:words[-1][1]]
    if name in _NOT_EMPLOYERS or name.lower() in _NO_EMPLOYER_VALUES:
        return None
    return words[0][0], words[-1][1]


def _place_refine(text: str) -> tuple[int, int] | None:
    """A city or town: not a country or state, not a ward or a discipline, not a clinical word."""
    city = re.sub(r",[ ].*$", "", text)
    if city in _NOT_CITIES or text in _NOT_CITIES:
        return None
    for word in city.split():
        if word in _PLACE_PREFIXES or word in _EPONYMS:
            continue
        if _not_a_name_word(word):
            return None
    return 0, len(text)


def _uk_phone_ok(text: str) -> bool:
    digits = re.sub(r"\D", "", text)
    national = digits[2:] if digits.startswith("44") else digits[1:]
    return len(national) in (9, 10)


def _name_rules_without_title() -> list[Rule]:
    """Names with no title in front: fields, signatures, relatives, age and role after the name."""
    name1, name2, strict1 = _name_refine(1), _name_refine(2), _name_refine(1, strict_start=True)
    field = r"(?i:(?:patient(?:'s)?|pt|full|first|given|last|family|preferred|maiden)\s+name|name|surname|forename)"
    patient_field = r"(?i:patient(?:'s)?(?:\s+name)?|pt|name|full\s+name|surname|re)"
    surname_first_before = r"(?:^[ \t]*|(?<=:)[ \t]*|(?<=[ \t]{2})|(?<=\|)[ \t]*|(?<=\()|\b(?i:patient|pt|re)[ ])"
    surname_first_after = (rf"(?=[ \t]*(?:$|[(|]|(?:,[ ]*)?(?:{_AGE_UNIT}|\d{{1,3}}[ ]?[MF]\b|DOB\b|D\.O\.B|MRN\b|"
                           r"NHS\b|age\b|aged\b|born\b|male\b|female\b|[MF]\b)))")
    return [
        Rule("field_name", "NAME", re.compile(rf"\b{field}\s*:[ \t]*(?P<phi>{_ANY_NAME})(?![\w'])"), 0.81, name1),
        Rule("field_upper_name", "NAME", re.compile(
            rf"\b{patient_field}\s*:[ \t]*(?P<phi>{_UPPER}(?:[ ]{_UPPER}){{1,2}})(?![\w'])"), 0.8, _upper_name_refine),
        Rule("field_surname_first", "NAME", re.compile(
            rf"\b{patient_field}\s*:[ \t]*(?P<phi>{_TOKEN},[ ]?{_TOKEN}(?:[ ](?:{_TOKEN}|[A-Z]\.?(?![\w']))){{0,2}})"),
            0.82, name2),
        Rule("surname_first", "NAME", re.compile(
            rf"{surname_first_before}(?P<phi>{_UPPER},[ ]?(?:{_UPPER}|{_TOKEN})"
            rf"(?:[ ](?:{_UPPER}|{_TOKEN}|[A-Z]\.(?!\w)|[A-Z](?![\w.']))){{0,2}}){surname_first_after}", re.M),
            0.82, _upper_name_refine),
        Rule("name_before_age", "NAME", re.compile(
            rf"(?P<phi>{_FULL_NAME})(?:,[ ]|[ ]?\()(?=(?:an?[ ])?\d{{1,3}}|DOB\b|D\.O\.B|born\b|aged?\b|"
            rf"(?i:male|female)\b|[MF][/,][ ]?\d)"), 0.75, name2),
        Rule("name_age_unit", "NAME", re.compile(
            rf"(?P<phi>{_FULL_NAME})[ ](?=(?:(?:is|was)[ ])?(?:an?[ ](?:[a-z]+[ ]){{0,2}})?{_AGE_UNIT})"), 0.75, name2),
        Rule("name_before_verb", "NAME", re.compile(rf"(?P<phi>{_FULL_NAME})[ ](?=(?:{_PATIENT_VERBS})\b)"), 0.7,
             name2),
        Rule("name_with_role", "NAME", re.compile(
            rf"(?P<phi>{_FULL_NAME})(?:,[ ]|[ ]\()(?=(?i:(?:[a-z-]+[ ]){{0,3}}(?:{_ROLES}|{_PROFESSIONS}|"
            rf"{_DISCIPLINES}|GP))\b)"), 0.75, name2),
        # signatures
        Rule("signature_dash", "NAME", re.compile(
            rf"^[ \t]*(?:--+|—|–|/s/|~)[ \t]*(?P<phi>{_ANY_NAME})[ \t]*(?=,|$)", re.M), 0.8, name1),
        Rule("signature_closing", "NAME", re.compile(
            rf"\b(?i:{_CLOSINGS})[,.!]?[ \t]*\n[ \t]*(?P<phi>{_ANY_NAME})[ \t]*(?=,|$)", re.M), 0.8, name1),
        Rule("signature_role_line", "NAME", re.compile(
            rf"^[ \t]*(?P<phi>{_FULL_NAME})[ \t]*,?[ \t]*\n[ \t]*(?=(?i:(?:[a-z]+[ ]){{0,3}}"
            rf"(?:{_ROLES}|{_PROFESSIONS}|{_DISCIPLINES}))\b|{_CREDENTIALS}\b)", re.M), 0.75, name2),
        Rule("dear_name", "NAME", re.compile(rf"\bDear[ ]+(?P<phi>{_ANY_NAME})(?=[ ]*(?:[,:!\n]|$))"), 0.8, name1),
        # relatives and nicknames
        Rule("relative_name", "NAME", re.compile(
            rf"\b(?i:{_RELATIVES})\b(?:[ ]*[:,(\-–][ ]*|[ ]+)(?P<phi>{_TOKEN}(?:[ ]{_TOKEN})?)(?!\w)"), 0.78, strict1),
        Rule("name_then_relative", "NAME", re.compile(
            rf"(?P<phi>{_TOKEN}(?:[ ]{_TOKEN})?)(?:[ ]*\([ ]*|,[ ]+)(?i:(?:the[ ])?(?:(?:patient|pt)'?s[ ]|his[ ]|"
            rf"her[ ]|their[ ])?(?:{_RELATIVES}))\b"), 0.76, name1),
        Rule("first_name_role", "NAME", re.compile(
            rf"(?P<phi>{_TOKEN})[ ]\((?i:(?:[a-z-]+[ ]){{0,2}}(?:{_ROLES}|{_PROFESSIONS}))\)"), 0.74, strict1),
        Rule("nickname_in_name", "NAME", re.compile(
            rf"(?P<phi>{_TOKEN}[ ][\"“'‘]{_TOKEN}[\"”'’][ ]{_TOKEN})"), 0.82),
        Rule("name_is", "NAME", re.compile(
            rf"\b(?i:(?:his|her|my|their|patient's|pt's)[ ](?:first[ ]|last[ ]|preferred[ ])?name[ ](?:is|was))[ ]"
            rf"(?P<phi>{_ANY_NAME})"), 0.8, name1),
        Rule("nickname", "NAME", re.compile(
            rf"\b(?i:goes by|known as|called|nicknamed|nickname|a\.?k\.?a\.?|prefers)[ :]*(?:the[ ]name[ ])?"
            rf"[\"“'‘](?P<phi>{_TOKEN}(?:[ ]{_TOKEN})?)[\"”'’]"), 0.8, name1),
    ]


def _place_and_employer_rules() -> list[Rule]:
    """Employers (works at X, employer: X) and cities (lives in X, originally from X)."""
    lives = (r"lives|living|lived|resides|residing|resident|settled|relocated|born|raised|grew up|based|moved|"
             r"moving|staying|stays|hometown|home town|native")
    comes_from = (r"originally|is|are|was|were|comes?|came|coming|hails?|visiting|visited|moved|relocated|emigrated|"
                  r"immigrated|arrived|travell?ed|travell?ing|returned|returning|flew|drove|driving|family|native|"
                  r"back|home|female|male|man|woman|gentleman|lady|boy|girl|patient|pt|resident|student|visitor|"
                  r"tourist|couple|farmer|worker|driver|teacher|veteran|retiree")
    return [
        Rule("employer", "LOCATION", re.compile(
            rf"\b(?i:works?|working|worked|employed|employment|job|jobs|employee|volunteers?|volunteering|retired|"
            rf"teaches|taught|workplace)\b[^\n.;:]{{0,40}}?\b(?:at|for|by|from)[ ](?:the[ ])?(?P<phi>{_ORG})"), 0.68,
            _org_refine),
        Rule("employer_field", "LOCATION", re.compile(
            rf"\b(?i:employer|company|workplace|place of work|occupation/employer)\s*[:\-][ \t]*(?P<phi>{_ORG})"),
            0.8, _org_refine),
        Rule("city_of_residence", "LOCATION", re.compile(
            rf"\b(?i:{lives})\b[^\n.;:]{{0,50}}?\b(?:in|to|near|outside|of)[ ](?:the[ ])?(?P<phi>{_PLACE})"), 0.7,
            _place_refine),
        Rule("city_native", "LOCATION", re.compile(
            rf"\b(?i:an?|the)[ ](?P<phi>{_PLACE})[ ](?:native|resident)\b"), 0.65, _place_refine),
        Rule("city_from", "LOCATION", re.compile(
            rf"(?:\b(?i:{comes_from})|\b(?i:she|he|who)['’]s|\b\d{{1,3}}[ ]?[MF]|\by/?o|\by\.o\.)(?:[ ](?i:here|down|up|over|back|in|out|home))?"
            rf"[ ]from[ ](?P<phi>{_PLACE})"), 0.7, _place_refine),
        Rule("city_travel", "LOCATION", re.compile(
            rf"\b(?i:travell?ed to|travel to|trip to|holiday in|vacation in|visit to|visiting family in)[ ]"
            rf"(?P<phi>{_PLACE})"), 0.65, _place_refine),
        Rule("city_field", "LOCATION", re.compile(
            rf"\b(?i:city|town|place of birth|birthplace|hometown|home town|city of residence)\s*:[ \t]*"
            rf"(?P<phi>{_PLACE})"), 0.8, _place_refine),
    ]


def _more_identifier_rules() -> list[Rule]:
    """Dates written out, social security and insurance numbers, UK phones, ages over 89 with the sex."""
    return [
        Rule("ordinal_of_month", "DATE", re.compile(
            rf"\b(?:(?i:the)[ ])?(?:(?i:{_ORDINAL_WORDS})|\d{{1,2}}(?:st|nd|rd|th)?)[ ]of[ ](?:{_FULL_MONTH}|{_MONTH}\.?)"
            rf"(?![a-z])(?:,?[ ]\d{{4}}\b)?"), 0.8),
        Rule("month_ordinal_word", "DATE", re.compile(
            rf"\b{_FULL_MONTH}[ ](?:the[ ])?(?i:{_ORDINAL_WORDS})\b(?:,?[ ]\d{{4}}\b)?"), 0.75),
        Rule("may_ordinal", "DATE", re.compile(r"\bMay[ ]\d{1,2}(?:st|nd|rd|th)\b(?:,?[ ]\d{4}\b)?"), 0.75),
        Rule("month_year", "DATE", re.compile(rf"\b{_FULL_MONTH},?[ ](?:19|20)\d{{2}}\b"), 0.6),
        Rule("day_mon_year", "DATE", re.compile(
            rf"\b\d{{1,2}}(?:-(?:{_MONTH}|{_MONTH_CAPS})-|(?:{_MONTH}|{_MONTH_CAPS}))(?:\d{{4}}|\d{{2}})\b"), 0.75),
        Rule("ssn", "SSN", re.compile(
            rf"{_SSN_KEY}\s*(?:[:#]{{1,2}}|is|was)?\s*(?P<phi>\d{{3}}[- ]?\d{{2}}[- ]?\d{{4}}|[Xx*]{{3}}[- ]?[Xx*]{{2}}[- ]?\d{{4}})"
            rf"(?!\d)"), 0.95),
        Rule("ssn_last_four", "SSN", re.compile(
            rf"(?:{_SSN_KEY}[^\n\d]{{0,20}}?(?i:last[ ](?:4|four)|ending(?:[ ]in)?)|"
            rf"(?i:last[ ](?:4|four)(?:[ ]digits)?[ ](?:of[ ](?:the[ ]|his[ ]|her[ ])?)?){_SSN_KEY})[^\n\d]{{0,6}}"
            rf"(?P<phi>\d{{4}})(?!\d)"), 0.9),
        Rule("bare_ssn", "SSN", re.compile(r"(?<![\d-])(?P<phi>\d{3}-\d{2}-\d{4})(?![\d-])"), 0.8),
        Rule("uk_phone", "PHONE", re.compile(
            r"(?<![\w+])(?P<phi>(?:\+44[ ]?(?:\(0\)[ ]?)?|0)(?:7\d{3}[ ]?\d{3}[ ]?\d{3}|\d{2,4}[ ]?\d{3,4}[ ]?\d{3,4}))"
            r"(?![\d-])"), 0.6, _keep_if(_uk_phone_ok)),
        Rule("age_sex", "AGE_OVER_89", re.compile(r"(?:,[ ]?|\()(?P<phi>9\d|1[01]\d)[ ]?(?:[MF]|yo|y/o)(?![\w/])"),
             0.85),
    ]


def _drop_eponyms(text: str, detections: list[Detection]) -> list[Detection]:
    """A name followed by 'disease', 'sign', 'catheter'... is an eponym (Wilson disease, Murphy's sign)."""
    follower = re.compile(rf"(?:'s|')?[ ]+{_EPONYM_NOUNS}")
    return [d for d in detections
            if d.label != "NAME" or d.recognizer.startswith("presidio") or not follower.match(text, d.end)]


def _repeated_names(text: str, kept: list[Detection], language: str) -> list[Detection]:
    """A name found once is looked for again: later mentions ('Thandiwe reports...') carry no context."""
    if language == "zh":
        alternatives = {d.text for d in kept if d.label == "NAME" and len(d.text) >= 2}
        pattern = "|".join(re.escape(name) for name in sorted(alternatives, key=len, reverse=True))
        if not pattern:
            return []
        matcher = re.compile(pattern)
    else:
        tokens: set[str] = set()
        for d in kept:
            if d.label != "NAME":
                continue
            for token in re.findall(rf"[{_UP}][\w'’-]*[{_LO}{_UP}]", d.text):
                token = token.title() if token.isupper() else token
                if len(token) >= 2 and token not in _NOT_NAMES and token not in _WORD_NAMES:
                    tokens.add(token)
        variants = tokens | {token.upper() for token in tokens if len(token) >= 3}
        if not variants:
            return []
        alternation = "|".join(re.escape(token) for token in sorted(variants, key=len, reverse=True))
        matcher = re.compile(rf"(?<![\w'’-])(?:{alternation})(?:[ ](?:{alternation}))*(?![\w’-]|'\w\w)")
    extra = []
    for match in matcher.finditer(text):
        if any(match.start() < d.end and d.start < match.end() for d in kept):
            continue
        extra.append(Detection("NAME", match.start(), match.end(), match.group(), 0.5, "repeated_name"))
    return _drop_eponyms(text, extra) if language == "en" else extra


def _english_rules() -> list[Rule]:
    return [
        # names
        Rule("title_name", "NAME", re.compile(rf"\b{_TITLES}[ ]+(?P<phi>{_ANY_NAME})"), 0.85, _name_refine(1)),
        Rule("role_name", "NAME", re.compile(rf"\b(?i:{_ROLES})\b\s*[:,]?[ ]+(?P<phi>{_FULL_NAME})"), 0.8,
             _name_refine(2)),
        Rule("credential_name", "NAME", re.compile(rf"(?P<phi>{_FULL_NAME}),?[ ]{_CREDENTIALS}\b"), 0.8,
             _name_refine(2)),
        *_name_rules_without_title(),
        # record-like numbers after their keyword
        Rule("mrn", "MRN", re.compile(
            rf"(?i:\b(?:MRN|MR#|MR\s?No\.?|medical\s+record(?:\s+(?:number|no\.?|#))?|record\s+(?:number|no\.?|#)|"
            rf"hospital\s+(?:number|no\.?|\#)|med(?:ical)?\s*rec(?:ord)?\.?\s*(?:\#|no\.?|number)|patient\s+(?:ID|number|no\.?)|chart\s+(?:number|no\.?|#)|unit\s+number))"
            rf"\s*[:#]{{0,2}}\s*{_IS}(?P<phi>{_CODE})"), 0.9, _has_digits(4)),
        Rule("health_plan", "HEALTH_PLAN_ID", re.compile(
            rf"(?i:\b(?:health\s+plan(?:\s+(?:ID|number|no\.?|\#))?|plan\s+(?:ID|\#|number)|"
            rf"insurance(?:\s+(?:member\s+)?(?:ID|number|no\.?|\#))?|ins\.?\s+(?:ID|\#|no\.?)|insurer\s+ID|"
            rf"member(?:ship)?\s*(?:ID|number|no\.?|\#)|policy\s*(?:number|no\.?|\#|ID)|group\s*(?:number|no\.?|\#)|"
            rf"subscriber\s*(?:ID|number|no\.?|\#)|beneficiary\s+(?:ID|number)|medicaid\s*(?:ID|number|no\.?|\#)|"
            rf"medicare\s*(?:ID|number|no\.?|\#|beneficiary\s+identifier)|MBI|BCBS\s*(?:ID|\#)|payer\s+ID))"
            rf"\s*[:#]{{0,2}}\s*{_IS}(?P<phi>{_SPACED_CODE})"), 0.9, _has_digits(4)),
        Rule("insurer_id", "HEALTH_PLAN_ID", re.compile(
            rf"\b(?:{_INSURERS})\b[^\n.;]{{0,30}}?\b(?i:ID|member|policy|number|no\.?|\#)\s*[:#]{{0,2}}\s*"
            rf"(?P<phi>{_SPACED_CODE})"), 0.85, _has_digits(4)),
        Rule("account", "ACCOUNT", re.compile(
            rf"(?i:\b(?:account|acct)(?:\s+(?:number|no\.?|#))?)\s*[:#]?\s*{_IS}(?P<phi>{_CODE})"), 0.85, _has_digits(4)),
        Rule("nhs_number", "ID_NUMBER", re.compile(
            r"\bNHS(?:\s+(?:number|no\.?|\#))?\s*[:#]?\s*(?P<phi>\d{3}[ -]?\d{3}[ -]?\d{4})(?!\d)"), 0.9),
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
        *_place_and_employer_rules(),
        *_more_identifier_rules(),
    ]


# --- Chinese rules ---------------------------------------------------------------------

_HAN = "\u4e00-\u9fff"
_ZH_SURNAMES = (  # common surnames, leaving out characters that often start clinical words (查体, 房颤, 车祸)
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔"
    "钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫阎段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛"
    "樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕季裴霍涂成苗谷盛曲翁冉骆"
    "蓝路游华卓缪项宗瞿桂郎虞敖巩池冀郁茹萧辛靳柴鲍滕饶艾尤穆褚戚闵卞姬隋邬臧佟晏岑窦娄麦祁喻蒲牟"
    "卜古司吉晋景权桑燕狄甄荣蔺邝邰阚雍鞠凤昌杭浦芦栾晁宓佘"  # rarer ones; 于 is left out (患者于三月...)
)
_ZH_COMPOUND_SURNAMES = ("欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文",
                         "司徒", "夏侯", "令狐", "端木", "西门", "南宫", "独孤", "澹台", "呼延")
# Characters that end a name (or show that what follows a surname is not a name).
_ZH_NOT_GIVEN = (
    "的了在于与和及或并而但因为是有无不未已曾再又也都均即被将把以对从向给让说诉述示伴等个次多日年时分秒岁周"
    "前后内外上下左右侧入出院住诊治疗查测服用药发热痛咳喘吐泻晕肿血压性别男女系同陪送联电话号码今昨晚夜我你他"
    "她其此该之称签代提供现既往告知嘱予行做来去到目睹肢腿足眼耳腹胸背腰头颈肩膝髋疸可感见规好差稳定醒愈显副"
)
# Clinical words that start with a surname character, and what a name field may hold instead.
_ZH_NOT_NAMES = ("安静", "高热", "高烧", "黄疸", "尚可", "常规", "平稳", "明显", "良好", "方可", "曾经", "时有", "成功",
                 "应用", "向来", "许多", "何时", "于是", "江湖", "石膏", "白天", "白细胞", "毛细", "温度", "康复", "程度",
                 "严密", "严格", "严重", "申请", "包扎", "方案", "安排", "安全", "成人", "高度", "文件", "常见",
                 "患者", "患儿", "病人", "本人", "家属", "父亲", "母亲", "丈夫", "妻子", "儿子", "女儿", "同事", "朋友",
                 "邻居", "护工", "保姆", "不详", "未知", "暂缺", "周身", "周围", "甘油", "张力", "包块", "包括", "文化",
                 "常感", "余无", "余未", "金属", "焦虑", "毛发", "任何", "何种", "陆续", "宁可", "尚未", "尚有", "尚无",
                 "许可", "马上", "关节", "关注", "易感", "申诉", "符合", "舒适", "梅毒", "童年", "凌晨", "成为", "巩膜",
                 "尤其", "窦性", "黄染", "黄色", "白色", "颜面", "高龄", "高危", "高脂", "方式", "方面", "范围", "龙胆",
                 "华法林", "石头", "艾滋", "郁闷", "辛辣", "曲张", "牛奶", "汤药", "温和", "苏醒", "姜黄", "景象",
                 "燕麦", "荣誉", "司机", "吉利", "古怪")
_ZH_GIVEN = rf"(?:(?![{_ZH_NOT_GIVEN}])[{_HAN}]){{1,2}}"
_ZH_NAME = rf"(?:{'|'.join(_ZH_COMPOUND_SURNAMES)}|[{_ZH_SURNAMES}]){_ZH_GIVEN}"
# After a field label with a colon (姓名：, 联系人：) the value is a name even with a rarer surname.
_ZH_FIELD_NAME = rf"(?:{'|'.join(_ZH_COMPOUND_SURNAMES)}|(?![{_ZH_NOT_GIVEN}])[{_HAN}]){_ZH_GIVEN}"
_ZH_NAME_BEFORE = (
    "患者|病人|患儿|姓名|名字|家属|其子|其女|其妻|其夫|其母|其父|其兄|其弟|其姐|其妹|其孙|配偶|之子|之女|联系人|"
    "医师|医生|主任|护士|护师|审阅|签名|记录者|记录人|丈夫|妻子|儿子|女儿|父亲|母亲|陪同人|陈述者|提供者|供史者|"
    "爱人|老伴|女婿|儿媳|孙女|孙子|外孙女|外孙|侄子|侄女|外甥女|外甥|哥哥|弟弟|姐姐|妹妹|监护人|陪护人|陪护|护工|"
    "邻居|朋友|同事|室友|代理人|委托人|报告人|填表人|签字人|家长"
)
_ZH_RELATION_NOTE = r"(?:[（(][^）)\n]{1,6}[）)])?"  # 家属（儿子）张志强
_ZH_NAME_AFTER = (
    r"先生|女士|医生|医师|主任|护士|老师|，[男女]|,[男女]|[，,]?[0-9]{1,3}岁|[（(][男女]|"
    r"[（(](?:患者|病人|其)?(?:之|的)?(?:父亲|母亲|儿子|女儿|丈夫|妻子|配偶|兄弟|姐妹|"
    r"哥哥|弟弟|姐姐|妹妹|孙子|孙女|儿媳|女婿|本人|朋友|同事|爱人|老伴|邻居|护工|监护人|家属|子|女|妻|夫|父|母)"
)
_ZH_MOBILE = r"(?:\+?86[- ]?)?1[3-9][0-9](?:[0-9]{8}|[- ][0-9]{4}[- ][0-9]{4})"
_ZH_LANDLINE = r"(?:\(0[0-9]{2,3}\)|0[0-9]{2,3}[- ]?)[0-9]{7,8}(?:-[0-9]{1,5})?"
_ZH_CODE = r"[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*"
_ZH_FACILITY_KINDS = "中心医院|人民医院|医院|卫生院|诊所|卫生服务中心|保健院|医疗中心"
_ZH_FACILITY_CUT = "在于至到往赴经由从及与的为是入住送转曾收就诊来自后前日月年我该"
_ZH_GENERIC_FACILITIES = {"当地", "外", "上级", "基层", "社区", "附近", "县级", "市级", "省级", "其他", "综合",
                          "专科", "乡镇", "外地", "多家", "某", "私立", "公立", "乡", "县", "村"}
_ZH_ADDRESS_CUT = re.compile(r"^.*(?:住址|地址|家住|住在|住于|居住于|居住在|现住|现居|户籍地|户籍)[：:]?")
# A word before an address that is not part of it (其子钱磊在上海市...): the address starts after it.
_ZH_ADDRESS_BREAK = "在于至到往赴经由从及与的为是我其住居来自"
_ZH_ADDRESS_MARKER = re.compile("省|自治区|特别行政区|市|州|盟|地区|区|县|旗|镇|乡|街道|路|街|大道|巷|胡同|道|里")
_ZH_PROVINCES = ("河北|山西|辽宁|吉林|黑龙江|江苏|浙江|安徽|福建|江西|山东|河南|湖北|湖南|广东|海南|四川|贵州|云南|陕西|"
                 "甘肃|青海|台湾|内蒙古|广西|西藏|宁夏|新疆")
_ZH_MUNICIPALITIES = "北京|天津|上海|重庆"
_ZH_GENERIC_PLACES = ("城市", "郊区", "市区", "城区", "本市", "全市", "该市", "外市", "本区", "本县", "当地", "本地", "外地",
                      "附近", "农村", "某")  # an address does not start with these
_ZH_NOT_ADDRESS = ("病房", "监护", "医院", "病区", "科室", "病床")  # 住在重症监护室
_ZH_ORG_SUFFIX = ("有限责任公司|股份有限公司|有限公司|集团公司|集团|公司|工厂|厂|小学|中学|大学|学院|学校|幼儿园|银行|"
                  "研究所|研究院|事务所|酒店|宾馆|超市|商场|餐厅|饭店|出版社|报社|电视台|派出所|公安局|政府|委员会|"
                  "办事处|局|所|院|中心|站|店|社|馆")
_ZH_NO_EMPLOYER = ("无", "不详", "退休", "个体", "务农", "无业", "自由职业", "家务", "学生", "农民", "待业", "暂无", "当地",
                   "本地", "外地", "某", "一家", "附近", "家里", "家中", "私营", "工人", "在家")
_ZH_TITLES = ("先生|女士|小姐|副主任医师|主任医师|主治医师|主治医生|副主任|副教授|医生|医师|大夫|护士长|护士|护师|主任|教授|老师|阿姨|师傅|大爷|奶奶|爷爷|叔叔|阿婆|伯伯|"
              "院长|科长|经理|律师|工程师")
# 老王, 小李: the word after them (or the end of a clause) shows a person is meant, not 小叶增生.
_ZH_XIAO_FOLLOW = "说讲称告诉表示来去在是的和与陪打电送及等也都已曾则会要今昨明前负帮看出回把将让给带扶推护医上下早晚记签值查诉接写填核审"
_ZH_XIAO_BEFORE = "由和与及同叫请给找让被对向跟把将是说见到称令等、师士任生"  # 住院医师小赵
_ZH_DIGIT = "〇零一二三四五六七八九"
_ZH_MONTH = "(?:十[一二]?|[一二三四五六七八九])"
_ZH_DAY = "(?:三十[一]?|二十[一二三四五六七八九]?|十[一二三四五六七八九]?|[一二三四五六七八九])"
_ZH_AREA = r"(?:\+86[- ]?[1-9][0-9]{1,2}|\+?86[- ]?0[1-9][0-9]{1,2}|0[1-9][0-9]{1,2}|[（(]0[1-9][0-9]{1,2}[）)])"
_ZH_LANDLINE_AREA = rf"{_ZH_AREA}[- ]?[2-9][0-9]{{2,3}}[- ]?[0-9]{{4}}(?:[ ]?(?:-|转|分机)[ ]?[0-9]{{1,5}})?"
_ZH_SPACED_CODE = r"[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*(?:[ ](?=[A-Za-z]{0,3}[0-9])[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*)*"
_ZH_RECORD_KEYWORDS = (
    "住院病历号|住院登记号|住院编号|住院ID|住院号|门诊病历号|门诊编号|门诊卡号|门急诊号|门诊号|急诊编号|急诊号|病案编号|"
    "病案号|病历编号|病历号|就诊卡号|就诊号|就诊ID|诊疗卡号|登记号|档案号|患者ID|病人ID|病理号|影像号|检查号|ID号?"
)
_ZH_PLAN_KEYWORDS = (
    "医保卡号码?|医保个人编号|医保编号|医保账号|医保号|社会保障卡号|社会保障号码?|社保卡号|社保号|医疗保险卡号|医疗保险证号|"
    "医疗保险号|参保人编号|参保号|新农合证号|新农合卡号|新农合号|合作医疗证号|保险单号|保单号"
)


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


def _zh_address_start(text: str) -> int:
    """Where an address starts: after a keyword (住址：) and after a word such as 在 before its first level."""
    cut = _ZH_ADDRESS_CUT.match(text)
    start = cut.end() if cut else 0
    marker = _ZH_ADDRESS_MARKER.search(text, start)
    if marker:
        head = text[start:marker.start()]
        cuts = [i + 1 for i, char in enumerate(head) if char in _ZH_ADDRESS_BREAK and len(head) - i - 1 >= 2]
        if cuts:
            start += max(cuts)
    return start


def _zh_address_refine(text: str) -> tuple[int, int] | None:
    start = _zh_address_start(text)
    if text[start:].startswith(_ZH_GENERIC_PLACES) or any(word in text[start:] for word in _ZH_NOT_ADDRESS):
        return None
    return (start, len(text)) if len(text) - start >= 5 else None


def _zh_keyword_address_refine(text: str) -> tuple[int, int] | None:
    """住址：浙江省杭州市西湖区 (no street needed after a keyword), but not 住在重症监护室."""
    if not re.search("[省市区县镇乡村路街道号弄室栋幢巷里组]", text) or text.startswith(_ZH_GENERIC_PLACES):
        return None
    if any(word in text for word in _ZH_NOT_ADDRESS):
        return None
    return 0, len(text)


def _zh_org_refine(text: str) -> tuple[int, int] | None:
    """An employer after 工作单位： or 就职于: cut after its last organisation word (公司, 中学)."""
    if text.startswith(_ZH_NO_EMPLOYER) or "某" in text:
        return None
    ends = [m.end() for m in re.finditer(_ZH_ORG_SUFFIX, text)]
    end = max(ends) if ends else len(text)
    return (0, end) if end >= 3 else None


def _zh_company_refine(text: str) -> tuple[int, int] | None:
    start = max((text.rfind(char) + 1 for char in _ZH_FACILITY_CUT), default=0)
    name = text[start:]
    if name.startswith(_ZH_NO_EMPLOYER) or len(name) < 6:
        return None
    return start, len(text)


def _zh_school_refine(text: str) -> tuple[int, int] | None:
    """阳光幼儿园, 北京市第八十中学; not 在幼儿园 or 文化程度小学."""
    start = max((text.rfind(char) + 1 for char in _ZH_FACILITY_CUT), default=0)
    kind = re.search("(?:幼儿园|小学|中学|大学|学院)$", text)
    name = text[start:kind.start()] if kind else ""
    if len(name) < 2 or name.startswith(_ZH_NO_EMPLOYER) or name.endswith(("程度", "学历", "文化", "就读", "上", "读")):
        return None
    return start, len(text)


def _zh_lao_xiao_refine(text: str) -> tuple[int, int] | None:
    return None if text in ("小叶", "小关", "小范", "小程", "小常", "老毛", "小康") else (0, len(text))


def _zh_name_refine(text: str) -> tuple[int, int] | None:
    return None if text.startswith(_ZH_NOT_NAMES) else (0, len(text))


def _zh_keyword_code(name: str, label: str, keywords: str, score: float) -> Rule:
    """A number after its keyword: 住院号：, 住院号/病案号：, 门诊号（卡号）：, 病历号为, with spaced groups allowed."""
    pattern = re.compile(rf"(?:{keywords})(?:[/／、](?:{keywords}))*(?:[（(][^）)\n]{{0,6}}[）)])?\s*[：:#]?\s*"
                         rf"(?:为|是)?\s*(?P<phi>{_ZH_SPACED_CODE})")
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
        Rule("zh_landline_area", "PHONE", re.compile(rf"(?<![0-9A-Za-z.])(?P<phi>{_ZH_LANDLINE_AREA})(?![0-9])"), 0.72),
        Rule("zh_phone_keyword", "PHONE", re.compile(
            r"(?:电话|座机|固话|固定电话|宅电|电话号码|Tel|TEL|tel)[：:]?\s*(?P<phi>[2-9][0-9]{2,3}[- ]?[0-9]{4})(?![0-9])"),
            0.75),
        _zh_keyword_code("zh_record_number", "MRN", _ZH_RECORD_KEYWORDS, 0.9),
        _zh_keyword_code("zh_health_plan", "HEALTH_PLAN_ID", _ZH_PLAN_KEYWORDS, 0.92),
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
             re.compile(rf"(?:{_ZH_NAME_BEFORE}){_ZH_RELATION_NOTE}[：:][\s\u3000]*(?P<phi>{_ZH_FIELD_NAME})"), 0.82,
             _zh_name_refine),
        Rule("zh_name_after_context", "NAME",
             re.compile(rf"(?:{_ZH_NAME_BEFORE}){_ZH_RELATION_NOTE}[：:\s\u3000]*(?P<phi>{_ZH_NAME})"), 0.8,
             _zh_name_refine),
        Rule("zh_name_before_title", "NAME", re.compile(rf"(?P<phi>{_ZH_NAME})(?={_ZH_NAME_AFTER})"), 0.8, _zh_name_refine),
        *_more_chinese_rules(),
    ]


def _more_chinese_rules() -> list[Rule]:
    """老王/小李, 陈医生, dates in Chinese numerals, addresses without a street, employers."""
    compound = "|".join(_ZH_COMPOUND_SURNAMES)
    title_surnames = _ZH_SURNAMES.replace("向", "")  # 向医生咨询
    district = rf"[{_HAN}]{{1,5}}?(?:区|县|旗|市)"
    town = rf"(?:[{_HAN}]{{1,6}}?(?:镇|乡|街道))?"
    chain = (rf"(?:(?:{_ZH_PROVINCES})(?:省|壮族自治区|回族自治区|维吾尔自治区|自治区)?[{_HAN}]{{2,4}}?(?:市|州|盟|地区)"
             rf"(?:{district})?|(?:{_ZH_MUNICIPALITIES})市?{district}|[{_HAN}]{{2,3}}市{district}){town}")
    address_keywords = ("家庭住址|现住址|住址|通讯地址|联系地址|家庭地址|户籍地址|户籍所在地|户籍地|地址|家住|现住|"
                        "现居住?于?|居住于|居住在|住在|住于")
    value = r"[^\s，,。；;、（）()！!？?：:]"
    return [
        Rule("zh_lao_xiao", "NAME", re.compile(
            rf"(?:(?<![{_HAN}])|(?<=[{_ZH_XIAO_BEFORE}]))(?P<phi>[老小][{_ZH_SURNAMES}])"
            rf"(?=[^{_HAN}]|[{_ZH_XIAO_FOLLOW}]|$)"), 0.8, _zh_lao_xiao_refine),
        Rule("zh_surname_title", "NAME", re.compile(
            rf"(?<![任如为几若凡其责主])(?P<phi>(?:{compound}|[{title_surnames}])(?:{_ZH_TITLES}))(?![：:])"), 0.74),
        Rule("zh_surname_only", "NAME", re.compile(rf"(?<!名)姓(?P<phi>{compound}|[{_ZH_SURNAMES}])(?![名{_HAN}])"), 0.7),
        Rule("zh_numeral_date", "DATE", re.compile(
            rf"(?:[0-9]{{4}}|[{_ZH_DIGIT}]{{4}})\s*年\s*{_ZH_MONTH}月(?:{_ZH_DAY}[日号])?"), 0.85),
        Rule("zh_numeral_month_day", "DATE", re.compile(
            rf"(?<![{_ZH_DIGIT}十年个第每])(?:{_ZH_MONTH})月{_ZH_DAY}[日号]"), 0.75),
        Rule("zh_address_after_keyword", "ADDRESS", re.compile(
            rf"(?:{address_keywords})[：:为是]?\s*(?P<phi>{value}{{4,40}})"), 0.8, _zh_keyword_address_refine),
        Rule("zh_admin_address", "ADDRESS", re.compile(rf"(?P<phi>[{_HAN}]{{0,6}}?{chain})"), 0.7, _zh_address_refine),
        Rule("zh_employer_field", "LOCATION", re.compile(
            rf"(?:工作单位|单位名称|就职单位|所在单位|单位|雇主|工作地点)[：:]\s*(?P<phi>{value}{{2,30}})"), 0.8,
            _zh_org_refine),
        Rule("zh_employer_verb", "LOCATION", re.compile(
            rf"(?:就职于|任职于|供职于|受雇于|工作于|就业于|服务于|任教于|就读于)\s*(?P<phi>{value}{{2,30}})"), 0.78,
            _zh_org_refine),
        Rule("zh_employer_at", "LOCATION", re.compile(
            rf"在(?P<phi>[{_HAN}A-Za-z0-9]{{2,20}}?(?:{_ZH_ORG_SUFFIX}))(?:工作|上班|任职|打工|务工|就职|上学|读书)"), 0.75,
            _zh_org_refine),
        Rule("zh_company", "LOCATION", re.compile(
            rf"[{_HAN}A-Za-z0-9]{{2,20}}?(?:有限责任公司|股份有限公司|有限公司|集团公司|集团)"), 0.72, _zh_company_refine),
        Rule("zh_school", "LOCATION", re.compile(rf"[{_HAN}]{{2,12}}?(?:幼儿园|小学|中学|大学|学院)"), 0.7,
             _zh_school_refine),
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


# The fewest digits of a number phonenumbers calls valid: national numbers of 5 digits (AU,
# NZ) in the regions searched, 4 digits after a 2-digit country code elsewhere.
MIN_PHONE_DIGITS = 5
_PHONE_SEPARATORS = re.escape(phonenumbers.phonenumberutil._VALID_PUNCTUATION + phonenumbers.phonenumberutil._PLUS_CHARS)
# Digits that only phone punctuation, plus signs and spaces separate: where a phone number can be.
_PHONE_DIGITS = re.compile(rf"\d(?:[\s{_PHONE_SEPARATORS}]*\d){{{MIN_PHONE_DIGITS - 1}}}")
# What each of Presidio's pattern recognisers needs in every one of its patterns.
_PRESIDIO_NEEDS: dict[type[EntityRecognizer], re.Pattern[str]] = {
    UrlRecognizer: re.compile(r"\.[^\W\d_]{2}"),  # a dot before a top-level domain of two letters or more
    IpRecognizer: re.compile(r"[0-9]\.[0-9]|[0-9A-Fa-f]:|::"),  # IPv4 digits and dots, or IPv6 groups
    UsSsnRecognizer: re.compile(r"[0-9]{3}"),
    DateRecognizer: re.compile(r"\d[-/.]\d|\d-[^\W\d_]|[^\W\d_]-\d"),  # 3/14, 2026-03, 14.3, 14-MAR, MAR-26
    MedicalLicenseRecognizer: re.compile(r"\d{7}"),
}


class PresidioRecognizers:
    """Presidio's recognisers, run only where they can find something.

    A recogniser is skipped when the text lacks what each of its patterns needs (an "@" for
    e-mail, five digits in a row for phones, a dot and two letters for URLs). Where nothing
    is found the analysis is done; where something is, Presidio raises a score when a
    context word of the recogniser ("phone", "date") is near it, which needs the spaCy
    tokens: if such a word is anywhere in the text the whole analysis runs as Presidio's
    engine does, otherwise the scores stay as found and the engine's own threshold and
    duplicate removal apply.
    """

    def __init__(self, analyzer: AnalyzerEngine) -> None:
        self.analyzer = analyzer
        self.recognizers = analyzer.registry.get_recognizers(language="en", all_fields=True)
        self.entities = analyzer.get_supported_entities(language="en")
        self.patterns = {recognizer.id: _python_patterns(recognizer) for recognizer in self.recognizers}

    def analyze(self, text: str) -> list[RecognizerResult]:
        lowered = lower_for_matching(text)
        found: list[RecognizerResult] = []
        finders: list[EntityRecognizer] = []
        for recognizer in self.recognizers:
            if not self._may_find(recognizer, text, lowered):
                continue
            results = recognizer.analyze(text=text, entities=self.entities, nlp_artifacts=None)
            if results:
                found += results
                finders.append(recognizer)
        if not found:
            return []
        text_lower = text.lower()  # what Presidio's context words are compared with, token by token
        if any(word.lower() in text_lower for recognizer in finders for word in recognizer.context):
            entities = [entity for recognizer in finders for entity in recognizer.supported_entities]
            return self.analyzer.analyze(text=text, language="en", entities=entities, score_threshold=PRESIDIO_MIN_SCORE)
        return EntityRecognizer.remove_duplicates([result for result in found if result.score >= PRESIDIO_MIN_SCORE])

    def _may_find(self, recognizer: EntityRecognizer, text: str, lowered: str) -> bool:
        if isinstance(recognizer, PhoneRecognizer):
            return _PHONE_DIGITS.search(text) is not None
        needs = _PRESIDIO_NEEDS.get(type(recognizer))
        if needs is not None and not needs.search(text):
            return False
        patterns = self.patterns[recognizer.id]
        return patterns is None or any(may_match(pattern, text, lowered) for pattern in patterns)


def _python_patterns(recognizer: EntityRecognizer) -> list[re.Pattern[str]] | None:
    """A pattern recogniser's patterns compiled with ``re`` (for :func:`needed_text`); None: always run it."""
    if not isinstance(recognizer, PatternRecognizer) or recognizer.deny_list:
        return None
    try:
        return [re.compile(pattern.regex, re.IGNORECASE | re.MULTILINE | re.DOTALL) for pattern in recognizer.patterns]
    except re.error:
        return None


# --- the detector --------------------------------------------------------------------------

# Full-width ASCII (０２１－６４０４, ＡＢＣ, ：，（）) read as ASCII: one character for one.
_HALF_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}


class PHIDetector:
    """Finds identifiers in English or Chinese text; build once, the analyzer is reused."""

    def __init__(self) -> None:
        self.analyzer = build_presidio_analyzer()
        self.presidio = PresidioRecognizers(self.analyzer)
        self.rules = {"en": _english_rules(), "zh": _chinese_rules()}

    def detect(self, text: str, language: str) -> list[Detection]:
        if language not in self.rules:
            raise ValueError(f"unsupported language {language!r}; expected one of {', '.join(self.rules)}")
        original, text = text, text.translate(_HALF_WIDTH)  # same length: spans index both
        found = list(apply_rules(self.rules[language], text))
        if language == "en":
            found += self._presidio(text)
            found += _names_after_and(text, found)
            found = _drop_eponyms(text, found)
        kept = resolve_overlaps(found)
        kept = resolve_overlaps(kept + _repeated_names(text, kept, language))
        return [Detection(d.label, d.start, d.end, original[d.start:d.end], d.score, d.recognizer) for d in kept]

    def _presidio(self, text: str) -> list[Detection]:
        detections = []
        for result in self.presidio.analyze(text):
            label = PRESIDIO_LABELS.get(result.entity_type)
            if label is None:
                continue
            name = (result.recognition_metadata or {}).get("recognizer_name", "presidio")
            detections.append(Detection(label, result.start, result.end, text[result.start:result.end],
                                        round(float(result.score), 3), f"presidio:{name}"))
        return detections


@functools.cache
def shared_detector() -> PHIDetector:
    """One detector per process: building one loads Presidio's recognisers and a spaCy pipeline
    (about a second), and a detector holds no state between texts."""
    return PHIDetector()


def _names_after_and(text: str, found: list[Detection]) -> list[Detection]:
    """'Parents Ann Lee and Tom Lee', 'her sons Mark and David': the second name of a pair joined by 'and'."""
    extra = []
    full = re.compile(rf"[ ]+and[ ]+(?P<phi>{_FULL_NAME})")
    single = re.compile(rf"[ ]+and[ ]+(?P<phi>{_TOKEN})(?![\w'])")
    for detection in found:
        if detection.label != "NAME":
            continue
        one_word = " " not in detection.text
        match = (single if one_word else full).match(text, detection.end)
        if match:
            kept = (_name_refine(1, strict_start=True) if one_word else _name_refine(2))(match.group("phi"))
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
