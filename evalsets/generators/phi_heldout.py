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
US_CITIES = ("Tulsa", "Dayton", "Boise", "Spokane", "Fresno", "Toledo", "Lubbock", "Akron", "Duluth", "Macon",
             "Yakima", "Wichita", "Omaha", "Peoria", "Savannah", "Billings", "Provo", "Topeka", "Modesto",
             "Laredo", "Muncie", "Joplin", "Bangor", "Pueblo", "Amarillo", "Green Bay")
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
    "M": (("Robert", "Bobby"), ("William", "Billy"), ("Richard", "Dick"), ("Theodore", "Teddy"),
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
            "d_month": f"{day.day}{suffix} {month}",
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
            city = self.pick(US_CITIES) if self.n(0, 1) else self.fake.city()
            return f"{street}, {city}, {self.fake.state_abbr(include_territories=False, include_freely_associated_states=False)} {self.fake.zipcode()}"
        return mark("ADDRESS", self._fresh(make))

    def employer(self) -> str:
        def make() -> str:
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
            "school": lambda: self.pick([f"{fake.last_name()} Elementary", f"{town()} Middle School",
                                         f"{fake.last_name()} High School", f"{fake.last_name()} Primary School"]),
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
