"""Auditing thousands of letters: worker processes, JSON Lines streamed in input order, a time limit
per letter, resumable output, and a progress line on a terminal.

The rules engine holds the GIL, so parallelism comes from processes; each builds its own checker once.
Results are written in input order (`imap`), so the output is the same byte for byte whatever the
number of processes. Only counts are kept in memory, so memory stays flat however long the batch.
"""
from __future__ import annotations

import json
import os
import signal
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Optional, TextIO

from checker.core.errors import CheckerError
from checker.evaluation.report import Summary, letter_row

_STATE: dict[str, Any] = {}


def _init(rules_dir: str, time_limit: float) -> None:
    """Worker start: build the checker and the auditor once per process."""
    from checker.app import build

    kit = build(rules_dir)
    _STATE.update(rules=kit.rules, checker=kit.checker, time_limit=time_limit, auditor=kit.auditor)


class LetterTimeout(BaseException):
    """Raised by the per-letter alarm; a BaseException, so that no `except Exception` on the way
    (in pypdf or spaCy) can swallow it; a PDF being read in the helper process is abandoned with it)."""


@contextmanager
def _deadline(seconds: float) -> Iterator[None]:
    if seconds <= 0 or not hasattr(signal, "SIGALRM"):
        yield
        return

    def expire(signum, frame):  # noqa: ARG001
        raise LetterTimeout()

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def audit_one(path: str) -> dict[str, Any]:
    """One letter's audit as a JSON-able record, or an error record; never raises."""
    from checker.evaluation.report import audit_json

    try:
        with _deadline(_STATE["time_limit"]):
            audit = _STATE["auditor"].audit(_STATE["checker"].check_file(path))
            record = audit_json(audit, _STATE["rules"].vocabulary)
    except LetterTimeout:
        return {"path": path, "error": f"{path}: not finished within the {_STATE['time_limit']:g} s limit per letter"}
    except CheckerError as exc:
        return {"path": path, "error": exc.message}
    except RecursionError:
        return {"path": path, "error": f"{path}: too deeply nested to read"}
    except Exception as exc:  # a bug must not stop the batch; its type is reported, no letter text
        return {"path": path, "error": f"{path}: internal error ({type(exc).__name__}); please report it"}
    return record


def json_line(record: dict[str, Any]) -> str:
    """One results line: compact (a file for programs), keys sorted (the same bytes on every run)."""
    return json.dumps(record, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n"



def _records(output: Path) -> Iterator[dict[str, Any]]:
    with output.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def read_summary(output: Path) -> Summary:
    """The summary of a whole results file (letters from before a --resume included), read line by line."""
    summary = Summary()
    for record in _records(output):
        summary.add(record)
    return summary


def output_rows(output: Path) -> Iterator[tuple[str, int, str]]:
    """The per-letter rows of a results file, streamed."""
    for record in _records(output):
        row = letter_row(record)
        if row is not None:
            yield row


def resolved(path: str | Path) -> str:
    """The key a letter is known by when resuming: its resolved path, however it was written."""
    try:
        return str(Path(path).resolve())
    except (OSError, RuntimeError):
        return str(Path(path).absolute())


def done_paths(output: Path) -> set[str]:
    """Letters already in a results file, by resolved path; a last line cut by an interruption is
    removed first."""
    from checker.core.safeio import read_limited

    if not output.exists():
        return set()
    data = read_limited(output, 1 << 34, "a results file")
    if data and not data.endswith(b"\n"):
        data = data[: data.rfind(b"\n") + 1]
        output.write_bytes(data)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CheckerError(f"{output}: not UTF-8 text (bad byte at offset {exc.start}); "
                           "not a results file written by checker (cannot resume)") from None
    done = set()
    for line in text.splitlines():
        try:
            done.add(resolved(json.loads(line)["path"]))
        except (ValueError, KeyError, TypeError):
            raise CheckerError(f"{output}: not a results file written by checker (cannot resume)") from None
    return done


class Progress:
    """A progress line with rate and time left, on a terminal only (quiet in CI and when piped)."""

    def __init__(self, total: int, stream: Optional[TextIO] = None):
        stream = stream if stream is not None else sys.stderr
        self.total, self.stream, self.start, self.last = total, stream, time.monotonic(), 0.0
        self.on = stream.isatty() and not os.environ.get("CI") and total > 1

    def update(self, done: int) -> None:
        now = time.monotonic()
        if not self.on or (now - self.last < 0.2 and done < self.total):
            return
        self.last = now
        rate = done / max(now - self.start, 1e-9)
        left = (self.total - done) / rate if rate else 0
        bar = "#" * int(30 * done / self.total)
        self.stream.write(f"\r[{bar:<30}] {done}/{self.total} {rate:.1f} letters/s ETA {int(left) // 60}m{int(left) % 60:02d}s")
        self.stream.flush()
        if done == self.total:
            self.stream.write("\n")


def run_batch(paths: list[Path], rules_dir: str, jobs: int, time_limit: float, sink: TextIO,
              skip: Optional[set[str]] = None, keep_rows: bool = False) -> Summary:
    """Audit every letter, writing one JSON line per letter to `sink` in input order."""
    todo = [str(p) for p in paths if resolved(p) not in (skip or set())]
    summary = Summary(rows=[] if keep_rows else None)
    progress = Progress(len(todo))
    if jobs <= 1:
        _init(rules_dir, time_limit)
        results: Iterator[dict[str, Any]] = map(audit_one, todo)
        pool = None
    else:
        import multiprocessing as mp

        pool = mp.get_context("fork").Pool(jobs, initializer=_init, initargs=(rules_dir, time_limit))
        results = pool.imap(audit_one, todo, chunksize=4)
    try:
        for n, record in enumerate(results, 1):
            sink.write(json_line(record))
            sink.flush()
            summary.add(record)
            progress.update(n)
    finally:
        if pool is not None:
            pool.terminate()
            pool.join()
    return summary
