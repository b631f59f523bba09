"""The Antrean wire protocol: message shapes shared by the server and every client."""

from protocol.messages import *  # noqa: F403
from protocol.messages import (  # noqa: F401
    COMMANDS,
    EVENT_NAMES,
    PROTOCOL_VERSION,
    ErrorCode,
    Event,
    ProtocolError,
    Role,
    encode,
    parse,
    public_event,
    public_snapshot,
)
