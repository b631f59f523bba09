"""Kiosk test fixtures: a pure flow over a loaded model, and the real kiosk against the
real server (`live_server`)."""

from __future__ import annotations

import copy

import pytest

from office_client.model import OfficeModel

LANES = [
    {"id": "reguler", "name": {"id": "Umum", "en": "General"}, "priority": False},
    {"id": "disabilitas", "name": {"id": "Disabilitas", "en": "Disability"}, "priority": True},
    {"id": "lansia", "name": {"id": "Lansia 60+", "en": "Elderly 60+"}, "priority": True},
    {"id": "ibu-anak", "name": {"id": "Ibu hamil", "en": "Pregnant"}, "priority": True},
]


def _service(sid, prefix, name_id, name_en, lanes, **extra):
    base = {"id": sid, "prefix": prefix, "name": {"id": name_id, "en": name_en},
            "lanes": lanes, "stages": ["s1"], "open": True, "closed_reason": None,
            "waiting": 0, "estimated_wait_s": 0, "quota": {}, "issued": {},
            "info": {"id": "Syarat: KTP. Biaya Rp350.000.", "en": "Needs: ID. Fee Rp350,000."}}
    base.update(extra)
    return base


SNAPSHOT = {
    "office": {"id": "kanim", "name": "Kantor Imigrasi Contoh", "timezone": "Asia/Jakarta",
               "languages": ["id", "en"], "day": "2026-11-23",
               "ticket_footer": [{"id": "Simpan tiket ini", "en": "Keep this ticket"}]},
    "lanes": LANES,
    "services": [
        _service("paspor-baru", "A", "Paspor Baru", "New Passport",
                 ["reguler", "disabilitas", "lansia", "ibu-anak"], waiting=12,
                 estimated_wait_s=1500, quota={"lansia": 2}, issued={"lansia": 2}),
        _service("percepatan", "D", "Paspor Percepatan", "Same-Day Passport", ["reguler"],
                 open=False, closed_reason="after_cutoff"),
        _service("informasi", "F", "Informasi", "Information", ["reguler"], info=None),
    ],
    "counters": [], "waiting": [], "recent_calls": [], "announcement": None, "alerts": [],
    "device_status": [],
}


@pytest.fixture
def model() -> OfficeModel:
    m = OfficeModel()
    m.load_welcome({"type": "welcome", "seq": 5, "snapshot": copy.deepcopy(SNAPSHOT)})
    return m


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


