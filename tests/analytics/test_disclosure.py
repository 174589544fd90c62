"""Disclosure control: no suppressed value can be read back from what is shown."""

import itertools

import numpy as np
import pandas as pd
import pytest

from analytics.disclosure import DisclosurePolicy, default_policy, safe_total, suppress_table, suppression_mask


def test_primary_suppression_by_hand():
    mask = suppression_mask([0, 1, 4, 5, 12, 3], threshold=5)
    # 1, 4 and 3 are suppressed; three suppressed cells in the one group: no secondary needed
    assert mask.tolist() == [False, True, True, False, False, True]


def test_secondary_suppression_when_one_cell_alone_would_be_revealed():
    # group A: one small cell (2) -> the next smallest non-zero (7) is suppressed too
    counts = [2, 7, 30, 0, 9, 10]
    groups = ["A", "A", "A", "B", "B", "B"]
    mask = suppression_mask(counts, groups, threshold=5)
    assert mask.tolist() == [True, True, False, False, False, False]


def _recoverable(counts, groups, mask):
    """Cells an attacker can compute exactly from the group totals and the shown cells."""
    found = set()
    for g in set(groups):
        idx = [i for i, gg in enumerate(groups) if gg == g]
        hidden = [i for i in idx if mask[i]]
        if len(hidden) == 1 and len(idx) > 1:  # a one-cell group's total is itself suppressed (safe_total)
            found.add(hidden[0])
    return found


@pytest.mark.parametrize("seed", range(30))
def test_no_suppressed_cell_can_be_recovered_from_group_totals(seed):
    rng = np.random.default_rng(seed)
    counts = rng.integers(0, 9, size=24)
    groups = list(rng.choice(list("ABCD"), size=24))
    mask = suppression_mask(counts, groups, threshold=5)
    small = (counts > 0) & (counts < 5)
    assert mask[small].all()  # every small count hidden
    assert _recoverable(counts, groups, mask) == set()


def test_suppress_table_withholds_derived_values_and_changes_nothing_else():
    table = pd.DataFrame({"area": ["a", "b", "c", "d"], "la": ["X", "X", "Y", "Y"], "count": [3, 8, 0, 20],
                          "rate": [1.5, 4.0, 0.0, 10.0]})
    shown = suppress_table(table, ["count"], ["rate"], DisclosurePolicy(threshold=5), group_column="la")
    assert shown["count"].tolist() == ["<5", "<5", "0", "20"]
    assert shown["rate"].isna().tolist() == [True, True, False, False]
    text = shown.to_csv()
    assert ",3," not in text and ",8," not in text and "1.5" not in text and "4.0" not in text


def test_policy_defaults_and_totals():
    assert default_policy(["police"]).enabled is False
    assert default_policy(["police", "ed"]).enabled is True
    assert safe_total([1, 2], DisclosurePolicy()) == "<5"
    assert safe_total([1, 2], DisclosurePolicy(enabled=False)) == "3"
    with pytest.raises(ValueError):
        DisclosurePolicy(threshold=0)
    assert suppress_table(pd.DataFrame({"n": [1]}), ["n"], [], DisclosurePolicy(enabled=False))["n"].tolist() == [1]
