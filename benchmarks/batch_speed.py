"""Batch auditing at scale: letters per second with 1 and 2 processes, memory over a long batch, and
cold start of the command line, for this tree and for a baseline commit in the same run.

    .venv/bin/python benchmarks/batch_speed.py [--letters N] [--rss-letters N] [--pdf-share F] [--repeats N]
                                               [--baseline REV]

The letters (the five samples and the invented corpus, and with --pdf-share that fraction of the 64
real DWC PDFs) are copied into a temporary folder until there are N of them; `checker audit --jobs J
--output` runs on it as a user would, for each version (the baseline through its own command line),
and the rates of the two process counts are compared. RSS is sampled every 1,000 letters of an
in-process run of --rss-letters letters (this tree). Cold start is the median of 5 runs of each command.
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
sys.path.insert(0, str(ROOT / "benchmarks"))

import baseline  # noqa: E402
from checker.app import default_corpus  # noqa: E402


def rss_kib(pid: str = "self") -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def helper_rss_kib() -> int:
    """The PDFium helper process of this process, when one is running (0 otherwise)."""
    from checker.reading import pdftext

    proc = getattr(pdftext._HELPER, "_proc", None)
    return rss_kib(str(proc.pid)) if proc is not None else 0


def make_folder(n: int, pdf_share: float = 0.0) -> Path:
    texts = sorted((default_corpus() / "imr").glob("*.txt")) + sorted((ROOT / "corpus" / "letters").glob("*.txt"))
    pdfs = sorted((default_corpus() / "dwc-2016-2017" / "pdf").glob("*.pdf"))
    folder = Path(tempfile.mkdtemp(prefix="checker-batch-"))
    for i in range(n):
        pdf = pdfs and int((i + 1) * pdf_share) > int(i * pdf_share)  # spread evenly through the batch
        src = pdfs[i % len(pdfs)] if pdf else texts[i % len(texts)]
        shutil.copy(src, folder / f"{i:06d}-{src.name}")
    return folder


def command(tree: Path) -> list[str]:
    """The command line of a version of the checker (the same launcher for both)."""
    return [sys.executable, "-c", baseline.LAUNCHER, str(tree)]


LAST_CORES = [0.0]  # CPU seconds per wall second of the last timed command (its processes together)


def timed(args: list[str]) -> float:
    import resource

    cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    LAST_CORES[0] = (after.ru_utime + after.ru_stime - cpu.ru_utime - cpu.ru_stime) / max(seconds, 1e-9)
    return seconds


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--letters", type=int, default=1000)
    ap.add_argument("--rss-letters", type=int, default=10000)
    ap.add_argument("--repeats", type=int, default=2, help="timed runs of each version and process count")
    ap.add_argument("--pdf-share", type=float, default=0.0, help="fraction of the letters that are PDFs")
    ap.add_argument("--baseline", default=baseline.DEFAULT, help="the commit to compare with (default: %(default)s)")
    args = ap.parse_args()

    old_tree = baseline.export(args.baseline)
    versions = {"baseline": old_tree, "tree": ROOT}
    case = str(ROOT / "cases" / "own" / "own-01-certify-initial-lumbar-lidocaine.yaml")
    for label, tree in versions.items():
        help_s = statistics.median(timed(command(tree) + ["--help"]) for _ in range(5))
        eval_s = statistics.median(timed(command(tree) + ["evaluate", case]) for _ in range(5))
        print(f"{label:9} cold start: checker --help {help_s:.3f} s; checker evaluate (one case) {eval_s:.3f} s")

    folder, single = make_folder(args.letters, args.pdf_share), make_folder(1)
    out = folder.parent / (folder.name + ".jsonl")
    rates: dict[tuple[str, int], float] = {}
    for repeat in range(args.repeats):  # alternating, the best of each kept: others' load hits both alike
        for jobs in (1, 2):
            for label, tree in versions.items():
                run = lambda d: timed(command(tree) + ["audit", "--jobs", str(jobs), "--fail-on", "never", "--output", str(out), str(d)])  # noqa: E731
                out.unlink(missing_ok=True)
                startup = run(single)
                out.unlink(missing_ok=True)
                seconds = run(folder)  # LAST_CORES now describes this run
                rates[label, jobs] = max(rates.get((label, jobs), 0.0), args.letters / seconds)
                steady = (args.letters - 1) / max(seconds - startup, 1e-9)
                print(f"{label:9} audit --jobs {jobs} (run {repeat + 1}): {args.letters} letters ({args.pdf_share:.0%} PDF) in "
                      f"{seconds:.1f} s = {args.letters / seconds:.1f} letters/s; start-up {startup:.1f} s; after start-up {steady:.1f} letters/s; "
                      f"{LAST_CORES[0]:.2f} cores busy (others' load shows as fewer than --jobs)")
    for label in versions:
        print(f"{label:9} best rates: --jobs 1 {rates[label, 1]:.1f}, --jobs 2 {rates[label, 2]:.1f} letters/s; "
              f"2 processes / 1 process = {rates[label, 2] / rates[label, 1]:.2f}x")
    for jobs in (1, 2):
        print(f"this tree / baseline, --jobs {jobs}: {rates['tree', jobs] / rates['baseline', jobs]:.2f}x")
    shutil.rmtree(folder)
    shutil.rmtree(single)
    shutil.rmtree(old_tree)
    out.unlink(missing_ok=True)

    if args.rss_letters <= 0:
        return 0
    from checker.interfaces.batch import _init, audit_one

    folder = make_folder(min(args.rss_letters, 2000), args.pdf_share)
    files = sorted(str(p) for p in folder.iterdir())
    _init(str(ROOT / "rules"), 60.0)
    samples, helper = [], []
    start = time.perf_counter()
    for i in range(args.rss_letters):
        audit_one(files[i % len(files)])
        if (i + 1) % 1000 == 0:
            samples.append(rss_kib())
            helper.append(helper_rss_kib())
    elapsed = time.perf_counter() - start
    shutil.rmtree(folder)
    growth = (samples[-1] - samples[0]) / samples[0] * 100 if len(samples) > 1 else 0.0
    print(f"in-process audit of {args.rss_letters} letters ({args.rss_letters / elapsed:.1f}/s): RSS every 1,000 letters "
          f"{', '.join(f'{s // 1024}' for s in samples)} MiB; growth from the first sample {growth:+.1f}%")
    if any(helper):
        print(f"  PDFium helper RSS every 1,000 letters: {', '.join(f'{s // 1024}' for s in helper)} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
