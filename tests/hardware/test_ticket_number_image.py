"""The big queue number as a raster image in DejaVu Sans (plain zeros), on 80 and 58 mm.

The ESC/POS bytes are decoded back (escpos_bytes.decode), the image compared dot for dot
with the one the preview draws, and the zero's middle sampled for ink.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from escpos.printer import Dummy
from escpos_bytes import decode
from hw_samples import make_ticket
from PIL import Image, ImageDraw, ImageFont, ImageOps

from antrean.cli import build_parser
from hardware.printer import open_printer
from hardware.ticket_font import SYSTEM_FONT_DIR, number_ink_height, render_number
from hardware.ticket_layout import (
    FONT_A_DOTS,
    NumberImage,
    PrintableTicket,
    PrinterProfile,
    build_layout,
    number_multiplier,
    write_ticket,
)
from hardware.ticket_preview import render_ticket

PROFILES = ["TM-T88V", "POS-5890"]  # 80 mm (512 dots), 58 mm (384 dots)


def printed(ticket: PrintableTicket, profile: PrinterProfile):
    dummy = Dummy(profile=profile.name)
    write_ticket(dummy, ticket, profile)
    return decode(dummy.output, profile.name), dummy.output


def ink_box(image: Image.Image) -> tuple[int, int, int, int]:
    """The bounding box of the black dots of a black-on-white image."""
    box = ImageOps.invert(image.convert("L")).getbbox()
    assert box is not None, "no ink at all"
    return box


def ink_in_the_middle(glyph: Image.Image) -> bool:
    """Any black dot in the middle fifth (each way) of the glyph's ink box."""
    left, top, right, bottom = ink_box(glyph)
    w, h = right - left, bottom - top
    cx, cy = left + w // 2, top + h // 2
    middle = glyph.convert("L").crop((cx - w // 10, cy - h // 10, cx + w // 10, cy + h // 10))
    return middle.getextrema()[0] < 128


@pytest.mark.parametrize("name", PROFILES)
def test_the_number_is_a_raster_image_between_its_caption_and_the_service(name):
    profile = PrinterProfile.from_escpos(name)
    assert profile.number_as_image
    out, raw = printed(make_ticket(number="A007"), profile)
    assert b"\x1dv0" in raw  # GS v 0
    assert not any("A007" in line for line in out.lines)  # not as text any more
    number = out.rasters[0]
    before = out.lines[: number.after_lines]
    after = out.lines[number.after_lines:]
    assert before[-1] == "NOMOR ANTREAN" and after[0] == "Paspor Baru"
    assert number.image.width <= profile.width_px
    # 80 mm: a native QR code, so the number is the only image; 58 mm: plus the QR image.
    assert len(out.rasters) == (1 if profile.native_qr else 2)


@pytest.mark.parametrize("name", PROFILES)
def test_with_the_option_off_the_number_is_the_printers_own_text(name):
    profile = PrinterProfile.from_escpos(name, number_as_image=False)
    out, raw = printed(make_ticket(number="A007"), profile)
    number = out.run_containing("A007")
    assert number.text == "A007" and (number.width, number.height) == (8, 8) and number.bold
    assert len(out.rasters) == (0 if profile.native_qr else 1)  # the QR image only
    assert not any(isinstance(el, NumberImage) for el in build_layout(make_ticket(), profile))


@pytest.mark.parametrize("name", PROFILES)
@pytest.mark.parametrize("number", ["7", "A007", "PAS1234", "BKS-20481"])
def test_the_image_is_never_wider_than_the_paper(name, number):
    profile = PrinterProfile.from_escpos(name)
    (element,) = [el for el in build_layout(make_ticket(number=number), profile)
                  if isinstance(el, NumberImage)]
    image = element.render()
    assert image.width <= profile.width_px and image.mode == "1"
    out, _ = printed(make_ticket(number=number), profile)  # escpos refuses a wider image
    assert out.rasters[0].image.width <= profile.width_px


@pytest.mark.parametrize("name", PROFILES)
def test_the_number_is_as_tall_as_the_printers_8x_text_was(name):
    profile = PrinterProfile.from_escpos(name)
    size = number_multiplier("A007", profile)
    assert size == 8
    aimed = number_ink_height(size, FONT_A_DOTS[1])  # about 0.7 x 8 x 24 dots
    out, _ = printed(make_ticket(number="A007"), profile)
    left, top, right, bottom = ink_box(out.rasters[0].image)
    assert 0.9 * aimed <= bottom - top <= 1.05 * aimed
    assert right - left > 0.6 * profile.width_px  # and it spans most of the paper


@pytest.mark.parametrize("name", PROFILES)
def test_paper_and_preview_show_the_same_number_image(name):
    profile = PrinterProfile.from_escpos(name)
    ticket = make_ticket(number="A007")
    out, _ = printed(ticket, profile)
    on_paper = out.rasters[0].image
    (element,) = [el for el in build_layout(ticket, profile) if isinstance(el, NumberImage)]
    drawn = element.render().convert("L")
    # The printer gets the image padded to the paper's width, centred.
    assert on_paper.size == (profile.width_px, drawn.height)
    x = (profile.width_px - drawn.width) // 2
    assert on_paper.crop((x, 0, x + drawn.width, drawn.height)).tobytes() == drawn.tobytes()
    left, top, right, bottom = ink_box(drawn)
    assert ink_box(on_paper) == (left + x, top, right + x, bottom)
    # The preview pastes the very same image at the same x, somewhere down the paper.
    preview = render_ticket(ticket, profile)
    wanted = drawn.tobytes()
    found = [y for y in range(preview.height - drawn.height)
             if preview.crop((x, y, x + drawn.width, y + drawn.height)).tobytes() == wanted]
    assert found, "the preview does not show the printed number image"


@pytest.mark.parametrize(("max_width", "ink_height"), [(512, 134), (384, 134), (120, 40)])
def test_the_printed_zero_is_plain(max_width, ink_height):
    zero = render_number("0", max_width, ink_height)
    assert not ink_in_the_middle(zero), "ink in the middle of the zero: it may read as 8"
    eight = render_number("8", max_width, ink_height)
    assert ink_in_the_middle(eight)  # the same check sees the 8's crossing


def test_the_plain_zero_check_catches_a_dotted_zero():
    # DejaVu Sans Mono dots its zero: the check above must tell it apart.
    mono = SYSTEM_FONT_DIR / "DejaVuSansMono-Bold.ttf"
    assert mono.is_file(), "fonts-dejavu-core ships DejaVu Sans Mono"
    font = ImageFont.truetype(str(mono), 180)
    left, top, right, bottom = font.getbbox("0")
    glyph = Image.new("L", (right + 10, bottom + 10), 255)
    ImageDraw.Draw(glyph).text((0, 0), "0", font=font, fill=0)
    assert ink_in_the_middle(glyph)


def test_an_unknown_paper_width_prints_the_number_as_text(capsys):
    # escpos' default profile has no pixel width: an image sized by a guess could be wider
    # than the paper, so the number stays the printer's text there.
    profile = PrinterProfile.from_escpos(None)
    assert not profile.number_as_image
    out, _ = printed(make_ticket(number="A007"), profile)
    assert out.run_containing("A007").text == "A007" and out.rasters == []
    assert capsys.readouterr().out == ""  # no escpos warning on the kiosk's stdout


def test_the_kiosk_command_line_chooses_image_or_text():
    parser = build_parser()
    assert parser.parse_args(["kiosk"]).printer_number == "image"
    args = parser.parse_args(["kiosk", "--printer-number", "text"])
    assert args.printer_number == "text"
    assert not open_printer("dummy", "POS-5890", number_as_image=False).profile.number_as_image
    assert open_printer("dummy", "POS-5890").profile.number_as_image
    with pytest.raises(SystemExit):
        parser.parse_args(["kiosk", "--printer-number", "bitmap"])


def test_the_ticket_font_is_the_apps_dejavu_sans():
    from hardware.ticket_font import font_path, ticket_font
    from kiosk.widgets import FONT_FAMILY

    assert FONT_FAMILY == "DejaVu Sans"
    bold = font_path(True)
    assert bold is not None and bold.name == "DejaVuSans-Bold.ttf" and Path(bold).is_file()
    assert ticket_font(True, 40).getname() == ("DejaVu Sans", "Bold")
