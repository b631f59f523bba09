"""The kiosk's offline side without a screen: the journal (real SQLite files), the leases,
the clock offset, offline issuing in the flow and the sync of the journal."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hardware.ticket_layout import Line, PrinterProfile, QrCode, build_layout
from kiosk.flow import KioskFlow, PrintTicket, SendCommand, printable_ticket
from kiosk.journal import Journal, OfflineTicket, journal_path
from kiosk.offline import SYNC_BATCH, OfflineIssuer

DAY = "2026-11-23"


class WallClock:
    """The kiosk's own (wrong) wall clock: two hours behind the server."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)  # server: 03:00Z = 10:00 WIB

    def __call__(self) -> datetime:
        return self.now


def welcome(server_time: str = "2026-11-23T10:00:00.000+07:00") -> dict:
    return {"type": "welcome", "seq": 5, "server_time": server_time}


def ticket_row(number: str, *, service: str = "paspor-baru", lane: str = "reguler",
               tid: str | None = None, day: str = DAY) -> OfflineTicket:
    return OfflineTicket(id=tid or f"k_k1_{number}", number=number, service=service,
                         lane=lane, lang="id", issued_at=f"{day}T10:00:00.000+07:00",
                         token="tok", day=day)


@pytest.fixture
def journal(tmp_path):
    j = Journal(tmp_path / "kiosk-1.journal.sqlite")
    yield j
    j.close()


@pytest.fixture
def wall():
    return WallClock()


@pytest.fixture
def issuer(journal, wall):
    return OfflineIssuer(journal, "kiosk-1", status_base="http://10.0.0.2:8765", wall=wall)


@pytest.fixture
def oflow(model, clock, issuer):
    f = KioskFlow(model, clock=clock, offline=issuer)
    f.set_connection("online")
    return f


def sends(actions, name=None):
    return [a for a in actions if isinstance(a, SendCommand) and name in (None, a.name)]


def answer_leases(flow, actions, numbers_for):
    """Answer every lease_numbers among `actions` (numbers_for(service, lane, count))."""
    out = []
    for cmd in sends(actions, "lease_numbers"):
        a = cmd.args
        numbers = numbers_for(a["service"], a["lane"], a["count"])
        out += flow.on_result(cmd.cmd_id, {"ok": True, "data": {
            "service": a["service"], "lane": a["lane"], "day": DAY, "numbers": numbers}})
    return out


def go_offline(flow, clock):
    flow.set_connection("offline")
    clock.advance(flow.offline_after_s)


# ---------------------------------------------------------------------- journal
def test_journal_is_wal_with_full_sync_beside_the_credentials(journal, tmp_path):
    assert journal_path(tmp_path / "kiosk-1.json") == tmp_path / "kiosk-1.journal.sqlite"
    assert journal.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert journal.db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL


def test_a_number_is_used_once_and_only_if_leased(journal, tmp_path):
    assert journal.add_lease(DAY, "paspor-baru", "reguler", ["A901", "A902"]) == 2
    assert journal.add_lease(DAY, "paspor-baru", "reguler", ["A902"]) == 0  # known already
    assert journal.next_number(DAY, "paspor-baru", "reguler") == "A901"
    journal.record(ticket_row("A901"))
    with pytest.raises(ValueError):
        journal.record(ticket_row("A901", tid="k_k1_other"))  # used already
    with pytest.raises(ValueError):
        journal.record(ticket_row("A777"))  # never leased
    with pytest.raises(ValueError):
        journal.record(ticket_row("A902", lane="lansia"))  # leased for another lane
    with pytest.raises(sqlite3.IntegrityError):
        journal.add_lease(DAY, "paspor-baru", "reguler", ["A903"])
        journal.record(ticket_row("A903", tid="k_k1_A901"))  # an id is unique
    # Nothing of the refused records was written; the file keeps it all after a restart.
    journal.close()
    again = Journal(tmp_path / "kiosk-1.journal.sqlite")
    assert [t.number for t in again.unsynced()] == ["A901"]
    assert again.next_number(DAY, "paspor-baru", "reguler") == "A902"
    assert again.unused(DAY, "paspor-baru", "reguler") == 2  # A902, A903
    assert again.drop_other_days("2026-11-24") == 3
    assert again.next_number(DAY, "paspor-baru", "reguler") is None
    again.close()


def test_mark_synced_keeps_a_refused_entry_with_its_error(journal):
    journal.add_lease(DAY, "s", "l", ["A1", "A2"])
    journal.record(ticket_row("A1", service="s", lane="l"))
    journal.record(ticket_row("A2", service="s", lane="l"))
    journal.mark_synced("k_k1_A2", error={"code": "invalid_state", "message": "x"})
    assert [t.id for t in journal.unsynced()] == ["k_k1_A1"]
    rows = {r["id"]: r for r in journal.tickets()}
    assert rows["k_k1_A2"]["synced"] == 1 and "invalid_state" in rows["k_k1_A2"]["error"]


# ---------------------------------------------------------------------- clock and leases
def test_clock_offset_from_welcome_and_ping_corrects_issued_at(issuer, journal, wall):
    issuer.server_time("2026-11-23T10:00:00.000+07:00")  # the kiosk's clock says 08:00 WIB
    assert issuer.now().isoformat() == "2026-11-23T10:00:00+07:00"
    wall.now += timedelta(minutes=5)
    assert issuer.now().strftime("%H:%M %z") == "10:05 +0700"
    # A ping: half the round trip is taken off.
    sent = wall.now
    wall.now += timedelta(seconds=2)
    issuer.server_time("2026-11-23T10:05:01.000+07:00", sent)
    assert issuer.now() == datetime.fromisoformat("2026-11-23T10:05:02+07:00")
    # A restart (offline) keeps the offset.
    again = OfflineIssuer(journal, "kiosk-1", wall=wall)
    assert again.now() == issuer.now()


def test_leases_are_asked_for_open_services_and_capped_by_the_server(oflow, journal):
    actions = oflow.welcomed(welcome())
    asked = {(c.args["service"], c.args["lane"]) for c in sends(actions, "lease_numbers")}
    # every lane of the open services; the closed one ("percepatan") leases nothing
    assert asked == {("paspor-baru", lane) for lane in
                     ("reguler", "disabilitas", "lansia", "ibu-anak")} | {("informasi",
                                                                           "reguler")}
    counter = iter(range(900, 1000))
    more = answer_leases(oflow, actions,
                         lambda s, lane, n: [f"{s[0].upper()}{next(counter)}" for _ in range(3)])
    assert sends(more, "lease_numbers") == []  # the server gave 3 of 20: that is its share
    assert journal.unused(DAY, "paspor-baru", "reguler") == 3
    assert sends(oflow.keepalive(), "lease_numbers") == []  # full: nothing to ask
    # A refusal (over quota) is not asked again in this session.
    journal.db.execute("DELETE FROM leases WHERE lane = 'lansia'")
    (lansia,) = [c for c in sends(oflow.keepalive(), "lease_numbers")
                 if c.args["lane"] == "lansia"]
    assert lansia.args["count"] == 3
    oflow.on_result(lansia.cmd_id, {"ok": False, "error": {"code": "quota_reached"}})
    assert [c for c in sends(oflow.keepalive(), "lease_numbers")] == []


def test_leases_of_another_day_are_dropped_at_welcome(oflow, journal):
    journal.add_lease("2026-11-22", "paspor-baru", "reguler", ["A950"])
    oflow.welcomed(welcome())
    assert journal.db.execute("SELECT COUNT(*) FROM leases").fetchone()[0] == 0


# ---------------------------------------------------------------------- offline issuing
def leased(flow, numbers=("A901", "A902"), lane="reguler", service="paspor-baru"):
    flow.offline.journal.add_lease(DAY, service, lane, list(numbers))


def test_offline_issue_commits_the_journal_before_printing(oflow, clock, journal):
    oflow.welcomed(welcome())
    leased(oflow)
    oflow.set_connection("offline")
    # The first seconds: a calm notice, nothing issued yet (a server restart is quick).
    assert oflow.banner().kind == "notice" and not oflow.issuing_offline
    assert oflow.choose_service("paspor-baru") == [] and oflow.screen == "home"
    clock.advance(oflow.offline_after_s)
    banner = oflow.banner()
    assert (banner.kind, banner.text) == ("notice", "Layanan tetap berjalan")
    views = {v.id: v for v in oflow.services()}
    assert views["paspor-baru"].enabled and views["paspor-baru"].detail == \
        "Nomor tetap dapat diambil"
    assert not views["informasi"].enabled
    assert views["informasi"].detail == "Silakan hubungi petugas"
    oflow.choose_service("paspor-baru")
    lanes = {lane.id: lane for lane in oflow.lanes_for("paspor-baru")}
    assert lanes["reguler"].enabled and not lanes["lansia"].enabled
    assert lanes["lansia"].subtitle == "Silakan hubungi petugas"
    actions = oflow.choose_lane("reguler")
    (job,) = [a for a in actions if isinstance(a, PrintTicket)]
    # The row is in the journal file (another connection sees it) as the print is asked.
    other = sqlite3.connect(journal.path)
    (row,) = other.execute("SELECT id, number, token, issued_at FROM offline_tickets")
    other.close()
    assert row[0] == job.ticket_id and row[0].startswith("k_kiosk-1_") and row[1] == "A901"
    assert job.ticket.offline and job.ticket.number == "A901"
    assert job.ticket.status_url == f"http://10.0.0.2:8765/t/{row[2]}" and len(row[2]) >= 20
    assert row[3] == "2026-11-23T10:00:00.000+07:00"  # server time, not the kiosk's 08:00
    assert oflow.screen == "ticket" and oflow.ticket().offline
    assert oflow.ticket().ahead_text == "Nomor Anda tetap berlaku"
    oflow.done()
    oflow.choose_service("paspor-baru")
    oflow.choose_lane("reguler")  # A902, the last one
    oflow.done()
    assert not oflow.service_enabled("paspor-baru")
    assert {v.id: v for v in oflow.services()}["paspor-baru"].detail == \
        "Silakan hubungi petugas"


def test_the_offline_ticket_is_printed_marked_with_its_qr(oflow, clock):
    oflow.welcomed(welcome())
    leased(oflow)
    go_offline(oflow, clock)
    oflow.toggle_language()
    oflow.choose_service("paspor-baru")
    (job,) = [a for a in oflow.choose_lane("reguler") if isinstance(a, PrintTicket)]
    layout = build_layout(job.ticket, PrinterProfile.from_escpos("TM-T88V"))
    texts = [e.text for e in layout if isinstance(e, Line)]
    assert "** OFFLINE **" in texts
    assert "Printed while the office network was down" in " ".join(texts)
    assert not any("ahead" in t.lower() for t in texts)  # its place in line is unknown
    assert [e.payload for e in layout if isinstance(e, QrCode)] == [job.ticket.status_url]


def test_without_a_journal_nothing_is_issued_offline(model, clock):
    flow = KioskFlow(model, clock=clock)
    flow.set_connection("online")
    go_offline(flow, clock)
    assert not flow.issuing_offline and flow.banner().kind == "offline"
    assert flow.choose_service("paspor-baru") == []


def test_an_unconfirmed_issue_is_issued_from_the_lease(oflow, clock, journal):
    oflow.welcomed(welcome())
    leased(oflow, lane="reguler", service="informasi", numbers=("F901",))
    (cmd,) = sends(oflow.choose_service("informasi"), "issue_ticket")
    actions = oflow.on_result(cmd.cmd_id, {"ok": False, "error": {"code": "not_confirmed"}})
    (job,) = [a for a in actions if isinstance(a, PrintTicket)]
    assert job.ticket.number == "F901" and job.ticket.offline and oflow.pending is None
    assert not oflow.online  # until the server is heard from again
    oflow.server_heard()
    assert oflow.online


# ---------------------------------------------------------------------- sync
def issue_offline(flow, clock, n, service="paspor-baru", lane="reguler", prefix="A"):
    leased(flow, numbers=[f"{prefix}{900 + i}" for i in range(n)], lane=lane,
           service=service)
    for _ in range(n):
        flow.screen = "home"
        flow.choose_service(service)
        assert flow.choose_lane(lane), "issued"


def test_sync_in_batches_each_entry_cleared_only_once_acknowledged(oflow, clock, journal):
    oflow.welcomed(welcome())
    go_offline(oflow, clock)
    issue_offline(oflow, clock, SYNC_BATCH + 5)
    oflow.set_connection("online")
    actions = oflow.welcomed(welcome())
    (sync,) = sends(actions, "sync_offline")
    batch = sync.args["tickets"]
    assert len(batch) == SYNC_BATCH and set(batch[0]) == {
        "id", "number", "service", "lane", "lang", "issued_at", "token"}
    assert [t["number"] for t in batch[:3]] == ["A900", "A901", "A902"]  # issue order
    # Entry 0 ok, entry 1 refused for good, entry 2 failed for now, the rest ok.
    entries = [{"id": t["id"], "ok": True, "ticket": {"id": f"t_{t['number']}"}}
               for t in batch]
    entries[1] = {"id": batch[1]["id"], "ok": False,
                  "error": {"code": "invalid_state", "message": "not leased"}}
    entries[2] = {"id": batch[2]["id"], "ok": False, "error": {"code": "internal"}}
    more = oflow.on_result(sync.cmd_id, {"ok": True, "data": {"tickets": entries}})
    (nxt,) = sends(more, "sync_offline")  # the next batch: the 5 left and the failed one
    assert [t["number"] for t in nxt.args["tickets"]] == ["A902"] + [
        f"A{900 + i}" for i in range(SYNC_BATCH, SYNC_BATCH + 5)]
    rows = {r["number"]: r for r in journal.tickets()}
    assert rows["A900"]["synced"] == 1 and rows["A900"]["server_id"] == "t_A900"
    assert rows["A901"]["synced"] == 1 and "invalid_state" in rows["A901"]["error"]
    assert rows["A902"]["synced"] == 0
    # The whole command lost (not confirmed): nothing cleared, sent again later.
    assert oflow.on_result(nxt.cmd_id, {"ok": False, "error": {"code": "not_confirmed"}}) \
        == []
    oflow.server_heard()
    (again,) = sends(oflow.keepalive(), "sync_offline")
    assert again.args == nxt.args
    oflow.on_result(again.cmd_id, {"ok": True, "data": [
        {"id": t["id"], "ok": True, "ticket": {}} for t in again.args["tickets"]]})
    assert journal.unsynced() == []
    assert sends(oflow.keepalive(), "sync_offline") == []


# ---------------------------------------------------------------------- property
ops = st.lists(st.one_of(
    st.tuples(st.just("lease"), st.integers(1, 3)),
    st.tuples(st.just("issue"), st.sampled_from(["reguler", "disabilitas"])),
    st.tuples(st.just("sync"), st.lists(st.sampled_from(["ok", "lost", "refused", "late"]),
                                        max_size=4)),
    st.just(("reconnect",)),
), max_size=30)


@settings(max_examples=60, deadline=None)
@given(ops)
def test_no_number_twice_and_no_acknowledged_ticket_lost(tmp_path_factory, ops):
    from office_client.model import OfficeModel
    from tests.kiosk.conftest import SNAPSHOT, FakeClock

    path = tmp_path_factory.mktemp("j") / "k.journal.sqlite"
    model = OfficeModel()
    model.load_welcome({"type": "welcome", "seq": 1, "snapshot": SNAPSHOT})
    clock, wall = FakeClock(), WallClock()
    journal = Journal(path)
    flow = KioskFlow(model, clock=clock, offline=OfflineIssuer(journal, "k", wall=wall))
    flow.set_connection("online")
    flow.welcomed(welcome())
    next_number = iter(range(100, 1000))
    printed: list[str] = []  # numbers on paper
    acknowledged: set[str] = set()
    for op in ops:
        if op[0] == "lease":
            for lane in ("reguler", "disabilitas"):
                journal.add_lease(DAY, "paspor-baru", lane,
                                  [f"A{next(next_number)}" for _ in range(op[1])])
        elif op[0] == "issue":
            if flow.online:
                go_offline(flow, clock)
            flow.screen, flow.pending = "home", None
            flow.choose_service("paspor-baru")
            for a in flow.choose_lane(op[1]):
                if isinstance(a, PrintTicket):
                    printed.append(a.ticket.number)
        elif op[0] == "reconnect":
            flow.set_connection("online")
            for cmd in sends(flow.welcomed(welcome()), "sync_offline"):  # lost on the way
                flow.on_result(cmd.cmd_id, {"ok": False, "error": {"code": "not_confirmed"}})
            flow.server_heard()
        elif op[0] == "sync" and flow.online:
            queue = sends(flow.keepalive(), "sync_offline")
            while queue:
                cmd = queue.pop(0)
                entries = []
                for i, t in enumerate(cmd.args["tickets"]):
                    fate = op[1][i] if i < len(op[1]) else "ok"
                    if fate == "ok":
                        entries.append({"id": t["id"], "ok": True, "ticket": {}})
                        acknowledged.add(t["id"])
                    elif fate == "refused":
                        entries.append({"id": t["id"], "ok": False,
                                        "error": {"code": "invalid_state"}})
                        acknowledged.add(t["id"])
                    elif fate == "late":
                        entries.append({"id": t["id"], "ok": False,
                                        "error": {"code": "internal"}})
                queue += sends(flow.on_result(cmd.cmd_id, {"ok": True, "data": entries}),
                               "sync_offline")
    rows = journal.tickets()
    assert len(printed) == len(set(printed)) == len(rows)  # each number on paper once
    assert sorted(printed) == sorted(r["number"] for r in rows)  # every paper is journaled
    synced = {r["id"] for r in rows if r["synced"]}
    assert synced == acknowledged  # cleared exactly when acknowledged
    pending = {t.id for t in journal.unsynced(10_000)}
    assert pending == {r["id"] for r in rows} - acknowledged  # the rest is still to send
    journal.close()


def test_printable_ticket_carries_the_offline_mark(model):
    data = {"id": "k_k_1", "number": "A901", "service": "paspor-baru", "lane": "reguler",
            "issued_at": "2026-11-23T10:00:00.000+07:00", "status_url": "http://h/t/x",
            "ahead": None, "estimated_wait_s": None, "offline": True}
    ticket = printable_ticket(data, model, "id")
    assert ticket.offline and ticket.estimated_wait_s is None and ticket.ahead == 0
