"""Case files: the facts of one request (hand-extracted or extracted from a letter) and what is expected.

    schema: checker/case/1
    id: sample-000-cervical
    title: Trigger point injection for the cervical spine
    source:                       # optional: the letter the facts were read from
      letter: imr/000_d17f91e3032579f1.txt     # relative to the corpus folder
      item: Trigger point injection for the cervical spine
      letter_decision: upheld
      rationale_cites: [TPI-1, TPI-3, TPI-6]
    facts:
      injury_date: {value: "2010-11-03", quote: "date of injury on 11-3-10"}
      twitch_response: false      # shorthand: a value entered by the case author
    expected:
      decision: non-certify
      criteria: {TPI-1: not_documented, ...}

A quote is located in the letter (when the corpus is present) so its character offsets are reported;
a quote that is not in the letter is an error, so evidence cannot drift from its source.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Optional, Union

from pydantic import Field, ValidationError

from checker.core.errors import InputError, Problem, ValidationFailure
from checker.core.paths import default_corpus
from checker.rules.facts import Evidence, Fact, FactSet, check_order, coerce
from checker.reading.quotes import locate
from checker.rules.rulepack import RuleSet
from checker.rules.schema import Strict, model_keys, problems_from_validation, suggest
from checker.rules.yamlsrc import Located, load_yaml_file

CASE_SCHEMA = "checker/case/1"


class QuoteModel(Strict):
    quote: str
    assertion: Literal["present", "negated", "historical", "hypothetical", "uncertain", "family"] = "present"
    start: Optional[int] = None   # where the quote stands in the letter, when known (checked)
    end: Optional[int] = None


class FactModel(Strict):
    value: Any
    quote: Optional[str] = None
    evidence: list[QuoteModel] = []
    note: str = ""
    # who stated the value (default: the case file's author); a reviewer's correction keeps its reason
    # and the value the extractor had read (absent or null: the extractor had not found the fact)
    origin: Optional[Literal["extracted", "reviewer", "case file"]] = None
    reason: str = ""
    extracted: Any = None


class SourceModel(Strict):
    letter: str
    item: str
    letter_decision: Optional[Literal["upheld", "overturned"]] = None
    rationale_cites: list[str] = []


class ExpectedModel(Strict):
    decision: Literal["certify", "non-certify"]
    criteria: dict[str, Literal["met", "not_met", "not_documented", "not_applicable"]]


class CaseModel(Strict):
    schema_: Literal["checker/case/1"] = Field(alias="schema")
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$")
    title: str
    description: str = ""
    source: Optional[SourceModel] = None
    facts: dict[str, Union[FactModel, bool, int, float, str, list[str], None]]
    expected: Optional[ExpectedModel] = None


@dataclass
class Case:
    id: str
    title: str
    path: str
    facts: FactSet
    source_letter: Optional[str] = None   # path of the letter, when the case was read from one
    source_text: Optional[str] = None     # the letter's text when available
    item: Optional[str] = None
    letter_decision: Optional[str] = None
    rationale_cites: list[str] = field(default_factory=list)
    expected_decision: Optional[str] = None
    expected_criteria: dict[str, str] = field(default_factory=dict)
    description: str = ""
    changes: list = field(default_factory=list)   # the reviewer's corrections (review.Change)


def _allowed(loc: tuple) -> list[str]:
    if not loc:
        return ["schema", *[k for k in model_keys(CaseModel) if k != "schema_"]]
    if loc[0] == "source":
        return model_keys(SourceModel)
    if loc[0] == "expected":
        return model_keys(ExpectedModel)
    if loc[0] == "facts" and len(loc) == 2:
        return model_keys(FactModel)
    return []


def load_case(path: str | Path, rules: RuleSet, corpus: Optional[Path] = None) -> Case:
    doc = load_yaml_file(path)
    subject = "case"
    if isinstance(doc.data, dict) and isinstance(doc.data.get("id"), str):
        subject = doc.data["id"]
    if not isinstance(doc.data, dict):
        raise ValidationFailure([doc.problem((), subject, "expected a mapping at the top of the file",
                                             "start with 'schema: checker/case/1'")])
    try:
        model = CaseModel.model_validate(doc.data)
    except ValidationError as exc:
        problems = problems_from_validation(doc, exc, lambda loc: subject, _allowed)
        # a fact given in the long form reports its inner errors once, not once per union branch
        raise ValidationFailure(_dedupe(problems)) from None
    return _build(doc, model, rules, corpus or default_corpus())


def _dedupe(problems: list[Problem]) -> list[Problem]:
    seen, out = set(), []
    for p in problems:
        key = (p.line, p.field)
        if key not in seen:
            seen.add(key)
            out.append(p)
    return out


def _build(doc: Located, model: CaseModel, rules: RuleSet, corpus: Path) -> Case:
    problems: list[Problem] = []
    vocab = rules.vocabulary
    letter_path, letter_text = None, None
    if model.source:
        letter_path = corpus / model.source.letter
        if not _inside(letter_path, corpus):
            raise ValidationFailure([doc.problem(("source", "letter"), model.id,
                                                 "the letter must be inside the corpus folder",
                                                 "give a path relative to the corpus, without '..' or links out of it")])
        if letter_path.is_file():
            from checker.reading.source import read_source
            letter_text = read_source(letter_path).text
    facts: dict[str, Fact] = {}
    changes = []
    for name, raw in model.facts.items():
        loc = ("facts", name)
        if name not in vocab.facts:
            problems.append(doc.problem(loc, model.id, f"unknown fact '{name}'", suggest(name, vocab.facts), at_key=True))
            continue
        entry = raw if isinstance(raw, FactModel) else FactModel(value=raw)
        if entry.origin == "reviewer":
            change, message = case_change(name, entry, vocab)
            if message:
                problems.append(doc.problem(loc + ("extracted",), model.id, message))
            else:
                changes.append(change)
        if entry.value is None:
            continue  # written out as not documented
        value, message = coerce(vocab.facts[name], entry.value)
        if message:
            problems.append(doc.problem(loc + ("value",) if isinstance(raw, FactModel) else loc, model.id, message))
            continue
        quotes = ([QuoteModel(quote=entry.quote)] if entry.quote else []) + list(entry.evidence)
        evidence = []
        for q in quotes:
            ev = Evidence(" ".join(q.quote.split()), str(letter_path) if letter_path else doc.path,
                          line=doc.where(loc)[0], assertion=q.assertion)
            if letter_text is not None:
                span = _at(q, letter_text) or locate(q.quote, letter_text)
                if span is None:
                    problems.append(doc.problem(loc, model.id, f"quote not found in {model.source.letter}",
                                                "copy the words exactly as the letter has them"))
                    continue
                ev = Evidence(letter_text[span[0]:span[1]], str(letter_path), span[0], span[1], None, q.assertion)
            evidence.append(ev)
        origin = entry.origin or "case file"
        if not evidence:
            note = f" ({entry.note})" if entry.note else ""
            who = {"reviewer": "the reviewer", "extracted": "the extractor"}.get(origin, "the case author")
            evidence.append(Evidence(f"entered by {who}{note}", doc.path, line=doc.where(loc)[0]))
        facts[name] = Fact(value, tuple(evidence), origin=origin, reason=entry.reason)
    factset = FactSet(facts)
    for name, message in check_order(factset, vocab):
        problems.append(doc.problem(("facts", name), model.id, message, "check the dates"))
    expected_criteria: dict[str, str] = {}
    if model.expected:
        known = {c.id for p in rules.packs for c in p.criteria}
        for cid, status in model.expected.criteria.items():
            if cid not in known:
                problems.append(doc.problem(("expected", "criteria", cid), model.id, f"unknown criterion '{cid}'", suggest(cid, known)))
            expected_criteria[cid] = status
    if model.source:
        known = {c.id for p in rules.packs for c in p.criteria}
        for i, cid in enumerate(model.source.rationale_cites):
            if cid not in known:
                problems.append(doc.problem(("source", "rationale_cites", i), model.id, f"unknown criterion '{cid}'", suggest(cid, known)))
    if problems:
        raise ValidationFailure(problems)
    return Case(
        id=model.id, title=model.title, path=doc.path, facts=factset,
        source_letter=str(letter_path) if letter_path else None, source_text=letter_text,
        item=model.source.item if model.source else None,
        letter_decision=model.source.letter_decision if model.source else None,
        rationale_cites=list(model.source.rationale_cites) if model.source else [],
        expected_decision=model.expected.decision if model.expected else None,
        expected_criteria=expected_criteria, description=" ".join(model.description.split()), changes=changes,
    )


def case_change(name: str, entry: FactModel, vocab):
    """The reviewer's change recorded on one fact of a case file, or an error message."""
    from checker.decision.review import Change

    spec = vocab.facts[name]
    before = None
    if entry.extracted is not None:
        before, message = coerce(spec, entry.extracted)
        if message:
            return None, message
    after = None
    if entry.value is not None:
        after, message = coerce(spec, entry.value)
        if message:
            return None, message
    return Change(name, spec.label, before, after, " ".join(entry.reason.split())), None


def _inside(path: Path, folder: Path) -> bool:
    """Whether `path`, links resolved, lies inside `folder` (a case cannot make the checker read any file)."""
    try:
        return folder.resolve() in path.resolve().parents
    except (OSError, RuntimeError):
        return False


def _at(q: QuoteModel, text: str) -> Optional[tuple[int, int]]:
    """The quote's given position, if the letter really has those words there."""
    if q.start is None or q.end is None or not 0 <= q.start < q.end <= len(text):
        return None
    same = " ".join(text[q.start:q.end].split()).lower() == " ".join(q.quote.split()).lower()
    return (q.start, q.end) if same else None


def case_files(paths: list[str]) -> list[Path]:
    """Expand folders into their *.yaml case files (sorted); keep files as given."""
    out: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            # a letter's expectations (*.expected.yaml) may sit beside the cases it names
            found = sorted(f for f in p.rglob("*.yaml") if not f.name.endswith(".expected.yaml"))
            if not found:
                raise InputError(f"{p}: no case files (*.yaml) in this folder")
            out.extend(found)
        elif p.exists():
            out.append(p)
        else:
            raise InputError(f"{p}: no such file or folder")
    return out

