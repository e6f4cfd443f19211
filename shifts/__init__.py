"""Shift scheduling: required agents per interval -> cost-optimal shifts with breaks.

Public API::

    rules = shifts.load_rules("rules.toml")          # or shifts.Rules() for the defaults
    result = shifts.schedule(requirements_frame, rules, time_limit_s=60, gap=0.005)
    shifts.write_outputs(result, "out/")              # shifts.csv, coverage.csv, .png, .xlsx
"""

from shifts.model import DayProblem, DaySolution, solve_day, solve_days
from shifts.report import summary_lines, write_outputs
from shifts.requirements import check_requirements, read_requirements
from shifts.rules import (
    DEFAULT_RULES,
    EXAMPLE_RULES_TOML,
    BreakRule,
    Rules,
    ShiftType,
    load_rules,
    rules_from_dict,
    write_example_rules,
)
from shifts.schedule import ScheduleResult, schedule

__all__ = [
    "DEFAULT_RULES", "EXAMPLE_RULES_TOML", "BreakRule", "DayProblem", "DaySolution", "Rules",
    "ScheduleResult", "ShiftType", "check_requirements", "load_rules", "read_requirements",
    "rules_from_dict", "schedule", "solve_day", "solve_days", "summary_lines",
    "write_example_rules", "write_outputs",
]
