"""Conditions over case facts: parsing from YAML, three-valued evaluation, plain-words rendering.

A condition is a tree of `all` / `any` / `not` over leaves `{fact: NAME, OP: VALUE}`. Values are
three-valued (Kleene logic): a leaf on an undocumented fact is UNKNOWN unless the leaf says what an
undocumented fact means (`if_undocumented: true|false`, used for exclusions such as radiculopathy,
which fail only when documented present).

This module is the reference semantics. The durable_rules engine compiles the same trees
(checker/engine/durable.py); the test suite checks the two agree on random cases.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Iterator, Optional, Union

from checker.core.errors import Problem
from checker.rules.schema import suggest
from checker.rules.vocabulary import NUMERIC, Vocabulary
from checker.rules.yamlsrc import Located
from checker.core.values import words

TRUE, FALSE, UNKNOWN = True, False, None
Truth = Optional[bool]

OPERATORS = ("eq", "neq", "gt", "gte", "lt", "lte", "in")
ORDERED = ("gt", "gte", "lt", "lte")
NEGATION = {"eq": "neq", "neq": "eq", "gt": "lte", "gte": "lt", "lt": "gte", "lte": "gt"}
WORDS = {"eq": "is", "neq": "is not", "gt": ">", "gte": "≥", "lt": "<", "lte": "≤", "in": "is one of"}


@dataclass(frozen=True)
class Leaf:
    fact: str
    op: str
    value: Any
    if_undocumented: Truth = UNKNOWN
    loc: tuple = ()


@dataclass(frozen=True)
class All:
    items: tuple["Condition", ...]


@dataclass(frozen=True)
class Any_:
    items: tuple["Condition", ...]


@dataclass(frozen=True)
class Not:
    item: "Condition"


Condition = Union[Leaf, All, Any_, Not]


def compare(op: str, actual: Any, expected: Any) -> bool:
    if op == "eq":
        return actual == expected
    if op == "neq":
        return actual != expected
    if op == "in":
        return actual in expected
    if op == "gt":
        return actual > expected
    if op == "gte":
        return actual >= expected
    if op == "lt":
        return actual < expected
    return actual <= expected


def evaluate(cond: Condition, facts: dict[str, Any]) -> Truth:
    """Kleene three-valued value of `cond`; `facts` holds only documented values."""
    if isinstance(cond, Leaf):
        if cond.fact not in facts:
            return cond.if_undocumented
        return compare(cond.op, facts[cond.fact], cond.value)
    if isinstance(cond, Not):
        value = evaluate(cond.item, facts)
        return None if value is None else not value
    values = [evaluate(item, facts) for item in cond.items]
    decisive = isinstance(cond, Any_)  # TRUE decides an any, FALSE decides an all
    if decisive in values:
        return decisive
    return None if None in values else not decisive


def deciding_leaves(cond: Condition, facts: dict[str, Any]) -> list[Leaf]:
    """The leaves that fix the value of `cond` on these facts: what a reviewer needs to look at.

    For a TRUE `all` every item matters; for a FALSE `all` only the FALSE items; for an UNKNOWN one
    the UNKNOWN items (FALSE would have decided it). `any` is the mirror image.
    """
    if isinstance(cond, Leaf):
        return [cond]
    if isinstance(cond, Not):
        return deciding_leaves(cond.item, facts)
    value = evaluate(cond, facts)
    keep = [item for item in cond.items if evaluate(item, facts) == value]
    return [leaf for item in keep for leaf in deciding_leaves(item, facts)]


def leaves(cond: Condition) -> Iterator[Leaf]:
    if isinstance(cond, Leaf):
        yield cond
    elif isinstance(cond, Not):
        yield from leaves(cond.item)
    else:
        for item in cond.items:
            yield from leaves(item)


def facts_of(cond: Optional[Condition]) -> list[str]:
    return sorted({leaf.fact for leaf in leaves(cond)}) if cond is not None else []


def describe(cond: Condition, vocab: Vocabulary, depth: int = 0) -> str:
    """The condition in plain words, one clause per line for compound conditions."""
    pad = "  " * depth
    if isinstance(cond, Leaf):
        spec = vocab.facts[cond.fact]
        value = words(cond.value)
        if spec.type == "bool" and cond.op in ("eq", "neq"):
            positive = (cond.op == "eq") == bool(cond.value)
            text = f"{spec.label}: {'yes' if positive else 'no'}"
        else:
            unit = f" {spec.unit}" if spec.unit else ""
            text = f"{spec.label} {WORDS[cond.op]} {value}{unit if cond.op != 'in' else ''}"
        if cond.if_undocumented is not None:
            text += f" (if not documented: counts as {'satisfied' if cond.if_undocumented else 'unsatisfied'})"
        return pad + text
    if isinstance(cond, Not):
        return f"{pad}not:\n{describe(cond.item, vocab, depth + 1)}"
    head = "all of:" if isinstance(cond, All) else "any of:"
    return pad + head + "".join("\n" + describe(item, vocab, depth + 1) for item in cond.items)




# --- parsing -----------------------------------------------------------------------------------------

# The engine compiles each criterion into rules whose size grows with the condition; durable_rules
# fails (error 107) on very large ones. Real criteria have a handful of leaves.
MAX_ITEMS = 100
MAX_LEAVES = 400


def parse(data: Any, loc: tuple, doc: Located, subject: str, vocab: Vocabulary, problems: list[Problem]) -> Optional[Condition]:
    """Build a condition tree from YAML data, appending located problems instead of raising."""
    def bad(message: str, hint: str = "", at: tuple = loc, at_key: bool = False) -> None:
        problems.append(doc.problem(at, subject, message, hint, at_key=at_key))

    if not isinstance(data, dict):
        bad("a condition is a mapping: {fact: NAME, OP: VALUE} or all:/any:/not:", "e.g. {fact: twitch_response, eq: true}")
        return None
    combinators = [k for k in ("all", "any", "not") if k in data]
    if combinators:
        key = combinators[0]
        extra = sorted(set(data) - {key})
        if extra:
            bad(f"'{key}' stands alone; unexpected key(s): {', '.join(map(str, extra))}", "nest them inside the list",
                loc + (extra[0],))
        if key == "not":
            inner = parse(data["not"], loc + ("not",), doc, subject, vocab, problems)
            return Not(inner) if inner is not None else None
        items = data[key]
        if not isinstance(items, list) or not items:
            bad(f"'{key}' takes a non-empty list of conditions", "", loc + (key,))
            return None
        if len(items) > MAX_ITEMS:
            bad(f"'{key}' lists {len(items)} conditions, more than the {MAX_ITEMS} the engine can compile", "split the criterion", loc + (key,))
            return None
        parsed = [parse(item, loc + (key, i), doc, subject, vocab, problems) for i, item in enumerate(items)]
        if any(p is None for p in parsed):
            return None
        return All(tuple(parsed)) if key == "all" else Any_(tuple(parsed))
    return _parse_leaf(data, loc, subject, vocab, bad)


def _parse_leaf(data: dict, loc: tuple, subject: str, vocab: Vocabulary, bad) -> Optional[Leaf]:
    allowed = {"fact", "if_undocumented", *OPERATORS}
    unknown = [k for k in data if k not in allowed]
    for key in unknown:
        bad(f"unknown operator or key '{key}'", suggest(str(key), list(allowed) + ["all", "any", "not"]), loc + (key,), True)
    if unknown:
        return None
    if "fact" not in data:
        bad("a leaf condition needs 'fact:'", "e.g. {fact: twitch_response, eq: true}")
        return None
    name = data["fact"]
    if not isinstance(name, str) or name not in vocab.facts:
        bad(f"unknown fact '{name}'", suggest(str(name), vocab.facts), loc + ("fact",))
        return None
    spec = vocab.facts[name]
    ops = [k for k in OPERATORS if k in data]
    if len(ops) != 1:
        bad(f"give exactly one operator ({', '.join(OPERATORS)}), found {len(ops)}", "e.g. gte: 6")
        return None
    op, value = ops[0], data[ops[0]]
    at = loc + (op,)
    if spec.type in ("date", "list"):
        bad(f"fact '{name}' is a {spec.type}; conditions compare derived facts", "compare a derived fact such as interval_days", at)
        return None
    if op in ORDERED and spec.type not in NUMERIC:
        bad(f"'{op}' compares numbers but '{name}' is {spec.type}", "use eq or neq", at)
        return None
    values = value if op == "in" else [value]
    if op == "in" and (not isinstance(value, list) or not value):
        bad("'in' takes a non-empty list", "e.g. in: [cervical, lumbar]", at)
        return None
    for v in values:
        problem = _value_problem(spec, v)
        if problem:
            bad(problem, "", at)
            return None
    undocumented = data.get("if_undocumented", None)
    if undocumented is not None and not isinstance(undocumented, bool):
        bad("if_undocumented is true or false (leave it out for 'not documented')", "", loc + ("if_undocumented",))
        return None
    return Leaf(name, op, tuple(value) if op == "in" else value, undocumented, loc)


ENGINE_INT = 2 ** 63  # the rules engine compares 64-bit integers


def number_problem(value: Any) -> Optional[str]:
    """Why the rules engine cannot take this number (None when it can): NaN and infinity compare
    wrongly, a float the engine would read in exponent notation (1e-05) fails in the engine, and an
    integer beyond 64 bits overflows it."""
    if isinstance(value, float):
        if not math.isfinite(value):
            return "not a finite number (NaN or infinity)"
        if "e" in repr(value).lower():
            return "a number the engine would read in exponent notation; write it with at most 4 decimals, between 0.0001 and 1e15"
        if round(value, 4) != value:
            return "more than 4 decimals"
    elif isinstance(value, int) and not -ENGINE_INT <= value < ENGINE_INT:
        return "an integer beyond 64 bits"
    return None


def _value_problem(spec, value: Any) -> Optional[str]:
    if spec.type == "bool" and not isinstance(value, bool):
        return f"expected true or false for {spec.type} fact, got {value!r}"
    if spec.type in NUMERIC and (isinstance(value, bool) or not isinstance(value, (int, float))):
        return f"expected a number, got {value!r}"
    if spec.type in NUMERIC:
        return number_problem(value)
    if spec.type == "enum" and value not in (spec.values or []):
        return f"'{value}' is not a value of this fact; {suggest(str(value), spec.values or [])}"
    return None
