"""Contact-centre KPIs from interval history, against targets, and caller patience.

History columns (see ``wfmcore.schema``; read by the one reader, ``wfmcore.reader``):
``interval_start``, ``offered``, optional ``queue`` and, where the ACD exports them,
``handled``, ``abandoned``, ``aht_s``, ``answered_in_sl`` (calls answered within the
service-level threshold), ``asa_s`` (mean wait of answered calls), ``wait_s`` (total seconds
waited by all callers), ``short_abandoned`` (abandons before the short-abandon cutoff) and
``staffed_agents`` (agents logged in). A KPI whose columns are missing is left empty, never
guessed.

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

from pathlib import Path

import numpy as np
import pandas as pd

from wfmcore import reader
from wfmcore import schema as S
from wfmcore.errors import InputError
from wfmcore.io import check_output_path, write_csv_atomic
from wfmcore.reader import IntervalFile
from wfmcore.readoptions import ReadOptions
from wfmcore.targets import KpiTargets

__all__ = ["KpiTargets", "estimate_patience", "read_history", "scorecard"]


def read_history(source, *, options: ReadOptions | None = None, column_map=None,
                 sheet=None) -> IntervalFile:
    """A history through the one reader (:mod:`wfmcore.reader`, read as ``options`` say),
    checked for the scorecard: ``queue`` is ``"all"`` when the file has none; handled and
    abandoned calls never exceed the calls offered."""
    hist = reader.read_intervals(source, "history", options=options, column_map=column_map,
                                 sheet=sheet)
    out = hist.frame
    if S.QUEUE not in out.columns:
        out.insert(0, S.QUEUE, "all")
    for part in (S.HANDLED, S.ABANDONED):
        if part in out:
            over = (out[part] > out[S.OFFERED] + 1e-9).to_numpy()
            if over.any():
                reader.fail_rows(hist.source, hist.file_lines, out, over, part,
                                 "more calls than offered (column 'offered')")
    return hist


def _period_start(times: pd.Series, period: str) -> pd.Series:
    day = times.dt.normalize()
    if period == "day":
        return day
    if period == "week":
        return day - pd.to_timedelta(day.dt.day_of_week, unit="D")
    raise InputError(f"period must be day or week; got {period!r}")


def scorecard(history: IntervalFile, targets: KpiTargets | None = None, *,
              periods=("day", "week"), short_abandon: bool = False) -> pd.DataFrame:
    """KPIs per queue and period (day and/or week) with a ``misses`` list against targets.

    ``history`` comes from :func:`read_history`; its ``interval_min`` sizes staffed time.
    ``short_abandon=True`` takes short abandons (column ``short_abandoned``) out of the
    service level and abandonment denominators.
    """
    targets = targets or KpiTargets()
    h = history.frame.drop(columns=[reader.LINE]).copy()
    interval_s = history.interval_min * 60.0
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
    series = ["queue", *(["channel"] if "channel" in h.columns else [])]
    for period in periods:
        h["period_start"] = _period_start(h["interval_start"], period)
        sums = h.groupby([*series, "period_start"], sort=True).sum(numeric_only=True)
        peak = h.groupby([*series, "period_start"], sort=True)["offered"].max()
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
    first = ["period", "period_start", *series]
    card = card[first + [c for c in card.columns if c not in first]]
    card["misses"] = _misses(card, targets)
    return card


def _misses(card: pd.DataFrame, t: KpiTargets) -> list[str]:
    checks = [("service_level", t.sl_target or None, lambda v, x: v < x, "service level"),
              ("asa_s", t.asa_target_s, lambda v, x: v > x, "ASA"),
              ("abandon_rate", t.max_abandon, lambda v, x: v > x, "abandonment"),
              ("occupancy", t.max_occupancy, lambda v, x: v > x, "occupancy")]
    checks = [(col, x, bad, label) for col, x, bad, label in checks if x is not None]
    out = []
    for _, row in card.iterrows():
        missed = [label for col, x, bad, label in checks
                  if col in card and pd.notna(row[col]) and bad(row[col], x)]
        out.append("; ".join(missed))
    return out


def estimate_patience(history: IntervalFile) -> pd.DataFrame:
    """Mean caller patience per queue: total waiting time / number of abandons (s).

    Needs ``wait_s`` (all callers' waiting, answered or not) and ``abandoned``; the count of
    abandons is reported so a thin estimate can be recognised.
    """
    history = history.frame
    if not {"wait_s", "abandoned"} <= set(history.columns):
        raise InputError("patience estimate needs the columns 'wait_s' (total seconds waited "
                         "by all callers) and 'abandoned'")
    g = history.groupby("queue", sort=True)[["wait_s", "abandoned"]].sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        patience = np.where(g["abandoned"] > 0, g["wait_s"] / g["abandoned"], np.nan)
    return pd.DataFrame({"queue": g.index, "patience_s": patience,
                         "abandons": g["abandoned"].to_numpy()}).reset_index(drop=True)


def run_kpis(history: Path, out: Path | None = None, *, targets: KpiTargets | None = None,
             short_abandon: bool = False, inputs=(), read: ReadOptions | None = None
             ) -> tuple[pd.DataFrame, IntervalFile]:
    """``wfm kpis``: the scorecard of a history file (read as ``read`` says), written to
    ``out`` when given (never over the history or the other ``inputs``, e.g. the config)."""
    inputs = [history, *inputs]
    if out is not None:
        check_output_path(out, inputs)
    hist = read_history(history, options=read)
    card = scorecard(hist, targets, short_abandon=short_abandon)
    if out is not None:
        write_csv_atomic(card, out, inputs=inputs)
    return card, hist
