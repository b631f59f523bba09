"""Test helper: a sample ticket for the hardware tests."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from hardware.ticket_layout import PrintableTicket

WIB = timezone(timedelta(hours=7))
WITA = timezone(timedelta(hours=8))
WIT = timezone(timedelta(hours=9))
URL = "https://antrean.kanim-jaksel.local/t/8f3a9c2e?n=A012"


def make_ticket(**changes) -> PrintableTicket:
    base = dict(
        office_name="Kantor Imigrasi Kelas I TPI Jakarta Selatan",
        number="A012",
        service_name="Paspor Baru",
        lane_id="A-prio",
        lane_name="Lansia",
        lane_priority=True,
        issued_at=datetime(2026, 11, 23, 8, 15, tzinfo=WIB),  # a Monday
        ahead=4,
        estimated_wait_s=700,
        status_url=URL,
        footer=["Layanan ini GRATIS.", "Simpan tiket ini."],
        lang="id",
    )
    base.update(changes)
    return PrintableTicket(**base)
