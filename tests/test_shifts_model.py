"""The integer programme: optima known by hand and by brute force, bounds, both methods."""

import itertools
import math
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import shifts.milp as driver
from shifts import BreakRule, DayProblem, Rules, ShiftType, solve_day


def day(required, slot_min=15, start_min=8 * 60, open_slots=None):
    required = np.asarray(required, dtype=np.int64)
    if open_slots is None:
        open_slots = np.ones(len(required), dtype=bool)
    return DayProblem(key=("", None), slot_min=slot_min, day_start_min=start_min,
                      required=required, open_slots=np.asarray(open_slots, dtype=bool))


NO_BREAK_8H = Rules(shift_types=(ShiftType(name="8h", paid_min=480),))


@pytest.mark.parametrize("method", ["two-phase", "exact"])
@pytest.mark.parametrize("k", [1, 3, 17])
def test_flat_requirement_over_one_shift_window(k, method):
    # By hand: opening = exactly one 8-hour window and the only shift lasts 8 h without
    # breaks, so the only possible shift is 08:00-16:00 and k agents need exactly k shifts.
    sol = solve_day(day([k] * 32), NO_BREAK_8H, method=method)
    assert sol.shifts == [(0, 0, k)]
    assert sol.paid_hours == 8 * k
    assert sol.under.sum() == 0 and sol.status == "optimal"


def _one_break_rules(window_min):
    return Rules(shift_types=(ShiftType(name="2h", paid_min=120, breaks=(
        BreakRule(name="break", duration_min=15, paid=True, nominal_start_min=60,
                  window_min=window_min),)),))


@pytest.mark.parametrize("method", ["two-phase", "exact"])
@pytest.mark.parametrize(("k", "window_min"), [(1, 15), (2, 30), (4, 15), (5, 30), (9, 15)])
def test_breaks_need_extra_agents_by_pigeonhole(k, window_min, method):
    # By hand: one 2-h shift fits the 2-h opening exactly; its 15-min break may take
    # W = 2 * window / 15 + 1 positions. With x agents some position holds >= ceil(x / W)
    # breaks (pigeonhole) and spreading them evenly achieves it, so the optimum is the
    # smallest x with x - ceil(x / W) >= k.
    w = 2 * window_min // 15 + 1
    x = next(x for x in range(1, 100) if x - math.ceil(x / w) >= k)
    sol = solve_day(day([k] * 8), _one_break_rules(window_min), method=method)
    assert sol.shifts == [(0, 0, x)]
    assert sol.under.sum() == 0 and sol.gap == 0


def test_closed_slots_are_under_covered_not_an_error():
    # By hand: the last 4 slots are closed and no shift may reach them -> 4 intervals short.
    open_ = [True] * 32 + [False] * 4
    sol = solve_day(day([2] * 36, open_slots=open_), NO_BREAK_8H)
    assert sol.paid_hours == 16
    assert sol.under.tolist() == [0] * 32 + [2] * 4


def test_headcount_cap_binds():
    # By hand: 3 needed all day, at most 2 agents -> 1 short in each of the 32 slots.
    rules = Rules(shift_types=NO_BREAK_8H.shift_types, max_agents_per_day=2)
    sol = solve_day(day([3] * 32), rules)
    assert sol.paid_hours == 16 and sol.under.tolist() == [1] * 32
    assert sol.objective == 16 + 32 * 0.25 * rules.under_penalty_per_agent_hour


def test_type_limits():
    # By hand: 1 agent needed 08:00-12:00 and 16:00-20:00 of a 12-h day; 4-h shifts cover it
    # with 8 h; with at most one 4-h shift per day the cheapest is one 4-h shift and one
    # 8-h shift (12 h) — or 8 h + 8 h; 12 h is optimal.
    types = (ShiftType(name="4h", paid_min=240, max_per_day=1), ShiftType(name="8h", paid_min=480))
    req = [1] * 16 + [0] * 16 + [1] * 16
    assert solve_day(day(req), Rules(shift_types=types[1:] + (
        ShiftType(name="4h", paid_min=240),))).paid_hours == 8
    assert solve_day(day(req), Rules(shift_types=types)).paid_hours == 12


# ----------------------------------------------------------------------------- brute force
TINY = Rules(shift_types=(
    ShiftType(name="2h", paid_min=120, breaks=(
        BreakRule(name="break", duration_min=15, paid=True, nominal_start_min=60,
                  window_min=15),)),
    ShiftType(name="1h", paid_min=60, cost_weight=1.5),
))


def explicit_columns(rules, n_slots, g=15):
    """Every concrete shift with its break times, as (cost, 0/1 presence per slot)."""
    cols = []
    for t in rules.shift_types:
        span = t.span_min // g
        for s in range(n_slots - span + 1):
            options = [range(s + b.earliest_start_min // g, s + b.latest_start_min // g + 1)
                       for b in t.breaks]

            for starts in itertools.product(*options):
                a = np.zeros(n_slots, dtype=int)
                a[s:s + span] = 1
                for b, bs in zip(t.breaks, starts, strict=True):
                    a[bs:bs + b.duration_min // g] = 0
                cols.append((t.cost, a))
    return cols


def brute_force_min_cost(required, cols):
    """Cheapest multiset of explicit shifts covering ``required``, by exhaustive recursion:
    any cover contains a shift that covers the earliest short slot, so the cheapest cover is
    min over those shifts of (its cost + cheapest cover of what remains short); memoised on
    the remaining shortfall (over-coverage counts as zero shortfall)."""
    from functools import cache

    presence = [tuple(int(v) for v in a) for _c, a in cols]
    costs = [c for c, _a in cols]

    @cache
    def best(short):
        i = next((i for i, v in enumerate(short) if v > 0), None)
        if i is None:
            return 0.0
        return min((c + best(tuple(max(v - p, 0) for v, p in zip(short, a, strict=True)))
                    for c, a in zip(costs, presence, strict=True) if a[i]), default=math.inf)

    return best(tuple(int(v) for v in required))


@pytest.mark.parametrize("method", ["two-phase", "exact"])
@settings(max_examples=25, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(req=st.lists(st.integers(0, 2), min_size=12, max_size=12))
def test_optimum_equals_brute_force(req, method):
    # Independent source: exhaustive search over all combinations of concrete shifts
    # (type x start x break time) on a 3-hour day; every slot can be covered by a 1-h shift.
    sol = solve_day(day(req), TINY, method=method, gap=0.0)
    assert sol.under.sum() == 0
    expected = brute_force_min_cost(req, explicit_columns(TINY, 12))
    assert sol.objective == pytest.approx(expected)
    assert sol.lp_bound <= sol.objective + 1e-9
    assert sol.bound <= sol.objective + 1e-9


def test_brute_force_search_is_complete():
    # Check the search against a plain enumeration of all multisets of up to 3 explicit
    # shifts on a 1-hour instance.

    cols = explicit_columns(TINY, 4)
    req = np.array([1, 2, 2, 1])
    best = math.inf
    for n in range(4):
        for combo in itertools.combinations_with_replacement(range(len(cols)), n):
            cov = sum((cols[m][1] for m in combo), np.zeros(4, dtype=int))
            if np.all(cov >= req):
                best = min(best, sum(cols[m][0] for m in combo))
    assert brute_force_min_cost(req, cols) == best == 3.0


TWO_BREAKS = Rules(shift_types=(
    ShiftType(name="3h", paid_min=180, breaks=(
        BreakRule(name="break", duration_min=15, paid=True, nominal_start_min=60,
                  window_min=15),
        BreakRule(name="lunch", duration_min=30, paid=False, nominal_start_min=120,
                  window_min=15))),
    ShiftType(name="2h", paid_min=120, cost_weight=1.2, breaks=(
        BreakRule(name="break", duration_min=15, paid=True, nominal_start_min=60,
                  window_min=15),)),
    ShiftType(name="1h", paid_min=60, cost_weight=1.6),
))


@pytest.mark.parametrize("method", ["two-phase", "exact"])
@settings(max_examples=15, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(req=st.lists(st.integers(0, 3), min_size=16, max_size=16))
def test_optimum_equals_brute_force_two_breaks(req, method):
    # Independent source: exhaustive search as above, on a 4-hour day with a shift type that
    # has a paid break and an unpaid lunch (span 3:30), so break pairing is exercised.
    sol = solve_day(day(req), TWO_BREAKS, method=method, gap=0.0)
    expected = brute_force_min_cost(req, explicit_columns(TWO_BREAKS, 16))
    assert sol.objective == pytest.approx(expected)
    assert sol.lp_bound <= sol.objective + 1e-9


@pytest.mark.parametrize(("coefs", "unit"), [
    ([4.0, 6.0, 8.0, 250.0], 2.0),      # 4/6/8-h shifts, 15-min shortfall at 1000 per hour
    ([1.5, 0.25, 0.0], 0.25),          # zero costs (breaks) do not count
    ([4 / 3, 2.0], 2 / 3),             # gcd of 4/3 and 6/3
    ([2 ** 0.5, 1.0], None),           # no common unit
    ([0.0, 0.0], None),                # nothing costs anything
], ids=["default", "zeros", "thirds", "irrational", "all-zero"])
def test_cost_unit(coefs, unit):
    # By hand: the greatest common divisor of the positive costs (as simple fractions).
    assert driver.cost_unit(coefs) == (None if unit is None else pytest.approx(unit))


def test_two_phase_falls_back_to_exact_when_repair_fails(monkeypatch):
    # Force the phase-2 break repair (shift counts fixed: lb == ub) to find nothing; the
    # day must then be solved by the exact programme, with the same optimum as by hand
    # (pigeonhole case k=2, W=5 above: 3 agents).
    real = driver.highs_milp

    def no_repair(c, *, integrality, bounds, constraints, time_limit_s, gap=None,
                  options=None):
        res = real(c, integrality=integrality, bounds=bounds, constraints=constraints,
                   time_limit_s=time_limit_s, gap=gap, options=options)
        if bounds is not None and np.any(bounds.lb[:1] == bounds.ub[:1]) and \
                np.all(integrality == 1):
            res = replace(res, x=None)
        return res

    monkeypatch.setattr(driver, "highs_milp", no_repair)
    sol = solve_day(day([2] * 8), _one_break_rules(30))
    assert sol.extra["method"].startswith("two-phase, then exact")
    assert sol.shifts == [(0, 0, 3)] and sol.status == "optimal"


def test_share_of_paid_hours_limit():
    # By hand: 1 agent needed 08:00-12:00 of a 12-h day. Cheapest is one 4-h shift (4 h);
    # with 4-h shifts limited to 0 % of paid hours an 8-h shift is needed (8 h); with at most
    # 50 %, 4-h shifts can only come paired with as many hours of 8-h shifts, so 8 h again.
    req = [1] * 16 + [0] * 32
    for share, paid in [(None, 4), (0.0, 8), (0.5, 8), (1.0, 4)]:
        rules = Rules(shift_types=(ShiftType(name="4h", paid_min=240,
                                             max_share_of_paid_hours=share),
                                   ShiftType(name="8h", paid_min=480)))
        assert solve_day(day(req), rules).paid_hours == paid, share


def test_parallel_days_match_sequential():
    # Days are independent: solving them in 2 worker processes gives the same schedules.
    import pandas as pd

    import shifts

    t = pd.concat([pd.Series(pd.date_range(f"2026-03-0{d} 08:00", periods=32, freq="15min"))
                   for d in (2, 3, 4)])
    agents = np.tile(np.r_[np.full(8, 2), np.full(16, 4), np.full(8, 1)], 3)
    req = pd.DataFrame({"interval_start": t.dt.strftime("%Y-%m-%d %H:%M"), "agents": agents})
    one = shifts.schedule(req, workers=1, gap=0.0)
    two = shifts.schedule(req, workers=2, gap=0.0)
    assert two.summary["workers"] == 2
    assert two.summary["paid_hours"] == one.summary["paid_hours"]
    assert two.coverage["scheduled"].tolist() == one.coverage["scheduled"].tolist()
