"""Rendering decisions as readable text and as JSON (same content, stable order)."""
from __future__ import annotations

import textwrap
from typing import Any, Optional

from checker.decision.decide import PHYSICIAN_NOTE, Decision
from checker.rules.facts import Evidence
from checker.core.values import plain, words

STATUS_WORDS = {"met": "MET", "not_met": "NOT MET", "not_documented": "NOT DOCUMENTED", "not_applicable": "n/a"}




def decision_json(d: Decision) -> dict[str, Any]:
    g = d.pack.guideline
    return {
        "rule_pack": d.pack.id,
        "guideline": {"id": g.id, "title": g.title, "edition": g.edition, "regulation": g.regulation,
                      "section": d.pack.section, "pages": list(d.pack.pages)},
        "decision": d.decision,
        "decision_note": "" if d.decision == "certify" else PHYSICIAN_NOTE,
        "cited": d.cited,
        "criteria": [
            {
                "id": r.criterion.id,
                "name": r.criterion.name,
                "status": r.status,
                "kind": r.criterion.kind,
                "guideline_text": r.criterion.text,
                "page": r.criterion.page,
                "applies_to": r.criterion.applies_to,
                "reason": r.reason,
                "summary": r.summary,
                "evidence": [
                    {"fact": u.name, "label": u.label, "documented": u.documented, "value": plain(u.value),
                     "requirement": u.requirement, "outcome": u.outcome, "derivation": u.derivation,
                     "origin": u.origin, **({"reason": u.reason} if u.reason else {}),
                     "quotes": [e.to_json() for e in u.evidence]}
                    for u in r.facts
                ],
            }
            for r in d.results
        ],
        "missing_documentation": [{"ask": ask, "criteria": ids} for ask, ids in d.missing],
        "suggestions": [
            {"kind": s.kind, "fact": s.fact, "current": plain(s.current), "proposed": plain(s.proposed),
             "criteria": s.criteria, "text": s.text, "decision_after": s.decision_after}
            for s in d.suggestions
        ],
        "assumptions": [{"assumption": text, "confirm": confirm, "criteria": ids} for text, confirm, ids in d.assumptions],
        "notes": d.notes,
    }




def _where(ev: Evidence) -> str:
    if ev.start is not None:
        return f"{ev.source}@{ev.start}-{ev.end}"
    if ev.line is not None:
        return f"{ev.source}:{ev.line}"
    return ev.source


def decision_text(d: Decision, title: str, width: int = 100, header: Optional[list[str]] = None) -> str:
    g = d.pack.guideline
    lines = [title, "=" * min(len(title), width)]
    lines += header or []
    verdict = d.decision.upper()
    if d.decision != "certify":
        verdict += f"  ({PHYSICIAN_NOTE})"
    lines += textwrap.wrap(f"Predicted decision: {verdict}", width, subsequent_indent="  ")
    lines.append(f"Guideline: {g.title} {g.edition}, {d.pack.section}, p. {', '.join(map(str, d.pack.pages))} ({g.regulation})")
    for text, confirm, ids in d.assumptions:
        lines += textwrap.wrap(f"Assumed: {text} ({', '.join(ids)} not applicable){'; confirm ' + confirm if confirm else ''}",
                               width, subsequent_indent="  ")
    lines.append("")
    lines.append(f"  {'criterion':<9} {'status':<15} name")
    for r in d.results:
        lines.append(f"  {r.criterion.id:<9} {STATUS_WORDS[r.status]:<15} {r.criterion.name}")
    for r in d.results:
        if r.status not in ("not_met", "not_documented"):
            continue
        lines.append("")
        lines.append(f"{r.criterion.id} {STATUS_WORDS[r.status]}: {r.criterion.name} (p. {r.criterion.page})")
        lines += textwrap.wrap(f'Guideline: "{r.criterion.text}"', width, initial_indent="  ", subsequent_indent="    ")
        for u in r.facts:
            shown = "not documented" if not u.documented else words(u.value)
            origin = f" [{u.origin}{': ' + u.reason if u.reason else ''}]" if u.origin and u.origin != "extracted" else ""
            lines += textwrap.wrap(f"- {u.label}: {shown} ({u.requirement}) -> {u.outcome}{origin}", width,
                                   initial_indent="  ", subsequent_indent="      ")
            if u.derivation:
                lines += textwrap.wrap(f"computed: {u.derivation}", width, initial_indent="      ", subsequent_indent="        ")
            for ev in u.evidence:
                lines += textwrap.wrap(f'"{" ".join(ev.quote.split())}" [{_where(ev)}]', width, initial_indent="      ", subsequent_indent="        ")
    if d.missing:
        lines += ["", "Documentation to request:"]
        for ask, ids in d.missing:
            lines += textwrap.wrap(f"- {ask} ({', '.join(ids)})", width, initial_indent="  ", subsequent_indent="    ")
    if d.suggestions:
        lines += ["", "A request that would meet the guideline:"]
        for s in d.suggestions:
            after = "the request would then be certifiable" if s.decision_after == "certify" else \
                "other criteria would still need to be met"
            lines += textwrap.wrap(f"- {s.text}; {after}", width, initial_indent="  ", subsequent_indent="    ")
    for note in d.notes:
        lines += [""] + textwrap.wrap(f"Note: {note}", width, subsequent_indent="  ")
    return "\n".join(lines)
