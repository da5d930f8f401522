"""The printed documents, read back: the number, the town and the user's text, literally.

Hostile text goes into every field (markup, a remote image, entities, control characters,
right-to-left text, emoji, 100 KB); the PDF must build, show the text as typed and never open a
network connection.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import socket
import subprocess
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from bidi.mirror import MIRRORED  # type: ignore[import-untyped]
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader
from reportlab.pdfbase import pdfmetrics

from desktop.printing import (
    build_faq_binder,
    build_letter,
    build_receipt,
    build_run_sheet,
    build_work_orders,
    in_route_order,
    page_count,
)
from desktop.printing.data import (
    Answer,
    FaqBinderData,
    FaqEntry,
    HistoryItem,
    LetterData,
    PageSetup,
    ReceiptData,
    RunSheetData,
    TownHeader,
    WorkOrderData,
)
from desktop.printing.styles import FONT, plain, register_fonts, text

HOSTILE = [
    "<b>bold?</b>",
    '<img src="http://127.0.0.1:9/x.png"/>',
    "&amp; &lt; &#60;",
    "unbalanced < and > and & alone",
    "control\x00\x01\x07\x1b[31m\x7f chars",
    "שלום עולם",
    "مرحبا",
    "emoji 🚧😀",
    "Ñandú café Zoë",
    '<para><font name="x">{0}</font>',
]
TOWN = TownHeader("Alder Falls", "1 Main Street, Alder Falls", "555-0100", "clerk@alder.gov")


def setup(paper: str = "letter", town: TownHeader = TOWN) -> PageSetup:
    return PageSetup(town=town, paper=paper)


def order(number: str = "2026-00042", value: str = "", **changes: object) -> WorkOrderData:
    data = WorkOrderData(
        request_id=42,
        tracking_number=number,
        service_type=value or "Pothole",
        priority="high",
        priority_label="High",
        status_label="Assigned",
        department=value or "Streets",
        assignee=value or "Bo Crew",
        requested_at=dt.datetime(2026, 11, 16, 9, 30),
        due_at=dt.datetime(2026, 11, 18, 17, 0),
        address=value or "12 Elm Street",
        cross_street=value,
        location_notes=value,
        lat=42.5,
        long=-71.25,
        description=value or "A deep pothole",
        answers=[Answer(value or "How big?", value or "Like a pizza")],
        safety_notice=value or "Cones and a flagger",
        contact_name=value,
        contact_phone=value,
        history=[HistoryItem(dt.datetime(2026, 11, 16, 9, 30), value or "Created", value)],
    )
    for key, new in changes.items():
        setattr(data, key, new)
    return data


def read_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def squash(value: str) -> str:
    return "".join(value.split())


def _simple(char: str) -> bool:
    """Characters a text extractor gives back as drawn: in the font, in the BMP, left-to-right.

    (pypdf reorders right-to-left runs, and reportlab's ToUnicode map cannot express characters
    beyond the BMP; those are checked by `assert_rtl_present` and by building at all.)"""
    register_fonts()
    covered = pdfmetrics.getFont(FONT).face.charToGlyph
    return (
        ord(char) < 0x10000
        and ord(char) in covered
        and unicodedata.bidirectional(char) not in ("R", "AL", "AN", "RLE", "RLO", "RLM")
        and unicodedata.category(char) not in ("Mn", "Cf", "Zl", "Zp")
    )


def assert_literal(value: str, pdf_text: str) -> None:
    """Every run of simple characters of `value` is in the PDF's text, exactly as typed.

    Around right-to-left text the extractor may reorder neighbours, so there every simple
    character is looked for on its own."""
    shown = "".join(c for c in squash(pdf_text) if _simple(c))
    value = plain(value)
    if any(unicodedata.bidirectional(c) in ("R", "AL") for c in value):
        # in right-to-left text a bracket or a "<" shows as its mirror image, as it should
        missing = {
            c for c in value if _simple(c) and not c.isspace() and MIRRORED.get(c, c) not in shown
        } - set(shown)
        assert not missing, f"{missing!r} not printed"
        return
    token = ""
    for char in value + " ":
        if _simple(char) and not char.isspace():
            token += char
            continue
        if token:
            assert token in shown, f"{token!r} not printed literally"
        token = ""


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Fail loudly if anything tries to connect anywhere."""
    attempts: list[object] = []

    def refuse(self: socket.socket, address: object) -> None:
        attempts.append(address)
        raise AssertionError(f"network connection attempted to {address!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: refuse(None, a))  # type: ignore[arg-type]
    return attempts


def all_documents(value: str, paper: str = "letter") -> dict[str, bytes]:
    town = TownHeader(value or "Alder Falls", value, value, value, value)
    page = setup(paper, town)
    return {
        "work_order": build_work_orders([order(value=value)], page),
        "run_sheet": build_run_sheet(
            RunSheetData(value or "Streets", "DPW", dt.date(2026, 11, 17), [order(value=value)]),
            page,
        ),
        "receipt": build_receipt(
            ReceiptData(
                "2026-00042",
                value or "Pothole",
                value,
                value,
                dt.datetime(2026, 11, 16, 9, 30),
                dt.datetime(2026, 11, 20, 17, 0),
                value,
                value,
                value,
            ),
            page,
        ),
        "letter": build_letter(
            LetterData(
                "2026-00042",
                [value or "Ana", value, "Alder Falls, MA"],
                dt.date(2026, 11, 20),
                value or "Subject",
                value or "Body",
                value,
            ),
            page,
        ),
        "faq_binder": build_faq_binder(
            FaqBinderData(dt.date(2026, 11, 16), [FaqEntry(value or "T", value, value)]),
            page,
        ),
    }


# -- what each document shows ----------------------------------------------------------------


def test_work_order_shows_number_town_and_text(no_network):
    pdf = build_work_orders([order()], setup())
    shown = read_text(pdf)
    for expected in (
        "2026-00042",
        "Alder Falls",
        "WORK ORDER",
        "12 Elm Street",
        "A deep pothole",
        "How big?",
        "Like a pizza",
        "Cones and a flagger",
        "Fixed",
        "Needs follow-up",
        "Could not locate",
        "Not ours",
        "Signature",
    ):
        assert expected in shown
    assert "REPRINT" not in shown
    assert page_count(pdf) == 1
    assert not no_network


def test_reprint_says_so():
    shown = read_text(build_work_orders([order(reprint=True, times_printed=2)], setup()))
    assert "REPRINT" in shown
    assert "printed 2 times before" in shown


def test_each_work_order_starts_a_page_and_a4_is_a4():
    pdf = build_work_orders([order("2026-00001"), order("2026-00002")], setup("a4"))
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 2
    assert "2026-00001" in reader.pages[0].extract_text()
    assert "2026-00002" in reader.pages[1].extract_text()
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)
    letter = PdfReader(io.BytesIO(build_work_orders([order()], setup()))).pages[0].mediabox
    assert (round(float(letter.width)), round(float(letter.height))) == (612, 792)


def test_long_description_flows_onto_more_pages():
    words = " ".join(f"word{i}" for i in range(6000))
    pdf = build_work_orders([order(description=words)], setup())
    assert page_count(pdf) > 2
    shown = read_text(pdf)
    assert "word0" in shown and "word5999" in shown
    assert shown.count("Work order 2026-00042") == page_count(pdf)  # every page says whose


def test_run_sheet_lists_orders_in_route_order():
    orders = [
        order("2026-00003", address="40 Oak Ave", street="oak ave", house_number=40),
        order("2026-00001", address="12 Elm Street", street="elm st", house_number=12),
        order("2026-00002", address="3 Elm Street", street="elm st", house_number=3),
    ]
    assert [o.tracking_number for o in in_route_order(orders)] == [
        "2026-00002",
        "2026-00001",
        "2026-00003",
    ]
    pdf = build_run_sheet(RunSheetData("Streets", "DPW", dt.date(2026, 11, 17), orders), setup())
    reader = PdfReader(io.BytesIO(pdf))
    cover = reader.pages[0].extract_text()
    assert "Run sheet: Streets" in cover
    assert cover.index("2026-00002") < cover.index("2026-00001") < cover.index("2026-00003")
    assert len(reader.pages) == 4
    assert "2026-00002" in reader.pages[1].extract_text()


def test_receipt_letter_and_binder_read_back():
    documents = all_documents("")
    receipt = read_text(documents["receipt"])
    assert "2026-00042" in receipt and "Alder Falls" in receipt
    assert "Fri 20 Nov 2026" in receipt  # the expected date
    letter = read_text(documents["letter"])
    assert "Subject" in letter and "Body" in letter and "Ana" in letter
    binder = build_faq_binder(
        FaqBinderData(
            dt.date(2026, 11, 16),
            [
                FaqEntry("When is trash picked up?", "Mondays.", "Public Works"),
                FaqEntry("Dog licences", "At the counter.", "Town Clerk"),
            ],
        ),
        setup(),
    )
    shown = read_text(binder)
    assert "Contents" in shown and "Public Works" in shown and "Mondays." in shown
    first = PdfReader(io.BytesIO(binder)).pages[0].extract_text()
    assert "When is trash picked up?" in first  # in the contents


def test_a_broken_logo_does_not_stop_printing():
    town = TownHeader("Alder Falls", logo=b"not an image")
    assert "Alder Falls" in read_text(build_work_orders([order()], setup(town=town)))


def test_escaping_is_done_once():
    assert text("<b>&amp;\n") == "&lt;b&gt;&amp;amp;<br/>"
    assert plain("a\x00b\r\nc\ud800") == "ab\nc"


# -- hostile text ----------------------------------------------------------------------------


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_text_prints_literally_everywhere(value, no_network):
    for name, pdf in all_documents(value).items():
        shown = read_text(pdf)
        assert "2026-00042" in shown or name == "faq_binder"
        assert_literal(value, shown)
    assert not no_network


def test_a_100_kb_description_prints_whole(no_network):
    value = ("Pothole <b>&amp; 'quotes' ñ ") * 4000  # about 100 KB
    assert len(value.encode()) > 100_000
    pdf = build_work_orders([order(description=value)], setup())
    shown = squash(_without_page_furniture(pdf))
    assert shown.count(squash("Pothole <b>&amp; 'quotes' ñ")) == 4000
    assert not no_network


def _without_page_furniture(pdf: bytes) -> str:
    """The text of a work order's pages less what every page carries (the footer; on later
    pages the strip with the number), so that text running from page to page reads on."""
    text = []
    for number, page in enumerate(PdfReader(io.BytesIO(pdf)).pages):
        lines = page.extract_text().splitlines()[:-2]  # the footer: who, "page i of n"
        text += lines[2:] if number else lines  # the strip: the number, "continued"
    return "\n".join(text)


hostile_text = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(
        st.characters(
            exclude_categories=["Cs"],
            max_codepoint=0x1F6FF,
        ),
        max_size=200,
    ),
    st.lists(st.sampled_from([*HOSTILE, "x", " ", "\n", "<", "&", "]]>"]), max_size=12).map(
        "".join
    ),
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(value=hostile_text, paper=st.sampled_from(["letter", "a4"]))
def test_any_text_builds_and_prints_literally(value, paper, no_network):
    documents = all_documents(value, paper)
    assert_literal(value, read_text(documents["work_order"]))
    assert_literal(value, read_text(documents["receipt"]))
    assert not no_network


# -- the barcode and the QR code scan back to the number ----------------------------------------


def _decoder_ready() -> bool:
    if shutil.which("pdftoppm") is None:
        return False
    try:
        from pyzbar import pyzbar  # noqa: F401
    except ImportError:  # the zbar library itself is missing
        return False
    return True


@pytest.mark.skipif(not _decoder_ready(), reason="needs pdftoppm and zbar (pyzbar)")
def test_barcode_and_qr_decode_to_the_tracking_number(tmp_path: Path):
    from PIL import Image
    from pyzbar import pyzbar

    pdf = tmp_path / "order.pdf"
    pdf.write_bytes(build_work_orders([order("2026-04711")], setup()))
    subprocess.run(
        ["pdftoppm", "-png", "-r", "200", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "p")],
        check=True,
    )
    page = next(tmp_path.glob("p*.png"))
    with Image.open(page) as image:
        found = {(code.type, code.data.decode()) for code in pyzbar.decode(image)}
    assert ("CODE128", "2026-04711") in found
    assert ("QRCODE", "2026-04711") in found


# -- right-to-left text, fallback fonts --------------------------------------------------------

ARABIC = "الحفرة كبيرة جدا"


def _arabic_lines(pdf: bytes) -> list[str]:
    """The lines of the PDF's text that have Arabic, as pypdf reads them back.

    pypdf turns a right-to-left run drawn in display order back into reading order, so text
    printed reversed (the old fault) reads back reversed, and unjoined letters read back as the
    plain letters rather than as their joined (initial, medial, final) forms."""
    return [line for line in read_text(pdf).splitlines() if any(map(_arabic, line))]


def _arabic(char: str) -> bool:
    return "\u0600" <= char <= "\u06ff" or _joined_form(char)


def _joined_form(char: str) -> bool:
    return "\ufe70" <= char <= "\ufeff" or "\ufb50" <= char <= "\ufdff"


def _joined_in_reading_order(line: str, expected: str) -> bool:
    return any(map(_joined_form, line)) and expected in unicodedata.normalize("NFKC", line)


@pytest.mark.parametrize("name", ["work_order", "receipt", "letter"])
def test_arabic_prints_in_reading_order_and_joined(name):
    pdf = all_documents(ARABIC)[name]
    lines = _arabic_lines(pdf)
    assert lines
    assert all(_joined_in_reading_order(line, ARABIC) for line in lines), lines


def test_the_letter_address_block_reads_right_to_left():
    letter = LetterData("2026-00042", ["أحمد", "شارع الحفرة كبيرة جدا 12"], dt.date(2026, 11, 20),
                        "Subject", "Body")  # fmt: skip
    lines = _arabic_lines(build_letter(letter, setup()))
    assert any(_joined_in_reading_order(line, "الحفرة كبيرة جدا") for line in lines), lines


def test_right_to_left_words_in_display_order():
    """The display order itself (left to right on paper): the first word read is rightmost,
    the Latin label stays on the left, and the digits keep their own order."""
    from desktop.printing.script import layout_lines

    [line] = layout_lines([("Where: ", True), ("12 شارع الحفرة", False)], 11, 500)
    shown = "".join(unicodedata.normalize("NFKC", piece.shown) for piece in line.pieces)
    assert shown.startswith("Where: ")
    assert shown.index("12") < shown.index("ةرفحلا") < shown.index("عراش")
    [rtl] = layout_lines([(ARABIC, False)], 11, 500)
    assert rtl.rtl  # set at the right of its column
    # a long right-to-left paragraph keeps its reading order from line to line
    many = layout_lines([(" ".join(["الحفرة"] * 30 + ["جدا"]), False)], 11, 120)
    assert len(many) > 3
    assert "جدا"[::-1] in unicodedata.normalize("NFKC", many[-1].pieces[0].shown)


def _fonts_on(pdf: bytes) -> set[str]:
    names = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        resources: Any = page["/Resources"]
        for font in resources["/Font"].values():
            names.add(str(font.get_object()["/BaseFont"]).split("+")[-1])
    return names


def _set_in(pdf: bytes) -> dict[str, str]:
    """Each character pypdf reads back, with the font it was set in."""
    chars: dict[str, str] = {}

    def visit(text: str, cm: object, tm: object, font: object, size: object) -> None:
        name = str(font.get("/BaseFont", "")) if isinstance(font, dict) else ""
        for char in text:
            chars.setdefault(char, name.split("+")[-1])

    for page in PdfReader(io.BytesIO(pdf)).pages:
        page.extract_text(visitor_text=visit)
    return chars


def test_characters_dejavu_lacks_print_in_a_font_that_has_them():
    pdf = build_work_orders([order(description="Ñandú 日本語 かな 🚧")], setup())
    fonts = _set_in(pdf)
    assert fonts["日"] == fonts["本"] == fonts["か"] == "DroidSansFallback"
    assert fonts["Ñ"] == "DejaVuSans"
    assert "Symbola" in _fonts_on(pdf)  # the emoji (pypdf cannot read text beyond the BMP)
    assert "Symbola" not in _fonts_on(build_work_orders([order()], setup()))


def test_a_character_no_font_has_prints_its_name_not_a_box():
    # U+1FAE0 (Unicode 14) is in no bundled font; a variation selector alone draws nothing
    pdf = build_receipt(ReceiptData("2026-00042", "Pothole", "hi \U0001fae0\ufe0f there", "",
                                    dt.datetime(2026, 11, 16, 9, 30), None), setup())  # fmt: skip
    shown = read_text(pdf)
    assert "hi [melting face] there" in shown
    assert "variation" not in shown


def test_plain_latin_text_takes_the_plain_path():
    from reportlab.platypus import Paragraph

    from desktop.printing.styles import labelled, para, style

    assert type(para("12 Elm Street", style("t"))) is Paragraph
    assert type(labelled("Where:", "Ñandú 日本", style("t"))) is Paragraph
    assert type(para(ARABIC, style("t"))) is not Paragraph


# -- the QR code, encoded once and drawn as one path ---------------------------------------------


def test_qr_rectangles_cover_exactly_the_dark_modules():
    from desktop.printing.work_order import qr_modules, qr_rectangles

    for value in ("2026-00042", "2026-99999", "X"):
        modules = qr_modules(value)
        covered: list[tuple[int, int]] = []
        for column, row, width, height in qr_rectangles(modules):
            covered += [(column + c, row + r) for c in range(width) for r in range(height)]
        dark = [(c, r) for r, line in enumerate(modules) for c, on in enumerate(line) if on]
        assert sorted(covered) == sorted(dark)  # each dark module once, no light one
        assert len(qr_rectangles(modules)) < len(dark) / 2


def test_each_qr_code_is_encoded_once(monkeypatch: pytest.MonkeyPatch):
    import segno

    from desktop.printing import work_order

    calls: list[str] = []
    real = segno.make_qr

    def counting(value: str, **options: Any) -> Any:
        calls.append(value)
        return real(value, **options)

    monkeypatch.setattr(segno, "make_qr", counting)
    work_order.qr_modules.cache_clear()
    build_work_orders([order("2026-31337"), order("2026-31338")], setup())
    assert sorted(calls) == ["2026-31337", "2026-31338"]


def test_the_qr_code_is_one_filled_path():
    from reportlab.pdfgen.canvas import Canvas

    from desktop.printing.work_order import QrCode

    out = io.BytesIO()
    canvas = Canvas(out, pageCompression=0)
    QrCode("2026-00042").drawOn(canvas, 0, 0)
    canvas.showPage()
    canvas.save()
    content = out.getvalue()
    assert content.count(b" re ") > 20 and content.count(b"\nf") + content.count(b" f\n") <= 1


# -- a work order over several pages, a receipt on one half-sheet --------------------------------


def _decoded(pdf: bytes, folder: Path) -> list[set[tuple[str, str]]]:
    """What zbar reads on each page."""
    from PIL import Image
    from pyzbar import pyzbar

    (folder / "x.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "150", str(folder / "x.pdf"), str(folder / "p")],
                   check=True)  # fmt: skip
    found = []
    for page in sorted(folder.glob("p*.png")):
        with Image.open(page) as image:
            found.append({(c.type, c.data.decode()) for c in pyzbar.decode(image)})
    return found


def test_every_page_of_a_long_work_order_can_be_scanned(tmp_path: Path):
    words = " ".join(f"word{i}" for i in range(2500))
    pdf = build_work_orders([order("2026-04711", description=words), order("2026-04712")],
                            setup())  # fmt: skip
    reader = PdfReader(io.BytesIO(pdf))
    texts = [page.extract_text() for page in reader.pages]
    first = [t for t in texts if "2026-04711" in t]
    pages = len(first)
    assert pages >= 2 and len(texts) == pages + 1
    for index, shown in enumerate(texts[:pages], start=1):
        assert f"page {index} of {pages} of this order" in shown
    assert "page 1 of 1 of this order" in texts[-1]
    assert "FOR THE CREW" in texts[pages - 1]  # on the last page, which has its barcode too
    if _decoder_ready():
        for index, found in enumerate(_decoded(pdf, tmp_path)[:pages]):
            assert ("CODE128", "2026-04711") in found, index


def test_the_work_order_header_has_the_towns_address_phone_and_logo():
    from PIL import Image

    logo = io.BytesIO()
    Image.new("RGB", (40, 40), "green").save(logo, "PNG")
    town = TownHeader("Alder Falls", "1 Main Street", "555-0100", logo=logo.getvalue())
    for pdf in (
        build_work_orders([order()], setup(town=town)),
        build_run_sheet(
            RunSheetData("Streets", "DPW", dt.date(2026, 11, 17), [order()]), setup(town=town)
        ),
    ):
        page: Any = PdfReader(io.BytesIO(pdf)).pages[-1]  # a work order's page
        shown = page.extract_text()
        assert "1 Main Street" in shown and "555-0100" in shown
        images = [x for x in page["/Resources"]["/XObject"].values()
                  if x.get_object().get("/Subtype") == "/Image"]  # fmt: skip
        assert images


def test_location_notes_print_under_their_label():
    shown = read_text(build_work_orders([order(location_notes="behind the library")], setup()))
    assert "Location notes: behind the library" in shown
    assert "Cross street" not in shown


def test_a_receipt_stays_on_one_half_sheet():
    long = "Pothole by the school. " * 5000
    notice = "Crews fill potholes. " * 500
    when = dt.datetime(2026, 11, 16, 9, 30)
    receipt = ReceiptData("2026-00042", "Pothole", long, "12 Elm St", when, None, notice)
    pdf = build_receipt(receipt, setup())
    assert page_count(pdf) == 1
    shown = read_text(pdf)
    assert "2026-00042" in shown and "(the full text is on file)" in shown
    assert "Pothole by the school." in shown


def test_100_kb_in_every_field_of_every_document(no_network):
    """Even the town's name: no header runs off its page, the receipt stays one half-sheet."""
    value = "<b>Elm</b> & <img src='http://127.0.0.1:9/x.png'/> " * 2200
    assert len(value) > 100_000
    documents = all_documents(value)
    assert page_count(documents["receipt"]) == 1
    for name, pdf in documents.items():
        assert "<b>Elm</b> & <img src='http://127.0.0.1:9/x.png'/>" in read_text(pdf), name
    assert not no_network


@pytest.mark.parametrize("paper", ["letter", "a4"])
def test_no_spanish_label_is_cut_short(paper):
    """Spanish runs a quarter longer than English: every document printed in Spanish keeps its
    own words whole (a label that would not fit is printed smaller, never ended with "…")."""
    from desktop.i18n import speaking

    with speaking("es"):
        pdfs = all_documents("", paper)
    for name, pdf in pdfs.items():
        shown = read_text(pdf)
        cut = [line for line in shown.splitlines() if re.search(r"\w…", line)]
        assert not cut, (name, cut)  # a word ended with "…" was cut to fit
        assert "ORDEN DE TRABAJO" in shown or name != "work_order"
