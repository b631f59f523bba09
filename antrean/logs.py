"""Log records as data: what a client sent can never forge a log line or drive a terminal.

Clients choose device names, officer ids, command ids, comments and HTTP paths, and any
of them may reach a log message — ours or a library's (websockets logs request lines and
headers when debugging). Rather than escape at every call site, the `antrean` command
line's handler formats each record with `ControlEscapingFormatter`: control characters
(newlines, carriage returns, ESC, C1 controls, Unicode line separators and bidi
overrides) in the record's line are written as escapes like `\\n` and `\\x1b`, so one
record is one line. A traceback keeps its line breaks, but each of its lines is indented
and escaped the same way: only a record's own first line starts at the margin.

`antrean server --log-format json` writes one JSON object a line instead (`JsonFormatter`):
`time` (UTC, ISO 8601), `level`, `logger`, `message`, and where the line is about one
event, its `event` name and `seq` (given as `extra={"event": ..., "seq": ...}`); a
traceback goes in `exception`. JSON escapes every control character itself (and, written
ASCII-only, the Unicode separators and bidi marks too), so one record is one line there too.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any, TextIO

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

# C0 controls (line breaks, ESC, ...), DEL and C1 controls (a terminal may take U+009B as
# ESC [), the Unicode line and paragraph separators, and the bidi marks and overrides
# that can make a line read differently from what it holds.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e"
                      "\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_CONTINUATION = "    "


def _escape_one(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def escape_controls(text: str) -> str:
    """`text` on one line, every control character written as a visible escape."""
    return _CONTROL.sub(_escape_one, text)


def _continuation_lines(text: str) -> str:
    return "\n".join(_CONTINUATION + escape_controls(line) for line in text.split("\n"))


class ControlEscapingFormatter(logging.Formatter):
    """A `logging.Formatter` whose every record starts exactly one line at the margin."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        return escape_controls(super().formatMessage(record))

    def formatException(self, ei: Any) -> str:
        return _continuation_lines(super().formatException(ei))

    def formatStack(self, stack_info: str) -> str:
        return _continuation_lines(super().formatStack(stack_info))


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message; event and seq where given."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(
                timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in ("event", "seq"):
            value = getattr(record, key, None)
            if value is not None:
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=True, default=str)


LOG_FORMATS = ("plain", "json")


def configure_logging(verbose: bool = False, stream: TextIO | None = None,
                      log_format: str = "plain") -> None:
    """The command line's logging: records to stderr, one line each (see above), plain
    text or JSON (`log_format`). Like `logging.basicConfig`, it leaves a root logger that
    already has handlers alone."""
    if log_format not in LOG_FORMATS:
        raise ValueError(f"log format {log_format!r}: one of {', '.join(LOG_FORMATS)}")
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json"
                         else ControlEscapingFormatter(LOG_FORMAT))
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO, handlers=[handler])
