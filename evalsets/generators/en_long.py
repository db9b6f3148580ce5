"""Long English hospital stays for the set ``long-records-en``.

Each record is one invented stay: an admission history and physical, a dated progress
note for every hospital day (with vitals and labs that move day by day), nursing notes,
consult notes and a discharge summary, 40,000-70,000 characters in all (well above 8k
tokens). The reference summary keeps the admission and discharge values and the key
imaging, copied as written, and holds no identifier.

Randomness follows ``en_clinical``: ``Ctx.rng`` for clinical content, Faker's stream for
identifiers, and a second pass that redraws identifiers which show in the reference.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Sequence

from evalsets.generators.en_clinical import (
    ADULT_RELATIVES, Built, Ctx, Patient, Person, cap, lines, reference,
)

BASE_SEED = 7_730_215


# --- day-by-day values ---------------------------------------------------------------------

@dataclass(frozen=True)
class Measure:
    """A value recorded every day of the stay, as written in the notes."""
    label: str
    unit: str
    values: list[str]

    def at(self, day: int, label: str | None = None) -> str:
        separator = "" if self.unit[:1] in "%/" or not self.unit else " "
        return f"{label or self.label} {self.values[day]}{separator}{self.unit}"


def trajectory(c: Ctx, days: int, anchors: Sequence[tuple[int, float, float]], dp: int,
               noise: float = 0.04) -> list[str]:
    """Values for days 0..days: drawn at the anchor days, interpolated with noise in between."""
    points = [(day, c.rng.uniform(lo, hi)) for day, lo, hi in anchors]
    anchor_days = {day for day, _ in points}
    values = []
    for day in range(days + 1):
        (d0, v0), (d1, v1) = next(
            (a, b) for a, b in zip(points, points[1:]) if a[0] <= day <= b[0]
        )
        value = v0 + (v1 - v0) * (day - d0) / (d1 - d0) if d1 > d0 else v0
        if day not in anchor_days:
            value *= 1 + c.rng.uniform(-noise, noise)
        values.append(f"{value:.{dp}f}")
    return values


def measure(c: Ctx, days: int, label: str, unit: str, anchors: Sequence[tuple[int, float, float]], dp: int = 0,
            noise: float = 0.04) -> Measure:
    return Measure(label, unit, trajectory(c, days, anchors, dp, noise))


def blood_pressure(c: Ctx, days: int, systolic: Sequence[tuple[int, float, float]],
                   diastolic: Sequence[tuple[int, float, float]]) -> Measure:
    highs = trajectory(c, days, systolic, 0)
    lows = trajectory(c, days, diastolic, 0)
    return Measure("BP", "mmHg", [f"{s}/{d}" for s, d in zip(highs, lows)])


# --- the stay ---------------------------------------------------------------------------

@dataclass
class Phase:
    """Days first..last of the stay and how the notes read on them.

    Text may name the day's values as {key} (a measure's value without its unit).
    """
    first: int
    last: int
    location: str
    support: str
    subjective: Sequence[str]
    exam: Sequence[str]
    plan: Sequence[Sequence[str]]  # one list of alternatives per problem
    quiet: Sequence[str] = ("No acute events overnight.",)
    nursing: Sequence[str] = ()
    medications: str = ""
    lines_drains: str = ""
    balance: tuple[int, int] | None = None  # net fluid balance range in mL, None to leave out
    therapy: Sequence[tuple[str, str]] = ()  # (discipline, note) alternatives for allied health notes


@dataclass
class Lab:
    key: str
    every: int = 1
    until: int | None = None


@dataclass
class Staff:
    attendings: list[Person]
    residents: list[Person]
    nurses: list[Person]
    therapists: list[Person]


@dataclass
class Family:
    relation: str
    person: Person
    phone: str  # marked


@dataclass
class Stay:
    pt: Patient
    days: int
    hospital: str  # marked LOCATION
    service: str
    staff: Staff
    family: Family
    measures: dict[str, Measure]
    vitals: list[str]
    labs: list[Lab]
    phases: list[Phase]
    events: dict[int, str] = field(default_factory=dict)
    results: dict[int, str] = field(default_factory=dict)
    mrn: str = ""
    trends: list[str] = field(default_factory=list)  # measures shown as 3-day trends in progress notes

    def phase(self, day: int) -> Phase:
        return next(p for p in self.phases if p.first <= day <= p.last)

    def values(self, day: int) -> dict[str, str]:
        pt = self.pt
        words = {"day": str(day), "he": pt.he, "him": pt.him, "his": pt.his, "He": pt.He, "His": pt.His,
                 "relation": self.family.relation}
        return {**words, **{key: m.values[day] for key, m in self.measures.items()}}

    def at(self, key: str, day: int, label: str | None = None) -> str:
        return self.measures[key].at(day, label)

    def vitals_on(self, day: int) -> str:
        return ", ".join(self.at(key, day) for key in self.vitals)

    def trend(self, key: str, day: int) -> str:
        measure_ = self.measures[key]
        values = " -> ".join(measure_.values[max(day - 2, 0):day + 1])
        separator = "" if measure_.unit[:1] in "%/" or not measure_.unit else " "
        return f"{measure_.label} {values}{separator}{measure_.unit}"

    def labs_on(self, day: int) -> str:
        keys = [lab.key for lab in self.labs
                if (lab.until is None or day <= lab.until) and (day % lab.every == 0 or day == self.days)]
        return ", ".join(self.at(key, day) for key in keys)

    def attending(self, day: int) -> Person:
        return self.staff.attendings[(day // 7) % len(self.staff.attendings)]

    def resident(self, day: int) -> Person:
        return self.staff.residents[day % len(self.staff.residents)]

    def nurse(self, day: int) -> Person:
        return self.staff.nurses[day % len(self.staff.nurses)]

    def therapist(self, day: int) -> Person:
        return self.staff.therapists[day % len(self.staff.therapists)]


def new_staff(c: Ctx) -> Staff:
    return Staff(attendings=[c.person() for _ in range(3)], residents=[c.person() for _ in range(4)],
                 nurses=[c.person() for _ in range(5)], therapists=[c.person() for _ in range(3)])


def new_family(c: Ctx, pt: Patient) -> Family:
    relation, sex = c.pick(ADULT_RELATIVES)
    shares = c.chance(0.5)
    return Family(relation, c.person(sex, last=pt.name.last if shares else None), c.phone())


def fill(text: str, stay: Stay, day: int) -> str:
    return text.format_map(stay.values(day))


# --- notes ------------------------------------------------------------------------------

def progress_note(c: Ctx, stay: Stay, day: int) -> str:
    phase = stay.phase(day)
    pt = stay.pt
    when = c.on(day)
    resident, attending = stay.resident(day), stay.attending(day)
    parts = [
        f"PROGRESS NOTE - {phase.location} - hospital day {day}",
        f"Date: {c.date(when)} {c.n(7, 18):02d}:{c.n(0, 59):02d}. Author: Dr. {resident.full} (resident). "
        f"Attending: Dr. {attending.full}.",
        "Events: " + fill(stay.events.get(day) or c.pick(phase.quiet), stay, day),
        "Subjective: " + fill(c.pick(phase.subjective), stay, day),
        f"Vitals: {stay.vitals_on(day)} on {fill(phase.support, stay, day)}.",
    ]
    if phase.balance:
        net = c.n(*phase.balance)
        if "urine" in stay.measures:  # output is the charted urine plus drains and other losses
            output = int(stay.measures["urine"].values[day]) + c.n(100, 400)
            intake = max(800, output + net)
        else:
            intake = c.n(max(1400, net + 700), max(3200, net + 1500))
            output = intake - net
        parts.append(f"Fluid balance (24 h): in {intake} mL, out {output} mL, net {intake - output:+d} mL.")
    parts.append("Exam: " + fill(c.pick(phase.exam), stay, day))
    if phase.lines_drains:
        parts.append("Lines and drains: " + fill(phase.lines_drains, stay, day))
    labs = stay.labs_on(day)
    parts.append(f"Labs: {labs}." if labs else "Labs: none drawn today (next set tomorrow).")
    if stay.trends and day >= 2:
        parts.append("Trends (3 days): " + "; ".join(stay.trend(key, day) for key in stay.trends) + ".")
    if day in stay.results:
        parts.append("Results: " + fill(stay.results[day], stay, day))
    if phase.medications:
        parts.append("Medications: " + fill(phase.medications, stay, day))
    parts.append(f"Assessment: {pt.desc_src}, hospital day {day}.")
    parts.extend(f"{index}. {fill(c.pick(options), stay, day)}" for index, options in enumerate(phase.plan, start=1))
    parts.append(checklist(c))
    if day % 4 == 2:
        family = stay.family
        parts.append(f"Family: {family.relation} {family.person.full} updated by phone ({family.phone}); questions "
                     "answered.")
    parts.append(c.pick([
        f"Seen and examined with the resident; I agree with the plan above. Dr. {attending.full}, attending.",
        f"Attending note: patient seen on rounds with Dr. {resident.full}; plan discussed and agreed. Dr. {attending.full}.",
        f"Resident: Dr. {resident.full}. Discussed with Dr. {attending.full}, who agrees.",
    ]))
    return lines(*parts)


def checklist(c: Ctx) -> str:
    bowels = c.pick(["bowels opened", "bowels not opened, laxatives prescribed", "bowels opened twice",
                     "bowels opened, stool chart updated"])
    skin = c.pick(["pressure areas intact", "pressure areas checked, skin intact", "Waterlow score reviewed"])
    return (f"Daily checklist: analgesia reviewed; VTE prophylaxis reviewed; lines and catheters reviewed for removal; "
            f"{bowels}; {skin}; medication chart reviewed with the ward pharmacist.")


def nursing_note(c: Ctx, stay: Stay, day: int, shift: str, text: str) -> str:
    nurse = stay.nurse(day + (1 if shift == "night" else 0))
    when = c.on(day)
    return lines(
        f"NURSING NOTE ({shift} shift) - {c.date(when)}",
        fill(text, stay, day),
        f"{nurse.full}, RN.",
    )


def therapy_note(c: Ctx, stay: Stay, day: int) -> str:
    discipline, text = c.pick(stay.phase(day).therapy)
    return lines(
        f"{discipline.upper()} NOTE - {c.date(c.on(day))}",
        fill(text, stay, day),
        f"{stay.therapist(day).full}, {discipline.lower()}.",
    )


def daily_course(c: Ctx, stay: Stay, consults: dict[int, str]) -> list[str]:
    """Progress notes for days 1..days-1, with nursing and consult notes on their days."""
    notes = []
    for day in range(1, stay.days):
        notes.append(progress_note(c, stay, day))
        nursing = stay.phase(day).nursing
        if nursing:
            texts = c.some(nursing, min(2, len(nursing)))
            notes.append(nursing_note(c, stay, day, c.pick(["day", "evening"]), texts[0]))
            if len(texts) > 1 and c.chance(0.5):
                notes.append(nursing_note(c, stay, day, "night", texts[1]))
        if stay.phase(day).therapy and c.chance(0.6):
            notes.append(therapy_note(c, stay, day))
        if day in consults:
            notes.append(consults[day])
    return notes


def consult_note(c: Ctx, stay: Stay, day: int, service: str, reason: str, findings: str,
                 recommendations: Sequence[str]) -> str:
    consultant = c.person()
    when = c.on(day)
    return lines(
        f"CONSULT NOTE - {service.upper()}",
        f"Date: {c.date(when)}. Consultant: Dr. {consultant.full} ({service}). Requested by Dr. "
        f"{stay.attending(day).full}.",
        f"Reason for consultation: {reason}",
        f"Findings: {fill(findings, stay, day)}",
        "Recommendations:",
        *(f"- {fill(item, stay, day)}" for item in recommendations),
        f"Thank you for this consultation; we will follow. Dr. {consultant.surname}.",
    )


def admission_header(c: Ctx, stay: Stay, title: str) -> str:
    pt, family = stay.pt, stay.family
    gp = c.person()
    return lines(
        title,
        f"Patient: {pt.name.full}    MRN: {stay.mrn}    DOB: {c.dob(pt, c.today)}    Age: {pt.age_years}",
        f"Admission date: {c.date(c.today)}    Service: {stay.service}    Attending: Dr. {stay.attending(0).full}",
        f"Hospital: {stay.hospital}    Account: {c.account()}    Insurance: {c.plan_id()}",
        f"Home address: {c.address()}    Home phone: {c.phone()}",
        f"Emergency contact: {family.relation} {family.person.full}, {family.phone}.",
        f"Primary care: Dr. {gp.full}, {c.facility('Family Medicine')}, fax {c.fax()}.",
    )


def discharge_header(c: Ctx, stay: Stay, destination: str) -> str:
    pt = stay.pt
    return lines(
        "DISCHARGE SUMMARY",
        f"Patient: {pt.name.full}    MRN: {stay.mrn}",
        f"Admitted: {c.date(c.today)}    Discharged: {c.date(c.on(stay.days))}    Length of stay: "
        f"{stay.days} days",
        f"Discharging attending: Dr. {stay.attending(stay.days).full}    Destination: {destination}",
    )


def numbered(items: Sequence[str]) -> str:
    return "\n".join(f"{index}. {item}" for index, item in enumerate(items, start=1))


# --- 1. ICU sepsis with ARDS ----------------------------------------------------------------------

def icu_sepsis(c: Ctx) -> Built:
    pt = c.patient(38, 74)
    days = 23
    m = {
        "temp": measure(c, days, "temperature", "°C", [(0, 39.2, 40.1), (3, 38.4, 39.0), (7, 37.4, 37.8), (days, 36.6, 37.0)], 1, 0.01),
        "hr": measure(c, days, "HR", "bpm", [(0, 118, 134), (3, 100, 112), (10, 92, 104), (days, 72, 86)]),
        "bp": blood_pressure(c, days, [(0, 78, 88), (3, 98, 108), (days, 118, 132)], [(0, 42, 50), (3, 54, 60), (days, 68, 80)]),
        "rr": measure(c, days, "RR", "/min", [(0, 34, 40), (1, 24, 26), (8, 20, 22), (10, 24, 28), (days, 15, 18)]),
        "spo2": measure(c, days, "SpO2", "%", [(0, 80, 85), (1, 88, 91), (6, 93, 96), (10, 91, 94), (days, 95, 97)], 0, 0.01),
        "fio2": measure(c, days, "FiO2", "", [(0, 1.0, 1.0), (2, 0.8, 0.9), (5, 0.5, 0.55), (9, 0.45, 0.5), (12, 0.3, 0.35), (days, 0.21, 0.21)], 2, 0.03),
        "peep": measure(c, days, "PEEP", "cmH2O", [(0, 14, 16), (4, 14, 16), (8, 6, 8), (days, 5, 5)], 0, 0.05),
        "pf": measure(c, days, "PaO2/FiO2 ratio", "mmHg", [(0, 58, 72), (3, 96, 120), (6, 170, 200), (8, 240, 280), (days, 300, 340)]),
        "nor": measure(c, days, "noradrenaline", "mcg/kg/min", [(0, 0.28, 0.38), (2, 0.12, 0.16), (3, 0.04, 0.06), (4, 0.0, 0.0), (days, 0.0, 0.0)], 2, 0.05),
        "o2": measure(c, days, "oxygen", "L/min", [(0, 6, 6), (12, 4, 5), (16, 2, 3), (19, 1, 1), (days, 1, 1)], 0, 0.0),
        "wbc": measure(c, days, "WBC", "x10^9/L", [(0, 19, 27), (2, 23, 29), (8, 12, 14), (days, 6.5, 9.0)], 1),
        "hb": measure(c, days, "Hb", "g/dL", [(0, 12.5, 13.8), (6, 8.8, 9.6), (days, 10.1, 11.0)], 1, 0.02),
        "plt": measure(c, days, "platelets", "x10^9/L", [(0, 96, 128), (3, 64, 82), (10, 210, 260), (days, 320, 410)]),
        "creat": measure(c, days, "creatinine", "umol/L", [(0, 168, 210), (3, 246, 298), (10, 112, 130), (days, 76, 92)]),
        "na": measure(c, days, "sodium", "mmol/L", [(0, 131, 134), (6, 144, 147), (12, 139, 141), (days, 137, 140)], 0, 0.005),
        "k": measure(c, days, "potassium", "mmol/L", [(0, 3.3, 3.6), (days, 4.0, 4.4)], 1, 0.05),
        "lactate": measure(c, days, "lactate", "mmol/L", [(0, 4.6, 6.8), (2, 2.0, 2.6), (6, 1.0, 1.3), (days, 0.9, 1.1)], 1),
        "crp": measure(c, days, "CRP", "mg/L", [(0, 322, 410), (3, 260, 300), (10, 62, 90), (days, 8, 16)]),
        "pct": measure(c, days, "procalcitonin", "ng/mL", [(0, 28, 56), (3, 12, 18), (9, 1.2, 2.0), (days, 0.1, 0.2)], 1),
        "bili": measure(c, days, "bilirubin", "umol/L", [(0, 28, 40), (4, 22, 28), (days, 8, 14)]),
    }
    organism = c.pick(["Streptococcus pneumoniae", "Streptococcus pneumoniae", "Haemophilus influenzae"])
    influenza = c.chance(0.5)
    ef = f"LVEF {c.n(52, 62)}%"
    staff = new_staff(c)
    stay = Stay(pt, days, c.hospital(), "Medical ICU", staff, new_family(c, pt), m,
                ["temp", "hr", "bp", "rr", "spo2"],
                [Lab("wbc"), Lab("hb"), Lab("plt"), Lab("creat"), Lab("na"), Lab("k"), Lab("lactate", 1, 8),
                 Lab("crp", 2), Lab("pct", 3, 12), Lab("bili", 4)], [], mrn=c.mrn())
    stay.trends = ["creat", "wbc", "plt"]
    vent = "volume control, tidal volume 6 mL/kg predicted body weight, PEEP {peep} cmH2O, FiO2 {fio2}"
    stay.phases = [
        Phase(1, 3, "Medical ICU", vent,
              subjective=["Sedated and ventilated; unable to give history.", "Remains sedated (RASS -4) for proning.",
                          "Sedated on propofol and fentanyl; no distress."],
              exam=["Sedated, pupils equal and reactive. Coarse crackles bilaterally, worse on the right. Heart sounds normal. "
                    "Abdomen soft, no distension. Warm peripheries, capillary refill 3 seconds. Mottling resolved.",
                    "Sedated, synchronous with the ventilator. Bronchial breathing right base. Mild generalised oedema. "
                    "Pressure areas checked after proning: no breakdown."],
              plan=[["Septic shock from pneumonia: noradrenaline {nor} mcg/kg/min, target MAP 65 mmHg; ceftriaxone 2 g daily "
                     "and azithromycin day {day}.", "Septic shock: noradrenaline now {nor} mcg/kg/min and falling; continue "
                     "antibiotics; daily cultures review."],
                    ["ARDS: lung-protective ventilation, plateau pressure below 30 cmH2O; prone positioning 16 hours a day "
                     "while PaO2/FiO2 below 150 mmHg; cisatracurium infusion for 48 hours.", "Severe ARDS: PaO2/FiO2 {pf} mmHg "
                     "on PEEP {peep} cmH2O; continue proning cycles and conservative fluids once off vasopressors."],
                    ["Acute kidney injury: creatinine {creat} umol/L, urine output 0.4-0.6 mL/kg/h; avoid nephrotoxins, no "
                     "indication for renal replacement at present.", "AKI KDIGO stage 2, non-oliguric; dose antibiotics for "
                     "renal function; daily weights."],
                    ["Thrombocytopenia: platelets {plt} x10^9/L, sepsis-related; no bleeding; hold heparin if below 50.",
                     "Platelets {plt} x10^9/L; DIC screen mild; continue mechanical and pharmacological prophylaxis."],
                    ["Nutrition: trophic nasogastric feeds at 10 mL/h, advance as tolerated; glucose 6-10 mmol/L with insulin "
                     "infusion.", "Enteral feeds; stress ulcer prophylaxis with pantoprazole."]],
              quiet=["Remained prone overnight; desaturation to 86% on turning, recovered with recruitment.",
                     "Noradrenaline reduced overnight; one fever spike.", "Stable overnight; supine since 06:00."],
              nursing=["Prone from 18:00, eye and pressure care every 2 hours, ETT secured at 23 cm at the lips. "
                       "Propofol and fentanyl infusions unchanged. Urine output 40-60 mL/h. Family visited.",
                       "Turned supine for the day. Oral care with chlorhexidine. Suctioned moderate thick yellow secretions. "
                       "Feeds running at target rate."],
              medications="ceftriaxone 2 g IV daily, azithromycin 500 mg IV daily, propofol and fentanyl infusions, "
                          "cisatracurium, noradrenaline, hydrocortisone 50 mg IV every 6 hours, heparin 5000 units SC "
                          "twice daily, pantoprazole 40 mg IV daily, insulin infusion.",
              lines_drains="right internal jugular central line, left radial arterial line, urinary catheter, "
                           "orogastric tube.",
              balance=(400, 1800)),
        Phase(4, 8, "Medical ICU", vent,
              subjective=["Lighter sedation; opens eyes to voice and follows simple commands.",
                          "Awake on minimal sedation; nods appropriately; appears comfortable."],
              exam=["Rousable, follows commands, moving all limbs. Fewer crackles, still reduced air entry right base. "
                    "Oedema improving. Abdomen soft, bowels opened.",
                    "Awake, calm (RASS 0). Chest: scattered crackles. Heart sounds normal. Peripheries warm."],
              plan=[["Sepsis resolving: off vasopressors since day 4; hydrocortisone weaning; antibiotics narrowed to "
                     "targeted therapy, planned 7-day total course.", "Infection control improving: temperature {temp} °C, "
                     "CRP {crp} mg/L; continue narrowed antibiotic."],
                    ["ARDS improving: PaO2/FiO2 {pf} mmHg; reduce PEEP to {peep} cmH2O and FiO2 {fio2}; daily spontaneous "
                     "awakening and breathing trials.", "Ventilation: pressure support trials tolerated for 2 hours; "
                     "aim extubation when criteria met."],
                    ["AKI recovering: creatinine {creat} umol/L with good urine output; gentle diuresis with furosemide "
                     "20 mg IV to a negative balance.", "Renal function improving; furosemide for net negative 500-1000 mL."],
                    ["Hypernatraemia: sodium {na} mmol/L; free water 200 mL via nasogastric tube every 4 hours.",
                     "Sodium {na} mmol/L; continue enteral free water; recheck twice daily."],
                    ["Delirium prevention: sedation holds, day-night orientation, family presence.",
                     "Early mobility: passive range of motion and sitting on the edge of the bed with physiotherapy."]],
              quiet=["Passed a 30-minute spontaneous breathing trial.", "No events; sedation reduced overnight.",
                     "Brief agitation at 02:00 settled with reassurance."],
              nursing=["Sedation holiday at 08:00; patient awake and following commands. Turned 2-hourly. Bowels opened. "
                       "Wife at the bedside in the afternoon.",
                       "Pressure support trial 10/5 for 2 hours, tolerated. Secretions thinner. Skin intact."],
              medications="targeted antibiotic, hydrocortisone tapering, fentanyl low dose, heparin 5000 units SC twice "
                          "daily, furosemide 20 mg IV as needed, enteral feeds with free water.",
              lines_drains="central line day {day}, arterial line, urinary catheter, nasogastric tube.",
              balance=(-1200, -200)),
        Phase(9, 11, "Medical ICU (post-extubation)", "high-flow nasal oxygen 50 L/min, FiO2 {fio2}",
              subjective=["Extubated and talking; sore throat; weak cough. Confused at night.",
                          "Feels exhausted but breathing easier; hoarse voice; poor sleep."],
              exam=["Alert, intermittently inattentive (CAM-ICU positive). Chest: crackles right base, no wheeze. "
                    "Proximal weakness, MRC grade 3/5 at the hips.",
                    "Alert and orientated this morning. Mild accessory muscle use. Crackles right base. Calves soft."],
              plan=[["Post-extubation respiratory support: wean high-flow FiO2 as tolerated; chest physiotherapy; "
                     "incentive spirometry.", "Respiratory: weaning high-flow; target SpO2 92-96%."],
                    ["ICU delirium: non-pharmacological measures; quetiapine 25 mg at night for 3 nights; avoid "
                     "benzodiazepines.", "Delirium improving; continue sleep hygiene and family visits."],
                    ["ICU-acquired weakness: physiotherapy twice daily; sit out in chair.",
                     "Mobility: stood with two assistants; continue physiotherapy."],
                    ["Swallow: failed bedside screen after extubation; nil by mouth except sips; speech and language "
                     "therapy assessment.", "Swallow: thickened fluids pending formal review; nasogastric feeds continue."]],
              nursing=["Extubated to high-flow. Coughing effectively with encouragement. Disorientated overnight; "
                       "reoriented, lights dimmed. No falls.",
                       "Sat out for 1 hour. Tolerating thickened fluids. Urine output adequate after catheter removal."],
              medications="high-flow oxygen, quetiapine 25 mg at night, heparin prophylaxis, paracetamol, "
                          "nasogastric feeds.",
              lines_drains="peripheral cannula; central line removed.",
              balance=(-800, 0)),
        Phase(12, 18, "Respiratory ward", "nasal cannula {o2} L/min",
              subjective=["Breathing better; walking to the bathroom with a frame; appetite returning.",
                          "Slept well; cough with less sputum; anxious about going home.",
                          "Tired after physiotherapy but motivated; no chest pain."],
              exam=["Comfortable at rest, talking in full sentences. Reduced breath sounds right base, few crackles. "
                    "Heart sounds normal. No calf tenderness.",
                    "Alert and orientated. Chest clearer. Mild ankle oedema. Sacrum intact."],
              plan=[["Resolving pneumococcal pneumonia and ARDS: antibiotics completed; wean oxygen to target SpO2 "
                     "94-98%.", "Respiratory: on {o2} L/min; ambulatory saturation check before discharge."],
                    ["Deconditioning: physiotherapy daily, stairs assessment; occupational therapy home assessment.",
                     "Mobility improving: walking 30 m with a frame."],
                    ["Nutrition: dietitian review, oral supplements twice daily; weight monitoring.",
                     "Eating half of meals; continue supplements."],
                    ["Renal function normalising: creatinine {creat} umol/L; restart home medications cautiously.",
                     "Kidney function recovered; no further monitoring beyond weekly bloods."],
                    ["Discharge planning: aiming home with outpatient pulmonary rehabilitation.",
                     "Discharge planning: family meeting arranged."]],
              quiet=["No events.", "Nocturnal desaturation to 89%, recovered with 1 L/min.", "Settled night."],
              therapy=[("Physiotherapy", "Walked on {o2} L/min oxygen, 25 m with frame and standby assistance; SpO2 "
                         "stayed above 90%. Practised sit-to-stand x10. Plan: stairs tomorrow."),
                       ("Occupational therapy", "Washed and dressed at the sink with set-up only. Discussed energy "
                        "conservation. Home has 3 steps to enter and a downstairs toilet."),
                       ("Dietetics", "Intake about half of requirements. Weight down since admission. Started oral "
                        "supplements twice daily and a snack round.")],
              nursing=["Walked to the bathroom with frame and supervision. Ate most of breakfast. Oxygen via nasal "
                       "cannula; saturations stable.",
                       "Anxious in the evening about returning home; spent time talking. Slept from 23:00."],
              medications="paracetamol as needed, enoxaparin 40 mg SC daily, oral nutritional supplements, "
                          "salbutamol inhaler as needed.",
              balance=None),
        Phase(19, days, "Respiratory ward", "room air",
              subjective=["Feels ready for home; walking the corridor independently.",
                          "No breathlessness at rest; managing stairs with one rail."],
              exam=["Well, alert, comfortable on room air. Few crackles right base. No oedema.",
                    "Chest largely clear. Walking independently with a stick."],
              plan=[["Recovery after severe pneumonia: off oxygen; ambulatory saturations satisfactory.",
                     "Respiratory: room air, exertional SpO2 above 92%."],
                    ["Function: independent with stick; occupational therapy cleared for home.",
                     "Physiotherapy: home exercise programme given."],
                    ["Discharge: home with follow-up; vaccinations before discharge (pneumococcal, influenza).",
                     "Discharge planned; medication reconciliation complete."]],
              nursing=["Independent with washing and dressing. Discharge education started.",
                       "Patient walked two laps of the ward without oxygen. Saturations 95% after walking."],
              medications="enoxaparin 40 mg SC daily, paracetamol as needed.",
              balance=None),
    ]
    stay.events = {
        1: "Proned at 03:00 for refractory hypoxaemia; cisatracurium started.",
        2: "Second prone session; noradrenaline requirement falling.",
        4: "Noradrenaline stopped at 14:00. Remained supine after prone session 3.",
        7: "Spontaneous breathing trial passed; cuff leak present.",
        8: "Extubated at 10:30 to high-flow nasal oxygen.",
        9: "Agitated overnight, pulled at the nasogastric tube; CAM-ICU positive.",
        12: "Transferred from ICU to the respiratory ward.",
        16: "Speech and language therapy upgraded to normal diet and thin fluids.",
        19: "Weaned to room air this morning.",
    }
    micro = (f"Blood cultures from admission: {organism}, penicillin-sensitive." if organism.startswith("Strep") else
             f"Sputum culture: {organism}, beta-lactamase negative; blood cultures negative.")
    flu = "Respiratory PCR: influenza A positive." if influenza else "Respiratory PCR: negative for influenza and SARS-CoV-2."
    echo = f"Transthoracic echo: {ef}, normal right ventricle, no vegetations."
    ct = ("CT chest: dense right lower lobe consolidation, patchy bilateral ground-glass opacities, small right "
          "parapneumonic effusion, no abscess or cavitation.")
    stay.results = {
        2: micro + " " + flu,
        3: echo,
        10: ct,
        14: "Pleural ultrasound: small effusion, too small to drain.",
    }
    d0 = 0
    admission_vitals = f"{stay.at('temp', d0)}, {stay.at('hr', d0)}, {stay.at('bp', d0)}, {stay.at('rr', d0)}, " \
                       f"{stay.at('spo2', d0)} on a 15 L/min non-rebreather mask"
    admission_labs = ", ".join(stay.at(k, d0) for k in ("wbc", "hb", "plt", "creat", "na", "k", "lactate", "crp", "pct", "bili"))
    abg = f"arterial pH {c.x(7.16, 7.28, 2)}, PaCO2 {c.n(46, 58)} mmHg, {stay.at('pf', d0)} after intubation"
    cxr = "Chest X-ray: dense right lower lobe consolidation with patchy bilateral airspace opacities."
    days_ill = c.n(3, 6)
    job = c.pick(["a school bus driver", "a warehouse supervisor", "a nurse's aide", "a self-employed plumber"])
    ed_doc, intensivist = c.person(), stay.attending(0)
    hp = lines(
        admission_header(c, stay, "ADMISSION HISTORY AND PHYSICAL - MEDICAL ICU"),
        f"Source: patient (limited), {stay.family.relation}, emergency department record by Dr. {ed_doc.full}.",
        f"Chief complaint: fever, cough and breathlessness for {days_ill} days, now confused and hypoxic.",
        f"History of present illness: {pt.desc_src}, {job}, previously well apart from mild asthma, developed a dry "
        f"cough and myalgia {days_ill} days ago, followed by fever, rigors, right-sided pleuritic chest pain and rusty "
        "sputum. Over the last day breathlessness became severe and the family noticed confusion. Paramedics found "
        "saturations in the low 80s on air. In the ED despite a non-rebreather mask hypoxaemia persisted; "
        "hypotension did not respond to 30 mL/kg crystalloid and noradrenaline was started through a peripheral line. "
        "Intubated in the ED for hypoxaemic respiratory failure and transferred to the ICU.",
        "Past medical history: mild intermittent asthma; appendicectomy as a child; no previous admissions.",
        "Medications: salbutamol inhaler as needed. No regular medications. Not vaccinated against influenza this season.",
        "Allergies: no known drug allergies.",
        f"Social history: lives with {stay.family.relation}; never smoker; alcohol 4-6 units a week; no recreational drugs; "
        "no recent travel; no sick contacts known at work.",
        "Family history: father with ischaemic heart disease.",
        "Review of systems: as above; no rash, no diarrhoea, no neck stiffness, no urinary symptoms.",
        f"Examination in the ED before intubation: {admission_vitals}.",
        "General: intubated and sedated, diaphoretic, mottled knees. Cardiovascular: tachycardic, normal heart sounds, "
        "capillary refill 5 seconds. Respiratory: bronchial breathing right lower zone, coarse crackles bilaterally. "
        "Abdomen: soft, not distended. Neurological: sedated, pupils equal and reactive, no meningism before intubation "
        "per ED notes. Skin: no rash.",
        f"Laboratory: {admission_labs}. Arterial gas: {abg}.",
        f"Imaging: {cxr} ECG: sinus tachycardia, no ischaemic changes.",
        "Assessment: severe community-acquired pneumonia with septic shock, acute respiratory distress syndrome (Berlin "
        "severe), acute kidney injury and sepsis-associated thrombocytopenia.",
        numbered([
            "Septic shock: noradrenaline to MAP 65 mmHg, hydrocortisone 50 mg IV every 6 hours, lactate-guided "
            "resuscitation; blood, sputum and urine cultures; urinary antigens.",
            "Pneumonia: ceftriaxone 2 g IV daily and azithromycin 500 mg IV daily"
            + ("; oseltamivir 75 mg twice daily pending PCR." if influenza else "; respiratory viral PCR."),
            "ARDS: lung-protective ventilation 6 mL/kg, PEEP titration, prone positioning if PaO2/FiO2 remains below "
            "150 mmHg; neuromuscular blockade.",
            "AKI: fluid balance, avoid nephrotoxins, renally dose drugs.",
            "Prophylaxis: heparin 5000 units SC twice daily, pantoprazole, chlorhexidine oral care, head of bed 30 degrees.",
            "Code status: full. Family informed of critical illness.",
        ]),
        f"Signed: Dr. {intensivist.full}, intensivist.",
    )
    consults = {
        3: consult_note(c, stay, 3, "infectious diseases", "antibiotic choice and duration in severe pneumonia.",
                        f"{micro} {flu} Temperature {{temp}} °C; CRP {{crp}} mg/L falling; procalcitonin {{pct}} ng/mL.",
                        ["Narrow to IV benzylpenicillin 1.2 g every 4 hours" if organism.startswith("Strep") else
                         "Narrow to IV amoxicillin 1 g every 8 hours",
                         "Stop azithromycin after 3 days" + ("; complete 5 days of oseltamivir." if influenza else "."),
                         "Total antibiotic course 7 days if clinically improving.",
                         "Repeat blood cultures only if new fever."]),
        6: consult_note(c, stay, 6, "nephrology", "acute kidney injury in septic shock.",
                        "Creatinine {creat} umol/L from peak on day 3; non-oliguric; ultrasound kidneys normal size, no "
                        "hydronephrosis; urine sediment with muddy brown casts.",
                        ["Likely acute tubular necrosis; expect recovery.",
                         "No indication for renal replacement therapy.",
                         "Avoid contrast and NSAIDs; renally dose antibiotics.",
                         "Repeat creatinine daily until stable."]),
        10: consult_note(c, stay, 10, "speech and language therapy", "dysphagia after prolonged intubation.",
                         "Hoarse voice, weak cough, delayed swallow on water; no overt aspiration on thickened fluids.",
                         ["Level 2 mildly thick fluids and minced moist diet.", "Upright for all intake, supervised meals.",
                          "Review in 3-5 days."]),
        13: consult_note(c, stay, 13, "physical medicine and rehabilitation", "ICU-acquired weakness and discharge "
                         "destination.", "Proximal weakness MRC grade 4-/5, walks 20 m with a frame and one assist.",
                         ["Daily physiotherapy with progressive mobility.", "Outpatient pulmonary rehabilitation referral.",
                          "Home with family support likely feasible within 10 days."]),
    }
    dn = days
    discharge_vitals = f"{stay.at('temp', dn)}, {stay.at('hr', dn)}, {stay.at('bp', dn)}, {stay.at('rr', dn)}, " \
                       f"{stay.at('spo2', dn)} on room air"
    discharge_labs = ", ".join(stay.at(k, dn) for k in ("wbc", "hb", "plt", "creat", "na", "crp"))
    peak_creat = stay.at("creat", 3)
    follow = c.person()
    discharge = lines(
        discharge_header(c, stay, "home with family"),
        "Principal diagnosis: severe community-acquired pneumonia with septic shock and severe ARDS.",
        "Secondary diagnoses: acute kidney injury (acute tubular necrosis, recovered); sepsis-associated "
        "thrombocytopenia; ICU delirium; ICU-acquired weakness; dysphagia after intubation (resolved); hypernatraemia.",
        f"Procedures: endotracheal intubation and mechanical ventilation ({c.date(c.today)} to "
        f"{c.date(c.on(8))}); prone positioning x3; central venous and arterial catheterisation.",
        "Hospital course: admitted to ICU intubated with septic shock and severe ARDS. Required prone positioning for "
        "three sessions and noradrenaline until day 4. "
        + (f"{organism} grew from blood cultures" if organism.startswith("Strep") else f"{organism} grew from sputum")
        + ("; influenza A was also detected and treated with oseltamivir. " if influenza else ". ")
        + f"Antibiotics were narrowed and completed after 7 days. Kidney injury peaked at {peak_creat} on day 3 and "
        "recovered without dialysis. Extubated on day 8; delirium and dysphagia resolved. Transferred to the ward on day "
        "12 and weaned to room air on day 19. Mobility improved with daily physiotherapy.",
        f"Key imaging: {cxr} {ct} {echo}",
        f"Condition at discharge: {discharge_vitals}. Walking independently with a stick.",
        f"Discharge labs: {discharge_labs}.",
        "Discharge medications: salbutamol inhaler as needed; paracetamol 1 g up to four times daily as needed; oral "
        "nutritional supplement twice daily for 4 weeks.",
        "Vaccinations given: pneumococcal conjugate vaccine and seasonal influenza vaccine.",
        f"Follow-up: respiratory clinic with Dr. {follow.full} in 6 weeks with repeat chest X-ray; pulmonary "
        f"rehabilitation at {c.facility('Outpatient Rehabilitation')}; primary care review in 1 week with bloods. "
        f"Post-ICU clinic in 3 months ({c.phone()}).",
        "Pending: none.",
        f"Electronically signed by Dr. {stay.attending(days).full} on {c.date(c.on(days))}.",
    )
    source = "\n\n".join([hp, *daily_course(c, stay, consults), discharge])
    ref = reference(
        f"Fever, cough and breathlessness for {days_ill} days with confusion and hypoxia.",
        f"{cap(pt.desc_ref)} with mild asthma admitted for {days} days with severe community-acquired pneumonia, "
        "intubated on arrival for hypoxaemic respiratory failure with septic shock.",
        f"Admission: {admission_vitals}; {admission_labs}; {stay.at('pf', 0)}. {cxr} "
        + (f"Blood cultures: {organism}. " if organism.startswith("Strep") else f"Sputum: {organism}. ")
        + ("Influenza A positive. " if influenza else "")
        + f"{echo} {ct} Peak {peak_creat} on day 3. Discharge: {discharge_vitals}; {discharge_labs}.",
        "Severe pneumonia with septic shock, severe ARDS, AKI (recovered without dialysis), delirium and ICU-acquired "
        "weakness. Treated with ventilation, prone positioning x3, noradrenaline until day 4, 7 days of antibiotics"
        + (" and oseltamivir" if influenza else "") + "; extubated day 8, room air from day 19. Home with respiratory "
        "clinic and chest X-ray in 6 weeks, pulmonary rehabilitation, primary care review in 1 week.",
    )
    return source, ref


# --- 2. complicated post-operative course -------------------------------------------------------

def colectomy_leak(c: Ctx) -> Built:
    pt = c.patient(52, 82)
    days = 24
    m = {
        "temp": measure(c, days, "temperature", "°C", [(0, 36.5, 36.9), (3, 37.3, 37.7), (5, 38.3, 38.8), (6, 38.8, 39.4),
                                                      (9, 37.6, 37.9), (12, 38.1, 38.5), (15, 37.0, 37.3), (days, 36.6, 36.9)], 1, 0.01),
        "hr": measure(c, days, "HR", "bpm", [(0, 68, 80), (3, 88, 96), (6, 118, 132), (8, 96, 104), (12, 98, 106), (days, 74, 84)]),
        "bp": blood_pressure(c, days, [(0, 132, 146), (6, 88, 98), (8, 112, 122), (days, 122, 136)],
                             [(0, 76, 86), (6, 48, 56), (8, 64, 70), (days, 70, 80)]),
        "rr": measure(c, days, "RR", "/min", [(0, 14, 16), (6, 24, 28), (8, 18, 20), (days, 15, 17)]),
        "spo2": measure(c, days, "SpO2", "%", [(0, 96, 98), (6, 92, 94), (9, 94, 96), (days, 96, 98)], 0, 0.01),
        "wbc": measure(c, days, "WBC", "x10^9/L", [(0, 6.5, 8.5), (3, 11, 13), (6, 18, 24), (9, 13, 15), (12, 14, 16),
                                                   (16, 9, 11), (days, 7, 9)], 1),
        "hb": measure(c, days, "Hb", "g/dL", [(0, 10.8, 12.0), (2, 10.0, 10.6), (7, 8.4, 9.0), (days, 9.8, 10.6)], 1, 0.02),
        "plt": measure(c, days, "platelets", "x10^9/L", [(0, 240, 320), (6, 180, 220), (days, 360, 460)]),
        "crp": measure(c, days, "CRP", "mg/L", [(0, 3, 8), (2, 90, 130), (4, 180, 220), (6, 290, 360), (9, 150, 190),
                                                (12, 160, 200), (16, 50, 80), (days, 14, 26)]),
        "creat": measure(c, days, "creatinine", "umol/L", [(0, 72, 88), (6, 128, 156), (10, 80, 96), (days, 70, 86)]),
        "na": measure(c, days, "sodium", "mmol/L", [(0, 138, 141), (6, 133, 135), (days, 137, 140)], 0, 0.005),
        "k": measure(c, days, "potassium", "mmol/L", [(0, 4.0, 4.5), (4, 3.2, 3.5), (11, 3.3, 3.6), (days, 4.0, 4.4)], 1, 0.03),
        "mg": measure(c, days, "magnesium", "mmol/L", [(0, 0.80, 0.90), (11, 0.52, 0.60), (days, 0.78, 0.86)], 2, 0.03),
        "albumin": measure(c, days, "albumin", "g/L", [(0, 36, 40), (8, 22, 25), (days, 27, 30)]),
        "lactate": measure(c, days, "lactate", "mmol/L", [(0, 0.8, 1.2), (5, 1.6, 2.0), (6, 3.2, 4.4), (8, 1.2, 1.6),
                                                          (days, 0.8, 1.1)], 1),
        "stoma": measure(c, days, "stoma output", "mL", [(0, 0, 0), (7, 0, 0), (8, 300, 500), (11, 1600, 2100),
                                                         (14, 900, 1100), (days, 600, 800)], 0, 0.08),
        "ng": measure(c, days, "nasogastric output", "mL", [(0, 0, 0), (2, 0, 0), (3, 800, 1100), (5, 600, 800),
                                                            (8, 300, 500), (9, 0, 0), (days, 0, 0)], 0, 0.1),
    }
    stay = Stay(pt, days, c.hospital(), "Colorectal Surgery", new_staff(c), new_family(c, pt), m,
                ["temp", "hr", "bp", "rr", "spo2"],
                [Lab("wbc"), Lab("hb"), Lab("plt"), Lab("crp"), Lab("creat"), Lab("na"), Lab("k"), Lab("mg", 2),
                 Lab("albumin", 3), Lab("lactate", 1, 9)], [], mrn=c.mrn())
    stay.trends = ["crp", "wbc", "creat"]
    collection = f"{c.n(5, 8)} x {c.n(3, 5)} cm"
    nodes = c.n(14, 24)
    positive = c.n(1, 3)
    cea = c.lab("CEA", 4.2, 12.5, "ng/mL", 1)
    tumour = f"{c.n(3, 6)} cm"
    ebl, minutes = c.n(80, 220), c.n(150, 230)
    organism = c.pick(["Escherichia coli and Enterococcus faecalis", "Escherichia coli and Bacteroides fragilis"])
    ward = "Colorectal surgical ward"
    stoma_plan = ["High-output ileostomy ({stoma} mL in 24 hours): loperamide 4 mg four times daily, codeine, oral "
                  "rehydration solution, restrict hypotonic fluids to 1 L.",
                  "Stoma output {stoma} mL: continue loperamide; add omeprazole; measure urinary sodium."]
    electrolytes_plan = ["Electrolytes: potassium {k} mmol/L, magnesium {mg} mmol/L; IV replacement.",
                         "Replace magnesium IV; check daily."]
    nutrition_plan = ["Nutrition: parenteral nutrition via PICC (albumin {albumin} g/L); re-introduce diet with "
                      "supplements.", "Parenteral nutrition continuing; oral intake increasing."]
    infection_plan = ["Intra-abdominal infection: complete antibiotics for 7 days after source control.",
                      "Antibiotics since day 6; review with microbiology."]
    stoma_nursing = ["Stoma bag changed, peristomal skin red; barrier film applied. Output chart completed.",
                     "PN running via PICC. Capillary glucose 6-9 mmol/L. Mobilised to the day room."]
    stoma_medications = ("parenteral nutrition, loperamide 4 mg four times daily, codeine phosphate 30 mg four times "
                         "daily, omeprazole 40 mg daily, magnesium and potassium replacement, enoxaparin 40 mg SC daily.")
    stoma_therapy = [("Dietetics", "Parenteral nutrition meeting requirements. Oral intake about 30% of needs. Advised "
                      "low-fibre diet, salty snacks and oral rehydration solution for the high-output stoma."),
                     ("Physiotherapy", "Walked 40 m with a frame; deconditioned after ICU. Plan: twice daily walks.")]
    stay.phases = [
        Phase(1, 2, ward, "room air",
              subjective=["Comfortable with the epidural; not yet passing flatus. Drinking freely and sat out for 2 hours.",
                          "Mild incisional pain, nausea settled with ondansetron; walked around the bed space."],
              exam=["Alert. Abdomen soft, appropriately tender around port sites, not distended. Dressings dry.",
                    "Chest clear. Abdomen soft, minimal distension, quiet bowel sounds. Calves soft."],
              plan=[["Enhanced recovery pathway: free fluids, light diet tomorrow, mobilise three times a day.",
                     "ERAS: diet as tolerated, chewing gum, mobilise; remove urinary catheter today."],
                    ["Analgesia: thoracic epidural until day 2, then oral paracetamol and oxycodone as needed.",
                     "Pain controlled; step down from epidural to oral analgesia."],
                    ["VTE prophylaxis: enoxaparin 40 mg SC daily and stockings; 28 days extended prophylaxis for cancer "
                     "surgery.", "Enoxaparin; continue mobilisation."]],
              quiet=["Settled night.", "Nausea at 02:00, settled with ondansetron."],
              nursing=["Epidural running, block to T6 bilaterally. Urinary catheter draining well. Sat out for lunch.",
                       "Walked to the end of the corridor with the physiotherapist. Tolerating sips and yoghurt."],
              medications="epidural infusion, paracetamol 1 g four times daily, ondansetron as needed, enoxaparin 40 mg "
                          "SC daily, IV fluids at 80 mL/h.",
              lines_drains="epidural catheter, urinary catheter, peripheral cannula.",
              balance=(200, 900)),
        Phase(3, 5, ward, "room air",
              subjective=["Bloated and nauseated; vomited twice; not passing flatus.",
                          "Abdominal distension and hiccups; nasogastric tube uncomfortable but vomiting stopped.",
                          "Feels unwell, more abdominal pain than yesterday; shivery this evening."],
              exam=["Abdomen distended and tympanic, mildly tender, no guarding; bowel sounds absent. Wounds clean.",
                    "Distended abdomen, generalised tenderness without peritonism. Chest: reduced air entry at the bases."],
              plan=[["Post-operative ileus: nasogastric tube on free drainage (output {ng} mL), nil by mouth, IV fluids with "
                     "potassium replacement; mobilise.", "Ileus: continue nasogastric decompression; correct potassium "
                     "({k} mmol/L) and magnesium; stop opioids where possible."],
                    ["Rising inflammatory markers (CRP {crp} mg/L, WBC {wbc} x10^9/L): low threshold for CT to exclude an "
                     "anastomotic leak or collection.", "CRP {crp} mg/L on day {day}: concern for leak; CT abdomen if not "
                     "settling or if clinical deterioration."],
                    ["Nutrition: if not tolerating oral intake by day 7, start parenteral nutrition.",
                     "Nutrition: nil by mouth; dietitian aware."]],
              quiet=["Vomited 200 mL overnight.", "Distension unchanged; no vomiting since the nasogastric tube."],
              nursing=["Nasogastric tube aspirated 4-hourly, bilious output. Abdomen distended. Patient mobilised twice.",
                       "Temperature rose in the evening; doctor informed; blood cultures taken. Fluids running."],
              medications="IV fluids with potassium 40 mmol/L, ondansetron, metoclopramide, paracetamol, enoxaparin 40 mg "
                          "SC daily.",
              lines_drains="nasogastric tube, peripheral cannula.",
              balance=(300, 1200)),
        Phase(6, 8, "Surgical ICU", "facemask oxygen 4-6 L/min",
              subjective=["Drowsy but orientated; abdominal pain controlled with the PCA.",
                          "Sore and weak; asking about the stoma.", "Tired; nauseated at times; the PCA is helping."],
              exam=["Midline laparotomy wound dressed, dry. End ileostomy pink and healthy, not yet functioning. Abdomen "
                    "soft, appropriately tender. Warm peripheries.",
                    "Stoma pink, small output. Pelvic drain serous. Chest: bibasal crackles."],
              plan=[["Septic shock from anastomotic leak: source controlled at relaparotomy; noradrenaline weaned; "
                     "piperacillin-tazobactam 4.5 g IV every 8 hours.", "Sepsis: lactate {lactate} mmol/L, improving; "
                     "continue piperacillin-tazobactam; follow peritoneal culture."],
                    ["Acute kidney injury: creatinine {creat} umol/L; fluid resuscitation guided by cardiac output "
                     "monitoring; avoid nephrotoxins.", "AKI improving with resuscitation; urine output above 0.5 mL/kg/h."],
                    ["Respiratory: basal atelectasis; chest physiotherapy, incentive spirometry.",
                     "Oxygen via facemask; wean to nasal cannula."],
                    ["Ileostomy care: stoma nurse review; record output.", "Stoma output {stoma} mL; stoma nurse aware."]],
              quiet=["Noradrenaline requirement falling overnight.", "Settled; PCA effective."],
              nursing=["Noradrenaline via central line, MAP above 65 mmHg. Stoma bag applied. Pelvic drain 80 mL serous.",
                       "Deep breathing exercises encouraged. Pain score 3/10 on PCA."],
              medications="piperacillin-tazobactam 4.5 g IV every 8 hours, morphine PCA, noradrenaline (weaning), "
                          "enoxaparin 40 mg SC daily, pantoprazole 40 mg IV daily.",
              lines_drains="central line, arterial line, urinary catheter, pelvic drain, nasogastric tube.",
              balance=(400, 2000)),
        Phase(9, 11, ward, "room air",
              subjective=["Tired; thirsty; stoma very active.", "Feels better in {him}self; sore wound.",
                          "Dizzy on standing; stoma output high overnight."],
              exam=["Alert. Abdomen soft. Ileostomy pink, liquid output. Midline wound: staples intact, lower third "
                    "slightly pink.", "Mild tachycardia. Dry mucous membranes. Stoma functioning, effluent watery."],
              plan=[stoma_plan, electrolytes_plan, nutrition_plan, infection_plan,
                    ["Wound: staples intact; mild erythema at the lower end, marked and observed.",
                     "Wound: observe the lower end daily."]],
              quiet=["No events.", "Stoma bag leaked twice overnight; skin protected.", "Postural dizziness overnight."],
              nursing=stoma_nursing,
              medications=stoma_medications,
              lines_drains="PICC (right arm); pelvic drain with minimal serous output.",
              balance=(-300, 600),
              therapy=stoma_therapy),
        Phase(12, 14, ward, "room air",
              subjective=["Wound painful and leaking at the lower end.", "Sore wound; stoma output settling.",
                          "Better after the wound was opened; tired."],
              exam=["Wound open at the lower third with healthy granulation under the dressing; no further pus. Stoma "
                    "functioning.", "Afebrile this morning. Abdomen soft. Open lower wound, clean base."],
              plan=[stoma_plan, electrolytes_plan, nutrition_plan, infection_plan,
                    ["Wound infection: wound opened and packed; swab sent; negative pressure therapy once clean.",
                     "Surgical site infection: dressings daily by the tissue viability nurse."]],
              quiet=["No events.", "Wound dressing soaked through overnight and was changed."],
              nursing=stoma_nursing + ["Wound dressing changed; moderate serous exudate. Patient tearful, support given."],
              medications=stoma_medications,
              lines_drains="PICC (right arm); pelvic drain removed.",
              balance=(-300, 600),
              therapy=stoma_therapy),
        Phase(15, days, ward, "room air",
              subjective=["Eating better; stoma output thicker; keen to go home.", "Managing own stoma bag changes.",
                          "Sleeping well; pain minimal."],
              exam=["Well. Abdomen soft. Stoma healthy with porridge-like output. Wound with negative pressure dressing, "
                    "healthy granulation.", "Afebrile. Stoma functioning. Wound contracting, clean."],
              plan=[["Ileostomy output now {stoma} mL; continue loperamide, wean codeine.",
                     "Stoma output acceptable; discharge threshold below 1200 mL a day for 48 hours."],
                    ["Wound: negative pressure wound therapy, changes three times a week; district nursing referral.",
                     "Wound healing; arrange community negative pressure therapy."],
                    ["Colon cancer: histology discussed; oncology referral for adjuvant chemotherapy once recovered.",
                     "Oncology clinic to be booked for 4-6 weeks after discharge."],
                    ["Discharge planning: stoma teaching completed; home with family support.",
                     "Discharge: prescriptions, stoma supplies and community services arranged."]],
              nursing=["Changed stoma bag independently with supervision. Discussed diet and hydration.",
                       "Negative pressure dressing checked, seal intact. Mobilising independently."],
              medications="loperamide 4 mg four times daily, omeprazole 40 mg daily, enoxaparin 40 mg SC daily "
                          "(extended prophylaxis), paracetamol as needed.",
              therapy=[("Stoma care", "Patient emptied and changed the appliance independently. Supplies ordered. "
                        "Discussed dehydration signs and what to do if output rises."),
                       ("Occupational therapy", "Independent with personal care; advised on lifting restrictions.")]),
    ]
    stay.events = {
        3: "Vomited bilious fluid overnight; nasogastric tube inserted, drained {ng} mL.",
        5: "Spiked a temperature of {temp} °C at 22:00; blood cultures taken.",
        6: "Sudden worsening abdominal pain at 04:00 with HR {hr} bpm and BP {bp} mmHg; urgent CT; returned to theatre "
           "at 11:00; admitted to ICU post-operatively.",
        7: "Extubated last evening; noradrenaline weaned off at 06:00.",
        9: "Stepped down to the ward. PICC inserted for parenteral nutrition.",
        11: "Stoma output {stoma} mL in 24 hours; dizzy on standing.",
        12: "Lower midline wound red with purulent discharge; staples removed and wound opened.",
        14: "Negative pressure wound therapy applied.",
        17: "Parenteral nutrition stopped; PICC removed.",
        20: "Changed the stoma bag independently for the first time.",
    }
    ct_leak = (f"CT abdomen and pelvis: free gas and a {collection} fluid collection adjacent to the ileocolic "
               "anastomosis with extraluminal oral contrast, consistent with anastomotic leak; moderate free fluid.")
    histology = (f"Histology: moderately differentiated adenocarcinoma of the caecum, {tumour}, pT3 pN1 "
                 f"({positive}/{nodes} lymph nodes), margins clear (R0), no extramural venous invasion.")
    stay.results = {
        6: ct_leak,
        7: f"Peritoneal fluid culture: {organism}. Blood cultures from day 5: no growth.",
        10: histology,
        12: "Wound swab: Escherichia coli, sensitive to piperacillin-tazobactam.",
    }
    admission_vitals = stay.vitals_on(0)
    admission_labs = ", ".join(stay.at(k, 0) for k in ("wbc", "hb", "plt", "crp", "creat", "na", "k", "albumin"))
    staging = (f"Staging CT chest, abdomen and pelvis: {tumour} caecal mass with two 8 mm pericolic nodes, no "
               "liver or lung metastases.")
    surgeon = stay.attending(0)
    hp = lines(
        admission_header(c, stay, "ELECTIVE SURGICAL ADMISSION - HISTORY AND PHYSICAL"),
        "Chief complaint: elective admission for laparoscopic right hemicolectomy for caecal adenocarcinoma.",
        f"History of present illness: {pt.desc_src} referred with iron deficiency anaemia and 3 months of fatigue "
        "and a change in bowel habit. Colonoscopy showed an ulcerating, circumferential caecal tumour; biopsies "
        f"confirmed adenocarcinoma (mismatch repair proficient). {staging} {cea}. Discussed at the colorectal "
        "multidisciplinary meeting: surgery first. Pre-habilitation with walking programme and IV iron 4 weeks ago.",
        "Past medical history: hypertension; type 2 diabetes on metformin; osteoarthritis of the right knee.",
        "Past surgical history: laparoscopic cholecystectomy.",
        "Medications: amlodipine 5 mg daily, metformin 1 g twice daily, atorvastatin 20 mg at night.",
        "Allergies: codeine (vomiting).",
        f"Social history: lives with {stay.family.relation}; ex-smoker; independent; walks 2 miles a day.",
        "Family history: mother had bowel cancer in her seventies.",
        "Review of systems: no weight loss beyond 2 kg, no jaundice, no chest pain, good exercise tolerance.",
        f"Examination: {admission_vitals} on room air. Abdomen soft, non-tender, no palpable mass. Heart and lungs normal.",
        f"Laboratory: {admission_labs}.",
        "Assessment: caecal adenocarcinoma, clinical T3 N1 M0, fit for surgery (ASA 2).",
        numbered([
            "Laparoscopic right hemicolectomy today; consent signed; site marked.",
            "Enhanced recovery: carbohydrate drink pre-operatively, thoracic epidural, early feeding and mobilisation.",
            "Diabetes: hold metformin on the day of surgery; variable rate insulin if glucose above 12 mmol/L.",
            "VTE prophylaxis: enoxaparin 40 mg daily for 28 days.",
        ]),
        f"Signed: Dr. {surgeon.full}, colorectal surgeon.",
        "",
        "OPERATIVE NOTE - DAY 0",
        f"Procedure: laparoscopic right hemicolectomy. Surgeon Dr. {surgeon.full}; assistant Dr. {stay.resident(0).full}.",
        "Findings: caecal tumour without serosal breach; no peritoneal or liver metastases. Medial-to-lateral "
        "dissection, high ligation of the ileocolic vessels. Extracorporeal stapled side-to-side ileocolic "
        f"anastomosis through a periumbilical incision. Blood loss {ebl} mL. Duration {minutes} minutes.",
    )
    relaparotomy = lines(
        "OPERATIVE NOTE - RETURN TO THEATRE",
        f"Date: {c.date(c.on(6))}. Surgeon: Dr. {surgeon.full}.",
        "Indication: anastomotic leak with peritonitis and septic shock.",
        "Findings: 1 cm defect at the ileocolic anastomosis, 1.5 L of faeculent fluid, fibrinous peritonitis.",
        "Procedure: midline laparotomy, washout with 8 L warm saline, anastomosis taken down, end ileostomy and "
        "mucous fistula of the transverse colon, pelvic drain. Abdomen closed with staples.",
        "Post-op: ICU; piperacillin-tazobactam; parenteral nutrition planned.",
    )
    consults = {
        6: relaparotomy,
        8: consult_note(c, stay, 8, "nutrition support team", "parenteral nutrition after relaparotomy.",
                        "Albumin {albumin} g/L, weight loss since admission, nil by mouth since day 3, prolonged ileus "
                        "expected.", ["Insert PICC and start parenteral nutrition at 25 kcal/kg, increase over 3 days.",
                                      "Monitor phosphate, magnesium and potassium daily for refeeding.",
                                      "Capillary glucose every 6 hours."]),
        11: consult_note(c, stay, 11, "medical oncology", "adjuvant therapy after resection.",
                         f"{histology} {cea} pre-operatively.",
                         ["Stage III colon cancer: adjuvant CAPOX for 3 months is recommended once recovered.",
                          "Outpatient oncology clinic 4-6 weeks after discharge.",
                          "Repeat CEA at that visit."]),
        15: consult_note(c, stay, 15, "stoma care", "new ileostomy with high output.",
                         "Stoma output {stoma} mL; peristomal skin moist but intact.",
                         ["Convex appliance with a seal.", "Teach emptying and changing; supplies ordered.",
                          "Discuss reversal after chemotherapy."]),
    }
    discharge_vitals = stay.vitals_on(days)
    discharge_labs = ", ".join(stay.at(k, days) for k in ("wbc", "hb", "crp", "creat", "na", "k", "mg", "albumin"))
    peak = f"{stay.at('crp', 6)}, {stay.at('wbc', 6)}, {stay.at('lactate', 6)}, {stay.at('creat', 6)}"
    discharge = lines(
        discharge_header(c, stay, "home with district nursing"),
        "Principal diagnosis: adenocarcinoma of the caecum treated by laparoscopic right hemicolectomy, complicated by "
        "anastomotic leak.",
        "Secondary diagnoses: septic shock; acute kidney injury; post-operative ileus; high-output ileostomy with "
        "hypokalaemia and hypomagnesaemia; surgical site infection; malnutrition requiring parenteral nutrition.",
        f"Procedures: laparoscopic right hemicolectomy ({c.date(c.today)}); laparotomy, washout and end ileostomy "
        f"({c.date(c.on(6))}); PICC insertion; negative pressure wound therapy.",
        f"Hospital course: ileus from day 3. On day 5 fever; on day 6 septic shock with {peak}. {ct_leak} Returned to "
        f"theatre for washout and end ileostomy, then ICU for 3 days. {stay.results[7]} High-output stoma settled with "
        "loperamide and codeine. Wound infection treated by opening and negative pressure therapy. Parenteral nutrition "
        "stopped on day 17. " + histology,
        f"Condition at discharge: {discharge_vitals} on room air. Stoma output {m['stoma'].values[days]} mL a day.",
        f"Discharge labs: {discharge_labs}.",
        "Discharge medications: loperamide 4 mg four times daily; omeprazole 40 mg daily; enoxaparin 40 mg SC daily to "
        "complete 28 days; amlodipine 5 mg daily; metformin 500 mg twice daily; paracetamol as needed.",
        f"Follow-up: colorectal clinic with Dr. {surgeon.full} in 2 weeks; oncology clinic with Dr. {c.person().full} at "
        f"{c.facility('Cancer Center')} in 4-6 weeks; stoma nurse home visit within 1 week ({c.phone()}); district "
        "nurses for negative pressure therapy three times a week; reversal of ileostomy to be discussed after "
        "chemotherapy.",
        f"Electronically signed by Dr. {stay.attending(days).full} on {c.date(c.on(days))}.",
    )
    source = "\n\n".join([hp, *daily_course(c, stay, consults), discharge])
    ref = reference(
        "Elective laparoscopic right hemicolectomy for caecal adenocarcinoma, complicated by anastomotic leak.",
        f"{cap(pt.desc_ref)} with hypertension and type 2 diabetes, found to have caecal cancer after iron deficiency "
        f"anaemia; stayed {days} days. Ileus from day 3, fever on day 5 and septic shock on day 6.",
        f"Admission: {admission_vitals}; {admission_labs}; {cea}. {staging} Day 6: {stay.at('hr', 6)}, "
        f"{stay.at('bp', 6)}, {peak}. {ct_leak} {stay.results[7]} {histology} Discharge: {discharge_vitals}; "
        f"{discharge_labs}; stoma output {m['stoma'].values[days]} mL a day.",
        "Stage III caecal adenocarcinoma after right hemicolectomy; anastomotic leak treated by laparotomy, washout and "
        "end ileostomy with antibiotics and ICU care; high-output stoma, wound infection and parenteral nutrition. Home "
        "with loperamide, extended enoxaparin, negative pressure wound therapy, stoma nurse, colorectal clinic in 2 "
        "weeks and oncology for adjuvant CAPOX.",
    )
    return source, ref


# --- 3. prolonged heart-failure admission ------------------------------------------------------------

def heart_failure_stay(c: Ctx) -> Built:
    pt = c.patient(68, 89, very_old_chance=0.5)
    days = 21
    w0, loss = c.rng.uniform(94, 108), c.rng.uniform(10, 15)
    m = {
        "weight": measure(c, days, "weight", "kg", [(0, w0, w0), (4, w0 - 1.6, w0 - 0.8), (9, w0 - loss * 0.6, w0 - loss * 0.5),
                                                    (15, w0 - loss + 0.4, w0 - loss + 0.8), (days, w0 - loss, w0 - loss)], 1, 0.002),
        "temp": measure(c, days, "temperature", "°C", [(0, 36.5, 37.0), (days, 36.4, 36.9)], 1, 0.005),
        "hr": measure(c, days, "HR", "bpm", [(0, 108, 124), (4, 96, 106), (9, 84, 92), (days, 68, 78)]),
        "bp": blood_pressure(c, days, [(0, 138, 152), (4, 90, 98), (8, 98, 106), (days, 104, 116)],
                             [(0, 84, 94), (4, 54, 60), (days, 62, 70)]),
        "rr": measure(c, days, "RR", "/min", [(0, 26, 30), (5, 20, 22), (days, 16, 18)]),
        "spo2": measure(c, days, "SpO2", "%", [(0, 87, 90), (4, 92, 94), (10, 94, 96), (days, 95, 97)], 0, 0.01),
        "o2": measure(c, days, "oxygen", "L/min", [(0, 4, 4), (5, 2, 2), (9, 1, 1), (10, 0, 0), (days, 0, 0)], 0, 0.0),
        "creat": measure(c, days, "creatinine", "umol/L", [(0, 138, 164), (4, 198, 232), (8, 168, 186), (13, 140, 156),
                                                          (days, 128, 146)]),
        "urea": measure(c, days, "urea", "mmol/L", [(0, 14, 17), (4, 22, 27), (days, 13, 16)], 1),
        "na": measure(c, days, "sodium", "mmol/L", [(0, 130, 133), (7, 124, 126), (12, 131, 133), (days, 134, 137)], 0, 0.004),
        "k": measure(c, days, "potassium", "mmol/L", [(0, 4.3, 4.8), (7, 3.2, 3.5), (days, 4.2, 4.6)], 1, 0.03),
        "mg": measure(c, days, "magnesium", "mmol/L", [(0, 0.78, 0.86), (7, 0.58, 0.64), (days, 0.80, 0.88)], 2, 0.03),
        "hb": measure(c, days, "Hb", "g/dL", [(0, 10.8, 11.8), (days, 10.4, 11.2)], 1, 0.02),
        "bnp": measure(c, days, "NT-proBNP", "pg/mL", [(0, 9000, 16000), (6, 7000, 9000), (12, 4200, 5400), (days, 2400, 3800)]),
        "dob": measure(c, days, "dobutamine", "mcg/kg/min", [(0, 0, 0), (4, 0, 0), (5, 5, 5), (7, 5, 5), (8, 2.5, 2.5),
                                                              (9, 0, 0), (days, 0, 0)], 1, 0.0),
        "urine": measure(c, days, "urine output", "mL", [(0, 1100, 1400), (4, 800, 1000), (6, 3200, 4200), (9, 2600, 3200),
                                                         (13, 1800, 2200), (days, 1500, 1800)], 0, 0.06),
    }
    stay = Stay(pt, days, c.hospital(), "Cardiology", new_staff(c), new_family(c, pt), m,
                ["weight", "temp", "hr", "bp", "rr", "spo2"],
                [Lab("creat"), Lab("urea"), Lab("na"), Lab("k"), Lab("mg", 2), Lab("hb", 3), Lab("bnp", 3)], [], mrn=c.mrn())
    stay.trends = ["weight", "creat", "na"]
    ef = f"LVEF {c.n(18, 28)}%"
    lvedd, rvsp, tapse = c.n(64, 72), c.n(52, 66), c.n(12, 16)
    qrs = c.n(148, 168)
    echo = (f"Transthoracic echo: {ef}, dilated left ventricle (LVEDD {lvedd} mm), severe functional mitral "
            f"regurgitation, RV systolic pressure {rvsp} mmHg, TAPSE {tapse} mm, dilated IVC.")
    cxr = ("Chest X-ray: cardiomegaly, upper lobe diversion, interstitial oedema and bilateral pleural effusions, "
           "larger on the right.")
    ecg = f"ECG: atrial fibrillation with ventricular rate {m['hr'].values[0]} bpm, left bundle branch block, QRS {qrs} ms."
    ward = "Cardiology ward"
    ward_plan_gdmt = ["Prognostic therapy: bisoprolol held while on inotrope; restart at low dose when stable.",
                      "Guideline-directed therapy on hold while hypotensive; revisit after decongestion."]
    stay.phases = [
        Phase(1, 4, ward, "{o2} L/min nasal cannula",
              subjective=["Still breathless lying flat; slept in the chair. Legs heavy.",
                          "Breathing slightly easier; passing less urine than expected.",
                          "Tired and light-headed on standing; thirsty."],
              exam=["JVP raised to the earlobes. Bibasal crackles to the mid-zones. Pitting oedema to the thighs and sacrum. "
                    "Irregularly irregular pulse. Pansystolic murmur at the apex.",
                    "JVP 8 cm. Crackles at both bases. Oedema to the knees. Cool peripheries."],
              plan=[["Acute decompensated heart failure: IV furosemide 80 mg twice daily; strict fluid balance; daily weights "
                     "(today {weight} kg); fluid restriction 1.5 L.", "Congestion persists: weight {weight} kg; urine output "
                     "{urine} mL; consider escalation to infusion plus thiazide."],
                    ["Kidney function: creatinine {creat} umol/L, urea {urea} mmol/L; cardiorenal pattern; continue "
                     "decongestion, hold ramipril.", "Creatinine rising to {creat} umol/L; stop ACE inhibitor; renal "
                     "ultrasound."],
                    ["Atrial fibrillation: rate {hr} bpm; continue apixaban; bisoprolol 2.5 mg.",
                     "AF rate control adequate at rest; avoid rate-limiting calcium channel blockers."],
                    ["Hyponatraemia: sodium {na} mmol/L, hypervolaemic; fluid restriction.",
                     "Sodium {na} mmol/L; monitor daily."],
                    ward_plan_gdmt],
              quiet=["Slept upright in the chair.", "No events; weight barely changed.", "Nocturnal cough; no chest pain."],
              nursing=["Weighed before breakfast. Fluid chart: input restricted, urine output low. Legs elevated. "
                       "Pressure areas checked; sacral oedema, skin intact.",
                       "Breathless on minimal exertion; oxygen via nasal cannula. Encouraged to stay within fluid limit."],
              medications="furosemide 80 mg IV twice daily, apixaban, bisoprolol 2.5 mg daily, atorvastatin 40 mg, "
                          "IV iron as a single dose.",
              balance=(-600, 200),
              therapy=[("Ward pharmacist", "Medicines reconciled with the community pharmacy record: furosemide doses "
                        "often skipped on days out. Ramipril and metformin held by the team. Apixaban dose checked against "
                        "age, weight and creatinine."),
                       ("Physiotherapy", "Breathless on transfers; sat out in the chair with one assist. Bed exercises "
                        "and breathing control taught."),
                       ("Dietetics", "Reported a salty diet with ready meals and soups. Advised 2 g sodium and a 1.5 L "
                        "fluid limit; written plan given.")]),
        Phase(5, 8, "Coronary care unit", "{o2} L/min nasal cannula",
              subjective=["Feels washed out; passing lots of urine; cramps in the calves.",
                          "Breathing much better; slept flat with two pillows for the first time.",
                          "Thirsty; mild nausea; no chest pain."],
              exam=["JVP 5 cm. Fewer crackles, right base only. Oedema reduced to mid-shin. Peripheries warmer.",
                    "Alert. Irregular pulse. Chest: crackles right base. Oedema to the ankles."],
              plan=[["Low-output decompensated heart failure: dobutamine {dob} mcg/kg/min; furosemide infusion 10 mg/h; "
                     "metolazone 2.5 mg on alternate days; target net negative 2 L a day.",
                     "Decongestion on track: weight {weight} kg, urine output {urine} mL; continue infusion, "
                     "dobutamine {dob} mcg/kg/min."],
                    ["Electrolytes: potassium {k} mmol/L, magnesium {mg} mmol/L, sodium {na} mmol/L; replace potassium "
                     "and magnesium IV; fluid restriction 1 L.", "Hyponatraemia and hypokalaemia from diuresis; "
                     "replacement; twice-daily electrolytes."],
                    ["Renal function: creatinine {creat} umol/L, improving with better perfusion.",
                     "Creatinine {creat} umol/L; accept modest rise while decongesting."],
                    ["Arrhythmia monitoring on telemetry: AF with occasional ventricular ectopy; no ventricular tachycardia.",
                     "Telemetry: rate-controlled AF."]],
              quiet=["Two runs of ventricular ectopy on telemetry, asymptomatic.", "Good diuresis overnight.",
                     "Calf cramps, relieved by magnesium."],
              nursing=["Dobutamine via peripheral line, site checked hourly. Urine output via urinary bottle measured "
                       "hourly overnight. Potassium replacement given.",
                       "Weighed on bed scales. Patient in good spirits. Telemetry: AF, no alarms."],
              medications="dobutamine infusion, furosemide infusion 10 mg/h, metolazone 2.5 mg alternate days, potassium "
                          "and magnesium replacement, apixaban.",
              lines_drains="peripheral cannulas x2, telemetry.",
              balance=(-3200, -1800),
              therapy=[("Physiotherapy", "Marched on the spot for 2 minutes with telemetry; stood for washing at the "
                        "sink. Plan: walk with a frame tomorrow."),
                       ("Ward pharmacist", "Inotrope and diuretic infusion rates checked; potassium replacement "
                        "protocol reviewed; digoxin loading dose recommended once off dobutamine.")]),
        Phase(9, 12, ward, "{o2} L/min nasal cannula" ,
              subjective=["Walking to the bathroom without stopping; ankles much smaller.",
                          "Feels better; palpitations at night.", "Appetite improving; bored of the fluid restriction."],
              exam=["JVP not raised. Few crackles right base. Trace ankle oedema. Irregular pulse.",
                    "Comfortable at rest. Chest clear. Mild ankle oedema."],
              plan=[["Heart failure: off dobutamine; furosemide 80 mg IV twice daily; weight {weight} kg (dry weight "
                     "estimated a little lower).", "Ongoing gentle decongestion; aim for euvolaemia before oral switch."],
                    ["AF rate: {hr} bpm at rest, faster on walking; digoxin 62.5 mcg daily after loading.",
                     "Rate control improving with digoxin and bisoprolol."],
                    ["Renal: creatinine {creat} umol/L, settling.", "Kidney function stable."],
                    ["Sodium {na} mmol/L: improving with restriction.", "Electrolytes acceptable."]],
              quiet=["Palpitations overnight; telemetry AF up to 118 bpm.", "No events."],
              nursing=["Walked to the day room with standby assistance. Fluid restriction maintained.",
                       "Education booklet on heart failure started; patient asked about salt substitutes."],
              medications="furosemide 80 mg IV twice daily, digoxin 62.5 mcg daily, bisoprolol 1.25 mg daily, apixaban.",
              balance=(-2200, -1000),
              therapy=[("Physiotherapy", "Walked 60 m with a frame, SpO2 above 92%, moderate breathlessness (Borg 4). "
                        "Plan: progress to stick; stairs before discharge."),
                       ("Dietetics", "Discussed a 2 g sodium diet and 1.5 L fluid limit; reading food labels; avoid "
                        "potassium-based salt substitutes.")]),
        Phase(13, days, ward, "room air",
              subjective=["Breathing comfortable; managing stairs with a rest.", "Keen to go home; weight stable.",
                          "No orthopnoea; sleeping on one pillow."],
              exam=["JVP not visible. Chest clear. No oedema.", "Euvolaemic. Irregular pulse, rate controlled."],
              plan=[["Transition to oral diuretic: torsemide 40 mg daily; weight {weight} kg stable.",
                     "Oral diuretic working; weight {weight} kg; home target weight set."],
                    ["Guideline-directed therapy: dapagliflozin 10 mg, spironolactone 12.5 mg, bisoprolol up-titration; "
                     "sacubitril/valsartan 24/26 mg twice daily from day 16 if blood pressure allows.",
                     "Continue GDMT titration; check potassium {k} mmol/L and creatinine {creat} umol/L."],
                    [f"Device therapy: LBBB with QRS {qrs} ms and severe LV dysfunction; CRT-D assessment after 3 months "
                     "of optimised therapy.", "Electrophysiology follow-up for CRT-D."],
                    ["Discharge planning: heart failure nurse, telemonitoring scales, cardiac rehabilitation.",
                     "Advance care planning discussed with patient and family."]],
              nursing=["Daily weight recorded; patient weighing {him}self on the ward scales as practice. Independent.",
                       "Medication teaching with pillbox; understands diuretic sick-day rules."],
              medications="torsemide 40 mg daily, dapagliflozin 10 mg daily, spironolactone 12.5 mg daily, bisoprolol, "
                          "digoxin 62.5 mcg daily, apixaban.",
              balance=(-800, 0),
              therapy=[("Physiotherapy", "Climbed 12 stairs with one rail and a rest; walking independently with a "
                        "stick. Safe for discharge home."),
                       ("Heart failure nurse", "Education completed: daily weights, symptoms, fluids, salt, medicines. "
                        "Telemonitoring scales ordered.")]),
    ]
    stay.events = {
        1: "Transthoracic echo performed at the bedside.",
        3: "IV ferric carboxymaltose 1000 mg given for iron deficiency.",
        4: "Systolic BP fell to the low 90s; urine output {urine} mL in 24 hours despite IV furosemide.",
        5: "Transferred to CCU; dobutamine started at 5 mcg/kg/min with a furosemide infusion and metolazone.",
        7: "Sodium {na} mmol/L and potassium {k} mmol/L; fluid restriction tightened to 1 L, potassium replaced.",
        9: "Dobutamine weaned off; back to the cardiology ward; digoxin loaded for rate control.",
        13: "Switched to oral torsemide 40 mg daily; dapagliflozin and low-dose spironolactone started.",
        16: "Sacubitril/valsartan 24/26 mg twice daily started, more than 36 hours after the last ramipril dose.",
        17: "Weight stable for 48 hours on oral diuretic.",
    }
    stay.results = {
        1: echo,
        2: "Thyroid function normal. Ferritin 62 ng/mL, transferrin saturation 14%: iron deficiency.",
        6: "Chest X-ray: less interstitial oedema, persistent small bilateral effusions.",
        10: "Renal ultrasound: normal-sized kidneys, no obstruction.",
        14: "Repeat chest X-ray: resolution of pulmonary oedema, trace right effusion.",
    }
    admission_vitals = stay.vitals_on(0)
    admission_labs = ", ".join(stay.at(k, 0) for k in ("creat", "urea", "na", "k", "hb", "bnp"))
    trop = c.lab("troponin I", 0.03, 0.08, "ng/mL", 2)
    weeks = c.n(2, 4)
    hp = lines(
        admission_header(c, stay, "CARDIOLOGY ADMISSION - HISTORY AND PHYSICAL"),
        f"Chief complaint: {weeks} weeks of worsening breathlessness, orthopnoea and leg swelling.",
        f"History of present illness: {pt.desc_src} with ischaemic cardiomyopathy and permanent atrial fibrillation "
        f"presents with {weeks} weeks of progressive breathlessness, now at rest (NYHA class IV), three-pillow orthopnoea, "
        "paroxysmal nocturnal dyspnoea, abdominal bloating and leg swelling to the thighs. Home weights not recorded "
        "since a fall in the bathroom. Missed several furosemide doses to avoid incontinence on outings. No chest pain. "
        "No fever.",
        "Past medical history: ischaemic cardiomyopathy (anterior myocardial infarction with PCI to the LAD 11 years "
        "ago); permanent atrial fibrillation; chronic kidney disease stage 3b; type 2 diabetes; gout; osteoarthritis.",
        "Medications: furosemide 40 mg twice daily, ramipril 2.5 mg daily, bisoprolol 2.5 mg daily, apixaban 5 mg twice "
        "daily, atorvastatin 40 mg daily, metformin 500 mg twice daily, allopurinol 100 mg daily.",
        "Allergies: no known drug allergies.",
        f"Social history: lives with {stay.family.relation} in a two-storey house; ex-smoker; no alcohol; uses a stick "
        "outdoors.",
        "Family history: brother with heart failure.",
        "Review of systems: nocturia, poor appetite, early satiety; no syncope; no bleeding.",
        f"Examination: {admission_vitals} on room air (on 4 L/min nasal cannula after triage). JVP raised to the "
        "earlobes; bibasal crackles to the mid-zones; pansystolic murmur at the apex; tender hepatomegaly; pitting "
        "oedema to the thighs and sacrum; cool peripheries.",
        f"Laboratory: {admission_labs}, {trop}.",
        f"{cxr} {ecg}",
        "Assessment: acute decompensated heart failure with reduced ejection fraction (wet and cold-warm borderline), "
        "cardiorenal physiology, hypervolaemic hyponatraemia, rate-controlled permanent AF.",
        numbered([
            "IV furosemide 80 mg twice daily (2x home dose), strict fluid balance, daily weights, 1.5 L fluid restriction.",
            "Hold ramipril and metformin while kidney function is unstable.",
            "Continue apixaban and bisoprolol; telemetry.",
            "Echo, iron studies, thyroid function.",
            "Code status discussed: full treatment, revisit after improvement.",
        ]),
        f"Signed: Dr. {stay.attending(0).full}, cardiology.",
    )
    consults = {
        3: consult_note(c, stay, 3, "diabetes", "glucose management with metformin held.",
                        "Type 2 diabetes, HbA1c 7.4%; capillary glucose 7-13 mmol/L on ward diet; creatinine {creat} umol/L.",
                        ["Keep metformin stopped while eGFR is below 30.",
                         "Dapagliflozin 10 mg once euvolaemic serves both heart failure and diabetes.",
                         "Capillary glucose before meals; no insulin needed at present."]),
        5: consult_note(c, stay, 5, "nephrology", "worsening kidney function during diuresis.",
                        "Creatinine {creat} umol/L from a baseline around 140 umol/L; urea {urea} mmol/L; urine output "
                        "{urine} mL; hypotension; still congested.",
                        ["Cardiorenal syndrome: decongestion remains the priority; accept creatinine rise up to 30%.",
                         "Furosemide infusion with metolazone; inotropic support per cardiology.",
                         "No indication for ultrafiltration at present; reassess in 48 hours.",
                         "Avoid NSAIDs and contrast."]),
        12: consult_note(c, stay, 12, "electrophysiology", "device therapy.",
                         f"{ef}, LBBB with QRS {qrs} ms, permanent AF.",
                         ["Candidate for CRT-D after 3 months of optimised medical therapy.",
                          "AV node ablation may be needed to ensure biventricular pacing.",
                          "Clinic in 3 months with repeat echo."]),
        16: consult_note(c, stay, 16, "cardiac rehabilitation", "exercise-based rehabilitation after discharge.",
                         "Walking independently with a stick; weight {weight} kg stable; on oral diuretic.",
                         ["Home-based cardiac rehabilitation programme for heart failure, 12 weeks.",
                          "First contact within 2 weeks of discharge.", "Avoid heavy lifting until reviewed."]),
        14: consult_note(c, stay, 14, "palliative care", "symptom control and advance care planning.",
                         "Advanced heart failure with repeated admissions; patient wishes to stay at home as long as "
                         "possible; family supportive.",
                         ["Advance care plan documented; for full medical treatment but not for cardiopulmonary "
                          "resuscitation (patient's decision).",
                          "Low-dose oral morphine for breathlessness if needed at home.",
                          "Community palliative care team referral."]),
    }
    dn = days
    discharge_vitals = stay.vitals_on(dn)
    discharge_labs = ", ".join(stay.at(k, dn) for k in ("creat", "urea", "na", "k", "mg", "hb", "bnp"))
    lost = f"{float(m['weight'].values[0]) - float(m['weight'].values[dn]):.1f}"
    discharge = lines(
        discharge_header(c, stay, "home with heart failure nurse follow-up"),
        "Principal diagnosis: acute decompensated heart failure with reduced ejection fraction.",
        "Secondary diagnoses: cardiorenal syndrome; hypervolaemic hyponatraemia; hypokalaemia and hypomagnesaemia; "
        "permanent atrial fibrillation; iron deficiency; chronic kidney disease stage 3b; type 2 diabetes.",
        "Hospital course: poor response to IV furosemide with falling blood pressure and rising creatinine (peak "
        f"{stay.at('creat', 4)} on day 4). Transferred to CCU on day 5 for dobutamine, furosemide infusion and "
        f"metolazone, with brisk diuresis. Sodium fell to {stay.at('na', 7)} on day 7 and corrected with fluid "
        "restriction. Dobutamine stopped on day 9. Digoxin added for rate control. Switched to oral torsemide on day 13; "
        f"weight stable for 48 hours before discharge. Total weight loss {lost} kg. Dapagliflozin, spironolactone and "
        "sacubitril/valsartan started; IV iron given.",
        f"Key investigations: {echo} {cxr} {ecg}",
        f"Condition at discharge: {discharge_vitals} on room air. Euvolaemic.",
        f"Discharge labs: {discharge_labs}.",
        "Discharge medications: torsemide 40 mg daily; sacubitril/valsartan 24/26 mg twice daily; bisoprolol 2.5 mg "
        "daily; spironolactone 12.5 mg daily; dapagliflozin 10 mg daily; digoxin 62.5 mcg daily; apixaban 5 mg twice "
        "daily; atorvastatin 40 mg daily; allopurinol 100 mg daily. Stopped: ramipril, metformin, furosemide.",
        f"Target weight: {m['weight'].values[dn]} kg; call the heart failure nurse if up 2 kg in 3 days.",
        f"Follow-up: heart failure nurse home visit within 1 week ({c.phone()}); bloods in 1 week; cardiology clinic "
        f"with Dr. {stay.attending(0).full} in 4 weeks; electrophysiology clinic in 3 months at "
        f"{c.facility('Heart Institute')}; community palliative care.",
        f"Electronically signed by Dr. {stay.attending(days).full} on {c.date(c.on(days))}.",
    )
    source = "\n\n".join([hp, *daily_course(c, stay, consults), discharge])
    ref = reference(
        f"Worsening breathlessness, orthopnoea and leg swelling for {weeks} weeks.",
        f"{cap(pt.desc_ref)} with ischaemic cardiomyopathy, permanent atrial fibrillation and chronic kidney disease, "
        f"admitted for {days} days with decompensated heart failure after missed diuretic doses.",
        f"Admission: {admission_vitals}; {admission_labs}, {trop}. {cxr} {ecg} {echo} Peak {stay.at('creat', 4)} on day "
        f"4; {stay.at('na', 7)} on day 7. Discharge: {discharge_vitals}; {discharge_labs}. Weight loss {lost} kg.",
        "Acute decompensated heart failure with reduced ejection fraction and cardiorenal syndrome, needing dobutamine, "
        "furosemide infusion and metolazone in CCU. Home on torsemide 40 mg daily, sacubitril/valsartan, bisoprolol, "
        "spironolactone, dapagliflozin, digoxin and apixaban; ramipril and metformin stopped. Heart failure nurse and "
        "bloods in 1 week, cardiology in 4 weeks, CRT-D assessment in 3 months, not for resuscitation by patient choice.",
    )
    return source, ref


# --- 4. stroke with inpatient rehabilitation ------------------------------------------------------------

def stroke_rehab(c: Ctx) -> Built:
    pt = c.patient(55, 84)
    days = 27
    m = {
        "temp": measure(c, days, "temperature", "°C", [(0, 36.6, 37.0), (3, 36.8, 37.2), (4, 38.3, 38.9), (6, 37.6, 38.0),
                                                      (8, 36.8, 37.1), (days, 36.5, 36.9)], 1, 0.01),
        "hr": measure(c, days, "HR", "bpm", [(0, 84, 96), (4, 100, 112), (8, 80, 88), (days, 70, 80)]),
        "bp": blood_pressure(c, days, [(0, 176, 196), (1, 138, 150), (days, 124, 136)], [(0, 92, 104), (1, 74, 82), (days, 72, 80)]),
        "rr": measure(c, days, "RR", "/min", [(0, 18, 20), (4, 24, 28), (8, 18, 20), (days, 15, 17)]),
        "spo2": measure(c, days, "SpO2", "%", [(0, 94, 96), (4, 89, 92), (8, 94, 96), (days, 96, 98)], 0, 0.01),
        "o2": measure(c, days, "oxygen", "L/min", [(0, 0, 0), (3, 0, 0), (4, 3, 3), (6, 2, 2), (8, 0, 0), (days, 0, 0)], 0, 0.0),
        "wbc": measure(c, days, "WBC", "x10^9/L", [(0, 8, 10), (4, 15, 19), (8, 9, 11), (days, 6.5, 8.5)], 1),
        "crp": measure(c, days, "CRP", "mg/L", [(0, 4, 9), (3, 10, 20), (5, 120, 180), (9, 40, 60), (days, 5, 12)]),
        "hb": measure(c, days, "Hb", "g/dL", [(0, 13.2, 14.6), (days, 12.4, 13.4)], 1, 0.02),
        "na": measure(c, days, "sodium", "mmol/L", [(0, 137, 140), (6, 131, 133), (days, 137, 140)], 0, 0.004),
        "glucose": measure(c, days, "glucose", "mmol/L", [(0, 7.8, 9.6), (days, 5.4, 6.6)], 1),
        "creat": measure(c, days, "creatinine", "umol/L", [(0, 72, 92), (days, 68, 88)]),
        "nihss": measure(c, days, "NIHSS", "", [(0, 16, 20), (1, 11, 13), (3, 10, 12), (12, 6, 8), (days, 3, 5)], 0, 0.0),
        "fim": measure(c, days, "motor FIM", "", [(0, 14, 18), (12, 30, 36), (20, 48, 54), (days, 62, 72)], 0, 0.0),
        "walk": measure(c, days, "walking distance", "m", [(0, 0, 0), (11, 0, 0), (12, 2, 3), (16, 8, 12), (20, 40, 60),
                                                           (days, 120, 180)], 0, 0.0),
    }
    stay = Stay(pt, days, c.hospital(), "Stroke Medicine", new_staff(c), new_family(c, pt), m,
                ["temp", "hr", "bp", "rr", "spo2"],
                [Lab("wbc", 2), Lab("crp", 2), Lab("hb", 3), Lab("na", 2), Lab("glucose", 2), Lab("creat", 3)], [], mrn=c.mrn())
    stay.trends = ["nihss", "temp", "bp"]
    onset = c.n(70, 140)
    aspects = c.n(7, 9)
    weight = c.n(62, 96)
    tnk = f"{round(weight * 0.25, 1)} mg"
    passes = c.n(1, 3)
    volume = c.n(18, 46)
    ef = f"LVEF {c.n(52, 62)}%"
    rehab = c.facility("Rehabilitation Hospital")
    stroke_unit = "Hyperacute stroke unit"
    stay.phases = [
        Phase(1, 3, stroke_unit, "room air",
              subjective=["Drowsy but rousable; cannot find words; follows one-step commands.",
                          "More alert; frustrated with speech; right arm still heavy.",
                          "Says a few single words; nodding yes and no reliably."],
              exam=["GCS E4 V2 M6. Expressive aphasia, right facial droop, right arm power 1/5, right leg 3/5, right-sided "
                    "sensory loss. Groin puncture site clean, distal pulses present. NIHSS {nihss}.",
                    "Alert. Non-fluent aphasia with good comprehension. Right arm 2/5, leg 3/5. Right homonymous field "
                    "defect not confirmed. NIHSS {nihss}."],
              plan=[["Left MCA infarct after thrombolysis and thrombectomy: blood pressure below 180/105 mmHg for 24 hours "
                     "then below 160/90 mmHg; neuro observations hourly; repeat imaging at 24 hours.",
                     "Ischaemic stroke: NIHSS {nihss}; antiplatelet on hold until 24-hour CT reviewed; then aspirin."],
                    ["Dysphagia: nil by mouth after failed swallow screen; nasogastric feeding and medicines.",
                     "Swallow: speech and language therapy daily; nasogastric feeds at target."],
                    ["Glucose {glucose} mmol/L: keep 5-10 mmol/L; sliding scale not needed.",
                     "Glycaemic control acceptable; HbA1c normal."],
                    ["VTE prevention: intermittent pneumatic compression; no heparin for 24 hours after thrombolysis.",
                     "Intermittent pneumatic compression; enoxaparin from day 2 after stable CT."]],
              quiet=["Neuro observations stable overnight.", "Agitated at 03:00; settled with reorientation.",
                     "No events; blood pressure within target."],
              nursing=["Neuro observations hourly, GCS stable. Nasogastric tube position confirmed by pH. Repositioned "
                       "2-hourly; right arm supported on a pillow to protect the shoulder.",
                       "Communication board used; patient pointing to 'toilet' and 'drink'. Mouth care given."],
              medications="atorvastatin 80 mg via NG, enoxaparin 40 mg SC daily (from day 2), paracetamol as needed, "
                          "nasogastric feed 1.5 L a day.",
              lines_drains="nasogastric tube, peripheral cannula, urinary catheter (trial without catheter planned).",
              balance=(0, 800)),
        Phase(4, 8, "Stroke unit", "{o2} L/min nasal cannula",
              subjective=["Coughing after feeds; feels hot; breathless.", "Cough improving; tired.",
                          "More alert today; wants the tube out."],
              exam=["Coarse crackles right base. Right-sided weakness unchanged. Abdomen soft.",
                    "Chest: fewer crackles. Alert, aphasic, following commands."],
              plan=[["Aspiration pneumonia: co-amoxiclav 1.2 g IV every 8 hours since day 4, chest physiotherapy, "
                     "sit upright at 45 degrees during feeds.", "Pneumonia improving: CRP {crp} mg/L, WBC {wbc} x10^9/L; "
                     "switch to oral antibiotic when afebrile for 24 hours."],
                    ["Stroke: NIHSS {nihss}; aspirin 300 mg via NG for 14 days; atorvastatin 80 mg.",
                     "Secondary prevention in progress; awaiting rhythm monitoring."],
                    ["Hyponatraemia: sodium {na} mmol/L; probable SIADH; fluid restriction of free water flushes.",
                     "Sodium {na} mmol/L; monitor."],
                    ["Nutrition and swallow: continue nasogastric feeding; videofluoroscopy next week.",
                     "Swallow improving at bedside; trial of puree with speech therapy only."]],
              quiet=["Febrile overnight; cultures sent.", "Desaturation to 89% during feed; feed paused.",
                     "Settled night."],
              nursing=["Feed paused for coughing episode; suctioned; head of bed elevated. Oxygen via nasal cannula.",
                       "Chest physiotherapy done. Sputum sent. Patient sleeping comfortably."],
              medications="co-amoxiclav 1.2 g IV every 8 hours, aspirin 300 mg via NG, atorvastatin 80 mg, enoxaparin "
                          "40 mg SC daily, paracetamol.",
              lines_drains="nasogastric tube, peripheral cannula.",
              balance=(-200, 600),
              therapy=[("Physiotherapy", "Chest physiotherapy and sitting balance practice; sat on the edge of the "
                        "bed for 5 minutes with support of one."),
                       ("Speech and language therapy", "Oral trials of puree with chin tuck: delayed swallow, cough "
                        "after the third teaspoon. Remain nil by mouth except supervised trials.")]),
        Phase(9, 11, "Stroke unit", "room air",
              subjective=["Feels stronger; eating puree; word finding slowly better.",
                          "Palpitations last night; no chest pain."],
              exam=["Afebrile. Chest clear. Right arm 3/5 proximally, hand grip weak; right leg 4-/5. Non-fluent "
                    "aphasia improving.", "Irregular pulse on telemetry review; otherwise as before. NIHSS {nihss}."],
              plan=[["Cardioembolic stroke: paroxysmal AF on telemetry; apixaban 5 mg twice daily from day 10 after "
                     "repeat CT; stop aspirin then.", "Cardioembolic stroke: anticoagulation from day 10 as agreed with "
                     "cardiology; continue atorvastatin."],
                    ["Pneumonia resolved: antibiotics completed.", "Chest clear; off oxygen."],
                    ["Swallow: improving; puree trials with speech therapy; videofluoroscopy booked; nasogastric feeds "
                     "until then.", "Swallow: supervised puree; weight monitored weekly."],
                    ["Rehabilitation: accepted by the inpatient rehabilitation unit; transfer when bed available.",
                     "Goals set with the team: walk indoors with an aid, independent toileting, functional "
                     "communication."]],
              nursing=["Supervised puree trial with speech therapy; no coughing. Nasogastric feed continues overnight.",
                       "Transferred to chair with one assist and a turning aid."],
              medications="apixaban 5 mg twice daily (from day 10), atorvastatin 80 mg, amlodipine 5 mg, paracetamol.",
              balance=None,
              therapy=[("Occupational therapy", "Upper limb: active assisted movements of the right shoulder; "
                        "splint for the right wrist at night. Washing face with prompts."),
                       ("Physiotherapy", "Standing in a standing frame for 5 minutes; weight shift to the right.")]),
        Phase(12, 17, "Inpatient rehabilitation unit", "room air",
              subjective=["Motivated; tired after therapy; speech slowly improving.",
                          "Low mood, tearful in the evening; sleeping poorly.",
                          "Pleased with progress; wants to walk to the garden."],
              exam=["Right arm 3/5 proximal, 2/5 distal; right leg 4/5. Tone slightly increased at the right elbow. "
                    "Expressive aphasia, short sentences. Motor FIM {fim}.",
                    "Alert. Speaking in short phrases. Walking in the parallel bars. Shoulder pain on abduction."],
              plan=[["Rehabilitation: daily physiotherapy, occupational therapy and speech therapy; motor FIM {fim}.",
                     "Therapy progress good; walking {walk} m with a quad stick and one assist."],
                    ["Secondary prevention: apixaban, atorvastatin 80 mg, blood pressure {bp} mmHg on amlodipine 5 mg; "
                     "add perindopril 2 mg.", "Blood pressure at target; continue."],
                    ["Post-stroke mood: screening positive; psychology review; consider an antidepressant.",
                     "Mood low at times; psychology sessions; psychiatry opinion requested."],
                    ["Hemiplegic shoulder pain: positioning, strapping, paracetamol; avoid pulling on the arm.",
                     "Shoulder pain improving with positioning."],
                    ["Continence: timed voiding; occasional urgency; no retention on bladder scan.",
                     "Continent by day; one night-time accident."]],
              quiet=["Settled night.", "Woke at 03:00 needing the toilet; assisted.", "No events."],
              nursing=["Assisted with washing and dressing, right arm first. Ate independently with adapted cutlery.",
                       "Tearful in the evening talking about work; emotional support given; {relation} visited."],
              medications="apixaban 5 mg twice daily, atorvastatin 80 mg, amlodipine 5 mg, perindopril 2 mg, "
                          "paracetamol.",
              therapy=[("Physiotherapy", "Walked {walk} m with a quad stick and one assist; right knee hyperextension "
                        "controlled with cues. Stairs not yet attempted."),
                       ("Occupational therapy", "Dressed upper body with minimal assistance; lower body with moderate "
                        "assistance. Kitchen assessment: made a hot drink with supervision."),
                       ("Speech and language therapy", "Naming 14/20 pictures; sentence completion improving. "
                        "Communication book for the family."),
                       ("Psychology", "Low mood and frustration about speech; cognitive screen: attention and "
                        "processing speed reduced. Plan: weekly sessions.")]),
        Phase(18, days, "Inpatient rehabilitation unit", "room air",
              subjective=["Walking to the dining room; looking forward to going home.",
                          "Mood better; sleeping well; managing the toilet alone.",
                          "Worried about stairs at home but practising."],
              exam=["Right arm 4-/5 proximal, 3/5 grip; right leg 4/5. Mild expressive aphasia. Motor FIM {fim}.",
                    "Walks with quad stick and supervision. Speech: full sentences with some word-finding pauses."],
              plan=[["Rehabilitation: motor FIM {fim}; walking {walk} m with a quad stick; stairs with rail and "
                     "supervision.", "Therapy goals nearly met; discharge planning."],
                    ["Discharge planning: home visit, rails and shower chair; outpatient therapy and early supported "
                     "discharge team.", "Discharge planning: family training in transfers; equipment ordered."],
                    ["Secondary prevention and mood: continue apixaban, atorvastatin, antihypertensives; sertraline "
                     "50 mg daily since day 18, review in 2 weeks.", "Mood improving on sertraline; medicines "
                     "reconciled; dosette box arranged."],
                    ["Driving: must not drive; DVLA-equivalent licensing guidance discussed.",
                     "Return to work not yet; occupational health review after 3 months."]],
              nursing=["Independent with toileting in the day. Self-medicating programme started.",
                       "Walked to the dining room with the quad stick and supervision."],
              medications="apixaban 5 mg twice daily, atorvastatin 80 mg, amlodipine 5 mg, perindopril 2 mg, "
                          "sertraline 50 mg daily.",
              therapy=[("Physiotherapy", "Walked {walk} m indoors with a quad stick and supervision; 14 stairs with "
                        "rail and supervision. Home exercise programme given."),
                       ("Occupational therapy", "Kitchen and bathroom practice; rails, raised toilet seat and shower "
                        "chair arranged for home. Independent transfers."),
                       ("Speech and language therapy", "Conversation in full sentences with word-finding pauses; "
                        "reading short texts. Outpatient therapy referral.")]),
    ]
    stay.events = {
        1: "24-hour CT performed; enoxaparin held until reviewed.",
        2: "Failed bedside swallow screen; nasogastric tube placed for feeding and medicines.",
        4: "Fever {temp} °C with productive cough and oxygen requirement.",
        6: "Sodium {na} mmol/L; free water flushes reduced.",
        9: "Telemetry: paroxysmal atrial fibrillation for about 3 hours, rate up to 130 bpm.",
        10: "Apixaban 5 mg twice daily started after repeat CT.",
        12: "Transferred to the inpatient rehabilitation unit.",
        16: "Walked outside the parallel bars for the first time.",
        18: "Started sertraline 50 mg daily for low mood.",
        21: "Home visit with occupational therapy.",
        24: "Family training session for transfers.",
    }
    ct24 = ("CT head at 24 hours: evolving left insular and frontal infarct with petechial haemorrhagic "
            "transformation (HI1), no mass effect.")
    mri = (f"MRI brain: acute left MCA territory infarct, volume {volume} mL, involving the insula, frontal operculum and "
           "corona radiata.")
    cxr = "Chest X-ray: right lower lobe consolidation consistent with aspiration."
    echo = f"Transthoracic echo: {ef}, dilated left atrium, no thrombus, no patent foramen ovale on bubble study."
    stay.results = {
        1: ct24,
        3: mri + " Carotid Doppler: no significant stenosis.",
        4: cxr,
        5: "Sputum: normal oral flora. Blood cultures: no growth.",
        9: "Repeat CT head: haemorrhagic transformation resolved, no new lesion. " + echo,
        11: "Videofluoroscopy: safe swallow with soft diet and thin fluids using a chin tuck.",
    }
    admission_vitals = stay.vitals_on(0)
    admission_labs = ", ".join(stay.at(k, 0) for k in ("wbc", "crp", "hb", "na", "glucose", "creat"))
    inr = f"INR {c.x(0.9, 1.1, 1)}"
    plt = c.lab("platelets", 180, 320, "x10^9/L")
    imaging0 = (f"Non-contrast CT: no haemorrhage, ASPECTS {aspects}. CT angiogram: left M1 occlusion. CT perfusion: "
                "core 14 mL, penumbra 96 mL.")
    procedure = (f"Tenecteplase 0.25 mg/kg ({tnk} for {weight} kg) at 48 minutes from arrival; mechanical thrombectomy "
                 f"via right femoral access, {passes} pass(es) with stent retriever and aspiration, final result TICI 2b.")
    hp = lines(
        admission_header(c, stay, "STROKE ADMISSION - HISTORY AND PHYSICAL"),
        "Chief complaint: sudden right-sided weakness and loss of speech.",
        f"History of present illness: {pt.desc_src}, right-handed, was last known well {onset} minutes before arrival "
        f"when {pt.his} {stay.family.relation} found {pt.him} unable to speak and slumped to the right at the breakfast "
        "table. No headache, no seizure, no trauma. Stroke code activated by paramedics.",
        "Past medical history: hypertension; hyperlipidaemia; osteoarthritis of the hands; no previous stroke "
        "or TIA; no known atrial fibrillation.",
        "Medications: amlodipine 5 mg daily, simvastatin 20 mg at night.",
        "Allergies: no known drug allergies.",
        f"Social history: lives with {stay.family.relation} in a two-storey house, bedroom upstairs; works part time; "
        "drives; ex-smoker; alcohol 10 units a week.",
        "Family history: mother had a stroke at 80.",
        f"Examination: {admission_vitals}. GCS E4 V1 M6. Global aphasia, left gaze preference, right homonymous "
        f"hemianopia, right face/arm/leg weakness (arm 0/5, leg 2/5), right sensory loss. {stay.at('nihss', 0)}.",
        f"Laboratory: {admission_labs}, {inr}, {plt}.",
        f"Imaging: {imaging0}",
        f"Treatment: {procedure}",
        "Assessment: acute left MCA ischaemic stroke from M1 occlusion, treated with thrombolysis and thrombectomy.",
        numbered([
            "Admit to the hyperacute stroke unit; neuro observations; blood pressure below 180/105 mmHg for 24 hours.",
            "Nil by mouth until swallow screen; IV fluids.",
            "No antithrombotics for 24 hours; CT at 24 hours.",
            "Atorvastatin 80 mg; stop simvastatin.",
            "Telemetry and 14-day rhythm monitoring; echocardiogram.",
        ]),
        f"Signed: Dr. {stay.attending(0).full}, stroke physician.",
    )
    consults = {
        2: consult_note(c, stay, 2, "speech and language therapy", "swallow and communication.",
                        "Failed water swallow test with wet voice; severe expressive aphasia, comprehension of "
                        "one-step commands intact.",
                        ["Nil by mouth; nasogastric feeding.", "Daily swallow review; videofluoroscopy when alert.",
                         "Yes/no questions and a picture board for communication."]),
        9: consult_note(c, stay, 9, "cardiology", "paroxysmal atrial fibrillation after stroke.",
                        f"Telemetry: paroxysmal AF. {echo} CHA2DS2-VASc score 4.",
                        ["Start apixaban 5 mg twice daily on day 10 if repeat CT shows no significant haemorrhage.",
                         "Stop aspirin when anticoagulated.", "Rate control not needed at present."]),
        12: lines(
            "REHABILITATION ADMISSION NOTE",
            f"Date: {c.date(c.on(12))}. Unit: inpatient rehabilitation, {rehab}. Physiatrist: Dr. "
            f"{c.person().full}.",
            f"Transferred for rehabilitation after left MCA stroke. {stay.at('nihss', 12)}, {stay.at('fim', 12)}. "
            "Right hemiparesis (arm worse than leg), expressive aphasia, dysphagia on soft diet, shoulder pain.",
            "Goals: walk indoors with an aid; independent transfers and toileting; functional communication; return "
            "home with family.",
            "Plan: 3 hours of therapy a day, 5 days a week; weekly team meeting; estimated length of rehabilitation "
            "2-3 weeks.",
        ),
        18: consult_note(c, stay, 18, "psychiatry", "low mood after stroke.",
                         "Tearful, poor sleep, hopelessness about speech; no suicidal ideas; PHQ-9 (aphasia-friendly) 14.",
                         ["Post-stroke depression: sertraline 50 mg daily.", "Psychology sessions weekly.",
                          "Review in 2 weeks; monitor sodium."]),
        22: consult_note(c, stay, 22, "social work", "discharge home.",
                         "Lives with family in a two-storey house; bedroom upstairs; family able to support.",
                         ["Early supported discharge team referral.", "Carer's assessment for the family.",
                          "Disability parking and benefits advice."]),
    }
    dn = days
    discharge_vitals = stay.vitals_on(dn)
    discharge_labs = ", ".join(stay.at(k, dn) for k in ("wbc", "crp", "hb", "na", "glucose", "creat"))
    function = f"{stay.at('nihss', dn)}, {stay.at('fim', dn)}, {stay.at('walk', dn)} with a quad stick"
    discharge = lines(
        discharge_header(c, stay, "home with early supported discharge team"),
        "Principal diagnosis: acute left middle cerebral artery ischaemic stroke (cardioembolic, paroxysmal atrial "
        "fibrillation).",
        "Secondary diagnoses: aspiration pneumonia; SIADH; post-stroke depression; hemiplegic shoulder pain; "
        "hypertension; hyperlipidaemia.",
        f"Procedures: thrombolysis and mechanical thrombectomy ({c.date(c.today)}); nasogastric feeding; "
        "videofluoroscopy.",
        f"Hospital course: {procedure} {ct24} {mri} Aspiration pneumonia on day 4 ({cxr}) treated with co-amoxiclav. "
        f"Paroxysmal AF on day 9; apixaban from day 10. Transferred to inpatient rehabilitation at {rehab} on day 12. "
        "Sertraline started on day 18 for low mood.",
        f"Function at discharge: {function}; modified Rankin Scale 3; mild expressive aphasia; independent toileting; "
        "needs help with lower body dressing.",
        f"Condition at discharge: {discharge_vitals} on room air.",
        f"Discharge labs: {discharge_labs}.",
        "Discharge medications: apixaban 5 mg twice daily; atorvastatin 80 mg at night; amlodipine 5 mg daily; "
        "perindopril 2 mg daily; sertraline 50 mg daily; paracetamol as needed.",
        f"Follow-up: stroke clinic with Dr. {stay.attending(0).full} in 6 weeks; early supported discharge team "
        f"({c.phone()}); outpatient speech therapy at {c.facility('Community Therapy Center')}; no driving; GP blood "
        "pressure review in 2 weeks.",
        f"Electronically signed by Dr. {stay.attending(days).full} on {c.date(c.on(days))}.",
    )
    source = "\n\n".join([hp, *daily_course(c, stay, consults), discharge])
    ref = reference(
        "Sudden right-sided weakness and loss of speech.",
        f"{cap(pt.desc_ref)} with hypertension and hyperlipidaemia, last known well {onset} minutes before arrival; "
        f"acute left MCA stroke; {days}-day stay including inpatient rehabilitation from day 12.",
        f"Admission: {admission_vitals}; {stay.at('nihss', 0)}; {admission_labs}, {inr}, {plt}. {imaging0} "
        f"{procedure} {ct24} {mri} {cxr} {echo} Discharge: {discharge_vitals}; {discharge_labs}; {function}; modified "
        "Rankin Scale 3.",
        "Cardioembolic left MCA ischaemic stroke treated with tenecteplase and thrombectomy; complicated by aspiration "
        "pneumonia, SIADH, paroxysmal AF and post-stroke depression. Home on apixaban 5 mg twice daily, atorvastatin "
        "80 mg, amlodipine, perindopril and sertraline 50 mg; early supported discharge, outpatient speech therapy, "
        "stroke clinic in 6 weeks, no driving.",
    )
    return source, ref


# --- 5. lymphoma admission with neutropenic fever ------------------------------------------------------

def lymphoma_neutropenic_fever(c: Ctx) -> Built:
    pt = c.patient(45, 78)
    days = 23
    m = {
        "temp": measure(c, days, "temperature", "°C", [(0, 37.0, 37.4), (8, 37.0, 37.4), (9, 38.6, 39.2), (11, 38.8, 39.4),
                                                      (13, 37.4, 37.8), (15, 36.8, 37.1), (days, 36.5, 36.9)], 1, 0.01),
        "hr": measure(c, days, "HR", "bpm", [(0, 90, 100), (8, 88, 96), (9, 112, 124), (11, 108, 118), (14, 86, 94),
                                             (days, 74, 84)]),
        "bp": blood_pressure(c, days, [(0, 124, 136), (8, 118, 126), (9, 94, 104), (11, 98, 108), (14, 112, 122),
                                       (days, 118, 130)], [(0, 74, 82), (9, 52, 58), (days, 70, 78)]),
        "rr": measure(c, days, "RR", "/min", [(0, 16, 18), (9, 22, 24), (12, 18, 20), (days, 15, 17)]),
        "spo2": measure(c, days, "SpO2", "%", [(0, 95, 97), (9, 94, 96), (days, 96, 98)], 0, 0.01),
        "wbc": measure(c, days, "WBC", "x10^9/L", [(0, 8.5, 11.5), (2, 12, 16), (6, 2.2, 3.0), (8, 0.6, 0.9),
                                                   (10, 0.2, 0.4), (13, 0.3, 0.5), (15, 1.6, 2.4), (17, 6, 9), (days, 7, 10)], 1),
        "anc": measure(c, days, "neutrophils", "x10^9/L", [(0, 6.2, 8.2), (2, 10, 13), (6, 1.4, 2.0), (8, 0.3, 0.5),
                                                          (10, 0.05, 0.09), (13, 0.10, 0.20), (15, 1.0, 1.6),
                                                          (17, 4.5, 7.0), (days, 5.0, 7.5)], 2),
        "hb": measure(c, days, "Hb", "g/dL", [(0, 10.2, 11.4), (10, 7.4, 7.9), (11, 9.1, 9.6), (days, 9.4, 10.2)], 1, 0.02),
        "plt": measure(c, days, "platelets", "x10^9/L", [(0, 180, 260), (10, 14, 22), (11, 38, 46), (13, 30, 40),
                                                         (days, 140, 220)]),
        "creat": measure(c, days, "creatinine", "umol/L", [(0, 108, 128), (2, 126, 142), (5, 92, 104), (days, 78, 92)]),
        "k": measure(c, days, "potassium", "mmol/L", [(0, 4.4, 4.9), (2, 4.9, 5.3), (5, 4.0, 4.4), (days, 3.9, 4.3)], 1, 0.03),
        "phos": measure(c, days, "phosphate", "mmol/L", [(0, 1.30, 1.50), (2, 1.70, 1.90), (5, 1.10, 1.30), (days, 1.00, 1.20)], 2, 0.03),
        "urate": measure(c, days, "uric acid", "umol/L", [(0, 520, 640), (1, 90, 140), (5, 150, 220), (days, 200, 280)]),
        "ca": measure(c, days, "calcium", "mmol/L", [(0, 2.22, 2.36), (days, 2.25, 2.40)], 2, 0.01),
        "ldh": measure(c, days, "LDH", "U/L", [(0, 780, 1240), (5, 420, 520), (days, 220, 280)]),
        "crp": measure(c, days, "CRP", "mg/L", [(0, 48, 80), (8, 20, 30), (9, 160, 220), (11, 190, 260), (14, 60, 90),
                                                (days, 8, 20)]),
        "albumin": measure(c, days, "albumin", "g/L", [(0, 30, 33), (12, 24, 27), (days, 28, 31)]),
    }
    stay = Stay(pt, days, c.hospital(), "Haematology", new_staff(c), new_family(c, pt), m,
                ["temp", "hr", "bp", "rr", "spo2"],
                [Lab("wbc"), Lab("anc"), Lab("hb"), Lab("plt"), Lab("creat"), Lab("k"), Lab("phos", 1, 6),
                 Lab("urate", 1, 6), Lab("ca", 2), Lab("ldh", 3), Lab("crp", 2), Lab("albumin", 3)], [], mrn=c.mrn())
    stay.trends = ["anc", "plt", "temp"]
    mass = f"{c.x(9.0, 14.5, 1)} x {c.x(6.0, 9.0, 1)} cm"
    mass_after = f"{c.x(5.0, 7.5, 1)} x {c.x(3.5, 5.5, 1)} cm"
    suv = c.x(18, 34, 1)
    ef = f"LVEF {c.n(55, 64)}%"
    ipi = c.n(3, 4)
    ward = "Haematology ward"
    stay.phases = [
        Phase(1, 5, ward, "room air",
              subjective=["Tired; abdominal fullness; no pain. Eating small meals.",
                          "Mild nausea after chemotherapy; no vomiting; passing good volumes of urine.",
                          "Feels well; mouth comfortable; sleeping."],
              exam=["Alert. No mucositis. Abdomen: firm non-tender mass in the left upper quadrant and umbilical region. "
                    "Cervical nodes smaller. PICC site clean. No oedema.",
                    "Comfortable. Chest clear. Abdominal mass palpable. Mild ankle oedema from fluids."],
              plan=[["Diffuse large B-cell lymphoma, cycle 1 R-CHOP (day {day} of admission): antiemetics; "
                     "prednisolone 100 mg days 1-5; pegfilgrastim on day 2.",
                     "DLBCL: chemotherapy given; LDH {ldh} U/L falling as expected."],
                    ["Tumour lysis risk (high): IV fluids 3 L/m2 a day, allopurinol; labs every 8 hours for 72 hours; "
                     "potassium {k} mmol/L, phosphate {phos} mmol/L, uric acid {urate} umol/L, creatinine {creat} umol/L.",
                     "No laboratory TLS: uric acid {urate} umol/L after rasburicase; continue fluids."],
                    ["Infection prophylaxis: aciclovir 400 mg twice daily; mouth care; neutropenic diet advice.",
                     "Prophylaxis as planned; hepatitis B core antibody negative."],
                    ["Venous access: PICC in the left arm; flush per protocol.", "PICC functioning."]],
              quiet=["Settled night; urine output good.", "Nausea at 02:00 settled with ondansetron."],
              nursing=["IV fluids running at 200 mL/h; fluid balance positive 600 mL; weight stable. TLS bloods taken "
                       "at 06:00 and 14:00.", "Chemotherapy education leaflets given; patient asked about hair loss."],
              medications="IV 0.9% saline 200 mL/h, allopurinol 300 mg daily, aciclovir 400 mg twice daily, "
                          "ondansetron 8 mg twice daily, prednisolone 100 mg daily, omeprazole 20 mg daily.",
              lines_drains="left basilic PICC.",
              balance=(300, 1200),
              therapy=[("Oncology pharmacist", "Chemotherapy doses checked against body surface area and bloods; "
                        "vincristine capped at 2 mg; allopurinol after rasburicase; interaction check with omeprazole "
                        "done."),
                       ("Physiotherapy", "Independent on the ward; advised to keep walking during treatment; "
                        "exercise leaflet given.")]),
        Phase(6, 8, ward, "room air",
              subjective=["Sore mouth; eating soft food only.", "Tired; mouth ulcers; no fever.",
                          "Feeling flat; appetite poor."],
              exam=["Oral mucositis grade 2 with ulcers on the buccal mucosa. Abdomen soft, mass smaller. PICC clean.",
                    "Afebrile. Mouth ulcers. Chest clear. No rash."],
              plan=[["Expected neutropenia: neutrophils {anc} x10^9/L; neutropenic precautions; single room.",
                     "Counts falling: WBC {wbc} x10^9/L; patient and family educated on fever."],
                    ["Mucositis: benzydamine mouthwash, lidocaine gel, soft diet; oral analgesia.",
                     "Mucositis grade 2: analgesia and nutrition supplements."],
                    ["Nutrition: albumin {albumin} g/L; dietitian review; high-protein drinks.",
                     "Oral intake about half of usual; supplements."]],
              quiet=["Settled.", "Mouth pain overnight; lidocaine gel used."],
              nursing=["Mouth care every 4 hours. Encouraged supplements. Observations 4-hourly, all within range.",
                       "Single room, neutropenic precautions in place."],
              medications="aciclovir 400 mg twice daily, allopurinol 300 mg daily, benzydamine mouthwash, lidocaine "
                          "gel, paracetamol as needed, oral nutritional supplements.",
              lines_drains="left basilic PICC.",
              therapy=[("Dietetics", "Intake about 50% of requirements. Soft high-protein diet, two supplement drinks a "
                        "day, weekly weights.")]),
        Phase(9, 9, "Haematology ward (isolation room)", "room air",
              subjective=["Rigors and sweats; feels very unwell; mouth sore."],
              exam=["Flushed, warm peripheries. Chest clear. Abdomen soft. PICC site: no erythema. No rash. Perianal "
                    "area not examined rectally (neutropenic); visually normal.",
                    "Febrile, tachycardic. Mucositis grade 2. Chest clear. Abdomen soft, non-tender."],
              plan=[["Neutropenic sepsis: neutrophils {anc} x10^9/L; piperacillin-tazobactam 4.5 g IV every 6 hours "
                     "started within 1 hour; escalate if bacteraemia or instability."],
                    ["Haemodynamics: BP {bp} mmHg after 2 L crystalloid; lactate normal; monitor 2-hourly.",
                     "Stable haemodynamics on the ward; no need for critical care."],
                    ["Cytopenias: Hb {hb} g/dL, platelets {plt} x10^9/L; transfuse red cells below 8 g/dL and platelets "
                     "below 10 x10^9/L or if bleeding.", "Transfusion support as required."],
                    ["Persistent fever beyond 72 hours: CT chest and abdomen, beta-D-glucan, galactomannan.",
                     "Fungal screen negative so far; no empirical antifungal yet."]],
              quiet=["Febrile overnight to {temp} °C.", "Rigors at 04:00; blood cultures repeated.",
                     "Tachycardic overnight, responded to fluid bolus."],
              nursing=["Temperature spike with rigors; doctor informed; cultures taken from PICC and periphery; "
                       "antibiotics given within 45 minutes.", "Observations hourly overnight. Encouraged fluids."],
              medications="piperacillin-tazobactam 4.5 g IV every 6 hours, aciclovir, paracetamol 1 g every 6 hours, "
                          "IV fluids, transfusion as required.",
              lines_drains="left basilic PICC (retained).",
              balance=(200, 1400),
              therapy=[("Oncology pharmacist", "Meropenem dose adjusted to renal function; aciclovir continued; "
                        "paracetamol timing reviewed so as not to mask fever spikes."),
                       ("Dietetics", "Eating little with fever; nutritional drinks twice daily; weight down since "
                        "admission.")]),
        Phase(10, 12, "Haematology ward (isolation room)", "room air",
              subjective=["Rigors and sweats; feels very unwell; mouth sore.", "Still febrile; headache; no cough.",
                          "Fever persisting; loose stools twice; no abdominal pain."],
              exam=["Flushed, warm peripheries. Chest clear. Abdomen soft. PICC site: no erythema. No rash. Perianal "
                    "area not examined rectally (neutropenic); visually normal.",
                    "Febrile, tachycardic. Mucositis grade 2. Chest clear. Abdomen soft, non-tender."],
              plan=[["Febrile neutropenia with Gram-negative bacteraemia: meropenem 1 g IV every 8 hours since day "
                     "10; PICC retained, repeat cultures from PICC and periphery.",
                     "Neutropenic sepsis: neutrophils {anc} x10^9/L; meropenem continued; escalate if unstable."],
                    ["Haemodynamics: BP {bp} mmHg after 2 L crystalloid; lactate normal; monitor 2-hourly.",
                     "Stable haemodynamics on the ward; no need for critical care."],
                    ["Cytopenias: Hb {hb} g/dL, platelets {plt} x10^9/L; transfuse red cells below 8 g/dL and platelets "
                     "below 10 x10^9/L or if bleeding.", "Transfusion support as required."],
                    ["Persistent fever beyond 72 hours: CT chest and abdomen, beta-D-glucan, galactomannan.",
                     "Fungal screen negative so far; no empirical antifungal yet."]],
              quiet=["Febrile overnight to {temp} °C.", "Rigors at 04:00; blood cultures repeated.",
                     "Tachycardic overnight, responded to fluid bolus."],
              nursing=["Temperature spike with rigors; doctor informed; cultures taken from PICC and periphery; "
                       "antibiotics given within 45 minutes.", "Observations hourly overnight. Encouraged fluids."],
              medications="piperacillin-tazobactam then meropenem 1 g IV every 8 hours, aciclovir, paracetamol 1 g "
                          "every 6 hours, IV fluids, transfusion as required.",
              lines_drains="left basilic PICC (retained).",
              balance=(200, 1400),
              therapy=[("Oncology pharmacist", "Meropenem dose adjusted to renal function; aciclovir continued; "
                        "paracetamol timing reviewed so as not to mask fever spikes."),
                       ("Dietetics", "Eating little with fever; nutritional drinks twice daily; weight down since "
                        "admission.")]),
        Phase(13, 16, "Haematology ward (isolation room)", "room air",
              subjective=["First day without fever; appetite returning.", "Mouth much better; walking to the shower.",
                          "Tired but brighter."],
              exam=["Afebrile. Mucositis healing. Chest clear. Abdomen soft; mass barely palpable.",
                    "Well. Mouth ulcers healed. PICC site clean."],
              plan=[["E. coli bacteraemia: meropenem since day 10; plan 14 days total; switch to oral when neutrophils "
                     "recover and afebrile 48 hours.", "Infection settling: CRP {crp} mg/L."],
                    ["Count recovery: neutrophils {anc} x10^9/L.", "Neutrophils recovering after pegfilgrastim."],
                    ["Lymphoma: interim response assessment after cycle 2; cycle 2 delayed by 1 week.",
                     "Discussed at lymphoma MDT: continue R-CHOP for 6 cycles."]],
              nursing=["Walking around the room. Eating better. Observations stable.",
                       "Mouth care continued; patient independent with hygiene."],
              medications="meropenem 1 g IV every 8 hours, aciclovir 400 mg twice daily, paracetamol as needed.",
              therapy=[("Physiotherapy", "Deconditioned after the febrile period; walked 40 m; exercise sheet given."),
                       ("Psycho-oncology nurse", "Discussed anxiety about infection and the next cycle; coping strategies; "
                        "support group information.")]),
        Phase(17, days, ward, "room air",
              subjective=["Feels well; keen to go home.", "Eating normally; no fever; mobile."],
              exam=["Well. Afebrile. Chest clear. Abdomen soft, no palpable mass. PICC clean.",
                    "Comfortable. No mucositis. No oedema."],
              plan=[["Bacteraemia: oral ciprofloxacin to complete 14 days (isolate sensitive).",
                     "Antibiotics: oral step-down completed in hospital for 48 hours without fever."],
                    ["Lymphoma: cycle 2 R-CHOP planned in 1 week as an outpatient with pegfilgrastim and "
                     "levofloxacin prophylaxis.", "Outpatient chemotherapy unit booked."],
                    ["Discharge: education on neutropenic fever, 24-hour hotline, PICC care by district nurses.",
                     "Discharge planning complete."]],
              nursing=["Independent. PICC dressing changed; district nurse referral made.",
                       "Discharge education completed with the patient and family."],
              medications="ciprofloxacin 500 mg twice daily, aciclovir 400 mg twice daily, allopurinol 300 mg daily.",
              therapy=[("Occupational therapy", "Fatigue management and pacing discussed; independent with personal "
                        "care; no equipment needed."),
                       ("Oncology pharmacist", "Discharge medicines explained; ciprofloxacin spacing from calcium and "
                        "iron; aciclovir through chemotherapy.")]),
    ]
    stay.events = {
        1: "Cycle 1 R-CHOP given; rigors 40 minutes into rituximab, settled after pausing and hydrocortisone 100 mg IV; "
           "infusion completed at a slower rate.",
        2: "Pegfilgrastim 6 mg SC given.",
        5: "TLS monitoring stopped; no laboratory tumour lysis.",
        7: "Painful mouth ulcers; managing soft diet.",
        9: "Temperature {temp} °C at 05:00 with rigors; sepsis pathway started, piperacillin-tazobactam within 45 minutes.",
        10: "Blood cultures positive for Gram-negative rods at 14 hours; escalated to meropenem.",
        11: "Transfused 1 unit of red cells and 1 pool of platelets.",
        13: "First full day afebrile.",
        15: "Neutrophils above 1.0 x10^9/L.",
        17: "Switched to oral ciprofloxacin.",
    }
    culture = ("Blood cultures (day 9): Escherichia coli, ESBL-producing, sensitive to meropenem and ciprofloxacin, "
               "resistant to piperacillin-tazobactam.")
    ct = (f"CT chest, abdomen and pelvis: no pneumonia or abscess; mesenteric nodal mass smaller at {mass_after}; "
          "small bilateral pleural effusions.")
    stay.results = {
        1: f"Echocardiogram before anthracycline: {ef}.",
        10: culture,
        11: ct,
        12: "Repeat blood cultures: no growth at 48 hours. Beta-D-glucan and galactomannan negative.",
    }
    admission_vitals = stay.vitals_on(0)
    admission_labs = ", ".join(stay.at(k, 0) for k in ("wbc", "anc", "hb", "plt", "creat", "k", "phos", "urate", "ca",
                                                       "ldh", "crp", "albumin"))
    pet = (f"PET-CT: bulky mesenteric nodal mass {mass} (SUVmax {suv}), cervical and para-aortic nodes and splenic "
           "lesions; Lugano stage IV.")
    biopsy = "Core biopsy: diffuse large B-cell lymphoma, germinal centre type, Ki-67 80%, MYC not rearranged."
    weeks = c.n(4, 10)
    hp = lines(
        admission_header(c, stay, "HAEMATOLOGY ADMISSION - HISTORY AND PHYSICAL"),
        "Chief complaint: admission for first cycle of chemotherapy for newly diagnosed lymphoma.",
        f"History of present illness: {pt.desc_src} with {weeks} weeks of abdominal fullness, night sweats, "
        "6 kg weight loss and a painless neck lump. CT arranged by the primary care physician showed a large mesenteric "
        f"mass. {biopsy} {pet} Bone marrow biopsy: not involved. IPI score {ipi}. Admitted for cycle 1 of R-CHOP with "
        "tumour lysis prophylaxis because of bulky disease, raised LDH and uric acid.",
        "Past medical history: hypertension; gastro-oesophageal reflux; hepatitis B and C and HIV serology negative.",
        "Medications: lisinopril 10 mg daily (held), omeprazole 20 mg daily.",
        "Allergies: penicillin listed as 'childhood rash'; tolerated piperacillin-tazobactam previously per records.",
        f"Social history: lives with {stay.family.relation}; works in retail; never smoker; alcohol rarely.",
        "Family history: no haematological malignancy.",
        "Review of systems: B symptoms as above; no bleeding; no bone pain; no infections.",
        f"Examination: {admission_vitals} on room air. Performance status ECOG 1. Right cervical lymph node 3 cm. "
        "Firm non-tender mass in the central abdomen. No hepatosplenomegaly palpable. No oedema.",
        f"Laboratory: {admission_labs}.",
        f"Echocardiogram (outpatient): {ef}.",
        "Assessment: stage IV bulky diffuse large B-cell lymphoma, high-intermediate risk, high risk of tumour lysis.",
        numbered([
            "R-CHOP cycle 1 tomorrow (rituximab 375 mg/m2, cyclophosphamide 750 mg/m2, doxorubicin 50 mg/m2, vincristine "
            "1.4 mg/m2 capped at 2 mg, prednisolone 100 mg days 1-5).",
            "Tumour lysis prophylaxis: IV fluids 3 L/m2 a day, rasburicase 0.2 mg/kg today, allopurinol after; TLS bloods "
            "every 8 hours.",
            "PICC insertion today; aciclovir prophylaxis; pegfilgrastim on day 2.",
            "Hold lisinopril during hydration.",
            "Code status: full.",
        ]),
        f"Signed: Dr. {stay.attending(0).full}, haematology.",
    )
    consults = {
        7: consult_note(c, stay, 7, "oral medicine", "painful oral ulceration during chemotherapy.",
                        "Grade 2 mucositis with ulcers on the buccal mucosa and lateral tongue; no candida; no herpetic "
                        "lesions; neutrophils {anc} x10^9/L.",
                        ["Benzydamine mouthwash every 3 hours and lidocaine gel before meals.",
                         "Swab any new vesicles for herpes simplex.", "Soft toothbrush; avoid alcohol-based mouthwash."]),
        8: consult_note(c, stay, 8, "nutrition support", "poor intake with mucositis.",
                        "Albumin {albumin} g/L; weight down 2 kg since admission; oral intake half of needs.",
                        ["High-protein soft diet and supplements twice daily.",
                         "Consider nasogastric feeding if intake stays below 50% for 5 days.", "Weekly weights."]),
        10: consult_note(c, stay, 10, "infectious diseases", "Gram-negative bacteraemia in febrile neutropenia.",
                         culture + " Neutrophils {anc} x10^9/L. Haemodynamically stable.",
                         ["Meropenem 1 g IV every 8 hours; total 14 days from the first negative culture.",
                          "PICC can be retained if repeat cultures are negative and fever settles.",
                          "Oral step-down to ciprofloxacin once neutrophils recover and afebrile 48 hours.",
                          "Contact precautions for ESBL carriage."]),
        16: consult_note(c, stay, 16, "psycho-oncology", "anxiety about treatment.",
                         "Worry about infection and the next cycles; sleep disturbed; supportive family.",
                         ["Anxiety management techniques; weekly outpatient sessions.",
                          "Low-dose mirtazapine if sleep remains poor.", "Information about support groups given."]),
    }
    dn = days
    discharge_vitals = stay.vitals_on(dn)
    discharge_labs = ", ".join(stay.at(k, dn) for k in ("wbc", "anc", "hb", "plt", "creat", "ldh", "crp", "albumin"))
    nadir = f"{stay.at('anc', 10)}, {stay.at('plt', 10)}, {stay.at('hb', 10)}"
    discharge = lines(
        discharge_header(c, stay, "home"),
        "Principal diagnosis: stage IV diffuse large B-cell lymphoma, cycle 1 R-CHOP, complicated by neutropenic sepsis "
        "with ESBL Escherichia coli bacteraemia.",
        "Secondary diagnoses: grade 1 rituximab infusion reaction; grade 2 oral mucositis; chemotherapy-induced anaemia "
        "and thrombocytopenia requiring transfusion; hypertension.",
        "Hospital course: tumour lysis prevented with fluids and rasburicase. Cycle 1 R-CHOP on day 1 with a mild "
        f"infusion reaction. Neutropenic fever from day 9 with nadir {nadir} on day 10. {culture} Escalated to meropenem; "
        f"afebrile from day 13; neutrophils recovered on day 15 after pegfilgrastim. {ct} Switched to oral ciprofloxacin "
        "on day 17.",
        f"Key results: {pet} {biopsy}",
        f"Condition at discharge: {discharge_vitals} on room air. ECOG 1.",
        f"Discharge labs: {discharge_labs}.",
        "Discharge medications: ciprofloxacin 500 mg twice daily to complete 14 days; aciclovir 400 mg twice daily; "
        "allopurinol 300 mg daily until cycle 2; omeprazole 20 mg daily; lisinopril restarted at 5 mg daily.",
        f"Follow-up: day unit review in 1 week with bloods; cycle 2 R-CHOP in 1 week with pegfilgrastim; lymphoma "
        f"clinic with Dr. {stay.attending(0).full}; 24-hour chemotherapy hotline {c.phone()}; district nurses for "
        f"PICC care; psycho-oncology at {c.facility('Cancer Wellness Center')}.",
        f"Electronically signed by Dr. {stay.attending(days).full} on {c.date(c.on(days))}.",
    )
    source = "\n\n".join([hp, *daily_course(c, stay, consults), discharge])
    ref = reference(
        "Admission for first-cycle chemotherapy for newly diagnosed lymphoma; neutropenic fever during the stay.",
        f"{cap(pt.desc_ref)} with {weeks} weeks of abdominal fullness, night sweats and weight loss; stage IV bulky "
        f"diffuse large B-cell lymphoma, IPI score {ipi}; {days}-day admission.",
        f"Admission: {admission_vitals}; {admission_labs}. {pet} {biopsy} {ef}. Nadir on day 10: {nadir}. {culture} "
        f"{ct} Discharge: {discharge_vitals}; {discharge_labs}.",
        "DLBCL treated with cycle 1 R-CHOP and tumour lysis prophylaxis; neutropenic sepsis with ESBL E. coli "
        "bacteraemia treated with meropenem then oral ciprofloxacin to complete 14 days; transfusions for cytopenias. "
        "Home on ciprofloxacin, aciclovir and allopurinol; day unit review and cycle 2 in 1 week with pegfilgrastim.",
    )
    return source, ref


# --- the set ----------------------------------------------------------------------------------

SCENARIOS: list[tuple[str, str, str, Callable[[Ctx], Built]]] = [
    ("critical care", "ICU sepsis with ARDS", "hospital stay", icu_sepsis),
    ("general surgery", "right hemicolectomy complicated by anastomotic leak", "hospital stay", colectomy_leak),
    ("cardiology", "acute decompensated heart failure with cardiorenal syndrome", "hospital stay", heart_failure_stay),
    ("neurology", "left MCA ischaemic stroke with inpatient rehabilitation", "hospital stay", stroke_rehab),
    ("haematology", "diffuse large B-cell lymphoma with neutropenic fever", "hospital stay", lymphoma_neutropenic_fever),
]


def build_case(seed: int, builder: Callable[[Ctx], Built]) -> Built:
    _, ref = builder(Ctx(seed))
    source, final_ref = builder(Ctx(seed, avoid=ref))
    if final_ref != ref:
        raise RuntimeError(f"{builder.__name__}: reference changed between passes")
    return source, final_ref


def build_cases() -> list[dict]:
    """Each dict: {"id", "metadata": {"department", "note_type", "diagnosis", "length_class"}, "source", "reference"}."""
    cases = []
    for index, (department, diagnosis, note_type, builder) in enumerate(SCENARIOS):
        source, ref = build_case(BASE_SEED + 97 * index, builder)
        cases.append({
            "id": f"en-long-{index + 1:02d}",
            "metadata": {"department": department, "note_type": note_type, "diagnosis": diagnosis,
                         "length_class": "long"},
            "source": source,
            "reference": ref,
        })
    return cases
