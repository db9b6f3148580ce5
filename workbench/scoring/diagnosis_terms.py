"""Standard diagnosis terms: does each diagnosis a summary states name an ICD-10 category?

The diagnoses are read from the summary's assessment section (the set's required section whose heading
names the assessment or diagnosis: "Assessment and Plan:", 【初步诊断】), one per line after list markers:

- English: a line's text before its first full stop or semicolon (what follows is the plan); lines that begin
  with "Plan" are skipped.
- Chinese: lines, further split at "；" and ";" (a 诊断 section lists diagnoses only).

A diagnosis maps when it contains a standard term of its language, whole words in English (the longest
term found is reported). The terms, shipped as data under ``workbench/data/shipped/terms/``:

- English: the title of every ICD-10-CM category (three characters) from the tabular list of the
  ``simple-icd-10-cm`` package (``icd-10-cm-categories.tsv``, regenerated with
  ``python -m workbench.scoring.diagnosis_terms``), each also without its parenthesised words and without a
  leading "Other" or "Unspecified"; and ``diagnosis-synonyms-en.yaml``, clinical names of the categories
  written for this project. English is compared in lower case, British and American spellings alike
  (``ae``/``oe`` read as ``e``), hyphens and punctuation as spaces.
- Chinese: ``diagnosis-terms-zh.yaml``, standard names of WHO ICD-10 categories written for this project.

Abbreviations (NSTEMI, COPD, 心梗, 房颤) and colloquial names are not listed: a summary that writes them
states a diagnosis, but not in standard terms. Procedures named in place of a diagnosis ("Total
thyroidectomy") do not map either.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from workbench.errors import WorkbenchError
from workbench.scoring.structure import section_bodies

TERMS_DIR = Path(__file__).resolve().parent.parent / "data" / "shipped" / "terms"
CATEGORY_TITLES_FILE = "icd-10-cm-categories.tsv"
SYNONYM_FILES = {"en": "diagnosis-synonyms-en.yaml", "zh": "diagnosis-terms-zh.yaml"}
ASSESSMENT_WORDS = ("assessment", "diagnos", "impression", "诊断")
_CATEGORY = re.compile(r"(?:[A-Z][0-9]|Q[A-Z])[0-9A-Z]")  # as workbench.scoring.coding reads a code's category


class TermListError(WorkbenchError, ValueError):
    """A shipped term list is malformed; the message names the file, the line or the category."""


@dataclass(frozen=True)
class TermMatch:
    """One diagnosis of a summary, and the category and term it maps to (None when it maps to none)."""

    text: str
    category: str | None = None
    term: str | None = None


@dataclass(frozen=True)
class TermCheck:
    diagnoses: tuple[TermMatch, ...]

    @property
    def mapped_rate(self) -> float | None:
        """Share of the diagnoses that map to a category; None when the section states none."""
        if not self.diagnoses:
            return None
        return sum(1 for item in self.diagnoses if item.category is not None) / len(self.diagnoses)


# --- the term lists -------------------------------------------------------------------------------

def normalise_english(text: str) -> tuple[str, ...]:
    """Lower-case words, British spellings read as American (anaemia, oedema), punctuation as spaces."""
    text = unicodedata.normalize("NFKC", text).lower().replace("'", "").replace("\u2019", "")
    text = text.replace("ae", "e").replace("oe", "e")
    return tuple(re.findall(r"[a-z0-9]+", text))


def normalise_chinese(text: str) -> str:
    """Full-width forms as half-width, lower case, no spaces."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text).lower())


def title_forms(title: str) -> list[str]:
    """A category title as written, without its parenthesised or bracketed words, and without a leading
    "Other" or "Unspecified" ("Other chronic obstructive pulmonary disease")."""
    forms = [title]
    bare = re.sub(r"\s*[(\[][^)\]]*[)\]]", "", title).strip()
    forms.append(bare)
    for form in list(forms):
        stripped = re.sub(r"^(other|unspecified)\s+", "", form, flags=re.IGNORECASE)
        forms.append(stripped)
    return [form for index, form in enumerate(forms) if form and form not in forms[:index]]


def read_category_titles(path: Path) -> dict[str, str]:
    """``category -> title`` from the shipped TSV (lines ``CODE<TAB>TITLE``; ``#`` starts a comment line)."""
    titles: dict[str, str] = {}
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise TermListError(f"{path}: cannot be read: {exc}") from exc
    for number, line in enumerate(lines, start=1):
        if not line.strip() or line.startswith("#"):
            continue
        code, tab, title = line.partition("\t")
        if not tab or not _CATEGORY.fullmatch(code) or not title.strip():
            raise TermListError(f"{path}:{number}: expected CODE<TAB>TITLE with a three-character category, "
                                f"got {line[:80]!r}")
        if code in titles:
            raise TermListError(f"{path}:{number}: category {code} appears twice")
        titles[code] = title.strip()
    return titles


def read_synonyms(path: Path, known_categories: set[str] | None = None) -> dict[str, list[str]]:
    """``category -> terms`` from a shipped YAML list (``terms: {CATEGORY: [term, ...]}``); a category the code
    table does not have (when ``known_categories`` is given) or a term under two categories is an error."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise TermListError(f"{path}: cannot be read as YAML: {exc}") from exc
    if not isinstance(document, dict) or not isinstance(document.get("terms"), dict) or not document.get("source"):
        raise TermListError(f"{path}: expected a mapping with 'source' (where the list comes from) and "
                            "'terms' (category -> list of terms)")
    owner: dict[str, str] = {}
    terms: dict[str, list[str]] = {}
    for category, names in document["terms"].items():
        where = f"{path}: terms.{category}"
        if not isinstance(category, str) or not _CATEGORY.fullmatch(category):
            raise TermListError(f"{where}: the key must be a three-character ICD-10 category such as I21")
        if known_categories is not None and category not in known_categories:
            raise TermListError(f"{where}: no such category in the code table")
        if not isinstance(names, list) or not names or not all(isinstance(n, str) and n.strip() for n in names):
            raise TermListError(f"{where}: expected a non-empty list of terms")
        for name in names:
            key = name.strip().lower()
            if key in owner and owner[key] != category:
                raise TermListError(f"{where}: term {name!r} is already listed under {owner[key]}")
            owner[key] = category
        terms[category] = [name.strip() for name in names]
    return terms


@dataclass(frozen=True)
class TermIndex:
    """Every standard term of one language, keyed for lookup: word tuples (English) or text (Chinese)."""

    language: str
    terms: dict[Any, tuple[str, str]]  # normalised term -> (category, term as listed)
    longest: int


@lru_cache(maxsize=None)
def term_index(language: str) -> TermIndex:
    """The standard terms of ``language`` (``en`` or ``zh``), read once from the shipped lists."""
    if language not in SYNONYM_FILES:
        raise TermListError(f"no standard diagnosis terms for language {language!r}; known: {', '.join(SYNONYM_FILES)}")
    titles = read_category_titles(TERMS_DIR / CATEGORY_TITLES_FILE) if language == "en" else {}
    synonyms = read_synonyms(TERMS_DIR / SYNONYM_FILES[language], set(titles) if titles else None)
    # The listed synonyms first (a derived title form such as "hypertension" from "Other hypertension" must not take
    # a term the list gives to another category), then the titles; external causes (V01-Y99) are not diagnoses.
    entries = [(category, name) for category, names in synonyms.items() for name in names]
    entries += [(category, form) for category, title in titles.items() if category[0] not in "VWXY"
                for form in title_forms(title)]
    terms: dict[Any, tuple[str, str]] = {}
    for category, name in entries:
        key: Any = normalise_english(name) if language == "en" else normalise_chinese(name)
        if key:
            terms.setdefault(key, (category, name))
    return TermIndex(language, terms, max(len(key) for key in terms))


def match_term(text: str, index: TermIndex) -> TermMatch:
    """The longest standard term ``text`` contains (whole words in English), and its category."""
    # English terms are tuples of whole words, Chinese ones strings: either is searched by its slices.
    pieces = normalise_english(text) if index.language == "en" else normalise_chinese(text)
    for size in range(min(index.longest, len(pieces)), 0, -1):
        for start in range(len(pieces) - size + 1):
            found = index.terms.get(pieces[start:start + size])
            if found:
                return TermMatch(text, found[0], found[1])
    return TermMatch(text)


# --- the diagnoses of a summary -------------------------------------------------------------------

_LIST_MARKER = re.compile(r"^\s*(?:[-*•·]|\d+\s*[.)、．]|[（(]\d+[)）])\s*")
_LABEL = re.compile(r"^(?:diagnos[ie]s|impression|assessment|诊断)\s*[:：]\s*", re.IGNORECASE)
_SENTENCE_END = re.compile(r"\.(?=\s|$)|;")
_TRAILING = "。.;；,，、 "


def assessment_heading(required_sections: tuple[str, ...]) -> str | None:
    """The required section that holds the diagnoses: its heading names the assessment or diagnosis."""
    for heading in required_sections:
        if any(word in heading.lower() for word in ASSESSMENT_WORDS):
            return heading
    return None


def diagnosis_statements(body: str, language: str) -> list[str]:
    """The diagnoses written in an assessment section's ``body`` (see the module's docstring)."""
    statements: list[str] = []
    for line in body.splitlines():
        line = _LABEL.sub("", _LIST_MARKER.sub("", line)).strip()
        if not line:
            continue
        if language == "zh":
            parts = re.split(r"[；;]", line)
        else:
            if re.match(r"plan\b", line, re.IGNORECASE):
                continue
            parts = [_SENTENCE_END.split(line, maxsplit=1)[0]]
        statements += [cleaned for part in parts if (cleaned := _LIST_MARKER.sub("", part).strip(_TRAILING))]
    return statements


def check_terms(output: str, required_sections: tuple[str, ...], language: str,
                synonyms: dict[str, tuple[str, ...]] | None = None) -> TermCheck | None:
    """The diagnoses of ``output``'s assessment section and the standard terms they map to; None when the set has
    no assessment section or its language no term list."""
    heading = assessment_heading(tuple(required_sections))
    if heading is None or language not in SYNONYM_FILES:
        return None
    body = section_bodies(output, required_sections, synonyms).get(heading, "")
    index = term_index(language)
    return TermCheck(tuple(match_term(statement, index) for statement in diagnosis_statements(body, language)))


# --- regenerating the English category titles ----------------------------------------------------

TITLES_HEADER = """# ICD-10-CM categories (three characters) and their titles, one per line: CODE<TAB>TITLE.
# Source: the ICD-10-CM tabular list shipped in the simple-icd-10-cm package (version {version}), read with its API.
# Written by `python -m workbench.scoring.diagnosis_terms`; do not edit by hand.
"""


def category_titles_text() -> str:
    """The TSV of every ICD-10-CM category title, from the installed ``simple-icd-10-cm`` (takes seconds)."""
    from importlib.metadata import version

    from workbench.scoring.coding import _table

    table = _table("icd-10-cm")
    categories = dict.fromkeys(code for code in table.get_all_codes(with_dots=True) if table.is_category(code))
    lines = [f"{code}\t{table.get_description(code)}" for code in categories]  # a block named like its category once
    return TITLES_HEADER.format(version=version("simple-icd-10-cm")) + "\n".join(lines) + "\n"


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else TERMS_DIR / CATEGORY_TITLES_FILE
    path.write_text(category_titles_text(), encoding="utf-8")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
