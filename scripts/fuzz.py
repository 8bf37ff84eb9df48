"""Fuzzing the readers: generated and mutated letters, notes, PDFs, rule files and case files.

    .venv/bin/python scripts/fuzz.py [--count N] [--seed S] [--time-limit SECONDS] [--family pdf]

Every input must give a result or one clear error (a CheckerError); any other exception is a crash
and any input slower than the time limit is a hang. Where the right answer is known, a different one
is a silent wrong answer: a fact read from a letter outside its bounds in rules/facts.yaml (or dated
after the letter), the engine disagreeing with the plain-Python semantics on a rule file it loaded, a
page answer over 499 or one that repeats the request's text in an error. The run is seeded and
reproducible: a failure prints its input number, and `--only K` replays that one input; `--family F`
runs only the inputs of one family among the same numbers. Exit 1 when anything crashed, hung or
answered wrongly.

Families (share of the inputs): mutated letters and notes (0.60), damaged PDFs (0.05), mutated rule
files (0.10), mutated case files (0.07), page bodies and uploads (0.06), rule-file numbers (0.04),
YAML alias bombs (0.02), special files: FIFOs, devices, links (0.01), impossible values in letters (0.05).
"""
from __future__ import annotations

import argparse
import json
import random
import signal
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from checker.audit.auditor import make_auditor  # noqa: E402
from checker.app import default_corpus  # noqa: E402
from checker.decision.case import load_case  # noqa: E402
from checker.app import build_checker  # noqa: E402
from checker.core.errors import CheckerError  # noqa: E402
from checker.rules.rulepack import load_pack, load_rules  # noqa: E402
from checker.reading.source import read_source, read_text  # noqa: E402
from hostile import alias_bomb, costly_pdf  # noqa: E402

LOOKALIKES = {"a": "\u0430", "e": "\u0435", "o": "\u043e", "p": "\u0440", "c": "\u0441", "x": "\u0445",
              "1": "\uff11", "0": "\uff10", " ": "\u00a0", "-": "\u2010", ":": "\uff1a"}
JUNK = ["\x00", "\x07", "\x1b[31m", "\ufeff", "\u200b", "\u202e", "\ud7ff", "\r", "\t", "\x0c", "\u2028", "💉"]
WORDS = ["Upheld", "Overturned", "IMR ISSUES, DECISIONS AND RATIONALES", "CLINICAL CASE SUMMARY", "Decision rationale:",
         "MAXIMUS guideline:", "Claims Administrator guideline:", "trigger point injections x4", "no twitch response",
         "99/99/9999", "2/30/2015", "relief 140%", "x999999999", "radiculopathy", "fibromyalgia", "Page(s): 122",
         "Date of Injury: 13/45/2099", "is: Upheld", "QUANTITY :0:00", "referred pain", "#-5", "(", ")", "%", ":"]


# the share of inputs of each family (kind = the input's first random number, below the bound)
FAMILIES = (("letters", 0.60), ("pdf", 0.65), ("rules", 0.75), ("cases", 0.82), ("page", 0.88), ("rule-numbers", 0.92),
            ("bomb", 0.94), ("special", 0.95), ("impossible", 1.0))


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


NUMBERS = ["1.0e-5", "1e308", ".nan", ".NaN", ".inf", "-.inf", "123456789012345678901234567890", "-0.0", "0x10",
           "1_000", "0.00001", "4.00000000001", "9223372036854775808", "9223372036854775807", "3.5", "-4", "1e3", "0o17"]
IMPOSSIBLE = {"percent": ["140", "1e308", "1e50", "999", "100.5", "99999999999999999999"],
              "weeks": ["99999999999999999999", "9000", "1e9", "600"],
              "date": ["2/30/2015", "13/45/2099", "02/29/2015", "1/1/0001", "12/1/9999", "04/31/2014", "1/1/1899"]}
SECRET = "ZQXSECRETZQX"


def _message(answer) -> str:
    """What an error answer says: the whole body of a JSON answer; on a page, its alert (a form sent back
    for correction holds what the user entered, which is not a message about it)."""
    import re

    if answer.headers.get("content-type", "").startswith("application/json"):
        return answer.text
    return " ".join(re.findall(r'role="alert"[^>]*>(.*?)</(?:p|div)>', answer.text, re.S))


class WrongAnswer(Exception):
    """A result that is known to be wrong (a silent wrong answer)."""


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
        self.checker = build_checker(self.rules)
        self.auditor = make_auditor(self.rules, self.checker)
        self.seed, self.time_limit = seed, time_limit
        corpus = default_corpus()
        self.texts = [p.read_text(encoding="utf-8") for p in sorted((corpus / "imr").glob("*.txt"))]
        self.texts += [p.read_text(encoding="utf-8") for p in sorted((ROOT / "corpus" / "letters").glob("*.txt"))]
        self.texts += [p.read_text(encoding="utf-8") for p in sorted((ROOT / "tests" / "fixtures" / "audit").glob("*.txt"))]
        self.pdfs = [p.read_bytes() for p in sorted((corpus / "dwc-2016-2017" / "pdf").glob("*.pdf"))[:8]]
        self.pdfs += [p.read_bytes() for p in sorted((ROOT / "corpus" / "letters").glob("*.pdf"))]
        self.rule_text = (ROOT / "rules" / "packs" / "mtus-2009-tpi" / "mtus-2009-tpi.rules.yaml").read_text(encoding="utf-8")
        self.case_texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "cases").rglob("*.yaml"))]
        self.tmp = Path(tempfile.mkdtemp(prefix="checker-fuzz-"))
        self._client = None

    def client(self):
        """The page, through the framework's test client, with one worker process."""
        if self._client is None:
            from fastapi.testclient import TestClient

            from checker.interfaces.web import create_app

            app = create_app(str(ROOT / "rules"), workers=1, time_limit=self.time_limit / 2)
            app.state.workers.start()
            self._client = TestClient(app)
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.app.state.workers.close()
            self._client = None

    def family(self, n: int) -> str:
        kind = random.Random(f"{self.seed}:{n}").random()
        return next(name for name, below in FAMILIES if kind < below)

    def one(self, n: int) -> str:
        """Run input number n; return 'ok', 'error' (a clear CheckerError) or raise."""
        rng = random.Random(f"{self.seed}:{n}")
        kind = rng.random()
        try:
            if kind < 0.60:
                text = mutate(rng.choice(self.texts), rng)
                result = self.checker.check_source(read_text(text, f"fuzz-{n}.txt"))
                self.auditor.audit(result)
            elif kind < 0.65:
                path = self.tmp / f"fuzz-{n}.pdf"
                path.write_bytes(mutate_bytes(rng.choice(self.pdfs), rng) if rng.random() < 0.8 else hostile_pdf(rng))
                self.auditor.audit(self.checker.check_file(path))
            elif kind < 0.75:
                path = self.tmp / f"fuzz-{n}.rules.yaml"
                path.write_text(mutate(self.rule_text, rng), encoding="utf-8", errors="surrogatepass")
                load_pack(path, self.rules.vocabulary)
            elif kind < 0.82:
                path = self.tmp / f"fuzz-{n}.yaml"
                path.write_text(mutate(rng.choice(self.case_texts), rng), encoding="utf-8", errors="surrogatepass")
                load_case(path, self.rules)
            elif kind < 0.88:
                return self.page(rng)
            elif kind < 0.92:
                return self.rule_numbers(n, rng)
            elif kind < 0.94:
                return self.bomb(n, rng)
            elif kind < 0.95:
                return self.special(n, rng)
            else:
                return self.impossible_values(n, rng)
        except CheckerError:
            return "error"
        finally:
            for leftover in self.tmp.glob(f"fuzz-{n}.*"):
                if leftover.is_dir() and not leftover.is_symlink():
                    leftover.rmdir()
                else:
                    leftover.unlink()
        return "ok"

    # --- the families added for hostile input -----------------------------------------------------------

    def page(self, rng: random.Random) -> str:
        """A page body or upload: mutated letters as JSON or files, broken JSON, bodies over the cap, a
        costly PDF; the answer must be below 500 and an error must not repeat what was sent."""
        client, op = self.client(), rng.randrange(7)
        letter = SECRET + " " + mutate(rng.choice(self.texts), rng)
        if op == 0:
            answer = client.post("/api/check-text", json={"text": letter, "name": rng.choice(["a.txt", "notes of 3 March", ""])})
        elif op == 1:
            answer = client.post("/check", data={"text": letter})
        elif op == 2:
            data = mutate_bytes(rng.choice(self.pdfs), rng) if rng.random() < 0.5 else letter.encode("utf-8", "surrogatepass")
            name = rng.choice(["x.pdf", "x.txt", "x", "../../x.pdf", "notes.TXT"])
            answer = client.post(rng.choice(["/api/check", "/check"]), files={"upload": (name, data, "application/octet-stream")})
        elif op == 3:
            body = mutate(json.dumps({"text": letter, "facts": {"relief_pct": SECRET}}), rng).encode("utf-8", "surrogatepass")
            answer = client.post(rng.choice(["/api/check-text", "/api/evaluate"]), content=body,
                                 headers={"content-type": "application/json"})
        elif op == 4:
            facts = {rng.choice(list(self.rules.vocabulary.facts)): rng.choice([SECRET, 1e308, -1, 10 ** 30, True, None, [SECRET]])
                     for _ in range(rng.randint(1, 5))}
            answer = client.post("/api/evaluate", json={"facts": facts})
        elif op == 5:
            size = rng.choice([6, 8, 12]) * 1024 * 1024
            answer = client.post("/api/check-text", content=b'{"text": "' + b"a" * size + b'"}',
                                 headers={"content-type": "application/json"})
            if answer.status_code != 413:
                raise WrongAnswer(f"a {size}-byte body was answered {answer.status_code}, not 413")
        else:
            answer = client.post("/api/check", files={"upload": ("costly.pdf", costly_pdf(rng.randint(2, 10), rng.randint(1, 8)),
                                                                 "application/pdf")})
        if answer.status_code >= 500:
            raise WrongAnswer(f"the page answered {answer.status_code}")
        if answer.status_code != 200 and SECRET in _message(answer):
            raise WrongAnswer(f"an error answer ({answer.status_code}) repeats the request's text")
        return "ok" if answer.status_code == 200 else "error"

    def rule_numbers(self, n: int, rng: random.Random) -> str:
        """A rule file whose thresholds are written in number forms the engine may not take; what loads
        must run through the engine and agree with the plain-Python semantics on every example."""
        import re

        from checker.engine.durable import Engine
        from checker.rules.facts import derive
        from checker.engine.oracle import reference_statuses

        text = re.sub(r"\b(gte|gt|lte|lt|eq|neq): (\d+(?:\.\d+)?)\b",
                      lambda m: f"{m.group(1)}: {rng.choice(NUMBERS)}" if rng.random() < 0.3 else m.group(0), self.rule_text)
        path = self.tmp / f"fuzz-{n}.rules.yaml"
        path.write_text(text, encoding="utf-8")
        pack = load_pack(path, self.rules.vocabulary)
        engine = Engine([pack])
        for c in pack.criteria:
            for ex in c.examples:
                values = derive(ex.facts, self.rules.vocabulary).values()
                if engine.statuses(pack.id, values)[c.id] != reference_statuses(pack, values)[c.id]:
                    raise WrongAnswer(f"engine and semantics disagree on {c.id} example {ex.name!r}")
        return "ok"

    def bomb(self, n: int, rng: random.Random) -> str:
        """An alias bomb as a rule or case file: refused quickly with a clear error."""
        levels, width = rng.randint(3, 12), rng.randint(2, 12)
        path = self.tmp / f"fuzz-{n}.yaml"
        head = rng.choice(["", "schema: checker/case/1\nid: x\ntitle: t\nfacts: {}\n", self.rule_text[:200]])
        path.write_text(head + alias_bomb(levels, width), encoding="utf-8")
        (load_case(path, self.rules) if rng.random() < 0.5 else load_pack(path, self.rules.vocabulary))
        return "ok"

    def special(self, n: int, rng: random.Random) -> str:
        """A FIFO, a device, a link to one, or a folder, passed where a file is read: refused, never read."""
        import os

        path = self.tmp / f"fuzz-{n}.{rng.choice(['txt', 'pdf', 'yaml'])}"
        op = rng.randrange(4)
        if op == 0:
            os.mkfifo(path)
        elif op == 1:
            path.symlink_to(rng.choice(["/dev/zero", "/dev/null", "/dev/urandom"]))
        elif op == 2:
            path.mkdir()
        else:
            target = self.tmp / f"fuzz-{n}.target"
            os.mkfifo(target)
            path.symlink_to(target)
        reader = rng.randrange(3)
        if reader == 0:
            read_source(path)
        elif reader == 1:
            load_case(path, self.rules)
        else:
            load_pack(path, self.rules.vocabulary)
        raise WrongAnswer("a special file was read as if it were a regular file")

    def impossible_values(self, n: int, rng: random.Random) -> str:
        """A letter with impossible values planted where the patterns read them; every fact read must be
        within its bounds and not dated after the letter (a silent wrong answer otherwise)."""
        import re

        from checker.rules.facts import coerce

        text = rng.choice(self.texts)
        text = re.sub(r"\b\d{1,3}(?=\s*(?:%|percent))", lambda m: rng.choice(IMPOSSIBLE["percent"]) if rng.random() < 0.6 else m.group(0), text)
        text = re.sub(r"\b\d{1,2}(?=\s*weeks?)", lambda m: rng.choice(IMPOSSIBLE["weeks"]) if rng.random() < 0.6 else m.group(0), text)
        text = re.sub(r"\b\d{1,2}/\d{1,2}/\d{2,4}\b", lambda m: rng.choice(IMPOSSIBLE["date"]) if rng.random() < 0.3 else m.group(0), text)
        if rng.random() < 0.3:
            text = mutate(text, rng)
        result = self.checker.check_source(read_text(text, f"fuzz-{n}.txt"))
        latest = result.letter.dates.get("decision")
        for item in result.items:
            if item.extraction is None:
                continue
            for name, fact in item.extraction.facts.facts.items():
                spec = self.rules.vocabulary.facts.get(name)
                if spec is None or spec.type not in ("int", "number", "date"):
                    continue
                if coerce(spec, fact.value)[1] is not None:
                    raise WrongAnswer(f"{name} read outside its bounds")
                if spec.type == "date" and latest is not None and latest.value is not None and fact.value > latest.value:
                    raise WrongAnswer(f"{name} read as later than the letter")
        return "ok"

    def run(self, start: int, count: int, report=print, family: str | None = None) -> dict[str, list]:
        outcome: dict[str, list] = {"ok": [], "error": [], "crash": [], "hang": [], "wrong": []}
        slowest = (0.0, -1)
        self.client()  # the page's worker process starts here, not inside the first page input's time
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
                except WrongAnswer as exc:
                    outcome["wrong"].append(n)
                    report(f"input {n}: wrong answer: {exc}")
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
    print(f"seed {args.seed}: inputs {start}-{start + count - 1} ({count}) in {seconds:.0f} s; {len(out['ok'])} read, {len(out['error'])} clear errors, "
          f"{len(out['crash'])} crashes, {len(out['hang'])} hangs, {len(out['wrong'])} wrong answers; "
          f"slowest input {worst[1]} took {worst[0]:.2f} s")
    fuzzer.close()
    return 1 if out["crash"] or out["hang"] or out["wrong"] else 0


if __name__ == "__main__":
    sys.exit(main())
