"""Rule packs: a guideline section's criteria as YAML, validated into typed objects.

Every problem in a rule file is reported at once as `path:line:col: criterion-id: field: message`.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Literal, Optional

from pydantic import Field, ValidationError, field_validator

from checker.rules.condition import MAX_LEAVES, Condition, facts_of, leaves, parse
from checker.core.errors import InputError, Problem, ValidationFailure
from checker.rules.facts import FactSet, build_factset
from checker.rules.schema import Strict, model_keys, problems_from_validation
from checker.rules.vocabulary import Vocabulary, load_vocabulary, pack_folders
from checker.rules.yamlsrc import Located, load_yaml_file

STATUSES = ("met", "not_met", "not_documented", "not_applicable")
RULE_SCHEMA = "checker/rule-pack/1"
# the one fact the framework itself reads: its value (a pack's `treatment`) selects the rule pack
ROUTING_FACT = "treatment"


def _iso(value: str) -> str:
    dt.date.fromisoformat(value)
    return value


class InForce(Strict):
    from_: str = Field(alias="from")
    to: Optional[str] = None

    @field_validator("from_", "to")
    @classmethod
    def _dates(cls, value: Optional[str]) -> Optional[str]:
        return value if value is None else _iso(value)


class GuidelineModel(Strict):
    id: str
    title: str
    edition: str
    regulation: str
    in_force: InForce
    public: bool = True
    note: str = ""


class ExampleModel(Strict):
    name: str
    facts: dict[str, Any]
    expect: Literal["met", "not_met", "not_documented", "not_applicable"]


class CriterionModel(Strict):
    id: str = Field(pattern=r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)+$")
    name: str
    kind: Literal["criterion", "indication", "exclusion"]
    text: str
    page: int
    applies_to: str
    applies_when: Optional[dict[str, Any]] = None
    condition: dict[str, Any]
    undocumented: str
    ask: str = ""
    # stated when applies_when was decided by an undocumented fact taking its `if_undocumented` value
    assumption: str = ""
    confirm: str = ""
    notes: str = ""
    examples: list[ExampleModel] = Field(min_length=1)


class RecogniserModel(Strict):
    # a letter item's title or a note's request sentence this pack takes (a regular expression,
    # matched case-insensitively), unless `refuses` matches it too (the keyword traps)
    takes: str
    refuses: Optional[str] = None
    # in a note's sentence, a trap counts only this many characters either side of what `takes` matched
    # (the same sentence may ask for an MRI as well); in an item title it counts anywhere. None: anywhere.
    refuse_within: Optional[int] = Field(default=None, ge=0, le=1000)
    # traps that count anywhere in a note's sentence whatever `refuse_within` says (a request that is of
    # another kind as a whole: "..., status post a fusion on 6/1" far from the treatment's name)
    refuses_anywhere: Optional[str] = None


class PackModel(Strict):
    id: str
    treatment: str
    section: str
    pages: list[int]
    preamble: str
    # without one, the pack takes no letter item or note request (only case files reach it)
    recogniser: Optional[RecogniserModel] = None


class RuleFileModel(Strict):
    schema_: Literal["checker/rule-pack/1"] = Field(alias="schema")
    guideline: GuidelineModel
    pack: PackModel
    criteria: list[CriterionModel] = Field(min_length=1)


@dataclass(frozen=True)
class Example:
    name: str
    facts: FactSet
    expect: str
    line: int
    at: tuple[int, int] = (0, 0)   # line and column of its `expect` value


@dataclass(frozen=True)
class Criterion:
    id: str
    name: str
    kind: str
    text: str
    page: int
    applies_to: str
    applies_when: Optional[Condition]
    condition: Condition
    undocumented: str
    notes: str
    examples: tuple[Example, ...]
    line: int
    ask: str = ""
    assumption: str = ""
    confirm: str = ""

    @property
    def facts(self) -> list[str]:
        return sorted(set(facts_of(self.condition)) | set(facts_of(self.applies_when)))


@dataclass(frozen=True)
class Guideline:
    id: str
    title: str
    edition: str
    regulation: str
    in_force_from: dt.date
    in_force_to: Optional[dt.date]
    public: bool

    def in_force_on(self, day: dt.date) -> bool:
        return self.in_force_from <= day and (self.in_force_to is None or day <= self.in_force_to)


@dataclass(frozen=True)
class RulePack:
    id: str
    path: str
    treatment: str
    section: str
    pages: tuple[int, ...]
    preamble: str
    guideline: Guideline
    criteria: tuple[Criterion, ...]
    takes: Optional[re.Pattern[str]] = None
    refuses: Optional[re.Pattern[str]] = None
    refuse_within: Optional[int] = None
    refuses_anywhere: Optional[re.Pattern[str]] = None

    def fact_names(self) -> frozenset[str]:
        """The facts its criteria and their applicability conditions name."""
        return frozenset(n for c in self.criteria for n in c.facts)

    def recognises(self, text: str, start: int = 0, end: Optional[int] = None) -> Optional[re.Match[str]]:
        """Where its recogniser takes the item title text[start:end] (None: not taken, a keyword trap in
        it, or the pack has no recogniser)."""
        end = len(text) if end is None else end
        if self.takes is None or any(r is not None and r.search(text, start, end)
                                     for r in (self.refuses, self.refuses_anywhere)):
            return None
        return self.takes.search(text, start, end)

    def recognises_sentence(self, text: str, start: int, end: int) -> Optional[re.Match[str]]:
        """Where a note's sentence text[start:end] asks for this pack's treatment: the first match of
        `takes` with no keyword trap within `refuse_within` characters of it (anywhere, when unset)."""
        return next(self.accepted_hits(text, start, end), None)

    def accepted_hits(self, text: str, start: int, end: int) -> Iterator[re.Match[str]]:
        """Every match of `takes` in a note's sentence text[start:end] that no keyword trap refuses: none
        when `refuses_anywhere` is in the sentence, else a match with no `refuses` within `refuse_within`
        characters of it (anywhere in the sentence, when unset)."""
        if self.takes is None or (self.refuses_anywhere is not None and self.refuses_anywhere.search(text, start, end)):
            return
        reach = self.refuse_within
        for hit in self.takes.finditer(text, start, end):
            lo, hi = (start, end) if reach is None else (max(start, hit.start() - reach), min(end, hit.end() + reach))
            if self.refuses is None or not self.refuses.search(text, lo, hi):
                yield hit

    def criterion(self, cid: str) -> Criterion:
        for c in self.criteria:
            if c.id == cid:
                return c
        raise KeyError(cid)


@dataclass(frozen=True)
class RuleSet:
    """Everything under a rules directory: the vocabulary and every rule pack."""

    root: str
    vocabulary: Vocabulary
    packs: tuple[RulePack, ...]

    def pack_for(self, treatment: str) -> Optional[RulePack]:
        return next((p for p in self.packs if p.treatment == treatment), None)

    def criterion(self, cid: str) -> tuple[RulePack, Criterion]:
        for pack in self.packs:
            for c in pack.criteria:
                if c.id == cid:
                    return pack, c
        raise KeyError(cid)


def _subject(data: Any, loc: tuple) -> str:
    if len(loc) >= 2 and loc[0] == "criteria" and isinstance(loc[1], int):
        try:
            return str(data["criteria"][loc[1]].get("id") or f"criteria[{loc[1]}]")
        except (IndexError, KeyError, TypeError, AttributeError):
            return f"criteria[{loc[1]}]"
    return str(loc[0]) if loc else "rules"


def _allowed(loc: tuple) -> list[str]:
    if not loc:
        return ["schema", "guideline", "pack", "criteria"]
    if loc[0] == "criteria" and len(loc) == 2:
        return model_keys(CriterionModel)
    if loc[0] == "criteria" and len(loc) == 4 and loc[2] == "examples":
        return model_keys(ExampleModel)
    return {"guideline": model_keys(GuidelineModel), "pack": model_keys(PackModel)}.get(str(loc[0]), [])


def load_pack(path: str | Path, vocab: Vocabulary) -> RulePack:
    doc = load_yaml_file(path)
    if not isinstance(doc.data, dict):
        raise ValidationFailure([doc.problem((), "rules", "expected a mapping at the top of the file",
                                             "start with 'schema: checker/rule-pack/1'")])
    try:
        model = RuleFileModel.model_validate(doc.data)
    except ValidationError as exc:
        problems = problems_from_validation(doc, exc, lambda loc: _subject(doc.data, loc), _allowed)
        # conditions are checked too, so that one run reports every problem in the file
        problems += _condition_problems(doc, vocab)
        raise ValidationFailure(sorted(set(problems), key=lambda p: (p.line, p.col))) from None
    return _build(doc, model, vocab)


def _condition_problems(doc: Located, vocab: Vocabulary) -> list[Problem]:
    problems: list[Problem] = []
    for i, item in enumerate(doc.data.get("criteria") or []):
        if not isinstance(item, dict):
            continue
        subject = str(item.get("id", f"criteria[{i}]"))
        for key in ("applies_when", "condition"):
            if item.get(key) is not None:
                parse(item[key], ("criteria", i, key), doc, subject, vocab, problems)
    return problems


def _defaults_applicability(applies_when: Optional[dict[str, Any]]) -> bool:
    """Whether an applies_when (as written) gives some undocumented fact a default value."""
    if isinstance(applies_when, dict):
        return "if_undocumented" in applies_when or any(
            _defaults_applicability(v) for v in applies_when.values() if isinstance(v, (dict, list)))
    if isinstance(applies_when, list):
        return any(_defaults_applicability(v) for v in applies_when)
    return False


def _build(doc: Located, model: RuleFileModel, vocab: Vocabulary) -> RulePack:
    problems: list[Problem] = []
    criteria = []
    seen: dict[str, int] = {}
    for i, cm in enumerate(model.criteria):
        base = ("criteria", i)
        if cm.id in seen:
            problems.append(doc.problem(base + ("id",), cm.id, f"duplicate criterion id (first at criteria[{seen[cm.id]}])",
                                        "criterion ids are public and must be unique"))
        seen.setdefault(cm.id, i)
        applies = parse(cm.applies_when, base + ("applies_when",), doc, cm.id, vocab, problems) if cm.applies_when else None
        condition = parse(cm.condition, base + ("condition",), doc, cm.id, vocab, problems)
        size = sum(1 for c in (applies, condition) if c is not None for _ in leaves(c))
        if size > MAX_LEAVES:
            problems.append(doc.problem(base + ("condition",), cm.id, f"{size} leaf conditions, more than the {MAX_LEAVES} "
                                        "the engine can compile", "split the criterion"))
            condition = None
        examples = []
        for j, ex in enumerate(cm.examples):
            facts, errors = build_factset(ex.facts, vocab, f"{doc.path}:{doc.where(base + ('examples', j))[0]}")
            for name, message in errors:
                problems.append(doc.problem(base + ("examples", j, "facts", name), cm.id, message))
            if ex.expect == "not_applicable" and cm.applies_when is None:
                problems.append(doc.problem(base + ("examples", j, "expect"), cm.id,
                                            "not_applicable is impossible: the criterion has no applies_when",
                                            "expect met, not_met or not_documented"))
            examples.append(Example(ex.name, facts, ex.expect, doc.where(base + ("examples", j))[0],
                                    doc.where(base + ("examples", j, "expect"))))
        if condition is not None:
            criteria.append(Criterion(cm.id, cm.name, cm.kind, " ".join(cm.text.split()), cm.page, cm.applies_to,
                                      applies, condition, " ".join(cm.undocumented.split()),
                                      " ".join(cm.notes.split()), tuple(examples), doc.where(base)[0],
                                      " ".join(cm.ask.split()), " ".join(cm.assumption.split()),
                                      " ".join(cm.confirm.split())))
        if (cm.assumption or cm.confirm) and not _defaults_applicability(cm.applies_when):
            problems.append(doc.problem(base + ("assumption" if cm.assumption else "confirm",), cm.id,
                                        "an assumption needs an applies_when leaf with if_undocumented",
                                        "add if_undocumented to applies_when, or drop the assumption"))
    for i, cm in enumerate(model.criteria):
        if cm.page not in model.pack.pages:
            problems.append(doc.problem(("criteria", i, "page"), cm.id, f"page {cm.page} is not among the pack's pages {model.pack.pages}",
                                        "fix the page or the pack's pages"))
    takes, refuses, refuses_anywhere = _recogniser(doc, model.pack.recogniser, problems)
    if problems:
        raise ValidationFailure(sorted(set(problems), key=lambda p: (p.line, p.col)))
    g = model.guideline
    guideline = Guideline(g.id, g.title, g.edition, g.regulation, dt.date.fromisoformat(g.in_force.from_),
                          dt.date.fromisoformat(g.in_force.to) if g.in_force.to else None, g.public)
    p = model.pack
    return RulePack(p.id, doc.path, p.treatment, p.section, tuple(p.pages), " ".join(p.preamble.split()),
                    guideline, tuple(criteria), takes, refuses,
                    p.recogniser.refuse_within if p.recogniser is not None else None, refuses_anywhere)


def _recogniser(doc: Located, model: Optional[RecogniserModel], problems: list[Problem]) -> tuple:
    """The recogniser's patterns, compiled; a pattern that does not compile is a problem at its line."""
    out = []
    for key in ("takes", "refuses", "refuses_anywhere"):
        text = getattr(model, key) if model is not None else None
        try:
            out.append(re.compile(text, re.IGNORECASE) if text else None)
        except re.error as exc:
            problems.append(doc.problem(("pack", "recogniser", key), "pack", f"invalid regular expression: {exc}"))
            out.append(None)
    return tuple(out)


def load_rules(rules_dir: str | Path) -> RuleSet:
    """Load the vocabulary and every pack of `rules_dir`, reporting all problems: each `*.rules.yaml` in
    it, then each pack folder `packs/<pack>/` (its `*.rules.yaml`, and the facts it adds in its
    `facts.yaml`), in name order."""
    root = Path(rules_dir)
    if not root.is_dir():
        raise InputError(f"{root}: not a rules folder")
    if not (root / "facts.yaml").exists():
        raise InputError(f"{root}: no facts.yaml (the fact vocabulary) in this rules folder")
    pack_dirs = pack_folders(root)
    vocab = load_vocabulary(root, pack_dirs)
    packs, problems = [], []
    files = sorted(root.glob("*.rules.yaml")) + [f for d in pack_dirs for f in sorted(d.glob("*.rules.yaml"))]
    if not files:
        raise InputError(f"{root}: no rule packs (*.rules.yaml)")
    for path in files:
        try:
            packs.append(load_pack(path, vocab))
        except ValidationFailure as failure:
            problems.extend(failure.problems)
    ids = [c.id for p in packs for c in p.criteria]
    for pack in packs:
        for c in pack.criteria:
            if ids.count(c.id) > 1 and pack is not packs[0]:
                problems.append(Problem(pack.path, c.line, 1, c.id, "id", "criterion id used in another pack too", ""))
        routing = vocab.facts.get(ROUTING_FACT)
        if routing is None or routing.type != "enum":
            problems.append(Problem(pack.path, 1, 1, pack.id, "pack.treatment",
                                    f"the vocabulary has no enum fact '{ROUTING_FACT}' to select this pack by", ""))
    if problems:
        raise ValidationFailure(problems)
    return RuleSet(str(root), _with_treatments(vocab, packs), tuple(packs))


def _with_treatments(vocab: Vocabulary, packs: list[RulePack]) -> Vocabulary:
    """The vocabulary with each pack's treatment among the routing fact's values: a pack adds its own."""
    spec = vocab.facts[ROUTING_FACT]
    values = list(dict.fromkeys([*spec.values, *(p.treatment for p in packs)]))
    if values == spec.values:
        return vocab
    facts = {**vocab.facts, ROUTING_FACT: spec.model_copy(update={"values": values})}
    return dataclasses.replace(vocab, facts=facts)
