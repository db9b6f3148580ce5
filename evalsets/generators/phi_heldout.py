"""Held-apart notes for measuring PHI detection: the sets ``phi-heldout-en`` and ``phi-heldout-zh``.

These notes were written apart from the offline PHI detector (workbench/scoring/phi_detector.py),
without reading its rules, so that its recall and precision can be measured on text that was not
shaped to fit them. Each note is hand-written in the style of a real clinical document (triage
notes, discharge summaries, letters, handovers, telephone encounters, referrals, requests, social
work and medication notes, SOAP notes; 门诊病历, 入院记录, 出院小结, 病程记录, 会诊记录, 护理记录,
电话随访, 转诊单). Faker (pinned version, own seeds) supplies names, streets and companies; every
other word was written for this project. No real patient appears; hospitals, clinics and
employers are invented.

The sets have no reference summaries: they are for detection, not summarising.

How the gold spans are marked (``[[LABEL|text]]``, see ``common.mark``):

- NAME: patients, relatives, clinicians, anyone else named, nicknames included. Titles stay
  outside the span ("Dr [[NAME|Okafor]]", "[[NAME|王]]女士", "老[[NAME|王]]", "小[[NAME|李]]").
  A name written surname first is one span ("[[NAME|CHEN, WEI]]").
- DATE: any date more precise than a year ("the [[DATE|third of March]]", "[[DATE|3 Mar 24]]",
  "[[DATE|3月3日]]"). A year alone, times of day and relative days ("yesterday") are not marked.
- AGE_OVER_89: ages of 90 and above; English marks the number ("[[AGE_OVER_89|93]]-year-old"),
  Chinese the number with 岁 ("[[AGE_OVER_89|92岁]]"). Ages up to 89 are not marked.
- LOCATION: hospitals, clinics, pharmacies, schools, care homes, employers, and cities or
  towns named on their own. ADDRESS: a street address (with its town and postcode when written
  with it). States and provinces on their own are not marked.
- PHONE, FAX, EMAIL, URL, IP, SSN, MRN (record, unit, hospital, 住院号, 门诊号, 就诊卡号),
  HEALTH_PLAN_ID (insurance member IDs, Medicare/Medicaid numbers, 医保卡号/社保卡号),
  ACCOUNT (billing and encounter numbers), LICENSE (driving licences), VEHICLE_ID (plates),
  DEVICE_ID (serial numbers of implants and home devices), ID_NUMBER (身份证号, valid check digit).
- OTHER: identifiers with no label of their own: WeChat and QQ IDs, social media handles,
  prescription numbers, claim, authorisation and case numbers.
- Not marked, on purpose: eponyms and clinical words that look like names ("Frank hematuria",
  "Foley catheter", "Parkinson disease", "Glasgow Coma Scale", "Apgar", "walker", "Will follow
  up", 帕金森病, 肌张力, 小叶增生, 平安, 白细胞, 黄疸), bed and room numbers, units and wards,
  drug names, doses, scores and lab values.

Randomness: every note draws from its own ``random.Random`` and Faker instances seeded from
``BASE_SEED_EN``/``BASE_SEED_ZH`` and its index, so building these sets consumes no randomness
that another set uses.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from textwrap import dedent
from typing import Callable

from faker import Faker

from evalsets.generators.common import mark, resident_id_check_digit, seeded

BASE_SEED_EN = 7_305_118
BASE_SEED_ZH = 5_512_903

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")
ORDINAL_WORDS = (
    "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth",
    "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth", "seventeenth",
    "eighteenth", "nineteenth", "twentieth", "twenty-first", "twenty-second", "twenty-third",
    "twenty-fourth", "twenty-fifth", "twenty-sixth", "twenty-seventh", "twenty-eighth",
    "twenty-ninth", "thirtieth", "thirty-first",
)
US_CITY_STATES = {
    "Tulsa": "OK", "Dayton": "OH", "Boise": "ID", "Spokane": "WA", "Fresno": "CA", "Toledo": "OH", "Lubbock": "TX",
    "Akron": "OH", "Duluth": "MN", "Macon": "GA", "Yakima": "WA", "Wichita": "KS", "Omaha": "NE", "Peoria": "IL",
    "Savannah": "GA", "Billings": "MT", "Provo": "UT", "Topeka": "KS", "Modesto": "CA", "Laredo": "TX",
    "Muncie": "IN", "Joplin": "MO", "Bangor": "ME", "Pueblo": "CO", "Amarillo": "TX", "Green Bay": "WI",
}
US_CITIES = tuple(US_CITY_STATES)
UK_TOWNS = ("Swindon", "Wakefield", "Stockport", "Ipswich", "Doncaster", "Telford", "Luton", "Preston",
            "Carlisle", "Barnsley", "Gloucester", "Huddersfield", "Warrington", "Kettering")
EMPLOYER_HEADS = ("Delta", "Summit", "Red River", "Prairie", "Keystone", "Lakeshore", "Ironwood", "Bluestem",
                  "Cedar Ridge", "Harbor", "Tri-County", "Northgate", "Silver Creek", "Pinnacle")
EMPLOYER_TAILS = ("Freight", "Logistics", "Roofing", "Poultry", "Packaging", "Foods", "Credit Union", "Tire & Auto",
                  "Staffing", "Plastics", "Electric", "Concrete", "Distribution", "Home Care")
SAINTS = ("Agnes", "Vincent", "Anthony", "Francis", "Elizabeth", "Catherine", "Jude", "Clare", "Bernadette", "Rita")
MAIL_DOMAINS_US = ("gmail.com", "yahoo.com", "outlook.com", "icloud.com", "aol.com", "hotmail.com", "comcast.net")
MAIL_DOMAINS_UK = ("gmail.com", "hotmail.co.uk", "btinternet.com", "outlook.com", "yahoo.co.uk")
NAME_LOCALES = {"us": "en_US", "gb": "en_GB", "es": "es_MX", "zh": "zh_CN", "vi": "vi_VN", "yo": "yo_NG",
                "pl": "pl_PL", "ie": "en_IE"}
NICKNAMES = {
    "F": (("Dorothy", "Dot"), ("Margaret", "Peggy"), ("Elizabeth", "Libby"), ("Katherine", "Kit"),
          ("Patricia", "Trish"), ("Josephine", "Jo"), ("Rebecca", "Becky"), ("Theresa", "Tess")),
    "M": (("Robert", "Bobby"), ("William", "Billy"), ("Richard", "Rick"), ("Theodore", "Teddy"),
          ("Charles", "Chuck"), ("James", "Jimmy"), ("Edward", "Ned"), ("Francis", "Frankie")),
}


def note(text: str) -> str:
    """A note written as an indented triple-quoted string, without its indent and outer blank lines."""
    return dedent(text).strip("\n")


def plain(text: str) -> str:
    """Latin letters without diacritics, as many record systems store names."""
    text = text.replace("Đ", "D").replace("đ", "d")
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))


# --- English --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class P:
    """A person in an English note; every property is the marked text."""

    first: str
    last: str
    sex: str

    @property
    def full(self) -> str:
        return mark("NAME", f"{self.first} {self.last}")

    @property
    def f(self) -> str:
        return mark("NAME", self.first)

    @property
    def l(self) -> str:  # noqa: E743 - short on purpose, reads well inside notes
        return mark("NAME", self.last)

    @property
    def rev(self) -> str:
        """Surname first, upper case, as on wristbands and request forms: CHEN, WEI."""
        return mark("NAME", f"{self.last.upper()}, {self.first.upper()}")

    @property
    def lf(self) -> str:
        return mark("NAME", f"{self.last}, {self.first}")

    @property
    def init(self) -> str:
        return mark("NAME", f"{self.first[0]}. {self.last}")

    @property
    def fi(self) -> str:
        return mark("NAME", f"{self.first} {self.last[0]}.")

    def mid(self, middle: str) -> str:
        return mark("NAME", f"{self.first} {middle} {self.last}")

    @property
    def he(self) -> str:
        return "he" if self.sex == "M" else "she"

    @property
    def his(self) -> str:
        return "his" if self.sex == "M" else "her"


class En:
    """Draws for one English note: its own seeded ``random.Random`` and Faker instances."""

    def __init__(self, seed: int, locale: str = "en_US") -> None:
        self.seed = seed
        self.rng, self.fake = seeded(seed, locale)
        self.uk = locale == "en_GB"
        self.fakers: dict[str, Faker] = {locale: self.fake}
        self.used: set[str] = set()
        self.today = date(2023, 1, 9) + timedelta(days=self.rng.randint(0, 900))

    # small draws -------------------------------------------------------------------------------
    def pick(self, options):  # type: ignore[no-untyped-def]
        return self.rng.choice(list(options))

    def n(self, lo: int, hi: int) -> int:
        return self.rng.randint(lo, hi)

    def clock(self) -> str:
        return f"{self.n(0, 23):02d}:{self.n(0, 59):02d}"

    def faker(self, locale: str) -> Faker:
        if locale not in self.fakers:
            fake = Faker(locale)
            fake.seed_instance(self.seed * 31 + sum(map(ord, locale)))
            self.fakers[locale] = fake
        return self.fakers[locale]

    def _fresh(self, make: Callable[[], str]) -> str:
        for _ in range(200):
            value = make().strip()
            if value and value not in self.used:
                self.used.add(value)
                return value
        raise RuntimeError("could not draw a fresh value")

    # people ----------------------------------------------------------------------------------
    def person(self, sex: str | None = None, origin: str | None = None, last: str | None = None) -> P:
        sex = sex or self.pick("MF")
        fake = self.faker(NAME_LOCALES[origin or ("gb" if self.uk else "us")])
        if origin == "zh":
            first = self._fresh(fake.first_romanized_name)
            surname = last or self._fresh(fake.last_romanized_name)
        else:
            first = self._fresh(fake.first_name_male if sex == "M" else fake.first_name_female)
            surname = last or self._fresh(fake.last_name)
        return P(plain(first), plain(surname), sex)

    def nicknamed(self, sex: str) -> tuple[P, str]:
        """A person with a formal first name and the nickname they go by (marked)."""
        formal, nick = self.pick(NICKNAMES[sex])
        fake = self.faker("en_GB" if self.uk else "en_US")
        return P(formal, self._fresh(fake.last_name), sex), mark("NAME", nick)

    # dates -----------------------------------------------------------------------------------
    def day(self, offset: int = 0) -> date:
        return self.today + timedelta(days=offset)

    @staticmethod
    def fmt(day: date, style: str) -> str:
        month = MONTHS[day.month - 1]
        suffix = "th" if 11 <= day.day <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day.day % 10, "th")
        return {
            "mdy": f"{day.month:02d}/{day.day:02d}/{day.year}",
            "mdy_short": f"{day.month}/{day.day}/{day.year % 100:02d}",
            "dmy": f"{day.day:02d}/{day.month:02d}/{day.year}",
            "iso": day.isoformat(),
            "dot": f"{day.day:02d}.{day.month:02d}.{day.year}",
            "dash": f"{day.month:02d}-{day.day:02d}-{day.year}",
            "long": f"{month} {day.day}, {day.year}",
            "long_ord": f"{month} {day.day}{suffix}, {day.year}",
            "dmy_long": f"{day.day} {month} {day.year}",
            "dmy_abbr": f"{day.day} {month[:3]} {day.year % 100:02d}",
            "dmy_abbr4": f"{day.day:02d}-{month[:3]}-{day.year}",
            "md": f"{day.month}/{day.day}",
            "mon_d": f"{month[:3]} {day.day}",
            "month_ord": f"{month} {day.day}{suffix}",
            "words": f"{ORDINAL_WORDS[day.day - 1]} of {month}",
            "d_month_y": f"{day.day}{suffix} {month} {day.year}",
        }[style]

    def date(self, offset: int = 0, style: str = "mdy") -> str:
        return mark("DATE", self.fmt(self.day(offset), style))

    def dob(self, age: int, style: str = "mdy") -> str:
        born = date(self.today.year - age, self.today.month, min(self.today.day, 28)) - timedelta(days=self.n(1, 330))
        return mark("DATE", self.fmt(born, style))

    @staticmethod
    def old(age: int) -> str:
        return mark("AGE_OVER_89", str(age))

    # numbers ---------------------------------------------------------------------------------
    def _us_number(self, style: str) -> str:
        area = self.pick([a for a in range(205, 990) if a % 100 != 11 and a % 10 != 0])
        exchange = self.pick([e for e in range(201, 999) if e % 100 != 11])
        line = self.n(0, 9999)
        return {
            "paren": f"({area}) {exchange}-{line:04d}",
            "dash": f"{area}-{exchange}-{line:04d}",
            "dot": f"{area}.{exchange}.{line:04d}",
            "space": f"{area} {exchange} {line:04d}",
            "plus": f"+1 {area}-{exchange}-{line:04d}",
            "one": f"1-{area}-{exchange}-{line:04d}",
            "bare": f"{area}{exchange}{line:04d}",
            "slash": f"{area}/{exchange}-{line:04d}",
        }[style]

    def _uk_number(self, style: str) -> str:
        if style == "mobile":
            return self._fresh(lambda: self.fake.cellphone_number())
        return self._fresh(lambda: self.fake.phone_number())

    def phone(self, style: str | None = None) -> str:
        if self.uk:
            return mark("PHONE", self._uk_number(style or self.pick(["mobile", "land"])))
        return mark("PHONE", self._fresh(lambda: self._us_number(style or self.pick(["paren", "dash", "dot", "space"]))))

    def fax(self, style: str | None = None) -> str:
        if self.uk:
            return mark("FAX", self._uk_number("land"))
        return mark("FAX", self._fresh(lambda: self._us_number(style or self.pick(["paren", "dash", "dot"]))))

    def mrn(self, style: str | None = None) -> str:
        def make() -> str:
            choice = style or self.pick(["plain8", "dash", "E", "nine", "short"])
            return {
                "plain8": f"{self.n(0, 99_999_999):08d}",
                "dash": f"{self.n(10, 99)}-{self.n(10, 99)}-{self.n(0, 9999):04d}",
                "E": f"E{self.n(1_000_000, 9_999_999)}",
                "nine": f"{self.n(0, 999_999_999):09d}",
                "short": str(self.n(100_000, 9_999_999)),
                "three": f"{self.n(100, 999)}-{self.n(100, 999)}-{self.n(100, 999)}",
                "uk": f"{self.pick(['RX', 'K', 'H', 'J'])}{self.n(100_000, 9_999_999)}",
            }[choice]
        return mark("MRN", self._fresh(make))

    def ssn(self, style: str = "dash") -> str:
        raw = self._fresh(self.fake.ssn)
        return mark("SSN", raw if style == "dash" else raw.replace("-", " " if style == "space" else ""))

    def plan_id(self, style: str | None = None) -> str:
        letters = "ACDEFGHJKMNPQRTUVWXY"

        def mbi() -> str:
            chars = [str(self.n(1, 9)), self.pick(letters), self.pick(letters + "0123456789"), str(self.n(0, 9)),
                     self.pick(letters), self.pick(letters + "0123456789"), str(self.n(0, 9)), self.pick(letters),
                     self.pick(letters), str(self.n(0, 9)), str(self.n(0, 9))]
            return "".join(chars[:4]) + "-" + "".join(chars[4:7]) + "-" + "".join(chars[7:])

        def make() -> str:
            choice = style or self.pick(["alpha", "medicaid", "dashed"])
            return {
                "alpha": "".join(self.pick(letters) for _ in range(3)) + f"{self.n(0, 999_999_999):09d}",
                "mbi": mbi(),
                "medicaid": f"{self.n(10_000_000, 99_999_999)}{self.pick(letters)}",
                "dashed": f"{self.n(100, 999)}-{self.n(1000, 9999)}-{self.n(10, 99)}",
                "suffix": f"{self.n(100_000_000, 999_999_999)}-0{self.n(1, 4)}",
            }[choice]
        return mark("HEALTH_PLAN_ID", self._fresh(make))

    def account(self, style: str | None = None) -> str:
        def make() -> str:
            choice = style or self.pick(["fin", "har", "long"])
            return {
                "fin": str(self.n(1_000_000, 99_999_999)),
                "har": f"{self.n(10_000_000_000, 99_999_999_999)}",
                "long": f"{self.n(100, 999)}{self.n(1_000_000, 9_999_999)}",
            }[choice]
        return mark("ACCOUNT", self._fresh(make))

    def licence(self, surname: str = "") -> str:
        if self.uk:
            core = (surname.upper() + "99999")[:5]
            born = self.n(40, 99)
            value = f"{core}{born // 10}{self.n(1, 12):02d}{self.n(1, 28):02d}{born % 10}{self.pick('ABCDJMRST')}{self.pick('ABCDJMRST')}{self.n(1, 9)}{self.pick('ABCDEFGH')}{self.pick('ABCDEFGH')}"
            return mark("LICENSE", value)
        style = self.pick(["dashed", "letter", "spaced"])
        value = {
            "dashed": f"{self.pick('DSWB')}{self.n(100, 999)}-{self.n(1000, 9999)}-{self.n(1000, 9999)}",
            "letter": f"{self.pick('ABCDFGHK')}{self.n(1_000_000, 9_999_999)}",
            "spaced": f"{self.n(100, 999)} {self.n(100, 999)} {self.n(100, 999)}",
        }[style]
        return mark("LICENSE", value)

    def plate(self) -> str:
        return mark("VEHICLE_ID", self._fresh(lambda: self.fake.license_plate()))

    def device(self, pattern: str) -> str:
        return mark("DEVICE_ID", self._fresh(lambda: self.fake.bothify(pattern).upper()))

    def other(self, pattern: str) -> str:
        return mark("OTHER", self._fresh(lambda: self.fake.bothify(pattern).upper()))

    def email(self, person: P | None = None) -> str:
        domains = MAIL_DOMAINS_UK if self.uk else MAIL_DOMAINS_US
        if person is None:
            return mark("EMAIL", self._fresh(self.fake.free_email))
        style = self.n(0, 2)
        first, last = person.first.lower().replace(" ", ""), person.last.lower().replace(" ", "").replace("'", "")
        local = (f"{first}.{last}", f"{first[0]}{last}{self.n(1, 99)}", f"{last}{first[:3]}{self.n(50, 99)}")[style]
        return mark("EMAIL", f"{local}@{self.pick(domains)}")

    def ip(self) -> str:
        return mark("IP", self._fresh(lambda: self.pick([
            f"10.{self.n(0, 255)}.{self.n(0, 255)}.{self.n(1, 254)}",
            f"172.{self.n(16, 31)}.{self.n(0, 255)}.{self.n(1, 254)}",
            f"192.168.{self.n(0, 255)}.{self.n(1, 254)}",
        ])))

    # places ----------------------------------------------------------------------------------
    def city(self) -> str:
        return mark("LOCATION", self._fresh(lambda: self.pick(UK_TOWNS if self.uk else US_CITIES)))

    def address(self, town: bool = True) -> str:
        def make() -> str:
            street = self.fake.street_address().replace("\n", ", ")
            if not town:
                return street
            if self.uk:
                return f"{street}, {self.pick(UK_TOWNS)}, {self.fake.postcode()}"
            if self.n(0, 1):
                city = self.pick(US_CITIES)
                return f"{street}, {city}, {US_CITY_STATES[city]} {self.fake.zipcode()}"
            state = self.fake.state_abbr(include_territories=False, include_freely_associated_states=False)
            return f"{street}, {self.fake.city()}, {state} {self.fake.zipcode()}"
        return mark("ADDRESS", self._fresh(make))

    def employer(self, trade: str | None = None) -> str:
        """An invented employer; with ``trade`` ('Freight', 'Diner') one in that line of work."""
        def make() -> str:
            if trade:
                return f"{self.pick(EMPLOYER_HEADS) if self.n(0, 1) else self.fake.last_name()} {trade}"
            style = self.n(0, 2)
            if style == 0:
                return f"{self.pick(EMPLOYER_HEADS)} {self.pick(EMPLOYER_TAILS)}"
            if style == 1:
                return f"{self.fake.last_name()} & Sons {self.pick(['Plumbing', 'Roofing', 'Masonry', 'Landscaping'])}"
            return self.fake.company()
        return mark("LOCATION", self._fresh(make))

    def place(self, kind: str) -> str:
        """An invented hospital, clinic, pharmacy, school or care home, marked LOCATION."""
        fake = self.fake
        town = lambda: self.pick(UK_TOWNS if self.uk else US_CITIES)  # noqa: E731
        makers: dict[str, Callable[[], str]] = {
            "hospital": lambda: self.pick([f"St. {self.pick(SAINTS)} Medical Center", f"Mercy {town()} Hospital",
                                           f"{fake.last_name()} Memorial Hospital", f"{town()} Regional",
                                           f"{town()} Community Hospital"]),
            "uk_hospital": lambda: self.pick([f"{town()} General Infirmary", f"{town()} Royal Hospital",
                                              f"{fake.last_name()} Park Hospital", f"St {self.pick(SAINTS)}'s Hospital"]),
            "clinic": lambda: self.pick([f"{fake.last_name()} Family Medicine", f"{town()} Internal Medicine Associates",
                                         f"Northside Primary Care of {town()}", f"{fake.last_name()} Street Clinic"]),
            "surgery": lambda: self.pick([f"{fake.last_name()} Road Surgery", f"{town()} Medical Practice",
                                          f"The {fake.last_name()} Health Centre"]),
            "pharmacy": lambda: self.pick([f"{fake.last_name()} Drug", f"{town()} Family Pharmacy",
                                           f"{fake.last_name()}'s Apothecary"]),
            "primary": lambda: (f"{fake.last_name()} Primary School" if self.uk else
                                self.pick([f"{fake.last_name()} Elementary", f"{town()} Elementary School"])),
            "secondary": lambda: self.pick([f"{town()} High School", f"{fake.last_name()} High School",
                                            f"{fake.last_name()} Academy"]),
            "care_home": lambda: self.pick([f"{fake.last_name()} Manor", f"{fake.last_name()} Gardens Care Center",
                                            f"Sunrise of {town()}", f"{fake.last_name()} House Nursing Home"]),
            "rehab": lambda: self.pick([f"{town()} Rehabilitation Hospital", f"{fake.last_name()} Post-Acute Care",
                                        f"{fake.last_name()} Transitional Care Unit"]),
            "home_health": lambda: self.pick([f"{fake.last_name()} Home Health", f"{town()} Visiting Nurses",
                                              f"Caring Hands Home Health of {town()}"]),
            "shelter": lambda: self.pick([f"{fake.last_name()} House", f"{town()} Rescue Mission",
                                          f"Hope Harbor of {town()}"]),
        }
        return mark("LOCATION", self._fresh(makers[kind]))

    def portal(self) -> str:
        host = self.pick(["mychart", "portal", "myhealth", "patientportal"])
        org = self.pick(["mercyhealth", "stvincents", "valleyregional", "lakeshorehealth", "prairiecare"])
        return mark("URL", f"https://{host}.{org}.org/{self.pick(['MyChart/Messages', 'visit', 'records'])}/{self.fake.bothify('??##?#??#').lower()}")


EnNote = tuple[str, str, str]  # (department, note type, source with marks)
EN_NOTES: list[tuple[str, str, Callable[[En], EnNote]]] = []


def en_note(slug: str, locale: str = "en_US") -> Callable[[Callable[[En], EnNote]], Callable[[En], EnNote]]:
    def register(builder: Callable[[En], EnNote]) -> Callable[[En], EnNote]:
        EN_NOTES.append((slug, locale, builder))
        return builder
    return register


# --- English notes ----------------------------------------------------------------------------------


@en_note("ed-triage-chest-pain")
def en_ed_chest_pain(c: En) -> EnNote:
    pt = c.person("M", "es")
    wife = c.person("F", "es", last=pt.last)
    doc, rn = c.person(), c.person("F")
    middle = c.faker("es_MX").first_name_male()
    return "emergency", "ED triage note", note(f"""
        ED TRIAGE {c.clock()}   ESI 2
        {pt.mid(plain(middle))}, 45M, walked in with wife {wife.f}. MRN {c.mrn("plain8")}.
        CC: chest pressure x 2 hrs, started while unloading a trailer at work ({c.employer("Freight")}, {c.city()}). Radiates to L jaw. Diaphoretic, nauseated, no syncope.
        PMH HTN, high cholesterol (stopped atorvastatin "a while ago"), smokes 1 ppd x 25 yrs. Meds: lisinopril 20 daily.
        VS: BP 168/94  HR 102  RR 20  SpO2 96% RA  T 36.8  pain 7/10
        ECG at triage (4 min from arrival) shown to Dr. {doc.l} - inferior ST changes, STEMI alert activated.
        ASA 324 mg chewed. IV x2 placed. To resus bay 2.
        Pt prefers Spanish - interpreter line used for triage. Wife's cell {c.phone("paren")}.
        Triage RN {rn.fi}
    """)


@en_note("ed-triage-fall-elderly")
def en_ed_fall(c: En) -> EnNote:
    age = c.n(91, 97)
    pt = c.person("F")
    daughter, nurse = c.person("F"), c.person()
    return "emergency", "ED triage note", note(f"""
        TRIAGE NOTE  {c.date(0, "iso")} {c.clock()}
        Pt: {pt.rev}   DOB {c.dob(age, "mdy")}   Age {c.old(age)}
        BIBA from {c.place("care_home")} after unwitnessed fall in bathroom ~0500, found on floor by night aide. Baseline: walks with a walker, mild dementia, oriented to self.
        Hit L side of head. On apixaban for AF.
        Glasgow Coma Scale 14 (E4 V4 M6), staff say this is her usual. L hip pain, leg shortened and externally rotated.
        VS BP 104/62, HR 88 irreg, RR 18, SpO2 94% RA, FS glucose 142.
        Daughter {daughter.full} (health care proxy) notified by facility, on her way, cell {c.phone("dash")}.
        Facility charge nurse {nurse.full} at {c.phone("paren")} for MAR / baseline.
        High pressure injury risk - air mattress requested. ESI 2.
    """)


@en_note("ed-triage-paediatric-asthma")
def en_ed_asthma(c: En) -> EnNote:
    child, nick = c.nicknamed("F")
    mom = c.person("F", last=child.last)
    pcp = c.person()
    return "paediatrics", "ED triage note", note(f"""
        PEDS ED TRIAGE
        {child.full} (goes by "{nick}"), 7 y/o F, here with mother {mom.full}.
        Wheeze and cough since last night, albuterol MDI x4 puffs at home every 2-3 h with little relief. Sent home from {c.place("primary")} yesterday with "a cold".
        RR 34, SpO2 91% RA, HR 138, T 37.9. Subcostal retractions, speaking in short phrases.
        No prior PICU admissions. Last oral steroid course {c.date(-c.n(60, 200), "mon_d")}.
        Immunizations UTD per mom. Wt 23.4 kg. Allergy: amoxicillin (rash).
        PCP {pcp.full}, {c.place("clinic")}. Mom's cell {c.phone("dot")}.
        Duoneb started per asthma standing order, MD at bedside.
    """)


@en_note("ed-note-rollover")
def en_ed_rollover(c: En) -> EnNote:
    pt = c.person("M")
    partner, trooper, doc = c.person("F"), c.person("M"), c.person()
    state = c.fake.state()
    return "emergency", "ED physician note", note(f"""
        EMERGENCY DEPARTMENT PHYSICIAN NOTE
        Patient: {pt.full}   MRN: {c.mrn("E")}   FIN: {c.account("fin")}   DOS: {c.date(0, "mdy")}

        HPI: 28 yo restrained driver of a pickup that rolled once after leaving the road at moderate speed, per Trooper {trooper.l} at bedside. +airbag deployment, self-extricated, ambulatory at scene. Complains of L chest wall pain and neck soreness. Denies LOC. Denies EtOH; says he was coming off a 12-hour shift as a lineman for {c.employer("Electric Cooperative")}.
        Vehicle towed - plate {c.plate()}, trooper has report.
        PMH none. NKDA. No anticoagulants.

        Exam: GCS 15. C-collar in place, midline tenderness C6. Seat belt sign across L chest, no abdominal bruising. Chest wall tender L ribs 5-7, equal air entry. Abd soft. FAST negative. Pelvis stable. Strength 5/5 in all four limbs, sensation intact.

        Imaging: CT C-spine - no fracture. CT chest - nondisplaced fractures L ribs 5 and 6, no PTX.
        MDM: cleared C-spine clinically after CT. Pain controlled with acetaminophen + ibuprofen, incentive spirometry taught.
        Belongings: wallet with {state} driver license {c.licence()} - returned to pt. Partner {partner.f} to drive him home.
        Dispo: discharged, rib fracture instructions, return if SOB.
        {doc.full}, MD
    """)


@en_note("discharge-heart-failure")
def en_dc_heart_failure(c: En) -> EnNote:
    pt = c.person("M", "zh")
    son = c.person("M", "zh", last=pt.last)
    att, pcp, np = c.person(), c.person(), c.person("F")
    los = c.n(5, 8)
    return "cardiology", "discharge summary", note(f"""
        DISCHARGE SUMMARY
        {pt.rev}        MRN: {c.mrn("dash")}
        Admit: {c.date(-los, "iso")}   Discharge: {c.date(0, "iso")}
        Attending: {att.full}, MD      PCP: Dr. {pcp.l}, {c.place("clinic")} (fax {c.fax("paren")})

        Principal diagnosis: acute on chronic systolic heart failure (HFrEF, EF 25%)
        Secondary: ischemic cardiomyopathy, CKD stage 3a, type 2 diabetes

        History: 78-year-old man with ICM and CRT-D (serial {c.device("???######?")}) admitted with 5 days of orthopnea, 4 kg weight gain and leg swelling after running out of torsemide.

        Hospital course: IV furosemide 80 mg BID with net negative 6.2 L. Foley catheter placed for strict I/O on admission, removed day 3, voiding well. Creatinine peaked 1.9, back to 1.4 at discharge. Device interrogation: no arrhythmias, BiV pacing 98%. Sacubitril-valsartan restarted at low dose. Seen by diabetes educator.

        Discharge weight 81.3 kg. K 4.4, Cr 1.4.
        Discharge meds: torsemide 40 mg daily, sacubitril-valsartan 24/26 mg BID, carvedilol 6.25 mg BID, spironolactone 12.5 mg daily, insulin glargine 18 units nightly.
        Follow-up: HF clinic {c.date(c.n(6, 10), "mdy_short")} with {np.full}, NP. Remote device transmission in 2 weeks.
        Son {son.f} (lives with pt, {c.phone("dash")}) taught daily weights and 2 g sodium diet.
    """)


@en_note("discharge-hip-fracture")
def en_dc_hip(c: En) -> EnNote:
    age = c.n(90, 96)
    pt = c.person("F")
    son = c.person("M", last=pt.last)
    dil = c.person("F", last=pt.last)
    surgeon, rn = c.person(), c.person("F")
    los = c.n(5, 9)
    return "orthopaedics", "discharge summary", note(f"""
        Discharge Summary - Orthopaedic Surgery
        {pt.full}, {c.old(age)}F      {c.address()}      Acct {c.account("long")}
        Admitted {c.date(-los, "long")}; discharged {c.date(0, "long")}.

        Mrs. {pt.l} is a {c.old(age)}-year-old woman who lives alone and tripped over a rug at home, sustaining a displaced left femoral neck fracture. Her son {son.f} visits daily and found her.
        Procedure: left hip hemiarthroplasty on hospital day 2 by Dr. {surgeon.l}; uncomplicated. EBL 250 mL.
        Course: post-op delirium nights 1-2, managed without antipsychotics. Hb nadir 8.6, no transfusion. Bowels opened day 4. Foley removed POD1.
        Mobility: PT - ambulating 15 m with front-wheeled walker and stand-by assist. Weight bearing as tolerated.
        VTE prophylaxis: enoxaparin 40 mg daily for 28 days total.
        Disposition: {c.place("rehab")} for short-term rehab. Report called to {rn.full}, RN, at {c.phone("paren")}.
        Contacts: son {son.full} {c.phone("dash")}; daughter-in-law {dil.f} is second contact.
        Staples out at 14 days. Ortho clinic follow-up {c.date(c.n(35, 45), "long")}.
    """)


@en_note("discharge-urosepsis")
def en_dc_urosepsis(c: En) -> EnNote:
    pt = c.person("M")
    wife, uro, hosp = c.person("F", last=pt.last), c.person(), c.person()
    los = c.n(4, 7)
    return "internal medicine", "discharge summary", note(f"""
        HOSPITAL DISCHARGE SUMMARY
        Name: {pt.lf}   DOB: {c.dob(67, "mdy")}   MRN {c.mrn("nine")}
        Dates of stay: {c.date(-los, "mdy")} - {c.date(0, "mdy")}
        SSN: {c.ssn()}    Insurance: Medicare MBI {c.plan_id("mbi")}; secondary Heartland Health Plan member {c.plan_id("alpha")}
        Hospitalist: {hosp.full}, MD

        Dx: sepsis secondary to E. coli pyelonephritis / prostatitis; acute urinary retention; BPH.
        Presented with rigors, T 39.4, HR 118, lactate 3.1, retention of 900 mL. Foley catheter placed in ED.
        Frank hematuria on day 2 after the catheter was dislodged and reinserted; managed with a 3-way catheter and continuous bladder irrigation for 24 h, cleared by day 3. Hb stable 12.1 -> 11.4.
        Blood and urine cultures: E. coli, pan-sensitive except ampicillin. Ceftriaxone -> cipro PO, total 14 days.
        Tamsulosin started.
        Discharged WITH Foley catheter (16 Fr). Trial of void in urology clinic with Dr. {uro.l} on {c.date(c.n(7, 12), "long_ord")}.
        Wife {wife.full} shown catheter care and leg bag changes; home number {c.phone("dash")}.
        Will follow up with urology re: trial of void; no cultures pending at discharge.
    """)


@en_note("discharge-newborn")
def en_dc_newborn(c: En) -> EnNote:
    mom = c.person("F", "yo")
    dad = c.person("M", "yo", last=mom.last)
    ped = c.person()
    return "neonatology", "discharge summary", note(f"""
        NEWBORN DISCHARGE SUMMARY
        Baby Boy {mom.l}     MRN {c.mrn("short")}
        Mother: {mom.full}, 31 y/o G2P2, MRN {c.mrn("short")}, blood type O+, GBS negative, serologies negative
        Born {c.date(-2, "mdy")} at 03:12, 39+2 weeks, spontaneous vaginal delivery.
        Apgar 8 and 9 at 1 and 5 minutes. Birth weight 3410 g, length 51 cm, OFC 34.5 cm.
        Nursery course: breastfeeding well, LATCH 8-9. Weight today 3225 g (-5.4%). Voids and stools adequate.
        TcB 9.8 at 40 h - low-intermediate risk, no phototherapy.
        Hearing screen passed both ears. CCHD screen passed. Hep B vaccine and vitamin K given. Newborn screen sent.
        Exam at discharge: normal; hips stable (Barlow and Ortolani negative), red reflex present bilaterally.
        Follow-up with {ped.full}, MD at {c.place("clinic")} on {c.date(1, "mon_d")} for weight check.
        Home: {c.address()}. Father {dad.f} reachable at {c.phone("space")}.
    """)


@en_note("letter-rheumatology", "en_GB")
def en_letter_rheum(c: En) -> EnNote:
    pt = c.person("F")
    gp = c.person()
    consultant = c.person("M")
    return "rheumatology", "clinic letter", note(f"""
        Department of Rheumatology, {c.place("uk_hospital")}
        Tel {c.phone("land")}   Fax {c.fax()}

        Dr {gp.full}
        {c.place("surgery")}
        {c.address()}

        {c.date(0, "dmy_long")}

        Dear Dr {gp.l},

        Re: {pt.full}, DOB {c.dob(58, "dot")}, Hospital No. {c.mrn("uk")}
        {c.address()}

        Diagnosis: seropositive rheumatoid arthritis; Raynaud phenomenon
        Plan: start methotrexate 10 mg weekly, folic acid 5 mg weekly; bloods in 2 weeks

        Thank you for referring this 58-year-old teaching assistant with eight months of early morning stiffness and swelling of the small joints of both hands. She has 6 tender and 4 swollen joints today, DAS28-CRP 4.6. RF and anti-CCP are both strongly positive, CRP 18. Hand X-rays show periarticular osteopenia without erosions. Schirmer test was normal and she has no sicca symptoms.

        We discussed methotrexate at length, including alcohol limits and contraception, and she would like to start. I have given her a depot of methylprednisolone 120 mg IM today. Our specialist nurse will ring her on {c.phone("mobile")} to arrange monitoring bloods, and she can reach the advice line on the number above.

        I will see her again in three months.

        Yours sincerely,

        {consultant.full}
        Consultant Rheumatologist

        cc: {pt.full} (patient)
    """)


@en_note("letter-neurology-parkinson")
def en_letter_neuro(c: En) -> EnNote:
    pt = c.person("F", "pl")
    husband = c.person("M", "pl", last=pt.last)
    pcp, neuro = c.person(), c.person()
    return "neurology", "clinic letter", note(f"""
        {c.place("hospital")} - Movement Disorders Clinic
        {c.date(0, "long")}

        {pcp.full}, MD
        {c.place("clinic")}
        Fax: {c.fax("dot")}

        Dear Dr. {pcp.l},

        I saw your patient {pt.full} (DOB {c.dob(71, "mdy_short")}) again today for follow-up of Parkinson disease, diagnosed four years ago. She came with her husband, {husband.f}.

        She reports wearing-off about 3.5 hours after each carbidopa-levodopa dose, with slowness and foot cramping before the next dose, and mild peak-dose dyskinesia in the afternoon. No falls since her last visit; she uses a cane outdoors. Sleep is fragmented and her husband describes dream enactment. Mood is fair. She retired from {c.employer()} last year.

        On exam she has moderate bradykinesia, rigidity greater on the right and a rest tremor of the right hand. Hoehn and Yahr stage 2.5. MDS-UPDRS part III 31 in the ON state. Orthostatic BP 132/78 lying, 118/72 standing. MoCA 26/30.

        Plan: carbidopa-levodopa 25/100 changed to 1.5 tablets five times daily; add entacapone 200 mg with each dose if wearing-off persists. Melatonin 3 mg at night. Referral to PT for LSVT BIG. Return in 4 months or sooner if needed; our nurse line is {c.phone("paren")}.

        Sincerely,
        {neuro.full}, MD, Movement Disorders Neurology
    """)


@en_note("letter-endocrine-graves", "en_GB")
def en_letter_graves(c: En) -> EnNote:
    pt = c.person("F")
    gp, doc = c.person(), c.person()
    return "endocrinology", "clinic letter", note(f"""
        Endocrinology Outpatients - {c.place("uk_hospital")}
        Clinic date: {c.date(0, "dmy_abbr")}    Typed: {c.date(3, "dmy_abbr")}
        Hosp no: {c.mrn("uk")}

        Dear Dr {gp.l}

        {pt.full}  DOB {c.dob(34, "dmy")}
        Mobile {c.phone("mobile")}

        Diagnosis: Graves' disease (TRAb positive), mild active thyroid eye disease

        Thank you for asking me to see this 34-year-old woman, who works as a pharmacy dispenser at {c.place("pharmacy")}, with weight loss, palpitations and tremor over two months. Free T4 was 41 pmol/L with a suppressed TSH and a positive TSH receptor antibody, which confirms Graves' disease rather than the thyrotoxic phase of Hashimoto thyroiditis. She has mild lid retraction and grittiness, CAS 2/7, no diplopia.

        She has started carbimazole 30 mg daily and propranolol 40 mg three times a day. I have explained the small risk of agranulocytosis and given her the written warning: stop and have an urgent full blood count with any sore throat or fever. She does not smoke. She is not planning a pregnancy this year and understands she must tell us if that changes.

        She will have thyroid function checked in 4 weeks and I will see her in 6 weeks. I have referred her to the joint thyroid eye clinic.

        Kind regards

        Dr {doc.full}
        Specialty Registrar in Diabetes and Endocrinology
    """)


@en_note("nursing-handover-ward")
def en_handover_ward(c: En) -> EnNote:
    age = c.n(92, 98)
    p1, nick = c.nicknamed("F")
    son = c.person("M", last=p1.last)
    p2 = c.person("M")
    wife2 = c.person("F")
    p3 = c.person("F")
    rn1, rn2 = c.person("F"), c.person()
    return "general medicine", "nursing handover", note(f"""
        Handover 4 West - nights to days - {c.date(0, "md")}
        Bed 12 - {p1.full} ("{nick}"), {c.old(age)}F. Day 3 post ORIF R wrist. Confused overnight, pulled at IV x1, redirected easily. Foley catheter in situ, draining clear yellow 40-60 mL/h. Mobilises with walker + 1. Son {son.f} visiting at 10, wants an update from the team, his number is on the whiteboard ({c.phone("dash")}).
        Bed 14 - {p2.full}, 52M, DKA resolving, insulin drip off at 0200, now on sc basal-bolus, BGs 8-11. Wife {wife2.f} bringing his CPAP from home - machine serial {c.device("##??####")} needs biomed safety check before use.
        Bed 15 - {p3.rev}, 67F, ?PE, CTPA booked 0900, on treatment-dose enoxaparin. Pain 3/10. No concerns overnight.
        Will follow up: bed 12 INR, bed 15 CTPA result.
        Handed over by {rn1.f} to {rn2.f}.
    """)


@en_note("nursing-handover-icu")
def en_handover_icu(c: En) -> EnNote:
    pt = c.person("M", "ie")
    wife = c.person("F", "ie", last=pt.last)
    brother = c.person("M", "ie", last=pt.last)
    chaplain, rn = c.person(), c.person()
    return "intensive care", "nursing handover", note(f"""
        ICU SBAR HANDOVER - Bed 6 - {c.date(0, "mdy")} 19:00
        S: {pt.full}, 61M, day 4 intubated for severe CAP with ARDS.
        B: COPD, ex-smoker, works as a long-haul driver for {c.employer("Trucking")}. Sputum grew Streptococcus pneumoniae.
        A: Neuro - propofol + fentanyl, RASS -3; Glasgow Coma Scale not assessable while sedated, pupils 3 mm reactive. Resp - PC 18/PEEP 12, FiO2 0.45, P/F 168, proned 16 h today. CVS - norepinephrine 0.08 mcg/kg/min, MAP 66-72, Swan-Ganz not used, A-line R radial. Renal - Foley catheter, UO 35-50 mL/h, Cr 1.3. GI - OGT feeds at goal. Skin - Braden 11, sacrum intact, face pressure areas from proning checked. Lines - R IJ CVC day 4.
        R: wean norepi as tolerated, SAT/SBT in AM if FiO2 < 0.4, repeat ABG 22:00.
        Family: wife {wife.full} is NOK, cell {c.phone("dash")}, brother {brother.f} also visited. Chaplain {chaplain.full} saw family this afternoon.
        Given by {rn.full}, RN.
    """)


@en_note("telephone-refill")
def en_phone_refill(c: En) -> EnNote:
    pt = c.person("F")
    doc, ma = c.person(), c.person("F")
    return "primary care", "telephone encounter", note(f"""
        Telephone Encounter
        Date/time: {c.date(0, "mdy_short")} 10:42     Caller: patient     Callback: {c.phone("bare")}
        {pt.full} (DOB {c.dob(56, "mdy")}) called requesting refills of metformin 1000 mg BID and lisinopril 20 mg daily. Identity verified with DOB and home address ({c.address()}).
        Last A1c 7.4% on {c.date(-c.n(80, 120), "mdy")}. Last office visit with Dr. {doc.l} 11 weeks ago.
        Pharmacy: {c.place("pharmacy")}, ph {c.phone("paren")}.
        90-day refills sent per protocol. Pt reminded to schedule fasting labs; states she will call back after her shift at {c.employer()}.
        Pt also mentioned an email alert about a portal sign-in she did not make (from IP {c.ip()}) - transferred to IT help desk for password reset.
        {ma.full}, CMA
    """)


@en_note("telephone-daughter-proxy")
def en_phone_daughter(c: En) -> EnNote:
    pt = c.person("M")
    daughter = c.person("F")
    np, rn = c.person("F"), c.person()
    return "primary care", "telephone encounter", note(f"""
        TELEPHONE NOTE - RN triage
        Caller: daughter {daughter.full}, listed on pt's HIPAA release. Ph {c.phone("dot")}.
        Re: {pt.full}, 89 y/o M, MRN {c.mrn("plain8")}.
        Daughter reports her father has been more short of breath for about a week, now sleeping in his recliner, ankles more swollen, weight up "3 or 4 pounds" on his bathroom scale. No chest pain, no fever. Taking furosemide as prescribed, although he skips it on days he goes to church.
        Advised: take furosemide this morning, record weight daily, low salt. ED if SOB at rest, chest pain or confusion.
        Appt booked tomorrow 09:15 with {np.full}, NP.
        Daughter asked for visit notes to be emailed to {c.email(daughter)}; explained we cannot email records, offered portal proxy access instead - proxy invitation sent to that address with pt's verbal consent (pt on the line).
        {rn.full}, RN
    """)


@en_note("telephone-lab-callback")
def en_phone_lab(c: En) -> EnNote:
    pt = c.person("F")
    husband = c.person("M", last=pt.last)
    doc = c.person()
    return "nephrology", "telephone encounter", note(f"""
        Phone call - abnormal result
        Pt: {pt.lf}   DOB {c.dob(63, "dash")}   Result: K 5.9 (hemolyzed? no - repeat sample)
        14:05 called home number {c.phone("paren")} - no answer, no voicemail set up.
        14:10 called mobile {c.phone("one")} - left message asking her to call the clinic back, no details left.
        15:10 pt's husband {husband.f} called back; pt in the shower. With pt's permission on speakerphone: advised to hold spironolactone and lisinopril today, avoid salt substitute, repeat BMP tomorrow AM at {c.place("clinic")} lab. Pt denies palpitations or weakness.
        Will follow up repeat K tomorrow and call pt with result. Routed to Dr. {doc.l}.
    """)


@en_note("referral-cardiology")
def en_referral_cardio(c: En) -> EnNote:
    pt = c.person("M", "vi")
    cardio, pcp = c.person(), c.person()
    return "cardiology", "referral", note(f"""
        OUTPATIENT REFERRAL
        To: {c.place("hospital")} Heart & Vascular, Attn: Dr. {cardio.full}    Fax: {c.fax("dash")}
        From: {pcp.full}, DO - {c.place("clinic")}, {c.address()}    Ph {c.phone("dash")}   Fax {c.fax("dash")}
        Date: {c.date(0, "mdy")}
        Patient: {pt.full}    DOB: {c.dob(54, "mdy")}    Sex: M    Ph: {c.phone("paren")}    Email: {c.email(pt)}
        Language: Vietnamese - interpreter needed
        Insurance: Prairie Mutual PPO, member ID {c.plan_id("alpha")}

        Reason for referral: recurrent palpitations with one episode of presyncope while driving. 48-h Holter: 3 runs of nonsustained VT (max 9 beats), PVC burden 11%. Echo: LVEF 45%, no valvular disease. TSH and electrolytes normal.
        Question: ischemic evaluation? candidate for ablation or ICD?
        Current meds: metoprolol succinate 25 mg daily (started 2 weeks ago), atorvastatin 40 mg.
        Advised not to drive pending evaluation.
        Urgency: within 2 weeks.
    """)


@en_note("referral-physical-therapy")
def en_referral_pt(c: En) -> EnNote:
    pt = c.person("M", "es")
    adjuster, doc = c.person("F"), c.person()
    return "occupational medicine", "referral", note(f"""
        Referral to Physical Therapy - Workers' Compensation
        Patient: {pt.full}     DOB: {c.dob(39, "mdy")}     SSN: {c.ssn("space")}     Phone: {c.phone("dash")}
        Employer: {c.employer("Feed & Supply")}, {c.city()}    Date of injury: {c.date(-c.n(10, 20), "mdy")}
        WC carrier claim #: {c.other("WC-########")}    Adjuster: {adjuster.full} {c.phone("dash")}

        Dx: lumbar strain, L5 radiculopathy (R) - lifting 50-lb sacks of feed at work.
        Findings: SLR positive R at 45 degrees, EHL 4/5 R, reflexes symmetric, no saddle anesthesia.
        MRI L-spine: L5-S1 right paracentral protrusion contacting the S1 nerve root.
        Please evaluate and treat: McKenzie-based program, core stabilization, body mechanics, work conditioning. 2-3x/week for 6 weeks.
        Restrictions: no lifting > 15 lb, no repetitive bending; may return to modified duty.
        Referring: {doc.full}, MD    Signature on file.
    """)


@en_note("radiology-request-ct-head", "en_GB")
def en_radiology_ct(c: En) -> EnNote:
    pt = c.person("F")
    husband = c.person("M", last=pt.last)
    doc = c.person()
    return "radiology", "radiology request", note(f"""
        RADIOLOGY REQUEST - CT HEAD (non-contrast)
        Patient: {pt.rev}   Unit No: {c.mrn("uk")}   DOB: {c.dob(74, "dmy_abbr4")}   Location: ED Majors cubicle 9
        Clinical details: 74F fell down stairs at home this evening, occipital head strike, on warfarin for mechanical mitral valve, INR 3.1. Glasgow Coma Scale 14/15 (confused), vomited x2. ?intracranial haemorrhage. NICE head injury criteria met (anticoagulant, vomiting).
        Pregnancy: not applicable. eGFR 58. Contrast: no. Previous imaging: CT head at {c.place("uk_hospital")} 2019.
        Requesting clinician: Dr {doc.full} (ED registrar), contact via mobile {c.phone("mobile")}.
        Husband {husband.f} is with her in the department.
    """)


@en_note("radiology-request-mri-pacemaker")
def en_radiology_mri(c: En) -> EnNote:
    age = c.n(90, 94)
    pt = c.person("M")
    doc, ep = c.person(), c.person()
    return "radiology", "radiology request", note(f"""
        IMAGING ORDER - MRI Lumbar Spine w/o contrast
        Pt: {pt.full}   Age: {c.old(age)}   MRN: {c.mrn("three")}   Ordering: {doc.full}, MD
        Indication: {c.old(age)} yo M with 6 weeks of progressive bilateral leg pain and heaviness on walking, relieved by sitting; ?lumbar canal stenosis. Considering epidural injection vs surgical opinion.
        SAFETY: pt has a pacemaker. MR-conditional system per pt's device card - generator serial {c.device("???######?")}, RA lead serial {c.device("??#######")}, RV lead serial {c.device("??#######")}. Implanted {c.date(-c.n(700, 1800), "mdy")} at {c.place("hospital")}.
        Device clinic ({c.phone("dash")}) contacted to reprogram to MRI mode before scan; EP on call Dr. {ep.l} aware.
        Prior outside lumbar MRI pushed to our PACS from {c.ip()} - please compare.
        Claustrophobia: mild - may need lorazepam 0.5 mg PO. Weight 74 kg. eGFR 61.
        Pt uses a walker; needs wheelchair transport and help onto the table.
    """)


@en_note("social-work-housing")
def en_sw_housing(c: En) -> EnNote:
    pt = c.person("M")
    landlord, sister, cw, rn, sw = c.person(), c.person("F", last=pt.last), c.person(), c.person("F"), c.person("F")
    state = c.fake.state()
    return "social work", "social work note", note(f"""
        SOCIAL WORK ASSESSMENT - {c.date(0, "mdy")}
        Referral: {rn.full}, RN, for discharge planning - pt disclosed he has nowhere to go.
        Pt: {pt.full}, 51 y/o M, admitted with cellulitis R leg.
        Housing: living in his car for ~3 weeks (2009 Ford Taurus, plate {c.plate()}), parked behind {c.employer("Distribution")} where he works nights as a forklift operator. Was evicted from {c.address()} after rent increase; former landlord {landlord.full} is holding some of his belongings.
        Income: ~$1,400/month. No health insurance. Applications started today for Medicaid and SNAP; pt provided SSN {c.ssn()} and {state} DL {c.licence()}, copies placed in chart with pt's written consent.
        Supports: sister {sister.full} in {c.city()} may offer a couch for a few weeks, ph {c.phone("paren")}; pt gave permission to call her.
        Shelter backup: {c.place("shelter")} intake line {c.phone("dash")}, caseworker {cw.full}.
        Coworkers have started an online fundraiser for him ({mark("URL", "www.gofundme.com/f/help-" + pt.first.lower() + "-get-back-on-his-feet")}).
        Plan: SW to call sister today; wound care supplies + 30-day meds via charity fund; follow-up at free clinic. Pt engaged, agrees with plan.
        {sw.full}, LCSW
    """)


@en_note("social-work-safeguarding-child")
def en_sw_child(c: En) -> EnNote:
    child = c.person("M")
    grandma, teacher, cps, sw = c.person("F", last=child.last), c.person("F"), c.person(), c.person()
    mom = c.person("F")
    return "paediatrics", "social work note", note(f"""
        PEDIATRIC SOCIAL WORK NOTE
        Child: {child.full}, 9 y/o M    MRN {c.mrn("plain8")}    DOB {c.dob(9, "iso")}
        Reason: team concern about unexplained bruises on the back and upper arms noted during admission for asthma exacerbation.
        Collateral: maternal grandmother {grandma.full} ({c.phone("dash")}) has cared for {child.f} most weekends; reports mother {mom.full} started a new relationship a few months ago. School nurse at {c.place("primary")} and homeroom teacher Ms. {teacher.l} report three absences this month and that he has been "withdrawn".
        Child interviewed alone with child life present; he said he fell off his bike. Affect flat, good eye contact.
        Skeletal survey ordered by team. Hotline report made by this writer at 15:40; intake worker {cps.full}, report # {c.other("##-####-#####")}.
        Plan: no discharge until CPS safety assessment complete. Grandmother willing to be a kinship placement; her address {c.address()}.
        {sw.full}, MSW
    """)


@en_note("med-rec-admission")
def en_medrec_admission(c: En) -> EnNote:
    pt = c.person("F")
    pcp, cardio, pharm = c.person(), c.person(), c.person()
    return "pharmacy", "medication reconciliation", note(f"""
        ADMISSION MEDICATION RECONCILIATION
        Patient: {pt.lf}   MRN {c.mrn("E")}   Allergies: sulfa (hives), codeine (vomiting)
        Sources: patient interview, pill bottles brought by pt, dispensing history from {c.place("pharmacy")} ({c.phone("dot")}), PCP list from Dr. {pcp.l} faxed from {c.fax("dot")}.
        Insurance on file: Medicaid ID {c.plan_id("medicaid")}

        1. Apixaban 5 mg BID - prescriber Dr. {cardio.l} (cardiology) - last taken this AM - CONTINUE
        2. Metoprolol tartrate 50 mg BID - takes 25 mg BID "because of dizziness" - clarify with cardiology
        3. Furosemide 40 mg daily - CONTINUE
        4. Levothyroxine 88 mcg daily - CONTINUE
        5. Gabapentin 300 mg TID - pt takes only at bedtime - CHANGE to qHS on inpatient list
        6. Omeprazole 20 mg daily - CONTINUE
        7. OTC: ibuprofen 400 mg PRN knee pain, several times a week - HOLD, advised to avoid with apixaban
        8. Melatonin 5 mg qHS - pt's own supply
        Discrepancies discussed with admitting team; Will re-check dispensing history for a second prescriber of gabapentin.
        {pharm.full}, PharmD
    """)


@en_note("med-rec-brown-bag")
def en_medrec_bag(c: En) -> EnNote:
    pt = c.person("M", "yo")
    doc1, doc2, pharm = c.person(), c.person(), c.person("F")
    return "geriatrics", "medication reconciliation", note(f"""
        Medication review - "brown bag" visit - {c.date(0, "long")}
        Pt {pt.full} brought all bottles in a grocery bag. Fills from two pharmacies: {c.place("pharmacy")} and a mail-order plan.
        - Amlodipine 10 mg daily, Rx# {c.other("#######")}, filled {c.date(-c.n(5, 25), "md")}, prescriber {doc1.init}
        - Amlodipine 5 mg daily, Rx# {c.other("#######")}, filled {c.date(-c.n(30, 50), "md")}, prescriber {doc2.init} - DUPLICATE, pt was taking both
        - Glipizide 10 mg BID - reports shaky, sweaty spells before lunch x3 this month
        - Atorvastatin 40 mg qHS
        - Tamsulosin 0.4 mg qHS
        - Eye drops: latanoprost 1 drop both eyes qHS
        Assessment: duplicate calcium channel blocker (home BP 104/60 today, orthostatic); likely glipizide-related hypoglycemia in a 79-year-old with eGFR 42.
        Plan: stop amlodipine 5 mg bottle (taken from pt with consent for disposal), reduce glipizide to 5 mg daily, notify both prescribers. Pill organizer filled with pt; daughter to check weekly.
        {pharm.full}, PharmD, BCGP
    """)


@en_note("soap-diabetes")
def en_soap_diabetes(c: En) -> EnNote:
    pt = c.person("F", "vi")
    doc = c.person()
    return "primary care", "SOAP note", note(f"""
        SOAP - Diabetes follow-up - {c.date(0, "dmy_abbr4")}
        Pt: {pt.full}   MRN {c.mrn("plain8")}

        S: 48F, T2DM x 6 yrs. Checking sugars twice daily, fasting 140-180. Admits to more rice and sweet tea since starting a night-shift job at {c.employer("Poultry")}. No hypoglycemia. Mild tingling in toes at night.
        O: BP 138/84, BMI 31.2. Foot exam: monofilament reduced at 2 of 10 sites L foot, pulses palpable. A1c 8.9% (prev 7.6%). eGFR 88, UACR 42 mg/g.
        A: T2DM, worsening control; early peripheral neuropathy; moderately increased albuminuria.
        P: Add semaglutide 0.25 mg weekly, titrate monthly. Start lisinopril 5 mg. Continue metformin 1000 mg BID. Diabetes education referral. Podiatry.
        Shift-work meal plan handout sent to pt's portal ({c.portal()}); pt also asked for a copy at {c.email(pt)}. RTC 3 months.
        {doc.full}, MD
    """)


@en_note("soap-uti-haematuria")
def en_soap_uti(c: En) -> EnNote:
    pt = c.person("F")
    np = c.person("F")
    return "urgent care", "SOAP note", note(f"""
        Urgent care visit  {c.date(0, "mdy")}   {pt.rev}   DOB {c.dob(26, "mdy")}
        S: 26F with 2 days of dysuria, frequency and suprapubic pain. No fever, flank pain or vaginal discharge. LMP {c.date(-12, "mdy_short")}. Sexually active, one partner.
        O: T 37.2, HR 84, BP 118/72. Abdomen soft, suprapubic tenderness, no CVA tenderness. Murphy sign negative.
        UA: LE 2+, nitrite +, blood 1+. Frank hematuria not present. Urine hCG negative.
        A: acute uncomplicated cystitis.
        P: nitrofurantoin 100 mg BID x 5 days. Fluids. Return for fever, flank pain or vomiting. Urine culture sent; will call if resistant. Preferred callback {c.phone("dash")}.
        {np.full}, FNP-C
    """)


@en_note("soap-telehealth")
def en_soap_telehealth(c: En) -> EnNote:
    pt = c.person("M")
    doc = c.person("F")
    return "psychiatry", "SOAP note", note(f"""
        TELEHEALTH VISIT (video)
        Patient: {pt.full}   DOB {c.dob(37, "mdy")}   Pt location: home, {c.city()}
        Connection: {c.portal()} - session IP {c.ip()} logged by platform. Pt identity verified by DOB and photo ID.
        S: follow-up for depression; sertraline increased to 100 mg 6 weeks ago. Sleep better, energy improved, PHQ-9 9 (was 17). Back at work at {c.employer()} full time. No SI/HI. Drinks 2-3 beers on weekends.
        O: well groomed on camera, euthymic, linear thought process, good insight.
        A: MDD, single episode, improving.
        P: continue sertraline 100 mg; therapy with counselor every 2 weeks; crisis line reviewed. Next video visit in 8 weeks. Backup phone if video fails: {c.phone("dot")}.
        {doc.full}, MD
    """)


@en_note("soap-sports-knee")
def en_soap_knee(c: En) -> EnNote:
    pt = c.person("F")
    mom, coach, doc = c.person("F", last=pt.last), c.person("M"), c.person()
    return "sports medicine", "SOAP note", note(f"""
        Sports Medicine Clinic - {c.date(0, "long")}
        {pt.full}, 16F, soccer, {c.place("secondary")}. Accompanied by mother {mom.f}.
        S: twisted L knee landing from a header 5 days ago, felt a pop, unable to continue. Swelling within 2 hours. Coach {coach.full} taped it and sent her to the athletic trainer.
        O: marked effusion L knee. Lachman 2B, pivot shift not tolerated, anterior drawer positive. No joint line tenderness. McMurray negative. Neurovascularly intact.
        A: suspected ACL rupture L knee.
        P: MRI L knee; hinged brace and crutches; quad sets and straight leg raises. Ortho sports referral. Out of play. Note for school given. Mom's cell {c.phone("dash")}.
        Mark school sports form: no contact sport until cleared by ortho.
        {doc.full}, MD
    """)


@en_note("ed-note-overdose")
def en_ed_overdose(c: En) -> EnNote:
    pt = c.person("M")
    friend, doc = c.person("M"), c.person()
    return "emergency", "ED physician note", note(f"""
        ED Provider Note
        {pt.full}  {c.date(0, "iso")}  MRN {c.mrn("E")}
        BIBA after friend found him unresponsive in a car outside {c.address()}. Friend ("{friend.f}", also goes by "{mark('NAME', c.pick(['Smokey', 'Tank', 'Boots', 'Red']))}") reports they used fentanyl together; gave 1 dose of intranasal naloxone before EMS arrived. EMS: RR 4, SpO2 70%, pinpoint pupils; second naloxone 2 mg IN with response.
        On arrival: GCS 14, RR 14, SpO2 97% 2L, no signs of aspiration. Car was left at the scene (plate {c.plate()}) per police.
        Identified from his wallet: driver license {c.licence()}. Pt is 33, works in roofing, reports daily fentanyl use for 2 years, tried buprenorphine once.
        Observed 4 h without re-sedation. Offered buprenorphine induction - accepted, COWS 13 at 14:00, 8 mg SL given.
        Dispo: discharged with naloxone kit, bridge script buprenorphine 16 mg/day x 7 days, warm handoff to bridge clinic ({c.phone("paren")}).
        {doc.full}, DO
    """)


@en_note("discharge-stroke")
def en_dc_stroke(c: En) -> EnNote:
    pt = c.person("M", "zh")
    wife = c.person("F", "zh")
    neuro, slp = c.person(), c.person("F")
    los = c.n(4, 6)
    return "neurology", "discharge summary", note(f"""
        DISCHARGE SUMMARY - Stroke Unit
        Patient: {pt.full}    MRN: {c.mrn("plain8")}    Acct: {c.account("har")}
        Admission: {c.date(-los, "dot")}    Discharge: {c.date(0, "dot")}

        Diagnosis: acute ischemic stroke, L MCA (M2) territory, cardioembolic - new atrial fibrillation.
        Presentation: wife {wife.f} found him at breakfast with R face droop and word-finding difficulty, LKW 07:10. NIHSS 7. Glasgow Coma Scale 15. CTA: L M2 occlusion. IV tenecteplase at 08:31, thrombectomy TICI 2b.
        Course: NIHSS 2 at 24 h. MRI: small L insular and frontal infarcts. No hemorrhagic transformation on day-2 CT. Telemetry: paroxysmal AF. Babinski upgoing R on admission, flexor by discharge. Swallow passed after SLP evaluation by {slp.full}.
        Discharge meds: apixaban 5 mg BID (started day 4), atorvastatin 80 mg, lisinopril 10 mg.
        Driving: not to drive for at least 1 month.
        Follow-up: stroke clinic with Dr. {neuro.l} {c.date(c.n(25, 35), "dot")}; outpatient speech therapy.
        Wife's phone {c.phone("dash")}.
    """)


@en_note("letter-paediatric", "en_GB")
def en_letter_paeds(c: En) -> EnNote:
    child = c.person("F")
    mother, father = c.person("F", last=child.last), c.person("M", last=child.last)
    gp, doc = c.person(), c.person()
    return "paediatrics", "clinic letter", note(f"""
        Child Development Centre, {c.place("uk_hospital")}

        {c.date(0, "d_month_y")}

        Dear Dr {gp.l},

        {child.full}   DOB {c.dob(5, "dot")}   Hosp No {c.mrn("uk")}
        {c.address()}

        I reviewed {child.f} today with her mother {mother.full} and father {father.f}. {child.f} has Down syndrome with a repaired AVSD. She is now five and has started reception class at {c.place("primary")}, where she has a one-to-one teaching assistant for part of the day.

        Her speech is developing with Makaton support and she now uses two-word phrases. She walks independently and is beginning to climb stairs with a rail. Her growth is following the Down syndrome centile charts (weight on the 50th, height on the 25th). Her annual thyroid function in {c.date(-c.n(20, 60), "dmy_long")} was normal and her hearing test showed a mild conductive loss on the right, for which she has a review with audiology.

        Parents are managing well. Mum has asked about sleep: she snores loudly and has pauses at night, so I have requested an overnight oximetry study.

        Plan: oximetry; audiology review; cardiology follow-up as planned; see again in 6 months.

        Yours sincerely

        Dr {doc.full}
        Consultant Community Paediatrician
        cc: parents; school nurse team by secure email ({mark("EMAIL", "schoolnursing." + c.pick(UK_TOWNS).lower() + "@nhs.net")})
    """)


@en_note("telephone-home-health")
def en_phone_home_health(c: En) -> EnNote:
    age = c.n(90, 95)
    pt = c.person("F")
    rn, doc, ma = c.person("F"), c.person(), c.person("F")
    return "home health", "telephone encounter", note(f"""
        Phone call from home health
        Caller: {rn.full}, RN, {c.place("home_health")}, ph {c.phone("dash")}, fax {c.fax("dash")}
        Re: {pt.full}, {c.old(age)} y.o. F, DOB {c.dob(age, "mdy")}
        RN at home visit today: sacral wound now 3 x 2.5 cm, stage 3, moderate serous drainage, no odor, periwound intact. Pt eating about half of meals. Weight down 1.5 kg in 2 weeks.
        Agency intake email for signed orders: {c.email()}.
        Requests: order for alginate dressing with foam cover, change every other day; dietitian consult; and signature on the plan of care faxed {c.date(-3, "md")}.
        Routed to Dr. {doc.l}; orders signed and faxed back to agency 16:20.
        {ma.full}, LPN
    """)


@en_note("referral-suspected-cancer", "en_GB")
def en_referral_cancer(c: En) -> EnNote:
    pt = c.person("M")
    wife, gp = c.person("F", last=pt.last), c.person()
    return "oncology", "referral", note(f"""
        URGENT SUSPECTED CANCER REFERRAL - Upper GI
        Referral date: {c.date(0, "dmy")}
        Patient: {pt.lf}   DOB {c.dob(66, "dmy")}   Hosp no (if known): {c.mrn("uk")}
        Address: {c.address()}   Tel: {c.phone("land")}   Mobile: {c.phone("mobile")}
        Interpreter: no. Patient aware this is an urgent referral for suspected cancer: yes. Available for appointment in next 2 weeks: yes, except he is away {c.date(9, "dmy")} - {c.date(12, "dmy")}.

        Clinical details: 66-year-old with 6 weeks of progressive dysphagia to solids, 7 kg weight loss and early satiety. On examination a firm 1.5 cm left supraclavicular node (Virchow node). Hb 104 g/L, MCV 74. No previous OGD.
        PMH: Barrett oesophagus diagnosed 2016, lost to surveillance. Ex-smoker.
        Meds: omeprazole 20 mg daily, ramipril 5 mg.
        Referring GP: Dr {gp.full}, {c.place("surgery")}, tel {c.phone("land")}.
        Next of kin: wife, {wife.full}.
    """)


@en_note("radiology-request-dvt")
def en_radiology_dvt(c: En) -> EnNote:
    pt = c.person("F", "es")
    doc = c.person()
    return "radiology", "radiology request", note(f"""
        US VENOUS DUPLEX LOWER EXTREMITY - LEFT
        Patient: {pt.full}    MRN: {c.mrn("short")}    DOB: {c.dob(44, "mdy")}    Room ED-14
        Reason for exam: L calf swelling and pain x 3 days after a 14-hour drive from {c.city()}. Calf circumference 3 cm > R. Homans sign unreliable - not used. Wells score 2 (DVT likely). D-dimer 1.9.
        On OCP. No prior VTE. Not pregnant (hCG negative).
        Priority: STAT - pt in ED. If positive, page ordering provider {doc.full}, PA-C at {c.phone("dash")}.
        Transport: ambulatory.
    """)


@en_note("social-work-elder")
def en_sw_elder(c: En) -> EnNote:
    age = c.n(94, 99)
    pt = c.person("F")
    niece, neighbor, sw = c.person("F"), c.person("M"), c.person()
    return "social work", "social work note", note(f"""
        SW Progress Note - {c.date(0, "long_ord")}
        Pt: {pt.full}, {c.old(age)}-year-old widow, admitted after being found by neighbor {neighbor.full} on the kitchen floor of her home at {c.address()}. He last saw her well on the evening of the {c.date(-2, "words")}.
        Pt's niece {niece.full} holds durable POA for health care and finances (copy scanned to chart); she lives in {c.city()} and can be reached at {c.phone("paren")} or {c.email(niece)}.
        Pt is alert, knows she is in hospital, repeats that she "just wants to go home". PT/OT recommend 24-h supervision. Home: two-story house, bedroom upstairs, no grab bars. Has a walker she does not use indoors.
        Meeting with niece by phone: niece cannot move in; agrees to tour two assisted living facilities this week. Medicaid application not needed - pt has long-term care insurance (policy {c.plan_id("dashed")}).
        Neighbor checks on her daily and has a spare key.
        Will follow up after niece's tours; tentative discharge to short-term rehab meanwhile.
        {sw.full}, LMSW
    """)


@en_note("med-rec-transfer-insulin-pump")
def en_medrec_pump(c: En) -> EnNote:
    pt = c.person("M")
    endo, pharm = c.person(), c.person("F")
    return "endocrinology", "medication reconciliation", note(f"""
        TRANSFER MEDICATION RECONCILIATION
        Transferred from: {c.place("hospital")} (outside MRN {c.mrn("nine")})    Our MRN: {c.mrn("plain8")}
        Patient: {pt.full}, 24M, type 1 diabetes, admitted there with DKA, transferred for surgical management of perforated appendicitis.
        Home devices: insulin pump serial {c.device("??#######?")}, CGM transmitter ID {c.device("8??###")}. Pump SUSPENDED in OR; insulin drip per protocol. Endocrine (Dr. {endo.l}) to advise on resuming pump once eating.
        Pump settings (from device download): basal 0.8 u/h 00:00-06:00, 1.1 u/h 06:00-24:00; ICR 1:10; ISF 1:45; target 110.
        Outside MAR: piperacillin-tazobactam 4.5 g q6h (last dose 11:00), ondansetron PRN, enoxaparin 40 mg (last dose yesterday 21:00 - surgery aware).
        Home meds: none other. Allergies: penicillin listed as "childhood rash" - tolerated pip-tazo at outside hospital, allergy label updated.
        {pharm.full}, PharmD
    """)


@en_note("soap-prenatal")
def en_soap_prenatal(c: En) -> EnNote:
    pt = c.person("F", "es")
    husband = c.person("M", "es")
    mw = c.person("F")
    return "obstetrics", "SOAP note", note(f"""
        Prenatal visit - 28 weeks
        {pt.full}   DOB {c.dob(29, "mdy")}   G3P2002   LMP {c.date(-196, "mdy")}   EDD {c.date(84, "mdy")}
        S: good fetal movement. Occasional tightenings, no leaking fluid or bleeding. Husband {husband.f} present. First two babies born vaginally at term, the second weighed 4.1 kg with Apgar 9 and 9.
        O: BP 112/70, wt 76.4 kg (+9.1 kg), FH 29 cm, FHR 142. Urine neg. 1-h GTT 152 mg/dL (abnormal).
        A: IUP 28w0d; abnormal glucose challenge; Rh negative.
        P: 3-h GTT this week. Rhogam today. Tdap given. Discussed kick counts. Next visit 2 weeks. Pt works as a line cook at {c.employer("Diner")} - note provided for extra breaks.
        {mw.full}, CNM
    """)


@en_note("ed-triage-dog-bite")
def en_ed_dog_bite(c: En) -> EnNote:
    child = c.person("M")
    dad, owner, officer, rn = c.person("M", last=child.last), c.person(), c.person(), c.person("F")
    return "emergency", "ED triage note", note(f"""
        TRIAGE  {c.date(0, "mdy")}  {c.clock()}
        {child.full}, 11M, with father {dad.full}. Dog bite to R forearm about 1 h ago at a neighbor's house.
        Dog belongs to {owner.full}, {c.address()}; owner states rabies vaccine is up to date but no papers. Animal control officer {officer.l} notified by father, case no. {c.other("AC-####-####")}.
        Two puncture wounds + 3 cm laceration R volar forearm, bleeding controlled, fingers warm, full flexion/extension, sensation intact.
        Tetanus last given age 4 per father - due.
        VS: HR 96, BP 108/64, T 36.7, pain 5/10.
        Father's cell {c.phone("dash")}. ESI 4.
        {rn.fi}, RN
    """)


@en_note("discharge-copd-home-oxygen")
def en_dc_copd(c: En) -> EnNote:
    pt = c.person("F")
    pulm, att = c.person(), c.person()
    los = c.n(3, 6)
    return "pulmonology", "discharge summary", note(f"""
        DISCHARGE SUMMARY
        Pt: {pt.full}  |  DOB {c.dob(72, "mdy")}  |  MRN {c.mrn("plain8")}  |  Encounter {c.account("fin")}
        Admitted {c.date(-los, "mdy")}, discharged {c.date(0, "mdy")}.
        Dx: acute exacerbation of COPD (GOLD E) triggered by rhinovirus; chronic hypoxemic respiratory failure.
        Course: nebulized bronchodilators, prednisone 40 mg x 5 days, doxycycline. No BiPAP needed. Ambulatory SpO2 84% RA, 91% on 2 L - qualifies for home oxygen.
        Home O2: 2 L/min continuous via concentrator and portable tanks, supplier delivered to bedside; concentrator serial {c.device("???##########")}. Pt also has home CPAP for OSA, serial {c.device("##########")}; continue nightly.
        Smoking: quit 4 years ago.
        Meds: tiotropium/olodaterol, albuterol PRN, prednisone last dose tomorrow.
        Follow-up: Dr. {pulm.l}, pulmonology, {c.date(c.n(10, 16), "long")}; pulmonary rehab referral.
        {att.full}, MD
    """)


@en_note("nursing-home-visit")
def en_nursing_home_visit(c: En) -> EnNote:
    pt = c.person("M", "pl")
    wife = c.person("F", "pl", last=pt.last)
    rn = c.person("F")
    return "community nursing", "nursing note", note(f"""
        Community nursing visit - {c.date(0, "dmy_abbr4")} 10:30
        Address: {c.address()} (side door, dog in yard - wife will put him away).
        Pt: {pt.full}, 82M, seen for leg ulcer care and catheter review.
        Wife {wife.full} present. Pt in recliner, alert, chatty. Walker at side, using it to get to bathroom.
        R medial gaiter ulcer 4.2 x 3.0 cm (was 4.8 x 3.5), granulating, light exudate. Cleansed, compression re-applied (ABPI 0.9 last month). Long-term Foley catheter changed (16 Fr, 10 mL water, due again in 12 weeks); urine clear.
        Bowels: opened yesterday, Bristol type 4.
        Wife managing well but tired; discussed respite options - she will think about it.
        Next visit in 3 days. Wife has the on-call nursing number; her mobile {c.phone("dash")}.
        {rn.full}, RN
    """)


@en_note("letter-psychiatry")
def en_letter_psych(c: En) -> EnNote:
    pt = c.person("M")
    partner, pcp, psych = c.person("F"), c.person(), c.person("F")
    return "psychiatry", "clinic letter", note(f"""
        {c.date(0, "long")}

        Dear Dr. {pcp.l},

        RE: {pt.full}    DOB: {c.dob(41, "mdy")}    MRN: {c.mrn("dash")}

        Thank you for referring Mr. {pt.l}, a 41-year-old warehouse manager at {c.employer("Logistics")}, whom I assessed today for low mood following the loss of his father. He describes three months of low mood, early waking, poor concentration at work and loss of interest in cycling. He has had passive thoughts that he would be "better off asleep and not waking up" but no plans or intent, and protective factors include his two children and his partner, {partner.f}. There is no history of mania or psychosis. He drinks four to six beers most evenings, which has increased since the bereavement.

        On examination he was tearful at times but engaged; no psychotic features. PHQ-9 was 18 and AUDIT 14.

        Impression: major depressive disorder, moderate, with hazardous alcohol use. This is complicated grief rather than normal bereavement given the duration and functional impact.

        Plan: escitalopram 10 mg daily, increasing to 20 mg after two weeks if tolerated; brief alcohol intervention given, with a goal of alcohol-free weekdays; referral to grief-focused therapy. Safety plan completed and a copy given to him. I will see him in four weeks. Please contact me at {c.phone("paren")} with any concerns.

        With best regards,

        {psych.full}, MD
        Outpatient Psychiatry, {c.place("hospital")}
    """)


@en_note("telephone-after-hours")
def en_phone_after_hours(c: En) -> EnNote:
    child = c.person("F")
    mom, rn, doc = c.person("F"), c.person(), c.person()
    return "paediatrics", "telephone encounter", note(f"""
        After-hours triage call  {c.date(0, "month_ord")}  22:47
        Caller: {mom.full} (mother), callback {c.phone("plus")}
        Child: {child.full}, 14 months, DOB {c.date(-c.n(426, 440), "mdy")}, pt of Dr. {doc.l}
        Fever to 39.6 since this afternoon, pulling at R ear, drinking less but 4 wet diapers today. No rash, no difficulty breathing, consolable, playing between doses of acetaminophen.
        Protocol: fever, 3-36 months. No emergent symptoms.
        Advice: ibuprofen 100 mg (5 mL of 100 mg/5 mL) q6-8h as needed, fluids, check for rash; call back or go to ED if lethargic, not drinking, fewer than 3 wet diapers in 24 h or fever > 5 days.
        Office to call family in the morning for a sick visit.
        {rn.full}, RN
    """)


@en_note("discharge-whipple")
def en_dc_whipple(c: En) -> EnNote:
    pt = c.person("M")
    wife, surgeon, onc = c.person("F", last=pt.last), c.person(), c.person("F")
    los = c.n(8, 12)
    return "general surgery", "discharge summary", note(f"""
        SURGICAL DISCHARGE SUMMARY
        Patient: {pt.rev}   MRN {c.mrn("E")}   DOB {c.dob(64, "iso")}
        Surgeon: {surgeon.full}, MD, FACS
        Admitted {c.date(-los, "iso")}; discharged {c.date(0, "iso")}
        Procedure ({c.date(-los, "iso")}): pylorus-preserving pancreaticoduodenectomy (Whipple procedure) for 2.8 cm adenocarcinoma of the pancreatic head.
        Post-op: delayed gastric emptying until POD 6, managed with NG decompression and erythromycin. Jackson-Pratt drain amylase day 3: 96 U/L - no pancreatic leak; drain removed POD 5. Wound healing, staples in.
        Pathology: pT2N1, margins negative, 2/18 nodes.
        Discharge: tolerating soft diet with pancrelipase 36,000 units with meals. Enoxaparin 40 mg daily x 4 weeks. Oxycodone 5 mg PRN (12 tablets).
        Follow-up: surgery clinic {c.date(c.n(10, 14), "mdy")} for staple removal; medical oncology with Dr. {onc.l} re adjuvant chemotherapy.
        Wife {wife.f} will give the enoxaparin injections; taught and demonstrated. Contact {c.phone("paren")}.
    """)


@en_note("ed-triage-centenarian")
def en_ed_centenarian(c: En) -> EnNote:
    age = c.n(100, 103)
    pt = c.person("F")
    grandson, rn = c.person("M", last=pt.last), c.person("F")
    day = c.day(-c.n(3, 20))
    return "emergency", "ED triage note", note(f"""
        ED triage - {c.clock()}
        {pt.full}, {c.old(age)} years old, from home with grandson {grandson.full}, who lives with her.
        Decreased intake and more sleepy for 2 days, new urinary incontinence. Baseline: lives downstairs, walks with a frame, manages her own tea and toast, sharp "as a tack" per grandson. She told triage her birthday was the {mark("DATE", En.fmt(day, "words"))}, "and I had cake".
        PMH: CKD, hypothyroid, cataracts. Meds per grandson: levothyroxine, furosemide 20 mg, docusate. DNR/DNI form brought - copy to chart.
        VS: T 38.1, HR 104, BP 98/54, RR 22, SpO2 93% RA. Dry mucous membranes. GCS 14.
        Sepsis screen positive - MD notified, to bed 5. Grandson's number {c.phone("dash")}.
        {rn.full}, RN
    """)


# --- Chinese ---------------------------------------------------------------------------------------

COMPOUND_SURNAMES = ("欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "慕容", "司徒", "夏侯")
ZH_PLACES = ("霁川", "澈州", "岫城", "漪安", "珩阳", "溱州", "沄江", "棠溪", "璟城", "泠水", "雩山", "蘅州")
ZH_COMMUNITIES = ("锦绣花园", "阳光家园", "翠湖苑", "金桂园", "和平里", "枫林小区", "新华小区", "滨江一号")
ZH_TOWNS = ("柳河", "石桥", "王庄", "李家店", "马坊", "黄集", "高店", "双河")
ZH_VILLAGES = ("张家", "刘营", "前进", "东升", "杨柳", "陈庄", "周家湾", "后沟")
ZH_AREA_CODES = ("010", "021", "022", "023", "0571", "0731", "0551", "0371", "0311", "0531", "0791", "0851")
ZH_EMPLOYER_KINDS = ("机械厂", "纺织厂", "物流有限公司", "建筑工程公司", "食品有限公司", "供电公司", "汽车客运站",
                     "农商银行", "自来水公司", "第二建筑公司", "化工厂", "百货大楼")
CN_DIGITS = "〇一二三四五六七八九"


def cn_number(value: int) -> str:
    """1-99 in Chinese numerals, as written in dates and ages (三, 十二, 二十三)."""
    tens, ones = divmod(value, 10)
    text = ("" if tens == 0 else ("十" if tens == 1 else CN_DIGITS[tens] + "十"))
    return text + (CN_DIGITS[ones] if ones else "") if value else "〇"


@dataclass(frozen=True)
class ZP:
    """A person in a Chinese note; every property is the marked text."""

    surname: str
    given: str
    sex: str  # 男 or 女

    @property
    def full(self) -> str:
        return mark("NAME", self.surname + self.given)

    @property
    def s(self) -> str:
        """The surname alone, for 王女士, 李医生, 老王, 小李."""
        return mark("NAME", self.surname)

    @property
    def g(self) -> str:
        return mark("NAME", self.given)


class Zh:
    """Draws for one Chinese note: its own seeded ``random.Random`` and Faker (zh_CN)."""

    def __init__(self, seed: int) -> None:
        self.rng, self.fake = seeded(seed, "zh_CN")
        self.used: set[str] = set()
        self.today = date(2023, 1, 9) + timedelta(days=self.rng.randint(0, 900))

    def pick(self, options):  # type: ignore[no-untyped-def]
        return self.rng.choice(list(options))

    def n(self, lo: int, hi: int) -> int:
        return self.rng.randint(lo, hi)

    def clock(self) -> str:
        return f"{self.n(0, 23):02d}:{self.n(0, 59):02d}"

    def _fresh(self, make: Callable[[], str]) -> str:
        for _ in range(200):
            value = make().strip()
            if value and value not in self.used:
                self.used.add(value)
                return value
        raise RuntimeError("could not draw a fresh value")

    # people ----------------------------------------------------------------------------------
    def _given(self, sex: str) -> str:
        while True:
            name = self.fake.first_name_male() if sex == "男" else self.fake.first_name_female()
            if not (sex == "男" and name == "红霞"):
                return name

    def person(self, sex: str | None = None, surname: str | None = None, compound: bool = False) -> ZP:
        sex = sex or self.pick("男女")
        for _ in range(200):
            family = surname or (self.pick(COMPOUND_SURNAMES) if compound else self.fake.last_name())
            given = self._given(sex)
            if family + given not in self.used and given not in self.used:
                self.used.update({family + given, given})
                return ZP(family, given, sex)
        raise RuntimeError("could not draw a distinct name")

    # dates -----------------------------------------------------------------------------------
    def day(self, offset: int = 0) -> date:
        return self.today + timedelta(days=offset)

    @staticmethod
    def fmt(day: date, style: str) -> str:
        return {
            "ymd": f"{day.year}年{day.month}月{day.day}日",
            "ymd0": f"{day.year}年{day.month:02d}月{day.day:02d}日",
            "ymd_hao": f"{day.year}年{day.month}月{day.day}号",
            "iso": day.isoformat(),
            "slash": f"{day.year}/{day.month}/{day.day}",
            "dot": f"{day.year}.{day.month:02d}.{day.day:02d}",
            "compact": f"{day.year}{day.month:02d}{day.day:02d}",
            "md": f"{day.month}月{day.day}日",
            "mdh": f"{day.month}月{day.day}号",
            "md_dot": f"{day.month}.{day.day}",
            "cn": "".join(CN_DIGITS[int(d)] for d in str(day.year)) + f"年{cn_number(day.month)}月{cn_number(day.day)}日",
        }[style]

    def date(self, offset: int = 0, style: str = "ymd") -> str:
        return mark("DATE", self.fmt(self.day(offset), style))

    def born(self, age: int) -> date:
        return date(self.today.year - age, self.today.month, min(self.today.day, 28)) - timedelta(days=self.n(1, 330))

    def dob(self, age: int, style: str = "ymd") -> str:
        return mark("DATE", self.fmt(self.born(age), style))

    @staticmethod
    def old(age: int, numerals: bool = False) -> str:
        return mark("AGE_OVER_89", (cn_number(age) if numerals else str(age)) + "岁")

    # numbers ---------------------------------------------------------------------------------
    def mobile(self, style: str | None = None) -> str:
        def make() -> str:
            raw = self.fake.phone_number()
            choice = style or self.pick(["bare", "bare", "dash", "space"])
            return {
                "bare": raw,
                "dash": f"{raw[:3]}-{raw[3:7]}-{raw[7:]}",
                "space": f"{raw[:3]} {raw[3:7]} {raw[7:]}",
                "plus": f"+86 {raw[:3]} {raw[3:7]} {raw[7:]}",
            }[choice]
        return mark("PHONE", self._fresh(make))

    def landline(self, area: str | None = None, label: str = "PHONE") -> str:
        def make() -> str:
            code = area or self.pick(ZH_AREA_CODES)
            digits = 8 if len(code) == 3 else self.pick([7, 8])
            local = str(self.n(2, 8)) + "".join(str(self.n(0, 9)) for _ in range(digits - 1))
            return self.pick([f"{code}-{local}", f"({code}){local}", f"{code} {local}"])
        return mark(label, self._fresh(make))

    def id_number(self, age: int, male: bool, born: date | None = None) -> str:
        def make() -> str:
            area = self.fake.ssn()[:6]
            sequence = self.n(0, 99) * 10 + self.pick((1, 3, 5, 7, 9) if male else (0, 2, 4, 6, 8))
            first17 = f"{area}{born or self.born(age):%Y%m%d}{sequence:03d}"
            return first17 + resident_id_check_digit(first17)
        return mark("ID_NUMBER", self._fresh(make))

    def plan_id(self, style: str | None = None) -> str:
        def make() -> str:
            choice = style or self.pick(["card", "letter", "long"])
            return {
                "card": f"{self.n(1000, 6599)} {self.n(0, 9999):04d} {self.n(0, 9999):04d} {self.n(0, 9999):04d}",
                "letter": f"{self.pick('ABCDEFGHJK')}{self.pick('ABCDEFGHJK')}{self.n(100_000_000, 999_999_999)}",
                "long": f"{self.n(11, 65)}{self.n(0, 9999):04d}{self.n(0, 99_999_999):08d}",
            }[choice]
        return mark("HEALTH_PLAN_ID", self._fresh(make))

    def mrn(self, style: str | None = None) -> str:
        def make() -> str:
            choice = style or self.pick(["seven", "year", "Z"])
            day = self.today
            return {
                "seven": f"{self.n(0, 9_999_999):07d}",
                "year": f"{day.year % 100}{self.n(0, 999_999):06d}",
                "Z": f"Z{self.n(0, 99_999_999):08d}",
                "dated": f"{day.year}{day.month:02d}{day.day:02d}{self.n(1, 999):03d}",
                "zero": f"{self.n(0, 9_999_999):010d}",
                "card": f"{self.n(1000, 9999)} {self.n(1000, 9999)} {self.n(1000, 9999)}",
                "P": f"P{self.n(0, 999_999_999):09d}",
                "dash": f"{day.year}-{self.n(1, 99_999):05d}",
            }[choice]
        return mark("MRN", self._fresh(make))

    def account(self) -> str:
        return mark("ACCOUNT", self._fresh(lambda: f"{self.n(6210, 6230)}{self.n(0, 999_999_999_999):012d}"))

    def plate(self) -> str:
        def make() -> str:
            raw = self.fake.license_plate()  # like 川Q-73806
            head, tail = raw[:2], raw[-5:]
            return self.pick([f"{head}·{tail}", f"{head}{tail}", f"{head} {tail}"])
        return mark("VEHICLE_ID", self._fresh(make))

    def device(self, pattern: str) -> str:
        return mark("DEVICE_ID", self._fresh(lambda: self.fake.bothify(pattern).upper()))

    def other(self, make: Callable[[], str]) -> str:
        return mark("OTHER", self._fresh(make))

    def qq(self) -> str:
        return self.other(lambda: str(self.n(10_000_000, 2_999_999_999)))

    def wechat(self) -> str:
        return self.other(lambda: self.pick([
            "wxid_" + self.fake.bothify("??##?#?###??#?").lower(),
            f"{self.fake.user_name()}_{self.n(1960, 2005)}",
            f"{self.fake.user_name()}{self.n(100, 999)}",
        ]))

    def email(self) -> str:
        return mark("EMAIL", self._fresh(lambda: self.pick([
            f"{self.fake.user_name()}@163.com", f"{self.n(10_000_000, 2_999_999_999)}@qq.com",
            f"{self.fake.user_name()}@126.com", self.fake.free_email(),
        ])))

    def ip(self) -> str:
        return mark("IP", self._fresh(lambda: self.pick([
            f"10.{self.n(0, 255)}.{self.n(0, 255)}.{self.n(1, 254)}",
            f"172.{self.n(16, 31)}.{self.n(0, 255)}.{self.n(1, 254)}",
            f"192.168.{self.n(0, 255)}.{self.n(1, 254)}",
        ])))

    # places ----------------------------------------------------------------------------------
    def _city_name(self) -> str:
        while True:
            name = self.fake.city_name()
            if name not in ("台北", "香港", "澳门"):
                return name

    def _province(self) -> str:
        while True:
            province = self.fake.province()
            if "特别行政区" not in province and not province.startswith("台湾"):
                return province

    def address(self, style: str | None = None) -> str:
        def make() -> str:
            choice = style or self.pick(["urban", "estate", "rural"])
            province = self._province()
            city = "" if province.endswith("市") else f"{self._city_name()}市"
            district = f"{self.fake.district()}区"
            if choice == "urban":
                return (f"{province}{city}{district}{self.fake.street_name()}{self.n(1, 399)}号"
                        f"{self.n(1, 30)}栋{self.n(1, 6)}单元{self.n(1, 24)}0{self.n(1, 4)}室")
            if choice == "estate":
                return (f"{city or province}{district}{self.fake.street_name()}{self.pick(ZH_COMMUNITIES)}"
                        f"{self.n(1, 40)}号楼{self.n(1, 3)}门{self.n(1, 18)}0{self.n(1, 6)}")
            if choice == "short":
                return f"{district}{self.fake.street_name()}{self.n(1, 200)}号"
            return (f"{province}{city}{self.fake.district()}县{self.pick(ZH_TOWNS)}镇{self.pick(ZH_VILLAGES)}村"
                    f"{self.n(1, 12)}组{self.n(1, 80)}号")
        return mark("ADDRESS", self._fresh(make))

    def city(self) -> str:
        return mark("LOCATION", self._fresh(lambda: f"{self._city_name()}市"))

    def place(self, kind: str) -> str:
        """An invented hospital, clinic, school, care home or employer, marked LOCATION."""
        town = lambda: self.pick(ZH_PLACES)  # noqa: E731
        makers: dict[str, Callable[[], str]] = {
            "hospital": lambda: self.pick([f"{town()}市第一人民医院", f"{town()}市中心医院", f"{town()}医科大学附属第二医院",
                                           f"{town()}市人民医院", f"{town()}市第三人民医院"]),
            "county": lambda: self.pick([f"{town()}县人民医院", f"{town()}县中医院", f"{town()}县第二人民医院"]),
            "community": lambda: f"{town()}市{self.fake.district()}区{self.pick(['东湖', '北关', '城南', '新村', '西坝'])}街道社区卫生服务中心",
            "township": lambda: f"{town()}县{self.pick(ZH_TOWNS)}镇卫生院",
            "mch": lambda: f"{town()}市妇幼保健院",
            "mental": lambda: f"{town()}市精神卫生中心",
            "rehab": lambda: self.pick([f"{town()}市康复医院", f"{town()}颐养康复中心"]),
            "care_home": lambda: self.pick([f"{town()}市福寿养老院", f"{town()}{self.pick(['夕阳红', '康乐', '松鹤'])}老年公寓"]),
            "kindergarten": lambda: f"{town()}市{self.pick(['蓝天', '向日葵', '小太阳', '育才'])}幼儿园",
            "primary": lambda: self.pick([f"{town()}市实验小学", f"{town()}市{self.pick(['解放路', '人民路', '东风'])}小学"]),
            "secondary": lambda: self.pick([f"{town()}市第十二中学", f"{town()}市第一中学", f"{town()}外国语学校"]),
            "employer": lambda: self.pick([f"{town()}市{self.pick(ZH_EMPLOYER_KINDS)}", self.fake.company(),
                                           f"{town()}{self.pick(ZH_EMPLOYER_KINDS)}"]),
        }
        return mark("LOCATION", self._fresh(makers[kind]))

    def url(self, kind: str = "visit") -> str:
        """A link to an online visit room ('visit') or to images on a PACS viewer ('pacs')."""
        if kind == "pacs":
            return mark("URL", self._fresh(lambda: f"http://10.{self.n(0, 255)}.{self.n(0, 255)}.{self.n(1, 254)}:8080/pacs/viewer?study={self.fake.bothify('##########')}"))
        return mark("URL", self._fresh(lambda: self.pick([
            f"https://hlwyy.{self.pick(['jcrmyy', 'xzzxyy', 'ycfy2', 'taxrmyy'])}.com.cn/consult/{self.fake.bothify('########')}",
            f"https://ycmz.{self.pick(['jczx', 'hzslyy', 'rmyy'])}.cn/room?id={self.fake.bothify('??##??##').lower()}",
        ])))


ZhNote = tuple[str, str, str]  # (department, note type, source with marks)
ZH_NOTES: list[tuple[str, Callable[[Zh], ZhNote]]] = []


def zh_note(slug: str) -> Callable[[Callable[[Zh], ZhNote]], Callable[[Zh], ZhNote]]:
    def register(builder: Callable[[Zh], ZhNote]) -> Callable[[Zh], ZhNote]:
        ZH_NOTES.append((slug, builder))
        return builder
    return register


# --- Chinese notes ---------------------------------------------------------------------------------


@zh_note("outpatient-hypertension")
def zh_op_hypertension(c: Zh) -> ZhNote:
    pt = c.person("男")
    doc = c.person()
    return "心血管内科", "门诊病历", note(f"""
        {c.place("hospital")}门诊病历
        科别：心血管内科门诊　　就诊日期：{c.date(0, "ymd")}
        门诊号：{c.mrn("zero")}　　医保卡号：{c.plan_id("card")}
        姓名：{pt.full}　　性别：男　　年龄：58岁　　联系电话：{c.mobile()}
        工作单位：{c.place("employer")}
        主诉：发现血压升高5年，头晕1周。
        现病史：患者5年前单位体检发现血压150/95mmHg，未规律服药。1周前连续加班后出现头晕、后枕部胀痛，无视物旋转，无肢体麻木无力，无胸闷胸痛。自测血压最高172/104mmHg。
        既往史：否认糖尿病、冠心病史。吸烟20年，每日约15支。父亲有高血压、脑出血病史。
        查体：血压168/98mmHg（左），166/100mmHg（右），心率76次/分，律齐，各瓣膜听诊区未闻及杂音。双下肢无水肿。
        辅助检查：心电图：窦性心律，左心室高电压。
        诊断：高血压病2级（很高危）
        处理：1. 苯磺酸氨氯地平片5mg 口服 每日一次；2. 低盐饮食，戒烟限酒；3. 查血脂、肾功能、尿微量白蛋白、心脏彩超；4. 2周后复诊，带家庭血压记录。
        医师签名：{doc.full}
    """)


@zh_note("outpatient-breast")
def zh_op_breast(c: Zh) -> ZhNote:
    pt = c.person("女")
    doc = c.person()
    return "乳腺外科", "门诊病历", note(f"""
        乳腺外科门诊记录　{c.date(0, "iso")}
        患者{pt.full}，女，42岁，就诊卡号{c.mrn("card")}。
        主诉：双乳周期性胀痛半年。
        现病史：半年来经前1周双乳胀痛，以外上象限为著，月经来潮后缓解，无乳头溢液，未自行触及明确肿物。末次月经{c.date(-c.n(8, 20), "md")}。
        既往史：体健。育有1女，母乳喂养1年。否认乳腺癌家族史。
        查体：双乳对称，皮肤无橘皮样改变，双乳外上象限可触及片状增厚腺体，轻压痛，未触及明确肿块，双腋下未触及肿大淋巴结。
        辅助检查：乳腺彩超：双侧乳腺小叶增生，BI-RADS 2类。
        诊断：乳腺小叶增生
        处理：解释病情，{pt.s}女士较焦虑，已告知属良性改变；乳癖消片口服；保持情绪舒畅；6个月后复查乳腺彩超，如触及肿块随时就诊。
        接诊医师：{doc.full}
    """)


@zh_note("outpatient-paediatric-fever")
def zh_op_child(c: Zh) -> ZhNote:
    child = c.person()
    mother = c.person("女")
    doc = c.person()
    sex = child.sex
    return "儿科", "门诊病历", note(f"""
        儿科门诊病历
        姓名：{child.full}　性别：{sex}　年龄：3岁4个月　门诊号：{c.mrn("dated")}
        陪诊人：其母{mother.full}　电话：{c.mobile("dash")}
        主诉：发热伴咳嗽2天。
        现病史：患儿2天前无明显诱因出现发热，体温最高39.2℃，口服布洛芬混悬液后可降至正常，间隔6～8小时复升。伴阵发性咳嗽，有痰不易咳出，无喘息、抽搐，精神尚可，食欲稍差，小便量可。所在{c.place("kindergarten")}班内近期有多名幼儿类似症状。
        既往史：既往体健，按计划预防接种。否认药物及食物过敏史。
        查体：T 38.6℃，P 128次/分，R 30次/分。咽部充血，双侧扁桃体Ⅰ度肿大，双肺呼吸音粗，未闻及干湿啰音。心音有力，律齐。
        辅助检查：血常规：白细胞11.8×10^9/L，中性粒细胞比例72%，CRP 18mg/L。甲型流感抗原阳性。
        诊断：甲型流行性感冒
        处理：奥司他韦颗粒 口服 每日2次，共5天；退热对症；多饮水；体温持续不退、精神差、呼吸急促随诊。
        医师：{doc.full}
    """)


@zh_note("outpatient-parkinson")
def zh_op_parkinson(c: Zh) -> ZhNote:
    pt = c.person("男")
    wife = c.person("女")
    doc = c.person()
    return "神经内科", "门诊病历", note(f"""
        神经内科专病门诊（运动障碍）
        就诊时间：{c.date(0, "ymd")} 上午
        {pt.full}，男，73岁，退休教师（原{c.place("primary")}），门诊号{c.mrn("seven")}。老伴{wife.full}陪同。
        主诉：右手抖动4年，行走变慢1年。
        现病史：4年前出现右手静止性震颤，诊断“帕金森病”，服用多巴丝肼片125mg 每日3次。近1年行走变慢，起步困难，转身需多步完成，近3个月跌倒2次。服药后约3小时药效减退，伴右下肢僵硬。夜间睡眠中有喊叫、拳打脚踢，其老伴诉曾被误伤。
        查体：面具脸，言语低调。右侧肢体肌张力齿轮样增高，左侧轻度增高。右手静止性震颤。后拉试验阳性。双侧巴宾斯基征阴性。卧立位血压：128/76mmHg → 110/68mmHg。
        评估：Hoehn-Yahr分期3期；MoCA 24分。
        诊断：1. 帕金森病（剂末现象）；2. 快速眼动睡眠行为障碍
        处理：多巴丝肼片调整为125mg 每日4次，加用恩他卡朋；卧室去除尖锐物品，防跌倒宣教；康复科步态训练。3个月后复诊。
        医师：{doc.s}医生（副主任医师）
    """)


@zh_note("outpatient-dermatology")
def zh_op_derm(c: Zh) -> ZhNote:
    pt = c.person("女")
    doc = c.person()
    return "皮肤科", "门诊病历", note(f"""
        皮肤科门诊　{c.date(0, "slash")}
        患者：{pt.full}　女　66岁　ID号：{c.mrn("P")}　手机：{c.mobile()}
        主诉：左侧腰背部疼痛4天，出现红斑水疱2天。
        现病史：4天前左侧腰背部针刺样疼痛，夜间明显，2天前同部位出现成簇红斑、水疱，沿肋间呈带状分布，未越过中线。自行外用红霉素软膏无效。
        既往史：2型糖尿病8年，二甲双胍控制，空腹血糖7～8mmol/L。
        查体：左侧T10～T12皮节区可见带状分布的簇集性水疱，疱液清，基底红斑，局部触痛明显。
        诊断：带状疱疹（左侧胸腰段）
        处理：伐昔洛韦片1g 每日3次×7天；普瑞巴林75mg 每晚一次；甲钴胺；局部炉甘石洗剂。监测血糖。告知疱液具有传染性，避免接触未出过水痘的儿童及孕妇。
        患者要求通过医院互联网医院复诊续方，已登记微信号{c.wechat()}，复诊链接：{c.url()}
        医师：{doc.full}
    """)


@zh_note("outpatient-tcm")
def zh_op_tcm(c: Zh) -> ZhNote:
    pt = c.person("男")
    doc = c.person()
    return "中医科", "门诊病历", note(f"""
        中医内科门诊病历
        姓名：{pt.full}　性别：男　年龄：67岁　职业：退休（原{c.place("employer")}职工）
        初诊日期：{c.date(0, "ymd0")}　门诊号：{c.mrn("year")}
        主诉：失眠多梦3月余。
        现病史：3个月前老伴住院后开始入睡困难，每晚睡眠约3～4小时，多梦易醒，醒后难以入睡，伴心烦、口干口苦、头晕，纳差，大便干结，2日一行，小便黄。
        既往史：高血压病10年，服用缬沙坦，血压控制可。
        舌脉：舌红，苔薄黄，脉弦细数。
        中医诊断：不寐（肝郁化火证）
        西医诊断：失眠障碍
        治法：疏肝泻火，镇心安神。
        处方：龙胆泻肝汤加减。龙胆草6g，黄芩10g，栀子10g，柴胡10g，生地15g，当归10g，酸枣仁30g，合欢皮15g，夜交藤30g，生龙骨30g（先煎），甘草6g。7剂，水煎服，日1剂。
        医嘱：睡前避免浓茶及手机，适当散步。
        医师：{doc.full}
    """)


@zh_note("admission-elderly-pneumonia")
def zh_adm_elderly(c: Zh) -> ZhNote:
    age = c.n(90, 96)
    pt = c.person("女")
    son = c.person("男", surname=pt.surname if c.n(0, 1) else None)
    res, att = c.person(), c.person()
    return "老年医学科", "入院记录", note(f"""
        入院记录
        姓名：{pt.full}　　性别：女　　年龄：{c.old(age)}　　民族：汉族　　婚姻：丧偶
        住院号：{c.mrn("seven")}　　入院时间：{c.date(0, "ymd")} {c.clock()}
        身份证号：{c.id_number(age, False)}
        现住址：{c.address("estate")}
        病史陈述者：其子{son.full}（{c.mobile()}），可靠。
        主诉：咳嗽、咳痰5天，发热伴精神差2天。
        现病史：患者5天前受凉后出现咳嗽，咳黄白色黏痰，不易咳出。2天前出现发热，体温最高38.7℃，伴精神萎靡、嗜睡、进食明显减少，无抽搐、呕吐。家属发现其呼之能应但反应迟钝，遂送来我院急诊，胸部CT示右下肺斑片影，以“社区获得性肺炎”收入我科。
        既往史：高血压病20余年，阿尔茨海默病5年，平素可在家属搀扶下室内行走。否认药物过敏史。
        体格检查：T 38.2℃，P 104次/分，R 24次/分，BP 102/58mmHg，SpO2 90%（未吸氧）。嗜睡，格拉斯哥昏迷评分13分。口唇干燥。右下肺可闻及湿啰音。心律齐。双下肢无水肿。四肢肌张力正常。
        辅助检查：白细胞13.6×10^9/L，中性粒细胞88%，CRP 96mg/L，PCT 0.8ng/mL，血钠131mmol/L，肌酐98μmol/L。
        初步诊断：1. 社区获得性肺炎（右下肺）；2. 高血压病；3. 阿尔茨海默病
        住院医师：{res.full}　　主治医师：{att.full}
    """)


@zh_note("admission-stemi")
def zh_adm_stemi(c: Zh) -> ZhNote:
    pt = c.person("男")
    daughter = c.person("女", surname=pt.surname)
    doc = c.person()
    return "心血管内科", "入院记录", note(f"""
        {c.place("hospital")}　入院记录（心血管内科CCU）
        患者{pt.full}，男，61岁，汉族，已婚，{c.place("employer")}货车司机，住院号{c.mrn("year")}，身份证号{c.id_number(61, True)}，住{c.address("urban")}。于{c.date(0, "iso")} {c.clock()}急诊入院。病史由患者本人及其女{daughter.full}提供。
        主诉：突发胸痛3小时。
        现病史：患者3小时前搬运货物时突发胸骨后压榨样疼痛，向左肩背部放射，伴大汗、恶心，休息不缓解。120送至我院急诊，心电图示V1～V5导联ST段弓背向上抬高0.3～0.5mV，予阿司匹林300mg、替格瑞洛180mg嚼服后，开通绿色通道行急诊PCI。
        既往史：吸烟30年，20支/日。否认高血压、糖尿病史。
        体格检查：BP 132/84mmHg，HR 96次/分，双肺呼吸音清，未闻及干湿啰音，心律齐，未闻及杂音。Killip Ⅰ级。
        辅助检查：肌钙蛋白I 4.6ng/mL；急诊冠脉造影：前降支近段完全闭塞，植入支架1枚，TIMI血流3级。
        初步诊断：冠心病　急性前壁ST段抬高型心肌梗死　Killip Ⅰ级　PCI术后
        紧急联系人：{daughter.full}（女儿），{c.mobile("space")}
        记录医师：{doc.full}
    """)


@zh_note("admission-obstetric")
def zh_adm_obstetric(c: Zh) -> ZhNote:
    pt = c.person("女")
    husband = c.person("男")
    doc, att = c.person(), c.person()
    return "产科", "入院记录", note(f"""
        产科入院记录
        姓名：{pt.full}　年龄：31岁　职业：会计（{c.place("employer")}）　住院号：{c.mrn("Z")}
        入院日期：{c.date(0, "ymd")}　联系人：丈夫{husband.full}　{c.mobile()}
        主诉：停经39+2周，不规律下腹痛4小时。
        现病史：平素月经规律，末次月经{c.date(-275, "ymd")}，预产期{c.date(5, "ymd")}。孕早期B超核对孕周无误。孕期定期在{c.place("mch")}产检，NT及唐氏筛查低风险，OGTT正常。4小时前出现不规律下腹紧缩感，无阴道流血流液，胎动好。
        孕产史：G2P1，2019年足月顺产一女，体重3200g，出生时阿普加评分10分。
        体格检查：T 36.6℃，BP 118/76mmHg。宫高34cm，腹围100cm，胎方位LOA，胎心142次/分。宫缩不规律。阴道检查：宫颈管消退60%，宫口未开，先露S-2。
        辅助检查：B超：单活胎，头位，BPD 93mm，羊水指数110mm。胎心监护NST反应型。
        初步诊断：1. 孕2产1 孕39+2周 LOA 待产；2. 先兆临产
        医师：{doc.full}　上级医师：{att.s}主任
    """)


@zh_note("admission-trauma")
def zh_adm_trauma(c: Zh) -> ZhNote:
    pt = c.person("男")
    wife = c.person("女")
    police, doc = c.person("男"), c.person()
    return "创伤外科", "入院记录", note(f"""
        入院记录（创伤外科）
        {pt.full}，男，36岁，外卖配送员，住院号{c.mrn("dash")}，入院时间{c.date(0, "ymd")} {c.clock()}。
        主诉：车祸致头部、左胸部外伤1小时。
        现病史：患者1小时前骑电动车与一辆小型轿车（车牌{c.plate()}）相撞，头部着地，短暂意识丧失约2分钟，醒后诉头痛、左胸痛，呕吐1次胃内容物。交警{police.full}在场处理，由120送入我院。
        既往史：体健，否认药物过敏史。
        体格检查：T 36.8℃，P 102次/分，R 22次/分，BP 136/82mmHg。神志清楚，格拉斯哥昏迷评分15分。双瞳孔等大等圆，直径3mm，对光反射灵敏。右额部可见3cm头皮裂伤，已加压包扎。左侧胸壁压痛，胸廓挤压征阳性，左肺呼吸音稍低。腹软，无压痛。四肢活动自如，肌力5级，肌张力正常。
        辅助检查：头颅CT：右额叶少量脑挫裂伤；胸部CT：左侧第5～7肋骨骨折，左侧少量气胸（肺压缩约15%）。
        初步诊断：1. 脑挫裂伤；2. 头皮裂伤；3. 左侧多发肋骨骨折；4. 左侧创伤性气胸
        妻子{wife.full}已赶到，电话{c.mobile("dash")}；患者手机在事故中损坏。
        记录：{doc.full}
    """)


@zh_note("admission-neonatal-jaundice")
def zh_adm_neonate(c: Zh) -> ZhNote:
    mother = c.person("女")
    father = c.person("男")
    doc = c.person()
    born = c.day(-4)
    return "新生儿科", "入院记录", note(f"""
        新生儿入院记录
        姓名：{mother.full}之子　性别：男　日龄：4天　住院号：{c.mrn("year")}
        出生日期：{mark("DATE", Zh.fmt(born, "ymd"))} 06:48　出生地：{c.place("county")}
        父亲：{father.full}　母亲：{mother.full}　联系电话：{c.mobile()}　家庭住址：{c.address("rural")}
        主诉：皮肤黄染3天，加重1天。
        现病史：患儿系G1P1，孕39周顺产，出生体重3150g，阿普加评分1分钟9分、5分钟10分。生后第2天出现颜面部黄疸，逐渐波及躯干及四肢，今日经皮胆红素测定18.6mg/dL，为进一步治疗转入我科。纯母乳喂养，吃奶可，大便黄色糊状。
        母孕史：母亲血型O型Rh阳性，孕期无特殊。
        体格检查：T 36.9℃，反应好，全身皮肤及巩膜中度黄染，手足心轻度黄染。前囟平软。心肺无异常。脐带未脱，脐轮无红肿。原始反射正常引出，肌张力正常。
        辅助检查：血清总胆红素312μmol/L，间接胆红素298μmol/L；患儿血型A型Rh阳性，直接抗人球蛋白试验阴性；血常规：血红蛋白168g/L。
        初步诊断：新生儿高胆红素血症（ABO溶血待排）
        医师：{doc.full}
    """)


@zh_note("discharge-cholecystectomy")
def zh_dc_gallbladder(c: Zh) -> ZhNote:
    pt = c.person("女")
    doc, att = c.person(), c.person()
    los = c.n(4, 6)
    return "肝胆外科", "出院小结", note(f"""
        出院小结
        姓名：{pt.full}　性别：女　年龄：47岁　科室：肝胆外科　住院号：{c.mrn("seven")}
        入院日期：{c.date(-los, "dot")}　出院日期：{c.date(0, "dot")}　住院天数：{los}天
        入院情况：因“反复右上腹痛2年，加重1天”入院。查体：右上腹压痛，墨菲征阳性。彩超：胆囊结石（最大约1.8cm），胆囊壁增厚。白细胞10.9×10^9/L。
        诊疗经过：入院后予抗感染、解痉、补液治疗，于{c.date(-los + 2, "md")}在全麻下行腹腔镜胆囊切除术，术中见胆囊充血水肿，内有多发结石，手术顺利。术后病理：慢性结石性胆囊炎急性发作。术后恢复良好，已进半流质饮食。
        出院情况：无腹痛、发热，切口愈合良好（甲级），无黄疸。
        出院诊断：1. 胆囊结石伴急性胆囊炎；2. 腹腔镜胆囊切除术后
        出院医嘱：1. 低脂饮食1个月；2. 术后1周门诊复查，拆线；3. 如有发热、腹痛、皮肤巩膜黄染及时就诊。
        联系电话（科室）：{c.landline()}
        住院预交金退费账户：{c.account()}（患者本人银行卡）
        经治医师：{doc.full}　　主治医师：{att.full}
    """)


@zh_note("discharge-stroke")
def zh_dc_stroke(c: Zh) -> ZhNote:
    pt = c.person("男")
    daughter = c.person("女")
    doc = c.person()
    los = c.n(9, 14)
    return "神经内科", "出院小结", note(f"""
        {c.place("hospital")}　出院小结
        患者{pt.full}，男，69岁，住院号{c.mrn("Z")}，于{c.date(-los, "ymd")}因“突发左侧肢体无力6小时”入院，{c.date(0, "ymd")}出院，共住院{los}天。
        入院情况：左侧鼻唇沟变浅，伸舌左偏，左侧肢体肌力3级，肌张力减低，左侧巴宾斯基征阳性。NIHSS 6分。头颅MRI：右侧基底节区急性脑梗死。
        诊疗经过：已过溶栓时间窗，予阿司匹林联合氯吡格雷双抗、阿托伐他汀强化降脂、改善循环治疗，早期康复训练。颈动脉超声：右侧颈内动脉起始部斑块，狭窄约50%。动态心电图未见房颤。
        出院情况：左侧肢体肌力4级，可扶拐行走，言语清晰，NIHSS 2分。
        出院诊断：1. 脑梗死（右侧基底节区）；2. 高血压病3级（很高危）；3. 右侧颈内动脉狭窄
        出院医嘱：双抗治疗21天后改为阿司匹林单药；控制血压在130/80mmHg以下；康复科门诊继续训练；2周后神经内科门诊复诊。
        其女{daughter.full}已接受康复护理指导，联系电话{c.mobile()}。
        医师：{doc.full}　{c.date(0, "cn")}
    """)


@zh_note("discharge-copd-home-oxygen")
def zh_dc_copd(c: Zh) -> ZhNote:
    pt = c.person("男")
    wife = c.person("女")
    doc = c.person()
    los = c.n(7, 12)
    return "呼吸与危重症医学科", "出院小结", note(f"""
        出院记录
        姓名：{pt.full}　性别：男　年龄：76岁　病案号：{c.mrn("seven")}
        入院时间：{c.date(-los, "iso")}　出院时间：{c.date(0, "iso")}
        入院诊断：慢性阻塞性肺疾病急性加重；Ⅱ型呼吸衰竭
        诊疗经过：入院时血气pH 7.31，PaCO2 68mmHg，予无创呼吸机辅助通气、头孢哌酮舒巴坦抗感染、甲泼尼龙及雾化治疗。痰培养：肺炎克雷伯菌。第5天停用无创通气，复查PaCO2 52mmHg。
        出院诊断：1. 慢性阻塞性肺疾病急性加重；2. Ⅱ型呼吸衰竭（好转）；3. 慢性肺源性心脏病
        出院带药：噻托溴铵粉吸入剂、布地奈德福莫特罗粉吸入剂、氨溴索片。
        出院医嘱：家庭氧疗每日不少于15小时，氧流量1～2L/min；家用无创呼吸机夜间使用，设备序列号{c.device("??########")}，参数同住院期间；戒烟；接种流感及肺炎球菌疫苗。1个月后呼吸科门诊复查肺功能。
        陪护家属：妻子{wife.full}，住址{c.address("short")}。
        医师签名：{doc.full}
    """)


@zh_note("discharge-insulin-pump")
def zh_dc_pump(c: Zh) -> ZhNote:
    pt = c.person("女")
    mother = c.person("女")
    doc = c.person()
    los = c.n(5, 8)
    return "内分泌科", "出院小结", note(f"""
        内分泌科出院小结
        {pt.full}，女，17岁，高三学生（{c.place("secondary")}），住院号{c.mrn("year")}。
        入院：{c.date(-los, "md")}　出院：{c.date(0, "md")}
        入院原因：1型糖尿病5年，恶心呕吐1天。入院时血糖26.4mmol/L，血酮5.2mmol/L，pH 7.18，诊断糖尿病酮症酸中毒。
        诊疗经过：补液、小剂量胰岛素静脉泵入，纠正电解质紊乱，第2天酮体转阴。发现患者胰岛素泵输注管路打折、近两日未更换，导致胰岛素输注中断。重新调整胰岛素泵参数并进行宣教。
        出院情况：血糖5.8～11.2mmol/L，无低血糖。
        出院诊断：1型糖尿病　糖尿病酮症酸中毒（已纠正）
        胰岛素泵：序列号{c.device("??#######?")}；基础率0.7～1.0U/h，餐前大剂量按碳水系数1:12计算。动态血糖监测探头编号{c.device("#?##??###")}，每14天更换。
        出院医嘱：每3天更换输注管路；血糖>14mmol/L时测血酮；3个月后复查糖化血红蛋白。
        母亲{mother.full}已学会泵的操作及酮症处理，电话{c.mobile("dash")}。
        医师：{doc.full}
    """)


@zh_note("discharge-hip-fracture-nonagenarian")
def zh_dc_hip(c: Zh) -> ZhNote:
    age = c.n(90, 97)
    pt = c.person("女")
    son = c.person("男", surname=pt.surname)
    doc = c.person()
    los = c.n(8, 12)
    return "骨科", "出院小结", note(f"""
        出院小结（骨科）
        患者：{pt.full}　性别：女　年龄：{c.old(age, numerals=True)}　住院号：{c.mrn("seven")}
        入院：{c.date(-los, "ymd")}　出院：{c.date(0, "ymd")}
        入院情况：患者在{c.place("care_home")}起夜时跌倒，左髋部疼痛、不能站立。查体左下肢短缩外旋畸形。X线：左股骨颈骨折（Garden Ⅳ型）。
        诊疗经过：完善术前评估（心脏彩超EF 58%，肺功能轻度减退），麻醉科、心内科会诊后于入院第3天在腰硬联合麻醉下行左侧人工股骨头置换术，手术顺利。术后第2天出现谵妄，经非药物干预后好转。低分子肝素预防血栓。
        出院情况：可在助行器辅助下床边站立及短距离行走，切口愈合良好。
        出院诊断：1. 左股骨颈骨折（人工股骨头置换术后）；2. 骨质疏松症；3. 术后谵妄（已缓解）
        出院医嘱：回养老院继续康复训练；利伐沙班10mg 每日一次至术后35天；补充钙剂、维生素D；术后1个月骨科门诊复查。
        家属：其子{son.full}，{c.mobile()}；养老院护理站电话{c.landline()}。
        医保结算后自付部分已由家属缴清，结算单号{c.account()}。
        医师：{doc.full}
    """)


@zh_note("discharge-pacemaker")
def zh_dc_pacemaker(c: Zh) -> ZhNote:
    pt = c.person("男")
    wife = c.person("女")
    doc = c.person()
    los = c.n(4, 6)
    return "心血管内科", "出院小结", note(f"""
        出院小结
        姓名：{pt.full}　男　81岁　住院号：{c.mrn("Z")}　医保卡号：{c.plan_id("letter")}
        住院时间：{c.date(-los, "ymd0")}至{c.date(0, "ymd0")}
        入院诊断：病态窦房结综合征，反复晕厥
        诊疗经过：入院后动态心电图示窦性停搏最长4.8秒，伴黑矇。于{c.date(-los + 2, "ymd0")}行双腔永久起搏器植入术，起搏器型号及序列号：{c.device("???######?")}，心房电极序列号{c.device("??#######")}，心室电极序列号{c.device("??#######")}。术后程控参数良好，伤口无渗血。
        出院诊断：病态窦房结综合征　双腔永久起搏器植入术后
        出院医嘱：1. 术侧上肢1个月内避免高举及负重；2. 随身携带起搏器识别卡；3. 术后7天伤口换药，1个月、3个月起搏器门诊程控；4. 避免靠近强磁场，行MRI检查前需告知医生。
        配偶：{wife.full}　电话：{c.mobile("space")}
        主管医师：{doc.full}
    """)


@zh_note("progress-first")
def zh_prog_first(c: Zh) -> ZhNote:
    pt = c.person("女")
    doc, att = c.person(), c.person()
    return "消化内科", "病程记录", note(f"""
        首次病程记录
        {c.date(0, "iso")} {c.clock()}
        患者{pt.full}，女，54岁，因“呕血、黑便1天”于今日入院。
        病例特点：1. 中年女性，急性起病。2. 1天前进食硬质食物后呕暗红色血约300mL，解柏油样便2次。既往乙肝肝硬化病史6年，未规律抗病毒治疗。3. 查体：BP 98/60mmHg，HR 108次/分，贫血貌，巩膜轻度黄染，腹膨隆，移动性浊音阳性，脾肋下3cm。4. 辅助检查：血红蛋白72g/L，血小板58×10^9/L，总胆红素38μmol/L，白蛋白29g/L，凝血酶原时间16.8秒。
        初步诊断：1. 上消化道出血：食管胃底静脉曲张破裂出血？2. 乙型肝炎肝硬化失代偿期（Child-Pugh B级）；3. 腹腔积液
        诊断依据及鉴别诊断：根据病史、体征及化验，考虑食管胃底静脉曲张破裂出血可能性大，需与消化性溃疡出血、贲门黏膜撕裂综合征鉴别，待急诊胃镜明确。
        诊疗计划：禁食，心电监护，建立两条静脉通路，生长抑素持续泵入，质子泵抑制剂，头孢曲松预防感染，备血，24小时内急诊胃镜。
        记录医师：{doc.full}　　审阅：{att.s}主任
    """)


@zh_note("progress-attending-round")
def zh_prog_round(c: Zh) -> ZhNote:
    pt = c.person("男")
    chief, senior, res = c.person(), c.person(), c.person()
    return "肾内科", "病程记录", note(f"""
        {c.date(0, "ymd")}　{chief.s}主任查房记录
        患者{pt.full}入院第3天，诉乏力较前减轻，尿量约1200mL/24h，无胸闷气促。查体：BP 146/88mmHg，双下肢轻度凹陷性水肿。复查血肌酐312μmol/L（入院时356μmol/L），血钾5.1mmol/L。
        {chief.s}主任查房后指出：患者慢性肾脏病5期，肾性贫血，血红蛋白86g/L，需加用促红细胞生成素及补充铁剂；目前无紧急透析指征，但eGFR已低于15mL/min，应尽早建立动静脉内瘘，与患者及家属沟通肾脏替代治疗方式。继续低盐优质低蛋白饮食，复方α-酮酸。
        患者表示需与家人商量，其妻今日下午来院谈话。
        执行：1. 请血管外科{senior.s}医生会诊评估内瘘；2. 查铁代谢、甲状旁腺激素；3. 明日复查电解质。
        记录：{res.full}
    """)


@zh_note("progress-post-op")
def zh_prog_postop(c: Zh) -> ZhNote:
    pt = c.person("女")
    res = c.person()
    return "胃肠外科", "病程记录", note(f"""
        术后第1天病程记录　{c.date(0, "slash")}
        患者{pt.full}昨日在全麻下行腹腔镜辅助根治性右半结肠切除术，术后安返病房。今晨查房：患者诉切口疼痛，NRS 3分，夜间睡眠可，未排气。已下床床边活动2次。
        查体：T 37.6℃，P 86次/分，BP 124/76mmHg。腹平软，切口敷料干燥，无渗血渗液。腹腔引流管通畅，引出淡血性液约80mL。导尿管通畅，尿色清。
        辅助检查：血红蛋白108g/L，白细胞10.2×10^9/L，白蛋白31g/L，血钾3.6mmol/L。
        处理：今日拔除导尿管；少量饮水；继续静脉营养、预防性抗凝；鼓励咀嚼口香糖促进胃肠功能恢复；继续加速康复外科路径。
        医师：{res.full}
    """)


@zh_note("progress-resuscitation")
def zh_prog_rescue(c: Zh) -> ZhNote:
    age = c.n(90, 93)
    pt = c.person("男")
    a, b, d, n1 = c.person(), c.person(), c.person(), c.person("女")
    son = c.person("男", surname=pt.surname)
    return "急诊科", "病程记录", note(f"""
        抢救记录
        抢救时间：{c.date(0, "ymd")} 02:15～03:05
        患者{pt.full}，男，{c.old(age)}，因“慢性心力衰竭急性加重”留观。02:15护士{n1.full}巡视时发现患者呼之不应，大动脉搏动消失，心电监护示心室颤动，立即呼叫值班医师{a.full}。
        02:16开始胸外按压，02:17予200J双相波非同步电除颤1次，转为窦性心律后再次出现室颤，继续心肺复苏，肾上腺素1mg静推每3～5分钟一次，胺碘酮300mg静推，共除颤3次。02:24行气管插管接呼吸机辅助通气。02:31恢复自主循环，BP 92/56mmHg（去甲肾上腺素维持），格拉斯哥昏迷评分3分（E1VTM1）。
        参加抢救人员：{a.full}、{b.full}（二线医师）、{d.s}护士长、{n1.full}。
        03:05抢救后病情告知其子{son.full}（电话{c.mobile()}），家属表示理解，同意转入ICU进一步治疗。
        记录医师：{a.full}
    """)


@zh_note("progress-handover-summary")
def zh_prog_transfer(c: Zh) -> ZhNote:
    pt = c.person("女")
    out_doc, in_doc = c.person(), c.person()
    return "血液科", "病程记录", note(f"""
        交班记录
        患者{pt.full}，女，35岁，{c.place("employer")}职员，住院号{c.mrn("year")}，于{c.date(-18, "ymd")}因“乏力、牙龈出血2周”入院。
        入院情况：重度贫血貌，全身散在瘀点瘀斑。血常规：白细胞2.1×10^9/L，血红蛋白64g/L，血小板12×10^9/L。骨髓穿刺：急性早幼粒细胞白血病，PML-RARα融合基因阳性。
        诊疗经过：予全反式维甲酸联合亚砷酸诱导治疗，输注血小板及冷沉淀纠正凝血功能。第9天出现发热、呼吸困难、体重增加，考虑分化综合征，予地塞米松后缓解。
        目前情况：无发热，瘀斑消退。白细胞4.6×10^9/L，血红蛋白82g/L，血小板68×10^9/L，纤维蛋白原2.1g/L。
        目前诊断：急性早幼粒细胞白血病（低危）
        注意事项：继续监测凝血及心电图QTc；每周复查血常规3次；计划{c.date(10, "md")}复查骨髓。
        交班医师：{out_doc.full}　接班医师：{in_doc.full}
    """)


@zh_note("consult-cardiology")
def zh_consult_cardio(c: Zh) -> ZhNote:
    pt = c.person("女")
    req, cons = c.person(), c.person()
    return "心血管内科", "会诊记录", note(f"""
        会诊申请单
        申请科室：骨科　　床号：23床　　住院号：{c.mrn("seven")}
        患者：{pt.full}　女　74岁
        申请时间：{c.date(0, "ymd")} 09:30　　申请医师：{req.full}
        会诊目的：患者拟行右侧全膝关节置换术，既往房颤、长期口服华法林，今晨心电图示房颤心室率112次/分，请评估手术风险及围术期抗凝方案。

        会诊意见（{c.date(0, "ymd")} 14:20）：
        病史已阅，患者{pt.full}阵发性房颤8年，口服华法林3mg/日，INR 2.4。无胸痛、晕厥。查体：心率108次/分，心律绝对不齐，双肺未闻及啰音。心脏彩超：左房内径44mm，LVEF 60%。CHA2DS2-VASc评分4分，HAS-BLED评分2分。
        建议：1. 美托洛尔缓释片47.5mg 每日一次控制心室率，目标静息心率<100次/分；2. 术前5天停用华法林，INR<1.5后手术，停药期间低分子肝素桥接，术前24小时停用；3. 术后出血风险可控后24～72小时恢复华法林；4. 心室率控制后可耐受手术。
        会诊医师：{cons.full}（心内科主治医师）
    """)


@zh_note("consult-psychiatry")
def zh_consult_psych(c: Zh) -> ZhNote:
    pt = c.person("男")
    mother = c.person("女", surname=pt.surname)
    cons = c.person()
    return "精神科", "会诊记录", note(f"""
        精神科会诊记录
        会诊时间：{c.date(0, "iso")}　请会诊科室：急诊内科
        患者{pt.full}，男，24岁，在读研究生，因“服用大量对乙酰氨基酚后6小时”急诊留观。
        病史：患者近半年学业压力大，情绪低落、兴趣减退、失眠，昨晚与女友分手后服用对乙酰氨基酚约40片，随后自行拨打120。既往无精神疾病史，无物质滥用史。母亲{mother.full}称其平时性格内向，家族中舅舅曾患抑郁症。
        精神检查：意识清，接触被动，情绪低落，自述“觉得活着没意思”，否认幻觉妄想，对此次行为有部分后悔，自知力部分存在。
        评估：PHQ-9 21分；自杀风险评估：高风险。
        诊断：抑郁发作（重度，不伴精神病性症状）；药物过量（自伤）
        建议：1. 24小时专人陪护，移除危险物品；2. 内科情况稳定后转{c.place("mental")}住院治疗；3. 可予舍曲林50mg 每日一次起始；4. 已向患者母亲交代病情及风险，母亲电话{c.mobile()}。
        会诊医师：{cons.full}
    """)


@zh_note("consult-remote")
def zh_consult_remote(c: Zh) -> ZhNote:
    pt = c.person("男")
    local, expert = c.person(), c.person()
    return "重症医学科", "会诊记录", note(f"""
        远程会诊记录
        会诊方式：视频远程会诊　平台地址：{c.url()}
        申请医院：{c.place("county")}重症医学科　终端IP：{c.ip()}
        会诊医院：{c.place("hospital")}重症医学科
        会诊时间：{c.date(0, "ymd")} 16:00
        患者：{pt.full}，男，58岁，农民，县医院住院号{c.mrn("seven")}，因“发热、腹痛3天，少尿1天”入住县医院ICU。
        病情汇报（{local.full}医师）：入院时T 39.3℃，BP 82/46mmHg，去甲肾上腺素0.3μg/(kg·min)维持，乳酸5.8mmol/L。腹部CT：急性重症胰腺炎，胰周大量渗出。肌酐268μmol/L，尿量约10mL/h。
        会诊意见（{expert.full}主任医师）：1. 考虑重症急性胰腺炎合并感染性休克、急性肾损伤；2. 目标导向液体复苏，避免过量；3. 尽早行床旁CRRT；4. 腹内压监测，>20mmHg考虑减压；5. 病情稳定后可转我院进一步治疗，转运途中需呼吸机及血管活性药物支持。
        影像资料已通过平台调阅：{c.url("pacs")}
        会诊报告电子版发送至申请医院医务科邮箱{c.email()}。
    """)


@zh_note("consult-nutrition")
def zh_consult_nutrition(c: Zh) -> ZhNote:
    pt = c.person("女")
    cons = c.person("女")
    return "临床营养科", "会诊记录", note(f"""
        临床营养科会诊记录　{c.date(0, "md")}
        患者{pt.full}，女，62岁，食管癌放化疗中，近1个月进食困难，仅能进少量流质。
        营养评估：身高160cm，体重43kg（1个月前48kg），BMI 16.8kg/m²，1个月体重下降10.4%。NRS2002评分5分；白蛋白30g/L，前白蛋白120mg/L。小腿围28cm。
        诊断：重度营养不良（GLIM标准）
        建议：1. 目标能量1300～1500kcal/d，蛋白质65～75g/d；2. 可耐受流质，予口服营养补充（整蛋白型）每日3次，每次200mL；3. 经口摄入仍不足目标60%时，建议放置鼻胃管或经皮内镜下胃造瘘行肠内营养；4. 补充维生素B1，注意再喂养综合征，监测血磷、血钾、血镁；5. 每周复评体重。
        会诊医师：{cons.full}（营养师）
    """)


@zh_note("consult-mdt")
def zh_consult_mdt(c: Zh) -> ZhNote:
    pt = c.person("男", compound=True)
    p = [c.person() for _ in range(5)]
    return "肿瘤科", "会诊记录", note(f"""
        多学科诊疗（MDT）讨论记录
        时间：{c.date(0, "ymd")} 13:30　地点：门诊六楼MDT讨论室
        主持人：{p[0].full}（肿瘤内科）
        参加人员：{p[1].full}（胸外科）、{p[2].full}（放疗科）、{p[3].s}医生（影像科）、{p[4].s}医生（病理科）；{c.place("county")}肿瘤科医生远程参会（终端IP {c.ip()}）
        患者：{pt.full}，男，64岁，住院号{c.mrn("year")}，身份证号{c.id_number(64, True)}
        病情摘要：体检发现右肺上叶肿物1个月。胸部增强CT：右肺上叶4.2cm分叶状肿物，纵隔4R组淋巴结肿大（短径1.6cm）。PET-CT：右肺上叶肿物及4R组淋巴结代谢增高，未见远处转移。EBUS-TBNA病理：4R组淋巴结转移性鳞状细胞癌。PD-L1 TPS 60%。
        讨论意见：影像科{p[3].s}医生：考虑cT2bN2M0，ⅢA期。胸外科：N2单站，潜在可切除。放疗科：如不能手术可行根治性同步放化疗。
        结论：先行新辅助化疗联合免疫治疗2～3周期，复评后争取手术。
        患者及家属已知情同意，家属联系电话{c.landline()}，讨论意见将发送至家属邮箱{c.email()}。
    """)


@zh_note("nursing-shift-handover")
def zh_nursing_handover(c: Zh) -> ZhNote:
    age = c.n(90, 94)
    a, b, d = c.person("男"), c.person("女"), c.person("男")
    day_nurse, night_nurse = c.person("女"), c.person("女")
    daughter = c.person("女", surname=a.surname)
    return "老年医学科", "护理记录", note(f"""
        护理交接班报告　{c.date(0, "ymd")}　夜班→白班
        原有28人，入院1人，出院0人，现有29人。一级护理6人，病重2人。
        8床　{a.full}　男　{c.old(age)}　肺部感染。夜间咳嗽频繁，2:00吸痰1次，痰黄黏。体温37.8℃，予物理降温后37.2℃。留置导尿通畅。骶尾部压红3×2cm，已每2小时翻身，Braden评分11分。其女{daughter.full}陪护。
        12床　{b.full}　女　71岁　2型糖尿病。睡前血糖13.6mmol/L，遵医嘱追加胰岛素4U，晨起空腹血糖7.2mmol/L。夜间平安。
        新入院　15床　{d.full}　男　65岁　头晕待查，跌倒高风险，已床头悬挂防跌倒标识，告知家属24小时陪护。
        另：15床老{d.s}要求明晨抽血后再吃早饭，已交代陪护；8床骶尾部换药由小{day_nurse.s}负责。
        交班：{night_nurse.full}　接班：{day_nurse.full}
    """)


@zh_note("nursing-admission-assessment")
def zh_nursing_admission(c: Zh) -> ZhNote:
    pt = c.person("女")
    husband = c.person("男")
    nurse = c.person("女")
    return "普通外科", "护理记录", note(f"""
        入院护理评估单
        姓名：{pt.full}　性别：女　年龄：45岁　住院号：{c.mrn("Z")}　入院时间：{c.date(0, "ymd")} {c.clock()}
        入院方式：步行　入院诊断：甲状腺结节（双侧）
        文化程度：大专　职业：{c.place("employer")}出纳　医疗付费方式：城镇职工医保（医保卡号{c.plan_id("long")}）
        联系人：丈夫{husband.full}　电话：{c.mobile()}　家庭住址：{c.address("urban")}
        生命体征：T 36.5℃　P 78次/分　R 18次/分　BP 126/82mmHg　身高162cm　体重58kg
        过敏史：青霉素过敏（皮疹）
        意识清楚，语言表达清晰。自理能力评分（Barthel指数）100分。跌倒风险评估（Morse）15分，低风险。压力性损伤风险评估（Braden）23分。疼痛评分0分。
        心理状态：对手术存在焦虑，担心声音改变，已做术前宣教。
        入院宣教：病区环境、作息及探视制度、贵重物品保管、防跌倒。
        责任护士：{nurse.full}
    """)


@zh_note("nursing-night-record")
def zh_nursing_night(c: Zh) -> ZhNote:
    age = c.n(90, 92)
    pt = c.person("男")
    nurse = c.person("女")
    return "泌尿外科", "护理记录", note(f"""
        一般护理记录单
        姓名：{pt.full}　年龄：{c.old(age)}　床号：6　住院号：{c.mrn("seven")}　诊断：前列腺增生（经尿道前列腺电切术后第1天）
        {c.date(0, "md")}
        20:00　T 36.9℃，P 80次/分，BP 132/78mmHg。三腔导尿管持续膀胱冲洗通畅，冲洗液淡红色，予调快冲洗速度后转为淡粉色。患者诉轻度膀胱痉挛痛，遵医嘱予消旋山莨菪碱口服。
        22:30　冲洗液清亮，尿管固定良好。患者安静入睡。
        02:00　巡视患者睡眠好，冲洗通畅，冲洗液清。
        05:30　引流尿液清，夜间平安。晨起协助床上活动双下肢，预防下肢静脉血栓。
        护士：{nurse.full}
    """)


@zh_note("nursing-postpartum")
def zh_nursing_postpartum(c: Zh) -> ZhNote:
    pt = c.person("女", compound=True)
    husband, nurse = c.person("男"), c.person("女")
    return "产科", "护理记录", note(f"""
        产后护理记录
        产妇：{pt.full}　30岁　住院号：{c.mrn("dated")}　{c.date(-1, "ymd")} 21:40顺娩一女婴，体重3380g，阿普加评分9-10分。
        {c.date(0, "ymd")}
        08:00　产后第1天。T 36.8℃，P 76次/分，BP 116/72mmHg。宫底脐下1指，质硬，恶露暗红色，量中等，无异味。会阴Ⅰ度裂伤缝合处无红肿。已自解小便。
        10:00　母乳喂养指导：含接姿势正确，乳汁分泌少量，鼓励按需哺乳。新生儿皮肤无黄染，脐部干燥，已完成乙肝疫苗、卡介苗接种。
        15:00　产妇情绪平稳，睡眠可。丈夫{husband.full}陪护，已指导新生儿沐浴及脐部护理。
        护士：{nurse.full}
    """)


@zh_note("nursing-icu")
def zh_nursing_icu(c: Zh) -> ZhNote:
    pt = c.person("男")
    nurse = c.person("女")
    wife = c.person("女")
    return "重症医学科", "护理记录", note(f"""
        重症监护护理记录单　{c.date(0, "iso")}
        姓名：{pt.full}　男　57岁　床号：ICU-3　诊断：重症肺炎，急性呼吸窘迫综合征
        08:00　镇静状态，RASS -2分，双瞳孔等大，直径2.5mm，对光反射存在。经口气管插管（距门齿23cm），呼吸机SIMV模式，FiO2 50%，PEEP 10cmH2O，SpO2 94%。心率98次/分，有创血压118/66mmHg（去甲肾上腺素0.1μg/kg/min泵入）。
        10:00　俯卧位通气开始，保护眼部及面部受压部位。
        12:00　尿量4h共240mL。鼻饲肠内营养液40mL/h，胃残余量30mL。
        14:00　气道吸出黄白色黏痰，量中等。翻身拍背，皮肤完整。
        16:00　家属探视：妻子{wife.full}，已告知病情，情绪尚稳定，要求每日电话告知病情（{c.mobile()}）。
        签名：{nurse.full}
    """)


@zh_note("phone-followup-post-op")
def zh_phone_postop(c: Zh) -> ZhNote:
    pt = c.person("男")
    daughter = c.person("女", surname=pt.surname)
    nurse = c.person("女")
    return "胃肠外科", "电话随访", note(f"""
        出院患者电话随访记录
        随访日期：{c.date(0, "ymd")}　随访方式：电话　随访护士：{nurse.full}
        患者：{pt.full}　男　70岁　出院日期：{c.date(-7, "mdh")}　出院诊断：直肠癌（腹腔镜直肠癌根治术+回肠预防性造口术后）
        联系电话：{c.mobile()}（本人）；{c.landline()}（家）
        随访内容：拨打患者手机无人接听，改拨家中座机，由其女{daughter.full}接听。家属述患者精神、食欲可，每日造口排出稀糊状便约800mL，无腹痛发热，切口已愈合。造口周围皮肤稍发红。
        指导：造口袋底盘裁剪比造口大1～2mm，使用皮肤保护粉；注意补液，观察尿量；如造口排出量>1500mL/日或出现口干、尿少及时就诊。
        提醒{c.date(7, "mdh")}上午至造口门诊复诊，并预约化疗评估。
        家属表示理解。
    """)


@zh_note("phone-followup-chronic")
def zh_phone_chronic(c: Zh) -> ZhNote:
    pt = c.person("女")
    doc = c.person()
    return "全科医学科", "电话随访", note(f"""
        慢病管理电话随访（高血压、糖尿病）
        随访时间：{c.date(0, "iso")}
        签约居民：{pt.full}　女　68岁　身份证号：{c.id_number(68, False)}
        联系方式：{c.mobile("dash")}　微信：{c.wechat()}
        签约医生：{doc.full}（{c.place("community")}）
        随访情况：患者诉近1月血压控制在128～142/76～86mmHg，空腹血糖6.8～7.9mmol/L，无头晕、胸闷、视物模糊，偶有夜尿2次。规律服用厄贝沙坦150mg每日一次、二甲双胍0.5g每日三次。饮食控制一般，每天晚饭后散步30分钟。
        评估：血压、血糖控制基本达标。
        指导：继续现有方案；减少主食及水果摄入；下次随访前测糖化血红蛋白；近期天气转凉，注意保暖。已通过微信发送糖尿病饮食宣教材料。
        下次随访：3个月后
    """)


@zh_note("phone-followup-oncology")
def zh_phone_oncology(c: Zh) -> ZhNote:
    pt = c.person("女", compound=True)
    husband = c.person("男")
    nurse = c.person("女")
    return "肿瘤科", "电话随访", note(f"""
        肿瘤患者随访登记
        {pt.full}，女，52岁，乳腺癌（左，pT2N1M0，HER2阳性）改良根治术后，靶向治疗中。
        随访日期：{c.date(0, "ymd_hao")}　电话：{c.mobile("plus")}
        本次随访由患者本人接听。诉第14次曲妥珠单抗治疗后无明显不适，左上肢轻度肿胀，未见红肿热痛。近期心脏彩超LVEF 60%。
        患者询问复查报告能否发送至邮箱，已登记：{c.email()}，影像报告将由随访中心统一发送。
        患者丈夫{husband.full}补充：患者近来夜间睡眠差，情绪低落。已建议至心理门诊评估。
        下次靶向治疗：{c.date(7, "md")}；年度复查（乳腺彩超、骨扫描）预约在{c.date(30, "md")}。
        随访人：{nurse.full}
    """)


@zh_note("phone-followup-unreachable")
def zh_phone_unreachable(c: Zh) -> ZhNote:
    pt = c.person("男")
    contact, neighbour, worker = c.person("女"), c.person(), c.person("女")
    return "感染科", "电话随访", note(f"""
        结核病患者督导随访记录
        患者：{pt.full}　男　46岁　登记号：{c.other(lambda: f"JH{c.n(2019, 2024)}{c.n(0, 99999):05d}")}
        现住址：{c.address("rural")}
        {c.date(-6, "md")}　拨打患者手机{c.mobile()}，提示已停机。
        {c.date(-4, "md")}　拨打紧急联系人（其妻{contact.full}）电话{c.mobile()}，无人接听；给患者QQ（{c.qq()}）留言，未回复。
        {c.date(-2, "md")}　联系村医{neighbour.full}（{c.mobile()}），告知患者外出务工，目前在{c.city()}一建筑工地，具体地址不详，已停药约2周。
        {c.date(0, "md")}　经其妻转告，患者回电，新号码{c.mobile()}。劝导其立即恢复服药，告知中断治疗可导致耐药。患者同意到务工地结核病定点医院续药，已开具转诊证明并电话联系对方医院。
        随访人：{worker.full}（疾控中心结防科）
    """)


@zh_note("phone-followup-postnatal")
def zh_phone_postnatal(c: Zh) -> ZhNote:
    mother = c.person("女")
    grandma = c.person("女")
    worker = c.person("女")
    return "妇幼保健", "电话随访", note(f"""
        产后访视电话记录
        产妇：{mother.full}，28岁，{c.date(-10, "md")}在本院剖宫产一男婴。
        随访时间：{c.date(0, "md")} 下午　随访电话：{c.mobile("space")}
        接听人：婆婆{grandma.s}阿姨（产妇在哺乳）。后产妇本人接听。
        产妇情况：切口无渗液，恶露淡红色量少，体温正常；乳房无胀痛，纯母乳喂养。情绪尚可，偶有失眠。
        新生儿情况：吃奶好，每日尿湿尿布8～10片，大便黄色；面部及前胸轻度黄染，精神反应好。建议2天内到社区医院复测经皮胆红素。
        提醒：产后42天到{c.place("mch")}复查；新生儿满月接种乙肝疫苗第二针。家庭地址已核对：{c.address("estate")}。
        随访人：{worker.full}
    """)


@zh_note("referral-community-up")
def zh_ref_up(c: Zh) -> ZhNote:
    pt = c.person("男")
    doc = c.person()
    return "全科医学科", "转诊单", note(f"""
        双向转诊（转出）单
        患者姓名：{pt.full}　性别：男　年龄：63岁
        身份证号：{c.id_number(63, True)}　医保卡号：{c.plan_id("letter")}
        家庭住址：{c.address("estate")}　联系电话：{c.mobile()}
        转出单位：{c.place("community")}
        转入单位：{c.place("hospital")}心血管内科
        初步印象：不稳定型心绞痛？
        主要现病史：近2周活动后胸闷发作3次，每次持续5～10分钟，休息后缓解，昨晚静息时发作1次，持续约20分钟。既往高血压、高脂血症。
        辅助检查：本中心心电图：Ⅱ、Ⅲ、aVF导联T波倒置。
        治疗经过：已嚼服阿司匹林300mg，舌下含服硝酸甘油后症状缓解。
        转诊医生（签字）：{doc.full}　联系电话：{c.landline()}　传真：{c.landline(label="FAX")}
        {c.date(0, "cn")}
    """)


@zh_note("referral-rehab-down")
def zh_ref_down(c: Zh) -> ZhNote:
    pt = c.person("女")
    doc, gp = c.person(), c.person()
    return "康复医学科", "转诊单", note(f"""
        下转（回转）单
        {gp.s}医生：您好！
        现将患者{pt.full}（女，71岁，住院号{c.mrn("year")}）转回贵单位继续康复治疗。
        患者因“右侧肢体无力2周”于{c.date(-15, "ymd")}入住我院神经内科，诊断为“脑梗死（左侧放射冠）”，经规范治疗病情稳定。目前右侧上肢肌力3级、下肢肌力4-级，右侧肢体肌张力轻度增高（改良Ashworth 1级），可在监护下借助四脚拐行走约10米，日常生活活动Barthel指数55分。吞咽功能正常。
        出院用药：阿司匹林100mg qd，阿托伐他汀20mg qn，氨氯地平5mg qd。
        康复建议：继续运动疗法、作业疗法，防止肩手综合征及跌倒；控制血压<140/90mmHg。如出现新发肢体无力、言语不清请及时上转。
        转出医院：{c.place("hospital")}　转入单位：{c.place("rehab")}
        转诊医师：{doc.full}　联系电话：{c.landline()}　传真：{c.landline(label="FAX")}　日期：{c.date(0, "ymd")}
    """)


@zh_note("referral-county-emergency")
def zh_ref_emergency(c: Zh) -> ZhNote:
    pt = c.person("男")
    doc, nurse = c.person(), c.person("女")
    father = c.person("男", surname=pt.surname)
    return "急诊科", "转诊单", note(f"""
        急危重症患者转诊单
        转出医院：{c.place("county")}急诊科　　转入医院：{c.place("hospital")}急诊科
        转诊时间：{c.date(0, "ymd")} {c.clock()}　　转运救护车：{c.plate()}
        患者：{pt.full}，男，19岁，学生，门诊号{c.mrn("seven")}
        病情摘要：2小时前骑摩托车摔伤，头部着地。入院时GCS 10分（E2V3M5），右侧瞳孔4mm、对光反射迟钝，左侧2.5mm。头颅CT：右侧额颞部急性硬膜外血肿，量约40mL，中线左移7mm。我院无神经外科手术条件，经家属同意转上级医院。
        已处理：气管插管接简易呼吸器，甘露醇250mL快速静滴，建立静脉通路两条，颈托固定。
        转运途中生命体征：BP 152/88mmHg，HR 62次/分，SpO2 98%。
        已电话联系接收医院急诊科（{c.landline()}），对方同意接收并通知神经外科备手术。
        陪同家属：父亲{father.full}，{c.mobile()}
        随车医生：{doc.full}　随车护士：{nurse.full}
    """)


@zh_note("referral-cross-province")
def zh_ref_cross(c: Zh) -> ZhNote:
    pt = c.person("女")
    doc = c.person()
    son = c.person("男")
    born = c.born(59)
    return "血液科", "转诊单", note(f"""
        异地转诊就医登记表
        参保人姓名：{pt.full}　性别：女　出生日期：{mark("DATE", Zh.fmt(born, "iso"))}
        公民身份号码：{c.id_number(59, False, born)}
        社会保障卡号：{c.plan_id("long")}
        参保地：{c.city()}　就医地：{c.city()}
        异地就医备案编号：{c.other(lambda: f"YDBA{c.n(2023, 2025)}{c.n(0, 9_999_999):07d}")}
        转出医院：{c.place("hospital")}　转入医院：{c.place("hospital")}
        疾病诊断：多发性骨髓瘤（IgG-κ型，R-ISS Ⅱ期）
        转诊理由：患者经4周期VRd方案诱导后部分缓解，拟行自体造血干细胞移植，我院无移植资质。
        转诊医师意见：同意转诊。医师：{doc.full}（签章）
        申请人联系方式：{c.mobile()}；代办人：其子{son.full}
        备案日期：{c.date(0, "ymd")}
    """)


@zh_note("referral-tuberculosis")
def zh_ref_tb(c: Zh) -> ZhNote:
    pt = c.person("男")
    doc = c.person()
    employer = c.place("employer")
    return "呼吸与危重症医学科", "转诊单", note(f"""
        肺结核患者或疑似患者转诊单（存根）
        患者姓名：{pt.full}　性别：男　年龄：38岁　身份证号：{c.id_number(38, True)}
        工作单位：{employer}（车间工人）　联系电话：{c.mobile()}
        现住址：{c.address("urban")}
        转诊原因：咳嗽、咳痰5周，午后低热，盗汗，体重下降4kg。胸部CT：右上肺尖后段斑片状及空洞影，伴“树芽征”。痰涂片抗酸杆菌（+）。
        转往单位：{c.place("hospital")}结核病门诊
        转诊日期：{c.date(0, "ymd")}
        转诊医生：{doc.full}　转诊单位电话：{c.landline()}
        备注：已告知患者及家属肺结核的传染性，外出佩戴口罩；单位同车间密切接触者需筛查，已与单位联系人电话沟通。
    """)


# --- the sets ----------------------------------------------------------------------------------------


def build_en_cases() -> list[dict]:
    """Each dict: {"id", "metadata": {"department", "note_type", "style"}, "source", "reference": ""}."""
    cases = []
    for index, (slug, locale, builder) in enumerate(EN_NOTES, start=1):
        department, note_type, source = builder(En(BASE_SEED_EN + 97 * index, locale))
        cases.append({
            "id": f"heldout-en-{index:02d}-{slug}",
            "metadata": {"department": department, "note_type": note_type, "style": "en_GB" if locale == "en_GB" else "en_US"},
            "source": source,
            "reference": "",
        })
    return cases


def build_zh_cases() -> list[dict]:
    """Each dict: {"id", "metadata": {"department", "note_type"}, "source", "reference": ""}."""
    cases = []
    for index, (slug, builder) in enumerate(ZH_NOTES, start=1):
        department, note_type, source = builder(Zh(BASE_SEED_ZH + 89 * index))
        cases.append({
            "id": f"heldout-zh-{index:02d}-{slug}",
            "metadata": {"department": department, "note_type": note_type},
            "source": source,
            "reference": "",
        })
    return cases


@dataclass(frozen=True)
class GeneratedSet:
    """What evalsets/build_sets.py needs from a generator: a ``build_cases`` callable."""

    build_cases: Callable[[], list[dict]]


ENGLISH = GeneratedSet(build_en_cases)
CHINESE = GeneratedSet(build_zh_cases)
