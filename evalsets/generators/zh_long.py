"""Long Chinese inpatient records for the set ``long-records-zh``.

Each record is one invented stay: the 入院记录, the 首次病程记录, a 日常病程记录 for every hospital day (vital
signs and laboratory values that move day by day, their three-day trends, the analysis and the plan), 上级医师
查房记录 every third day, 护理记录, 会诊记录 on their days and the 出院记录, above 16,000 characters in all. The
reference summary, in the four sections of the set (【主诉】【现病史】【辅助检查】【初步诊断】), covers the whole
stay: the history, the course, the admission, peak and discharge values copied as written, and the diagnoses.

As in ``zh_inpatient``, the clinical content is drawn first from a seeded ``random.Random`` and the reference is
written from it; only then are identifiers drawn from a seeded Faker (zh_CN) through ``LeakGuard``, which redraws
any identifier that would show in the reference. PHI is written inline as ``[[LABEL|text]]``. No real patient,
clinician or hospital appears.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from faker import Faker

from evalsets.generators.common import mark, seeded
from evalsets.generators.zh_inpatient import (
    RELATIVE_ROLES, LeakGuard, address, birth_date, format_date, given_name, hospital_name, phone, record_number,
    resident_id,
)

BASE_SEED = 4_417_302
NOTE_TYPE = "入院记录及病程记录"
MIN_CHARS = 16_000  # every record is longer than this


# --- values that move day by day -------------------------------------------------------------

@dataclass(frozen=True)
class Series:
    """A value charted every day of the stay, written as the notes write it (``体温38.5℃``)."""

    label: str
    unit: str
    values: tuple[str, ...]

    @property
    def spacer(self) -> str:
        """A space after a label that ends in a Latin letter or digit (``CK-MB 163U/L``), none after a Han one."""
        return " " if self.label[-1:].isascii() and self.label[-1:].isalnum() else ""

    def at(self, day: int, label: str | None = None) -> str:
        return f"{label or self.label}{self.spacer}{self.values[day]}{self.unit}"


def trajectory(rng: random.Random, days: int, anchors: Sequence[tuple[int, float, float]], digits: int,
               noise: float) -> tuple[str, ...]:
    """Values for days 0..days: drawn at the anchor days, interpolated with noise in between."""
    points = [(day, rng.uniform(low, high)) for day, low, high in anchors]
    anchored = {day for day, _ in points}
    values = []
    for day in range(days + 1):
        (d0, v0), (d1, v1) = next((a, b) for a, b in zip(points, points[1:]) if a[0] <= day <= b[0])
        value = v0 + (v1 - v0) * (day - d0) / (d1 - d0) if d1 > d0 else v0
        if day not in anchored:
            value *= 1 + rng.uniform(-noise, noise)
        values.append(f"{value:.{digits}f}")
    return tuple(values)


def series(rng: random.Random, days: int, label: str, unit: str, anchors: Sequence[tuple[int, float, float]],
           digits: int = 0, noise: float = 0.04) -> Series:
    return Series(label, unit, trajectory(rng, days, anchors, digits, noise))


def pressure(rng: random.Random, days: int, systolic: Sequence[tuple[int, float, float]],
             diastolic: Sequence[tuple[int, float, float]]) -> Series:
    highs = trajectory(rng, days, systolic, 0, 0.04)
    lows = trajectory(rng, days, diastolic, 0, 0.04)
    return Series("血压", "mmHg", tuple(f"{high}/{low}" for high, low in zip(highs, lows)))


# --- the stay ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Stage:
    """Days ``first``..``last`` of the stay and how the notes read on them. Texts may name the day's values as
    ``{key}`` (a series' value without its unit) and ``{day}``."""

    first: int
    last: int
    ward: str
    support: str  # respiratory or other support, written after the vital signs
    subjective: Sequence[str]
    exam: Sequence[str]
    analysis: Sequence[str]
    plan: Sequence[Sequence[str]]  # one list of alternatives per problem
    quiet: Sequence[str]
    nursing: Sequence[str]
    senior: Sequence[str]  # what the senior physician says on rounds
    treatment: str
    balance: tuple[int, int] | None = None  # net fluid balance range (mL) to chart, None to leave out


@dataclass(frozen=True)
class Consult:
    department: str
    reason: str
    findings: str
    advice: Sequence[str]


@dataclass(frozen=True)
class Admission:
    chief: str
    hpi: str  # may hold @REL@ (the relative who brought the patient) and @OUTSIDE@ (another hospital)
    past: str
    personal: str
    marital: str
    family: str
    exam: str
    tests: str
    diagnoses: Sequence[str]
    plan: Sequence[str]
    features: Sequence[str]  # 首次病程记录: 病例特点
    differential: str  # 首次病程记录: 诊断依据及鉴别诊断


@dataclass(frozen=True)
class Discharge:
    course: str
    condition: str
    diagnoses: Sequence[str]
    orders: Sequence[str]


@dataclass
class Stay:
    department: str
    specialty: str
    diagnosis: str
    sex: str
    age: int
    days: int
    series: dict[str, Series]
    vitals: list[str]
    labs: list[tuple[str, int, int | None]]  # (key, every n days, until day or None)
    trends: list[str]
    stages: list[Stage]
    admission: Admission
    discharge: Discharge
    reference: str
    events: dict[int, str] = field(default_factory=dict)
    results: dict[int, str] = field(default_factory=dict)
    consults: dict[int, Consult] = field(default_factory=dict)

    def stage(self, day: int) -> Stage:
        return next(stage for stage in self.stages if stage.first <= day <= stage.last)

    def at(self, key: str, day: int, label: str | None = None) -> str:
        return self.series[key].at(day, label)

    def vitals_on(self, day: int) -> str:
        return "，".join(self.at(key, day) for key in self.vitals)

    def labs_on(self, day: int) -> str:
        """The day's laboratory values: each on its days, every one on the day of discharge."""
        keys = [key for key, every, until in self.labs
                if day == self.days or ((until is None or day <= until) and day % every == 0)]
        return "，".join(self.at(key, day) for key in keys)

    def trend(self, key: str, day: int) -> str:
        chosen = self.series[key]
        return f"{chosen.label}{chosen.spacer}{'→'.join(chosen.values[max(day - 2, 0):day + 1])}{chosen.unit}"

    def fill(self, text: str, day: int) -> str:
        return text.format_map({"day": str(day), **{key: item.values[day] for key, item in self.series.items()}})


def numbered(items: Sequence[str]) -> str:
    return "\n".join(f"{index}. {item}" for index, item in enumerate(items, start=1))


def reference(chief: str, history: str, tests: str, diagnoses: Sequence[str]) -> str:
    return "\n".join([f"【主诉】{chief}", f"【现病史】{history}", f"【辅助检查】{tests}",
                      f"【初步诊断】{'；'.join(diagnoses)}。"])


# --- identifiers -------------------------------------------------------------------------------

REL = "@REL@"
OUTSIDE = "@OUTSIDE@"


@dataclass
class Who:
    """The identifiers of one record, marked where they are written."""

    name: str
    relative: str
    role_ref: str
    role_noun: str
    mrn_label: str
    mrn: str
    id_number: str
    phone: str
    relative_phone: str
    address: str
    hospital: str
    outside: str
    residents: tuple[str, str]
    attending: str
    director: str
    nurses: tuple[str, str, str]
    consultants: dict[int, str]
    admitted: date
    date_style: int

    def date(self, day: int) -> str:
        return mark("DATE", format_date(self.admitted + timedelta(days=day), self.date_style))

    def resident(self, day: int) -> str:
        return self.residents[day % 2]

    def nurse(self, day: int) -> str:
        return self.nurses[day % 3]


def draw_who(rng: random.Random, fake: Faker, guard: LeakGuard, stay: Stay) -> Who:
    def person(male: bool | None = None) -> str:
        return guard.draw(lambda: fake.last_name() + given_name(fake, rng.random() < 0.5 if male is None else male),
                          is_name=True)

    date_style = rng.randrange(4)
    stay_dates = lambda first: " ".join(format_date(first + timedelta(days=day), date_style)  # noqa: E731
                                        for day in range(stay.days + 1))
    admitted = guard.pick(lambda: date(2025, 1, 1) + timedelta(days=rng.randint(0, 640)), stay_dates)
    surname = guard.draw(fake.last_name, is_name=True)
    patient = surname + guard.draw(lambda: given_name(fake, stay.sex == "男"), is_name=True)
    role = rng.choice(["子", "女"] if stay.age >= 70 else ["子", "女", "夫" if stay.sex == "女" else "妻"])
    if role == "子" or (role == "女" and stay.sex == "男"):
        relative = surname + guard.draw(lambda: given_name(fake, role == "子"), is_name=True)
    else:
        relative = person(role in ("子", "夫"))
    role_ref, role_noun = RELATIVE_ROLES[role]
    mrn = guard.draw(lambda: record_number(rng, admitted.year))
    born = birth_date(rng, admitted, stay.age, 0)
    return Who(
        name=mark("NAME", patient), relative=mark("NAME", relative), role_ref=role_ref, role_noun=role_noun,
        mrn_label="病案号" if mrn.startswith("BA") else "住院号", mrn=mark("MRN", mrn),
        id_number=mark("ID_NUMBER", guard.draw(lambda: resident_id(fake, rng, born, stay.sex == "男"))),
        phone=mark("PHONE", guard.draw(lambda: phone(fake, rng))),
        relative_phone=mark("PHONE", guard.draw(lambda: phone(fake, rng))),
        address=mark("ADDRESS", guard.draw(lambda: address(fake, rng))),
        hospital=mark("LOCATION", guard.draw(lambda: hospital_name(rng))),
        outside=mark("LOCATION", guard.draw(lambda: hospital_name(rng))),
        residents=(mark("NAME", person()), mark("NAME", person())),
        attending=mark("NAME", person()), director=mark("NAME", person()),
        nurses=(mark("NAME", person(False)), mark("NAME", person(False)), mark("NAME", person())),
        consultants={day: mark("NAME", person()) for day in sorted(stay.consults)},
        admitted=admitted, date_style=date_style,
    )


def clock(rng: random.Random, first: int = 7, last: int = 11) -> str:
    return f"{rng.randint(first, last):02d}:{rng.choice(('05', '10', '20', '30', '40', '50'))}"


# --- the notes ---------------------------------------------------------------------------------

def admission_record(rng: random.Random, stay: Stay, who: Who) -> str:
    a = stay.admission
    hpi = a.hpi.replace(REL, f"{who.role_ref}{who.relative}").replace(OUTSIDE, who.outside)
    informant = f"患者本人及{who.role_ref}{who.relative}"
    return "\n".join([
        who.hospital,
        "入院记录",
        f"姓名：{who.name}　性别：{stay.sex}　年龄：{stay.age}岁　科室：{stay.department}",
        f"{who.mrn_label}：{who.mrn}　入院时间：{who.date(0)} {clock(rng, 0, 23)}",
        f"身份证号：{who.id_number}",
        f"现住址：{who.address}",
        f"联系电话：{who.phone}",
        f"病史陈述者：{informant}，可靠。",
        f"主诉：{a.chief}",
        f"现病史：{hpi}",
        f"既往史：{a.past}",
        f"个人史：{a.personal}",
        f"{'月经婚育史' if stay.sex == '女' else '婚育史'}：{a.marital}",
        f"家族史：{a.family}",
        f"体格检查：{stay.vitals_on(0)}。{a.exam}",
        f"辅助检查：{a.tests}",
        "初步诊断：",
        numbered(a.diagnoses),
        "诊疗计划：",
        numbered(a.plan),
        f"紧急联系人：{who.relative}（{who.role_noun}），电话{who.relative_phone}",
        f"住院医师：{who.resident(0)}　主治医师：{who.attending}　主任医师：{who.director}",
    ])


def first_course_note(rng: random.Random, stay: Stay, who: Who) -> str:
    a = stay.admission
    return "\n".join([
        f"{who.date(0)} {clock(rng, 12, 23)}　首次病程记录",
        f"患者{who.name}，{stay.sex}，{stay.age}岁，因“{a.chief.rstrip('。')}”入院。",
        "病例特点：",
        numbered(a.features),
        f"诊断依据及鉴别诊断：{a.differential}",
        "初步诊断：" + "；".join(a.diagnoses) + "。",
        "诊疗计划：",
        numbered(a.plan),
        f"记录者：{who.resident(0)}",
    ])


def daily_note(rng: random.Random, stay: Stay, who: Who, day: int) -> str:
    stage = stay.stage(day)
    event = stay.events.get(day) or rng.choice(stage.quiet)
    parts = [
        f"{who.date(day)} {clock(rng)}　日常病程记录（住院第{day}天，{stage.ward}）",
        f"患者情况：{stay.fill(event, day)}{stay.fill(rng.choice(stage.subjective), day)}",
        f"查体：{stay.vitals_on(day)}，{stay.fill(stage.support, day)}。{stay.fill(rng.choice(stage.exam), day)}",
    ]
    if stage.balance:
        intake = rng.randint(1800, 3200)
        net = rng.randint(*stage.balance)
        parts.append(f"24小时出入量：入量{intake}ml，出量{intake - net}ml，净平衡{net:+d}ml。")
    labs = stay.labs_on(day)
    parts.append(f"辅助检查：{labs}。" if labs else "辅助检查：今日未复查血液指标，明晨复查。")
    if day >= 2 and stay.trends:
        parts.append("近3日趋势：" + "；".join(stay.trend(key, day) for key in stay.trends) + "。")
    if day in stay.results:
        parts.append(f"检查结果回报：{stay.fill(stay.results[day], day)}")
    parts.append(f"病情分析：{stay.fill(rng.choice(stage.analysis), day)}")
    parts.append("诊疗计划：")
    parts.append(numbered([stay.fill(rng.choice(options), day) for options in stage.plan]))
    parts.append(f"当前治疗：{stay.fill(stage.treatment, day)}")
    if day % 4 == 2:
        parts.append(f"今日与{who.role_ref}{who.relative}电话沟通病情（{who.relative_phone}），家属表示理解。")
    parts.append(f"记录者：{who.resident(day)}")
    return "\n".join(parts)


def senior_round(rng: random.Random, stay: Stay, who: Who, day: int) -> str:
    senior, title = (who.director, "主任医师") if day % 6 == 1 else (who.attending, "主治医师")
    stage = stay.stage(day)
    return "\n".join([
        f"{who.date(day)} {clock(rng, 9, 11)}　{senior}{title}查房记录",
        f"{senior}{title}查房，听取病史汇报并查看患者：{stay.vitals_on(day)}。",
        f"{title}意见：{stay.fill(rng.choice(stage.senior), day)}",
        f"记录者：{who.resident(day)}",
    ])


def nursing_note(rng: random.Random, stay: Stay, who: Who, day: int) -> str:
    stage = stay.stage(day)
    return (f"{who.date(day)} {clock(rng, 15, 22)}　护理记录：{stay.fill(rng.choice(stage.nursing), day)}"
            f"护士：{who.nurse(day)}")


def consult_note(rng: random.Random, stay: Stay, who: Who, day: int) -> str:
    consult = stay.consults[day]
    return "\n".join([
        f"{who.date(day)} {clock(rng, 13, 17)}　会诊记录（{consult.department}）",
        f"申请理由：{consult.reason}",
        f"会诊意见：{stay.fill(consult.findings, day)}建议：",
        numbered([stay.fill(item, day) for item in consult.advice]),
        f"会诊医师：{who.consultants[day]}（{consult.department}）",
    ])


def discharge_record(rng: random.Random, stay: Stay, who: Who) -> str:
    d, last = stay.discharge, stay.days
    return "\n".join([
        f"{who.date(last)} {clock(rng, 9, 11)}　出院记录",
        f"患者{who.name}，{stay.sex}，{stay.age}岁，{who.mrn_label}{who.mrn}，于{who.date(0)}入住{who.hospital}"
        f"{stay.department}，{who.date(last)}出院，共住院{last}天。",
        f"入院情况：{stay.admission.chief}入院时{stay.vitals_on(0)}；{stay.labs_on(0)}。",
        f"诊疗经过：{d.course}",
        f"出院情况：{d.condition}出院时{stay.vitals_on(last)}；{stay.labs_on(last)}。",
        "出院诊断：",
        numbered(d.diagnoses),
        "出院医嘱：",
        numbered(d.orders),
        f"住院医师：{who.resident(last)}　主治医师：{who.attending}　主任医师：{who.director}",
    ])


def assemble(rng: random.Random, stay: Stay, who: Who) -> str:
    notes = [admission_record(rng, stay, who), first_course_note(rng, stay, who)]
    for day in range(1, stay.days):
        notes.append(daily_note(rng, stay, who, day))
        if day % 3 == 1:
            notes.append(senior_round(rng, stay, who, day))
        if day in stay.consults:
            notes.append(consult_note(rng, stay, who, day))
        notes.append(nursing_note(rng, stay, who, day))
    notes.append(discharge_record(rng, stay, who))
    return "\n\n".join(notes)


def personal(rng: random.Random, smoke_years: int = 0, drink: bool = False) -> str:
    text = rng.choice(["生于原籍，久居本地", "生于外省，二十余年前迁居本地", "生长于本地"]) + "，否认疫区、疫水接触史。"
    text += f"吸烟{smoke_years}年，约20支/日，入院前已戒烟。" if smoke_years else "否认吸烟史。"
    text += "饮酒二十余年，每日白酒约100ml。" if drink else rng.choice(["偶有少量饮酒。", "否认饮酒史。"])
    return text


def marital(rng: random.Random, sex: str, age: int) -> str:
    children = rng.choice(["育有1子1女", "育有1子", "育有2女", "育有1女"])
    text = f"{rng.randint(22, 28)}岁结婚，{children}，配偶及子女体健。"
    if sex == "女":
        text = (f"初潮{rng.randint(12, 15)}岁，{rng.randint(48, 53)}岁绝经。" if age >= 52
                else f"初潮{rng.randint(12, 15)}岁，周期规律。") + text
    return text


# --- 1. 重症社区获得性肺炎、脓毒性休克、急性呼吸窘迫综合征 -----------------------------------

def severe_pneumonia(rng: random.Random) -> Stay:
    days = 22
    sex = "男" if rng.random() < 0.6 else "女"
    age = rng.randint(52, 74)
    ill_days = rng.randint(4, 7)
    s = {
        "temp": series(rng, days, "体温", "℃", [(0, 39.2, 40.1), (3, 38.3, 38.9), (7, 37.2, 37.6), (days, 36.5, 36.9)], 1, 0.01),
        "hr": series(rng, days, "心率", "次/分", [(0, 118, 132), (3, 100, 110), (10, 88, 96), (days, 72, 84)]),
        "bp": pressure(rng, days, [(0, 80, 88), (3, 100, 108), (days, 118, 130)], [(0, 42, 50), (3, 56, 62), (days, 68, 78)]),
        "rr": series(rng, days, "呼吸", "次/分", [(0, 32, 38), (1, 22, 26), (9, 20, 22), (12, 22, 25), (days, 16, 18)]),
        "spo2": series(rng, days, "血氧饱和度", "%", [(0, 82, 86), (1, 88, 91), (6, 93, 96), (10, 92, 94), (days, 95, 97)], 0, 0.01),
        "fio2": series(rng, days, "吸氧浓度", "%", [(0, 100, 100), (2, 80, 90), (5, 50, 55), (8, 40, 40), (days, 21, 21)], 0, 0.03),
        "peep": series(rng, days, "PEEP", "cmH2O", [(0, 14, 16), (4, 12, 14), (8, 6, 8), (days, 5, 5)], 0, 0.05),
        "pf": series(rng, days, "氧合指数", "mmHg", [(0, 60, 72), (3, 100, 120), (6, 170, 200), (9, 240, 280), (days, 300, 340)]),
        "nor": series(rng, days, "去甲肾上腺素", "μg/(kg·min)", [(0, 0.30, 0.40), (2, 0.12, 0.16), (3, 0.04, 0.06), (4, 0.0, 0.0), (days, 0.0, 0.0)], 2, 0.05),
        "o2": series(rng, days, "鼻导管吸氧", "L/min", [(0, 4, 4), (9, 4, 4), (13, 3, 3), (16, 2, 2), (19, 0, 0), (days, 0, 0)], 0, 0.0),
        "wbc": series(rng, days, "白细胞", "×10^9/L", [(0, 19, 26), (2, 22, 28), (8, 11, 13), (days, 6.0, 8.5)], 1),
        "neut": series(rng, days, "中性粒细胞百分比", "%", [(0, 90, 94), (8, 78, 82), (days, 60, 68)], 1, 0.02),
        "hb": series(rng, days, "血红蛋白", "g/L", [(0, 125, 138), (7, 88, 96), (days, 101, 110)], 0, 0.02),
        "plt": series(rng, days, "血小板", "×10^9/L", [(0, 92, 120), (3, 60, 78), (10, 200, 250), (days, 300, 380)]),
        "cr": series(rng, days, "血肌酐", "μmol/L", [(0, 168, 205), (3, 240, 290), (10, 110, 128), (days, 72, 90)]),
        "na": series(rng, days, "血钠", "mmol/L", [(0, 130, 133), (6, 145, 148), (12, 139, 141), (days, 137, 140)], 0, 0.005),
        "k": series(rng, days, "血钾", "mmol/L", [(0, 3.2, 3.5), (days, 4.0, 4.4)], 1, 0.05),
        "lac": series(rng, days, "乳酸", "mmol/L", [(0, 4.5, 6.5), (2, 2.0, 2.6), (6, 1.0, 1.3), (days, 0.9, 1.1)], 1),
        "crp": series(rng, days, "C反应蛋白", "mg/L", [(0, 300, 380), (3, 240, 280), (10, 50, 80), (days, 6, 12)]),
        "pct": series(rng, days, "降钙素原", "ng/mL", [(0, 25, 50), (3, 10, 16), (9, 1.0, 1.8), (days, 0.08, 0.15)], 2),
        "alb": series(rng, days, "白蛋白", "g/L", [(0, 30, 33), (6, 24, 27), (days, 32, 35)], 1),
    }
    organism = rng.choice(["肺炎链球菌", "肺炎链球菌", "流感嗜血杆菌"])
    influenza = rng.random() < 0.5
    side = rng.choice(["右下肺", "右中下肺", "左下肺"])
    ef = rng.randint(55, 64)
    smoke = rng.choice([0, 0, 30]) if sex == "男" else 0
    ct = f"胸部CT：{side}大片实变影，双肺散在磨玻璃影，{side[0]}侧少量胸腔积液"
    echo = f"床旁心脏超声：左心室射血分数{ef}%，右心大小正常，未见赘生物"
    culture = f"血培养：{organism}" if organism == "肺炎链球菌" else f"痰培养：{organism}"
    flu = "，咽拭子甲型流感病毒核酸阳性" if influenza else ""
    admission_tests = (f"血气分析（储氧面罩15L/min）：pH 7.24，PaCO2 47mmHg；{s['pf'].at(0)}；{s['wbc'].at(0)}，"
                       f"{s['neut'].at(0)}，{s['hb'].at(0)}，{s['plt'].at(0)}，{s['cr'].at(0)}，{s['na'].at(0)}，"
                       f"{s['k'].at(0)}，{s['lac'].at(0)}，{s['crp'].at(0)}，{s['pct'].at(0)}，{s['alb'].at(0)}。"
                       f"胸部X线：{side}大片致密影，双肺斑片状渗出。心电图：窦性心动过速。")
    vent = "经口气管插管机械通气（容量控制模式，潮气量6ml/kg理想体重，PEEP {peep}cmH2O，吸氧浓度{fio2}%）"
    stages = [
        Stage(1, 3, "重症医学科", vent,
              subjective=["患者镇静状态（RASS -4分），俯卧位通气中，无法言语。", "患者在丙泊酚及芬太尼镇静镇痛下安静，无人机对抗。",
                          "患者深镇静下行俯卧位通气，无自主言语。"],
              exam=["双侧瞳孔等大等圆，对光反射灵敏。双肺可闻及粗湿啰音，以{side}为著。心律齐，未闻及杂音。腹软，肠鸣音减弱。"
                    "四肢末梢温，毛细血管再充盈时间3秒，花斑已消退。".replace("{side}", side),
                    "镇静状态，人机同步。右下肺可闻及支气管呼吸音，双下肢轻度凹陷性水肿。俯卧位后检查受压部位皮肤完整。"],
              analysis=["患者脓毒性休克仍需去甲肾上腺素{nor}μg/(kg·min)维持，氧合指数{pf}mmHg，仍为重度急性呼吸窘迫综合征，"
                        "病情危重，继续器官支持。",
                        "感染指标仍高，C反应蛋白{crp}mg/L，血肌酐{cr}μmol/L，提示急性肾损伤进展，需警惕多器官功能障碍。"],
              plan=[["脓毒性休克：去甲肾上腺素{nor}μg/(kg·min)，目标平均动脉压≥65mmHg；头孢曲松2g静滴每日1次联合阿奇霉素，"
                     "抗感染第{day}天。", "脓毒性休克：血管活性药物逐渐减量，每日复查血培养及感染指标。"],
                    ["急性呼吸窘迫综合征：肺保护性通气，平台压<30cmH2O；氧合指数<150mmHg期间每日俯卧位通气16小时；"
                     "顺阿曲库铵持续泵入48小时。", "重度急性呼吸窘迫综合征：氧合指数{pf}mmHg，PEEP {peep}cmH2O，"
                     "继续俯卧位通气，休克纠正后限制性液体管理。"],
                    ["急性肾损伤：血肌酐{cr}μmol/L，尿量0.4～0.6ml/(kg·h)，避免肾毒性药物，暂无肾脏替代治疗指征。",
                     "急性肾损伤2期（KDIGO），非少尿型，按肾功能调整抗菌药物剂量，每日称重。"],
                    ["血小板减少：血小板{plt}×10^9/L，考虑脓毒症相关，无出血表现，低于50×10^9/L时停用肝素。",
                     "血小板{plt}×10^9/L，凝血功能轻度异常，继续机械及药物预防血栓。"],
                    ["营养：鼻胃管滋养型肠内营养10ml/h，耐受后逐渐加量；胰岛素泵入控制血糖6～10mmol/L。",
                     "肠内营养，泮托拉唑预防应激性溃疡。"]],
              quiet=["夜间俯卧位通气，翻身时血氧饱和度一过性降至86%，肺复张后恢复。", "夜间去甲肾上腺素减量，体温高峰一次。",
                     "夜间生命体征相对平稳，06:00恢复仰卧位。"],
              nursing=["俯卧位通气中，每2小时眼部及受压部位护理，气管插管距门齿23cm固定良好，尿量40～60ml/h。",
                       "恢复仰卧位，氯己定口腔护理，吸出中量黄色黏痰，肠内营养按目标速度输注。"],
              senior=["患者重症肺炎合并脓毒性休克及重度急性呼吸窘迫综合征诊断明确，继续俯卧位通气及肺保护性通气策略，"
                      "抗菌药物待血培养药敏结果调整，注意液体平衡。",
                      "目前休克有所改善，去甲肾上腺素减量，需关注急性肾损伤及血小板变化，暂不行肾脏替代治疗。"],
              treatment="头孢曲松2g静滴每日1次，阿奇霉素0.5g静滴每日1次，丙泊酚及芬太尼泵入，顺阿曲库铵，去甲肾上腺素，"
                        "氢化可的松50mg静推每6小时1次，低分子肝素皮下注射，泮托拉唑40mg静滴每日1次，胰岛素泵入。",
              balance=(400, 1800)),
        Stage(4, 8, "重症医学科", vent,
              subjective=["患者镇静减浅，呼之睁眼，可遵嘱活动。", "患者清醒，点头示意，无明显不适表情。",
                          "患者可配合简单指令，诉咽部不适（以书写表达）。"],
              exam=["神志清楚，遵嘱活动四肢。双肺湿啰音较前减少，右下肺呼吸音仍低。水肿减轻。腹软，已排便。",
                    "清醒，RASS 0分。双肺散在湿啰音。心律齐。四肢末梢温暖。"],
              analysis=["休克已纠正，体温{temp}℃，感染指标下降，氧合指数{pf}mmHg，急性呼吸窘迫综合征好转，可逐步准备撤机。",
                        "肾功能好转，血肌酐{cr}μmol/L，尿量恢复，开始负平衡管理；血钠{na}mmol/L，需纠正高钠血症。"],
              plan=[["感染：第4天起停用血管活性药物，氢化可的松逐渐减量，根据药敏降阶梯抗感染，疗程7天。",
                     "感染控制好转：体温{temp}℃，C反应蛋白{crp}mg/L，继续目标抗感染治疗。"],
                    ["呼吸：氧合指数{pf}mmHg，PEEP降至{peep}cmH2O，吸氧浓度{fio2}%，每日唤醒及自主呼吸试验。",
                     "压力支持模式试验2小时耐受良好，满足条件后拔管。"],
                    ["肾脏：血肌酐{cr}μmol/L，尿量良好，呋塞米20mg静推，目标净负平衡500～1000ml。",
                     "肾功能恢复中，呋塞米利尿，每日监测电解质。"],
                    ["高钠血症：血钠{na}mmol/L，经胃管每4小时补充温开水200ml。", "血钠{na}mmol/L，继续肠内补水，每日复查两次。"],
                    ["谵妄预防：每日镇静中断，昼夜节律管理，鼓励家属探视。", "早期活动：康复治疗师协助床上被动及主动活动、床边坐起。"]],
              quiet=["自主呼吸试验30分钟通过。", "夜间无特殊，镇静剂量减少。", "凌晨2点一过性躁动，安抚后缓解。"],
              nursing=["08:00镇静中断，患者清醒可遵嘱，2小时翻身一次，已排便，家属下午探视。",
                       "压力支持10/5cmH2O试验2小时耐受，痰液变稀，皮肤完整。"],
              senior=["患者病情好转，可按撤机流程评估拔管，拔管前评估咳嗽能力及气道保护能力，拔管后注意吞咽功能。",
                      "感染控制良好，抗菌药物疗程7天后停用；继续负平衡，注意谵妄及营养。"],
              treatment="目标抗菌药物，氢化可的松逐渐减量，小剂量芬太尼，低分子肝素皮下注射，呋塞米20mg静推按需，肠内营养及补水。",
              balance=(-1200, -200)),
        Stage(9, 12, "重症医学科", "鼻导管吸氧{o2}L/min",
              subjective=["患者已拔除气管插管，诉咽痛、声音嘶哑，咳嗽无力。", "患者精神好转，可进少量糊状食物，诉乏力。",
                          "患者夜间睡眠欠佳，白天可在床旁椅坐1小时。"],
              exam=["神志清楚，声音嘶哑。双肺呼吸音粗，右下肺少许湿啰音。四肢近端肌力4-级。",
                    "双肺散在湿啰音较前明显减少，心律齐，双下肢无水肿。"],
              analysis=["拔管后氧合稳定，鼻导管吸氧{o2}L/min下血氧饱和度{spo2}%；存在拔管后吞咽障碍及ICU获得性肌无力，需加强康复。",
                        "感染指标持续下降，降钙素原{pct}ng/mL，抗菌药物已停用，病情稳定，拟转普通病房。"],
              plan=[["呼吸：鼻导管吸氧{o2}L/min，目标血氧饱和度92%～96%，加强咳痰及呼吸训练。", "氧疗逐渐下调，雾化吸入布地奈德。"],
                    ["吞咽：言语治疗师评估，暂予稠化流质饮食，进食时坐位并有人看护。", "吞咽功能改善，过渡至软食。"],
                    ["康复：每日康复训练，逐步下床站立及助行器行走。", "ICU获得性肌无力，继续康复治疗，预防跌倒。"],
                    ["营养：经口进食联合口服营养补充，监测白蛋白{alb}g/L。", "营养科会诊意见执行，补充蛋白质摄入。"]],
              quiet=["夜间咳嗽数次，咳出少量白黏痰。", "无特殊不适，可自行翻身。", "夜间睡眠改善。"],
              nursing=["拔管后声嘶，协助坐位进食稠化流质，无呛咳，床边坐起1小时。", "协助床边站立及原地踏步，鼓励深呼吸及有效咳嗽。"],
              senior=["拔管后恢复顺利，注意误吸风险，吞咽功能改善后再过渡普食；评估后可转回普通病房继续治疗。",
                      "ICU获得性肌无力明显，康复科介入，制定出院前康复目标。"],
              treatment="停用抗菌药物，布地奈德雾化吸入，口服营养补充，低分子肝素皮下注射，泮托拉唑口服。"),
        Stage(13, 18, "呼吸与危重症医学科", "鼻导管吸氧{o2}L/min",
              subjective=["患者咳嗽明显减轻，可借助助行器在病区内行走。", "患者无发热，食欲好转，诉活动后轻度气促。",
                          "患者自觉体力逐日恢复，可独立如厕。"],
              exam=["双肺呼吸音清，右下肺偶闻少许湿啰音。心律齐。双下肢无水肿。", "神志清楚，言语清晰，四肢肌力4级，步态稳。"],
              analysis=["病情稳定，吸氧逐步下调，血氧饱和度{spo2}%，复查炎症指标基本正常，C反应蛋白{crp}mg/L。",
                        "肺部体征逐步好转，活动耐量提高，继续康复，评估出院条件。"],
              plan=[["呼吸：鼻导管吸氧{o2}L/min，逐步下调至停氧，监测活动后血氧。", "氧疗逐步下调，目标血氧饱和度92%～96%。"],
                    ["康复：每日肺康复训练及步行训练，逐步增加步行距离。", "继续康复治疗，出院后转门诊肺康复。"],
                    ["复查：择期复查胸部影像学及血常规、肝肾功能。", "复查血常规、C反应蛋白，评估出院。"],
                    ["预防：出院前接种肺炎球菌疫苗及流感疫苗。", "健康宣教，预防再感染。"]],
              quiet=["夜间睡眠可，无发热。", "无特殊不适。", "白天步行约100米后稍气促，休息后缓解。"],
              nursing=["助行器辅助下病区步行，无跌倒，进食软食良好。", "指导呼吸训练及有效咳嗽，患者掌握良好。"],
              senior=["患者恢复顺利，可继续肺康复，停氧观察；出院后6周复查胸部CT。", "出院前完成疫苗接种及健康宣教，安排随访。"],
              treatment="布地奈德雾化吸入，口服营养补充，低分子肝素皮下注射（可下床活动后停用）。"),
    ]
    stages.append(replace(stages[-1], first=19, last=days - 1, support="未吸氧", plan=[
        ["呼吸：已停止吸氧，活动后血氧饱和度不低于92%。", "未吸氧下监测静息及活动后血氧饱和度。"], *stages[-1].plan[1:]]))
    events = {1: "入科后行俯卧位通气16小时。", 3: "今日血肌酐达峰值，尿量尚可。", 4: "今日停用去甲肾上腺素。",
              8: "今日自主呼吸试验通过后拔除气管插管，改鼻导管吸氧。", 12: "今日由重症医学科转入呼吸与危重症医学科病房。",
              19: "今日停止吸氧。"}
    results = {2: f"{culture}，对青霉素敏感{flu}。", 5: f"{echo}。", 10: f"复查{ct.replace('胸部CT：', '胸部CT：实变较前吸收，')}。",
               20: f"复查胸部X线：{side}实变明显吸收，残留少许条索影。"}
    consults = {
        3: Consult("感染科", "重症肺炎抗菌药物选择及疗程。",
                   f"{culture}{flu}。体温{{temp}}℃，C反应蛋白{{crp}}mg/L下降，降钙素原{{pct}}ng/mL。",
                   ["根据药敏改为青霉素G 480万单位静滴每4小时1次" if organism == "肺炎链球菌" else
                    "根据药敏改为阿莫西林克拉维酸钾静滴每8小时1次",
                    "阿奇霉素满3天后停用" + ("，奥司他韦疗程5天。" if influenza else "。"),
                    "临床好转者抗菌药物总疗程7天。", "再次发热时复查血培养。"]),
        6: Consult("肾内科", "脓毒性休克相关急性肾损伤。",
                   "血肌酐{cr}μmol/L，较第3天峰值下降，非少尿型；泌尿系超声双肾大小正常，无积水。",
                   ["考虑急性肾小管坏死，预计可恢复。", "暂无肾脏替代治疗指征。", "避免造影剂及非甾体抗炎药。", "每日复查肾功能至稳定。"]),
        10: Consult("康复医学科", "ICU获得性肌无力，评估康复及出院去向。",
                    "四肢近端肌力4-级，助行器辅助可行走20米，需一人协助。",
                    ["每日康复训练，循序渐进增加活动量。", "出院后门诊肺康复。", "家属支持下预计10天内可居家。"]),
    }
    peak_cr = s["cr"].at(3)
    admission = Admission(
        chief=f"发热、咳嗽、咳痰{ill_days}天，气促加重伴意识模糊1天。",
        hpi=(f"患者{ill_days}天前受凉后出现咳嗽，初为干咳，后咳铁锈色痰，伴畏寒、寒战，最高体温40.1℃，伴{side[0]}侧胸痛，"
             f"深吸气时加重。自服“感冒药”（具体不详）无好转，于{OUTSIDE}门诊予口服抗菌药物1天，症状仍进行性加重。1天前出现"
             f"明显气促，家属发现其反应迟钝、言语含糊，由{REL}呼叫急救车送至我院急诊。急诊予储氧面罩吸氧后血氧饱和度仍低于"
             "85%，血压80/46mmHg，予30ml/kg晶体液复苏后血压无改善，经外周静脉泵入去甲肾上腺素，并于急诊行气管插管，"
             "为进一步诊治收入重症医学科。发病以来精神差，食欲下降，尿量减少。"),
        past="既往体健，有轻度支气管哮喘病史，按需使用沙丁胺醇气雾剂。否认高血压、糖尿病、冠心病病史，否认肝炎、结核等传染病史，"
             "否认手术外伤史，否认输血史，否认药物过敏史。本年度未接种流感疫苗。",
        personal=personal(rng, smoke), marital=marital(rng, sex, age),
        family=rng.choice(["父亲患冠心病，母亲体健", "父母已故，死因不详", "母亲患高血压"]) + "。否认家族遗传病史。",
        exam=(f"吸氧浓度100%。镇静状态，全身大汗，双膝花斑。口唇发绀。{side}叩诊浊音，可闻及支气管呼吸音，双肺满布湿啰音。"
              "心率快，律齐，未闻及杂音。腹软，肝脾肋下未触及。四肢末梢湿冷，毛细血管再充盈时间5秒。颈软，病理征未引出。"),
        tests=admission_tests,
        diagnoses=["重症社区获得性肺炎", "脓毒性休克", "急性呼吸窘迫综合征（重度）", "急性肾损伤", "脓毒症相关血小板减少"],
        plan=["重症监护，机械通气，肺保护性通气策略，必要时俯卧位通气", "早期液体复苏及去甲肾上腺素维持平均动脉压≥65mmHg",
              "留取血、痰培养后经验性头孢曲松联合阿奇霉素抗感染", "监测肾功能、凝血功能及乳酸，器官功能支持", "告病危，向家属交代病情"],
        features=[f"{sex}性，{age}岁，急性起病，发热、咳嗽、咳铁锈色痰{ill_days}天，气促伴意识改变1天。",
                  f"入院时{s['temp'].at(0)}，{s['bp'].at(0)}，储氧面罩下{s['spo2'].at(0)}，{side}实变体征。",
                  f"{s['wbc'].at(0)}，{s['lac'].at(0)}，{s['pf'].at(0)}，{s['cr'].at(0)}。"],
        differential=("根据急性起病、发热咳嗽咳痰、肺部实变影及低氧血症，重症社区获得性肺炎诊断明确；休克经液体复苏不能纠正，"
                      "乳酸升高，符合脓毒性休克；氧合指数<100mmHg且双肺渗出，符合重度急性呼吸窘迫综合征。需与肺栓塞、"
                      "心源性肺水肿鉴别，床旁超声心功能正常，D-二聚体轻度升高，暂不支持。"),
    )
    discharge = Discharge(
        course=(f"入院后行机械通气及肺保护性通气，俯卧位通气3次，去甲肾上腺素使用至第4天。{culture}"
                + ("，合并甲型流感并予奥司他韦治疗" if influenza else "") + f"，抗菌药物降阶梯治疗，疗程7天。急性肾损伤于第3天达峰值"
                f"（{peak_cr}），未行肾脏替代治疗而恢复。第8天拔除气管插管，谵妄及吞咽障碍逐步好转，第12天转入呼吸与危重症医学科，"
                "第19天停止吸氧，经康复训练活动能力明显改善。"),
        condition="患者无发热，咳嗽轻微，可借助手杖独立行走。",
        diagnoses=["重症社区获得性肺炎" + ("合并甲型流感" if influenza else ""), "脓毒性休克（已纠正）", "急性呼吸窘迫综合征（重度）",
                   "急性肾损伤（已恢复）", "脓毒症相关血小板减少（已恢复）", "ICU获得性肌无力", "支气管哮喘（轻度）"],
        orders=["沙丁胺醇气雾剂按需吸入；口服营养补充剂每日2次，共4周", "呼吸科门诊6周后复诊并复查胸部CT",
                "门诊肺康复治疗，1周后社区医院复查血常规及肾功能", "如出现发热、气促加重，及时就诊"],
    )
    ref = reference(
        f"发热、咳嗽、咳痰{ill_days}天，气促加重伴意识模糊1天。",
        f"{sex}，{age}岁，轻度支气管哮喘病史。发热、咳铁锈色痰后气促加重伴意识改变，急诊气管插管后收入重症医学科，住院{days}天。"
        f"予机械通气、俯卧位通气3次、去甲肾上腺素至第4天、抗菌药物7天" + ("及奥司他韦" if influenza else "") +
        "；急性肾损伤未行肾脏替代治疗而恢复；第8天拔管，第12天转呼吸科，第19天停氧，出院时可借助手杖行走。",
        f"入院：{s['temp'].at(0)}，{s['hr'].at(0)}，{s['bp'].at(0)}，{s['rr'].at(0)}，{s['spo2'].at(0)}；{s['wbc'].at(0)}，"
        f"{s['hb'].at(0)}，{s['plt'].at(0)}，{s['cr'].at(0)}，{s['lac'].at(0)}，{s['crp'].at(0)}，{s['pct'].at(0)}；{s['pf'].at(0)}。"
        f"{ct}。{culture}" + ("；甲型流感病毒核酸阳性" if influenza else "") + f"。{echo}。第3天{peak_cr}（峰值）。"
        f"出院：{s['temp'].at(days)}，{s['hr'].at(days)}，{s['bp'].at(days)}，{s['spo2'].at(days)}（未吸氧）；"
        f"{s['wbc'].at(days)}，{s['hb'].at(days)}，{s['plt'].at(days)}，{s['cr'].at(days)}，{s['crp'].at(days)}。",
        discharge.diagnoses,
    )
    return Stay("重症医学科", "critical-care", "重症社区获得性肺炎合并脓毒性休克及急性呼吸窘迫综合征", sex, age, days, s,
                ["temp", "hr", "rr", "bp", "spo2"],
                [("wbc", 1, None), ("neut", 2, None), ("hb", 1, None), ("plt", 1, None), ("cr", 1, None), ("na", 1, None),
                 ("k", 1, None), ("lac", 1, 8), ("crp", 2, None), ("pct", 3, 12), ("alb", 3, None)],
                ["cr", "wbc", "plt"], stages, admission, discharge, ref, events, results, consults)


# --- 2. 急性前壁心肌梗死，急诊PCI术后并发心源性休克 ------------------------------------------

def anterior_stemi(rng: random.Random) -> Stay:
    days = 20
    sex = "男" if rng.random() < 0.75 else "女"
    age = rng.randint(50, 76)
    hours = rng.randint(3, 8)
    s = {
        "temp": series(rng, days, "体温", "℃", [(0, 36.6, 37.0), (2, 37.8, 38.2), (5, 36.8, 37.2), (days, 36.4, 36.8)], 1, 0.01),
        "hr": series(rng, days, "心率", "次/分", [(0, 108, 120), (3, 96, 104), (8, 78, 86), (days, 62, 72)]),
        "bp": pressure(rng, days, [(0, 84, 92), (3, 98, 106), (days, 112, 124)], [(0, 52, 58), (3, 60, 66), (days, 66, 76)]),
        "rr": series(rng, days, "呼吸", "次/分", [(0, 26, 30), (4, 20, 22), (days, 16, 18)]),
        "spo2": series(rng, days, "血氧饱和度", "%", [(0, 88, 91), (4, 94, 96), (days, 96, 98)], 0, 0.01),
        "dob": series(rng, days, "多巴酚丁胺", "μg/(kg·min)", [(0, 5, 5), (2, 5, 5), (3, 2.5, 2.5), (4, 0, 0), (days, 0, 0)], 1, 0.0),
        "o2": series(rng, days, "鼻导管吸氧", "L/min", [(0, 5, 5), (4, 3, 3), (8, 2, 2), (11, 0, 0), (days, 0, 0)], 0, 0.0),
        "ctni": series(rng, days, "肌钙蛋白I", "ng/mL", [(0, 8, 15), (1, 48, 72), (3, 20, 30), (8, 2, 4), (days, 0.1, 0.3)], 2),
        "ckmb": series(rng, days, "CK-MB", "U/L", [(0, 120, 180), (1, 300, 420), (3, 60, 90), (6, 18, 24), (days, 12, 18)]),
        "bnp": series(rng, days, "NT-proBNP", "pg/mL", [(0, 2200, 3200), (3, 8800, 12600), (10, 3000, 4200), (days, 1100, 1600)]),
        "cr": series(rng, days, "血肌酐", "μmol/L", [(0, 88, 102), (3, 138, 162), (10, 96, 110), (days, 82, 94)]),
        "k": series(rng, days, "血钾", "mmol/L", [(0, 3.4, 3.7), (5, 3.2, 3.4), (6, 4.3, 4.6), (days, 4.1, 4.5)], 1, 0.03),
        "na": series(rng, days, "血钠", "mmol/L", [(0, 134, 137), (days, 136, 139)], 0, 0.005),
        "hb": series(rng, days, "血红蛋白", "g/L", [(0, 136, 148), (4, 118, 126), (days, 122, 130)], 0, 0.02),
        "wbc": series(rng, days, "白细胞", "×10^9/L", [(0, 12, 15), (2, 13, 16), (8, 8, 10), (days, 6, 8)], 1),
        "lac": series(rng, days, "乳酸", "mmol/L", [(0, 3.4, 4.6), (2, 1.6, 2.0), (4, 1.0, 1.3), (days, 0.9, 1.1)], 1),
        "glu": series(rng, days, "空腹血糖", "mmol/L", [(0, 9.8, 12.4), (4, 7.6, 8.8), (days, 6.2, 7.0)], 1),
    }
    diabetes = rng.random() < 0.5
    lad = rng.choice(["前降支近段", "前降支开口至近段"])
    ef_early, ef_late = rng.randint(28, 34), rng.randint(38, 44)
    leads = rng.choice(["V1-V5", "V1-V6、I、aVL", "V2-V6"])
    ldl = f"{rng.uniform(3.2, 4.6):.2f}"
    smoke = rng.choice([20, 30, 35]) if sex == "男" else 0
    angiogram = (f"冠状动脉造影：{lad}完全闭塞（TIMI 0级），回旋支中段狭窄60%，右冠状动脉未见明显狭窄；于{lad}植入药物洗脱"
                 "支架1枚，术后TIMI血流3级")
    echo_early = f"床旁心脏超声：左心室前壁及心尖部运动消失，左心室射血分数{ef_early}%，未见室壁瘤及心包积液"
    echo_late = f"复查心脏超声：前壁运动减弱，左心室射血分数{ef_late}%，心尖部未见血栓"
    iabp = "主动脉内球囊反搏1:1辅助，多巴酚丁胺{dob}μg/(kg·min)泵入，面罩吸氧"
    stages = [
        Stage(1, 3, "心脏重症监护病房", iabp,
              subjective=["患者诉胸闷较前减轻，仍有轻度气促，不能平卧。", "患者夜间阵发性气促，半卧位后缓解，无胸痛。",
                          "患者精神差，诉乏力，尿量偏少。"],
              exam=["神志清楚，半卧位。双肺底可闻及湿啰音。心率快，心尖部可闻及第三心音奔马律。右股动脉球囊反搏导管穿刺处无渗血，"
                    "足背动脉搏动可触及。双下肢无水肿。",
                    "口唇轻度发绀，双肺中下野湿啰音。心律齐，未闻及杂音。桡动脉穿刺处无血肿。四肢末梢偏凉。"],
              analysis=["急性前壁心肌梗死急诊PCI术后，并发心源性休克，目前在主动脉内球囊反搏及多巴酚丁胺{dob}μg/(kg·min)支持下"
                        "血压维持，乳酸{lac}mmol/L，组织灌注逐步改善。",
                        "NT-proBNP {bnp}pg/mL升高，血肌酐{cr}μmol/L，提示心肾综合征，需平衡容量与灌注。"],
              plan=[["心源性休克：主动脉内球囊反搏1:1辅助，多巴酚丁胺{dob}μg/(kg·min)，目标平均动脉压≥65mmHg，"
                     "每日评估撤除条件。", "循环支持：监测乳酸及尿量，逐步减量正性肌力药物。"],
                    ["冠心病：阿司匹林100mg每日1次联合替格瑞洛90mg每日2次双联抗血小板，阿托伐他汀40mg每晚1次。",
                     "支架术后：双联抗血小板，强化他汀，监测出血。"],
                    ["急性左心衰：呋塞米20mg静推，记录出入量，目标每日负平衡500ml。", "容量管理：半卧位，限制入量，呋塞米按需静推。"],
                    ["肾功能：血肌酐{cr}μmol/L，避免造影剂及肾毒性药物，每日复查。", "心肾综合征：维持灌注压，监测尿量。"],
                    ["电解质：血钾{k}mmol/L，维持血钾4.0mmol/L以上、血镁正常，预防恶性心律失常。",
                     "持续心电监护，备除颤仪。"]],
              quiet=["夜间窦性心动过速，偶发室性早搏。", "夜间尿量约1200ml，无胸痛发作。", "夜间睡眠差，半卧位可入睡。"],
              nursing=["球囊反搏运行正常，右下肢制动，足背动脉搏动好，穿刺处敷料干燥。", "每小时记录尿量，协助半卧位，低盐饮食。"],
              senior=["患者大面积前壁心肌梗死并心源性休克，继续机械循环支持，待血流动力学稳定、正性肌力药物减量后撤除球囊反搏。",
                      "注意心肾综合征及电解质紊乱，警惕室性心律失常，床旁备除颤。"],
              treatment="阿司匹林100mg每日1次，替格瑞洛90mg每日2次，阿托伐他汀40mg每晚1次，多巴酚丁胺泵入，呋塞米静推，"
                        "低分子肝素皮下注射，泮托拉唑40mg每日1次。",
              balance=(-900, 200)),
        Stage(4, 7, "心脏重症监护病房", "鼻导管吸氧{o2}L/min",
              subjective=["患者胸闷明显减轻，可半卧位休息，无胸痛。", "患者诉心悸一次，持续数秒自行缓解。", "患者食欲好转，夜间可平卧。"],
              exam=["双肺底少许湿啰音。心律齐，未闻及奔马律。右股动脉穿刺处愈合良好，无杂音。", "神志清楚，双肺呼吸音清，心律齐。"],
              analysis=["球囊反搏已撤除，血压{bp}mmHg稳定，NT-proBNP {bnp}pg/mL，心力衰竭逐步改善。",
                        "心肌梗死早期，警惕室性心律失常，需维持血钾及血镁正常，持续心电监护。"],
              plan=[["心力衰竭：小剂量美托洛尔缓释片23.75mg每日1次起始，血压允许时加用沙库巴曲缬沙坦。",
                     "利尿剂由静脉改口服，托拉塞米10mg每日1次。"],
                    ["心律失常：血钾{k}mmol/L，口服补钾，维持血钾≥4.0mmol/L。", "持续心电监护，关注QT间期。"],
                    ["冠心病：双联抗血小板及他汀继续，择期评估回旋支病变。", "冠心病二级预防，控制危险因素。"],
                    ["活动：床上活动，逐步床边坐起。", "心脏康复一期：床边站立及原地踏步。"]],
              quiet=["夜间无心律失常发作。", "夜间睡眠可，尿量正常。", "无胸痛，偶有乏力。"],
              nursing=["协助床边坐起15分钟，无不适，心电监护窦性心律。", "低盐低脂饮食，指导患者服药及记录体重。"],
              senior=["撤除球囊反搏后循环稳定，按指南逐步启动抗心衰药物，从小剂量开始，注意低血压。",
                      "室速考虑与低钾及心肌缺血相关，继续纠正电解质，出院前复查心脏超声。"],
              treatment="阿司匹林，替格瑞洛，阿托伐他汀，美托洛尔缓释片，胺碘酮，托拉塞米，氯化钾缓释片，低分子肝素皮下注射。"),
        Stage(8, days - 1, "心血管内科", "鼻导管吸氧{o2}L/min",
              subjective=["患者无胸闷胸痛，可在病区内步行。", "患者诉活动后轻度乏力，休息后缓解。", "患者精神好，夜间睡眠可。"],
              exam=["双肺呼吸音清，未闻及湿啰音。心律齐。双下肢无水肿。", "神志清楚，心率{hr}次/分，律齐，各瓣膜听诊区未闻及杂音。"],
              analysis=["病情稳定，心功能改善，NT-proBNP {bnp}pg/mL下降，继续优化抗心衰药物及心脏康复。",
                        "肌钙蛋白I {ctni}ng/mL持续下降，血肌酐{cr}μmol/L恢复，可逐步增加活动量。"],
              plan=[["心力衰竭：沙库巴曲缬沙坦50mg每日2次，美托洛尔缓释片47.5mg每日1次，螺内酯20mg每日1次，达格列净10mg每日1次。",
                     "根据血压、心率及血钾逐步加量抗心衰药物。"],
                    ["冠心病二级预防：双联抗血小板12个月，阿托伐他汀，LDL-C目标<1.4mmol/L。", "戒烟宣教，控制血压血糖。"],
                    ["心脏康复：每日步行训练，监测心率及血压反应。", "心脏康复二期评估，出院后门诊康复。"],
                    ["出院准备：复查心脏超声、血常规、肾功能、电解质。", "健康宣教：每日称体重，限盐限水。"]],
              quiet=["夜间无不适。", "无胸痛发作。", "步行约200米无胸闷。"],
              nursing=["病区步行训练，步行前后心率增加不超过20次/分。", "指导低盐饮食及每日称重，患者掌握良好。"],
              senior=["恢复顺利，出院前完成复查，出院后1个月门诊评估抗心衰药物加量，心肌梗死后40天复查心脏超声评估除颤器指征。",
                      "回旋支中度狭窄药物治疗，如有心绞痛再评估。"],
              treatment="阿司匹林，替格瑞洛，阿托伐他汀，沙库巴曲缬沙坦，美托洛尔缓释片，螺内酯，达格列净，胺碘酮（逐渐减量）。"),
    ]
    stages.append(replace(stages[-1], first=11, last=days - 1, support="未吸氧"))
    stages[-2] = replace(stages[-2], last=10)
    before_vt = replace(stages[1], last=4, treatment="阿司匹林，替格瑞洛，阿托伐他汀，美托洛尔缓释片，托拉塞米，氯化钾缓释片，"
                                                     "低分子肝素皮下注射。")
    stages[1:2] = [before_vt, replace(stages[1], first=5)]
    events = {1: "术后返回心脏重症监护病房，球囊反搏运行正常。", 2: "今日体温最高38.1℃，考虑心肌坏死吸收热。",
              4: "今日撤除主动脉内球囊反搏，停用多巴酚丁胺。",
              5: "今日06:40突发室性心动过速，心室率约190次/分，血压下降，予同步直流电复律150J一次转为窦性心律，"
                 "随后静脉泵入胺碘酮。", 8: "今日转入心血管内科普通病房。", 11: "今日停止吸氧。"}
    results = {1: f"{echo_early}。", 5: "复查心电图：窦性心律，前壁导联Q波形成，QTc 452ms。",
               9: f"血脂：低密度脂蛋白胆固醇{ldl}mmol/L；糖化血红蛋白" + ("7.8%。" if diabetes else "5.9%。"),
               days - 1: f"{echo_late}。"}
    consults = {
        5: Consult("心脏电生理", "心肌梗死后室性心动过速。",
                   "室速发作时血钾{k}mmol/L偏低，心肌梗死早期，左心室射血分数降低。",
                   ["纠正电解质，胺碘酮维持。", "心肌梗死后40天及血运重建后90天复查心脏超声，射血分数仍≤35%时评估植入型心律转复除颤器。",
                    "出院前动态心电图复查。"]),
        9: Consult("内分泌科", "血糖升高的评估与管理。",
                   "空腹血糖{glu}mmol/L" + ("，糖化血红蛋白7.8%，符合2型糖尿病。" if diabetes else "，糖化血红蛋白正常，考虑应激性高血糖。"),
                   ["达格列净兼顾心衰及血糖管理。" if diabetes else "监测血糖，出院后复查糖化血红蛋白。",
                    "糖尿病饮食宣教。" if diabetes else "控制饮食及体重。"]),
        12: Consult("康复医学科", "急性心肌梗死后心脏康复。",
                    "静息心率{hr}次/分，6分钟步行距离约320米，无胸痛及心律失常。",
                    ["出院后门诊心脏康复，每周3次，共12周。", "运动强度以心率储备40%～60%为宜。"]),
    }
    diagnoses = ["冠状动脉粥样硬化性心脏病", "急性广泛前壁ST段抬高型心肌梗死（急诊PCI术后）", "心源性休克（已纠正）",
                 "急性左心衰竭", "室性心动过速（电复律后）", "心肾综合征（急性肾损伤，已恢复）"]
    if diabetes:
        diagnoses.append("2型糖尿病")
    admission = Admission(
        chief=f"持续性胸痛{hours}小时，伴气促1小时。",
        hpi=(f"患者{hours}小时前晨起活动后突发胸骨后压榨样疼痛，范围约手掌大小，向左肩背部放射，伴大汗、恶心，含服硝酸甘油"
             f"不缓解。由{REL}送至{OUTSIDE}，心电图提示{leads}导联ST段抬高，予阿司匹林300mg、替格瑞洛180mg嚼服后转至我院。"
             "1小时前出现气促、不能平卧，血压下降至82/50mmHg。急诊行冠状动脉造影及经皮冠状动脉介入治疗，术中植入主动脉内"
             "球囊反搏，术后收入心脏重症监护病房。发病以来未进食，尿量减少。"),
        past=("高血压病史8年，口服氨氯地平，血压控制一般。" + ("2型糖尿病病史5年，口服二甲双胍。" if diabetes else "否认糖尿病病史。")
              + "否认脑血管病史，否认肝炎、结核等传染病史，否认手术外伤史，否认药物过敏史。"),
        personal=personal(rng, smoke), marital=marital(rng, sex, age),
        family=rng.choice(["父亲60岁时患心肌梗死", "母亲患高血压及糖尿病", "父母已故，死因不详"]) + "。否认家族遗传病史。",
        exam=("神志清楚，急性痛苦面容，大汗淋漓，端坐位。口唇轻度发绀，颈静脉无怒张。双肺中下野可闻及湿啰音。心率快，律齐，"
              "心尖部可闻及第三心音奔马律，未闻及杂音。腹软，无压痛。四肢末梢湿冷，双下肢无水肿。"),
        tests=(f"心电图：窦性心动过速，{leads}导联ST段抬高0.3～0.6mV。{s['ctni'].at(0)}，{s['ckmb'].at(0)}，{s['bnp'].at(0)}，"
               f"{s['cr'].at(0)}，{s['k'].at(0)}，{s['na'].at(0)}，{s['hb'].at(0)}，{s['wbc'].at(0)}，{s['lac'].at(0)}，"
               f"{s['glu'].at(0)}。{angiogram}。"),
        diagnoses=["冠状动脉粥样硬化性心脏病 急性广泛前壁ST段抬高型心肌梗死 Killip IV级", "心源性休克", "急性左心衰竭",
                   "高血压病2级（很高危）"] + (["2型糖尿病"] if diabetes else []),
        plan=["心脏重症监护，主动脉内球囊反搏及正性肌力药物循环支持", "双联抗血小板、强化他汀及抗凝治疗",
              "监测心肌损伤标志物、肾功能、电解质及乳酸", "床旁心脏超声评估心功能及机械并发症", "告病危，向家属交代病情"],
        features=[f"{sex}性，{age}岁，突发持续胸痛{hours}小时，伴气促、不能平卧。",
                  f"入院时{s['bp'].at(0)}，{s['hr'].at(0)}，双肺湿啰音，四肢湿冷。",
                  f"心电图{leads}导联ST段抬高，{s['ctni'].at(0)}；{angiogram}。"],
        differential=("胸痛伴相应导联ST段抬高及心肌损伤标志物升高，冠状动脉造影证实前降支闭塞，急性ST段抬高型心肌梗死诊断明确；"
                      "低血压伴组织低灌注、乳酸升高，符合心源性休克。需排除室间隔穿孔、乳头肌断裂等机械并发症，床旁超声未见。"
                      "主动脉夹层、肺栓塞依据不足。"),
    )
    discharge = Discharge(
        course=(f"急诊于{lad}植入支架1枚，主动脉内球囊反搏及多巴酚丁胺支持至第4天。第2天体温最高38.1℃，考虑吸收热。第5天突发"
                "室性心动过速，电复律一次后转复，予纠正低钾及胺碘酮治疗，此后未再发作。肾功能于第3天达高峰后恢复。逐步启动"
                "沙库巴曲缬沙坦、美托洛尔、螺内酯及达格列净，第11天停止吸氧，完成心脏康复一期训练。"),
        condition="患者无胸闷胸痛，可独立步行，无夜间阵发性呼吸困难。",
        diagnoses=diagnoses + ["高血压病2级（很高危）"],
        orders=["阿司匹林100mg每日1次，替格瑞洛90mg每日2次（至少12个月），阿托伐他汀40mg每晚1次",
                "沙库巴曲缬沙坦50mg每日2次，美托洛尔缓释片47.5mg每日1次，螺内酯20mg每日1次，达格列净10mg每日1次",
                "胺碘酮200mg每日1次，1个月后门诊评估停药", "心内科门诊1个月复诊，心肌梗死后40天复查心脏超声",
                "门诊心脏康复，每日称体重，戒烟限盐"],
    )
    peak_cr = s["cr"].at(3)
    ref = reference(
        f"持续性胸痛{hours}小时，伴气促1小时。",
        f"{sex}，{age}岁，高血压病史" + ("及2型糖尿病" if diabetes else "") + f"。突发胸骨后压榨样疼痛{hours}小时，心电图{leads}导联"
        f"ST段抬高，急诊PCI于{lad}植入支架，并发心源性休克，主动脉内球囊反搏及多巴酚丁胺支持至第4天；第5天室性心动过速，"
        f"电复律后转复；住院{days}天，启动抗心衰药物及心脏康复，第11天停氧，出院时可独立步行。",
        f"入院：{s['hr'].at(0)}，{s['bp'].at(0)}，{s['rr'].at(0)}，{s['spo2'].at(0)}；{s['ctni'].at(0)}，{s['ckmb'].at(0)}，"
        f"{s['bnp'].at(0)}，{s['cr'].at(0)}，{s['lac'].at(0)}。{angiogram}。{echo_early}。第1天{s['ctni'].at(1)}（峰值）；"
        f"第3天{s['bnp'].at(3)}，{peak_cr}（峰值）。{echo_late}。出院：{s['hr'].at(days)}，{s['bp'].at(days)}，"
        f"{s['spo2'].at(days)}（未吸氧）；{s['bnp'].at(days)}，{s['cr'].at(days)}，{s['k'].at(days)}。",
        discharge.diagnoses,
    )
    return Stay("心血管内科", "cardiology", "急性前壁ST段抬高型心肌梗死急诊PCI术后并发心源性休克", sex, age, days, s,
                ["temp", "hr", "rr", "bp", "spo2"],
                [("ctni", 1, 10), ("ckmb", 1, 6), ("bnp", 2, None), ("cr", 1, None), ("k", 1, None), ("na", 2, None),
                 ("hb", 2, None), ("wbc", 2, None), ("lac", 1, 5), ("glu", 2, None)],
                ["ctni", "bnp", "cr"], stages, admission, discharge, ref, events, results, consults)


# --- 3. 高甘油三酯血症性重症急性胰腺炎并发感染性胰腺坏死 -----------------------------------

def severe_pancreatitis(rng: random.Random) -> Stay:
    days = 26
    sex = "男" if rng.random() < 0.7 else "女"
    age = rng.randint(34, 56)
    hours = rng.randint(10, 30)
    s = {
        "temp": series(rng, days, "体温", "℃", [(0, 37.8, 38.3), (4, 37.6, 38.0), (12, 38.6, 39.2), (16, 37.6, 38.0), (20, 36.8, 37.2), (days, 36.4, 36.8)], 1, 0.01),
        "hr": series(rng, days, "心率", "次/分", [(0, 118, 128), (4, 98, 106), (12, 108, 116), (17, 86, 94), (days, 70, 80)]),
        "bp": pressure(rng, days, [(0, 96, 104), (3, 112, 122), (days, 114, 126)], [(0, 58, 64), (3, 68, 74), (days, 70, 80)]),
        "rr": series(rng, days, "呼吸", "次/分", [(0, 26, 30), (3, 22, 24), (8, 18, 20), (days, 16, 18)]),
        "spo2": series(rng, days, "血氧饱和度", "%", [(0, 90, 92), (4, 94, 96), (days, 96, 98)], 0, 0.01),
        "iap": series(rng, days, "膀胱压", "mmHg", [(0, 16, 18), (2, 19, 22), (5, 13, 15), (9, 9, 11), (days, 7, 9)]),
        "amy": series(rng, days, "血淀粉酶", "U/L", [(0, 880, 1460), (3, 380, 520), (8, 140, 210), (days, 60, 110)]),
        "lip": series(rng, days, "脂肪酶", "U/L", [(0, 2600, 4200), (3, 900, 1400), (8, 260, 420), (days, 70, 140)]),
        "tg": series(rng, days, "甘油三酯", "mmol/L", [(0, 18, 32), (2, 6.5, 9.0), (5, 3.2, 4.2), (days, 2.0, 2.8)], 1),
        "wbc": series(rng, days, "白细胞", "×10^9/L", [(0, 17, 22), (4, 12, 14), (12, 18, 23), (17, 10, 12), (days, 6.5, 8.5)], 1),
        "crp": series(rng, days, "C反应蛋白", "mg/L", [(0, 160, 220), (3, 280, 340), (8, 120, 160), (12, 220, 270), (18, 60, 90), (days, 8, 16)]),
        "pct": series(rng, days, "降钙素原", "ng/mL", [(0, 1.2, 2.0), (8, 0.4, 0.7), (12, 4.5, 7.5), (18, 0.6, 1.0), (days, 0.05, 0.12)], 2),
        "cr": series(rng, days, "血肌酐", "μmol/L", [(0, 132, 158), (2, 188, 226), (7, 96, 112), (days, 68, 84)]),
        "ca": series(rng, days, "血钙", "mmol/L", [(0, 1.72, 1.86), (3, 1.90, 2.00), (days, 2.18, 2.32)], 2, 0.01),
        "glu": series(rng, days, "血糖", "mmol/L", [(0, 14.2, 18.6), (4, 9.0, 11.0), (days, 6.0, 7.4)], 1),
        "alb": series(rng, days, "白蛋白", "g/L", [(0, 33, 36), (5, 25, 28), (days, 32, 35)], 1),
        "hb": series(rng, days, "血红蛋白", "g/L", [(0, 152, 168), (6, 108, 118), (days, 112, 122)], 0, 0.02),
    }
    ct_score = rng.choice([8, 10])
    necrosis = rng.choice(["30%～50%", "约30%"])
    organism = rng.choice(["大肠埃希菌", "肺炎克雷伯菌"])
    drink = sex == "男" and rng.random() < 0.6
    ct_first = (f"腹部增强CT：胰腺弥漫性肿大，胰体尾部坏死范围{necrosis}，胰周及双侧肾前间隙大量渗出，少量腹水及双侧胸腔积液，"
                f"CT严重指数{ct_score}分")
    ct_infected = "复查腹部增强CT：胰周包裹性坏死，约9.6cm×6.2cm，其内可见气体影，提示感染性胰腺坏死"
    ct_last = "复查腹部CT：胰周包裹性坏死明显缩小，约3.1cm×2.4cm，引流管位置良好"
    drainage = f"引流液培养：{organism}，对美罗培南敏感"
    stages = [
        Stage(1, 4, "重症医学科", "面罩吸氧5L/min，膀胱压{iap}mmHg",
              subjective=["患者腹痛较入院时减轻，仍腹胀明显，未排气排便。", "患者诉上腹部持续胀痛，恶心，禁食中。",
                          "患者精神差，诉口干，尿量偏少。"],
              exam=["腹部膨隆，全腹压痛，以上腹部为著，轻度反跳痛，肠鸣音减弱，约1次/分。双肺底呼吸音低。",
                    "腹胀明显，上腹部压痛，未触及包块，移动性浊音阳性。四肢末梢温。"],
              analysis=["重症急性胰腺炎早期，膀胱压{iap}mmHg，存在腹腔高压，血肌酐{cr}μmol/L，合并急性肾损伤，"
                        "需控制液体复苏速度并降低腹内压。",
                        "甘油三酯降至{tg}mmol/L，血淀粉酶{amy}U/L，C反应蛋白{crp}mg/L，炎症反应仍重，继续器官功能支持。"],
              plan=[["液体：目标导向液体复苏，乳酸林格液，避免过量，维持尿量≥0.5ml/(kg·h)。", "限制性补液，监测乳酸及尿量。"],
                    ["高甘油三酯血症：胰岛素持续泵入联合葡萄糖，低分子肝素皮下注射，目标甘油三酯<5.6mmol/L。",
                     "甘油三酯{tg}mmol/L，继续胰岛素泵入，监测血糖。"],
                    ["腹腔高压：胃肠减压，甘油灌肠，每6小时监测膀胱压。", "膀胱压{iap}mmHg，必要时腹腔穿刺引流腹水。"],
                    ["营养：发病48小时后经鼻空肠管滋养型肠内营养。", "鼻空肠管肠内营养20ml/h，耐受后逐步加量。"],
                    ["镇痛：氢吗啡酮静脉镇痛，疼痛评分控制在3分以下。", "镇痛镇静，评估疼痛。"]],
              quiet=["夜间腹痛需追加镇痛一次。", "夜间尿量约900ml，无呕吐。", "夜间胃肠减压引流约300ml墨绿色液体。"],
              nursing=["胃肠减压通畅，引出墨绿色液体约350ml，每6小时测膀胱压。", "禁食，口腔护理，记录24小时出入量。"],
              senior=["高甘油三酯血症性重症急性胰腺炎诊断明确，早期以器官功能支持及控制腹腔高压为主，不主张预防性使用抗菌药物。",
                      "注意液体复苏不宜过量，尽早肠内营养以保护肠黏膜屏障。"],
              treatment="乳酸林格液，胰岛素泵入，低分子肝素皮下注射，奥美拉唑40mg静滴每日2次，生长抑素泵入，氢吗啡酮镇痛，"
                        "鼻空肠管肠内营养。",
              balance=(200, 1500)),
        Stage(5, 10, "消化内科", "鼻导管吸氧{o2}L/min",
              subjective=["患者腹痛明显缓解，已排气，肠内营养耐受良好。", "患者诉轻度腹胀，无恶心呕吐，可下床活动。",
                          "患者精神好转，夜间睡眠可。"],
              exam=["腹软，上腹部轻压痛，无反跳痛，肠鸣音3次/分。", "腹部稍膨隆，左上腹轻压痛，未触及包块。"],
              analysis=["腹腔高压缓解，膀胱压{iap}mmHg，肾功能恢复，血肌酐{cr}μmol/L，病情进入相对稳定期。",
                        "炎症指标下降，C反应蛋白{crp}mg/L，继续肠内营养，观察局部并发症。"],
              plan=[["营养：鼻空肠管肠内营养逐步加至目标量，监测腹胀及腹泻。", "肠内营养{day}天，耐受良好。"],
                    ["高甘油三酯血症：甘油三酯{tg}mmol/L，开始口服非诺贝特。", "低脂饮食宣教，监测血脂。"],
                    ["血糖：血糖{glu}mmol/L，胰岛素皮下注射调整。", "监测空腹及餐后血糖。"],
                    ["活动：鼓励床边活动，预防深静脉血栓。", "逐步增加活动量。"]],
              quiet=["夜间无腹痛加重。", "已排便一次，为黄色稀便。", "夜间睡眠可。"],
              nursing=["肠内营养泵入通畅，无反流，协助下床活动。", "鼻空肠管固定良好，指导患者低脂饮食知识。"],
              senior=["病情稳定，注意发病2～4周后胰周积液及坏死感染，如再次发热需及时复查增强CT。",
                      "继续肠内营养，血脂控制后长期随访。"],
              treatment="鼻空肠管肠内营养，奥美拉唑，非诺贝特，胰岛素皮下注射，低分子肝素皮下注射。"),
        Stage(13, 17, "消化内科", "未吸氧",
              subjective=["患者引流后体温下降，腹痛减轻。", "患者诉引流管处轻度疼痛，精神尚可。"],
              exam=["左上腹压痛明显，可触及边界不清包块。引流管通畅，引流液为灰褐色浑浊液体。",
                    "腹软，左上腹轻压痛，引流管周围皮肤无红肿。"],
              analysis=["发热伴炎症指标再次升高，降钙素原{pct}ng/mL，结合CT气体影，考虑感染性胰腺坏死，予美罗培南抗感染，"
                        "并行经皮穿刺引流。",
                        "引流后体温{temp}℃，白细胞{wbc}×10^9/L下降，感染逐步控制，继续引流及抗感染。"],
              plan=[["感染性胰腺坏死：美罗培南1g静滴每8小时1次，根据引流液培养调整，疗程2周。", "抗感染第{day}天，监测体温及炎症指标。"],
                    ["引流：经皮穿刺引流管每日冲洗，记录引流量及性状。", "引流量减少后复查CT评估坏死腔。"],
                    ["营养：继续鼻空肠管肠内营养。", "逐步试验经口进食低脂流质。"],
                    ["血糖血脂：监测血糖{glu}mmol/L及甘油三酯。", "胰岛素调整。"]],
              quiet=["夜间体温高峰一次。", "夜间引流约80ml。", "无寒战。"],
              nursing=["引流管通畅，引出灰褐色液体约120ml，冲洗顺利，体温监测每4小时一次。", "高热时物理降温，协助翻身及活动。"],
              senior=["感染性胰腺坏死按升阶梯策略，先经皮穿刺引流，若引流效果不佳再考虑内镜下坏死组织清除。",
                      "引流液培养提示革兰阴性菌，抗菌药物按药敏调整，复查CT评估。"],
              treatment="美罗培南1g静滴每8小时1次，经皮穿刺引流，鼻空肠管肠内营养，奥美拉唑，非诺贝特，胰岛素皮下注射。"),
        Stage(11, 12, "消化内科", "未吸氧",
              subjective=["患者再次发热，伴寒战，左上腹胀痛加重。", "患者高热后精神差，诉左上腹持续胀痛，食欲下降。"],
              exam=["左上腹压痛明显，可触及边界不清包块，无反跳痛。", "腹部稍膨隆，左上腹深压痛，肠鸣音3次/分。"],
              analysis=["发病第2周再次发热，白细胞{wbc}×10^9/L，降钙素原{pct}ng/mL，需警惕胰周坏死继发感染，复查增强CT。",
                        "体温{temp}℃，C反应蛋白{crp}mg/L再次升高，考虑感染性胰腺坏死可能，经验性美罗培南抗感染。"],
              plan=[["感染：留取血培养后美罗培南1g静滴每8小时1次。", "抗感染，监测体温及炎症指标。"],
                    ["影像：复查腹部增强CT评估坏死及积液。", "请普外科及介入科评估引流。"],
                    ["营养：继续鼻空肠管肠内营养。", "肠内营养维持，监测腹胀。"],
                    ["血糖血脂：监测血糖{glu}mmol/L及甘油三酯。", "胰岛素调整。"]],
              quiet=["夜间寒战一次，体温高峰39℃以上。", "夜间腹痛需镇痛一次。"],
              nursing=["高热，予物理降温，留取血培养，每4小时测体温。", "协助患者半卧位，观察腹痛及腹胀。"],
              senior=["重症急性胰腺炎第2周再发热，首先考虑感染性胰腺坏死，按升阶梯策略处理，先抗感染及经皮穿刺引流。"],
              treatment="美罗培南1g静滴每8小时1次，鼻空肠管肠内营养，奥美拉唑，非诺贝特，胰岛素皮下注射。"),
        Stage(18, days - 1, "消化内科", "未吸氧",
              subjective=["患者无发热，腹痛轻微，已恢复经口低脂半流质饮食。", "患者精神好，可在病区内行走。", "患者无腹胀，二便正常。"],
              exam=["腹软，左上腹轻压痛，引流管周围无渗液。", "腹部平软，无压痛，肠鸣音正常。"],
              analysis=["感染控制，C反应蛋白{crp}mg/L，降钙素原{pct}ng/mL，引流量减少，病情恢复期。",
                        "经口进食耐受良好，血糖{glu}mmol/L，甘油三酯{tg}mmol/L，评估出院。"],
              plan=[["抗感染：完成美罗培南疗程后停用。", "停用抗菌药物后观察体温。"],
                    ["引流：引流量<20ml/日后复查CT，评估拔管。", "引流管带管出院，门诊随访。"],
                    ["饮食：低脂半流质过渡至低脂软食，严格戒酒。", "营养科指导低脂饮食。"],
                    ["出院准备：复查血常规、肝肾功能、血脂及腹部CT。", "出院宣教。"]],
              quiet=["夜间无不适。", "无发热。", "引流量约15ml。"],
              nursing=["引流管固定良好，指导患者及家属居家护理。", "低脂饮食宣教，患者掌握良好。"],
              senior=["恢复顺利，出院后带管门诊随访，复查CT决定拔管时机；长期控制血脂，预防复发。",
                      "强调戒酒、控制体重及血脂，定期复查。"],
              treatment="非诺贝特，胰酶肠溶胶囊，奥美拉唑口服，经皮穿刺引流管护理。"),
    ]
    s["o2"] = series(rng, days, "鼻导管吸氧", "L/min", [(0, 5, 5), (5, 2, 2), (8, 1, 1), (10, 0, 0), (days, 0, 0)], 0, 0.0)
    events = {2: "今日膀胱压达峰值，予腹腔穿刺引流腹水约800ml。", 5: "今日由重症医学科转入消化内科。",
              11: "今日出现寒战高热，最高体温39.2℃。", 13: "今日在CT引导下行经皮穿刺引流术，引出灰褐色脓性液体约200ml。",
              21: "今日停用美罗培南。"}
    results = {1: f"{ct_first}。", 12: f"{ct_infected}。", 15: f"{drainage}。", days - 1: f"{ct_last}。"}
    consults = {
        2: Consult("介入科", "腹腔高压，评估腹腔穿刺引流。", "膀胱压{iap}mmHg，超声示中量腹水。",
                   ["超声引导下腹腔穿刺置管引流。", "引流后继续监测膀胱压。"]),
        12: Consult("普外科", "感染性胰腺坏死的外科处理。", "包裹性坏死内可见气体，体温{temp}℃，白细胞{wbc}×10^9/L。",
                    ["首选经皮穿刺引流。", "引流效果不佳时考虑内镜或微创坏死组织清除术。", "暂不需开腹手术。"]),
        19: Consult("临床营养科", "重症急性胰腺炎恢复期营养。", "白蛋白{alb}g/L，体重较入院下降约5kg。",
                    ["低脂高蛋白饮食，少量多餐。", "口服营养补充剂每日2次。", "出院后营养门诊随访。"]),
    }
    diagnoses = ["重症急性胰腺炎（高甘油三酯血症性）", "感染性胰腺坏死（经皮穿刺引流术后）", "腹腔高压",
                 "急性肾损伤（已恢复）", "高甘油三酯血症", "低钙血症"]
    admission = Admission(
        chief=f"持续性上腹痛{hours}小时，伴恶心呕吐。",
        hpi=(f"患者{hours}小时前进食油腻食物" + ("并饮酒" if drink else "") + "后出现持续性上腹部剧烈疼痛，向腰背部放射，"
             "伴恶心、呕吐胃内容物数次，呕吐后腹痛不缓解，伴腹胀、停止排气排便。于" + OUTSIDE + "查血淀粉酶明显升高，"
             f"诊断“急性胰腺炎”，予补液后症状加重，出现气促、尿量减少，由{REL}陪同转至我院急诊，急诊以“重症急性胰腺炎”"
             "收入重症医学科。发病以来未进食，尿量约400ml。"),
        past=("既往体检发现甘油三酯升高2年，未规律治疗。否认糖尿病、高血压病史，否认胆石症病史，否认肝炎、结核等传染病史，"
              "否认手术外伤史，否认药物过敏史。"),
        personal=personal(rng, rng.choice([0, 15]) if sex == "男" else 0, drink), marital=marital(rng, sex, age),
        family=rng.choice(["父亲患高脂血症", "母亲患糖尿病", "父母健在"]) + "。否认家族遗传病史。",
        exam=("神志清楚，急性痛苦面容，屈曲体位。皮肤巩膜无黄染。双肺底呼吸音减低。腹部膨隆，全腹压痛，上腹部为著，轻度反跳痛，"
              "肌紧张不明显，Grey-Turner征阴性，肠鸣音减弱，移动性浊音阳性。"),
        tests=(f"血清呈乳糜状。{s['amy'].at(0)}，{s['lip'].at(0)}，{s['tg'].at(0)}，{s['wbc'].at(0)}，{s['crp'].at(0)}，"
               f"{s['pct'].at(0)}，{s['cr'].at(0)}，{s['ca'].at(0)}，{s['glu'].at(0)}，{s['alb'].at(0)}，{s['hb'].at(0)}。"
               "腹部超声：胰腺肿大，回声减低，胆囊未见结石。"),
        diagnoses=["重症急性胰腺炎（高甘油三酯血症性）", "急性肾损伤", "腹腔高压", "高甘油三酯血症", "低钙血症"],
        plan=["重症监护，目标导向液体复苏", "胰岛素联合低分子肝素降低甘油三酯", "监测膀胱压，胃肠减压",
              "早期肠内营养，抑酸及生长抑素治疗", "完善腹部增强CT评估胰腺坏死"],
        features=[f"{sex}性，{age}岁，进食油腻食物后持续性上腹痛{hours}小时，伴恶心呕吐、腹胀。",
                  f"入院时{s['hr'].at(0)}，{s['bp'].at(0)}，全腹压痛，移动性浊音阳性。",
                  f"{s['amy'].at(0)}，{s['lip'].at(0)}，{s['tg'].at(0)}，{s['cr'].at(0)}，{s['ca'].at(0)}。"],
        differential=("急性上腹痛、血淀粉酶及脂肪酶超过正常上限3倍以上、影像学胰腺肿大，急性胰腺炎诊断明确；甘油三酯显著升高且"
                      "无胆石，考虑高甘油三酯血症性；合并急性肾损伤，为重症。需与消化道穿孔、急性心肌梗死鉴别，立位腹平片未见"
                      "膈下游离气体，心电图及肌钙蛋白正常，暂不支持。"),
    )
    discharge = Discharge(
        course=(f"入院后限制性液体复苏，胰岛素联合低分子肝素降脂，甘油三酯于第5天降至5.6mmol/L以下；第2天膀胱压达峰值，"
                "行腹腔穿刺引流后腹腔高压缓解，急性肾损伤恢复；经鼻空肠管肠内营养。第11天再次高热，第12天CT提示感染性胰腺"
                f"坏死，予美罗培南抗感染，第13天CT引导下经皮穿刺引流，{drainage.replace('引流液培养：', '引流液培养为')}，"
                "第21天停用美罗培南，恢复经口低脂饮食。"),
        condition="患者无发热，无腹痛，进食低脂软食良好，引流管通畅，每日引流约10ml。",
        diagnoses=diagnoses,
        orders=["非诺贝特200mg每晚1次，胰酶肠溶胶囊随餐服用", "严格低脂饮食，戒酒，控制体重",
                "带引流管出院，每日记录引流量，2周后消化内科门诊复查腹部CT决定拔管",
                "1个月后复查血脂、血糖、肝肾功能", "如出现发热、腹痛，及时就诊"],
    )
    ref = reference(
        f"持续性上腹痛{hours}小时，伴恶心呕吐。",
        f"{sex}，{age}岁，高甘油三酯血症未治疗。进食油腻食物" + ("并饮酒" if drink else "") + f"后持续上腹痛伴恶心呕吐、腹胀，"
        f"诊断重症急性胰腺炎，住院{days}天。合并腹腔高压及急性肾损伤，第2天腹腔穿刺引流后缓解；胰岛素联合低分子肝素降脂；"
        "鼻空肠管肠内营养；第11天再发高热，诊断感染性胰腺坏死，予美罗培南及第13天经皮穿刺引流，第21天停抗菌药物，"
        "带引流管出院。",
        f"入院：{s['temp'].at(0)}，{s['hr'].at(0)}，{s['bp'].at(0)}；{s['amy'].at(0)}，{s['lip'].at(0)}，{s['tg'].at(0)}，"
        f"{s['wbc'].at(0)}，{s['crp'].at(0)}，{s['cr'].at(0)}，{s['ca'].at(0)}，{s['glu'].at(0)}。{ct_first}。"
        f"第2天{s['iap'].at(2)}，{s['cr'].at(2)}（峰值）。{ct_infected}；{drainage}。{ct_last}。"
        f"出院：{s['temp'].at(days)}，{s['hr'].at(days)}；{s['wbc'].at(days)}，{s['crp'].at(days)}，{s['tg'].at(days)}，"
        f"{s['cr'].at(days)}，{s['alb'].at(days)}。",
        diagnoses,
    )
    return Stay("消化内科", "gastroenterology", "高甘油三酯血症性重症急性胰腺炎并发感染性胰腺坏死", sex, age, days, s,
                ["temp", "hr", "rr", "bp", "spo2"],
                [("amy", 2, None), ("lip", 3, None), ("tg", 1, 10), ("wbc", 1, None), ("crp", 2, None), ("pct", 2, None),
                 ("cr", 1, 12), ("ca", 2, None), ("glu", 1, None), ("alb", 3, None), ("hb", 3, None)],
                ["wbc", "crp", "tg"], stages, admission, discharge, ref, events, results, consults)


# --- 4. 急性缺血性脑卒中，静脉溶栓及机械取栓术后并发吸入性肺炎 -------------------------------

def ischaemic_stroke(rng: random.Random) -> Stay:
    days = 24
    sex = "男" if rng.random() < 0.6 else "女"
    age = rng.randint(61, 80)
    hours = rng.randint(2, 4)
    s = {
        "temp": series(rng, days, "体温", "℃", [(0, 36.6, 37.0), (3, 38.4, 38.9), (6, 37.4, 37.8), (9, 36.6, 37.0), (days, 36.4, 36.8)], 1, 0.01),
        "hr": series(rng, days, "心率", "次/分", [(0, 88, 104), (3, 96, 108), (9, 76, 84), (days, 68, 78)]),
        "bp": pressure(rng, days, [(0, 168, 182), (1, 138, 148), (5, 132, 142), (days, 124, 134)], [(0, 92, 102), (1, 78, 86), (days, 72, 80)]),
        "rr": series(rng, days, "呼吸", "次/分", [(0, 18, 20), (3, 24, 28), (8, 18, 20), (days, 16, 18)]),
        "spo2": series(rng, days, "血氧饱和度", "%", [(0, 95, 97), (3, 89, 92), (8, 95, 97), (days, 96, 98)], 0, 0.01),
        "nihss": series(rng, days, "NIHSS评分", "分", [(0, 16, 18), (1, 10, 11), (7, 7, 8), (14, 5, 5), (days, 3, 4)], 0, 0.0),
        "o2": series(rng, days, "鼻导管吸氧", "L/min", [(0, 2, 2), (3, 4, 4), (7, 2, 2), (9, 0, 0), (days, 0, 0)], 0, 0.0),
        "wbc": series(rng, days, "白细胞", "×10^9/L", [(0, 8, 10), (3, 14, 17), (8, 9, 10.5), (days, 6, 8)], 1),
        "crp": series(rng, days, "C反应蛋白", "mg/L", [(0, 4, 8), (3, 110, 150), (9, 30, 45), (days, 4, 9)]),
        "glu": series(rng, days, "血糖", "mmol/L", [(0, 8.6, 10.8), (5, 7.0, 8.2), (days, 6.0, 7.0)], 1),
        "cr": series(rng, days, "血肌酐", "μmol/L", [(0, 72, 88), (days, 68, 84)]),
        "na": series(rng, days, "血钠", "mmol/L", [(0, 137, 140), (4, 133, 135), (days, 137, 140)], 0, 0.005),
        "hb": series(rng, days, "血红蛋白", "g/L", [(0, 128, 142), (days, 122, 134)], 0, 0.02),
    }
    af = rng.random() < 0.6
    side_word = "右侧"
    onset = rng.choice(["早餐时", "晨起后", "午睡醒后"])
    ldl = f"{rng.uniform(2.9, 4.2):.2f}"
    cta = "头颈部CTA：左侧大脑中动脉M1段闭塞，侧支循环评分2级"
    mri = "头颅MRI：左侧基底节区及左侧额颞叶急性脑梗死，梗死灶内少量点状出血（出血转化HI-1型）"
    echo = "经胸心脏超声：左心房增大（内径44mm），左心室射血分数60%，未见附壁血栓" if af else \
        "经胸心脏超声：左心室射血分数62%，未见心腔内血栓，发泡试验阴性"
    chest = "胸部CT：右下肺背段及后基底段斑片状实变影，符合吸入性肺炎"
    stages = [
        Stage(1, 2, "神经内科卒中单元", "鼻导管吸氧{o2}L/min",
              subjective=["患者神志清楚，言语含糊，右侧肢体无力较入院时改善。", "患者嗜睡，可唤醒，理解简单指令。"],
              exam=["嗜睡，混合性失语，双眼向左凝视较前减轻，右侧鼻唇沟变浅，右上肢肌力2级，右下肢肌力3级，右侧巴宾斯基征阳性。",
                    "神志清楚，运动性失语为主，右侧中枢性面舌瘫，右上肢肌力2+级，右下肢肌力3级。右股动脉穿刺处无血肿。"],
              analysis=["静脉溶栓联合机械取栓术后，NIHSS评分{nihss}分，神经功能较入院明显好转；溶栓后24小时内严格控制血压。",
                        "复查头颅影像见少量出血转化，无占位效应，暂缓抗血小板，密切观察神经功能变化。"],
              plan=[["血压：控制收缩压<180mmHg、舒张压<105mmHg，避免过低。", "血压{bp}mmHg，维持在目标范围内。"],
                    ["神经功能：每4小时NIHSS评分及瞳孔观察。", "如神经功能恶化，立即复查头颅CT。"],
                    ["吞咽：洼田饮水试验前禁食，留置胃管鼻饲。", "吞咽功能评估为3级，鼻饲饮食，抬高床头30度。"],
                    ["血糖：血糖{glu}mmol/L，控制在7.8～10mmol/L。", "监测指尖血糖每日4次。"]],
              quiet=["夜间睡眠可，无抽搐。", "夜间血压平稳。"],
              nursing=["每小时神经系统观察，右侧肢体良肢位摆放，床头抬高30度，鼻饲通畅。", "右股动脉穿刺处加压包扎，足背动脉搏动可。"],
              senior=["取栓后再通良好（mTICI 2b级），注意出血转化及再灌注损伤，24小时后复查影像决定抗栓方案。",
                      "卒中单元管理，早期吞咽评估，预防吸入性肺炎及深静脉血栓。"],
              treatment="鼻饲饮食，胰岛素皮下注射，甘露醇125ml静滴每8小时1次，泮托拉唑，气压治疗预防深静脉血栓。"),
        Stage(3, 8, "神经内科卒中单元", "鼻导管吸氧{o2}L/min",
              subjective=["患者咳嗽，痰多色黄，不易咳出。", "患者仍有咳嗽咳痰，右侧肢体无力同前。",
                          "患者精神稍差，可点头示意。"],
              exam=["右下肺可闻及湿啰音，痰鸣音明显。运动性失语，右上肢肌力2+级，右下肢肌力3+级。",
                    "双肺呼吸音粗，右下肺少许湿啰音。右侧肢体肌力较前略改善。"],
              analysis=["卒中后吸入性肺炎，体温{temp}℃，白细胞{wbc}×10^9/L，C反应蛋白{crp}mg/L，已予抗感染及加强气道管理。",
                        "继续抗感染，体温{temp}℃，白细胞{wbc}×10^9/L；NIHSS评分{nihss}分，神经功能稳定，待复查头颅CT出血转化"
                        "无扩大后启动抗栓治疗。"],
              plan=[["肺部感染：哌拉西林他唑巴坦4.5g静滴每8小时1次，雾化吸痰，体位引流。", "抗感染第{day}天，痰培养待回报。"],
                    ["抗栓：复查头颅CT出血无扩大后开始阿司匹林100mg每日1次。" if not af else
                     "心房颤动：出血转化稳定后评估启动抗凝时机（发病后第6～14天）。", "继续抗血小板或抗凝方案评估。"],
                    ["调脂：阿托伐他汀40mg每晚1次，LDL-C目标<1.8mmol/L。", "强化他汀治疗。"],
                    ["康复：床边康复治疗，良肢位摆放，被动关节活动。", "言语治疗每日一次。"],
                    ["低钠：血钠{na}mmol/L，鼻饲补充氯化钠。", "监测电解质。"]],
              quiet=["夜间吸痰3次，痰液黄白色。", "夜间体温高峰一次。", "夜间睡眠可。"],
              nursing=["体温{temp}℃，予物理降温，每2小时翻身拍背，吸出黄色黏痰。", "鼻饲前回抽无潴留，床头抬高，口腔护理每日2次。"],
              senior=["吸入性肺炎与吞咽障碍及意识水平下降有关，严格误吸防控，抗感染疗程7～10天。",
                      "出血转化为HI-1型，稳定后可启动抗栓，" + ("心房颤动患者按NIHSS评分于第6天后开始抗凝。" if af else
                                                     "予单药抗血小板。")],
              treatment="哌拉西林他唑巴坦静滴，布地奈德雾化，鼻饲饮食，阿托伐他汀，胰岛素皮下注射，气压治疗。"),
        Stage(9, days - 1, "神经内科", "未吸氧",
              subjective=["患者无发热，咳嗽明显减少，言语较前流利。", "患者可在搀扶下站立，右手可持物。", "患者精神好，经口进食软食无呛咳。"],
              exam=["双肺呼吸音清。不完全性运动性失语，右上肢肌力3+级，右下肢肌力4-级。", "神志清楚，右侧肢体肌力较前改善，可扶行。"],
              analysis=["肺部感染控制，NIHSS评分{nihss}分，神经功能持续恢复，转入康复阶段。",
                        "吞咽功能改善，已拔除胃管经口进食；继续二级预防及康复训练，评估出院去向。"],
              plan=[["二级预防：" + ("利伐沙班15mg每日1次抗凝" if af else "阿司匹林100mg每日1次抗血小板") + "，阿托伐他汀40mg每晚1次。",
                     "控制血压<130/80mmHg，控制血糖。"],
                    ["康复：肢体、言语及吞咽康复训练每日。", "康复科评估后转康复医院继续治疗。"],
                    ["饮食：经口软食，观察有无呛咳。", "营养评估，保证蛋白质摄入。"],
                    ["复查：出院前复查血常规、肝肾功能、血脂。", "出院宣教。"]],
              quiet=["夜间无特殊。", "无发热。", "可自行翻身。"],
              nursing=["协助下床站立及扶行训练，无跌倒。", "经口进食软食，无呛咳，指导家属喂食方法。"],
              senior=["恢复良好，出院后至康复医院继续康复3个月，长期二级预防，门诊随访。",
                      "出院前向家属交代卒中复发预警症状。"],
              treatment=("利伐沙班" if af else "阿司匹林") + "，阿托伐他汀，氨氯地平，二甲双胍，康复治疗。"),
    ]
    stages[-1:] = [replace(stages[-1], last=11, ward="神经内科卒中单元"), replace(stages[-1], first=12)]
    events = {1: "今日复查头颅CT见梗死灶内少量点状高密度影。", 3: "今日出现发热，最高体温38.9℃，咳黄痰，血氧饱和度下降。",
              7: "今日复查头颅CT出血转化无扩大。", 9: "今日停止吸氧，拔除胃管改经口进食。", 12: "今日转入神经内科普通病房。"}
    results = {2: f"{mri}。", 3: f"{chest}。", 5: f"{echo}。", 6: "痰培养：肺炎克雷伯菌，对哌拉西林他唑巴坦敏感。",
               8: f"血脂：低密度脂蛋白胆固醇{ldl}mmol/L。" + ("动态心电图：阵发性心房颤动，最长持续3小时。" if af else
                                                   "动态心电图：窦性心律，未见心房颤动。")}
    consults = {
        4: Consult("呼吸与危重症医学科", "卒中后肺部感染。", "体温{temp}℃，右下肺湿啰音，{chest}。".replace("{chest}", chest),
                   ["哌拉西林他唑巴坦抗感染，疗程7～10天。", "加强气道廓清及误吸防控。", "必要时支气管镜吸痰。"]),
        10: Consult("康复医学科", "脑卒中后偏瘫及失语的康复。", "右上肢肌力3+级，右下肢肌力4-级，Barthel指数45分。",
                    ["每日运动疗法、作业疗法及言语治疗。", "病情稳定后转康复医院。"]),
        14: Consult("心血管内科" if af else "内分泌科", "心房颤动抗凝方案。" if af else "血糖管理。",
                    "CHA2DS2-VASc评分5分，HAS-BLED评分2分。" if af else "血糖{glu}mmol/L，糖化血红蛋白7.4%。",
                    ["利伐沙班15mg每日1次长期抗凝。", "心率控制，定期复查。"] if af else
                    ["二甲双胍0.5g每日2次。", "糖尿病饮食，监测血糖。"]),
    }
    diagnoses = ["急性缺血性脑卒中（左侧大脑中动脉闭塞，静脉溶栓及机械取栓术后）", "出血转化（HI-1型）", "卒中后吸入性肺炎",
                 "吞咽障碍", "高血压病3级（很高危）", "2型糖尿病"]
    if af:
        diagnoses.append("阵发性心房颤动")
    admission = Admission(
        chief=f"突发右侧肢体无力伴言语不能{hours}小时。",
        hpi=(f"患者{hours}小时前{onset}突发右侧肢体无力，不能持物及站立，伴言语不能，无头痛、呕吐及抽搐。{REL}发现后立即呼叫"
             "急救车送至我院急诊，启动卒中绿色通道。头颅CT未见出血，急诊予阿替普酶静脉溶栓，随后CTA提示大血管闭塞，"
             "行机械取栓术，术后收入神经内科卒中单元。发病前曾于" + OUTSIDE + "体检发现血压、血糖升高。"),
        past="高血压病史10年，口服硝苯地平缓释片，血压控制不佳。2型糖尿病病史6年，口服二甲双胍。否认冠心病、脑卒中病史，"
             "否认肝炎、结核等传染病史，否认手术外伤史，否认药物过敏史。",
        personal=personal(rng, rng.choice([0, 30]) if sex == "男" else 0), marital=marital(rng, sex, age),
        family=rng.choice(["父亲死于脑卒中", "母亲患高血压", "父母已故，死因不详"]) + "。否认家族遗传病史。",
        exam=(f"{s['nihss'].at(0)}。嗜睡，混合性失语，双眼向左侧凝视，右侧鼻唇沟变浅，伸舌右偏。右上肢肌力0级，右下肢肌力2级，"
              "右侧肌张力减低，右侧巴宾斯基征阳性。颈软，脑膜刺激征阴性。" + ("心律绝对不齐。" if af else "心律齐。")),
        tests=(f"头颅CT：未见颅内出血，ASPECTS评分8分。{cta}。{s['glu'].at(0)}，{s['wbc'].at(0)}，{s['hb'].at(0)}，"
               f"{s['cr'].at(0)}，{s['na'].at(0)}。心电图：" + ("心房颤动。" if af else "窦性心律，左心室高电压。")),
        diagnoses=["急性缺血性脑卒中（左侧大脑中动脉闭塞）", "高血压病3级（很高危）", "2型糖尿病"],
        plan=["卒中单元监护，神经功能评估", "静脉溶栓后24小时内暂不抗栓，严格控制血压", "吞咽功能评估，预防吸入性肺炎",
              "完善头颅MRI、心脏超声及动态心电图寻找病因", "早期康复"],
        features=[f"{sex}性，{age}岁，突发右侧肢体无力伴言语不能{hours}小时。",
                  f"入院时{s['bp'].at(0)}，{s['nihss'].at(0)}，混合性失语，右侧偏瘫。", f"{cta}。"],
        differential=("急性起病，局灶性神经功能缺损，头颅CT排除出血，CTA示左侧大脑中动脉闭塞，急性缺血性脑卒中诊断明确。"
                      "需与脑出血、低血糖、痫性发作后瘫痪鉴别，CT及血糖结果不支持。"),
    )
    discharge = Discharge(
        course=("急诊予阿替普酶静脉溶栓及机械取栓，再通良好。第1天复查头颅CT见少量出血转化（HI-1型），暂缓抗栓；第3天出现发热、"
                "咳黄痰，诊断卒中后吸入性肺炎，予哌拉西林他唑巴坦抗感染及气道管理，感染控制；第7天复查出血无扩大后启动"
                + ("抗凝（利伐沙班）" if af else "抗血小板（阿司匹林）") + "；第9天停氧并拔除胃管经口进食；第12天转入普通病房，"
                "肢体及言语康复训练后神经功能明显恢复。"),
        condition="患者言语较前流利，可在搀扶下行走，经口进食软食无呛咳。",
        diagnoses=diagnoses,
        orders=[("利伐沙班15mg每日1次" if af else "阿司匹林100mg每日1次") + "，阿托伐他汀40mg每晚1次",
                "氨氯地平5mg每日1次，二甲双胍0.5g每日2次，控制血压<130/80mmHg", "转康复医院继续康复治疗3个月",
                "神经内科门诊1个月复诊，复查血脂及肝功能", "如出现新发肢体无力、言语障碍，立即就诊"],
    )
    ref = reference(
        f"突发右侧肢体无力伴言语不能{hours}小时。",
        f"{sex}，{age}岁，高血压及2型糖尿病病史。{onset}突发右侧肢体无力伴言语不能，静脉溶栓及机械取栓（左侧大脑中动脉M1段）"
        f"后收入卒中单元，住院{days}天。第1天少量出血转化（HI-1型），第3天并发吸入性肺炎，抗感染后控制；第7天启动"
        + ("抗凝" if af else "抗血小板") + "；第9天拔除胃管经口进食；出院时可搀扶行走，转康复医院。",
        f"入院：{s['bp'].at(0)}，{s['hr'].at(0)}，{s['nihss'].at(0)}；{s['glu'].at(0)}。头颅CT未见出血。{cta}。{mri}。"
        f"第3天{s['temp'].at(3)}，{s['wbc'].at(3)}，{s['crp'].at(3)}；{chest}。{echo}。低密度脂蛋白胆固醇{ldl}mmol/L。"
        + ("动态心电图：阵发性心房颤动。" if af else "") +
        f"出院：{s['bp'].at(days)}，{s['nihss'].at(days)}；{s['wbc'].at(days)}，{s['crp'].at(days)}。",
        diagnoses,
    )
    return Stay("神经内科", "neurology", "急性缺血性脑卒中静脉溶栓及机械取栓术后并发吸入性肺炎", sex, age, days, s,
                ["temp", "hr", "rr", "bp", "spo2", "nihss"],
                [("wbc", 1, None), ("crp", 2, None), ("glu", 1, None), ("cr", 3, None), ("na", 1, None), ("hb", 3, None)],
                ["nihss", "wbc", "crp"], stages, admission, discharge, ref, events, results, consults)


# --- the set ----------------------------------------------------------------------------------

SCENARIOS: list[Callable[[random.Random], Stay]] = [severe_pneumonia, anterior_stemi, severe_pancreatitis,
                                                    ischaemic_stroke]


def build_case(seed: int, builder: Callable[[random.Random], Stay]) -> dict:
    rng, fake = seeded(seed, "zh_CN")
    stay = builder(rng)
    guard = LeakGuard(stay.reference)
    who = draw_who(rng, fake, guard, stay)
    source = assemble(rng, stay, who)
    plain = source
    for token in ("[[", "]]"):
        plain = plain.replace(token, "")
    if len(plain) < MIN_CHARS:
        raise RuntimeError(f"{builder.__name__}: the record has fewer than {MIN_CHARS} characters")
    return {
        "metadata": {"department": stay.department, "note_type": NOTE_TYPE, "diagnosis": stay.diagnosis,
                     "length_class": "long", "days": stay.days},
        "source": source,
        "reference": stay.reference,
        "specialty": stay.specialty,
    }


def build_cases() -> list[dict]:
    """Each dict: {"id", "metadata": {"department", "note_type", "diagnosis", "length_class", "days"}, "source",
    "reference"}."""
    cases = []
    for index, builder in enumerate(SCENARIOS):
        case = build_case(BASE_SEED + 131 * index, builder)
        case.pop("specialty")
        cases.append({"id": f"zh-long-{index + 1:02d}", **case})
    return cases
