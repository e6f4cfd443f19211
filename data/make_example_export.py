"""Build data/example_genesys_export.csv: an ACD export laid out as Genesys Cloud's
historical-data import file, for trying `wfm import` and the reading options.

SYNTHETIC: derived deterministically (no random step) from data/synthetic_calls.csv (itself
synthetic). Four weeks, 2025-02-24 to 2025-03-23, which include the US spring DST change of
2025-03-09; the `sales` and `service` queues, 15-minute intervals summed to 30 minutes, as
Voice; handle time written as the total (AHT x handled, whole seconds), as the export does;
timestamps converted from America/New_York local time to UTC with a 'Z' (Interval Start UTC
Date). Columns follow the Genesys Cloud page cited in wfmcore/layouts.py. Run from the
project root:  python data/make_example_export.py
"""

from pathlib import Path

import numpy as np
import pandas as pd

here = Path(__file__).parent
calls = pd.read_csv(here / "synthetic_calls.csv", parse_dates=["interval_start"])
calls = calls[calls["queue"].isin(["sales", "service"])
              & (calls["interval_start"] >= "2025-02-24")
              & (calls["interval_start"] < "2025-03-24")].copy()
calls["handle_s"] = np.round(calls["aht_s"].fillna(0) * calls["handled"])
calls["slot"] = calls["interval_start"].dt.floor("30min")
sums = calls.groupby(["queue", "slot"], as_index=False)[
    ["offered", "handled", "abandoned", "handle_s"]].sum()
utc = sums["slot"].dt.tz_localize("America/New_York").dt.tz_convert("UTC")
out = pd.DataFrame({
    "Interval Start UTC Date": utc.dt.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
    "Queue": sums["queue"].str.title(),
    "Media Type": "Voice",
    "Offered": sums["offered"].astype(int),
    "Interactions Handled": sums["handled"].astype(int),
    "Abandoned": sums["abandoned"].astype(int),
    "Total Handle Time (Seconds)": sums["handle_s"].astype(int),
})
out.to_csv(here / "example_genesys_export.csv", index=False)
print(f"{len(out)} rows, {out['Offered'].sum():,} calls")
