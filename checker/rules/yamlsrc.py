"""Strict YAML reading that remembers where every value came from.

PyYAML's defaults are risky for rule files: a duplicate key silently keeps the last value, `no` reads
as false, `2009-07-18` becomes a date object and `1.10` becomes 1.1. This loader:
  - only uses the safe constructors (no Python objects, no code),
  - rejects duplicate keys with the position of both occurrences,
  - resolves booleans only from `true`/`false` (any case) and keeps dates as strings,
  - records the line and column (1-based) of every mapping key and value, keyed by its path.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from checker.core.errors import InputError, Problem, ValidationFailure

PathKey = tuple  # path of keys and list indices from the document root


# libyaml's parser where PyYAML was built with it (its wheels are): the same nodes, marks and errors, and
# parsing the rule files at start-up takes a twentieth of the time of the pure-Python one
_PARSER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _StrictLoader(_PARSER):
    """SafeLoader with YAML 1.2-like scalars: no yes/no/on/off booleans, no timestamps."""


_StrictLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp")]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


@dataclass
class Located:
    """A parsed YAML document with the source position of every node."""

    path: str
    data: Any
    positions: dict[PathKey, tuple[int, int]] = field(default_factory=dict)
    key_positions: dict[PathKey, tuple[int, int]] = field(default_factory=dict)

    def where(self, loc: PathKey) -> tuple[int, int]:
        """Line and column of the deepest known node on `loc` (falls back towards the root)."""
        loc = tuple(loc)
        while loc:
            if loc in self.positions:
                return self.positions[loc]
            loc = loc[:-1]
        return self.positions.get((), (1, 1))

    def problem(self, loc: PathKey, subject: str, message: str, hint: str = "", at_key: bool = False) -> Problem:
        """A problem located at the value on `loc` (or, with at_key, at the key that names it)."""
        loc = tuple(loc)
        line, col = self.key_positions[loc] if at_key and loc in self.key_positions else self.where(loc)
        field_name = ".".join(str(p) for p in loc) or "(document)"
        return Problem(self.path, line, col, subject, field_name, message, hint)


def _mark(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


_PLAIN_TAGS = {f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null", "map", "seq")}


# Aliases let a small file name a huge tree ("billion laughs"): every value built counts against this
# budget, so an alias bomb is refused after a bounded amount of work. Real rule and case files hold a
# few thousand values.
MAX_YAML_VALUES = 200_000


class _TooLarge(Exception):
    pass


def _build(loader: _StrictLoader, node: yaml.Node, loc: PathKey, out: Located, problems: list[Problem]) -> Any:
    loader.values_built = getattr(loader, "values_built", 0) + 1
    if loader.values_built > MAX_YAML_VALUES:
        raise _TooLarge()
    out.positions.setdefault(loc, _mark(node))
    if node.tag not in _PLAIN_TAGS:
        # explicit tags (!!python/..., !!binary, !custom) are never needed here and never constructed
        line, col = _mark(node)
        problems.append(Problem(out.path, line, col, "yaml", ".".join(map(str, loc)) or "(document)",
                                f"YAML tag '{node.tag}' is not allowed", "write plain values"))
        return None
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        seen: dict[Any, yaml.Node] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                line, col = _mark(key_node)
                problems.append(Problem(out.path, line, col, "yaml", ".".join(map(str, loc)) or "(document)",
                                        "merge keys (<<) are not supported", "write the keys out"))
                continue
            key = loader.construct_object(key_node, deep=True) if isinstance(key_node, yaml.ScalarNode) else None
            if not isinstance(key, (str, int)):
                line, col = _mark(key_node)
                problems.append(Problem(out.path, line, col, "yaml", ".".join(map(str, loc)) or "(document)",
                                        "mapping keys must be plain text", ""))
                continue
            if key in seen:
                line, col = _mark(key_node)
                first_line, _ = _mark(seen[key])
                problems.append(Problem(out.path, line, col, "yaml", ".".join(map(str, loc + (key,))),
                                        f"duplicate key '{key}' (first given on line {first_line})",
                                        "keep one of the two"))
                continue
            seen[key] = key_node
            # a scalar is reported where its value stands, a block where its key stands
            anchor = value_node if isinstance(value_node, yaml.ScalarNode) else key_node
            out.key_positions[loc + (key,)] = _mark(key_node)
            out.positions[loc + (key,)] = _mark(anchor)
            result[key] = _build(loader, value_node, loc + (key,), out, problems)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_build(loader, child, loc + (i,), out, problems) for i, child in enumerate(node.value)]
    return loader.construct_object(node, deep=True)


def load_yaml_text(text: str, path: str) -> Located:
    """Parse one YAML document; raise ValidationFailure with positions for syntax or duplicate-key errors."""
    out = Located(path=path, data=None)
    problems: list[Problem] = []
    try:
        yaml.reader.Reader(text)  # refuses control characters with their offset (libyaml's reader gives none)
        loader = _StrictLoader(text)
    except yaml.YAMLError as exc:
        raise ValidationFailure([_syntax_problem(path, exc)]) from None
    try:
        node = loader.get_single_node()
        if node is not None:
            out.data = _build(loader, node, (), out, problems)
    except yaml.YAMLError as exc:
        raise ValidationFailure([_syntax_problem(path, exc)]) from None
    except RecursionError:
        raise ValidationFailure([Problem(path, 1, 1, "yaml", "(syntax)", "nested too deeply", "")]) from None
    except _TooLarge:
        raise ValidationFailure([Problem(path, 1, 1, "yaml", "(document)",
                                         f"more than {MAX_YAML_VALUES} values once aliases are expanded",
                                         "write the values out; aliases (*name) that repeat large blocks are refused")]) from None
    finally:
        loader.dispose()
    if problems:
        raise ValidationFailure(problems)
    return out


def _syntax_problem(path: str, exc: yaml.YAMLError) -> Problem:
    if isinstance(exc, yaml.reader.ReaderError):
        # the position is a character offset; turn it into a line and column
        return Problem(path, 1, exc.position + 1, "yaml", "(characters)",
                       f"character #x{exc.character:04x} is not allowed in YAML", "remove control characters")
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        return Problem(path, line, col, "yaml", "(syntax)", exc.problem or exc.context or "invalid YAML",
                       "check indentation, quotes and colons")
    return Problem(path, 1, 1, "yaml", "(syntax)", str(exc).splitlines()[0] if str(exc) else "invalid YAML", "")


MAX_YAML_BYTES = 5 * 1024 * 1024


def load_yaml_file(path: str | Path) -> Located:
    """Read and parse a YAML file, turning every I/O and decoding failure into InputError."""
    from checker.core.safeio import read_limited

    p = Path(path)
    raw = read_limited(p, MAX_YAML_BYTES, "a YAML file")
    if b"\x00" in raw:
        raise InputError(f"{p}: binary content, expected a YAML text file")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{p}: not UTF-8 text (bad byte at offset {exc.start})") from None
    if not text.strip():
        raise InputError(f"{p}: empty file")
    return load_yaml_text(text, str(p))
