"""The package's layers: a module imports only modules of its own layer or of layers below it, and no
import cycle exists (imports inside functions count too). The order is the one `checker/app.py` states."""
from __future__ import annotations

import ast
import sys
from pathlib import Path

import checker

PACKAGE = Path(checker.__file__).resolve().parent
ORDER = ["core", "reading", "rules", "engine", "extraction", "decision", "audit", "evaluation", "app", "interfaces"]


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _layer(module: str) -> int:
    parts = module.split(".")
    return -1 if len(parts) == 1 else ORDER.index(parts[1])


def _imports(path: Path) -> set[str]:
    """Every checker module `path` imports, at the top or inside a function."""
    here = _module_name(path)
    package = here if path.name == "__init__.py" else here.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == "checker"}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            if base.split(".")[0] != "checker":
                continue
            for alias in node.names:  # `from checker.reading import source` imports a module
                sub = f"{base}.{alias.name}"
                found.add(sub if (PACKAGE.parent / Path(*sub.split("."))).with_suffix(".py").exists() else base)
    return found - {here}


def _graph() -> dict[str, set[str]]:
    files = [p for p in PACKAGE.rglob("*.py") if "bundled_rules" not in p.parts]
    return {_module_name(p): _imports(p) for p in files}


def test_every_module_is_in_a_layer():
    for module in _graph():
        if module != "checker":
            assert module.split(".")[1] in ORDER or module == "checker.app", module


def test_no_module_imports_a_higher_layer():
    wrong = [f"{m} -> {d}" for m, deps in _graph().items() for d in deps
             if d != "checker" and m != "checker" and _layer(d) > _layer(m)]
    assert wrong == []


def test_no_import_cycles():
    graph = _graph()
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                cycles.append(path[path.index(nxt):] + [nxt] if nxt in path else [node, nxt])
            elif nxt not in state:
                visit(nxt, path + [nxt])
        state[node] = 2

    for start in sorted(graph):
        if start not in state:
            visit(start, [start])
    assert cycles == []


def test_the_checks_see_a_violation(tmp_path, monkeypatch):
    """The graph reader is not blind: a module that imports the command line from the rules layer is
    reported."""
    fake = tmp_path / "checker"
    (fake / "rules").mkdir(parents=True)
    (fake / "interfaces").mkdir()
    for f in ("__init__.py", "rules/__init__.py", "interfaces/__init__.py", "interfaces/cli.py"):
        (fake / f).write_text("")
    (fake / "rules" / "bad.py").write_text("def f():\n    from checker.interfaces import cli\n")
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE", fake)
    assert _graph()["checker.rules.bad"] == {"checker.interfaces.cli"}
    wrong = [m for m, deps in _graph().items() for d in deps if _layer(d) > _layer(m)]
    assert wrong == ["checker.rules.bad"]


def test_every_import_of_the_package_resolves():
    """Imports inside functions run late: a name moved or removed in a refactor would only fail when that
    code path runs. Every `from checker... import name` in the package resolves now."""
    import importlib

    missing = []
    for path in (p for p in PACKAGE.rglob("*.py") if "bundled_rules" not in p.parts):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").startswith("checker"):
                module = importlib.import_module(node.module)
                for alias in node.names:
                    if not hasattr(module, alias.name):
                        try:
                            importlib.import_module(f"{node.module}.{alias.name}")
                        except ImportError:
                            missing.append(f"{path.name}: {node.module}.{alias.name}")
    assert missing == []
