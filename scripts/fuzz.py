"""Fuzzing the readers: generated and mutated letters, notes, PDFs, rule files and case files.

    .venv/bin/python scripts/fuzz.py [--count N] [--seed S] [--time-limit SECONDS] [--family pdf]

Every input must give a result or one clear error (a CheckerError); any other exception is a crash
and any input slower than the time limit is a hang. The run is seeded and reproducible: a failure
prints its input number, and `--only K` replays that one input; `--family F` runs only the inputs of one
family (letters, pdf, rules, cases) among the same numbers. Exit 1 when anything crashed or hung.
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


# the share of inputs of each family (kind = the input's first random number, below the bound)
FAMILIES = (("letters", 0.72), ("pdf", 0.78), ("rules", 0.90), ("cases", 1.0))


def pdf_file(content: bytes, keys: bytes = b"", pages: int = 1, extra: bytes = b"") -> bytes:
    """A PDF of `pages` pages sharing one content stream, with a correct cross-reference table."""
    kids = b" ".join(b"%d 0 R" % (6 + i) for i in range(pages))
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % pages,
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
               b"<< /Length %d %s >>\nstream\n" % (len(content), keys) + content + b"\nendstream", extra or b"null", b"null"]
    objects = objects[:5] + [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
                             b"/Resources << /Font << /F1 3 0 R >> >> >>"] * pages
    out, offsets = b"%PDF-1.7\n", []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1) + b"".join(b"%010d 00000 n \n" % o for o in offsets)
    return out + b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)


def hostile_pdf(rng: random.Random) -> bytes:
    """A well-formed PDF built to cost its reader: compressed blanks or text (memory), many pages, deep
    nesting, a page tree that loops, a huge page count claimed, or long runs of text operators."""
    import zlib

    op = rng.randrange(6)
    if op == 0:  # a compression bomb: up to 1,500 MB of blanks or text operators in a small file
        unit = b" " * 1024 if rng.random() < 0.5 else b"(AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA) Tj " * 28
        packer = zlib.compressobj(9)
        body = [packer.compress(b"BT /F1 12 Tf 72 700 Td (x) Tj ")]
        body += [packer.compress(unit * 1024) for _ in range(rng.randint(1, 1500))]
        return pdf_file(b"".join(body) + packer.compress(b" ET") + packer.flush(), b"/Filter /FlateDecode")
    if op == 1:  # many pages
        return pdf_file(b"BT /F1 12 Tf 72 700 Td (Upheld) Tj ET", pages=rng.randint(100, 5000))
    if op == 2:  # deep nesting in an object
        depth = rng.randint(1000, 200_000)
        return pdf_file(b"BT /F1 12 Tf 72 700 Td (x) Tj ET", extra=b"[" * depth + b"]" * depth)
    if op == 3:  # a page tree that contains itself
        return pdf_file(b"BT (x) Tj ET").replace(b"/Kids [6 0 R]", b"/Kids [2 0 R 6 0 R]")
    if op == 4:  # a page count far above the pages there are
        return pdf_file(b"BT /F1 12 Tf 72 700 Td (x) Tj ET").replace(b"/Count 1", b"/Count 2147483647")
    return pdf_file(b"BT /F1 12 Tf " + b"72 700 Td (trigger point) Tj " * rng.randint(1000, 100_000) + b"ET")


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

    def family(self, n: int) -> str:
        kind = random.Random(f"{self.seed}:{n}").random()
        return next(name for name, below in FAMILIES if kind < below)

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
                path.write_bytes(mutate_bytes(rng.choice(self.pdfs), rng) if rng.random() < 0.8 else hostile_pdf(rng))
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

    def run(self, start: int, count: int, report=print, family: str | None = None) -> dict[str, list]:
        outcome: dict[str, list] = {"ok": [], "error": [], "crash": [], "hang": []}
        slowest = (0.0, -1)
        previous = signal.signal(signal.SIGALRM, _alarm)
        try:
            for n in range(start, start + count):
                if family is not None and self.family(n) != family:
                    continue
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
    ap.add_argument("--family", choices=[name for name, _ in FAMILIES], default=None,
                    help="only the inputs of this family (the numbers stay those of a full run)")
    args = ap.parse_args()
    fuzzer = Fuzzer(args.seed, args.time_limit)
    start, count = (args.only, 1) if args.only is not None else (args.start, args.count)
    began = time.perf_counter()
    out = fuzzer.run(start, count, family=args.family)
    seconds, worst = time.perf_counter() - began, out["slowest"][0]
    ran = sum(len(out[k]) for k in ("ok", "error", "crash", "hang"))
    print(f"seed {args.seed}: inputs {start}-{start + count - 1} ({ran} {args.family or 'of every family'}) in {seconds:.0f} s; {len(out['ok'])} read, {len(out['error'])} clear errors, "
          f"{len(out['crash'])} crashes, {len(out['hang'])} hangs; slowest input {worst[1]} took {worst[0]:.2f} s")
    return 1 if out["crash"] or out["hang"] else 0


if __name__ == "__main__":
    sys.exit(main())
