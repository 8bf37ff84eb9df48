"""Where the package finds its default rules and the shared corpus (the only path arithmetic in it)."""
from __future__ import annotations

import os
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent  # the `checker` folder
REPO = PACKAGE.parent  # the source checkout, when the package runs from one


def default_rules() -> Path:
    """$CHECKER_RULES, else the rules installed with the package (checker/bundled_rules/ in the
    wheel), else, in a source checkout, the repository's rules/ folder."""
    env = os.environ.get("CHECKER_RULES")
    if env:
        return Path(env)
    installed = PACKAGE / "bundled_rules"
    return installed if installed.is_dir() else REPO / "rules"


def default_corpus() -> Path:
    """The sample corpus: $CHECKER_CORPUS, else ../shared/corpus beside the repository."""
    env = os.environ.get("CHECKER_CORPUS")
    if env:
        return Path(env)
    return REPO.parent / "shared" / "corpus"
