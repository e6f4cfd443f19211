"""Rules: built-in defaults (issue 4), TOML round trip, and one-line errors naming the key."""

import tomllib

import pytest

from shifts import DEFAULT_RULES, EXAMPLE_RULES_TOML, Rules, load_rules, rules_from_dict, write_example_rules
from wfmcore import InputError


def test_defaults_are_the_issue_defaults():
    # Issue 4, "built-in defaults": starts every 15 min; 4 h (one 15-min paid break), 6 h (one
    # paid break + 30-min unpaid lunch), 8 h paid (two paid breaks + 60-min unpaid lunch);
    # each break window +/-30 min; opening hours from the requirement file.
    r = Rules()
    assert r.start_step_min == 15
    assert r.opening is None
    got = {t.name: (t.paid_min, t.span_min,
                    [(b.duration_min, b.paid, b.window_min) for b in t.breaks])
           for t in r.shift_types}
    assert got == {
        "4h": (240, 240, [(15, True, 30)]),
        "6h": (360, 390, [(15, True, 30), (30, False, 30)]),
        "8h": (480, 540, [(15, True, 30), (60, False, 30), (15, True, 30)]),
    }


def test_example_toml_loads_back_to_defaults(tmp_path):
    # --init-rules writes the built-in rules of the commands: the shift types and contracts
    path = write_example_rules(tmp_path / "rules.toml")
    assert load_rules(path) == DEFAULT_RULES
    assert "#" in path.read_text()          # it is commented
    assert rules_from_dict(tomllib.loads(EXAMPLE_RULES_TOML)) == DEFAULT_RULES
    assert DEFAULT_RULES.shift_types == Rules().shift_types


def test_opening_hours_parsed(tmp_path):
    text = EXAMPLE_RULES_TOML.replace("# [opening]", "[opening]").replace(
        '# mon = "07:00-21:15"', 'mon = "07:00-21:15"').replace('# sat = "closed"',
                                                                 'sat = "closed"')
    p = tmp_path / "r.toml"
    p.write_text(text)
    r = load_rules(p)
    assert r.opening["mon"] == (420, 1275)
    assert r.opening["sat"] is None and r.opening["tue"] is None   # left out = closed


def _with(old, new):
    assert old in EXAMPLE_RULES_TOML
    return EXAMPLE_RULES_TOML.replace(old, new, 1)


BAD = [
    ("unknown-top", "start_step_minutes = 15\n" + EXAMPLE_RULES_TOML, "start_step_minutes"),
    ("unknown-shift-key", _with('name = "4h"', 'name = "4h"\nlength = 3'), "'length'"),
    ("negative-paid", _with("paid_min = 240", "paid_min = -5"), "paid_min"),
    ("text-duration", _with("duration_min = 15", 'duration_min = "15"'), "duration_min"),
    ("window-before-start", _with("nominal_start_min = 120\nwindow_min = 30",
                                  "nominal_start_min = 20\nwindow_min = 30"), "window_min"),
    ("lunch-outside-shift", _with("nominal_start_min = 210", "nominal_start_min = 380"),
     "lunch"),
    ("overlapping-windows", _with("nominal_start_min = 240", "nominal_start_min = 150"),
     "overlaps"),
    ("share-not-a-share", _with("cost_weight = 1.0\n# max_share",
                                "cost_weight = 1.0\nmax_share_of_paid_hours = 30\n#"),
     "max_share_of_paid_hours"),
    ("zero-cost", _with("cost_weight = 1.0", "cost_weight = 0"), "cost_weight"),
    ("bad-step", _with("start_step_min = 15", "start_step_min = 7"), "start_step_min"),
    ("bad-opening", _with('# [opening]\n# mon = "07:00-21:15"', '[opening]\nmon = "7-21"'),
     "'mon'"),
    ("missing-paid", _with("paid_min = 240\n", ""), "'paid_min'"),
    ("not-toml", "start_step_min = = 3", "not valid TOML"),
]


@pytest.mark.parametrize(("text", "key"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_rules_name_the_key(tmp_path, text, key):
    p = tmp_path / "rules.toml"
    p.write_text(text)
    with pytest.raises(InputError, match=key) as e:
        load_rules(p)
    msg = str(e.value)
    assert str(p) in msg and "\n" not in msg


def test_shift_longer_than_opening():
    # issue 4 tests: "a shift longer than opening hours" -> InputError
    with pytest.raises(InputError, match="'8h' spans 9:00 .* longest opening"):
        Rules(opening={"mon": (8 * 60, 16 * 60)})


def test_contradictory_limits():
    # issue 4 tests: "contradictory limits": shares of all types add up to < 1
    base = Rules().shift_types
    from dataclasses import replace
    types = tuple(replace(t, max_share_of_paid_hours=0.3) for t in base)
    with pytest.raises(InputError, match="contradictory limits"):
        Rules(shift_types=types)


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="not found"):
        load_rules(tmp_path / "nope.toml")


def test_init_rules_keeps_an_existing_file(tmp_path):
    p = tmp_path / "rules.toml"
    p.write_text("mine")
    with pytest.raises(InputError, match="already exists"):
        write_example_rules(p)
    assert p.read_text() == "mine"
