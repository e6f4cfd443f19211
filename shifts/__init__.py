"""Shift scheduling: required agents per interval -> cost-optimal shifts with breaks.

Public API::

    rules = shifts.load_rules("rules.toml")          # or shifts.Rules() for the defaults
    result = shifts.schedule(requirements_frame, rules, time_limit_s=60, gap=0.005)
    shifts.write_outputs(result, "out/")              # shifts.csv, coverage.csv, .png, .xlsx
    # named agents: shifts.schedule(..., roster=shifts.read_roster("agents.csv"))
"""

from shifts.model import DayProblem, DaySolution, solve_day, solve_days
from shifts.report import summary_lines, write_outputs
from shifts.requirements import check_requirements, read_requirements
from shifts.roster import RosterFile, assign, check_roster, read_roster, shortfall_lines
from shifts.rules import (
    DEFAULT_RULES,
    EXAMPLE_RULES_TOML,
    BreakRule,
    Contract,
    Rules,
    ShiftType,
    Tours,
    default_rules,
    load_rules,
    rules_from_dict,
    write_example_rules,
)
from shifts.schedule import ScheduleOptions, ScheduleResult, schedule

__all__ = [
    "DEFAULT_RULES", "EXAMPLE_RULES_TOML", "BreakRule", "Contract", "DayProblem", "DaySolution",
    "RosterFile", "Rules", "ScheduleOptions", "ScheduleResult", "ShiftType", "Tours",
    "assign", "check_requirements", "check_roster",
    "load_rules", "read_requirements", "read_roster", "rules_from_dict", "schedule",
    "default_rules", "shortfall_lines", "solve_day", "solve_days", "summary_lines",
    "write_example_rules", "write_outputs",
]
