"""PDF text through PDFium in a helper process: the same letters as pypdf read, hostile files contained."""
from __future__ import annotations

import io
import multiprocessing
import resource
import subprocess
import sys
import threading
import zlib
from pathlib import Path

import pypdf
import pytest

from checker.reading import pdftext
from checker.app import default_corpus
from checker.decision.check import fact_values
from checker.core.errors import InputError
from checker.reading.letter import parse_letter
from checker.reading.source import SourceText, _normalise, read_bytes, read_source

ROOT = Path(__file__).resolve().parent.parent
DWC = default_corpus() / "dwc-2016-2017" / "pdf"
DWC_PDFS = sorted(DWC.glob("*.pdf"))
OWN_PDFS = sorted((ROOT / "corpus" / "letters").glob("*.pdf"))
needs_dwc = pytest.mark.skipif(len(DWC_PDFS) < 64, reason="DWC PDF corpus not available")
sys.path.insert(0, str(ROOT / "scripts"))
from fuzz import pdf_file as _pdf  # noqa: E402  (a one-page PDF with the given content stream)


@pytest.fixture(scope="module")
def checker(rules):
    from checker.app import build_checker

    return build_checker(rules)


SIMPLE = _pdf(b"BT /F1 12 Tf 72 700 Td (Trigger point injections x4) Tj ET")


def _blanks_bomb(megabytes: int) -> bytes:
    """About 1 KB of file per MB of blanks in the page's content: PDFium needs about 2 GB for 1,000 MB."""
    packer = zlib.compressobj(9)
    parts = [packer.compress(b"BT /F1 12 Tf 72 700 Td (x) Tj ET\n")]
    parts += [packer.compress(b" " * (1 << 20)) for _ in range(megabytes)]
    parts.append(packer.flush())
    return _pdf(b"".join(parts), b"/Filter /FlateDecode")


def _error(data: bytes, name: str = "hostile.pdf") -> str:
    with pytest.raises(InputError) as info:
        read_bytes(data, name)
    assert info.value.message.startswith(name + ": ")
    return info.value.message


# --- the text ---------------------------------------------------------------------------------------

def test_a_simple_pdf_reads():
    assert read_bytes(SIMPLE, "a.pdf").text == "Trigger point injections x4"


@needs_dwc
def test_hyphen_at_a_line_end_keeps_the_hyphen_and_the_line_break():
    # PDFium gives U+0002 for it and drops the break; the letter shows "skilled-" at the end of a line
    text = read_source(DWC / "CM16-0229336.pdf").text
    assert "\x02" not in text
    assert "rehabilitation-skilled-\nnursing-care" in text


def _pypdf_text(data: bytes) -> str:
    """The previous reader (pypdf 4-7, as checker/source.py read PDFs up to this change)."""
    reader = pypdf.PdfReader(io.BytesIO(data))
    if reader.is_encrypted:
        reader.decrypt("")
    return _normalise("\n".join(page.extract_text() or "" for page in reader.pages))


def _reading(text: str, name: str, checker) -> dict:
    """What a letter says, without positions and white space: layout, dates, items, decisions, titles,
    citations, and what the checker makes of each item."""
    def flat(s: str) -> str:
        return " ".join(s.split())

    letter = parse_letter(text)
    result = checker.check_source(SourceText(name, text, "pdf"))
    return {
        "layout": letter.layout,
        "dates": {k: str(f.value) for k, f in letter.dates.items()},
        "items": [(flat(i.title.text), i.decision, i.partial, i.heading and flat(i.heading.text),
                   [(c.role, flat(c.raw.text), c.mtus, c.guideline, c.edition, c.chapter, c.section, c.pages,
                     c.non_mtus_source) for c in i.citations]) for i in letter.items],
        "checks": [(c.title, c.pack, c.decision and (c.decision.decision, [(r.criterion.id, r.status) for r in c.decision.results]),
                    c.extraction and fact_values(c.extraction.facts)) for c in result.items],
    }


@needs_dwc
def test_every_real_letter_reads_as_pypdf_read_it(checker):
    assert len(DWC_PDFS) == 64
    differ = []
    for path in DWC_PDFS + OWN_PDFS:
        data = path.read_bytes()
        old = _reading(_pypdf_text(data), path.name, checker)
        new = _reading(read_bytes(data, path.name).text, path.name, checker)
        assert new["items"] or new["layout"] == "notes"
        differ += [(path.name, key) for key in old if old[key] != new[key]]
    assert differ == []


@pytest.mark.parametrize("path", OWN_PDFS + DWC_PDFS[:8], ids=lambda p: p.name)
def test_evidence_offsets_point_into_the_text_shown(path, checker):
    result = checker.check_file(path)
    quotes = [e for item in result.items if item.extraction for f in item.extraction.facts.facts.values()
              for e in f.evidence if e.start is not None]
    for e in quotes:
        assert result.text[e.start:e.end] == e.quote
    if path in OWN_PDFS:
        assert quotes


# --- hostile and damaged files --------------------------------------------------------------------

def test_a_compression_bomb_is_one_clear_error_and_the_checker_stays_small():
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    message = _error(_blanks_bomb(1000))  # a 1 MB file; PDFium alone would take about 2 GB
    assert message == "hostile.pdf: not a readable PDF (too large to read)"
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 100 * 1024  # KiB
    assert read_bytes(SIMPLE, "next.pdf").text


def test_a_page_that_exhausts_pdfium_is_one_clear_error_and_the_helper_is_replaced():
    # uncompressed, so nothing to inflate: 6 MB of text operators, about 1.4 GB inside PDFium
    content = b"BT /F1 12 Tf 72 700 Td " + b"(AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA) Tj " * 100_000 + b"ET"
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert _error(_pdf(content)) == "hostile.pdf: not a readable PDF (too large or too complex to read)"
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 100 * 1024
    assert read_bytes(SIMPLE, "next.pdf").text  # a new helper reads the next file


def _damaged_content(data: bytes) -> bytes:
    """The real letter with one byte of its first page's compressed (and encrypted) content changed."""
    at = data.index(b"stream", data.index(b"/Filter/FlateDecode/Length 4864")) + 500
    return data[:at] + bytes([data[at] ^ 0x55]) + data[at + 1:]


@needs_dwc
def test_damaged_page_content_is_one_clear_error_not_part_of_the_letter():
    data = (DWC / "CM16-0224814.pdf").read_bytes()
    assert _error(_damaged_content(data)) == "hostile.pdf: not a readable PDF (damaged or not a PDF)"


def test_a_pdf_over_the_time_limit_is_one_clear_error(monkeypatch):
    monkeypatch.setattr(pdftext, "TIME_LIMIT", 0.0)
    assert _error(SIMPLE) == "hostile.pdf: not a readable PDF (not read within 0 s)"
    monkeypatch.undo()
    assert read_bytes(SIMPLE, "next.pdf").text


def test_a_helper_that_died_is_replaced():
    read_bytes(SIMPLE, "a.pdf")
    pdftext._HELPER._proc.kill()
    pdftext._HELPER._proc.wait()
    assert read_bytes(SIMPLE, "b.pdf").text == "Trigger point injections x4"


def test_damaged_structure_is_one_clear_error():
    no_pages = SIMPLE.replace(b"/Kids [6 0 R]", b"/Kids [2 0 R]")  # a page tree loop
    assert "not a readable PDF" in _error(no_pages)
    garbage = b"%PDF-1.4\n" + bytes(range(256)) * 40 + b"\n%%EOF\n"
    assert _error(garbage) == "hostile.pdf: not a readable PDF (damaged or not a PDF)"


def test_pdfium_is_never_loaded_into_the_checker_process():
    code = ("import sys; from checker.reading.source import read_bytes; "
            f"read_bytes({SIMPLE!r}, 'a.pdf'); print('pypdfium2' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "False"


def test_threads_share_the_helper_safely():
    texts = {}
    datas = {f"{n}.pdf": _pdf(b"BT /F1 12 Tf 72 700 Td (letter %d) Tj ET" % n) for n in range(16)}

    def read(name):
        texts[name] = read_bytes(datas[name], name).text

    threads = [threading.Thread(target=read, args=(name,)) for name in datas]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert texts == {f"{n}.pdf": f"letter {n}" for n in range(16)}


def _read_in_child(n: int) -> str:
    return read_bytes(_pdf(b"BT /F1 12 Tf 72 700 Td (child %d) Tj ET" % n), "c.pdf").text


def test_forked_workers_start_their_own_helper():
    read_bytes(SIMPLE, "parent.pdf")  # the parent has a helper before forking, as a batch can
    with multiprocessing.get_context("fork").Pool(2) as pool:
        assert pool.map(_read_in_child, range(6)) == [f"child {n}" for n in range(6)]
    assert read_bytes(SIMPLE, "parent.pdf").text
