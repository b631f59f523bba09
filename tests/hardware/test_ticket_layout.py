"""The printed ticket, decoded back from the ESC/POS bytes, on 80 mm and 58 mm profiles."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from escpos.printer import Dummy
from escpos_bytes import decode
from hw_samples import URL, WIB, WIT, WITA, make_ticket
from PIL import Image, ImageDraw

from hardware.ticket_layout import (
    NumberImage,
    PrintableTicket,
    PrinterProfile,
    build_layout,
    format_issued_at,
    format_wait,
    number_multiplier,
    write_ticket,
    zone_abbreviation,
)
from hardware.ticket_preview import render_ticket, save_preview_png


def printed(ticket: PrintableTicket, profile_name: str, number_as_image: bool = True):
    profile = PrinterProfile.from_escpos(profile_name, number_as_image=number_as_image)
    dummy = Dummy(profile=profile_name)
    write_ticket(dummy, ticket, profile)
    return decode(dummy.output, profile_name), dummy.output


def test_profiles_know_paper_qr_and_cutter():
    p80 = PrinterProfile.from_escpos("TM-T88V")
    p58 = PrinterProfile.from_escpos("POS-5890")
    assert (p80.columns, p80.width_px, p80.native_qr, p80.cutter) == (42, 512, True, True)
    assert (p58.columns, p58.width_px, p58.native_qr, p58.cutter) == (32, 384, False, False)
    default = PrinterProfile.from_escpos(None)
    assert default.name == "default" and not default.width_known
    with pytest.raises(ValueError, match="unknown printer profile"):
        PrinterProfile.from_escpos("NO-SUCH-PRINTER")


def test_80mm_ticket_text_native_qr_and_cut():
    out, raw = printed(make_ticket(), "TM-T88V")
    lines = out.lines
    assert "Kantor Imigrasi Kelas I TPI Jakarta" in lines[0]
    assert "NOMOR ANTREAN" in lines
    # the number is an image (test_ticket_number_image.py), the code a native QR
    assert not any("A012" in line for line in lines) and len(out.raster_images) == 1
    assert "Paspor Baru" in lines
    assert "PRIORITAS — LANSIA" in lines
    assert "Senin, 23 November 2026 08:15 WIB" in lines
    # 53 characters do not fit 42 columns: one line each, never a broken phrase
    # when to expect the call (08:15 + 12 minutes), a moment that does not go stale
    assert "Di depan Anda: 4 orang" in lines and "Perkiraan dipanggil ± 08:27 WIB" in lines
    assert "Layanan ini GRATIS." in lines and "Simpan tiket ini." in lines
    assert out.qr_payloads == [URL.encode()]
    assert out.qr_printed == 1
    assert out.cuts, "80 mm profile has a cutter"
    assert raw.startswith(b"\x1b@")


def test_58mm_ticket_image_qr_no_native_commands_and_feed_only():
    out, raw = printed(make_ticket(), "POS-5890")
    assert b"\x1d(k" not in raw  # cheap printers ignore GS ( k: never rely on it
    assert out.qr_payloads == [] and out.cuts == []
    assert len(out.raster_images) == 2  # the number, then the QR code
    width, height = out.raster_images[1]
    assert width <= 384 and height > 100
    assert out.feeds and out.feeds[-1] >= 4
    # 58 mm is 32 columns: the long lines break in readable places
    assert "Senin, 23 November 2026" in out.lines and "08:15 WIB" in out.lines
    assert "Di depan Anda: 4 orang" in out.lines
    assert "Perkiraan dipanggil ± 08:27 WIB" in out.lines
    assert all(len(line) <= 32 for line in out.lines)


def test_english_ticket():
    ticket = make_ticket(lang="en", service_name="New Passport", ahead=1, estimated_wait_s=3600)
    out, _ = printed(ticket, "TM-T88V")
    assert "QUEUE NUMBER" in out.lines
    assert "PRIORITY — LANSIA" in out.lines
    assert "Monday, 23 November 2026 08:15 WIB" in out.lines
    assert "Ahead of you: 1 person" in out.lines and "Expected call ± 09:15 WIB" in out.lines
    assert "NOMOR ANTREAN" not in out.lines


def test_regular_lane_stage_no_wait_and_next():
    ticket = make_ticket(lane_priority=False, ahead=0, estimated_wait_s=None, stage_name="Bayar")
    out, _ = printed(ticket, "TM-T88V")
    assert not any("PRIORITAS" in line for line in out.lines)
    assert "Anda berikutnya" in out.lines
    assert "Tahap: Bayar" in out.lines
    assert not any("Perkiraan" in line for line in out.lines)


def test_long_number_shrinks_to_fit_58mm():
    profile = PrinterProfile.from_escpos("POS-5890")
    assert number_multiplier("A012", profile) == 8
    assert number_multiplier("PAS1234", profile) == 4  # 7 chars x 12 dots x 4 = 336 <= 384
    # as the printer's own text (`--printer-number text`); the image case:
    # test_ticket_number_image.py
    out, _ = printed(make_ticket(number="PAS1234"), "POS-5890", number_as_image=False)
    run = out.run_containing("PAS1234")
    assert run.width * 12 * len(run.text) <= 384


def test_short_ahead_and_wait_share_one_line():
    out, _ = printed(make_ticket(lang="en", ahead=0, estimated_wait_s=60), "TM-T88V")
    assert "You are next · Expected call ± 08:16 WIB" in out.lines


def test_no_status_url_means_no_qr():
    out, raw = printed(make_ticket(status_url=""), "TM-T88V")
    assert out.qr_payloads == [] and b"\x1d(k" not in raw


@pytest.mark.parametrize(
    ("moment", "lang", "expected"),
    [
        (datetime(2026, 11, 23, 8, 15, tzinfo=WIB), "id", "Senin, 23 November 2026 08:15 WIB"),
        (datetime(2026, 8, 17, 7, 5, tzinfo=WITA), "id", "Senin, 17 Agustus 2026 07:05 WITA"),
        (datetime(2026, 2, 1, 13, 0, tzinfo=WIT), "id", "Minggu, 1 Februari 2026 13:00 WIT"),
        (datetime(2026, 5, 1, 9, 30, tzinfo=WIB), "id", "Jumat, 1 Mei 2026 09:30 WIB"),
        (datetime(2026, 5, 1, 9, 30, tzinfo=WIB), "en", "Friday, 1 May 2026 09:30 WIB"),
        (datetime(2026, 5, 1, 9, 30, tzinfo=UTC), "id", "Jumat, 1 Mei 2026 09:30 UTC"),
    ],
)
def test_format_issued_at(moment, lang, expected):
    assert format_issued_at(moment, lang) == expected


def test_zone_abbreviation_with_zoneinfo():
    from zoneinfo import ZoneInfo

    assert zone_abbreviation(datetime(2026, 1, 1, tzinfo=ZoneInfo("Asia/Jakarta"))) == "WIB"
    assert zone_abbreviation(datetime(2026, 1, 1, tzinfo=ZoneInfo("Asia/Makassar"))) == "WITA"
    assert zone_abbreviation(datetime(2026, 1, 1, tzinfo=ZoneInfo("Asia/Jayapura"))) == "WIT"


@pytest.mark.parametrize(
    ("seconds", "lang", "expected"),
    [(0, "id", "1 menit"), (61, "id", "2 menit"), (720, "id", "12 menit"),
     (3600, "id", "1 jam"), (3900, "id", "1 jam 5 menit"), (3900, "en", "1 h 5 min")],
)
def test_format_wait(seconds, lang, expected):
    assert format_wait(seconds, lang) == expected


def test_naive_time_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        make_ticket(issued_at=datetime(2026, 11, 23, 8, 15))


@pytest.mark.parametrize("profile_name", ["TM-T88V", "POS-5890"])
def test_preview_has_paper_width_and_a_big_dark_number(tmp_path, profile_name):
    profile = PrinterProfile.from_escpos(profile_name)
    ticket = make_ticket()
    image = render_ticket(ticket, profile)
    assert image.width == profile.width_px
    layout = build_layout(ticket, profile)
    assert any(isinstance(el, NumberImage) for el in layout)
    path = save_preview_png(ticket, profile, tmp_path / "t.png")
    with Image.open(path) as png:
        assert png.format == "PNG" and png.width == profile.width_px
        dark = sum(png.convert("L").histogram()[:128])
        assert dark > 0.05 * png.width * png.height  # real glyphs and a QR, not empty boxes


def test_dejavu_font_is_present():
    # Without fonts Pillow falls back to a tiny bitmap font and the preview is unreadable.
    from hardware.ticket_font import SYSTEM_FONT_DIR, font_path

    assert font_path(False) == SYSTEM_FONT_DIR / "DejaVuSans.ttf"
    assert font_path(True) == SYSTEM_FONT_DIR / "DejaVuSans-Bold.ttf"


def test_expected_call_is_the_nearest_minute_in_the_tickets_zone():
    from hardware.ticket_layout import format_expected_call

    issued = datetime(2026, 12, 7, 8, 31, 10, tzinfo=WIB)
    assert format_expected_call(issued, 15 * 60 + 25) == "Perkiraan dipanggil ± 08:47 WIB"
    assert format_expected_call(issued, 0, "en") == "Expected call ± 08:31 WIB"
    wire = datetime.fromisoformat("2026-12-07T08:31:00.000+08:00")  # a bare offset: WITA
    assert format_expected_call(wire, 240) == "Perkiraan dipanggil ± 08:35 WITA"


def test_preview_zeros_are_plain_not_dotted():
    """A dotted zero reads as 8 on faded paper: the middle of the preview's 0 is blank."""
    from hardware.ticket_preview import _font

    for bold in (False, True):
        font = _font(bold, 200)
        left, top, right, bottom = font.getbbox("0")
        image = Image.new("L", (right + 20, bottom + 20), 255)
        ImageDraw.Draw(image).text((0, 0), "0", font=font, fill=0)
        cx, cy = (left + right) // 2, (top + bottom) // 2
        middle = image.crop((cx - 12, cy - 20, cx + 12, cy + 20))
        assert middle.getextrema()[0] > 200, "ink in the middle of the zero"
