"""The one MILP driver of the shift models: the day programme (:mod:`shifts.model`, Aykin's
implicit breaks [1]) and the weekly tour programme (:mod:`shifts.tours`, Jacobs & Bechtold [2]).

A :class:`Model` is ``min c v  s.t.  row_lb <= A v <= row_ub,  lb <= v <= ub``, some variables
integer, with its columns in named blocks: ``x`` shift counts, ``w`` break starts, ``u``
shortfalls (and ``y`` tours in a week). :func:`solve` runs every HiGHS call (highspy, the
HiGHS project's own interface: a newer HiGHS than the one scipy bundles, and the choice of
LP algorithm, :func:`highs_milp`) under one wall-clock :class:`Budget`:

1. the LP relaxation (dual simplex, else interior point: :func:`_lp_relaxation`): the
   first lower bound, ``lp_bound``;
2. phase 1, ``w`` continuous and everything else integer (a relaxation, so its dual bound is
   a valid lower bound): first with each ``x_j`` restricted to the floor or ceiling of its LP
   value (RENS [3]), kept when its repaired schedule is within ``gap`` of the LP bound rounded
   up to the cost unit; otherwise unrestricted, with the objective capped one cost unit below
   that schedule ("infeasible" then proves it optimal);
3. phase 2, the break repair: a callback turns a phase-1 solution into an integer one (for a
   day, :func:`fix_shifts`: ``x`` fixed, integer breaks);
4. for the day model, the exact programme when the repair falls short of phase 1.

Cost unit: the optimum is a sum of non-negative integer multiples of the cost coefficients,
so when these have a greatest common divisor (:func:`cost_unit`; 2 h for 4-, 6- and 8-h
shifts) every lower bound may be rounded up to a multiple of it. HiGHS sees the costs divided
by that unit, so that the integrality of the objective is plain to it; values are scaled back.

[1] T. Aykin (1996), Optimal shift scheduling with multiple break windows. Management
    Science 42(4):591-602.
[2] L. W. Jacobs, S. E. Bechtold (1993), Labor utilization effects of labor scheduling
    flexibility alternatives in a tour scheduling environment. Decision Sciences
    24(1):148-166.
[3] T. Berthold (2014), RENS: the optimal rounding. Mathematical Programming Computation
    6(1):33-54.
"""

from __future__ import annotations

import math
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction

import highspy
import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint

METHODS = ("two-phase", "exact")

#: Share of the budget phase 1a (RENS) may use. Uncapped, a 24/7 week at peak 20 agents
#: (default rules, 60 s) spent 12 s on the LP and the other 48 s in RENS, leaving the break
#: repair no time: every break fell at the start of its window and 845 agent-slots went
#: uncovered (bench/bench_tours.py). HiGHS's incumbent at the cap is kept.
RENS_SHARE = 0.5

#: HiGHS options of RENS: its LPs (the restricted root above all) by interior point. On the
#: restricted 24/7 week at peak 40 (580 of 2,116 shift and tour counts free, the breaks
#: continuous) the best schedule after 10 s cost 4,567 cost units by simplex (under-covered)
#: and 1,191 by interior point; on the 08-20 week at peak 400 the same optimum came in 1.9 s
#: instead of 3.3 s (bench/bench_tours.py's weeks).
RENS_OPTIONS = {"mip_lp_solver": "ipm"}

#: Share of the budget the LP relaxation may take by dual simplex before the interior
#: point takes over (:func:`_lp_relaxation`).
LP_SIMPLEX_SHARE = 0.1


def cost_unit(coefs) -> float | None:
    """Greatest common divisor of positive cost coefficients, when they are simple fractions."""
    unit = None
    for c in coefs:
        if c <= 0:
            continue
        f = Fraction(c).limit_denominator(3600)
        if abs(float(f) - c) > 1e-12 * max(1.0, c):
            return None
        unit = f if unit is None else Fraction(math.gcd(unit.numerator * f.denominator,
                                                        f.numerator * unit.denominator),
                                               unit.denominator * f.denominator)
    return None if unit is None else float(unit)


@dataclass(frozen=True, kw_only=True)
class Model:
    """``min c v  s.t.  row_lb <= A v <= row_ub,  lb <= v <= ub``, ``v_i`` integer where
    ``integrality_i`` is 1. ``c`` in cost units (cost weight x paid hours) per unit of each
    variable. ``blocks``: column indices by name; the driver uses ``x`` (rounded by RENS,
    fixed by the break repair) and ``w`` (continuous in phase 1). Arrays are not to be
    changed after construction."""

    c: np.ndarray
    A: sparse.csr_array
    row_lb: np.ndarray
    row_ub: np.ndarray
    lb: np.ndarray
    ub: np.ndarray
    integrality: np.ndarray
    blocks: dict[str, np.ndarray]
    cost_unit: float | None = field(init=False)
    constraints: list[LinearConstraint] = field(init=False, repr=False)

    def __post_init__(self):
        rows = [LinearConstraint(self.A, self.row_lb, self.row_ub)] if self.A.shape[0] else []
        object.__setattr__(self, "cost_unit", cost_unit(self.c))
        object.__setattr__(self, "constraints", rows)

    @property
    def scale(self) -> float:
        """What HiGHS divides the costs by: the cost unit, or 1."""
        return self.cost_unit or 1.0

    def rounded(self, bound: float) -> float:
        """A lower bound rounded up to the cost unit (unchanged without one)."""
        unit = self.cost_unit
        return math.ceil(bound / unit - 1e-7) * unit if unit else bound


@dataclass(frozen=True)
class Budget:
    """One wall-clock budget shared by every HiGHS call of a solve, from ``t0``
    (``time.perf_counter()`` seconds)."""

    time_limit_s: float
    t0: float = field(default_factory=time.perf_counter)

    def elapsed_s(self) -> float:
        return time.perf_counter() - self.t0

    def left_s(self) -> float:
        """Seconds left, at least 0.01 (HiGHS needs a positive limit)."""
        return max(self.time_limit_s - self.elapsed_s(), 0.01)


def run_highs(model: Model, *, budget: Budget, scale: float | None = None, integrality=None,
              lb=None, ub=None, rows: tuple | list = (), gap: float | None = None,
              options: dict | None = None):
    """One HiGHS call on ``model``, costs divided by ``scale`` (default: the model's own),
    with the model's integrality and bounds unless given, extra constraint ``rows`` and
    ``mip_rel_gap=gap`` when given, other HiGHS ``options``; time limit: what is left of
    ``budget``."""
    return highs_milp(model.c / (model.scale if scale is None else scale),
                      integrality=model.integrality if integrality is None else integrality,
                      bounds=Bounds(model.lb if lb is None else lb,
                                    model.ub if ub is None else ub),
                      constraints=[*model.constraints, *rows], time_limit_s=budget.left_s(),
                      gap=gap, options=options)


@dataclass(frozen=True)
class HighsResult:
    """What one HiGHS call returned, in ``scipy.optimize.milp``'s terms: ``status`` 0 optimal,
    1 time limit, 2 infeasible, 3 unbounded, 4 other; ``x`` and ``fun`` the best feasible
    solution and its objective (``None`` without one); ``message`` HiGHS's model status;
    ``mip_dual_bound`` (MIPs only, else ``None``)."""

    status: int
    message: str
    x: np.ndarray | None
    fun: float | None
    mip_dual_bound: float | None


_STATUS = {highspy.HighsModelStatus.kOptimal: 0, highspy.HighsModelStatus.kTimeLimit: 1,
           highspy.HighsModelStatus.kIterationLimit: 1, highspy.HighsModelStatus.kInfeasible: 2,
           highspy.HighsModelStatus.kUnboundedOrInfeasible: 2,
           highspy.HighsModelStatus.kUnbounded: 3}


def _quiet_highs() -> highspy.Highs:
    """A ``highspy.Highs`` with its log off. highspy prints its banner on the process's first
    construction, to file descriptor 1, where the worker protocol of :mod:`shifts._worker`
    runs and where the commands print their results: it is discarded."""
    sys.stdout.flush()
    saved = os.dup(1)
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, 1)
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(null)
    return h


def highs_milp(c, *, integrality, bounds: Bounds, constraints, time_limit_s: float,
               gap: float | None = None, options: dict | None = None) -> HighsResult:
    """``min c v`` subject to ``constraints`` (``LinearConstraint`` objects) and ``bounds``, ``v_i``
    integer where ``integrality_i`` is 1, by HiGHS (highspy). A pure LP is solved by the
    interior-point method with crossover (a vertex, as simplex gives): on the default rules'
    24/7 week (22,098 columns) that takes 2.8 s where dual simplex took 41 s
    (bench/bench_tours.py). ``gap`` is ``mip_rel_gap``; ``options``: other HiGHS options
    by name."""
    c = np.asarray(c, dtype=float)
    n = len(c)
    if constraints:
        mats = [sparse.csr_array(k.A) for k in constraints]
        a = sparse.vstack(mats).tocsc()
        row_lb = np.concatenate([np.broadcast_to(k.lb, (m.shape[0],))
                                 for k, m in zip(constraints, mats, strict=True)])
        row_ub = np.concatenate([np.broadcast_to(k.ub, (m.shape[0],))
                                 for k, m in zip(constraints, mats, strict=True)])
    else:
        a, row_lb, row_ub = sparse.csc_array((0, n)), np.zeros(0), np.zeros(0)
    inf = highspy.kHighsInf

    def finite(v, fill, length):
        """``v`` (an array, or one value for all) with HiGHS's infinity for +-inf."""
        v = np.broadcast_to(np.asarray(v, dtype=float), (length,))
        return np.where(np.isfinite(v), v, fill)

    n_rows = a.shape[0]
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n, n_rows
    lp.col_cost_ = c
    lp.col_lower_, lp.col_upper_ = finite(bounds.lb, -inf, n), finite(bounds.ub, inf, n)
    lp.row_lower_, lp.row_upper_ = finite(row_lb, -inf, n_rows), finite(row_ub, inf, n_rows)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_, lp.a_matrix_.index_ = a.indptr, a.indices
    lp.a_matrix_.value_ = a.data
    integer = np.asarray(integrality).astype(bool)
    is_mip = bool(integer.any())
    if is_mip:
        lp.integrality_ = [highspy.HighsVarType.kInteger if v else
                           highspy.HighsVarType.kContinuous for v in integer]
    h = _quiet_highs()
    h.setOptionValue("time_limit", float(time_limit_s))
    if gap is not None:
        h.setOptionValue("mip_rel_gap", float(gap))
    if not is_mip:
        h.setOptionValue("solver", "ipm")
    for name, value in (options or {}).items():
        h.setOptionValue(name, value)
    h.passModel(lp)
    h.run()
    model_status = h.getModelStatus()
    info = h.getInfo()
    has_x = info.primal_solution_status == 2          # kSolutionStatusFeasible
    return HighsResult(
        status=_STATUS.get(model_status, 4), message=h.modelStatusToString(model_status),
        x=np.array(h.getSolution().col_value) if has_x else None,
        fun=float(info.objective_function_value) if has_x else None,
        mip_dual_bound=float(info.mip_dual_bound) if is_mip else None)


def fix_shifts(model: Model, x1: np.ndarray, *, budget: Budget, scale: float | None = None):
    """Phase 2, the break repair: ``model`` with the shift counts ``x`` fixed to those of
    ``x1`` (rounded) and every variable integer."""
    x = model.blocks["x"]
    lb, ub = model.lb.copy(), model.ub.copy()
    lb[x] = ub[x] = np.rint(x1[x])
    return run_highs(model, budget=budget, scale=scale, lb=lb, ub=ub)


@dataclass(frozen=True)
class Outcome:
    """What :func:`solve` found. ``best``: the decoded best integer solution (anything with an
    ``objective``), or ``None``; ``message``: HiGHS's message for the solve that found it;
    ``bound``: the best lower bound (LP or HiGHS dual bound), rounded up to the cost unit;
    ``path``: how ``best`` was reached (``"two-phase (LP rounding)"``, ``"two-phase"``, ...)."""

    best: object | None
    message: str | None
    lp_bound: float
    bound: float
    path: str


def solve(model: Model, repair: Callable[[np.ndarray], object | None], *, budget: Budget,
          gap: float, method: str = "two-phase",
          decode_exact: Callable[[np.ndarray], object] | None = None,
          improve_share: float = 1.0, share_of_s: float | None = None) -> Outcome:
    """Solve ``model`` as in the module docstring; ``gap`` is HiGHS's ``mip_rel_gap``.

    ``repair(x1)``: phase 2 for a phase-1 solution ``x1``: a decoded integer solution with an
    ``objective`` in cost units, or ``None``. ``decode_exact(x)``: decodes a solution of the
    whole programme; when given, that programme is solved exactly if the repair falls short
    of the phase-1 objective (or does not prove it optimal), and the better solution kept.
    ``method`` (one of :data:`METHODS`) ``"exact"``: the LP bound, then the exact programme
    alone (needs ``decode_exact``). ``improve_share``: the unrestricted phase 1 may use at
    most this share of the budget (the rest stays for the repair). ``share_of_s``: the
    seconds the shares of the phases (:data:`LP_SIMPLEX_SHARE`, :data:`RENS_SHARE`,
    ``improve_share``) are taken of (default: the budget's): a caller that keeps part of
    its time for itself passes its whole time limit, so that a programme solved before the
    reserve is reached runs as it would without one.
    """
    scale = model.scale
    share_of_s = budget.time_limit_s if share_of_s is None else share_of_s
    cs = model.c / scale

    def dual(res) -> float:
        d = getattr(res, "mip_dual_bound", None)
        return scale * float(d) if d is not None and np.isfinite(d) else -np.inf

    lp = _lp_relaxation(model, budget, share_of_s)
    lp_bound = scale * float(lp.fun) if lp.status == 0 else 0.0    # an LP has x iff optimal
    bound = lp_bound
    best, best_res, stopped = None, None, None
    repaired, path = False, method
    if method == "two-phase":
        x = model.blocks["x"]
        relaxed = model.integrality.copy()
        relaxed[model.blocks["w"]] = 0
        if lp.x is not None:
            # phase 1a (RENS): shift counts restricted to the floor / ceiling of the LP
            lb, ub = model.lb.copy(), model.ub.copy()
            rens = np.concatenate([x, model.blocks.get("y", np.zeros(0, dtype=int))])
            lb[rens] = np.floor(lp.x[rens] + 1e-9)
            ub[rens] = np.maximum(np.ceil(lp.x[rens] - 1e-9), lb[rens])
            # at most RENS_SHARE of the budget, so that the break repair has time left
            rens_cap = Budget(min(budget.left_s(), RENS_SHARE * share_of_s))
            ra = run_highs(model, budget=rens_cap, integrality=relaxed, lb=lb, ub=ub, gap=gap,
                           options=RENS_OPTIONS)
            if ra.x is not None:
                best, best_res = repair(ra.x), ra
        if (best is not None
                and best.objective - model.rounded(bound) <= gap * best.objective + 1e-9):
            repaired, path = True, "two-phase (LP rounding)"
        else:
            # phase 1b: unrestricted, told to beat the incumbent by at least one cost unit
            cut = []
            if best is not None and model.cost_unit:
                cut = [LinearConstraint(sparse.csr_array(cs[None, :]), -np.inf,
                                        best.objective / scale - 1 + 1e-6)]
            cap = Budget(min(budget.left_s(), improve_share * share_of_s))
            r1 = run_highs(model, budget=cap, integrality=relaxed, rows=cut, gap=gap)
            stopped = r1 if r1.status == 1 else None
            if r1.x is not None:
                target = scale * float(r1.fun)
                sol = repair(r1.x)
                if sol is not None and (best is None or sol.objective < best.objective):
                    best, best_res = sol, r1
                repaired = (sol is not None
                            and sol.objective <= target + 1e-6 * max(1.0, abs(target)))
                path = "two-phase"
                bound = max(bound, dual(r1))
            elif r1.status == 2 and best is not None and cut:
                bound = max(bound, best.objective)     # nothing a unit cheaper exists
                repaired, path = True, "two-phase (LP rounding, proven by phase 1)"
            elif best is not None:
                bound = max(bound, min(best.objective, dual(r1)))
    if not repaired and decode_exact is not None:
        if method == "two-phase":
            path = "two-phase, then exact (break repair fell short)"
        r = run_highs(model, budget=budget, gap=gap)
        stopped = r if r.status == 1 else None
        bound = max(bound, dual(r))
        if r.x is not None:
            sol = decode_exact(r.x)
            if best is None or sol.objective < best.objective:
                best, best_res = sol, r
    if stopped is not None:        # the last phase ran out of time: say so, not its
        # restricted predecessor's "optimal"
        best_res = stopped
    return Outcome(best=best, message=None if best_res is None else best_res.message,
                   lp_bound=lp_bound, bound=model.rounded(bound), path=path)


def _lp_relaxation(model: Model, budget: Budget, share_of_s: float | None = None):
    """The LP relaxation, by dual simplex for at most :data:`LP_SIMPLEX_SHARE` of the budget,
    else by interior point with crossover. Both give a vertex, but not the same one, and
    RENS rounds that vertex: on the default rules' 08-20 week at peak 400 the simplex vertex
    (83 fractional shift and tour counts) rounds to 0.2 % above the LP in 3.4 s while the
    crossover's rounds to 14 % above it (an under-covered week); on the 24/7 week (22,098
    columns) simplex takes 23 s and the interior point 2.8 s (bench/bench_tours.py)."""
    relaxed = np.zeros(len(model.c))
    share_of_s = budget.time_limit_s if share_of_s is None else share_of_s
    cap = Budget(min(budget.left_s(), LP_SIMPLEX_SHARE * share_of_s))
    lp = run_highs(model, budget=cap, integrality=relaxed, options={"solver": "simplex"})
    if lp.status in (0, 2, 3):          # solved, or proven infeasible / unbounded
        return lp
    return run_highs(model, budget=budget, integrality=relaxed)


def closed_gap(objective: float, bound: float) -> tuple[float, float]:
    """``(bound, gap)``: the bound capped at the objective, and the relative gap
    (objective - bound) / objective (0 when the objective is <= 0)."""
    bound = min(bound, objective)
    gap = 0.0 if objective <= 0 else max(0.0, (objective - bound) / objective)
    return float(bound), float(gap)


def status_text(achieved_gap: float, gap: float, message: str | None) -> str:
    """``"optimal"``, ``"within gap <gap>"``, or ``"stopped at gap 4.9 % (asked 0.5 %):
    <HiGHS's message>"`` (the gap reached, so that a stop is never read as a proof)."""
    if achieved_gap <= 1e-9:
        return "optimal"
    if achieved_gap <= gap + 1e-9:
        return f"within gap {gap:g}"
    return (f"stopped at gap {100 * achieved_gap:.1f} % (asked {100 * gap:g} %): "
            f"{(message or 'no solver message').strip().lower()}")
