"""Reading input files: text, PDF, and every kind of bad input (each an InputError, never a trace)."""
from __future__ import annotations

import os
from pathlib import Path

import pypdf
import pytest

from checker.reading import source
from checker.app import default_corpus
from checker.core.errors import InputError
from checker.reading.source import MAX_BYTES, SourceText, read_source, read_text

PDF_DIR = default_corpus() / "dwc-2016-2017" / "pdf"
REAL_PDF = PDF_DIR / "CM16-0224814.pdf"
needs_corpus = pytest.mark.skipif(not REAL_PDF.exists(), reason="DWC PDF corpus not available")
SECRET = "Patient Jane Roe, SSN 000-00-0000"


def _error(path) -> str:
    with pytest.raises(InputError) as info:
        read_source(path)
    message = info.value.message
    assert message.startswith(str(path)), message
    assert "Jane" not in message and "000-00" not in message  # never quotes the file's content
    return message


def test_txt_utf8_with_bom_crlf_and_nbsp(tmp_path):
    p = tmp_path / "letter.txt"
    p.write_bytes("\ufeffLine one\r\nDate\u00a0of Injury: 3/29/05\r\n".encode("utf-8"))
    got = read_source(p)
    assert got == SourceText(str(p), "Line one\nDate of Injury: 3/29/05\n", "txt")


def test_lone_cr_becomes_newline_and_offsets_keep(tmp_path):
    p = tmp_path / "a.txt"
    p.write_bytes(b"a\rb\r\nc")
    assert read_source(p).text == "a\nb\nc"


def test_accepts_str_and_path(tmp_path):
    p = tmp_path / "a.txt"
    p.write_text("hello")
    assert read_source(str(p)).text == read_source(p).text == "hello"


def test_empty_and_whitespace_only(tmp_path):
    for name, data in [("empty.txt", b""), ("blank.txt", b" \n\t\n"), ("empty.pdf", b"")]:
        p = tmp_path / name
        p.write_bytes(data)
        assert "empty" in _error(p)


def test_binary_nul_bytes(tmp_path):
    p = tmp_path / "nul.txt"
    p.write_bytes(SECRET.encode() + b"\x00\x01\x02rest")
    assert "binary" in _error(p)


def test_binary_mostly_control_characters(tmp_path):
    p = tmp_path / "ctl.txt"
    p.write_bytes(bytes(range(1, 9)) * 50 + SECRET.encode())
    assert "binary" in _error(p)


def test_not_utf8_names_the_offset(tmp_path):
    p = tmp_path / "latin1.txt"
    p.write_bytes("Caf\u00e9 ".encode("latin-1") + SECRET.encode())
    message = _error(p)
    assert "not UTF-8" in message and "offset 3" in message


def test_not_utf8_offset_counts_the_bom(tmp_path):
    p = tmp_path / "bom.txt"
    p.write_bytes(b"\xef\xbb\xbfab\xff")
    assert "offset 5" in _error(p)


def test_missing_file_and_directory(tmp_path):
    assert "no such file" in _error(tmp_path / "nope.txt")
    assert "is a folder" in _error(tmp_path)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_permission_denied(tmp_path):
    p = tmp_path / "locked.txt"
    p.write_text(SECRET)
    p.chmod(0)
    try:
        assert "permission" in _error(p)
    finally:
        p.chmod(0o600)


def test_over_the_limit_sparse_file(tmp_path):
    p = tmp_path / "huge.txt"
    with p.open("wb") as fh:  # sparse: no real disk use, no reading
        fh.truncate(MAX_BYTES + 1)
    message = _error(p)
    assert "over the limit" in message and str(MAX_BYTES) in message


def test_limit_is_the_module_constant(tmp_path, monkeypatch):
    p = tmp_path / "small.txt"
    p.write_text("x" * 100)
    monkeypatch.setattr(source, "MAX_BYTES", 50)
    assert "over the limit of 50 bytes" in _error(p)


def test_unknown_extension_sniffs_text(tmp_path):
    p = tmp_path / "letter.dat"
    p.write_text("IMR ISSUES, DECISIONS AND RATIONALES")
    assert read_source(p).kind == "txt"


def test_read_text_checks_and_normalises():
    assert read_text("a\r\nb\u00a0c").text == "a\nb c"
    assert read_text("x", name="clip").path == "clip"
    with pytest.raises(InputError, match=r"^<pasted>: empty"):
        read_text("  \n")
    with pytest.raises(InputError, match="binary"):
        read_text("abc\x00def")


# --- PDFs ----------------------------------------------------------------------------------

@needs_corpus
def test_real_pdf_with_empty_password():
    got = read_source(REAL_PDF)
    assert got.kind == "pdf"
    assert "Case Number: CM16-0224814" in got.text
    assert "IMR ISSUES, DECISIONS AND RATIONALES" in got.text
    assert "\r" not in got.text and "\u00a0" not in got.text


@needs_corpus
def test_pdf_pages_are_joined_with_newline():
    import pypdfium2

    document = pypdfium2.PdfDocument(REAL_PDF.read_bytes())
    pages = [document[i].get_textpage().get_text_bounded() for i in range(len(document))]
    assert len(pages) == 2
    assert read_source(REAL_PDF).text == "\n".join(pages).replace("\r\n", "\n").replace("\r", "\n")


@needs_corpus
def test_pdf_sniffed_without_extension(tmp_path):
    p = tmp_path / "letter.bin"
    p.write_bytes(REAL_PDF.read_bytes())
    assert read_source(p).kind == "pdf"


@needs_corpus
def test_truncated_pdf(tmp_path):
    data = REAL_PDF.read_bytes()
    for n, cut in enumerate([len(data) // 2, len(data) - 100, 400]):
        p = tmp_path / f"cut{n}.pdf"
        p.write_bytes(data[:cut])
        assert "not a readable PDF" in _error(p)


def test_corrupt_pdf(tmp_path):
    p = tmp_path / "bad.pdf"
    p.write_bytes(b"%PDF-1.4\n" + b"garbage " * 200 + b"\n%%EOF\n")
    assert "not a readable PDF" in _error(p)
    q = tmp_path / "nopdf.pdf"
    q.write_bytes(SECRET.encode())
    assert "not a readable PDF" in _error(q)


@needs_corpus
def test_password_protected_pdf(tmp_path):
    reader = pypdf.PdfReader(REAL_PDF)
    reader.decrypt("")
    writer = pypdf.PdfWriter(clone_from=reader)
    writer.encrypt(user_password="s3cret", owner_password="owner")
    p = tmp_path / "locked.pdf"
    with p.open("wb") as fh:
        writer.write(fh)
    assert "password-protected" in _error(p)


def test_pdf_without_text_layer(tmp_path):
    writer = pypdf.PdfWriter()
    writer.add_blank_page(width=612, height=792)
    p = tmp_path / "scan.pdf"
    with p.open("wb") as fh:
        writer.write(fh)
    assert "no text layer (scanned?)" in _error(p)


def test_permission_error_while_opening(tmp_path, monkeypatch):
    p = tmp_path / "locked.txt"
    p.write_text(SECRET)

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "open", refuse)
    assert "permission denied" in _error(p)


def test_other_os_error_while_reading(tmp_path, monkeypatch):
    p = tmp_path / "flaky.txt"
    p.write_text(SECRET)

    def fail(*args, **kwargs):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "open", fail)
    assert "cannot be read (Input/output error)" in _error(p)
