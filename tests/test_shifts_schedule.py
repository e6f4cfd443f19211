"""End to end: requirements -> schedule -> files; coverage recomputed from shifts.csv."""

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import shifts
from shifts import BreakRule, Rules, ShiftType
from wfmcore import InputError

DATA = Path(__file__).parent / "data" / "shifts"


@pytest.fixture(scope="module")
def small_requirements():
    return pd.read_csv(DATA / "requirements_small.csv")


@pytest.fixture(scope="module")
def small_result(small_requirements):
    return shifts.schedule(small_requirements)


@pytest.fixture(scope="module")
def written(small_result, tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    shifts.write_outputs(small_result, out)
    return out


def recount_coverage(shifts_csv: Path, interval_starts: pd.Series, interval_min: int):
    """Agents working net of breaks at each interval, counted minute by minute from
    shifts.csv alone (start, end, breaks 'HH:MM-HH:MM;...', agents); min over the interval."""
    s = pd.read_csv(shifts_csv)
    counts: dict[pd.Timestamp, int] = {}
    for row in s.itertuples(index=False):
        start = pd.Timestamp(row.start)
        end = pd.Timestamp(row.end)
        off = set()
        if isinstance(row.breaks, str) and row.breaks:
            for rng in row.breaks.split(";"):
                a, b = (pd.Timestamp(f"{start:%Y-%m-%d} {hm}") for hm in rng.split("-"))
                off.update(pd.date_range(a, b, freq="1min", inclusive="left"))
        for m in pd.date_range(start, end, freq="1min", inclusive="left"):
            if m not in off:
                counts[m] = counts.get(m, 0) + row.agents
    return np.array([min(counts.get(t + pd.Timedelta(minutes=i), 0) for i in range(interval_min))
                     for t in pd.to_datetime(interval_starts)])


def test_files_written(written):
    names = sorted(p.name for p in written.iterdir())
    assert names == ["coverage.csv", "coverage.png", "schedule.xlsx", "shifts.csv"]
    assert (written / "coverage.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    s = pd.read_csv(written / "shifts.csv")
    assert list(s.columns[:5]) == ["start", "end", "paid_hours", "breaks", "agents"]
    assert s["start"].str.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d").all()
    assert s["breaks"].str.fullmatch(r"\d\d:\d\d-\d\d:\d\d(;\d\d:\d\d-\d\d:\d\d)*").all()
    c = pd.read_csv(written / "coverage.csv")
    assert list(c.columns) == ["interval_start", "required", "scheduled", "over", "under"]


def test_xlsx_one_sheet_per_day_with_chart(written):
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.load_workbook(written / "schedule.xlsx")
    assert wb.sheetnames == ["summary", "2026-03-02", "2026-03-03"]
    assert len(wb["2026-03-02"]._charts) == 1


def test_coverage_recomputed_from_shifts_csv(written, small_requirements):
    # Independent recount from shifts.csv minute by minute (no use of the model or plan).
    cov = pd.read_csv(written / "coverage.csv")
    scheduled = recount_coverage(written / "shifts.csv", cov["interval_start"], 15)
    assert scheduled.tolist() == cov["scheduled"].tolist()
    assert cov["required"].tolist() == small_requirements["scheduled_agents"].tolist()
    assert (cov["over"] == np.maximum(cov["scheduled"] - cov["required"], 0)).all()
    assert (cov["under"] == 0).all()            # every interval covered net of breaks


def test_every_break_inside_its_window(written):
    rules = {t.name: t for t in Rules().shift_types}
    s = pd.read_csv(written / "shifts.csv")
    for row in s.itertuples(index=False):
        t = rules[row.shift_type]
        start = pd.Timestamp(row.start)
        assert pd.Timestamp(row.end) - start == pd.Timedelta(minutes=t.span_min)
        assert row.paid_hours == t.paid_min / 60
        ranges = row.breaks.split(";")
        assert len(ranges) == len(t.breaks)
        for rng, b in zip(ranges, t.breaks, strict=True):
            a, e = (pd.Timestamp(f"{start:%Y-%m-%d} {hm}") for hm in rng.split("-"))
            offset = (a - start) / pd.Timedelta(minutes=1)
            assert b.earliest_start_min <= offset <= b.latest_start_min
            assert e - a == pd.Timedelta(minutes=b.duration_min)


def test_summary_and_bounds(small_result):
    s = small_result.summary
    assert s["lp_bound"] <= s["bound"] <= s["objective"] + 1e-9
    # paid hours recounted from the shifts frame
    assert s["paid_hours"] == (small_result.shifts["paid_hours"]
                               * small_result.shifts["agents"]).sum()
    assert s["under_covered_intervals"] == 0 and s["gap"] <= 0.005
    for key in ("paid_hours", "under_covered_intervals", "lp_bound", "gap", "solve_time_s"):
        assert key in s
    text = "\n".join(shifts.summary_lines(s))
    assert "paid hours" in text and "LP bound" in text


def test_exact_method_same_optimum(small_requirements, small_result):
    # Both methods prove optimality on this fixture, so their paid hours must agree.
    one_day = small_requirements[small_requirements["interval_start"] < "2026-03-03"]
    exact = shifts.schedule(one_day, method="exact", gap=0.0)
    assert exact.summary["paid_hours"] == small_result.days["paid_hours"].iloc[0]


def flat(day="2026-03-02", start="08:00", end="16:00", agents=2, step="15min"):
    t = pd.date_range(f"{day} {start}", f"{day} {end}", freq=step, inclusive="left")
    return pd.DataFrame({"interval_start": t.strftime("%Y-%m-%d %H:%M"), "agents": agents})


NO_BREAKS = Rules(shift_types=(ShiftType(name="4h", paid_min=240),))


def test_requirement_outside_opening_hours_is_reported():
    # Mon 2026-03-02: open 08:00-12:00 by the rules, 2 agents required 08:00-13:00 ->
    # the four intervals 12:00-12:45 are short by 2 (by hand).
    rules = Rules(shift_types=NO_BREAKS.shift_types, opening={"mon": (480, 720)})
    res = shifts.schedule(flat(end="13:00"), rules)
    assert res.summary["under_covered_intervals"] == 4
    assert res.summary["under_agent_hours"] == 2.0
    assert res.coverage["under"].tolist() == [0] * 16 + [2] * 4
    assert res.summary["paid_hours"] == 8


def test_day_with_no_opening_hours():
    # Sat 2026-03-07 closed by the rules: nothing scheduled, all its intervals short.
    rules = Rules(shift_types=NO_BREAKS.shift_types, opening={"mon": (480, 720)})
    req = pd.concat([flat(end="12:00"), flat(day="2026-03-07", end="12:00")])
    res = shifts.schedule(req, rules)
    sat = res.coverage["interval_start"].dt.day_of_week == 5
    assert (res.coverage.loc[sat, "under"] == 2).all()
    assert (res.shifts["start"].dt.day_of_week == 0).all()
    assert res.summary["under_covered_intervals"] == 16


def test_headcount_cap_reported():
    rules = Rules(shift_types=NO_BREAKS.shift_types, max_agents_per_day=3)
    res = shifts.schedule(flat(end="12:00", agents=5), rules)
    assert res.summary["under_covered_intervals"] == 16
    assert res.coverage["under"].eq(2).all()


def test_zeros_overnight():
    # 24 h of rows, zero outside 09:00-13:00: opening is the whole file, nothing is wasted.
    t = pd.date_range("2026-03-02 00:00", "2026-03-03 00:00", freq="15min", inclusive="left")
    agents = np.where((t.hour >= 9) & (t.hour < 13), 3, 0)
    req = pd.DataFrame({"interval_start": t.strftime("%Y-%m-%d %H:%M"),
                        "scheduled_agents": agents})
    res = shifts.schedule(req, NO_BREAKS)
    assert res.summary["paid_hours"] == 12 and res.summary["under_covered_intervals"] == 0


def test_queues_scheduled_separately():
    req = pd.concat([flat(agents=1).assign(queue="a"), flat(agents=2).assign(queue="b")])
    res = shifts.schedule(req, NO_BREAKS)
    assert list(res.shifts.columns[:1]) == ["queue"]
    assert res.shifts.groupby("queue")["agents"].sum().to_dict() == {"a": 2, "b": 4}


def test_thirty_minute_intervals_use_a_finer_grid():
    # 30-min requirement intervals with 15-min breaks: coverage counts the minimum inside
    # each interval; a flat 1 agent over 2 h with one 2-h shift type needs 2 agents.
    rules = Rules(shift_types=(ShiftType(name="2h", paid_min=120, breaks=(
        BreakRule(name="break", duration_min=15, paid=True, nominal_start_min=60,
                  window_min=15),)),))
    res = shifts.schedule(flat(end="10:00", agents=1, step="30min"), rules)
    assert res.interval_min == 30
    assert res.summary["paid_hours"] == 4 and res.summary["under_covered_intervals"] == 0


BAD_INPUT = [
    ("no-time", pd.DataFrame({"agents": [1, 2]}), "no column 'interval_start'"),
    ("no-agents", pd.DataFrame({"interval_start": ["2026-03-02 08:00"]}), "scheduled_agents"),
    ("bad-time", pd.DataFrame({"interval_start": ["2026-03-02 08:00", "8am"], "agents": [1, 2]}),
     r"data row 2: column 'interval_start' is '8am'"),
    ("negative", pd.DataFrame({"interval_start": ["2026-03-02 08:00", "2026-03-02 08:15"],
                               "agents": [1, -2]}), r"data row 2: column 'agents' .* >= 0"),
    ("text-agents", pd.DataFrame({"interval_start": ["2026-03-02 08:00", "2026-03-02 08:15"],
                                  "agents": ["1", "x"]}), "data row 2: column 'agents' is 'x'"),
    ("duplicate", pd.DataFrame({"interval_start": ["2026-03-02 08:00"] * 2, "agents": [1, 1]}),
     "appears more than once"),
    ("off-grid", pd.DataFrame({"interval_start": ["2026-03-02 08:00", "2026-03-02 08:15",
                                                  "2026-03-02 08:40"], "agents": [1, 1, 1]}),
     "data row 3: .* not on the 15-minute grid"),
    ("one-row", pd.DataFrame({"interval_start": ["2026-03-02 08:00"], "agents": [1]}),
     "at least two intervals"),
]


@pytest.mark.parametrize(("frame", "match"), [b[1:] for b in BAD_INPUT],
                         ids=[b[0] for b in BAD_INPUT])
def test_bad_requirements(frame, match):
    with pytest.raises(InputError, match=match):
        shifts.schedule(frame, source="req.csv")


@pytest.mark.parametrize(("kw", "match"), [({"gap": 2}, r"gap must be a share in \[0, 1\); got 2"),
                                           ({"time_limit_s": 0}, "time_limit_s must be > 0"),
                                           ({"method": "greedy"}, "method must be one of")],
                         ids=["gap", "time-limit", "method"])
def test_bad_options(kw, match):
    with pytest.raises(InputError, match=match):
        shifts.schedule(flat(), **kw)


def test_read_requirements_csv(tmp_path):
    p = tmp_path / "r.csv"
    flat().to_csv(p, index=False)
    assert shifts.read_requirements(p).frame["interval_start"].iloc[0] == pd.Timestamp(
        "2026-03-02 08:00")
    with pytest.raises(InputError, match="not found"):
        shifts.read_requirements(tmp_path / "missing.csv")


def test_outputs_refuse_to_overwrite_input(small_result, tmp_path):
    inp = tmp_path / "shifts.csv"
    inp.write_text("x\n")
    with pytest.raises(InputError, match="overwrite"):
        shifts.write_outputs(small_result, tmp_path, inputs=[inp])
    assert inp.read_text() == "x\n"


def test_packages_resolve_to_this_repo():
    import wfmcore
    root = Path(__file__).resolve().parents[1]
    for mod in (shifts, wfmcore):
        assert Path(mod.__file__).resolve().is_relative_to(root)


def test_day_shorter_than_every_shift_is_reported():
    # Opening taken from the file: 2 h of rows, shortest default shift 4 h -> nothing fits.
    res = shifts.schedule(flat(end="10:00"))
    assert res.summary["under_covered_intervals"] == 8 and res.shifts.empty
    assert "no shift type fits the opening hours 08:00-10:00" in res.summary["status"]


def test_closed_day_status():
    rules = Rules(shift_types=NO_BREAKS.shift_types, opening={"mon": (480, 720)})
    res = shifts.schedule(flat(day="2026-03-07", end="12:00"), rules)
    assert "closed all day" in res.summary["status"]


SMALL_RULES = Rules(shift_types=(
    ShiftType(name="3h", paid_min=180, breaks=(
        BreakRule(name="break", duration_min=15, paid=True, nominal_start_min=75),
        BreakRule(name="lunch", duration_min=30, paid=False, nominal_start_min=150,
                  window_min=15))),
    ShiftType(name="2h", paid_min=120, cost_weight=1.1),
))


@settings(max_examples=12, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(agents=st.lists(st.integers(0, 6), min_size=24, max_size=24),
       interval=st.sampled_from([15, 30]))
def test_any_requirement_plan_matches_recount(agents, interval):
    # Property: for any requirement on a 6-h day (08:00-14:00), the written shifts, recounted
    # independently minute by minute, give exactly the written coverage; nothing is short
    # (2-h shifts without breaks can cover any interval); breaks lie in their windows.
    n = 360 // interval
    t = pd.date_range("2026-03-02 08:00", periods=n, freq=f"{interval}min")
    req = pd.DataFrame({"interval_start": t.strftime("%Y-%m-%d %H:%M"),
                        "scheduled_agents": agents[:n]})
    res = shifts.schedule(req, SMALL_RULES, gap=0.0)
    with tempfile.TemporaryDirectory() as out:
        path = Path(out) / "shifts.csv"
        shifts.report.shifts_table(res).to_csv(path, index=False)
        recount = recount_coverage(path, res.coverage["interval_start"], interval)
    assert recount.tolist() == res.coverage["scheduled"].tolist()
    assert (res.coverage["under"] == 0).all()
    assert res.summary["lp_bound"] <= res.summary["objective"] + 1e-9


def test_nothing_required_writes_empty_plan(tmp_path):
    res = shifts.schedule(flat(agents=0))
    assert res.shifts.empty and res.summary["paid_hours"] == 0
    shifts.write_outputs(res, tmp_path)
    assert pd.read_csv(tmp_path / "shifts.csv").empty
    assert pd.read_csv(tmp_path / "coverage.csv")["scheduled"].eq(0).all()


def test_tiny_time_limit_reports_instead_of_crashing(small_requirements, tmp_path):
    # Whatever HiGHS manages in 0.05 s, the result is a consistent plan with its shortfall
    # and a status that says the time limit stopped it (or "optimal" on a fast machine).
    res = shifts.schedule(small_requirements, time_limit_s=0.05)
    s = res.summary
    assert (s["status"] == "optimal" or s["status"].startswith("within gap")
            or "time limit" in s["status"].lower())
    assert s["lp_bound"] <= s["bound"] <= s["objective"] + 1e-9
    shifts.write_outputs(res, tmp_path)
    cov = pd.read_csv(tmp_path / "coverage.csv")
    recount = recount_coverage(tmp_path / "shifts.csv", cov["interval_start"], 15)
    assert recount.tolist() == cov["scheduled"].tolist()
    assert s["under_covered_intervals"] == int((cov["under"] > 0).sum())


def test_xlsx_times_are_dates_and_charts_use_them(written):
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.load_workbook(written / "schedule.xlsx")
    ws = wb["2026-03-02"]
    assert [ws.cell(row=2, column=c).value for c in (1, 2, 3)] == ["interval_start",
                                                                   "required", "scheduled"]
    assert ws["A3"].is_date and ws["A3"].number_format == "yyyy-mm-dd hh:mm"
    assert ws.freeze_panes == "A3"
    cov = pd.read_csv(written / "coverage.csv")
    n = int((pd.to_datetime(cov["interval_start"]).dt.date.astype(str) == "2026-03-02").sum())
    assert ws._charts[0].series[0].cat.numRef.f == f"'2026-03-02'!$A$3:$A${n + 2}"
