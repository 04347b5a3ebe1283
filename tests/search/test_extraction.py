"""The text of attached files (apps/search/extraction.py), from real files written by the
real writers (tests/search/samples.py), read in a capped child process.

No database: each test runs the child on a file in tmp_path."""

import logging
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from apps.search import extraction
from tests.search import samples

ROOT = Path(__file__).resolve().parents[2]


def extract(path: Path, name: str | None = None, **options) -> extraction.Extracted:
    return extraction.extract_text(str(path), name or path.name, **options)


def assert_normalised(text: str) -> None:
    assert text == " ".join(text.split()), "whitespace is one space between words"


# ---------------------------------------------------------------- each format


def test_a_pdf_gives_the_text_of_its_pages_and_its_title_accents_kept(tmp_path):
    path = samples.pdf(tmp_path, samples.FRENCH, title="Compte rendu trimestriel")
    result = extract(path)
    assert result.status == "ok" and not result.truncated
    assert result.text.startswith("Compte rendu trimestriel ")
    assert "Les réunions d'équipe ont lieu le jeudi à l'accueil du bâtiment." in result.text
    assert "Ça commence à neuf heures" in result.text  # page 2
    assert_normalised(result.text)


def test_a_pdf_protected_by_an_owner_password_only_opens_with_none(tmp_path):
    result = extract(samples.pdf(tmp_path, samples.FRENCH, owner_password="propriétaire"))
    assert result.status == "ok"
    assert "réunions" in result.text


def test_a_pdf_that_needs_a_password_is_encrypted_and_logged(tmp_path, caplog):
    path = samples.pdf(tmp_path, samples.FRENCH, owner_password="propriétaire", user_password="lecteur")
    with caplog.at_level(logging.WARNING, logger="apps.search.extraction"):
        result = extract(path, "Budget 2027.pdf")
    assert (result.status, result.text) == ("encrypted", "")
    assert "Budget 2027.pdf" in caplog.text and "encrypted" in caplog.text


def test_a_docx_gives_its_title_paragraphs_and_tables_words_split_across_runs_kept_whole(tmp_path):
    path = samples.docx_file(
        tmp_path,
        samples.FRENCH,
        title="Procédure d'accueil",
        runs=["réu", "nions"],
        table=[["Salle", "Capacité"], ["Étoile", "12 personnes"]],
    )
    result = extract(path)
    assert result.status == "ok"
    assert result.text.startswith("Procédure d'accueil Les réunions d'équipe")
    assert " réunions Salle Capacité Étoile 12 personnes" in result.text
    assert_normalised(result.text)


def test_an_xlsx_gives_its_cells_as_text_and_the_names_of_its_sheets_with_values(tmp_path):
    path = samples.xlsx_file(tmp_path, {"Budget": [["Poste", "Montant"], ["Café équipe", 12.5], [None, 3]], "Vide": []})
    result = extract(path)
    assert result.status == "ok"
    assert result.text == "Budget Poste Montant Café équipe 12.5 3"


def test_a_pptx_gives_its_slides_text_boxes_and_notes(tmp_path):
    path = samples.pptx_file(
        tmp_path, [("Réunion de rentrée", "Ordre du jour"), ("Budget", "Dépenses")], notes="À dire"
    )
    result = extract(path)
    assert result.status == "ok"
    for words in ("Réunion de rentrée", "Ordre du jour", "Zone de texte libre", "Dépenses", "À dire"):
        assert words in result.text


def test_an_odt_gives_its_headings_and_paragraphs(tmp_path):
    result = extract(samples.odt_file(tmp_path, "Séminaire d'été", samples.FRENCH))
    assert result.status == "ok"
    assert result.text.startswith("Séminaire d'été Les réunions d'équipe")
    assert result.text.endswith("croissants et ordre du jour.")


def test_an_ods_and_an_odp_are_read_by_the_same_code(tmp_path):
    sheet = extract(samples.ods_file(tmp_path, [["Équipe", "Café"], ["Lyon", "Grenoble"]]))
    slides = extract(samples.odp_file(tmp_path, ["Première diapositive", "Deuxième"]))
    assert (sheet.status, sheet.text) == ("ok", "Équipe Café Lyon Grenoble")
    assert (slides.status, slides.text) == ("ok", "Première diapositive Deuxième")


@pytest.mark.parametrize(
    ("content", "encoding", "name"),
    [
        ("Les réunions\td'équipe\n\n ont lieu", "utf-8", "notes.txt"),
        ("Les réunions d'équipe ont lieu", "utf-8-sig", "notes.md"),
        ("Les réunions d'équipe ont lieu", "utf-16", "export.txt"),  # with its BOM, as Windows writes it
        ("Les réunions d'équipe ont lieu", "utf-16-be", "export.txt"),
        ("Les réunions;d'équipe;ont lieu", "cp1252", "export.csv"),  # Excel's CSV in Western Europe
    ],
)
def test_a_text_file_is_decoded(tmp_path, content, encoding, name):
    if encoding == "utf-16-be":
        content = "\ufeff" + content
    result = extract(samples.text_file(tmp_path, content, encoding, name))
    assert result.status == "ok"
    assert result.text.replace(";", " ") == "Les réunions d'équipe ont lieu"


def test_control_characters_never_reach_the_text(tmp_path):
    """PostgreSQL refuses a NUL in text; none of the C0 controls is a word."""
    result = extract(samples.text_file(tmp_path, "Bonjour\x00le\x07monde\x1b!", "utf-16"))
    assert result.text == "Bonjour le monde !"


def test_a_file_without_words_is_empty(tmp_path):
    result = extract(samples.pdf(tmp_path, ["", ""]))
    assert (result.status, result.text) == ("empty", "")


# ---------------------------------------------------------------- the caps on what is read


@pytest.mark.parametrize(
    ("kind", "cap"),
    [("pdf", "MAX_PAGES"), ("pptx", "MAX_PAGES"), ("odp", "MAX_PAGES"), ("xlsx", "MAX_ROWS"), ("ods", "MAX_ROWS")],
)
def test_reading_stops_at_the_page_slide_or_row_cap_keeping_what_was_read(tmp_path, monkeypatch, kind, cap):
    monkeypatch.setattr(extraction, cap, 2)
    words = [f"partie{number}" for number in range(1, 6)]
    path = {
        "pdf": lambda: samples.pdf(tmp_path, words),
        "pptx": lambda: samples.pptx_file(tmp_path, [(word, "") for word in words]),
        "odp": lambda: samples.odp_file(tmp_path, words),
        "xlsx": lambda: samples.xlsx_file(tmp_path, {"Feuille": [[word] for word in words]}),
        "ods": lambda: samples.ods_file(tmp_path, [[word] for word in words]),
    }[kind]()
    result = extract(path)
    assert result.status == "ok" and result.truncated
    assert "partie1" in result.text and "partie2" in result.text
    assert "partie3" not in result.text
    assert "stopped after 2" in result.detail


def test_the_xlsx_cell_cap_counts_the_empty_cells_of_a_wide_row(tmp_path, monkeypatch):
    """A row is as wide as its last cell: one value in column XFD is 16384 cells to go through."""
    rows = [["début"], [None] * 16383 + ["loin"]]
    path = samples.xlsx_file(tmp_path, {"Large": rows})
    assert extract(path).text == "Large début loin"
    monkeypatch.setattr(extraction, "MAX_CELLS", 10_000)  # two values, but 16385 cells
    result = extract(path)
    assert (result.text, result.truncated) == ("Large début", True)


def test_the_text_is_cut_at_a_word_boundary_under_the_character_cap(tmp_path, monkeypatch):
    monkeypatch.setattr(extraction, "MAX_CHARS", 30)
    text = "Les réunions d'équipe ont lieu le jeudi"
    result = extract(samples.text_file(tmp_path, text, "utf-8"))
    assert (result.status, result.text, result.truncated) == ("ok", "Les réunions d'équipe ont lieu", True)
    monkeypatch.setattr(extraction, "MAX_CHARS", 28)
    assert extract(samples.text_file(tmp_path, text, "utf-8")).text == "Les réunions d'équipe ont"


def test_a_long_document_stops_at_the_character_cap(tmp_path):
    result = extract(samples.long_docx(tmp_path, 100_000))
    assert result.status == "ok" and result.truncated
    assert extraction.MAX_CHARS - 40 < len(result.text) <= extraction.MAX_CHARS
    assert result.text.startswith("paragraphe 0 note 0 paragraphe 1 note 7919")
    assert result.text.split()[-1].isalnum()  # a whole word: "paragraphe", a number, "note"


def test_an_over_sized_file_is_too_large_without_being_opened(tmp_path):
    path = tmp_path / "archive.pdf"
    with path.open("wb") as file:
        file.truncate(extraction.MAX_FILE_BYTES + 1)  # sparse: no %PDF header, which opening would see
    result = extract(path)
    assert (result.status, result.detail) == ("too_large", f"{extraction.MAX_FILE_BYTES + 1} bytes")


# ---------------------------------------------------------------- bad and hostile files


def _truncated_pdf(folder: Path) -> Path:
    path = samples.pdf(folder, samples.FRENCH)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    return path


def _truncated_docx(folder: Path) -> Path:
    path = samples.docx_file(folder, samples.FRENCH)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])  # the central directory is at the end
    return path


def _renamed(folder: Path, make, name: str) -> Path:
    return make(folder).rename(folder / name)


@pytest.mark.parametrize(
    ("make", "status", "detail"),
    [
        (_truncated_pdf, "broken", "PdfStreamError"),
        (_truncated_docx, "broken", "not a readable zip"),
        (lambda folder: _write(folder / "random.docx", os.urandom(5000)), "unsupported", "not a zip"),
        (lambda folder: _write(folder / "photo.pdf", b"\x89PNG\r\n\x1a\n" + os.urandom(500)), "unsupported", "%PDF"),
        (lambda folder: _write(folder / "photo.txt", b"\x89PNG\r\n\x1a\n" + os.urandom(500)), "unsupported", "binary"),
        (lambda f: _renamed(f, lambda f: samples.xlsx_file(f, {"a": [["x"]]}), "sheet.docx"), "unsupported", ".docx"),
        (lambda f: _renamed(f, lambda f: samples.odt_file(f, "x", []), "text.ods"), "unsupported", "mimetype"),
        (lambda f: _renamed(f, lambda f: samples.docx_file(f, ["x"]), "doc.odt"), "unsupported", "mimetype"),
        (lambda folder: _write(folder / "program.exe", b"MZ" + os.urandom(100)), "unsupported", "'.exe'"),
    ],
)
def test_a_bad_file_gets_a_status_never_an_exception(tmp_path, make, status, detail):
    result = extract(make(tmp_path))
    assert (result.status, result.text) == (status, "")
    assert detail in result.detail


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_a_password_protected_odt_is_encrypted(tmp_path):
    assert extract(samples.encrypted_odt(tmp_path)).status == "encrypted"


def test_an_ole_file_named_docx_is_encrypted_if_it_holds_an_encrypted_package(tmp_path):
    """What Office saves with a password: an OLE compound file whose directory names an
    "EncryptedPackage" stream (UTF-16). The bytes here carry that name, which is what is looked for."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
    protected = _write(tmp_path / "protected.docx", header + "EncryptedPackage".encode("utf-16-le") + bytes(2000))
    old_word = _write(tmp_path / "old.docx", header + "WordDocument".encode("utf-16-le") + bytes(2000))
    assert extract(protected).status == "encrypted"
    assert extract(old_word).status == "unsupported"


@pytest.fixture(scope="module")
def gigabyte_bomb(tmp_path_factory) -> Path:
    return samples.zip_bomb(tmp_path_factory.mktemp("bomb"), 1024)


def test_a_zip_bomb_is_refused_from_its_directory_without_being_inflated(gigabyte_bomb):
    """A .docx of 1 MB whose document.xml is a gigabyte of zeros: refused from the sizes
    its central directory declares, before any reader sees it."""
    assert gigabyte_bomb.stat().st_size < 2 * 1024 * 1024
    started = time.monotonic()
    result = extract(gigabyte_bomb)
    assert result.status == "too_large"
    assert result.detail.endswith(" bytes once unzipped") and int(result.detail.split()[0]) > 1024**3
    assert time.monotonic() - started < 5


def test_a_member_that_inflates_absurdly_is_refused_even_under_the_total_cap(tmp_path):
    result = extract(samples.zip_bomb(tmp_path, 150))
    assert result.status == "broken"
    assert result.detail.startswith("zip bomb? 'word/document.xml' inflates")


# ---------------------------------------------------------------- the child's own caps


def _children_of_this_process() -> list[int]:
    found = []
    for task in Path("/proc/self/task").iterdir():
        found += [int(pid) for pid in (task / "children").read_text().split()]
    return found


def _limits(pid: int) -> dict[str, str]:
    try:
        lines = Path(f"/proc/{pid}/limits").read_text().splitlines()[1:]
    except OSError:
        return {}
    return {line[:26].strip(): line[26:47].strip() for line in lines}


def test_a_child_stuck_past_its_time_is_stopped_and_ran_under_its_caps(tmp_path):
    """One PDF page of a million text operators: a 10 KB file a reader spends minutes on.
    The same timeout reads a normal PDF, so it is the file that ran out of time."""
    assert extract(samples.pdf(tmp_path, samples.FRENCH), timeout=3).status == "ok"
    slow = samples.slow_pdf(tmp_path, pages=1, operators=1_000_000)
    seen, done = {}, threading.Event()

    def watch():
        while not done.is_set():
            for pid in _children_of_this_process():
                limits = _limits(pid)
                if limits.get("Max address space") == str(extraction.MEMORY_LIMIT):
                    seen["limits"] = limits
            time.sleep(0.01)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    started = time.monotonic()
    try:
        result = extract(slow, timeout=3)
    finally:
        done.set()
        watcher.join(timeout=5)
    assert (result.status, result.text) == ("timeout", "")
    assert 3 <= time.monotonic() - started < 6
    assert seen["limits"]["Max cpu time"] == "3"
    assert seen["limits"]["Max core file size"] == "0"


def test_a_child_short_of_time_answers_with_what_it_has_read(tmp_path):
    """Forty pages of about a fifth of a second each (eight in all), six seconds given: the
    child stops reading at three (SOFT_DEADLINE) and answers with its first pages, rather
    than be stopped with nothing."""
    result = extract(samples.slow_pdf(tmp_path, pages=40, operators=20_000), timeout=6)
    assert (result.status, result.truncated) == ("ok", True)
    assert result.text.startswith("page1 page2")
    assert "page40" not in result.text
    assert result.detail == "out of time: kept what was read"


def _kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise AssertionError(field)


def test_a_child_past_its_memory_cap_fails_alone(tmp_path, monkeypatch):
    """Half a million paragraphs (30 MB of XML in a 3 MB file): read under MEMORY_LIMIT,
    broken under 256 MB, and this process's peak memory does not move either way."""
    path = samples.long_docx(tmp_path, 500_000)
    assert extract(path).status == "ok"
    monkeypatch.setattr(extraction, "MEMORY_LIMIT", 256 * 1024 * 1024)
    Path("/proc/self/clear_refs").write_text("5")  # the peak (VmHWM) starts again from now
    before = _kib("VmRSS")
    result = extract(path)
    assert (result.status, result.text) == ("broken", "")
    peak = int(result.detail.rsplit("(peak ", 1)[1].split()[0])
    assert peak > 240, result.detail  # the child did reach its cap
    assert (_kib("VmHWM") - before) / 1024 < 20


# ---------------------------------------------------------------- the module


def test_importing_the_module_loads_no_reader_and_no_django():
    code = (
        "import sys; import apps.search.extraction; "
        "loaded = {'django', 'pypdf', 'docx', 'openpyxl', 'pptx', 'odf', 'lxml'} & set(sys.modules); "
        "assert not loaded, loaded"
    )
    finished = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, check=False)
    assert finished.returncode == 0, finished.stderr.decode()


def test_every_supported_extension_has_a_reader_in_the_child(tmp_path):
    """An extension listed but unknown to the child would come back "unsupported"."""
    for ext in extraction.SUPPORTED:
        result = extract(_write(tmp_path / f"file{ext}", b""), f"file{ext}")
        assert result.detail != f"extension {ext!r}", ext
