"""Solar elevation and "after dark" against almanac values for Birmingham (52.48 N, 1.89 W).

Almanac times (HM Nautical Almanac Office / timeanddate.com tables for Birmingham): on 21 June
2024 sunrise 04:43 and sunset 21:34 BST, civil dusk about 22:22 BST; on 21 December 2024
sunrise 08:17 and sunset 15:55 GMT, civil dusk about 16:36 GMT. Sunrise and sunset are the
moments the sun's centre is 0.833° below the horizon (refraction plus semi-diameter).
"""

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest

from geo.daylight import SUNRISE_SUNSET_DEG, after_dark, local_to_utc, solar_elevation

LON, LAT = -1.89, 52.48


def _elevation_at(local: str) -> float:
    return float(solar_elevation(LON, LAT, local_to_utc([local]))[0])


@pytest.mark.parametrize("day, sunrise, sunset", [
    ("2024-06-21", "04:43", "21:34"),
    ("2024-12-21", "08:17", "15:55"),
])
def test_sunrise_and_sunset_match_the_almanac_within_minutes(day, sunrise, sunset):
    for clock, rising in ((sunrise, True), (sunset, False)):
        moment = datetime.fromisoformat(f"{day} {clock}")
        before = _elevation_at(str(moment - timedelta(minutes=4)))
        after = _elevation_at(str(moment + timedelta(minutes=4)))
        # the sun crosses the sunrise/sunset altitude within 4 minutes of the almanac time
        if rising:
            assert before < SUNRISE_SUNSET_DEG < after
        else:
            assert before > SUNRISE_SUNSET_DEG > after


def test_after_dark_either_side_of_civil_dusk_and_dawn():
    times = ["2024-06-21 21:40", "2024-06-21 22:05", "2024-06-21 22:40", "2024-06-21 03:30", "2024-06-21 04:20",
             "2024-12-21 16:00", "2024-12-21 16:25", "2024-12-21 16:50", "2024-12-21 07:20", "2024-12-21 07:50",
             "2024-12-21 12:00", "2024-12-21 00:30"]
    expected = [False, False, True, True, False,
                False, False, True, True, False,
                False, True]
    result = after_dark(np.full(len(times), LON), np.full(len(times), LAT), times)
    assert result.tolist() == expected
    assert all(type(v) is bool for v in result)  # Python bools, not numpy scalars


def test_solar_noon_elevation_is_90_minus_latitude_plus_declination():
    # declination at the June solstice +23.44°, December -23.44°, March equinox 0° (to about 0.4° on the day)
    for day, declination in (("2024-06-20", 23.44), ("2024-12-21", -23.44), ("2024-03-20", 0.0)):
        minutes = np.arange(np.datetime64(f"{day}T10:00"), np.datetime64(f"{day}T14:00"), np.timedelta64(1, "m"))
        top = solar_elevation(LON, LAT, minutes).max()
        assert top == pytest.approx(90 - LAT + declination, abs=0.45 if declination == 0 else 0.05)
    # solar noon in Birmingham is about 12:09 UTC in June (1.89° W = 7.6 minutes, equation of time -1.7 min)
    minutes = np.arange(np.datetime64("2024-06-21T11:00"), np.datetime64("2024-06-21T13:00"), np.timedelta64(1, "m"))
    noon = minutes[np.argmax(solar_elevation(LON, LAT, minutes))]
    assert abs((noon - np.datetime64("2024-06-21T12:09")) / np.timedelta64(1, "m")) <= 2


def test_local_clock_times_use_gmt_in_winter_and_bst_in_summer():
    utc = local_to_utc(["2024-06-21 22:00", "2024-12-21 22:00", "2024-10-27 01:30", None])
    assert utc[0] == np.datetime64("2024-06-21T21:00") and utc[1] == np.datetime64("2024-12-21T22:00")
    assert utc[2] == np.datetime64("2024-10-27T00:30")  # the repeated hour: first (BST) reading
    assert np.isnat(utc[3])
    # an aware datetime is taken from its own zone
    aware = datetime(2024, 6, 21, 22, 0, tzinfo=ZoneInfo("Europe/London"))
    assert local_to_utc([aware])[0] == np.datetime64("2024-06-21T21:00")
    assert local_to_utc([datetime(2024, 6, 21, 21, 0, tzinfo=timezone.utc)])[0] == np.datetime64("2024-06-21T21:00")


def test_missing_times_give_none_and_inputs_can_be_pandas():
    stamps = pd.Series(pd.to_datetime(["2024-06-21 23:00", None, "2024-06-21 13:00"]))
    result = after_dark(pd.Series([LON] * 3), pd.Series([LAT] * 3), stamps)
    assert result.tolist() == [True, None, False]
    assert pd.array(result, dtype="boolean").isna().tolist() == [False, True, False]
    assert np.isnan(solar_elevation(np.nan, LAT, np.array(["2024-06-21T12:00"], dtype="datetime64[s]"))[0])


def test_vectorised_over_many_points():
    rng = np.random.default_rng(0)
    n = 50_000
    times = np.datetime64("2024-01-01T00:00") + rng.integers(0, 366 * 24 * 60, n).astype("timedelta64[m]")
    lon, lat = rng.uniform(-2.1, -1.7, n), rng.uniform(52.35, 52.65, n)
    elevation = solar_elevation(lon, lat, times)
    assert elevation.shape == (n,) and np.isfinite(elevation).all()
    assert elevation.max() < 90 - 52.35 + 23.45 and elevation.min() > -(90 - 52.35 + 23.45) - 0.1
    dark = after_dark(lon, lat, times.astype("datetime64[s]"))
    share = np.mean(dark.astype(bool))
    assert 0.4 < share < 0.6  # about half of all hours in a year are after civil dusk at 52.5° N
