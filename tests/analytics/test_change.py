"""The change test, checked by hand on small counts."""

import pytest

from analytics.change import compare_counts


def test_by_hand_binomial():
    # 6 vs 2: P(X>=6 | n=8, p=1/2) = (C(8,6)+C(8,7)+C(8,8))/256 = 37/256; two-sided doubles it
    c = compare_counts(6, 2)
    assert c.pct_change == pytest.approx(200.0)
    assert c.p_value == pytest.approx(2 * 37 / 256)
    assert "within what chance alone produces" in c.sentence


def test_large_change_is_flagged():
    c = compare_counts(300, 200)
    assert c.p_value < 0.001 and c.sentence.startswith("Up 50 %")


def test_nothing_before_and_estimates():
    assert compare_counts(5, 0).pct_change is None
    assert compare_counts(10.5, 7.2).p_value is None  # estimated (non-integer) counts: no exact test
    with pytest.raises(ValueError):
        compare_counts(-1, 3)
