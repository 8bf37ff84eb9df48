"""The durable_rules engine against the independent plain-Python oracle, on random fact sets, for
every pack (the bundled ones and the test packs)."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checker.rules.condition import leaves
from checker.engine.durable import Engine, compile_truth
from checker.engine.oracle import reference_statuses
from conftest import RULES, TEST_PACKS, TPI_PACK, engine_at, every_pack, rules_at

_RULES = rules_at(RULES)
_PACK = next(p for p in _RULES.packs if p.id == TPI_PACK)
PACKS = [pytest.param(d, p, id=p.id) for d, p in every_pack()]
ESI3 = TEST_PACKS / "esi3"


def _constants(pack, name):
    out = set()
    for c in pack.criteria:
        for cond in filter(None, (c.condition, c.applies_when)):
            out |= {leaf.value for leaf in leaves(cond) if leaf.fact == name and not isinstance(leaf.value, tuple)}
    return out


def _value_strategy(pack, name, spec):
    if spec.type == "bool":
        return st.booleans()
    if spec.type == "enum":
        return st.sampled_from(spec.values)
    lo = spec.min if spec.min is not None else 0
    hi = spec.max if spec.max is not None else 10_000
    near = sorted({v + d for v in _constants(pack, name) for d in (-1, -0.5, 0, 0.5, 1) if lo <= v + d <= hi})
    if spec.type == "int":
        return st.one_of(st.sampled_from([int(v) for v in near if float(v).is_integer()] or [lo]),
                         st.integers(int(lo), int(hi)))
    # numbers reach the engine rounded to 4 decimals by the fact validator (checker.rules.facts.coerce)
    floats = st.floats(lo, hi, allow_nan=False).map(lambda v: round(v, 4))
    return st.one_of(st.sampled_from(near or [lo]), floats, st.integers(int(lo), int(hi)))


def _factsets(rules_dir, pack):
    """Every scalar fact the engine sees, each one either absent or a typed value."""
    scalars = {n: s for n, s in rules_at(rules_dir).vocabulary.facts.items() if s.type in ("bool", "int", "number", "enum")}
    return st.fixed_dictionaries({}, optional={n: _value_strategy(pack, n, s) for n, s in sorted(scalars.items())})


@settings(max_examples=6000, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
@given(data=st.data())
@pytest.mark.parametrize("rules_dir,pack", PACKS)
def test_engine_agrees_with_oracle(rules_dir, pack, data):
    values = data.draw(_factsets(rules_dir, pack))
    assert engine_at(rules_dir).statuses(pack.id, values) == reference_statuses(pack, values)


@pytest.mark.parametrize("rules_dir,pack", PACKS)
def test_empty_case_never_crashes_a_fresh_engine(rules_dir, pack):
    # the first case of a fresh engine matching no criterion's rule once crashed the process while
    # its session was deleted: run it in a child process, so that a crash fails this test alone
    code = ("import sys; from checker.engine.durable import Engine; from checker.rules.rulepack import load_rules; "
            "r = load_rules(sys.argv[1]); e = Engine(r.packs); "
            "print(sorted(e.statuses(sys.argv[2], {}).items()))")
    run = subprocess.run([sys.executable, "-c", code, str(rules_dir), pack.id], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == str(sorted(reference_statuses(pack, {}).items()))


def test_test_pack_has_no_rule_firing_on_an_empty_case():
    # the shape of pack the crash needed: with nothing documented, every criterion is not documented
    pack = rules_at(ESI3).packs[0]
    assert set(reference_statuses(pack, {}).values()) == {"not_documented"}


def test_sessions_of_unmatched_cases_are_deleted_too():
    engine = Engine(rules_at(ESI3).packs)
    for i in range(3000):
        assert engine.statuses("test-esi3", {} if i % 2 else {"radiculopathy_exam": True}) == dict.fromkeys(
            ("ESI-1", "ESI-2", "ESI-3"), "not_documented")
    assert engine.statuses("test-esi3", {"injection_count": 3})["ESI-3"] == "not_met"


def test_evaluate_an_empty_case_of_the_test_pack():
    run = subprocess.run([sys.executable, "-m", "checker.interfaces.cli", "evaluate", "--format", "json", "--rules", str(ESI3),
                          str(ESI3 / "empty.case.yaml")], capture_output=True, text=True, timeout=120)
    assert run.returncode == 1, run.stderr   # a non-certify recommendation
    case = json.loads(run.stdout)["cases"][0]
    assert (case["decision"], {c["id"]: c["status"] for c in case["criteria"]}) == (
        "non-certify", dict.fromkeys(("ESI-1", "ESI-2", "ESI-3"), "not_documented"))


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
    from checker.engine.durable import EngineError
    with pytest.raises(EngineError, match="round it first"):
        engine.statuses(_PACK.id, {"prior_relief_percent": 5e-324})
    assert engine.statuses(_PACK.id, {"injection_count": 2})["TPI-5"] == "met"  # still usable


def test_compiled_leaf_handles_missing_facts_explicitly():
    leaf = next(leaves(_PACK.criterion("TPI-4").condition))
    # an exclusion leaf counts a missing fact as satisfied: its TRUE form must accept absence
    assert compile_truth(leaf, "T") == {"$or": [{"radiculopathy_diagnosed": False}, {"$nex": {"radiculopathy_diagnosed": 1}}]}
    assert compile_truth(leaf, "F") == {"$neq": {"radiculopathy_diagnosed": False}}
