"""Build data/example_forecast.csv: a one-week, 15-minute call forecast from the bank data.

Deterministic (no random step): for each weekday and 15-minute interval, the mean of the
same weekday over the last 8 weeks of ../shared/data/bank_calls_5min.csv (the 8-week
same-weekday average the forecasting issue uses as a baseline), for the week after the
data (2003-10-27 to 2003-10-31). Run from the project root:
    python data/make_example_forecast.py [path/to/bank_calls_5min.csv]
"""

import sys
from pathlib import Path

import pandas as pd

src = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("../shared/data/bank_calls_5min.csv")
calls = pd.read_csv(src, parse_dates=["interval_start"])
calls["slot"] = calls["interval_start"].dt.floor("15min")
q = calls.groupby("slot", as_index=False)["offered"].sum()
q = q[q["slot"] >= q["slot"].max().normalize() - pd.Timedelta(weeks=8) + pd.Timedelta(days=1)]
q["weekday"] = q["slot"].dt.day_of_week
q["time"] = q["slot"].dt.strftime("%H:%M")
profile = q.groupby(["weekday", "time"], as_index=False)["offered"].mean()
monday = pd.Timestamp("2003-10-27")
profile["interval_start"] = (monday + pd.to_timedelta(profile["weekday"], unit="D")
                             + pd.to_timedelta(profile["time"] + ":00"))
out = profile.sort_values("interval_start")[["interval_start", "offered"]]
out["interval_start"] = out["interval_start"].dt.strftime("%Y-%m-%d %H:%M")
out["offered"] = out["offered"].round(2)
out.to_csv(Path(__file__).with_name("example_forecast.csv"), index=False)
print(f"{len(out)} intervals, {out['offered'].sum():,.0f} calls")
