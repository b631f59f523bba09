"""Test helper: decode an ESC/POS byte stream into text lines, QR payloads and images.

A strict little interpreter for the commands our tickets use: an unknown command fails the
test instead of being skipped, so a layout change that emits something new is noticed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from escpos.capabilities import get_profile
from PIL import Image, ImageOps

ESC, GS, DLE, LF = 0x1B, 0x1D, 0x10, 0x0A
# ESC commands we emit -> number of parameter bytes
_ESC_ARGS = {
    ord("@"): 0, ord("2"): 0, ord("3"): 1, ord("a"): 1, ord("E"): 1, ord("G"): 1,
    ord("-"): 1, ord("!"): 1, ord("M"): 1, ord("t"): 1, ord("d"): 1, ord("J"): 1,
    ord("{"): 1, ord("V"): 1,
}


@dataclass
class Run:
    text: str
    size: int  # GS ! byte: high nibble width-1, low nibble height-1
    bold: bool
    align: int

    @property
    def width(self) -> int:
        return (self.size >> 4) + 1

    @property
    def height(self) -> int:
        return (self.size & 0x0F) + 1


@dataclass
class Raster:
    """One GS v 0 image: its dots (black ink on white, as Pillow "L") and the number of
    text lines printed before it."""

    image: Image.Image
    after_lines: int


@dataclass
class Decoded:
    runs: list[Run] = field(default_factory=list)
    qr_payloads: list[bytes] = field(default_factory=list)
    qr_printed: int = 0
    qr_module_size: int | None = None
    raster_images: list[tuple[int, int]] = field(default_factory=list)  # (width px, height)
    rasters: list[Raster] = field(default_factory=list)
    cuts: list[int] = field(default_factory=list)
    feeds: list[int] = field(default_factory=list)
    status_queries: list[int] = field(default_factory=list)

    @property
    def lines(self) -> list[str]:
        return [r.text for r in self.runs]

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    def run_containing(self, needle: str) -> Run:
        for run in self.runs:
            if needle in run.text:
                return run
        raise AssertionError(f"{needle!r} not printed; lines: {self.lines}")


def decode(data: bytes, profile: str = "default") -> Decoded:
    code_pages = get_profile(profile).codePages
    out = Decoded()
    encoding = "cp437"
    size, bold, align = 0, False, 0
    current = bytearray()
    pieces: list[str] = []

    def flush_text() -> None:
        if current:
            pieces.append(current.decode(encoding))
            current.clear()

    def end_line() -> None:
        flush_text()
        out.runs.append(Run("".join(pieces), size, bold, align))
        pieces.clear()

    i = 0
    while i < len(data):
        b = data[i]
        if b == LF:
            end_line()
            i += 1
        elif b == ESC:
            cmd = data[i + 1]
            if cmd not in _ESC_ARGS:
                raise AssertionError(f"unexpected ESC 0x{cmd:02x} at {i}")
            args = data[i + 2 : i + 2 + _ESC_ARGS[cmd]]
            if cmd == ord("t"):
                flush_text()
                encoding = code_pages[str(args[0])].lower().replace("_", "-")
            elif cmd == ord("E"):
                flush_text()
                bold = bool(args[0])
            elif cmd == ord("a"):
                align = args[0]
            elif cmd == ord("@"):
                size, bold, align = 0, False, 0
            elif cmd == ord("d"):
                out.feeds.append(args[0])
            i += 2 + _ESC_ARGS[cmd]
        elif b == GS:
            cmd = data[i + 1]
            if cmd == ord("!"):
                size = data[i + 2]
                i += 3
            elif cmd == ord("V"):
                mode = data[i + 2]
                out.cuts.append(mode)
                i += 4 if mode in (65, 66) else 3
            elif cmd == ord("v"):  # GS v 0 m xL xH yL yH d1..dk
                width_bytes = data[i + 4] | data[i + 5] << 8
                height = data[i + 6] | data[i + 7] << 8
                out.raster_images.append((width_bytes * 8, height))
                bits = bytes(data[i + 8 : i + 8 + width_bytes * height])
                # A set bit is a burnt dot; Pillow's "1" reads a set bit as white.
                dots = Image.frombytes("1", (width_bytes * 8, height), bits).convert("L")
                out.rasters.append(Raster(ImageOps.invert(dots), len(out.runs)))
                i += 8 + width_bytes * height
            elif cmd == ord("(") and data[i + 2] in (ord("k"), ord("L")):
                length = data[i + 3] | data[i + 4] << 8
                body = data[i + 5 : i + 5 + length]
                if data[i + 2] == ord("k") and body[0] == ord("1"):  # cn 49: QR code
                    fn = body[1]
                    if fn == 80:  # store data: cn fn m d1..dk
                        out.qr_payloads.append(bytes(body[3:]))
                    elif fn == 81:
                        out.qr_printed += 1
                    elif fn == 67:
                        out.qr_module_size = body[2]
                i += 5 + length
            else:
                raise AssertionError(f"unexpected GS 0x{cmd:02x} at {i}")
        elif b == DLE and data[i + 1] == 0x04:
            out.status_queries.append(data[i + 2])
            i += 3
        elif b < 0x20:
            raise AssertionError(f"unexpected control byte 0x{b:02x} at {i}")
        else:
            current.append(b)
            i += 1
    if current or pieces:
        end_line()
    return out
