"""The text of an attached file, for the search index, read without risking the worker.

Document readers parse what anyone uploaded: a PDF can loop a reader for minutes, a 40 KB
.docx can hold a gigabyte of zeros, a malformed file can crash a C library. So the reading
runs in a child process of its own (extraction_child.py, started afresh for each file with
`python -I`), with its address space and CPU time capped (RLIMIT_AS, RLIMIT_CPU; no core
file) and a wall-clock timeout, as apps/files/images.py does for images. A hostile file
kills or fails that child, never the Celery worker that asked: `extract_text` returns a
status and never raises for a bad file.

The type is decided from the file's own bytes and its name's extension together (see the
child); a mismatch is "unsupported". The text is whitespace-normalised and capped; accents
and case are kept (the database folds them when it indexes).

This module imports only the standard library: importing it has no side effect.
"""

import json
import logging
import math
import os
import signal
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass

logger = logging.getLogger("apps.search.extraction")

# Extension -> content type, of what is read. ODS and ODP share ODT's code; Markdown and
# CSV are read as plain text.
SUPPORTED = {
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".ods": "application/vnd.oasis.opendocument.spreadsheet",
    ".odp": "application/vnd.oasis.opendocument.presentation",
    ".txt": "text/plain",
    ".md": "text/markdown",
    ".csv": "text/csv",
}
STATUSES = ("ok", "empty", "unsupported", "too_large", "encrypted", "broken", "timeout")
# Logged as warnings: the file is one we should have read and could not.
_WARNED = ("broken", "encrypted", "timeout", "too_large")

# The limits. Each is passed to the child at every call, so a test may lower one.
#
# Larger files are not opened at all: uploads are capped at 20 MB by default
# (ATTACHMENT_MAX_BYTES), so this leaves room for a site that raises that cap, while a file
# past it is an archive of scans or a data dump, not something one searches for by a word.
MAX_FILE_BYTES = 50 * 1024 * 1024
# Text kept per file, about 60 pages of dense prose. A search finds a file by the words of
# its first tens of pages; beyond that the index only grows (and a PostgreSQL tsvector holds
# at most 1 MB). Cut at a word boundary.
MAX_CHARS = 200_000
# PDF pages, PPTX/ODP slides read at most: bounds the time spent on a long file whose
# pages hold little text (scans, slides of pictures), which MAX_CHARS would not stop.
MAX_PAGES = 1000
# XLSX/ODS rows (of all sheets together) and XLSX cells (empty ones included: a row is as
# wide as its last cell, up to 16384) read at most: a sheet of a million rows of numbers
# would take minutes and its numbers are not what one searches for.
MAX_ROWS = 100_000
MAX_CELLS = 2_000_000
# Zip-based formats (DOCX, XLSX, PPTX, ODF), checked from the central directory before any
# member is inflated. Real documents' members inflate 2 to 20 times (a sheet of 100,000
# identical rows: 15, as every cell names its place); DEFLATE itself reaches 1030, what a
# file of zeros gives. A member over RATIO_FROM inflating more than MAX_RATIO
# times is a zip bomb ("broken"); a total past MAX_UNZIPPED_BYTES, or more members than any
# document has, is "too_large".
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024
MAX_RATIO = 100
RATIO_FROM = 1024 * 1024
MAX_MEMBERS = 10_000
# Seconds of wall-clock time, and of CPU time, a child may take. 1000 PDF pages of a few
# words read in 2 s, but a page costs about 10 us an operator: one of a million, in a 10 KB
# file, takes minutes. At SOFT_DEADLINE of its time the child stops reading and answers with
# what it has (a busy machine is slow too: half its time is a wide margin); the hard limits
# stop a child stuck in one call.
TIMEOUT = 60.0
SOFT_DEADLINE = 0.5
# Address space a child may map (its interpreter and all the readers imported: 85 MB of it).
# The readers hold a file's XML as a tree, ten times its size: a DOCX of half a million
# paragraphs (30 MB of document.xml, a 3 MB file) needs 300 to 400 MB, one of a million
# fits (tests/search/test_extraction.py). Past this, the file is "broken".
MEMORY_LIMIT = 1024 * 1024 * 1024
# Children a process runs at once: a worker's threads wait their turn rather than each
# start one (a child may map up to MEMORY_LIMIT).
_children = threading.BoundedSemaphore(2)
CHILD = os.path.join(os.path.dirname(os.path.abspath(__file__)), "extraction_child.py")
_STDERR_KEPT = 2000  # bytes of a failed child's stderr kept for the log


@dataclass(frozen=True)
class Extracted:
    text: str
    status: str  # one of STATUSES
    detail: str = ""  # for the log, never shown to users
    truncated: bool = False  # a limit stopped the reading: `text` is what came before it


def extract_text(path: str, name: str, *, timeout: float = TIMEOUT) -> Extracted:
    """The text of the file at `path`, uploaded as `name` (whose extension, with the file's
    bytes, says its type). Never raises for a bad file: its status says what happened.
    OSError if `path` cannot be read or no child can start: not the file's fault, worth a retry."""
    ext = os.path.splitext(name)[1].lower()
    if ext not in SUPPORTED:
        return _done(name, Extracted("", "unsupported", f"extension {ext!r}"))
    size = os.stat(path).st_size
    if size > MAX_FILE_BYTES:
        return _done(name, Extracted("", "too_large", f"{size} bytes"))
    request = {
        "path": os.path.abspath(path),
        "ext": ext,
        "memory": MEMORY_LIMIT,
        "cpu": math.ceil(timeout),
        "soft_deadline": timeout * SOFT_DEADLINE,
        "max_chars": MAX_CHARS,
        "max_pages": MAX_PAGES,
        "max_rows": MAX_ROWS,
        "max_cells": MAX_CELLS,
        "max_unzipped": MAX_UNZIPPED_BYTES,
        "max_ratio": MAX_RATIO,
        "ratio_from": RATIO_FROM,
        "max_members": MAX_MEMBERS,
    }
    # The answers go through files: a child's stderr (readers' complaints about a malformed
    # file) may be long, and only its end is kept.
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, _children:
        try:
            finished = subprocess.run(
                [sys.executable, "-I", CHILD],
                input=json.dumps(request).encode(),
                stdout=out,
                stderr=err,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return _done(name, Extracted("", "timeout", f"no answer within {timeout} s"))
        out.seek(0)
        answer = out.read(8 * MAX_CHARS + 4096)  # the text as JSON: at most 6 bytes a character
        err.seek(max(err.seek(0, os.SEEK_END) - _STDERR_KEPT, 0))
        complaint = err.read().decode(errors="replace")
    if finished.returncode == -signal.SIGXCPU:
        return _done(name, Extracted("", "timeout", f"past {request['cpu']} s of CPU time"))
    if finished.returncode != 0:
        return _done(name, Extracted("", "broken", f"child exit {finished.returncode}: {complaint}"))
    return _done(name, _answer(answer))


def _answer(raw: bytes) -> Extracted:
    try:
        answer = json.loads(raw)
        status, text = answer["status"], answer["text"]
        if status not in STATUSES or not isinstance(text, str):
            raise ValueError(status)
    except (ValueError, KeyError, TypeError) as error:
        return Extracted("", "broken", f"an answer that could not be read: {error}")
    return Extracted(text[:MAX_CHARS], status, str(answer.get("detail", "")), bool(answer.get("truncated")))


def _done(name: str, extracted: Extracted) -> Extracted:
    if extracted.status in _WARNED:
        logger.warning("No text from %r: %s (%s)", name, extracted.status, extracted.detail)
    return extracted
