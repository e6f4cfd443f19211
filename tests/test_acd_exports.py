"""Real ACD exports in (issue 9): every vendor layout and every detected feature, each a messy
file and its clean twin written from the same generated data; both must give the identical
normalised history and the identical forecast.

Expected values come from the generator (the counts and whole-second handle times it draws
are what the files say), from hand calculations noted beside them, and from the time-zone
database (zoneinfo) for the DST days. The fixtures are written by the tests into tmp_path.
"""

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import forecast
from cli import app
from wfmcore import layouts
from wfmcore.errors import InputError
from wfmcore.reader import read_intervals
from wfmcore.readoptions import ReadOptions
from wfmplan.importing import import_history, summary_lines

PARIS = "Europe/Paris"
NY = "America/New_York"
runner = CliRunner()


def base(*, step=30, days=21, start="2024-02-05", hours=(8, 18), queues=("Sales",),
         channels=("voice",), seed=1, all_day=False):
    """Interval history in site-local time: Poisson calls, 5 % abandoned, whole-second AHT
    drawn per interval (so total handle time / handled is exact), no AHT where nothing was
    handled."""
    rng = np.random.default_rng(seed)
    parts = []
    for q in queues:
        for ch in channels:
            t = pd.date_range(start, periods=days * 1440 // step, freq=f"{step}min")
            if not all_day:
                t = t[(t.hour >= hours[0]) & (t.hour < hours[1])]
            h = (t.hour + t.minute / 60).to_numpy()
            rate = (8.0 if ch == "voice" else 3.0) * (1 + np.sin((h - 8) / 10 * np.pi).clip(0))
            if all_day:
                rate = 1.5 + 10 * np.exp(-((h - 13) / 4) ** 2)
            offered = rng.poisson(rate * step / 30)
            abandoned = rng.binomial(offered, 0.05)
            handled = offered - abandoned
            aht = rng.integers(180, 420, len(t)).astype(float)
            parts.append(pd.DataFrame({
                "queue": q, "channel": ch, "interval_start": t, "offered": offered,
                "handled": handled, "abandoned": abandoned,
                "aht_s": np.where(handled > 0, aht, np.nan),
                "total_s": (handled * aht).astype(int)}))
    return pd.concat(parts, ignore_index=True)


def clean(b, path, *, channel=True):
    """The clean twin: wfm's own schema."""
    cols = ["queue"] + (["channel"] if channel else []) + [
        "interval_start", "offered", "handled", "abandoned", "aht_s"]
    out = b[cols].copy()
    out["interval_start"] = out["interval_start"].dt.strftime("%Y-%m-%d %H:%M")
    out.to_csv(path, index=False)
    return path


def hms(seconds):
    s = np.asarray(seconds, float)
    return [("" if np.isnan(v) else f"{int(v) // 3600:02d}:{int(v) % 3600 // 60:02d}:"
             f"{int(v) % 60:02d}") for v in s]


def ms(seconds):
    s = np.asarray(seconds, float)
    return [("" if np.isnan(v) else f"{int(v) // 60}:{int(v) % 60:02d}") for v in s]


def utc_iso(local, tz=PARIS):
    return local.dt.tz_localize(tz).dt.tz_convert("UTC").dt.strftime("%Y-%m-%dT%H:%M:%S.000Z")


# --- one messy writer per vendor layout -------------------------------------------------------

def genesys(b, p):
    pd.DataFrame({"Interval Start UTC Date": utc_iso(b.interval_start), "Queue": b.queue,
                  "Media Type": b.channel.str.title(), "Skill Set": "",
                  "Offered": b.offered, "Interactions Handled": b.handled, "Abandoned": b.abandoned,
                  "Total Handle Time (Seconds)": b.total_s}).to_csv(p, index=False)


def nice(b, p):
    aht = b.aht_s.map(lambda v: "" if np.isnan(v) else f"{v:.0f}")
    pd.DataFrame({"Date": b.interval_start.dt.strftime("%d/%m/%Y"),
                  "Time": b.interval_start.dt.strftime("%H:%M"), "Skill": b.queue,
                  "Calls Offered": b.offered, "Calls Handled": b.handled,
                  "Calls Abandoned": b.abandoned, "AHT (sec)": aht, "TZ": "CET"}
                 ).to_csv(p, index=False, sep="|")


def avaya(b, p):
    t = b.interval_start
    end = t + pd.Timedelta(minutes=30)
    frame = pd.DataFrame({"Split/Skill": b.queue, "Date": t.dt.strftime("%m/%d/%Y"),
                          "Time": t.dt.strftime("%-I:%M %p") + "-" + end.dt.strftime("%-I:%M %p"),
                          "ACD Calls": b.handled, "Aban Calls": b.abandoned,
                          "Avg ACD Time": ms(b.aht_s - 30), "Avg ACW Time": ms(b.aht_s * 0 + 30)})
    body = frame.to_csv(index=False, sep=";")
    total = f"Total;;;{b.handled.sum()};{b.abandoned.sum()};;\n"
    p.write_text("Split/Skill Report: Interval\nPrinted 2024-02-26\n\n" + body + total)


def uccx(b, p):
    t = b.interval_start
    frame = pd.DataFrame({
        "Interval Start Time": t.dt.strftime("%m/%d/%Y %I:%M:%S %p"),
        "Interval End Time": (t + pd.Timedelta(minutes=30)).dt.strftime("%m/%d/%Y %I:%M:%S %p"),
        "CSQ Name (Call Skills)": b.queue, "Calls Presented": b.offered,
        "Calls Handled": b.handled, "Calls Abandoned": b.abandoned,
        "Avg Handle Time": hms(b.aht_s)})
    with pd.ExcelWriter(p, engine="openpyxl") as xl:
        pd.DataFrame({"About": ["Unified CCX historical report", "generated for tests"]}
                     ).to_excel(xl, sheet_name="Info", index=False)
        frame.to_excel(xl, sheet_name="CSQ Activity", index=False, startrow=3)
        xl.sheets["CSQ Activity"]["A1"] = "Contact Service Queue Activity Report (by Interval)"


def amazon(b, p):
    local = b.interval_start.dt.tz_localize(PARIS)
    pd.DataFrame({"Queue": b.queue, "Channel": b.channel.str.upper(),
                  "StartInterval": local.map(lambda x: x.isoformat()),
                  "EndInterval": (local + pd.Timedelta(minutes=30)).map(lambda x: x.isoformat()),
                  "Contacts queued": b.offered, "Contacts handled": b.handled,
                  "Contacts abandoned": b.abandoned, "Average handle time": hms(b.aht_s)}
                 ).to_csv(p, index=False)


def five9(b, p):
    pd.DataFrame({"DATE": b.interval_start.dt.strftime("%Y-%m-%d"),
                  "HALF HOUR": b.interval_start.dt.strftime("%H:%M"), "SKILL": b.queue,
                  "CALLS": b.offered, "HANDLED": b.handled, "ABANDONED": b.abandoned,
                  "HANDLE TIME": hms(b.total_s)}).to_csv(p, index=False)


def talkdesk(b, p):
    hold, wrap = 10 * b.handled, 20 * b.handled
    pd.DataFrame({"Interval Start": b.interval_start.dt.strftime("%Y-%m-%d %H:%M"),
                  "Ring Groups": b.queue, "Inbound Calls": b.offered,
                  "Answered Calls": b.handled, "Abandoned Calls": b.abandoned,
                  "Talk Time": b.total_s - hold - wrap, "Hold Time": hold,
                  "Wrap Up Time": wrap}).to_csv(p, index=False)


def zendesk(b, p):
    pd.DataFrame({"Call started - Date": b.interval_start.dt.strftime("%Y-%m-%d"),
                  "Call started - Hour": b.interval_start.dt.hour, "Call group": b.queue,
                  "Calls": b.offered, "Completed calls": b.handled,
                  "Abandoned calls": b.abandoned, "Call handling time": b.total_s}
                 ).to_csv(p, index=False)


# name: (writer, file suffix, base() arguments, ReadOptions for the messy file, channel kept)
VENDORS = {
    "genesys_cloud": (genesys, ".csv", dict(channels=("voice", "chat")), dict(tz=PARIS), True),
    "nice_cxone": (nice, ".txt", dict(queues=("Sales", "Service")), {}, False),
    "avaya_cms": (avaya, ".csv", dict(queues=("Sales", "Service")), {}, False),
    "cisco_uccx": (uccx, ".xlsx", {}, {}, False),
    "amazon_connect": (amazon, ".csv", dict(channels=("voice", "chat")), dict(tz=PARIS), True),
    "five9": (five9, ".csv", {}, {}, False),
    "talkdesk": (talkdesk, ".csv", {}, {}, False),
    "zendesk": (zendesk, ".csv", dict(step=60), {}, False),
}


def same_history(messy, twin, messy_opts=None, twin_opts=None):
    a = forecast.read_history(messy, options=ReadOptions(**(messy_opts or {})))
    b = forecast.read_history(twin, options=ReadOptions(**(twin_opts or {})))
    pd.testing.assert_frame_equal(a.frame, b.frame, check_dtype=False)
    assert a.interval_min == b.interval_min
    return a, b


def same_forecast(a, b):
    fa = forecast.run_forecast(a, horizon="2d", model="weekday_avg8", cal_folds=2)
    fb = forecast.run_forecast(b, horizon="2d", model="weekday_avg8", cal_folds=2)
    pd.testing.assert_frame_equal(fa.frame, fb.frame)
    return fa


@pytest.mark.parametrize("vendor", list(VENDORS))
def test_vendor_export_and_clean_twin_agree(tmp_path, vendor):
    write, suffix, kw, opts, channel = VENDORS[vendor]
    b = base(**kw)
    messy = tmp_path / f"export{suffix}"
    write(b, messy)
    twin = clean(b, tmp_path / "twin.csv", channel=channel)
    table = read_intervals(messy, "history", options=ReadOptions(**opts))
    assert table.layout == vendor                    # recognised from the header alone
    a, h = same_history(messy, twin, opts, dict(tz=opts.get("tz")))
    # the generator's numbers: calls offered and handled, AHT = total / handled exactly
    assert a.frame["offered"].sum() == b.offered.sum()
    assert a.frame["handled"].sum() == b.handled.sum()
    got = a.frame["aht_s"].to_numpy()
    want = h.frame["aht_s"].to_numpy()
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    fc = same_forecast(a, h)
    assert ("channel" in fc.frame.columns) == channel
    assert fc.frame.loc[fc.frame["offered"] > 0, "aht_s"].notna().all()


def test_layout_table_cites_every_vendor():
    names = {lay.name for lay in layouts.VENDORS}
    assert names == set(VENDORS)
    for lay in layouts.VENDORS:
        assert len(lay.reference) > 60, lay.name       # the page the names come from


def test_forced_layout_and_column_text(tmp_path):
    b = base()
    p = tmp_path / "x.csv"
    pd.DataFrame({"Slot": b.interval_start.dt.strftime("%Y-%m-%d %H:%M"), "Calls In": b.offered,
                  "Skill": b.queue}).to_csv(p, index=False)
    h = forecast.read_history(p, options=ReadOptions(columns="interval_start=Slot,offered=Calls In"))
    assert h.frame["offered"].sum() == b.offered.sum() and h.interval_min == 30
    t = read_intervals(p, "history", options=ReadOptions(
        columns="interval_start=Slot,offered=Calls In", layout="avaya_cms"))
    assert t.layout == "avaya_cms" and set(t.frame["queue"]) == {"Sales"}


# --- detected features ------------------------------------------------------------------------

def _generic(b, **cols):
    return pd.DataFrame({"interval_start": b.interval_start.dt.strftime("%Y-%m-%d %H:%M"),
                         "queue": b.queue, "offered": b.offered, "handled": b.handled,
                         "abandoned": b.abandoned, "aht_s": b.aht_s, **cols})


def feature_semicolon_decimal_comma(b, p):
    f = _generic(b)
    f["aht_s"] = f["aht_s"].map(lambda v: "" if np.isnan(v) else f"{v:.1f}".replace(".", ","))
    f.to_csv(p, index=False, sep=";")


def feature_title_rows(b, p):
    p.write_text("Queue report\nExported by the ACD\n\n" + _generic(b).to_csv(index=False))


def feature_day_first_dots(b, p):
    f = _generic(b)
    f["interval_start"] = b.interval_start.dt.strftime("%d.%m.%Y %H:%M")
    f.to_csv(p, index=False)


def feature_month_first_12h(b, p):
    f = _generic(b)
    f["interval_start"] = b.interval_start.dt.strftime("%m/%d/%Y %I:%M %p")
    f.to_csv(p, index=False)


def feature_date_and_time(b, p):
    f = _generic(b).drop(columns="interval_start")
    f.insert(0, "Time", b.interval_start.dt.strftime("%H:%M"))
    f.insert(0, "Date", b.interval_start.dt.strftime("%Y-%m-%d"))
    f.to_csv(p, index=False)


def feature_second_sheet(b, p):
    with pd.ExcelWriter(p, engine="openpyxl") as xl:
        pd.DataFrame({"notes": ["read me"]}).to_excel(xl, sheet_name="Cover", index=False)
        _generic(b).to_excel(xl, sheet_name="Data", index=False)


def feature_total_handle_time(b, p):
    _generic(b, **{"Total Handle Time": b.total_s}).drop(columns="aht_s").to_csv(p, index=False)


def feature_utc_offsets(b, p):
    f = _generic(b)
    f["interval_start"] = b.interval_start.dt.tz_localize(PARIS).map(lambda x: x.isoformat())
    f.to_csv(p, index=False)


def feature_naive_utc(b, p):
    f = _generic(b)
    f["interval_start"] = utc_iso(b.interval_start).str.slice(0, 16).str.replace("T", " ")
    f.to_csv(p, index=False)


FEATURES = {
    "semicolon-decimal-comma": (feature_semicolon_decimal_comma, ".csv", {}),
    "title-rows": (feature_title_rows, ".csv", {}),
    "day-first-dots": (feature_day_first_dots, ".csv", {}),
    "month-first-12h-clock": (feature_month_first_12h, ".csv", {}),
    "date-and-time-columns": (feature_date_and_time, ".csv", {}),
    "data-on-second-sheet": (feature_second_sheet, ".xlsx", {}),
    "total-handle-time": (feature_total_handle_time, ".csv", {}),
    "utc-offsets": (feature_utc_offsets, ".csv", dict(tz=PARIS)),
    "naive-utc-input-tz": (feature_naive_utc, ".csv", dict(tz=PARIS, input_tz="UTC")),
}


@pytest.mark.parametrize("feature", list(FEATURES))
def test_detected_feature_and_clean_twin_agree(tmp_path, feature):
    write, suffix, opts = FEATURES[feature]
    b = base(queues=("Sales", "Service"))
    messy = tmp_path / f"messy{suffix}"
    write(b, messy)
    twin = clean(b, tmp_path / "twin.csv", channel=False)
    a, h = same_history(messy, twin, opts, dict(tz=opts.get("tz")))
    # 2 queues x 21 days x 20 half-hours (08:00-18:00), as generated
    assert len(a.frame) == 2 * 21 * 20 and a.frame["offered"].sum() == b.offered.sum()
    same_forecast(a, h)


def test_ambiguous_dates_are_refused_naming_date_format(tmp_path):
    b = base(days=12)                                 # 05.02 .. 16.02: days above 12 ...
    b = b[b.interval_start.dt.day <= 12]              # ... removed: every date ambiguous
    p = tmp_path / "h.csv"
    feature_day_first_dots(b, p)
    with pytest.raises(InputError, match=r"can be day-first or month-first .* date_format") as e:
        forecast.read_history(p)
    assert e.value.param == "date_format" and "\n" not in str(e.value)
    h = forecast.read_history(p, options=ReadOptions(date_format="%d.%m.%Y"))
    assert h.frame["interval_start"].min() == pd.Timestamp("2024-02-05 08:00")


def test_channel_is_part_of_the_series_key_and_filter(tmp_path):
    b = base(channels=("voice", "chat", "email"))
    p = tmp_path / "g.csv"
    genesys(b, p)
    h = forecast.read_history(p, options=ReadOptions(tz=PARIS))
    assert sorted(h.frame["channel"].unique()) == ["chat", "email", "voice"]
    fc = forecast.run_forecast(h, horizon="1d", model="weekday_avg8", cal_folds=2)
    assert list(fc.frame.columns[:2]) == ["queue", "channel"]
    assert sorted(fc.frame["channel"].unique()) == ["chat", "email", "voice"]
    notes = [n for n in fc.notes if "staffed by its own model" in n]
    assert len(notes) == 1 and "chat, email" in notes[0]
    voice = forecast.read_history(p, options=ReadOptions(tz=PARIS, filter="channel=Voice"))
    twin = clean(b[b.channel == "voice"], tmp_path / "twin.csv")
    pd.testing.assert_frame_equal(voice.frame, forecast.read_history(twin, tz=PARIS).frame,
                                  check_dtype=False)


def test_left_out_zero_intervals_are_filled_with_one_note(tmp_path):
    # A 24/7 queue whose export leaves out the intervals without calls (quiet nights). The
    # export cannot show quiet intervals before its first or after its last call, nor a time
    # of day that was quiet on every day of a weekday: the generator's history starts and
    # ends with calls and its 4 weeks have a call at every time of day on some day of each
    # weekday (checked below), so every quiet interval lies inside the learned hours.
    b = base(all_day=True, days=28, step=30, seed=4)
    calls = np.flatnonzero(b.offered > 0)
    b = b.iloc[calls[0]:calls[-1] + 1].reset_index(drop=True)
    seen = b[b.offered > 0].groupby(b.interval_start.dt.day_of_week)["interval_start"].agg(
        lambda t: (t.dt.hour * 60 + t.dt.minute).nunique())
    assert (seen == 48).all()
    zero = b.offered == 0
    assert 100 < zero.sum() < 400                     # the generator's quiet intervals
    p = tmp_path / "drop.csv"
    _generic(b[~zero]).to_csv(p, index=False)
    twin = clean(b, tmp_path / "twin.csv", channel=False)
    a, h = same_history(p, twin)
    filled = [n for n in a.notes if "filled with 0 calls" in n]
    assert len(filled) == 1 and filled[0].startswith(f"{int(zero.sum()):,} interval")
    assert h.notes == ()                              # the twin keeps its zeros: nothing filled
    fc = same_forecast(a, h).frame
    # quiet nights have no AHT in the history; the forecast still has one wherever it
    # forecasts calls (the queue's smoothed AHT), so it feeds wfm staff
    assert a.frame["aht_s"].isna().sum() >= zero.sum()
    assert (fc.loc[fc["offered"] > 0, "aht_s"] > 0).all()


def test_dst_fall_back_day_in_utc_input_for_a_24_7_queue(tmp_path):
    # UTC export of a New York 24/7 queue over the 2024-11-03 fall-back (01:00-01:59 twice).
    utc = pd.date_range("2024-10-07 04:00", "2024-11-03 03:45", freq="15min", tz="UTC")
    rng = np.random.default_rng(7)
    local = utc.tz_convert(NY)
    hour = local.hour.to_numpy()
    calls = rng.poisson(2 + 20 * np.exp(-((hour - 13) / 4.0) ** 2))
    p = tmp_path / "utc.csv"
    pd.DataFrame({"Interval Start": utc.strftime("%Y-%m-%d %H:%M"), "Offered": calls}
                 ).to_csv(p, index=False)
    h = forecast.read_history(p, options=ReadOptions(tz=NY, input_tz="UTC"))
    # zoneinfo: 11-03 local has 25 hours = 100 quarter-hours, history ends 11-02 23:45 local
    day = h.frame[h.frame["interval_start"].dt.normalize() == "2024-11-02"]
    assert len(day) == 96 and h.frame["offered"].sum() == calls.sum()
    utc2 = pd.date_range("2024-10-07 04:00", "2024-11-04 04:45", freq="15min", tz="UTC")
    calls2 = np.random.default_rng(8).poisson(5, len(utc2))
    pd.DataFrame({"Interval Start": utc2.strftime("%Y-%m-%dT%H:%MZ"), "Offered": calls2}
                 ).to_csv(p, index=False)
    h2 = forecast.read_history(p, tz=NY)
    fall = h2.frame[h2.frame["interval_start"].dt.normalize() == "2024-11-03"]
    assert len(fall) == 100
    assert fall.loc[fall["interval_start"] == "2024-11-03 01:00", "utc_offset_min"].tolist() == [
        -240, -300]
    cut = forecast.read_history(p, tz=NY)
    cut = forecast.History(frame=cut.frame[cut.frame["interval_start"] < "2024-11-03"],
                           interval_min=15, source=cut.source, tz=NY)
    fc = forecast.run_forecast(cut, horizon="2d", model="weekday_avg8", cal_folds=2).frame
    assert (fc["interval_start"].dt.normalize() == "2024-11-03").sum() == 100
    assert np.isfinite(fc["offered"]).all()


def test_row_order_columns_separators_and_formats_never_change_the_result(tmp_path):
    # A seeded loop over permutations: shuffled rows, shuffled columns, saved as ',' or ';'
    # CSV, XLSX or Parquet: the normalised history is always the same.
    b = base(queues=("Sales", "Service"), days=7)
    ref = forecast.read_history(clean(b, tmp_path / "ref.csv", channel=False)).frame
    rng = np.random.default_rng(11)
    frame = _generic(b)
    for i in range(8):
        f = frame.sample(frac=1, random_state=int(rng.integers(1 << 30)))
        f = f[list(rng.permutation(f.columns))]
        fmt = ["csv", "semicolon", "xlsx", "parquet"][i % 4]
        p = tmp_path / f"p{i}.{ {'semicolon': 'csv'}.get(fmt, fmt) }"
        if fmt == "csv":
            f.to_csv(p, index=False)
        elif fmt == "semicolon":
            g = f.copy()
            g["aht_s"] = g["aht_s"].map(lambda v: "" if np.isnan(v) else f"{v:g}".replace(".", ","))
            g.to_csv(p, index=False, sep=";")
        elif fmt == "xlsx":
            f.to_excel(p, index=False)
        else:
            f.to_parquet(p, index=False)
        got = forecast.read_history(p).frame
        pd.testing.assert_frame_equal(got, ref, check_dtype=False, obj=f"{fmt} #{i}")


def test_import_writes_the_normalised_history(tmp_path):
    b = base(channels=("voice", "chat"))
    messy = tmp_path / "g.csv"
    genesys(b, messy)
    out = tmp_path / "history.csv"
    s = import_history(messy, out, ReadOptions(tz=PARIS))
    assert (s.layout, s.tz, s.interval_min, s.queues, s.channels) == (
        "genesys_cloud", PARIS, 30, ("Sales",), ("chat", "voice"))
    assert s.columns_ignored == ("Skill Set",) and s.rows == len(b) and s.rows_filled == 0
    assert (str(s.first_day), str(s.last_day)) == ("2024-02-05", "2024-02-25")
    text = "\n".join(summary_lines(s))
    assert "genesys_cloud" in text and "1 x 2" in text
    back = forecast.read_history(out, tz=PARIS)
    pd.testing.assert_frame_equal(back.frame, forecast.read_history(messy, tz=PARIS).frame,
                                  check_dtype=False)
    with pytest.raises(InputError, match="would overwrite the input"):
        import_history(messy, messy, ReadOptions(tz=PARIS))


# --- bad input: one line each, nothing written ------------------------------------------------

def _one_line(exc):
    assert "\n" not in str(exc.value), str(exc.value)
    return str(exc.value)


def test_bad_input_messages(tmp_path):
    b = base(days=3)
    p = tmp_path / "h.csv"
    pd.DataFrame({"When": b.interval_start, "How many": b.offered}).to_csv(p, index=False)
    with pytest.raises(InputError) as e:
        forecast.read_history(p)
    msg = _one_line(e)
    assert "columns are 'When', 'How many'" in msg and "closest known:" in msg
    with pytest.raises(InputError, match=r"names a column 'Calls In' that is not in the file") as e:
        forecast.read_history(p, options=ReadOptions(columns="offered=Calls In"))
    assert e.value.param == "columns"
    with pytest.raises(InputError, match=r"tz must be an IANA time-zone name") as e:
        ReadOptions(tz="Paris time")
    assert e.value.param == "tz"
    g = tmp_path / "g.csv"
    genesys(b, g)
    with pytest.raises(InputError, match=r"has UTC offsets .* give tz") as e:
        forecast.read_history(g)
    assert e.value.param == "tz"
    mixed = tmp_path / "mixed.csv"
    f = _generic(b)
    f.loc[3, "interval_start"] = "2024-02-05T09:30:00+01:00"
    f.to_csv(mixed, index=False)
    with pytest.raises(InputError, match=r"line 5: .* has a UTC offset while other rows have "
                                         r"none") as e:
        forecast.read_history(mixed, tz=PARIS)
    _one_line(e)
    dup = tmp_path / "dup.csv"
    two = pd.concat([_generic(b).assign(Kanal="Voice"), _generic(b).assign(Kanal="Chat")])
    two.to_csv(dup, index=False)
    with pytest.raises(InputError, match=r"appears more than once .* differ in 'Kanal'") as e:
        forecast.read_history(dup)
    _one_line(e)
    h = forecast.read_history(dup, options=ReadOptions(columns="channel=Kanal"))
    assert sorted(h.frame["channel"].unique()) == ["chat", "voice"]


def test_no_traceback_on_any_file(tmp_path):
    junk = tmp_path / "junk.csv"
    junk.write_bytes(bytes(range(256)) * 16)
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    blank = tmp_path / "blank.xlsx"
    with pd.ExcelWriter(blank, engine="openpyxl") as xl:
        pd.DataFrame().to_excel(xl, sheet_name="Sheet1")
    header_only = tmp_path / "header.csv"
    header_only.write_text("interval_start,offered\n")
    for f, text in [(junk, "not a text file"), (empty, "the file is empty"),
                    (blank, "no data rows"), (header_only, "no data rows")]:
        out = tmp_path / "fc.csv"
        res = runner.invoke(app, ["forecast", str(f), "-o", str(out)])
        assert res.exit_code == 2, res.output
        lines = res.stderr.strip().splitlines()
        assert len(lines) == 1 and text in lines[0], res.stderr
        assert not out.exists()
