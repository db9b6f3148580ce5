"""Synthetic Chinese inpatient admission records (入院记录) with four-section reference summaries.

Every case is invented for this project: one builder per clinical scenario draws the
clinical facts (numbers, durations, phrasing) from a seeded ``random.Random``, writes the
reference summary from those same strings, and only then are identifiers drawn from a
seeded Faker (zh_CN), redrawing any value that would show up in the reference. PHI is
written inline as ``[[LABEL|text]]`` (see ``common.mark``).

No real patient, clinician or hospital appears. Output depends only on the fixed seeds
and the pinned Faker version.

Each builder gives the WHO ICD-10 code of each diagnosis it writes (``Clinical.codes``, one per
entry of ``diagnoses``, chosen beside it; None for a line that is not a diagnosis to code, such as the
weeks of a pregnancy). They go to the case's ``metadata.icd10``, the first diagnosis primary.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Callable, TypeVar

from faker import Faker

from evalsets.generators.common import mark, resident_id_check_digit, seeded

BASE_SEED = 86_2026
NOTE_TYPE = "入院记录"

# Placeholders a builder may put in its source texts; filled with marked PHI when assembled.
REL = "@REL@"            # relative with role, e.g. 其子[[NAME|...]]
OUTSIDE = "@OUTSIDE@"    # another (invented) hospital, LOCATION
DEVICE = "@DEVICE@"      # implanted / worn device serial number, DEVICE_ID
LMP = "@LMP@"            # last menstrual period, DATE
EDC = "@EDC@"            # expected date of confinement, DATE


@dataclass
class Clinical:
    """The clinical content of one case, free of PHI except for the placeholders above."""

    department: str
    specialty: str
    diagnosis: str
    sex: str
    age_years: int
    chief: str
    hpi: str
    past: str
    exam: str
    tests: str
    diagnoses: list[str]
    ref_hpi: str
    ref_tests: str
    personal: str = ""
    marital: str = ""
    family: str = ""
    age_months: int = 0
    child: bool = False
    device_kind: str = ""
    lmp_days_before: int = 0
    edc: bool = False
    plan: tuple[str, ...] = ()
    review_skip: tuple[str, ...] = ()
    codes: list[str | None] = field(default_factory=list)  # WHO ICD-10 code of each diagnosis (None: not coded)


Builder = Callable[[random.Random, bool, int], Clinical]
T = TypeVar("T")


# --- small helpers for clinical values ---------------------------------------------------


def between(rng: random.Random, low: float, high: float, digits: int = 1) -> str:
    return f"{rng.uniform(low, high):.{digits}f}"


def vitals(
    rng: random.Random,
    temp: tuple[float, float] = (36.3, 37.0),
    pulse: tuple[int, int] = (68, 92),
    resp: tuple[int, int] = (16, 20),
    sbp: tuple[int, int] = (112, 138),
    dbp: tuple[int, int] = (64, 86),
    spo2: tuple[int, int] | None = None,
    pulse_word: str = "脉搏",
) -> str:
    parts = [
        f"体温{between(rng, *temp)}℃",
        f"{pulse_word}{rng.randint(*pulse)}次/分",
        f"呼吸{rng.randint(*resp)}次/分",
        f"血压{rng.randint(*sbp)}/{rng.randint(*dbp)}mmHg",
    ]
    if spo2:
        parts.append(f"血氧饱和度{rng.randint(*spo2)}%")
    return "，".join(parts)


def age_text(years: int, months: int = 0, child: bool = False) -> str:
    if child and years == 0:
        return f"{months}个月"
    if child and years < 3 and months:
        return f"{years}岁{months}个月"
    return f"{years}岁"


def adult_sex(rng: random.Random, male_share: float = 0.5) -> str:
    return "男" if rng.random() < male_share else "女"


def personal_history(rng: random.Random, smoke_years: int = 0, cigarettes: int = 20, drink_years: int = 0) -> str:
    text = rng.choice(["生于原籍，久居本地", "生于外省，十余年前迁居本地", "生长于本地"]) + "，否认疫区、疫水接触史。"
    if smoke_years:
        text += f"吸烟{smoke_years}年，平均{cigarettes}支/日，未戒烟。"
    else:
        text += "否认吸烟史。"
    if drink_years:
        text += f"饮酒{drink_years}年，以白酒为主。"
    else:
        text += rng.choice(["偶有少量饮酒。", "否认饮酒史。"])
    return text


def marital_history(rng: random.Random, sex: str, years: int) -> str:
    if years < 22:
        return "未婚未育。"
    kids = rng.choice(["育有1子", "育有1女", "育有1子1女", "育有2子", "育有2女1子"])
    text = f"{rng.randint(22, 28)}岁结婚，{kids}，配偶及子女体健。" if years < 75 else f"已婚，{kids}，配偶已故。"
    if sex == "女":
        if years >= 52:
            text = f"初潮{rng.randint(12, 15)}岁，{rng.randint(48, 53)}岁绝经。" + text
        else:
            text = f"初潮{rng.randint(12, 15)}岁，周期规律，经量中等。" + text
    return text


def family_history(rng: random.Random, years: int, extra: str = "") -> str:
    if years >= 60:
        base = rng.choice(["父母已故，死因不详", "父母均已故，父亲死于脑卒中", "父母已故，母亲生前患糖尿病"])
    else:
        base = rng.choice(["父亲患高血压，母亲体健", "父母健在", "母亲患糖尿病，父亲已故", "父母已故，死因不详"])
    return base + "。" + extra + "否认家族遗传病史。"


def joined(items: list[str]) -> str:
    return "；".join(items) + "。"


SYSTEM_REVIEW = {
    "呼吸": "呼吸系统：无慢性咳嗽、咳痰、咯血及盗汗史",
    "循环": "循环系统：无心悸、胸痛、晕厥及下肢水肿史",
    "消化": "消化系统：无反酸、嗳气、慢性腹痛、腹泻及黑便史",
    "泌尿": "泌尿系统：无尿频、尿急、尿痛及肉眼血尿史",
    "血液": "血液系统：无皮肤瘀斑、鼻衄及牙龈出血史",
    "内分泌": "内分泌及代谢系统：无多饮、多尿、怕热多汗及体重明显变化",
    "神经": "神经精神系统：无头痛、抽搐、意识障碍及精神异常史",
    "运动": "运动系统：无关节红肿、畸形及运动障碍史",
}


def system_review(skip: tuple[str, ...]) -> str:
    return "；".join(text for system, text in SYSTEM_REVIEW.items() if system not in skip) + "。"


# --- scenario builders: 心内科 -----------------------------------------------------------


def stemi(rng: random.Random, detailed: bool, variant: int) -> Clinical:
    sex = adult_sex(rng, 0.75)
    years = rng.randint(46, 82)
    hours = rng.randint(2, 10)
    trigger = rng.choice(["晨起活动后", "搬运重物时", "情绪激动后", "夜间睡眠中"])
    if rng.random() < 0.5:
        site, leads, mi_code = "前壁", rng.choice(["V1-V4", "V1-V5", "V2-V5"]), "I21.0"
    else:
        site, leads, mi_code = "下壁", "II、III、aVF", "I21.1"
    vit = vitals(rng, pulse=(58, 108), resp=(18, 24), sbp=(100, 165), dbp=(60, 98))
    htn = rng.choice([0, 6, 8, 10, 15])
    smoke = rng.choice([0, 20, 30]) if sex == "男" else 0
    items = [
        f"心电图：窦性心律，{leads}导联ST段抬高{between(rng, 0.2, 0.5)}mV",
        f"肌钙蛋白I {between(rng, 0.8, 25.0, 2)}ng/mL",
        f"CK-MB {rng.randint(28, 180)}U/L",
        f"白细胞{between(rng, 8.5, 14.5)}×10^9/L",
        f"血钾{between(rng, 3.4, 4.6, 2)}mmol/L",
    ]
    if detailed:
        items += [
            f"LDL-C {between(rng, 2.8, 4.9, 2)}mmol/L",
            f"床旁心脏超声：左心室{site}节段性室壁运动减弱，LVEF {rng.randint(40, 55)}%",
        ]
    past = (f"高血压病史{htn}年，口服苯磺酸氨氯地平，血压控制尚可。" if htn else "否认高血压、糖尿病病史。")
    past += "否认肝炎、结核等传染病史，否认手术外伤史，否认药物过敏史。"
    hpi = (
        f"患者{hours}小时前{trigger}出现胸骨后压榨样疼痛，范围约手掌大小，向左肩及左上臂放射，伴大汗、恶心，"
        f"无晕厥、咯血。自行含服硝酸甘油后疼痛不缓解，由{REL}送至我院急诊，急诊心电图提示{leads}导联ST段抬高，"
        f"以“急性{site}心肌梗死”收入院。发病以来精神差，未进食，大小便未解。"
    )
    exam = f"{vit}。神志清楚，急性痛苦面容，全身大汗。双肺呼吸音清，未闻及干湿啰音。心律齐，各瓣膜听诊区未闻及杂音。腹软，无压痛。双下肢无水肿。"
    if detailed:
        exam += "颈静脉无怒张，肝颈静脉回流征阴性。四肢肌力正常，病理征未引出。"
    ref_hpi = f"{trigger}出现胸骨后压榨样疼痛{hours}小时，向左肩及左上臂放射，伴大汗、恶心，含服硝酸甘油不缓解。"
    if htn:
        ref_hpi += f"既往高血压{htn}年。"
    if smoke:
        ref_hpi += f"吸烟{smoke}年。"
    diagnoses = [f"冠状动脉粥样硬化性心脏病 急性{site}ST段抬高型心肌梗死 Killip I级"]
    codes: list[str | None] = [mi_code]
    if htn:
        diagnoses.append("高血压病")
        codes.append("I10")
    return Clinical(
        department="心内科", specialty="cardiology", diagnosis=f"急性{site}ST段抬高型心肌梗死",
        sex=sex, age_years=years, chief=f"持续性胸痛{hours}小时", hpi=hpi, past=past, exam=exam,
        tests=joined(items), diagnoses=diagnoses, codes=codes, ref_hpi=ref_hpi, ref_tests=f"{vit}；" + joined(items),
        personal=personal_history(rng, smoke) if detailed else "",
        marital=marital_history(rng, sex, years) if detailed else "",
        family=family_history(rng, years) if detailed else "",
        plan=("心电监护，绝对卧床，吸氧", "阿司匹林联合替格瑞洛双联抗血小板，强化他汀调脂", "急诊行冠状动脉造影及经皮冠状动脉介入治疗", "动态复查心电图及心肌损伤标志物，评估心功能"),
        review_skip=("循环",),
    )


def heart_failure(rng: random.Random, detailed: bool, variant: int) -> Clinical:
    sex = adult_sex(rng, 0.55)
    years = rng.randint(90, 95) if variant == 1 else rng.randint(62, 86)
    history_years = rng.randint(3, 10)
    days = rng.randint(3, 10)
    cause = rng.choice(["缺血性心肌病", "扩张型心肌病"])
    cause_code = {"缺血性心肌病": "I25.5", "扩张型心肌病": "I42.0"}[cause]
    pacer_years = rng.randint(2, 7)
    vit = vitals(rng, temp=(36.2, 36.9), pulse=(88, 118), resp=(22, 28), sbp=(98, 150), dbp=(58, 90), spo2=(87, 94))
    items = [
        f"NT-proBNP {rng.randint(28, 120) * 100}pg/mL",
        f"血钠{rng.randint(128, 138)}mmol/L",
        f"血肌酐{rng.randint(92, 186)}μmol/L",
        f"心脏超声：左心室舒张末期内径{rng.randint(58, 72)}mm，LVEF {rng.randint(24, 40)}%",
    ]
    if detailed:
        items.insert(3, f"血钾{between(rng, 3.3, 5.2, 2)}mmol/L")
        items.append("胸部X线：心影增大，双肺门影增浓，少量双侧胸腔积液")
    hpi = (
        f"患者{history_years}年前开始出现活动后气促，诊断为“{cause}、慢性心力衰竭”，长期口服呋塞米、螺内酯及美托洛尔。"
        f"{days}天前受凉后气促明显加重，夜间不能平卧，需高枕或端坐，伴双下肢水肿、尿量减少、食欲下降，"
        f"无胸痛及咯血。{REL}发现其症状逐渐加重，遂陪同来院，门诊以“慢性心力衰竭急性加重”收入院。"
    )
    past = (
        f"{pacer_years}年前因病态窦房结综合征植入双腔起搏器（序列号{DEVICE}），定期程控。"
        "否认糖尿病史，否认药物过敏史。"
    )
    exam = (
        f"{vit}。端坐位，口唇轻度发绀，颈静脉怒张。双肺底可闻及湿啰音。心界向左下扩大，心律齐，"
        "心尖区可闻及3/6级收缩期吹风样杂音。肝肋下2横指，双下肢重度凹陷性水肿。"
    )
    if detailed:
        exam += "左上胸壁可见起搏器囊袋，无红肿渗出。腹部移动性浊音阴性。"
    ref_hpi = (
        f"{cause}、慢性心力衰竭病史{history_years}年，{days}天前受凉后气促加重，夜间不能平卧，伴双下肢水肿、尿量减少；"
        f"病态窦房结综合征双腔起搏器植入术后{pacer_years}年。"
    )
    ref_exam = "颈静脉怒张，双肺底湿啰音，双下肢重度凹陷性水肿"
    return Clinical(
        department="心内科", specialty="cardiology", diagnosis="慢性心力衰竭急性加重",
        sex=sex, age_years=years, chief=f"反复活动后气促{history_years}年，加重伴双下肢水肿{days}天",
        hpi=hpi, past=past, exam=exam, tests=joined(items),
        diagnoses=["慢性心力衰竭急性加重 心功能IV级（NYHA分级）", cause, "双腔起搏器植入术后"],
        codes=["I50.9", cause_code, "Z95.0"],
        ref_hpi=ref_hpi, ref_tests=f"{vit}；{ref_exam}；" + joined(items),
        personal=personal_history(rng) if detailed else "",
        marital=marital_history(rng, sex, years) if detailed else "",
        family=family_history(rng, years) if detailed else "",
        device_kind="pacemaker",
        plan=("心电监护，半卧位，低流量吸氧，限制钠盐及液体入量", "静脉袢利尿剂减轻容量负荷，记录出入量", "监测电解质及肾功能，病情稳定后优化抗心衰药物", "起搏器程控检查"),
        review_skip=("循环", "呼吸"),
    )


def atrial_fibrillation(rng: random.Random, detailed: bool, variant: int) -> Clinical:
    sex = adult_sex(rng)
    years = rng.randint(55, 84)
    days = rng.randint(1, 5)
    paroxysmal = rng.randint(2, 6)
    heart_rate = rng.randint(122, 165)
    pulse = heart_rate - rng.randint(14, 30)
    sbp, dbp = rng.randint(118, 158), rng.randint(70, 96)
    vit = f"体温{between(rng, 36.3, 36.9)}℃，脉搏{pulse}次/分，呼吸{rng.randint(18, 22)}次/分，血压{sbp}/{dbp}mmHg"
    score = rng.randint(2, 5)
    items = [
        f"心电图：心房颤动，平均心室率{heart_rate}次/分",
        f"TSH {between(rng, 0.8, 3.6, 2)}mIU/L",
        f"血钾{between(rng, 3.5, 4.5, 2)}mmol/L",
        f"心脏超声：左心房内径{rng.randint(42, 52)}mm，LVEF {rng.randint(50, 62)}%",
    ]
    if detailed:
        items.insert(2, f"NT-proBNP {rng.randint(6, 25) * 100}pg/mL")
        items.append(f"D-二聚体{between(rng, 0.2, 0.5, 2)}mg/L")
    hpi = (
        f"患者{paroxysmal}年前体检发现“阵发性心房颤动”，未规律抗凝。{days}天前无明显诱因出现心悸，呈持续性，"
        "伴胸闷、活动耐量下降，无胸痛、黑矇及晕厥，休息后不缓解。"
        f"曾于{OUTSIDE}就诊，予口服药物（具体不详）后症状无改善，为进一步诊治入院。"
    )
    past = "高血压病史，口服缬沙坦。否认糖尿病、脑卒中病史，否认药物过敏史。"
    exam = (
        f"{vit}。神志清楚，双肺呼吸音清。心率{heart_rate}次/分，心律绝对不齐，第一心音强弱不等，脉搏短绌。"
        "腹软，双下肢无水肿。"
    )
    if detailed:
        exam += "颈静脉无怒张，甲状腺未触及肿大，神经系统查体未见异常。"
    ref_hpi = f"阵发性心房颤动病史{paroxysmal}年，未规律抗凝；持续心悸{days}天，伴胸闷、活动耐量下降；既往高血压；CHA2DS2-VASc评分{score}分。"
    return Clinical(
        department="心内科", specialty="cardiology", diagnosis="心房颤动伴快速心室率",
        sex=sex, age_years=years, chief=f"心悸{days}天", hpi=hpi, past=past,
        exam=exam + f"CHA2DS2-VASc评分{score}分。", tests=joined(items),
        diagnoses=["心房颤动（持续性）伴快速心室率", "高血压病"], codes=["I48.1", "I10"],
        ref_hpi=ref_hpi, ref_tests=f"{vit}，心率{heart_rate}次/分，心律绝对不齐，脉搏短绌；" + joined(items),
        personal=personal_history(rng) if detailed else "",
        marital=marital_history(rng, sex, years) if detailed else "",
        family=family_history(rng, years) if detailed else "",
        plan=("心电监护，控制心室率", "评估血栓及出血风险后启动抗凝治疗", "完善经食管超声心动图，评估复律时机"),
        review_skip=("循环",),
    )


# --- 呼吸内科 -----------------------------------------------------------------------------


def copd_exacerbation(rng: random.Random, detailed: bool, variant: int) -> Clinical:
    sex = adult_sex(rng, 0.85)
    years = rng.randint(60, 86)
    cough_years = rng.randint(12, 25)
    dyspnoea_years = rng.randint(3, 8)
    days = rng.randint(2, 7)
    smoke = rng.choice([30, 35, 40])
    vit = vitals(rng, temp=(36.6, 37.8), pulse=(92, 116), resp=(24, 30), sbp=(120, 150), dbp=(70, 90), spo2=(82, 89))
    items = [
        f"血气分析（鼻导管吸氧2L/min）：pH {between(rng, 7.28, 7.36, 2)}，PaCO2 {rng.randint(56, 78)}mmHg，PaO2 {rng.randint(48, 59)}mmHg",
        f"白细胞{between(rng, 8.0, 14.0)}×10^9/L",
        f"中性粒细胞比例{rng.randint(76, 90)}%",
        f"C反应蛋白{rng.randint(18, 88)}mg/L",
    ]
    if detailed:
        items.append("胸部CT：双肺气肿，双下肺散在斑片影")
        items.append(f"心脏超声：肺动脉收缩压{rng.randint(42, 58)}mmHg")
    hpi = (
        f"患者{cough_years}年前开始反复咳嗽、咳白色黏痰，冬春季明显，{dyspnoea_years}年前出现活动后气促，诊断为“慢性阻塞性肺疾病”，"
        f"间断吸入噻托溴铵。{days}天前受凉后咳嗽加重，咳黄脓痰，气促明显，稍活动即喘息，夜间不能平卧，"
        f"伴嗜睡。{REL}陪同来院急诊，以“慢阻肺急性加重”收入院。"
    )
    past = "否认高血压、糖尿病病史，否认肺结核病史，否认药物过敏史。"
    exam = (
        f"{vit}。嗜睡，口唇发绀，桶状胸，双肺呼吸音减低，可闻及散在哮鸣音及少许湿啰音。"
        "心律齐，双下肢轻度水肿。"
    )
    if detailed:
        exam += "肋间隙增宽，叩诊呈过清音。剑突下可见心脏搏动。扑翼样震颤阴性。"
    ref_hpi = (
        f"反复咳嗽咳痰{cough_years}年，活动后气促{dyspnoea_years}年，{days}天前受凉后咳黄脓痰、气促加重伴嗜睡；吸烟{smoke}年。"
    )
    return Clinical(
        department="呼吸内科", specialty="respiratory", diagnosis="慢性阻塞性肺疾病急性加重",
        sex=sex, age_years=years, chief=f"反复咳嗽咳痰{cough_years}年，气促{dyspnoea_years}年，加重{days}天",
        hpi=hpi, past=past, exam=exam, tests=joined(items),
        diagnoses=["慢性阻塞性肺疾病急性加重", "II型呼吸衰竭"] + (["慢性肺源性心脏病"] if detailed else []),
        codes=["J44.1", "J96.9"] + (["I27.9"] if detailed else []),
        ref_hpi=ref_hpi, ref_tests=f"{vit}；口唇发绀，双肺哮鸣音；" + joined(items),
        personal=personal_history(rng, smoke),
        marital=marital_history(rng, sex, years) if detailed else "",
        family=family_history(rng, years) if detailed else "",
        plan=("低流量吸氧，必要时无创正压通气", "雾化吸入支气管扩张剂，静脉应用糖皮质激素", "经验性抗感染治疗，留取痰培养", "复查血气分析"),
        review_skip=("呼吸", "循环"),
    )


def pneumonia(rng: random.Random, detailed: bool, variant: int) -> Clinical:
    sex = adult_sex(rng)
    years = rng.randint(90, 96) if variant == 1 else rng.randint(32, 78)
    days = rng.randint(2, 7)
    tmax = between(rng, 39.5, 40.3)
    side = rng.choice(["右下", "左下", "右中"])
    resp = rng.randint(20, 32)
    sbp, dbp = rng.randint(86, 132), rng.randint(52, 80)
    urea = rng.uniform(4.5, 11.0)
    vit = (
        f"体温{between(rng, 38.0, 39.4)}℃，脉搏{rng.randint(96, 124)}次/分，呼吸{resp}次/分，血压{sbp}/{dbp}mmHg，"
        f"血氧饱和度{rng.randint(88, 95)}%"
    )
    curb = sum([urea > 7, resp >= 30, sbp < 90 or dbp <= 60, years >= 65])
    items = [
        f"白细胞{between(rng, 11.5, 21.0)}×10^9/L",
        f"中性粒细胞比例{rng.randint(80, 93)}%",
        f"C反应蛋白{rng.randint(48, 210)}mg/L",
        f"降钙素原{between(rng, 0.5, 8.0, 2)}ng/mL",
        f"尿素氮{urea:.1f}mmol/L",
        f"胸部CT：{side}肺大片实变影，内见支气管充气征",
    ]
    if detailed:
        items.insert(4, f"血钠{rng.randint(131, 141)}mmol/L")
        items.append("痰涂片：革兰阳性球菌")
    hpi = (
        f"患者{days}天前受凉后出现发热，最高体温{tmax}℃，伴畏寒、咳嗽，咳黄色脓痰，量中等，伴{side[0]}侧胸痛，咳嗽时加重，"
        f"渐出现气促。自服“感冒药”无好转，由{REL}送来我院，门诊以“肺炎”收入院。病程中食欲差，睡眠欠佳。"
    )
    past = rng.choice(["否认慢性病史。", "糖尿病病史，口服二甲双胍。", "高血压病史，口服氨氯地平。"]) + "否认药物过敏史。"
    exam = f"{vit}。神志清楚，急性病容，{side}肺叩诊浊音，可闻及支气管呼吸音及湿啰音。心律齐，未闻及杂音。腹软，无压痛。"
    if detailed:
        exam += "口唇无发绀，浅表淋巴结未触及肿大，双下肢无水肿，脑膜刺激征阴性。"
    ref_hpi = f"受凉后发热、咳嗽咳黄脓痰{days}天，最高体温{tmax}℃，伴胸痛、气促。"
    return Clinical(
        department="呼吸内科", specialty="respiratory", diagnosis="社区获得性肺炎",
        sex=sex, age_years=years, chief=f"发热、咳嗽咳痰{days}天", hpi=hpi, past=past,
        exam=exam + f"CURB-65评分{curb}分。", tests=joined(items),
        diagnoses=[f"社区获得性肺炎（{side}肺）" + ("，重症" if curb >= 3 else "")], codes=["J18.9"],
        ref_hpi=ref_hpi, ref_tests=f"{vit}；{side}肺湿啰音；CURB-65评分{curb}分；" + joined(items),
        personal=personal_history(rng) if detailed else "",
        marital=marital_history(rng, sex, years) if detailed else "",
        family=family_history(rng, years) if detailed else "",
        plan=("留取痰及血培养后经验性抗感染治疗", "吸氧、退热、化痰及营养支持", "监测生命体征及氧合，必要时复查胸部CT"),
        review_skip=("呼吸", "内分泌", "循环"),
    )


# --- 消化内科 -----------------------------------------------------------------------------


def upper_gi_bleed(rng: random.Random, detailed: bool, variant: int) -> Clinical:
    sex = adult_sex(rng, 0.7)
    years = rng.randint(38, 80)
    days = rng.randint(1, 4)
    times = rng.randint(2, 5)
    volume = rng.randint(2, 6) * 100
    vit = vitals(rng, pulse=(102, 126), resp=(18, 24), sbp=(86, 106), dbp=(50, 66))
    ulcer = between(rng, 0.8, 1.8)
    items = [
        f"血红蛋白{rng.randint(62, 92)}g/L",
        f"血小板{rng.randint(150, 320)}×10^9/L",
        f"尿素氮{between(rng, 9.0, 18.5)}mmol/L",
        "粪便隐血试验阳性",
        f"急诊胃镜：十二指肠球部前壁溃疡，大小约{ulcer}cm，基底见血管裸露（Forrest IIa）",
    ]
    if detailed:
        items.insert(3, f"凝血酶原时间{between(rng, 11.5, 13.5)}s")
    cause = rng.choice(["因膝关节疼痛自行服用布洛芬1周，", "因冠心病长期服用阿司匹林，", "近期工作劳累、饮食不规律，"])
    hpi = (
        f"患者{cause}{days}天前出现黑便，为柏油样便，共{times}次，总量约{volume}g，伴头晕、乏力、心悸，"
        f"今日呕吐咖啡色液体1次，站立时头晕加重。无腹痛、发热。{REL}陪同来院，急诊以“上消化道出血”收入院。"
    )
    past = "否认肝病史，否认手术史，否认药物过敏史。"
    exam = f"{vit}。神志清楚，贫血貌，睑结膜苍白。心率快，律齐。腹平软，上腹部轻压痛，无反跳痛，肝脾肋下未触及，肠鸣音活跃。"
    if detailed:
        exam += "四肢末梢稍凉，毛细血管再充盈时间约3秒。移动性浊音阴性。直肠指检指套染黑色粪便。"
    ref_hpi = f"{cause}黑便{days}天，共{times}次，总量约{volume}g，今日呕咖啡色液体1次，伴头晕、乏力、心悸。"
    return Clinical(
        department="消化内科", specialty="gastroenterology", diagnosis="上消化道出血",
        sex=sex, age_years=years, chief=f"黑便{days}天，呕血1次", hpi=hpi, past=past, exam=exam,
        tests=joined(items), diagnoses=["上消化道出血", "十二指肠球部溃疡伴出血（Forrest IIa）", "失血性贫血"],
        codes=["K92.2", "K26.4", "D62"],
        ref_hpi=ref_hpi, ref_tests=f"{vit}；贫血貌，上腹部轻压痛；" + joined(items),
        personal=personal_history(rng, drink_years=rng.choice([0, 10])) if detailed else "",
        marital=marital_history(rng, sex, years) if detailed else "",
        family=family_history(rng, years) if detailed else "",
        plan=("禁食，心电监护，建立静脉通路", "质子泵抑制剂静脉泵入，必要时输注红细胞", "胃镜下止血治疗，监测血红蛋白变化", "停用非甾体抗炎药，检测幽门螺杆菌"),
        review_skip=("消化", "循环", "运动"),
    )


def acute_pancreatitis(rng: random.Random, detailed: bool, variant: int) -> Clinical:
    sex = adult_sex(rng, 0.65)
    years = rng.randint(28, 70)
    hours = rng.randint(6, 30)
    kind = rng.choice(["胆源性", "高甘油三酯血症性", "酒精性"])
    kind_code = {"胆源性": "K85.1", "高甘油三酯血症性": "K85.8", "酒精性": "K85.2"}[kind]
    trigger = {"胆源性": "进食油腻食物后", "高甘油三酯血症性": "聚餐后", "酒精性": "大量饮酒后"}[kind]
    vit = vitals(rng, temp=(37.2, 38.4), pulse=(96, 118), resp=(20, 26), sbp=(108, 140), dbp=(66, 88))
    items = [
        f"血淀粉酶{rng.randint(620, 2600)}U/L",
        f"血脂肪酶{rng.randint(900, 4200)}U/L",
        f"白细胞{between(rng, 11.0, 17.5)}×10^9/L",
        f"血钙{between(rng, 1.90, 2.25, 2)}mmol/L",
    ]
    if kind == "胆源性":
        items.append(f"总胆红素{between(rng, 28.0, 62.0)}μmol/L")
        items.append(f"腹部超声：胆囊多发结石，最大约{rng.randint(6, 15)}mm，胆总管内径{rng.randint(7, 11)}mm")
    elif kind == "高甘油三酯血症性":
        items.append(f"甘油三酯{between(rng, 11.5, 26.0)}mmol/L")
    if detailed:
        items.append(f"血糖{between(rng, 7.5, 12.5)}mmol/L")
    items.append("腹部CT：胰腺弥漫性肿大，胰周渗出，未见坏死")
    hpi = (
        f"患者{hours}小时前{trigger}出现上腹部持续性胀痛，向腰背部放射，呈束带状，弯腰抱膝位可稍缓解，"
        "伴恶心、呕吐胃内容物多次，吐后腹痛不缓解，无呕血、黑便。急诊查血淀粉酶明显升高，以“急性胰腺炎”收入院。"
    )
    past = {"胆源性": "胆囊结石病史3年，未手术。", "高甘油三酯血症性": "体检发现血脂升高，未治疗。",
            "酒精性": "既往体健。"}[kind] + "否认药物过敏史。"
    exam = f"{vit}。神志清楚，急性病容，皮肤巩膜无明显黄染。腹稍膨隆，上腹部压痛，轻度肌紧张，无明显反跳痛，肠鸣音减弱。"
    if detailed:
        exam += "Grey-Turner征及Cullen征阴性，移动性浊音阴性，双肺呼吸音清。"
    ref_hpi = f"{trigger}出现上腹部持续性胀痛{hours}小时，向腰背部放射，伴恶心、呕吐，吐后不缓解。"
    return Clinical(
        department="消化内科", specialty="gastroenterology", diagnosis=f"急性胰腺炎（{kind}）",
        sex=sex, age_years=years, chief=f"上腹痛伴呕吐{hours}小时", hpi=hpi, past=past, exam=exam,
        tests=joined(items), diagnoses=[f"急性胰腺炎（{kind}，轻症）"], codes=[kind_code],
        ref_hpi=ref_hpi, ref_tests=f"{vit}；上腹部压痛，肠鸣音减弱；" + joined(items),
        personal=personal_history(rng, drink_years=20 if kind == "酒精性" else 0) if detailed else "",
        marital=marital_history(rng, sex, years) if detailed else "",
        family=family_history(rng, years) if detailed else "",
        plan=("禁食、胃肠减压", "积极液体复苏，抑酸、抑制胰酶分泌及镇痛", "监测血钙、血糖及腹内压，评估病情严重程度", "针对病因择期处理"),
        review_skip=("消化", "内分泌"),
    )


def cirrhosis(rng: random.Random, detailed: bool, variant: int) -> Clinical:
    sex = adult_sex(rng, 0.75)
    years = rng.randint(42, 74)
    hbv_years = rng.randint(10, 25)
    weeks = rng.randint(2, 6)
    vit = vitals(rng, pulse=(78, 98), sbp=(98, 126), dbp=(58, 78))
    items = [
        f"白蛋白{between(rng, 23.0, 31.0)}g/L",
        f"总胆红素{between(rng, 32.0, 86.0)}μmol/L",
        f"ALT {rng.randint(38, 96)}U/L",
        f"血小板{rng.randint(38, 82)}×10^9/L",
        f"凝血酶原时间国际标准化比值{between(rng, 1.3, 1.9, 2)}",
        f"HBV-DNA {between(rng, 2.1, 6.8, 1)}×10^4 IU/mL",
        f"腹部超声：肝脏缩小、表面呈结节状，门静脉内径{rng.randint(13, 16)}mm，脾厚{rng.randint(50, 66)}mm，腹腔大量积液",
    ]
    if detailed:
        items.append(f"甲胎蛋白{between(rng, 3.0, 18.0)}ng/mL")
    hpi = (
        f"患者{hbv_years}年前体检发现乙肝表面抗原阳性，未规律抗病毒治疗。{weeks}周前无明显诱因出现腹胀，进行性加重，"
        "伴尿量减少、双下肢水肿、乏力、食欲减退，无呕血、黑便，无意识障碍。"
        f"曾在{OUTSIDE}就诊，超声提示“肝硬化、腹水”，为进一步治疗来我院。"
    )
    past = "否认高血压、糖尿病病史，否认药物过敏史。"
    exam = f"{vit}。神志清楚，肝病面容，巩膜轻度黄染，可见肝掌及颈部蜘蛛痣。腹膨隆，无压痛，脾肋下3cm，移动性浊音阳性，双下肢凹陷性水肿。"
    if detailed:
        exam += "腹壁静脉稍显露，扑翼样震颤阴性，计算力正常。"
    ref_hpi = f"乙肝表面抗原阳性{hbv_years}年，未规律抗病毒；腹胀进行性加重{weeks}周，伴尿少、双下肢水肿、乏力、纳差。"
    return Clinical(
        department="消化内科", specialty="gastroenterology", diagnosis="乙型肝炎肝硬化失代偿期",
        sex=sex, age_years=years, chief=f"腹胀{weeks}周", hpi=hpi, past=past, exam=exam, tests=joined(items),
        diagnoses=["乙型肝炎肝硬化失代偿期", "腹水", "脾功能亢进"], codes=["K74.6", "R18", "D73.1"],
        ref_hpi=ref_hpi, ref_tests=f"{vit}；巩膜轻度黄染，脾肋下3cm，移动性浊音阳性；" + joined(items),
        personal=personal_history(rng) if detailed else "",
        marital=marital_history(rng, sex, years) if detailed else "",
        family=family_history(rng, years, "母亲为乙肝病毒携带者。") if detailed else "",
        plan=("低盐饮食，记录出入量及腹围", "利尿、补充白蛋白，必要时腹腔穿刺放液并送检腹水", "恩替卡韦抗病毒治疗", "胃镜评估食管胃底静脉曲张"),
        review_skip=("消化", "血液", "循环"),
    )


# --- 内分泌科 -----------------------------------------------------------------------------


def dka(rng: random.Random, detailed: bool, variant: int) -> Clinical:
    type1 = variant == 1 or rng.random() < 0.3
    sex = adult_sex(rng)
    years = rng.randint(16, 34) if type1 else rng.randint(35, 68)
    dm_years = rng.randint(2, 12)
    days = rng.randint(2, 5)
    vit = vitals(rng, temp=(36.4, 37.4), pulse=(104, 126), resp=(24, 32), sbp=(92, 118), dbp=(54, 72))
    items = [
        f"随机血糖{between(rng, 21.0, 34.5)}mmol/L",
        f"血气分析：pH {between(rng, 6.98, 7.24, 2)}，HCO3- {between(rng, 5.0, 13.5)}mmol/L",
        f"血β-羟丁酸{between(rng, 3.5, 7.2)}mmol/L",
        "尿酮体（+++）",
        f"血钾{between(rng, 3.6, 5.8)}mmol/L",
        f"血钠{rng.randint(128, 136)}mmol/L",
        f"糖化血红蛋白{between(rng, 9.5, 14.0)}%",
    ]
    if detailed:
        items.append(f"血肌酐{rng.randint(88, 140)}μmol/L")
        items.append(f"白细胞{between(rng, 10.5, 16.0)}×10^9/L")
    if type1:
        treatment = f"使用胰岛素泵（序列号{DEVICE}）皮下持续输注胰岛素"
        trigger = "胰岛素泵导管打折未及时发现"
    else:
        treatment = "口服二甲双胍及格列美脲"
        trigger = "自行停药并进食大量含糖饮料"
    kind = "1型糖尿病" if type1 else "2型糖尿病"
    codes: list[str | None] = ["E10.1", "E10.9"] if type1 else ["E11.1", "E11.9"]
    hpi = (
        f"患者{dm_years}年前诊断为“{kind}”，平时{treatment}，血糖控制欠佳。{days}天前因{trigger}出现口干、多饮、多尿，"
        "继而出现恶心、呕吐、腹痛，乏力明显，今日精神萎靡、呼吸深快。"
        f"由{REL}送至急诊，测指尖血糖“HI”，以“糖尿病酮症酸中毒”收入院。"
    )
    past = "否认高血压、冠心病史，否认药物过敏史。"
    exam = f"{vit}。精神萎靡，皮肤干燥，眼窝凹陷，呼吸深大，呼气有烂苹果味。双肺呼吸音清。心律齐。腹软，脐周轻压痛，无反跳痛。"
    if detailed:
        exam += "双足背动脉搏动可，双足针刺觉对称。"
    ref_hpi = f"{kind}病史{dm_years}年，{trigger}后口干、多饮、多尿{days}天，伴恶心、呕吐、腹痛、乏力，呼吸深快。"
    return Clinical(
        department="内分泌科", specialty="endocrinology", diagnosis="糖尿病酮症酸中毒",
        sex=sex, age_years=years, chief=f"口干多饮多尿加重伴恶心呕吐{days}天", hpi=hpi, past=past, exam=exam,
        tests=joined(items), diagnoses=["糖尿病酮症酸中毒", kind], codes=codes,
        ref_hpi=ref_hpi, ref_tests=f"{vit}；皮肤干燥，呼吸深大，呼气烂苹果味；" + joined(items),
        personal=personal_history(rng) if detailed else "",
        marital=marital_history(rng, sex, years) if detailed else "",
        family=family_history(rng, years) if detailed else "",
        device_kind="insulin_pump" if type1 else "",
        plan=("补液，小剂量胰岛素静脉持续输注", "每小时监测血糖，定期复查电解质及血气", "根据血钾补钾，寻找并去除诱因", "酮体转阴后过渡至皮下胰岛素"),
        review_skip=("内分泌", "泌尿", "消化"),
    )


def thyrotoxicosis(rng: random.Random, detailed: bool, variant: int) -> Clinical:
    sex = adult_sex(rng, 0.25)
    years = rng.randint(22, 55)
    months = rng.randint(2, 6)
    weight_loss = rng.randint(4, 10)
    vit = vitals(rng, temp=(37.0, 37.8), pulse=(112, 142), resp=(18, 24), sbp=(128, 150), dbp=(58, 72))
    items = [
        f"FT3 {between(rng, 14.0, 32.0)}pmol/L",
        f"FT4 {between(rng, 45.0, 92.0)}pmol/L",
        "TSH<0.005mIU/L",
        f"TRAb {between(rng, 6.0, 28.0)}IU/L",
        f"ALT {rng.randint(30, 88)}U/L",
        f"甲状腺超声：甲状腺弥漫性肿大，右叶厚{rng.randint(22, 30)}mm，左叶厚{rng.randint(20, 28)}mm，血流信号丰富",
    ]
    if detailed:
        items.append(f"白细胞{between(rng, 4.2, 7.5)}×10^9/L")
        items.append("心电图：窦性心动过速")
    hpi = (
        f"患者{months}个月前无明显诱因出现心悸、怕热、多汗，易饥多食，体重下降约{weight_loss}kg，伴手抖、烦躁、失眠，"
        "大便次数增多。近1周心悸加重，活动后气促。"
        f"于{OUTSIDE}查甲状腺功能异常，未治疗，为进一步诊治入院。"
    )
    past = "既往体健，否认药物过敏史。"
    exam = f"{vit}。神志清楚，消瘦，皮肤温暖潮湿，双眼球轻度突出，双手细颤阳性。甲状腺II度肿大，质软，可闻及血管杂音。心律齐。"
    if detailed:
        exam += "胫前黏液性水肿阴性，双下肢无水肿，腱反射活跃。"
    ref_hpi = f"心悸、怕热、多汗{months}个月，多食易饥，体重下降约{weight_loss}kg，伴手抖、失眠；近1周心悸加重。"
    return Clinical(
        department="内分泌科", specialty="endocrinology", diagnosis="Graves病甲状腺功能亢进症",
        sex=sex, age_years=years, chief=f"心悸、多汗、消瘦{months}个月", hpi=hpi, past=past, exam=exam,
        tests=joined(items), diagnoses=["Graves病 甲状腺功能亢进症", "窦性心动过速"], codes=["E05.0", "R00.0"],
        ref_hpi=ref_hpi, ref_tests=f"{vit}；双手细颤阳性，甲状腺II度肿大伴血管杂音；" + joined(items),
        personal=personal_history(rng) if detailed else "",
        marital=marital_history(rng, sex, years) if detailed else "",
        family=family_history(rng, years, "姨母患甲状腺疾病。") if detailed else "",
        plan=("低碘饮食，注意休息", "甲巯咪唑抗甲状腺治疗，普萘洛尔控制心率", "监测血常规及肝功能", "评估放射性碘治疗指征"),
        review_skip=("内分泌", "循环", "消化", "神经"),
    )


# --- 神经内科 -----------------------------------------------------------------------------


def ischaemic_stroke(rng: random.Random, detailed: bool, variant: int) -> Clinical:
    sex = adult_sex(rng, 0.6)
    years = rng.randint(52, 84)
    hours = rng.randint(2, 12)
    side, brain = rng.choice([("右", "左"), ("左", "右")])
    power = rng.randint(1, 3)
    nihss = rng.randint(5, 15)
    vit = vitals(rng, sbp=(156, 192), dbp=(88, 108))
    speech = "言语含糊、找词困难" if side == "右" else "言语含糊"
    items = [
        "头颅CT：未见出血",
        f"头颅MRI：DWI示{brain}侧基底节区及放射冠急性梗死灶，最大径约{between(rng, 1.5, 3.4)}cm",
        f"随机血糖{between(rng, 6.2, 9.8)}mmol/L",
        f"LDL-C {between(rng, 2.9, 4.6, 2)}mmol/L",
    ]
    if detailed:
        items.append(f"颈动脉超声：{brain}侧颈内动脉起始部狭窄约{rng.randint(50, 70)}%")
        items.append("心电图：窦性心律")
    hpi = (
        f"患者{hours}小时前{rng.choice(['晨起时', '看电视时', '午睡醒后'])}被{REL}发现{side}侧肢体无力，不能持物及行走，伴{speech}，"
        "口角歪斜，无头痛、呕吐、抽搐及意识丧失。急诊头颅CT未见出血，已超过溶栓时间窗，以“急性脑梗死”收入院。"
    )
    past = f"高血压病史{rng.randint(5, 20)}年，服药不规律。否认心房颤动病史，否认药物过敏史。"
    exam = (
        f"{vit}。神志清楚，{speech}。{side}侧鼻唇沟变浅，伸舌偏{side}。{side}侧上下肢肌力{power}级，肌张力减低，"
        f"{side}侧巴宾斯基征阳性。NIHSS评分{nihss}分。"
    )
    if detailed:
        exam += f"{side}侧偏身针刺觉减退。颈软，脑膜刺激征阴性。双肺呼吸音清，心律齐。"
    ref_hpi = f"{side}侧肢体无力伴{speech}、口角歪斜{hours}小时，已超过溶栓时间窗；既往高血压，服药不规律。"
    return Clinical(
        department="神经内科", specialty="neurology", diagnosis="急性缺血性脑卒中",
        sex=sex, age_years=years, chief=f"{side}侧肢体无力伴言语不清{hours}小时", hpi=hpi, past=past, exam=exam,
        tests=joined(items), diagnoses=[f"急性脑梗死（{brain}侧大脑中动脉供血区）", "高血压病3级"], codes=["I63.9", "I10"],
        ref_hpi=ref_hpi, ref_tests=f"{vit}；{side}侧肢体肌力{power}级，{side}侧巴宾斯基征阳性，NIHSS评分{nihss}分；" + joined(items),
        personal=personal_history(rng, rng.choice([0, 30])) if detailed else "",
        marital=marital_history(rng, sex, years) if detailed else "",
        family=family_history(rng, years) if detailed else "",
        plan=("卒中单元监护，评估吞咽功能", "双联抗血小板及强化他汀治疗", "控制血压、血糖，预防并发症", "完善头颈部CTA及心脏超声，早期康复"),
        review_skip=("神经", "运动"),
    )


def epilepsy(rng: random.Random, detailed: bool, variant: int) -> Clinical:
    sex = adult_sex(rng)
    years = rng.randint(18, 45)
    epilepsy_years = rng.randint(3, 12)
    hours = rng.randint(3, 12)
    seizures = rng.randint(2, 4)
    minutes = rng.randint(2, 5)
    vit = vitals(rng, temp=(36.6, 37.6), pulse=(88, 112), sbp=(118, 142), dbp=(70, 90))
    items = [
        f"丙戊酸血药浓度{rng.randint(18, 42)}μg/mL",
        f"血钠{rng.randint(134, 142)}mmol/L",
        f"血糖{between(rng, 5.0, 7.8)}mmol/L",
        f"肌酸激酶{rng.randint(260, 980)}U/L",
        "视频脑电图：左侧颞区尖慢复合波",
    ]
    if detailed:
        items.append("头颅MRI：左侧海马体积缩小，T2/FLAIR信号增高")
    hpi = (
        f"患者{epilepsy_years}年前起反复出现发作性意识丧失伴四肢抽搐，发作前常有上腹部不适感，诊断为“癫痫”，"
        f"口服丙戊酸钠缓释片，近1个月自行减量。{hours}小时前再次发作{seizures}次，表现为双眼上翻、牙关紧闭、四肢强直后阵挛，"
        f"每次持续约{minutes}分钟，发作间期意识未完全恢复，伴舌咬伤、尿失禁。{REL}目睹发作并拨打急救电话送入院。"
    )
    past = "幼年有高热惊厥史。否认颅脑外伤史，否认药物过敏史。"
    exam = f"{vit}。嗜睡，呼之能应，对答欠切题。舌缘可见咬伤。双侧瞳孔等大等圆，对光反射灵敏。四肢肌力检查欠合作，病理征未引出。颈软。"
    if detailed:
        exam += "双肺呼吸音清，心律齐，腹软。"
    ref_hpi = (
        f"癫痫病史{epilepsy_years}年，近1个月自行减量丙戊酸钠；{hours}小时内发作{seizures}次全面强直-阵挛，每次约{minutes}分钟，"
        "发作间期意识未完全恢复，伴舌咬伤、尿失禁。"
    )
    return Clinical(
        department="神经内科", specialty="neurology", diagnosis="癫痫（丛集性发作）",
        sex=sex, age_years=years, chief=f"反复发作性抽搐{epilepsy_years}年，再发{hours}小时", hpi=hpi, past=past,
        exam=exam, tests=joined(items), diagnoses=["癫痫（局灶性起病进展为双侧强直-阵挛发作），丛集性发作", "抗癫痫药物依从性差"],
        codes=["G40.9", "Z91.1"],
        ref_hpi=ref_hpi, ref_tests=f"{vit}；嗜睡，舌咬伤；" + joined(items),
        personal=personal_history(rng) if detailed else "",
        marital=marital_history(rng, sex, years) if detailed else "",
        family=family_history(rng, years) if detailed else "",
        plan=("防跌倒、防舌咬伤，保持气道通畅", "发作时静脉注射地西泮，调整抗癫痫药物剂量", "监测血药浓度，加强用药依从性宣教"),
        review_skip=("神经", "运动"),
    )


# --- 肾内科 -------------------------------------------------------------------------------


def acute_kidney_injury(rng: random.Random, detailed: bool, variant: int) -> Clinical:
    sex = adult_sex(rng)
    years = rng.randint(45, 82)
    days = rng.randint(2, 6)
    baseline = rng.randint(68, 96)
    creatinine = rng.randint(240, 640)
    stage = 3 if creatinine >= 3 * baseline else 2
    cause, cause_short = rng.choice([
        ("急性胃肠炎腹泻、进食少", "腹泻、进食少"),
        ("增强CT检查后", "使用碘造影剂后"),
        ("因腰痛自行服用双氯芬酸钠", "服用非甾体抗炎药后"),
    ])
    urine = rng.randint(2, 5) * 100
    vit = vitals(rng, pulse=(84, 104), sbp=(102, 146), dbp=(60, 88))
    items = [
        f"血肌酐{creatinine}μmol/L（3个月前体检为{baseline}μmol/L）",
        f"尿素氮{between(rng, 15.0, 32.0)}mmol/L",
        f"血钾{between(rng, 5.4, 6.6)}mmol/L",
        f"HCO3- {between(rng, 13.0, 19.0)}mmol/L",
        "尿常规：尿蛋白（+），尿比重1.010",
        f"泌尿系超声：左肾{between(rng, 10.2, 11.6)}cm，右肾{between(rng, 10.0, 11.4)}cm，皮质回声稍增强，无积水",
    ]
    if detailed:
        items.insert(4, f"血红蛋白{rng.randint(112, 136)}g/L")
        items.append("心电图：T波高尖")
    hpi = (
        f"患者{days}天前{cause}后出现尿量减少，每日尿量约{urine}mL，伴乏力、恶心、食欲下降，无肉眼血尿、腰痛及发热。"
        f"在{OUTSIDE}查血肌酐升高，转来我院，门诊以“急性肾损伤”收入院。"
    )
    past = rng.choice(["高血压病史，口服厄贝沙坦。", "2型糖尿病病史，口服二甲双胍。"]) + "否认慢性肾脏病史，否认药物过敏史。"
    exam = f"{vit}。神志清楚，皮肤弹性稍差。双肺呼吸音清。心律齐。腹软，双肾区无叩击痛。双下肢无水肿。"
    if detailed:
        exam += "颈静脉无怒张，无扑翼样震颤，无心包摩擦音。"
    ref_hpi = f"{cause_short}尿量减少{days}天，每日尿量约{urine}mL，伴乏力、恶心、纳差；既往无慢性肾脏病。"
    return Clinical(
        department="肾内科", specialty="nephrology", diagnosis="急性肾损伤",
        sex=sex, age_years=years, chief=f"尿量减少{days}天", hpi=hpi, past=past, exam=exam, tests=joined(items),
        diagnoses=[f"急性肾损伤（KDIGO {stage}期）", "高钾血症", "代谢性酸中毒"], codes=["N17.9", "E87.5", "E87.2"],
        ref_hpi=ref_hpi, ref_tests=f"{vit}；" + joined(items),
        personal=personal_history(rng) if detailed else "",
        marital=marital_history(rng, sex, years) if detailed else "",
        family=family_history(rng, years) if detailed else "",
        plan=("停用可疑肾毒性药物，纠正容量不足", "降钾治疗并监测心电图，纠正酸中毒", "记录出入量，每日复查肾功能及电解质", "必要时行血液透析"),
        review_skip=("泌尿", "消化", "内分泌", "运动"),
    )


def nephrotic_syndrome(rng: random.Random, detailed: bool, variant: int) -> Clinical:
    sex = adult_sex(rng, 0.6)
    years = rng.randint(24, 66)
    weeks = rng.randint(2, 8)
    weight_gain = rng.randint(3, 8)
    vit = vitals(rng, sbp=(122, 148), dbp=(74, 94))
    items = [
        "尿常规：尿蛋白（+++），尿潜血（+）",
        f"24小时尿蛋白定量{between(rng, 4.2, 9.8, 2)}g",
        f"血白蛋白{between(rng, 15.0, 27.0)}g/L",
        f"总胆固醇{between(rng, 7.6, 12.4)}mmol/L",
        f"血肌酐{rng.randint(58, 96)}μmol/L",
        f"D-二聚体{between(rng, 0.6, 2.4, 2)}mg/L",
    ]
    if detailed:
        items.append("抗磷脂酶A2受体抗体阳性")
        items.append(f"泌尿系超声：双肾大小正常，左肾{between(rng, 10.5, 12.0)}cm")
    hpi = (
        f"患者{weeks}周前无明显诱因出现双眼睑水肿，晨起明显，逐渐蔓延至双下肢，伴尿中泡沫增多、久置不消，体重增加约{weight_gain}kg，"
        f"无肉眼血尿、关节痛及皮疹。在{OUTSIDE}查尿蛋白阳性，未予特殊治疗，为明确诊断入院。"
    )
    past = "否认高血压、糖尿病、乙肝病史，否认药物过敏史。"
    exam = f"{vit}。神志清楚，双眼睑水肿。双肺呼吸音清，双下肺呼吸音稍低。心律齐。腹软，移动性浊音可疑阳性。双下肢重度凹陷性水肿。"
    if detailed:
        exam += "皮肤无皮疹，关节无红肿。"
    ref_hpi = f"眼睑及双下肢水肿{weeks}周，伴尿泡沫增多，体重增加约{weight_gain}kg，无肉眼血尿。"
    return Clinical(
        department="肾内科", specialty="nephrology", diagnosis="肾病综合征",
        sex=sex, age_years=years, chief=f"颜面及双下肢水肿{weeks}周", hpi=hpi, past=past, exam=exam,
        tests=joined(items), diagnoses=["肾病综合征（病理类型待肾活检明确）", "高脂血症"], codes=["N04.9", "E78.5"],
        ref_hpi=ref_hpi, ref_tests=f"{vit}；双下肢重度凹陷性水肿；" + joined(items),
        personal=personal_history(rng) if detailed else "",
        marital=marital_history(rng, sex, years) if detailed else "",
        family=family_history(rng, years) if detailed else "",
        plan=("低盐优质蛋白饮食，利尿消肿", "完善肾穿刺活检明确病理类型", "抗凝预防血栓，调脂治疗", "根据病理结果决定免疫抑制方案"),
        review_skip=("泌尿", "循环"),
    )


# --- 血液科 -------------------------------------------------------------------------------


def iron_deficiency_anaemia(rng: random.Random, detailed: bool, variant: int) -> Clinical:
    sex = adult_sex(rng, 0.3)
    years = rng.randint(28, 52) if sex == "女" else rng.randint(45, 75)
    months = rng.randint(2, 8)
    hb = rng.randint(52, 84)
    severity = "重度" if hb < 60 else "中度"
    cause = "月经量增多" if sex == "女" else "间断黑便"
    vit = vitals(rng, pulse=(92, 112), sbp=(102, 124), dbp=(58, 74))
    items = [
        f"血红蛋白{hb}g/L",
        f"MCV {rng.randint(60, 74)}fL",
        f"MCH {rng.randint(17, 23)}pg",
        f"血小板{rng.randint(280, 460)}×10^9/L",
        f"血清铁蛋白{between(rng, 1.8, 8.5)}ng/mL",
        f"网织红细胞比例{between(rng, 0.6, 1.4)}%",
    ]
    if sex == "女":
        items.append(f"妇科超声：子宫肌瘤，最大约{between(rng, 3.5, 6.0)}cm×{between(rng, 3.0, 5.0)}cm")
    else:
        items.append("粪便隐血试验阳性")
    if detailed:
        items.insert(5, f"转铁蛋白饱和度{rng.randint(4, 12)}%")
    hpi = (
        f"患者{months}个月前开始出现乏力、头晕，活动后心悸、气短，渐加重，伴{cause}、注意力不集中、指甲变脆，"
        f"无发热、骨痛及皮肤出血点。{REL}发现其面色苍白，陪同至我院门诊，查血红蛋白{hb}g/L，以“贫血”收入院。"
    )
    past = "否认肝病、肾病史，否认药物过敏史。"
    exam = f"{vit}。神志清楚，贫血貌，睑结膜及甲床苍白，可见反甲。浅表淋巴结未触及肿大，胸骨无压痛。心尖区可闻及2/6级收缩期杂音。肝脾肋下未触及。"
    if detailed:
        exam += "舌乳头萎缩，口角无皲裂，双下肢无水肿。"
    ref_hpi = f"乏力、头晕、活动后心悸{months}个月，伴{cause}，无发热及出血。"
    return Clinical(
        department="血液科", specialty="hematology", diagnosis="缺铁性贫血",
        sex=sex, age_years=years, chief=f"乏力、头晕{months}个月", hpi=hpi, past=past, exam=exam, tests=joined(items),
        diagnoses=[f"缺铁性贫血（{severity}）", "子宫肌瘤" if sex == "女" else "消化道慢性失血待查"],
        codes=["D50.0", "D25.9" if sex == "女" else "K92.2"],
        ref_hpi=ref_hpi, ref_tests=f"{vit}；贫血貌，反甲；" + joined(items),
        personal=personal_history(rng) if detailed else "",
        marital=marital_history(rng, sex, years) if detailed else "",
        family=family_history(rng, years) if detailed else "",
        plan=("补充铁剂，必要时输注红细胞", "查找失血原因", "定期复查血常规及铁代谢"),
        review_skip=("血液", "循环", "消化"),
    )


def acute_leukaemia(rng: random.Random, detailed: bool, variant: int) -> Clinical:
    sex = adult_sex(rng)
    years = rng.randint(24, 68)
    weeks = rng.randint(1, 4)
    tmax = between(rng, 39.1, 39.9)
    vit = vitals(rng, temp=(37.8, 39.0), pulse=(98, 120), resp=(18, 24), sbp=(104, 132), dbp=(60, 80))
    items = [
        f"白细胞{between(rng, 28.0, 126.0)}×10^9/L",
        f"原始细胞比例{rng.randint(38, 86)}%",
        f"血红蛋白{rng.randint(58, 88)}g/L",
        f"血小板{rng.randint(8, 38)}×10^9/L",
        f"乳酸脱氢酶{rng.randint(420, 1480)}U/L",
        f"纤维蛋白原{between(rng, 1.1, 2.2, 2)}g/L",
        "外周血涂片：可见大量原始细胞，部分胞质内见Auer小体",
    ]
    if detailed:
        items.append(f"尿酸{rng.randint(420, 620)}μmol/L")
        items.append("胸部CT：双肺未见明显感染灶")
    hpi = (
        f"患者{weeks}周前无明显诱因出现乏力、发热，最高体温{tmax}℃，伴牙龈出血、双下肢皮肤瘀斑，刷牙时出血不易止，"
        f"无骨痛及关节痛。在{OUTSIDE}查血常规示白细胞明显升高、血小板减少，外周血见原始细胞，转来我院。"
    )
    past = "否认放射线及苯类化学物质接触史，否认药物过敏史。"
    exam = f"{vit}。贫血貌，双下肢散在瘀点瘀斑，牙龈渗血。颈部可触及数枚黄豆大小淋巴结。胸骨下段压痛阳性。肝肋下未触及，脾肋下2cm。"
    if detailed:
        exam += "双肺呼吸音清，心律齐，未闻及杂音。眼底检查未见出血。"
    ref_hpi = f"乏力、发热{weeks}周，最高体温{tmax}℃，伴牙龈出血、皮肤瘀斑，外院血常规示白细胞升高、血小板减少、外周血见原始细胞。"
    return Clinical(
        department="血液科", specialty="hematology", diagnosis="急性白血病（待查）",
        sex=sex, age_years=years, chief=f"乏力、发热伴皮肤瘀斑{weeks}周", hpi=hpi, past=past, exam=exam,
        tests=joined(items), diagnoses=["急性白血病待查（急性髓系白血病可能）", "血小板减少症"], codes=["C95.0", "D69.6"],
        ref_hpi=ref_hpi, ref_tests=f"{vit}；皮肤瘀点瘀斑，胸骨压痛阳性，脾肋下2cm；" + joined(items),
        personal=personal_history(rng) if detailed else "",
        marital=marital_history(rng, sex, years) if detailed else "",
        family=family_history(rng, years) if detailed else "",
        plan=("骨髓穿刺及活检，完善免疫分型、染色体及基因检测", "输注血小板及红细胞支持治疗", "水化、碱化，预防肿瘤溶解综合征", "经验性抗感染，明确分型后制定化疗方案"),
        review_skip=("血液", "运动"),
    )


# --- 普外科 -------------------------------------------------------------------------------


def appendicitis(rng: random.Random, detailed: bool, variant: int) -> Clinical:
    sex = adult_sex(rng)
    years = rng.randint(17, 62)
    hours = rng.randint(10, 36)
    shift = rng.randint(4, 8)
    vit = vitals(rng, temp=(37.5, 38.8), pulse=(88, 110), resp=(18, 22), sbp=(110, 136), dbp=(64, 84))
    items = [
        f"白细胞{between(rng, 11.5, 18.5)}×10^9/L",
        f"中性粒细胞比例{rng.randint(80, 91)}%",
        f"C反应蛋白{rng.randint(24, 120)}mg/L",
        f"腹部超声：阑尾增粗，直径约{rng.randint(8, 14)}mm，周围少量渗出",
    ]
    if sex == "女":
        items.insert(3, "尿妊娠试验阴性")
    if detailed:
        items.append("腹部CT：阑尾增粗伴阑尾腔内粪石，周围脂肪间隙模糊")
    hpi = (
        f"患者{hours}小时前无明显诱因出现上腹部及脐周隐痛，{shift}小时后腹痛转移并固定于右下腹，呈持续性，逐渐加重，"
        "伴恶心、呕吐1次，低热，无腹泻、尿频尿急。急诊以“急性阑尾炎”收入院。"
    )
    past = "既往体健，否认腹部手术史，否认药物过敏史。"
    exam = f"{vit}。急性病容。腹平，右下腹麦氏点压痛、反跳痛阳性，局部肌紧张，结肠充气试验阳性，腰大肌试验阳性，肠鸣音减弱。"
    if detailed:
        exam += "肝脾肋下未触及，双肾区无叩击痛，移动性浊音阴性。心肺查体未见异常。"
    ref_hpi = f"脐周痛{hours}小时，{shift}小时后转移并固定于右下腹，伴恶心、呕吐、低热。"
    return Clinical(
        department="普外科", specialty="general-surgery", diagnosis="急性阑尾炎",
        sex=sex, age_years=years, chief=f"转移性右下腹痛{hours}小时", hpi=hpi, past=past, exam=exam,
        tests=joined(items), diagnoses=["急性化脓性阑尾炎"], codes=["K35.8"],
        ref_hpi=ref_hpi, ref_tests=f"{vit}；麦氏点压痛、反跳痛阳性，局部肌紧张；" + joined(items),
        personal=personal_history(rng) if detailed else "",
        marital=marital_history(rng, sex, years) if detailed else "",
        family=family_history(rng, years) if detailed else "",
        plan=("禁食，补液，静脉抗感染治疗", "完善术前准备，急诊行腹腔镜阑尾切除术"),
        review_skip=("消化",),
    )


def cholecystitis(rng: random.Random, detailed: bool, variant: int) -> Clinical:
    sex = adult_sex(rng, 0.4)
    years = rng.randint(38, 76)
    days = rng.randint(1, 4)
    stone_years = rng.randint(2, 8)
    vit = vitals(rng, temp=(37.6, 38.9), pulse=(88, 108), resp=(18, 22), sbp=(118, 148), dbp=(70, 90))
    items = [
        f"白细胞{between(rng, 11.0, 17.8)}×10^9/L",
        f"中性粒细胞比例{rng.randint(78, 90)}%",
        f"总胆红素{between(rng, 14.0, 38.0)}μmol/L",
        f"ALT {rng.randint(32, 110)}U/L",
        f"血淀粉酶{rng.randint(45, 110)}U/L",
        (
            f"腹部超声：胆囊增大约{between(rng, 9.5, 12.0)}cm×{between(rng, 4.0, 5.2)}cm，壁厚{rng.randint(4, 8)}mm，"
            f"呈“双边征”，颈部见强回声团约{between(rng, 1.2, 2.6)}cm，后伴声影"
        ),
    ]
    if detailed:
        items.append(f"腹部MRCP：胆总管内径{rng.randint(5, 8)}mm，未见结石")
    hpi = (
        f"患者{stone_years}年前体检发现“胆囊结石”，未治疗。{days}天前进食油腻食物后出现右上腹持续性胀痛，阵发性加剧，"
        "向右肩背部放射，伴恶心、呕吐、发热，无寒战，无皮肤巩膜黄染，无陶土样便。急诊以“急性胆囊炎”收入院。"
    )
    past = rng.choice(["高血压病史，口服硝苯地平控释片。", "既往体健。"]) + "否认腹部手术史，否认药物过敏史。"
    exam = f"{vit}。神志清楚，皮肤巩膜无黄染。腹平软，右上腹压痛，轻度肌紧张，墨菲征阳性，可触及肿大胆囊底部，肝区叩痛阳性。"
    if detailed:
        exam += "肠鸣音正常，移动性浊音阴性。双肺呼吸音清，心律齐。"
    ref_hpi = f"胆囊结石{stone_years}年，进食油腻后右上腹持续性胀痛{days}天，向右肩背部放射，伴恶心、呕吐、发热，无黄疸。"
    return Clinical(
        department="普外科", specialty="general-surgery", diagnosis="急性结石性胆囊炎",
        sex=sex, age_years=years, chief=f"右上腹痛伴发热{days}天", hpi=hpi, past=past, exam=exam,
        tests=joined(items), diagnoses=["急性结石性胆囊炎", "胆囊颈部结石嵌顿"], codes=["K80.0", "K82.0"],
        ref_hpi=ref_hpi, ref_tests=f"{vit}；右上腹压痛，墨菲征阳性；" + joined(items),
        personal=personal_history(rng) if detailed else "",
        marital=marital_history(rng, sex, years) if detailed else "",
        family=family_history(rng, years) if detailed else "",
        plan=("禁食，补液，解痉止痛", "静脉抗感染治疗", "评估后行腹腔镜胆囊切除术"),
        review_skip=("消化",),
    )


# --- 骨科 ---------------------------------------------------------------------------------


def hip_fracture(rng: random.Random, detailed: bool, variant: int) -> Clinical:
    sex = adult_sex(rng, 0.3)
    years = rng.randint(90, 97) if variant in (0, 2) else rng.randint(68, 88)
    hours = rng.randint(3, 20)
    side = rng.choice(["左", "右"])
    neck = rng.random() < 0.5
    fracture = f"{side}股骨颈骨折（Garden {rng.choice(['III', 'IV'])}型）" if neck else f"{side}股骨粗隆间骨折（AO/OTA 31-A2型）"
    fracture_code = "S72.0" if neck else "S72.1"
    place = rng.choice(["在家中卫生间滑倒", "夜间起床如厕时跌倒", "在小区散步时绊倒"])
    vit = vitals(rng, pulse=(78, 102), sbp=(128, 168), dbp=(66, 90))
    items = [
        f"骨盆及{side}髋关节X线：{fracture.split('（')[0]}，断端移位",
        f"血红蛋白{rng.randint(92, 124)}g/L",
        f"D-二聚体{between(rng, 1.2, 6.8)}mg/L",
        f"血肌酐{rng.randint(68, 132)}μmol/L",
        f"血钾{between(rng, 3.4, 4.8)}mmol/L",
    ]
    if detailed:
        items.append(f"双下肢静脉超声：{side}侧小腿肌间静脉血栓，宽约{rng.randint(4, 7)}mm")
        items.append(f"骨密度：T值{between(rng, -3.8, -2.6)}")
    hpi = (
        f"患者{hours}小时前{place}，{side}髋部着地，当即感{side}髋部剧烈疼痛，不能站立及行走，无昏迷、头痛、胸痛。"
        f"由{REL}及急救人员送来我院急诊，X线提示{side}髋部骨折，以“{fracture.split('（')[0]}”收入院。"
    )
    past = "高血压病史多年，口服苯磺酸氨氯地平。骨质疏松症，未规律治疗。否认药物过敏史。"
    exam = (
        f"{vit}。神志清楚，对答切题。专科检查：{side}下肢短缩、外旋畸形，{side}腹股沟中点压痛明显，"
        f"{side}下肢纵向叩击痛阳性，{side}髋关节活动受限，足背动脉搏动可触及，足趾感觉活动正常。"
    )
    if detailed:
        exam += "双肺呼吸音稍粗，未闻及湿啰音。心律齐。腹软。骶尾部皮肤完整，无压疮。"
    ref_hpi = f"{place}后{side}髋部疼痛、不能站立行走{hours}小时；既往高血压、骨质疏松症。"
    return Clinical(
        department="骨科", specialty="orthopedics", diagnosis=fracture.split("（")[0],
        sex=sex, age_years=years, chief=f"跌倒致{side}髋部疼痛、活动受限{hours}小时", hpi=hpi, past=past, exam=exam,
        tests=joined(items), diagnoses=[fracture, "高血压病", "骨质疏松症"], codes=[fracture_code, "I10", "M81.9"],
        ref_hpi=ref_hpi, ref_tests=f"{vit}；{side}下肢短缩、外旋畸形，纵向叩击痛阳性；" + joined(items),
        personal=personal_history(rng) if detailed else "",
        marital=marital_history(rng, sex, years) if detailed else "",
        family=family_history(rng, years) if detailed else "",
        plan=("患肢皮牵引制动，镇痛", "抗凝预防深静脉血栓", "完善术前评估，多学科会诊后限期手术", "抗骨质疏松治疗"),
        review_skip=("运动", "循环"),
    )


# --- 妇产科 -------------------------------------------------------------------------------


def ectopic_pregnancy(rng: random.Random, detailed: bool, variant: int) -> Clinical:
    years = rng.randint(23, 38)
    amenorrhoea = rng.randint(42, 58)
    bleed_days = rng.randint(2, 6)
    hours = rng.randint(2, 8)
    side = rng.choice(["左", "右"])
    gravida = rng.randint(1, 3)
    vit = vitals(rng, pulse=(96, 118), resp=(18, 22), sbp=(88, 108), dbp=(52, 68))
    items = [
        f"血β-hCG {rng.randint(1200, 6800)}mIU/mL",
        f"血红蛋白{rng.randint(82, 108)}g/L",
        (
            f"经阴道超声：宫内未见孕囊，{side}附件区见混合回声包块约{between(rng, 2.5, 4.5)}cm×{between(rng, 2.0, 3.5)}cm，"
            f"盆腔积液最深处{between(rng, 2.0, 5.5)}cm"
        ),
        "后穹窿穿刺抽出不凝血",
    ]
    if detailed:
        items.insert(2, f"孕酮{between(rng, 4.0, 14.0)}ng/mL")
        items.append(f"白细胞{between(rng, 7.5, 12.5)}×10^9/L")
    hpi = (
        f"患者平素月经规律，末次月经{LMP}，停经{amenorrhoea}天。{bleed_days}天前出现少量阴道流血，色暗红，"
        f"{hours}小时前突发{side}下腹部撕裂样疼痛，伴肛门坠胀感、头晕，无晕厥。自测尿妊娠试验阳性，"
        f"由{REL}陪同急诊就诊，以“异位妊娠”收入院。"
    )
    past = "既往有盆腔炎病史，否认手术史，否认药物过敏史。"
    marital = f"G{gravida}P{gravida - 1}，" + rng.choice(["已婚，配偶体健。", "已婚，未采取避孕措施。"])
    exam = (
        f"{vit}。面色稍苍白。下腹部压痛、反跳痛，{side}侧为著，移动性浊音可疑阳性。妇科检查：阴道内少量暗红色血液，"
        f"宫颈举摆痛阳性，子宫稍大，{side}附件区增厚、压痛明显。"
    )
    if detailed:
        exam += "后穹窿饱满，触痛阳性。双肺呼吸音清，心律齐。"
    ref_hpi = f"G{gravida}P{gravida - 1}，停经{amenorrhoea}天，阴道少量流血{bleed_days}天，{side}下腹撕裂样痛{hours}小时，伴肛门坠胀、头晕。"
    return Clinical(
        department="妇产科", specialty="obstetrics-gynecology", diagnosis="异位妊娠",
        sex="女", age_years=years, chief=f"停经{amenorrhoea}天，阴道流血{bleed_days}天，下腹痛{hours}小时",
        hpi=hpi, past=past, exam=exam, tests=joined(items),
        diagnoses=[f"异位妊娠（{side}侧输卵管妊娠破裂可能）", "失血性贫血"], codes=["O00.1", "D62"],
        ref_hpi=ref_hpi, ref_tests=f"{vit}；宫颈举摆痛阳性，{side}附件区压痛；" + joined(items),
        personal=personal_history(rng) if detailed else "", marital=marital,
        family=family_history(rng, years) if detailed else "", lmp_days_before=amenorrhoea,
        plan=("开放静脉通路，备血", "完善术前准备，急诊行腹腔镜探查术", "密切监测生命体征及血红蛋白"),
        review_skip=("消化", "泌尿"),
    )


def preeclampsia(rng: random.Random, detailed: bool, variant: int) -> Clinical:
    years = rng.randint(24, 41)
    weeks, days = rng.randint(31, 36), rng.randint(1, 6)
    gravida = rng.randint(1, 3)
    symptom_days = rng.randint(1, 5)
    sbp, dbp = rng.randint(162, 182), rng.randint(106, 118)
    vit = f"体温{between(rng, 36.4, 36.9)}℃，脉搏{rng.randint(82, 102)}次/分，呼吸{rng.randint(18, 22)}次/分，血压{sbp}/{dbp}mmHg"
    items = [
        "尿蛋白（+++）",
        f"24小时尿蛋白定量{between(rng, 1.2, 4.8)}g",
        f"血小板{rng.randint(88, 176)}×10^9/L",
        f"ALT {rng.randint(28, 96)}U/L",
        f"血肌酐{rng.randint(62, 98)}μmol/L",
        f"产科超声：单活胎，双顶径{between(rng, 7.8, 8.9)}cm，羊水指数{between(rng, 7.5, 14.0)}cm，脐动脉S/D {between(rng, 2.6, 3.4)}",
    ]
    if detailed:
        items.insert(5, f"乳酸脱氢酶{rng.randint(220, 480)}U/L")
        items.append("胎心监护：NST有反应型")
    hpi = (
        f"患者平素月经规律，末次月经{LMP}，预产期{EDC}。孕期定期产检，孕28周前血压正常。{symptom_days}天前出现头痛、视物模糊，"
        f"伴双下肢水肿，无上腹痛、阴道流血流液，自觉胎动如常。今日产检测血压{sbp}/{dbp}mmHg，尿蛋白（+++），"
        f"由{REL}陪同收入院。"
    )
    past = "孕前否认高血压、肾病史，否认药物过敏史。"
    marital = f"已婚，G{gravida}P{gravida - 1}。"
    fhr, fundus, girth = rng.randint(132, 156), rng.randint(29, 33), rng.randint(96, 108)
    exam = (
        f"{vit}。神志清楚，双下肢水肿（++）。产科检查：宫高{fundus}cm，腹围{girth}cm，"
        f"胎方位LOA，胎心{fhr}次/分，未扪及宫缩。膝反射正常。"
    )
    if detailed:
        exam += "心肺听诊未见异常，肝区无叩痛。阴道检查：宫颈管未消，宫口未开。"
    ref_hpi = f"G{gravida}P{gravida - 1}，孕{weeks}+{days}周，孕28周前血压正常，头痛、视物模糊伴双下肢水肿{symptom_days}天。"
    return Clinical(
        department="妇产科", specialty="obstetrics-gynecology", diagnosis="重度子痫前期",
        sex="女", age_years=years, chief=f"停经{weeks}+{days}周，头痛、视物模糊{symptom_days}天",
        hpi=hpi, past=past, exam=exam, tests=joined(items),
        diagnoses=["重度子痫前期", f"孕{weeks}+{days}周 G{gravida}P{gravida - 1} LOA 单活胎"], codes=["O14.1", None],
        ref_hpi=ref_hpi, ref_tests=f"{vit}；双下肢水肿（++），宫高{fundus}cm，腹围{girth}cm，胎心{fhr}次/分；" + joined(items),
        personal=personal_history(rng) if detailed else "", marital=marital,
        family=family_history(rng, years) if detailed else "", lmp_days_before=weeks * 7 + days, edc=True,
        plan=("硫酸镁解痉预防子痫", "降压治疗，监测血压及尿量", "地塞米松促胎肺成熟", "加强胎儿监护，适时终止妊娠"),
        review_skip=("循环", "神经", "泌尿"),
    )


# --- 儿科 ---------------------------------------------------------------------------------


def bronchiolitis(rng: random.Random, detailed: bool, variant: int) -> Clinical:
    sex = adult_sex(rng)
    months = rng.randint(3, 18)
    years, months = divmod(months, 12)
    cough_days = rng.randint(3, 6)
    wheeze_days = rng.randint(1, 2)
    weight = between(rng, 5.8, 11.5)
    vit = vitals(rng, temp=(37.4, 38.6), pulse=(142, 172), resp=(52, 68), sbp=(82, 96), dbp=(48, 60),
                 spo2=(89, 94), pulse_word="心率")
    items = [
        f"白细胞{between(rng, 6.0, 12.0)}×10^9/L",
        f"淋巴细胞比例{rng.randint(52, 70)}%",
        f"C反应蛋白{between(rng, 2.0, 9.5)}mg/L",
        "呼吸道合胞病毒抗原阳性",
        "胸部X线：双肺纹理增多、模糊，肺野透亮度增高",
    ]
    if detailed:
        items.insert(3, f"血钠{rng.randint(133, 140)}mmol/L")
    hpi = (
        f"患儿{cough_days}天前受凉后出现咳嗽、流涕，{wheeze_days}天前出现喘息，呼吸急促，吃奶时明显，伴发热及烦躁，"
        f"奶量减至平时一半，尿量稍减少。家中哥哥近期有感冒症状。{REL}携其来院，门诊以“毛细支气管炎”收入院。"
    )
    past = "足月顺产，出生体重正常，按时预防接种。既往无喘息史，否认药物过敏史。"
    exam = (
        f"{vit}，体重{weight}kg。精神稍差，鼻翼扇动，三凹征阳性，口周无明显发绀。双肺可闻及广泛呼气相哮鸣音及细湿啰音。"
        "心律齐。腹软，肝肋下1cm。"
    )
    if detailed:
        exam += "前囟平软，皮肤弹性可，四肢末梢暖，毛细血管再充盈时间2秒。"
    ref_hpi = f"咳嗽{cough_days}天，喘息{wheeze_days}天，伴发热、呼吸急促、吃奶差，有家庭成员感冒接触史。"
    return Clinical(
        department="儿科", specialty="pediatrics", diagnosis="毛细支气管炎",
        sex=sex, age_years=years, age_months=months, child=True,
        chief=f"咳嗽{cough_days}天，喘息{wheeze_days}天", hpi=hpi, past=past, exam=exam, tests=joined(items),
        diagnoses=["急性毛细支气管炎（呼吸道合胞病毒感染）"], codes=["J21.0"],
        ref_hpi=ref_hpi, ref_tests=f"{vit}，体重{weight}kg；三凹征阳性，双肺哮鸣音及细湿啰音，肝肋下1cm；" + joined(items),
        family="父母体健，否认哮喘及过敏性疾病家族史。" if detailed else "",
        plan=("吸氧，保持呼吸道通畅，必要时吸痰", "雾化吸入治疗", "维持水电解质平衡，监测血氧饱和度"),
        review_skip=(),
    )


def febrile_seizure(rng: random.Random, detailed: bool, variant: int) -> Clinical:
    sex = adult_sex(rng, 0.55)
    total_months = rng.randint(14, 58)
    years, months = divmod(total_months, 12)
    hours = rng.randint(6, 20)
    tmax = between(rng, 39.7, 40.5)
    minutes = rng.randint(2, 5)
    vit = vitals(rng, temp=(38.6, 39.6), pulse=(128, 150), resp=(26, 34), sbp=(88, 100), dbp=(50, 62), pulse_word="心率")
    items = [
        f"白细胞{between(rng, 5.5, 13.5)}×10^9/L",
        f"C反应蛋白{between(rng, 3.0, 18.0)}mg/L",
        f"血糖{between(rng, 4.8, 7.2)}mmol/L",
        f"血钠{rng.randint(134, 141)}mmol/L",
        f"血钙{between(rng, 2.20, 2.55, 2)}mmol/L",
        "甲型流感病毒抗原阳性",
    ]
    if detailed:
        items.append("脑电图（发作后24小时内）：未见痫样放电")
    hpi = (
        f"患儿{hours}小时前无明显诱因出现发热，最高体温{tmax}℃，伴流涕、轻咳。{rng.randint(1, 3)}小时前体温骤升时突发抽搐1次，"
        f"表现为双眼凝视、口唇发绀、四肢强直抖动，持续约{minutes}分钟自行缓解，缓解后嗜睡，约半小时后恢复如常。"
        f"无呕吐、腹泻。{REL}抱其急诊就诊，以“热性惊厥”收入院。"
    )
    past = "足月顺产，生长发育与同龄儿相仿，按时接种疫苗。既往无抽搐史，否认药物过敏史。"
    exam = (
        f"{vit}。神志清楚，精神稍差。咽部充血，双侧扁桃体I度肿大。双肺呼吸音粗，未闻及啰音。心律齐。腹软。"
        "颈软，克氏征、布氏征阴性，巴氏征阴性。"
    )
    if detailed:
        exam += "前囟已闭，皮肤未见皮疹及出血点，四肢肌力肌张力正常。"
    ref_hpi = f"发热{hours}小时，最高体温{tmax}℃，伴流涕、轻咳；体温骤升时全身性抽搐1次，持续约{minutes}分钟自行缓解。"
    return Clinical(
        department="儿科", specialty="pediatrics", diagnosis="热性惊厥",
        sex=sex, age_years=years, age_months=months, child=True,
        chief=f"发热{hours}小时，抽搐1次", hpi=hpi, past=past, exam=exam, tests=joined(items),
        diagnoses=["单纯型热性惊厥", "甲型流行性感冒"], codes=["R56.0", "J10.1"],
        ref_hpi=ref_hpi, ref_tests=f"{vit}；咽部充血，脑膜刺激征阴性；" + joined(items),
        family="父亲幼年有热性惊厥史。否认癫痫家族史。" if detailed else "",
        plan=("退热对症处理，惊厥发作时保持气道通畅", "奥司他韦抗流感病毒治疗", "观察有无再次抽搐，向家长进行宣教"),
        review_skip=(),
    )


# --- 泌尿外科 -----------------------------------------------------------------------------


def ureteral_stone(rng: random.Random, detailed: bool, variant: int) -> Clinical:
    sex = adult_sex(rng, 0.7)
    years = rng.randint(26, 64)
    hours = rng.randint(3, 24)
    side = rng.choice(["左", "右"])
    level = rng.choice(["上段", "下段"])
    stone = rng.randint(6, 12)
    pelvis = rng.randint(14, 28)
    vit = vitals(rng, temp=(36.4, 37.3), pulse=(82, 104), sbp=(126, 152), dbp=(76, 92))
    items = [
        "尿常规：红细胞（+++），白细胞（+）",
        f"白细胞{between(rng, 7.0, 11.5)}×10^9/L",
        f"血肌酐{rng.randint(64, 108)}μmol/L",
        f"泌尿系超声：{side}肾盂分离{pelvis}mm，{side}输尿管{level}扩张",
        f"泌尿系CT平扫：{side}输尿管{level}见高密度结石影，大小约{stone}mm×{rng.randint(5, stone)}mm，CT值{rng.randint(820, 1350)}HU",
    ]
    if detailed:
        items.insert(3, f"血尿酸{rng.randint(360, 520)}μmol/L")
    pain_site = "腰部" if level == "上段" else "下腹部"
    hpi = (
        f"患者{hours}小时前无明显诱因突发{side}侧{pain_site}绞痛，呈阵发性，向{side}侧腹股沟及会阴部放射，辗转不安，"
        "伴恶心、呕吐及肉眼血尿，无发热、寒战。急诊予解痉止痛后稍缓解，以“输尿管结石”收入院。"
    )
    past = rng.choice(["3年前曾排出小结石1枚。", "既往体健。"]) + "否认高血压、糖尿病史，否认药物过敏史。"
    exam = f"{vit}。痛苦面容。腹软，{side}侧输尿管走行区深压痛，无反跳痛。{side}肾区叩击痛阳性，对侧肾区无叩击痛。"
    if detailed:
        exam += "膀胱区无充盈，外生殖器未见异常。双肺呼吸音清，心律齐。"
    ref_hpi = f"突发{side}侧{pain_site}绞痛{hours}小时，向腹股沟及会阴放射，伴恶心、呕吐及肉眼血尿，无发热。"
    return Clinical(
        department="泌尿外科", specialty="urology", diagnosis=f"{side}侧输尿管{level}结石",
        sex=sex, age_years=years, chief=f"{side}侧{pain_site}绞痛伴血尿{hours}小时", hpi=hpi, past=past, exam=exam,
        tests=joined(items), diagnoses=[f"{side}侧输尿管{level}结石", f"{side}肾积水"], codes=["N20.1", "N13.2"],
        ref_hpi=ref_hpi, ref_tests=f"{vit}；{side}肾区叩击痛阳性；" + joined(items),
        personal=personal_history(rng) if detailed else "",
        marital=marital_history(rng, sex, years) if detailed else "",
        family=family_history(rng, years) if detailed else "",
        plan=("解痉、镇痛、补液", "α受体阻滞剂促进排石", "排石无效时行输尿管镜碎石取石术"),
        review_skip=("泌尿",),
    )


# --- 感染科 -------------------------------------------------------------------------------


def liver_abscess(rng: random.Random, detailed: bool, variant: int) -> Clinical:
    sex = adult_sex(rng, 0.65)
    years = rng.randint(42, 76)
    days = rng.randint(3, 9)
    tmax = between(rng, 39.7, 40.4)
    dm_years = rng.randint(3, 15)
    vit = vitals(rng, temp=(38.4, 39.6), pulse=(100, 124), resp=(20, 26), sbp=(100, 130), dbp=(58, 80))
    items = [
        f"白细胞{between(rng, 14.0, 24.5)}×10^9/L",
        f"中性粒细胞比例{rng.randint(84, 94)}%",
        f"C反应蛋白{rng.randint(118, 268)}mg/L",
        f"降钙素原{between(rng, 2.0, 18.0, 2)}ng/mL",
        f"ALT {rng.randint(52, 168)}U/L",
        f"随机血糖{between(rng, 12.0, 19.5)}mmol/L",
        f"上腹部增强CT：肝右叶见低密度灶约{between(rng, 5.2, 9.0)}cm×{between(rng, 4.0, 7.5)}cm，边缘环形强化，内见分隔",
        "血培养：肺炎克雷伯菌（药敏待回报）",
    ]
    if detailed:
        items.insert(6, f"糖化血红蛋白{between(rng, 8.5, 11.8)}%")
    hpi = (
        f"患者{days}天前无明显诱因出现发热，最高体温{tmax}℃，伴畏寒、寒战，右上腹持续性隐痛，食欲下降，无咳嗽、尿频尿急。"
        f"在{OUTSIDE}予头孢类抗生素静滴3天，体温无下降，复查CT提示肝脏占位，转来我院感染科。"
    )
    past = f"2型糖尿病病史{dm_years}年，口服二甲双胍，血糖控制差。否认肝炎、结核病史，否认药物过敏史。"
    exam = f"{vit}。神志清楚，急性病容，皮肤巩膜无黄染。腹软，右上腹压痛，无反跳痛，肝区叩击痛阳性，墨菲征阴性。"
    if detailed:
        exam += "双眼视力正常，无眼痛。双肺呼吸音清，心律齐。双下肢无水肿。"
    ref_hpi = f"发热伴寒战、右上腹隐痛{days}天，最高体温{tmax}℃，外院头孢类抗生素治疗3天无效；2型糖尿病{dm_years}年，控制差。"
    return Clinical(
        department="感染科", specialty="infectious-disease", diagnosis="细菌性肝脓肿",
        sex=sex, age_years=years, chief=f"发热伴右上腹痛{days}天", hpi=hpi, past=past, exam=exam, tests=joined(items),
        diagnoses=["细菌性肝脓肿（肺炎克雷伯菌）", "脓毒症", "2型糖尿病"], codes=["K75.0", "A41.5", "E11.9"],
        ref_hpi=ref_hpi, ref_tests=f"{vit}；右上腹压痛，肝区叩击痛阳性；" + joined(items),
        personal=personal_history(rng) if detailed else "",
        marital=marital_history(rng, sex, years) if detailed else "",
        family=family_history(rng, years) if detailed else "",
        plan=("静脉抗感染治疗，根据药敏调整", "超声引导下经皮肝脓肿穿刺置管引流", "胰岛素强化控制血糖", "眼科会诊排查内源性眼内炎"),
        review_skip=("消化", "内分泌"),
    )


# --- 肿瘤科 -------------------------------------------------------------------------------


def neutropenic_fever(rng: random.Random, detailed: bool, variant: int) -> Clinical:
    cancer, regimen, cancer_code = rng.choice([
        ("右肺腺癌（IV期）", "培美曲塞联合卡铂", "C34.9"),
        ("左乳浸润性导管癌（III期）", "多西他赛联合环磷酰胺", "C50.9"),
        ("结肠癌肝转移（IV期）", "FOLFOX方案", "C18.9"),
    ])
    sex = "女" if cancer.startswith("左乳") else adult_sex(rng, 0.6)
    years = rng.randint(42, 72)
    cycle = rng.randint(2, 5)
    day = rng.randint(8, 12)
    hours = rng.randint(8, 36)
    tmax = between(rng, 39.3, 39.9)
    vit = vitals(rng, temp=(38.2, 39.2), pulse=(102, 124), resp=(20, 26), sbp=(96, 124), dbp=(56, 76))
    items = [
        f"白细胞{between(rng, 0.4, 1.2, 2)}×10^9/L",
        f"中性粒细胞绝对值{between(rng, 0.05, 0.40, 2)}×10^9/L",
        f"血红蛋白{rng.randint(78, 102)}g/L",
        f"血小板{rng.randint(42, 118)}×10^9/L",
        f"C反应蛋白{rng.randint(36, 150)}mg/L",
        f"降钙素原{between(rng, 0.3, 3.5, 2)}ng/mL",
        "胸部CT：未见新发渗出影",
    ]
    if detailed:
        items.append(f"血乳酸{between(rng, 1.4, 2.6)}mmol/L")
        items.append("血培养两套已送检")
    hpi = (
        f"患者确诊{cancer}，于我院行{regimen}化疗，本次为第{cycle}周期，化疗后第{day}天出现发热，最高体温{tmax}℃，"
        f"伴畏寒、乏力、口腔溃疡疼痛，无咳嗽咳痰、腹泻及尿路刺激症状，至今发热{hours}小时。"
        f"{REL}陪同来院，急诊查中性粒细胞明显减少，以“化疗后粒细胞缺乏伴发热”收入院。"
    )
    past = "化疗期间未预防性使用粒细胞集落刺激因子。深静脉置管（PICC）在位。否认药物过敏史。"
    exam = f"{vit}。神志清楚，精神差。口腔颊黏膜见2处溃疡。PICC穿刺点无红肿渗液。双肺呼吸音清。心律齐。腹软，无压痛。肛周无红肿。"
    if detailed:
        exam += "浅表淋巴结未触及肿大，皮肤无瘀点瘀斑，双下肢无水肿。"
    ref_hpi = f"{cancer}，{regimen}第{cycle}周期化疗后第{day}天发热{hours}小时，最高体温{tmax}℃，伴畏寒、乏力、口腔溃疡。"
    return Clinical(
        department="肿瘤科", specialty="oncology", diagnosis="化疗后粒细胞缺乏伴发热",
        sex=sex, age_years=years, chief=f"化疗后发热{hours}小时", hpi=hpi, past=past, exam=exam, tests=joined(items),
        diagnoses=["化疗后粒细胞缺乏伴发热", cancer, "口腔黏膜炎"], codes=["D70", cancer_code, "K12.3"],
        ref_hpi=ref_hpi, ref_tests=f"{vit}；口腔溃疡，PICC穿刺点无红肿；" + joined(items),
        personal=personal_history(rng) if detailed else "",
        marital=marital_history(rng, sex, years) if detailed else "",
        family=family_history(rng, years) if detailed else "",
        plan=("保护性隔离", "经验性广谱抗生素抗感染", "粒细胞集落刺激因子升白细胞治疗", "口腔护理，监测血常规"),
        review_skip=("血液", "消化", "呼吸"),
    )


SCENARIOS: list[tuple[Builder, int]] = [
    (stemi, 2), (heart_failure, 2), (atrial_fibrillation, 2),
    (copd_exacerbation, 2), (pneumonia, 2),
    (upper_gi_bleed, 2), (acute_pancreatitis, 2), (cirrhosis, 2),
    (dka, 2), (thyrotoxicosis, 2),
    (ischaemic_stroke, 2), (epilepsy, 2),
    (acute_kidney_injury, 2), (nephrotic_syndrome, 2),
    (iron_deficiency_anaemia, 2), (acute_leukaemia, 2),
    (appendicitis, 2), (cholecystitis, 2),
    (hip_fracture, 3),
    (ectopic_pregnancy, 2), (preeclampsia, 2),
    (bronchiolitis, 2), (febrile_seizure, 2),
    (ureteral_stone, 2),
    (liver_abscess, 2),
    (neutropenic_fever, 2),
]


# --- reference -----------------------------------------------------------------------------


def reference_of(clinical: Clinical) -> str:
    if clinical.age_years >= 90:
        who = f"高龄{clinical.sex}性患者，"
    else:
        who = f"{clinical.sex}，{age_text(clinical.age_years, clinical.age_months, clinical.child)}，"
    return "\n".join([
        f"【主诉】{clinical.chief}。",
        f"【现病史】{who}{clinical.ref_hpi}",
        f"【辅助检查】{clinical.ref_tests}",
        f"【初步诊断】{'；'.join(clinical.diagnoses)}。",
    ])


# --- identifiers ---------------------------------------------------------------------------

PLACE_PREFIXES = ("江北", "青岚", "云溪", "澄湖", "梧岭", "鹿鸣", "瑶川", "望川", "柳汀", "东篱", "沐澜", "栖梧", "南屏", "清漪")
HOSPITAL_SUFFIXES = ("仁和医院", "康宁医院", "济安医院", "瑞康医院", "安泰医院", "德济医院", "博仁医院", "颐和医院")
RELATIVE_ROLES = {  # key: (how the note refers to them, plain noun)
    "子": ("其子", "儿子"), "女": ("其女", "女儿"), "妻": ("其妻", "妻子"), "夫": ("其夫", "丈夫"),
    "父": ("其父", "父亲"), "母": ("其母", "母亲"),
}
MALE_ROLES = ("子", "夫", "父")


class LeakGuard:
    """Draws identifiers that appear nowhere in the case's reference, even in part."""

    def __init__(self, reference: str) -> None:
        self.reference = reference
        self.numbers = [token for token in re.findall(r"\d+", reference) if len(token) >= 3]
        self.used: set[str] = set()

    def acceptable(self, value: str, is_name: bool) -> bool:
        if not value or value in self.used or value in self.reference:
            return False
        if is_name and any(char in self.reference for char in value):
            return False
        return not any(number in value for number in self.numbers)

    def draw(self, make: Callable[[], str], is_name: bool = False) -> str:
        return self.pick(make, lambda value: value, is_name)

    def pick(self, make: Callable[[], T], text_of: Callable[[T], str], is_name: bool = False) -> T:
        """Draw with ``make`` until the text written for the value stays out of the reference."""
        for _ in range(500):
            value = make()
            text = text_of(value)
            if self.acceptable(text, is_name):
                self.used.add(text)
                return value
        raise RuntimeError("could not draw an identifier that stays out of the reference")


def hospital_name(rng: random.Random) -> str:
    return rng.choice(PLACE_PREFIXES) + rng.choice(HOSPITAL_SUFFIXES)


def address(fake: Faker, rng: random.Random) -> str:
    province = fake.province()
    while "特别行政区" in province or province.startswith("台湾"):
        province = fake.province()
    city = "" if province.endswith("市") else fake.city()
    return (
        f"{province}{city}{fake.district()}区{fake.street_name()}{rng.randint(1, 399)}号"
        f"{rng.randint(1, 28)}栋{rng.randint(1, 6)}单元{rng.randint(1, 18)}0{rng.randint(1, 4)}室"
    )


def phone(fake: Faker, rng: random.Random) -> str:
    raw = fake.phone_number()
    style = rng.randrange(3)
    if style == 1:
        return f"{raw[:3]}-{raw[3:7]}-{raw[7:]}"
    if style == 2:
        return f"{raw[:3]} {raw[3:7]} {raw[7:]}"
    return raw


def format_date(day: date, style: int) -> str:
    if style == 0:
        return f"{day.year}年{day.month}月{day.day}日"
    if style == 1:
        return day.isoformat()
    if style == 2:
        return f"{day.year}/{day.month}/{day.day}"
    return f"{day.year}.{day.month:02d}.{day.day:02d}"


def birth_date(rng: random.Random, admitted: date, years: int, months: int) -> date:
    total = years * 12 + months
    year, month = divmod(admitted.year * 12 + admitted.month - 1 - total, 12)
    day = min(admitted.day, 28)
    born = date(year, month + 1, day) - timedelta(days=rng.randint(1, 27))
    return born


def resident_id(fake: Faker, rng: random.Random, born: date, male: bool) -> str:
    area = fake.ssn()[:6]
    sequence = rng.randint(0, 99) * 10 + rng.choice((1, 3, 5, 7, 9) if male else (0, 2, 4, 6, 8))
    first17 = f"{area}{born:%Y%m%d}{sequence:03d}"
    return first17 + resident_id_check_digit(first17)


def record_number(rng: random.Random, year: int) -> str:
    style = rng.randrange(3)
    if style == 0:
        return f"ZY{year}{rng.randint(0, 9999):04d}"
    if style == 1:
        return f"BA{rng.randint(0, 9999999):07d}"
    return f"{year}{rng.randint(0, 999999):06d}"


def device_serial(rng: random.Random, kind: str) -> str:
    letters = "ABCDEFGHJKLMNPRSTVWXYZ"
    if kind == "pacemaker":
        return f"{rng.choice(('PJN', 'RXB', 'SVA'))}{rng.randint(100000, 999999)}{rng.choice(letters)}"
    return f"IP-{rng.choice(letters)}{rng.choice(letters)}{rng.randint(1000000, 9999999)}"


def relative_role(rng: random.Random, clinical: Clinical) -> str:
    if clinical.child:
        return rng.choice(["母", "父"])
    if clinical.department == "妇产科":
        return rng.choice(["夫", "夫", "母"])
    if clinical.age_years < 25:
        return rng.choice(["母", "父"])
    if clinical.age_years < 35:
        return rng.choice(["母", "父", "夫" if clinical.sex == "女" else "妻"])
    if clinical.age_years >= 75:
        return rng.choice(["子", "女"])
    return rng.choice(["子", "女", "夫" if clinical.sex == "女" else "妻"])


@dataclass
class People:
    patient: str
    relative: str
    role: str
    doctors: tuple[str, str]


def given_name(fake: Faker, male: bool) -> str:
    """A given name that reads as male or female (Faker's male list holds one female name)."""
    while True:
        name = fake.first_name_male() if male else fake.first_name_female()
        if not (male and name == "红霞"):
            return name


def draw_people(fake: Faker, guard: LeakGuard, rng: random.Random, clinical: Clinical) -> People:
    surname = guard.draw(fake.last_name, is_name=True)
    patient = surname + guard.draw(lambda: given_name(fake, clinical.sex == "男"), is_name=True)
    role = relative_role(rng, clinical)
    male_relative = role in MALE_ROLES
    shares_surname = role == "父" or (role in ("子", "女") and clinical.sex == "男")
    if shares_surname:
        relative = surname + guard.draw(lambda: given_name(fake, male_relative), is_name=True)
    else:
        relative = guard.draw(lambda: fake.last_name() + given_name(fake, male_relative), is_name=True)
    doctors = (
        guard.draw(lambda: fake.last_name() + given_name(fake, rng.random() < 0.5), is_name=True),
        guard.draw(lambda: fake.last_name() + given_name(fake, rng.random() < 0.5), is_name=True),
    )
    return People(patient=patient, relative=relative, role=role, doctors=doctors)


# --- assembly ------------------------------------------------------------------------------


def body_of(clinical: Clinical, rng: random.Random, with_chief: bool, detailed: bool) -> list[str]:
    lines = [f"主诉：{clinical.chief}。"] if with_chief else []
    past = clinical.past
    exam = clinical.exam
    if detailed:
        past += "预防接种史随当地进行，否认输血史及食物过敏史。"
        build = rng.choice(["中等", "良好", "中等偏下"])
        exam = f"发育正常，营养{build}，查体{'欠合作' if clinical.child else '合作'}。{exam}"
    lines += [f"现病史：{clinical.hpi}", f"既往史：{past}"]
    if detailed and not clinical.child:
        lines.append(f"系统回顾：{system_review(clinical.review_skip)}")
    if clinical.personal:
        lines.append(f"个人史：{clinical.personal}")
    if clinical.marital:
        lines.append(f"{'月经婚育史' if clinical.sex == '女' and not clinical.child else '婚育史'}：{clinical.marital}")
    if clinical.family:
        lines.append(f"家族史：{clinical.family}")
    lines += [f"体格检查：{exam}", f"辅助检查：{clinical.tests}"]
    heading = rng.choice(["初步诊断", "入院诊断"])
    numbered = [f"{index}. {item}" for index, item in enumerate(clinical.diagnoses, start=1)]
    if rng.random() < 0.5:
        lines.append(f"{heading}：" + "；".join(numbered))
    else:
        lines.append(f"{heading}：")
        lines += numbered
    if detailed and clinical.plan:
        lines.append("诊疗计划：")
        lines += [f"{index}. {item}。" for index, item in enumerate(clinical.plan, start=1)]
    return lines


@dataclass
class Identity:
    """The identifiers of one case, already marked where they are written."""

    name: str
    relative: str
    role_ref: str
    role_noun: str
    age: str
    admitted: str
    mrn_label: str
    mrn: str
    id_number: str
    phone: str
    relative_phone: str
    address: str
    hospital: str
    doctors: tuple[str, str]
    informant: str


def draw_identity(rng: random.Random, fake: Faker, guard: LeakGuard, clinical: Clinical, admitted_day: date,
                  date_style: int) -> Identity:
    people = draw_people(fake, guard, rng, clinical)
    born = birth_date(rng, admitted_day, clinical.age_years, clinical.age_months)
    mrn = guard.draw(lambda: record_number(rng, admitted_day.year))
    role_ref, role_noun = RELATIVE_ROLES[people.role]
    if clinical.child:
        role_ref = "患儿" + role_noun
    relative = mark("NAME", people.relative)
    age_plain = age_text(clinical.age_years, clinical.age_months, clinical.child)
    if clinical.child or clinical.age_years >= 90:
        informant = f"{role_ref}{relative}"
    else:
        informant = rng.choice(["患者本人", f"患者本人及{role_ref}{relative}"])
    return Identity(
        name=mark("NAME", people.patient),
        relative=relative,
        role_ref=role_ref,
        role_noun=role_noun,
        age=mark("AGE_OVER_89", age_plain) if clinical.age_years >= 90 else age_plain,
        admitted=mark("DATE", format_date(admitted_day, date_style)),
        mrn_label="病案号" if mrn.startswith("BA") else "住院号",
        mrn=mark("MRN", mrn),
        id_number=mark("ID_NUMBER", guard.draw(lambda: resident_id(fake, rng, born, clinical.sex == "男"))),
        phone=mark("PHONE", guard.draw(lambda: phone(fake, rng))),
        relative_phone=mark("PHONE", guard.draw(lambda: phone(fake, rng))),
        address=mark("ADDRESS", guard.draw(lambda: address(fake, rng))),
        hospital=mark("LOCATION", guard.draw(lambda: hospital_name(rng))),
        doctors=(mark("NAME", people.doctors[0]), mark("NAME", people.doctors[1])),
        informant=informant,
    )


def header_lines(rng: random.Random, clinical: Clinical, who: Identity, level: int) -> tuple[list[str], bool]:
    """The identifying head of the record, and whether the body should still open with 主诉."""
    word = "患儿" if clinical.child else "患者"
    if level == 0:
        return [
            f"{who.hospital}{NOTE_TYPE}（{clinical.department}）",
            f"{word}{who.name}，{clinical.sex}，{who.age}，{who.mrn_label}{who.mrn}，{who.admitted}入院，联系电话{who.phone}。",
        ], True
    style = rng.randrange(3)
    if style == 0:
        return [
            who.hospital,
            NOTE_TYPE,
            f"姓名：{who.name}　性别：{clinical.sex}　年龄：{who.age}　科室：{clinical.department}",
            f"{who.mrn_label}：{who.mrn}　入院日期：{who.admitted}",
            f"身份证号：{who.id_number}",
            f"现住址：{who.address}",
            f"联系电话：{who.phone}",
            f"病史陈述者：{who.informant}，可靠。",
        ], True
    if style == 1:
        return [
            NOTE_TYPE,
            f"{word}{who.name}，{clinical.sex}，{who.age}，{who.mrn_label}{who.mrn}，身份证号{who.id_number}，"
            f"住址{who.address}，联系电话{who.phone}。于{who.admitted}因“{clinical.chief}”入住{who.hospital}"
            f"{clinical.department}。病史由{who.informant}提供。",
        ], False
    return [
        f"{who.hospital} 住院病历（{clinical.department}）",
        f"{who.mrn_label}：{who.mrn}；姓名：{who.name}；性别：{clinical.sex}；年龄：{who.age}",
        f"身份证号：{who.id_number}；联系电话：{who.phone}",
        f"入院时间：{who.admitted} {rng.randint(7, 22):02d}:{rng.choice(('05', '20', '35', '50'))}；住址：{who.address}",
    ], True


def footer_lines(rng: random.Random, fake: Faker, guard: LeakGuard, who: Identity, year: int, level: int) -> list[str]:
    if level == 0:
        return [f"记录医师：{who.doctors[0]}"]
    contact = f"紧急联系人：{who.relative}（{who.role_noun}），电话{who.relative_phone}"
    if rng.random() < 0.12:
        contact += f"，电子邮箱{mark('EMAIL', guard.draw(fake.free_email))}"
    lines = [contact]
    if rng.random() < 0.35:
        lines.append(f"医保卡号：{mark('HEALTH_PLAN_ID', guard.draw(lambda: health_plan_id(rng)))}")
    if rng.random() < 0.25:
        lines.append(f"住院费用账号：{mark('ACCOUNT', guard.draw(lambda: f'FY{year}{rng.randint(0, 999999):06d}'))}")
    if level == 2:
        lines.append(f"门诊号：{mark('MRN', guard.draw(lambda: f'MZ{rng.randint(100000000, 999999999)}'))}")
    lines.append(f"住院医师：{who.doctors[0]}　主治医师：{who.doctors[1]}")
    if level == 2:
        lines.append(f"记录日期：{who.admitted}　上级医师审阅：{who.doctors[1]}")
    return lines


def placeholder_fills(rng: random.Random, guard: LeakGuard, clinical: Clinical, who: Identity, admitted_day: date,
                      date_style: int) -> dict[str, str]:
    fills = {
        REL: f"{who.role_ref}{who.relative}",
        OUTSIDE: mark("LOCATION", guard.draw(lambda: hospital_name(rng))),
    }
    if clinical.device_kind:
        fills[DEVICE] = mark("DEVICE_ID", guard.draw(lambda: device_serial(rng, clinical.device_kind)))
    if clinical.lmp_days_before:
        lmp_day = admitted_day - timedelta(days=clinical.lmp_days_before)
        fills[LMP] = mark("DATE", guard.draw(lambda: format_date(lmp_day, date_style)))
        if clinical.edc:
            fills[EDC] = mark("DATE", guard.draw(lambda: format_date(lmp_day + timedelta(days=280), date_style)))
    return fills


def build_case(seed: int, builder: Builder, variant: int, level: int) -> tuple[str, dict]:
    """One case without its id, and the specialty the id is numbered under.

    ``level`` sets the length: 0 brief, 1 standard, 2 detailed (personal, family and
    system history, treatment plan).
    """
    rng, fake = seeded(seed, "zh_CN")
    clinical = builder(rng, level == 2, variant)
    reference = reference_of(clinical)
    guard = LeakGuard(reference)

    date_style = rng.randrange(4)
    admitted_day = guard.pick(lambda: date(2025, 1, 1) + timedelta(days=rng.randint(0, 700)),
                              lambda day: format_date(day, date_style))
    who = draw_identity(rng, fake, guard, clinical, admitted_day, date_style)
    fills = placeholder_fills(rng, guard, clinical, who, admitted_day, date_style)

    def fill(text: str) -> str:
        for key, value in fills.items():
            text = text.replace(key, value)
        return text

    header, with_chief = header_lines(rng, clinical, who, level)
    body = [fill(line) for line in body_of(clinical, rng, with_chief, level == 2)]
    footer = footer_lines(rng, fake, guard, who, admitted_day.year, level)
    return clinical.specialty, {
        "metadata": {"department": clinical.department, "note_type": NOTE_TYPE, "diagnosis": clinical.diagnosis,
                     "icd10": gold_codes(clinical)},
        "source": "\n".join(header + body + footer),
        "reference": reference,
    }


def gold_codes(clinical: Clinical) -> list[dict]:
    """The case's gold WHO ICD-10 codes: each coded diagnosis with its code, the first diagnosis primary."""
    if len(clinical.codes) != len(clinical.diagnoses) or clinical.codes[0] is None:
        raise RuntimeError(f"{clinical.diagnosis}: one code per diagnosis is needed, the first one coded")
    return [{"code": code, "description": text, "primary": index == 0}
            for index, (text, code) in enumerate(zip(clinical.diagnoses, clinical.codes)) if code is not None]


def health_plan_id(rng: random.Random) -> str:
    if rng.random() < 0.5:
        return f"{rng.choice('ABCDEHKMNZ')}{rng.randint(10000000, 99999999)}"
    return f"YB{rng.randint(1000, 6599)}{rng.randint(10000000, 99999999)}"


def build_cases() -> list[dict]:
    """Each dict: {"id", "metadata": {"department", "note_type", "diagnosis", "icd10"}, "source", "reference"}."""
    cases: list[dict] = []
    per_specialty: dict[str, int] = {}
    index = 0
    for scenario_index, (builder, count) in enumerate(SCENARIOS):
        for variant in range(count):
            seed = BASE_SEED * 100 + index
            level = (variant + scenario_index) % 3
            specialty, case = build_case(seed, builder, variant, level)
            per_specialty[specialty] = per_specialty.get(specialty, 0) + 1
            cases.append({"id": f"zh-{specialty}-{per_specialty[specialty]:02d}", **case})
            index += 1
    return cases
