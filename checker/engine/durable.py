"""The durable_rules engine: the only module that imports durable.

Each criterion compiles to up to three rules, `<ID>__met`, `<ID>__not_met` and
`<ID>__not_applicable`, written in Kleene three-valued logic with negation pushed down to the
leaves (durable has no expression-level `not`, and a missing field never matches a comparison).
A criterion for which no rule fired is `not_documented`. One fact per case is asserted in a fresh
session, the fired rule names are collected, and the session is deleted in `finally`.

Measured traps this module avoids (see docs/durable-rules-notes.md in the shared folder):
  - the stock Host starts timer threads that race with synchronous calls: `_run` is a no-op;
  - `post` fires only the first matching rule: facts are asserted with `assert_fact`;
  - untagged patterns loop on the engine's own state fact: every pattern carries `t: case`;
  - at most 1024 live sessions per ruleset: every session is deleted after its evaluation;
  - a fact that matches no rule is refused (code 1) but still leaves a half-made session behind,
    and deleting that session crashes the process (a segmentation fault) when it is the ruleset's
    first, or while another session lives: every ruleset carries one rule that matches every case
    (`SEEN`), so each case's session is a whole one and deleting it is safe, as on a pack whose
    exclusions always fire;
  - exceptions inside actions are swallowed, and two-parameter actions never complete: no Python
    action runs at all; matched rules are read off the session's pending actions;
  - an `$or` whose branches both match fires twice: fired names are collected in a set;
  - strings compared with numbers compare as text: facts are type-checked before they arrive.
"""
from __future__ import annotations

import copy
import itertools
import json
import threading
from typing import Any, Callable

import durable_rules_engine as _dre
from durable.engine import Host

from checker.rules.condition import NEGATION, All, Condition, Leaf, Not
from checker.core.errors import CheckerError
from checker.rules.rulepack import RulePack

TAG = {"t": "case"}
# the rule that matches every case (lower case: criterion ids are upper case, so it cannot clash)
SEEN = "case__seen"
_SCALARS = (bool, int, float, str)
RESERVED = ("t", "sid", "id")


class EngineError(CheckerError):
    """The engine failed on a case: a bug or a broken ruleset, never a finding."""


class _SyncHost(Host):
    def _run(self) -> None:  # no timer threads: every call here is synchronous
        pass


# --- compiling conditions ------------------------------------------------------------------------------

def _cmp(leaf: Leaf, negate: bool) -> dict:
    if leaf.op == "in":
        if negate:
            return _and([{"$neq": {leaf.fact: v}} for v in leaf.value])
        return _or([{leaf.fact: v} for v in leaf.value])
    op = NEGATION[leaf.op] if negate else leaf.op
    return {leaf.fact: leaf.value} if op == "eq" else {f"${op}": {leaf.fact: leaf.value}}


def _missing(leaf: Leaf) -> dict:
    return {"$nex": {leaf.fact: 1}}


def _and(parts: list[dict]) -> dict:
    return parts[0] if len(parts) == 1 else {"$and": parts}


def _or(parts: list[dict]) -> dict:
    return parts[0] if len(parts) == 1 else {"$or": parts}


def compile_truth(cond: Condition, want: str) -> dict:
    """A durable expression matching exactly the cases where `cond` is TRUE ("T"), FALSE ("F"),
    not FALSE ("NF": true or unknown) or not TRUE ("NT": false or unknown)."""
    if isinstance(cond, Leaf):
        negate = want in ("F", "NT")
        # when may a missing fact satisfy this test? T: only if it counts as true; F: only if false;
        # NF: unless it counts as false; NT: unless it counts as true.
        wu = cond.if_undocumented
        missing_ok = {"T": wu is True, "F": wu is False, "NF": wu is not False, "NT": wu is not True}[want]
        base = _cmp(cond, negate)
        return _or([base, _missing(cond)]) if missing_ok else base
    if isinstance(cond, Not):
        return compile_truth(cond.item, {"T": "F", "F": "T", "NF": "NT", "NT": "NF"}[want])
    conjunctive = isinstance(cond, All) == (want in ("T", "NF"))
    parts = [compile_truth(item, want) for item in cond.items]
    return _and(parts) if conjunctive else _or(parts)


def compile_pack(pack: RulePack, action: Callable[[str], Callable[[Any], None]]) -> dict:
    """The durable ruleset (dict form) for a pack; `action(rule_name)` makes each rule's action."""
    rules: dict[str, dict] = {}

    def add(name: str, parts: list[dict]) -> None:
        rules[name] = {"all": [{"m": {"$and": [TAG] + parts}}], "run": action(name)}

    add(SEEN, [])
    for c in pack.criteria:
        gate = [compile_truth(c.applies_when, "NF")] if c.applies_when else []
        add(f"{c.id}__met", gate + [compile_truth(c.condition, "T")])
        add(f"{c.id}__not_met", gate + [compile_truth(c.condition, "F")])
        if c.applies_when:
            add(f"{c.id}__not_applicable", [compile_truth(c.applies_when, "F")])
    return rules


# --- evaluating ----------------------------------------------------------------------------------------

class Engine:
    """Evaluates cases against rule packs through durable_rules, one session per case.

    Rulesets are registered through a (synchronous) Host, which validates and compiles them; cases
    are then run through the engine's C entry points directly: assert the fact, then drain the
    session's pending actions, recording each matched rule's name. Going through Host.assert_fact
    instead wraps every action in Python closures and JSON round trips and runs at about half the
    speed or less (benchmarks/engine_speed.py measures the ratio in each run). No Python action ever
    runs, so none can fail silently.
    """

    _names = itertools.count()

    def __init__(self, packs: tuple[RulePack, ...] | list[RulePack]):
        self._host = _SyncHost()
        self._lock = threading.Lock()
        self._sids = itertools.count(1)
        self._handles: dict[str, Any] = {}
        self._facts: dict[str, frozenset[str]] = {}
        self._ids: dict[str, list[str]] = {}
        self._rule_status: dict[str, dict[str, tuple[str, str]]] = {}
        self._packs = {p.id: p for p in packs}
        for pack in packs:
            name = f"pack{next(Engine._names)}"
            rules = compile_pack(pack, _no_action)
            # register_rulesets deletes `run` from the dict it is given: pass a deep copy
            self._host.register_rulesets({name: copy.deepcopy(rules)})
            self._handles[pack.id] = self._host.get_ruleset(name)._handle
            # only the facts the conditions test are sent: fewer properties, faster matching
            self._facts[pack.id] = frozenset(f for c in pack.criteria for f in c.facts) - set(RESERVED)
            self._ids[pack.id] = [c.id for c in pack.criteria]
            self._rule_status[pack.id] = {f"{c.id}__{s}": (c.id, s) for c in pack.criteria
                                          for s in ("met", "not_met", "not_applicable")}

    def statuses(self, pack_id: str, values: dict[str, Any]) -> dict[str, str]:
        """The status of every criterion of the pack for documented fact values."""
        out = dict.fromkeys(self._ids[pack_id], "not_documented")
        rule_status = self._rule_status[pack_id]
        for name in self.fired(pack_id, values) - {SEEN}:
            cid, status = rule_status[name]
            if out[cid] != "not_documented":
                raise EngineError(f"{cid}: rules for {out[cid]} and {status} fired together; "
                                  "the compiled ruleset is inconsistent")
            out[cid] = status
        return out

    def fired(self, pack_id: str, values: dict[str, Any]) -> set[str]:
        handle = self._handles[pack_id]
        wanted = self._facts[pack_id]
        fact = {k: v for k, v in values.items() if k in wanted and type(v) in _SCALARS}
        for key, value in fact.items():
            # the engine's JSON reader rejects exponent notation (error 204): facts are validated
            # and rounded before they get here, so such a number is a caller's bug
            if type(value) is float and any(ch in repr(value) for ch in "ein"):
                raise EngineError(f"fact '{key}': number {value!r} cannot be passed to the engine; round it first")
        with self._lock:
            sid = str(next(self._sids))
            fact.update(TAG, sid=sid)
            fired: set[str] = set()
            created = False
            try:
                code, state = _dre.assert_fact(handle, json.dumps(fact))
                if code != 0:
                    # code 1 (no rule matched) cannot happen with SEEN; its session is not deleted,
                    # since deleting a half-made session can crash the process
                    raise EngineError(f"engine refused the case (code {code})")
                created = True
                pending = _dre.start_action_for_state(handle, state)
                message = pending[1] if pending else None
                while message:
                    # a pending action is '{"<rule name>": {...the matched fact...}}'; rule names
                    # are ours and contain no quote, so the name is read without parsing the rest
                    fired.add(message[2:message.index('"', 2)])
                    message = _dre.complete_and_start_action(handle, state)
            except EngineError:
                raise
            except Exception as exc:  # the C module raises bare exceptions with numeric codes
                raise EngineError(f"engine failed on a case: {exc}") from None
            finally:
                if created:
                    _dre.delete_state(handle, sid)
        return fired


def _no_action(rule_name: str) -> Callable[[Any], None]:
    def act(c: Any) -> None:  # never called: actions are drained, not run (see Engine)
        return None
    return act
