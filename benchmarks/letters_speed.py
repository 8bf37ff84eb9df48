"""End-to-end letters per second: read, parse, extract, evaluate.

    .venv/bin/python benchmarks/letters_speed.py [--rounds N]

Text: the five sample letters and the invented corpus (corpus/letters/*.txt), each round in order.
PDF: the 64 real DWC letters (../shared/corpus/dwc-2016-2017/pdf). Start-up (loading rules, building the
engine, the first NLP call) is timed separately and not counted in the rates. One process, one core.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from checker.case import default_corpus  # noqa: E402
from checker.cli import _checker  # noqa: E402
from checker.rulepack import load_rules  # noqa: E402


def rate(checker, files: list[Path], rounds: int) -> tuple[float, int]:
    start = time.perf_counter()
    items = 0
    for _ in range(rounds):
        for path in files:
            items += len(checker.check_file(path).items)
    return len(files) * rounds / (time.perf_counter() - start), items // rounds


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    corpus = default_corpus()
    texts = sorted((corpus / "imr").glob("*.txt")) + sorted((ROOT / "corpus" / "letters").glob("*.txt"))
    pdfs = sorted((corpus / "dwc-2016-2017" / "pdf").glob("*.pdf"))
    start = time.perf_counter()
    checker = _checker(load_rules(ROOT / "rules"))
    checker.check_file(texts[0])
    print(f"start-up (rules, engine, NLP pipeline, first letter): {time.perf_counter() - start:.2f} s")
    text_rate, text_items = rate(checker, texts, args.rounds)
    print(f"text: {len(texts)} letters ({text_items} items) x {args.rounds} rounds: {text_rate:,.1f} letters/s")
    if pdfs:
        pdf_rate, pdf_items = rate(checker, pdfs, max(1, args.rounds // 5))
        print(f"pdf:  {len(pdfs)} letters ({pdf_items} items): {pdf_rate:,.1f} letters/s (text/pdf = {text_rate / pdf_rate:.1f}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
