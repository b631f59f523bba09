"""PNG previews of a ticket, drawn from the same layout the printer receives.

Owns the Pillow rendering of `ticket_layout.build_layout`: one dot of the thermal head is
one pixel, Font A cells are 12 x 24 dots and size multipliers stretch them the way the
printer does, so a preview at 100 % has the real ticket's proportions. The big number is
the very image the printer receives (`NumberImage.render`).
"""

from __future__ import annotations

from pathlib import Path

import qrcode
from PIL import Image, ImageDraw, ImageFont

from hardware.ticket_font import ticket_font
from hardware.ticket_layout import (
    FONT_A_DOTS,
    Feed,
    Line,
    NumberImage,
    PrintableTicket,
    PrinterProfile,
    QrCode,
    Rule,
    build_layout,
)

# The text lines are drawn in DejaVu Sans (ticket_font), regular and bold, each glyph
# centred in its Font A cell, so the proportions stay the printer's.
_MARGIN = 24  # white paper above the first line, like the printer's top margin
_CUT_FEED_LINES = 4


def _font(bold: bool, px: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ticket_font(bold, px)


def _render_line(line: Line, cell_w: int, cell_h: int) -> Image.Image:
    # Draw at the height multiplier's scale, then stretch to the width multiplier, as the
    # printer scales its bitmap glyphs independently in x and y.
    scale = line.height
    font = _font(line.bold, int(cell_h * 0.8 * scale))
    glyph_w = max(1, round(font.getlength("M"))) if hasattr(font, "getlength") else cell_w
    text = line.text or " "
    base = Image.new("L", (glyph_w * len(text), cell_h * scale), 255)
    draw = ImageDraw.Draw(base)
    for i, ch in enumerate(text):
        draw.text((i * glyph_w + glyph_w // 2, cell_h * scale // 2), ch, font=font, fill=0,
                  anchor="mm")
    return base.resize((cell_w * line.width * len(text), cell_h * line.height), Image.LANCZOS)


def _render_qr(element: QrCode) -> Image.Image:
    code = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=element.module_dots, border=1
    )
    code.add_data(element.payload)
    code.make(fit=True)
    return code.make_image().get_image().convert("L")


def render_ticket(ticket: PrintableTicket, profile: PrinterProfile) -> Image.Image:
    """The ticket as a grayscale image `profile.width_px` dots wide."""
    cell_w, cell_h = FONT_A_DOTS
    width = profile.width_px
    blocks: list[tuple[Image.Image | None, str, int]] = []  # (image, align, height)
    for element in build_layout(ticket, profile):
        if isinstance(element, Line):
            blocks.append((_render_line(element, cell_w, cell_h), element.align, 0))
        elif isinstance(element, Rule):
            rule = Line("-" * profile.columns, align="left")
            blocks.append((_render_line(rule, cell_w, cell_h), "left", 0))
        elif isinstance(element, Feed):
            blocks.append((None, "left", cell_h * element.lines))
        elif isinstance(element, QrCode):
            blocks.append((_render_qr(element), "center", 0))
        elif isinstance(element, NumberImage):
            blocks.append((element.render().convert("L"), "center", 0))
    total = _MARGIN + sum(img.height if img else gap for img, _, gap in blocks)
    total += cell_h * _CUT_FEED_LINES
    paper = Image.new("L", (width, total), 255)
    y = _MARGIN
    for img, align, gap in blocks:
        if img is None:
            y += gap
            continue
        if img.width > width:  # never happens with build_layout's wrapping; stay safe
            img = img.resize((width, img.height))
        x = {"left": 0, "center": (width - img.width) // 2, "right": width - img.width}[align]
        paper.paste(img, (x, y))
        y += img.height
    draw = ImageDraw.Draw(paper)
    marker = "cut" if profile.cutter else "tear"
    for x in range(0, width, 16):  # dashed line where the paper is cut or torn off
        draw.line((x, total - 2, x + 8, total - 2), fill=160)
    draw.text((width - 4, total - 6), marker, font=_font(False, 12), fill=160, anchor="rb")
    return paper


def save_preview_png(ticket: PrintableTicket, profile: PrinterProfile, path: str | Path) -> Path:
    """Write the preview PNG; returns the path."""
    target = Path(path)
    render_ticket(ticket, profile).save(target, format="PNG")
    return target
