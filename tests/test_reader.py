"""The one reader (wfmcore.reader) at its edges, through the commands that use it: every bad
file is one line and exit 2, and what earlier releases read is still read. Expected values
are the cells of the files written here."""

import pandas as pd
import pytest
from typer.testing import CliRunner

from cli import app
from wfmcore.errors import InputError
from wfmcore.reader import interval_minutes, read_intervals
from wfmcore.readoptions import ReadOptions

runner = CliRunner()


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def _one_error_line(res):
    assert res.exit_code == 2, res.output
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("wfm: error: "), res.stderr
    return lines[0]


def _forecast(tmp_path, name="fc.csv", **cols):
    frame = pd.DataFrame({"interval_start": ["2026-03-02 08:00", "2026-03-02 08:15",
                                             "2026-03-02 08:30"], "offered": [10, 0, 12],
                          **cols})
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return path


def test_damaged_excel_and_garbage_are_one_line(tmp_path):
    good = tmp_path / "fc.xlsx"
    pd.read_csv(_forecast(tmp_path)).to_excel(good, index=False)
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(good.read_bytes()[:2000])              # a truncated workbook
    line = _one_error_line(run("staff", cut, "--aht-s", "240", "-o", tmp_path / "r.csv"))
    assert "cut.xlsx: not a readable Excel file" in line
    junk = tmp_path / "junk.parquet"
    junk.write_bytes(bytes(range(256)) * 8)
    line = _one_error_line(run("kpis", junk))
    assert "junk.parquet: not a readable Parquet file" in line
    assert not (tmp_path / "r.csv").exists()


def test_na_cells_are_empty_where_no_calls(tmp_path):
    src = _forecast(tmp_path, aht_s=["240", "NA", "250"])
    out = tmp_path / "r.csv"
    res = run("staff", src, "-o", out)
    assert res.exit_code == 0, res.output
    # the 08:15 interval has no calls: no AHT needed, no agents (hand: 0 calls -> 0 agents)
    assert pd.read_csv(out)["agents"].tolist()[1] == 0


def test_any_file_name_is_read_as_csv(tmp_path):
    src = _forecast(tmp_path, name="forecast.dat")
    res = run("staff", src, "--aht-s", "240", "-o", tmp_path / "r.csv")
    assert res.exit_code == 0, res.output


def test_headcount_queue_mismatch_is_an_input_error(tmp_path):
    src = _forecast(tmp_path)
    hc = tmp_path / "hc.csv"
    pd.DataFrame({"interval_start": ["2026-03-02 08:00"] * 2, "queue": ["a", "b"],
                  "agents": [3, 4]}).to_csv(hc, index=False)
    line = _one_error_line(run("whatif", src, "--aht-s", "240", "--no-paid-hours",
                               "--headcount", hc))
    assert "has a 'queue' column" in line


def test_output_never_overwrites_the_config(tmp_path):
    hist = _forecast(tmp_path, name="h.csv")
    cfg = tmp_path / "wfm.toml"
    cfg.write_text("[targets]\nsl_target = 0.8\n")
    line = _one_error_line(run("kpis", hist, "--config", cfg, "-o", cfg))
    assert "would overwrite the input" in line
    assert cfg.read_text() == "[targets]\nsl_target = 0.8\n"


@pytest.mark.parametrize(("starts", "step"), [
    (["2026-03-02 08:00", "2026-03-02 08:45", "2026-03-02 09:30"], 45),   # 32 a day
    (["2026-03-02 07:05", "2026-03-02 07:20", "2026-03-02 07:50"], 15),   # grid from 07:05
    (["2026-03-02 08:00", "2026-03-02 10:00", "2026-03-02 12:00"], 120),
])
def test_interval_lengths_that_tile_the_day(starts, step):
    assert interval_minutes(pd.Series(pd.to_datetime(starts)), None, "f") == step


def test_mixed_interval_lengths_name_the_row():
    frame = pd.DataFrame({"interval_start": ["2026-03-02 08:00", "2026-03-02 08:15",
                                             "2026-03-02 08:30", "2026-03-02 08:35"],
                          "offered": [1, 1, 1, 1]})
    with pytest.raises(InputError, match=r"data row 4: .* not on the 15-minute grid"):
        read_intervals(frame, "forecast")


@pytest.mark.parametrize(("kw", "param", "match"), [
    (dict(tz="Mars/Olympus"), "tz", r"tz must be an IANA time-zone name"),
    (dict(input_tz="UTC"), "tz", r"input_tz needs tz"),
    (dict(columns="offered"), "columns", r"columns must look like 'offered=Calls In"),
    (dict(columns="calls=Calls In"), "columns", r"columns: 'calls' is not a wfm column"),
    (dict(filter="agent=Bob"), "filter", r"filter: column 'agent' cannot be filtered on"),
    (dict(date_format="dd/mm/yyyy"), "date_format", r"date_format must be a strftime format"),
    (dict(layout="acme"), "layout", r"layout must be one of wfm, genesys_cloud"),
])
def test_read_options_name_the_parameter(kw, param, match):
    # every read option is checked in one place and names itself, so the CLI names its flag
    with pytest.raises(InputError, match=match) as exc:
        ReadOptions(**kw)
    assert exc.value.param == param


def test_legacy_keywords_go_into_the_read_options(tmp_path):
    p = tmp_path / "h.csv"
    p.write_text("Start,Inbound\n2024-03-04 09:00,4\n2024-03-04 09:30,5\n")
    a = read_intervals(p, "history", column_map={"Start": "interval_start", "Inbound": "offered"})
    b = read_intervals(p, "history", options=ReadOptions(
        columns="interval_start=Start,offered=Inbound"))
    pd.testing.assert_frame_equal(a.frame, b.frame)
    assert a.frame["offered"].tolist() == [4.0, 5.0] and a.interval_min == 30   # the cells
    with pytest.raises(InputError, match=r"tz is 'UTC' but the read options say") as exc:
        read_intervals(p, "history", tz="UTC", options=ReadOptions(
            tz="Europe/Paris", columns="interval_start=Start,offered=Inbound"))
    assert exc.value.param == "tz"
