"""Daylight-saving days with ``tz`` (issue 3: a 24-hour queue has 92 or 100 quarter-hours)."""

import numpy as np
import pandas as pd
import pytest

import forecast
from wfmcore import InputError

NY = "America/New_York"


def local_history(utc_start, utc_end, seed, tz=NY):
    """A 24-hour, 15-minute queue: real intervals in UTC written as naive local time,
    the way an ACD in New York exports them (2024 US DST: 03-10 spring, 11-03 autumn)."""
    utc = pd.date_range(utc_start, utc_end, freq="15min", tz="UTC")
    local = utc.tz_convert(tz).tz_localize(None)
    rng = np.random.default_rng(seed)
    hour = local.hour.to_numpy()
    rate = 5 + 25 * np.exp(-((hour - 13) / 4.0) ** 2)
    return pd.DataFrame({"interval_start": local.strftime("%Y-%m-%d %H:%M"),
                         "offered": rng.poisson(rate)})


def test_autumn_day_needs_tz():
    h = local_history("2024-10-28 04:00", "2024-11-04 04:45", seed=1)
    with pytest.raises(InputError, match=r"2024-11-03 01:00 appears more than once"):
        forecast.read_history(h)
    r = forecast.read_history(h, tz=NY)
    assert r.tz == NY and r.interval_min == 15
    day = r.frame[r.frame["interval_start"].dt.normalize() == "2024-11-03"]
    assert len(day) == 100                                  # 25 hours x 4
    # 01:00 appears first in summer time (UTC-4 = -240 min), then winter time (-300).
    assert day.loc[day["interval_start"] == "2024-11-03 01:00", "utc_offset_min"].tolist() == [
        -240, -300]


def test_nonexistent_local_time_is_an_error(tmp_path):
    p = tmp_path / "h.csv"
    p.write_text("interval_start,offered\n2024-03-10 01:45,3\n2024-03-10 02:15,4\n"
                 "2024-03-10 03:00,5\n")
    with pytest.raises(InputError, match=r"h\.csv: line 3: column 'interval_start' is "
                                         r"2024-03-10 02:15, a local time that does not exist"):
        forecast.read_history(p, tz=NY)


@pytest.mark.parametrize(("utc_start", "utc_end", "dst_day", "n"), [
    ("2024-09-23 04:00", "2024-11-03 03:45", "2024-11-03", 100),     # history ends Sat 11-02
    ("2024-01-22 05:00", "2024-03-10 04:45", "2024-03-10", 92),      # history ends Sat 03-09
], ids=["autumn-100", "spring-92"])
def test_forecast_on_dst_day(utc_start, utc_end, dst_day, n):
    h = local_history(utc_start, utc_end, seed=2)
    fc = forecast.run_forecast(h, horizon="1w", tz=NY).frame
    day = fc[fc["interval_start"].dt.normalize() == dst_day]
    assert len(day) == n
    assert fc.groupby(fc["interval_start"].dt.normalize()).size().drop(
        pd.Timestamp(dst_day)).eq(96).all()
    assert np.isfinite(day["offered"]).all()
    # the real intervals are all distinct and 15 minutes apart
    utc = day["interval_start"] - pd.to_timedelta(day["utc_offset_min"], unit="min")
    assert (utc.diff().dropna() == pd.Timedelta("15min")).all()


def test_history_across_spring_day_aggregates():
    h = forecast.read_history(local_history("2024-03-04 05:00", "2024-03-17 03:45", seed=3),
                              tz=NY)
    coarse = forecast.aggregate(h, 60)
    assert coarse.tz == NY and coarse.interval_min == 60
    hourly = coarse.frame
    day = hourly[hourly["interval_start"].dt.normalize() == "2024-03-10"]
    assert len(day) == 23 and hourly["offered"].sum() == h.frame["offered"].sum()


def test_history_read_with_tz_goes_into_run_forecast():
    # A History carries its time zone: run_forecast localises with it, and refuses another.
    h = forecast.read_history(local_history("2024-09-23 04:00", "2024-11-03 03:45", seed=2),
                              tz=NY)
    fc = forecast.run_forecast(h, horizon="1w", model="weekday_avg8")
    assert (fc.frame["interval_start"].dt.normalize() == "2024-11-03").sum() == 100
    with pytest.raises(InputError, match=r"tz is 'Europe/Paris' but the history was read "
                                         r"with tz='America/New_York'"):
        forecast.run_forecast(h, tz="Europe/Paris")
