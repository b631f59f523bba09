"""`python -m antrean` runs the `antrean` command."""

from antrean.cli import run

run()
