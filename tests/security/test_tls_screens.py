"""A refused server certificate is said on every screen, in both languages — not shown as
an ordinary "offline" that someone might wait out or work around."""

from __future__ import annotations

from tls_helpers import Impostor

from antrean.tls import init_tls
from counter_console.desk import Desk
from display_board.app import BoardController
from i18n import t
from kiosk.flow import KioskFlow
from office_client.connection import CERTIFICATE_REJECTED
from office_client.model import OfficeModel


def test_kiosk_and_console_say_the_certificate_changed():
    for lang, words in (("id", "Sertifikat server berubah"),
                        ("en", "Server certificate changed")):
        flow = KioskFlow(OfficeModel(), lang=lang)
        flow.set_connection(CERTIFICATE_REJECTED)
        banner = flow.banner()
        assert banner is not None and banner.kind == "offline"
        assert banner.text.lower().startswith(words.lower())
        desk = Desk(OfficeModel(), lambda *a, **k: None, lang=lang)
        desk.set_connection(CERTIFICATE_REJECTED)
        assert desk.view().banner.lower().startswith(words.lower())


def test_board_shows_the_refused_certificate(qtbot, tmp_path):
    office = init_tls(tmp_path / "office")
    impostor_files = init_tls(tmp_path / "impostor", hosts=["127.0.0.1"])
    with Impostor(impostor_files.cert.parent) as impostor:
        board = BoardController(impostor.url, token="t", device="board-1", voice=False,
                                cert_sha256=office.fingerprint)
        with qtbot.waitSignal(board.connection.certificate_refused, timeout=15000):
            board.start()
        view = board.board.view()
        assert not view.online and view.certificate_rejected
        assert t("board.certificate_rejected", "en") == \
            "Server certificate changed · not connected"
        board.screen.resize(1280, 720)
        assert not board.screen.grab().isNull()  # paints the badge
        board.stop()
    assert impostor.received == []
