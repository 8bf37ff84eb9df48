"""Rules are data: changing a threshold in a copy of the YAML changes the outcome."""
from __future__ import annotations

import shutil

from checker.decision.decide import evaluate_facts
from checker.engine.durable import Engine
from checker.rules.facts import build_factset
from checker.engine.oracle import reference_statuses
from checker.rules.rulepack import load_rules
from conftest import RULES, TPI_FILE, TPI_PACK

PACK_FILE = TPI_FILE


def _copy_with(tmp_path, old, new):
    shutil.copytree(RULES, tmp_path / "rules")
    path = tmp_path / "rules" / PACK_FILE
    text = path.read_text()
    assert text.count(old) == 1, f"expected exactly one '{old}' in the rule file"
    path.write_text(text.replace(old, new))
    return load_rules(tmp_path / "rules")


def _status(rules, cid, raw):
    facts, errors = build_factset({"treatment": "trigger_point_injection", **raw}, rules.vocabulary)
    assert errors == []
    d = evaluate_facts(facts, rules, Engine(rules.packs).statuses)
    return next(r.status for r in d.results if r.criterion.id == cid)


def test_raising_the_injection_ceiling_changes_the_outcome(tmp_path):
    bundled = load_rules(RULES)
    assert _status(bundled, "TPI-5", {"injection_count": 6}) == "not_met"
    changed = _copy_with(tmp_path, "condition: {fact: injection_count, lte: 4}", "condition: {fact: injection_count, lte: 6}")
    assert _status(changed, "TPI-5", {"injection_count": 6}) == "met"
    assert _status(changed, "TPI-5", {"injection_count": 7}) == "not_met"


def test_moving_the_relief_threshold_changes_the_outcome(tmp_path):
    raw = {"repeat_request": True, "prior_relief_percent": 60, "prior_relief_weeks": 8, "functional_improvement": True}
    assert _status(load_rules(RULES), "TPI-6", raw) == "met"
    changed = _copy_with(tmp_path, "{fact: prior_relief_percent, gt: 50}", "{fact: prior_relief_percent, gt: 75}")
    assert _status(changed, "TPI-6", raw) == "not_met"


def test_changed_rules_keep_engine_and_oracle_in_step(tmp_path):
    changed = _copy_with(tmp_path, "condition: {fact: symptom_duration_days, gt: 90}", "condition: {fact: symptom_duration_days, gte: 180}")
    pack = next(p for p in changed.packs if p.id == TPI_PACK)
    engine = Engine(changed.packs)
    for days in (90, 91, 179, 180, 181):
        values = {"symptom_duration_days": days}
        assert engine.statuses(pack.id, values) == reference_statuses(pack, values)
        assert engine.statuses(pack.id, values)["TPI-2"] == ("met" if days >= 180 else "not_met")
