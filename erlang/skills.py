"""The skills model of a multi-skill centre: call types, agent groups and how calls are routed.

A centre has K **call types** (a queue x channel: "sales / voice / es") and I **agent groups**,
each group a set of agents with the same skills. The model is what the multi-skill simulator
(:mod:`erlang.multiskill_sim`), the exact Markov chain of small instances
(:mod:`erlang.multiskill_exact`) and the staffing search (:mod:`erlang.multiskill_staffing`)
share:

* a call type has a mean handle time ``aht_s``, a mean patience ``patience_s`` (exponential;
  ``None``: nobody hangs up) and its service target (``sl_target`` of calls answered within
  ``sl_threshold_s``, counted over offered calls, abandons against);
* a group has its skills **in priority order** (``skills[0]`` is its primary skill), an
  optional AHT multiplier per skill (proficiency: 1.2 = 20 % slower than the type's
  ``aht_s``) and an optional overflow delay per skill (a call of that type reaches the group
  only after it has waited that long).

Routing (static priority, longest-idle agent; the rule of Wallace & Whitt 2005, "A staffing
algorithm for call centers with skill-based routing", M&SOM 7(4):276-294, with the overflow
delay of practice):

* **an arriving call** goes to an idle agent of a group that has its skill with no delay,
  preferring the groups for which the type comes earliest in their skill list (the
  specialists), and among those the agent idle longest; if none is idle it waits in its
  type's queue (first come, first served within a type);
* **an agent who becomes free** (or comes on duty) takes the head of the queue of the first
  type in its group's skill list that has a call waiting which it may take (the call has
  waited at least the group's overflow delay for that type); if several calls qualify at
  the same priority rank the longest waiting first.

Demand is not part of the model: calls per interval come as an array (intervals x types), and
agents as an array (intervals x groups), so one model serves any day and any staffing.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from wfmcore import checks
from wfmcore.errors import InputError

__all__ = ["AgentGroup", "CallType", "SkillsModel", "fully_pooled", "single_skill"]


def _positive(value, name: str) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a number; got {value!r}", param=name) from None
    if not math.isfinite(x) or x <= 0:
        raise InputError(f"{name} must be a positive finite number; got {value!r}",
                         param=name)
    return x


@dataclass(frozen=True)
class CallType:
    """One call type (queue x channel): handle time, patience and its service target."""

    name: str
    aht_s: float
    patience_s: float | None = None
    sl_target: float = 0.80
    sl_threshold_s: float = 20.0

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name.strip():
            raise InputError(f"a call type needs a name; got {self.name!r}", param="name")
        object.__setattr__(self, "aht_s", _positive(self.aht_s, f"{self.name}: aht_s"))
        if self.patience_s is not None:
            object.__setattr__(self, "patience_s",
                               _positive(self.patience_s, f"{self.name}: patience_s"))
        object.__setattr__(self, "sl_target",
                           checks.share(self.sl_target, f"{self.name}: sl_target", "share0"))
        object.__setattr__(self, "sl_threshold_s",
                           checks.check("seconds0", self.sl_threshold_s,
                                        f"{self.name}: sl_threshold_s"))


@dataclass(frozen=True)
class AgentGroup:
    """Agents with the same skills: ``skills`` in priority order (first = primary), an AHT
    multiplier per skill (proficiency; default 1) and an overflow delay per skill, seconds
    (a call of that type reaches the group only after waiting that long; default 0)."""

    name: str
    skills: tuple[str, ...]
    aht_factor: Mapping[str, float] = field(default_factory=dict)
    overflow_delay_s: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name.strip():
            raise InputError(f"an agent group needs a name; got {self.name!r}", param="name")
        skills = (self.skills,) if isinstance(self.skills, str) else tuple(self.skills)
        if not skills:
            raise InputError(f"group {self.name}: skills must list at least one call type",
                             param="skills")
        dup = sorted({s for s in skills if skills.count(s) > 1})
        if dup:
            raise InputError(f"group {self.name}: skill {dup[0]!r} is listed twice",
                             param="skills")
        object.__setattr__(self, "skills", skills)
        for attr, allow_zero in (("aht_factor", False), ("overflow_delay_s", True)):
            values = dict(getattr(self, attr))
            for skill, v in values.items():
                if skill not in skills:
                    raise InputError(f"group {self.name}: {attr} names {skill!r}, which is "
                                     f"not one of its skills {list(skills)}", param=attr)
                name = f"group {self.name}: {attr}[{skill}]"
                values[skill] = (checks.check("seconds0", v, name) if allow_zero
                                 else _positive(v, name))
            object.__setattr__(self, attr, values)


@dataclass(frozen=True)
class SkillsModel:
    """Call types, agent groups and the routing of :mod:`erlang.skills`, as arrays.

    Matrices are groups x types (``I x K``): ``can_serve`` (bool), ``aht_s`` (seconds, NaN
    where the group lacks the skill), ``rank`` (0 = the group's primary skill, -1 = no
    skill), ``delay_s`` (overflow delay, seconds, NaN where no skill).
    """

    types: tuple[CallType, ...]
    groups: tuple[AgentGroup, ...]

    def __post_init__(self):
        types, groups = tuple(self.types), tuple(self.groups)
        if not types or not groups:
            raise InputError("a skills model needs at least one call type and one group",
                             param="skills")
        for what, items in (("call type", types), ("group", groups)):
            names = [x.name for x in items]
            dup = sorted({n for n in names if names.count(n) > 1})
            if dup:
                raise InputError(f"{what} {dup[0]!r} is defined twice", param="skills")
        known = {t.name for t in types}
        for g in groups:
            unknown = [s for s in g.skills if s not in known]
            if unknown:
                raise InputError(f"group {g.name}: skill {unknown[0]!r} is not a call type "
                                 f"(call types: {sorted(known)})", param="skills")
        served = {s for g in groups for s in g.skills}
        orphan = [t.name for t in types if t.name not in served]
        if orphan:
            raise InputError(f"call type {orphan[0]!r} has no group with its skill: nobody "
                             "could answer it", param="skills")
        object.__setattr__(self, "types", types)
        object.__setattr__(self, "groups", groups)

    @property
    def n_types(self) -> int:
        return len(self.types)

    @property
    def n_groups(self) -> int:
        return len(self.groups)

    @property
    def type_names(self) -> list[str]:
        return [t.name for t in self.types]

    @property
    def group_names(self) -> list[str]:
        return [g.name for g in self.groups]

    def type_index(self, name: str) -> int:
        return self.type_names.index(name)

    @property
    def can_serve(self) -> np.ndarray:
        return self.rank >= 0

    @property
    def rank(self) -> np.ndarray:
        out = np.full((self.n_groups, self.n_types), -1, dtype=np.int64)
        for i, g in enumerate(self.groups):
            for r, s in enumerate(g.skills):
                out[i, self.type_index(s)] = r
        return out

    @property
    def aht_s(self) -> np.ndarray:
        out = np.full((self.n_groups, self.n_types), np.nan)
        for i, g in enumerate(self.groups):
            for s in g.skills:
                k = self.type_index(s)
                out[i, k] = self.types[k].aht_s * g.aht_factor.get(s, 1.0)
        return out

    @property
    def delay_s(self) -> np.ndarray:
        out = np.full((self.n_groups, self.n_types), np.nan)
        for i, g in enumerate(self.groups):
            for s in g.skills:
                out[i, self.type_index(s)] = g.overflow_delay_s.get(s, 0.0)
        return out

    @property
    def patience_s(self) -> np.ndarray:
        """Mean patience per type, seconds (inf: nobody hangs up)."""
        return np.array([math.inf if t.patience_s is None else t.patience_s
                         for t in self.types])

    def check_calls(self, calls, what: str = "calls") -> np.ndarray:
        """Calls per interval as a float array (intervals x types), checked."""
        return _matrix(calls, self.n_types, what, "call type", float)

    def check_agents(self, agents, what: str = "agents") -> np.ndarray:
        """Agents per interval as an int array (intervals x groups), checked."""
        arr = _matrix(agents, self.n_groups, what, "group", float)
        if not np.all(arr == np.round(arr)):
            raise InputError(f"{what} must be whole numbers of agents", param=what)
        return arr.astype(np.int64)


def _matrix(values, n_cols: int, what: str, col: str, dtype) -> np.ndarray:
    arr = np.asarray(values, dtype=float)
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2 or arr.shape[1] != n_cols:
        raise InputError(f"{what} must have one column per {col} ({n_cols}); got shape "
                         f"{np.shape(values)}", param=what)
    bad = ~np.isfinite(arr) | (arr < 0)
    if bad.any():
        r, c = np.argwhere(bad)[0]
        raise InputError(f"{what}[{r}, {c}] must be a finite number >= 0; got {arr[r, c]!r}",
                         param=what)
    return arr.astype(dtype)


def single_skill(types: Sequence[CallType]) -> SkillsModel:
    """Each type its own dedicated group (named after the type): the single-skill centre
    multi-skill staffing is compared against."""
    return SkillsModel(tuple(types), tuple(AgentGroup(t.name, (t.name,)) for t in types))


def fully_pooled(types: Sequence[CallType], name: str = "all") -> SkillsModel:
    """One group with every skill (in the given order): full pooling."""
    return SkillsModel(tuple(types), (AgentGroup(name, tuple(t.name for t in types)),))
