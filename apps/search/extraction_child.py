"""The child process of extraction.py: one attached file's text, read under caps.

Run as `python -I extraction_child.py` by extraction.extract_text, never imported by the
site: the standard library and the document readers only (no Django). It reads a line of
JSON on stdin (the file's path, its extension, the limits), sets its caps before it opens
anything, and answers a line of JSON on stdout. Whatever a hostile file makes a reader do
(loop, allocate, crash) happens here, and kills this process, not the worker that asked.

The type comes from the file's bytes and its extension together: a .docx must be a zip whose
[Content_Types].xml declares a Word document, an .odt a zip whose `mimetype` says so, a .pdf
must have a %PDF header. A zip's central directory is checked before any reader sees the
file: a member that would inflate past the caps (a zip bomb) is never decompressed.
"""

import codecs
import json
import logging
import os
import resource
import sys
import time
import warnings
import zipfile

ZIP = b"PK\x03\x04"
# An OLE compound file: what Office writes for a password-protected .docx/.xlsx/.pptx (the
# zip, encrypted, is its "EncryptedPackage" stream), and for the old .doc/.xls/.ppt.
CFB = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
# A text file that starts like one of these is not text, whatever its name says.
BINARY = (b"%PDF-", ZIP, CFB, b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"\x1f\x8b")
OOXML = {
    ".docx": b"wordprocessingml.document.main+xml",
    ".xlsx": b"spreadsheetml.sheet.main+xml",
    ".pptx": b"presentationml.presentation.main+xml",
}
ODF = {
    ".odt": b"application/vnd.oasis.opendocument.text",
    ".ods": b"application/vnd.oasis.opendocument.spreadsheet",
    ".odp": b"application/vnd.oasis.opendocument.presentation",
}
TEXT = (".txt", ".md", ".csv")
SMALL_MEMBER = 1024 * 1024  # [Content_Types].xml, mimetype, manifest.xml: a few KB in any real file
# C0 controls and DEL become spaces: PostgreSQL's text refuses NUL, and none of them is a word;
# so does a byte order mark left inside the text (U+FEFF).
_CONTROLS = dict.fromkeys([*range(32), 127, 0xFEFF], " ")


class Refused(Exception):
    """The file is not read (further): its status and why."""

    def __init__(self, status: str, detail: str):
        super().__init__(detail)
        self.status, self.detail = status, detail


class Enough(Exception):
    """Enough has been read (characters, pages, rows or time): the rest is left unread."""


class Text:
    """The text read so far, one normalised piece at a time, up to `max_chars` (and a few
    more, to know where a word ends) or the soft deadline."""

    def __init__(self, request: dict):
        self.pieces: list[str] = []
        self.size = 0
        self.max_chars = request["max_chars"]
        self.deadline = time.monotonic() + request["soft_deadline"]
        self.stopped = ""  # why reading stopped early, if it did

    def add(self, piece) -> None:
        if piece:
            # A lone surrogate (from a broken font map) cannot be stored as UTF-8.
            piece = str(piece).encode("utf-8", "replace").decode("utf-8").translate(_CONTROLS)
            words = " ".join(piece.split())
            if words:
                self.pieces.append(words)
                self.size += len(words) + 1
        if self.size > self.max_chars:
            self.stop(f"past {self.max_chars} characters")
        if time.monotonic() > self.deadline:
            self.stop("out of time: kept what was read")

    def stop(self, why: str) -> None:
        self.stopped = why
        raise Enough(why)

    def result(self) -> tuple[str, bool]:
        text = " ".join(self.pieces)
        if len(text) <= self.max_chars:
            return text, bool(self.stopped)
        head = text[: self.max_chars + 1]
        space = head.rfind(" ")  # at max_chars itself if the cut falls between two words
        return (head[:space] if space > 0 else text[: self.max_chars]), True


# ---------------------------------------------------------------- the type, from the bytes


def check_zip(path: str, ext: str, request: dict) -> None:
    """Refused unless `path` is a zip of the type its extension says, with nothing in it
    that inflates past the caps. Reads the central directory and two small members only."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as error:
        raise Refused("broken", f"not a readable zip: {error}") from error
    with archive:
        members = archive.infolist()
        if len(members) > request["max_members"]:
            raise Refused("too_large", f"{len(members)} members in the zip")
        unzipped = sum(member.file_size for member in members)
        if unzipped > request["max_unzipped"]:
            raise Refused("too_large", f"{unzipped} bytes once unzipped")
        for member in members:
            ratio = member.file_size / max(member.compress_size, 1)
            if member.file_size > request["ratio_from"] and ratio > request["max_ratio"]:
                raise Refused("broken", f"zip bomb? {member.filename!r} inflates {ratio:.0f} times")
        if ext in OOXML:
            if OOXML[ext] not in small_member(archive, "[Content_Types].xml"):
                raise Refused("unsupported", f"its [Content_Types].xml declares no {ext} main part")
            return
        if small_member(archive, "mimetype").strip() != ODF[ext]:
            raise Refused("unsupported", f"its mimetype is not that of {ext}")
        if b"encryption-data" in small_member(archive, "META-INF/manifest.xml", missing=b""):
            raise Refused("encrypted", "the manifest lists encrypted members")


def small_member(archive: zipfile.ZipFile, name: str, missing: bytes | None = None) -> bytes:
    try:
        info = archive.getinfo(name)
    except KeyError as error:
        if missing is not None:
            return missing
        raise Refused("unsupported", f"no {name} in the zip") from error
    if info.file_size > SMALL_MEMBER:
        raise Refused("broken", f"{name} of {info.file_size} bytes")
    try:
        return archive.read(info)  # zipfile inflates no more than the size the directory declares
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError) as error:
        raise Refused("broken", f"{name}: {error}") from error


def check_cfb(path: str, ext: str) -> None:
    """An OLE compound file named like an OOXML document: password-protected if it holds an
    EncryptedPackage stream (its name is in the directory, in UTF-16), else an old Office file."""
    if ext in OOXML:
        with open(path, "rb") as file:
            tail = b""
            while chunk := file.read(1024 * 1024):
                if ENCRYPTED_PACKAGE in tail + chunk:
                    raise Refused("encrypted", "an Office file protected by a password")
                tail = chunk[-len(ENCRYPTED_PACKAGE) :]
    raise Refused("unsupported", f"an OLE compound file (old Office format?), not {ext}")


# ---------------------------------------------------------------- the readers


def read_pdf(path: str, text: Text, request: dict) -> str:
    from pypdf import PdfReader

    reader = PdfReader(path)
    if reader.is_encrypted:
        try:
            opened = reader.decrypt("")  # a PDF with only an owner password opens with none
        except Exception as error:  # pypdf raises many kinds for odd encryption
            raise Refused("encrypted", f"cannot decrypt: {type(error).__name__}: {error}") from error
        if not opened:
            raise Refused("encrypted", "a password is needed to open it")
    try:
        text.add(reader.metadata.title if reader.metadata else None)
    except (Enough, MemoryError):
        raise
    except Exception:  # noqa: BLE001, S110 - a broken info dictionary only loses the title
        pass
    pages = reader.pages
    count, failed = len(pages), 0
    for number in range(count):
        if number >= request["max_pages"]:
            text.stop(f"stopped after {number} pages of {count}")
        try:
            text.add(pages[number].extract_text())
        except (Enough, MemoryError):
            raise
        except Exception:  # noqa: BLE001 - one malformed page does not lose the others
            failed += 1
    if failed and failed == count:
        raise Refused("broken", f"none of its {count} pages could be read")
    return f"{failed} of {count} pages unreadable" if failed else ""


W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_W_BREAKS = (W + "p", W + "tab", W + "br", W + "cr")


def read_docx(path: str, text: Text, request: dict) -> str:
    import docx

    document = docx.Document(path)
    text.add(document.core_properties.title)
    # Runs of one paragraph are glued (a word may be split across runs); paragraphs, tabs
    # and breaks separate words. Deleted text (w:delText) and field codes are not w:t.
    run: list[str] = []
    for element in document.element.body.iter(W + "t", *_W_BREAKS):
        if element.tag == W + "t":
            run.append(element.text or "")
        else:
            text.add("".join(run))
            run = []
    text.add("".join(run))
    return ""


def read_xlsx(path: str, text: Text, request: dict) -> str:
    import openpyxl

    # Opened from a file object: given a path, openpyxl refuses a name not ending in .xlsx,
    # and stored attachments are named by the storage, not by their uploader.
    handle = open(path, "rb")  # noqa: SIM115 - closed below, after the workbook that reads it
    workbook = openpyxl.load_workbook(handle, read_only=True, data_only=True)
    try:
        text.add(workbook.properties.title)
        rows = cells = 0
        for sheet in workbook.worksheets:
            named = False  # a sheet's name is said with its first value: "Sheet1" alone is no text
            # Rows are padded to the width the sheet declares: a lying dimension (A1:XFD1048576)
            # would make every row 16384 cells.
            sheet.reset_dimensions()
            for row in sheet.iter_rows(values_only=True):
                rows, cells = rows + 1, cells + len(row)
                if rows > request["max_rows"] or cells > request["max_cells"]:
                    text.stop(f"stopped after {rows - 1} rows")
                values = " ".join(str(value) for value in row if value is not None)
                if values and not named:
                    text.add(sheet.title)
                    named = True
                text.add(values)
    finally:
        workbook.close()
        handle.close()
    return ""


def read_pptx(path: str, text: Text, request: dict) -> str:
    from pptx import Presentation
    from pptx.shapes.group import GroupShape

    def shapes(group) -> None:
        for shape in group:
            if isinstance(shape, GroupShape):
                shapes(shape.shapes)
            elif shape.has_text_frame:
                text.add(shape.text_frame.text)
            elif shape.has_table:
                for row in shape.table.rows:
                    for cell in row.cells:
                        text.add(cell.text)

    presentation = Presentation(path)
    text.add(presentation.core_properties.title)
    slides = presentation.slides
    for number, slide in enumerate(slides):
        if number >= request["max_pages"]:
            text.stop(f"stopped after {number} slides of {len(slides)}")
        shapes(slide.shapes)
        notes = slide.notes_slide.notes_text_frame if slide.has_notes_slide else None
        text.add(notes.text if notes is not None else None)
    return ""


TEXTNS = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_ODF_PARAGRAPHS = ((TEXTNS, "p"), (TEXTNS, "h"))
_ODF_ROW = ("urn:oasis:names:tc:opendocument:xmlns:table:1.0", "table-row")
_ODF_PAGE = ("urn:oasis:names:tc:opendocument:xmlns:drawing:1.0", "page")
_ODF_TITLE = ("http://purl.org/dc/elements/1.1/", "title")


def odf_text(element) -> str:
    """An ODF element's text. Not odfpy's teletype.extractText: it expands <text:s c="N"/> to N
    spaces, and N is the file's to choose. Space-like elements (text:s, tab, line-break) and
    ends of paragraphs nested inside (notes) separate words."""
    parts, stack = [], [element]
    while stack:
        node = stack.pop()
        if node.nodeType == node.TEXT_NODE:
            parts.append(node.data)
        elif getattr(node, "qname", ("", ""))[0] == TEXTNS and node.qname[1] in ("s", "tab", "line-break", "p", "h"):
            parts.append(" ")
        if node.nodeType == node.ELEMENT_NODE:
            stack.extend(reversed(node.childNodes))
    return "".join(parts)


def read_odf(path: str, text: Text, request: dict) -> str:
    from odf.opendocument import load

    document = load(path)
    for node in document.meta.childNodes:
        if getattr(node, "qname", None) == _ODF_TITLE:
            text.add(odf_text(node))
    rows = pages = 0
    stack = [document.body]
    while stack:
        node = stack.pop()
        qname = getattr(node, "qname", None)
        if qname in _ODF_PARAGRAPHS:
            text.add(odf_text(node))
            continue
        if qname == _ODF_ROW:
            rows += 1
            if rows > request["max_rows"]:
                text.stop(f"stopped after {rows - 1} rows")
        elif qname == _ODF_PAGE:
            pages += 1
            if pages > request["max_pages"]:
                text.stop(f"stopped after {pages - 1} pages")
        stack.extend(reversed(getattr(node, "childNodes", [])))
    return ""


def read_txt(path: str, text: Text, request: dict) -> str:
    # 4 bytes a character at most: reading more could not add to the text kept.
    limit = 4 * request["max_chars"] + 4
    with open(path, "rb") as file:
        data = file.read(limit)
        whole = not file.read(1)
    for bom, encoding in (
        (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16's: it starts with the same two bytes
        (codecs.BOM_UTF32_BE, "utf-32-be"),
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if data.startswith(bom):
            decoder = codecs.getincrementaldecoder(encoding)("replace")
            text.add(decoder.decode(data[len(bom) :], final=whole))
            return ""
    if data.startswith(BINARY) or b"\x00" in data[:8192]:
        raise Refused("unsupported", "binary data, not text")
    try:
        # An incomplete character at the end of what was read is not an error.
        decoded = codecs.getincrementaldecoder("utf-8")("strict").decode(data, final=whole)
    except UnicodeDecodeError:
        # Not UTF-8: most likely what Windows writes in Western Europe (é is one byte, 0xE9).
        decoded = data.decode("cp1252", "replace")
    text.add(decoded)
    return "" if whole else f"read the first {limit} bytes"


def read(request: dict, text: Text) -> tuple[str, str]:
    """The file's type checked, then its text read into `text`: (status, detail)."""
    path, ext = request["path"], request["ext"]
    with open(path, "rb") as file:
        head = file.read(1024)
    if ext == ".pdf":
        if b"%PDF-" not in head:  # the header may follow some junk, as readers allow
            raise Refused("unsupported", "no %PDF header")
        reader = read_pdf
    elif ext in OOXML or ext in ODF:
        if head.startswith(CFB):
            check_cfb(path, ext)
        if not head.startswith(ZIP):
            raise Refused("unsupported", "not a zip")
        check_zip(path, ext, request)
        reader = {".docx": read_docx, ".xlsx": read_xlsx, ".pptx": read_pptx}.get(ext, read_odf)
    elif ext in TEXT:
        reader = read_txt
    else:
        raise Refused("unsupported", f"extension {ext!r}")
    try:
        detail = reader(path, text, request)
    except Enough:
        detail = text.stopped
    return ("ok" if text.pieces else "empty"), detail


def peak_megabytes() -> int:
    """The most address space this process has mapped (VmPeak), what RLIMIT_AS caps."""
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) // 1024 for line in status if line.startswith("VmPeak:"))


def main() -> None:
    request = json.loads(sys.stdin.readline())
    # No core file: past its CPU time the child dies of SIGXCPU, which dumps core by default
    # (a file the size of its memory, for nothing).
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_AS, (request["memory"], request["memory"]))
    resource.setrlimit(resource.RLIMIT_CPU, (request["cpu"], request["cpu"] + 1))
    # The readers' complaints about malformed files go to stderr, which the parent keeps
    # the end of; stdout is the answer's alone, whatever a reader prints.
    answer = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    warnings.simplefilter("ignore")
    logging.basicConfig(level=logging.ERROR)
    text = Text(request)
    try:
        status, detail = read(request, text)
    except Refused as refusal:
        status, detail = refusal.status, refusal.detail
    except MemoryError:
        status, detail = "broken", "MemoryError"
    except RecursionError:
        status, detail = "broken", "nested too deep"
    except Exception as error:  # noqa: BLE001 - whatever a malformed file makes a reader raise
        status, detail = "broken", f"{type(error).__name__}: {error}"
    if status == "broken":
        # A reader past the memory cap rarely says so (lxml: "XMLSyntaxError: unknown error").
        detail = f"{detail[:400]} (peak {peak_megabytes()} MB of {request['memory'] // 2**20} MB)"
    body, truncated = text.result() if status in ("ok", "empty") else ("", False)
    answer.write(json.dumps({"status": status, "text": body, "detail": detail[:500], "truncated": truncated}) + "\n")
    answer.flush()


if __name__ == "__main__":
    main()
