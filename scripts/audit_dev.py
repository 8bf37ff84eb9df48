"""The audit measured on the development letters of corpus/real-audit/dev/ (never the held-out ones).

    .venv/bin/python scripts/audit_dev.py [--corpus ../shared/corpus] [--list] [--case CM16-...]

Runs `checker audit --format json` on the letters whose case numbers are the keys of
corpus/real-audit/dev/truth.yaml and compares the findings with the reader's: per code, how many were
raised, how many match a finding of the truth (same letter, same code, same item when both name one) and
the share of the truth's findings matched (recall). A letter-level finding counts for every item whose
title it quotes. `--list` prints each unmatched finding (false alarm) and each missed one.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
TRUTH = ROOT / "corpus" / "real-audit" / "dev" / "truth.yaml"


def raised(letter: dict) -> list[tuple[str, frozenset[int]]]:
    """(code, the item numbers it concerns; empty for the whole letter) of each finding of a letter."""
    out = []
    spans = [(i + 1, it["title_span"]["start"], it["title_span"]["end"]) for i, it in enumerate(letter["items"])]
    for n, it in enumerate(letter["items"], 1):
        out += [(f["code"], frozenset({n})) for f in it["findings"]]
    for f in letter["findings"]:
        items = {n for n, s, e in spans for q in f["evidence"] if q["start"] <= s and e <= q["end"] or (s <= q["start"] < e)}
        out.append((f["code"], frozenset(items)))
    return out


def matches(code: str, items: frozenset[int], truth: dict) -> bool:
    return truth["code"] == code and (truth.get("item") is None or not items or truth["item"] in items)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", default=str(ROOT.parent / "shared" / "corpus"))
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--case", action="append")
    args = ap.parse_args(argv)
    truth = yaml.safe_load(TRUTH.read_text(encoding="utf-8"))
    cases = sorted(args.case or truth)
    pdfs = [str(Path(args.corpus) / "dwc-2016-2017" / "pdf" / f"{c}.pdf") for c in cases]
    checker = Path(sys.executable).parent / "checker"
    run = subprocess.run([str(checker), "audit", *pdfs, "--format", "json", "--fail-on", "never"],
                         capture_output=True, text=True)
    if run.returncode not in (0, 1):
        sys.stderr.write(run.stderr)
        return 2
    letters = {lt["case_number"]: lt for lt in json.loads(run.stdout)["letters"]}
    fired, right, found, total = Counter(), Counter(), Counter(), Counter()
    false_alarms, missed = [], []
    for case in cases:
        want = truth[case].get("findings") or []
        got = raised(letters[case]) if case in letters else []
        for code, items in got:
            fired[code] += 1
            if any(matches(code, items, t) for t in want):
                right[code] += 1
            else:
                false_alarms.append((case, code, sorted(items)))
        for t in want:
            total[t["code"]] += 1
            if any(matches(code, items, t) for code, items in got):
                found[t["code"]] += 1
            else:
                missed.append((case, t["code"], t.get("item"), t.get("what", "")))
    print(f"{'code':34} {'raised':>6} {'right':>6} {'precision':>9} {'truth':>6} {'found':>6} {'recall':>7}")
    for code in sorted(set(fired) | set(total)):
        p = f"{right[code] / fired[code]:.0%}" if fired[code] else "-"
        r = f"{found[code] / total[code]:.0%}" if total[code] else "-"
        print(f"{code:34} {fired[code]:6} {right[code]:6} {p:>9} {total[code]:6} {found[code]:6} {r:>7}")
    f, r, t, g = sum(fired.values()), sum(right.values()), sum(total.values()), sum(found.values())
    print(f"{'all':34} {f:6} {r:6} {(r / f if f else 0):9.0%} {t:6} {g:6} {(g / t if t else 0):7.0%}")
    if args.list:
        for case, code, items in false_alarms:
            print(f"false alarm: {case} {code} items {items}")
        for case, code, item, what in missed:
            print(f"missed: {case} {code} item {item}: {what}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
