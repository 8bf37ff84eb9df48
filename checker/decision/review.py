"""The reviewer in the loop: confirm or correct the facts read from a text, then evaluate again.

A correction names a fact and the value the reviewer reads in the record (or "not documented"), with
an optional reason. Entered values are checked like case file values (range, type, date order) and
refused with the fact's label; a corrected fact carries origin `reviewer` and its reason, and every
change is listed next to the value the extractor had read. The reviewed request can be written as a
case file that `checker evaluate` reads unchanged, origins and reasons kept.

Corrections file (`checker check --corrections FILE`, `checker extract --corrections FILE`):

    schema: checker/corrections/1
    corrections:
      - fact: twitch_response
        value: true                 # null: not documented
        reason: exam of 2015-10-01 notes a local twitch
        item: 1                     # optional: the item number as `checker check` prints it
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Optional, Union

from pydantic import Field, ValidationError

from checker.core.errors import CheckerError, ValidationFailure
from checker.rules.facts import Evidence, Fact, FactSet, check_order, coerce
from checker.core.values import plain
from checker.rules.schema import Strict, model_keys, problems_from_validation, suggest
from checker.rules.vocabulary import Vocabulary
from checker.core.values import words

CORRECTIONS_SCHEMA = "checker/corrections/1"


@dataclass(frozen=True)
class Correction:
    fact: str
    value: Any            # a raw value as a case file has it; None: not documented
    reason: str = ""
    item: Optional[int] = None


@dataclass(frozen=True)
class Change:
    """One fact the reviewer changed: the value read before (None: not found) and the value entered."""

    fact: str
    label: str
    before: Any
    after: Any
    reason: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"fact": self.fact, "label": self.label, "extracted": plain(self.before),
                "value": plain(self.after), "reason": self.reason}

    def text(self) -> str:
        why = f" ({self.reason})" if self.reason else ""
        return f"{self.label}: {words(self.before)} -> {words(self.after)}{why}"


class ReviewError(CheckerError):
    """Entered values that cannot be used, each message naming the fact by its label."""

    def __init__(self, problems: list[tuple[str, str]]):
        self.problems = problems          # (fact name, message)
        super().__init__("; ".join(m for _, m in problems))




def form_value(spec, text: str) -> Any:
    """A value typed into a form or given on a command line, as a case file would hold it; '' (or 'not
    documented') is None. Not checked here: coerce() reports what is wrong with it."""
    text = str(text).strip()
    if not text or text.lower() == "not documented":
        return None
    if spec.type == "bool":
        return {"yes": True, "true": True, "no": False, "false": False}.get(text.lower(), text)
    if spec.type in ("int", "number"):
        try:
            number = float(text)
        except ValueError:
            return text  # reported as 'expected a number'
        return int(number) if number.is_integer() else number
    if spec.type == "list":
        return [v.strip() for v in text.split(",") if v.strip()]
    return text


def apply_corrections(facts: FactSet, corrections: list[Correction], vocab: Vocabulary) -> tuple[FactSet, list[Change]]:
    """The facts with the reviewer's corrections applied, and the changes made. A correction that gives
    the value already read confirms it (the fact keeps its origin and quotes). Raises ReviewError."""
    out = dict(facts.facts)
    changes: list[Change] = []
    problems: list[tuple[str, str]] = []
    for c in corrections:
        spec = vocab.facts.get(c.fact)
        if spec is None:
            problems.append((c.fact, f"unknown fact '{c.fact}'; {suggest(c.fact, vocab.facts)}"))
            continue
        before = facts.facts.get(c.fact)
        reason = " ".join(str(c.reason or "").split())
        if c.value is None:
            if before is not None:
                del out[c.fact]
                changes.append(Change(c.fact, spec.label, before.value, None, reason))
            continue
        typed, message = coerce(spec, c.value)
        if message:
            problems.append((c.fact, f"{spec.label}: {message}"))
            continue
        if before is not None and before.value == typed:
            continue
        said = f"entered by the reviewer: {reason}" if reason else "entered by the reviewer"
        out[c.fact] = Fact(typed, (Evidence(said, "reviewer"),), origin="reviewer", reason=reason)
        changes.append(Change(c.fact, spec.label, before.value if before else None, typed, reason))
    result = FactSet(out)
    problems += [(name, message) for name, message in check_order(result, vocab)
                 if any(ch.fact in (name, *_order_partners(name, vocab)) for ch in changes)]
    if problems:
        raise ReviewError(problems)
    return result, changes


def _order_partners(name: str, vocab: Vocabulary) -> list[str]:
    return [a for a, b in vocab.order if b == name] + [b for a, b in vocab.order if a == name]


def review_letter(letter, corrections: list[Correction], rules, evaluator) -> None:
    """Apply the corrections to the evaluated items of a checked letter (all of them, or the item a
    correction names) and evaluate those items again, in place."""
    from checker.decision.decide import evaluate_facts

    evaluated = [n for n, item in enumerate(letter.items, 1) if item.decision is not None]
    for c in corrections:
        if c.item is not None and c.item not in evaluated:
            raise CheckerError(f"correction of '{c.fact}': item {c.item} is not an evaluated trigger point "
                               f"injection item (evaluated items: {', '.join(map(str, evaluated)) or 'none'})")
    for n, item in enumerate(letter.items, 1):
        mine = [c for c in corrections if c.item in (None, n)]
        if item.decision is None or not mine:
            continue
        facts, changes = apply_corrections(item.extraction.facts, mine, rules.vocabulary)
        item.extraction.facts = facts
        item.review = changes
        item.decision = evaluate_facts(facts, rules, evaluator, item.decision.pack)


# --- corrections files --------------------------------------------------------------------------------

class CorrectionModel(Strict):
    fact: str
    value: Union[bool, int, float, str, list[str], None]
    reason: str = ""
    item: Optional[int] = Field(None, ge=1)


class CorrectionsFile(Strict):
    schema_: Literal["checker/corrections/1"] = Field(alias="schema")
    corrections: list[CorrectionModel]


def load_corrections(path: str | Path, vocab: Vocabulary) -> list[Correction]:
    """Read a corrections file; every problem is reported as path:line:col."""
    from checker.rules.yamlsrc import load_yaml_file

    doc = load_yaml_file(path)
    if not isinstance(doc.data, dict):
        raise ValidationFailure([doc.problem((), "corrections", "expected a mapping at the top of the file",
                                             f"start with 'schema: {CORRECTIONS_SCHEMA}'")])

    def allowed(loc: tuple) -> list[str]:
        return model_keys(CorrectionModel) if len(loc) == 2 else ["schema", "corrections"]

    try:
        model = CorrectionsFile.model_validate(doc.data)
    except ValidationError as exc:
        raise ValidationFailure(problems_from_validation(doc, exc, lambda loc: "corrections", allowed)) from None
    problems = []
    for i, c in enumerate(model.corrections):
        spec = vocab.facts.get(c.fact)
        if spec is None:
            problems.append(doc.problem(("corrections", i, "fact"), "corrections", f"unknown fact '{c.fact}'",
                                        suggest(c.fact, vocab.facts)))
        elif c.value is not None:
            message = coerce(spec, c.value)[1]
            if message:
                problems.append(doc.problem(("corrections", i, "value"), "corrections", f"{spec.label}: {message}"))
    if problems:
        raise ValidationFailure(problems)
    return [Correction(c.fact, c.value, c.reason, c.item) for c in model.corrections]


# --- the reviewed request as a case file ----------------------------------------------------------------

def case_facts(facts: FactSet, changes: list[Change]) -> dict[str, Any]:
    """Case-file facts (checker/case/1) with each fact's origin; a reviewer's correction keeps its
    reason and the value read before it, and a fact the reviewer removed stays as a null value."""
    changed = {c.fact: c for c in changes}
    out: dict[str, Any] = {}
    for name, fact in sorted(facts.facts.items()):
        entry: dict[str, Any] = {"value": plain(fact.value), "origin": fact.origin}
        if fact.origin == "reviewer":
            if fact.reason:
                entry["reason"] = fact.reason
            if name in changed and changed[name].before is not None:
                entry["extracted"] = plain(changed[name].before)
        else:
            entry["evidence"] = [{"quote": e.quote, "assertion": e.assertion, "start": e.start, "end": e.end}
                                 for e in fact.evidence if e.start is not None]
        out[name] = entry
    for name, c in sorted(changed.items()):
        if c.after is None:
            out[name] = {"value": None, "origin": "reviewer", "extracted": plain(c.before),
                         **({"reason": c.reason} if c.reason else {})}
    return out
