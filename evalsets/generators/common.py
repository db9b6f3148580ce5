"""Helpers shared by the set builders: seeded randomness and the PHI mark-up."""

from __future__ import annotations

import random
import re

from faker import Faker

# Faker's output depends on its version: the sets are reproducible with this one.
FAKER_VERSION = "40.54.0"


def mark(label: str, text: str) -> str:
    """Inline PHI mark, turned into a span by workbench.data.evalsets.unmark_phi."""
    return f"[[{label}|{text}]]"


def seeded(seed: int, locale: str) -> tuple[random.Random, Faker]:
    fake = Faker(locale)
    fake.seed_instance(seed)
    return random.Random(seed), fake


def resident_id_check_digit(first17: str) -> str:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(digit) * weight for digit, weight in zip(first17, weights))
    return "10X98765432"[total % 11]


def words_of(text: str) -> set[str]:
    return {word.lower() for word in re.findall(r"[A-Za-z]+", text)}
