"""Reading a file the user named, with its size enforced while reading.

Only regular files are read: a device (``/dev/zero``), a FIFO, a socket, or a link to any of them is
refused before a byte is read, so no input can block the reader or feed it without end. The size limit
is enforced on the bytes actually read, never trusted from ``stat`` (which a growing file or a special
file gets wrong). Every failure is an ``InputError`` naming the file, never quoting its content.
"""
from __future__ import annotations

import os
import stat
from pathlib import Path

from checker.core.errors import InputError

_CHUNK = 1 << 16


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def os_error(name: str, exc: OSError) -> InputError:
    """The user's words for a failed file operation."""
    if isinstance(exc, FileNotFoundError):
        return InputError(f"{name}: no such file")
    if isinstance(exc, PermissionError):
        return InputError(f"{name}: permission denied")
    return InputError(f"{name}: cannot be read ({exc.strerror or type(exc).__name__})")


def refuse_special(path: str | Path, expected: str = "a file") -> None:
    """An InputError unless `path` (links followed) is a regular file."""
    name = str(path)
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        raise os_error(name, exc) from None
    if not stat.S_ISREG(mode):
        raise InputError(f"{name}: is {_kind(mode)}, expected {expected}")


def read_limited(path: str | Path, limit: int, expected: str = "a file") -> bytes:
    """The bytes of a regular file of at most `limit` bytes (InputError otherwise)."""
    name = str(path)
    refuse_special(path, expected)
    try:
        # O_NONBLOCK: should the file be swapped for a FIFO after the check, opening does not block
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise os_error(name, exc) from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise InputError(f"{name}: is {_kind(mode)}, expected {expected}")
        chunks, total = [], 0
        while True:
            chunk = os.read(fd, min(_CHUNK, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                raise InputError(f"{name}: over the limit of {limit} bytes")
        return b"".join(chunks)
    except OSError as exc:
        raise os_error(name, exc) from None
    finally:
        os.close(fd)
