"""Case facts: typed, three-valued, each documented value with its evidence; derived facts with arithmetic.

A fact absent from a FactSet is "not documented". A documented fact has a value (true/false for
yes/no facts) and the evidence it rests on: quotes with their position in the source, or the case
file line where a person entered it.
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any, Optional

from checker.rules.schema import kind_of, suggest
from checker.rules.vocabulary import NUMERIC, FactSpec, Vocabulary

ASSERTIONS = ("present", "negated", "historical", "hypothetical", "uncertain", "family")


@dataclass(frozen=True)
class Evidence:
    """Where a fact comes from: a quote and its character offsets in `source`, or a case-file line."""

    quote: str
    source: str
    start: Optional[int] = None
    end: Optional[int] = None
    line: Optional[int] = None
    assertion: str = "present"

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"quote": self.quote, "source": self.source}
        for key in ("start", "end", "line"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        out["assertion"] = self.assertion
        return out


ORIGINS = ("extracted", "reviewer", "case file")


@dataclass(frozen=True)
class Fact:
    """A documented value. `origin` says who stated it: read from the text by the extractor (the
    default), entered or corrected by the reviewer (with the reviewer's `reason`), or written in a case
    file. A derived fact takes the origin of the facts it is computed from (a reviewer's entry first)."""

    value: Any
    evidence: tuple[Evidence, ...] = ()
    derivation: Optional[str] = None  # the arithmetic, for derived facts
    origin: str = "extracted"
    reason: str = ""


@dataclass
class FactSet:
    """Documented facts of one case, by name."""

    facts: dict[str, Fact] = field(default_factory=dict)

    def values(self) -> dict[str, Any]:
        return {name: fact.value for name, fact in self.facts.items()}

    def with_value(self, name: str, value: Any, note: str) -> "FactSet":
        """A copy with one fact replaced: used to test a changed request."""
        facts = dict(self.facts)
        facts[name] = Fact(value, (), note)
        return FactSet(facts)


# --- value checking ----------------------------------------------------------------------------------

def coerce(spec: FactSpec, value: Any) -> tuple[Any, Optional[str]]:
    """The typed value of a raw fact, or an error message saying what to write instead."""
    kind = spec.type
    if kind == "bool":
        return (value, None) if isinstance(value, bool) else (None, f"expected true or false, got {kind_of(value)}")
    if kind in NUMERIC:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or (isinstance(value, float) and not math.isfinite(value)):
            return None, f"expected a number, got {kind_of(value)}"
        if isinstance(value, int) and not -2 ** 63 <= value < 2 ** 63:
            return None, "a whole number beyond 64 bits"
        if kind == "int" and not float(value).is_integer():
            return None, "expected a whole number, got a fraction"
        if spec.min is not None and value < spec.min:
            return None, f"below the minimum {spec.min}{_unit(spec)}"
        if spec.max is not None and value > spec.max:
            return None, f"above the maximum {spec.max}{_unit(spec)}"
        # four decimals is finer than any clinical figure; it also keeps numbers out of exponent
        # notation, which the rules engine cannot read
        return (int(value) if kind == "int" else round(float(value), 4) if isinstance(value, float) else value), None
    if kind == "enum":
        if value in (spec.values or []):
            return value, None
        return None, f"not one of the allowed values ({', '.join(spec.values or [])})"
    if kind == "date":
        day = value if isinstance(value, dt.date) else None
        if isinstance(value, str):
            try:
                day = dt.date.fromisoformat(value.strip())
            except ValueError:
                pass
        if day is None:
            return None, f"expected a date written YYYY-MM-DD, got {kind_of(value)}"
        if spec.min is not None and day < dt.date.fromisoformat(spec.min):
            return None, f"before the earliest possible date {spec.min}"
        if spec.max is not None and day > dt.date.fromisoformat(spec.max):
            return None, f"after the latest possible date {spec.max}"
        return day, None
    if kind == "list":
        if isinstance(value, list) and value and all(isinstance(v, str) and v.strip() for v in value):
            return tuple(v.strip() for v in value), None
        return None, "expected a non-empty list of names"
    return None, f"unsupported type {kind}"


def _unit(spec: FactSpec) -> str:
    return f" {spec.unit}" if spec.unit else ""


def check_order(facts: FactSet, vocab: Vocabulary) -> list[tuple[str, str]]:
    """Messages for date pairs in an impossible order, as (fact name, message)."""
    out = []
    for earlier, later in vocab.order:
        a, b = facts.facts.get(earlier), facts.facts.get(later)
        if a and b and a.value > b.value:
            out.append((later, f"{vocab.facts[later].label} ({b.value}) is before {vocab.facts[earlier].label} ({a.value})"))
    return out


# --- derived facts -----------------------------------------------------------------------------------

def derive(facts: FactSet, vocab: Vocabulary) -> FactSet:
    """Add every derivable fact that was not given directly, with its arithmetic and evidence."""
    out = dict(facts.facts)
    pending = [(name, spec.derive) for name, spec in vocab.facts.items() if spec.derive is not None]
    while True:  # a derived fact may be an input of another: repeat until nothing more can be derived
        added = False
        for name, d in pending:
            if name in out:
                continue
            if d.days_between:
                fact = _days_between(d.days_between.start, d.days_between.end, out, vocab)
            elif d.arithmetic:
                fact = _arithmetic(*d.arithmetic, out)
            else:
                fact = _classify(d.classify, out, vocab)
            if fact is not None:
                out[name] = fact
                added = True
        if not added:
            return FactSet(out)


_SIGN = {"sum": "+", "product": "x"}


def _arithmetic(op: str, names: list[str], facts: dict[str, Fact]) -> Optional[Fact]:
    """A sum or product of documented numbers (None unless every input is documented), or the first
    documented input."""
    if op == "first":
        name = _first(names, facts)
        if name is None:
            return None
        f = facts[name]
        return Fact(f.value, f.evidence, f"{_number(f.value)} ({name})" + (f" = {f.derivation}" if f.derivation else ""), f.origin)
    if any(n not in facts for n in names):
        return None
    inputs = [facts[n] for n in names]
    value = inputs[0].value
    for f in inputs[1:]:
        value = value + f.value if op == "sum" else value * f.value
    text = f" {_SIGN[op]} ".join(f"{_number(f.value)} ({n})" for n, f in zip(names, inputs)) + f" = {_number(value)}"
    return Fact(value, tuple(e for f in inputs for e in f.evidence), text, _origin_of(*inputs))


def _number(value) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def _first(names: list[str], facts: dict[str, Fact]) -> Optional[str]:
    return next((n for n in names if n in facts), None)


def _days_between(starts: list[str], ends: list[str], facts: dict[str, Fact], vocab: Vocabulary) -> Optional[Fact]:
    start, end = _first(starts, facts), _first(ends, facts)
    if start is None or end is None:
        return None
    a, b = facts[start].value, facts[end].value
    days = (b - a).days
    if days < 0:
        return None  # impossible order; reported by check_order
    notes = []
    if start != starts[0]:
        notes.append(f"{vocab.facts[starts[0]].label} not documented, {vocab.facts[start].label} used")
    if end != ends[0]:
        notes.append(f"{vocab.facts[ends[0]].label} not documented, {vocab.facts[end].label} used")
    text = f"{b.isoformat()} ({end}) - {a.isoformat()} ({start}) = {days} days"
    if notes:
        text += "; " + "; ".join(notes)
    return Fact(days, facts[start].evidence + facts[end].evidence, text, _origin_of(facts[start], facts[end]))


def _origin_of(*inputs: Fact) -> str:
    """The origin of a derived fact: a reviewer's entry first, then a case file, else extracted."""
    origins = {f.origin for f in inputs}
    return next((o for o in ("reviewer", "case file") if o in origins), "extracted")


def _classify(rule, facts: dict[str, Fact], vocab: Vocabulary) -> Optional[Fact]:
    source = facts.get(rule.fact)
    if source is None:
        return None
    lexicon = vocab.lexicons[rule.lexicon]
    wanted = set(rule.any_in)
    found, unclassified = [], []
    for term in source.value:
        classes = lexicon.classes_in(term)
        if not classes:
            unclassified.append(term)
        elif classes & wanted:
            found.append(term)
    if found:
        return Fact(True, source.evidence, f"{', '.join(found)} classed as {' or '.join(sorted(wanted))}", source.origin)
    if unclassified:
        return None  # cannot say no while a substance is unknown to the lexicon
    return Fact(False, source.evidence, f"none of {', '.join(source.value)} is {' or '.join(sorted(wanted))}",
                source.origin)


def disagreements(facts: FactSet, vocab: Vocabulary) -> list[str]:
    """Warnings for a computed fact stated directly with a value its own dates contradict (the stated
    value is the one used; the reviewer should settle which is right)."""
    out = []
    for name, spec in vocab.facts.items():
        given = facts.facts.get(name)
        if given is None or spec.derive is None or not spec.derive.days_between:
            continue
        rest = {k: v for k, v in facts.facts.items() if k != name}
        computed = _days_between(spec.derive.days_between.start, spec.derive.days_between.end, rest, vocab)
        if computed is not None and computed.value != given.value:
            out.append(f"{spec.label}: {_number(given.value)} is stated, but the dates give {computed.derivation}; "
                       f"the stated {_number(given.value)} is used: check which is right")
    return out


def _number(v: Any) -> str:
    return str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)


def build_factset(raw: dict[str, Any], vocab: Vocabulary, source: str = "<facts>",
                  origin: str = "reviewer") -> tuple[FactSet, list[tuple[str, str]]]:
    """A FactSet from plain {name: value} data (examples, the web form, tests), with error messages by fact;
    the facts are entered by a person (origin `reviewer` unless told otherwise)."""
    out: dict[str, Fact] = {}
    errors = []
    for name, value in raw.items():
        if name not in vocab.facts:
            errors.append((name, f"unknown fact '{name}'; {suggest(name, vocab.facts)}"))
            continue
        if value is None:
            continue
        typed, message = coerce(vocab.facts[name], value)
        if message:
            errors.append((name, message))
        else:
            out[name] = Fact(typed, (Evidence(f"{name}: {value}", source),), origin=origin)
    fs = FactSet(out)
    errors.extend(check_order(fs, vocab))
    return fs, errors
