"""The page's work as plain functions: what a worker process runs for one request (see webwork.py),
and the rule set's checklist the page shows. Nothing here touches the event loop or the web framework."""
from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from checker.core.errors import CheckerError
from checker.rules.rulepack import ROUTING_FACT


@lru_cache(maxsize=1)
def tools(rules_dir: str):
    from checker.app import build

    kit = build(rules_dir)
    return kit.rules, kit.checker, kit.auditor


def letter_work(rules_dir: str, kind: str, data: Any, name: str) -> dict[str, Any]:
    """A letter checked and audited: its JSON, the text the offsets refer to, and its name."""
    from checker.evaluation.report import audit_json
    from checker.reading.source import read_bytes, read_text

    rules, checker, auditor = tools(rules_dir)
    source = read_bytes(data, name) if kind == "bytes" else read_text(data, name)
    checked = checker.check_source(source)
    return {"letter": audit_json(auditor.audit(checked), rules.vocabulary), "text": source.text, "path": source.path}


def api_work(rules_dir: str, kind: str, data: Any, name: str) -> dict[str, Any]:
    """The API's answer for one letter, serialised in the worker rather than on the event loop."""
    from checker.evaluation.report import document_json

    letter = letter_work(rules_dir, kind, data, name)["letter"]
    return {"body": json.dumps(document_json([letter], []), ensure_ascii=False).encode()}


def review_work(rules_dir: str, form: dict[str, str]) -> dict[str, Any]:
    """The review form: the item re-evaluated with the reviewer's facts, or the item as a case file."""
    from checker.evaluation.report import audit_json
    from checker.decision.review import ReviewError, review_letter
    from checker.reading.source import read_text

    rules, checker, auditor = tools(rules_dir)
    try:
        source = read_text(str(form.get("text", "")), str(form.get("name") or "pasted text")[:200])
        n = int(str(form.get("item", "")))
        checked = checker.check_source(source)
        corrections = _form_corrections(form, rules, n)
    except ValueError:
        raise CheckerError("This review form is incomplete; start again from the first page.") from None
    review = None
    try:
        review_letter(checked, corrections, rules, checker.evaluate)
    except ReviewError as exc:
        review = (n, form, exc.problems)
    if review is None and form.get("action") == "download":
        from checker.evaluation.report import dump_case, item_case

        case = item_case(checked, checked.items[n - 1], n, on_disk=False)
        return {"download": (case["id"], dump_case(case))}
    return {"letter": audit_json(auditor.audit(checked), rules.vocabulary), "text": source.text,
            "path": source.path, "review": review}


def api_review_work(rules_dir: str, body: dict[str, Any]) -> dict[str, Any]:
    from checker.evaluation.report import audit_json, document_json, item_case
    from checker.decision.review import Correction, review_letter
    from checker.reading.source import read_text

    rules, checker, auditor = tools(rules_dir)
    checked = checker.check_source(read_text(body["text"], body["name"]))
    review_letter(checked, [Correction(c["fact"], c["value"], c["reason"][:500], c["item"]) for c in body["corrections"]],
                  rules, checker.evaluate)
    out = document_json([audit_json(auditor.audit(checked), rules.vocabulary)], [])
    out["cases"] = [item_case(checked, item, n, on_disk=False)
                    for n, item in enumerate(checked.items, 1) if item.decision is not None]
    return {"body": json.dumps(out, ensure_ascii=False).encode()}


def evaluate_raw(raw: dict[str, Any], rules_dir: str) -> dict[str, Any]:
    from checker.decision.decide import evaluate_facts
    from checker.rules.facts import build_factset
    from checker.decision.render import decision_json

    rules, checker, _ = tools(rules_dir)
    if ROUTING_FACT not in raw and len(rules.packs) == 1:
        raw = {ROUTING_FACT: rules.packs[0].treatment, **raw}   # one pack: the checklist is its own
    facts, errors = build_factset(raw, rules.vocabulary, "checklist")
    if errors:
        vocab = rules.vocabulary.facts
        raise CheckerError("; ".join(message if name not in vocab or message.startswith(vocab[name].label)
                                     else f"{vocab[name].label}: {message}" for name, message in errors))
    return decision_json(evaluate_facts(facts, rules, checker.evaluate))


def _form_corrections(form: dict[str, Any], rules, item: int) -> list:
    """The review form's values as corrections of one item: every checklist fact, as the reviewer left it
    (a value equal to the one read confirms it)."""
    from checker.decision.review import Correction, form_value

    out = []
    for f in _checklist(rules):
        if f["name"] not in form:
            continue  # a field the form did not send is left as it was read, never taken as "not documented"
        spec = rules.vocabulary.facts[f["name"]]
        raw = form_value(spec, str(form.get(f["name"], "")))
        out.append(Correction(f["name"], raw, str(form.get("reason-" + f["name"], ""))[:500], item))
    return out


def _checklist(rules) -> list[dict[str, Any]]:
    """One form control per fact a criterion reads, from the vocabulary (no fact is named in code)."""
    used = {f for p in rules.packs for c in p.criteria for f in c.facts}
    inputs = {f for name in used for f in _inputs_of(name, rules)}
    out = []
    for name, spec in rules.vocabulary.facts.items():
        # the treatment is a choice only when several packs could take the request
        if (name in inputs and name != ROUTING_FACT) or (name == ROUTING_FACT and len(rules.packs) > 1):
            out.append({"name": name, "label": spec.label, "type": spec.type, "values": spec.values or [],
                        "min": spec.min, "max": spec.max, "group": spec.group})
    return out


def _inputs_of(name: str, rules) -> list[str]:
    spec = rules.vocabulary.facts[name]
    if spec.derive is None:
        return [name]
    if spec.derive.days_between:
        return [name] + spec.derive.days_between.start + spec.derive.days_between.end
    if spec.derive.arithmetic:  # the counts it is computed from, asked for themselves
        return [n for src in spec.derive.arithmetic[1] for n in _inputs_of(src, rules)]
    return [spec.derive.classify.fact]
