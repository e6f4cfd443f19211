"""The skills model (erlang/skills.py): matrices and one-line errors.

Expected matrices are written out by hand from the definitions in the module docstring.
"""

import numpy as np
import pytest

from erlang.skills import AgentGroup, CallType, SkillsModel, fully_pooled, single_skill
from wfmcore.errors import InputError

EN = CallType("en", 300, patience_s=120)
ES = CallType("es", 240, sl_target=0.9, sl_threshold_s=30)


def test_matrices_follow_the_skill_lists():
    m = SkillsModel((EN, ES), (AgentGroup("EN", ("en",)),
                               AgentGroup("BI", ("es", "en"), aht_factor={"en": 1.1},
                                          overflow_delay_s={"en": 15})))
    # rank: EN's primary is en; BI's primary es, second en
    np.testing.assert_array_equal(m.rank, [[0, -1], [1, 0]])
    np.testing.assert_array_equal(m.can_serve, [[True, False], [True, True]])
    # aht: 300 s for en, x1.1 for BI's en = 330 s; BI's es 240 s
    np.testing.assert_allclose(m.aht_s, [[300, np.nan], [330, 240]])
    np.testing.assert_allclose(m.delay_s, [[0, np.nan], [15, 0]])
    np.testing.assert_array_equal(m.patience_s, [120, np.inf])
    assert m.type_names == ["en", "es"] and m.group_names == ["EN", "BI"]


def test_reference_designs():
    s = single_skill((EN, ES))
    np.testing.assert_array_equal(s.rank, [[0, -1], [-1, 0]])
    p = fully_pooled((EN, ES))
    np.testing.assert_array_equal(p.rank, [[0, 1]])


def test_demand_and_agents_are_checked():
    m = single_skill((EN, ES))
    assert m.check_calls([10, 5]).shape == (1, 2)
    assert m.check_agents([[3, 2], [4, 1]]).dtype == np.int64
    with pytest.raises(InputError, match="one column per call type"):
        m.check_calls([[1, 2, 3]])
    with pytest.raises(InputError, match=r"agents\[0, 1\] must be a finite number >= 0"):
        m.check_agents([[3, -1]])
    with pytest.raises(InputError, match="whole numbers"):
        m.check_agents([[3, 1.5]])


@pytest.mark.parametrize("build, message", [
    (lambda: CallType("x", 0), "x: aht_s must be a positive"),
    (lambda: CallType("x", 300, patience_s=-5), "x: patience_s must be a positive"),
    (lambda: CallType("x", 300, sl_target=1.5), "sl_target"),
    (lambda: AgentGroup("g", ()), "at least one call type"),
    (lambda: AgentGroup("g", ("en", "en")), "listed twice"),
    (lambda: AgentGroup("g", ("en",), aht_factor={"es": 1.2}), "not one of its skills"),
    (lambda: AgentGroup("g", ("en",), aht_factor={"en": 0}), "aht_factor"),
    (lambda: SkillsModel((EN,), (AgentGroup("g", ("fr",)),)), "'fr' is not a call type"),
    (lambda: SkillsModel((EN, ES), (AgentGroup("g", ("en",)),)), "'es' has no group"),
    (lambda: SkillsModel((EN, EN), (AgentGroup("g", ("en",)),)), "defined twice"),
])
def test_bad_models_are_one_line_errors(build, message):
    with pytest.raises(InputError, match=message) as err:
        build()
    assert "\n" not in str(err.value)
