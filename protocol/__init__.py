"""The Antrean wire protocol: message shapes shared by the server and every client (all
of `protocol.messages`)."""

from protocol.messages import *  # noqa: F403
