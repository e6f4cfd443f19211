"""Reading, validating and aggregating interval history (forecast.io)."""

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import forecast
from forecast.io import aggregate, parse_freq, read_history
from wfmcore import InputError

DATA = Path(__file__).parent / "data" / "forecast"
BANK = Path(__file__).parents[1] / "data" / "bank_calls_5min.csv"


def test_packages_resolve_to_this_repo():
    import erlang
    import shifts
    import wfmcore
    root = Path(__file__).parents[1].resolve()
    for mod in (forecast, erlang, shifts, wfmcore):
        assert Path(mod.__file__).resolve().is_relative_to(root), mod.__name__


def write(tmp_path, text, name="h.csv"):
    p = tmp_path / name
    p.write_text(text)
    return p


GOOD = "interval_start,offered\n2024-03-04 09:00,10\n2024-03-04 09:15,12\n2024-03-04 09:30,9\n"


# Each bad file differs from GOOD in one cell; line numbers count the header as line 1.
BAD = [
    ("interval_start,offered\n2024-03-04 09:00,10\n2024-03-04 13:75,12\n",
     r"h\.csv: line 3: column 'interval_start' is '2024-03-04 13:75'; not a timestamp"),
    ("interval_start,offered\n2024-03-04 09:00,10\n2024-03-04 09:15,ten\n",
     r"h\.csv: line 3: column 'offered' is 'ten'; not a number"),
    ("interval_start,offered\n2024-03-04 09:00,10\n2024-03-04 09:15,-1\n",
     r"h\.csv: line 3: column 'offered' is '-1'; calls must be >= 0 \(1 rows like this\)"),
    ("interval_start,offered\n2024-03-04 09:00,10\n2024-03-04 09:15,\n",
     r"h\.csv: line 3: column 'offered' is empty; a number is needed in every row"),
    ("interval_start,offered\n2024-03-04 09:00,10\n2024-03-04 09:15,3\n2024-03-04 09:00,4\n",
     r"h\.csv: lines 2, 4: column 'interval_start' 2024-03-04 09:00 appears more than once"),
    ("interval_start,offered\n2024-03-04 09:00,1\n2024-03-04 09:15,1\n2024-03-04 09:30,1\n"
     "2024-03-04 09:35,1\n",
     r"h\.csv: line 5: column 'interval_start' is 2024-03-04 09:35, not on the 15-minute grid"),
    ("interval_start,offered,aht_s\n2024-03-04 09:00,10,180\n2024-03-04 09:15,12,0\n",
     r"h\.csv: line 3: column 'aht_s' is 0; calls were handled, so AHT must be > 0"),
    ("interval_start,calls\n2024-03-04 09:00,10\n",
     r"h\.csv: cannot tell the interval length"),
    ("when,offered\n2024-03-04 09:00,10\n",
     r"h\.csv: no column 'interval_start' \(columns are 'when', 'offered'\)"),
]


@pytest.mark.parametrize(("text", "match"), BAD, ids=[
    "bad-timestamp", "non-numeric", "negative", "blank-count", "duplicate", "mixed-intervals",
    "aht-zero", "one-interval", "no-timestamp-column"])
def test_validation_messages_name_file_line_column(tmp_path, text, match):
    with pytest.raises(InputError, match=match):
        read_history(write(tmp_path, text))


def test_frame_input_reports_data_rows():
    frame = pd.DataFrame({"interval_start": ["2024-03-04 09:00", "nope"], "offered": [1, 2]})
    with pytest.raises(InputError, match=r"<frame>: data row 2: column 'interval_start'"):
        read_history(frame)


def test_missing_file():
    with pytest.raises(InputError, match=r"nope\.csv: file not found"):
        read_history("nope.csv")


@pytest.mark.parametrize(("step", "freq"), [(5, "5min"), (15, "15min"), (30, "30min"),
                                            (60, "60min")], ids=["5", "15", "30", "60"])
def test_interval_detection(step, freq):
    starts = pd.date_range("2024-03-04 08:00", periods=10, freq=freq)
    frame = pd.DataFrame({"interval_start": starts, "offered": 1})
    assert read_history(frame).interval_min == step


def test_interval_detection_tolerates_gaps_and_days():
    # 30-minute data with a missing 09:00 row and two days: still 30 minutes.
    starts = pd.to_datetime(["2024-03-04 08:00", "2024-03-04 08:30", "2024-03-04 09:30",
                             "2024-03-05 08:00", "2024-03-05 08:30", "2024-03-05 09:00"])
    assert read_history(pd.DataFrame({"interval_start": starts, "offered": 3})).interval_min == 30


def test_vendor_export_columns_and_aht_weighting():
    h = read_history(DATA / "vendor_export.csv")
    assert list(h.frame.columns) == ["interval_start", "offered", "aht_s", "handled"]
    assert h.interval_min == 15
    agg = aggregate(h, 30).frame
    # Hand calculation: 09:00 bin = 10 + 20 offered, 9 + 18 handled,
    # AHT = (9*200 + 18*300) / 27 = 266.667 s; 09:30 bin: the empty AHT had 0 calls.
    assert agg["offered"].tolist() == [30.0, 6.0]
    assert agg["handled"].tolist() == [27.0, 6.0]
    assert agg["aht_s"].tolist() == pytest.approx([7200 / 27, 150.0])


def test_long_format_unique_id_ds_y():
    h = read_history(DATA / "long_format.csv")
    assert list(h.frame.columns) == ["queue", "interval_start", "offered"]
    assert h.frame.groupby("queue")["offered"].sum().to_dict() == {"sales": 27.0,
                                                                   "support": 16.0}
    assert h.interval_min == 30 and h.source == str(DATA / "long_format.csv")


def test_user_column_map(tmp_path):
    p = write(tmp_path, "Start,Inbound\n2024-03-04 09:00,4\n2024-03-04 09:30,5\n")
    h = read_history(p, column_map={"Start": "interval_start", "Inbound": "offered"})
    assert h.frame["offered"].sum() == 9
    with pytest.raises(InputError, match=r"column_map target 'calls' is not one of"):
        read_history(p, column_map={"Inbound": "calls"})


def _write_csv(h, path):
    out = h.copy()
    out["interval_start"] = out["interval_start"].dt.strftime("%Y-%m-%d %H:%M")
    out.to_csv(path, index=False)


def _write_long(h, path):          # statsforecast's long format: unique_id, ds, y
    out = h.rename(columns={"queue": "unique_id", "interval_start": "ds", "offered": "y"})
    out.to_csv(path, index=False)


ROUND_TRIPS = {
    "csv": (".csv", _write_csv),
    "long-csv": (".csv", _write_long),
    "xlsx": (".xlsx", lambda h, p: h.to_excel(p, index=False)),
    "parquet": (".parquet", lambda h, p: h.to_parquet(p, index=False)),
}


@pytest.mark.parametrize("fmt", list(ROUND_TRIPS), ids=list(ROUND_TRIPS))
def test_round_trip_every_input_format(tmp_path, fmt):
    # A multi-queue history with AHT and handled calls survives write -> read_history
    # unchanged in every accepted format (Parquet and Excel only with their packages).
    if fmt == "parquet":
        pytest.importorskip("pyarrow")
    if fmt == "xlsx":
        pytest.importorskip("openpyxl")
    h = read_history(DATA / "vendor_export.csv").frame
    h = pd.concat([h.assign(queue="sales"), h.assign(queue="support", offered=h.offered + 1)])
    h = read_history(h[["queue", "interval_start", "offered", "aht_s", "handled"]]).frame
    suffix, write = ROUND_TRIPS[fmt]
    if fmt == "long-csv":
        h = h[["queue", "interval_start", "offered"]]
    path = tmp_path / f"h{suffix}"
    write(h, path)
    back = read_history(path)
    pd.testing.assert_frame_equal(back.frame, h, check_dtype=False)
    assert back.interval_min == 15 and back.source == str(path) and back.notes == ()


def head(history, n):
    """The first ``n`` rows of a History (the rest of it unchanged)."""
    return replace(history, frame=history.frame.head(n))


def test_bank_aggregation_sums_hand_check():
    # First 30 minutes of 2003-03-03 in the bank file: 111+113+76+82+91+87 = 560 calls
    # (six 5-minute rows read off the CSV).
    h = head(read_history(BANK), 169 * 2)
    assert h.interval_min == 5
    coarse = aggregate(h, 30, partial="keep")
    assert coarse.interval_min == 30 and coarse.notes == () and coarse.source == str(BANK)
    agg = coarse.frame
    assert agg["offered"].iloc[0] == 560
    assert agg["offered"].sum() == h.frame["offered"].sum()
    # 07:00-21:05 in 5-minute steps = 169 intervals; at 30 minutes 07:00..21:00 = 29 bins.
    assert (agg["interval_start"].dt.date == pd.Timestamp("2003-03-03").date()).sum() == 29


def test_partial_last_bin_is_dropped_with_a_note():
    # The bank day ends with 21:00-21:05, so 21:00-21:30 is only a sixth covered: by default
    # it is left out (a planner reads a row as calls over 30 minutes) and the note says so.
    # 2003-03-03 and 03-04 at 21:00 have 79 and 61 calls (the last row of each day in the CSV).
    h = head(read_history(BANK), 169 * 2)
    coarse = aggregate(h, 30)
    agg = coarse.frame
    assert (agg["interval_start"].dt.date == pd.Timestamp("2003-03-03").date()).sum() == 28
    assert agg["interval_start"].dt.strftime("%H:%M").max() == "20:30"
    last = h.frame[h.frame["interval_start"].dt.strftime("%H:%M") == "21:00"]["offered"]
    assert last.tolist() == [79.0, 61.0]
    assert agg["offered"].sum() == h.frame["offered"].sum() - 140
    (note,) = coarse.notes
    assert "21:00-21:30 is only partly in the history (21:00-21:05 of it)" in note
    assert "140 calls" in note
    # a row missing on one Monday of two is missing data, not a partial bin: the bin stays
    two_weeks = head(read_history(BANK), 169 * 10)            # Mon 03-03 .. Fri 03-14
    gappy = replace(two_weeks, frame=two_weeks.frame.drop(index=[5]).reset_index(drop=True))
    assert len(aggregate(gappy, 30).frame) == len(aggregate(two_weeks, 30).frame) == 10 * 28
    with pytest.raises(InputError, match=r"partial must be 'drop' or 'keep'; got 'cut'"):
        aggregate(h, 30, partial="cut")


def test_forecast_notes_the_dropped_partial_bin():
    h = head(read_history(BANK), 169 * 15)
    fc = forecast.run_forecast(h, horizon="3d", freq="60min", model="weekday_avg8")
    assert fc.frame["interval_start"].dt.strftime("%H:%M").max() == "20:00"
    assert fc.interval_min == 60
    assert any("21:00-22:00 is only partly in the history" in n for n in fc.notes)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(0, 500), min_size=12, max_size=12),
       st.sampled_from([15, 30, 60]))
def test_aggregation_preserves_calls(counts, coarse):
    starts = pd.date_range("2024-03-04 08:00", periods=12, freq="5min")
    h = read_history(pd.DataFrame({"interval_start": starts, "offered": counts}))
    agg = aggregate(h, coarse).frame
    assert agg["offered"].sum() == sum(counts)
    assert len(agg) == int(np.ceil(60 / coarse))


def test_parse_freq():
    assert parse_freq("15min") == 15 and parse_freq("1h") == 60 and parse_freq(None) is None
    with pytest.raises(InputError, match=r"freq must be one of"):
        parse_freq("7min")
