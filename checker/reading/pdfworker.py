"""The helper process that runs PDFium (started by checker.pdftext; not a module to import).

PDFium is C code reading untrusted files: a small file can make it allocate gigabytes or loop for long,
and no Python time limit can interrupt C. So it runs here, in a process of its own with a memory limit;
if PDFium exhausts it or crashes, only this process dies and the caller reports the file as unreadable.
It imports nothing of the checker: it is started as a plain script, with ``python -P`` (its own folder,
which holds the checker's modules, stays off the import path).

PDFium repairs what it can and says nothing: a letter whose compressed page content is damaged comes out
with part of its text, and a partial letter must not pass as a whole one. So each page's content streams
are first decompressed here, strictly (zlib checks every stream's checksum), with pypdf to find and
decrypt them; a damaged one makes the file unreadable, as it was when pypdf read the text. That check is
what pypdf is still used for; it costs about as much as PDFium's reading (both ~5 ms a letter).

Protocol on stdin/stdout, one request at a time: the request is an 8-byte big-endian length and the PDF's
bytes; the answer is one status byte (``T`` text, ``E`` error code) and an 8-byte length and the payload
(UTF-8). Error codes: ``password``, ``security``, ``damaged``, ``memory``, ``page:N``. End of stdin ends the process.
"""
from __future__ import annotations

import resource
import struct
import sys

_LENGTH = struct.Struct(">Q")
# PDFium keeps a few hundred bytes per character of a page; real letters need a few MiB, 100 pages of text about 60 MiB
MEMORY_LIMIT = 512 << 20
# decompressed page content of one file; a letter's pages hold tens of kilobytes each
CONTENT_LIMIT = 64 << 20


class _Unreadable(Exception):
    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def _read_exactly(stream, n: int) -> bytes | None:
    chunks, left = [], n
    while left:
        chunk = stream.read(left)
        if not chunk:
            return None
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _check_content(data: bytes) -> None:
    """Every page's Flate-compressed content streams decompress completely and within CONTENT_LIMIT."""
    import io
    import logging
    import zlib

    import pypdf
    from pypdf.generic import ArrayObject, StreamObject

    logging.getLogger("pypdf").setLevel(logging.CRITICAL)  # its warnings would quote nothing useful
    budget = CONTENT_LIMIT
    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise _Unreadable("password")
        for page in reader.pages:
            contents = page.get("/Contents")
            for ref in contents if isinstance(contents, ArrayObject) else [contents] if contents is not None else []:
                stream = ref.get_object()
                if not isinstance(stream, StreamObject):
                    continue
                filters = stream.get("/Filter")
                filters = list(filters) if isinstance(filters, ArrayObject) else [filters]
                if filters[0] != "/FlateDecode":
                    continue
                inflater, rest = zlib.decompressobj(), stream._data  # the raw (decrypted) stream bytes
                while rest:
                    budget -= len(inflater.decompress(rest, 1 << 20))
                    if budget < 0:
                        raise _Unreadable("memory")
                    rest = inflater.unconsumed_tail
                if not inflater.eof:
                    raise _Unreadable("damaged")
    except _Unreadable:
        raise
    except pypdf.errors.FileNotDecryptedError:
        raise _Unreadable("password") from None
    except pypdf.errors.DependencyError:
        raise _Unreadable("security") from None
    except Exception:  # noqa: BLE001 - zlib's errors and whatever pypdf raises on a damaged file
        raise _Unreadable("damaged") from None


def _text(data: bytes) -> tuple[bytes, str]:
    try:
        _check_content(data)
    except _Unreadable as exc:
        return b"E", exc.code
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if exc.err_code == raw.FPDF_ERR_PASSWORD:
            return b"E", "password"
        if exc.err_code == raw.FPDF_ERR_SECURITY:
            return b"E", "security"
        return b"E", "damaged"
    pages = []
    try:
        for index in range(len(document)):
            page = textpage = None
            try:
                page = document[index]
                textpage = page.get_textpage()
                pages.append(textpage.get_text_bounded())
            except pdfium.PdfiumError:
                return b"E", f"page:{index + 1}"
            finally:
                if textpage is not None:
                    textpage.close()
                if page is not None:
                    page.close()
    finally:
        document.close()
    return b"T", "\n".join(pages)


def main() -> int:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    while True:
        head = _read_exactly(stdin, _LENGTH.size)
        if head is None:
            return 0
        data = _read_exactly(stdin, _LENGTH.unpack(head)[0])
        if data is None:
            return 0
        try:
            status, payload = _text(data)
        except MemoryError:
            status, payload = b"E", "memory"
        except Exception:  # noqa: BLE001 - whatever PDFium's bindings raise, the file is unreadable
            status, payload = b"E", "damaged"
        body = payload.encode("utf-8", "surrogatepass")
        stdout.write(status + _LENGTH.pack(len(body)) + body)
        stdout.flush()


if __name__ == "__main__":
    sys.exit(main())
