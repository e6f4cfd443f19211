"""Value checks shared by every setting: service targets, wfm.toml keys, scenarios, options.

Each check returns the value as a plain Python number or raises :class:`InputError` whose
message starts with ``name`` (a parameter name such as ``sl_target``, or a place such as
``wfm.toml: key 'targets.sl_target'``) and, for a share written as a percentage, says so
once: ``got 80 (80% is 0.8)``.
"""

from __future__ import annotations

import math
from typing import Any

from wfmcore.errors import InputError

#: share kinds -> (lower bound included, upper bound included, text of the interval)
SHARE_BOUNDS = {
    "share": (False, False, "(0, 1)"),
    "share0": (True, False, "[0, 1)"),
    "share1": (False, True, "(0, 1]"),
    "share01": (True, True, "[0, 1]"),
}


def _fail(name: str, text: str):
    raise InputError(f"{name} {text}", param=name if name.isidentifier() else None)


def percent_hint(value: float) -> str:
    """' (80% is 0.8)' for a share written as a percentage, else ''."""
    return f" ({value:g}% is {value / 100:g})" if 1 < value <= 100 else ""


def number(value: Any, name: str) -> float:
    """A finite real number (not a bool, not text) as a float."""
    if isinstance(value, bool | str):
        _fail(name, f"must be a number; got {value!r}")
    try:
        out = float(value)
    except (TypeError, ValueError):
        _fail(name, f"must be a number; got {value!r}")
    if math.isnan(out):
        _fail(name, "must be a number; got NaN")
    if math.isinf(out):
        _fail(name, f"must be a finite number; got {value!r}")
    return out


def share(value: Any, name: str, kind: str = "share0", note: str = "") -> float:
    """A share in the interval of ``kind`` (see :data:`SHARE_BOUNDS`); ``note`` follows the
    interval in the message, e.g. ' (0 = no target)'."""
    v = number(value, name)
    low_in, high_in, text = SHARE_BOUNDS[kind]
    ok = (v >= 0 if low_in else v > 0) and (v <= 1 if high_in else v < 1)
    if not ok:
        _fail(name, f"must be a share in {text}{note}; got {v:g}{percent_hint(v)}")
    return v


def seconds(value: Any, name: str, *, allow_zero: bool = False) -> float:
    """A duration in seconds: > 0 (or >= 0 with ``allow_zero``)."""
    v = number(value, name)
    if v < 0 or (v == 0 and not allow_zero):
        _fail(name, f"must be {'>=' if allow_zero else '>'} 0 seconds; got {v:g}")
    return v


def positive(value: Any, name: str) -> float:
    """A number > 0."""
    v = number(value, name)
    if v <= 0:
        _fail(name, f"must be > 0; got {v:g}")
    return v


def whole(value: Any, name: str, minimum: int = 0) -> int:
    """A whole number >= ``minimum``."""
    v = number(value, name)
    if v != int(v) or v < minimum:
        _fail(name, f"must be a whole number >= {minimum}; got {v:g}")
    return int(v)


def seconds_list(value: Any, name: str) -> tuple[float, ...]:
    """A non-empty list of durations > 0 seconds, as a tuple."""
    if isinstance(value, str | bytes) or not hasattr(value, "__iter__"):
        _fail(name, f"must be a list of seconds, e.g. [180, 210, 240]; got {value!r}")
    out = tuple(value)
    if not out:
        _fail(name, "must list at least one handle time, seconds")
    return tuple(seconds(v, f"{name}[{i}]") for i, v in enumerate(out))


def text(value: Any, name: str, choices: tuple[str, ...] | None = None) -> str:
    """Text, one of ``choices`` when given."""
    if not isinstance(value, str):
        _fail(name, f"must be text (in quotes); got {value!r}")
    if choices is not None and value not in choices:
        _fail(name, f"must be one of {', '.join(choices)}; got {value!r}")
    return value


def check(kind: str, value: Any, name: str, **kw) -> Any:
    """Dispatch on a kind name: share, share0, share1, seconds, seconds0, seconds_list,
    positive, count, count1, text, bool."""
    if kind in SHARE_BOUNDS:
        return share(value, name, kind, **kw)
    if kind == "seconds":
        return seconds(value, name)
    if kind == "seconds0":
        return seconds(value, name, allow_zero=True)
    if kind == "positive":
        return positive(value, name)
    if kind == "count":
        return whole(value, name)
    if kind == "count1":
        return whole(value, name, minimum=1)
    if kind == "seconds_list":
        return seconds_list(value, name)
    if kind == "text":
        return text(value, name, **kw)
    if kind == "bool":
        if not isinstance(value, bool):
            _fail(name, f"must be true or false; got {value!r}")
        return value
    raise ValueError(f"unknown kind {kind!r}")
