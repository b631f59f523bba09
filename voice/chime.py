"""The generated "ding-dong" chime played before each call (pure PCM, no files needed).

Two bell-like tones, a major third apart (E5 then C5), with a soft attack and an
exponential decay, overlapping slightly so it sounds like a door chime rather than two
beeps. Output is the project's one audio format: 22050 Hz, mono, 16-bit signed PCM.
"""

from __future__ import annotations

import math
import sys
from array import array
from functools import cache

RATE = 22050

# (start s, frequency Hz, length s): "ding" high, "dong" lower and longer.
_NOTES = ((0.0, 659.25, 1.0), (0.55, 523.25, 1.4))
# Bell-ish timbre: fundamental plus a few quieter partials.
_PARTIALS = ((1.0, 1.0), (2.0, 0.35), (3.0, 0.12), (4.2, 0.05))
_PEAK = 0.5  # of full scale: loud enough on hall speakers without clipping the mix


@cache
def chime_pcm(rate: int = RATE) -> bytes:
    """The chime as little-endian 16-bit mono PCM frames at `rate`."""
    total = max(start + length for start, _, length in _NOTES)
    buf = [0.0] * int(total * rate)
    for start, freq, length in _NOTES:
        offset = int(start * rate)
        n = int(length * rate)
        attack = int(0.008 * rate)  # 8 ms attack avoids a click at the onset
        for i in range(n):
            t = i / rate
            env = math.exp(-4.0 * t / length) * min(1.0, i / attack)
            fade = min(1.0, (n - i) / (0.05 * rate))  # fade out the tail, no click at the end
            sample = sum(a * math.sin(2 * math.pi * freq * k * t) for k, a in _PARTIALS)
            buf[offset + i] += sample * env * fade
    peak = max(abs(v) for v in buf) or 1.0
    scale = _PEAK * 32767 / peak
    pcm = array("h", (int(v * scale) for v in buf))
    if sys.byteorder == "big":
        pcm.byteswap()  # WAV is little-endian
    return pcm.tobytes()


def chime_duration(rate: int = RATE) -> float:
    return len(chime_pcm(rate)) / 2 / rate
