"""Known file layouts, as data: how each export's header names map to wfm's columns and how
its cells are written, with the vendor documentation each one comes from.

A layout maps *normalised* header names (:func:`wfmcore.schema.normalise_name`: 'AHT (sec)'
-> 'aht_sec') to wfm's columns (:mod:`wfmcore.schema`), including the input-only columns the
reader turns into wfm's (``date`` + ``time`` -> ``interval_start``; ``handle_time_s`` /
``handled`` -> ``aht_s``; talk + hold + after-call work -> handle time; see
:data:`wfmcore.schema.INPUT_COLUMNS`). Parsing rules per layout:

``units``
    seconds per unit of a duration column written as a plain number (default 1: seconds;
    0.001 for milliseconds). Durations written as 'hh:mm:ss' or 'mm:ss' text are read as such
    in every layout.
``offered_from``
    columns whose sum is the calls offered when the export has no offered column (Avaya CMS
    split/skill reports count ACD calls and abandoned calls separately).

Which layout a file has is decided from its header by :func:`score` (a vendor layout must
explain at least two of its columns and at least as many as the generic aliases do);
``layout=NAME`` in :class:`wfmcore.readoptions.ReadOptions` forces one. A file nothing
explains is refused naming the columns found and the closest layouts (:func:`closest`).

Chat concurrency (``mean_concurrency``, :mod:`wfmcore.schema`): the mean number of chats an
agent held while holding at least one. None of the vendor layouts here documents it as an
interval column in the pages stored for us (Amazon Connect's ``Concurrency`` and CXone's
agent capacity profiles are the routing limit, the most contacts an agent may hold, not a
measured mean; Salesforce Omni-Channel's capacity likewise), so it is read through the generic
aliases ('Avg Concurrency', 'Average Concurrency', 'Concurrency', 'Avg Concurrent Chats' --
eGain's name, defined as time in progress / handle time) in every layout, and such
supplementary columns (:data:`SUPPLEMENTARY`) do not count towards recognising a layout.

Citations: each layout's ``reference`` names the page the column names were taken from; where
the names could not be confirmed in the vendor's own documentation available to us, the
reference says so, and those layouts should be checked against a real export.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from wfmcore import schema as S
from wfmcore.errors import InputError


@dataclass(frozen=True)
class Layout:
    """A file layout: normalised header name -> wfm column, parsing rules, and where the
    names come from (``reference``)."""

    name: str
    columns: Mapping[str, str]
    reference: str = ""
    units: Mapping[str, float] = field(default_factory=dict)
    offered_from: tuple[str, ...] = ()


def _wfm_columns() -> dict[str, str]:
    names = (*S.FRAME_COLUMNS, *S.KPI_COUNT_COLUMNS, *S.KPI_VALUE_COLUMNS, *S.INPUT_COLUMNS,
             "agents", "scheduled_agents")
    return {c: c for c in names}


WFM = Layout("wfm", _wfm_columns(), "wfm's own schema (wfmcore.schema)")
GENERIC = Layout("generic", S.ALIASES,
                 "forecasting libraries' long format (unique_id, ds, y) and common ACD headers")

#: Vendor layouts, in the order they are tried when two explain the same number of columns.
VENDORS: tuple[Layout, ...] = (
    Layout(
        "genesys_cloud",
        {"interval_start_utc_date": S.INTERVAL_START, "interval_start": S.INTERVAL_START,
         "interval_end": S.INTERVAL_END, "queue": S.QUEUE, "queue_name": S.QUEUE,
         "media_type": S.CHANNEL, "mediatype": S.CHANNEL, "offered": S.OFFERED,
         "noffered": S.OFFERED, "interactions_handled": S.HANDLED, "handled": S.HANDLED,
         "answered": S.HANDLED, "abandoned": S.ABANDONED,
         "total_handle_time_seconds": S.HANDLE_TIME_S, "total_handle_time": S.HANDLE_TIME_S,
         "total_handle": S.HANDLE_TIME_S, "thandle": S.HANDLE_TIME_S,
         "total_talk": S.TALK_TIME_S, "total_talk_time": S.TALK_TIME_S, "ttalk": S.TALK_TIME_S,
         "total_hold": S.HOLD_TIME_S, "total_hold_time": S.HOLD_TIME_S, "theld": S.HOLD_TIME_S,
         "total_acw": S.ACW_TIME_S, "tacw": S.ACW_TIME_S, "avg_handle": S.AHT_S},
        "Genesys Cloud Resource Center, 'Prepare the historical data import .csv file' "
        "(help.mypurecloud.com/articles/prepare-the-historical-data-import-csv-file: Interval "
        "Start UTC Date in ISO 8601 with Z, Queue, Media Type = voice/chat/email/callback/"
        "message, Offered, Interactions Handled, Total Handle Time (Seconds)) and 'View "
        "available columns in performance views by category' (help.mypurecloud.com/?p=334996: "
        "Offered, Answered, Abandoned). The analytics API metric names tHandle/tTalk/tHeld/tAcw "
        "(milliseconds) and nOffered are from the Genesys Cloud analytics API; their "
        "millisecond unit is not confirmed in the pages stored here.",
        units={"thandle": 0.001, "ttalk": 0.001, "theld": 0.001, "tacw": 0.001},
    ),
    Layout(
        "nice_cxone",
        {"date": S.DATE, "time": S.TIME, "period": S.TIME, "queue": S.QUEUE,
         "skill": S.QUEUE, "skill_name": S.QUEUE, "calls_offered": S.OFFERED,
         "contacts_offered": S.OFFERED, "calls_handled": S.HANDLED,
         "contacts_handled": S.HANDLED, "calls_abandoned": S.ABANDONED, "aht_sec": S.AHT_S,
         "aht_seconds": S.AHT_S, "aht": S.AHT_S, "tz": "_tz"},
        "NICE CXone / IEX WFM, 'CT Queue Data Export Module' (help.nicecxone.com/content/"
        "integratedsolutions/iexwfmintegrated/export/ctqueuedataexport.htm: fields date "
        "(default mmddyyyy), period (start time of the period, 24-hour unless timeFormat 12), "
        "TZ; pipe-delimited). The count and AHT column names (Calls Offered, Calls Handled, "
        "AHT (sec)) are those of the issue's IEX export; the CXone page lists its remaining "
        "fields without names we could store, so they are not confirmed here.",
    ),
    Layout(
        "avaya_cms",
        {"split_skill": S.QUEUE, "skill": S.QUEUE, "split": S.QUEUE, "skill_name": S.QUEUE,
         "split_skill_name": S.QUEUE, "date": S.DATE, "time": S.TIME, "interval": S.TIME,
         "acd_calls": S.HANDLED, "num_acd_calls": S.HANDLED, "calls_offered": S.OFFERED,
         "aban_calls": S.ABANDONED, "abn_calls": S.ABANDONED, "num_calls_aband": S.ABANDONED,
         "avg_acd_time": S.AVG_TALK_S, "avg_talk_time": S.AVG_TALK_S,
         "avg_acw_time": S.AVG_ACW_S, "avg_after_call": S.AVG_ACW_S,
         "acd_time": S.TALK_TIME_S, "acw_time": S.ACW_TIME_S, "avg_speed_ans": S.ASA_S},
        "Avaya CMS split/skill interval reports: 'Avaya Communication Manager BCMS "
        "Operations', Issue 5.0, May 2005, Split report header definitions (ACD CALLS, AVG "
        "SPEED ANS, AVG TALK TIME, TOTAL AFTER CALL, ABAND CALLS) and the CMS User's Guide, "
        "Daily Split Report (Num ACD Calls, Num Calls Aband, Avg Talk Time, Avg After Call, "
        "durations in minutes and seconds; calls offered = calls handled + calls abandoned). "
        "AHT = Avg ACD Time + Avg ACW Time (CMS database items ACDTIME and ACWTIME per ACD "
        "call). The standard report carries its date in the title: wfm needs a Date column "
        "per row (a multi-day or custom report).",
        offered_from=(S.HANDLED, S.ABANDONED),
    ),
    Layout(
        "cisco_uccx",
        {"interval_start_time": S.INTERVAL_START, "interval_end_time": S.INTERVAL_END,
         "csq_name": S.QUEUE, "csq_name_call_skills": S.QUEUE, "calls_presented": S.OFFERED,
         "calls_handled": S.HANDLED, "calls_abandoned": S.ABANDONED,
         "avg_handle_time": S.AHT_S, "avg_speed_answer": S.ASA_S,
         "avg_speed_of_answer": S.ASA_S, "skill_group": S.QUEUE, "handled": S.HANDLED,
         "handle_time": S.HANDLE_TIME_S},
        "Cisco Unified CCX Historical Reporting Guide, 'Query Designs Historical Reports' "
        "(cisco.com .../uccx_b_uccx-historical-reporting-guide-115_chapter_010.html: Contact "
        "Service Queue Activity Report (by Interval), fields CSQ Name, Presented, Avg Queue "
        "Time, Handled, Abandoned, durations hh:mm:ss; the chat CSQ report names them 'Chats "
        "Presented', 'Chats Handled'); 'Calls Presented' / 'Calls Handled' / 'Avg Handle Time' "
        "and 'Interval Start Time' follow that naming but are not confirmed word for word in "
        "the pages stored here. UCCE: Cisco Unified Intelligence Center report template "
        "reference, Handled and Handle Time (talk + hold + work time).",
    ),
    Layout(
        "amazon_connect",
        {"queue": S.QUEUE, "channel": S.CHANNEL, "startinterval": S.INTERVAL_START,
         "start_interval": S.INTERVAL_START, "endinterval": S.INTERVAL_END,
         "end_interval": S.INTERVAL_END, "contacts_queued": S.OFFERED,
         "contacts_handled": S.HANDLED, "contacts_handled_incoming": S.HANDLED,
         "contacts_abandoned": S.ABANDONED, "average_handle_time": S.AHT_S,
         "contact_handle_time": S.HANDLE_TIME_S},
        "Amazon Connect Administrator Guide, 'Historical Metrics Definitions' "
        "(github.com/awsdocs/amazon-connect-admin-guide doc_source/historical-metrics-"
        "definitions.md: Contacts queued, Contacts handled, Contacts abandoned, Average handle "
        "time and Contact handle time as hh:mm:ss); grouped by Queue and Channel (VOICE, CHAT, "
        "TASK, EMAIL: GetMetricData API reference). The interval columns (StartInterval, "
        "EndInterval) of the report download are not confirmed in the pages stored here.",
    ),
    Layout(
        "five9",
        {"date": S.DATE, "half_hour": S.TIME, "quarter_hour": S.TIME, "hour": S.TIME,
         "skill": S.QUEUE, "calls": S.OFFERED, "calls_count": S.OFFERED,
         "handle_time": S.HANDLE_TIME_S, "talk_time": S.TALK_TIME_S,
         "hold_time": S.HOLD_TIME_S, "after_call_work_time": S.ACW_TIME_S,
         "abandoned": S.ABANDONED, "handled": S.HANDLED, "media_type": S.CHANNEL},
        "Five9 VCC Dashboards and Reports User's Guide (interval reports grouped by DATE and "
        "HALF HOUR / QUARTER HOUR, per SKILL; durations hh:mm:ss). NOT confirmed: the "
        "documentation stored here (Call Segment Reference, Supervisor's Guide) does not list "
        "the column names of an interval report; check against a real export.",
    ),
    Layout(
        "talkdesk",
        {"interval_start": S.INTERVAL_START, "ring_groups": S.QUEUE, "ring_group": S.QUEUE,
         "inbound_calls": S.OFFERED, "answered_calls": S.HANDLED, "abandoned_calls": S.ABANDONED,
         "talk_time": S.TALK_TIME_S, "hold_time": S.HOLD_TIME_S,
         "wrap_up_time": S.ACW_TIME_S, "channel": S.CHANNEL},
        "Talkdesk Explore API 'Calls Report' (docs.talkdesk.com/docs/calls-report: ring_groups, "
        "talk_time, hold_time, wait_time in seconds, type inbound/abandoned/missed). Talkdesk "
        "documents per-call reports; the interval column names here (Interval Start, Inbound "
        "Calls, Answered Calls, Abandoned Calls) are NOT confirmed in its documentation.",
    ),
    Layout(
        "zendesk",
        {"call_date": S.DATE, "call_started_date": S.DATE, "call_hour": S.TIME,
         "call_started_hour": S.TIME, "call_group": S.QUEUE, "group": S.QUEUE,
         "calls": S.OFFERED, "inbound_calls": S.OFFERED, "completed_calls": S.HANDLED,
         "abandoned_calls": S.ABANDONED, "call_handling_time": S.HANDLE_TIME_S,
         "call_talk_time": S.TALK_TIME_S, "call_hold_time": S.HOLD_TIME_S,
         "call_wrap_up_time": S.ACW_TIME_S},
        "Zendesk help center, 'Metrics and attributes for Zendesk Talk' (support.zendesk.com/"
        "hc/articles/4409156145434: metrics Calls, Completed calls, Abandoned calls; call "
        "completion status) and 'About native Talk time duration metrics' (talk, hold, wrap-up "
        "time). The date / hour attribute and group column names of an Explore export are NOT "
        "confirmed there.",
    ),
)

#: every layout: wfm's own names first, then the vendors, then the generic aliases
LAYOUTS: tuple[Layout, ...] = (WFM, *VENDORS, GENERIC)
BY_NAME: dict[str, Layout] = {lay.name: lay for lay in LAYOUTS}

#: every column a layout (or a column map) may map to
TARGETS: frozenset[str] = frozenset(c for lay in LAYOUTS for c in lay.columns.values()
                                    if not c.startswith("_"))

#: columns read through the generic aliases in every layout that no vendor layout names:
#: they never decide which layout a header is (a vendor file with an extra 'Avg Concurrency'
#: column is still that vendor's)
SUPPLEMENTARY: frozenset[str] = frozenset({S.MEAN_CONCURRENCY})


def layout_named(name: str) -> Layout:
    """The layout called ``name`` (case and separators ignored); InputError naming the
    parameter ``layout`` otherwise."""
    key = S.normalise_name(name)
    if key not in BY_NAME:
        raise InputError(f"layout must be one of {', '.join(BY_NAME)}; got {name!r}",
                         param="layout")
    return BY_NAME[key]


def score(layout: Layout, normalised: Iterable[str]) -> int:
    """How many of a header's (normalised) column names ``layout`` maps."""
    return sum(1 for n in set(normalised) if n in layout.columns)


def detect(normalised: list[str]) -> Layout | None:
    """The vendor layout that explains the header best, or None when none explains at least
    two columns and at least as many as wfm's own names and the generic aliases do."""
    def supplementary(n: str) -> bool:
        return (WFM.columns.get(n) or GENERIC.columns.get(n)) in SUPPLEMENTARY

    names = [n for n in set(normalised) if not supplementary(n)]
    base = sum(1 for n in names if n in WFM.columns or n in GENERIC.columns)
    best, best_score = None, 1
    for lay in VENDORS:
        s = score(lay, names)
        if s > best_score:
            best, best_score = lay, s
    return best if best is not None and best_score >= base else None


def closest(normalised: list[str], n: int = 3) -> list[str]:
    """The ``n`` vendor layouts whose column names are nearest a header's (close spellings
    count, :func:`difflib.get_close_matches` at 0.75)."""
    scores = []
    for i, lay in enumerate(VENDORS):
        names = list(lay.columns)
        hits = sum(1 for c in set(normalised) if difflib.get_close_matches(c, names, 1, 0.75))
        scores.append((-hits, i, lay.name))
    return [name for _, _, name in sorted(scores)[:n]]
