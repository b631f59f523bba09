"""Small offices built in code for the simulation tests."""

from __future__ import annotations

from config.office import OfficeConfig, parse

ONE_COUNTER = """
[office]
id = "sim-test"
name = "Kantor Uji"
opening_time = "08:00"
closing_time = "16:00"

[[lanes]]
id = "reguler"
name = { id = "Umum", en = "General" }

[[lanes]]
id = "lansia"
name = { id = "Lansia", en = "Elderly" }
priority = true

[[services]]
id = "paspor"
prefix = "A"
name = { id = "Paspor", en = "Passport" }
lanes = ["reguler", "lansia"]
stages = ["berkas", "foto"]
target_wait_minutes = 10

[[counters]]
id = "loket-1"
name = "Loket 1"
services = ["paspor"]

[policy]
interleave_after = 0
regular_wait_cap_minutes = 600
"""


def one_counter_office() -> OfficeConfig:
    return parse(ONE_COUNTER, "one-counter")


def mmc_office(counters: int) -> OfficeConfig:
    """Open 00:00-23:00 with `counters` identical counters, for long steady runs."""
    text = ONE_COUNTER.replace('"08:00"', '"00:00"').replace('"16:00"', '"23:00"')
    text = text.replace('working_days', 'x')
    extra = "".join(f'\n[[counters]]\nid = "loket-{i}"\nname = "Loket {i}"\n'
                    f'services = ["paspor"]\n' for i in range(2, counters + 1))
    text = text.replace("[policy]", extra + "\n[policy]")
    return parse(text.replace("[office]", "[office]\nworking_days = [1,2,3,4,5,6,7]"),
                 "mmc")
