"""The fact vocabulary (rules/facts.yaml) and lexicons (rules/lexicon/*.yaml), validated on load."""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Optional, Sequence, Union

from pydantic import Field, ValidationError, model_validator

from checker.reading.dates import LETTER_DATE_KEYS
from checker.core.errors import Problem, ValidationFailure
from checker.rules.schema import Strict, model_keys, problems_from_validation, suggest
from checker.rules.yamlsrc import Located, load_yaml_file

FactType = Literal["bool", "int", "number", "date", "enum", "list"]
FACT_TYPES = ("bool", "int", "number", "date", "enum", "list")
NUMERIC = ("int", "number")


class DaysBetween(Strict):
    start: list[str]
    end: list[str]


class Classify(Strict):
    fact: str
    lexicon: str
    any_in: list[str]


class Derivation(Strict):
    days_between: Optional[DaysBetween] = None
    classify: Optional[Classify] = None
    # arithmetic over number facts: every input documented (sum, product), or the first one documented
    sum: Optional[list[str]] = Field(default=None, min_length=2)
    product: Optional[list[str]] = Field(default=None, min_length=2)
    first: Optional[list[str]] = Field(default=None, min_length=2)

    @model_validator(mode="after")
    def _one(self) -> "Derivation":
        given = [k for k in ARITHMETIC + ("days_between", "classify") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of 'days_between', 'classify', 'sum', 'product' or 'first'")
        return self

    @property
    def arithmetic(self) -> Optional[tuple[str, list[str]]]:
        """(operation, input facts) of a sum, product or first-documented derivation."""
        return next(((k, getattr(self, k)) for k in ARITHMETIC if getattr(self, k) is not None), None)

    @property
    def sources(self) -> tuple[str, ...]:
        """The facts it is computed from."""
        if self.days_between is not None:
            return tuple(self.days_between.start) + tuple(self.days_between.end)
        if self.arithmetic is not None:
            return tuple(self.arithmetic[1])
        return (self.classify.fact,) if self.classify is not None else ()


ARITHMETIC = ("sum", "product", "first")


def _derives_from_itself(name: str, *tables) -> bool:
    """Whether following the inputs of derived facts from `name` comes back to it (a cycle)."""
    def inputs(n: str) -> list[str]:
        d = getattr(next((t[n] for t in tables if n in t), None), "derive", None)
        return list(d.sources) if d is not None else []

    seen: set[str] = set()
    stack = inputs(name)
    while stack:
        n = stack.pop()
        if n == name:
            return True
        if n not in seen:
            seen.add(n)
            stack += inputs(n)
    return False


def _is_iso(text: str) -> bool:
    import datetime as dt

    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


class FactSpec(Strict):
    type: FactType
    label: str
    ask: str
    group: str
    values: Optional[list[str]] = None
    min: Optional[Union[int, float, str]] = None   # numbers for int/number facts, YYYY-MM-DD for dates
    max: Optional[Union[int, float, str]] = None
    unit: Optional[str] = None
    adjust: Optional[Literal["lower", "later"]] = None
    derive: Optional[Derivation] = None
    # false: `checker score` does not count it (a stand-in or routing fact that expectation files
    # do not list); derived facts are never scored either
    scored: bool = True

    @model_validator(mode="after")
    def _coherent(self) -> "FactSpec":
        if (self.type == "enum") != bool(self.values):
            raise ValueError("'values' is required for an enum fact and only for one")
        for bound in (self.min, self.max):
            if bound is None:
                continue
            if self.type == "date":
                if not isinstance(bound, str) or not _is_iso(bound):
                    raise ValueError("'min'/'max' of a date fact are dates written YYYY-MM-DD")
            elif self.type in NUMERIC:
                if isinstance(bound, str) or isinstance(bound, bool):
                    raise ValueError("'min'/'max' of a number fact are numbers")
            else:
                raise ValueError("'min'/'max' apply only to int, number and date facts")
        return self


class ReportModel(Strict):
    # facts shown as "the request" of a checked item, in this order
    request: list[str] = []
    # date facts shown as the case's timeline (sorted by date)
    timeline: list[str] = []


class FactsFile(Strict):
    schema_: str = Field("", alias="schema")
    facts: dict[str, FactSpec]
    order: list[list[str]] = []
    report: ReportModel = ReportModel()
    # a date of an IMR letter's header (its key: injury, ur_denial, decision, assigned, received) ->
    # the date fact it documents for every item of the letter
    letter_dates: dict[str, str] = {}


class LexiconFile(Strict):
    schema_: str = Field("", alias="schema")
    lexicon: str
    # the list fact a letter's mention of a listed name documents (the extractor reads them), if any
    fact: Optional[str] = None
    classes: dict[str, list[str]]


@dataclass(frozen=True)
class Lexicon:
    name: str
    classes: dict[str, tuple[str, ...]]
    fact: Optional[str] = None

    def classes_in(self, term: str) -> frozenset[str]:
        """Every class whose listed name occurs in `term` as whole words (empty: unclassified)."""
        text = " ".join(term.lower().split())
        return frozenset(cls for cls, rx in self._patterns.items() if rx.search(text))

    @functools.cached_property
    def _patterns(self) -> dict[str, re.Pattern[str]]:
        """One pattern per class, compiled once (not left to re's cache, which a long batch's other
        patterns keep emptying: it drops its oldest entry when full)."""
        return {cls: re.compile(r"(?<![\w-])(?:" + "|".join(map(re.escape, names)) + r")(?![\w-])")
                for cls, names in self.classes.items()}


@dataclass(frozen=True)
class Vocabulary:
    facts: dict[str, FactSpec]
    order: tuple[tuple[str, str], ...]
    lexicons: dict[str, Lexicon]
    request_facts: tuple[str, ...] = ()
    timeline_facts: tuple[str, ...] = ()
    letter_dates: tuple[tuple[str, str], ...] = ()

    @property
    def unscored(self) -> frozenset[str]:
        """Facts `checker score` does not count: derived ones and those marked `scored: false`."""
        return frozenset(n for n, s in self.facts.items() if s.derive is not None or not s.scored)

    def spec(self, name: str) -> FactSpec:
        return self.facts[name]

    def inputs(self, name: str) -> tuple[str, ...]:
        """The facts a derived fact is computed from (none for an extracted one)."""
        d = self.facts[name].derive if name in self.facts else None
        return d.sources if d is not None else ()

    @functools.cached_property
    def feeds(self) -> dict[str, frozenset[str]]:
        """For each fact, the arithmetic-derived facts computed from it, directly or through others."""
        out: dict[str, set[str]] = {}
        for d, spec in self.facts.items():
            if spec.derive is not None and spec.derive.arithmetic is not None:
                for src in self.closure([d]) - {d}:
                    out.setdefault(src, set()).add(d)
        return {k: frozenset(v) for k, v in out.items()}

    def closure(self, names) -> frozenset[str]:
        """`names` and every fact they are derived from, transitively."""
        out, stack = set(names), list(names)
        while stack:
            for src in self.inputs(stack.pop()):
                if src not in out:
                    out.add(src)
                    stack.append(src)
        return frozenset(out)


def _validate(doc: Located, model: type[Strict], subject: str) -> Strict:
    if not isinstance(doc.data, dict):
        raise ValidationFailure([doc.problem((), subject, "expected a mapping at the top of the file", "")])
    try:
        return model.model_validate(doc.data)
    except ValidationError as exc:
        def keys(loc: tuple) -> list[str]:
            if len(loc) == 2 and loc[0] == "facts":
                return model_keys(FactSpec)
            return model_keys(model)
        raise ValidationFailure(problems_from_validation(doc, exc, lambda loc: subject, keys)) from None


def pack_folders(rules_dir: str | Path) -> list[Path]:
    """The pack folders of a rules folder (packs/<pack>/), in name order."""
    return sorted(p for p in (Path(rules_dir) / "packs").glob("*") if p.is_dir())


def load_vocabulary(rules_dir: str | Path, pack_dirs: Optional[Sequence[Path]] = None) -> Vocabulary:
    """The shared facts (rules_dir/facts.yaml) with the facts each pack folder adds (its facts.yaml;
    default: every pack folder of rules_dir); a fact is defined once."""
    rules_dir = Path(rules_dir)
    pack_dirs = pack_folders(rules_dir) if pack_dirs is None else pack_dirs
    doc = load_yaml_file(rules_dir / "facts.yaml")
    facts_file = _validate(doc, FactsFile, "facts")
    lexicons: dict[str, Lexicon] = {}
    problems: list[Problem] = []
    known, order, added = dict(facts_file.facts), list(facts_file.order), []
    for folder in pack_dirs:
        if not (Path(folder) / "facts.yaml").is_file():
            continue
        pack_doc = load_yaml_file(Path(folder) / "facts.yaml")
        own = _validate(pack_doc, FactsFile, "facts")
        for name in own.facts:
            if name in known:
                problems.append(pack_doc.problem(("facts", name), "facts", f"fact '{name}' is defined already",
                                                 "a fact is defined once: use the shared one", at_key=True))
        if own.report.request or own.report.timeline or own.letter_dates:
            problems.append(pack_doc.problem(("report",) if (own.report.request or own.report.timeline) else ("letter_dates",),
                                             "facts", "only the shared facts.yaml says what reports show and what letters date", ""))
        known.update({n: s for n, s in own.facts.items() if n not in known})
        order += own.order
        added.append((pack_doc, own))
    for path in sorted((rules_dir / "lexicon").glob("*.yaml")):
        lex_doc = load_yaml_file(path)
        lex = _validate(lex_doc, LexiconFile, "lexicon")
        lexicons[lex.lexicon] = Lexicon(lex.lexicon, {k: tuple(v) for k, v in lex.classes.items()}, lex.fact)
        spec = known.get(lex.fact) if lex.fact else None
        if lex.fact and (spec is None or spec.type != "list"):
            problems.append(lex_doc.problem(("fact",), "lexicon", f"'{lex.fact}' is not a list fact of facts.yaml",
                                            suggest(lex.fact, [n for n, s in known.items() if s.type == "list"])))
    if sum(1 for lex in lexicons.values() if lex.fact) > 1:
        problems.append(doc.problem((), "lexicon", "more than one lexicon names a fact", "the extractor reads one"))
    problems += _check_references(doc, facts_file, lexicons, known)
    for pack_doc, own in added:
        problems += _check_references(pack_doc, own, lexicons, known)
    if problems:
        raise ValidationFailure(problems)
    return Vocabulary(known, tuple((a, b) for a, b in order), lexicons,
                      tuple(facts_file.report.request), tuple(facts_file.report.timeline),
                      tuple(facts_file.letter_dates.items()))


def _check_references(doc: Located, ff: FactsFile, lexicons: dict[str, Lexicon],
                      known: dict[str, FactSpec]) -> list[Problem]:
    """Problems of one facts file; the facts it refers to are among `known` (shared and packs')."""
    problems = []
    names = list(known)

    def need(name: str, loc: tuple, wanted: tuple[str, ...]) -> None:
        if name not in known:
            problems.append(doc.problem(loc, "facts", f"unknown fact '{name}'", suggest(name, names)))
        elif known[name].type not in wanted:
            problems.append(doc.problem(loc, "facts", f"fact '{name}' is {known[name].type}, expected {' or '.join(wanted)}", ""))

    for name in ff.facts:
        if name in ("t", "sid", "id") or not re.fullmatch(r"[a-z][a-z0-9_]*", name):
            problems.append(doc.problem(("facts", name), "facts", f"'{name}' cannot name a fact",
                                        "use lower_snake_case; t, sid and id are reserved by the engine", at_key=True))
    for name, spec in ff.facts.items():
        d = spec.derive
        if d is None:
            continue
        base = ("facts", name, "derive")
        if d.days_between:
            if spec.type not in NUMERIC:
                problems.append(doc.problem(base, name, "days_between gives a number: declare the fact as number", ""))
            for side in ("start", "end"):
                for i, src in enumerate(getattr(d.days_between, side)):
                    need(src, base + ("days_between", side, i), ("date",))
        if d.arithmetic and _derives_from_itself(name, ff.facts, known):
            problems.append(doc.problem(base, name, f"'{name}' is derived, through other facts, from itself", ""))
        if d.arithmetic:
            op, sources = d.arithmetic
            if spec.type not in NUMERIC:
                problems.append(doc.problem(base, name, f"{op} gives a number: declare the fact as int or number", ""))
            for i, src in enumerate(sources):
                if src == name:
                    problems.append(doc.problem(base + (op, i), name, f"'{name}' cannot be derived from itself", ""))
                else:
                    need(src, base + (op, i), NUMERIC)
        if d.classify:
            need(d.classify.fact, base + ("classify", "fact"), ("list",))
            lex = lexicons.get(d.classify.lexicon)
            if lex is None:
                problems.append(doc.problem(base + ("classify", "lexicon"), name, f"unknown lexicon '{d.classify.lexicon}'",
                                            suggest(d.classify.lexicon, lexicons)))
            else:
                for i, cls in enumerate(d.classify.any_in):
                    if cls not in lex.classes:
                        problems.append(doc.problem(base + ("classify", "any_in", i), name, f"unknown class '{cls}'",
                                                    suggest(cls, lex.classes)))
    for i, name in enumerate(ff.report.request):
        need(name, ("report", "request", i), FACT_TYPES)
    for i, name in enumerate(ff.report.timeline):
        need(name, ("report", "timeline", i), ("date",))
    for key, name in ff.letter_dates.items():
        if key not in LETTER_DATE_KEYS:
            problems.append(doc.problem(("letter_dates", key), "facts", f"'{key}' is not a date of a letter's header",
                                        suggest(key, LETTER_DATE_KEYS), at_key=True))
        need(name, ("letter_dates", key), ("date",))
    for i, pair in enumerate(ff.order):
        if len(pair) != 2:
            problems.append(doc.problem(("order", i), "facts", "each order entry names two date facts", "[earlier, later]"))
            continue
        for j, name in enumerate(pair):
            need(name, ("order", i, j), ("date",))
    return problems
