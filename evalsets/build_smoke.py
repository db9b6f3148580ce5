"""Build the small smoke sets `smoke-en` and `smoke-zh`.

Every case here was written for this project; every person, number and place is
invented. PHI is marked inline as [[LABEL|text]]; this script removes the marks,
records each span's character offsets into the source, and writes `cases.jsonl`
and `manifest.yaml`. Run `python evalsets/build_smoke.py` to regenerate the files
byte for byte.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from workbench.data.evalsets import Case, Manifest, unmark_phi, write_cases, write_manifest  # noqa: E402

EN_SECTIONS = ["Chief Complaint:", "History of Present Illness:", "Key Findings:", "Assessment and Plan:"]
ZH_SECTIONS = ["【主诉】", "【现病史】", "【辅助检查】", "【初步诊断】"]


EN_CASES = [
    {
        "id": "en-ed-chest-pain",
        "metadata": {"department": "emergency", "note_type": "ED note"},
        "source": (
            "ED NOTE. Patient: [[NAME|Harold Whitcombe]], 58-year-old man, MRN [[MRN|40318876]]. "
            "Seen [[DATE|03/14/2026]] at [[LOCATION|Lakeside General Hospital]]. "
            "Presents with 2 hours of crushing substernal chest pain radiating to the left arm, with diaphoresis. "
            "History of hypertension and type 2 diabetes; smokes 20 cigarettes a day. "
            "Vitals: BP 168/96 mmHg, HR 104 bpm, RR 22/min, SpO2 94% on room air, temperature 36.9 °C. "
            "ECG: ST elevation 3 mm in leads II, III and aVF. Troponin I 2.8 ng/mL (ref < 0.04). "
            "Glucose 11.2 mmol/L, creatinine 96 umol/L. Wife [[NAME|Maureen Whitcombe]] can be reached at "
            "[[PHONE|(415) 555-0199]]. Given aspirin 300 mg and heparin; cath lab activated by "
            "Dr. [[NAME|Alan Pryce]]."
        ),
        "reference": (
            "Chief Complaint:\nCrushing substernal chest pain for 2 hours.\n"
            "History of Present Illness:\n58-year-old man with hypertension, type 2 diabetes and active smoking; "
            "pain radiates to the left arm with diaphoresis.\n"
            "Key Findings:\nBP 168/96 mmHg, HR 104 bpm, RR 22/min, SpO2 94%, temperature 36.9 °C. ST elevation 3 mm "
            "in II, III, aVF. Troponin I 2.8 ng/mL. Glucose 11.2 mmol/L, creatinine 96 umol/L.\n"
            "Assessment and Plan:\nInferior ST-elevation myocardial infarction. Aspirin 300 mg, heparin, emergency "
            "catheterisation."
        ),
    },
    {
        "id": "en-discharge-pneumonia",
        "metadata": {"department": "internal medicine", "note_type": "discharge summary"},
        "source": (
            "DISCHARGE SUMMARY. [[NAME|Rosa Delgado-Finch]], 71 years, admitted [[DATE|January 9, 2026]], discharged "
            "[[DATE|January 15, 2026]]. Account [[ACCOUNT|ACC-2288107]]. Address: [[ADDRESS|1142 Orchard Lane, "
            "Millbrook, OR 97301]]. Admitted with fever to 39.1 °C, productive cough and confusion. "
            "WBC 15.4 x10^9/L, CRP 182 mg/L, sodium 131 mmol/L. Chest X-ray: right lower lobe consolidation. "
            "Blood cultures grew Streptococcus pneumoniae. Treated with ceftriaxone 2 g daily for 7 days; "
            "afebrile from day 3. On discharge SpO2 96% on room air, WBC 8.1 x10^9/L. Follow-up with "
            "Dr. [[NAME|Priya Raman]] in 2 weeks; questions to [[EMAIL|rdfinch@mailbox.example]]."
        ),
        "reference": (
            "Chief Complaint:\nFever, productive cough and confusion.\n"
            "History of Present Illness:\n71-year-old woman admitted for 6 days with community-acquired pneumonia; "
            "afebrile from day 3 of ceftriaxone.\n"
            "Key Findings:\nTemperature 39.1 °C. WBC 15.4 x10^9/L falling to 8.1 x10^9/L, CRP 182 mg/L, sodium "
            "131 mmol/L. Right lower lobe consolidation; blood cultures Streptococcus pneumoniae. SpO2 96% at discharge.\n"
            "Assessment and Plan:\nPneumococcal right lower lobe pneumonia with bacteraemia, treated with ceftriaxone "
            "2 g daily for 7 days. Clinic follow-up in 2 weeks."
        ),
    },
    {
        "id": "en-clinic-heart-failure",
        "metadata": {"department": "cardiology", "note_type": "clinic visit"},
        "source": (
            "CARDIOLOGY CLINIC. [[NAME|Desmond Okafor]], DOB [[DATE|07/22/1951]], health plan ID "
            "[[HEALTH_PLAN_ID|HPX-5530-2291]]. Follow-up of heart failure with reduced ejection fraction. "
            "Reports breathlessness on one flight of stairs and ankle swelling for 3 weeks; orthopnea with two "
            "pillows. Weight 92 kg, up 4 kg. BP 132/78 mmHg, HR 88 bpm irregular. NT-proBNP 4500 pg/mL, "
            "potassium 4.8 mmol/L, eGFR 52 mL/min/1.73m2. Echo: LVEF 38%, moderate mitral regurgitation. "
            "ECG: atrial fibrillation. Fax results to [[FAX|503-555-0148]]."
        ),
        "reference": (
            "Chief Complaint:\nBreathlessness on exertion and ankle swelling for 3 weeks.\n"
            "History of Present Illness:\nKnown heart failure with reduced ejection fraction; two-pillow orthopnea and "
            "a 4 kg weight gain.\n"
            "Key Findings:\nWeight 92 kg, BP 132/78 mmHg, HR 88 bpm irregular. NT-proBNP 4500 pg/mL, potassium "
            "4.8 mmol/L, eGFR 52 mL/min/1.73m2. LVEF 38%, moderate mitral regurgitation; atrial fibrillation.\n"
            "Assessment and Plan:\nDecompensated heart failure with reduced ejection fraction and atrial fibrillation; "
            "increase diuretic and review in clinic."
        ),
    },
    {
        "id": "en-operative-appendix",
        "metadata": {"department": "general surgery", "note_type": "operative note"},
        "source": (
            "OPERATIVE NOTE. Patient [[NAME|Tobias Lindqvist]], 24, MRN [[MRN|77120954]], operated "
            "[[DATE|2026-02-03]] by Dr. [[NAME|Helen Marsh]]. Indication: 18 hours of periumbilical pain "
            "migrating to the right iliac fossa, temperature 38.2 °C, WBC 13.6 x10^9/L, CT showing a 12 mm "
            "appendix with fat stranding. Procedure: laparoscopic appendicectomy. Findings: inflamed, "
            "non-perforated appendix; no free pus. Estimated blood loss 20 mL. Duration 45 minutes. "
            "Plan: discharge next day if tolerating diet; oral analgesia."
        ),
        "reference": (
            "Chief Complaint:\nRight iliac fossa pain for 18 hours.\n"
            "History of Present Illness:\n24-year-old with periumbilical pain migrating to the right iliac fossa.\n"
            "Key Findings:\nTemperature 38.2 °C, WBC 13.6 x10^9/L, CT appendix 12 mm with fat stranding. Inflamed "
            "non-perforated appendix at laparoscopy; blood loss 20 mL, 45 minutes.\n"
            "Assessment and Plan:\nAcute appendicitis treated by laparoscopic appendicectomy. Discharge next day if "
            "tolerating diet, oral analgesia."
        ),
    },
]

ZH_CASES = [
    {
        "id": "zh-cardiology-stemi",
        "metadata": {"department": "心内科", "note_type": "入院记录"},
        "source": (
            "患者[[NAME|王建国]]，男，62岁，住院号[[MRN|ZY20260311]]，身份证号[[ID_NUMBER|110105196303152336]]，"
            "住址[[ADDRESS|北京市朝阳区安贞路18号院3号楼]]。于[[DATE|2026年3月11日]]入住[[LOCATION|北京东郊康宁医院]]心内科。"
            "主诉：持续性胸骨后压榨样疼痛4小时。现病史：患者4小时前活动后出现胸骨后压榨样疼痛，向左肩放射，伴大汗，"
            "含服硝酸甘油不缓解。既往高血压10年。查体：血压150/90mmHg，心率98次/分，体温36.8℃。"
            "辅助检查：心电图示V1-V4导联ST段抬高0.3mV；肌钙蛋白I 3.2ng/mL；白细胞11.2×10^9/L。"
            "其子[[NAME|王磊]]联系电话[[PHONE|13812345678]]。主治医师：[[NAME|李明]]。"
        ),
        "reference": (
            "【主诉】持续性胸骨后压榨样疼痛4小时。\n"
            "【现病史】活动后出现胸骨后压榨样疼痛4小时，向左肩放射，伴大汗，含服硝酸甘油不缓解；既往高血压10年。\n"
            "【辅助检查】血压150/90mmHg，心率98次/分，体温36.8℃；心电图V1-V4导联ST段抬高0.3mV；肌钙蛋白I 3.2ng/mL；"
            "白细胞11.2×10^9/L。\n"
            "【初步诊断】急性前壁ST段抬高型心肌梗死；高血压。"
        ),
    },
    {
        "id": "zh-respiratory-pneumonia",
        "metadata": {"department": "呼吸内科", "note_type": "入院记录"},
        "source": (
            "患者[[NAME|陈秀英]]，女，74岁，病案号[[MRN|BA0098213]]，联系电话[[PHONE|139-0211-4567]]，"
            "家住[[ADDRESS|上海市徐汇区漕溪北路88弄5号]]。[[DATE|2026-01-20]]因发热、咳嗽咳痰5天入院。"
            "现病史：5天前受凉后出现发热，最高体温39.2℃，咳黄脓痰，伴气促。"
            "查体：体温38.6℃，呼吸26次/分，血氧饱和度91%，右下肺可闻及湿啰音。"
            "辅助检查：白细胞15.8×10^9/L，中性粒细胞比例88%，C反应蛋白156mg/L，降钙素原2.1ng/mL；"
            "胸部CT示右下肺大片实变影。其女[[NAME|刘芳]]陪同。"
        ),
        "reference": (
            "【主诉】发热、咳嗽咳痰5天。\n"
            "【现病史】受凉后发热5天，最高体温39.2℃，咳黄脓痰，伴气促。\n"
            "【辅助检查】体温38.6℃，呼吸26次/分，血氧饱和度91%，右下肺湿啰音；白细胞15.8×10^9/L，中性粒细胞比例88%，"
            "C反应蛋白156mg/L，降钙素原2.1ng/mL；胸部CT右下肺大片实变影。\n"
            "【初步诊断】社区获得性肺炎（右下肺），重症可能。"
        ),
    },
    {
        "id": "zh-endocrine-dka",
        "metadata": {"department": "内分泌科", "note_type": "入院记录"},
        "source": (
            "患者[[NAME|张晓燕]]，女，23岁，门诊号[[MRN|MZ55128890]]，身份证号[[ID_NUMBER|440106200205128721]]。"
            "于[[DATE|2026年2月8日]]因口干多饮多尿2周、恶心呕吐1天入院。现病史：2周前出现口干、多饮、多尿，"
            "体重下降4kg，1天前出现恶心、呕吐、腹痛。查体：血压96/60mmHg，心率118次/分，呼吸深快，"
            "可闻及烂苹果味。辅助检查：随机血糖28.6mmol/L，血pH 7.12，碳酸氢根9mmol/L，尿酮体(+++)，"
            "血钾5.6mmol/L，糖化血红蛋白11.8%。"
        ),
        "reference": (
            "【主诉】口干多饮多尿2周，恶心呕吐1天。\n"
            "【现病史】2周来口干、多饮、多尿，体重下降4kg；1天前出现恶心、呕吐、腹痛。\n"
            "【辅助检查】血压96/60mmHg，心率118次/分，呼吸深快；随机血糖28.6mmol/L，血pH 7.12，碳酸氢根9mmol/L，"
            "尿酮体(+++)，血钾5.6mmol/L，糖化血红蛋白11.8%。\n"
            "【初步诊断】1型糖尿病可能，糖尿病酮症酸中毒。"
        ),
    },
    {
        "id": "zh-neurology-stroke",
        "metadata": {"department": "神经内科", "note_type": "入院记录"},
        "source": (
            "患者[[NAME|赵德明]]，男，68岁，住院号[[MRN|ZY20260402]]，电话[[PHONE|186 2233 4455]]。"
            "[[DATE|2026年4月2日]]由家属[[NAME|赵静]]送至[[LOCATION|南京江北仁和医院]]急诊。主诉：突发右侧肢体无力伴言语不清3小时。"
            "现病史：3小时前晨起时出现右侧肢体无力，不能站立，言语含糊。既往房颤病史5年，未规律抗凝。"
            "查体：血压172/98mmHg，心率92次/分，律不齐；右侧肢体肌力2级，NIHSS评分12分。"
            "辅助检查：头颅CT未见出血；血糖7.4mmol/L；INR 1.0。"
        ),
        "reference": (
            "【主诉】突发右侧肢体无力伴言语不清3小时。\n"
            "【现病史】3小时前晨起出现右侧肢体无力，不能站立，言语含糊；房颤5年，未规律抗凝。\n"
            "【辅助检查】血压172/98mmHg，心率92次/分，律不齐；右侧肢体肌力2级，NIHSS评分12分；头颅CT未见出血；"
            "血糖7.4mmol/L；INR 1.0。\n"
            "【初步诊断】急性缺血性脑卒中（心源性栓塞可能）；心房颤动。"
        ),
    },
]

SETS = {
    "smoke-en": {
        "cases": EN_CASES,
        "manifest": Manifest(
            name="smoke-en", version="1", language="en", task="summary",
            default_prompt="clinical-summary-en@1",
            description="Four short English notes (ED, discharge, clinic, operative) for quick checks of the pipeline.",
            licence="CC BY 4.0", provenance="Synthetic; written for this project. No real patient appears.",
            required_sections=tuple(EN_SECTIONS),
        ),
    },
    "smoke-zh": {
        "cases": ZH_CASES,
        "manifest": Manifest(
            name="smoke-zh", version="1", language="zh", task="summary",
            default_prompt="inpatient-summary-zh@1",
            description="四份简短的中文住院病历（心内、呼吸、内分泌、神经），用于快速检查流程。",
            licence="CC BY 4.0", provenance="Synthetic; written for this project. No real patient appears.",
            required_sections=tuple(ZH_SECTIONS),
        ),
    },
}


def build(root: Path) -> None:
    for name, definition in SETS.items():
        directory = root / name
        directory.mkdir(parents=True, exist_ok=True)
        language = definition["manifest"].language
        cases = []
        for raw in definition["cases"]:
            source, spans = unmark_phi(raw["source"])
            cases.append(Case(id=raw["id"], language=language, source=source, reference=raw["reference"],
                              phi=spans, metadata=raw["metadata"]))
        write_cases(directory / "cases.jsonl", cases)
        write_manifest(directory, definition["manifest"], cases)


if __name__ == "__main__":
    build(Path(sys.argv[1]) if len(sys.argv) > 1
          else Path(__file__).resolve().parent.parent / "workbench" / "data" / "shipped" / "sets")
