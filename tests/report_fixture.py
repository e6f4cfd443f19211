"""One small two-queue plan shared by the report tests (tests/test_report_*.py), planned
once per test session: the synthetic sample (data/README.md), queues sales and service,
the last 6 weeks at 30 minutes, 3 days planned, wfm.toml with shrinkage components and a
90 % target for sales."""

from pathlib import Path

import pandas as pd

from wfmcore.config import load_config
from wfmplan.plan import plan_options, run_plan

CONFIG = """\
[targets]
sl_target = 0.8
sl_threshold_s = 20

[shrinkage]
absence = 0.10
training = 0.05

[queues.sales]
sl_target = 0.9
"""


def planned_report(tmp_path_factory):
    """(PlanResult, output folder) of the shared plan; later calls in the session reuse
    the folder's plan (the result is kept on the function)."""
    cached = getattr(planned_report, "cached", None)
    if cached is not None and cached[1].exists():
        return cached
    root = Path(tmp_path_factory.mktemp("report_plan"))
    d = pd.read_csv("data/synthetic_calls.csv")
    d = d[d["queue"].isin(["sales", "service"]) & (d["interval_start"] >= "2025-03-17")]
    t = pd.to_datetime(d["interval_start"]).dt.floor("30min")
    d = d.assign(interval_start=t.dt.strftime("%Y-%m-%d %H:%M"),
                 work=d["aht_s"].fillna(0) * d["handled"])
    agg = d.groupby(["interval_start", "queue"], as_index=False).agg(
        offered=("offered", "sum"), handled=("handled", "sum"), work=("work", "sum"))
    agg["aht_s"] = agg["work"] / agg["handled"].clip(lower=1)
    hist = root / "history.csv"
    agg.drop(columns=["work", "handled"]).to_csv(hist, index=False)
    (root / "wfm.toml").write_text(CONFIG)
    config = load_config(root / "wfm.toml")
    options = plan_options(config, model="weekday_avg4", horizon="3d",
                           schedule={"replications": 4}, workers=1)
    out = root / "out"
    plan = run_plan(hist, out, options, config=config)
    planned_report.cached = (plan, out)
    return plan, out
