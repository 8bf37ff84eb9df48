"""Turning pydantic validation errors on a located YAML document into positioned problems."""
from __future__ import annotations

import difflib
from typing import Any, Callable, Iterable

from pydantic import BaseModel, ConfigDict, ValidationError

from checker.core.errors import Problem
from checker.rules.yamlsrc import Located


class Strict(BaseModel):
    """Base for every file schema: unknown keys are errors, values are not silently coerced."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


def suggest(word: str, choices: Iterable[str]) -> str:
    """A 'did you mean' hint, or a list of what is allowed when nothing is close."""
    choices = sorted(set(choices))
    close = difflib.get_close_matches(str(word), choices, n=1, cutoff=0.6)
    if close:
        return f"did you mean '{close[0]}'?"
    shown = ", ".join(choices[:12]) + (", ..." if len(choices) > 12 else "")
    return f"expected one of: {shown}"


_TYPE_WORDS = {
    "string_type": "text", "int_type": "a whole number", "bool_type": "true or false",
    "float_type": "a number", "list_type": "a list", "dict_type": "a mapping (key: value lines)",
    "model_type": "a mapping (key: value lines)", "date_type": "a date written YYYY-MM-DD in quotes",
}


def problems_from_validation(
    doc: Located,
    exc: ValidationError,
    subject_of: Callable[[tuple], str],
    allowed_keys: Callable[[tuple], Iterable[str]] = lambda loc: (),
    base: tuple = (),
) -> list[Problem]:
    """One Problem per pydantic error, located in the YAML and phrased for a rule author."""
    problems = []
    for err in exc.errors(include_url=False):
        loc = base + tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
        kind = err["type"]
        hint = ""
        at_key = kind == "extra_forbidden"
        if kind == "extra_forbidden":
            message = f"unknown key '{loc[-1]}'"
            hint = suggest(str(loc[-1]), allowed_keys(loc[:-1]))
        elif kind == "missing":
            message = f"required key '{loc[-1]}' is missing"
            hint = f"add '{loc[-1]}:'"
        elif kind in _TYPE_WORDS:
            message = f"expected {_TYPE_WORDS[kind]}, got {kind_of(err.get('input'))}"
        else:
            message = err["msg"]
        problems.append(doc.problem(loc, subject_of(loc), message, hint, at_key=at_key))
    return problems


def kind_of(value: Any) -> str:
    """What kind of value was given, never the value itself (in a case file it may be patient text)."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return "a value of another kind"


def model_keys(model: type[BaseModel]) -> list[str]:
    return list(model.model_fields)
