"""Where the sun was: solar elevation, and whether an incident happened after dark.

Pure numpy (plus :mod:`zoneinfo` to turn local clock times into UTC). The solar position uses
NOAA's "General Solar Position Calculations" (Spencer's 1971 Fourier series for the declination
and the equation of time): errors are about 0.1° near the horizon away from the poles, well
under a minute of time at West Midlands latitudes — ample for telling day from night.

**After dark** means the sun's centre is more than 6° below the horizon: civil twilight has
ended (evening) or not yet begun (morning). At that point street lighting is needed and
outdoor faces are hard to recognise; between sunset and the end of civil twilight it is still
fairly light. The threshold is a parameter (``-0.833`` = sunset/sunrise as almanacs give them,
``-12`` nautical, ``-18`` astronomical). Refraction is ignored: it matters only within about
half a degree of the horizon, and the civil, nautical and astronomical limits are defined on
the geometric (unrefracted) position.

Clock times in UK incident data are local time (GMT in winter, BST in summer). A local time
that happens twice (01:00–01:59 on the last Sunday of October) is taken as the first (BST); one
that never happens (01:00–01:59 on the last Sunday of March) is read with the offset before the
change (GMT). Either way it is the middle of the night.
"""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import numpy as np

CIVIL_TWILIGHT_DEG = -6.0  # the sun's centre this far below the horizon = "after dark"
SUNRISE_SUNSET_DEG = -0.833  # upper limb on the horizon, with standard refraction (for almanac comparisons)


def _as_datetime64(values) -> tuple[np.ndarray, np.ndarray]:
    """Any array-like of datetimes (numpy, pandas, datetime, ISO text; None/NaT allowed) as datetime64[s],
    and a mask of the values that were timezone-aware (those are converted to UTC; naive ones are unchanged).
    """
    arr = np.asarray(values)
    if np.issubdtype(arr.dtype, np.datetime64):
        return arr.astype("datetime64[s]"), np.zeros(arr.shape, dtype=bool)
    flat = arr.ravel()
    out = np.empty(flat.shape, dtype="datetime64[s]")
    aware = np.zeros(flat.shape, dtype=bool)
    for i, value in enumerate(flat):
        if hasattr(value, "to_pydatetime") and value == value:  # pandas Timestamp (NaT != NaT)
            value = value.to_pydatetime()
        if value is None or value != value or (isinstance(value, str) and not value.strip()):
            out[i] = np.datetime64("NaT")
        elif isinstance(value, datetime):
            if value.tzinfo is not None:
                value = value.astimezone(timezone.utc).replace(tzinfo=None)
                aware[i] = True
            out[i] = np.datetime64(value.replace(microsecond=0), "s")
        else:
            out[i] = np.datetime64(value, "s")
    return out.reshape(arr.shape), aware.reshape(arr.shape)


def solar_elevation(longitude, latitude, utc) -> np.ndarray:
    """The sun's elevation in degrees above the horizon (negative below) at each point and UTC time.

    ``longitude``/``latitude`` in decimal degrees (east and north positive); ``utc`` an array-like
    of UTC datetimes (naive = UTC). Inputs broadcast. NaN where a time or coordinate is missing.
    """
    t, _ = _as_datetime64(utc)
    lon = np.asarray(longitude, dtype=float)
    lat = np.asarray(latitude, dtype=float)
    lon, lat, t = np.broadcast_arrays(lon, lat, t)
    missing = np.isnat(t)
    safe = np.where(missing, np.datetime64("2000-01-01T00:00:00", "s"), t)
    year = safe.astype("datetime64[Y]")
    day = safe.astype("datetime64[D]")
    day_of_year = (day - year.astype("datetime64[D]")).astype(float) + 1.0
    days_in_year = ((year + 1).astype("datetime64[D]") - year.astype("datetime64[D]")).astype(float)
    minutes = (safe - day.astype("datetime64[s]")).astype(float) / 60.0  # minutes since UTC midnight

    gamma = 2.0 * np.pi / days_in_year * (day_of_year - 1.0 + (minutes / 60.0 - 12.0) / 24.0)
    eqtime = 229.18 * (0.000075 + 0.001868 * np.cos(gamma) - 0.032077 * np.sin(gamma)
                       - 0.014615 * np.cos(2 * gamma) - 0.040849 * np.sin(2 * gamma))  # minutes
    decl = (0.006918 - 0.399912 * np.cos(gamma) + 0.070257 * np.sin(gamma) - 0.006758 * np.cos(2 * gamma)
            + 0.000907 * np.sin(2 * gamma) - 0.002697 * np.cos(3 * gamma) + 0.00148 * np.sin(3 * gamma))  # radians
    true_solar_minutes = minutes + eqtime + 4.0 * lon
    hour_angle = np.radians(true_solar_minutes / 4.0 - 180.0)
    phi = np.radians(lat)
    cos_zenith = np.sin(phi) * np.sin(decl) + np.cos(phi) * np.cos(decl) * np.cos(hour_angle)
    elevation = 90.0 - np.degrees(np.arccos(np.clip(cos_zenith, -1.0, 1.0)))
    return np.where(missing | ~np.isfinite(lon) | ~np.isfinite(lat), np.nan, elevation)


def local_to_utc(local_datetimes, tz: str = "Europe/London") -> np.ndarray:
    """Naive local clock times in ``tz`` as naive UTC datetime64[s] (NaT stays NaT).

    Timezone-aware datetimes are converted from their own zone. See the module docstring for
    clock-change hours.
    """
    local, aware = _as_datetime64(local_datetimes)
    flat = local.ravel()
    out = flat.copy()  # aware values are already UTC, NaT stays NaT
    ok = ~np.isnat(flat) & ~aware.ravel()
    if ok.any():
        zone = ZoneInfo(tz)
        uniques, inverse = np.unique(flat[ok], return_inverse=True)
        offsets = np.empty(len(uniques), dtype="timedelta64[s]")
        for i, value in enumerate(uniques.astype(datetime)):
            offsets[i] = np.timedelta64(int(value.replace(tzinfo=zone).utcoffset().total_seconds()), "s")
        out[ok] = (uniques - offsets)[inverse]
    return out.reshape(local.shape)


def after_dark(longitude, latitude, local_datetimes, tz: str = "Europe/London",
               threshold_deg: float = CIVIL_TWILIGHT_DEG) -> np.ndarray:
    """Whether each incident happened after dark (sun below ``threshold_deg``, default −6°: civil twilight over).

    ``local_datetimes`` are clock times in ``tz`` (UK data: GMT/BST). Returns an object array of
    ``True``/``False``, with ``None`` where the time (or the location) is missing;
    ``pandas.array(result, dtype="boolean")`` turns it into a nullable column.
    """
    utc = local_to_utc(local_datetimes, tz)
    elevation = solar_elevation(longitude, latitude, utc)
    out = np.full(elevation.shape, None, dtype=object)
    known = np.isfinite(elevation)
    out[known] = (elevation[known] < threshold_deg).tolist()  # Python bools, not numpy's
    return out
