"""Weighted displacement quotient and total net effect (Bowers & Johnson 2003), by hand."""

import pytest

from analytics.displacement import NO_BUFFER, NO_FALL, WDQ_BANDS, WeightedDisplacementQuotient, wdq_band

# target 100 -> 50, comparison 1000 -> 1000: success measure = 50/1000 - 100/1000 = -0.05
T_B, T_A, C_B, C_A = 100, 50, 1000, 1000


@pytest.mark.parametrize("buffer_after, wdq, band", [
    (40, 1.2, "diffusion_greater"),      # D = 40/1000 - 100/1000 = -0.06; WDQ = -0.06 / -0.05 = 1.2
    (80, 0.4, "diffusion"),              # D = -0.02; WDQ = 0.4
    (100, 0.0, "none"),                  # D = 0
    (120, -0.4, "displacement_smaller"),  # D = +0.02; WDQ = -0.4
    (160, -1.2, "displacement_greater"),  # D = +0.06; WDQ = -1.2
])
def test_wdq_bands_by_hand(buffer_after, wdq, band):
    d = WeightedDisplacementQuotient(T_B, T_A, 100, buffer_after, C_B, C_A)
    assert d.success_measure == pytest.approx(-0.05)
    assert d.buffer_measure == pytest.approx(buffer_after / 1000 - 0.1)
    assert d.reported and d.wdq == pytest.approx(wdq, abs=1e-12)
    assert d.band == band
    assert d.reading == f"WDQ {wdq:.2f}: {dict(WDQ_BANDS)[band]}"
    # net effect: (100 * 1000/1000 - 50) + (100 * 1000/1000 - buffer_after)
    assert d.target_net_effect == pytest.approx(50)
    assert d.buffer_net_effect == pytest.approx(100 - buffer_after)
    assert d.total_net_effect == pytest.approx(150 - buffer_after)


def test_more_harm_than_good_words():
    assert "more harm than good" in WeightedDisplacementQuotient(T_B, T_A, 100, 160, C_B, C_A).reading


def test_band_edges():
    assert wdq_band(1.0)[0] == "diffusion"
    assert wdq_band(1.0000001)[0] == "diffusion_greater"
    assert wdq_band(-1.0)[0] == "displacement_smaller"
    assert wdq_band(-1.0000001)[0] == "displacement_greater"
    assert wdq_band(1e-15)[0] == "none"
    with pytest.raises(ValueError, match="finite"):
        wdq_band(float("nan"))


def test_net_effect_with_a_changing_comparison():
    # Tb 80, Ta 60, Bb 120, Ba 130, Cb 2000, Ca 2200 (comparison up 10 %)
    d = WeightedDisplacementQuotient(80, 60, 120, 130, 2000, 2200)
    # success = 60/2200 - 80/2000 = 0.0272727 - 0.04 = -0.0127273
    assert d.success_measure == pytest.approx(60 / 2200 - 0.04)
    # buffer = 130/2200 - 120/2000 = 0.0590909 - 0.06 = -0.0009091; WDQ = 0.0714 (a little diffusion)
    assert d.wdq == pytest.approx((130 / 2200 - 0.06) / (60 / 2200 - 0.04))
    assert d.wdq == pytest.approx(0.0714286, abs=1e-6) and d.band == "diffusion"
    # expected after = before * 1.1: target 88 - 60 = 28; buffer 132 - 130 = 2; total 30 prevented
    assert d.expected_target_after == pytest.approx(88) and d.expected_buffer_after == pytest.approx(132)
    assert d.total_net_effect == pytest.approx(30)


def test_no_relative_fall_means_no_wdq():
    # target 100 -> 100 with the comparison flat: success = 0 -> nothing to displace
    d = WeightedDisplacementQuotient(100, 100, 100, 150, 1000, 1000)
    assert not d.reported and d.wdq is None and d.band is None and d.reading == NO_FALL
    assert d.total_net_effect == pytest.approx(0 + (100 - 150))
    rise = WeightedDisplacementQuotient(100, 130, 100, 80, 1000, 1000)
    assert rise.wdq is None and rise.reading == NO_FALL


def test_no_buffer():
    d = WeightedDisplacementQuotient(100, 50, None, None, 1000, 1000)
    assert d.wdq is None and d.reading == NO_BUFFER and d.buffer_net_effect is None
    assert d.total_net_effect == pytest.approx(50)  # target part only
    assert d.to_dict()["buffer_before"] is None


def test_bad_input():
    with pytest.raises(ValueError, match="comparison zone has no incidents before"):
        WeightedDisplacementQuotient(100, 50, 10, 10, 0, 1000)
    with pytest.raises(ValueError, match="comparison zone has no incidents after"):
        WeightedDisplacementQuotient(100, 50, 10, 10, 1000, 0)
    with pytest.raises(ValueError, match="both buffer_before and buffer_after"):
        WeightedDisplacementQuotient(100, 50, 10, None, 1000, 1000)
    with pytest.raises(ValueError, match="cannot be negative"):
        WeightedDisplacementQuotient(100, 50, -1, 10, 1000, 1000)
