"""Spoken announcements for the display board: words, phrasing, offline speech, playback.

Modules, from pure to I/O:
- `words`   numbers, letters, ticket numbers and counter names as spoken words (pure);
- `phrases` the call sentences and the ordered segments of one announcement (pure);
- `chime`   the generated "ding-dong" before each call (pure PCM);
- `synth`   segments to one WAV file via espeak-ng or the office's recorded clips;
- `player`  the announcement queue (pure) and the Qt player that plays WAVs in order;
- `cli`     `antrean announce` for technicians testing the speakers.
"""
