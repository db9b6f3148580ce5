"""Development notes for the PHI detector's rules: short notes written by hand, with what must be found.

Each note below was written for these tests (not taken from an evaluation set). A note
lists every identifier it holds; the detector must find exactly those, with their
labels, and nothing else. The trap lists are clinical text that looks like a name, a
place or a date and is not one.

Labels: people are NAME; cities, towns and employers are LOCATION (like facilities);
street and Chinese postal addresses are ADDRESS. Countries and states are larger than
Safe Harbor's geographic units and are not flagged ("visiting from Ghana").
"""

from __future__ import annotations

import pytest

from workbench.scoring.phi_detector import PHIDetector


@pytest.fixture(scope="module")
def detector() -> PHIDetector:
    return PHIDetector()


def found(detector: PHIDetector, text: str, language: str) -> set[tuple[str, str]]:
    return {(d.label, d.text) for d in detector.detect(text, language)}


# --- English notes ----------------------------------------------------------------------------

EN_NOTES: list[tuple[str, set[tuple[str, str]]]] = [
    (
        "ED TRIAGE NOTE\n"
        "Luis Alberto Ramirez, 45M, walked in at 02:10 with crushing chest pain.\n"
        "Wife Elena at the bedside; her son Marcus is driving down from Sacramento.\n"
        "Works at Northgate Freight Logistics as a forklift driver. Lives in Fresno with Elena.\n"
        "Insurance member ID: BLX 4471 9920. SSN: 531 22 0987.\n"
        "Frank hematuria noted after Foley insertion. Glasgow Coma Scale 15.\n"
        "Will follow up with cardiology.\n"
        "Tom Gallagher, Consultant Rheumatologist\n",
        {
            ("NAME", "Luis Alberto Ramirez"), ("NAME", "Elena"), ("NAME", "Marcus"), ("LOCATION", "Sacramento"),
            ("LOCATION", "Northgate Freight Logistics"), ("LOCATION", "Fresno"), ("NAME", "Elena"),
            ("HEALTH_PLAN_ID", "BLX 4471 9920"), ("SSN", "531 22 0987"), ("NAME", "Tom Gallagher"),
        },
    ),
    (
        "Re: CHEN, WEI   DOB 3rd March 1958\n"
        "Dear Dr Okoro,\n"
        "I reviewed Mr Chen in the Parkinson's clinic on the third of March. He lives with his daughter (Priya) "
        "in Leicester and is originally from Hong Kong. Apgar and Babinski are not relevant here; he mobilises "
        "with a walker. Priya will ring on March 20th.\n"
        "Kind regards,\n"
        "Sarah Whitfield\n"
        "Specialist Registrar in Neurology\n",
        {
            ("NAME", "CHEN, WEI"), ("DATE", "3rd March 1958"), ("NAME", "Okoro"), ("NAME", "Chen"),
            ("DATE", "the third of March"), ("NAME", "Priya"), ("LOCATION", "Leicester"), ("LOCATION", "Hong Kong"),
            ("DATE", "March 20th"), ("NAME", "Sarah Whitfield"),
        },
    ),
    (
        "Patient: SMITH, John A.   MRN 00482913\n"
        "Pt: Dolores Haynes-Whitaker (91F) was seen on March 3rd, 2024 after a fall at home.\n"
        "Robert \"Bobby\" Keane, her nephew, is the emergency contact; Bobby visits on Sundays.\n"
        "Employer: Brightline Packaging Ltd. She was employed by Harlow Chemical Works until she retired.\n"
        "Medicare ID 1EG4-TE5-MK73; Social Security # 078-05-1120.\n"
        "Electronically signed by Ana Lucia Ortega, NP on 03/05/2024\n",
        {
            ("NAME", "SMITH, John A."), ("MRN", "00482913"), ("NAME", "Dolores Haynes-Whitaker"),
            ("AGE_OVER_89", "91"), ("DATE", "March 3rd, 2024"), ("NAME", "Robert \"Bobby\" Keane"), ("NAME", "Bobby"),
            ("LOCATION", "Brightline Packaging Ltd"), ("LOCATION", "Harlow Chemical Works"),
            ("HEALTH_PLAN_ID", "1EG4-TE5-MK73"), ("SSN", "078-05-1120"), ("NAME", "Ana Lucia Ortega"),
            ("DATE", "03/05/2024"),
        },
    ),
    (
        "Name: Thandiwe Mokoena\n"
        "Thandiwe Mokoena is a 34 y/o teacher who presented with a rash. Thandiwe reports no fevers.\n"
        "She lives alone in Milton Keynes and works for Barrow & Finch Solicitors.\n"
        "Next appointment: 14th of April 2025. Seen with interpreter Joao Pereira.\n"
        "/s/ Michael O'Donnell\n",
        {
            ("NAME", "Thandiwe Mokoena"), ("NAME", "Thandiwe Mokoena"), ("NAME", "Thandiwe"),
            ("LOCATION", "Milton Keynes"), ("LOCATION", "Barrow & Finch Solicitors"), ("DATE", "14th of April 2025"),
            ("NAME", "Joao Pereira"), ("NAME", "Michael O'Donnell"),
        },
    ),
    (
        "Discussed with husband, Kwame, and their daughter Ama (contact 07700 900123).\n"
        "Patient prefers to be called \"Effie\". Effie lives in Kumasi, visiting from Ghana.\n"
        "Parkinson disease excluded; Babinski sign negative; Apgar 9 at birth per records.\n"
        "Plan: Physiotherapy review. Will discuss with Dr. Mensah on Friday.\n",
        {
            ("NAME", "Kwame"), ("NAME", "Ama"), ("PHONE", "07700 900123"), ("NAME", "Effie"), ("NAME", "Effie"),
            ("LOCATION", "Kumasi"), ("NAME", "Mensah"),
        },
    ),
]


@pytest.mark.parametrize(("note", "expected"), EN_NOTES, ids=[f"en-note-{i}" for i in range(len(EN_NOTES))])
def test_english_note_finds_exactly_its_identifiers(detector: PHIDetector, note: str, expected: set[tuple[str, str]]) -> None:
    assert found(detector, note, "en") == expected


EN_EXAMPLES = [
    # names followed by age and sex, or a role
    ("Luis Alberto Ramirez, 45M, chest pain.", "NAME", "Luis Alberto Ramirez"),
    ("Maria Gonzalez 45 y/o F with asthma.", "NAME", "Maria Gonzalez"),
    ("Peter Novak (72M) admitted overnight.", "NAME", "Peter Novak"),
    ("José Ramírez, a 61-year-old man, was admitted.", "NAME", "José Ramírez"),
    ("Hannah Weiss, 29-year-old G2P1, in labour.", "NAME", "Hannah Weiss"),
    ("Tom Gallagher, Consultant Rheumatologist, reviewed the films.", "NAME", "Tom Gallagher"),
    ("Aisha Bello, clinical pharmacist, checked the chart.", "NAME", "Aisha Bello"),
    ("Derek Olsen, retired electrician, lives alone.", "NAME", "Derek Olsen"),
    ("Priscilla Mwangi presented with a three-day history of fever.", "NAME", "Priscilla Mwangi"),
    # fields and signatures
    ("Patient: Harold Whitcombe", "NAME", "Harold Whitcombe"),
    ("Name: Ingrid Solberg", "NAME", "Ingrid Solberg"),
    ("Pt: Kenji Watanabe", "NAME", "Kenji Watanabe"),
    ("Thanks,\nGemma\n", "NAME", "Gemma"),
    ("Regards,\nRajesh Kumar\nStaff Nurse, Ward 7", "NAME", "Rajesh Kumar"),
    ("Signed: Dana Whitlock, RN", "NAME", "Dana Whitlock"),
    ("-- Alan Brody", "NAME", "Alan Brody"),
    ("Dear Colin,\nThank you for seeing her.", "NAME", "Colin"),
    # surname first, in capitals
    ("CHEN, WEI 67F chest pain", "NAME", "CHEN, WEI"),
    ("SMITH, John A. DOB 04/02/1961", "NAME", "SMITH, John A."),
    ("Patient: O'BRIEN, PATRICK", "NAME", "O'BRIEN, PATRICK"),
    ("Name: Nguyen, Thi Lan", "NAME", "Nguyen, Thi Lan"),
    # relatives
    ("Wife Elena present.", "NAME", "Elena"),
    ("Collateral from her son Marcus.", "NAME", "Marcus"),
    ("Lives with daughter (Priya).", "NAME", "Priya"),
    ("NOK: sister Fatima Haddad", "NAME", "Fatima Haddad"),
    ("Call Rosa (wife) with results.", "NAME", "Rosa"),
    ("Information from Lena, his partner, by phone.", "NAME", "Lena"),
    # nicknames
    ("Robert \"Bobby\" Keane was reviewed.", "NAME", "Robert \"Bobby\" Keane"),
    ("She goes by 'Peggy' on the ward.", "NAME", "Peggy"),
    ("Known as “Sunny” to the team.", "NAME", "Sunny"),
    # employers and cities
    ("He works at Halvorsen Marine Supply.", "LOCATION", "Halvorsen Marine Supply"),
    ("She is employed by Crestview Logistics Inc.", "LOCATION", "Crestview Logistics Inc"),
    ("Employer: Tesco", "LOCATION", "Tesco"),
    ("Works as a chef at Marlowe's Bistro.", "LOCATION", "Marlowe's Bistro"),
    ("He lives in Bakersfield.", "LOCATION", "Bakersfield"),
    ("Originally from Cork, moved here in 2010.", "LOCATION", "Cork"),
    ("Lives with his wife in Stoke-on-Trent.", "LOCATION", "Stoke-on-Trent"),
    ("Resident of Springfield, IL.", "LOCATION", "Springfield, IL"),
    # dates written out
    ("Admitted on the third of March.", "DATE", "the third of March"),
    ("Surgery on 3rd March 2024.", "DATE", "3rd March 2024"),
    ("Clinic on March 3rd.", "DATE", "March 3rd"),
    ("Bloods on 21st of November 2023.", "DATE", "21st of November 2023"),
    ("Seen 05-Feb-2024 in clinic.", "DATE", "05-Feb-2024"),
    ("Symptoms since May 2nd.", "DATE", "May 2nd"),
    ("Last seen in September 2023.", "DATE", "September 2023"),
    # insurance and social security numbers
    ("Member ID: XGH 882 441 907", "HEALTH_PLAN_ID", "XGH 882 441 907"),
    ("Aetna member #W229184467", "HEALTH_PLAN_ID", "W229184467"),
    ("Policy no. BCX-4490221", "HEALTH_PLAN_ID", "BCX-4490221"),
    ("Medicaid # 77310982", "HEALTH_PLAN_ID", "77310982"),
    ("Group number 0048812", "HEALTH_PLAN_ID", "0048812"),
    ("SSN: 412-77-9031", "SSN", "412-77-9031"),
    ("SS# 412 77 9031", "SSN", "412 77 9031"),
    ("social security no. 412779031", "SSN", "412779031"),
    ("SSN last 4: 9031", "SSN", "9031"),
    ("Verified 412-77-9031 at registration.", "SSN", "412-77-9031"),
    ("SSN xxx-xx-9031 on file.", "SSN", "xxx-xx-9031"),
    # ages over 89
    ("Edith Crowley, 94F, from a nursing home.", "AGE_OVER_89", "94"),
    # more, written after a first round of the rules
    ("Her sons Mark and David visited.", "NAME", "David"),
    ("Discussed with Jane (charge nurse).", "NAME", "Jane"),
    ("Coworker Dave Nguyen witnessed the fall.", "NAME", "Dave Nguyen"),
    ("He states his name is Oscar.", "NAME", "Oscar"),
    ("Pt is a 62 y.o. female from El Paso, TX with RUQ pain.", "LOCATION", "El Paso, TX"),
    ("She's from Boston originally.", "LOCATION", "Boston"),
    ("A Chicago native, retired.", "LOCATION", "Chicago"),
    ("He worked for Metro Transit for 30 years.", "LOCATION", "Metro Transit"),
    ("SSN#: 123-45-6789", "SSN", "123-45-6789"),
    ("Insurance: Blue Cross Blue Shield, ID: XYZ123456789", "HEALTH_PLAN_ID", "XYZ123456789"),
    ("His Medicare number is 7HX2-RT4-KP91.", "HEALTH_PLAN_ID", "7HX2-RT4-KP91"),
    ("Hospital #: 5512348", "MRN", "5512348"),
]


@pytest.mark.parametrize(("text", "label", "identifier"), EN_EXAMPLES,
                         ids=[f"{c[1]}-{i}" for i, c in enumerate(EN_EXAMPLES)])
def test_english_example_is_found(detector: PHIDetector, text: str, label: str, identifier: str) -> None:
    assert (label, identifier) in found(detector, text, "en")


EN_TRAPS = [
    "Frank hematuria on catheterisation.",
    "Foley catheter removed; voiding.",
    "Foley in situ, draining clear urine.",
    "Known Parkinson's disease, on levodopa.",
    "Parkinson disease, Hoehn and Yahr stage 2.",
    "Glasgow Coma Scale 15, pupils equal.",
    "Glasgow Coma Scale, 14; Apgar, 9.",
    "Apgar scores 8 and 9.",
    "Babinski sign negative bilaterally.",
    "Babinski, Romberg and Kernig negative.",
    "Mobilises with a walker; Walker frame at home.",
    "Will follow up in clinic.",
    "Will Follow Up With Neurology.",
    "Bristol Stool Chart type 6.",
    "New York Heart Association class II.",
    "Ottawa ankle rules negative.",
    "Crohn Disease, 34, on infliximab.",
    "Physical Therapy, twice weekly.",
    "Occupational Therapy Assessment completed.",
    "Lives in a care home; lives with her husband.",
    "Moved from Ward 5 to the ICU.",
    "Discharged from hospital on day 4.",
    "Works at night; employed by the council.",
    "Daughter Will Visit Tomorrow.",
    "Wife At Bedside.",
    "Son Aware Of Plan.",
    "BP, HR and RR stable. CT, MRI pending.",
    "HEENT, NORMAL. ABDOMEN, SOFT.",
    "ASSESSMENT, PLAN: CHF, AKI.",
    "Score 3 of 5 on the Berg Balance Scale.",
    "Emigrated from Poland in 1990; grew up in Texas.",
    "Cushing syndrome screen, Addison disease excluded.",
    "Wells Score 4, Geneva score low.",
    "Triage: Manchester Triage System yellow.",
    "May need 3 doses; may 2 be enough.",
    "Type 2 diabetes, third of four siblings.",
    "Son Reports Improvement. Wife Requests Update. Daughter Present At Bedside. Husband Called.",
    "Mother Has Dementia. Father Died Of MI.",
    "The Patient Will Follow Up With Her Primary Care Physician. Patient Verbalized Understanding.",
    "Lives in Supported Housing. Originally from Eastern Europe. Born in Vietnam.",
    "Works for Himself. Retired from the Army. Employer: N/A. Employer: Self-employed.",
    "EXT, WARM\nABD, SOFT\nNEURO, INTACT\nLUNGS, CLEAR",
    "Hospital Course: Blood Cultures were negative. Physical Therapy recommended Home Health. "
    "Social Work arranged transport. Speech Language Pathology evaluated swallow.",
    "Mini Mental State Exam 28/30. Morse Fall Scale 55. Braden Score 16. Child Pugh Class B. Killip Class I.",
    "Wilson disease, Graves disease, Murphy's sign positive, Homan sign negative.",
]


@pytest.mark.parametrize("text", EN_TRAPS)
def test_english_trap_is_not_phi(detector: PHIDetector, text: str) -> None:
    assert found(detector, text, "en") == set()


# --- Chinese notes ----------------------------------------------------------------------------

ZH_NOTES: list[tuple[str, set[tuple[str, str]]]] = [
    (
        "姓名：欧阳雪梅　性别：女　年龄：67岁\n"
        "住院号：ZY-2024-003318　门诊号 MZ20240301077\n"
        "入院日期：二〇二四年三月三日\n"
        "家庭住址：浙江省杭州市西湖区文三路街道古荡新村12幢3单元502室\n"
        "工作单位：杭州华星纺织有限公司\n"
        "医保卡号：3301 0619 5712 0344\n"
        "联系电话：0571-8765 4321（座机），其女周晓燕 13957112345\n"
        "患者肌张力正常，无黄疸，既往高血压10年，乳腺小叶增生。术后平安返回病房。\n",
        {
            ("NAME", "欧阳雪梅"), ("MRN", "ZY-2024-003318"), ("MRN", "MZ20240301077"), ("DATE", "二〇二四年三月三日"),
            ("ADDRESS", "浙江省杭州市西湖区文三路街道古荡新村12幢3单元502室"), ("LOCATION", "杭州华星纺织有限公司"),
            ("HEALTH_PLAN_ID", "3301 0619 5712 0344"), ("PHONE", "0571-8765 4321"), ("NAME", "周晓燕"),
            ("PHONE", "13957112345"),
        },
    ),
    (
        "患者钱伟，男，58岁，因“胸痛3小时”入院。老王（患者邻居）陪同送诊，小李护士负责接诊。\n"
        "家属王淑芬女士（其妻）诉患者于三月五日晚饭后发病。其子钱磊在上海市浦东新区张江路1180号上班。\n"
        "由陈医生、刘护士共同完成评估。门急诊号：JZ88012456；病历号为 00923471。\n"
        "座机（010）6523 8876。钱伟既往体健。\n",
        {
            ("NAME", "钱伟"), ("NAME", "老王"), ("NAME", "小李"), ("NAME", "王淑芬"), ("DATE", "三月五日"),
            ("NAME", "钱磊"), ("ADDRESS", "上海市浦东新区张江路1180号"), ("NAME", "陈医生"), ("NAME", "刘护士"),
            ("MRN", "JZ88012456"), ("MRN", "00923471"), ("PHONE", "（010）6523 8876"), ("NAME", "钱伟"),
        },
    ),
    (
        "患儿：覃小禾，女，6岁。\n"
        "家属：覃建军（父亲），工作单位：南宁市邕江建筑工程有限公司，手机 186 7712 3390。\n"
        "现住：广西壮族自治区南宁市青秀区民族大道136号\n"
        "医保号：45010019880312\n"
        "2024年3月3日起发热，3月5日就诊于我院门诊。门诊病历号：MZ-0098812。\n"
        "查体：颈软，肌张力不高，双侧巴氏征阴性。血小板正常，淋巴结小于1cm。\n",
        {
            ("NAME", "覃小禾"), ("NAME", "覃建军"), ("LOCATION", "南宁市邕江建筑工程有限公司"),
            ("PHONE", "186 7712 3390"), ("ADDRESS", "广西壮族自治区南宁市青秀区民族大道136号"),
            ("HEALTH_PLAN_ID", "45010019880312"), ("DATE", "2024年3月3日"), ("DATE", "3月5日"), ("MRN", "MZ-0098812"),
        },
    ),
]


@pytest.mark.parametrize(("note", "expected"), ZH_NOTES, ids=[f"zh-note-{i}" for i in range(len(ZH_NOTES))])
def test_chinese_note_finds_exactly_its_identifiers(detector: PHIDetector, note: str, expected: set[tuple[str, str]]) -> None:
    assert found(detector, note, "zh") == expected


ZH_EXAMPLES = [
    # names after a field label or a relative
    ("姓名：宓子衿", "NAME", "宓子衿"),
    ("患者李秀兰因咳嗽入院。", "NAME", "李秀兰"),
    ("家属张国强签字。", "NAME", "张国强"),
    ("其女刘芳陪护。", "NAME", "刘芳"),
    ("其子赵磊代诉病史。", "NAME", "赵磊"),
    ("其妻孙丽知情同意。", "NAME", "孙丽"),
    ("其夫郭勇在外地。", "NAME", "郭勇"),
    ("其女儿林晓敏已到院。", "NAME", "林晓敏"),
    ("爱人何俊峰电话联系。", "NAME", "何俊峰"),
    ("紧急联系人：佘美玲（女儿）", "NAME", "佘美玲"),
    ("张建华，男，71岁，退休工人。", "NAME", "张建华"),
    # 老王 / 小李, and names before a title
    ("老王今天没来复诊。", "NAME", "老王"),
    ("由小李陪同检查。", "NAME", "小李"),
    ("请黄先生明日复查。", "NAME", "黄先生"),
    ("高女士诉头晕。", "NAME", "高女士"),
    ("马建平医生查房。", "NAME", "马建平"),
    ("已告知吴护士。", "NAME", "吴护士"),
    ("周主任指示加用利尿剂。", "NAME", "周主任"),
    # addresses
    ("住址：江苏省南京市鼓楼区中山北路32号", "ADDRESS", "江苏省南京市鼓楼区中山北路32号"),
    ("家住成都市武侯区玉林街道芳草街18号2栋1单元301室。", "ADDRESS", "成都市武侯区玉林街道芳草街18号2栋1单元301室"),
    ("户籍地址：河南省信阳市光山县砖桥镇", "ADDRESS", "河南省信阳市光山县砖桥镇"),
    ("现居于湖北省武汉市江汉区。", "ADDRESS", "湖北省武汉市江汉区"),
    # employers
    ("工作单位：深圳市腾飞电子科技有限公司", "LOCATION", "深圳市腾飞电子科技有限公司"),
    ("就职于广州白云机场物流公司。", "LOCATION", "广州白云机场物流公司"),
    ("单位：北京市第八十中学", "LOCATION", "北京市第八十中学"),
    # record and insurance numbers
    ("医保卡号：YB 4413 0822 9917", "HEALTH_PLAN_ID", "YB 4413 0822 9917"),
    ("社会保障卡号 310110198801012", "HEALTH_PLAN_ID", "310110198801012"),
    ("新农合证号：NH-20190033871", "HEALTH_PLAN_ID", "NH-20190033871"),
    ("住院号/病案号：BA00982133", "MRN", "BA00982133"),
    ("住院编号 2024003391", "MRN", "2024003391"),
    ("门诊号为 M0098123。", "MRN", "M0098123"),
    ("就诊卡号：880012349901", "MRN", "880012349901"),
    ("急诊号：JZ20240303", "MRN", "JZ20240303"),
    # dates
    ("二〇二四年三月三日入院。", "DATE", "二〇二四年三月三日"),
    ("于二零二三年十二月二十一日手术。", "DATE", "二零二三年十二月二十一日"),
    ("二〇二四年五月复查。", "DATE", "二〇二四年五月"),
    ("十月八日出现胸闷。", "DATE", "十月八日"),
    ("2024年三月十五日复诊。", "DATE", "2024年三月十五日"),
    # landlines with an area code
    ("座机：0571-87654321", "PHONE", "0571-87654321"),
    ("电话（020）8765 4321", "PHONE", "（020）8765 4321"),
    ("联系电话 010 6523 8876 转 802", "PHONE", "010 6523 8876 转 802"),
    ("固话：6523-8876", "PHONE", "6523-8876"),
    ("办公电话 +86 21 6404 1990", "PHONE", "+86 21 6404 1990"),
    ("电话：０２１－６４０４１９９０", "PHONE", "０２１－６４０４１９９０"),
    # more, written after a first round of the rules
    ("家属（儿子）张志强在旁陪护。", "NAME", "张志强"),
    ("老张下午来探视。", "NAME", "老张"),
    ("参加人员：刘副主任医师、陈主治医师。", "NAME", "刘副主任医师"),
    ("住院医师小赵记录。", "NAME", "小赵"),
    ("肇事司机姓王，已离开。", "NAME", "王"),
    ("患儿在阳光幼儿园摔倒。", "LOCATION", "阳光幼儿园"),
]


@pytest.mark.parametrize(("text", "label", "identifier"), ZH_EXAMPLES,
                         ids=[f"{c[1]}-{i}" for i, c in enumerate(ZH_EXAMPLES)])
def test_chinese_example_is_found(detector: PHIDetector, text: str, label: str, identifier: str) -> None:
    assert (label, identifier) in found(detector, text, "zh")


ZH_TRAPS = [
    "患者肌张力增高，腱反射活跃。",
    "双乳小叶增生，建议随访。",
    "术后平安返回病房。",
    "患者高血压3级，极高危。",
    "皮肤巩膜无黄疸。",
    "患者周身乏力3天。",
    "患者甘油三酯升高。",
    "患者张力性气胸，已行闭式引流。",
    "患者包块质硬，活动度差。",
    "患者常感乏力。",
    "结节小于5mm，老毛病未再发作。",
    "血小板减少，小关节疼痛。",
    "向医生咨询用药，由主治医生查房，值班护士巡视。",
    "高年资医生会诊，家庭医生随访。",
    "小儿肺炎，小便黄，小腿水肿，老年患者。",
    "患者于3天前出现发热，家属签字同意。",
    "三个月前曾住院，一月内无发热。",
    "患者文化程度小学，单位体检发现。",
    "住院期间平稳，无特殊。",
    "老年性白内障，小叶性肺炎。",
    "责任护士：已交班。主任医师查房。",
    "患者诉其夫在深圳市某公司打工，文化程度小学。",
    "查体：神清，精神可，全身皮肤黏膜无黄染，双肺呼吸音清，腹软，双下肢无水肿，四肢肌力5级，肌张力正常。",
    "血常规：白细胞6.2×10^9/L，血小板210×10^9/L。谷丙转氨酶35U/L。心电图：窦性心律。",
    "患者于半月前出现头晕，于外院就诊。",
]


@pytest.mark.parametrize("text", ZH_TRAPS)
def test_chinese_trap_is_not_phi(detector: PHIDetector, text: str) -> None:
    assert found(detector, text, "zh") == set()


# --- the command: two tables, or one line when the held-apart sets are missing -------------------


def test_detector_quality_command_says_when_held_apart_sets_are_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    import workbench.cli as cli
    import workbench.scoring.phi_detector as phi_detector
    from workbench.data.evalsets import EvalSetError

    def resolve(name: str) -> object:
        if name.startswith("phi-heldout"):
            raise EvalSetError(f"no set {name}")
        return name

    measured: list[list[str]] = []

    def quality(names: list[str], detector: object = None) -> dict:
        measured.append(list(names))
        return {"en": {"ALL": {"gold": 1, "found": 1, "detected": 1, "true_positive": 1, "recall": 1.0,
                               "precision": 1.0}}}

    monkeypatch.setattr(cli, "resolve_evalset", resolve)
    monkeypatch.setattr(phi_detector, "detector_quality", quality)
    monkeypatch.setattr(phi_detector, "PHIDetector", lambda: None)
    result = CliRunner().invoke(cli.app, ["phi", "detector-quality"])
    assert result.exit_code == 0, result.output
    assert "Shipped sets with gold (inpatient-summary-zh, clinical-summary-en)" in result.output
    held_lines = [line for line in result.output.splitlines() if line.startswith("Held-apart sets")]
    assert len(held_lines) == 1 and "not present yet" in held_lines[0]
    assert measured == [["inpatient-summary-zh", "clinical-summary-en"]]
