"""English clinical notes for the set ``clinical-summary-en``.

Discharge summaries, ED notes, clinic visits and operative notes across thirteen
specialties, each with a four-section reference summary. Every case is invented for
this project: no real patient, clinician or hospital appears.

Each case draws from two seeded streams. ``Ctx.rng`` draws the clinical content
(values, phrasing, ages, sexes); Faker, with its own stream, draws the identifiers.
The reference summary is built from the clinical stream only, so each case is built
twice with the same seed: the first pass yields the reference, the second redraws any
identifier that would show in it (a surname that is also a word of the summary, an
age that is also a value), leaving everything else unchanged.

Each builder also states the case's gold ICD-10-CM codes (``Ctx.code``) beside the diagnoses it
chooses: the diagnoses the reference's assessment states (and a finding it names as one), the
primary first. They go to the case's ``metadata.icd10``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Callable, Sequence, TypeVar

from evalsets.generators.common import mark, seeded, words_of

BASE_SEED = 4_180_326
LOCALE = "en_US"
SECTIONS = ("Chief Complaint:", "History of Present Illness:", "Key Findings:", "Assessment and Plan:")

T = TypeVar("T")
Built = tuple[str, str]  # (source with PHI marks, reference summary)

HOSPITAL_KINDS = (
    "Regional Medical Center", "General Hospital", "Community Hospital", "University Hospital",
    "Memorial Hospital", "Medical Center", "Health Center",
)
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")
ADULT_RELATIVES = (
    ("wife", "F"), ("husband", "M"), ("partner", None), ("daughter", "F"), ("son", "M"),
    ("sister", "F"), ("brother", "M"), ("niece", "F"),
)


# --- text helpers ----------------------------------------------------------------------

def reference(complaint: str, history: str, findings: str, plan: str) -> str:
    """The four-section reference summary, each heading on its own line."""
    parts = (complaint, history, findings, plan)
    return "\n".join(f"{heading}\n{text.strip()}" for heading, text in zip(SECTIONS, parts))


def lines(*parts: str | None) -> str:
    return "\n".join(part for part in parts if part)


def and_list(items: Sequence[str]) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def format_date(day: date, style: int) -> str:
    if style == 0:
        return f"{day.month:02d}/{day.day:02d}/{day.year}"
    if style == 1:
        return f"{MONTHS[day.month - 1]} {day.day}, {day.year}"
    if style == 2:
        return day.isoformat()
    return f"{day.day} {MONTHS[day.month - 1][:3]} {day.year}"


# --- people ------------------------------------------------------------------------

@dataclass(frozen=True)
class Person:
    first: str
    last: str

    @property
    def full(self) -> str:
        return mark("NAME", f"{self.first} {self.last}")

    @property
    def surname(self) -> str:
        return mark("NAME", self.last)

    @property
    def initial(self) -> str:
        return mark("NAME", f"{self.first[0]}. {self.last}")


@dataclass(frozen=True)
class Patient:
    name: Person
    sex: str  # "M" or "F"
    age: int  # years (0 for infants, see age_text)
    very_old: bool = False
    age_text: str = ""  # e.g. "4-month-old" for infants

    @property
    def he(self) -> str:
        return "he" if self.sex == "M" else "she"

    @property
    def him(self) -> str:
        return "him" if self.sex == "M" else "her"

    @property
    def his(self) -> str:
        return "his" if self.sex == "M" else "her"

    @property
    def He(self) -> str:  # noqa: N802 - reads naturally in templates
        return cap(self.he)

    @property
    def His(self) -> str:  # noqa: N802
        return cap(self.his)

    @property
    def noun(self) -> str:
        if self.age >= 18 or self.very_old:
            return "man" if self.sex == "M" else "woman"
        return "boy" if self.sex == "M" else "girl"

    @property
    def title(self) -> str:
        return "Mr." if self.sex == "M" else "Ms."

    @property
    def mr(self) -> str:
        """'Mr. Surname' with the surname marked."""
        return f"{self.title} {self.name.surname}"

    @property
    def age_src(self) -> str:
        if self.very_old:
            return f"{mark('AGE_OVER_89', str(self.age))}-year-old"
        return self.age_text or f"{self.age}-year-old"

    @property
    def age_ref(self) -> str:
        return "elderly" if self.very_old else (self.age_text or f"{self.age}-year-old")

    @property
    def desc_src(self) -> str:
        return f"{self.age_src} {self.noun}"

    @property
    def desc_ref(self) -> str:
        return f"{self.age_ref} {self.noun}"

    @property
    def age_years(self) -> str:
        """The age for a header field ('93' marked when over 89)."""
        return mark("AGE_OVER_89", str(self.age)) if self.very_old else str(self.age)


# --- random draws ------------------------------------------------------------------------

class Ctx:
    """Random draws for one case: ``rng`` for clinical content, Faker's stream for identifiers.

    ``avoid`` is the case's reference summary from a first pass: identifiers that occur in
    it (or names sharing a word with it) are drawn again.
    """

    def __init__(self, seed: int, avoid: str = "") -> None:
        self.rng, self.fake = seeded(seed, LOCALE)
        self.phi_rng = self.fake.random
        self.avoid = avoid
        self.avoid_words = words_of(avoid)
        self.used_names: set[str] = set()
        self.today = date(2025, 1, 6) + timedelta(days=self.phi_rng.randint(0, 600))
        self.codes: list[dict] = []  # the case's gold ICD-10-CM codes, primary first

    # gold codes (no random draw) -------------------------------------------------------
    def code(self, code: str, description: str) -> None:
        """A gold ICD-10-CM code of the case; the first one stated is the primary diagnosis."""
        self.codes.append({"code": code, "description": description, "primary": not self.codes})

    # clinical stream -------------------------------------------------------------------
    def pick(self, options: Sequence[T]) -> T:
        return self.rng.choice(list(options))

    def chance(self, probability: float) -> bool:
        return self.rng.random() < probability

    def some(self, options: Sequence[T], k: int) -> list[T]:
        return self.rng.sample(list(options), k)

    def n(self, lo: int, hi: int) -> int:
        return self.rng.randint(lo, hi)

    def x(self, lo: float, hi: float, dp: int = 1) -> str:
        """A decimal value as written in the note."""
        if dp == 0:
            return str(self.rng.randint(int(lo), int(hi)))
        return f"{self.rng.uniform(lo, hi):.{dp}f}"

    def lab(self, name: str, lo: float, hi: float, unit: str, dp: int = 0) -> str:
        separator = "" if unit[:1] in "%/" else " "
        return f"{name} {self.x(lo, hi, dp)}{separator}{unit}"

    def bp(self, systolic: tuple[int, int], diastolic: tuple[int, int]) -> str:
        label = self.pick(["BP", "BP", "blood pressure"])
        return f"{label} {self.n(*systolic)}/{self.n(*diastolic)} mmHg"

    def hr(self, lo: int, hi: int) -> str:
        return f"{self.pick(['HR', 'HR', 'heart rate', 'pulse'])} {self.n(lo, hi)} bpm"

    def rr(self, lo: int, hi: int) -> str:
        return f"{self.pick(['RR', 'RR', 'respiratory rate'])} {self.n(lo, hi)}/min"

    def spo2(self, lo: int, hi: int) -> str:
        return f"{self.pick(['SpO2', 'SpO2', 'oxygen saturation'])} {self.n(lo, hi)}%"

    def temp(self, lo: float, hi: float) -> str:
        return f"{self.pick(['temperature', 'temperature', 'temp'])} {self.x(lo, hi)} °C"

    def clock(self) -> str:
        return f"{self.n(0, 23):02d}:{self.n(0, 59):02d}"

    def on(self, offset_days: int) -> date:
        return self.today + timedelta(days=offset_days)

    # identifiers (Faker's stream) ------------------------------------------------------
    def _allowed(self, label: str, value: str) -> bool:
        if not value or value in self.avoid:
            return False
        return not (label == "NAME" and words_of(value) & self.avoid_words)

    def _draw(self, label: str, make: Callable[[], str]) -> str:
        for _ in range(500):
            value = make().strip()
            if self._allowed(label, value):
                return value
        raise RuntimeError(f"could not draw a {label} that stays out of the reference")

    def phi(self, label: str, make: Callable[[], str]) -> str:
        return mark(label, self._draw(label, make))

    def person(self, sex: str | None = None, last: str | None = None) -> Person:
        def first_name() -> str:
            if sex == "M":
                return self.fake.first_name_male()
            if sex == "F":
                return self.fake.first_name_female()
            return self.fake.first_name()

        for _ in range(500):
            first = self._draw("NAME", first_name)
            surname = last or self._draw("NAME", self.fake.last_name)
            if first not in self.used_names and (last or surname not in self.used_names):
                self.used_names.update({first, surname})
                return Person(first, surname)
        raise RuntimeError("could not draw a distinct name")

    def patient(self, lo: int, hi: int, sex: str | None = None, very_old_chance: float = 0.0) -> Patient:
        sex = sex or self.pick("MF")
        age = self.n(lo, hi)
        very_old = self.chance(very_old_chance)
        if very_old:
            age = int(self._draw("AGE_OVER_89", lambda: str(self.phi_rng.randint(90, 101))))
        return Patient(self.person(sex), sex, age, very_old)

    def infant(self, months_lo: int, months_hi: int, unit: str = "month") -> Patient:
        sex = self.pick("MF")
        count = self.n(months_lo, months_hi)
        return Patient(self.person(sex), sex, 0, age_text=f"{count}-{unit}-old")

    def date(self, day: date) -> str:
        return self.phi("DATE", lambda: format_date(day, self.phi_rng.randrange(4)))

    def dob(self, pt: Patient, on: date) -> str:
        def make() -> str:
            if pt.age == 0:
                born = on - timedelta(days=self.phi_rng.randint(20, 300))
            else:
                born = date(on.year - pt.age, on.month, min(on.day, 28)) - timedelta(days=self.phi_rng.randint(0, 330))
            return format_date(born, self.phi_rng.randrange(4))
        return self.phi("DATE", make)

    def _phone_text(self) -> str:
        area = self.phi_rng.randint(201, 989)
        line = f"01{self.phi_rng.randint(0, 99):02d}"
        style = self.phi_rng.randrange(4)
        return (f"({area}) 555-{line}", f"{area}-555-{line}", f"{area}.555.{line}", f"{area} 555 {line}")[style]

    def phone(self) -> str:
        return self.phi("PHONE", self._phone_text)

    def fax(self) -> str:
        return self.phi("FAX", self._phone_text)

    def mrn(self) -> str:
        def make() -> str:
            style = self.phi_rng.randrange(4)
            if style == 0:
                return self.fake.numerify("########")
            if style == 1:
                return self.fake.numerify("MR-#######")
            if style == 2:
                return self.fake.numerify("##-###-###")
            return self.fake.bothify("?#######").upper()
        return self.phi("MRN", make)

    def ssn(self) -> str:
        return self.phi("SSN", self.fake.ssn)

    def email(self) -> str:
        return self.phi("EMAIL", self.fake.email)

    def plan_id(self) -> str:
        def make() -> str:
            style = self.phi_rng.randrange(3)
            if style == 0:
                return self.fake.bothify("???#########").upper()
            if style == 1:
                return self.fake.numerify("HP-####-####-##")
            return self.fake.bothify("W#########").upper()
        return self.phi("HEALTH_PLAN_ID", make)

    def account(self) -> str:
        def make() -> str:
            style = self.phi_rng.randrange(3)
            if style == 0:
                return self.fake.numerify("ACC-#######")
            if style == 1:
                return self.fake.numerify("##########")
            return self.fake.numerify("V#########")
        return self.phi("ACCOUNT", make)

    def address(self) -> str:
        def make() -> str:
            state = self.fake.state_abbr(include_territories=False, include_freely_associated_states=False)
            return f"{self.fake.street_address()}, {self.fake.city()}, {state} {self.fake.zipcode()}"
        return self.phi("ADDRESS", make)

    def hospital(self) -> str:
        """An invented hospital: a Faker town name and a generic kind."""
        return self.phi("LOCATION", lambda: f"{self.fake.city()} {self.phi_rng.choice(HOSPITAL_KINDS)}")

    def facility(self, kind: str) -> str:
        """An invented facility of the given kind ('Rehabilitation Center', 'Elementary School')."""
        return self.phi("LOCATION", lambda: f"{self.fake.city()} {kind}")

    def device(self, pattern: str) -> str:
        """A device serial from a bothify pattern ('PJN######S')."""
        return self.phi("DEVICE_ID", lambda: self.fake.bothify(pattern).upper())

    def plate(self) -> str:
        def make() -> str:
            plate = self.fake.license_plate()
            return plate if len(plate) >= 6 else ""  # an empty draw is rejected
        return self.phi("VEHICLE_ID", make)

    def licence(self) -> str:
        return self.phi("LICENSE", lambda: self.fake.bothify(self.phi_rng.choice(["?########", "?###-###-##-###", "#########"])).upper())

    def portal_url(self) -> str:
        def make() -> str:
            host = self.phi_rng.choice(["myhealth", "portal", "patients", "mychart"])
            return f"https://{host}.{self.fake.domain_word()}-health.example/records/{self.fake.bothify('??##?##?').lower()}"
        return self.phi("URL", make)

    def ip(self) -> str:
        def make() -> str:
            prefix = self.phi_rng.choice(["192.0.2", "198.51.100", "203.0.113"])
            return f"{prefix}.{self.phi_rng.randint(2, 254)}"
        return self.phi("IP", make)


# --- shared note parts ----------------------------------------------------------------------

def header(c: Ctx, title: str, fields: list[tuple[str, str]]) -> str:
    """A note title and its identifying fields, one per line or on one line."""
    if c.chance(0.5):
        return lines(title, *(f"{key}: {value}" for key, value in fields))
    return lines(title, " | ".join(f"{key}: {value}" for key, value in fields))


def mrn_field(c: Ctx) -> tuple[str, str]:
    return (c.pick(["MRN", "MRN", "Medical record no.", "MR#"]), c.mrn())


def contact(c: Ctx, pt: Patient) -> str:
    """A next-of-kin line with a relative's name and phone number."""
    if pt.age < 18 and not pt.very_old:
        relation, sex = c.pick([("mother", "F"), ("father", "M")])
        shares = c.chance(0.8)
    else:
        relation, sex = c.pick(ADULT_RELATIVES)
        shares = c.chance(0.5)
    kin = c.person(sex, last=pt.name.last if shares else None)
    label = c.pick(["Next of kin", "Emergency contact", "Contact"])
    return f"{label}: {relation} {kin.full}, {c.phone()}."


def signed(c: Ctx, role: str, day: date, person: Person | None = None) -> str:
    doc = person or c.person()
    style = c.pick([0, 1, 2])
    if style == 0:
        return f"Electronically signed by Dr. {doc.full}, {role}, {c.date(day)} {c.clock()}."
    if style == 1:
        return f"Signed: {doc.full}, MD ({role}) - {c.date(day)}"
    return f"{cap(role)}: Dr. {doc.full}. Dictated {c.date(day)}, transcribed {c.date(day + timedelta(days=c.n(0, 1)))}."


def background(c: Ctx, history: Sequence[str], medications: Sequence[str], allergy: str = "no known drug allergies",
               social: Sequence[str] = ()) -> str:
    """Past history, home medications, allergies and (some of) the social history."""
    parts = [f"Past medical history: {and_list(history)}." if history else "Past medical history: nil of note.",
             f"Home medications: {', '.join(medications)}." if medications else "Home medications: none.",
             f"Allergies: {allergy}."]
    if social:
        parts.append("Social history: " + " ".join(social[: c.n(1, len(social))]))
    return lines(*parts)


def instructions(c: Ctx, items: Sequence[str], heading: str = "Discharge instructions") -> str:
    """Some of the given instructions, in order."""
    return f"{heading}: " + " ".join(items[: c.n(2, len(items))])


def _team(c: Ctx, pt: Patient, kind: str) -> str:
    roles = {
        "operative note": ["scrub nurse", "circulating nurse", "anaesthesia technician"],
        "ED note": ["triage nurse", "resident", "ED pharmacist"],
        "discharge summary": ["ward nurse", "resident", "case manager"],
        "clinic visit": ["clinic nurse", "medical student", "care coordinator"],
    }[kind]
    chosen = c.some(roles, 2)
    return "Care team: " + "; ".join(f"{role} {c.person().full}" for role in chosen) + "."


def _family(c: Ctx, pt: Patient, kind: str) -> str:
    if pt.age < 18 and not pt.very_old:
        return f"Plan discussed with {pt.his} parents at the bedside; both agree. Father's mobile {c.phone()}."
    relation, sex = c.pick(ADULT_RELATIVES)
    way = c.pick(["at the bedside", "by telephone", "in a family meeting"])
    return (f"Plan discussed with {pt.him} and {pt.his} {relation} {c.person(sex).full} {way}; questions answered "
            f"and both agree with the plan.")


def _pharmacy(c: Ctx, pt: Patient, kind: str) -> str:
    return (f"Medication list reconciled against the dispensing record of {c.facility('Pharmacy')} "
            f"(phone {c.phone()}, fax {c.fax()}).")


def _attestation(c: Ctx, pt: Patient, kind: str) -> str:
    return (f"Attending attestation: I saw and examined the patient with Dr. {c.person().full}, reviewed the results "
            "and agree with the findings and plan as documented.")


def _registration(c: Ctx, pt: Patient, kind: str) -> str:
    parts = [f"home address {c.address()}"]
    if c.chance(0.5):
        parts.append(f"insurance member ID {c.plan_id()}")
    if c.chance(0.4):
        parts.append(f"guarantor account {c.account()}")
    if c.chance(0.3) and pt.age >= 18:
        parts.append(f"SSN {c.ssn()}")
    return "Registration: " + "; ".join(parts) + "."


def _portal(c: Ctx, pt: Patient, kind: str) -> str:
    if c.chance(0.5):
        return f"After-visit summary and results released to the patient portal ({c.portal_url()})."
    return f"A copy of this note was sent at the patient's request to {c.email()}."


def _copy_to(c: Ctx, pt: Patient, kind: str) -> str:
    return f"Copy to: Dr. {c.person().full}, primary care, {c.facility('Family Practice')}; fax {c.fax()}."


def _checklist(c: Ctx, pt: Patient, kind: str) -> str:
    who = "the parents" if pt.age < 18 and not pt.very_old else "the patient"
    return (f"Surgical safety checklist: sign-in, time-out and sign-out completed. Written consent from {who} after "
            "discussion of risks including bleeding, infection, damage to nearby structures and anaesthetic risk.")


def _language(c: Ctx, pt: Patient, kind: str) -> str:
    return c.pick([
        "Preferred language English; no interpreter required.",
        "Identity band checked and allergy status confirmed.",
        "Patient identity confirmed with two identifiers.",
    ])


CARE_PARTS: dict[str, list[Callable[[Ctx, Patient, str], str]]] = {
    "ED note": [_team, _family, _pharmacy, _attestation, _registration, _language],
    "discharge summary": [_team, _family, _pharmacy, _registration, _portal, _copy_to],
    "clinic visit": [_team, _family, _pharmacy, _registration, _portal, _copy_to, _language],
    "operative note": [_team, _checklist, _family, _language],
}


def care(c: Ctx, pt: Patient, kind: str) -> str:
    """Administrative and communication lines that vary a note's length and identifiers."""
    parts = CARE_PARTS[kind]
    chosen = c.some(range(len(parts)), c.n(0, min(4, len(parts))))
    return lines(*(parts[i](c, pt, kind) for i in sorted(chosen)))


# --- cardiology -------------------------------------------------------------------------

def stemi_ed(c: Ctx) -> Built:
    pt = c.patient(42, 84)
    day = c.on(0)
    hours = c.n(1, 6)
    territory, leads, artery, stemi_code = c.pick([
        ("inferior", "II, III and aVF", "right coronary artery", "I21.11"),
        ("anterior", "V1 to V4", "left anterior descending artery", "I21.02"),
        ("lateral", "I, aVL, V5 and V6", "circumflex artery", "I21.21"),
    ])
    st = c.x(2, 5, 0)
    quality = c.pick(["crushing", "pressure-like", "heavy", "tight"])
    risks = c.some(["hypertension", "type 2 diabetes", "hyperlipidaemia", "active smoking",
                    "a family history of premature coronary disease"], c.n(2, 3))
    radiation = c.pick(["the left arm", "the jaw", "both arms", "the back"])
    associated = c.pick(["diaphoresis and nausea", "diaphoresis", "breathlessness and nausea", "light-headedness"])
    bp, hr, rr, spo2, temp = c.bp((95, 178), (55, 100)), c.hr(52, 118), c.rr(16, 26), c.spo2(90, 97), c.temp(36.4, 37.3)
    trop = c.lab("troponin I", 0.4, 12.0, "ng/mL", 2)
    glucose = c.lab("glucose", 6.5, 14.5, "mmol/L", 1)
    creat = c.lab("creatinine", 68, 142, "umol/L")
    potassium = c.lab("potassium", 3.5, 5.1, "mmol/L", 1)
    ed_doc, cardiologist = c.person(), c.person()
    source = lines(
        header(c, "EMERGENCY DEPARTMENT NOTE", [("Patient", pt.name.full), mrn_field(c), ("Arrival", f"{c.date(day)} {c.clock()}"),
                                               ("Site", c.hospital())]),
        f"HPI: {pt.desc_src} with {and_list(risks)} presenting by ambulance with {hours} hours of {quality} central "
        f"chest pain radiating to {radiation}, with {associated}. The pain began at rest and did not settle with "
        f"sublingual nitroglycerin given by paramedics. No prior coronary events. {pt.He} takes no anticoagulant.",
        background(c, ["hypertension", "hyperlipidaemia"], ["lisinopril", "atorvastatin"], social=["Works as a contractor.", "Lives with family."]),
        f"Exam: anxious and pale. {cap(bp)}, {hr}, {rr}, {spo2} on room air, {temp}. Heart sounds normal, no murmur; "
        "chest clear; no peripheral oedema.",
        f"ECG: sinus rhythm, ST elevation {st} mm in leads {leads} with reciprocal ST depression.",
        f"Labs: {trop} (reference < 0.04), {glucose}, {creat}, {potassium}.",
        f"ED course: aspirin 300 mg chewed, ticagrelor 180 mg and unfractionated heparin 5000 units IV given. Cath lab "
        f"activated; case discussed with Dr. {cardiologist.full} (interventional cardiology), who accepted for primary PCI.",
        contact(c, pt),
        care(c, pt, ED),
        signed(c, "emergency physician", day, ed_doc),
    )
    c.code(stemi_code, f"Acute {territory} ST-elevation myocardial infarction, {artery}")
    ref = reference(
        f"{cap(quality)} central chest pain for {hours} hours.",
        f"{cap(pt.desc_ref)} with {and_list(risks)}; pain at rest radiating to {radiation} with {associated}, not relieved "
        "by nitroglycerin.",
        f"{cap(bp)}, {hr}, {rr}, {spo2} on room air, {temp}. ST elevation {st} mm in leads {leads} with reciprocal "
        f"depression. {cap(trop)}, {glucose}, {creat}, {potassium}.",
        f"Acute {territory} ST-elevation myocardial infarction, likely {artery}. Aspirin 300 mg, ticagrelor 180 mg and "
        "heparin 5000 units given; emergency primary PCI.",
    )
    return source, ref


def nstemi_discharge(c: Ctx) -> Built:
    pt = c.patient(48, 86, very_old_chance=0.15)
    admit = c.on(0)
    stay = c.n(3, 6)
    vessel = c.pick(["left anterior descending", "circumflex", "right coronary", "obtuse marginal"])
    stenosis = c.n(80, 95)
    stent = f"{c.pick(['2.5', '2.75', '3.0', '3.5'])} x {c.pick([15, 18, 22, 26, 28])} mm"
    trop = c.lab("peak troponin I", 0.9, 8.5, "ng/mL", 2)
    ldl = c.lab("LDL cholesterol", 2.6, 4.9, "mmol/L", 1)
    hba1c = c.lab("HbA1c", 5.4, 8.9, "%", 1)
    lvef = f"LVEF {c.n(40, 55)}%"
    wall = c.pick(["inferior hypokinesia", "mild anterior hypokinesia", "lateral hypokinesia"])
    bp, hr = c.bp((138, 172), (78, 98)), c.hr(78, 104)
    bp_out, hr_out = c.bp((112, 132), (64, 80)), c.hr(58, 72)
    hb = c.lab("haemoglobin", 11.8, 15.2, "g/dL", 1)
    creat = c.lab("creatinine", 72, 130, "umol/L")
    duration = c.n(2, 8)
    attending, gp = c.person(), c.person()
    source = lines(
        header(c, "DISCHARGE SUMMARY - CARDIOLOGY", [("Name", pt.name.full), mrn_field(c), ("DOB", c.dob(pt, admit)),
                                                     ("Admitted", c.date(admit)), ("Discharged", c.date(c.on(stay))), ("Length of stay", f"{stay} days"),
                                                     ("Account", c.account())]),
        f"Facility: {c.hospital()}. Attending: Dr. {attending.full}.",
        background(c, ["hypertension", "hyperlipidaemia", "gastro-oesophageal reflux disease"], ["amlodipine", "omeprazole", "simvastatin"], social=["Ex-smoker, stopped 10 years ago.", "Lives with family; independent; still working part time.", "Alcohol: occasional."]),
        f"Presentation: {pt.desc_src} with {duration} hours of intermittent central chest tightness on minimal exertion "
        f"and at rest. On arrival {bp}, {hr}. ECG showed dynamic ST depression in the lateral leads without ST elevation.",
        f"Investigations: {trop}; {hb}; {creat}; {ldl}; {hba1c}. Echocardiogram: {lvef} with {wall}.",
        f"Course: treated as NSTEMI with aspirin, ticagrelor and fondaparinux. Coronary angiography on day 2 showed a "
        f"{stenosis}% stenosis of the {vessel} artery, treated with one drug-eluting stent ({stent}). No further pain. "
        "Radial access site clean.",
        f"At discharge: {bp_out}, {hr_out}, pain free, walking independently.",
        "Discharge medications: aspirin 75 mg daily; ticagrelor 90 mg twice daily for 12 months; atorvastatin 80 mg at "
        "night; bisoprolol 2.5 mg daily; ramipril 2.5 mg daily; sublingual nitroglycerin as needed.",
        f"Follow-up: cardiac rehabilitation referral sent; cardiology clinic in 6 weeks. Primary care: Dr. {gp.full}, "
        f"fax {c.fax()}.",
        instructions(c, ["Do not stop aspirin or ticagrelor unless a cardiologist advises it.", "Use sublingual nitroglycerin for chest pain and call 911 if it does not settle within 15 minutes.", "Keep the radial access site clean and dry for 48 hours; report swelling or numbness of the hand.", "No driving for 1 week.", "Cardiac rehabilitation will contact you to book the first session.", "Simvastatin and amlodipine stopped; replaced by the medicines listed above."]),
        care(c, pt, DISCHARGE),
        signed(c, "attending cardiologist", c.on(stay), attending),
    )
    c.code("I21.4", "Non-ST-elevation myocardial infarction")
    ref = reference(
        f"Chest tightness on minimal exertion and at rest for {duration} hours.",
        f"{cap(pt.desc_ref)} admitted for {stay} days with non-ST-elevation myocardial infarction; dynamic lateral ST "
        "depression on ECG.",
        f"Admission {bp}, {hr}. {cap(trop)}, {hb}, {creat}, {ldl}, {hba1c}. {lvef} with {wall}. Angiography: "
        f"{stenosis}% {vessel} stenosis, one drug-eluting stent ({stent}). Discharge {bp_out}, {hr_out}.",
        "NSTEMI treated with PCI. Aspirin 75 mg daily, ticagrelor 90 mg twice daily for 12 months, atorvastatin 80 mg, "
        "bisoprolol 2.5 mg, ramipril 2.5 mg. Cardiac rehabilitation and cardiology clinic in 6 weeks.",
    )
    return source, ref


def heart_failure_clinic(c: Ctx) -> Built:
    pt = c.patient(55, 88)
    visit = c.on(0)
    weeks = c.n(2, 5)
    weight = c.n(68, 112)
    gain = c.n(2, 6)
    pillows = c.n(2, 4)
    nyha = c.pick(["II", "III", "III"])
    bp, hr = c.bp((98, 138), (58, 84)), c.hr(72, 98)
    bnp = c.lab("NT-proBNP", 1200, 9800, "pg/mL")
    sodium = c.lab("sodium", 131, 139, "mmol/L")
    potassium = c.lab("potassium", 3.8, 5.2, "mmol/L", 1)
    egfr = c.lab("eGFR", 32, 68, "mL/min/1.73m2")
    lvef = f"LVEF {c.n(20, 38)}%"
    mr = c.pick(["mild", "moderate"])
    furo_from, furo_to = c.pick([(40, 80), (20, 40), (40, 60)])
    rhythm = c.pick(["sinus rhythm", "atrial fibrillation"])
    icd = c.chance(0.5)
    clinician = c.person()
    icd_line = (
        f"ICD check (device serial {c.device('???######?')}): no therapies delivered, battery 6 years."
        if icd else ""
    )
    source = lines(
        header(c, "HEART FAILURE CLINIC - FOLLOW-UP VISIT", [("Patient", pt.name.full), ("DOB", c.dob(pt, visit)),
                                                              ("Visit date", c.date(visit)),
                                                              ("Health plan ID", c.plan_id())]),
        f"{pt.mr} is a {pt.desc_src} with heart failure with reduced ejection fraction (ischaemic), {rhythm}, and chronic "
        f"kidney disease. {pt.He} reports {weeks} weeks of increasing breathlessness, now NYHA class {nyha}, ankle "
        f"swelling and {pillows}-pillow orthopnoea. Adherent to medications; admits to extra salt over a family event.",
        f"Medications: sacubitril/valsartan 49/51 mg twice daily, bisoprolol 5 mg daily, dapagliflozin 10 mg daily, "
        f"furosemide {furo_from} mg daily.",
        f"Examination: weight {weight} kg (up {gain} kg since last visit), {bp}, {hr}. JVP raised 4 cm, bibasal crackles, "
        "pitting oedema to mid-shin.",
        f"Results: {bnp}; {sodium}; {potassium}; {egfr}. Echo from last month: {lvef}, {mr} mitral regurgitation.",
        icd_line,
        f"Plan: increase furosemide to {furo_to} mg daily for one week then review; add spironolactone 25 mg daily; daily "
        "weights, call if gain over 2 kg in 3 days; repeat electrolytes in 1 week. Heart failure nurse to phone.",
        f"Patient email for results: {c.email()}. Seen by Dr. {clinician.full}.",
        care(c, pt, CLINIC),
    )
    c.code("I50.23", "Acute on chronic heart failure with reduced ejection fraction")
    ref = reference(
        f"Increasing breathlessness, ankle swelling and orthopnoea for {weeks} weeks.",
        f"{cap(pt.desc_ref)} with ischaemic heart failure with reduced ejection fraction, {rhythm} and chronic kidney "
        f"disease; NYHA class {nyha}, {pillows}-pillow orthopnoea after dietary salt excess.",
        f"Weight {weight} kg (up {gain} kg), {bp}, {hr}. Raised JVP, bibasal crackles, oedema. {bnp}, {sodium}, "
        f"{potassium}, {egfr}. {lvef}, {mr} mitral regurgitation."
        + (" ICD: no therapies delivered." if icd else ""),
        f"Decompensated heart failure with reduced ejection fraction. Increase furosemide from {furo_from} mg to "
        f"{furo_to} mg daily, add spironolactone 25 mg daily, daily weights, electrolytes in 1 week.",
    )
    return source, ref


def af_rvr_ed(c: Ctx) -> Built:
    pt = c.patient(52, 89, very_old_chance=0.2)
    day = c.on(0)
    hours = c.n(3, 30)
    rate = c.n(132, 176)
    bp = c.bp((96, 148), (58, 92))
    rr, spo2, temp = c.rr(16, 24), c.spo2(92, 98), c.temp(36.3, 37.4)
    tsh = c.lab("TSH", 0.6, 3.8, "mIU/L", 1)
    potassium = c.lab("potassium", 3.3, 4.6, "mmol/L", 1)
    magnesium = c.lab("magnesium", 0.62, 0.95, "mmol/L", 2)
    trop = c.lab("troponin I", 0.01, 0.03, "ng/mL", 2)
    lvef = f"LVEF {c.n(45, 60)}%"
    score = c.n(2, 5)
    drug, dose = c.pick([("diltiazem", "15 mg IV over 2 minutes, then a second dose of 20 mg"),
                         ("metoprolol", "5 mg IV repeated twice at 5-minute intervals")])
    rate_after = c.n(84, 108)
    trigger = c.pick(["after an evening of heavy alcohol intake", "during a viral illness", "without a clear trigger"])
    ed_doc = c.person()
    source = lines(
        header(c, "ED PHYSICIAN NOTE", [("Patient", pt.name.full), ("Age", pt.age_years), mrn_field(c),
                                        ("Date of service", c.date(day))]),
        f"Chief complaint: palpitations for {hours} hours.",
        f"History: {pt.desc_src} with hypertension, no prior arrhythmia, describes sudden-onset rapid irregular "
        f"palpitations {trigger}, with mild exertional breathlessness. No chest pain, no syncope. No bleeding history.",
        background(c, ["hypertension", "obstructive sleep apnoea"], ["amlodipine"], social=["Works as an accountant.", "Drinks alcohol at weekends."]),
        f"Triage: HR {rate} bpm irregularly irregular, {bp}, {rr}, {spo2} on room air, {temp}.",
        f"ECG: atrial fibrillation with rapid ventricular response, rate {rate} bpm, narrow QRS, no ischaemic change.",
        f"Bloods: {tsh}, {potassium}, {magnesium}, {trop}. Bedside echo: {lvef}, no pericardial effusion.",
        f"Treatment: {drug} {dose}; magnesium sulfate 2 g IV. Rate improved to HR {rate_after} bpm. CHA2DS2-VASc "
        f"score {score}: started apixaban 5 mg twice daily.",
        f"Disposition: admitted to telemetry under cardiology for rate control; echocardiogram formal study tomorrow. "
        f"{contact(c, pt)}",
        care(c, pt, ED),
        signed(c, "emergency physician", day, ed_doc),
    )
    c.code("I48.91", "Atrial fibrillation with rapid ventricular response")
    ref = reference(
        f"Palpitations for {hours} hours.",
        f"{cap(pt.desc_ref)} with hypertension; sudden rapid irregular palpitations {trigger} with mild exertional "
        "breathlessness; no chest pain or syncope.",
        f"HR {rate} bpm irregularly irregular, {bp}, {rr}, {spo2}, {temp}. ECG atrial fibrillation with rapid ventricular "
        f"response, narrow QRS. {cap(tsh)}, {potassium}, {magnesium}, {trop}. {lvef}. After treatment HR {rate_after} bpm.",
        f"New atrial fibrillation with rapid ventricular response. Rate control with {drug}, magnesium 2 g IV; "
        f"CHA2DS2-VASc {score}, apixaban 5 mg twice daily. Admit to telemetry.",
    )
    return source, ref


def pacemaker_operative(c: Ctx) -> Built:
    pt = c.patient(68, 89, very_old_chance=0.4)
    day = c.on(0)
    rate = c.n(30, 42)
    syncope = c.n(1, 3)
    vein = c.pick(["left cephalic", "left axillary", "left subclavian"])
    ra_p, ra_thr, ra_imp = c.x(2.0, 4.8, 1), c.x(0.5, 1.0, 1), c.n(420, 640)
    rv_r, rv_thr, rv_imp = c.x(8.0, 16.0, 1), c.x(0.4, 0.9, 1), c.n(480, 760)
    fluoro, ebl, minutes = c.x(2.5, 9.5, 1), c.n(10, 35), c.n(45, 95)
    surgeon, assistant = c.person(), c.person()
    source = lines(
        header(c, "OPERATIVE NOTE - DUAL-CHAMBER PACEMAKER IMPLANTATION",
               [("Patient", pt.name.full), mrn_field(c), ("Procedure date", c.date(day)), ("Location", c.hospital())]),
        f"Operator: Dr. {surgeon.full}. Assistant: Dr. {assistant.full}. Anaesthesia: local with light sedation.",
        f"Indication: {pt.desc_src} with complete heart block, ventricular escape HR {rate} bpm, and {syncope} "
        "syncopal episodes this week. No reversible cause; electrolytes and thyroid function normal.",
        f"Procedure: cefazolin 2 g IV before incision. Left infraclavicular incision; {vein} vein access. Active-fixation "
        "leads placed in the right atrial appendage and right ventricular septum.",
        f"Measurements: RA P wave {ra_p} mV, threshold {ra_thr} V at 0.4 ms, impedance {ra_imp} ohms; RV R wave {rv_r} "
        f"mV, threshold {rv_thr} V at 0.4 ms, impedance {rv_imp} ohms.",
        f"Generator serial {c.device('PJN######S')}; atrial lead {c.device('BBL######?')}; ventricular lead "
        f"{c.device('BBL######?')}. Pocket irrigated, closed in layers with absorbable suture.",
        f"Fluoroscopy time {fluoro} min. Estimated blood loss {ebl} mL. Duration {minutes} minutes. No complications.",
        "Programming: DDD, lower rate 60 bpm.",
        "Plan: chest X-ray at 4 hours to exclude pneumothorax; arm sling overnight, avoid lifting the left arm above "
        f"shoulder height for 4 weeks; device clinic in 6 weeks. {contact(c, pt)}",
        care(c, pt, OPERATIVE),
    )
    c.code("I44.2", "Complete atrioventricular block")
    ref = reference(
        f"Complete heart block with {syncope} syncopal episodes.",
        f"{cap(pt.desc_ref)} with complete heart block and ventricular escape HR {rate} bpm; no reversible cause.",
        f"Dual-chamber pacemaker via {vein} vein. RA P wave {ra_p} mV, threshold {ra_thr} V, impedance {ra_imp} ohms; "
        f"RV R wave {rv_r} mV, threshold {rv_thr} V, impedance {rv_imp} ohms. Fluoroscopy {fluoro} min, blood loss "
        f"{ebl} mL, {minutes} minutes, no complications.",
        "Complete heart block treated with DDD pacemaker, lower rate 60 bpm. Chest X-ray to exclude pneumothorax, "
        "left arm restrictions for 4 weeks, device clinic in 6 weeks.",
    )
    return source, ref


# --- pulmonology -------------------------------------------------------------------------

def copd_discharge(c: Ctx) -> Built:
    pt = c.patient(56, 86)
    admit = c.on(0)
    stay = c.n(4, 9)
    pack_years = c.n(30, 70)
    fev1 = c.n(28, 55)
    days = c.n(2, 6)
    rr, hr, spo2, temp = c.rr(24, 34), c.hr(96, 124), c.spo2(80, 88), c.temp(36.9, 38.3)
    ph = f"pH {c.x(7.24, 7.34, 2)}"
    paco2 = c.lab("PaCO2", 54, 78, "mmHg")
    pao2 = c.lab("PaO2", 48, 62, "mmHg")
    bicarb = c.lab("bicarbonate", 29, 36, "mmol/L")
    wbc = c.lab("WBC", 10.5, 17.5, "x10^9/L", 1)
    crp = c.lab("CRP", 24, 140, "mg/L")
    niv_hours = c.n(18, 60)
    spo2_out = c.spo2(89, 93)
    organism = c.pick(["Haemophilus influenzae", "Moraxella catarrhalis", "no pathogen"])
    gp, attending = c.person(), c.person()
    source = lines(
        header(c, "DISCHARGE SUMMARY", [("Patient", pt.name.full), mrn_field(c), ("Admission", c.date(admit)),
                                        ("Discharge", c.date(c.on(stay))), ("Length of stay", f"{stay} days"), ("Unit", "Respiratory ward")]),
        f"Hospital: {c.hospital()}. Home address: {c.address()}. Health plan: {c.plan_id()}.",
        background(c, ["COPD with two admissions in the last year", "hypertension", "anxiety"], ["tiotropium", "salbutamol inhaler", "amlodipine", "sertraline"], social=["Lives alone in a second-floor apartment with a lift.", "Uses a stick outdoors; manages own shopping.", "Daughter visits daily."]),
        f"Reason for admission: {pt.desc_src} with COPD (FEV1 {fev1}% predicted, {pack_years} pack-years, still "
        f"smoking) admitted with {days} days of worsening breathlessness, increased purulent sputum and wheeze.",
        f"On arrival: {rr}, {hr}, {spo2} on room air, {temp}. Arterial gas on air: {ph}, {paco2}, {pao2}, {bicarb}. "
        f"{wbc}, {crp}. Chest X-ray: hyperinflation, no consolidation or pneumothorax.",
        f"Course: acute hypercapnic respiratory failure treated with non-invasive ventilation for {niv_hours} hours, "
        "nebulised salbutamol and ipratropium, prednisolone 40 mg daily for 5 days and doxycycline 100 mg daily. "
        f"Sputum culture: {organism}. Weaned to controlled oxygen, then to room air.",
        f"Discharge status: {spo2_out} on room air at rest, walking on the ward. Inhaler technique checked.",
        "Medications on discharge: tiotropium/olodaterol inhaler daily, salbutamol as needed, complete prednisolone "
        "course. Smoking cessation counselling given; nicotine patch 21 mg daily.",
        f"Follow-up: pulmonary rehabilitation referral; respiratory clinic in 4 weeks; primary care Dr. {gp.full} "
        f"({c.phone()}) to review in 1 week.",
        instructions(c, ["Take the rescue pack (prednisolone and doxycycline) only after calling the COPD nurse.", "Use the spacer with the reliever inhaler and rinse the mouth after steroid inhalers.", "Walk a little further each day.", "Seek help for breathlessness at rest, drowsiness or new confusion.", "Home oxygen is not needed at present; reassess at clinic."]),
        care(c, pt, DISCHARGE),
        signed(c, "attending physician", c.on(stay), attending),
    )
    c.code("J44.1", "Chronic obstructive pulmonary disease with acute exacerbation")
    c.code("J96.02", "Acute hypercapnic respiratory failure")
    ref = reference(
        f"Worsening breathlessness, purulent sputum and wheeze for {days} days.",
        f"{cap(pt.desc_ref)} with COPD (FEV1 {fev1}% predicted, {pack_years} pack-years, current smoker) admitted for "
        f"{stay} days.",
        f"{cap(rr)}, {hr}, {spo2} on room air, {temp}. {ph}, {paco2}, {pao2}, {bicarb}. {wbc}, {crp}. Chest X-ray "
        f"hyperinflation without consolidation. Sputum: {organism}. Discharge {spo2_out} on room air.",
        f"COPD exacerbation with acute hypercapnic respiratory failure; non-invasive ventilation for {niv_hours} hours, "
        "bronchodilators, prednisolone 40 mg for 5 days, doxycycline. Smoking cessation, pulmonary rehabilitation, "
        "clinic in 4 weeks.",
    )
    return source, ref


def pneumonia_ed(c: Ctx) -> Built:
    pt = c.patient(38, 89, very_old_chance=0.25)
    day = c.on(0)
    days = c.n(2, 7)
    lobe = c.pick(["right lower lobe", "left lower lobe", "right middle lobe", "right upper lobe"])
    temp, hr, rr = c.temp(38.2, 39.9), c.hr(100, 126), c.rr(22, 32)
    bp = c.bp((92, 128), (52, 76))
    spo2 = c.spo2(86, 93)
    wbc = c.lab("WBC", 12.2, 23.5, "x10^9/L", 1)
    crp = c.lab("CRP", 85, 320, "mg/L")
    urea = c.lab("urea", 5.2, 12.8, "mmol/L", 1)
    lactate = c.lab("lactate", 1.2, 3.4, "mmol/L", 1)
    pct = c.lab("procalcitonin", 0.6, 9.5, "ng/mL", 1)
    curb = c.n(1, 3)
    confusion = c.chance(0.4)
    ed_doc = c.person()
    source = lines(
        header(c, "EMERGENCY DEPARTMENT RECORD", [("Name", pt.name.full), mrn_field(c), ("Seen", c.date(day)),
                                                 ("Facility", c.hospital())]),
        f"Presenting complaint: {days} days of fever, productive cough with rusty sputum and right-sided pleuritic "
        f"chest pain.",
        f"History: {pt.desc_src}, lives with family, independent. "
        + ("Family report new confusion since this morning. " if confusion else "No confusion. ")
        + "No recent travel or hospital stay. Allergic to penicillin (rash).",
        background(c, ["hypertension", "osteoarthritis"], ["amlodipine", "paracetamol"], allergy="penicillin (rash)"),
        f"Vitals: {temp}, {hr}, {rr}, {bp}, {spo2} on room air.",
        f"Exam: bronchial breathing and coarse crackles at the {lobe}.",
        f"Labs: {wbc}, {crp}, {urea}, {lactate}, {pct}. Blood cultures x2 sent.",
        f"Imaging: chest X-ray shows dense {lobe} consolidation, no effusion.",
        f"Assessment: community-acquired pneumonia, CURB-65 score {curb}. Plan: oxygen to target 94-98%, IV fluids 1 L, "
        "ceftriaxone 2 g IV daily (non-anaphylactic penicillin allergy, discussed with pharmacy) and azithromycin "
        "500 mg daily; admit to medical ward; urinary antigens.",
        contact(c, pt),
        care(c, pt, ED),
        signed(c, "emergency physician", day, ed_doc),
    )
    c.code("J18.9", "Community-acquired pneumonia")
    ref = reference(
        f"Fever, productive cough and pleuritic chest pain for {days} days.",
        f"{cap(pt.desc_ref)}, independent, penicillin allergy (rash)"
        + ("; new confusion." if confusion else "; no confusion."),
        f"{cap(temp)}, {hr}, {rr}, {bp}, {spo2} on room air. Crackles at the {lobe}. {wbc}, {crp}, {urea}, {lactate}, "
        f"{pct}. Chest X-ray: {lobe} consolidation.",
        f"Community-acquired pneumonia, CURB-65 score {curb}. Oxygen, IV fluids, ceftriaxone 2 g IV and azithromycin "
        "500 mg daily; admit to medical ward.",
    )
    return source, ref


def pe_discharge(c: Ctx) -> Built:
    pt = c.patient(24, 78)
    admit = c.on(0)
    stay = c.n(2, 5)
    risk = c.pick(["a long-haul flight 5 days earlier", "knee arthroscopy 3 weeks earlier",
                   "combined oral contraceptive use" if pt.sex == "F" else "a recent period of immobility with a sprained ankle",
                   "active colon cancer on chemotherapy"])
    hr, spo2, rr = c.hr(104, 132), c.spo2(87, 94), c.rr(20, 28)
    bp = c.bp((104, 140), (64, 86))
    ddimer = c.lab("D-dimer", 1400, 8200, "ng/mL")
    trop = c.lab("troponin I", 0.02, 0.35, "ng/mL", 2)
    bnp = c.lab("NT-proBNP", 180, 2600, "pg/mL")
    ratio = c.x(0.8, 1.2, 2)
    clot = c.pick(["bilateral segmental", "right main and lobar", "bilateral lobar and segmental", "left lower lobe segmental"])
    dvt = c.chance(0.5)
    hr_out, spo2_out = c.hr(72, 92), c.spo2(95, 99)
    attending = c.person()
    source = lines(
        header(c, "DISCHARGE SUMMARY - INTERNAL MEDICINE", [("Patient", pt.name.full), ("DOB", c.dob(pt, admit)),
                                                            mrn_field(c), ("Admitted", c.date(admit)),
                                                            ("Discharged", c.date(c.on(stay))), ("Length of stay", f"{stay} days")]),
        f"Attending: Dr. {attending.full}, {c.hospital()}.",
        background(c, ["migraine", "mild asthma"], ["salbutamol inhaler as needed"], social=["Non-smoker.", "Works in an office; recent travel for work."]),
        f"History: {pt.desc_src} presented with sudden breathlessness and left-sided pleuritic chest pain after {risk}. "
        "No haemoptysis. No previous venous thromboembolism.",
        f"Admission findings: {hr}, {rr}, {bp}, {spo2} on room air. {cap(ddimer)} (FEU), {trop}, {bnp}.",
        f"CT pulmonary angiogram: {clot} pulmonary emboli; RV/LV ratio {ratio}; no infarct. "
        + ("Leg Doppler: occlusive thrombus in the left popliteal vein." if dvt else "Leg Doppler: no deep vein thrombosis."),
        "Echocardiogram: mildly dilated right ventricle with preserved function. Risk class intermediate-low; no "
        "thrombolysis indicated.",
        "Course: enoxaparin 1 mg/kg twice daily for 48 hours, then switched to apixaban. Oxygen weaned on day 2. "
        f"At discharge {hr_out}, {spo2_out} on room air, mobilising without breathlessness.",
        "Discharge medications: apixaban 10 mg twice daily for 7 days, then 5 mg twice daily for at least 3 months.",
        f"Follow-up: thrombosis clinic in 3 months; results sent to the patient portal ({c.email()}).",
        instructions(c, ["Take apixaban at the same times every day and do not miss doses.", "Avoid NSAIDs such as ibuprofen while anticoagulated.", "Carry the anticoagulant alert card.", "Seek urgent help for coughing blood, black stools, sudden worsening breathlessness or fainting.", "Keep mobile and well hydrated on long journeys."]),
        care(c, pt, DISCHARGE),
        signed(c, "attending physician", c.on(stay), attending),
    )
    c.code("I26.99", "Pulmonary embolism without acute cor pulmonale")
    if dvt:
        c.code("I82.432", "Acute deep vein thrombosis of the left popliteal vein")
    ref = reference(
        "Sudden breathlessness and pleuritic chest pain.",
        f"{cap(pt.desc_ref)} with pulmonary embolism after {risk}; no previous thromboembolism. Admitted {stay} days.",
        f"{cap(hr)}, {rr}, {bp}, {spo2} on room air. {cap(ddimer)}, {trop}, {bnp}. CTPA: {clot} emboli, RV/LV ratio "
        f"{ratio}. " + ("Left popliteal deep vein thrombosis. " if dvt else "No deep vein thrombosis. ")
        + f"Mildly dilated right ventricle. Discharge {hr_out}, {spo2_out}.",
        "Intermediate-low risk pulmonary embolism. Enoxaparin then apixaban 10 mg twice daily for 7 days, then 5 mg "
        "twice daily for at least 3 months. Thrombosis clinic in 3 months.",
    )
    return source, ref


def osa_telehealth(c: Ctx) -> Built:
    pt = c.patient(34, 72)
    visit = c.on(0)
    ess = c.n(12, 21)
    bmi = c.x(31.0, 45.0, 1)
    neck = c.n(40, 49)
    ahi = c.x(18, 64, 1)
    nadir = c.n(70, 84)
    odi = c.x(15, 58, 1)
    bp = c.bp((134, 158), (84, 98))
    driver = c.chance(0.4)
    partner_sex = c.pick(["M", "F"])
    partner = c.person(partner_sex)
    physician = c.person()
    source = lines(
        header(c, "SLEEP MEDICINE CLINIC - TELEHEALTH VIDEO VISIT",
               [("Patient", pt.name.full), mrn_field(c), ("Date", c.date(visit))]),
        f"Connection: video, patient at home; session IP {c.ip()}; identity confirmed with date of birth.",
        f"Reason: review of home sleep test. {pt.desc_src} referred for loud snoring and witnessed apnoeas reported by "
        f"{pt.his} partner {partner.full}, who joined the call. Daytime sleepiness: Epworth score {ess}/24. "
        + (f"{pt.He} drives a delivery van for work and admits to nodding off at traffic lights. " if driver else
           f"{pt.He} has dozed off during meetings. ")
        + "Morning headaches; nocturia twice a night.",
        f"Self-measured today: BMI {bmi} kg/m2, neck circumference {neck} cm, {bp}.",
        f"Home sleep test: AHI {ahi} events/h, oxygen desaturation index {odi} events/h, nadir SpO2 {nadir}%.",
        "Assessment: obstructive sleep apnoea with excessive daytime sleepiness and untreated hypertension.",
        "Plan: auto-CPAP 5-15 cmH2O with a nasal mask; weight management referral; avoid alcohol in the evening; "
        + ("advised not to drive until symptoms are controlled on CPAP; " if driver else "")
        + "primary care to review blood pressure; sleep clinic follow-up with CPAP download in 8 weeks.",
        f"Patient portal: {c.portal_url()}. Callback number {c.phone()}.",
        care(c, pt, CLINIC),
        signed(c, "sleep physician", visit, physician),
    )
    c.code("G47.33", "Obstructive sleep apnoea")
    c.code("I10", "Hypertension")
    ref = reference(
        "Loud snoring, witnessed apnoeas and daytime sleepiness.",
        f"{cap(pt.desc_ref)} reviewed by video after a home sleep test; Epworth score {ess}/24, morning headaches, "
        "nocturia" + ("; drives for work and nods off at traffic lights." if driver else "."),
        f"BMI {bmi} kg/m2, neck circumference {neck} cm, {bp}. AHI {ahi} events/h, oxygen desaturation index {odi} "
        f"events/h, nadir SpO2 {nadir}%.",
        "Obstructive sleep apnoea with hypertension. Auto-CPAP 5-15 cmH2O, weight management, "
        + ("no driving until controlled, " if driver else "")
        + "blood pressure review, follow-up in 8 weeks.",
    )
    return source, ref


# --- gastroenterology ------------------------------------------------------------------

def gi_bleed_ed(c: Ctx) -> Built:
    pt = c.patient(45, 89, very_old_chance=0.2)
    day = c.on(0)
    days = c.n(1, 4)
    symptom = c.pick(["coffee-ground vomiting and black tarry stools", "two episodes of fresh haematemesis and melaena",
                      "melaena and light-headedness on standing"])
    cause = c.pick(["ibuprofen for back pain over the last 3 weeks", "naproxen for knee osteoarthritis",
                    "aspirin and heavy alcohol use"])
    hr = c.hr(104, 132)
    bp = c.bp((84, 106), (46, 66))
    hb = c.lab("haemoglobin", 6.4, 9.6, "g/dL", 1)
    hb_before = c.x(12.6, 14.8, 1)
    urea = c.lab("urea", 11.5, 26.0, "mmol/L", 1)
    plt = c.lab("platelets", 140, 380, "x10^9/L")
    inr = f"INR {c.x(1.0, 1.3, 1)}"
    lactate = c.lab("lactate", 1.8, 4.2, "mmol/L", 1)
    gbs = c.n(10, 16)
    units = c.n(1, 3)
    ed_doc, gi = c.person(), c.person()
    source = lines(
        header(c, "ED NOTE", [("Patient", pt.name.full), mrn_field(c), ("Date", c.date(day)), ("Site", c.hospital())]),
        f"HPI: {pt.desc_src} with {days} days of {symptom}. Has been taking {cause}. No known liver disease. "
        f"Felt faint in the bathroom this morning; {pt.his} {c.pick(['son', 'daughter', 'partner'])} called EMS.",
        background(c, ["osteoarthritis", "hypertension", "lumbar spondylosis"], ["amlodipine", "the NSAID above"], social=["Lives with family.", "Alcohol about 10 units a week."]),
        f"Exam: pale, cool peripheries. {cap(hr)}, {bp}, capillary refill 4 seconds. Epigastric tenderness, no "
        "peritonism. Rectal exam: black melaena.",
        f"Labs: {hb} (baseline {hb_before} g/dL last year), {urea}, {plt}, {inr}, {lactate}. Group and crossmatch "
        "sent.",
        f"Glasgow-Blatchford score {gbs}.",
        f"Management: two large-bore cannulas; transfuse {units} units of red cells to target haemoglobin above 7 g/dL; "
        "pantoprazole 80 mg IV bolus then 8 mg/h infusion; NSAIDs stopped; nil by mouth.",
        f"Discussed with Dr. {gi.full} (gastroenterology on call): upper endoscopy within 24 hours, sooner if unstable. "
        "Admit to the high-dependency unit.",
        contact(c, pt),
        care(c, pt, ED),
        signed(c, "emergency physician", day, ed_doc),
    )
    c.code("K92.2", "Upper gastrointestinal bleeding")
    ref = reference(
        f"{cap(symptom)} for {days} days.",
        f"{cap(pt.desc_ref)} taking {cause}; presyncope this morning; no known liver disease.",
        f"{cap(hr)}, {bp}, capillary refill 4 seconds; melaena on rectal exam. {cap(hb)} (baseline {hb_before} g/dL), "
        f"{urea}, {plt}, {inr}, {lactate}. Glasgow-Blatchford score {gbs}.",
        f"Upper gastrointestinal bleed, likely NSAID-related peptic ulcer. Transfuse {units} units to haemoglobin above "
        "7 g/dL, pantoprazole 80 mg IV then 8 mg/h, stop NSAIDs, endoscopy within 24 hours, high-dependency unit.",
    )
    return source, ref


def pancreatitis_discharge(c: Ctx) -> Built:
    pt = c.patient(28, 82)
    admit = c.on(0)
    stay = c.n(4, 10)
    gallstone = c.chance(0.55)
    lipase = c.lab("lipase", 900, 6200, "U/L")
    alt = c.lab("ALT", 140 if gallstone else 30, 480 if gallstone else 90, "U/L")
    bili = c.lab("bilirubin", 28 if gallstone else 8, 72 if gallstone else 22, "umol/L")
    crp = c.lab("CRP at 48 hours", 160, 340, "mg/L")
    trig = c.lab("triglycerides", 1.2, 3.4, "mmol/L", 1)
    calcium = c.lab("adjusted calcium", 2.05, 2.35, "mmol/L", 2)
    wbc = c.lab("WBC", 11.8, 19.5, "x10^9/L", 1)
    hr, temp = c.hr(98, 122), c.temp(37.4, 38.4)
    cbd = c.n(4, 8)
    eat_day = c.n(2, 4)
    surgeon, physician = c.person(), c.person()
    cause = "gallstones" if gallstone else "alcohol"
    imaging = (f"Ultrasound: multiple gallstones, common bile duct {cbd} mm, no duct stones seen."
               if gallstone else f"Ultrasound: no gallstones, common bile duct {cbd} mm; fatty liver.")
    source = lines(
        header(c, "DISCHARGE SUMMARY - GASTROENTEROLOGY", [("Patient", pt.name.full), mrn_field(c),
                                                           ("Admission date", c.date(admit)),
                                                           ("Discharge date", c.date(c.on(stay))), ("Length of stay", f"{stay} days"),
                                                           ("Hospital", c.hospital())]),
        background(c, ["hypertension", "obesity"], ["ramipril"], social=["Lives with partner.", "Works as a driver.", "Non-smoker."]),
        f"Presentation: {pt.desc_src} with sudden severe epigastric pain radiating to the back and vomiting. "
        + ("Known gallstones on a previous scan; drinks alcohol rarely." if gallstone else
           f"Drinks about {c.n(40, 90)} units of alcohol a week; no gallstones known."),
        f"Admission: {hr}, {temp}. {cap(lipase)}, {alt}, {bili}, {wbc}, {trig}, {calcium}.",
        f"{imaging} CT on day 3 (for persistent pain): acute interstitial oedematous pancreatitis, peripancreatic fluid, "
        f"no necrosis. {cap(crp)}.",
        f"Course: goal-directed IV fluids with Hartmann's solution, opioid analgesia, early oral diet from day "
        f"{eat_day}. No organ failure. Pain settled; tolerating a low-fat diet at discharge.",
        ("Plan: laparoscopic cholecystectomy on this admission was declined; listed for interval cholecystectomy within "
         f"6 weeks under Dr. {surgeon.full}. Return if pain, fever or jaundice."
         if gallstone else
         "Plan: complete abstinence from alcohol advised; referral to alcohol liaison; thiamine 100 mg three times daily; "
         "outpatient review in 6 weeks with repeat liver tests."),
        f"GP notified by phone {c.phone()}.",
        instructions(c, ["Eat small low-fat meals and increase slowly as tolerated.", "Avoid alcohol completely until reviewed.", "Return for worsening abdominal pain, fever, vomiting or yellow skin.", "A letter with the results has been sent to your family doctor."]),
        care(c, pt, DISCHARGE),
        signed(c, "consultant gastroenterologist", c.on(stay), physician),
    )
    c.code("K85.10" if gallstone else "K85.20",
           f"Mild acute {cause} pancreatitis without necrosis or infection")
    ref = reference(
        "Sudden severe epigastric pain radiating to the back with vomiting.",
        f"{cap(pt.desc_ref)} admitted for {stay} days with acute pancreatitis due to {cause}.",
        f"{cap(hr)}, {temp}. {cap(lipase)}, {alt}, {bili}, {wbc}, {trig}, {calcium}, {crp}. {imaging} CT: interstitial "
        "oedematous pancreatitis without necrosis.",
        f"Mild acute {cause} pancreatitis without organ failure; IV fluids, analgesia, oral diet from day {eat_day}. "
        + ("Interval laparoscopic cholecystectomy within 6 weeks." if gallstone else
           "Alcohol abstinence, thiamine 100 mg three times daily, review in 6 weeks."),
    )
    return source, ref


def colitis_clinic(c: Ctx) -> Built:
    pt = c.patient(19, 64)
    visit = c.on(0)
    stools = c.n(6, 12)
    weeks = c.n(2, 6)
    weight_loss = c.n(2, 6)
    hb = c.lab("haemoglobin", 9.8, 12.4, "g/dL", 1)
    crp = c.lab("CRP", 18, 64, "mg/L")
    albumin = c.lab("albumin", 29, 36, "g/L")
    calpro = c.lab("faecal calprotectin", 420, 2100, "ug/g")
    mayo = c.n(2, 3)
    hr, temp = c.hr(78, 98), c.temp(36.6, 37.6)
    extent = c.pick(["left-sided", "extensive", "proctosigmoid"])
    physician = c.person()
    source = lines(
        header(c, "GASTROENTEROLOGY OUTPATIENT VISIT", [("Patient", pt.name.full), mrn_field(c), ("DOB", c.dob(pt, visit)),
                                                         ("Clinic date", c.date(visit))]),
        f"Background: {extent} ulcerative colitis diagnosed 4 years ago, maintained on mesalazine 4.8 g daily.",
        f"Today: {pt.desc_src} with {weeks} weeks of {stools} bloody stools a day, urgency, nocturnal stools and "
        f"{weight_loss} kg weight loss. No recent antibiotics or travel.",
        f"Exam: {hr}, {temp}; mild left iliac fossa tenderness; abdomen soft.",
        f"Results: {hb}, {crp}, {albumin}, {calpro}. Stool cultures and C. difficile toxin negative.",
        f"Flexible sigmoidoscopy last week: Mayo endoscopic score {mayo}, continuous inflammation from the rectum.",
        "Assessment: moderate to severe flare of ulcerative colitis, not steroid-dependent.",
        "Plan: prednisolone 40 mg daily, tapering by 5 mg weekly; continue mesalazine; screening for hepatitis B, "
        "tuberculosis (interferon-gamma release assay) and varicella before biologic therapy; if no response in 2 weeks, "
        "admit for IV steroids. Calcium and vitamin D while on steroids.",
        f"Results will be posted to {c.portal_url()}; IBD nurse line {c.phone()}.",
        care(c, pt, CLINIC),
        signed(c, "gastroenterologist", visit, physician),
    )
    c.code({"left-sided": "K51.511", "extensive": "K51.011", "proctosigmoid": "K51.311"}[extent],
           f"Flare of {extent} ulcerative colitis with rectal bleeding")
    ref = reference(
        f"{stools} bloody stools a day for {weeks} weeks.",
        f"{cap(pt.desc_ref)} with {extent} ulcerative colitis on mesalazine 4.8 g daily; urgency, nocturnal stools, "
        f"{weight_loss} kg weight loss; stool infection screen negative.",
        f"{cap(hr)}, {temp}. {cap(hb)}, {crp}, {albumin}, {calpro}. Sigmoidoscopy Mayo endoscopic score {mayo}.",
        "Moderate to severe flare of ulcerative colitis. Prednisolone 40 mg daily tapering by 5 mg weekly, continue "
        "mesalazine, pre-biologic screening, admit for IV steroids if no response in 2 weeks.",
    )
    return source, ref


# --- general surgery -------------------------------------------------------------------------

def cholecystectomy_operative(c: Ctx) -> Built:
    pt = c.patient(26, 78)
    day = c.on(0)
    episodes = c.n(3, 8)
    wall = c.x(3, 6, 0)
    stone = c.n(8, 28)
    ebl = c.n(10, 60)
    minutes = c.n(42, 110)
    adhesions = c.pick(["minimal adhesions", "dense omental adhesions to the fundus", "a thick-walled, contracted gallbladder"])
    drain = c.chance(0.3)
    surgeon, assistant, anaesthetist = c.person(), c.person(), c.person()
    source = lines(
        header(c, "OPERATIVE NOTE", [("Patient", pt.name.full), mrn_field(c), ("Date of operation", c.date(day))]),
        f"Surgeon: Dr. {surgeon.full}. Assistant: Dr. {assistant.full}. Anaesthetist: Dr. {anaesthetist.full}. "
        f"Location: {c.hospital()}, theatre {c.n(1, 8)}.",
        "Procedure: laparoscopic cholecystectomy.",
        f"Indication: {pt.desc_src} with {episodes} episodes of biliary colic over 6 months. Ultrasound: gallbladder wall "
        f"{wall} mm, multiple stones, largest {stone} mm; common bile duct normal. Liver tests normal.",
        "Anaesthesia: general, endotracheal. Cefazolin 2 g IV at induction.",
        f"Findings: {adhesions}; no bile duct dilatation.",
        "Technique: open Hasson entry at the umbilicus, pneumoperitoneum at 12 mmHg, three further ports. Calot's "
        "triangle dissected; critical view of safety achieved and photographed. Cystic duct and artery clipped and "
        "divided. Gallbladder removed from the liver bed with diathermy and extracted in a bag. Haemostasis confirmed."
        + (" 19 Fr drain left in the gallbladder bed." if drain else " No drain."),
        f"Estimated blood loss {ebl} mL. Operative time {minutes} minutes. Specimen to histology.",
        "Post-op: day-case pathway if comfortable; regular paracetamol, oral analgesia as required; remove dressings "
        "in 5 days; clinic review with histology in 6 weeks.",
        care(c, pt, OPERATIVE),
    )
    c.code("K80.20", "Symptomatic gallbladder stones without cholecystitis")
    ref = reference(
        f"Recurrent biliary colic ({episodes} episodes over 6 months).",
        f"{cap(pt.desc_ref)} with symptomatic gallstones; normal liver tests and common bile duct.",
        f"Ultrasound gallbladder wall {wall} mm, largest stone {stone} mm. At laparoscopy {adhesions}; critical view of "
        f"safety achieved. Blood loss {ebl} mL, {minutes} minutes" + (", drain left." if drain else ", no drain."),
        "Symptomatic cholelithiasis treated by laparoscopic cholecystectomy. Day-case discharge if comfortable, "
        "analgesia, clinic with histology in 6 weeks.",
    )
    return source, ref


def appendicectomy_operative(c: Ctx) -> Built:
    pt = c.patient(14, 58)
    day = c.on(0)
    hours = c.n(12, 48)
    temp = c.temp(37.8, 39.2)
    wbc = c.lab("WBC", 12.0, 19.8, "x10^9/L", 1)
    crp = c.lab("CRP", 40, 210, "mg/L")
    diameter = c.n(9, 16)
    perforated = c.chance(0.35)
    ebl, minutes = c.n(10, 40), c.n(35, 95)
    surgeon = c.person()
    findings = ("gangrenous appendix perforated at the tip with localised pus in the pelvis"
                if perforated else "acutely inflamed, non-perforated appendix; no free pus")
    source = lines(
        header(c, "OPERATION NOTE - GENERAL SURGERY", [("Name", pt.name.full), mrn_field(c), ("Date", c.date(day)),
                                                      ("Hospital", c.hospital())]),
        f"Surgeon: Dr. {surgeon.full} with Dr. {c.person().full} assisting.",
        f"Indication: {pt.desc_src} with {hours} hours of periumbilical pain migrating to the right iliac fossa, "
        f"anorexia and nausea; {temp}; {wbc}; {crp}. CT: appendix {diameter} mm with periappendiceal fat stranding"
        + (" and a small fluid collection." if perforated else ", no collection."),
        "Procedure: laparoscopic appendicectomy under general anaesthesia.",
        f"Findings: {findings}.",
        "Steps: umbilical open entry, two 5 mm ports; mesoappendix divided with energy device; base secured with two "
        "endoloops; appendix removed in a retrieval bag."
        + (" Pelvis washed out with 2 L warm saline." if perforated else ""),
        f"Blood loss {ebl} mL. Duration {minutes} minutes.",
        ("Plan: IV piperacillin-tazobactam, then oral antibiotics to complete 5 days; early mobilisation; discharge "
         "when eating and afebrile." if perforated else
         "Plan: no further antibiotics; discharge next day if tolerating diet; oral analgesia."),
        f"Family contact: {contact(c, pt)}",
        care(c, pt, OPERATIVE),
    )
    c.code("K35.32" if perforated else "K35.80",
           "Perforated appendicitis with localised peritonitis" if perforated else "Acute appendicitis")
    ref = reference(
        f"Right iliac fossa pain for {hours} hours.",
        f"{cap(pt.desc_ref)} with periumbilical pain migrating to the right iliac fossa, anorexia and nausea.",
        f"{cap(temp)}, {wbc}, {crp}. CT appendix {diameter} mm with fat stranding. At laparoscopy: {findings}. Blood loss "
        f"{ebl} mL, {minutes} minutes.",
        ("Perforated appendicitis treated by laparoscopic appendicectomy and washout; antibiotics for 5 days."
         if perforated else
         "Acute appendicitis treated by laparoscopic appendicectomy; discharge next day if eating, oral analgesia."),
    )
    return source, ref


def cholecystitis_ed(c: Ctx) -> Built:
    pt = c.patient(32, 86)
    day = c.on(0)
    hours = c.n(10, 60)
    temp, hr = c.temp(37.9, 39.1), c.hr(92, 118)
    bp = c.bp((118, 152), (68, 92))
    wbc = c.lab("WBC", 12.4, 19.2, "x10^9/L", 1)
    crp = c.lab("CRP", 65, 260, "mg/L")
    bili = c.lab("bilirubin", 0.8, 2.2, "mg/dL", 1)
    alp = c.lab("ALP", 95, 220, "U/L")
    alt = c.lab("ALT", 32, 110, "U/L")
    lipase = c.lab("lipase", 22, 58, "U/L")
    wall = c.x(4, 9, 0)
    cbd = c.n(4, 6)
    ed_doc, surgeon = c.person(), c.person()
    source = lines(
        header(c, "EMERGENCY DEPARTMENT NOTE", [("Patient", pt.name.full), ("DOB", c.dob(pt, day)), mrn_field(c),
                                               ("Date", c.date(day))]),
        f"HPI: {pt.desc_src} with {hours} hours of constant right upper quadrant pain radiating to the right shoulder "
        "tip, worse after fatty food, with nausea and two episodes of vomiting. Similar brief episodes in the past year. "
        "No jaundice, pale stools or dark urine.",
        f"Exam: {temp}, {hr}, {bp}. Tender right upper quadrant with positive Murphy's sign; no peritonism.",
        f"Labs: {wbc}, {crp}, {bili}, {alp}, {alt}, {lipase}.",
        f"Bedside and formal ultrasound: distended gallbladder, wall {wall} mm, pericholecystic fluid, stone impacted "
        f"in the neck, sonographic Murphy's positive; common bile duct {cbd} mm.",
        "ED treatment: IV fluids, morphine 5 mg IV, ondansetron 4 mg IV, piperacillin-tazobactam 4.5 g IV.",
        f"Plan: admit under general surgery (Dr. {surgeon.full} aware); nil by mouth; laparoscopic cholecystectomy "
        "within 72 hours of admission.",
        contact(c, pt),
        care(c, pt, ED),
        signed(c, "emergency physician", day, ed_doc),
    )
    c.code("K80.00", "Acute calculous cholecystitis")
    ref = reference(
        f"Right upper quadrant pain for {hours} hours.",
        f"{cap(pt.desc_ref)} with constant right upper quadrant pain radiating to the shoulder, nausea and vomiting; "
        "previous biliary episodes; no jaundice.",
        f"{cap(temp)}, {hr}, {bp}, positive Murphy's sign. {cap(wbc)}, {crp}, {bili}, {alp}, {alt}, {lipase}. "
        f"Ultrasound: gallbladder wall {wall} mm, pericholecystic fluid, impacted stone, common bile duct {cbd} mm.",
        "Acute calculous cholecystitis. IV fluids, analgesia, piperacillin-tazobactam 4.5 g IV; admit to surgery for "
        "laparoscopic cholecystectomy within 72 hours.",
    )
    return source, ref


def sbo_discharge(c: Ctx) -> Built:
    pt = c.patient(44, 89, very_old_chance=0.15)
    admit = c.on(0)
    op_day = c.n(2, 4)
    stay = op_day + c.n(5, 8)
    previous = c.pick(["open appendicectomy", "hysterectomy" if pt.sex == "F" else "open inguinal hernia repair",
                       "open sigmoid colectomy"])
    days = c.n(1, 3)
    hr = c.hr(96, 120)
    bp = c.bp((102, 138), (60, 84))
    sodium = c.lab("sodium", 129, 136, "mmol/L")
    potassium = c.lab("potassium", 3.0, 3.6, "mmol/L", 1)
    creat = c.lab("creatinine", 98, 168, "umol/L")
    lactate = c.lab("lactate", 1.4, 2.8, "mmol/L", 1)
    wbc = c.lab("WBC", 9.8, 15.5, "x10^9/L", 1)
    ng = c.n(900, 2200)
    flow_day = c.n(4, 6)
    creat_out = c.lab("creatinine", 66, 94, "umol/L")
    surgeon = c.person()
    source = lines(
        header(c, "DISCHARGE SUMMARY - GENERAL SURGERY",
               [("Patient", pt.name.full), mrn_field(c), ("Admitted", c.date(admit)), ("Operation", c.date(c.on(op_day))),
                ("Discharged", c.date(c.on(stay))), ("Length of stay", f"{stay} days"), ("Account", c.account())]),
        f"Consultant: Dr. {surgeon.full}. Ward 4B, {c.hospital()}.",
        background(c, ["hypertension", "type 2 diabetes on diet", "osteoarthritis"], ["amlodipine", "paracetamol as needed"], social=["Lives with spouse in a house.", "Independent with all activities.", "Never smoker."]),
        f"Presentation: {pt.desc_src} with {days} days of colicky abdominal pain, distension, bilious vomiting and no "
        f"flatus. Previous {previous}.",
        f"On admission: {hr}, {bp}; distended, tympanic abdomen without peritonism. {cap(sodium)}, {potassium}, {creat}, "
        f"{lactate}, {wbc}.",
        "CT abdomen/pelvis with contrast: dilated small bowel loops with a single transition point in the right lower "
        "quadrant, consistent with adhesional obstruction; no closed loop, no free gas.",
        f"Course: nasogastric decompression (output {ng} mL in the first 24 hours), IV fluids with potassium replacement "
        f"and a water-soluble contrast challenge, which failed to reach the colon. Laparotomy and adhesiolysis on day "
        f"{op_day}: single band adhesion, viable bowel, no resection. Post-operative ileus settled; flatus on day "
        f"{flow_day} after surgery; diet established.",
        "Post-operative days: day 1 nasogastric tube on free drainage, epidural analgesia; day 2 sips and early "
        "mobilisation; day 3 nasogastric tube removed after low output, free fluids; then light diet. Epidural "
        "stopped and converted to oral analgesia; urinary catheter removed. Enoxaparin prophylaxis throughout.",
        f"At discharge: eating, bowels open, wound clean, {creat_out}.",
        "Plan: staples out at 10 days by the practice nurse; no heavy lifting for 6 weeks; clinic in 6 weeks.",
        contact(c, pt),
        instructions(c, ["Wound: keep dry for 48 hours, then shower normally; no baths until the staples are out.", "Eat small frequent meals; avoid very fibrous food for 2 weeks.", "Return for vomiting, worsening pain, swelling or redness of the wound, or fever.", "Take regular paracetamol and use the laxative if no bowel movement for 2 days."]),
        care(c, pt, DISCHARGE),
    )
    c.code("K56.50", "Adhesional small bowel obstruction")
    ref = reference(
        f"Colicky abdominal pain, distension and bilious vomiting for {days} days.",
        f"{cap(pt.desc_ref)} with previous {previous}; absolute constipation.",
        f"{cap(hr)}, {bp}. {cap(sodium)}, {potassium}, {creat}, {lactate}, {wbc}. CT: adhesional small bowel "
        f"obstruction with single transition point, no closed loop. NG output {ng} mL in 24 hours. Discharge {creat_out}.",
        f"Adhesional small bowel obstruction; failed conservative management, laparotomy and adhesiolysis on day "
        f"{op_day} without resection. Staples out at 10 days, no heavy lifting for 6 weeks, clinic in 6 weeks.",
    )
    return source, ref


def hernia_clinic(c: Ctx) -> Built:
    pt = c.patient(28, 79, sex="M")
    visit = c.on(0)
    weeks = c.n(2, 3)
    side = c.pick(["right", "left"])
    pain = c.n(1, 3)
    seroma = c.x(2, 5, 0)
    bp, hr = c.bp((118, 146), (70, 88)), c.hr(62, 84)
    temp = c.temp(36.4, 37.1)
    job = c.pick(["warehouse worker", "office manager", "electrician", "retired teacher"])
    surgeon = c.person()
    source = lines(
        header(c, "SURGICAL OUTPATIENT CLINIC", [("Patient", pt.name.full), mrn_field(c), ("Seen", c.date(visit))]),
        f"Post-operative review {weeks} weeks after laparoscopic totally extraperitoneal {side} inguinal hernia repair "
        f"with mesh. {pt.desc_src}, {job}.",
        f"{pt.He} reports pain {pain}/10, taking paracetamol only. Noticed a soft swelling in the groin last week.",
        f"Exam: {bp}, {hr}, {temp}. Port sites healed. Non-tender fluctuant swelling {seroma} cm in the {side} groin, "
        "no cough impulse, testis normal.",
        "Impression: post-operative seroma, no recurrence, no infection.",
        "Plan: reassurance; seroma expected to resolve within 6 weeks, no aspiration. Return to light duties now, "
        "no lifting over 10 kg for another 2 weeks. Discharged from clinic; return if redness, fever or growth.",
        f"Contact {c.email()} or {c.phone()}.",
        care(c, pt, CLINIC),
        signed(c, "consultant surgeon", visit, surgeon),
    )
    c.code("L76.34", "Seroma after inguinal hernia repair")
    ref = reference(
        f"Review {weeks} weeks after {side} inguinal hernia repair; groin swelling.",
        f"{cap(pt.desc_ref)} ({job}) after laparoscopic totally extraperitoneal mesh repair; pain {pain}/10 on "
        "paracetamol.",
        f"{cap(bp)}, {hr}, {temp}. Healed port sites, non-tender fluctuant {seroma} cm {side} groin swelling without "
        "cough impulse.",
        "Post-operative seroma, no recurrence. Reassurance, no aspiration, no lifting over 10 kg for 2 weeks, "
        "discharged from clinic.",
    )
    return source, ref


# --- endocrinology ------------------------------------------------------------------------

def dka_ed(c: Ctx) -> Built:
    pt = c.patient(16, 52)
    day = c.on(0)
    days = c.n(1, 4)
    trigger = c.pick(["missed insulin doses after losing a pen", "a gastroenteritis illness with reduced intake",
                      "a urinary tract infection", "insulin pump site failure overnight"])
    hr, rr = c.hr(108, 136), c.rr(24, 34)
    bp = c.bp((96, 124), (54, 76))
    temp = c.temp(36.5, 37.9)
    glucose = c.lab("glucose", 420, 690, "mg/dL")
    ph = f"venous pH {c.x(6.98, 7.24, 2)}"
    bicarb = c.lab("bicarbonate", 4, 13, "mmol/L")
    ketones = c.lab("beta-hydroxybutyrate", 3.8, 7.6, "mmol/L", 1)
    sodium = c.lab("sodium", 128, 136, "mmol/L")
    potassium = c.lab("potassium", 4.6, 6.1, "mmol/L", 1)
    gap = c.n(22, 32)
    creat = c.lab("creatinine", 1.1, 2.1, "mg/dL", 1)
    weight = c.n(48, 92)
    ed_doc = c.person()
    source = lines(
        header(c, "ED NOTE - RESUSCITATION BAY", [("Patient", pt.name.full), mrn_field(c), ("DOB", c.dob(pt, day)),
                                                 ("Arrival", c.date(day))]),
        f"HPI: {pt.desc_src} with type 1 diabetes for 9 years presents with {days} days of polyuria, thirst, vomiting "
        f"and abdominal pain after {trigger}. Drowsy but orientated.",
        background(c, ["type 1 diabetes", "hypothyroidism", "coeliac disease"], ["insulin glargine", "insulin aspart", "levothyroxine"], social=["Lives with family.", "Student.", "Non-smoker."]),
        f"Exam: {hr}, {rr} deep sighing breathing, {bp}, {temp}. Dry mucous membranes, ketotic breath, diffuse mild "
        f"abdominal tenderness. Weight {weight} kg.",
        f"Labs: {glucose}, {ph}, {bicarb}, {ketones}, {sodium}, {potassium}, anion gap {gap} mmol/L, {creat}. "
        "Urinalysis: glucose 4+, ketones 3+.",
        "Assessment: severe diabetic ketoacidosis.",
        "Plan: 0.9% saline 1 L over the first hour then per DKA protocol; fixed-rate IV insulin 0.1 units/kg/h; continue "
        "long-acting insulin; potassium 40 mmol per litre of fluid once potassium below 5.5 mmol/L; hourly glucose and "
        "ketones, venous gas every 2 hours; add 10% dextrose when glucose below 250 mg/dL; ECG monitoring. Admit to "
        "the high-dependency unit; diabetes team referral.",
        contact(c, pt),
        care(c, pt, ED),
        signed(c, "emergency physician", day, ed_doc),
    )
    c.code("E10.10", "Type 1 diabetes with diabetic ketoacidosis")
    ref = reference(
        f"Polyuria, thirst, vomiting and abdominal pain for {days} days.",
        f"{cap(pt.desc_ref)} with type 1 diabetes for 9 years; illness followed {trigger}.",
        f"{cap(hr)}, {rr} with Kussmaul breathing, {bp}, {temp}, weight {weight} kg. {cap(glucose)}, {ph}, {bicarb}, "
        f"{ketones}, {sodium}, {potassium}, anion gap {gap} mmol/L, {creat}. Urine ketones 3+.",
        "Severe diabetic ketoacidosis. 0.9% saline 1 L over 1 hour, fixed-rate insulin 0.1 units/kg/h, potassium "
        "replacement, hourly monitoring, high-dependency unit.",
    )
    return source, ref


def hypoglycaemia_discharge(c: Ctx) -> Built:
    pt = c.patient(66, 89, very_old_chance=0.45)
    admit = c.on(0)
    stay = c.n(2, 4)
    glucose = c.lab("capillary glucose", 1.6, 2.8, "mmol/L", 1)
    drug = c.pick(["gliclazide 160 mg twice daily", "glipizide 10 mg twice daily", "glimepiride 4 mg daily"])
    hba1c = c.lab("HbA1c", 5.6, 6.6, "%", 1)
    egfr = c.lab("eGFR", 22, 38, "mL/min/1.73m2")
    creat = c.lab("creatinine", 142, 228, "umol/L")
    sodium = c.lab("sodium", 132, 140, "mmol/L")
    recurrences = c.n(2, 4)
    hours = c.n(18, 36)
    bp, hr = c.bp((128, 164), (66, 84)), c.hr(68, 92)
    physician, gp = c.person(), c.person()
    source = lines(
        header(c, "DISCHARGE SUMMARY", [("Patient", pt.name.full), ("Age", pt.age_years), mrn_field(c),
                                        ("Admitted", c.date(admit)), ("Discharged", c.date(c.on(stay))), ("Length of stay", f"{stay} days")]),
        f"Ward: Acute Medical Unit, {c.hospital()}. Consultant: Dr. {physician.full}.",
        background(c, ["type 2 diabetes for 20 years", "chronic kidney disease stage 3b", "hypertension", "mild cognitive impairment"], ["the agents listed below", "ramipril", "atorvastatin"], social=["Lives with a carer visiting twice daily.", "Meals delivered at home.", "Family help with medicines."]),
        f"Presentation: {pt.desc_src} with type 2 diabetes and chronic kidney disease, found by {pt.his} carer "
        f"drowsy and sweaty at home. Paramedics recorded {glucose}; given glucagon 1 mg IM with partial recovery. "
        f"Takes {drug} and metformin; recent poor appetite.",
        f"Admission: {bp}, {hr}, GCS 14. {cap(hba1c)}, {egfr}, {creat}, {sodium}. CT head not required after full "
        "recovery.",
        f"Course: {recurrences} further hypoglycaemic episodes despite eating, requiring 10% dextrose infusion for "
        f"{hours} hours (prolonged sulfonylurea effect with reduced renal clearance). Sulfonylurea and metformin "
        "stopped. Glucose 6-12 mmol/L for 24 hours off dextrose before discharge.",
        "Discharge medication: linagliptin 5 mg daily. Target glucose relaxed for age and frailty.",
        f"Follow-up: district nurse glucose checks twice daily for 1 week; GP Dr. {gp.full} (fax {c.fax()}) to review "
        "in 1 week; diabetes clinic in 6 weeks. Hypoglycaemia advice given to carer.",
        f"Home: {c.address()}.",
        instructions(c, ["Check glucose before breakfast and the evening meal.", "If glucose is low, take a sugary drink, recheck in 15 minutes and then eat.", "Do not restart gliclazide or similar tablets.", "Carers to call the district nurse for any glucose below target."]),
        care(c, pt, DISCHARGE),
    )
    c.code("E11.649", "Type 2 diabetes with hypoglycaemia")
    c.code("T38.3X5A", "Adverse effect of a sulfonylurea")
    c.code("N18.32", "Chronic kidney disease stage 3b")
    ref = reference(
        "Found drowsy and sweaty at home with hypoglycaemia.",
        f"{cap(pt.desc_ref)} with type 2 diabetes and chronic kidney disease on {drug} and metformin, with recent poor "
        "appetite; partial recovery after glucagon 1 mg IM.",
        f"{cap(glucose)}. {cap(bp)}, {hr}, GCS 14. {cap(hba1c)}, {egfr}, {creat}, {sodium}. {recurrences} further "
        f"episodes needing 10% dextrose for {hours} hours.",
        "Recurrent sulfonylurea-induced hypoglycaemia with renal impairment. Sulfonylurea and metformin stopped, "
        "linagliptin 5 mg daily, relaxed targets, glucose checks for 1 week, diabetes clinic in 6 weeks.",
    )
    return source, ref


def pump_clinic(c: Ctx) -> Built:
    pt = c.patient(19, 58)
    visit = c.on(0)
    years = c.n(6, 30)
    hba1c = c.lab("HbA1c", 7.4, 9.2, "%", 1)
    hba1c_before = c.x(6.6, 7.3, 1)
    tir = c.n(42, 62)
    tbr = c.n(2, 7)
    mean = c.lab("mean glucose", 9.2, 12.4, "mmol/L", 1)
    basal = c.x(18, 34, 1)
    ratio = c.pick([8, 10, 12, 15])
    bp = c.bp((112, 138), (68, 86))
    weight = c.n(54, 96)
    acr = c.lab("urine albumin:creatinine ratio", 0.8, 4.2, "mg/mmol", 1)
    egfr = c.lab("eGFR", 78, 115, "mL/min/1.73m2")
    physician = c.person()
    source = lines(
        header(c, "DIABETES TECHNOLOGY CLINIC", [("Patient", pt.name.full), mrn_field(c), ("Visit", c.date(visit)),
                                                 ("Insurance ID", c.plan_id())]),
        f"{pt.desc_src} with type 1 diabetes for {years} years on insulin pump therapy. Pump serial "
        f"{c.device('NG#######H')}; CGM transmitter {c.device('8??####')}.",
        f"Concerns: rising glucose since starting night shifts, frequent post-breakfast highs. Two mild hypos a week, "
        "recognised. No DKA since last visit.",
        f"Download (14 days): {mean}, time in range {tir}%, time below range {tbr}%, basal total {basal} units/day, "
        f"insulin-to-carbohydrate ratio 1:{ratio} g. Late boluses for breakfast on most days.",
        f"Results: {hba1c} (previously {hba1c_before}%), {acr}, {egfr}. Retinal screening: no retinopathy.",
        f"Exam: {bp}, weight {weight} kg. Pump sites: mild lipohypertrophy on the left abdomen.",
        f"Plan: increase basal rate 03:00-08:00 by 10%; strengthen breakfast ratio to 1:{max(ratio - 2, 6)} g; pre-bolus "
        "15 minutes before meals; rotate sites away from lipohypertrophy; temporary basal profile for night shifts. "
        "Review in 3 months.",
        f"Uploads to {c.portal_url()}; diabetes educator {c.phone()}.",
        care(c, pt, CLINIC),
        signed(c, "endocrinologist", visit, physician),
    )
    c.code("E10.65", "Type 1 diabetes with poor glycaemic control")
    ref = reference(
        "Rising glucose and post-breakfast hyperglycaemia since starting night shifts.",
        f"{cap(pt.desc_ref)} with type 1 diabetes for {years} years on insulin pump and CGM; two mild recognised hypos "
        "a week, late breakfast boluses.",
        f"{cap(hba1c)} (previously {hba1c_before}%), {mean}, time in range {tir}%, time below range {tbr}%, basal "
        f"{basal} units/day, ratio 1:{ratio} g. {cap(acr)}, {egfr}, no retinopathy. {cap(bp)}, weight {weight} kg, "
        "lipohypertrophy.",
        f"Suboptimal type 1 diabetes control on pump therapy. Increase early-morning basal by 10%, breakfast ratio "
        f"1:{max(ratio - 2, 6)} g, pre-bolus, rotate sites, night-shift basal profile, review in 3 months.",
    )
    return source, ref


def thyroidectomy_operative(c: Ctx) -> Built:
    pt = c.patient(24, 72, sex=c.pick(["F", "F", "M"]))
    day = c.on(0)
    graves = c.chance(0.5)
    tsh = c.lab("TSH", 0.01, 0.05, "mIU/L", 2) if graves else c.lab("TSH", 0.8, 2.6, "mIU/L", 1)
    ft4 = c.lab("free T4", 16, 24, "pmol/L")
    nodule = c.x(2.5, 5.8, 1)
    ebl, minutes = c.n(30, 150), c.n(95, 180)
    weight = c.n(38, 140)
    pth = c.lab("PTH at 4 hours", 18, 52, "pg/mL")
    calcium = c.lab("calcium", 2.08, 2.34, "mmol/L", 2)
    surgeon = c.person()
    indication = (f"Graves' disease with relapse after two courses of carbimazole; euthyroid on carbimazole and "
                  f"propranolol ({tsh}, {ft4})." if graves else
                  f"multinodular goitre with compressive symptoms; dominant right nodule {nodule} cm, fine-needle "
                  f"aspiration benign ({tsh}, {ft4}).")
    source = lines(
        header(c, "OPERATIVE REPORT - ENDOCRINE SURGERY", [("Patient", pt.name.full), mrn_field(c), ("Date", c.date(day)),
                                                           ("Facility", c.hospital())]),
        f"Surgeon: Dr. {surgeon.full}. Anaesthetist: Dr. {c.person().full}.",
        f"Indication: {pt.desc_src} with {indication}",
        "Procedure: total thyroidectomy with intraoperative recurrent laryngeal nerve monitoring.",
        "Findings: " + ("diffusely enlarged vascular gland" if graves else "multinodular gland with retrosternal extension")
        + ". Both recurrent laryngeal nerves identified and preserved with normal signal at the end. Four parathyroid "
        "glands identified; the left inferior gland was devascularised and autotransplanted into the "
        "sternocleidomastoid.",
        f"Estimated blood loss {ebl} mL. Operative time {minutes} minutes. Specimen weight {weight} g.",
        f"Post-op: {pth}, {calcium}. Voice normal.",
        "Plan: levothyroxine 100 mcg daily from tomorrow; calcium check the next morning, oral calcium if below "
        "2.10 mmol/L; drain not used; discharge day 1 if calcium stable; clinic with histology in 2 weeks.",
        contact(c, pt),
        care(c, pt, OPERATIVE),
    )
    c.code("E05.00" if graves else "E04.2",
           "Graves' disease" if graves else "Compressive multinodular goitre")
    ref = reference(
        "Elective total thyroidectomy for " + ("relapsed Graves' disease." if graves else "compressive multinodular goitre."),
        f"{cap(pt.desc_ref)} with " + ("Graves' disease relapsing after two courses of carbimazole." if graves else
                                        f"multinodular goitre, dominant benign nodule {nodule} cm."),
        f"Pre-operative {tsh}, {ft4}. Both recurrent laryngeal nerves preserved with normal signal; one parathyroid "
        f"autotransplanted. Blood loss {ebl} mL, {minutes} minutes, specimen {weight} g. {cap(pth)}, {calcium}.",
        "Total thyroidectomy. Levothyroxine 100 mcg daily, calcium monitoring with oral calcium if low, discharge day 1 "
        "if stable, clinic in 2 weeks.",
    )
    return source, ref


# --- neurology -------------------------------------------------------------------------------

def stroke_ed(c: Ctx) -> Built:
    pt = c.patient(52, 89, very_old_chance=0.2)
    day = c.on(0)
    minutes = c.n(55, 170)
    left_brain = c.chance(0.5)
    deficit = ("right face, arm and leg weakness with expressive aphasia" if left_brain else
               "left face, arm and leg weakness with left-sided neglect and gaze deviation to the right")
    side = "left" if left_brain else "right"
    nihss = c.n(7, 21)
    bp = c.bp((162, 208), (86, 112))
    hr = c.hr(64, 96)
    glucose = c.lab("glucose", 5.4, 9.8, "mmol/L", 1)
    inr = f"INR {c.x(0.9, 1.1, 1)}"
    plt = c.lab("platelets", 170, 340, "x10^9/L")
    aspects = c.n(7, 10)
    vessel = c.pick(["M1", "proximal M2"])
    weight = c.n(58, 98)
    dose = f"{round(weight * 0.25, 1)} mg"
    neurologist, ed_doc = c.person(), c.person()
    source = lines(
        header(c, "ED STROKE CODE NOTE", [("Patient", pt.name.full), mrn_field(c), ("Date", c.date(day)),
                                          ("Site", c.hospital())]),
        f"HPI: {pt.desc_src}, right-handed, last known well {minutes} minutes before arrival, found by "
        f"{pt.his} {c.pick(['wife', 'husband', 'daughter', 'son'])} with {deficit}. Background hypertension and "
        "hyperlipidaemia; not anticoagulated.",
        f"Exam: {bp}, {hr} regular, GCS 14. NIHSS {nihss}.",
        f"Labs: {glucose}, {inr}, {plt}.",
        f"Imaging: non-contrast CT head with no haemorrhage, ASPECTS {aspects}. CT angiogram: {side} {vessel} occlusion. "
        "CT perfusion: small core with large penumbra.",
        f"Treatment: blood pressure lowered below 185/110 mmHg with labetalol 10 mg IV; tenecteplase 0.25 mg/kg "
        f"({dose} for {weight} kg) given. Discussed with Dr. {neurologist.full} (stroke neurology); transferred for "
        f"mechanical thrombectomy to the comprehensive stroke center at {c.hospital()}.",
        contact(c, pt),
        care(c, pt, ED),
        signed(c, "emergency physician", day, ed_doc),
    )
    c.code({"left": "I63.512", "right": "I63.511"}[side],
           f"Acute ischaemic stroke, {side} middle cerebral artery occlusion")
    ref = reference(
        f"Sudden {deficit}; last known well {minutes} minutes before arrival.",
        f"{cap(pt.desc_ref)} with hypertension and hyperlipidaemia, not anticoagulated.",
        f"{cap(bp)}, {hr}, GCS 14, NIHSS {nihss}. {cap(glucose)}, {inr}, {plt}. CT: no haemorrhage, ASPECTS {aspects}; "
        f"CTA {side} {vessel} occlusion; small core, large penumbra.",
        f"Acute {side} middle cerebral artery ischaemic stroke. Labetalol to below 185/110 mmHg, tenecteplase "
        f"0.25 mg/kg ({dose}), transfer for mechanical thrombectomy.",
    )
    return source, ref


def stroke_discharge(c: Ctx) -> Built:
    pt = c.patient(58, 89, very_old_chance=0.25)
    admit = c.on(0)
    stay = c.n(6, 14)
    nihss_in, nihss_out = c.n(6, 14), c.n(2, 5)
    territory = c.pick(["left middle cerebral artery", "right middle cerebral artery", "left posterior cerebral artery"])
    infarct = c.x(1.5, 4.5, 1)
    stenosis = c.n(50, 69)
    af = c.chance(0.4)
    ldl = c.lab("LDL", 2.8, 4.6, "mmol/L", 1)
    hba1c = c.lab("HbA1c", 5.4, 7.8, "%", 1)
    bp_in, bp_out = c.bp((160, 196), (86, 104)), c.bp((124, 138), (70, 84))
    lvef = f"LVEF {c.n(50, 62)}%"
    attending = c.person()
    source = lines(
        header(c, "DISCHARGE SUMMARY - STROKE UNIT", [("Patient", pt.name.full), ("DOB", c.dob(pt, admit)), mrn_field(c),
                                                      ("Admission", c.date(admit)), ("Discharge", c.date(c.on(stay))), ("Length of stay", f"{stay} days")]),
        background(c, ["hypertension", "hyperlipidaemia", "previous transient ischaemic attack"], ["amlodipine", "simvastatin"], social=["Lives with spouse in a bungalow.", "Independent before admission; ex-smoker.", "Retired."]),
        f"Presentation: {pt.desc_src} with acute dysarthria and arm weakness, outside the thrombolysis window. "
        f"NIHSS {nihss_in} on admission, {bp_in}.",
        f"MRI brain: acute {territory} infarct, {infarct} cm, no haemorrhage. Carotid Doppler: {stenosis}% ipsilateral "
        f"internal carotid stenosis. Echo: {lvef}, no thrombus. "
        + ("72-hour monitor: paroxysmal atrial fibrillation." if af else "72-hour monitor: sinus rhythm throughout."),
        f"Risk factors: {ldl}, {hba1c}.",
        "Course: aspirin 300 mg for 14 days; swallow screen passed on day 2 after a modified-texture diet; "
        f"physiotherapy and occupational therapy daily. NIHSS {nihss_out} at discharge, walking with a frame. {bp_out}.",
        "Therapy summary: physiotherapy progressed from sitting balance to walking with a frame and supervision; "
        "occupational therapy assessed washing and dressing (needs help with buttons and shoes) and recommended a "
        "perching stool and rails at home; speech and language therapy found mild dysarthria, intelligible in "
        "conversation, and no aspiration on a normal diet. Mood screen normal. Continence regained by day 4.",
        "Discharge medications: "
        + ("apixaban 5 mg twice daily starting day 7; " if af else "clopidogrel 75 mg daily after aspirin; ")
        + "atorvastatin 80 mg; amlodipine 5 mg daily.",
        f"Discharged to {c.facility('Rehabilitation Center')} for inpatient rehabilitation. Vascular surgery opinion: "
        "best medical therapy for the moderate carotid stenosis.",
        f"Driving: must not drive for at least 1 month. Stroke clinic in 6 weeks. {contact(c, pt)}",
        instructions(c, ["Call 911 immediately for new face drooping, arm weakness or speech difficulty.", "Take the blood pressure and cholesterol tablets every day.", "Continue the exercises from therapy.", "Swallow: normal diet and fluids, sit upright for meals."]),
        care(c, pt, DISCHARGE),
        signed(c, "stroke physician", c.on(stay), attending),
    )
    c.code({"left middle cerebral artery": "I63.512", "right middle cerebral artery": "I63.511",
            "left posterior cerebral artery": "I63.532"}[territory], f"Ischaemic stroke, {territory} territory")
    if af:
        c.code("I48.0", "Paroxysmal atrial fibrillation")
    ref = reference(
        "Acute dysarthria and arm weakness.",
        f"{cap(pt.desc_ref)} admitted for {stay} days with ischaemic stroke, outside the thrombolysis window.",
        f"NIHSS {nihss_in} on admission, {bp_in}. MRI: {territory} infarct {infarct} cm. Carotid stenosis {stenosis}%. "
        f"{lvef}. " + ("Paroxysmal atrial fibrillation. " if af else "Sinus rhythm on monitoring. ")
        + f"{cap(ldl)}, {hba1c}. NIHSS {nihss_out} at discharge, {bp_out}.",
        f"Ischaemic stroke in the {territory} territory. "
        + ("Apixaban 5 mg twice daily from day 7, " if af else "Aspirin then clopidogrel 75 mg daily, ")
        + "atorvastatin 80 mg, amlodipine 5 mg; inpatient rehabilitation, no driving for 1 month, stroke clinic in 6 weeks.",
    )
    return source, ref


def epilepsy_clinic(c: Ctx) -> Built:
    pt = c.patient(18, 64)
    visit = c.on(0)
    seizures = c.n(2, 5)
    months = c.n(2, 4)
    dose_from, dose_to = c.pick([(500, 750), (750, 1000), (1000, 1500)])
    eeg = c.pick(["left temporal sharp waves", "right frontal spikes", "no epileptiform discharges"])
    mri = c.pick(["left mesial temporal sclerosis", "normal", "a small right frontal cortical dysplasia"])
    sodium = c.lab("sodium", 136, 142, "mmol/L")
    video = c.chance(0.5)
    trigger = c.pick(["sleep deprivation", "missed evening doses", "alcohol"])
    physician = c.person()
    lines_video = f"Video consultation; patient at home, IP {c.ip()}." if video else f"In person at {c.hospital()}."
    women = (" Discussed contraception and pregnancy planning; valproate avoided; folic acid 5 mg daily started."
             if pt.sex == "F" and pt.age < 50 else "")
    source = lines(
        header(c, "EPILEPSY CLINIC", [("Patient", pt.name.full), mrn_field(c), ("Date", c.date(visit))]),
        lines_video,
        f"{pt.desc_src} with focal epilepsy with impaired awareness since age {c.n(12, 16)}. On levetiracetam "
        f"{dose_from} mg twice daily.",
        f"Since the last visit: {seizures} focal seizures in {months} months, one evolving to bilateral tonic-clonic, "
        f"triggered by {trigger}. No injuries. Mood low at times; no suicidal thoughts.",
        f"Investigations: EEG shows {eeg}; MRI brain {mri}. {cap(sodium)}.",
        f"Plan: increase levetiracetam to {dose_to} mg twice daily; seizure diary; sleep hygiene; "
        f"must not drive until 12 months seizure-free; review mood at next visit.{women}",
        f"Epilepsy nurse: {c.phone()}. Letter copied to {c.email()}.",
        care(c, pt, CLINIC),
        signed(c, "neurologist", visit, physician),
    )
    c.code("G40.219", "Uncontrolled focal epilepsy with impaired awareness seizures")
    ref = reference(
        f"{seizures} focal seizures in {months} months.",
        f"{cap(pt.desc_ref)} with focal epilepsy with impaired awareness on levetiracetam {dose_from} mg twice daily; "
        f"one bilateral tonic-clonic seizure, triggered by {trigger}.",
        f"EEG: {eeg}. MRI brain: {mri}. {cap(sodium)}.",
        f"Uncontrolled focal epilepsy. Increase levetiracetam to {dose_to} mg twice daily, seizure diary, sleep hygiene, "
        "no driving until 12 months seizure-free." + (" Folic acid 5 mg daily, valproate avoided." if women else ""),
    )
    return source, ref


def first_seizure_ed(c: Ctx) -> Built:
    pt = c.patient(19, 68)
    day = c.on(0)
    minutes = c.n(1, 4)
    postictal = c.n(15, 45)
    glucose = c.lab("glucose", 5.2, 8.8, "mmol/L", 1)
    sodium = c.lab("sodium", 134, 141, "mmol/L")
    calcium = c.lab("calcium", 2.18, 2.46, "mmol/L", 2)
    ck = c.lab("CK", 180, 1400, "U/L")
    lactate = c.lab("lactate", 1.8, 5.6, "mmol/L", 1)
    bp, hr = c.bp((128, 156), (72, 92)), c.hr(88, 112)
    temp = c.temp(36.6, 37.6)
    witness_sex = c.pick(["M", "F"])
    witness = c.person(witness_sex)
    ed_doc = c.person()
    source = lines(
        header(c, "EMERGENCY DEPARTMENT NOTE", [("Patient", pt.name.full), mrn_field(c), ("DOB", c.dob(pt, day)),
                                               ("Seen", c.date(day))]),
        f"HPI: {pt.desc_src} had a witnessed generalised tonic-clonic seizure lasting about {minutes} minutes at "
        f"{pt.his} workplace. Colleague {witness.full} (phone {c.phone()}) describes sudden stiffening, a cry, "
        f"rhythmic jerking of all limbs, tongue biting and urinary incontinence, then confusion for {postictal} minutes. "
        "No previous seizures. Slept 4 hours the night before. No alcohol excess, no drugs.",
        f"Exam: {bp}, {hr}, {temp}. GCS 15 now. Lateral tongue bite. Neurological exam normal.",
        f"Labs: {glucose}, {sodium}, {calcium}, {ck}, {lactate}. ECG: sinus rhythm, QTc 412 ms.",
        "CT head: normal.",
        "Impression: first unprovoked generalised tonic-clonic seizure.",
        "Plan: discharge home with a responsible adult; first seizure clinic referral with EEG and MRI; no "
        "antiseizure medication started; advised not to drive (licensing authority rules) and to avoid bathing alone, "
        "heights and swimming unsupervised.",
        care(c, pt, ED),
        signed(c, "emergency physician", day, ed_doc),
    )
    c.code("R56.9", "First generalised tonic-clonic seizure")
    ref = reference(
        f"Witnessed generalised tonic-clonic seizure lasting about {minutes} minutes.",
        f"{cap(pt.desc_ref)} with no previous seizures; tongue biting, incontinence, confusion for {postictal} minutes; "
        "sleep deprivation.",
        f"{cap(bp)}, {hr}, {temp}, GCS 15, normal neurological exam. {cap(glucose)}, {sodium}, {calcium}, {ck}, "
        f"{lactate}. ECG QTc 412 ms. CT head normal.",
        "First unprovoked generalised tonic-clonic seizure. Discharge home, first seizure clinic with EEG and MRI, no "
        "medication, no driving, safety advice.",
    )
    return source, ref


# --- neurosurgery ----------------------------------------------------------------------------

def subdural_operative(c: Ctx) -> Built:
    pt = c.patient(72, 89, very_old_chance=0.5)
    day = c.on(0)
    weeks = c.n(2, 6)
    anticoag = c.pick(["apixaban for atrial fibrillation", "warfarin for a mechanical valve", "aspirin only"])
    gcs = c.n(12, 14)
    thickness = c.n(14, 28)
    shift = c.n(4, 12)
    side = c.pick(["left", "right"])
    inr = f"INR {c.x(1.0, 1.2, 1)}"
    ebl, minutes = c.n(20, 80), c.n(40, 80)
    surgeon = c.person()
    source = lines(
        header(c, "NEUROSURGERY OPERATIVE NOTE", [("Patient", pt.name.full), ("Age", pt.age_years), mrn_field(c),
                                                  ("Date", c.date(day))]),
        f"Surgeon: Dr. {surgeon.full}. Hospital: {c.hospital()}.",
        f"Indication: {pt.desc_src} on {anticoag}, fall {weeks} weeks ago, now progressive confusion, headache and "
        f"{'right' if side == 'left' else 'left'} arm weakness. GCS {gcs}. CT: {side} chronic subdural haematoma, "
        f"maximum thickness {thickness} mm, midline shift {shift} mm. Anticoagulation held and reversed; {inr} "
        "pre-operatively.",
        f"Procedure: {side} two burr-hole evacuation of chronic subdural haematoma under general anaesthesia. Dura "
        "opened in cruciate fashion, motor-oil fluid under pressure, irrigated with warm saline until clear. Subdural "
        "drain placed, tunnelled and secured.",
        f"Blood loss {ebl} mL. Duration {minutes} minutes. No complications.",
        "Post-op plan: bed flat for 24 hours, drain out at 48 hours, CT before discharge, neuro observations hourly. "
        "Restart anticoagulation after discussion at 2 weeks if repeat CT stable.",
        contact(c, pt),
        care(c, pt, OPERATIVE),
    )
    c.code("I62.03", f"{cap(side)} chronic subdural haematoma")
    ref = reference(
        f"Progressive confusion, headache and arm weakness {weeks} weeks after a fall.",
        f"{cap(pt.desc_ref)} on {anticoag}; GCS {gcs}.",
        f"CT: {side} chronic subdural haematoma, thickness {thickness} mm, midline shift {shift} mm. {inr} after "
        f"reversal. Burr-hole evacuation with drain; blood loss {ebl} mL, {minutes} minutes.",
        f"{cap(side)} chronic subdural haematoma evacuated via two burr holes. Bed flat 24 hours, drain out at 48 "
        "hours, CT before discharge, anticoagulation review at 2 weeks.",
    )
    return source, ref


def discectomy_operative(c: Ctx) -> Built:
    pt = c.patient(26, 66)
    day = c.on(0)
    weeks = c.n(6, 16)
    level, root = c.pick([("L4/5", "L5"), ("L5/S1", "S1")])
    side = c.pick(["left", "right"])
    power = c.pick(["4/5", "4-/5", "3/5"])
    fragment = c.n(6, 14)
    ebl, minutes = c.n(20, 120), c.n(50, 110)
    surgeon = c.person()
    source = lines(
        header(c, "OPERATIVE NOTE - SPINE", [("Patient", pt.name.full), mrn_field(c), ("Date of surgery", c.date(day)),
                                              ("Location", c.hospital())]),
        f"Surgeon: Dr. {surgeon.full}; assistant Dr. {c.person().full}.",
        f"Indication: {pt.desc_src} with {weeks} weeks of {side} sciatica in the {root} distribution despite "
        f"physiotherapy and a nerve root injection; {root} weakness {power}, reduced sensation. MRI: {side} "
        f"paracentral disc extrusion at {level} compressing the {root} root, fragment {fragment} mm.",
        f"Procedure: {side} {level} microdiscectomy under general anaesthesia, prone on a Wilson frame. Level "
        "confirmed with fluoroscopy. Interlaminar window, flavectomy, root retracted, sequestrated fragment removed, "
        "disc space cleared of loose material. Root free and pulsatile at the end. Dura intact.",
        f"Blood loss {ebl} mL. Duration {minutes} minutes.",
        "Plan: mobilise this evening; discharge tomorrow if comfortable; avoid prolonged sitting and lifting for 6 "
        "weeks; physiotherapy; return urgently for saddle numbness or bladder change.",
        care(c, pt, OPERATIVE),
    )
    c.code({"L4/5": "M51.16", "L5/S1": "M51.17"}[level], f"{level} disc herniation with {root} radiculopathy")
    ref = reference(
        f"{cap(side)} sciatica for {weeks} weeks.",
        f"{cap(pt.desc_ref)} with {root} radiculopathy despite physiotherapy and injection; {root} weakness {power}.",
        f"MRI: {side} paracentral disc extrusion at {level} compressing {root}, fragment {fragment} mm. "
        f"Microdiscectomy with fragment removed, dura intact; blood loss {ebl} mL, {minutes} minutes.",
        f"{level} disc herniation treated by {side} microdiscectomy. Early mobilisation, discharge tomorrow, avoid "
        "lifting for 6 weeks, physiotherapy, cauda equina advice.",
    )
    return source, ref


# --- nephrology ------------------------------------------------------------------------

def aki_discharge(c: Ctx) -> Built:
    pt = c.patient(55, 89, very_old_chance=0.2)
    admit = c.on(0)
    stay = c.n(4, 9)
    days = c.n(3, 6)
    baseline = c.n(72, 108)
    peak = c.n(310, 620)
    discharge_creat = c.n(baseline + 12, baseline + 60)
    potassium = c.lab("potassium", 5.6, 6.4, "mmol/L", 1)
    urea = c.lab("urea", 18, 34, "mmol/L", 1)
    bicarb = c.lab("bicarbonate", 14, 19, "mmol/L")
    bp = c.bp((88, 108), (50, 64))
    hr = c.hr(96, 118)
    urine = c.n(8, 20)
    kidney = c.x(10.2, 11.6, 1)
    drugs = c.pick(["ramipril and ibuprofen", "lisinopril, furosemide and naproxen", "losartan and diclofenac"])
    physician = c.person()
    source = lines(
        header(c, "DISCHARGE SUMMARY - NEPHROLOGY", [("Patient", pt.name.full), mrn_field(c), ("Admitted", c.date(admit)),
                                                     ("Discharged", c.date(c.on(stay))), ("Length of stay", f"{stay} days"), ("Plan ID", c.plan_id())]),
        f"Hospital: {c.hospital()}. Consultant: Dr. {physician.full}.",
        background(c, ["hypertension", "type 2 diabetes", "osteoarthritis of both knees", "benign prostatic hyperplasia" if pt.sex == "M" else "hypothyroidism"], ["metformin", "atorvastatin", "the agents listed below"], social=["Lives with family.", "Independent; drives.", "Drinks alcohol rarely."]),
        f"History: {pt.desc_src} with {days} days of diarrhoea and vomiting after a family gathering, reduced intake, "
        f"while continuing {drugs}. Dizzy on standing; passing little urine.",
        f"Admission: {bp}, {hr}, dry mucous membranes. Creatinine {peak} umol/L (baseline {baseline} umol/L), {urea}, "
        f"{potassium}, {bicarb}. Urine output {urine} mL/h over the first 6 hours. Urine dipstick bland.",
        f"Renal ultrasound: kidneys {kidney} cm bilaterally, no hydronephrosis.",
        "Course: stage 3 acute kidney injury (prerenal, with acute tubular injury). Nephrotoxic and antihypertensive "
        "drugs held; IV crystalloid guided by fluid balance; hyperkalaemia treated with insulin-dextrose and a potassium "
        "binder; no dialysis needed. Urine output recovered by day 3.",
        f"At discharge: creatinine {discharge_creat} umol/L, eating and drinking, blood pressure normal off treatment.",
        "Plan: keep ACE inhibitor/ARB and NSAIDs stopped until review; sick-day rules leaflet given; repeat creatinine "
        "and potassium in 1 week; nephrology clinic in 6 weeks.",
        contact(c, pt),
        instructions(c, ["Stop ramipril-type medicines, water tablets and metformin on any day you are vomiting or have diarrhoea, and restart 48 hours after eating and drinking normally.", "Avoid anti-inflammatory painkillers; paracetamol is safe.", "Drink to thirst.", "Bring this letter to the blood test appointment.", "Metformin restarted at a reduced dose after kidney recovery."]),
        care(c, pt, DISCHARGE),
        signed(c, "nephrologist", c.on(stay), physician),
    )
    c.code("N17.9", "Prerenal acute kidney injury")
    c.code("E87.5", "Hyperkalaemia")
    ref = reference(
        f"Diarrhoea and vomiting for {days} days with dizziness and low urine output.",
        f"{cap(pt.desc_ref)} continuing {drugs} during gastroenteritis; admitted for {stay} days.",
        f"{cap(bp)}, {hr}. Creatinine {peak} umol/L (baseline {baseline} umol/L), {urea}, {potassium}, {bicarb}; urine "
        f"output {urine} mL/h. Ultrasound kidneys {kidney} cm, no hydronephrosis. Discharge creatinine "
        f"{discharge_creat} umol/L.",
        "Stage 3 prerenal acute kidney injury with hyperkalaemia. Nephrotoxins held, IV fluids, hyperkalaemia treated, "
        "no dialysis. Sick-day rules, bloods in 1 week, nephrology clinic in 6 weeks.",
    )
    return source, ref


def ckd_clinic(c: Ctx) -> Built:
    pt = c.patient(48, 86)
    visit = c.on(0)
    cause = c.pick(["diabetic kidney disease", "IgA nephropathy", "hypertensive nephrosclerosis", "polycystic kidney disease"])
    egfr = c.lab("eGFR", 14, 24, "mL/min/1.73m2")
    egfr_before = c.n(25, 31)
    creat = c.lab("creatinine", 240, 410, "umol/L")
    potassium = c.lab("potassium", 4.9, 5.8, "mmol/L", 1)
    bicarb = c.lab("bicarbonate", 16, 21, "mmol/L")
    hb = c.lab("haemoglobin", 8.6, 10.4, "g/dL", 1)
    pth = c.lab("PTH", 180, 520, "pg/mL")
    phosphate = c.lab("phosphate", 1.5, 2.2, "mmol/L", 1)
    acr = c.lab("urine ACR", 40, 260, "mg/mmol")
    bp = c.bp((138, 168), (78, 96))
    weight = c.n(58, 104)
    physician = c.person()
    source = lines(
        header(c, "RENAL CLINIC LETTER", [("Patient", pt.name.full), ("DOB", c.dob(pt, visit)), mrn_field(c),
                                          ("Clinic", c.date(visit)), ("SSN", c.ssn())]),
        f"Dear Dr. {c.person().full},",
        f"I reviewed your patient, a {pt.desc_src} with chronic kidney disease stage 4 secondary to {cause}. {pt.He} "
        "reports fatigue, reduced appetite and itching; no breathlessness or oedema.",
        f"Exam: {bp}, weight {weight} kg, no oedema.",
        f"Results: {egfr} (was {egfr_before} a year ago), {creat}, {potassium}, {bicarb}, {hb}, {phosphate}, {pth}, "
        f"{acr}.",
        "Impression: progressive CKD stage 4 with renal anaemia, metabolic acidosis, hyperphosphataemia and secondary "
        "hyperparathyroidism.",
        "Plan: sodium bicarbonate 500 mg three times daily; low-potassium and low-phosphate diet with the renal "
        "dietitian; calcium acetate with meals; IV iron then erythropoiesis-stimulating agent if haemoglobin stays below "
        "10 g/dL; increase amlodipine to 10 mg; kidney failure education and modality choice; referral for vein "
        "mapping and fistula assessment; transplant work-up discussion. Review in 8 weeks.",
        f"Renal unit: {c.phone()}, fax {c.fax()}.",
        f"Yours sincerely, Dr. {physician.full}, Nephrology, {c.hospital()}.",
        care(c, pt, CLINIC),
    )
    c.code("N18.4", "Chronic kidney disease stage 4")
    c.code({"diabetic kidney disease": "E11.22", "IgA nephropathy": "N02.8",
            "hypertensive nephrosclerosis": "I12.9", "polycystic kidney disease": "Q61.2"}[cause], cap(cause))
    c.code("D63.1", "Anaemia of chronic kidney disease")
    c.code("E87.22", "Metabolic acidosis of chronic kidney disease")
    c.code("E83.39", "Hyperphosphataemia")
    c.code("N25.81", "Secondary hyperparathyroidism of renal origin")
    ref = reference(
        "Fatigue, poor appetite and itching with progressive chronic kidney disease.",
        f"{cap(pt.desc_ref)} with chronic kidney disease stage 4 secondary to {cause}; no fluid overload.",
        f"{cap(bp)}, weight {weight} kg. {cap(egfr)} (was {egfr_before} a year ago), {creat}, {potassium}, {bicarb}, "
        f"{hb}, {phosphate}, {pth}, {acr}.",
        "Progressive CKD stage 4 with anaemia, acidosis, hyperphosphataemia and hyperparathyroidism. Sodium "
        "bicarbonate 500 mg three times daily, diet, calcium acetate, IV iron, amlodipine 10 mg, dialysis education, "
        "fistula assessment, review in 8 weeks.",
    )
    return source, ref


def hyperkalaemia_ed(c: Ctx) -> Built:
    pt = c.patient(52, 89, very_old_chance=0.2)
    day = c.on(0)
    potassium = c.lab("potassium", 6.6, 7.8, "mmol/L", 1)
    repeat = c.lab("potassium", 5.4, 6.0, "mmol/L", 1)
    qrs = c.n(112, 148)
    hr = c.hr(38, 54)
    bp = c.bp((96, 128), (52, 74))
    creat = c.lab("creatinine", 280, 540, "umol/L")
    bicarb = c.lab("bicarbonate", 13, 18, "mmol/L")
    glucose = c.lab("glucose", 5.8, 8.9, "mmol/L", 1)
    cause = c.pick(["recently started spironolactone", "missed two dialysis sessions", "potassium supplements and ramipril"])
    ed_doc, renal = c.person(), c.person()
    source = lines(
        header(c, "ED NOTE", [("Patient", pt.name.full), mrn_field(c), ("Date", c.date(day)), ("Hospital", c.hospital())]),
        f"HPI: {pt.desc_src} with chronic kidney disease, {cause}, presents with generalised weakness and "
        "light-headedness for 2 days. No chest pain.",
        background(c, ["chronic kidney disease", "type 2 diabetes", "heart failure with reduced ejection fraction", "gout"], ["insulin glargine", "bisoprolol", "furosemide", "allopurinol"]),
        f"Exam: {hr}, {bp}, alert; proximal weakness 4/5.",
        f"ECG: sinus bradycardia, peaked T waves, QRS {qrs} ms.",
        f"Labs: {potassium} (non-haemolysed), {creat}, {bicarb}, {glucose}.",
        "Treatment: 10% calcium gluconate 30 mL IV over 10 minutes (repeated once as QRS remained wide); insulin 10 units "
        "with 50 mL of 50% glucose IV; salbutamol 10 mg nebulised; sodium zirconium cyclosilicate 10 g. Cardiac "
        f"monitoring. Repeat at 1 hour: {repeat}.",
        f"Discussed with Dr. {renal.full}, nephrology: urgent haemodialysis tonight; admit to the renal unit.",
        contact(c, pt),
        care(c, pt, ED),
        signed(c, "emergency physician", day, ed_doc),
    )
    c.code("E87.5", "Severe hyperkalaemia")
    ref = reference(
        "Generalised weakness and light-headedness for 2 days.",
        f"{cap(pt.desc_ref)} with chronic kidney disease; {cause}.",
        f"{cap(hr)}, {bp}. ECG sinus bradycardia, peaked T waves, QRS {qrs} ms. {cap(potassium)}, {creat}, {bicarb}, "
        f"{glucose}. Repeat {repeat} at 1 hour.",
        "Severe hyperkalaemia with ECG changes. Calcium gluconate 10% 30 mL twice, insulin 10 units with glucose, "
        "salbutamol 10 mg, potassium binder; urgent haemodialysis and admission to the renal unit.",
    )
    return source, ref


def fistula_operative(c: Ctx) -> Built:
    pt = c.patient(38, 82)
    day = c.on(0)
    site = c.pick(["radiocephalic", "brachiocephalic"])
    side = c.pick(["left", "right"])
    vein = c.x(2.5, 4.2, 1)
    artery = c.x(2.2, 4.0, 1)
    ebl, minutes = c.n(5, 40), c.n(55, 120)
    egfr = c.lab("eGFR", 9, 16, "mL/min/1.73m2")
    potassium = c.lab("potassium", 4.4, 5.4, "mmol/L", 1)
    surgeon = c.person()
    source = lines(
        header(c, "VASCULAR ACCESS OPERATIVE NOTE", [("Patient", pt.name.full), mrn_field(c), ("Date", c.date(day)),
                                                     ("Location", c.hospital())]),
        f"Surgeon: Dr. {surgeon.full}.",
        f"Indication: {pt.desc_src}, right-handed, with CKD stage 5 not yet on dialysis ({egfr}, {potassium}); "
        f"creation of permanent access. Vein mapping: {side} cephalic vein {vein} mm, "
        f"{'radial' if site == 'radiocephalic' else 'brachial'} artery {artery} mm, good flow.",
        f"Procedure: {side} {site} arteriovenous fistula under ultrasound-guided brachial plexus block. End-to-side "
        "anastomosis with 7-0 polypropylene. Strong palpable thrill and audible bruit at the end; hand well perfused.",
        f"Blood loss {ebl} mL. Duration {minutes} minutes.",
        "Plan: check thrill twice daily; no blood pressure cuffs or cannulas on this arm; hand exercises with a soft "
        "ball from day 2; access surveillance ultrasound in 6 weeks; cannulation not before 6-8 weeks.",
        f"Dialysis unit phone {c.phone()}.",
        care(c, pt, OPERATIVE),
    )
    c.code("N18.5", "Chronic kidney disease stage 5")
    ref = reference(
        f"Creation of dialysis access for CKD stage 5.",
        f"{cap(pt.desc_ref)} with CKD stage 5 not yet on dialysis; {egfr}, {potassium}.",
        f"Vein mapping: cephalic vein {vein} mm, artery {artery} mm. {cap(side)} {site} fistula with strong thrill and "
        f"bruit; blood loss {ebl} mL, {minutes} minutes.",
        f"{cap(side)} {site} arteriovenous fistula created. Thrill checks, protect the arm, hand exercises, "
        "ultrasound in 6 weeks, no cannulation before 6-8 weeks.",
    )
    return source, ref


# --- infectious disease --------------------------------------------------------------------

def urosepsis_discharge(c: Ctx) -> Built:
    pt = c.patient(62, 89, very_old_chance=0.4)
    admit = c.on(0)
    stay = c.n(5, 10)
    temp, hr, rr = c.temp(38.6, 40.1), c.hr(108, 134), c.rr(22, 30)
    bp = c.bp((76, 94), (38, 54))
    lactate = c.lab("lactate", 3.1, 6.2, "mmol/L", 1)
    wbc = c.lab("WBC", 15.5, 28.0, "x10^9/L", 1)
    crp = c.lab("CRP", 160, 380, "mg/L")
    pct = c.lab("procalcitonin", 4.5, 38.0, "ng/mL", 1)
    creat = c.lab("creatinine", 1.6, 3.2, "mg/dL", 1)
    nor = c.x(0.05, 0.22, 2)
    pressor_hours = c.n(12, 48)
    organism = c.pick(["Escherichia coli", "Klebsiella pneumoniae", "Proteus mirabilis"])
    switch_day = c.n(3, 5)
    creat_out = c.lab("creatinine", 0.9, 1.3, "mg/dL", 1)
    temp_out = c.temp(36.4, 37.2)
    physician = c.person()
    source = lines(
        header(c, "DISCHARGE SUMMARY - INFECTIOUS DISEASES", [("Patient", pt.name.full), mrn_field(c),
                                                              ("Admitted", c.date(admit)), ("Discharged", c.date(c.on(stay))), ("Length of stay", f"{stay} days"),
                                                              ("Account", c.account())]),
        f"Attending: Dr. {physician.full}, {c.hospital()}.",
        background(c, ["benign prostatic hyperplasia" if pt.sex == "M" else "recurrent urinary tract infections", "type 2 diabetes", "chronic kidney disease stage 3a", "hypertension"], ["metformin", "amlodipine", "tamsulosin" if pt.sex == "M" else "cranberry supplement"], social=["Lives with spouse; independent with a stick.", "No carers at baseline.", "Never smoker."]),
        f"Presentation: {pt.desc_src} from home with rigors, confusion and dysuria for 2 days. On arrival {temp}, "
        f"{hr}, {rr}, {bp}.",
        f"Investigations: {lactate}, {wbc}, {crp}, {pct}, {creat}. Blood and urine cultures: {organism}, sensitive to "
        "ceftriaxone. CT abdomen: bilateral perinephric stranding, no obstruction or abscess.",
        f"Course: septic shock from a urinary source. 30 mL/kg crystalloid, noradrenaline up to {nor} mcg/kg/min for "
        f"{pressor_hours} hours in the ICU, ceftriaxone 2 g IV daily. Delirium resolved with treatment. Switched to oral "
        f"antibiotics on day {switch_day} once afebrile.",
        "ICU course: arterial line and central venous catheter placed; urine output monitored hourly and remained "
        "adequate after resuscitation; no ventilation needed. Stepped down to the medical ward once off "
        "vasopressors. On the ward: delirium managed with reorientation and family visits, a urinary catheter was "
        "removed with a successful trial without catheter, and physiotherapy restored walking with a stick.",
        f"At discharge: {temp_out}, {creat_out}, back to baseline mobility with a stick.",
        "Medications: co-amoxiclav 625 mg three times daily to complete 14 days in total.",
        f"Follow-up: GP review in 1 week with repeat creatinine; urology outpatient review for incomplete bladder "
        f"emptying (post-void residual 220 mL). {contact(c, pt)}",
        f"Home address on file: {c.address()}.",
        instructions(c, ["Complete the full antibiotic course.", "Drink regularly through the day.", "Return for fever, shaking, confusion or not passing urine.", "Metformin held until the kidney test in 1 week; restart if normal."]),
        care(c, pt, DISCHARGE),
    )
    c.code("A41.51" if organism == "Escherichia coli" else "A41.59", f"Sepsis due to {organism}")
    c.code("R65.21", "Septic shock")
    c.code("N39.0", "Urinary tract infection")
    ref = reference(
        "Rigors, confusion and dysuria for 2 days.",
        f"{cap(pt.desc_ref)} admitted for {stay} days with septic shock from a urinary source.",
        f"{cap(temp)}, {hr}, {rr}, {bp}. {cap(lactate)}, {wbc}, {crp}, {pct}, {creat}. Cultures: {organism}. CT: "
        f"perinephric stranding, no obstruction. Noradrenaline up to {nor} mcg/kg/min for {pressor_hours} hours. "
        f"Discharge {temp_out}, {creat_out}. Post-void residual 220 mL.",
        f"Urosepsis with septic shock. Ceftriaxone then oral antibiotics from day {switch_day} to complete 14 days; "
        "GP review and creatinine in 1 week; urology review.",
    )
    return source, ref


def pyelonephritis_ed(c: Ctx) -> Built:
    pt = c.patient(18, 58, sex=c.pick(["F", "F", "F", "M"]))
    day = c.on(0)
    days = c.n(1, 4)
    side = c.pick(["left", "right"])
    temp, hr = c.temp(38.4, 40.0), c.hr(98, 124)
    bp = c.bp((104, 132), (60, 80))
    wbc = c.lab("WBC", 12.5, 21.0, "x10^9/L", 1)
    crp = c.lab("CRP", 70, 240, "mg/L")
    creat = c.lab("creatinine", 64, 118, "umol/L")
    lactate = c.lab("lactate", 1.0, 2.1, "mmol/L", 1)
    admit = c.chance(0.5)
    ed_doc = c.person()
    pregnancy = " Urine beta-hCG negative." if pt.sex == "F" else ""
    source = lines(
        header(c, "EMERGENCY DEPARTMENT NOTE", [("Patient", pt.name.full), ("DOB", c.dob(pt, day)), mrn_field(c),
                                               ("Date", c.date(day))]),
        f"HPI: {pt.desc_src} with {days} days of dysuria and frequency, now {side} flank pain, fevers, rigors and "
        "nausea. No previous kidney stones. No recent antibiotics.",
        f"Exam: {temp}, {hr}, {bp}. {cap(side)} costovertebral angle tenderness; abdomen otherwise soft.",
        f"Urinalysis: nitrite positive, leukocyte esterase 3+, blood 1+.{pregnancy}",
        f"Labs: {wbc}, {crp}, {creat}, {lactate}. Urine and blood cultures sent.",
        "Bedside ultrasound: no hydronephrosis.",
        "Treatment: ceftriaxone 1 g IV, IV fluids 1 L, paracetamol and ondansetron.",
        ("Disposition: admitted under medicine for IV ceftriaxone (persistent vomiting)." if admit else
         "Disposition: tolerating fluids; discharged on ciprofloxacin 500 mg twice daily for 7 days; return if vomiting "
         "or worse; culture results will be phoned."),
        f"Callback number {c.phone()}. Pharmacy fax {c.fax()}.",
        care(c, pt, ED),
        signed(c, "emergency physician", day, ed_doc),
    )
    c.code("N10", "Acute pyelonephritis")
    ref = reference(
        f"Dysuria and frequency for {days} days, then {side} flank pain, fever and rigors.",
        f"{cap(pt.desc_ref)} with no previous stones or recent antibiotics.",
        f"{cap(temp)}, {hr}, {bp}; {side} costovertebral angle tenderness. Nitrite positive, leukocyte esterase 3+. "
        f"{cap(wbc)}, {crp}, {creat}, {lactate}. No hydronephrosis.",
        "Acute pyelonephritis. Ceftriaxone 1 g IV and fluids; "
        + ("admitted for IV ceftriaxone." if admit else "discharged on ciprofloxacin 500 mg twice daily for 7 days."),
    )
    return source, ref


def cellulitis_clinic(c: Ctx) -> Built:
    pt = c.patient(34, 84)
    visit = c.on(0)
    side = c.pick(["left", "right"])
    day_no = c.n(3, 5)
    size_then = f"{c.n(14, 22)} x {c.n(9, 14)} cm"
    size_now = f"{c.n(6, 10)} x {c.n(4, 7)} cm"
    temp = c.temp(36.5, 37.4)
    crp_then = c.n(120, 220)
    crp_now = c.lab("CRP", 24, 60, "mg/L")
    wbc = c.lab("WBC", 7.2, 10.4, "x10^9/L", 1)
    glucose = c.lab("glucose", 6.0, 9.4, "mmol/L", 1)
    physician = c.person()
    source = lines(
        header(c, "OUTPATIENT PARENTERAL ANTIBIOTIC THERAPY (OPAT) CLINIC",
               [("Patient", pt.name.full), mrn_field(c), ("Visit", c.date(visit)), ("Health plan", c.plan_id())]),
        f"{pt.desc_src} on day {day_no} of IV cefazolin 2 g every 8 hours via OPAT for {side} lower-leg cellulitis, "
        f"entry point tinea pedis. Erythema at start {size_then} (CRP {crp_then} mg/L).",
        f"Today: much less pain, walking further. {cap(temp)}. Erythema receded well inside the marked line, now "
        f"{size_now}; no blistering, no fluctuance. Interdigital scaling between the toes.",
        f"Bloods: {crp_now}, {wbc}, {glucose}.",
        "Assessment: responding cellulitis.",
        "Plan: stop IV therapy; oral cefalexin 500 mg four times daily for 5 more days; clotrimazole cream to the toes for "
        "4 weeks; elevate the leg; compression once healed. Cannula removed today. Return if spreading redness or fever.",
        f"OPAT nurses {c.phone()}; clinic at {c.hospital()}.",
        care(c, pt, CLINIC),
        signed(c, "infectious diseases physician", visit, physician),
    )
    c.code({"left": "L03.116", "right": "L03.115"}[side], f"Cellulitis of the {side} lower leg")
    c.code("B35.3", "Tinea pedis")
    ref = reference(
        f"Review on day {day_no} of IV antibiotics for {side} lower-leg cellulitis.",
        f"{cap(pt.desc_ref)} with cellulitis entering via tinea pedis, treated with IV cefazolin 2 g every 8 hours.",
        f"Erythema {size_then} at start, now {size_now}; {temp}. CRP {crp_then} mg/L falling to {crp_now.split(' ', 1)[1]}; "
        f"{wbc}, {glucose}.",
        "Responding cellulitis. Stop IV therapy, cefalexin 500 mg four times daily for 5 days, clotrimazole for tinea "
        "pedis, leg elevation.",
    )
    return source, ref


# --- orthopaedics ---------------------------------------------------------------------------

def hip_fracture_operative(c: Ctx) -> Built:
    pt = c.patient(74, 89, very_old_chance=0.6)
    day = c.on(0)
    side = c.pick(["left", "right"])
    intracapsular = c.chance(0.5)
    fracture = ("displaced intracapsular (Garden IV) neck of femur fracture" if intracapsular else
                "intertrochanteric fracture")
    operation = ("cemented hemiarthroplasty via a lateral approach" if intracapsular else
                 "ORIF with a sliding hip screw and 4-hole side plate")
    hb = c.lab("haemoglobin", 10.4, 12.8, "g/dL", 1)
    asa = c.n(2, 4)
    ebl, minutes = c.n(150, 480), c.n(55, 120)
    tad = c.n(14, 24)
    surgeon = c.person()
    source = lines(
        header(c, "ORTHOPAEDIC OPERATION NOTE", [("Patient", pt.name.full), ("Age", pt.age_years), mrn_field(c),
                                                 ("Date", c.date(day)), ("Hospital", c.hospital())]),
        f"Surgeon: Dr. {surgeon.full}. Anaesthetist: Dr. {c.person().full}. Anaesthesia: spinal with fascia iliaca block.",
        f"Indication: {pt.desc_src}, lives alone, mobile with a stick, fell at home; {side} {fracture}. Pre-op {hb}, "
        f"ASA grade {asa}.",
        f"Procedure: {side} {operation}. Tranexamic acid 1 g IV, cefazolin 2 g IV at induction.",
        ("Findings: displaced subcapital fracture, no arthritis of the acetabulum. Stem cemented with third-generation "
         "technique, bipolar head; stable through full range. Leg lengths equal." if intracapsular else
         f"Findings: four-part intertrochanteric fracture, reduced on the traction table. Guide wire centre-centre; "
         f"tip-apex distance {tad} mm. Lag screw and plate secured with cortical screws. Good reduction on image "
         "intensifier."),
        f"Blood loss {ebl} mL. Duration {minutes} minutes. Skin closed with staples.",
        "Post-op: full weight bearing as tolerated; enoxaparin 40 mg daily for 28 days; check haemoglobin day 1; "
        "orthogeriatric review for delirium prevention and bone health; physiotherapy from day 1.",
        contact(c, pt),
        care(c, pt, OPERATIVE),
    )
    c.code({("left", True): "S72.002A", ("right", True): "S72.001A", ("left", False): "S72.142A",
            ("right", False): "S72.141A"}[(side, intracapsular)], f"{cap(side)} {fracture}")
    ref = reference(
        f"Fall at home with {side} hip fracture.",
        f"{cap(pt.desc_ref)}, lives alone, mobile with a stick; {side} {fracture}.",
        f"Pre-op {hb}, ASA grade {asa}. {cap(side)} {operation}"
        + (f"; tip-apex distance {tad} mm" if not intracapsular else "") + f". Blood loss {ebl} mL, {minutes} minutes.",
        "Hip fracture treated surgically. Full weight bearing, enoxaparin 40 mg for 28 days, haemoglobin day 1, "
        "orthogeriatric review, physiotherapy.",
    )
    return source, ref


def knee_arthroplasty_operative(c: Ctx) -> Built:
    pt = c.patient(56, 84)
    day = c.on(0)
    side = c.pick(["left", "right"])
    bmi = c.x(26.0, 38.5, 1)
    deformity = c.n(4, 14)
    flexion = c.n(85, 110)
    tourniquet = c.n(55, 95)
    ebl = c.n(100, 350)
    femur, tibia, insert = c.n(3, 7), c.n(3, 7), c.pick([9, 10, 11, 12])
    surgeon = c.person()
    source = lines(
        header(c, "OPERATIVE NOTE", [("Patient", pt.name.full), mrn_field(c), ("Date", c.date(day)),
                                     ("Surgeon", f"Dr. {surgeon.full}")]),
        f"Location: {c.hospital()}. Anaesthesia: spinal with adductor canal block.",
        f"Indication: {pt.desc_src} with end-stage {side} knee osteoarthritis, night pain and walking tolerance under "
        f"200 m despite injections and physiotherapy. BMI {bmi} kg/m2. Varus deformity {deformity} degrees, flexion "
        f"{flexion} degrees.",
        f"Procedure: {side} cemented posterior-stabilised total knee arthroplasty via a medial parapatellar approach. "
        f"Tourniquet time {tourniquet} minutes. Tranexamic acid 1 g IV and 1 g topical.",
        f"Implants: femur size {femur}, tibia size {tibia}, polyethylene insert {insert} mm; patella resurfaced. Lot "
        f"numbers: femoral {c.device('LOT-#######')}, tibial {c.device('LOT-#######')}.",
        "Findings: tricompartmental osteoarthritis, eburnated medial compartment. Balanced in flexion and extension, "
        "full extension achieved.",
        f"Blood loss {ebl} mL. Closure in layers, staples, no drain.",
        "Post-op: full weight bearing; aspirin 150 mg daily for 6 weeks; physiotherapy from today aiming for 90 degrees "
        "flexion before discharge; clinic in 6 weeks.",
        care(c, pt, OPERATIVE),
    )
    c.code({"left": "M17.12", "right": "M17.11"}[side], f"Osteoarthritis of the {side} knee")
    ref = reference(
        f"End-stage {side} knee osteoarthritis.",
        f"{cap(pt.desc_ref)} with night pain and limited walking despite injections and physiotherapy; BMI {bmi} kg/m2.",
        f"Varus deformity {deformity} degrees, flexion {flexion} degrees. Cemented posterior-stabilised total knee "
        f"arthroplasty: femur size {femur}, tibia size {tibia}, insert {insert} mm, patella resurfaced; tourniquet "
        f"{tourniquet} minutes; blood loss {ebl} mL.",
        f"{cap(side)} total knee arthroplasty for osteoarthritis. Full weight bearing, aspirin 150 mg for 6 weeks, "
        "physiotherapy to 90 degrees flexion, clinic in 6 weeks.",
    )
    return source, ref


def hip_fracture_discharge(c: Ctx) -> Built:
    pt = c.patient(76, 89, sex=c.pick(["F", "F", "M"]), very_old_chance=0.6)
    admit = c.on(0)
    stay = c.n(8, 16)
    side = c.pick(["left", "right"])
    hb_in = c.lab("haemoglobin", 11.0, 12.9, "g/dL", 1)
    hb_nadir = c.lab("haemoglobin nadir", 7.2, 8.4, "g/dL", 1)
    units = c.n(1, 2)
    hb_out = c.lab("haemoglobin", 9.2, 10.6, "g/dL", 1)
    sodium = c.lab("sodium", 126, 131, "mmol/L")
    vitd = c.lab("vitamin D", 12, 34, "nmol/L")
    delirium_days = c.n(2, 5)
    amt = c.n(6, 9)
    physician = c.person()
    source = lines(
        header(c, "DISCHARGE SUMMARY - ORTHOGERIATRICS", [("Patient", pt.name.full), ("Age", pt.age_years), mrn_field(c),
                                                          ("Admitted", c.date(admit)), ("Discharged", c.date(c.on(stay))), ("Length of stay", f"{stay} days")]),
        f"Consultant: Dr. {physician.full}, {c.hospital()}.",
        f"Diagnosis: {side} intracapsular neck of femur fracture after a fall from standing at home; {pt.desc_src}.",
        background(c, ["atrial fibrillation", "hypertension", "osteoarthritis", "cataracts"], ["apixaban", "bendroflumethiazide", "paracetamol"], social=["Lived alone with a daily carer visit.", "Walked with a stick indoors; one previous fall this year."]),
        f"Surgery: {side} cemented hemiarthroplasty on day 1 under spinal anaesthesia. Admission {hb_in}.",
        f"Course: post-operative {hb_nadir} on day 2, transfused {units} unit(s); hyperactive delirium for "
        f"{delirium_days} days managed without sedatives (reorientation, sleep hygiene, pain control, treating "
        f"constipation); {sodium} on day 3, thiazide stopped, improved with fluid restriction. {cap(vitd)}.",
        f"At discharge: {hb_out}; mobilising 20 m with a frame and one assist; abbreviated mental test {amt}/10.",
        "Bone health: vitamin D 50,000 units weekly for 6 weeks then 800 units daily; zoledronic acid planned after "
        "vitamin D repletion.",
        f"Discharge destination: {c.facility('Rehabilitation and Care Center')} for rehabilitation, then home with "
        f"a care package. {contact(c, pt)}",
        f"Account: {c.account()}.",
        instructions(c, ["Full weight bearing with a frame; hip precautions are not needed after this operation.", "Staples out at 14 days at the rehabilitation unit.", "Falls prevention assessment before going home.", "Apixaban restarted; bendroflumethiazide stopped because of low sodium."]),
        care(c, pt, DISCHARGE),
    )
    c.code({"left": "S72.002A", "right": "S72.001A"}[side], f"{cap(side)} intracapsular neck of femur fracture")
    c.code("D64.9", "Anaemia")
    c.code("F05", "Delirium")
    c.code("E87.1", "Hyponatraemia")
    ref = reference(
        f"Fall from standing with {side} hip fracture.",
        f"{cap(pt.desc_ref)} with atrial fibrillation, hypertension and osteoarthritis; {side} intracapsular neck of "
        "femur fracture treated with cemented hemiarthroplasty on day 1.",
        f"Admission {hb_in}; {hb_nadir} on day 2, {units} unit(s) transfused; {sodium}; {vitd}; delirium for "
        f"{delirium_days} days. Discharge {hb_out}, walking 20 m with a frame, abbreviated mental test {amt}/10.",
        "Hip fracture after hemiarthroplasty, complicated by anaemia, delirium and hyponatraemia. Vitamin D loading then "
        "zoledronic acid; transfer for rehabilitation.",
    )
    return source, ref


def mvc_trauma_ed(c: Ctx) -> Built:
    pt = c.patient(18, 64)
    day = c.on(0)
    speed = c.n(30, 60)
    side = c.pick(["left", "right"])
    bp, hr = c.bp((118, 148), (68, 92)), c.hr(92, 118)
    rr, spo2 = c.rr(16, 22), c.spo2(96, 100)
    gcs = 15
    hb = c.lab("haemoglobin", 12.2, 15.4, "g/dL", 1)
    lactate = c.lab("lactate", 1.4, 3.2, "mmol/L", 1)
    pain = c.n(7, 10)
    comminuted = c.chance(0.4)
    ed_doc, ortho = c.person(), c.person()
    source = lines(
        header(c, "ED TRAUMA NOTE", [("Patient", pt.name.full), mrn_field(c), ("Date", c.date(day)),
                                     ("Trauma center", c.hospital())]),
        f"Mechanism: restrained driver of a sedan (plate {c.plate()}) in a frontal collision at about {speed} mph; "
        "airbags deployed; self-extricated, unable to bear weight. Identification from driver's licence "
        f"{c.licence()}.",
        f"Primary survey: airway patent; {rr}, {spo2}; {bp}, {hr}; GCS {gcs}; pupils equal. eFAST negative.",
        f"Secondary survey: {pt.desc_src}. Deformed, swollen {side} lower leg, skin intact, foot pulses present, "
        f"compartments soft; pain {pain}/10. Seatbelt abrasion across the chest, no tenderness. No other injuries.",
        background(c, [], [], allergy="no known drug allergies", social=["Non-smoker.", "Drinks socially; none today.", "Works full time."]),
        f"Imaging: X-ray shows a {'comminuted' if comminuted else 'spiral'} mid-shaft {side} tibial fracture with a "
        "fibular fracture; chest X-ray and pelvis normal; CT cervical spine normal.",
        f"Labs: {hb}, {lactate}, ethanol negative.",
        "Treatment: fentanyl 100 mcg IV, long leg backslab, tetanus booster, neurovascular observations hourly for "
        "compartment syndrome.",
        f"Plan: orthopaedics (Dr. {ortho.full}) for intramedullary nailing tomorrow; nil by mouth from midnight.",
        contact(c, pt),
        care(c, pt, ED),
        signed(c, "emergency physician", day, ed_doc),
    )
    kind = "comminuted" if comminuted else "spiral"
    c.code({("left", True): "S82.252A", ("right", True): "S82.251A", ("left", False): "S82.242A",
            ("right", False): "S82.241A"}[(side, comminuted)], f"Closed {kind} fracture of the {side} tibial shaft")
    c.code({("left", True): "S82.452A", ("right", True): "S82.451A", ("left", False): "S82.442A",
            ("right", False): "S82.441A"}[(side, comminuted)], f"Closed {kind} fracture of the {side} fibular shaft")
    ref = reference(
        f"{cap(side)} leg injury after a frontal motor vehicle collision at about {speed} mph.",
        f"{cap(pt.desc_ref)}, restrained driver, airbags deployed, unable to bear weight.",
        f"{cap(rr)}, {spo2}, {bp}, {hr}, GCS {gcs}; eFAST negative. Closed {'comminuted' if comminuted else 'spiral'} "
        f"mid-shaft {side} tibial and fibular fractures, neurovascularly intact, pain {pain}/10. {cap(hb)}, {lactate}. "
        "Chest, pelvis and cervical spine imaging normal.",
        "Closed tibial shaft fracture. Analgesia, backslab, tetanus booster, compartment observations; intramedullary "
        "nailing tomorrow.",
    )
    return source, ref


def knee_followup_clinic(c: Ctx) -> Built:
    pt = c.patient(58, 84)
    visit = c.on(0)
    weeks = c.n(5, 8)
    side = c.pick(["left", "right"])
    flexion = c.n(88, 118)
    lag = c.n(0, 10)
    pain = c.n(2, 5)
    crp = c.lab("CRP", 3, 14, "mg/L")
    temp = c.temp(36.4, 37.2)
    surgeon = c.person()
    source = lines(
        header(c, "ORTHOPAEDIC CLINIC", [("Patient", pt.name.full), mrn_field(c), ("Seen", c.date(visit))]),
        f"Review {weeks} weeks after {side} total knee arthroplasty. {pt.desc_src}.",
        f"{pt.He} walks with one stick, pain {pain}/10 at night, using paracetamol. Attending physiotherapy twice a week.",
        f"Exam: wound healed, no erythema or discharge; mild effusion. Range of movement: flexion {flexion} degrees, "
        f"extension lag {lag} degrees. Calf soft. {cap(temp)}.",
        f"Bloods: {crp}. X-ray: well-fixed components, satisfactory alignment.",
        "Plan: continue physiotherapy with a focus on extension; wean the stick; may drive from now if able to perform "
        "an emergency stop; review at 1 year with X-ray.",
        f"Contact: {c.email()}.",
        care(c, pt, CLINIC),
        signed(c, "orthopaedic surgeon", visit, surgeon),
    )
    c.code("Z47.1", "Aftercare after total knee replacement")
    c.code({"left": "Z96.652", "right": "Z96.651"}[side], f"{cap(side)} knee replacement in place")
    ref = reference(
        f"Review {weeks} weeks after {side} total knee arthroplasty.",
        f"{cap(pt.desc_ref)} walking with one stick, night pain {pain}/10, attending physiotherapy.",
        f"Healed wound, mild effusion, flexion {flexion} degrees, extension lag {lag} degrees; {temp}; {crp}. X-ray "
        "well-fixed components.",
        "Satisfactory recovery after total knee arthroplasty. Continue physiotherapy, wean stick, may drive, review at "
        "1 year.",
    )
    return source, ref


# --- obstetrics -------------------------------------------------------------------------------

def preeclampsia_ed(c: Ctx) -> Built:
    pt = c.patient(19, 42, sex="F")
    day = c.on(0)
    weeks, days = c.n(31, 36), c.n(0, 6)
    gravida = c.n(1, 3)
    bp = c.bp((158, 176), (104, 116))
    bp_repeat = c.bp((156, 174), (102, 114))
    hr = c.hr(84, 104)
    pcr = c.lab("urine protein:creatinine ratio", 48, 260, "mg/mmol")
    plt = c.lab("platelets", 88, 165, "x10^9/L")
    alt = c.lab("ALT", 28, 140, "U/L")
    creat = c.lab("creatinine", 62, 98, "umol/L")
    urate = c.lab("uric acid", 360, 520, "umol/L")
    efw = c.n(1500, 2500)
    centile = c.n(6, 30)
    fhr = c.n(130, 150)
    midwife, obstetrician = c.person("F"), c.person()
    source = lines(
        header(c, "OBSTETRIC TRIAGE / ED NOTE", [("Patient", pt.name.full), mrn_field(c), ("Date", c.date(day)),
                                                  ("Unit", c.hospital())]),
        f"{pt.desc_src}, G{gravida}P{gravida - 1}, {weeks}+{days} weeks by dating scan, presents with severe frontal "
        "headache since the morning, flashing lights and epigastric discomfort. Fetal movements normal.",
        f"Observations: {bp}, repeat {bp_repeat} at 15 minutes; {hr}. Brisk reflexes with 2 beats of clonus; mild "
        "right upper quadrant tenderness; facial oedema.",
        f"Bloods: {plt}, {alt}, {creat}, {urate}. Urine: {pcr}.",
        f"CTG: baseline {fhr} bpm, reactive, no decelerations. Ultrasound: estimated fetal weight {efw} g "
        f"({centile}th centile), normal liquor, umbilical artery Doppler normal.",
        "Assessment: pre-eclampsia with severe features.",
        "Plan: labetalol 200 mg orally, then IV if BP remains above 160/110 mmHg; magnesium sulfate 4 g IV loading dose "
        "over 15 minutes then 1 g/h; betamethasone 12 mg IM, second dose in 24 hours; fluid restriction 80 mL/h; "
        f"admit to delivery suite; obstetric consultant Dr. {obstetrician.full} to plan delivery; neonatal team informed.",
        f"Triage midwife: {midwife.full}. Partner's phone: {c.phone()}.",
        care(c, pt, ED),
    )
    c.code("O14.13", "Pre-eclampsia with severe features, third trimester")
    c.code(f"Z3A.{weeks}", f"{weeks} weeks of gestation")
    ref = reference(
        "Severe headache, visual disturbance and epigastric pain in the third trimester.",
        f"{cap(pt.desc_ref)}, G{gravida}P{gravida - 1} at {weeks}+{days} weeks, normal fetal movements.",
        f"{cap(bp)}, repeat {bp_repeat}, {hr}; brisk reflexes with clonus, right upper quadrant tenderness. {cap(plt)}, "
        f"{alt}, {creat}, {urate}, {pcr}. CTG baseline {fhr} bpm, reactive. Estimated fetal weight {efw} g "
        f"({centile}th centile), normal Doppler.",
        "Pre-eclampsia with severe features. Labetalol 200 mg orally, magnesium sulfate 4 g loading then 1 g/h, "
        "betamethasone 12 mg IM, fluid restriction, delivery suite admission and delivery planning.",
    )
    return source, ref


def caesarean_operative(c: Ctx) -> Built:
    pt = c.patient(21, 43, sex="F")
    day = c.on(0)
    weeks = c.n(37, 41)
    indication = c.pick(["failure to progress at 7 cm despite oxytocin", "suspected fetal compromise with a pathological CTG",
                         "breech presentation declining external cephalic version", "two previous caesarean sections"])
    category = c.pick(["2", "2", "3", "4"]) if "previous" not in indication and "breech" not in indication else "4"
    weight = c.n(2650, 4300)
    apgar1, apgar5 = c.n(6, 9), c.n(8, 10)
    cord_ph = c.x(7.12, 7.32, 2)
    ebl = c.n(450, 1150)
    minutes = c.n(38, 75)
    sex = c.pick(["boy", "girl"])
    surgeon, anaesthetist, midwife = c.person(), c.person(), c.person("F")
    source = lines(
        header(c, "OPERATIVE NOTE - CAESAREAN SECTION", [("Patient", pt.name.full), mrn_field(c), ("Date", c.date(day)),
                                                          ("Hospital", c.hospital())]),
        f"Surgeon: Dr. {surgeon.full}. Anaesthetist: Dr. {anaesthetist.full}. Midwife: {midwife.full}.",
        f"Indication: {pt.desc_src} at {weeks} weeks; {indication}. Category {category}.",
        "Anaesthesia: spinal. Cefazolin 2 g IV before incision.",
        "Procedure: lower segment caesarean section through a Pfannenstiel incision. Transverse uterine incision; "
        f"live {sex} delivered cephalic" + (" by breech extraction" if "breech" in indication else "")
        + ". Delayed cord clamping 60 seconds. Oxytocin 5 units IV; placenta delivered complete by controlled cord "
        "traction. Uterus closed in two layers; tubes and ovaries normal.",
        f"Baby: weight {weight} g, Apgar {apgar1} at 1 minute and {apgar5} at 5 minutes, arterial cord pH {cord_ph}.",
        f"Estimated blood loss {ebl} mL. Duration {minutes} minutes. Swab and instrument counts correct.",
        "Post-op: oxytocin infusion for 4 hours"
        + (" because of blood loss above 1000 mL" if ebl > 1000 else "")
        + "; enoxaparin 40 mg daily for 10 days; remove catheter at 12 hours; encourage breastfeeding; FBC on day 1.",
        care(c, pt, OPERATIVE),
    )
    c.code({"failure to progress at 7 cm despite oxytocin": "O62.1",
            "suspected fetal compromise with a pathological CTG": "O76",
            "breech presentation declining external cephalic version": "O32.1XX0",
            "two previous caesarean sections": "O34.219"}[indication], cap(indication))
    c.code("Z37.0", "Single live birth")
    c.code(f"Z3A.{weeks}", f"{weeks} weeks of gestation")
    ref = reference(
        f"Caesarean delivery at {weeks} weeks for {indication}.",
        f"{cap(pt.desc_ref)} having a category {category} caesarean section under spinal anaesthesia.",
        f"Live {sex}, weight {weight} g, Apgar {apgar1} and {apgar5}, cord pH {cord_ph}. Blood loss {ebl} mL, "
        f"{minutes} minutes, two-layer uterine closure.",
        "Lower segment caesarean section. Oxytocin infusion, enoxaparin 40 mg for 10 days, catheter out at 12 hours, "
        "full blood count on day 1.",
    )
    return source, ref


def gdm_clinic(c: Ctx) -> Built:
    pt = c.patient(24, 42, sex="F")
    visit = c.on(0)
    weeks = c.n(29, 33)
    fasting = c.x(5.4, 6.4, 1)
    two_hour = c.x(8.6, 11.2, 1)
    diary_fasting = f"{c.x(5.4, 6.2, 1)}-{c.x(6.3, 7.1, 1)}"
    post_meal = f"{c.x(7.2, 8.0, 1)}-{c.x(8.1, 9.6, 1)}"
    hba1c = c.lab("HbA1c", 5.4, 6.1, "%", 1)
    bp = c.bp((112, 134), (66, 84))
    weight = c.n(68, 112)
    ac = c.n(86, 97)
    efw = c.n(1500, 2300)
    physician = c.person()
    source = lines(
        header(c, "ANTENATAL DIABETES CLINIC", [("Patient", pt.name.full), mrn_field(c), ("Visit", c.date(visit)),
                                                ("EDD", c.date(c.on(c.n(40, 70))))]),
        f"{pt.desc_src} at {weeks} weeks, gestational diabetes diagnosed at 28 weeks (OGTT fasting {fasting} mmol/L, "
        f"2-hour {two_hour} mmol/L). Two weeks of diet and exercise.",
        f"Glucose diary: fasting {diary_fasting} mmol/L on most days; 1-hour post-meal {post_meal} mmol/L. "
        "No hypoglycaemia.",
        f"Exam: {bp}, weight {weight} kg, urine protein negative. {cap(hba1c)}.",
        f"Growth scan: abdominal circumference {ac}th centile, estimated fetal weight {efw} g, liquor normal.",
        "Assessment: gestational diabetes not controlled on diet, with accelerated abdominal growth.",
        "Plan: start metformin 500 mg with the evening meal, increase weekly to 1 g twice daily as tolerated; if fasting "
        "stays above 5.3 mmol/L add bedtime isophane insulin; growth scan in 4 weeks; plan delivery by 40+6 weeks.",
        f"Diabetes midwife: {c.phone()}; results by email to {c.email()}.",
        care(c, pt, CLINIC),
        signed(c, "obstetric physician", visit, physician),
    )
    c.code("O24.415", "Gestational diabetes not controlled by diet, metformin started")
    c.code(f"Z3A.{weeks}", f"{weeks} weeks of gestation")
    ref = reference(
        f"Gestational diabetes review at {weeks} weeks.",
        f"{cap(pt.desc_ref)} diagnosed at 28 weeks (OGTT fasting {fasting} mmol/L, 2-hour {two_hour} mmol/L), on diet for "
        "two weeks.",
        f"Fasting glucose {diary_fasting} mmol/L, post-meal {post_meal} mmol/L. {cap(bp)}, weight {weight} kg, "
        f"{hba1c}. Abdominal circumference {ac}th centile, estimated fetal weight {efw} g.",
        "Gestational diabetes not controlled on diet. Metformin 500 mg increasing to 1 g twice daily, insulin if fasting "
        "above 5.3 mmol/L, growth scan in 4 weeks, delivery by 40+6 weeks.",
    )
    return source, ref


def pph_discharge(c: Ctx) -> Built:
    pt = c.patient(20, 41, sex="F")
    admit = c.on(0)
    stay = c.n(2, 4)
    ebl = c.n(1200, 2400)
    hb_pre = c.lab("haemoglobin", 11.2, 12.8, "g/dL", 1)
    hb_low = c.lab("haemoglobin", 6.4, 7.8, "g/dL", 1)
    hb_out = c.lab("haemoglobin", 8.4, 9.6, "g/dL", 1)
    units = c.n(2, 4)
    fibrinogen = c.lab("fibrinogen", 1.6, 2.4, "g/L", 1)
    bp, hr = c.bp((84, 98), (44, 58)), c.hr(112, 132)
    weight = c.n(3000, 4200)
    cause = c.pick(["uterine atony", "uterine atony with retained membranes", "a second-degree tear and uterine atony"])
    obstetrician = c.person()
    source = lines(
        header(c, "POSTNATAL DISCHARGE SUMMARY", [("Mother", pt.name.full), mrn_field(c), ("Delivery", c.date(admit)),
                                                  ("Discharge", c.date(c.on(stay))), ("Length of stay", f"{stay} days")]),
        f"Unit: Maternity, {c.hospital()}. Obstetrician: Dr. {obstetrician.full}.",
        f"Summary: {pt.desc_src}, spontaneous vaginal delivery of a {weight} g baby after induction for post-dates. "
        f"Primary postpartum haemorrhage of {ebl} mL due to {cause}. Pre-delivery {hb_pre}.",
        f"At the time of bleeding: {bp}, {hr}. Managed with bimanual compression, oxytocin infusion, ergometrine 500 mcg "
        "IM, carboprost 250 mcg IM, tranexamic acid 1 g IV and examination under anaesthesia. Transfused "
        f"{units} units of red cells. {cap(fibrinogen)}; lowest {hb_low}.",
        f"Recovery: observations normal from day 1; breastfeeding established. Discharge {hb_out}.",
        "Medications: ferrous fumarate 210 mg twice daily for 3 months; enoxaparin 40 mg daily for 10 days; "
        "paracetamol and ibuprofen.",
        f"Plan: community midwife visit tomorrow; debrief appointment offered; GP check of haemoglobin in 4 weeks. Home "
        f"address {c.address()}; phone {c.phone()}.",
        instructions(c, ["Rest, but walk regularly to reduce clot risk.", "Report heavy bleeding, large clots, fever or smelly discharge.", "Iron tablets may darken the stools.", "Contraception discussed; progesterone-only pill supplied."]),
        care(c, pt, DISCHARGE),
    )
    c.code("O72.1", f"Postpartum haemorrhage due to {cause}")
    if "tear" in cause:
        c.code("O70.1", "Second-degree perineal tear")
    ref = reference(
        "Primary postpartum haemorrhage after vaginal delivery.",
        f"{cap(pt.desc_ref)} after spontaneous vaginal delivery of a {weight} g baby; haemorrhage due to {cause}.",
        f"Blood loss {ebl} mL. {cap(bp)}, {hr}. Pre-delivery {hb_pre}, lowest {hb_low}, {fibrinogen}; {units} units "
        f"transfused. Discharge {hb_out}.",
        "Postpartum haemorrhage treated with uterotonics, tranexamic acid, examination under anaesthesia and "
        "transfusion. Ferrous fumarate 210 mg twice daily for 3 months, enoxaparin 40 mg for 10 days, haemoglobin in "
        "4 weeks.",
    )
    return source, ref


# --- paediatrics --------------------------------------------------------------------------------

def asthma_paeds_ed(c: Ctx) -> Built:
    pt = c.patient(4, 13)
    day = c.on(0)
    weight = c.n(16, 44)
    pred = min(40, max(10, round(weight / 10) * 10))  # about 1 mg/kg, rounded
    hours = c.n(6, 36)
    rr = c.rr(32, 48)
    hr = c.hr(122, 156)
    spo2 = c.spo2(88, 93)
    temp = c.temp(36.8, 38.0)
    pef = c.n(35, 55)
    spo2_after = c.spo2(94, 98)
    rr_after = c.rr(22, 30)
    admit = c.chance(0.6)
    paediatrician = c.person()
    source = lines(
        header(c, "PAEDIATRIC EMERGENCY NOTE", [("Child", pt.name.full), ("DOB", c.dob(pt, day)), mrn_field(c),
                                               ("Date", c.date(day))]),
        f"HPI: {pt.desc_src}, weight {weight} kg, known asthma on a low-dose inhaled steroid, {hours} hours of cough, "
        f"wheeze and increasing work of breathing after a cold; using {pt.his} reliever every 2 hours without "
        f"relief. Attends {c.facility('Elementary School')}; missed school today.",
        f"Exam: {rr}, {hr}, {spo2} in air, {temp}. Talking in short phrases, subcostal recession, widespread wheeze. "
        f"PEF {pef}% predicted.",
        f"Treatment: salbutamol 100 mcg x 10 puffs via spacer every 20 minutes x 3, ipratropium 250 mcg nebulised x 3, "
        f"prednisolone {pred} mg orally. After 1 hour: {spo2_after}, {rr_after}, wheeze improving.",
        ("Disposition: admit to the paediatric ward for 2-hourly salbutamol and observation." if admit else
         "Disposition: discharged after 4 hours stable on 4-hourly salbutamol; prednisolone for 3 days; asthma plan "
         "updated; GP review in 2 days."),
        contact(c, pt),
        care(c, pt, ED),
        signed(c, "paediatrician", day, paediatrician),
    )
    c.code("J45.901", "Acute asthma exacerbation")
    ref = reference(
        f"Cough, wheeze and breathlessness for {hours} hours.",
        f"{cap(pt.desc_ref)} with known asthma on inhaled steroid, weight {weight} kg; viral trigger, reliever every "
        "2 hours without relief.",
        f"{cap(rr)}, {hr}, {spo2} in air, {temp}; recession and widespread wheeze; PEF {pef}% predicted. After "
        f"treatment {spo2_after}, {rr_after}.",
        f"Moderate to severe acute asthma. Salbutamol via spacer, ipratropium, prednisolone {pred} mg; "
        + ("admitted for 2-hourly salbutamol." if admit else "discharged with steroid course and updated asthma plan."),
    )
    return source, ref


def bronchiolitis_discharge(c: Ctx) -> Built:
    pt = c.infant(2, 9)
    admit = c.on(0)
    stay = c.n(3, 7)
    days_ill = c.n(2, 4)
    weight = c.x(4.6, 8.8, 1)
    feeds = c.n(30, 50)
    spo2 = c.spo2(86, 91)
    rr = c.rr(58, 72)
    hr = c.hr(152, 182)
    temp = c.temp(37.6, 38.6)
    hfnc_days = c.n(1, 3)
    spo2_out = c.spo2(94, 99)
    weight_out = c.x(float(weight) - 0.1, float(weight) + 0.2, 1)
    paediatrician = c.person()
    source = lines(
        header(c, "PAEDIATRIC DISCHARGE SUMMARY", [("Infant", pt.name.full), ("DOB", c.dob(pt, admit)), mrn_field(c),
                                                   ("Admitted", c.date(admit)), ("Discharged", c.date(c.on(stay))), ("Length of stay", f"{stay} days")]),
        f"Ward: Children's Unit, {c.hospital()}. Consultant: Dr. {paediatrician.full}.",
        f"Presentation: {pt.desc_src}, born at term, {days_ill} days of coryza and cough, then increased work of "
        f"breathing and feeding {feeds}% of normal volumes. Older sibling with a cold.",
        f"Admission: weight {weight} kg, {rr}, {hr}, {spo2} in air, {temp}; subcostal and intercostal recession, "
        "widespread fine crackles and wheeze. Nasopharyngeal swab: RSV positive.",
        f"Course: high-flow nasal cannula oxygen 2 L/kg/min for {hfnc_days} days, then low-flow, weaned to air; "
        "nasogastric feeds for 48 hours, then breastfeeding fully. No antibiotics; chest X-ray not needed.",
        f"At discharge: {spo2_out} in air for 12 hours including sleep, feeding well, weight {weight_out} kg.",
        "Advice: bronchiolitis leaflet given; return if breathing difficulty, fewer wet nappies or feeding below half of "
        "normal; smoke-free home. Primary care review in 2 days.",
        contact(c, pt),
        instructions(c, ["Offer smaller, more frequent feeds.", "Keep the nose clear with saline drops before feeds.", "The cough may last up to 4 weeks.", "Call 911 for pauses in breathing or blue colour."]),
        care(c, pt, DISCHARGE),
    )
    c.code("J21.0", "Respiratory syncytial virus bronchiolitis")
    ref = reference(
        f"Coryza and cough for {days_ill} days with increased work of breathing and poor feeding.",
        f"{cap(pt.desc_ref)} born at term, feeding {feeds}% of normal, RSV positive; admitted for {stay} days.",
        f"Weight {weight} kg, {rr}, {hr}, {spo2} in air, {temp}; recession, crackles and wheeze. Discharge {spo2_out} "
        f"in air, weight {weight_out} kg.",
        f"RSV bronchiolitis. High-flow oxygen 2 L/kg/min for {hfnc_days} days and nasogastric feeds, weaned to air; no "
        "antibiotics. Safety-net advice, primary care review in 2 days.",
    )
    return source, ref


def uti_paeds_clinic(c: Ctx) -> Built:
    pt = c.patient(1, 6)
    visit = c.on(0)
    weeks = c.n(3, 6)
    weight = c.x(9.5, 21.0, 1)
    temp_then = c.x(38.9, 40.2, 1)
    organism = c.pick(["E. coli", "Klebsiella", "Proteus"])
    kidney_left, kidney_right = c.x(6.2, 8.4, 1), c.x(6.0, 8.2, 1)
    pelvis = c.x(4, 9, 0)
    bp = c.bp((88, 104), (52, 66))
    creat = c.lab("creatinine", 22, 38, "umol/L")
    paediatrician = c.person()
    hydro = int(pelvis) >= 7
    source = lines(
        header(c, "PAEDIATRIC OUTPATIENT CLINIC", [("Child", pt.name.full), ("DOB", c.dob(pt, visit)), mrn_field(c),
                                                   ("Date", c.date(visit))]),
        f"Seen with {pt.his} mother {c.person('F', last=pt.name.last).full} {weeks} weeks after a first febrile urinary "
        f"tract infection (temperature {temp_then} °C, {organism} on a catheter sample), treated with 7 days of "
        "oral antibiotics. Fully recovered. No constipation; dry by day.",
        f"{cap(pt.desc_src)}, weight {weight} kg. {cap(bp)}. Abdomen soft, no masses; genitalia normal; spine normal.",
        f"Renal ultrasound: left kidney {kidney_left} cm, right kidney {kidney_right} cm, renal pelvis AP diameter "
        f"{pelvis} mm" + (", mild hydronephrosis" if hydro else ", no hydronephrosis") + "; bladder normal. "
        f"{cap(creat)}.",
        "Plan: " + ("DMSA scan in 4 months and MCUG to look for reflux; " if hydro else "no further imaging needed; ")
        + "no prophylactic antibiotics; urine testing with any unexplained fever; encourage fluids and regular toileting.",
        f"Family phone {c.phone()}.",
        care(c, pt, CLINIC),
        signed(c, "paediatrician", visit, paediatrician),
    )
    c.code("Z09", "Follow-up after treatment of a febrile urinary tract infection")
    c.code("Z87.440", "Past urinary tract infection")
    if hydro:
        c.code("N13.30", "Mild hydronephrosis")
    ref = reference(
        f"Follow-up {weeks} weeks after a first febrile urinary tract infection.",
        f"{cap(pt.desc_ref)}, temperature {temp_then} °C at the time, {organism}, treated with 7 days of oral antibiotics; "
        "fully recovered.",
        f"Weight {weight} kg, {bp}, normal examination. Ultrasound: left kidney {kidney_left} cm, right kidney "
        f"{kidney_right} cm, renal pelvis {pelvis} mm" + (", mild hydronephrosis" if hydro else ", no hydronephrosis")
        + f". {cap(creat)}.",
        "First febrile urinary tract infection, recovered. "
        + ("DMSA scan in 4 months and MCUG; " if hydro else "No further imaging; ")
        + "no prophylaxis, urine testing with unexplained fever.",
    )
    return source, ref


def pyloromyotomy_operative(c: Ctx) -> Built:
    pt = c.infant(3, 7, unit="week")
    day = c.on(0)
    days = c.n(3, 8)
    thickness = c.x(3.6, 5.4, 1)
    length = c.n(16, 22)
    chloride = c.lab("chloride", 86, 97, "mmol/L")
    bicarb = c.lab("bicarbonate", 27, 34, "mmol/L")
    ph = f"pH {c.x(7.45, 7.54, 2)}"
    weight = c.x(3.2, 4.6, 2)
    ebl, minutes = c.n(1, 5), c.n(22, 45)
    surgeon = c.person()
    source = lines(
        header(c, "PAEDIATRIC SURGERY OPERATIVE NOTE", [("Patient", pt.name.full), mrn_field(c), ("Date", c.date(day)),
                                                        ("Hospital", c.hospital())]),
        f"Surgeon: Dr. {surgeon.full}. Parents {c.person('F', last=pt.name.last).full} and "
        f"{c.person('M', last=pt.name.last).full} consented.",
        f"Indication: {pt.desc_src}, weight {weight} kg, with {days} days of projectile non-bilious vomiting after "
        f"every feed. Ultrasound: pyloric muscle thickness {thickness} mm, pyloric length {length} mm. Pre-op gas after "
        f"correction: {ph}, {chloride}, {bicarb}.",
        "Procedure: laparoscopic pyloromyotomy under general anaesthesia. Umbilical camera port and two stab incisions. "
        "Hypertrophied pylorus incised longitudinally and spread until the mucosa bulged; no perforation on air "
        "insufflation test.",
        f"Blood loss {ebl} mL. Duration {minutes} minutes. Local anaesthetic to wounds.",
        "Post-op: oral feeds ad libitum from 2 hours; expected vomiting explained to parents; discharge when feeding "
        f"well, usually in 24-48 hours. Parents' phone {c.phone()}.",
        care(c, pt, OPERATIVE),
    )
    c.code("Q40.0", "Hypertrophic pyloric stenosis")
    ref = reference(
        f"Projectile non-bilious vomiting for {days} days.",
        f"{cap(pt.desc_ref)}, weight {weight} kg, with hypertrophic pyloric stenosis; alkalosis corrected before "
        "surgery.",
        f"Ultrasound pyloric muscle {thickness} mm, length {length} mm. {ph}, {chloride}, {bicarb}. Laparoscopic "
        f"pyloromyotomy without mucosal perforation; blood loss {ebl} mL, {minutes} minutes.",
        "Hypertrophic pyloric stenosis treated by laparoscopic pyloromyotomy. Feeds from 2 hours, discharge in 24-48 "
        "hours when feeding well.",
    )
    return source, ref


# --- haematology ---------------------------------------------------------------------------------

def iron_deficiency_clinic(c: Ctx) -> Built:
    pt = c.patient(22, 84)
    visit = c.on(0)
    months = c.n(2, 8)
    hb = c.lab("haemoglobin", 7.1, 9.8, "g/dL", 1)
    mcv = c.lab("MCV", 62, 76, "fL")
    ferritin = c.lab("ferritin", 3, 12, "ng/mL")
    tsat = c.n(3, 11)
    plt = c.lab("platelets", 380, 560, "x10^9/L")
    hr = c.hr(86, 104)
    bp = c.bp((104, 128), (62, 78))
    menorrhagia = pt.sex == "F" and pt.age < 50
    cause = ("heavy menstrual bleeding" if menorrhagia else "probable occult gastrointestinal loss")
    physician = c.person()
    source = lines(
        header(c, "HAEMATOLOGY CLINIC", [("Patient", pt.name.full), mrn_field(c), ("Date", c.date(visit)),
                                         ("Referring clinic", c.hospital())]),
        f"Referral: {pt.desc_src} with {months} months of fatigue, breathlessness on stairs and pica (ice). "
        + ("Periods heavy, 8 days, with flooding; no gastrointestinal symptoms." if menorrhagia else
           "No rectal bleeding seen; altered bowel habit recently; no NSAIDs."),
        f"Exam: pallor, koilonychia; {hr}, {bp}.",
        f"Bloods: {hb}, {mcv}, {ferritin}, transferrin saturation {tsat}%, {plt}. Coeliac serology negative. "
        "B12 and folate normal.",
        f"Assessment: iron deficiency anaemia due to {cause}; oral iron not tolerated.",
        "Plan: IV ferric carboxymaltose 1000 mg in the day unit; repeat haemoglobin and ferritin in 4 weeks; "
        + ("gynaecology referral for heavy menstrual bleeding." if menorrhagia else
           "urgent gastroscopy and colonoscopy; FIT sent."),
        f"Day unit booking line {c.phone()}.",
        care(c, pt, CLINIC),
        signed(c, "haematologist", visit, physician),
    )
    c.code("D50.0", f"Iron deficiency anaemia due to {cause}")
    if menorrhagia:
        c.code("N92.0", "Heavy menstrual bleeding")
    ref = reference(
        f"Fatigue and exertional breathlessness for {months} months.",
        f"{cap(pt.desc_ref)} with pica and intolerance of oral iron; "
        + ("heavy menstrual bleeding." if menorrhagia else "altered bowel habit, no NSAIDs."),
        f"{cap(hr)}, {bp}; pallor, koilonychia. {cap(hb)}, {mcv}, {ferritin}, transferrin saturation {tsat}%, {plt}. "
        "Coeliac serology negative.",
        f"Iron deficiency anaemia due to {cause}. IV ferric carboxymaltose 1000 mg, bloods in 4 weeks, "
        + ("gynaecology referral." if menorrhagia else "urgent gastroscopy and colonoscopy."),
    )
    return source, ref


def sickle_discharge(c: Ctx) -> Built:
    pt = c.patient(18, 44)
    admit = c.on(0)
    stay = c.n(4, 8)
    pain = c.n(8, 10)
    hb = c.lab("haemoglobin", 6.4, 8.2, "g/dL", 1)
    retic = c.lab("reticulocytes", 6.5, 14.0, "%", 1)
    ldh = c.lab("LDH", 420, 980, "U/L")
    bili = c.lab("bilirubin", 42, 96, "umol/L")
    wbc = c.lab("WBC", 11.5, 18.5, "x10^9/L", 1)
    temp, spo2 = c.temp(37.2, 38.1), c.spo2(94, 98)
    hb_out = c.lab("haemoglobin", 7.4, 8.8, "g/dL", 1)
    pca_days = c.n(2, 4)
    physician = c.person()
    source = lines(
        header(c, "DISCHARGE SUMMARY - HAEMATOLOGY", [("Patient", pt.name.full), mrn_field(c), ("Admitted", c.date(admit)),
                                                      ("Discharged", c.date(c.on(stay))), ("Length of stay", f"{stay} days"), ("Health plan", c.plan_id())]),
        f"Consultant: Dr. {physician.full}, {c.hospital()}.",
        background(c, ["HbSS sickle cell disease", "previous acute chest syndrome", "avascular necrosis of the left hip"], ["hydroxyurea", "folic acid", "penicillin V prophylaxis"], social=["Lives with partner.", "Studies part time.", "Non-smoker, no alcohol."]),
        f"Presentation: {pt.desc_src} with HbSS sickle cell disease on hydroxyurea, with severe pain in the lower back "
        f"and both thighs, pain score {pain}/10, after a cold snap and dehydration.",
        f"Admission: {temp}, {spo2} in air. {cap(hb)} (baseline 8.5 g/dL), {retic}, {ldh}, {bili}, {wbc}. Chest X-ray "
        "clear; no acute chest syndrome.",
        f"Course: IV morphine bolus within 30 minutes, then morphine PCA for {pca_days} days, weaned to oral analgesia; "
        "IV fluids; incentive spirometry hourly while awake; enoxaparin prophylaxis. No transfusion needed.",
        f"At discharge: pain controlled on oral medication, {hb_out}.",
        "Medications: hydroxyurea continued; folic acid 5 mg daily; oral morphine 10 mg as needed for 5 days; "
        "laxatives.",
        f"Follow-up: sickle cell clinic in 2 weeks. Hotline for the day unit {c.phone()}. Email {c.email()}.",
        instructions(c, ["Drink plenty of fluids and keep warm.", "Use the individual pain plan at home before coming in.", "Come to the day unit or emergency department for fever, chest pain, breathlessness or pain not controlled at home.", "Keep vaccinations up to date."]),
        care(c, pt, DISCHARGE),
    )
    c.code("D57.00", "Sickle cell disease (HbSS) with vaso-occlusive crisis")
    ref = reference(
        f"Severe lower back and thigh pain, score {pain}/10.",
        f"{cap(pt.desc_ref)} with HbSS sickle cell disease on hydroxyurea; crisis after cold exposure and "
        f"dehydration; admitted for {stay} days.",
        f"{cap(temp)}, {spo2}. {cap(hb)} (baseline 8.5 g/dL), {retic}, {ldh}, {bili}, {wbc}. Chest X-ray clear. "
        f"Discharge {hb_out}.",
        f"Vaso-occlusive crisis without acute chest syndrome. Morphine PCA for {pca_days} days then oral analgesia, "
        "fluids, incentive spirometry; hydroxyurea and folic acid 5 mg continued; clinic in 2 weeks.",
    )
    return source, ref


# --- the set --------------------------------------------------------------------------------------

DISCHARGE, ED, CLINIC, OPERATIVE = "discharge summary", "ED note", "clinic visit", "operative note"

# (specialty, note type, diagnosis, builder)
SCENARIOS: list[tuple[str, str, str, Callable[[Ctx], Built]]] = [
    ("cardiology", ED, "STEMI", stemi_ed),
    ("cardiology", DISCHARGE, "NSTEMI", nstemi_discharge),
    ("cardiology", CLINIC, "heart failure with reduced ejection fraction", heart_failure_clinic),
    ("cardiology", ED, "atrial fibrillation with rapid ventricular response", af_rvr_ed),
    ("cardiology", OPERATIVE, "complete heart block, dual-chamber pacemaker", pacemaker_operative),
    ("pulmonology", DISCHARGE, "COPD exacerbation", copd_discharge),
    ("pulmonology", ED, "community-acquired pneumonia", pneumonia_ed),
    ("pulmonology", DISCHARGE, "pulmonary embolism", pe_discharge),
    ("pulmonology", CLINIC, "obstructive sleep apnoea", osa_telehealth),
    ("gastroenterology", ED, "upper gastrointestinal bleed", gi_bleed_ed),
    ("gastroenterology", DISCHARGE, "acute pancreatitis", pancreatitis_discharge),
    ("gastroenterology", CLINIC, "ulcerative colitis flare", colitis_clinic),
    ("general surgery", OPERATIVE, "symptomatic cholelithiasis, laparoscopic cholecystectomy", cholecystectomy_operative),
    ("general surgery", OPERATIVE, "acute appendicitis, laparoscopic appendicectomy", appendicectomy_operative),
    ("general surgery", ED, "acute cholecystitis", cholecystitis_ed),
    ("general surgery", DISCHARGE, "adhesional small bowel obstruction", sbo_discharge),
    ("general surgery", CLINIC, "post-operative seroma after inguinal hernia repair", hernia_clinic),
    ("endocrinology", ED, "diabetic ketoacidosis", dka_ed),
    ("endocrinology", DISCHARGE, "sulfonylurea-induced hypoglycaemia", hypoglycaemia_discharge),
    ("endocrinology", CLINIC, "type 1 diabetes on insulin pump", pump_clinic),
    ("endocrinology", OPERATIVE, "total thyroidectomy", thyroidectomy_operative),
    ("neurology", ED, "acute ischaemic stroke", stroke_ed),
    ("neurology", DISCHARGE, "ischaemic stroke", stroke_discharge),
    ("neurology", CLINIC, "focal epilepsy", epilepsy_clinic),
    ("neurology", ED, "first generalised seizure", first_seizure_ed),
    ("neurosurgery", OPERATIVE, "chronic subdural haematoma", subdural_operative),
    ("neurosurgery", OPERATIVE, "lumbar disc herniation, microdiscectomy", discectomy_operative),
    ("nephrology", DISCHARGE, "acute kidney injury", aki_discharge),
    ("nephrology", CLINIC, "chronic kidney disease stage 4", ckd_clinic),
    ("nephrology", ED, "hyperkalaemia", hyperkalaemia_ed),
    ("nephrology", OPERATIVE, "arteriovenous fistula creation", fistula_operative),
    ("infectious disease", DISCHARGE, "urosepsis with septic shock", urosepsis_discharge),
    ("infectious disease", ED, "acute pyelonephritis", pyelonephritis_ed),
    ("infectious disease", CLINIC, "lower-leg cellulitis", cellulitis_clinic),
    ("orthopaedics", OPERATIVE, "hip fracture", hip_fracture_operative),
    ("orthopaedics", OPERATIVE, "knee osteoarthritis, total knee arthroplasty", knee_arthroplasty_operative),
    ("orthopaedics", DISCHARGE, "hip fracture after hemiarthroplasty", hip_fracture_discharge),
    ("orthopaedics", ED, "tibial shaft fracture after motor vehicle collision", mvc_trauma_ed),
    ("orthopaedics", CLINIC, "follow-up after total knee arthroplasty", knee_followup_clinic),
    ("obstetrics", ED, "pre-eclampsia with severe features", preeclampsia_ed),
    ("obstetrics", OPERATIVE, "caesarean section", caesarean_operative),
    ("obstetrics", CLINIC, "gestational diabetes", gdm_clinic),
    ("obstetrics", DISCHARGE, "postpartum haemorrhage", pph_discharge),
    ("paediatrics", ED, "paediatric acute asthma", asthma_paeds_ed),
    ("paediatrics", DISCHARGE, "bronchiolitis", bronchiolitis_discharge),
    ("paediatrics", CLINIC, "febrile urinary tract infection follow-up", uti_paeds_clinic),
    ("paediatrics", OPERATIVE, "hypertrophic pyloric stenosis, pyloromyotomy", pyloromyotomy_operative),
    ("haematology", CLINIC, "iron deficiency anaemia", iron_deficiency_clinic),
    ("haematology", DISCHARGE, "sickle cell vaso-occlusive crisis", sickle_discharge),
]


def build_case(seed: int, builder: Callable[[Ctx], Built]) -> tuple[str, str, list[dict]]:
    """Build twice with the same seed: the second pass redraws identifiers that show in the reference.
    Returns the source, the reference and the gold codes."""
    first = Ctx(seed)
    _, ref = builder(first)
    second = Ctx(seed, avoid=ref)
    source, final_ref = builder(second)
    if final_ref != ref:  # the reference must not depend on the identifiers
        raise RuntimeError(f"{builder.__name__}: reference changed between passes")
    if second.codes != first.codes or not second.codes:
        raise RuntimeError(f"{builder.__name__}: the gold codes must be stated and must not depend on the identifiers")
    return source, final_ref, second.codes


def case_ids(specialties: Sequence[str]) -> list[str]:
    """'en-<specialty>-<nn>', numbered within each specialty."""
    counts: dict[str, int] = {}
    ids = []
    for specialty in specialties:
        counts[specialty] = counts.get(specialty, 0) + 1
        ids.append(f"en-{specialty.replace(' ', '-')}-{counts[specialty]:02d}")
    return ids


def build_cases() -> list[dict]:
    """Each dict: {"id", "metadata": {"department", "note_type", "diagnosis", "icd10"}, "source", "reference"}."""
    cases = []
    for index, (case_id, (specialty, note_type, diagnosis, builder)) in enumerate(zip(case_ids([s[0] for s in SCENARIOS]), SCENARIOS)):
        source, ref, codes = build_case(BASE_SEED + 101 * index, builder)
        cases.append({
            "id": case_id,
            "metadata": {"department": specialty, "note_type": note_type, "diagnosis": diagnosis, "icd10": codes},
            "source": source,
            "reference": ref,
        })
    return cases
