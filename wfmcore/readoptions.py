"""How to read an interval history: :class:`ReadOptions`, checked once, in one place.

Every command that reads history (forecast, backtest, plan, kpis, whatif --from-history,
import) takes the same options; the command line has one flag per field and ``wfm.toml`` the
same keys under ``[input]``. A bad value is an :class:`~wfmcore.errors.InputError` whose
``param`` names the field (the command line turns it into the flag).
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass, field

from wfmcore import layouts
from wfmcore import schema as S
from wfmcore.errors import InputError

#: the columns ``filter`` may select on
FILTER_COLUMNS = (S.QUEUE, S.CHANNEL)


def check_tz(tz: str, param: str = "tz") -> zoneinfo.ZoneInfo:
    """The zone named ``tz``; an InputError (``param``) if it is not an IANA name."""
    try:
        return zoneinfo.ZoneInfo(str(tz))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError):
        raise InputError(f"{param} must be an IANA time-zone name such as 'America/New_York'; "
                         f"got {tz!r}", param=param) from None


def _pairs(text: str, param: str, example: str) -> list[tuple[str, str]]:
    """'a=b, c=d' -> [('a', 'b'), ('c', 'd')]; keys normalised, values stripped."""
    out = []
    for part in str(text).split(","):
        if not part.strip():
            continue
        key, sep, value = part.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise InputError(f"{param} must look like {example!r}; got {text!r}", param=param)
        out.append((S.normalise_name(key), value.strip()))
    return out


def parse_columns(columns: Mapping[str, str] | str | None) -> dict[str, str]:
    """``columns`` ('offered=Calls In,queue=Skill' or {'offered': 'Calls In'}: wfm column ->
    file header) as {file header: wfm column}, every wfm column checked."""
    if columns is None:
        return {}
    pairs = _pairs(columns, "columns", "offered=Calls In,queue=Skill") \
        if isinstance(columns, str) else [(S.normalise_name(k), str(v).strip())
                                          for k, v in dict(columns).items()]
    out: dict[str, str] = {}
    for target, header in pairs:
        if target not in layouts.TARGETS:
            raise InputError(f"columns: {target!r} is not a wfm column; use one of "
                             f"{', '.join(sorted(layouts.TARGETS))}", param="columns")
        if header in out:
            raise InputError(f"columns: file column {header!r} is mapped twice", param="columns")
        out[header] = target
    targets = list(out.values())
    for t in set(targets):
        if targets.count(t) > 1:
            raise InputError(f"columns: {t!r} is given more than once", param="columns")
    return out


def parse_filter(spec: Mapping[str, str] | str | None) -> dict[str, tuple[str, ...]]:
    """``filter`` ('channel=voice' or 'queue=Sales|Service,channel=voice') as {column:
    accepted values in lower case}."""
    if spec is None:
        return {}
    pairs = _pairs(spec, "filter", "channel=voice") if isinstance(spec, str) else \
        [(S.normalise_name(k), str(v)) for k, v in dict(spec).items()]
    out: dict[str, tuple[str, ...]] = {}
    for col, value in pairs:
        if col not in FILTER_COLUMNS:
            raise InputError(f"filter: column {col!r} cannot be filtered on; use "
                             f"{' or '.join(FILTER_COLUMNS)}", param="filter")
        values = tuple(v.strip().lower() for v in value.split("|") if v.strip())
        if col == S.CHANNEL:
            values = tuple(S.CHANNELS.get(S.normalise_name(v), v) for v in values)
        out[col] = out.get(col, ()) + values
    return out


@dataclass(frozen=True, kw_only=True)
class ReadOptions:
    """How to read a history file; every field is checked when the object is made.

    tz : the centre's IANA time zone ('Europe/Paris'). Timestamps with UTC offsets or 'Z'
        are converted to it (a file with offsets and no ``tz`` is refused); naive timestamps
        are site-local in it, daylight-saving days understood (``utc_offset_min`` in the
        output).
    input_tz : the zone of naive timestamps that are not site-local (e.g. 'UTC'); they are
        converted to ``tz`` (needed with it).
    columns : wfm column -> file header, as 'offered=Calls In,queue=Skill' or a mapping;
        wins over the layouts. ``column_map`` is the same the other way round (file header
        -> wfm column), as library calls have always passed it.
    date_format : strftime format of the dates ('%d/%m/%Y'): needed when every day of a file
        is 12 or less, so day-first and month-first cannot be told apart.
    sheet : the Excel sheet (name or 0-based number); default: the sheet that holds data.
    filter : keep only these rows: 'channel=voice', 'queue=Sales|Service' ('|' = or).
    layout : force one layout of :data:`wfmcore.layouts.LAYOUTS` by name (default: detected
        from the header).
    """

    tz: str | None = None
    input_tz: str | None = None
    columns: Mapping[str, str] | str | None = None
    column_map: Mapping[str, str] | None = None
    date_format: str | None = None
    sheet: str | int | None = None
    filter: Mapping[str, str] | str | None = None
    layout: str | None = None
    _map: dict = field(init=False, repr=False, compare=False)
    _filter: dict = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        if self.tz is not None:
            check_tz(self.tz, "tz")
        if self.input_tz is not None:
            check_tz(self.input_tz, "input_tz")
            if self.tz is None:
                raise InputError("input_tz needs tz: the centre's time zone to convert the "
                                 "timestamps to", param="tz")
        mapping = parse_columns(self.columns)
        for header, target in (self.column_map or {}).items():
            if target not in layouts.TARGETS:
                raise InputError(f"column_map target {target!r} is not one of "
                                 f"{', '.join(sorted(layouts.TARGETS))}", param="column_map")
            mapping.setdefault(str(header), target)
        object.__setattr__(self, "_map", mapping)
        object.__setattr__(self, "_filter", parse_filter(self.filter))
        if self.date_format is not None and "%" not in str(self.date_format):
            raise InputError(f"date_format must be a strftime format such as '%d/%m/%Y'; got "
                             f"{self.date_format!r}", param="date_format")
        if self.layout is not None:
            layouts.layout_named(self.layout)
        if self.sheet is not None and not isinstance(self.sheet, str | int):
            raise InputError(f"sheet must be a sheet name or number; got {self.sheet!r}",
                             param="sheet")

    @property
    def header_map(self) -> dict[str, str]:
        """File header -> wfm column, from ``columns`` and ``column_map``."""
        return dict(self._map)

    @property
    def row_filter(self) -> dict[str, tuple[str, ...]]:
        """Column -> accepted values (lower case), from ``filter``."""
        return dict(self._filter)


def merge(options: ReadOptions | None, **legacy) -> ReadOptions:
    """``options`` with the older keyword arguments of the readers put in (``column_map``,
    ``sheet``, ``tz``; None = not given). A keyword that contradicts ``options`` is an
    error naming it."""
    options = options or ReadOptions()
    given = {k: v for k, v in legacy.items() if v is not None}
    if not given:
        return options
    kw = {f: getattr(options, f) for f in ("tz", "input_tz", "columns", "column_map",
                                          "date_format", "sheet", "filter", "layout")}
    for key, value in given.items():
        if kw[key] is not None and kw[key] != value:
            raise InputError(f"{key} is {value!r} but the read options say {kw[key]!r}; give "
                             "it once", param=key)
        kw[key] = value
    return ReadOptions(**kw)
