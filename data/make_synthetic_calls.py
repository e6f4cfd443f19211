"""Generate data/synthetic_calls.csv — SYNTHETIC interval history (not real data).

Three queues, 15-minute intervals, 12 weeks from Monday 2025-02-03 to Sunday 2025-04-27
in naive US local time, which includes the spring DST change of Sunday 2025-03-09 (the
24-hour queue has 92 quarter-hours that day: 02:00-02:45 does not exist).

* ``sales``:       Mon-Fri 08:00-20:00, Sat 09:00-17:00, closed Sunday; AHT ~ 360 s
* ``service``:     every day 07:00-22:00; AHT ~ 420 s; a mid-period volume step (+15 %)
* ``after_hours``: 24 hours, 7 days; small volume, AHT ~ 300 s

Calls offered are Poisson around a weekday x time-of-day profile (with a weekly trend and a
US public holiday, Presidents' Day 2025-02-17, at 40 % volume). Each interval is staffed
with Erlang A at 80/20 and <= 5 % abandoned for its expected load, times noise (under- and
over-staffing happen), and the outcomes are drawn from Erlang A at that staffing (patience 120-240 s by queue):
abandoned ~ Binomial(offered, P(abandon)), answered within 20 s ~ Binomial(handled, ...),
ASA from Erlang A with noise, and total waiting time = ASA x handled + abandoned x the mean
wait of callers who hang up, (E[W] - ASA (1 - P_ab)) / P_ab with E[W] = P_ab x patience
(Little's law for abandonment). Seeded: the same script always writes the same file.

Columns: interval_start, queue, offered, handled, abandoned, aht_s, answered_in_sl (answered
within the 20 s threshold), asa_s (mean wait of answered calls), wait_s (total seconds waited
by all callers, answered or not), staffed_agents (agents logged in).

Run from the project root:  python data/make_synthetic_calls.py
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from erlang import ServiceTarget, kpis, required_agents  # noqa: E402

SEED = 20250203
QUEUES = {
    # name: (opening by weekday Mon..Sun as (open_h, close_h) or None, peak calls/15 min,
    #        aht_s, patience_s)
    "sales": ([(8, 20)] * 5 + [(9, 17), None], 60.0, 360.0, 150.0),
    "service": ([(7, 22)] * 7, 90.0, 420.0, 240.0),
    "after_hours": ([(0, 24)] * 7, 6.0, 300.0, 120.0),
}
WEEKDAY_FACTOR = [1.25, 1.05, 1.0, 0.98, 0.92, 0.55, 0.45]
HOLIDAYS = {pd.Timestamp("2025-02-17"): 0.4}


def intraday_shape(hours: np.ndarray) -> np.ndarray:
    """Two peaks (late morning, early afternoon), low at night."""
    return (0.15 + np.exp(-0.5 * ((hours - 10.5) / 1.6) ** 2)
            + 0.8 * np.exp(-0.5 * ((hours - 14.5) / 1.8) ** 2))


def main() -> None:
    rng = np.random.default_rng(SEED)
    days = pd.date_range("2025-02-03", "2025-04-27", freq="D")
    rows = []
    for queue, (opening, peak, aht_mean, patience) in QUEUES.items():
        for day_no, day in enumerate(days):
            hours_open = opening[day.weekday()]
            if hours_open is None:
                continue
            start_h, end_h = hours_open
            slots = pd.date_range(day + pd.Timedelta(hours=start_h),
                                  day + pd.Timedelta(hours=end_h) - pd.Timedelta(minutes=15),
                                  freq="15min")
            if day == pd.Timestamp("2025-03-09"):  # spring forward: 02:00-02:59 never happens
                slots = slots[(slots.hour != 2)]
            hours = slots.hour.to_numpy() + slots.minute.to_numpy() / 60.0
            level = peak * WEEKDAY_FACTOR[day.weekday()] * (1 + 0.002 * day_no)
            if queue == "service" and day >= pd.Timestamp("2025-03-24"):
                level *= 1.15
            level *= HOLIDAYS.get(day, 1.0)
            mean_calls = level * intraday_shape(hours) / intraday_shape(np.array([10.5]))[0]
            offered = rng.poisson(mean_calls)
            aht = np.clip(rng.normal(aht_mean, 0.08 * aht_mean, len(slots))
                          * (1 + 0.05 * np.sin(hours / 24 * 2 * np.pi)), 60, None)
            target = ServiceTarget(sl_target=0.8, sl_threshold_s=20, patience_s=patience,
                                   max_abandon=0.05)
            load = mean_calls * aht / 900.0
            planned = required_agents(load, aht, target)
            staffed = np.maximum(1, np.round(planned * rng.normal(1.0, 0.08, len(slots))))
            k = kpis(staffed, offered * aht / 900.0, aht, target)
            abandoned = rng.binomial(offered, np.clip(k["p_abandon"], 0, 1))
            handled = offered - abandoned
            share_fast = np.clip(k["service_level"] / np.maximum(1 - k["p_abandon"], 1e-9), 0, 1)
            within = rng.binomial(handled, share_fast)
            asa = np.where(handled > 0, k["asa_s"] * rng.lognormal(0, 0.15, len(slots)), np.nan)
            # mean wait of those who hang up: (E[W] - ASA (1 - P_ab)) / P_ab, E[W] = P_ab patience
            p_ab = np.maximum(k["p_abandon"], 1e-12)
            wait_abandoned = np.maximum(0.0, (p_ab * patience - k["asa_s"] * (1 - p_ab)) / p_ab)
            wait = np.nan_to_num(asa) * handled + abandoned * wait_abandoned
            aht_out = np.where(handled > 0, np.round(aht, 1), np.nan)
            rows.append(pd.DataFrame({
                "interval_start": slots.strftime("%Y-%m-%d %H:%M"), "queue": queue,
                "offered": offered, "handled": handled, "abandoned": abandoned,
                "aht_s": aht_out, "answered_in_sl": within, "asa_s": np.round(asa, 2),
                "wait_s": np.round(wait, 1),
                "staffed_agents": staffed.astype(int)}))
    out = pd.concat(rows).sort_values(["queue", "interval_start"], kind="stable")
    path = Path(__file__).with_name("synthetic_calls.csv")
    out.to_csv(path, index=False)
    print(f"{path.name}: {len(out):,} rows, {out['offered'].sum():,} calls, "
          f"{out['queue'].nunique()} queues")


if __name__ == "__main__":
    main()
