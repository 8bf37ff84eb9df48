"""Regression output: the drift table, metrics, coverage; JSON, JUnit XML and Markdown; --update."""
from __future__ import annotations

import difflib
import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import yaml

from checker.evaluation.regress import Drift, Metrics, Run
from checker.rules.rulepack import STATUSES

SHORT = {"met": "met", "not_met": "not met", "not_documented": "not doc.", "not_applicable": "n/a"}


def drift_table(drifts: list[Drift]) -> str:
    if not drifts:
        return "no drift"
    rows = [("source", "item", "what", "expected -> actual", "evidence behind the new value")]
    rows += [(Path(d.source).name, d.item[:40], d.what, f"{_show(d.expected)} -> {_show(d.actual)}", d.evidence[:120])
             for d in drifts]
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = ["  ".join(r[i].ljust(widths[i]) for i in range(4)) + "  " + r[4] for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths) + "  " + "-" * 20)
    return "\n".join(lines)


def _show(v: Any) -> str:
    if isinstance(v, list):
        return "[" + ", ".join(f"{c}@{i}" if i != "-" else c for c, i in v) + "]" if v and isinstance(v[0], tuple) else str(v)
    return str(v)


def _pct(v) -> str:
    return "n/a" if v is None else f"{100 * v:.1f}%"


def metrics_text(m: Metrics) -> str:
    lines = [
        f"letter items with a decision: {m.letters_items}; checker agrees with {m.agree} "
        f"(upheld {m.upheld_right}/{m.upheld} predicted non-certify, overturned {m.overturned_right}/{m.overturned} predicted certify)",
        f"balanced accuracy: {_pct(m.balanced_accuracy)}; overturn recall: {_pct(m.overturn_recall)} "
        "(upheld is the ~90% base rate, so raw agreement would mislead)",
        "",
        "criterion agreement on upheld items, checker (not met or not documented) vs the rationale's reasons:",
        f"  {'criterion':<9} {'both':>5} {'checker':>8} {'rationale':>10} {'neither':>8} {'kappa':>7}",
    ]
    for cid, (both, a, b, n, k) in m.kappa.items():
        lines.append(f"  {cid:<9} {both:>5} {a:>8} {b:>10} {n:>8} {('%.2f' % k) if k is not None else 'n/a':>7}")
    lines += ["", "coverage (outcomes per criterion and status):",
              f"  {'criterion':<9} " + " ".join(f"{SHORT[s]:>9}" for s in STATUSES)]
    for cid, counts in m.coverage.items():
        lines.append(f"  {cid:<9} " + " ".join(f"{counts[s]:>9}" for s in STATUSES))
    if m.uncovered:
        lines.append("never seen in a status it can take: " + ", ".join(f"{c} {s}" for c, s in m.uncovered))
    return "\n".join(lines)


def run_json(run: Run, m: Metrics) -> dict[str, Any]:
    return {
        "schema_version": 1,
        "sources": run.sources,
        "compared": run.compared,
        "drifts": [d.__dict__ for d in run.drifts],
        "errors": [{"path": p, "message": msg} for p, msg in run.errors],
        "metrics": {
            "letter_items": m.letters_items, "agree": m.agree, "balanced_accuracy": m.balanced_accuracy,
            "overturn_recall": m.overturn_recall,
            "criterion_agreement": {cid: {"both": v[0], "checker_only": v[1], "rationale_only": v[2], "neither": v[3],
                                          "kappa": v[4]} for cid, v in m.kappa.items()},
            "coverage": m.coverage, "uncovered": [list(u) for u in m.uncovered],
        },
    }


def junit_xml(run: Run) -> str:
    """One testsuite per source file, one testcase per compared item, a failure per item that drifted."""
    suites = ET.Element("testsuites", name="checker regress")
    by_source: dict[str, dict[str, list[Drift]]] = {}
    for src in run.sources:
        by_source.setdefault(src, {})
        for item in run.items.get(src, []):
            by_source[src].setdefault(item, [])
    for o in run.outcomes:
        by_source.setdefault(o.source, {}).setdefault(o.item, [])
    for d in run.drifts:
        by_source.setdefault(d.source, {}).setdefault(d.item, []).append(d)
    errors = dict(run.errors)
    total = failures = errs = 0
    for src, items in by_source.items():
        cases = items or {"-": []}
        failed = sum(1 for ds in cases.values() if ds)
        suite = ET.SubElement(suites, "testsuite", name=Path(src).name, tests=str(len(cases)),
                              failures=str(failed), errors=str(1 if src in errors else 0), skipped="0", time="0")
        for item, ds in cases.items():
            tc = ET.SubElement(suite, "testcase", name="(letter)" if item == "-" else item, classname=Path(src).stem,
                               time="0")
            if ds:
                text = "\n".join(f"{d.what}: {_show(d.expected)} -> {_show(d.actual)} {d.evidence}" for d in ds)
                ET.SubElement(tc, "failure", message=f"{len(ds)} value(s) drifted", type="drift").text = text
        if src in errors:
            tc = ET.SubElement(suite, "testcase", name="(read)", classname=Path(src).stem, time="0")
            ET.SubElement(tc, "error", message=errors[src], type="input").text = errors[src]
        total += len(cases) + (1 if src in errors else 0)
        failures += failed
        errs += 1 if src in errors else 0
    suites.set("tests", str(total))
    suites.set("failures", str(failures))
    suites.set("errors", str(errs))
    suites.set("time", "0")
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"


def markdown(run: Run, m: Metrics) -> str:
    lines = ["# Corpus regression", "", f"Sources: {len(run.sources)}; values compared: {run.compared}; "
             f"drifts: {len(run.drifts)}; unreadable: {len(run.errors)}.", ""]
    if run.drifts:
        lines += ["| source | item | what | expected | actual |", "|---|---|---|---|---|"]
        lines += [f"| {Path(d.source).name} | {d.item} | {d.what} | {_show(d.expected)} | {_show(d.actual)} |" for d in run.drifts]
        lines.append("")
    lines += [f"Balanced accuracy {_pct(m.balanced_accuracy)}, overturn recall {_pct(m.overturn_recall)} over "
              f"{m.letters_items} letter items.", "", "| criterion | " + " | ".join(SHORT[s] for s in STATUSES) + " |",
              "|---|" + "---:|" * len(STATUSES)]
    lines += [f"| {cid} | " + " | ".join(str(c[s]) for s in STATUSES) + " |" for cid, c in m.coverage.items()]
    return "\n".join(lines) + "\n"


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def dump_json(run: Run, m: Metrics) -> str:
    return json.dumps(run_json(run, m), indent=2, default=str)


# --- --update ------------------------------------------------------------------------------------------

def update(run: Run) -> list[str]:
    """Rewrite the expectations that drifted to what is now observed, in place: only the drifted values
    change, so comments, quoting and layout stay as they were. Return the unified diffs applied."""
    from checker.evaluation.regress import item_name
    from checker.rules.yamlsrc import load_yaml_text

    diffs = []
    by_source: dict[str, list[Drift]] = {}
    for d in run.drifts:
        by_source.setdefault(d.source, []).append(d)
    for source, drifts in sorted(by_source.items()):
        path = Path(source)
        before = path.read_text(encoding="utf-8")
        doc = load_yaml_text(before, source)
        data = doc.data
        edits: list[tuple[tuple, Any]] = []
        findings = None
        for d in drifts:
            if data.get("schema") == "checker/case/1":
                edits.append((("expected", "decision") if d.what == "decision" else ("expected", "criteria", d.what),
                              d.actual))
                continue
            if d.what == "audit findings":
                findings = [{"code": c, "item": None if i == "-" else i} for c, i in d.actual]
                continue
            for i, item in enumerate(data.get("items", [])):
                if item_name(str(item.get("title", ""))) != d.item:
                    continue
                if d.what == "decision" and "decision" in item:
                    edits.append((("items", i, "decision"), d.actual))
                elif d.what in item.get("criteria", {}):
                    edits.append((("items", i, "criteria", d.what), d.actual))
        after = _edit_scalars(before, doc, edits)
        if findings is not None:
            after = _replace_block(after, "findings", findings)
        if after != before:
            path.write_text(after, encoding="utf-8")
            diffs.append("".join(difflib.unified_diff(before.splitlines(True), after.splitlines(True), source, source)))
    return diffs


def _edit_scalars(text: str, doc, edits: list[tuple[tuple, Any]]) -> str:
    """The text with the scalar at each path replaced by a new value, where it stands (a comment after
    it, the quoting style around it and every other line are kept)."""
    lines = text.splitlines(True)
    # right to left within a line, so earlier columns stay valid
    for loc, value in sorted(edits, key=lambda e: doc.positions[e[0]], reverse=True):
        line, col = doc.positions[loc]
        row = lines[line - 1]
        start = col - 1
        end = _scalar_end(row, start)
        quote = row[start] if row[start] in "'\"" else ""
        new = f"{quote}{value}{quote}" if quote else yaml.safe_dump(value, default_flow_style=True).strip().removesuffix("...").strip()
        lines[line - 1] = row[:start] + new + row[end:]
    return "".join(lines)


def _scalar_end(row: str, start: int) -> int:
    """Where the scalar starting at `start` ends: its closing quote, or (plain) before a comma, bracket,
    comment or the line's end."""
    if row[start] in "'\"":
        end = row.find(row[start], start + 1)
        return len(row) if end == -1 else end + 1
    end = start
    while end < len(row) and row[end] not in ",}]\n" and not (row[end] == "#" and row[end - 1] == " "):
        end += 1
    return len(row[:end].rstrip())


def _replace_block(text: str, key: str, value: Any) -> str:
    """The file with its top-level `key:` block written anew (the rest of the file as it was)."""
    lines = text.splitlines(True)
    block = yaml.safe_dump({key: value}, sort_keys=False, allow_unicode=True, width=110)
    start = next((i for i, line in enumerate(lines) if line.startswith(f"{key}:")), None)
    if start is None:
        return text + ("" if text.endswith("\n") else "\n") + block
    end = next((i for i in range(start + 1, len(lines)) if lines[i][:1] not in (" ", "\t", "\n", "#", "-")
                and lines[i].strip()), len(lines))
    return "".join(lines[:start]) + block + "".join(lines[end:])
