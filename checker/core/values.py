"""The one place a fact's value is turned into output: `plain` for JSON and YAML, `words` for people."""
from __future__ import annotations

import datetime as dt
from typing import Any


def plain(value: Any) -> Any:
    """A value as JSON or YAML holds it: dates as ISO text, tuples as lists, the rest unchanged."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    return value


def words(value: Any, missing: str = "not documented") -> str:
    """A value as a person reads or types it: yes/no, items joined by commas, ISO dates; `missing` for
    None."""
    if value is None:
        return missing
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (tuple, list)):
        return ", ".join(words(v, missing) for v in value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)
