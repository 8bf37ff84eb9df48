"""Reading an input file (a letter or clinical notes, text or PDF) into text.

Every failure is an ``InputError`` whose message starts with the path and never quotes the file's
content (letters carry patient text). The returned text keeps its character offsets meaningful:
the only changes are line endings (``\\r\\n`` and lone ``\\r`` become ``\\n``) and non-breaking spaces
(which become plain spaces, one character for one).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from checker.core.errors import CheckerError, InputError
from checker.reading.pdftext import pdf_text

MAX_BYTES = 20 * 1024 * 1024

_TEXT_SUFFIXES = {".txt", ".text"}
# a text counts as binary when more than this share of its characters are control characters
_BINARY_SHARE = 0.10
# the characters of categories Cc, Cs and Co (control, surrogate, private use) but \n \r \t \f \v:
# one regular expression instead of a category look-up per character (the same set, tested)
_CONTROLS = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\ud800-\udfff\ue000-\uf8ff\U000f0000-\U000ffffd\U00100000-\U0010fffd]")
_NBSP = {"\u00a0": " ", "\u202f": " ", "\u2007": " "}


@dataclass(frozen=True)
class SourceText:
    path: str
    text: str
    kind: str  # "txt" or "pdf"


def _normalise(text: str) -> str:
    from checker.reading.confusables import normalise

    text = normalise(text)  # look-alike and invisible characters (checker/reading/confusables.py)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    for nbsp, space in _NBSP.items():
        text = text.replace(nbsp, space)
    return text


def _check_text(name: str, text: str) -> None:
    """Refuse empty and binary-looking text (the message names the problem, not the content)."""
    if not text.strip():
        raise InputError(f"{name}: empty (no text to read)")
    if "\x00" in text:
        raise InputError(f"{name}: binary content (NUL bytes), not a text letter")
    controls = _CONTROLS.subn("", text)[1]
    if controls > _BINARY_SHARE * len(text):
        raise InputError(f"{name}: binary content (mostly non-printable characters), not a text letter")


def read_text(text: str, name: str = "<pasted>") -> SourceText:
    """Pasted text, checked like a .txt file."""
    _check_text(name, text)
    return SourceText(path=name, text=_normalise(text), kind="txt")


def _decode(name: str, data: bytes) -> str:
    if b"\x00" in data:
        raise InputError(f"{name}: binary content (NUL bytes), not a text letter")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        offset = exc.start + (3 if data.startswith(b"\xef\xbb\xbf") else 0)
        raise InputError(f"{name}: not UTF-8 text (invalid byte at offset {offset})") from None


def read_source(path: str | Path) -> SourceText:
    """Read a .txt or .pdf file (other extensions are sniffed) into normalised text."""
    from checker.core.safeio import read_limited

    name = str(path)
    data = read_limited(path, MAX_BYTES, "a letter or notes file (.txt, .pdf)")
    return read_bytes(data, name)


def read_bytes(data: bytes, name: str) -> SourceText:
    """An uploaded or in-memory file (text or PDF, told by its name or its first bytes); nothing is
    written to disk."""
    if len(data) > MAX_BYTES:
        raise InputError(f"{name}: {len(data)} bytes, over the limit of {MAX_BYTES} bytes")
    if not data.strip():
        raise InputError(f"{name}: empty (no text to read)")
    suffix = Path(name).suffix.lower()
    is_pdf = suffix == ".pdf" or (suffix not in _TEXT_SUFFIXES and data.lstrip().startswith(b"%PDF-"))
    if is_pdf:
        text = pdf_text(name, data)
        return SourceText(path=name, text=_normalise(text), kind="pdf")
    text = _decode(name, data)
    _check_text(name, text)
    return SourceText(path=name, text=_normalise(text), kind="txt")


LETTER_SUFFIXES = (".txt", ".pdf", ".text")


def letter_files(paths: list[str]) -> list[Path]:
    """Files as given; folders expanded to their letters (.txt, .pdf), sorted, without following links
    out of the folder."""
    out: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            root = p.resolve()
            found = sorted(f for f in p.rglob("*") if f.suffix.lower() in LETTER_SUFFIXES and f.is_file()
                           and root in f.resolve().parents)
            if not found:
                raise CheckerError(f"{p}: no letters (*.txt, *.pdf) in this folder")
            out.extend(found)
        else:
            out.append(p)
    return out
