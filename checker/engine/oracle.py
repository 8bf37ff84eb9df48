"""Criterion statuses computed directly from the condition trees, without durable_rules.

This is the test oracle for the engine (the two share no code beyond the parsed rules) and a
fast evaluator for counterfactual searches over many variants of one request.
"""
from __future__ import annotations

from typing import Any

from checker.rules.condition import evaluate
from checker.rules.rulepack import RulePack

STATUS_OF = {True: "met", False: "not_met", None: "not_documented"}


def reference_statuses(pack: RulePack, values: dict[str, Any]) -> dict[str, str]:
    out = {}
    for c in pack.criteria:
        if c.applies_when is not None and evaluate(c.applies_when, values) is False:
            out[c.id] = "not_applicable"
        else:
            out[c.id] = STATUS_OF[evaluate(c.condition, values)]
    return out
