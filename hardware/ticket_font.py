"""The ticket's typeface: DejaVu Sans, and the queue number drawn with it as a 1-bit image.

Owns where the font files are found and `render_number`, the one drawing of the big number
that both the printer (as an ESC/POS raster image) and the PNG preview use. DejaVu Sans is
the kiosk's and the boards' family (`FONT_FAMILY`), and its zero is a plain oval: a
printer's own font may dot or slash it, and a dotted zero reads as 8 on faded paper.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

# fonts-dejavu-core (deploy/system-packages.txt, for every app role): the files fontconfig
# gives the Qt apps for "DejaVu Sans".
SYSTEM_FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
REGULAR_FILE = "DejaVuSans.ttf"
BOLD_FILE = "DejaVuSans-Bold.ttf"

# Font A's capitals and digits fill about 70 % of its 24-dot cell: the number image aims
# for the ink height the printer's own font had at the same size multiplier.
FONT_A_INK_SHARE = 0.7
# The number is stretched upwards at most this much when the paper is too narrow for the
# aimed height (58 mm); more and the glyphs stop looking like the screen's.
MAX_VERTICAL_STRETCH = 1.5
_SIDE_MARGIN_DOTS = 8
_PAD_DOTS = 12  # white above and below the ink, as the text line's cell had


@cache
def font_path(bold: bool) -> Path | None:
    """The DejaVu Sans file (regular or bold), or None when neither copy exists."""
    name = BOLD_FILE if bold else REGULAR_FILE
    system = SYSTEM_FONT_DIR / name
    if system.is_file():
        return system
    # matplotlib (a dependency, for the reports' charts) ships the same DejaVu Sans files:
    # a kiosk without the Debian font package still prints plain zeros.
    try:
        import matplotlib
    except ImportError:
        return None
    bundled = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / name
    return bundled if bundled.is_file() else None


@cache
def ticket_font(bold: bool, px: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """DejaVu Sans at `px` pixels; Pillow's built-in font if no DejaVu file is found."""
    path = font_path(bold)
    if path is not None:
        try:
            return ImageFont.truetype(str(path), px)
        except OSError:
            pass  # an unreadable file: still produce a readable, if plainer, image
    return ImageFont.load_default(px)


def number_ink_height(multiplier: int, cell_height: int) -> int:
    """Dots of ink the printer's own font gives a line at `multiplier` x its cell."""
    return round(multiplier * cell_height * FONT_A_INK_SHARE)


def _ink_box(font: ImageFont.FreeTypeFont | ImageFont.ImageFont, text: str
             ) -> tuple[int, int, int, int]:
    left, top, right, bottom = font.getbbox(text)
    return int(left), int(top), max(int(left) + 1, int(right)), max(int(top) + 1, int(bottom))


def render_number(text: str, max_width: int, ink_height: int) -> Image.Image:
    """`text` in DejaVu Sans Bold, black on white, 1 bit per dot: at most `max_width` dots
    wide, its ink about `ink_height` dots tall (less when the paper is too narrow)."""
    text = text or " "
    usable = max(16, max_width - 2 * _SIDE_MARGIN_DOTS)
    reference = 100
    left, top, right, bottom = _ink_box(ticket_font(True, reference), text)
    px = int(min(reference * usable / (right - left), reference * ink_height / (bottom - top)))
    px = max(8, px)
    font = ticket_font(True, px)
    left, top, right, bottom = _ink_box(font, text)
    while right - left > usable and px > 8:  # hinting can widen a glyph by a dot or two
        px -= 1
        font = ticket_font(True, px)
        left, top, right, bottom = _ink_box(font, text)
    width, height = right - left, bottom - top
    glyphs = Image.new("L", (width, height), 255)
    ImageDraw.Draw(glyphs).text((-left, -top), text, font=font, fill=0)
    stretch = min(MAX_VERTICAL_STRETCH, max(1.0, ink_height / height))
    if stretch > 1.0:
        glyphs = glyphs.resize((width, round(height * stretch)), Image.Resampling.LANCZOS)
    # Threshold, not dither: python-escpos would otherwise dither the grey edges into speckle.
    ink = glyphs.point(lambda v: 255 if v >= 128 else 0, mode="1")
    number = Image.new("1", (min(width, max_width), ink.height + 2 * _PAD_DOTS), 1)
    number.paste(ink, (0, _PAD_DOTS))
    return number
