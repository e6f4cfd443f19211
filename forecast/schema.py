"""Column names of the history and forecast frames, and the aliases accepted on input.

A history frame is long: one row per ``queue`` x ``interval_start`` (left edge of the
interval, naive site-local time). Counts are calls; ``aht_s`` is average handle time in
seconds. Forecast frames add ``offered_lo{NN}`` / ``offered_hi{NN}`` (NN = level in percent)
and a ``model`` column naming the model that produced each row.
"""

from __future__ import annotations

import re

INTERVAL_START = "interval_start"
OFFERED = "offered"
QUEUE = "queue"
AHT_S = "aht_s"
HANDLED = "handled"
ABANDONED = "abandoned"
MODEL = "model"
UTC_OFFSET = "utc_offset_min"   # only with a time zone: local time - UTC, minutes

COUNT_COLUMNS = (OFFERED, HANDLED, ABANDONED)   # calls per interval, summed on aggregation
HISTORY_COLUMNS = (QUEUE, INTERVAL_START, OFFERED, AHT_S, HANDLED, ABANDONED)
FRAME_COLUMNS = (QUEUE, INTERVAL_START, UTC_OFFSET, OFFERED, AHT_S, HANDLED, ABANDONED)

# Interval lengths (minutes) we accept; all divide 60 so intervals tile the hour.
INTERVAL_MINUTES = (5, 10, 15, 20, 30, 60)

# Aliases after normalisation (lower case, runs of non-alphanumerics -> "_").
# Long format of forecasting libraries (statsforecast/neuralforecast): unique_id, ds, y.
# Typical ACD/vendor exports: "Interval Start", "Calls Offered", "AHT (sec)", ...
ALIASES: dict[str, str] = {
    "unique_id": QUEUE, "ds": INTERVAL_START, "y": OFFERED,
    "interval": INTERVAL_START, "interval_start": INTERVAL_START, "start": INTERVAL_START,
    "start_time": INTERVAL_START, "timestamp": INTERVAL_START, "datetime": INTERVAL_START,
    "interval_start_time": INTERVAL_START, "period_start": INTERVAL_START,
    "offered": OFFERED, "calls_offered": OFFERED, "offered_calls": OFFERED, "calls": OFFERED,
    "contacts_offered": OFFERED, "volume": OFFERED,
    "queue": QUEUE, "skill": QUEUE, "split": QUEUE, "split_skill": QUEUE, "queue_name": QUEUE,
    "aht_s": AHT_S, "aht": AHT_S, "aht_sec": AHT_S, "aht_secs": AHT_S, "aht_seconds": AHT_S,
    "avg_handle_time": AHT_S, "average_handle_time": AHT_S, "avg_handle_time_sec": AHT_S,
    "handled": HANDLED, "calls_handled": HANDLED, "handled_calls": HANDLED,
    "answered": HANDLED, "calls_answered": HANDLED,
    "abandoned": ABANDONED, "calls_abandoned": ABANDONED, "abandoned_calls": ABANDONED,
    "aban": ABANDONED,
}


def normalise_name(name: object) -> str:
    """'AHT (sec)' -> 'aht_sec'; 'Calls Offered' -> 'calls_offered'."""
    return re.sub(r"[^0-9a-z]+", "_", str(name).strip().lower()).strip("_")


def level_suffix(level: float) -> str:
    """0.8 -> '80', 0.95 -> '95', 0.975 -> '97.5' (used in offered_lo80 / offered_hi80)."""
    pct = round(level * 100, 6)
    return f"{pct:g}"
