"""``wfm schedule`` as a file-in, folder-out call."""

from __future__ import annotations

from pathlib import Path

import shifts
from shifts import summary_lines
from shifts.report import under_covered_lines
from wfmcore.targets import ServiceTarget


def schedule_file(requirements: Path, out: Path, *, rules: Path | None = None,
                  roster: Path | None = None, options: shifts.ScheduleOptions | None = None,
                  target: ServiceTarget | None = None, progress=None
                  ) -> tuple[shifts.ScheduleResult, list[Path]]:
    """Schedule a requirements file (:func:`shifts.schedule`, ``progress`` its callback of
    the repair) and write shifts.csv, coverage.csv, coverage.png, schedule.xlsx (and
    tours.csv / fairness.csv) into ``out``."""
    rule_set = shifts.load_rules(rules) if rules is not None else DEFAULT_RULES
    agents = shifts.read_roster(roster) if roster is not None else None
    result = shifts.schedule(shifts.read_requirements(requirements), rule_set, options,
                             target=target, roster=agents, source=str(requirements),
                             progress=progress)
    inputs = [requirements] + [p for p in (rules, roster) if p is not None]
    return result, shifts.write_outputs(result, out, inputs=inputs)

#: the rules without a rules file (contracts: full-time 5 x 8 h, part-time 4-6 h)
DEFAULT_RULES = shifts.DEFAULT_RULES


def roster_shortfall_lines(fairness, show: int = 10) -> list[str]:
    """The agents of a roster outside their contract, one line each with the reason
    (:func:`shifts.shortfall_lines`), at most ``show`` of them and a count of the rest."""
    if fairness is None:
        return []
    lines = shifts.shortfall_lines(fairness)
    more = ([f"... and {len(lines) - show} more agents short (fairness.csv)"]
            if len(lines) > show else [])
    return [f"short of contract: {line}" for line in lines[:show]] + more


__all__ = ["DEFAULT_RULES", "roster_shortfall_lines", "schedule_file", "summary_lines",
           "under_covered_lines"]
