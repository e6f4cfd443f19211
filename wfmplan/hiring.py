"""The workforce over the coming weeks: cohorts, their expected path, the hiring programme and
the Monte Carlo of attrition and forecast error.

Model (one pool of agents; weeks t = 0 .. T-1, tenure k in weeks since a class started):

* a **cohort** is a group of heads of one contract hired the same week. A head of tenure k
  answers calls at productivity p(k): 0 during the ``training_weeks``, then rising linearly
  to 1 over ``ramp_weeks`` (p = j / ramp_weeks in the j-th week after training, j = 1 ..),
  or an explicit ``ramp`` (p by tenure week from week 0; 100 % after its last week, as a
  ramp ends at full speed).
* attrition: a head of tenure k leaves during week k with probability q(k) (``attrition``:
  weekly rates by tenure band, new hires leaving faster); independent departures, so the
  survivors of n heads after k weeks are Binomial(n, S(k)), S(k) = prod_{j<k} (1 - q(j)),
  and the expected headcount is n S(k). Headcount of week t = heads present in it (leavers
  go at its end); steady state under h hires a week and a constant rate r: sum_k h (1-r)^k
  = h / r.
* productive FTE of week t = sum over cohorts of heads x contract FTE factor x p(k); paid
  FTE counts trainees too (they are paid). Overtime (at most ``overtime_max_share`` of the
  productive FTE, at ``overtime_cost_factor`` x salary) and outsourcing (at most
  ``outsource_cap_fte``, at ``outsource_cost_week`` per FTE-week) add productive FTE;
  what is still missing is shortfall, priced at ``shortfall_cost_week`` per FTE-week.

**Hiring programme** (:func:`plan_hiring`): class sizes h_{j,s} (integer, contract j, start
week s >= ``lead_time_weeks``), a binary y_{j,s} for a class starting (``class_min`` y <= h
<= ``class_max`` y), training seats sum_{s in (t - training_weeks, t]} h_s <= seats, and
per week overtime, outsourcing and shortfall, minimising salary + hiring + class +
overtime + outsourcing + shortfall cost subject to expected productive FTE + levers >=
requirement in every week. The expected path is linear in the decisions (expected survivors
= hires x S(tenure)), so this is a MILP, solved by HiGHS (``scipy.optimize.milp``) after its
LP relaxation (the bound). It is the expected-value programme of Gans, N. and Zhou, Y.-P.
(2002), "Managing learning and turnover in employee staffing", Operations Research
50(6):991-1006, whose LP heuristic on expected survivors came within 1 % of the optimal
policy in most of their cases; here the class decisions are integer.

**Probability target** (:func:`plan_for_probability`): a safety margin m_t is added to the
requirement so that P(productive FTE + levers >= requirement) >= p in every week: first by
the normal approximation m_t = z_p sqrt(Var staff_t + Var requirement_t) (binomial
survivors: Var = sum n S (1 - S) (fte p)^2; requirement lognormal with log-sd sigma_t times
its elasticity to volume), then corrected by Monte Carlo: where a week's simulated
probability is below p (plus three standard errors of the estimate), m_t grows by that week's
p-quantile of the simulated deficit, and the programme is solved again.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.stats import norm

from wfmcore import checks
from wfmcore.errors import InputError


@dataclass(frozen=True)
class Contract:
    """A contract type: ``fte`` factor of one head (1 full time, 0.5 half time) and its cost
    a week (``cost_week``; None: the workforce's ``salary_week`` x ``fte``)."""

    name: str
    fte: float = 1.0
    cost_week: float | None = None

    def __post_init__(self):
        checks.check("positive", self.fte, f"contract {self.name}: fte")
        if self.cost_week is not None and checks.number(
                self.cost_week, f"contract {self.name}: cost_week") < 0:
            raise InputError(f"contract {self.name}: cost_week must be >= 0")


@dataclass(frozen=True)
class Cohort:
    """Heads of one contract with the same tenure (weeks since their class started) at week
    0 of the plan."""

    headcount: int
    tenure_weeks: int = 520
    contract: str = "full_time"

    def __post_init__(self):
        checks.whole(self.headcount, "cohort headcount")
        checks.whole(self.tenure_weeks, "cohort tenure_weeks")


DEFAULT_ATTRITION = ((0, 0.03), (13, 0.012), (26, 0.006))
"""Weekly leaving rates by tenure band (from tenure week, rate): 3 % a week in the first 13
weeks (1 - 0.97^13 = 33 % of a class gone in its first quarter), 1.2 % a week to week 26,
then 0.6 % a week (27 % a year: 1 - 0.994^52; a new hire's first year: 51 %). Published
ranges: 30-45 % a year for internal centres, 40-80 % for outsourcers (WFM Labs wiki,
"Attrition and Retention"); "a quarter or more of new hires leave within three months" is
a common practitioner figure. The default hire cost (4,000 plus 6 paid training weeks at
1,000) is inside the 5,000-10,000 per agent replaced that industry surveys quote. Give
your centre's own."""


@dataclass(frozen=True, kw_only=True)
class Workforce:
    """The starting staff, how new hires learn and leave, and what the levers cost (module
    docstring). Money in one currency; weeks are plan weeks."""

    cohorts: tuple[Cohort, ...] = ()
    contracts: tuple[Contract, ...] = (Contract("full_time", 1.0), Contract("part_time", 0.5))
    hire_contracts: tuple[str, ...] = ("full_time",)
    training_weeks: int = 6
    ramp_weeks: int = 6
    ramp: tuple[float, ...] | None = None
    attrition: tuple[tuple[int, float], ...] = DEFAULT_ATTRITION
    lead_time_weeks: int = 4
    class_min: int = 1
    class_max: int = 25
    training_seats: int | None = None
    salary_week: float = 1000.0
    hire_cost: float = 4000.0
    class_cost: float = 0.0
    overtime_max_share: float = 0.05
    overtime_cost_factor: float = 1.5
    outsource_cost_week: float = 1500.0
    outsource_cap_fte: float = 0.0
    shortfall_cost_week: float = 3000.0

    def __post_init__(self):
        names = [c.name for c in self.contracts]
        if len(set(names)) != len(names) or not names:
            raise InputError("contracts must have distinct names (at least one)")
        for c in self.cohorts:
            if c.contract not in names:
                raise InputError(f"cohort contract {c.contract!r} is not one of the contracts "
                                 f"({', '.join(names)})")
        for h in self.hire_contracts:
            if h not in names:
                raise InputError(f"hire_contracts: {h!r} is not one of the contracts "
                                 f"({', '.join(names)})", param="hire_contracts")
        for name in ("training_weeks", "ramp_weeks", "lead_time_weeks", "class_min"):
            checks.whole(getattr(self, name), name)
        checks.whole(self.class_max, "class_max", 1)
        if self.class_min > self.class_max:
            raise InputError(f"class_min {self.class_min} is above class_max {self.class_max}",
                             param="class_min")
        if self.training_seats is not None:
            checks.whole(self.training_seats, "training_seats")
        if self.ramp is not None:
            if not len(self.ramp):
                raise InputError("ramp must list at least one productivity", param="ramp")
            for v in self.ramp:
                checks.share(v, "ramp", "share01")
        bands = [int(checks.whole(k, "attrition band start")) for k, _ in self.attrition]
        if not bands or bands[0] != 0 or bands != sorted(set(bands)):
            raise InputError("attrition bands must start at tenure week 0 and increase",
                             param="attrition")
        for _, r in self.attrition:
            checks.share(r, "attrition", "share0")
        for name in ("salary_week", "hire_cost", "class_cost", "outsource_cost_week",
                     "outsource_cap_fte", "shortfall_cost_week", "overtime_cost_factor"):
            if checks.number(getattr(self, name), name) < 0:
                raise InputError(f"{name} must be >= 0; got {getattr(self, name)!r}",
                                 param=name)
        checks.share(self.overtime_max_share, "overtime_max_share", "share0")

    # --- the tenure curves -------------------------------------------------------------------

    def contract(self, name: str) -> Contract:
        return next(c for c in self.contracts if c.name == name)

    def cost_week(self, name: str) -> float:
        """Cost of one head of contract ``name`` for a week."""
        c = self.contract(name)
        return self.salary_week * c.fte if c.cost_week is None else float(c.cost_week)

    def productivity(self, tenure) -> np.ndarray:
        """p(k): share of a full-speed head's output at tenure ``k`` weeks (module docstring)."""
        k = np.asarray(tenure, dtype=np.int64)
        if self.ramp is not None:
            r = np.concatenate([np.asarray(self.ramp, float), [1.0]])
            return r[np.clip(k, 0, len(r) - 1)]
        after = k - self.training_weeks + 1          # 1 in the first week after training
        if self.ramp_weeks == 0:
            return (after >= 1).astype(float)
        return np.clip(after / self.ramp_weeks, 0.0, 1.0)

    def hazard(self, tenure) -> np.ndarray:
        """q(k): probability that a head of tenure ``k`` leaves during that week."""
        k = np.asarray(tenure, dtype=np.int64)
        starts = np.array([b for b, _ in self.attrition])
        rates = np.array([r for _, r in self.attrition], float)
        return rates[np.searchsorted(starts, k, side="right") - 1]

    def survival(self, tenure) -> np.ndarray:
        """S(k) = prod_{j<k} (1 - q(j)): expected share of a class still there at tenure k."""
        k = np.asarray(tenure, dtype=np.int64)
        top = int(k.max(initial=0)) + 1
        s = np.concatenate([[1.0], np.cumprod(1.0 - self.hazard(np.arange(top)))])
        return s[np.clip(k, 0, top)]

    @property
    def annual_attrition(self) -> float:
        """Share of tenured heads (the last band) leaving in 52 weeks: 1 - (1 - q)^52."""
        return 1.0 - (1.0 - self.attrition[-1][1]) ** 52


# --- the expected path ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Group:
    """Heads entering at week ``start`` with tenure ``tenure0`` (existing staff: start 0)."""

    heads: float
    start: int
    tenure0: int
    contract: str
    hired: bool


def _groups(wf: Workforce, hires: np.ndarray) -> list[_Group]:
    out = [_Group(c.headcount, 0, c.tenure_weeks, c.contract, False) for c in wf.cohorts]
    for j, name in enumerate(wf.hire_contracts):
        for s in np.flatnonzero(hires[j] > 0):
            out.append(_Group(float(hires[j, s]), int(s), 0, name, True))
    return out


def hires_array(wf: Workforce, hires, weeks: int) -> np.ndarray:
    """Hires as an array (hire contracts x weeks) from an array of that shape, a 1-D array
    (one hire contract), or a mapping contract -> weekly hires."""
    if isinstance(hires, dict):
        out = np.zeros((len(wf.hire_contracts), weeks))
        for name, v in hires.items():
            if name not in wf.hire_contracts:
                raise InputError(f"hires: {name!r} is not a hire contract", param="hires")
            out[wf.hire_contracts.index(name)] = np.asarray(v, float)[:weeks]
        return out
    h = np.asarray(hires, float)
    if h.ndim == 1:
        h = h[None, :]
    if h.shape != (len(wf.hire_contracts), weeks) or (h < 0).any():
        raise InputError(f"hires must be >= 0, shaped ({len(wf.hire_contracts)}, {weeks}); "
                         f"got {h.shape}", param="hires")
    return h


def project(wf: Workforce, hires, weeks: int) -> pd.DataFrame:
    """Expected path week by week under ``hires`` (see :func:`hires_array`), no levers.

    Columns: ``week``, ``hires``, ``headcount`` (heads present), ``headcount_training``
    (tenure < training_weeks), ``paid_fte`` (heads x FTE factor), ``available_fte``
    (productive: x p(k)), ``available_fte_existing`` / ``available_fte_hired`` (starting
    staff / plan hires), ``available_fte_ramping`` (heads past training, below 100 %),
    ``attrition`` (expected leavers during the week), ``salary_cost``.
    """
    h = hires_array(wf, hires, weeks)
    t = np.arange(weeks)
    cols = {n: np.zeros(weeks) for n in (
        "headcount", "headcount_training", "paid_fte", "available_fte",
        "available_fte_existing", "available_fte_hired", "available_fte_ramping",
        "attrition", "salary_cost")}
    for g in _groups(wf, h):
        k = g.tenure0 + t - g.start
        on = t >= g.start
        kk = np.where(on, k, 0)
        n = np.where(on, g.heads * wf.survival(kk) / wf.survival(g.tenure0), 0.0)
        fte = wf.contract(g.contract).fte
        p = wf.productivity(kk)
        cols["headcount"] += n
        cols["headcount_training"] += np.where(kk < wf.training_weeks, n, 0.0) if wf.ramp is None \
            else np.where(p == 0, n, 0.0)
        cols["paid_fte"] += n * fte
        prod = n * fte * p
        cols["available_fte"] += prod
        cols["available_fte_hired" if g.hired else "available_fte_existing"] += prod
        cols["available_fte_ramping"] += np.where((p > 0) & (p < 1), prod, 0.0)
        cols["attrition"] += n * wf.hazard(kk)
        cols["salary_cost"] += n * wf.cost_week(g.contract)
    return pd.DataFrame({"week": t, "hires": h.sum(0), **cols})


# --- the integer programme -------------------------------------------------------------------


@dataclass
class HiringPlan:
    """What :func:`plan_hiring` decided. ``hires``: (hire contracts x weeks) class sizes;
    ``overtime_fte`` / ``outsourced_fte`` / ``shortfall_fte`` per week; ``table``: the
    :func:`project` path with the levers, the requirement (with any safety margin) and the
    costs; ``cost``: total cost (the starting staff's salaries included), ``lp_bound``: the
    LP relaxation's, ``bound``: HiGHS's proven lower bound; ``gap`` = (cost - lp_bound) /
    cost and ``controllable_gap``: the same on the cost the decisions change (without the
    starting staff's salaries, which no decision moves); ``status``: HiGHS's message."""

    hires: np.ndarray
    overtime_fte: np.ndarray
    outsourced_fte: np.ndarray
    shortfall_fte: np.ndarray
    required_fte: np.ndarray
    margin_fte: np.ndarray
    table: pd.DataFrame
    costs: dict
    cost: float
    lp_bound: float
    bound: float
    gap: float
    controllable_gap: float
    status: str
    solve_time_s: float
    notes: list[str] = field(default_factory=list)


def _coefficients(wf: Workforce, weeks: int):
    """Per hire contract j and start week s: productive-FTE coefficient on each week
    (weeks x starts), expected head-weeks' cost over the horizon, and the start weeks."""
    starts = np.arange(min(wf.lead_time_weeks, weeks), weeks)
    t = np.arange(weeks)[:, None]
    k = t - starts[None, :]
    on = k >= 0
    kk = np.where(on, k, 0)
    surv = np.where(on, wf.survival(kk), 0.0)
    prod = surv * wf.productivity(kk)
    per = []
    for name in wf.hire_contracts:
        c = wf.contract(name)
        per.append((prod * c.fte, surv.sum(0) * wf.cost_week(name)))
    return starts, per


def plan_hiring(wf: Workforce, required_fte, *, margin_fte=None, time_limit_s: float = 30.0,
                gap: float = 1e-3) -> HiringPlan:
    """The cheapest hiring plan meeting ``required_fte`` (+ ``margin_fte``) week by week (the
    integer programme of the module docstring). ``gap``: HiGHS's relative MIP gap."""
    req = np.asarray(required_fte, float)
    weeks = len(req)
    if weeks == 0 or not np.isfinite(req).all() or (req < 0).any():
        raise InputError("required_fte must be finite, >= 0, and at least one week",
                         param="required_fte")
    margin = np.zeros(weeks) if margin_fte is None else np.asarray(margin_fte, float)
    target = req + margin
    base = project(wf, np.zeros((len(wf.hire_contracts), weeks)), weeks)
    e0 = base["available_fte"].to_numpy()
    constant = float(base["salary_cost"].sum())
    starts, per = _coefficients(wf, weeks)
    J, n_s = len(wf.hire_contracts), len(starts)
    use_y = wf.class_min > 1 or wf.class_cost > 0
    n_h = J * n_s
    n_y = n_h if use_y else 0
    o0 = n_h + n_y                                 # overtime, outsourcing, shortfall blocks
    n_var = o0 + 3 * weeks
    c = np.zeros(n_var)
    for j, (_, cost) in enumerate(per):
        c[j * n_s:(j + 1) * n_s] = cost + wf.hire_cost
    if use_y:
        c[n_h:n_h + n_y] = wf.class_cost
    c[o0:o0 + weeks] = wf.overtime_cost_factor * wf.salary_week
    c[o0 + weeks:o0 + 2 * weeks] = wf.outsource_cost_week
    c[o0 + 2 * weeks:] = wf.shortfall_cost_week
    lb = np.zeros(n_var)
    ub = np.full(n_var, np.inf)
    ub[:n_h] = wf.class_max
    if use_y:
        ub[n_h:n_h + n_y] = 1
    ub[o0 + weeks:o0 + 2 * weeks] = wf.outsource_cap_fte
    integrality = np.zeros(n_var)
    integrality[:n_h + n_y] = 1
    rows, lo, hi = [], [], []
    W = sparse.identity(weeks, format="csr")
    A_prod = sparse.hstack([sparse.csr_array(p) for p, _ in per])     # weeks x n_h
    zeros_y = sparse.csr_array((weeks, n_y))
    # coverage: productive FTE of hires + overtime + outsourcing + shortfall >= target - e0
    rows.append(sparse.hstack([A_prod, zeros_y, W, W, W]))
    lo.append(target - e0)
    hi.append(np.full(weeks, np.inf))
    # overtime cap: o_t - share x (hires' productive FTE) <= share x e0
    zw = sparse.csr_array((weeks, weeks))
    rows.append(sparse.hstack([-wf.overtime_max_share * A_prod, zeros_y, W, zw, zw]))
    lo.append(np.full(weeks, -np.inf))
    hi.append(wf.overtime_max_share * e0)
    if use_y:
        eye = sparse.identity(n_h, format="csr")
        zo = sparse.csr_array((n_h, 3 * weeks))
        rows.append(sparse.hstack([eye, -wf.class_max * eye, zo]))     # h <= max y
        lo.append(np.full(n_h, -np.inf))
        hi.append(np.zeros(n_h))
        rows.append(sparse.hstack([eye, -wf.class_min * eye, zo]))     # h >= min y
        lo.append(np.zeros(n_h))
        hi.append(np.full(n_h, np.inf))
    if wf.training_seats is not None and wf.training_weeks > 0 and n_s:
        t = np.arange(weeks)[:, None]
        inside = ((starts[None, :] <= t) & (starts[None, :] > t - wf.training_weeks)).astype(float)
        seat = sparse.hstack([sparse.csr_array(inside)] * J
                             + [sparse.csr_array((weeks, n_y + 3 * weeks))])
        rows.append(seat)
        lo.append(np.full(weeks, -np.inf))
        hi.append(np.full(weeks, float(wf.training_seats)))
    A = sparse.vstack(rows, format="csr")
    cons = [LinearConstraint(A, np.concatenate(lo), np.concatenate(hi))]
    bounds = Bounds(lb, ub)
    t0 = time.perf_counter()
    lp = milp(c, integrality=np.zeros(n_var), bounds=bounds, constraints=cons,
              options={"disp": False, "time_limit": time_limit_s})
    if lp.x is None:
        raise InputError(f"the hiring programme has no solution ({lp.message})")
    lp_bound = constant + float(lp.fun)
    res = milp(c, integrality=integrality, bounds=bounds, constraints=cons,
               options={"disp": False, "time_limit": time_limit_s, "mip_rel_gap": gap})
    solve_s = time.perf_counter() - t0
    if res.x is None:
        raise InputError(f"the hiring programme found no integer plan in {time_limit_s:g} s "
                         f"({res.message}); raise the time limit")
    x = res.x
    hires = np.zeros((J, weeks))
    for j in range(J):
        hires[j, starts] = np.rint(x[j * n_s:(j + 1) * n_s])
    ot = np.maximum(x[o0:o0 + weeks], 0.0)
    out = np.maximum(x[o0 + weeks:o0 + 2 * weeks], 0.0)
    short = np.maximum(x[o0 + 2 * weeks:], 0.0)
    dual = getattr(res, "mip_dual_bound", None)
    bound = constant + float(dual) if dual is not None and np.isfinite(dual) else lp_bound
    plan = _finish(wf, req, margin, hires, ot, out, short, time_s=solve_s,
                   lp_bound=lp_bound, bound=max(bound, lp_bound), status=str(res.message),
                   constant=constant)
    return plan


def _finish(wf, req, margin, hires, ot, out, short, *, time_s, lp_bound, bound, status,
            constant) -> HiringPlan:
    weeks = len(req)
    table = project(wf, hires, weeks)
    table["required_fte"] = req
    table["margin_fte"] = margin
    table["overtime_fte"] = ot
    table["outsourced_fte"] = out
    planned = table["available_fte"].to_numpy() + ot + out
    table["planned_fte"] = planned
    table["gap_fte"] = planned - req
    table["shortfall_fte"] = np.maximum(req - planned, 0.0)
    costs = {
        "salary": float(table["salary_cost"].sum()),
        "hiring": float(hires.sum() * wf.hire_cost),
        "classes": float((hires > 0).sum() * wf.class_cost),
        "overtime": float(ot.sum() * wf.overtime_cost_factor * wf.salary_week),
        "outsourcing": float(out.sum() * wf.outsource_cost_week),
        "shortfall": float(short.sum() * wf.shortfall_cost_week),
    }
    cost = float(sum(costs.values()))
    bound = min(bound, cost)
    gap = 0.0 if cost <= 0 else max(0.0, (cost - lp_bound) / cost)
    var = cost - constant
    ctrl_gap = 0.0 if var <= 1e-9 else max(0.0, (cost - lp_bound) / var)
    notes = _notes(wf, table, hires)
    return HiringPlan(hires=hires, overtime_fte=ot, outsourced_fte=out, shortfall_fte=short,
                      required_fte=req, margin_fte=margin, table=table, costs=costs, cost=cost,
                      lp_bound=lp_bound, bound=bound, gap=gap, controllable_gap=ctrl_gap,
                      status=status, solve_time_s=time_s, notes=notes)


def _notes(wf: Workforce, table: pd.DataFrame, hires: np.ndarray) -> list[str]:
    weeks = len(table)
    notes = []
    if not (wf.productivity(np.arange(weeks)) > 0).any():
        notes.append(f"the productivity ramp is 0 % at every tenure within the {weeks}-week "
                     "horizon: a hire would never answer calls, so the plan hires nobody")
    elif wf.lead_time_weeks >= weeks:
        notes.append(f"the hiring lead time ({wf.lead_time_weeks} weeks) is not shorter than "
                     "the horizon: no class can start")
    short = table["shortfall_fte"].to_numpy()
    if (short > 1e-6).any():
        bad = np.flatnonzero(short > 1e-6)
        notes.append(f"short in {bad.size} of {weeks} weeks (first: week {int(bad[0])}), "
                     f"{short.sum():,.1f} FTE-weeks in all (largest {short.max():,.1f} FTE): "
                     "the levers cannot or should not cover it at the shortfall cost given")
    return notes


# --- Monte Carlo -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Simulation:
    """:func:`monte_carlo`'s answer: per week ``p_meet`` (share of paths where productive FTE
    + overtime + outsourcing >= the requirement), ``available`` quantiles (5, 50, 95 %),
    and the paths' ``deficit`` (requirement - planned FTE; paths x weeks)."""

    p_meet: np.ndarray
    available_q: np.ndarray
    deficit: np.ndarray
    paths: int
    seed: int


def monte_carlo(wf: Workforce, plan: HiringPlan, *, sigma_log=0.0, elasticity=1.0,
                paths: int = 2000, seed: int = 0) -> Simulation:
    """Simulate ``plan``: each head of each cohort leaves in week k with probability q(k)
    (binomial departures per cohort and week), and the requirement is the plan's times a
    lognormal volume factor of mean 1 and log-sd ``sigma_log`` (per week; scalar or array),
    raised to its ``elasticity`` (the requirement's relative change per relative change of
    volume). Overtime is the plan's, capped at ``overtime_max_share`` of the path's
    productive FTE; outsourcing is the plan's. The volume factors are drawn independently
    per week: ``p_meet`` is each week's own (marginal) probability, not the chance of
    meeting every week at once. Seeded."""
    checks.whole(paths, "paths", 1)
    rng = np.random.default_rng(seed)
    req = plan.required_fte
    weeks = len(req)
    groups = _groups(wf, plan.hires)
    heads = np.array([[round(g.heads)] * paths for g in groups], dtype=np.int64).reshape(
        len(groups), paths)
    fte = np.array([wf.contract(g.contract).fte for g in groups])
    start = np.array([g.start for g in groups])
    ten0 = np.array([g.tenure0 for g in groups])
    staff = np.zeros((paths, weeks))
    for t in range(weeks):
        on = start <= t
        k = np.where(on, ten0 + t - start, 0)
        p = wf.productivity(k) * fte * on
        staff[:, t] = (heads * p[:, None]).sum(0)
        q = np.where(on, wf.hazard(k), 0.0)
        heads = heads - rng.binomial(heads, q[:, None])
    sig = np.broadcast_to(np.asarray(sigma_log, float), (weeks,))
    el = np.broadcast_to(np.asarray(elasticity, float), (weeks,))
    z = rng.standard_normal((paths, weeks))
    factor = np.exp(sig * z - 0.5 * sig ** 2)
    req_paths = req * factor ** el
    ot = np.minimum(plan.overtime_fte, wf.overtime_max_share * staff)
    planned = staff + ot + plan.outsourced_fte
    deficit = req_paths - planned
    return Simulation(p_meet=(deficit <= 1e-9).mean(0),
                      available_q=np.quantile(planned, [0.05, 0.5, 0.95], axis=0),
                      deficit=deficit, paths=paths, seed=seed)


def staff_variance(wf: Workforce, hires: np.ndarray, weeks: int) -> np.ndarray:
    """Var of productive FTE per week from binomial departures: sum over cohorts of
    n S (1 - S) (fte p)^2, S the survival from entry (module docstring)."""
    t = np.arange(weeks)
    out = np.zeros(weeks)
    for g in _groups(wf, hires):
        on = t >= g.start
        kk = np.where(on, g.tenure0 + t - g.start, 0)
        s = np.where(on, wf.survival(kk) / wf.survival(g.tenure0), 0.0)
        w = wf.contract(g.contract).fte * wf.productivity(kk)
        out += g.heads * s * (1 - s) * w ** 2
    return out


def must_meet(wf: Workforce, weeks: int) -> Workforce:
    """``wf`` with shortfall priced above any plan that meets the requirement: 10 x the cost
    of hiring one FTE and paying it for all ``weeks``, per FTE-week short, so the programme
    is short only where no hire, overtime or outsourcing can cover (a chance constraint
    is a constraint, not a price)."""
    hire = wf.hire_cost + wf.class_cost + weeks * max(wf.salary_week,
                                                      *(wf.cost_week(c) for c in wf.hire_contracts))
    price = max(wf.shortfall_cost_week, 10.0 * max(hire, wf.outsource_cost_week,
                                                   wf.overtime_cost_factor * wf.salary_week, 1.0))
    return replace(wf, shortfall_cost_week=price)


def plan_for_probability(wf: Workforce, required_fte, p: float, *, sigma_log=0.0,
                         elasticity=1.0, paths: int = 2000, seed: int = 0,
                         max_rounds: int = 8, time_limit_s: float = 30.0,
                         gap: float = 1e-3) -> tuple[HiringPlan, Simulation]:
    """A plan meeting each week's requirement with probability ``p`` (module docstring):
    shortfall priced out (:func:`must_meet`), a normal-approximation margin, then Monte Carlo
    corrections (``paths`` paths, ``seed``) until every week's simulated probability is at
    least p plus three standard errors of the estimate (so that on other paths, too, no
    week of a year falls below p by the noise of the tuning sample), or ``max_rounds``
    rounds. A week the
    plan cannot cover (before a class can be productive, levers capped) gets no more margin
    and is named in a note. Returns the plan and its last simulation (an independent check
    needs another seed)."""
    p = checks.share(p, "p_meet", "share")
    req = np.asarray(required_fte, float)
    weeks = len(req)
    hard = must_meet(wf, weeks)
    sig = np.broadcast_to(np.asarray(sigma_log, float), (weeks,))
    el = np.broadcast_to(np.asarray(elasticity, float), (weeks,))
    z = norm.ppf(p)
    var_req = (req * el * sig) ** 2
    plan = plan_hiring(hard, req, time_limit_s=time_limit_s, gap=gap)
    margin = np.zeros(weeks)
    for _ in range(2):                           # normal approximation, variance of the plan
        margin = z * np.sqrt(staff_variance(wf, plan.hires, weeks) + var_req)
        plan = plan_hiring(hard, req, margin_fte=margin, time_limit_s=time_limit_s, gap=gap)
    aim = min(p + 3 * math.sqrt(p * (1 - p) / paths), 1.0 - 0.5 / paths)
    rounds = 0
    sim = monte_carlo(wf, plan, sigma_log=sig, elasticity=el, paths=paths, seed=seed)
    while rounds < max_rounds:
        low = (sim.p_meet < aim) & (plan.shortfall_fte <= 1e-6)
        if not low.any():
            break
        add = np.quantile(sim.deficit, aim, axis=0)
        margin = margin + np.where(low, np.maximum(add, 0.0) + 1e-3, 0.0)
        plan = plan_hiring(hard, req, margin_fte=margin, time_limit_s=time_limit_s, gap=gap)
        sim = monte_carlo(wf, plan, sigma_log=sig, elasticity=el, paths=paths, seed=seed)
        rounds += 1
    plan.notes.append(f"planned for p = {p:g} of meeting each week: margin "
                      f"{margin.mean():,.1f} FTE on average (normal approximation, then "
                      f"{rounds} Monte Carlo correction round(s) on {paths} paths, aiming at "
                      f"{aim:.3f}); shortfall priced at {hard.shortfall_cost_week:,.0f} an "
                      "FTE-week")
    low = np.flatnonzero(sim.p_meet < p)
    if low.size:
        plan.notes.append(f"{low.size} week(s) stay below p = {p:g} (first: week {int(low[0])}"
                          f", {sim.p_meet[low[0]]:.1%}): no class is productive yet or the "
                          "levers are capped there")
    return plan, sim
