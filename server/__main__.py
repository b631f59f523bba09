"""`python -m server` is an alias of the `antrean` command."""

from server.cli import run

run()
