"""Fuzzing the readers: generated and mutated letters, notes, PDFs, rule files and case files.

    .venv/bin/python scripts/fuzz.py [--count N] [--seed S] [--time-limit SECONDS]

Every input must give a result or one clear error (a CheckerError); any other exception is a crash
and any input slower than the time limit is a hang. The run is seeded and reproducible: a failure
prints its input number, and `--only K` replays that one input. Exit 1 when anything crashed or hung.
"""
from __future__ import annotations

import argparse
import random
import signal
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from checker.audit import make_auditor  # noqa: E402
from checker.case import default_corpus, load_case  # noqa: E402
from checker.cli import _checker  # noqa: E402
from checker.errors import CheckerError  # noqa: E402
from checker.rulepack import load_pack, load_rules  # noqa: E402
from checker.source import read_text  # noqa: E402

LOOKALIKES = {"a": "\u0430", "e": "\u0435", "o": "\u043e", "p": "\u0440", "c": "\u0441", "x": "\u0445",
              "1": "\uff11", "0": "\uff10", " ": "\u00a0", "-": "\u2010", ":": "\uff1a"}
JUNK = ["\x00", "\x07", "\x1b[31m", "\ufeff", "\u200b", "\u202e", "\ud7ff", "\r", "\t", "\x0c", "\u2028", "💉"]
WORDS = ["Upheld", "Overturned", "IMR ISSUES, DECISIONS AND RATIONALES", "CLINICAL CASE SUMMARY", "Decision rationale:",
         "MAXIMUS guideline:", "Claims Administrator guideline:", "trigger point injections x4", "no twitch response",
         "99/99/9999", "2/30/2015", "relief 140%", "x999999999", "radiculopathy", "fibromyalgia", "Page(s): 122",
         "Date of Injury: 13/45/2099", "is: Upheld", "QUANTITY :0:00", "referred pain", "#-5", "(", ")", "%", ":"]


class Hang(BaseException):
    """The per-input alarm; not an Exception, so no library handler can swallow it."""


def _alarm(signum, frame):  # noqa: ARG001
    raise Hang()


def mutate(text: str, rng: random.Random) -> str:
    """One to four random edits of a text: cuts, shuffles, repeats, look-alikes, junk, injected words."""
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(9)
        if not text:
            text = rng.choice(WORDS)
        if op == 0:  # cut
            a = rng.randrange(len(text))
            text = text[:a] if rng.random() < 0.5 else text[a:]
        elif op == 1:  # shuffle paragraphs
            parts = text.split("\n\n")
            rng.shuffle(parts)
            text = "\n\n".join(parts)
        elif op == 2:  # repeat a block many times
            a = rng.randrange(len(text))
            b = min(len(text), a + rng.randint(1, 2000))
            text = text[:b] + text[a:b] * rng.randint(2, 60) + text[b:]
        elif op == 3:  # look-alike characters
            text = "".join(LOOKALIKES.get(ch, ch) if rng.random() < 0.2 else ch for ch in text)
        elif op == 4:  # control and odd characters
            for _ in range(rng.randint(1, 30)):
                a = rng.randrange(len(text) + 1)
                text = text[:a] + rng.choice(JUNK) + text[a:]
        elif op == 5:  # inject letter words and impossible values
            for _ in range(rng.randint(1, 10)):
                a = rng.randrange(len(text) + 1)
                text = text[:a] + " " + rng.choice(WORDS) + " " + text[a:]
        elif op == 6:  # lose or double line breaks
            text = text.replace("\n", "" if rng.random() < 0.5 else "\n\n\n")
        elif op == 7:  # digits scrambled
            text = "".join(str(rng.randrange(10)) if ch.isdigit() and rng.random() < 0.3 else ch for ch in text)
        else:  # random printable noise
            text = "".join(chr(rng.randrange(32, 0x2FFF)) for _ in range(rng.randint(1, 3000)))
    return text


def mutate_bytes(data: bytes, rng: random.Random) -> bytes:
    data = bytearray(data)
    op = rng.randrange(3)
    if op == 0 and data:
        del data[rng.randrange(len(data)):]
    elif op == 1:
        for _ in range(rng.randint(1, 50)):
            if data:
                data[rng.randrange(len(data))] = rng.randrange(256)
    else:
        a = rng.randrange(len(data) + 1)
        data[a:a] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 200)))
    return bytes(data)


class Fuzzer:
    def __init__(self, seed: int, time_limit: float):
        self.rules = load_rules(ROOT / "rules")
        self.checker = _checker(self.rules)
        self.auditor = make_auditor(self.rules, self.checker)
        self.seed, self.time_limit = seed, time_limit
        corpus = default_corpus()
        self.texts = [p.read_text(encoding="utf-8") for p in sorted((corpus / "imr").glob("*.txt"))]
        self.texts += [p.read_text(encoding="utf-8") for p in sorted((ROOT / "corpus" / "letters").glob("*.txt"))]
        self.texts += [p.read_text(encoding="utf-8") for p in sorted((ROOT / "tests" / "fixtures" / "audit").glob("*.txt"))]
        self.pdfs = [p.read_bytes() for p in sorted((corpus / "dwc-2016-2017" / "pdf").glob("*.pdf"))[:8]]
        self.pdfs += [p.read_bytes() for p in sorted((ROOT / "corpus" / "letters").glob("*.pdf"))]
        self.rule_text = (ROOT / "rules" / "mtus-2009-tpi.rules.yaml").read_text(encoding="utf-8")
        self.case_texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "cases").rglob("*.yaml"))]
        self.tmp = Path(tempfile.mkdtemp(prefix="checker-fuzz-"))

    def one(self, n: int) -> str:
        """Run input number n; return 'ok', 'error' (a clear CheckerError) or raise."""
        rng = random.Random(f"{self.seed}:{n}")
        kind = rng.random()
        try:
            if kind < 0.72:
                text = mutate(rng.choice(self.texts), rng)
                result = self.checker.check_source(read_text(text, f"fuzz-{n}.txt"))
                self.auditor.audit(result)
            elif kind < 0.78:
                path = self.tmp / f"fuzz-{n}.pdf"
                path.write_bytes(mutate_bytes(rng.choice(self.pdfs), rng))
                self.auditor.audit(self.checker.check_file(path))
            elif kind < 0.90:
                path = self.tmp / f"fuzz-{n}.rules.yaml"
                path.write_text(mutate(self.rule_text, rng), encoding="utf-8", errors="surrogatepass")
                load_pack(path, self.rules.vocabulary)
            else:
                path = self.tmp / f"fuzz-{n}.yaml"
                path.write_text(mutate(rng.choice(self.case_texts), rng), encoding="utf-8", errors="surrogatepass")
                load_case(path, self.rules)
        except CheckerError:
            return "error"
        finally:
            for leftover in self.tmp.glob(f"fuzz-{n}.*"):
                leftover.unlink()
        return "ok"

    def run(self, start: int, count: int, report=print) -> dict[str, list]:
        outcome: dict[str, list] = {"ok": [], "error": [], "crash": [], "hang": []}
        slowest = (0.0, -1)
        previous = signal.signal(signal.SIGALRM, _alarm)
        try:
            for n in range(start, start + count):
                began = time.perf_counter()
                signal.setitimer(signal.ITIMER_REAL, self.time_limit)
                try:
                    outcome[self.one(n)].append(n)
                except Hang:
                    outcome["hang"].append(n)
                    report(f"input {n}: hang (over {self.time_limit:g} s)")
                except Exception as exc:  # the point of fuzzing: anything else is a defect
                    outcome["crash"].append(n)
                    report(f"input {n}: crash {type(exc).__name__}: {exc!s:.200}")
                    report("".join(traceback.format_tb(exc.__traceback__, limit=-3)))
                finally:
                    signal.setitimer(signal.ITIMER_REAL, 0)
                slowest = max(slowest, (time.perf_counter() - began, n))
        finally:
            signal.signal(signal.SIGALRM, previous)
        outcome["slowest"] = [slowest]
        return outcome


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--count", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=20261123)
    ap.add_argument("--time-limit", type=float, default=20.0)
    ap.add_argument("--start", type=int, default=0, help="first input number (to split a run across processes)")
    ap.add_argument("--only", type=int, default=None, help="replay one input number")
    args = ap.parse_args()
    fuzzer = Fuzzer(args.seed, args.time_limit)
    start, count = (args.only, 1) if args.only is not None else (args.start, args.count)
    began = time.perf_counter()
    out = fuzzer.run(start, count)
    seconds, worst = time.perf_counter() - began, out["slowest"][0]
    print(f"seed {args.seed}: inputs {start}-{start + count - 1} ({count}) in {seconds:.0f} s; {len(out['ok'])} read, {len(out['error'])} clear errors, "
          f"{len(out['crash'])} crashes, {len(out['hang'])} hangs; slowest input {worst[1]} took {worst[0]:.2f} s")
    return 1 if out["crash"] or out["hang"] else 0


if __name__ == "__main__":
    sys.exit(main())
