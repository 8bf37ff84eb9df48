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
    tpi_title: str
    not_tpi_title: str
    plan_heading: str
    body_region: dict[str, str]
    laterality: dict[str, str]
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
    tpi_title: re.Pattern[str]
    not_tpi_title: re.Pattern[str]
    plan_heading: re.Pattern[str]
    body_region: tuple[tuple[str, re.Pattern[str]], ...]
    laterality: tuple[tuple[str, re.Pattern[str]], ...]
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


def load_patterns(rules_dir: str | Path, vocab: Vocabulary) -> Patterns:
    folder = Path(rules_dir) / "extraction"
    fdoc = load_yaml_file(folder / "findings.yaml")
    findings: FindingsFile = _validate(fdoc, FindingsFile)
    sdoc = load_yaml_file(folder / "sentences.yaml")
    sentences: SentencesFile = _validate(sdoc, SentencesFile)
    cdoc = load_yaml_file(folder / "context.yaml")
    context: ContextFile = _validate(cdoc, ContextFile)
    rx = _Compiler(fdoc, findings.placeholders)
    problems: list[Problem] = []

    def known(name: str, loc: tuple) -> bool:
        if name not in vocab.facts:
            problems.append(fdoc.problem(loc, name, f"unknown fact '{name}'", "facts are declared in rules/facts.yaml", at_key=True))
            return False
        return True

    bools, therapies, values, dates = [], [], [], []
    conflict: dict[str, Any] = {}
    for name, spec in findings.facts.items():
        if not known(name, ("facts", name)):
            continue
        conflict[name] = spec.conflict
        if spec.therapy:
            therapies.append(Rx(name, rx(spec.therapy, ("facts", name, "therapy"), name), kind="therapy"))
        for i, p in enumerate(spec.patterns):
            loc = ("facts", name, "patterns", i)
            bools.append(Rx(name, rx(p.pattern, loc + ("pattern",), name), p.value, p.negatable, p.absent_means,
                            rx(p.requires, loc + ("requires",), name) if p.requires else None,
                            rx(p.unless, loc + ("unless",), name) if p.unless else None))
    for name, spec in findings.values.items():
        if not known(name, ("values", name)):
            continue
        conflict[name] = spec.conflict
        for i, p in enumerate(spec.patterns):
            loc = ("values", name, "patterns", i)
            values.append(Rx(name, rx(p.pattern, loc + ("pattern",), name), None, False, None,
                             rx(p.requires, loc + ("requires",), name) if p.requires else None,
                             rx(p.unless, loc + ("unless",), name) if p.unless else None,
                             "duration" if spec.unit else "number", spec.unit, spec.context))
    for name, spec in findings.dates.items():
        if not known(name, ("dates", name)):
            continue
        conflict[name] = spec.conflict
        for i, p in enumerate(spec.patterns):
            loc = ("dates", name, "patterns", i)
            if isinstance(p, str):
                p = DatePatternModel(pattern=p)
                ploc = loc
            else:
                ploc = loc + ("pattern",)
            dates.append(Rx(name, rx(p.pattern, ploc, name, re.IGNORECASE | re.MULTILINE), kind="date",
                            requires=rx(p.requires, loc + ("requires",), name) if p.requires else None,
                            unless=rx(p.unless, loc + ("unless",), name) if p.unless else None,
                            partial=spec.partial))
    yields = {name: frozenset(spec.yields_to) for name, spec in findings.dates.items() if spec.yields_to
              and all(known(other, ("dates", name, "yields_to")) for other in spec.yields_to)}
    implied: dict[str, tuple[Any, tuple[str, ...]]] = {}
    for name, spec in findings.implied.items():
        if known(name, ("implied", name)) and all(known(b, ("implied", name, "by")) for b in spec.by):
            implied[name] = (spec.value, tuple(spec.by))
    req = findings.request
    for i, name in enumerate(([req.date] if req.date else []) + req.date_yields_to):
        known(name, ("request", "date") if i == 0 and req.date else ("request", "date_yields_to"))
    regions = tuple((k, rx(v, ("request", "body_region", k), "body_region")) for k, v in req.body_region.items())
    for k in req.sentence_region:
        if k not in req.body_region:
            problems.append(fdoc.problem(("request", "sentence_region", k), "sentence_region",
                                         f"'{k}' is not a region of request.body_region",
                                         "use one of: " + ", ".join(req.body_region)))
    sides = tuple((k, rx(v, ("request", "laterality", k), "laterality")) for k, v in req.laterality.items())
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
        _gate(rx(req.tpi_title, ("request", "tpi_title"), "request")),
        _gate(rx(req.not_tpi_title, ("request", "not_tpi_title"), "request")),
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
    )
    problems += rx.problems + srx.problems
    if problems:
        raise ValidationFailure(problems)
    return compiled
