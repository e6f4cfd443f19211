"""Settings: the wfm.toml, the option objects of the stages, the target vocabulary, and the
shift rules of a plan (the command line takes them all from here)."""

from __future__ import annotations

from pathlib import Path

import shifts
from forecast import ForecastOptions
from shifts import ScheduleOptions
from wfmcore.config import Config, load_config, write_example_config
from wfmcore.readoptions import ReadOptions
from wfmcore.targets import TARGET_FIELDS, ServiceTarget


def shift_rules(config: Config | None = None, rules_path: Path | str | None = None
                ) -> shifts.Rules | None:
    """The rules file if given, else the ``[shifts]`` table of ``config``, else None (the
    built-in defaults)."""
    if rules_path is not None:
        return shifts.load_rules(rules_path)
    if config is not None and config.shifts:
        return shifts.rules_from_dict(config.shifts, source=f"{config.path}: [shifts]")
    return None


def load_settings(config_path: Path | str | None = None) -> Config:
    """The validated wfm.toml, or the built-in defaults without one."""
    return load_config(config_path) if config_path is not None else Config()


def read_options(config: Config | None = None, **given) -> ReadOptions:
    """How to read history: options given here (None = not given; the command-line flags)
    over the ``[input]`` table of ``config``. ``sheet`` given as digits is a sheet number."""
    values = dict(config.input) if config is not None else {}
    values.update({k: v for k, v in given.items() if v is not None})
    sheet = values.get("sheet")
    if isinstance(sheet, str) and sheet.strip().isdigit():
        values["sheet"] = int(sheet)
    return ReadOptions(**values)


def write_example_rules(path: Path | str) -> Path:
    """The commented example rules file (the built-in defaults), see :mod:`shifts.rules`."""
    return shifts.write_example_rules(path)


__all__ = ["TARGET_FIELDS", "Config", "ForecastOptions", "ReadOptions", "ScheduleOptions",
           "ServiceTarget", "load_settings", "read_options", "shift_rules",
           "write_example_config", "write_example_rules"]
