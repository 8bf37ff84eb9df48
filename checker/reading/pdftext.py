"""The text layer of a PDF, through PDFium (the pypdfium2 bindings), in a helper process.

PDFium reads the 64 real DWC letters about ten times faster than pypdf did, with the same letters
read out of them (``tests/test_pdftext.py`` compares items, decisions, dates, titles, citations and the
checker's reading of both). PDFium repairs damaged files without a word, so the helper first checks with
pypdf that each page's compressed content is whole (see ``checker/pdfworker.py``). PDFium is C code, and a hostile file can make it take gigabytes (a 1 MB file of compressed blanks
took 2 GB) or loop where no Python time limit reaches. So PDFium runs in ``checker/pdfworker.py``, one
long-lived helper process per checker process, started at the first PDF, with a memory limit; a file
that kills the helper or outlasts ``TIME_LIMIT`` is reported as unreadable and the next PDF gets a new
helper. Requests are one at a time (the web page's threads share the helper; PDFium is not thread-safe).

Every failure is an ``InputError`` naming the file and the problem, never its content; the helper never
sees the file's name.
"""
from __future__ import annotations

import os
import select
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Optional

from checker.core.errors import InputError

TIME_LIMIT = 30.0  # seconds for one PDF; real letters take milliseconds
_WORKER = Path(__file__).with_name("pdfworker.py")
_LENGTH = struct.Struct(">Q")
# PDFium marks a hyphen at the end of a line with U+0002 and drops the line break after it; the hyphen
# and the break are given back, as the letter shows them (and as pypdf read them: the patterns and the
# regression were written against that text). Offsets are taken later, in the text the reports show.
_LINE_END_HYPHEN = "\x02"
_ERRORS = {
    "password": "password-protected PDF (it does not open with an empty password)",
    "security": "not a readable PDF (unsupported encryption)",
    "damaged": "not a readable PDF (damaged or not a PDF)",
    "memory": "not a readable PDF (too large to read)",
}


def pdf_text(name: str, data: bytes) -> str:
    """The text of every page, pages joined by a newline (line endings as PDFium gives them; the caller
    normalises). Encrypted letters open with the empty user password, as DWC letters are sent."""
    if b"%PDF-" not in data[:1024]:
        raise InputError(f"{name}: not a readable PDF (no PDF header)")
    # PDFium, like pypdf, rebuilds a cut-off file and returns part of its text; a file without its
    # end-of-file marker is truncated, and a partial letter must not pass as a whole one.
    if b"%%EOF" not in data[-2048:]:
        raise InputError(f"{name}: not a readable PDF (truncated: no end-of-file marker)")
    status, payload = _HELPER.read(data, TIME_LIMIT)
    if status == "died":
        raise InputError(f"{name}: not a readable PDF (too large or too complex to read)")
    if status == "slow":
        raise InputError(f"{name}: not a readable PDF (not read within {TIME_LIMIT:g} s)")
    if status == "E":
        if payload.startswith("page:"):
            raise InputError(f"{name}: not a readable PDF (page {payload[5:]} cannot be read)")
        raise InputError(f"{name}: {_ERRORS.get(payload, _ERRORS['damaged'])}")
    text = payload.replace(_LINE_END_HYPHEN, "-\n")
    if not text.strip():
        raise InputError(f"{name}: PDF has no text layer (scanned?)")
    return text


class _Helper:
    """The helper process and its pipes; restarted after it dies, and again in a forked child."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._proc: Optional[subprocess.Popen] = None
        self._owner = -1

    def read(self, data: bytes, seconds: float) -> tuple[str, str]:
        """("T", text) or ("E", error code) from the helper; ("died", "") or ("slow", "") when it is lost."""
        with self._lock:
            proc = self._start()
            try:
                proc.stdin.write(_LENGTH.pack(len(data)) + data)
                proc.stdin.flush()
                deadline = time.monotonic() + seconds
                head = _receive(proc, 1 + _LENGTH.size, deadline)
                body = _receive(proc, _LENGTH.unpack(head[1:])[0], deadline)
            except (_Lost, BrokenPipeError) as exc:
                self._stop(proc)
                return ("slow" if isinstance(exc, _Lost) and exc.slow else "died"), ""
            except BaseException:
                # a time limit of the caller (or ^C) in the middle of a request: the helper's state is
                # unknown, so it goes
                self._stop(proc)
                raise
            return head[:1].decode(), body.decode("utf-8", "surrogatepass")

    def _start(self) -> subprocess.Popen:
        if self._proc is not None and self._owner == os.getpid() and self._proc.poll() is None:
            return self._proc
        # a helper inherited through fork belongs to the parent: it is left alone, not reused
        self._proc = subprocess.Popen([sys.executable, "-P", str(_WORKER)], stdin=subprocess.PIPE,
                                      stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self._owner = os.getpid()
        return self._proc

    def _stop(self, proc: subprocess.Popen) -> None:
        proc.kill()
        proc.wait()
        for stream in (proc.stdin, proc.stdout):
            try:
                stream.close()
            except OSError:
                pass
        if self._proc is proc:
            self._proc = None


class _Lost(Exception):
    def __init__(self, slow: bool):
        super().__init__("slow" if slow else "died")
        self.slow = slow


def _receive(proc: subprocess.Popen, n: int, deadline: float) -> bytes:
    """n bytes from the helper; _Lost when it died (end of its output) or the deadline passed."""
    fd, chunks, left = proc.stdout.fileno(), [], n
    while left:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
            raise _Lost(slow=True)
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            raise _Lost(slow=False)
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


_HELPER = _Helper()
