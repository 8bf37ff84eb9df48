"""The composition root: the one place that puts the layers together into a working checker.

The command line, the batch workers, the web page, the scripts, the benchmarks and the tests all build
their checker here, from a rules folder (``$CHECKER_RULES``, the bundled rules, or ``--rules``)::

    from checker.app import build
    kit = build()                      # or build("path/to/rules")
    kit.checker.check_file(path)       # letters and notes, every pack the rules hold
    kit.auditor                        # the IMR letter audit for the same rules

Layers, lowest first (a module imports only its own layer and those below; tests/test_layers.py):
core, reading, rules, engine, extraction, decision, audit, evaluation, then this module, then interfaces.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Union

from checker.core.paths import default_corpus, default_rules

__all__ = ["Kit", "build", "open_rules", "build_evaluator", "build_checker", "build_auditor", "default_rules",
           "default_corpus"]


def open_rules(path: Optional[Union[str, Path]] = None):
    """The rule set in `path` (default: `default_rules()`), checked strictly; a CheckerError names the
    file, line and column of anything wrong."""
    from checker.rules.rulepack import load_rules

    return load_rules(path or default_rules())


def build_evaluator(rules):
    """The criteria evaluator alone (durable_rules, every pack): statuses for a fact set, without the
    extraction's start-up, for case files."""
    from checker.engine.durable import Engine

    return Engine(rules.packs).statuses


def build_checker(rules):
    """The checker of letters, notes and cases for a loaded rule set: durable_rules engine, extraction
    patterns of every pack, decisions."""
    from checker.decision.check import Checker
    from checker.extraction.extract import Extractor
    from checker.extraction.patterns import load_patterns

    extractor = Extractor(load_patterns(rules.root, rules.vocabulary), rules.vocabulary)
    return Checker(rules, build_evaluator(rules), extractor)


def build_auditor(rules, checker):
    """The IMR letter auditor for the same rules, sharing the checker's sentence splitter."""
    from checker.audit.auditor import make_auditor

    return make_auditor(rules, checker)


@dataclass(frozen=True)
class Kit:
    """A rule set and what is built from it."""
    rules: object = field(repr=False)
    checker: object = field(repr=False)
    auditor: object = field(repr=False)


def build(rules: Optional[Union[str, Path, object]] = None) -> Kit:
    """Everything for one rule set: a path (or None for the default rules) or an already loaded set."""
    loaded = open_rules(rules) if rules is None or isinstance(rules, (str, Path)) else rules
    checker = build_checker(loaded)
    return Kit(loaded, checker, build_auditor(loaded, checker))
