"""Extraction data (rules/extraction/*.yaml) loaded, validated and compiled.

Nothing here knows a criterion: the files say which phrases document which fact of the vocabulary.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal, Optional, Union

from pydantic import Field, ValidationError

from checker.reading.dates import DATE_PATTERN
from checker.core.errors import Problem, ValidationFailure
from checker.extraction.prefilter import Prefiltered
from checker.rules.schema import Strict, problems_from_validation
from checker.rules.vocabulary import Vocabulary
from checker.rules.yamlsrc import Located, load_yaml_file

Conflict = Literal[True, "first", "last", "latest", "drop", "nearest_before_request"]


class PatternModel(Strict):
    pattern: str
    value: Optional[Union[bool]] = None
    negatable: bool = False
    absent_means: Optional[bool] = None
    requires: Optional[str] = None
    unless: Optional[str] = None
    # the fact is itself a plan or an option ("surgery being considered"): a conditional or planned
    # mention ("if the study shows a herniation, she would consider surgery") documents it too
    conditional: bool = False


class BoolFactModel(Strict):
    conflict: Conflict
    patterns: list[PatternModel] = []
    therapy: Optional[str] = None


class ValueFactModel(Strict):
    conflict: Conflict
    unit: Optional[Literal["days", "weeks"]] = None
    context: Optional[Literal["request"]] = None
    patterns: list[PatternModel]


class DatePatternModel(Strict):
    pattern: str
    requires: Optional[str] = None
    unless: Optional[str] = None


class DateFactModel(Strict):
    conflict: Conflict
    # a month and year or a bare year ("since March 2012", "since 2010") is read as its first day
    partial: bool = False
    # a date that one of these facts read is not this fact's (the latest visit is not the injury)
    yields_to: list[str] = []
    patterns: list[Union[str, DatePatternModel]]


class ImpliedModel(Strict):
    value: Any
    by: list[str] = Field(min_length=1)


class TherapyOutcome(Strict):
    failed: str
    works: str
    # an outcome sentence that points back ("in spite of all of these", "none of them helped") judges the
    # therapies of the sentence before it when it names none itself
    refers_back: Optional[str] = None
    fragment_words: int = 0
    # a statement that the record does not say it ("do not state that these measures have failed"):
    # outcome cues after it in the sentence are not outcomes
    unstated: Optional[str] = None


class RequestModel(Strict):
    plan_heading: str
    region_fact: str
    side_fact: str
    regions: dict[str, str]
    sides: dict[str, str]
    # the date written in a sentence that names the requested treatment is this fact, unless one of
    # `date_yields_to` read that date
    date: Optional[str] = None
    date_yields_to: list[str] = []
    substance_context: Optional[str] = None
    substance_not: Optional[str] = None
    # where a visit of a record of several begins: a note's request is read in its latest visit
    visit_heading: Optional[str] = None
    # what else places a sentence in a body region (spine levels, region-specific tests), beyond the
    # request's own region words: when a letter disputes injections for several regions, each item
    # reads only the sentences about its region or about none
    sentence_region: dict[str, str] = {}
    # among a note's sentences naming the injections: which make the request ("RFA submitted: repeat
    # TPI x3") and which record earlier injections ("TPI #1: 04/21/2016 ... (authorized 04/12/2016)")
    request_cue: Optional[str] = None
    past_injection: Optional[str] = None


class FindingsFile(Strict):
    schema_: Literal["checker/findings/1"] = Field(alias="schema")
    placeholders: dict[str, str]
    numbers: dict[str, int]
    units: dict[str, int]
    request_words: str
    facts: dict[str, BoolFactModel]
    therapy_outcome: TherapyOutcome
    values: dict[str, ValueFactModel]
    dates: dict[str, DateFactModel]
    implied: dict[str, ImpliedModel] = {}
    request: RequestModel


class SentencesFile(Strict):
    schema_: Literal["checker/sentences/1"] = Field(alias="schema")
    guideline: str
    rule_words: str
    agent_request: str = ""
    family: str
    patient: str
    boundary: str
    review_decision: str
    review_reason: str
    abbreviations: list[str]


class ModifierModel(Strict):
    literal: str
    category: str
    direction: Literal["FORWARD", "BACKWARD", "BIDIRECTIONAL", "TERMINATE", "PSEUDO"]
    max_scope: Optional[int] = None


class ContextFile(Strict):
    schema_: Literal["checker/context/1"] = Field(alias="schema")
    modifiers: list[ModifierModel]


@dataclass(frozen=True)
class Rx:
    """One compiled pattern with its options."""

    fact: str
    regex: re.Pattern[str] | Prefiltered  # Prefiltered once loaded: the same finditer and search
    value: Any = None
    negatable: bool = False
    absent_means: Optional[bool] = None
    requires: Optional[re.Pattern[str]] = None
    unless: Optional[re.Pattern[str]] = None
    kind: str = "bool"          # bool | therapy | number | duration | date
    unit: Optional[str] = None
    context: Optional[str] = None
    partial: bool = False
    conditional: bool = False


@dataclass(frozen=True)
class Patterns:
    # every pattern but `boundary` is a Prefiltered once loaded (the same search, finditer and pattern)
    bools: tuple[Rx, ...]
    therapies: tuple[Rx, ...]
    values: tuple[Rx, ...]
    dates: tuple[Rx, ...]
    conflict: dict[str, Any]
    implied: dict[str, tuple[Any, tuple[str, ...]]]
    yields: dict[str, frozenset[str]]
    numbers: dict[str, int]
    units: dict[str, int]
    request_words: re.Pattern[str]
    failed: re.Pattern[str]
    works: re.Pattern[str]
    refers_back: Optional[re.Pattern[str]]
    fragment_words: int
    plan_heading: re.Pattern[str]
    regions: tuple[tuple[str, re.Pattern[str]], ...]
    sides: tuple[tuple[str, re.Pattern[str]], ...]
    request_date: tuple[Optional[str], frozenset[str]]
    substance_context: Optional[re.Pattern[str]]
    substance_not: Optional[re.Pattern[str]]
    guideline: re.Pattern[str]
    rule_words: re.Pattern[str]
    agent_request: Optional[re.Pattern[str]]
    family: re.Pattern[str]
    patient: re.Pattern[str]
    boundary: re.Pattern[str]
    review_decision: re.Pattern[str]
    review_reason: re.Pattern[str]
    abbreviations: tuple[str, ...]
    modifiers: tuple[ModifierModel, ...]
    unstated: Optional[re.Pattern[str]] = None
    visit_heading: Optional[re.Pattern[str]] = None
    sentence_region: tuple[tuple[str, re.Pattern[str]], ...] = ()
    request_cue: Optional[re.Pattern[str]] = None
    past_injection: Optional[re.Pattern[str]] = None
    # the request facts that `regions` and `sides` fill (rules/extraction/findings.yaml request.*_fact)
    region_fact: Optional[str] = None
    side_fact: Optional[str] = None


def _validate(doc: Located, model: type[Strict]) -> Any:
    if not isinstance(doc.data, dict):
        raise ValidationFailure([doc.problem((), "extraction", "expected a mapping at the top of the file", "")])
    try:
        return model.model_validate(doc.data)
    except ValidationError as exc:
        raise ValidationFailure(problems_from_validation(doc, exc, lambda loc: str(loc[1]) if len(loc) > 1 else "extraction")) from None


class _Compiler:
    def __init__(self, doc: Located, placeholders: dict[str, str]):
        self.doc = doc
        self.problems: list[Problem] = []
        self.subs = dict(placeholders)
        self.subs["DATE"] = f"(?P<date>{DATE_PATTERN.pattern})"
        # a date, a month and year or a bare year, inside a pattern's own `date` group
        self.subs["DATE_OR_YEAR"] = f"(?:{DATE_PATTERN.pattern}|(?<![\\d/.-])(?:19|20)\\d{{2}}(?![\\d/]))"

    def __call__(self, text: str, loc: tuple, subject: str, flags: int = re.IGNORECASE) -> Optional[re.Pattern[str]]:
        unknown = sorted({name for name in re.findall(r"\{([A-Z][A-Z_]*)\}", text) if name not in self.subs})
        if unknown:
            self.problems.append(self.doc.problem(loc, subject, f"unknown placeholder {{{unknown[0]}}}",
                                                  f"placeholders: {', '.join(sorted(self.subs))}"))
            return None
        expanded = re.sub(r"\{([A-Z][A-Z_]*)\}", lambda m: self.subs[m.group(1)], text)
        try:
            return re.compile(expanded, flags)
        except re.error as exc:
            self.problems.append(self.doc.problem(loc, subject, f"invalid regular expression: {exc}", ""))
            return None


class _Gates:
    """Prefiltered patterns, one per distinct pattern: many findings share one `requires`, and the
    extractor searches each shared one once per sentence (it tells them apart by identity)."""

    def __init__(self) -> None:
        self._made: dict[re.Pattern[str], Prefiltered] = {}

    def __call__(self, regex: Optional[re.Pattern[str]]) -> Optional[Prefiltered]:
        if regex is None:
            return None
        if regex not in self._made:
            self._made[regex] = Prefiltered(regex)
        return self._made[regex]

    def findings(self, found: list[Rx]) -> tuple[Rx, ...]:
        """The finding patterns, run on every sentence, skip the sentences that lack their required words."""
        return tuple(replace(r, regex=self(r.regex), requires=self(r.requires), unless=self(r.unless)) for r in found)


class PackFindingsFile(Strict):
    """A pack's own extraction patterns (rules/packs/<pack>/extraction.yaml): the phrases that document
    the facts the pack adds, in the same sections as the shared findings file."""
    schema_: Literal["checker/pack-findings/1"] = Field(alias="schema")
    placeholders: dict[str, str] = {}
    facts: dict[str, BoolFactModel] = {}
    values: dict[str, ValueFactModel] = {}
    dates: dict[str, DateFactModel] = {}
    implied: dict[str, ImpliedModel] = {}


def pack_extraction_files(rules_dir: str | Path) -> list[Path]:
    """Each pack folder's extraction patterns, in the order load_rules reads the packs."""
    return sorted(Path(rules_dir).glob("packs/*/extraction.yaml"))


class _Collected:
    """The finding patterns of the shared file and of every pack's file, gathered in one place."""

    def __init__(self, vocab: Vocabulary):
        self.vocab = vocab
        self.problems: list[Problem] = []
        self.bools: list[Rx] = []
        self.therapies: list[Rx] = []
        self.values: list[Rx] = []
        self.dates: list[Rx] = []
        self.conflict: dict[str, Any] = {}
        self.owner: dict[str, str] = {}   # fact -> the file whose section holds its patterns
        self.date_specs: dict[str, DateFactModel] = {}
        self.implied: dict[str, ImpliedModel] = {}

    def known(self, doc: Located, name: str, loc: tuple) -> bool:
        if name not in self.vocab.facts:
            self.problems.append(doc.problem(loc, name, f"unknown fact '{name}'",
                                             "facts are declared in rules/facts.yaml or a pack's facts.yaml", at_key=True))
            return False
        return True

    def _claim(self, doc: Located, name: str, loc: tuple) -> bool:
        """A fact's patterns live in one file: a second file defining them is a problem at its key."""
        if not self.known(doc, name, loc):
            return False
        if name in self.owner:
            self.problems.append(doc.problem(loc, name, f"'{name}' already has patterns in {self.owner[name]}",
                                             "keep a fact's patterns in one file", at_key=True))
            return False
        self.owner[name] = doc.path
        return True

    def add(self, doc: Located, part: Any, rx: "_Compiler") -> None:
        for name, spec in part.facts.items():
            if not self._claim(doc, name, ("facts", name)):
                continue
            self.conflict[name] = spec.conflict
            if spec.therapy:
                self.therapies.append(Rx(name, rx(spec.therapy, ("facts", name, "therapy"), name), kind="therapy"))
            for i, p in enumerate(spec.patterns):
                loc = ("facts", name, "patterns", i)
                self.bools.append(Rx(name, rx(p.pattern, loc + ("pattern",), name), p.value, p.negatable, p.absent_means,
                                     rx(p.requires, loc + ("requires",), name) if p.requires else None,
                                     rx(p.unless, loc + ("unless",), name) if p.unless else None,
                                     conditional=p.conditional))
        for name, spec in part.values.items():
            if not self._claim(doc, name, ("values", name)):
                continue
            self.conflict[name] = spec.conflict
            for i, p in enumerate(spec.patterns):
                loc = ("values", name, "patterns", i)
                self.values.append(Rx(name, rx(p.pattern, loc + ("pattern",), name), None, False, None,
                                      rx(p.requires, loc + ("requires",), name) if p.requires else None,
                                      rx(p.unless, loc + ("unless",), name) if p.unless else None,
                                      "duration" if spec.unit else "number", spec.unit, spec.context))
        for name, spec in part.dates.items():
            if not self._claim(doc, name, ("dates", name)):
                continue
            self.conflict[name] = spec.conflict
            self.date_specs[name] = spec
            for i, p in enumerate(spec.patterns):
                loc = ("dates", name, "patterns", i)
                if isinstance(p, str):
                    p = DatePatternModel(pattern=p)
                    ploc = loc
                else:
                    ploc = loc + ("pattern",)
                self.dates.append(Rx(name, rx(p.pattern, ploc, name, re.IGNORECASE | re.MULTILINE), kind="date",
                                     requires=rx(p.requires, loc + ("requires",), name) if p.requires else None,
                                     unless=rx(p.unless, loc + ("unless",), name) if p.unless else None,
                                     partial=spec.partial))
            for other in spec.yields_to:
                self.known(doc, other, ("dates", name, "yields_to"))
        for name, spec in part.implied.items():
            if self.known(doc, name, ("implied", name)) and all(self.known(doc, b, ("implied", name, "by")) for b in spec.by):
                self.implied[name] = spec


def load_patterns(rules_dir: str | Path, vocab: Vocabulary) -> Patterns:
    """The shared extraction files of `rules_dir/extraction/` and each pack folder's own
    `extraction.yaml`, validated and compiled; every problem of every file is reported at once."""
    folder = Path(rules_dir) / "extraction"
    fdoc = load_yaml_file(folder / "findings.yaml")
    findings: FindingsFile = _validate(fdoc, FindingsFile)
    sdoc = load_yaml_file(folder / "sentences.yaml")
    sentences: SentencesFile = _validate(sdoc, SentencesFile)
    cdoc = load_yaml_file(folder / "context.yaml")
    context: ContextFile = _validate(cdoc, ContextFile)
    packs = [(doc, _validate(doc, PackFindingsFile)) for doc in map(load_yaml_file, pack_extraction_files(rules_dir))]
    # a pack's placeholders are its own words, usable in its own patterns after the shared ones
    rx = _Compiler(fdoc, findings.placeholders)
    collected = _Collected(vocab)
    collected.add(fdoc, findings, rx)
    compilers = [rx]
    for doc, part in packs:
        clash = sorted(set(part.placeholders) & set(findings.placeholders))
        for name in clash:
            collected.problems.append(doc.problem(("placeholders", name), name,
                                                  f"placeholder {{{name}}} is already defined in the shared findings file",
                                                  "choose another name", at_key=True))
        own = _Compiler(doc, {**findings.placeholders, **part.placeholders})
        collected.add(doc, part, own)
        compilers.append(own)
    problems = collected.problems

    def known(name: str, loc: tuple) -> bool:
        return collected.known(fdoc, name, loc)

    bools, therapies, values, dates = collected.bools, collected.therapies, collected.values, collected.dates
    conflict = collected.conflict
    yields = {name: frozenset(spec.yields_to) for name, spec in collected.date_specs.items() if spec.yields_to
              and all(other in vocab.facts for other in spec.yields_to)}
    implied = {name: (spec.value, tuple(spec.by)) for name, spec in collected.implied.items()}
    req = findings.request
    for i, name in enumerate(([req.date] if req.date else []) + req.date_yields_to):
        known(name, ("request", "date") if i == 0 and req.date else ("request", "date_yields_to"))
    regions = tuple((k, rx(v, ("request", "regions", k), "regions")) for k, v in req.regions.items())
    for k in req.sentence_region:
        if k not in req.regions:
            problems.append(fdoc.problem(("request", "sentence_region", k), "sentence_region",
                                         f"'{k}' is not a region of request.regions",
                                         "use one of: " + ", ".join(req.regions)))
    sides = tuple((k, rx(v, ("request", "sides", k), "sides")) for k, v in req.sides.items())
    for key, fact, table in (("region_fact", req.region_fact, req.regions), ("side_fact", req.side_fact, req.sides)):
        if known(fact, ("request", key)):
            allowed = vocab.facts[fact].values or []
            for k in table:
                if k not in allowed:
                    problems.append(fdoc.problem(("request", "regions" if key == "region_fact" else "sides", k), k,
                                                 f"'{k}' is not a value of {fact}", "use one of: " + ", ".join(allowed),
                                                 at_key=True))
    srx = _Compiler(sdoc, {})
    _gate = _Gates()
    compiled = Patterns(
        _gate.findings(bools), _gate.findings(therapies), _gate.findings(values), _gate.findings(dates), conflict, implied, yields,
        findings.numbers, findings.units,
        _gate(rx(findings.request_words, ("request_words",), "request_words")),
        _gate(rx(findings.therapy_outcome.failed, ("therapy_outcome", "failed"), "therapy_outcome")),
        _gate(rx(findings.therapy_outcome.works, ("therapy_outcome", "works"), "therapy_outcome")),
        _gate(rx(findings.therapy_outcome.refers_back, ("therapy_outcome", "refers_back"), "therapy_outcome"))
        if findings.therapy_outcome.refers_back else None,
        findings.therapy_outcome.fragment_words,
        _gate(rx(req.plan_heading, ("request", "plan_heading"), "request", re.IGNORECASE | re.MULTILINE)),
        tuple((k, _gate(v)) for k, v in regions), tuple((k, _gate(v)) for k, v in sides),
        (req.date, frozenset(req.date_yields_to)),
        _gate(rx(req.substance_context, ("request", "substance_context"), "request")) if req.substance_context else None,
        _gate(rx(req.substance_not, ("request", "substance_not"), "request")) if req.substance_not else None,
        _gate(srx(sentences.guideline, ("guideline",), "sentences")),
        _gate(srx(sentences.rule_words, ("rule_words",), "sentences")),
        _gate(srx(sentences.agent_request, ("agent_request",), "sentences")) if sentences.agent_request else None,
        _gate(srx(sentences.family, ("family",), "sentences")), _gate(srx(sentences.patient, ("patient",), "sentences")),
        srx(sentences.boundary, ("boundary",), "sentences", 0),
        _gate(srx(sentences.review_decision, ("review_decision",), "sentences")),
        _gate(srx(sentences.review_reason, ("review_reason",), "sentences")), tuple(sentences.abbreviations), tuple(context.modifiers),
        _gate(rx(findings.therapy_outcome.unstated, ("therapy_outcome", "unstated"), "therapy_outcome"))
        if findings.therapy_outcome.unstated else None,
        rx(req.visit_heading, ("request", "visit_heading"), "request", re.IGNORECASE | re.MULTILINE)
        if req.visit_heading else None,
        tuple((k, _gate(rx(v, ("request", "sentence_region", k), "sentence_region")))
              for k, v in req.sentence_region.items()),
        _gate(rx(req.request_cue, ("request", "request_cue"), "request")) if req.request_cue else None,
        _gate(rx(req.past_injection, ("request", "past_injection"), "request")) if req.past_injection else None,
        req.region_fact, req.side_fact,
    )
    problems += [p for c in compilers for p in c.problems] + srx.problems
    if problems:
        raise ValidationFailure(problems)
    return compiled
