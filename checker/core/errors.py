"""Errors the command line turns into a message and exit code 2.

Every error the user can cause (bad rules, bad facts, unreadable letters) is one of these; anything
else escaping to the CLI is a bug and is reported as such, still without a traceback by default.
"""
from __future__ import annotations

from dataclasses import dataclass, field


class CheckerError(Exception):
    """Base class: a problem with the user's input, reported as a message, exit 2."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class InputError(CheckerError):
    """A file that cannot be read as a letter, notes, case or rule file."""


@dataclass(frozen=True)
class Problem:
    """One located problem in a YAML file: rendered as path:line:col: subject: field: message."""

    path: str
    line: int
    col: int
    subject: str
    field: str
    message: str
    hint: str = ""

    def render(self) -> str:
        text = f"{self.path}:{self.line}:{self.col}: {self.subject}: {self.field}: {self.message}"
        return f"{text} (hint: {self.hint})" if self.hint else text


@dataclass
class ValidationFailure(CheckerError):
    """All problems found in one or more files, reported together."""

    problems: list[Problem] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__("\n".join(p.render() for p in self.problems))
