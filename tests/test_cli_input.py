"""The reading options on every command that reads history (issue 9): the flags, `[input]`
in wfm.toml, `wfm import`, and channels through staff and schedule.

Expected values: the generator of tests/test_acd_exports.py (what the export says), and the
clean twin read without options (the same data in wfm's own schema).
"""

from __future__ import annotations

import pandas as pd
import pytest
from test_acd_exports import PARIS, base, clean, genesys, nice
from typer.testing import CliRunner

from cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def exports(tmp_path_factory):
    d = tmp_path_factory.mktemp("exports")
    b = base(channels=("voice", "chat"), days=21)
    genesys(b, d / "genesys.csv")                 # UTC 'Z' timestamps, Media Type column
    clean(b, d / "twin.csv")
    nb = base(queues=("Sales", "Service"), days=21, start="2024-02-12")   # days > 12
    nice(nb, d / "nice.txt")                      # Date (day first) + Time, ';'-free
    return d, b


def test_import_writes_the_normalised_history_and_says_what_it_read(exports, tmp_path):
    d, b = exports
    out = tmp_path / "history.csv"
    res = runner.invoke(app, ["import", str(d / "genesys.csv"), "-o", str(out), "--tz", PARIS])
    assert res.exit_code == 0, res.output
    for line in ("layout             genesys_cloud", "time zone          Europe/Paris",
                 "interval length    30 min", "queues x channels  1 x 2",
                 "columns ignored    Skill Set"):
        assert line in res.stdout
    hist = pd.read_csv(out)
    # the generator's calls, per channel, in site-local time
    assert hist.groupby("channel")["offered"].sum().to_dict() == \
        b.groupby("channel")["offered"].sum().to_dict()
    assert hist["interval_start"].min() == "2024-02-05 08:00"
    # the written history reads back as itself: a clean file every command takes
    again = tmp_path / "again.csv"
    res = runner.invoke(app, ["import", str(out), "-o", str(again), "--tz", PARIS])
    assert res.exit_code == 0, res.output
    assert pd.read_csv(again).equals(hist)


def test_offsets_without_tz_are_refused_naming_the_flag(exports, tmp_path):
    d, _ = exports
    res = runner.invoke(app, ["forecast", str(d / "genesys.csv"), "-o", str(tmp_path / "f.csv")])
    assert res.exit_code == 2
    assert "--tz" in res.output and "Traceback" not in res.output
    assert not (tmp_path / "f.csv").exists()
    res = runner.invoke(app, ["kpis", str(d / "genesys.csv"), "--tz", "Mars/Olympus"])
    assert res.exit_code == 2
    assert "tz (--tz) must be an IANA time-zone name" in res.output


def test_forecast_of_the_export_equals_the_forecast_of_its_clean_twin(exports, tmp_path):
    d, _ = exports
    runs = {}
    for name, extra in (("genesys.csv", ["--tz", PARIS]), ("twin.csv", ["--tz", PARIS])):
        out = tmp_path / f"fc_{name}"
        res = runner.invoke(app, ["forecast", str(d / name), "-o", str(out), "--horizon", "2d",
                                  "--model", "weekday_avg8", *extra])
        assert res.exit_code == 0, res.output
        runs[name] = pd.read_csv(out)
    pd.testing.assert_frame_equal(runs["genesys.csv"], runs["twin.csv"])
    assert set(runs["twin.csv"]["channel"]) == {"voice", "chat"}
    assert runs["twin.csv"]["aht_s"].notna().all()      # every forecast row feeds wfm staff


def test_input_table_of_wfm_toml_and_filter(exports, tmp_path):
    d, b = exports
    cfg = tmp_path / "wfm.toml"
    cfg.write_text('[input]\ntz = "Europe/Paris"\nfilter = "channel=voice"\n')
    out = tmp_path / "card.csv"
    res = runner.invoke(app, ["kpis", str(d / "genesys.csv"), "--config", str(cfg), "-o",
                              str(out)])
    assert res.exit_code == 0, res.output
    card = pd.read_csv(out)
    assert set(card["channel"]) == {"voice"}
    week = card[card["period"] == "week"]
    assert week["offered"].sum() == b.loc[b.channel == "voice", "offered"].sum()
    # a flag wins over the file
    res = runner.invoke(app, ["kpis", str(d / "genesys.csv"), "--config", str(cfg),
                              "--filter", "channel=chat", "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert set(pd.read_csv(out)["channel"]) == {"chat"}
    bad = tmp_path / "bad.toml"
    bad.write_text('[input]\nzone = "UTC"\n')
    res = runner.invoke(app, ["kpis", str(d / "genesys.csv"), "--config", str(bad)])
    assert res.exit_code == 2 and "unknown key 'input.zone'" in res.output


def test_channels_are_staffed_and_scheduled_as_their_own_groups(exports, tmp_path):
    d, _ = exports
    fc = tmp_path / "fc.csv"
    res = runner.invoke(app, ["forecast", str(d / "genesys.csv"), "-o", str(fc), "--tz", PARIS,
                              "--horizon", "1d", "--model", "weekday_avg8"])
    assert res.exit_code == 0, res.output
    req = tmp_path / "req.csv"
    res = runner.invoke(app, ["staff", str(fc), "-o", str(req)])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["schedule", str(req), "-o", str(tmp_path / "s"), "--no-simulate"])
    assert res.exit_code == 0, res.output
    shifts = pd.read_csv(tmp_path / "s" / "shifts.csv")
    assert set(shifts["queue"]) == {"Sales / voice", "Sales / chat"}


def test_day_first_dates_and_separate_date_time_columns(exports, tmp_path):
    d, _ = exports
    out = tmp_path / "h.csv"
    res = runner.invoke(app, ["import", str(d / "nice.txt"), "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert "layout             nice_cxone" in res.stdout
    assert pd.read_csv(out)["interval_start"].min() == "2024-02-12 08:00"


def test_bundled_genesys_example_reads_back_to_its_source(tmp_path):
    # data/example_genesys_export.csv is data/synthetic_calls.csv (sales, service; 4 weeks
    # over the US spring DST change) summed to 30 minutes and written in UTC: read with
    # --tz America/New_York it must give back the source's local times and counts
    out = tmp_path / "h.csv"
    res = runner.invoke(app, ["import", "data/example_genesys_export.csv", "-o", str(out),
                              "--tz", "America/New_York"])
    assert res.exit_code == 0, res.output
    got = pd.read_csv(out)
    src = pd.read_csv("data/synthetic_calls.csv", parse_dates=["interval_start"])
    src = src[src["queue"].isin(["sales", "service"]) & (src["interval_start"] >= "2025-02-24")
              & (src["interval_start"] < "2025-03-24")]
    src = src.assign(slot=src["interval_start"].dt.floor("30min").dt.strftime("%Y-%m-%d %H:%M"))
    want = src.groupby(["queue", "slot"])["offered"].sum()
    mine = got.assign(queue=got["queue"].str.lower()).set_index(["queue", "interval_start"])[
        "offered"]
    mine.index.names = ["queue", "slot"]
    pd.testing.assert_series_equal(mine.sort_index(), want.sort_index(), check_names=False,
                                   check_dtype=False)
