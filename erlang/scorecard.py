"""Contact-centre KPIs from interval history, against targets, and caller patience.

History columns (see ``wfmcore.schema``): ``interval_start``, ``offered``, optional ``queue``
and, where the ACD exports them, ``handled``, ``abandoned``, ``aht_s``, ``answered_in_sl``
(calls answered within the service-level threshold), ``asa_s`` (mean wait of answered calls),
``wait_s`` (total seconds waited by all callers), ``short_abandoned`` (abandons before the
short-abandon cutoff) and ``staffed_agents`` (agents logged in). A KPI whose columns are
missing is left empty, never guessed.

Definitions (totals over the period, never averages of interval ratios):

* service level = answered_in_sl / offered (abandoned calls count against); with a short-
  abandon cutoff, short abandons leave the denominator: answered_in_sl / (offered - short)
* ASA = sum(asa_s x handled) / sum(handled)
* abandonment rate = abandoned / offered, or (abandoned - short) / (offered - short)
* AHT = sum(aht_s x handled) / sum(handled)
* occupancy = sum(handled x aht_s) / sum(staffed_agents x interval seconds)
* calls per agent-hour = handled / sum(staffed_agents x interval hours)
* mean patience (Erlang A) = total waiting time / abandons, the maximum-likelihood estimate
  for exponential patience with waits censored by service (Mandelbaum & Zeltyn 2013,
  "Data-stories about (im)patient customers in tele-queues", Queueing Systems 75:115-146;
  Brown et al. 2005, JASA 100:36-50).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from wfmcore import schema
from wfmcore.errors import InputError

OPTIONAL_COUNTS = ("handled", "abandoned", "answered_in_sl", "short_abandoned")
OPTIONAL_VALUES = ("aht_s", "asa_s", "wait_s", "staffed_agents")


@dataclass(frozen=True, kw_only=True)
class KpiTargets:
    """Industry defaults: 80 % in 20 s, ASA <= 20 s, abandonment <= 5 %, occupancy <= 90 %."""

    sl_target: float = 0.80
    sl_threshold_s: float = 20.0
    asa_target_s: float = 20.0
    max_abandon: float = 0.05
    max_occupancy: float = 0.90

    def __post_init__(self):
        for name in ("sl_target", "max_abandon", "max_occupancy"):
            v = getattr(self, name)
            if not 0 < v <= 1:
                hint = f" ({v:g}% is {v / 100:g})" if 1 < v <= 100 else ""
                raise InputError(f"{name} must be a share in (0, 1]; got {v!r}{hint}")
        if self.asa_target_s <= 0:
            raise InputError(f"asa_target_s must be > 0 seconds; got {self.asa_target_s!r}")


def read_history(frame: pd.DataFrame, source: str = "history") -> pd.DataFrame:
    """Validate a history frame; return it with parsed ``interval_start`` and numeric columns."""
    schema.require_columns(frame, ("interval_start", "offered"), source)
    out = pd.DataFrame({"interval_start": schema.parse_times(frame, "interval_start", source)})
    out["queue"] = frame["queue"].astype(str).to_numpy() if "queue" in frame.columns else "all"
    out["offered"] = schema.numeric_column(frame, "offered", source)
    for col in OPTIONAL_COUNTS + OPTIONAL_VALUES:
        if col in frame.columns:
            out[col] = schema.numeric_column(frame, col, source, allow_nan=True)
    if out.duplicated(["queue", "interval_start"]).any():
        i = int(np.argmax(out.duplicated(["queue", "interval_start"]).to_numpy()))
        raise InputError(f"{source}: row {i + 2}: interval_start {frame['interval_start'].iloc[i]!r}"
                         " appears twice for the same queue")
    for part in ("handled", "abandoned"):
        if part in out and (out[part] > out["offered"] + 1e-9).any():
            i = int(np.argmax((out[part] > out["offered"] + 1e-9).to_numpy()))
            raise InputError(f"{source}: row {i + 2}: column '{part}' ({out[part].iloc[i]:g}) "
                             f"exceeds 'offered' ({out['offered'].iloc[i]:g})")
    return out


def _period_start(times: pd.Series, period: str) -> pd.Series:
    day = times.dt.normalize()
    if period == "day":
        return day
    if period == "week":
        return day - pd.to_timedelta(day.dt.day_of_week, unit="D")
    raise InputError(f"period must be day or week; got {period!r}")


def scorecard(history: pd.DataFrame, targets: KpiTargets | None = None, *,
              periods=("day", "week"), short_abandon: bool = False,
              interval_min: float | None = None) -> pd.DataFrame:
    """KPIs per queue and period (day and/or week) with a ``misses`` list against targets.

    ``history`` comes from :func:`read_history`. ``short_abandon=True`` takes short abandons
    (column ``short_abandoned``) out of the service level and abandonment denominators.
    """
    targets = targets or KpiTargets()
    h = history.copy()
    if interval_min is None:
        interval_min = schema.interval_minutes(h["interval_start"], h["queue"], "history")
    interval_s = interval_min * 60.0
    if short_abandon and "short_abandoned" not in h:
        raise InputError("short-abandon cutoff needs a 'short_abandoned' column in the history")
    has = set(h.columns)
    if {"handled", "aht_s"} <= has:
        h["_work_s"] = h["handled"] * h["aht_s"].fillna(0)
    if {"handled", "asa_s"} <= has:
        h["_wait_ans_s"] = h["handled"] * h["asa_s"].fillna(0)
    if "staffed_agents" in has:
        h["_staffed_s"] = h["staffed_agents"].fillna(0) * interval_s
    rows = []
    for period in periods:
        h["period_start"] = _period_start(h["interval_start"], period)
        sums = h.groupby(["queue", "period_start"], sort=True).sum(numeric_only=True)
        peak = h.groupby(["queue", "period_start"], sort=True)["offered"].max()
        card = pd.DataFrame(index=sums.index)
        card.insert(0, "period", period)
        card["offered"] = sums["offered"]
        short = sums["short_abandoned"] if short_abandon else 0.0
        base = sums["offered"] - short
        for col in ("handled", "abandoned"):
            if col in sums:
                card[col] = sums[col]
        with np.errstate(divide="ignore", invalid="ignore"):
            if "answered_in_sl" in sums:
                card["service_level"] = sums["answered_in_sl"] / base
            if "_wait_ans_s" in sums:
                card["asa_s"] = sums["_wait_ans_s"] / sums["handled"]
            if "abandoned" in sums:
                card["abandon_rate"] = (sums["abandoned"] - short) / base
            if "_work_s" in sums:
                card["aht_s"] = sums["_work_s"] / sums["handled"]
            if "_work_s" in sums and "_staffed_s" in sums:
                card["occupancy"] = sums["_work_s"] / sums["_staffed_s"]
            if "handled" in sums and "_staffed_s" in sums:
                card["calls_per_agent_hour"] = sums["handled"] / (sums["_staffed_s"] / 3600.0)
        card["peak_interval_offered"] = peak
        rows.append(card)
    card = pd.concat(rows).reset_index()
    card["period_start"] = card["period_start"].dt.strftime("%Y-%m-%d")
    first = ["period", "period_start", "queue"]
    card = card[first + [c for c in card.columns if c not in first]]
    card["misses"] = _misses(card, targets)
    return card


def _misses(card: pd.DataFrame, t: KpiTargets) -> list[str]:
    checks = [("service_level", lambda v: v < t.sl_target, "service level"),
              ("asa_s", lambda v: v > t.asa_target_s, "ASA"),
              ("abandon_rate", lambda v: v > t.max_abandon, "abandonment"),
              ("occupancy", lambda v: v > t.max_occupancy, "occupancy")]
    out = []
    for _, row in card.iterrows():
        missed = [label for col, bad, label in checks
                  if col in card and pd.notna(row[col]) and bad(row[col])]
        out.append("; ".join(missed))
    return out


def estimate_patience(history: pd.DataFrame) -> pd.DataFrame:
    """Mean caller patience per queue: total waiting time / number of abandons (s).

    Needs ``wait_s`` (all callers' waiting, answered or not) and ``abandoned``; the count of
    abandons is reported so a thin estimate can be recognised.
    """
    if not {"wait_s", "abandoned"} <= set(history.columns):
        raise InputError("patience estimate needs the columns 'wait_s' (total seconds waited "
                         "by all callers) and 'abandoned'")
    g = history.groupby("queue", sort=True)[["wait_s", "abandoned"]].sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        patience = np.where(g["abandoned"] > 0, g["wait_s"] / g["abandoned"], np.nan)
    return pd.DataFrame({"queue": g.index, "patience_s": patience,
                         "abandons": g["abandoned"].to_numpy()}).reset_index(drop=True)
