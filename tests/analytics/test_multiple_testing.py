import numpy as np
import pytest
from scipy.stats import false_discovery_control

from analytics.multiple_testing import benjamini_hochberg


def test_by_hand_largest_rank_rule():
    # m = 4, alpha = 0.05: thresholds r * 0.05 / 4 = 0.0125, 0.025, 0.0375, 0.05
    # sorted p: 0.01 <= 0.0125 yes, 0.03 <= 0.025 no, 0.04 <= 0.0375 no, 0.2 <= 0.05 no -> reject only 0.01
    p = [0.04, 0.01, 0.2, 0.03]
    assert benjamini_hochberg(p, 0.05).tolist() == [False, True, False, False]


def test_step_up_rejects_all_below_the_last_crossing():
    # every p = 0.04 exceeds the first threshold (0.0125) but the 4th sorted p (0.04) <= 4 * 0.05 / 4,
    # and BH rejects everything up to the largest such rank
    assert benjamini_hochberg([0.04, 0.04, 0.04, 0.04], 0.05).all()
    # exactly on a threshold counts as rejected: p_(2) = 2 * 0.1 / 4 = 0.05
    assert benjamini_hochberg([0.5, 0.05, 0.02, 0.9], 0.1).tolist() == [False, True, True, False]


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("alpha", [0.01, 0.05, 0.10])
def test_matches_scipy_false_discovery_control(seed, alpha):
    rng = np.random.default_rng(seed)
    m = 500
    p = rng.uniform(size=m)
    signal = rng.uniform(size=m) < 0.2
    p[signal] = rng.beta(0.3, 8, size=signal.sum())  # a share of small p-values, as with real hot spots
    expected = false_discovery_control(p, method="bh") <= alpha
    got = benjamini_hochberg(p, alpha)
    np.testing.assert_array_equal(got, expected)
    assert 0 < expected.sum() < m  # a non-trivial case: some but not all rejected


def test_shape_kept_and_empty():
    p = np.array([[0.001, 0.5], [0.02, 0.9]])
    out = benjamini_hochberg(p, 0.05)
    assert out.shape == (2, 2)
    np.testing.assert_array_equal(out.ravel(), false_discovery_control(p.ravel()) <= 0.05)
    assert benjamini_hochberg([], 0.05).shape == (0,)


@pytest.mark.parametrize(
    "p, alpha",
    [([0.1, np.nan], 0.05), ([0.1, 1.2], 0.05), ([-0.1, 0.2], 0.05), ([0.1], 0), ([0.1], 1), ([0.1], "0.05")],
)
def test_bad_input_raises(p, alpha):
    with pytest.raises(ValueError):
        benjamini_hochberg(p, alpha)
