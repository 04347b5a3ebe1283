"""Real sample files for tests/search/test_extraction.py, written by the real writers
(fpdf2, pypdf, python-docx, openpyxl, python-pptx, odfpy) or, for the hostile ones, by
zipfile as an attacker would. Each function writes a file under `folder` and returns its path."""

import io
import zipfile
from pathlib import Path

import docx
import openpyxl
from fpdf import FPDF
from fpdf.enums import EncryptionMethod
from odf import draw, table, text
from odf.opendocument import OpenDocumentPresentation, OpenDocumentSpreadsheet, OpenDocumentText
from pptx import Presentation
from pptx.util import Inches
from pypdf import PdfWriter
from pypdf.generic import ArrayObject, DecodedStreamObject, DictionaryObject, NameObject

FRENCH = [
    "Les réunions d'équipe ont lieu le jeudi à l'accueil du bâtiment.",
    "Ça commence à neuf heures : café, croissants et ordre du jour.",
]


def pdf(folder: Path, pages: list[str], *, title: str = "", user_password: str = "", owner_password: str = "") -> Path:
    document = FPDF()
    document.set_font("Helvetica", size=12)  # WinAnsi: the accents of French are in it
    if title:
        document.set_title(title)
    if owner_password:
        document.set_encryption(
            owner_password=owner_password, user_password=user_password, encryption_method=EncryptionMethod.AES_128
        )
    for content in pages:
        document.add_page()
        document.multi_cell(0, 8, content)
    path = folder / "sample.pdf"
    document.output(str(path))
    return path


def _helvetica(writer: PdfWriter) -> DictionaryObject:
    font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
        }
    )
    return DictionaryObject({NameObject("/Font"): DictionaryObject({NameObject("/F1"): writer._add_object(font)})})


def _stream(writer: PdfWriter, content: bytes):
    stream = DecodedStreamObject()
    stream.set_data(content)
    return writer._add_object(stream.flate_encode())


def slow_pdf(folder: Path, pages: int, operators: int) -> Path:
    """`pages` pages, each saying "pageN" then showing a two-letter string `operators` times,
    from one shared stream: a file of a few KB that takes a reader about 17 us an operator."""
    writer = PdfWriter()
    resources = _helvetica(writer)
    heavy = _stream(writer, b"BT /F1 12 Tf 10 10 Td " + b"() Tj " * operators + b"ET")
    for number in range(1, pages + 1):
        page = writer.add_blank_page(600, 800)
        page[NameObject("/Resources")] = resources
        marker = _stream(writer, f"BT /F1 12 Tf 10 700 Td (page{number}) Tj ET".encode())
        page[NameObject("/Contents")] = ArrayObject([marker, heavy])
    path = folder / "slow.pdf"
    with path.open("wb") as file:
        writer.write(file)
    return path


def docx_file(
    folder: Path, paragraphs: list[str], *, title: str = "", table: list[list[str]] | None = None, runs=()
) -> Path:
    """Paragraphs, then one paragraph made of `runs` (as an editor splits a word whose
    letters are formatted differently), then a table."""
    document = docx.Document()
    document.core_properties.title = title
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    if runs:
        paragraph = document.add_paragraph()
        for run in runs:
            paragraph.add_run(run).bold = True
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for row, values in zip(grid.rows, table, strict=True):
            for cell, value in zip(row.cells, values, strict=True):
                cell.text = value
    path = folder / "sample.docx"
    document.save(path)
    return path


def xlsx_file(folder: Path, sheets: dict[str, list[list]]) -> Path:
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(row)
    path = folder / "sample.xlsx"
    workbook.save(path)
    return path


def pptx_file(folder: Path, slides: list[tuple[str, str]], *, notes: str = "") -> Path:
    presentation = Presentation()
    for heading, body in slides:
        slide = presentation.slides.add_slide(presentation.slide_layouts[1])  # title and content
        slide.shapes.title.text = heading
        slide.placeholders[1].text = body
        if notes:
            slide.notes_slide.notes_text_frame.text = notes
    box = presentation.slides[0].shapes.add_textbox(Inches(1), Inches(6), Inches(4), Inches(1))
    box.text_frame.text = "Zone de texte libre"
    path = folder / "sample.pptx"
    presentation.save(path)
    return path


def odt_file(folder: Path, heading: str, paragraphs: list[str]) -> Path:
    document = OpenDocumentText()
    document.text.addElement(text.H(outlinelevel=1, text=heading))
    for paragraph in paragraphs:
        document.text.addElement(text.P(text=paragraph))
    path = folder / "sample.odt"
    document.save(str(path))
    return path


def ods_file(folder: Path, rows: list[list[str]]) -> Path:
    document = OpenDocumentSpreadsheet()
    sheet = table.Table(name="Feuille")
    for values in rows:
        row = table.TableRow()
        for value in values:
            cell = table.TableCell(valuetype="string")
            cell.addElement(text.P(text=value))
            row.addElement(cell)
        sheet.addElement(row)
    document.spreadsheet.addElement(sheet)
    path = folder / "sample.ods"
    document.save(str(path))
    return path


def odp_file(folder: Path, slides: list[str]) -> Path:
    document = OpenDocumentPresentation()
    for number, words in enumerate(slides):
        page = draw.Page(name=f"page{number}", masterpagename="")
        frame = draw.Frame(width="20cm", height="3cm", x="1cm", y="1cm")
        box = draw.TextBox()
        box.addElement(text.P(text=words))
        frame.addElement(box)
        page.addElement(frame)
        document.presentation.addElement(page)
    path = folder / "sample.odp"
    document.save(str(path))
    return path


def text_file(folder: Path, content: str, encoding: str, name: str = "sample.txt") -> Path:
    path = folder / name
    path.write_bytes(content.encode(encoding))
    return path


def _replaced(source: Path, target: Path, member: str, write) -> Path:
    """`source` (a zip) copied to `target` with `member` written by `write(file)` instead."""
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as copy:
        for info in original.infolist():
            if info.filename != member:
                copy.writestr(info.filename, original.read(info))
        info = zipfile.ZipInfo(member, date_time=(2026, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED  # a ZipInfo's own default is to store
        with copy.open(info, "w", force_zip64=True) as file:
            write(file)
    return target


def zip_bomb(folder: Path, megabytes: int) -> Path:
    """A real .docx whose document.xml is `megabytes` MB of zeros: a file of about a
    thousandth of that."""
    source = docx_file(folder, ["placeholder"])
    chunk = b"\0" * (1024 * 1024)

    def zeros(file):
        for _ in range(megabytes):
            file.write(chunk)

    return _replaced(source, folder / "bomb.docx", "word/document.xml", zeros)


def long_docx(folder: Path, paragraphs: int) -> Path:
    """A real .docx with `paragraphs` paragraphs of varied words (the XML inflates about 10
    times, as a real document's does), written straight into document.xml: python-docx
    would take minutes to add them one by one."""
    source = docx_file(folder, ["placeholder"])
    with zipfile.ZipFile(source) as original:
        xml = original.read("word/document.xml")
    start = xml.index(b"<w:body>") + len(b"<w:body>")
    end = xml.index(b"<w:sectPr")

    def body(file):
        file.write(xml[:start])
        buffer = io.StringIO()
        for number in range(paragraphs):
            buffer.write(f"<w:p><w:r><w:t>paragraphe {number} note {number * 7919 % 100_003}</w:t></w:r></w:p>")
            if number % 10_000 == 9_999:
                file.write(buffer.getvalue().encode())
                buffer = io.StringIO()
        file.write(buffer.getvalue().encode())
        file.write(xml[end:])

    return _replaced(source, folder / "long.docx", "word/document.xml", body)


def encrypted_odt(folder: Path) -> Path:
    """An .odt as LibreOffice saves it with a password: its manifest gives, for each
    encrypted member, how to decrypt it (and content.xml is ciphertext)."""
    source = odt_file(folder, "Confidentiel", ["Secret"])
    with zipfile.ZipFile(source) as original:
        manifest = original.read("META-INF/manifest.xml")
    entry = b'<manifest:file-entry manifest:full-path="content.xml"'
    encryption = (
        b'<manifest:encryption-data manifest:checksum-type="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0#'
        b'sha256-1k" manifest:checksum="AAAA"><manifest:algorithm'
        b' manifest:algorithm-name="http://www.w3.org/2001/04/xmlenc#aes256-cbc"'
        b' manifest:initialisation-vector="AAAA"/></manifest:encryption-data>'
    )
    assert entry in manifest
    start = manifest.index(entry)
    end = manifest.index(b"/>", start)
    manifest = manifest[:end] + b">" + encryption + b"</manifest:file-entry>" + manifest[end + 2 :]
    target = folder / "encrypted.odt"
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as copy:
        for info in original.infolist():
            if info.filename == "META-INF/manifest.xml":
                copy.writestr(info.filename, manifest)
            elif info.filename == "content.xml":
                copy.writestr(info.filename, bytes(range(256)) * 16)
            else:
                copy.writestr(info, original.read(info))
    return target
