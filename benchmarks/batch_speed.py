"""Batch auditing at scale: letters per second with 1 and 2 processes, memory over a long batch, and
cold start of the command line.

    .venv/bin/python benchmarks/batch_speed.py [--letters N] [--rss-letters N]

The text letters (the five samples and the invented corpus) are copied into a temporary folder until
there are N of them; `checker audit --jobs J --output` runs on it as a user would, and the rates of the
two process counts are compared in the same run. RSS is sampled every 1,000 letters of an in-process
run of --rss-letters letters. Cold start is the median of 5 runs of each command.
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from checker.case import default_corpus  # noqa: E402

CHECKER = str(ROOT / ".venv" / "bin" / "checker")


def rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def make_folder(n: int) -> Path:
    sources = sorted((default_corpus() / "imr").glob("*.txt")) + sorted((ROOT / "corpus" / "letters").glob("*.txt"))
    folder = Path(tempfile.mkdtemp(prefix="checker-batch-"))
    for i in range(n):
        src = sources[i % len(sources)]
        shutil.copy(src, folder / f"{i:06d}-{src.name}")
    return folder


def timed(args: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--letters", type=int, default=1000)
    ap.add_argument("--rss-letters", type=int, default=10000)
    args = ap.parse_args()

    help_s = statistics.median(timed([CHECKER, "--help"]) for _ in range(5))
    case = str(ROOT / "cases" / "own" / "own-01-certify-initial-lumbar-lidocaine.yaml")
    eval_s = statistics.median(timed([CHECKER, "evaluate", case]) for _ in range(5))
    print(f"cold start: checker --help {help_s:.3f} s; checker evaluate (one case) {eval_s:.3f} s")

    folder, single = make_folder(args.letters), make_folder(1)
    out = folder.parent / (folder.name + ".jsonl")
    rates, steady = {}, {}
    for jobs in (1, 2):
        run = lambda d: timed([CHECKER, "audit", "--jobs", str(jobs), "--fail-on", "never", "--output", str(out), str(d)])  # noqa: E731
        startup = run(single)
        seconds = run(folder)
        rates[jobs] = args.letters / seconds
        steady[jobs] = (args.letters - 1) / max(seconds - startup, 1e-9)
        print(f"audit --jobs {jobs}: {args.letters} letters in {seconds:.1f} s = {rates[jobs]:.1f} letters/s; "
              f"start-up {startup:.1f} s; after start-up {steady[jobs]:.1f} letters/s")
    print(f"2 processes / 1 process = {rates[2] / rates[1]:.2f}x overall, {steady[2] / steady[1]:.2f}x after start-up")
    shutil.rmtree(folder)
    shutil.rmtree(single)
    out.unlink(missing_ok=True)

    from checker.batch import _init, audit_one

    folder = make_folder(min(args.rss_letters, 2000))
    files = sorted(str(p) for p in folder.iterdir())
    _init(str(ROOT / "rules"), 60.0)
    samples = []
    start = time.perf_counter()
    for i in range(args.rss_letters):
        audit_one(files[i % len(files)])
        if (i + 1) % 1000 == 0:
            samples.append(rss_kib())
    elapsed = time.perf_counter() - start
    shutil.rmtree(folder)
    growth = (samples[-1] - samples[0]) / samples[0] * 100 if len(samples) > 1 else 0.0
    print(f"in-process audit of {args.rss_letters} letters ({args.rss_letters / elapsed:.1f}/s): RSS every 1,000 letters "
          f"{', '.join(f'{s // 1024}' for s in samples)} MiB; growth from the first sample {growth:+.1f}%")
    return 0


if __name__ == "__main__":
    sys.exit(main())
