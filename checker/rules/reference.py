"""The criteria as a readable reference: what `checker rules list` and `checker rules show` print."""
from __future__ import annotations

import textwrap

from checker.rules.condition import describe
from checker.core.errors import CheckerError
from checker.rules.rulepack import RuleSet
from checker.rules.schema import suggest


def pack_list(rules: RuleSet) -> str:
    lines = []
    for pack in rules.packs:
        g = pack.guideline
        to = g.in_force_to.isoformat() if g.in_force_to else "now"
        lines.append(f"{pack.id}: {g.title} {g.edition}, {pack.section}, p. {', '.join(map(str, pack.pages))}")
        lines.append(f"  {g.regulation}; in force {g.in_force_from.isoformat()} to {to}; treatment: {pack.treatment}")
        for c in pack.criteria:
            lines.append(f"  {c.id:<9} {c.kind:<10} p.{c.page:<4} {c.name}  [{c.applies_to}]")
    return "\n".join(lines)


def criterion_text(rules: RuleSet, cid: str, width: int = 100) -> str:
    try:
        pack, c = rules.criterion(cid)
    except KeyError:
        ids = [c.id for p in rules.packs for c in p.criteria]
        raise CheckerError(f"no criterion '{cid}'; {suggest(cid, ids)}") from None
    wrap = lambda text, indent="  ", more="  ": textwrap.wrap(text, width, initial_indent=indent, subsequent_indent=more)
    g = pack.guideline
    lines = [f"{c.id}: {c.name}", f"{g.title} {g.edition}, {pack.section}, page {c.page} ({g.regulation})",
             f"kind: {c.kind}; applies to: {c.applies_to}", "", "Guideline text:"]
    lines += wrap(f'"{c.text}"')
    if c.applies_when is not None:
        lines += ["", "Applies when:", describe(c.applies_when, rules.vocabulary, 1)]
    lines += ["", "Met when:", describe(c.condition, rules.vocabulary, 1), "", "If not documented:"]
    lines += wrap(c.undocumented)
    if c.notes:
        lines += ["", "Encoding decisions:"] + wrap(c.notes)
    lines += ["", f"Examples ({pack.path}):"]
    for ex in c.examples:
        facts = ", ".join(f"{k}={_short(v.value)}" for k, v in ex.facts.facts.items()) or "(no facts)"
        lines += wrap(f"{ex.expect:<15} {ex.name}: {facts}", "  ", " " * 18)
    return "\n".join(lines)


def _short(value) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, tuple):
        return "[" + ", ".join(value) + "]"
    return str(value)
