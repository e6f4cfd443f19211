"""The frames passed between stages, documented in one place and validated at the boundary.

All frames are long: one row per queue (and channel) and interval. ``interval_start`` is the
left edge of the interval in site-local time, written ``YYYY-MM-DD HH:MM`` by every writer;
``queue`` is optional (one queue when absent). Shares are 0-1, never percent; units are in
the names. Files are read by :mod:`wfmcore.reader` (the one reader: column aliases, time
parsing, interval length), which returns the parsed frame and ``interval_min`` explicitly.

history (ACD export, input of ``wfm forecast``, ``wfm kpis``, ``wfm plan``)
    interval_start, offered [calls], optional queue and channel (the series key is queue x
    channel, see :func:`series_keys`), aht_s [s], handled [calls],
    abandoned [calls], utc_offset_min (with a time zone: local - UTC, minutes); for the KPI
    scorecard also answered_in_sl, short_abandoned [calls], asa_s [s], wait_s [s, total],
    staffed_agents; for chat, mean_concurrency [chats]: the mean number of chats an agent
    held while holding at least one (chat-seconds in service / agent-seconds with >= 1 chat;
    the ``mean_concurrency`` of :mod:`erlang.chat`), from which
    :func:`erlang.chat_history.estimate_aht_by_concurrency` estimates the handle time by
    concurrency. eGain's 'Avg Concurrent Chats' is defined this way ("duration in progress
    divided by handle time", help.egain.com, 'Chat Productivity by Agent and Queue'). Not
    confirmed as an interval export column in the documentation stored here for Genesys
    Cloud, Five9, NICE CXone, Amazon Connect or Salesforce: Amazon Connect's and CXone's
    "concurrency" is the routing setting (the most contacts an agent may hold: Amazon
    Connect API 'MediaConcurrency' / 'WorkloadTypeConcurrency'; CXone 'Agent Capacity
    Profiles'), Salesforce Omni-Channel's "capacity" likewise (ServiceChannel
    CapacityWeight); so the names below are generic aliases, and a vendor's column
    should be checked against this definition (a figure per logged-in agent, idle time
    included, is another measure, refused when below 1)
forecast (output of ``wfm forecast``, input of ``wfm staff``, ``wfm whatif``)
    interval_start, offered [expected calls], optional queue, aht_s [s],
    offered_lo80 / offered_hi80 [calls, named after the level], model
requirements (output of ``wfm staff``, input of ``wfm schedule``)
    the forecast columns plus traffic_erl [Erlangs], agents (required on the phones),
    scheduled_agents (agents / (1 - shrinkage), rounded up), service_level, p_wait, asa_s [s],
    occupancy, p_abandon (empty for Erlang C), staffing_erl [Erlangs staffed for], p_block
    (empty without lines), staffing_model (erlang_c, erlang_a, erlang_x, chat or deferred;
    the KPI columns are empty for deferred rows); with call blending (``blend_with``,
    :func:`wfmplan.staffing.staff_blended`) the voice rows of the team also have
    blend_threshold [agents kept free], blend_service_level, blend_asa_s [s],
    blend_occupancy, blend_service_level_without, blend_deferred_erl [Erlangs of deferred
    work done in the idle time], the deferred rows blend_free_agents and blend_used_agents
    [agents]; deferred rows (when a file has any) window_intervals [intervals: an item's work
    may be done in any of the K open intervals from its arrival], deferred_work_scale (1 +
    the calibrated work margin), deadline_h [business hours] and deadline_share, empty on
    the other rows; ``wfm schedule`` covers such a unit inside its window
    (:mod:`shifts.deferred_window`) where that holds the target for fewer paid hours
shifts (output of ``wfm schedule``)
    start, end (``YYYY-MM-DD HH:MM``), paid_hours, breaks (``HH:MM-HH:MM`` ranges joined by
    ``;``), agents (identical shifts), shift_type, optional queue, agent (with a roster) and
    contract (with contract rules)
tours (output of ``wfm schedule`` with weekly tours)
    week_start (Monday), days_on, days_off (``mon,tue,...``), agents, optional queue,
    contract and start_band (``HH:MM-HH:MM``, the window every start of the week lies in)
coverage (output of ``wfm schedule``)
    interval_start, required, scheduled, over, under  [agents]; then on_phone_agents,
    service_level (the formula at the scheduled agents), sim_service_level with its 95 %
    interval sim_service_level_lo / _hi and sim_below (significantly under the target)
    when the schedule is checked by simulation (:mod:`shifts.check`)
fairness (output of ``wfm schedule --roster``; :data:`shifts.roster.FAIRNESS_COLUMNS`)
    agent, shifts, paid_hours, min_hours, max_hours [h a week], late_shifts, weekend_days,
    hours_short, days_worked, days_off_min, max_days_in_row, min_rest_h [h],
    start_spread_h [h], inside_contract, short_reason
headcount (input of ``wfm whatif --headcount``)
    interval_start, optional queue, agents
"""

from __future__ import annotations

import re

TIME_FORMAT = "%Y-%m-%d %H:%M"   # the one time format every writer writes

INTERVAL_START = "interval_start"
OFFERED = "offered"
QUEUE = "queue"
AHT_S = "aht_s"
HANDLED = "handled"
ABANDONED = "abandoned"
ASA_S = "asa_s"
MODEL = "model"
UTC_OFFSET = "utc_offset_min"   # only with a time zone: local time - UTC, minutes
CHANNEL = "channel"             # media type (voice, chat, email, message, callback, ...)
MEAN_CONCURRENCY = "mean_concurrency"   # chats an agent held while holding >= 1 (history)

# Columns a layout may map to on the way in; the reader turns them into the columns above
# and drops them (wfmcore.reader: dates and times, durations, AHT from handle time).
DATE = "date"                   # the day of a separate Date + Time pair
TIME = "time"                   # the time of day (or an interval such as '08:00-08:30')
INTERVAL_END = "interval_end"   # right edge of the interval: recognised, not needed
HANDLE_TIME_S = "handle_time_s"  # total handle time of the interval's handled calls [s]
TALK_TIME_S = "talk_time_s"      # totals [s] whose sum is the handle time
HOLD_TIME_S = "hold_time_s"
ACW_TIME_S = "acw_time_s"
AVG_TALK_S = "avg_talk_s"        # per handled call [s]; their sum is the AHT
AVG_HOLD_S = "avg_hold_s"
AVG_ACW_S = "avg_acw_s"
INPUT_COLUMNS = (DATE, TIME, INTERVAL_END, HANDLE_TIME_S, TALK_TIME_S, HOLD_TIME_S, ACW_TIME_S,
                 AVG_TALK_S, AVG_HOLD_S, AVG_ACW_S)
DURATION_INPUTS = (HANDLE_TIME_S, TALK_TIME_S, HOLD_TIME_S, ACW_TIME_S, AVG_TALK_S, AVG_HOLD_S,
                   AVG_ACW_S)

COUNT_COLUMNS = (OFFERED, HANDLED, ABANDONED)   # calls per interval, summed on aggregation
FRAME_COLUMNS = (QUEUE, CHANNEL, INTERVAL_START, UTC_OFFSET, OFFERED, AHT_S, HANDLED, ABANDONED)
SERIES_COLUMNS = (QUEUE, CHANNEL)                # one forecast per queue x channel
#: history columns the KPI scorecard reads where the ACD exports them
KPI_COUNT_COLUMNS = ("handled", "abandoned", "answered_in_sl", "short_abandoned")
#: (and mean_concurrency, read for the chat handle time by concurrency)
KPI_VALUE_COLUMNS = ("aht_s", "asa_s", "wait_s", "staffed_agents", MEAN_CONCURRENCY)

#: Interval lengths (minutes) wfm accepts; all divide 60 so intervals tile the hour.
INTERVAL_MINUTES = (5, 10, 15, 20, 30, 60)

# Column aliases after normalisation (lower case, runs of non-alphanumerics -> "_"): the
# generic layout of :mod:`wfmcore.reader`. Long format of forecasting libraries
# (statsforecast/neuralforecast): unique_id, ds, y. Typical ACD exports: "Interval Start",
# "Calls Offered", "AHT (sec)", ...
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
    "channel": CHANNEL, "media_type": CHANNEL, "media": CHANNEL, "mediatype": CHANNEL,
    "interval_end": INTERVAL_END, "end": INTERVAL_END, "end_time": INTERVAL_END,
    "date": DATE, "time": TIME,
    "total_handle_time": HANDLE_TIME_S, "total_handle_time_s": HANDLE_TIME_S,
    "total_handle_time_sec": HANDLE_TIME_S, "total_handle_time_seconds": HANDLE_TIME_S,
    "handle_time_s": HANDLE_TIME_S,
    "mean_concurrency": MEAN_CONCURRENCY, "concurrency": MEAN_CONCURRENCY,
    "avg_concurrency": MEAN_CONCURRENCY, "average_concurrency": MEAN_CONCURRENCY,
    "chat_concurrency": MEAN_CONCURRENCY, "avg_chat_concurrency": MEAN_CONCURRENCY,
    "avg_concurrent_chats": MEAN_CONCURRENCY, "average_concurrent_chats": MEAN_CONCURRENCY,
    "avg_concurrent_interactions": MEAN_CONCURRENCY,
}

#: canonical channel names (lower case) and the spellings exports use for them
CHANNELS: dict[str, str] = {
    "voice": "voice", "call": "voice", "calls": "voice", "phone": "voice", "telephony": "voice",
    "inbound_voice": "voice", "chat": "chat", "webchat": "chat", "web_chat": "chat",
    "email": "email", "e_mail": "email", "mail": "email", "message": "message",
    "messaging": "message", "sms": "message", "callback": "callback", "call_back": "callback",
}

COVERAGE_COLUMNS = ("interval_start", "required", "scheduled", "over", "under")
SHIFT_COLUMNS = ("start", "end", "paid_hours", "breaks", "agents", "shift_type")


def normalise_name(name: object) -> str:
    """'AHT (sec)' -> 'aht_sec'; 'Calls Offered' -> 'calls_offered'."""
    return re.sub(r"[^0-9a-z]+", "_", str(name).strip().lower()).strip("_")


def series_keys(frame) -> list[str]:
    """The series key columns present in ``frame``: ``queue`` and ``channel``, in that order
    (a frame without them is one series)."""
    return [c for c in SERIES_COLUMNS if c in frame.columns]


def level_suffix(level: float) -> str:
    """0.8 -> '80', 0.95 -> '95', 0.975 -> '97.5' (used in offered_lo80 / offered_hi80)."""
    pct = round(level * 100, 6)
    return f"{pct:g}"
