"""End-to-end letters per second, this tree against a baseline commit measured in the same run.

    .venv/bin/python benchmarks/letters_speed.py [--rounds N] [--repeats N] [--baseline REV]

Text: the five sample letters and the invented corpus (corpus/letters/*.txt), each round in order.
PDF: the 64 real DWC letters (../shared/corpus/dwc-2016-2017/pdf). Two stages are timed: `check` (read,
parse, extract, evaluate: what `checker check` does per letter) and `audit` (the same, then the audit,
its JSON record and the serialised line: what `checker audit --output` does per letter). Start-up
(imports, rules, engine, NLP pipeline, the first letter) is timed separately and not counted in the rates.

Each version runs in its own process, one core; the versions alternate (baseline, tree, baseline, tree...)
`--repeats` times and the best rate of each is kept. Rates are given per second of wall time and per
second of CPU time (the process's own and its PDF helper's): on a machine others are using, wall time
swings from run to run and CPU time much less, so the CPU ratio is the steadier comparison.
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

STARTED = time.perf_counter()
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import baseline  # noqa: E402


def corpus_files() -> dict[str, list[str]]:
    sys.path.insert(0, str(ROOT))
    from checker.app import default_corpus

    corpus = default_corpus()
    texts = sorted((corpus / "imr").glob("*.txt")) + sorted((ROOT / "corpus" / "letters").glob("*.txt"))
    pdfs = sorted((corpus / "dwc-2016-2017" / "pdf").glob("*.pdf"))
    return {"text": [str(p) for p in texts], "pdf": [str(p) for p in pdfs]}


def cpu_seconds() -> float:
    """CPU time of this process and of the PDFium helper it started, if any."""
    import os

    total = time.process_time()
    helper = getattr(sys.modules.get("checker.reading.pdftext"), "_HELPER", None)
    proc = getattr(helper, "_proc", None)
    if proc is not None:
        try:
            fields = Path(f"/proc/{proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime
        except (OSError, IndexError, ValueError):
            pass
    return total


def worker(tree: str, files: dict[str, list[str]], rounds: int) -> dict:
    """Runs inside the process of one version: its start-up, then each stage's rate."""
    # an editable install maps `checker` to this tree whatever sys.path says: drop its finder so that
    # the version in `tree` is the one imported
    sys.meta_path[:] = [f for f in sys.meta_path if "editable" not in str(getattr(f, "__module__", "")).lower()]
    sys.path.insert(0, tree)
    import importlib

    def first(*names):  # the module under the layout of either version (layered package or flat)
        for name in names:
            try:
                return importlib.import_module(name)
            except ModuleNotFoundError:
                continue
        raise ModuleNotFoundError(names[0])

    batch = first("checker.interfaces.batch", "checker.batch")
    load_rules = first("checker.rules.rulepack", "checker.rulepack").load_rules
    app = first("checker.app", "checker.cli")
    build_checker = getattr(app, "build_checker", None) or app._checker

    rules = load_rules(Path(tree) / "rules")
    checker = build_checker(rules)
    checker.check_file(files["text"][0])
    out = {"startup": time.perf_counter() - STARTED}
    batch._init(str(Path(tree) / "rules"), 0)
    # the line a batch writes; the baseline wrote json.dumps(record, ensure_ascii=False, sort_keys=True)
    line = getattr(batch, "json_line", None) or (lambda r: json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n")
    stages = {"check": lambda path: len(checker.check_file(path).items),
              "audit": lambda path: len(line(batch.audit_one(path)))}
    for kind, paths in files.items():
        n = rounds if kind == "text" else max(1, rounds // 5)
        for stage, run in stages.items():
            start, cpu = time.perf_counter(), cpu_seconds()
            for _ in range(n):
                for path in paths:
                    run(path)
            out[f"{kind} {stage}"] = len(paths) * n / (time.perf_counter() - start)
            out[f"{kind} {stage} cpu"] = len(paths) * n / (cpu_seconds() - cpu)
    out["items"] = {kind: sum(len(checker.check_file(p).items) for p in paths) for kind, paths in files.items()}
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--repeats", type=int, default=3, help="runs of each version, alternating; the best counts")
    ap.add_argument("--baseline", default=baseline.DEFAULT, help="the commit to compare with (default: %(default)s)")
    ap.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:  # the parent sends the file lists: nothing of this tree's checker is imported here
        print(json.dumps(worker(args.worker, json.loads(sys.stdin.read()), args.rounds)))
        return 0
    files = corpus_files()
    old_tree = baseline.export(args.baseline)
    try:
        best: dict[str, dict] = {"baseline": {}, "tree": {}}
        for _ in range(args.repeats):
            for label, tree in (("baseline", old_tree), ("tree", ROOT)):
                run = subprocess.run([sys.executable, __file__, "--worker", str(tree), "--rounds", str(args.rounds)],
                                     input=json.dumps(files), capture_output=True, text=True, check=True)
                got = json.loads(run.stdout)
                for key, value in got.items():
                    if key == "startup":
                        best[label][key] = min(best[label].get(key, value), value)
                    elif key == "items":
                        best[label][key] = value
                    else:
                        best[label][key] = max(best[label].get(key, 0.0), value)
    finally:
        shutil.rmtree(old_tree)
    old, new = best["baseline"], best["tree"]
    print(f"letters: {len(files['text'])} text ({new['items']['text']} items), {len(files['pdf'])} PDF "
          f"({new['items']['pdf']} items); baseline {args.baseline}; best of {args.repeats} alternating runs each")
    if old["items"] != new["items"]:
        print(f"  items differ: baseline {old['items']}, tree {new['items']}")
    print(f"{'':34}{'baseline':>10}{'this tree':>11}{'ratio':>8}")
    print(f"{'start-up (s)':34}{old['startup']:>10.2f}{new['startup']:>11.2f}{new['startup'] / old['startup']:>7.2f}x")
    for key in ("text check", "text audit", "pdf check", "pdf audit"):
        for suffix, unit in (("", "letters/s"), (" cpu", "letters/CPU-s")):
            label = f"{key} ({unit})"
            print(f"{label:34}{old[key + suffix]:>10.1f}{new[key + suffix]:>11.1f}{new[key + suffix] / old[key + suffix]:>7.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
