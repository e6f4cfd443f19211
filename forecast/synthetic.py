"""Synthetic interval histories with known structure, for tests and benchmarks.

Two parts:

* :func:`poisson_rates` / :func:`poisson_history`: calls in each open interval are Poisson
  with rate ``weekday_level[w] * shape[slot] * trend ** week``: the "truth" a forecaster
  should recover within sampling error (used by the unit tests).
* :data:`TESTBED`: the forecast test bed of issue 11 ("Forecasts that hold on any centre"),
  named series of call-centre shapes and levels (500-20,000 calls a day) that the models
  were not shaped on. Each entry is a function of a seed returning a :class:`SeriesCase`.

How every test-bed series is drawn: a rate matrix (calendar days x slots of the day, NaN
where the centre is closed) = calls a day x weekday level x intraday shape (Gaussian peaks
on a floor, normalised over the slots open that weekday) x the family's structure (trend,
shift, holidays, surges, AR(1) dynamics); each day's rate is multiplied by a Gamma factor of
mean 1 and coefficient of variation ``day_cv`` (so a day's counts are negative binomial:
Poisson given the day's level, the Gamma-Poisson mixture of Jongbloed & Koole 2001), and the
calls of each open interval are Poisson given that rate. ``SeriesCase.rate`` holds the
Poisson mean of every row (day factor included): a forecaster cannot beat it but by luck.
Closed intervals have no rows; open intervals with 0 calls do (24/7 nights are zeros).

Hold-out (``SeriesCase.holdout``): a fixed set of cases, by family, that must never be used
to choose or tune methods; they are scored in the same run, reported in their own block,
and tell whether what was tuned on the others generalises: ``holidays_DE`` and
``holidays_FR`` (calendars not used in tuning: holiday handling must come from the
principle, not from the US/GB/IL rules), ``short_5w`` (between the tuned 3- and 8-week
histories), ``level_shift`` (re-anchoring, tuned on the missing month and the trend) and
``multi_queue`` (queues of different weekly patterns at once, tuned one at a time
elsewhere). The bench adds public series (real data, all hold-out). That is 5 of the 19
synthetic cases here, 8 of 22 with the public ones.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from wfmcore import schema as S


def poisson_rates(open_hours=(8, 20), interval_min: int = 30,
                  weekday_level=(1.2, 1.0, 0.95, 0.95, 0.9, 0.0, 0.0),
                  calls_per_day: float = 3000.0) -> tuple[np.ndarray, np.ndarray]:
    """(slot minutes, rates[7, n_slots]): a two-peak day (late morning, early afternoon)."""
    slots = np.arange(open_hours[0] * 60, open_hours[1] * 60, interval_min)
    x = (slots - slots[0]) / (slots[-1] - slots[0] + interval_min)
    shape = 0.3 + np.exp(-((x - 0.25) / 0.12) ** 2) + 0.8 * np.exp(-((x - 0.55) / 0.15) ** 2)
    shape = shape / shape.sum()
    rates = np.outer(np.asarray(weekday_level, float), shape) * calls_per_day
    return slots, rates


def poisson_history(weeks: int, seed: int, start: str = "2024-01-01", *,
                    trend_per_week: float = 1.0, **rate_kw) -> tuple[pd.DataFrame, np.ndarray]:
    """A history frame (interval_start, offered) and the true rates[7, n_slots] of week 0.

    Weekdays with level 0 are closed (no rows). ``start`` should be a Monday.
    """
    rng = np.random.default_rng(seed)
    slots, rates = poisson_rates(**rate_kw)
    rows_t, rows_y = [], []
    for d in pd.date_range(start, periods=7 * weeks, freq="D"):
        lam = rates[d.weekday()] * trend_per_week ** ((d - pd.Timestamp(start)).days / 7)
        if lam.sum() == 0:
            continue
        rows_t.append(d.to_datetime64() + slots.astype("timedelta64[m]"))
        rows_y.append(rng.poisson(lam))
    frame = pd.DataFrame({S.INTERVAL_START: np.concatenate(rows_t),
                          S.OFFERED: np.concatenate(rows_y).astype(float)})
    return frame, rates


# --- the test bed ------------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class SeriesCase:
    """One test-bed series: a history ``frame`` (``[queue,] interval_start, offered``, the
    columns :func:`forecast.read_history` takes) at ``interval_min`` minutes, the public
    holidays' ``country`` the forecaster may be told, a ``special_days`` frame (or None),
    ``notes`` (the structure, in words), ``holdout`` (never used to choose or tune methods:
    see the module docstring), ``rate`` (the Poisson mean of each row of ``frame``) and
    ``history_weeks`` (a short-history case: each origin sees only that many weeks);
    ``base_rate``: the rate of each row without the day's random factor (every planted
    effect known, not the day's draw: the best forecast a model of the structure can make;
    None where the rate's own path is random, the AR(1) cases);
    ``surprise_days``: dates (YYYY-MM-DD) of planted events no forecaster can know of (a
    one-day surge), for a bias measured without them as well; ``day_cv``: the coefficient
    of variation of the day's Gamma factor (``rate`` / ``base_rate`` on each day)."""

    name: str
    frame: pd.DataFrame
    interval_min: int
    country: str | None = None
    special_days: pd.DataFrame | None = None
    notes: str = ""
    holdout: bool = False
    rate: np.ndarray | None = field(default=None, repr=False)
    base_rate: np.ndarray | None = field(default=None, repr=False)
    history_weeks: int | None = None
    surprise_days: tuple[str, ...] = ()
    day_cv: float = 0.05


WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _hours(spec: dict[str, list[tuple[float, float]]]) -> list[list[tuple[float, float]]]:
    """{'Mon-Fri': [(8, 20)], 'Sat': [(19, 23)]} -> opening windows (hours) per weekday."""
    out: list[list[tuple[float, float]]] = [[] for _ in range(7)]
    for key, windows in spec.items():
        a, _, b = key.partition("-")
        i, j = WEEKDAYS.index(a), WEEKDAYS.index(b or a)
        for w in (range(i, j + 1) if i <= j else [*range(i, 7), *range(0, j + 1)]):
            out[w] = list(windows)
    return out


def _shape(hour: np.ndarray, peaks: tuple[tuple[float, float, float], ...],
           floor: float) -> np.ndarray:
    """floor + sum of height * exp(-((hour - centre) / width)^2) at each slot's mid-hour."""
    s = np.full(hour.shape, float(floor))
    for centre, width, height in peaks:
        s += height * np.exp(-(((hour - centre) / width) ** 2))
    return s


@dataclass
class _Centre:
    """A rate matrix under construction: ``rate[day, slot]`` (NaN = closed)."""

    days: pd.DatetimeIndex
    slots: np.ndarray                # minute of day of each slot's left edge
    interval_min: int
    rate: np.ndarray

    @property
    def weekday(self) -> np.ndarray:
        return self.days.day_of_week.to_numpy()

    def open_mask(self, windows: list[tuple[float, float]]) -> np.ndarray:
        m = np.zeros(len(self.slots), bool)
        for h0, h1 in windows:
            m |= (self.slots >= h0 * 60) & (self.slots + self.interval_min <= h1 * 60)
        return m


def _centre(start: str, weeks: int, interval_min: int, hours: dict, weekday_level,
            calls_per_day: float, peaks=((11.0, 1.8, 1.0), (15.0, 2.2, 0.8)),
            floor: float = 0.25) -> _Centre:
    """Calendar days from ``start`` for ``weeks`` weeks; each weekday's rate = calls a day x
    its level x the shape normalised over the slots open that weekday."""
    windows = _hours(hours)
    days = pd.date_range(start, periods=7 * weeks, freq="D")
    lo = min(h0 for w in windows for h0, _ in w)
    hi = max(h1 for w in windows for _, h1 in w)
    slots = np.arange(int(lo * 60), int(hi * 60), interval_min)
    c = _Centre(days, slots, interval_min, np.full((len(days), len(slots)), np.nan))
    shape = _shape((slots + interval_min / 2) / 60, peaks, floor)
    level = np.asarray(weekday_level, float)
    for w in range(7):
        m = c.open_mask(windows[w])
        if not m.any() or level[w] <= 0:
            continue
        row = np.full(len(slots), np.nan)
        row[m] = calls_per_day * level[w] * shape[m] / shape[m].sum()
        c.rate[c.weekday == w] = row
    return c


def _close(c: _Centre, day_mask: np.ndarray) -> None:
    c.rate[day_mask] = np.nan


def _draw(c: _Centre, rng: np.random.Generator, day_cv: float = SeriesCase.day_cv,
          queue: str | None = None) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Counts: Poisson given rate x the day's Gamma(mean 1, cv ``day_cv``) factor. Returns
    (frame, the Poisson mean of each row, the rate of each row without the day's factor)."""
    k = 1.0 / day_cv ** 2 if day_cv > 0 else None
    factor = rng.gamma(k, 1.0 / k, len(c.days)) if k else np.ones(len(c.days))
    lam = c.rate * factor[:, None]
    di, si = np.nonzero(~np.isnan(lam))
    mu = lam[di, si]
    y = rng.poisson(mu).astype(float)
    frame = pd.DataFrame({S.INTERVAL_START: c.days.to_numpy()[di]
                          + c.slots[si].astype("timedelta64[m]"), S.OFFERED: y})
    if queue is not None:
        frame.insert(0, S.QUEUE, queue)
    return frame, mu, c.rate[di, si]


def _to_minutes(frame: pd.DataFrame, rate: np.ndarray, base: np.ndarray, interval_min: int
                ) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """The same series at a coarser interval length: counts and rates summed."""
    f = frame.assign(_rate=rate, _base=base)
    f[S.INTERVAL_START] = f[S.INTERVAL_START].dt.floor(f"{interval_min}min")
    keys = [c for c in (S.QUEUE, S.INTERVAL_START) if c in f.columns]
    g = f.groupby(keys, sort=True, as_index=False)[[S.OFFERED, "_rate", "_base"]].sum()
    return g.drop(columns=["_rate", "_base"]), g["_rate"].to_numpy(), g["_base"].to_numpy()


def _holidays(c: _Centre, country: str, rules: dict[str, object], *, eve: float = 1.0,
              after: float = 1.0, eve_hours: tuple | None = None,
              eve_level: float | None = None) -> list[str]:
    """Apply public holidays of ``country``: ``rules`` maps a part of the holiday's name to
    'closed' or to a volume factor (open that day); names not matched are closed. The open
    day right before a closed holiday gets ``eve`` (and, with ``eve_hours``, only those
    opening windows at ``eve_level`` of a normal day's calls); the first open day after one
    gets ``after`` (the calls that could not be made). Returns what was done, for the notes."""
    import holidays

    cal = holidays.country_holidays(country, years=sorted(set(c.days.year)))
    names = [cal.get(d.date()) for d in c.days]
    closed = np.zeros(len(c.days), bool)
    factor = np.ones(len(c.days))
    for i, name in enumerate(names):
        if name is None or np.isnan(c.rate[i]).all():
            continue
        rule = next((v for k, v in rules.items() if k in name), "closed")
        if rule == "closed":
            closed[i] = True
        else:
            factor[i] = float(rule)
    c.rate *= factor[:, None]
    done = []
    day_open = ~np.isnan(c.rate).all(axis=1) & ~closed
    after_days = set()
    for i in np.flatnonzero(closed):
        if i > 0 and day_open[i - 1]:
            if eve_hours is not None:
                m = c.open_mask(eve_hours)
                row = c.rate[i - 1].copy()
                if not np.isnan(row[~m]).all():          # a full day: eve hours only
                    total = np.nansum(row) * (eve_level if eve_level is not None else 1.0)
                    row[~m] = np.nan
                    if np.nansum(row) > 0:
                        row = row / np.nansum(row) * total
                    c.rate[i - 1] = row
            c.rate[i - 1] *= eve
        j = i + 1
        while j < len(c.days) and not day_open[j]:
            j += 1
        if j < len(c.days):
            after_days.add(j)                  # once, after a run of closures
    for j in sorted(after_days):
        c.rate[j] *= after
    _close(c, closed)
    for i, name in enumerate(names):
        if name is not None and (closed[i] or factor[i] != 1.0):
            done.append(f"{c.days[i]:%Y-%m-%d} {name}: "
                        + ("closed" if closed[i] else f"open x{factor[i]:g}"))
    return done


def _note(*parts: str) -> str:
    return " ".join(p.strip() for p in parts if p)


# --- the families -------------------------------------------------------------------------

def week7_30(seed: int = 1) -> SeriesCase:
    """7-day centre (Sat/Sun lower but open), 30 min, 40 weeks, ~4,000 calls a weekday."""
    rng = np.random.default_rng([seed, 1])
    c = _centre("2024-01-01", 40, 30, {"Mon-Fri": [(8, 22)], "Sat-Sun": [(9, 18)]},
                (1.15, 1.0, 0.97, 0.95, 0.9, 0.55, 0.4), 4000)
    f, r, b = _draw(c, rng)
    return SeriesCase("week7_30", f, 30, rate=r, base_rate=b, notes=_note(
        "Mon-Fri 08-22, Sat-Sun 09-18 at 55 % / 40 % of Monday's level; two-peak day;",
        "day-level Gamma noise cv 5 %; no holidays."))


def _il_bank(seed: int) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, list[str]]:
    rng = np.random.default_rng([seed, 2])
    # Sunday-Thursday week, short Friday, Saturday-evening reopening (after the Sabbath)
    c = _centre("2023-08-27", 63, 30,
                {"Sun-Thu": [(7, 22)], "Fri": [(8, 13)], "Sat": [(19, 23)]},
                (1.0, 0.95, 0.92, 0.95, 0.45, 0.16, 1.1), 6000,
                peaks=((10.0, 1.7, 1.0), (14.5, 2.0, 0.7), (20.5, 1.2, 0.35)), floor=0.2)
    done = _holidays(c, "IL", {"Independence Day": 0.6}, after=1.25,
                     eve_hours=((8, 13),), eve_level=0.45)
    f, r, b = _draw(c, rng)
    return f, r, b, done


def il_bank_30(seed: int = 1) -> SeriesCase:
    """An Israeli-bank-like centre at 30 min (Sun-Thu, short Friday, Saturday evening)."""
    f, r, b, done = _il_bank(seed)
    return SeriesCase("il_bank_30", f, 30, country="IL", rate=r, base_rate=b, notes=_note(
        "Sun-Thu 07-22, Fri 08-13 (45 % of a day), closed Saturday daytime, Sat 19-23 (16 %);",
        "IL holidays closed (Independence Day open x0.6), a holiday's eve has Friday hours,",
        "the first open day after a closure x1.25; 63 weeks from 2023-08-27, so the autumn",
        f"holidays of 2024 fall in the evaluation weeks and 2023's in the history. ({len(done)} "
        "holiday days.)"))


def il_bank_60(seed: int = 1) -> SeriesCase:
    """The same draw as :func:`il_bank_30`, summed to 60-minute intervals."""
    f, r, b, _ = _il_bank(seed)
    f, r, b = _to_minutes(f, r, b, 60)
    return SeriesCase("il_bank_60", f, 60, country="IL", rate=r, base_rate=b,
                      notes="il_bank_30 summed to 60 min (the same draw).")


def fri_sat_weekend(seed: int = 1) -> SeriesCase:
    """Weekend on Friday-Saturday (Gulf-state week), 30 min, 30 weeks."""
    rng = np.random.default_rng([seed, 3])
    c = _centre("2024-01-07", 30, 30, {"Sun-Thu": [(8, 20)]},
                (0.95, 0.92, 0.9, 0.85, 0.0, 0.0, 1.15), 3500)
    f, r, b = _draw(c, rng)
    return SeriesCase("fri_sat_weekend", f, 30, rate=r, base_rate=b, notes=_note(
        "Sun-Thu 08-20, closed Friday and Saturday; Sunday the busiest day; no holidays."))


def trend(seed: int = 1) -> SeriesCase:
    """+1 % calls a week (compounded), Mon-Sat, 30 min, 36 weeks."""
    rng = np.random.default_rng([seed, 4])
    c = _centre("2024-01-01", 36, 30, {"Mon-Fri": [(8, 20)], "Sat": [(9, 14)]},
                (1.2, 1.0, 0.95, 0.95, 0.9, 0.35, 0.0), 2500)
    c.rate *= (1.01 ** (np.arange(len(c.days)) / 7))[:, None]
    f, r, b = _draw(c, rng)
    return SeriesCase("trend", f, 30, rate=r, base_rate=b, notes=_note(
        "Mon-Fri 08-20, Sat 09-14; calls grow 1 % a week (+42 % over the 36 weeks)."))


def level_shift(seed: int = 1) -> SeriesCase:
    """A permanent -25 % level shift 9 weeks before the end, Mon-Sat, 30 min, 30 weeks."""
    rng = np.random.default_rng([seed, 5])
    c = _centre("2024-01-01", 30, 30, {"Mon-Fri": [(8, 20)], "Sat": [(9, 14)]},
                (1.2, 1.0, 0.95, 0.95, 0.9, 0.35, 0.0), 3000)
    c.rate[c.days >= c.days[0] + pd.Timedelta(weeks=21)] *= 0.75
    f, r, b = _draw(c, rng)
    return SeriesCase("level_shift", f, 30, rate=r, base_rate=b, holdout=True, notes=_note(
        "Mon-Fri 08-20, Sat 09-14; calls drop 25 % from week 22 of 30 (a product moved to",
        "another queue) and stay there: the first evaluation week is one week after it."))


def missing_month(seed: int = 1) -> SeriesCase:
    """A year of history with 30 consecutive days absent in the middle and the level 30 %
    higher after the gap (Sun-Thu + short Friday, 30 min)."""
    rng = np.random.default_rng([seed, 6])
    c = _centre("2024-01-07", 52, 30, {"Sun-Thu": [(8, 19)], "Fri": [(8, 13)]},
                (1.0, 0.95, 0.92, 0.95, 0.4, 0.0, 1.1), 1500)
    gap0 = c.days[0] + pd.Timedelta(days=7 * 24 + 3)          # a Wednesday in week 25
    gap = (c.days >= gap0) & (c.days < gap0 + pd.Timedelta(days=30))
    c.rate[c.days >= gap0 + pd.Timedelta(days=30)] *= 1.3
    _close(c, gap)
    f, r, b = _draw(c, rng)
    return SeriesCase("missing_month", f, 30, rate=r, base_rate=b, notes=_note(
        f"Sun-Thu 08-19, Fri 08-13; no rows {gap0:%Y-%m-%d} .. "
        f"{gap0 + pd.Timedelta(days=29):%Y-%m-%d} (an export gap, not a closure); the level",
        "is 30 % higher after the gap than before it."))


def zero_nights_15(seed: int = 1) -> SeriesCase:
    """24/7 queue with zero-call nights, 15 min, two years (the issue's speed case)."""
    rng = np.random.default_rng([seed, 7])
    c = _centre("2023-01-02", 104, 15, {"Mon-Sun": [(0, 24)]},
                (1.05, 1.0, 1.0, 1.0, 0.95, 0.8, 0.7), 1200,
                peaks=((10.5, 2.5, 1.0), (15.0, 2.5, 0.8), (20.0, 1.5, 0.3)), floor=0.004)
    doy = c.days.day_of_year.to_numpy()
    c.rate *= (1 + 0.1 * np.sin(2 * np.pi * (doy - 80) / 365.25))[:, None]
    f, r, b = _draw(c, rng, day_cv=0.06)
    return SeriesCase("zero_nights_15", f, 15, rate=r, base_rate=b, day_cv=0.06, notes=_note(
        "Open 24/7 at 15 min, ~1,200 calls a day; nights 00-06 have ~0.1 calls an interval",
        "(mostly zero rows); +-10 % yearly cycle; two years (2023-2024)."))


def _short(weeks: int, seed: int, holdout: bool) -> SeriesCase:
    rng = np.random.default_rng([seed, 8, weeks])
    c = _centre("2024-03-04", weeks + 7, 30, {"Mon-Fri": [(8, 20)], "Sat": [(9, 14)]},
                (1.2, 1.0, 0.95, 0.95, 0.9, 0.35, 0.0), 2000)
    f, r, b = _draw(c, rng)
    return SeriesCase(f"short_{weeks}w", f, 30, rate=r, base_rate=b, holdout=holdout,
                      history_weeks=weeks,
                      notes=_note(f"Mon-Fri 08-20, Sat 09-14; each origin sees only the last "
                                  f"{weeks} weeks of history ({weeks + 7} weeks drawn)."))


def short_3w(seed: int = 1) -> SeriesCase:
    """3-week history at every origin."""
    return _short(3, seed, False)


def short_5w(seed: int = 1) -> SeriesCase:
    """5-week history at every origin (hold-out)."""
    return _short(5, seed, True)


def short_8w(seed: int = 1) -> SeriesCase:
    """8-week history at every origin."""
    return _short(8, seed, False)


#: days (counted back from the last day of the history) with a one-day surge, and its size
SURGES = ((-178, 2.5), (-121, 2.0), (-80, 3.0), (-40, 2.2), (-25, 2.8), (-4, 2.5))


def outlier_days(seed: int = 1) -> SeriesCase:
    """One-day surges of 2-3x (an outage, a mailing) inside a Mon-Fri history, 30 min."""
    rng = np.random.default_rng([seed, 9])
    c = _centre("2024-01-01", 30, 30, {"Mon-Fri": [(8, 20)]},
                (1.2, 1.0, 0.95, 0.95, 0.9, 0.0, 0.0), 3000)
    days, dates = [], []
    for back, size in SURGES:
        i = len(c.days) + back
        while np.isnan(c.rate[i]).all():       # a weekend: the Monday after
            i += 1
        c.rate[i] *= size
        days.append(f"{c.days[i]:%Y-%m-%d} x{size:g}")
        dates.append(f"{c.days[i]:%Y-%m-%d}")
    f, r, b = _draw(c, rng)
    return SeriesCase("outlier_days", f, 30, rate=r, base_rate=b,
                      surprise_days=tuple(dates), notes=_note(
        "Mon-Fri 08-20; one-day surges", ", ".join(days) + "; the last one in the last",
        "week of the history, the two before it inside the evaluation weeks (each then in",
        "the last week before the next origin)."))


#: per country: (start, weeks, rules (part of the name -> 'closed' or a volume factor)).
HOLIDAY_CASES = {
    "US": ("2022-10-17", 65, {"Martin Luther King": 0.8, "Washington": 0.85,
                              "Juneteenth": 1.0, "Columbus": 1.0, "Veterans": 0.9}),
    "GB": ("2023-06-05", 53, {"May Day": 0.7, "Coronation": 0.5}),
    "DE": ("2023-03-06", 65, {"German Unity": 0.7, "Pentecost": 0.8}),
    "FR": ("2023-01-02", 73, {"Victory": 0.8, "Armistice": 0.85, "Pentecost": 0.9}),
}


def _holiday_case(country: str, seed: int) -> SeriesCase:
    start, weeks, rules = HOLIDAY_CASES[country]
    rng = np.random.default_rng([seed, 10, ord(country[0]), ord(country[1])])
    c = _centre(start, weeks, 30, {"Mon-Fri": [(8, 20)], "Sat": [(9, 17)]},
                (1.2, 1.0, 0.95, 0.95, 0.9, 0.45, 0.0), 3000)
    done = _holidays(c, country, rules, eve=0.85, after=1.3)
    f, r, b = _draw(c, rng)
    return SeriesCase(f"holidays_{country}", f, 30, country=country, rate=r, base_rate=b,
                      holdout=country in ("DE", "FR"), notes=_note(
                          f"Mon-Fri 08-20, Sat 09-17; {country} public holidays: "
                          + "; ".join(done) + ". The open day before a closed holiday x0.85, "
                          "the first open day after one x1.3."))


def holidays_US(seed: int = 1) -> SeriesCase:  # noqa: N802 (the country code)
    """US holidays: closed on six, open on the others; history from 2022-10-17."""
    return _holiday_case("US", seed)


def holidays_GB(seed: int = 1) -> SeriesCase:  # noqa: N802
    """GB holidays: May Day open at 70 % and never seen in the history."""
    return _holiday_case("GB", seed)


def holidays_DE(seed: int = 1) -> SeriesCase:  # noqa: N802
    """DE holidays (hold-out)."""
    return _holiday_case("DE", seed)


def holidays_FR(seed: int = 1) -> SeriesCase:  # noqa: N802
    """FR holidays (hold-out)."""
    return _holiday_case("FR", seed)


def _ar1(seed: int) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """log rate = log(double-seasonal base) + interval AR(1) + day AR(1), 7-day week."""
    rng = np.random.default_rng([seed, 11])
    c = _centre("2024-01-01", 40, 30, {"Mon-Sun": [(6, 24)]},
                (1.1, 1.05, 1.0, 1.0, 0.95, 0.75, 0.65), 10000,
                peaks=((10.5, 2.0, 1.0), (15.0, 2.5, 0.85), (20.5, 1.5, 0.4)), floor=0.1)
    n_d, n_s = c.rate.shape
    phi_i, sd_i = 0.9, 0.08          # across consecutive intervals (stationary sd 8 %)
    phi_d, sd_d = 0.9, 0.10          # across days (stationary sd 10 %, half-life 6.6 days)
    e = rng.normal(0, sd_i * np.sqrt(1 - phi_i ** 2), n_d * n_s)
    x = np.empty_like(e)
    x[0] = rng.normal(0, sd_i)
    for t in range(1, len(e)):
        x[t] = phi_i * x[t - 1] + e[t]
    u = rng.normal(0, sd_d * np.sqrt(1 - phi_d ** 2), n_d)
    d = np.empty_like(u)
    d[0] = rng.normal(0, sd_d)
    for t in range(1, n_d):
        d[t] = phi_d * d[t - 1] + u[t]
    c.rate *= np.exp(x.reshape(n_d, n_s) + d[:, None])
    return _draw(c, rng, day_cv=0.0)


def ar1_30(seed: int = 1) -> SeriesCase:
    """Smooth double-seasonal series with short-term AR(1) dynamics, 30 min."""
    f, r, _ = _ar1(seed)
    return SeriesCase("ar1_30", f, 30, rate=r, day_cv=0.0, notes=_note(
        "Open 06-24 every day, ~10,000 calls a weekday; log rate has an AR(1) across",
        "intervals (phi 0.9 per 30 min, sd 8 %) and one across days (phi 0.9, sd 10 %);",
        "the rate is the truth given both paths."))


def ar1_60(seed: int = 1) -> SeriesCase:
    """The same draw as :func:`ar1_30`, summed to 60 minutes."""
    f, r, _ = _to_minutes(*_ar1(seed), 60)
    return SeriesCase("ar1_60", f, 60, rate=r, day_cv=0.0,
                      notes="ar1_30 summed to 60 min (the same draw).")


def multi_queue(seed: int = 1) -> SeriesCase:
    """Three queues of different weekly patterns in one frame, 30 min, 30 weeks."""
    rng = np.random.default_rng([seed, 12])
    sales = _centre("2024-01-01", 30, 30, {"Mon-Sat": [(9, 21)]},
                    (1.0, 0.95, 0.95, 1.0, 1.1, 0.8, 0.0), 2500,
                    peaks=((12.0, 1.5, 0.8), (19.0, 1.5, 1.0)))
    service = _centre("2024-01-01", 30, 30, {"Mon-Sun": [(7, 23)]},
                      (1.15, 1.0, 0.97, 0.95, 0.9, 0.6, 0.5), 5000)
    coll = _centre("2024-01-01", 30, 30, {"Mon-Fri": [(8, 18)]},
                   (1.1, 1.0, 1.0, 0.95, 0.9, 0.0, 0.0), 800, peaks=((10.0, 2.0, 1.0),))
    dom = coll.days.day.to_numpy()
    coll.rate *= np.where(dom <= 4, 1.4, 1.0)[:, None]    # collections: start of the month
    parts = [_draw(c, rng, queue=q) for q, c in
             (("sales", sales), ("service", service), ("collections", coll))]
    f = pd.concat([p[0] for p in parts], ignore_index=True)
    r = np.concatenate([p[1] for p in parts])
    b = np.concatenate([p[2] for p in parts])
    return SeriesCase("multi_queue", f, 30, rate=r, base_rate=b, holdout=True, notes=_note(
        "queues sales (Mon-Sat 09-21, evening peak, 2,500/day), service (7 days 07-23,",
        "5,000/day), collections (Mon-Fri 08-18, 800/day, +40 % on days 1-4 of the month)."))


TESTBED: dict[str, Callable[[int], SeriesCase]] = {
    f.__name__: f for f in (
        week7_30, il_bank_30, il_bank_60, fri_sat_weekend, trend, level_shift, missing_month,
        zero_nights_15, short_3w, short_5w, short_8w, outlier_days, holidays_US, holidays_GB,
        holidays_DE, holidays_FR, ar1_30, ar1_60, multi_queue)
}
"""The test bed: case name -> function of a seed returning the :class:`SeriesCase`."""
