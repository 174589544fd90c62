"""Disclosure control: no hidden count can be worked out from what a view shows.

The attacker (tests/disclosure_attack.py) is an integer program over every shown cell and total;
each test asks it for the smallest and largest value of every hidden cell and requires two
different answers.
"""

import numpy as np
import pandas as pd
import pytest

from analytics.disclosure import (SECONDARY_LABEL, UNSUPPRESSED_BANNER, DisclosurePolicy, ProtectedCounts,
                                  default_policy, protect_column)
from analytics.suppression import PRIMARY, SECONDARY, SHOWN, Constraint, stand_ins, suppress
from tests.disclosure_attack import feasible_ranges, recovered


def _one_group(cells):
    values = np.array([*cells, sum(cells)], dtype=float)
    constraints = [Constraint(len(cells), np.arange(len(cells)))]
    return values, constraints


@pytest.mark.parametrize("cells", [[1, 1, 50], [4, 4, 50], [2, 1, 50], [3, 60, 70], [2, 7, 30, 0, 9, 10],
                                   [1, 2, 3, 40, 40], [4, 4, 4, 4], [3, 0, 0, 0]])
def test_small_cells_beside_their_total_cannot_be_solved(cells):
    values, constraints = _one_group(cells)
    result = suppress(values, constraints, 5)
    small = (values > 0) & (values < 5)
    assert (result.status[small] == PRIMARY).all()  # every 1-4 hidden, the total too when small
    assert (result.status[values == 0] != PRIMARY).all()
    ranges = feasible_ranges(values, result.status, constraints, 5)
    assert ranges and all(lo < hi for lo, hi in ranges.values()), ranges
    hidden_parts = result.status[:-1] != SHOWN
    if result.status[-1] == SHOWN and (result.status[:-1] == PRIMARY).any():
        assert values[:-1][hidden_parts].sum() >= 5  # the hidden cells together are never a small number


def test_the_old_one_hidden_cell_rule_was_not_enough():
    # [1, 1, 50] with its total: hiding only the 1s (two hidden cells: the old rule was satisfied)
    values, constraints = _one_group([1, 1, 50])
    naive = np.array([PRIMARY, PRIMARY, SHOWN, SHOWN])
    assert sorted(recovered(values, naive, constraints, 5)) == [0, 1]  # both 1s are determined
    assert recovered(values, suppress(values, constraints, 5).status, constraints, 5) == []


@pytest.mark.parametrize("seed", range(25))
def test_random_groups_with_their_totals_resist_the_attack(seed):
    rng = np.random.default_rng(seed)
    n_groups = int(rng.integers(1, 5))
    values, constraints, start = [], [], 0
    for _ in range(n_groups):
        size = int(rng.integers(2, 8))
        cells = rng.choice([0, 0, 1, 2, 3, 4, 5, 6, 9, 14, 30], size=size).astype(float)
        values += list(cells)
        constraints.append((start, size))
        start += size
    totals = [sum(values[a:a + k]) for a, k in constraints]
    n_cells = len(values)
    values = np.array(values + totals + [sum(totals)])
    cons = [Constraint(n_cells + g, np.arange(a, a + k)) for g, (a, k) in enumerate(constraints)]
    cons.append(Constraint(len(values) - 1, np.arange(n_cells, n_cells + n_groups)))
    result = suppress(values, cons, 5)
    assert result.unprotectable == []
    assert recovered(values, result.status, cons, 5) == []


def _synthetic_hierarchy(seed=3, months=6, mean=0.5):
    """A real-shaped extent: Solihull's 134 LSOAs in their 2024 wards, Poisson counts per month."""
    from geo import datasets as D

    frame = D.lsoa_frame()
    frame = frame[frame["lad_code"] == "E08000029"]
    codes = frame["area_code"].to_numpy()
    rng = np.random.default_rng(seed)
    labels = [f"2024-{m:02d}" for m in range(1, months + 1)]
    steps = pd.DataFrame(rng.poisson(mean, size=(len(codes), months)).astype(float), index=codes, columns=labels)
    return steps.sum(axis=1), frame.set_index("area_code")[["ward_code", "lad_code"]], steps


def test_areas_wards_authorities_and_their_months_resist_the_attack():
    counts, hierarchy, steps = _synthetic_hierarchy()
    pc = ProtectedCounts(counts, hierarchy, steps, DisclosurePolicy())
    assert pc.leaf_hidden.sum() > 50  # a hard case: most LSOAs hold 1-4 incidents
    assert pc.unprotectable == []
    ranges = feasible_ranges(pc.values, pc.status, pc.constraints, 5)
    assert len(ranges) > 100 and all(lo < hi for lo, hi in ranges.values())


def test_every_view_uses_the_same_pattern_so_a_ward_cut_matches_the_ward_total():
    counts, hierarchy, steps = _synthetic_hierarchy(seed=8)
    pc = ProtectedCounts(counts, hierarchy, steps, DisclosurePolicy())
    ward = hierarchy["ward_code"].iloc[0]
    in_ward = hierarchy.index[hierarchy["ward_code"] == ward]
    shown_cells = pc.leaf_labels().reindex(in_ward)
    hidden = shown_cells.isin(["<5", SECONDARY_LABEL])
    if pc.total_label("ward_code", ward) not in ("<5", SECONDARY_LABEL) and hidden.any():
        # the ward total minus the shown cells leaves the hidden ones' sum: never a single cell, never small
        assert hidden.sum() >= 2
        assert counts.reindex(in_ward)[hidden.to_numpy()].sum() >= 5


def test_secondary_cells_are_labelled_apart_and_can_be_large():
    values, constraints = _one_group([3, 60, 70])
    result = suppress(values, constraints, 5)
    assert result.status.tolist() == [PRIMARY, SECONDARY, SHOWN, SHOWN]
    pc = ProtectedCounts(pd.Series([3.0, 60, 70], index=["a", "b", "c"]), None, None, DisclosurePolicy())
    assert pc.leaf_labels().tolist() == ["<5", SECONDARY_LABEL, "70"]
    assert "<5" not in pc.leaf_labels()["b"]


def test_statistics_values_depend_only_on_what_is_shown():
    # two worlds that look the same from outside: same shown cells and total, different hidden ones
    a = pd.Series([1.0, 3.0, 20.0, 7.0, 30.0], index=list("abcde"))
    b = pd.Series([3.0, 1.0, 20.0, 7.0, 30.0], index=list("abcde"))
    pa, pb = (ProtectedCounts(s, None, None, DisclosurePolicy()) for s in (a, b))
    assert pa.leaf_labels().tolist() == pb.leaf_labels().tolist()
    assert np.allclose(pa.statistics_values(), pb.statistics_values())
    est = pa.statistics_values()
    assert est.sum() == pytest.approx(a.sum())  # the shown total is kept
    hidden = pa.leaf_hidden.to_numpy()
    assert hidden.tolist() == [True, True, False, True, False]  # 1 + 3 alone would be a small sum: the 7 goes too
    assert est[hidden].sum() == pytest.approx(11.0)  # the hidden remainder (58 - 20 - 30), shared out
    assert est["a"] == pytest.approx(est["b"])


def test_stand_ins_respect_each_hidden_domain():
    values, constraints = _one_group([2, 9, 40])
    status = np.array([PRIMARY, SECONDARY, SHOWN, SHOWN])
    est = stand_ins(values, status, constraints, 5)
    assert 1 <= est[0] <= 4 and est[:3].sum() == pytest.approx(51)


def test_a_custom_list_shows_its_total_only_without_hidden_areas():
    counts = pd.Series([3.0, 12.0, 20.0, 7.0, 30.0], index=list("abcde"))
    pc = ProtectedCounts(counts, None, None, DisclosurePolicy())
    text, note = pc.custom_total(["a", "b"])  # (A + X) - X would give A
    assert text == "withheld" and "hidden" in note
    hidden = set(pc.leaf_hidden[pc.leaf_hidden].index)
    visible = [c for c in counts.index if c not in hidden]
    assert pc.custom_total(visible)[0] == f"{counts[visible].sum():,.0f}"


def test_label_frame_hides_counts_and_withholds_everything_derived():
    counts = pd.Series([3.0, 12.0, 20.0, 7.0, 30.0], index=list("abcde"))
    pc = ProtectedCounts(counts, None, None, DisclosurePolicy())
    frame = pd.DataFrame({"area_code": list("abcde"), "count": counts.to_numpy(), "rank": [5, 3, 2, 4, 1],
                          "gi_z": [0.1, 0.2, 0.3, 0.4, 0.5], "population": [1000] * 5})
    shown = pc.label_frame(frame, ["count"], ["rank", "gi_z"])
    hidden = pc.leaf_hidden.to_numpy()
    assert shown.loc[hidden, ["rank", "gi_z"]].isna().all().all()
    assert (shown["population"] == 1000).all()  # not derived from the counts: kept
    assert not any(str(v) in ("3", "3.0") for v in shown["count"])


def test_protect_column_for_small_tables():
    labels, hidden = protect_column([0, 2, 14, 30, 1], DisclosurePolicy())
    assert labels[0] == "0" and labels[1] == "<5" and labels[4] == "<5"
    assert hidden.tolist()[1] and hidden.tolist()[4]
    assert protect_column([2, 30], DisclosurePolicy(enabled=False))[0] == ["2", "30"]


def test_policy_defaults_sensitive_sources_and_the_unsuppressed_banner():
    assert default_policy(["police"]).enabled is False
    assert default_policy(["police", "ed"]).enabled is True
    assert default_policy(["ambulance"]).reason == "sensitive source: ambulance"
    assert default_policy(["other"], sensitive=["other"]).enabled is True
    assert default_policy(["police"], requested=True).enabled is True
    raw = default_policy(["ed"], unsuppressed=True)
    assert raw.enabled is False and raw.unsuppressed
    assert raw.metadata()["WARNING"] == UNSUPPRESSED_BANNER and UNSUPPRESSED_BANNER in raw.rule
    meta = DisclosurePolicy(threshold=10).metadata()
    assert meta["suppression_threshold"] == "10" and "<10" in meta["disclosure_control"]
    with pytest.raises(ValueError):
        DisclosurePolicy(threshold=1)


def test_two_periods_with_their_row_and_column_totals_resist_the_attack():
    """`change` shows each area's A and B: their sum is the area's total, and each column has a total."""
    from analytics.disclosure import TwoPeriodCounts

    counts, hierarchy, steps = _synthetic_hierarchy(seed=11, months=6, mean=0.6)
    a, b = steps.iloc[:, :3].sum(axis=1), steps.iloc[:, 3:].sum(axis=1)
    two = TwoPeriodCounts(a, b, DisclosurePolicy())
    ranges = feasible_ranges(two.values, two.status, two.constraints, 5)
    assert len(ranges) > 50 and all(lo < hi for lo, hi in ranges.values())
    labels = pd.concat([two.labels_a, two.labels_b])
    small = pd.concat([a, b]).between(1, 4)
    assert labels[small.to_numpy()].eq("<5").all()
