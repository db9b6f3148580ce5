"""Krippendorff's α for nominal data against examples computed by hand, with missing values and the cases
where α is undefined."""

from __future__ import annotations

import pytest

from workbench.judges.agreement import coincidences, krippendorff_alpha_nominal

N = None


def test_two_raters_binary_by_hand() -> None:
    # units (a,a) (a,b) (b,b) (b,b): o_aa = 2, o_ab = o_ba = 1, o_bb = 4; n_a = 3, n_b = 5, n = 8
    # alpha = 1 - (n - 1) * (o_ab + o_ba) / (n_a n_b + n_b n_a) = 1 - 7 * 2 / 30 = 16/30
    units = [("a", "a"), ("a", "b"), ("b", "b"), ("b", "b")]
    assert coincidences(units) == {("a", "a"): 2, ("a", "b"): 1, ("b", "a"): 1, ("b", "b"): 4}
    assert krippendorff_alpha_nominal(units) == pytest.approx(16 / 30)


def test_a_missing_value_leaves_a_unit_with_one_value_out() -> None:
    units = [("a", "a"), ("a", "b"), ("b", "b"), ("b", "b")]
    assert krippendorff_alpha_nominal([*units, ("a", N), (N, N)]) == pytest.approx(16 / 30)


def test_three_raters_with_a_missing_value_by_hand() -> None:
    # (T,T,F): m = 3, each ordered pair weighs 1/2: o_TT = 1, o_TF = o_FT = 1
    # (F,F,None): m = 2: o_FF = 2;  (T,T,T): o_TT += 3
    # n_T = 4 + 1 = 5, n_F = 1 + 2 = 3, n = 8; alpha = 1 - 7 * 2 / (2 * 5 * 3) = 1 - 14/30
    units = [(True, True, False), (False, False, N), (True, True, True)]
    assert krippendorff_alpha_nominal(units) == pytest.approx(16 / 30)


def test_krippendorffs_published_example() -> None:
    # Krippendorff (2011), "Computing Krippendorff's alpha-reliability": four observers, twelve units, values
    # missing; nominal alpha = 0.743
    a = [1, 2, 3, 3, 2, 1, 4, 1, 2, N, N, N]
    b = [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, N, 3]
    c = [N, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, N]
    d = [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, N]
    assert krippendorff_alpha_nominal(list(zip(a, b, c, d))) == pytest.approx(0.743, abs=5e-4)


def test_perfect_and_systematic_disagreement() -> None:
    assert krippendorff_alpha_nominal([("a", "a"), ("b", "b")]) == 1.0
    # (a,b) (b,a): o_ab = o_ba = 2, n_a = n_b = 2, n = 4: 1 - 3 * 4 / 8
    assert krippendorff_alpha_nominal([("a", "b"), ("b", "a")]) == pytest.approx(-0.5)


def test_alpha_is_undefined_for_a_single_category_or_nothing_to_pair() -> None:
    assert krippendorff_alpha_nominal([(True, True), (True, True, N), (True, N)]) is None  # no disagreement possible
    assert krippendorff_alpha_nominal([("a", N), (N, "b")]) is None  # no unit has two values
    assert krippendorff_alpha_nominal([]) is None
