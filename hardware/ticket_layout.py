"""What a paper queue ticket says and how it is laid out on a given paper profile.

Owns the `PrintableTicket` data (plain values the kiosk fills in), the printer-profile
facts the layout depends on (`PrinterProfile`), Indonesian/English date and wait
formatting, the device-independent layout (`build_layout`) and the ESC/POS writer
(`write_ticket`). The PNG preview (hardware/ticket_preview.py) draws the same layout, so
preview and paper cannot drift apart. The big number is, by default, an image drawn in the
kiosk's DejaVu Sans (hardware/ticket_font.py): the printer's own font may dot its zeros.
"""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

import qrcode
from escpos.capabilities import CAPABILITIES, get_profile
from escpos.constants import QR_ECLEVEL_M
from escpos.escpos import Escpos
from PIL import Image

from hardware.ticket_font import number_ink_height, render_number
from i18n import t
from i18n.formats import format_clock, format_date

Lang = Literal["id", "en"]
Align = Literal["left", "center", "right"]

# ESC/POS Font A is 12 x 24 dots on every profile we support; custom sizes multiply it.
FONT_A_DOTS = (12, 24)
MAX_TEXT_MULTIPLIER = 8  # GS ! allows 1..8 in each direction

# Indonesia's three time zones; the abbreviations are the legal names in both languages.
_ZONES = {timedelta(hours=7): "WIB", timedelta(hours=8): "WITA", timedelta(hours=9): "WIT"}


@dataclass(frozen=True)
class PrintableTicket:
    """Everything printed on one ticket, already translated and in office local time."""

    office_name: str
    number: str
    service_name: str
    lane_id: str
    lane_name: str
    lane_priority: bool
    issued_at: datetime
    ahead: int
    estimated_wait_s: int | None
    status_url: str
    footer: list[str] = field(default_factory=list)
    lang: Lang = "id"
    stage_name: str | None = None
    # Issued from the kiosk's lease while the server was unreachable: marked as such, and
    # no place in line (the kiosk could not know it).
    offline: bool = False
    # Printed again at a supervisor's request (`take_reprint`): marked, and no place in
    # line (it moved on since the ticket was issued; the QR code shows it live).
    reprint: bool = False

    def __post_init__(self) -> None:
        # A naive time would print a wrong or missing WIB/WITA/WIT: refuse it early.
        if self.issued_at.tzinfo is None or self.issued_at.utcoffset() is None:
            raise ValueError("PrintableTicket.issued_at must be timezone-aware")
        if self.lang not in ("id", "en"):
            raise ValueError(f"unsupported ticket language {self.lang!r}")


@dataclass(frozen=True)
class PrinterProfile:
    """The facts about a printer model that the ticket layout needs (from python-escpos)."""

    name: str
    columns: int  # Font A characters per line
    width_px: int  # printable dots per line
    native_qr: bool  # understands GS ( k QR commands
    cutter: bool  # has an auto-cutter (full or partial)
    width_known: bool = True  # False when the profile gives no pixel width
    # The number as a raster image in DejaVu Sans (plain zeros); False: the printer's own
    # font, for a printer that cannot print raster images (`--printer-number text`).
    number_as_image: bool = True

    @classmethod
    def from_escpos(cls, name: str | None = None, *, number_as_image: bool = True
                    ) -> PrinterProfile:
        """Look `name` up in python-escpos' capabilities database; ValueError if unknown.

        The number is an image only where the paper's width in dots is known: an image
        sized by a guess could be wider than the paper."""
        key = name or "default"
        if key not in CAPABILITIES["profiles"]:
            known = ", ".join(sorted(CAPABILITIES["profiles"]))
            raise ValueError(f"unknown printer profile {key!r}; known profiles: {known}")
        prof = get_profile(key)
        columns = int(prof.get_columns(0))
        raw_px = prof.profile_data.get("media", {}).get("width", {}).get("pixels")
        width_known = isinstance(raw_px, int)
        width_px = raw_px if isinstance(raw_px, int) else columns * FONT_A_DOTS[0]
        return cls(
            name=key,
            columns=columns,
            width_px=width_px,
            native_qr=bool(prof.supports("qrCode")),
            cutter=bool(prof.supports("paperFullCut") or prof.supports("paperPartCut")),
            width_known=width_known,
            number_as_image=number_as_image and width_known,
        )


# Layout elements: a tiny device-independent description shared by paper and preview.
@dataclass(frozen=True)
class Line:
    text: str
    width: int = 1  # character width multiplier (1..8)
    height: int = 1  # character height multiplier (1..8)
    bold: bool = False
    align: Align = "center"


@dataclass(frozen=True)
class Rule:
    """A full-width line of dashes."""


@dataclass(frozen=True)
class Feed:
    lines: int = 1


@dataclass(frozen=True)
class QrCode:
    payload: str
    module_dots: int  # dots per QR module
    native: bool  # GS ( k on the printer, else a raster image


@dataclass(frozen=True)
class NumberImage:
    """The queue number drawn by `ticket_font.render_number`, printed as a raster image."""

    text: str
    max_width: int  # dots: the paper's printable width
    ink_height: int  # dots the glyphs aim for

    def render(self) -> Image.Image:
        return render_number(self.text, self.max_width, self.ink_height)


Element = Line | Rule | Feed | QrCode | NumberImage


def zone_abbreviation(moment: datetime) -> str:
    """WIB/WITA/WIT for UTC+7/+8/+9, otherwise "UTC+hh:mm"."""
    offset = moment.utcoffset()
    if offset is None:
        raise ValueError("datetime must be timezone-aware")
    if offset in _ZONES:
        return _ZONES[offset]
    sign = "-" if offset < timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def _issued_parts(moment: datetime, lang: str) -> tuple[str, str]:
    # The shared formatter (i18n/formats.py), in the ticket's own zone: the kiosk's screen,
    # the boards and the paper say the same "Senin, 7 Desember 2026" and "08:31 WIB".
    zone = moment.tzinfo
    return format_date(moment, zone, lang), format_clock(moment, zone)


def expected_call_time(issued_at: datetime, wait_s: float) -> datetime:
    """When the ticket is likely called: issued + the estimated wait, to the nearest minute
    (a moment stays true as the applicant waits; "± 12 menit" goes stale at once)."""
    moment = issued_at + timedelta(seconds=max(0.0, wait_s) + 30)
    return moment.replace(second=0, microsecond=0)


def format_expected_call(issued_at: datetime, wait_s: float, lang: str = "id") -> str:
    """"Perkiraan dipanggil ± 08:05 WIB" / "Expected call ± 08:05 WIB"."""
    moment = expected_call_time(issued_at, wait_s)
    return t("ticket.expected_call", lang, time=format_clock(moment, issued_at.tzinfo))


def format_issued_at(moment: datetime, lang: str = "id") -> str:
    """'Senin, 23 November 2026 08:15 WIB' (or the English day/month names)."""
    return " ".join(_issued_parts(moment, lang))


def format_wait(seconds: int, lang: str = "id") -> str:
    """A rounded-up, human wait: '12 menit', '1 jam 5 menit', '2 jam'."""
    minutes = max(1, math.ceil(seconds / 60))
    if minutes < 60:
        return t("ticket.minutes", lang, n=minutes)
    hours, rest = divmod(minutes, 60)
    if rest == 0:
        return t("ticket.hours", lang, h=hours)
    return t("ticket.hours_minutes", lang, h=hours, m=rest)


def format_ahead(ahead: int, lang: str = "id") -> str:
    if ahead <= 0:
        return t("ticket.you_are_next", lang)
    if ahead == 1:
        return t("ticket.ahead_one", lang)
    return t("ticket.ahead", lang, n=ahead)


def number_multiplier(number: str, profile: PrinterProfile) -> int:
    """The largest GS ! multiplier at which `number` still fits on one line."""
    chars = max(1, len(number))
    return max(1, min(MAX_TEXT_MULTIPLIER, profile.width_px // (chars * FONT_A_DOTS[0])))


def qr_module_dots(payload: str, profile: PrinterProfile) -> int:
    """Dots per QR module so the code spans about half the paper (easy phone scanning)."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=1)
    code.add_data(payload)
    code.make(fit=True)
    modules = code.modules_count + 2
    return max(2, min(8, (profile.width_px // 2) // modules))


def _wrapped(text: str, width: int, height: int, columns: int, bold: bool) -> list[Line]:
    per_line = max(1, columns // width)
    parts = textwrap.wrap(text, per_line) or [""]
    return [Line(part, width=width, height=height, bold=bold) for part in parts]


def _fitting(text: str, columns: int, bold: bool = True) -> list[Line]:
    # Double size when it fits on one line, else double height only (still prominent).
    if len(text) <= columns // 2:
        return [Line(text, width=2, height=2, bold=bold)]
    return _wrapped(text, 1, 2, columns, bold)


def build_layout(ticket: PrintableTicket, profile: PrinterProfile) -> list[Element]:
    """The ticket as a list of lines, rules, feeds and the QR code, top to bottom."""
    lang = ticket.lang
    cols = profile.columns
    out: list[Element] = []
    out += _wrapped(ticket.office_name, 1, 2, cols, bold=True)
    out.append(Rule())
    out.append(Line(t("ticket.queue_number", lang), bold=True))
    size = number_multiplier(ticket.number, profile)
    if profile.number_as_image:
        out.append(NumberImage(ticket.number, profile.width_px,
                               number_ink_height(size, FONT_A_DOTS[1])))
    else:
        out.append(Line(ticket.number, width=size, height=size, bold=True))
    if ticket.offline:
        out.append(Line(f"** {t('ticket.offline_mark', lang)} **", width=2, height=2,
                        bold=True)
                   if len(t("ticket.offline_mark", lang)) + 6 <= cols // 2
                   else Line(t("ticket.offline_mark", lang), height=2, bold=True))
    if ticket.reprint:
        out += _fitting(t("ticket.reprint_mark", lang), cols)
    out += _fitting(ticket.service_name, cols)
    if ticket.lane_priority:
        out += _fitting(f"{t('ticket.priority', lang)} — {ticket.lane_name.upper()}", cols)
    if ticket.stage_name:
        out += _wrapped(t("ticket.stage", lang, name=ticket.stage_name), 1, 1, cols, False)
    out.append(Rule())
    issued = format_issued_at(ticket.issued_at, lang)
    if len(issued) <= cols:
        out.append(Line(issued))
    else:  # 58 mm: break between date and time rather than inside them
        out += [Line(part) for part in _issued_parts(ticket.issued_at, lang)]
    ahead = format_ahead(ticket.ahead, lang)
    if ticket.offline:
        out += _wrapped(t("ticket.offline_note", lang), 1, 1, cols, False)
    elif ticket.reprint:
        out += _wrapped(t("ticket.reprint_note", lang), 1, 1, cols, False)
    elif ticket.estimated_wait_s is None:
        out += _wrapped(ahead, 1, 1, cols, False)
    else:
        wait = format_expected_call(ticket.issued_at, ticket.estimated_wait_s, lang)
        joined = f"{ahead} · {wait}"
        if len(joined) <= cols:
            out.append(Line(joined))
        else:
            out += _wrapped(ahead, 1, 1, cols, False)
            out += _wrapped(wait, 1, 1, cols, False)
    if ticket.status_url:
        out.append(Feed())
        out += _wrapped(t("ticket.scan_to_follow", lang), 1, 1, cols, False)
        out.append(
            QrCode(ticket.status_url, qr_module_dots(ticket.status_url, profile), profile.native_qr)
        )
    for footer in ticket.footer:
        out += _wrapped(footer, 1, 1, cols, False)
    return out


def write_ticket(printer: Escpos, ticket: PrintableTicket, profile: PrinterProfile) -> None:
    """Send the ticket to a python-escpos printer object (usually a Dummy buffer)."""
    printer.hw("INIT")  # ESC @: forget styles a previous (maybe aborted) job left behind
    for element in build_layout(ticket, profile):
        if isinstance(element, Line):
            # Always GS ! (custom size): ESC ! 0 alone does not reset GS ! on all models.
            printer.set(
                align=element.align,
                bold=element.bold,
                custom_size=True,
                width=element.width,
                height=element.height,
            )
            printer.textln(element.text)
        elif isinstance(element, Rule):
            printer.set(align="left", bold=False, custom_size=True, width=1, height=1)
            printer.textln("-" * profile.columns)
        elif isinstance(element, Feed):
            printer.ln(element.lines)
        elif isinstance(element, NumberImage):
            # GS v 0, which every supported profile has (`bitImageRaster`); centred by
            # padding the image to the paper's width (only built when the width is known).
            printer.image(element.render(), impl="bitImageRaster", center=True)
        elif isinstance(element, QrCode):
            printer.set(align="center", bold=False, custom_size=True, width=1, height=1)
            if element.native:
                printer.qr(element.payload, ec=QR_ECLEVEL_M, size=element.module_dots, native=True)
            else:
                # Cheap printers ignore GS ( k silently: send the code as a raster image.
                # center needs a known pixel width, else escpos prints a warning to stdout.
                printer.qr(
                    element.payload,
                    ec=QR_ECLEVEL_M,
                    size=element.module_dots,
                    native=False,
                    center=profile.width_known,
                )
    printer.set(align="left", bold=False, custom_size=True, width=1, height=1)
    if profile.cutter:
        printer.cut(mode="PART")  # feeds past the cutter itself first
    else:
        printer.print_and_feed(5)  # move the QR past the tear bar
