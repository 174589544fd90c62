import numpy as np
import pandas as pd
import pytest

from analytics.space_time import SpaceTimeCube, build_cube, month_days, parse_step


def months_range(first, n):
    return [str(p) for p in pd.period_range(first, periods=n, freq="M")]


def uniform_incidents(locs, months, per_cell=3):
    """per_cell incidents in every (location, month): a cube with no gaps."""
    loc = np.repeat(np.tile(locs, len(months)), per_cell)
    mon = np.repeat(np.repeat(months, len(locs)), per_cell)
    return loc, mon


# ---------------------------------------------------------------- counting


def test_counts_by_hand_with_zero_rows_unmatched_and_missing():
    locs = ["A", "A", "B", "A", "X", None, "B", "A", "B", "A", "B", "A"]
    mons = ["2024-01", "2024-01", "2024-02", "2024-03", "2024-03", "2024-02", "2024-04", "2024-04", None,
            "2024-02", "2024-03", "2024-04"]
    cube = build_cube(locs, mons, ["A", "B", "C"])
    assert cube.steps == ["2024-01", "2024-02", "2024-03", "2024-04"]
    np.testing.assert_array_equal(cube.counts, [[2, 1, 1, 2], [0, 1, 1, 1], [0, 0, 0, 0]])  # C: a zero row
    assert list(cube.ids) == ["A", "B", "C"]
    np.testing.assert_array_equal(cube.days, [31, 29, 31, 30])  # 2024 is a leap year
    assert cube.n_incidents == 9
    assert cube.n_unmatched == 2 and set(cube.unmatched_examples) == {"X", "(missing)"}
    assert cube.n_no_month == 1
    assert any("2 incidents" in n and "not in the list" in n for n in cube.notes)
    assert "1 incident has no month and is not counted." in cube.notes
    assert any("little power" in n for n in cube.notes)  # 4 steps < 10
    np.testing.assert_array_equal(cube.monthly, cube.counts)
    assert cube.months == cube.steps


def test_weights_are_summed():
    cube = build_cube(["A", "A", "B", "B", "A"], ["2024-01", "2024-02", "2024-03", "2024-04", "2024-04"],
                      ["A", "B"], weights=[0.5, 2, 1, 1, 3])
    np.testing.assert_allclose(cube.counts, [[0.5, 2, 0, 3], [0, 0, 1, 1]])
    assert cube.weight_total == pytest.approx(7.5)


def test_long_frame_has_every_location_and_step():
    locs, mons = uniform_incidents(["A", "B"], months_range("2023-01", 6), per_cell=2)
    cube = build_cube(locs, mons, ["A", "B", "C"])
    df = cube.to_frame()
    assert list(df.columns) == ["area_code", "step", "first_month", "last_month", "days", "count"]
    assert len(df) == 3 * 6 and df["count"].sum() == 2 * 2 * 6
    assert df.loc[df.area_code == "C", "count"].eq(0).all()
    assert df["step"].cat.ordered
    assert cube.totals().tolist() == [4.0] * 6


def test_datetime_months_are_accepted():
    stamps = pd.to_datetime(["2024-01-15", "2024-02-01", "2024-03-31", "2024-04-10"])
    cube = build_cube(["A"] * 4, stamps, ["A", "B"])
    assert cube.steps == ["2024-01", "2024-02", "2024-03", "2024-04"]


# ---------------------------------------------------------------- steps


def test_quarters_drop_partial_quarters_at_both_ends():
    months = months_range("2023-02", 14)  # 2023-02 .. 2024-03
    locs, mons = uniform_incidents(["A", "B"], months)
    cube = build_cube(locs, mons, ["A", "B"], step="quarter")
    assert cube.steps == ["2023-Q2", "2023-Q3", "2023-Q4", "2024-Q1"]
    assert cube.step_first_month == ["2023-04", "2023-07", "2023-10", "2024-01"]
    assert cube.step_last_month == ["2023-06", "2023-09", "2023-12", "2024-03"]
    np.testing.assert_array_equal(cube.days, [91, 92, 92, 31 + 29 + 31])
    np.testing.assert_array_equal(cube.counts, np.full((2, 4), 9.0))
    assert cube.months[0] == "2023-04" and len(cube.months) == 12 and cube.monthly.shape == (2, 12)
    lead = [n for n in cube.notes if n.startswith("The first quarter")]
    assert lead and "2023-Q1" in lead[0] and "2023-02 to 2023-03" in lead[0] and "12 incidents" in lead[0]
    assert cube.n_partial_dropped == 12


def test_n_month_blocks_start_at_the_first_month_and_drop_a_trailing_partial_block():
    months = months_range("2023-02", 14)
    locs, mons = uniform_incidents(["A"], months, per_cell=1)
    cube = build_cube(locs, mons, ["A"], step="3months")
    assert cube.steps == ["2023-02 to 2023-04", "2023-05 to 2023-07", "2023-08 to 2023-10", "2023-11 to 2024-01"]
    np.testing.assert_array_equal(cube.days, [28 + 31 + 30, 31 + 30 + 31, 31 + 30 + 31, 30 + 31 + 31])
    tail = [n for n in cube.notes if n.startswith("The last")]
    assert tail and "2024-02 to 2024-03" in tail[0] and "2 incidents" in tail[0]
    assert build_cube(locs, mons, ["A"], step="1months").steps == months


@pytest.mark.parametrize("text, expected", [("month", ("month", 1)), ("Quarter", ("quarter", 3)),
                                            ("3months", ("months", 3)), ("6 months", ("months", 6)),
                                            ("1month", ("month", 1))])
def test_parse_step(text, expected):
    assert parse_step(text) == expected


def test_month_days():
    assert [month_days(m) for m in ("2023-02", "2024-02", "2024-04", "2024-12")] == [28, 29, 30, 31]


def test_ten_steps_or_more_has_no_power_note():
    locs, mons = uniform_incidents(["A"], months_range("2023-01", 10))
    assert not any("little power" in n for n in build_cube(locs, mons, ["A"]).notes)


# ---------------------------------------------------------------- gaps


def test_months_covered_gap_is_refused():
    months = months_range("2023-01", 12)
    locs, mons = uniform_incidents(["A", "B"], months)
    covered = [m for m in months if m != "2023-05"]
    with pytest.raises(ValueError, match=r"does not cover 2023-05.*load that month or choose --from/--to"):
        build_cube(locs, mons, ["A", "B"], months_covered=covered)
    build_cube(locs, mons, ["A", "B"], months_covered=months)  # fine when covered


def test_zero_month_with_high_mean_is_a_gap():
    months = [m for m in months_range("2023-01", 12) if m != "2023-07"]
    locs, mons = uniform_incidents(["A", "B"], months, per_cell=4)  # ~7.3 a month: P(0) < 0.001
    with pytest.raises(ValueError, match=r"no incidents at all in 2023-07.*load it or choose --from/--to"):
        build_cube(locs, mons, ["A", "B"])
    # covered months say the zero is genuine
    cube = build_cube(locs, mons, ["A", "B"], months_covered=months_range("2023-01", 12))
    assert cube.counts[:, 6].sum() == 0 and any("genuine zero" in n for n in cube.notes)


def test_zero_month_with_low_mean_is_genuine():
    months = [m for m in months_range("2023-01", 12) if m != "2023-07"]
    locs, mons = uniform_incidents(["A"], months, per_cell=3)  # 2.75 a month: a zero month is plausible
    cube = build_cube(locs, mons, ["A", "B"])
    assert cube.counts[0, 6] == 0
    assert any("2023-07 has no incidents" in n and "by chance" in n for n in cube.notes)


def test_explicit_period_beyond_the_data_is_a_gap():
    locs, mons = uniform_incidents(["A", "B"], months_range("2023-01", 12), per_cell=5)
    with pytest.raises(ValueError, match="2022-11, 2022-12"):
        build_cube(locs, mons, ["A", "B"], first_month="2022-11")
    cube = build_cube(locs, mons, ["A", "B"], first_month="2023-03", last_month="2023-10")
    assert cube.n_steps == 8 and cube.n_outside == 2 * 5 * 4
    assert any("outside the selected period" in n for n in cube.notes)


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(step="quarter", last_month="2023-09"), r"^needs at least 4 time steps .*got 3; choose a shorter step or a longer period$"),
        (dict(last_month="2023-03"), r"got 3; choose a shorter step"),
        (dict(step="12months"), "got 1; choose a shorter step"),
        (dict(step="18months"), r"step \(18 months\) is longer than the data \(12 months"),
        (dict(first_month="2023-05", last_month="2023-05"), "only one month of data"),
        (dict(first_month="2023-08", last_month="2023-02"), "starts .* after it ends"),
        (dict(first_month="2025-01", last_month="2025-12"), "no incidents between"),
        (dict(step="fortnight"), "step 'fortnight' not understood"),
        (dict(first_month="May 2023"), "YYYY-MM"),
        (dict(all_locations=["A", "A"]), "duplicates"),
        (dict(all_locations=[]), "empty"),
        (dict(all_locations=["Z"]), "none of the .* has a location in all_locations"),
        (dict(weights=[-1.0]), "weights has 1 values"),
    ],
)
def test_bad_input_one_line(kwargs, match):
    locs, mons = uniform_incidents(["A", "B"], months_range("2023-01", 12))
    args = dict(all_locations=["A", "B"])
    args.update(kwargs)
    with pytest.raises(ValueError, match=match) as info:
        build_cube(locs, mons, **args)
    assert "\n" not in str(info.value)


def test_other_bad_input():
    with pytest.raises(ValueError, match="no incidents"):
        build_cube([], [], ["A"])
    with pytest.raises(ValueError, match="YYYY-MM"):
        build_cube(["A", "A"], ["2024-01", "2024/02"], ["A"])
    with pytest.raises(ValueError, match="one of each"):
        build_cube(["A"], ["2024-01", "2024-02"], ["A"])
    with pytest.raises(ValueError, match="non-negative"):
        build_cube(["A"] * 4, months_range("2024-01", 4), ["A"], weights=[1, 1, -1, 1])


def test_cube_from_a_matrix_validates():
    cube = SpaceTimeCube(np.ones((2, 4)), ["a", "b"], ["q1", "q2", "q3", "q4"], days=[90, 91, 92, 92])
    assert cube.n_locations == 2 and cube.n_steps == 4 and "2 locations" in repr(cube)
    with pytest.raises(ValueError, match="one label per step"):
        SpaceTimeCube(np.ones((2, 4)), ["a", "b"], ["q1", "q2"])
    with pytest.raises(ValueError, match="unique"):
        SpaceTimeCube(np.ones((2, 4)), ["a", "a"], list("wxyz"))
    with pytest.raises(ValueError, match="non-negative"):
        SpaceTimeCube(-np.ones((2, 4)), ["a", "b"], list("wxyz"))
