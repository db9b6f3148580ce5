"""How far several raters (judge models, clinicians) agree: Krippendorff's α for nominal data.

α = 1 − D_o / D_e, from the coincidence matrix of the values raters gave to the same unit. Each unit is the
list of values its raters gave, ``None`` where a rater gave none (a missing or unparsed answer): any number of
raters, with values missing anywhere. A unit with fewer than two values cannot be paired and is left out.
α is undefined (None) when fewer than two values can be paired, or when every paired value is the same
category, so that no disagreement could even be expected (D_e = 0).

For nominal data, with o_ck the coincidences of categories c and k, n_c = Σ_k o_ck and n = Σ_c n_c::

    α = 1 − (n − 1) · Σ_{c≠k} o_ck / Σ_{c≠k} n_c · n_k
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Sequence


def coincidences(units: Sequence[Sequence[Hashable | None]]) -> Counter[tuple[Hashable, Hashable]]:
    """The coincidence matrix: each ordered pair of values from different raters of a unit counts
    1 / (m_u − 1), m_u being the number of values the unit has."""
    matrix: Counter[tuple[Hashable, Hashable]] = Counter()
    for unit in units:
        values = [value for value in unit if value is not None]
        if len(values) < 2:
            continue
        weight = 1.0 / (len(values) - 1)
        for first_index, first in enumerate(values):
            for second_index, second in enumerate(values):
                if first_index != second_index:
                    matrix[(first, second)] += weight
    return matrix


def krippendorff_alpha_nominal(units: Sequence[Sequence[Hashable | None]]) -> float | None:
    """Krippendorff's α of nominal values (see the module's docstring); None when undefined."""
    matrix = coincidences(units)
    totals: Counter[Hashable] = Counter()
    for (first, _second), count in matrix.items():
        totals[first] += count
    pairable = sum(totals.values())
    if pairable < 2:
        return None
    observed = sum(count for (first, second), count in matrix.items() if first != second)
    expected = sum(totals[first] * totals[second] for first in totals for second in totals if first != second)
    if expected == 0:
        return None
    return 1.0 - (pairable - 1) * observed / expected
