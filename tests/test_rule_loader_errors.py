"""One deliberately broken rule file per failure mode, each with the position and words of its error."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from checker.interfaces.cli import main
from checker.core.errors import CheckerError, InputError, ValidationFailure
from checker.rules.rulepack import load_pack, load_rules
from checker.rules.vocabulary import load_vocabulary
from conftest import FIXTURES, RULES

BAD = FIXTURES / "bad_rules"

# fixture -> (line, column, subject, words the message must contain)
CASES = {
    "duplicate_key": (16, 5, "yaml", "duplicate key 'id' (first given on line 15)"),
    "typo_key": (22, 5, "TPI-5", "unknown key 'undocumentd'"),
    "unknown_fact": (21, 23, "TPI-5", "unknown fact 'injection_cnt'"),
    "unknown_operator": (21, 40, "TPI-5", "unknown operator or key 'atmost'"),
    "wrong_type": (19, 11, "TPI-5", "expected a whole number, got text"),
    "no_examples": (15, 5, "TPI-5", "required key 'examples' is missing"),
    "operator_type": (21, 44, "TPI-5", "'gt' compares numbers but 'twitch_response' is bool"),
    "string_threshold": (21, 45, "TPI-5", "expected a number, got '4'"),
    "yes_no_boolean": (21, 44, "TPI-5", "expected true or false for bool fact, got 'no'"),
    "example_out_of_range": (25, 34, "TPI-5", "above the maximum 100"),
    "impossible_example": (26, 17, "TPI-5", "not_applicable is impossible"),
    "two_operators": (21, 5, "TPI-5", "give exactly one operator"),
    "syntax_error": (14, 11, "yaml", "expected ',' or ']'"),
    "bad_date": (7, 20, "guideline", "month must be in 1..12"),
    "page_outside_pack": (19, 11, "TPI-5", "page 123 is not among the pack's pages"),
    "duplicate_id": (27, 9, "TPI-5", "duplicate criterion id"),
    "empty_any": (21, 17, "TPI-5", "'any' takes a non-empty list"),
    "enum_value": (17, 43, "TPI-5", "'neck' is not a value of this fact"),
}

HINTS = {
    "typo_key": "did you mean 'undocumented'?",
    "unknown_fact": "did you mean 'injection_count'?",
    "no_examples": "add 'examples:'",
}


@pytest.fixture(scope="module")
def vocab():
    return load_vocabulary(RULES)


def test_the_base_fixture_is_valid(vocab):
    assert [c.id for c in load_pack(BAD / "valid.rules.yaml", vocab).criteria] == ["TPI-5"]


@pytest.mark.parametrize("name", sorted(CASES))
def test_failure_mode_is_located(name, vocab):
    line, col, subject, words = CASES[name]
    path = BAD / f"{name}.rules.yaml"
    with pytest.raises(ValidationFailure) as info:
        load_pack(path, vocab)
    rendered = [p.render() for p in info.value.problems]
    wanted = f"{path}:{line}:{col}: {subject}: "
    matching = [r for r in rendered if r.startswith(wanted) and words in r]
    assert matching, f"expected a problem starting {wanted!r} containing {words!r}; got {rendered}"
    if name in HINTS:
        assert any(HINTS[name] in r for r in matching)


def test_all_problems_of_a_file_are_reported_together(vocab):
    with pytest.raises(ValidationFailure) as info:
        load_pack(BAD / "many_problems.rules.yaml", vocab)
    found = {(p.line, p.field) for p in info.value.problems}
    assert found == {(5, "guideline.in_force_note"), (18, "criteria.0.kind"), (22, "criteria.0.condition.fact")}


@pytest.mark.parametrize("name,words", [("empty", "empty file"), ("binary", "binary content")])
def test_unreadable_rule_files(name, words, vocab):
    with pytest.raises(InputError) as info:
        load_pack(BAD / f"{name}.rules.yaml", vocab)
    assert words in info.value.message


def test_rules_validate_command_reports_position_and_exits_2(tmp_path, capsys):
    shutil.copytree(RULES, tmp_path / "rules")
    shutil.copy(BAD / "unknown_fact.rules.yaml", tmp_path / "rules" / "broken.rules.yaml")
    assert main(["rules", "validate", str(tmp_path / "rules")]) == 2
    err = capsys.readouterr().err
    assert f"{tmp_path / 'rules' / 'broken.rules.yaml'}:21:23: TPI-5: criteria.0.condition.fact: unknown fact" in err


def test_rules_validate_accepts_the_bundled_rules(capsys):
    assert main(["rules", "validate", str(RULES)]) == 0
    rules = load_rules(RULES)
    assert f"{len(rules.packs)} pack(s), {sum(len(p.criteria) for p in rules.packs)} criteria" in capsys.readouterr().out


def test_missing_rules_folder_is_an_input_error(tmp_path):
    with pytest.raises(CheckerError, match="not a rules folder"):
        load_rules(tmp_path / "nowhere")


def test_broken_vocabulary_is_located(tmp_path):
    shutil.copytree(RULES, tmp_path / "rules")
    facts = tmp_path / "rules" / "facts.yaml"
    facts.write_text(facts.read_text().replace("start: [prior_injection_date]", "start: [prior_injection_dat]"))
    with pytest.raises(ValidationFailure) as info:
        load_rules(tmp_path / "rules")
    assert any("unknown fact 'prior_injection_dat'" in p.message and "did you mean 'prior_injection_date'" in p.hint
               for p in info.value.problems)


def test_libyaml_and_the_python_parser_read_every_bundled_file_alike(monkeypatch):
    """The loader parses with libyaml where PyYAML has it; every rule and case file gives the same data
    and the same positions with the pure-Python parser, and a syntax error the same line and column."""
    import yaml

    from checker.rules import yamlsrc

    if yamlsrc._PARSER is yaml.SafeLoader:
        pytest.skip("PyYAML without libyaml: only the Python parser is there")
    root = Path(__file__).resolve().parent.parent
    files = sorted(root.glob("rules/**/*.yaml")) + sorted(root.glob("cases/**/*.yaml"))
    broken = "schema: checker/rules/1\ncriteria:\n  - id: X\n   name: bad indent\n"

    def read_all():
        out = [(d.data, d.positions, d.key_positions) for d in map(yamlsrc.load_yaml_file, files)]
        with pytest.raises(ValidationFailure) as exc:
            yamlsrc.load_yaml_text(broken, "broken.yaml")
        return out, [(p.line, p.col) for p in exc.value.problems]

    fast = read_all()
    python = type("_PythonStrict", (yaml.SafeLoader,), {"yaml_implicit_resolvers": yamlsrc._StrictLoader.yaml_implicit_resolvers})
    monkeypatch.setattr(yamlsrc, "_StrictLoader", python)
    assert read_all() == fast and len(files) > 50
