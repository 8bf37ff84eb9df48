"""Rendering checked letters: the shared JSON schema (check, audit, web), text, and case files."""
from __future__ import annotations

import textwrap
import dataclasses
from pathlib import Path
from typing import Any, Optional

import yaml

from checker.audit.auditor import SEVERITY_RANK
from checker.decision.check import ItemCheck, LetterCheck, fact_values
from checker.decision.render import decision_json, decision_text

SCHEMA_VERSION = 1


def item_json(item: ItemCheck, vocab) -> dict[str, Any]:
    out: dict[str, Any] = {
        "title": item.title,
        "title_span": {"start": item.title_span[0], "end": item.title_span[1]},
        "letter_decision": item.letter_decision,
        "rule_pack": item.pack,
        "request": {},
        "predicted_decision": None,
        "criteria": [],
    }
    if item.item is not None:
        out["citations"] = [
            {"role": c.role, "mtus": c.mtus, "guideline": c.guideline, "edition": c.edition, "chapter": c.chapter,
             "section": c.section, "pages": list(c.pages), "non_mtus_source": c.non_mtus_source,
             "quote": {"text": " ".join(c.raw.text.split()), "start": c.raw.start, "end": c.raw.end}}
            for c in item.item.citations
        ]
        if item.item.rationale is not None:
            out["rationale_span"] = {"start": item.item.rationale.start, "end": item.item.rationale.end}
    if item.decision is None:
        out["note"] = "outside the rule packs: not evaluated" if item.pack is None else "not evaluated"
        return out
    facts = item.extraction.facts
    values = fact_values(facts)
    out["rule_pack"] = item.decision.pack.id
    out["request"] = {k: values[k] for k in vocab.request_facts if k in values}
    decided = decision_json(item.decision)
    out["predicted_decision"] = decided.pop("decision")
    out.update(decided)
    out["facts"] = {
        name: {"value": values[name], "origin": fact.origin, **({"reason": fact.reason} if fact.reason else {}),
               "evidence": [e.to_json() for e in fact.evidence]}
        for name, fact in sorted(facts.facts.items())
    }
    out["review"] = [c.to_json() for c in item.review]
    out["timeline"] = timeline(item, vocab)
    out["warnings"] = list(item.extraction.warnings)
    return out


def timeline(item: ItemCheck, vocab) -> list[dict[str, Any]]:
    """The dated events of the case in order, each with where its date was read."""
    facts = item.extraction.facts.facts
    events = []
    for name in vocab.timeline_facts:
        fact = facts.get(name)
        if fact is None:
            continue
        ev = fact.evidence[0] if fact.evidence else None
        events.append({"date": fact.value.isoformat(), "event": vocab.facts[name].label, "fact": name,
                       "start": ev.start if ev else None, "end": ev.end if ev else None})
    return sorted(events, key=lambda e: (e["date"], e["fact"]))


def letter_json(letter: LetterCheck, vocab) -> dict[str, Any]:
    return {
        "path": letter.path,
        "kind": letter.kind,
        "layout": letter.letter.layout,
        "case_number": " ".join(letter.letter.case_number.text.split()) if letter.letter.case_number else None,
        "dates": {k: {"value": v.value.isoformat() if v.value else None, "text": " ".join(v.span.text.split()),
                      "start": v.span.start, "end": v.span.end}
                  for k, v in sorted(letter.letter.dates.items())},
        "items": [item_json(i, vocab) for i in letter.items],
    }


def document_json(letters: list[dict[str, Any]], errors: list[dict[str, str]]) -> dict[str, Any]:
    return {"schema_version": SCHEMA_VERSION, "letters": letters, "errors": errors}


def letter_text(letter: LetterCheck, vocab) -> str:
    head = f"{letter.path} ({letter.letter.layout} layout, {letter.kind})"
    lines = [head, "#" * min(len(head), 100)]
    for key, field in sorted(letter.letter.dates.items()):
        if field.value:
            lines.append(f"  {key.replace('_', ' ')} date: {field.value.isoformat()}")
    for n, item in enumerate(letter.items, 1):
        decision = f" | letter decision: {item.letter_decision}" if item.letter_decision else ""
        if item.decision is None:
            why = "outside the rule packs, not evaluated" if item.pack is None else "not evaluated"
            lines += [""] + textwrap.wrap(f"Item {n}: {item.title}{decision} | {why}", 100, subsequent_indent="  ")
            continue
        header = ["request: " + ", ".join(f"{k}={_short(v)}" for k, v in fact_values(item.extraction.facts).items()
                                            if k in vocab.request_facts)]
        events = timeline(item, vocab)
        if events:
            header.append("timeline: " + "; ".join(f"{e['date']} {e['event']}" for e in events))
        header += [f"warning: {w}" for w in item.extraction.warnings]
        header += [f"reviewer changed {c.text()}" for c in item.review]
        header = [w for h in header for w in textwrap.wrap(h, 100, subsequent_indent="  ")]
        lines += ["", decision_text(item.decision, f"Item {n}: {item.title}{decision}", header=header)]
    return "\n".join(lines)


def _short(v: Any) -> str:
    if isinstance(v, list):
        return "+".join(v)
    if isinstance(v, bool):
        return "yes" if v else "no"
    return str(v)


def item_case(letter: LetterCheck, item: ItemCheck, index: int, on_disk: bool = True) -> dict[str, Any]:
    """A case file (checker/case/1) for one evaluated item, which `checker evaluate` reads unchanged; each
    fact keeps its origin, and the reviewer's corrections their reasons. `on_disk`: the letter is a file
    the case can point to (not pasted text), so its quotes are checked against it."""
    from checker.decision.review import case_facts

    stem = Path(letter.path).stem.lower()
    case_id = "".join(ch if ch.isalnum() or ch in "-_." else "-" for ch in f"{stem}-item{index}").strip("-.")
    how = "Extracted by checker" + (" and reviewed" if item.review else "")
    out = {
        "schema": "checker/case/1",
        "id": case_id or "extracted",
        "title": item.title,
        "description": f"{how} from {Path(letter.path).name}; review before relying on it.",
    }
    if on_disk:
        out["source"] = {"letter": str(Path(letter.path).resolve()), "item": item.title,
                         "letter_decision": item.letter_decision}
    out["facts"] = case_facts(item.extraction.facts, item.review)
    return out


def dump_case(case: dict[str, Any]) -> str:
    return yaml.safe_dump(case, sort_keys=False, allow_unicode=True, width=100)



# --- audit ------------------------------------------------------------------------------------------

def audit_json(audit, vocab) -> dict[str, Any]:
    out = letter_json(audit.letter, vocab)
    for item_out, item in zip(out["items"], audit.items):
        item_out["rationale_cites"] = item.rationale_cites
        item_out["reasons_outside_edition"] = sorted({o for r in item.reasons for o in r.outside})
        item_out["rationale_sentences"] = [
            {"start": r.start, "end": r.end, "kind": r.kind, "criteria": r.criteria, "outside": r.outside}
            for r in item.reasons]
        item_out["findings"] = [f.to_json() for f in item.findings]
    out["findings"] = [f.to_json() for f in audit.findings]
    return out


def audit_text(audit) -> str:
    letter = audit.letter
    head = f"{letter.path} ({letter.letter.layout} layout)"
    lines = [head, "#" * min(len(head), 100)]
    for f in audit.findings:
        lines += _finding_lines(f, "  ")
    for n, item in enumerate(audit.items, 1):
        check = item.check
        predicted = f" | checker: {check.decision.decision}" if check.decision else " | outside the rule packs"
        lines += [""] + textwrap.wrap(f"Item {n}: {check.title} | letter: {check.letter_decision}{predicted}", 100,
                                      subsequent_indent="  ")
        if check.decision:
            statuses = ", ".join(f"{r.criterion.id} {r.status}" for r in check.decision.results if r.status != "met")
            lines += textwrap.wrap(f"criteria not met or not documented: {statuses or 'none'}", 100,
                                   initial_indent="  ", subsequent_indent="    ")
            lines.append(f"  rationale cites: {', '.join(item.rationale_cites) or 'none'}")
            outside = sorted({o for r in item.reasons for o in r.outside})
            if outside:
                lines.append(f"  reasons outside the 2009 criteria: {', '.join(outside)}")
        for f in item.findings:
            lines += _finding_lines(f, "  ")
        if not item.findings:
            lines.append("  no finding")
    return "\n".join(lines)


def _finding_lines(f, pad: str) -> list[str]:
    lines = textwrap.wrap(f"[{f.severity}] {f.code}: {f.message}", 100, initial_indent=pad, subsequent_indent=pad + "  ")
    for ev in f.evidence:
        lines += textwrap.wrap(f'"{ev["quote"]}" @{ev["start"]}-{ev["end"]}', 100,
                               initial_indent=pad + "    ", subsequent_indent=pad + "      ")
    return lines


def audit_markdown(audits, errors: list[dict[str, str]], codes: list[str]) -> str:
    """A summary table over a folder: findings per code, then the letters with findings."""
    summary = Summary(rows=[])
    for a in audits:
        summary.add(_counted(a))
    summary.errors = list(errors)
    return summary_markdown(summary, codes, rows=summary.rows, title="IMR letter audit")


def _counted(audit) -> dict[str, Any]:
    """What a summary counts of one audit (its path and findings), without rendering the whole letter."""
    return {"path": audit.letter.path, "findings": [f.to_json() for f in audit.findings],
            "items": [{"findings": [f.to_json() for f in i.findings]} for i in audit.items]}


def summary_markdown(summary, codes: list[str], resumed: int = 0, rows=None, title: str = "IMR letter audit (batch)") -> str:
    """The summary: counts per finding code, the letters with findings, unreadable letters. `rows` are
    (letter, findings, codes), possibly streamed from a results file; `resumed`: letters that were
    already in the results file before this run (they are counted too)."""
    letters = [f"| {Path(path).name} | {n} | {found} |" for path, n, found in (rows or ())]
    lines = ["# " + title, "",
             f"Letters audited: {summary.letters}; unreadable: {len(summary.errors)}; letters with findings: "
             f"{len(letters)}; findings: {sum(summary.codes.values())}"
             + (f"; {resumed} of them audited before resuming" if resumed else "") + ".", "",
             "| code | findings | letters |", "|---|---:|---:|"]
    lines += [f"| `{c}` | {summary.codes.get(c, 0)} | {summary.letters_with.get(c, 0)} |"
              for c in sorted(set(codes) | set(summary.codes))]
    if letters:
        lines += ["", "| letter | findings | codes |", "|---|---:|---|"] + letters
    if summary.errors:
        lines += ["", "| unreadable file | reason |", "|---|---|"]
        lines += [f"| {Path(e['path']).name} | {e['message'].split(': ', 1)[-1]} |" for e in summary.errors]
    return "\n".join(lines) + "\n"

@dataclasses.dataclass
class Summary:
    """Counts over audited letters; `rows` (the letters with findings, for the per-letter table) are kept
    only when asked, since a batch written to a file reads them back from the file instead."""

    letters: int = 0
    errors: list[dict[str, str]] = dataclasses.field(default_factory=list)
    codes: dict[str, int] = dataclasses.field(default_factory=dict)
    letters_with: dict[str, int] = dataclasses.field(default_factory=dict)
    worst: int = -1
    rows: Optional[list[tuple[str, int, str]]] = None

    def add(self, record: dict[str, Any]) -> None:
        if "error" in record:
            self.errors.append({"path": record["path"], "message": record["error"]})
            return
        self.letters += 1
        found = _findings(record)
        for f in found:
            self.codes[f["code"]] = self.codes.get(f["code"], 0) + 1
            self.worst = max(self.worst, SEVERITY_RANK.get(f["severity"], 0))
        for code in {f["code"] for f in found}:
            self.letters_with[code] = self.letters_with.get(code, 0) + 1
        row = letter_row(record)
        if self.rows is not None and row is not None:
            self.rows.append(row)


def _findings(record: dict[str, Any]) -> list[dict[str, Any]]:
    return list(record.get("findings", [])) + [f for i in record.get("items", []) for f in i.get("findings", [])]


def letter_row(record: dict[str, Any]) -> Optional[tuple[str, int, str]]:
    """(letter, number of findings, codes) for a letter with findings; None otherwise."""
    found = [] if "error" in record else _findings(record)
    return (record["path"], len(found), ", ".join(sorted({f["code"] for f in found}))) if found else None
