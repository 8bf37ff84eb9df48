"""`pip install .` outside the repository: the wheel carries the bundled rules, and the installed
`checker` reads them without the source tree.

The wheel is built from a copy of the package sources (the checkout is not written to), installed with
`--no-deps --no-index` into a fresh virtual environment that sees this environment's dependencies
through a `.pth` line (no network), the copy is removed, and the installed command runs from a folder
outside the repository.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from checker.interfaces.cli import main
from conftest import CASES, ROOT, TEST_PACKS

NOTE = ROOT / "corpus" / "letters" / "11-note-pr2-lumbar-initial-certify.txt"
CERTIFY_CASE = CASES / "own" / "own-01-certify-initial-lumbar-lidocaine.yaml"


def _run(args: list, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=120, **kw)


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The `checker` command of a virtual environment holding only the built wheel."""
    tmp = tmp_path_factory.mktemp("install")
    src = tmp / "src"
    for name in ("checker", "rules"):
        shutil.copytree(ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    built = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
                  "--quiet", "-w", tmp / "wheels", src])
    assert built.returncode == 0, built.stderr
    [wheel] = (tmp / "wheels").glob("checker-*.whl")
    env_dir = tmp / "env"
    made = _run([sys.executable, "-m", "venv", "--without-pip", env_dir])
    assert made.returncode == 0, made.stderr
    python = env_dir / "bin" / "python"
    purelib = Path(_run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip())
    # the dependencies are this environment's; a .pth line adds its site-packages after the new
    # environment's own, without running its .pth files (so the editable checkout stays out)
    (purelib / "project-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    done = _run([sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index", "--quiet", wheel])
    assert done.returncode == 0, done.stderr
    shutil.rmtree(src)
    return env_dir / "bin" / "checker"


@pytest.fixture
def outside(tmp_path) -> dict:
    """Run from a folder outside the repository, with no rules folder named in the environment."""
    env = {k: v for k, v in os.environ.items() if k not in ("CHECKER_RULES", "PYTHONPATH")}
    return {"cwd": tmp_path, "env": env}


def test_installed_package_is_the_wheel_not_the_checkout(installed, outside):
    where = _run([installed.parent / "python", "-c", "import checker, checker.interfaces.cli as c; print(checker.__file__); "
                  "print(c.default_rules())"], **outside)
    package, rules = where.stdout.split()
    assert Path(package).is_relative_to(installed.parent.parent) and not Path(package).is_relative_to(ROOT)
    assert Path(rules) == Path(package).parent / "bundled_rules"


def test_installed_checker_lists_and_validates_the_bundled_rules(installed, outside):
    listed = _run([installed, "rules", "list"], **outside)
    assert listed.returncode == 0, listed.stderr
    assert "TPI-1" in listed.stdout and "TPI-FM" in listed.stdout
    # validation loads everything the engine and the extractor load: facts, packs, lexicons, patterns
    checked = _run([installed, "rules", "validate"], **outside)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_installed_checker_evaluates_a_case_and_reads_a_note_as_the_checkout_does(installed, outside, capsys):
    shutil.copy(CERTIFY_CASE, outside["cwd"] / CERTIFY_CASE.name)
    evaluated = _run([installed, "evaluate", CERTIFY_CASE.name], **outside)
    assert evaluated.returncode == 0 and "Predicted decision: CERTIFY" in evaluated.stdout, evaluated.stderr
    checked = _run([installed, "check", "--format", "json", NOTE], **outside)
    assert main(["check", "--format", "json", str(NOTE)]) == checked.returncode
    assert json.loads(checked.stdout) == json.loads(capsys.readouterr().out)


def test_rules_option_still_points_elsewhere(installed, outside):
    esi3 = TEST_PACKS / "esi3"
    run = _run([installed, "evaluate", "--format", "json", "--rules", esi3, esi3 / "empty.case.yaml"], **outside)
    assert run.returncode == 1, run.stderr
    assert [c["id"] for c in json.loads(run.stdout)["cases"][0]["criteria"]] == ["ESI-1", "ESI-2", "ESI-3"]


def test_installed_checker_without_a_checkout_mutates_on_examples_and_asks_for_regression_paths(installed, outside):
    mutated = _run([installed, "rules", "mutate"], **outside)
    assert mutated.returncode == 0, mutated.stderr
    assert "detected by the examples and 0 case(s), 0 survived" in mutated.stdout
    regressed = _run([installed, "regress"], **outside)
    assert regressed.returncode == 2 and "no cases or expected letters to run" in regressed.stderr
    assert "Traceback" not in regressed.stderr
