"""The durable_rules engine against the independent plain-Python oracle, on random fact sets."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checker.condition import leaves
from checker.engine import Engine, compile_truth
from checker.oracle import reference_statuses
from checker.rulepack import load_rules
from conftest import RULES

_RULES = load_rules(RULES)
_PACK = _RULES.packs[0]
_VOCAB = _RULES.vocabulary


def _constants(name):
    out = set()
    for c in _PACK.criteria:
        for cond in filter(None, (c.condition, c.applies_when)):
            out |= {leaf.value for leaf in leaves(cond) if leaf.fact == name and not isinstance(leaf.value, tuple)}
    return out


def _value_strategy(name, spec):
    if spec.type == "bool":
        return st.booleans()
    if spec.type == "enum":
        return st.sampled_from(spec.values)
    lo = spec.min if spec.min is not None else 0
    hi = spec.max if spec.max is not None else 10_000
    near = sorted({v + d for v in _constants(name) for d in (-1, -0.5, 0, 0.5, 1) if lo <= v + d <= hi})
    if spec.type == "int":
        return st.one_of(st.sampled_from([int(v) for v in near if float(v).is_integer()] or [lo]),
                         st.integers(int(lo), int(hi)))
    # numbers reach the engine rounded to 4 decimals by the fact validator (checker.facts.coerce)
    floats = st.floats(lo, hi, allow_nan=False).map(lambda v: round(v, 4))
    return st.one_of(st.sampled_from(near or [lo]), floats, st.integers(int(lo), int(hi)))


# every scalar fact the engine sees: each one either absent or a typed value
_SCALARS = {n: s for n, s in _VOCAB.facts.items() if s.type in ("bool", "int", "number", "enum")}
FACTSETS = st.fixed_dictionaries({}, optional={n: _value_strategy(n, s) for n, s in sorted(_SCALARS.items())})


@settings(max_examples=6000, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
@given(FACTSETS)
def test_engine_agrees_with_oracle(engine, values):
    assert engine.statuses(_PACK.id, values) == reference_statuses(_PACK, values)


def test_sessions_are_deleted_after_each_evaluation(engine):
    # durable keeps at most 1024 live sessions per ruleset; leaking one per case would fail here
    for i in range(3000):
        engine.statuses(_PACK.id, {"injection_count": 1 + i % 9})
    assert engine.statuses(_PACK.id, {"injection_count": 5})["TPI-5"] == "not_met"


def test_two_engines_do_not_share_rulesets():
    first, second = Engine(_RULES.packs), Engine(_RULES.packs)
    assert first.statuses(_PACK.id, {"fibromyalgia": True})["TPI-FM"] == "not_met"
    assert second.statuses(_PACK.id, {"fibromyalgia": False})["TPI-FM"] == "met"


def test_numbers_the_engine_cannot_read_are_refused(engine):
    import pytest
    from checker.engine import EngineError
    with pytest.raises(EngineError, match="round it first"):
        engine.statuses(_PACK.id, {"prior_relief_percent": 5e-324})
    assert engine.statuses(_PACK.id, {"injection_count": 2})["TPI-5"] == "met"  # still usable


def test_compiled_leaf_handles_missing_facts_explicitly():
    leaf = next(leaves(_PACK.criterion("TPI-4").condition))
    # an exclusion leaf counts a missing fact as satisfied: its TRUE form must accept absence
    assert compile_truth(leaf, "T") == {"$or": [{"radiculopathy_diagnosed": False}, {"$nex": {"radiculopathy_diagnosed": 1}}]}
    assert compile_truth(leaf, "F") == {"$neq": {"radiculopathy_diagnosed": False}}
