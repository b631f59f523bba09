"""pytest-qt flows: the real console window against the real server, keyboard first."""

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase

from i18n import t
from tests.counter_console.conftest import close_connection, stop_server


def login_by_keyboard(qtbot, console, officer="budi", pin="1234", counter=None):
    screen = console.window.login_screen
    if counter:
        screen.counter.setCurrentIndex(screen.counter.findData(counter))
    qtbot.keyClicks(screen.officer, officer)
    qtbot.keyClick(screen.officer, Qt.Key.Key_Return)  # Enter moves to the PIN
    qtbot.keyClicks(screen.pin, pin)
    qtbot.keyClick(screen.pin, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: console.desk.state() != "logged_out", timeout=5000)


def settle(qtbot, desk, state):
    """The state is shown and the command that led there is confirmed."""
    qtbot.waitUntil(lambda: desk.state() == state and not desk.pending, timeout=5000)


def key(qtbot, console, k, modifier=Qt.KeyboardModifier.NoModifier):
    qtbot.keyClick(console.window.desk_screen.table, k, modifier)


def test_real_font_is_available(qapp):
    assert "DejaVu Sans" in QFontDatabase.families()


def test_keyboard_only_shift(qtbot, live_server, kiosk, make_console):
    kiosk.issue("paspor-baru", "reguler")
    kiosk.issue("paspor-baru", "lansia")
    console = make_console("console-1", counter="loket-1")
    assert console.window.stack.currentWidget() is console.window.login_screen
    login_by_keyboard(qtbot, console, counter="loket-1")
    desk = console.desk
    assert desk.counter_id == "loket-1"
    qtbot.waitUntil(lambda: len(desk.waiting_list()) == 2, timeout=5000)
    assert console.window.desk_screen.buttons["call_next"].isEnabled()
    assert not console.window.desk_screen.buttons["finish"].isEnabled()
    assert console.window.desk_screen.buttons["call_next"].chip.text() == "F1"

    key(qtbot, console, Qt.Key.Key_F1)  # priority lane first
    settle(qtbot, desk, "called")
    view = desk.view()
    assert view.current.number == "A002"
    assert view.current.reason_text == "Jalur prioritas: Lansia 60+"
    assert console.window.desk_screen.number.text() == "A002"
    key(qtbot, console, Qt.Key.Key_F3)
    settle(qtbot, desk, "serving")
    key(qtbot, console, Qt.Key.Key_F4)
    settle(qtbot, desk, "idle")
    qtbot.waitUntil(lambda: desk.view().served == 1, timeout=5000)

    key(qtbot, console, Qt.Key.Key_F1)
    settle(qtbot, desk, "called")
    assert desk.view().current.reason_text == "Urutan kedatangan"
    key(qtbot, console, Qt.Key.Key_F5)  # no-show
    qtbot.waitUntil(lambda: desk.state() == "idle" and desk.view().no_show == 1, timeout=5000)
    assert not desk.allowed("call_next")  # nothing left to call

    key(qtbot, console, Qt.Key.Key_F7)  # pause: dialog, first preset, Enter
    assert console.window.pause_dialog.isVisible()
    qtbot.keyClicks(console.window.pause_dialog.text, "ke ruang arsip")
    qtbot.keyClick(console.window.pause_dialog.text, Qt.Key.Key_Return)
    settle(qtbot, desk, "paused")
    assert desk.counter["pause_reason"] == "Istirahat: ke ruang arsip"
    assert "Istirahat" in console.window.desk_screen.hint.text()
    key(qtbot, console, Qt.Key.Key_F7)  # resume
    settle(qtbot, desk, "idle")

    key(qtbot, console, Qt.Key.Key_F12)  # language
    assert desk.lang == "en"
    assert console.window.desk_screen.buttons["call_next"].text_label.text() == "Call next"
    key(qtbot, console, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot, desk, "logged_out")
    assert console.window.stack.currentWidget() is console.window.login_screen


def test_double_press_calls_one_ticket(qtbot, live_server, kiosk, make_console):
    for _ in range(3):
        kiosk.issue()
    console = make_console("console-3")  # bound to loket-3
    assert not console.window.login_screen.counter.isVisible()
    login_by_keyboard(qtbot, console)
    assert console.desk.counter_id == "loket-3"
    qtbot.waitUntil(lambda: len(console.desk.waiting_list()) == 3, timeout=5000)
    key(qtbot, console, Qt.Key.Key_F1)
    assert not console.window.desk_screen.buttons["call_next"].isEnabled()  # pending
    key(qtbot, console, Qt.Key.Key_F1)
    console.window.desk_screen.buttons["call_next"].click()
    qtbot.waitUntil(lambda: console.desk.state() == "called" and not console.desk.pending,
                    timeout=5000)
    assert len(console.desk.waiting_list()) == 2
    assert [c["ticket"]["number"] for c in console.connection.model.recent_calls] == ["A001"]


def test_transfer_and_call_specific_with_confirmation(qtbot, live_server, kiosk,
                                                      make_console):
    for _ in range(3):
        kiosk.issue()
    console = make_console("console-1")
    login_by_keyboard(qtbot, console, counter="loket-1")
    desk, window = console.desk, console.window
    qtbot.waitUntil(lambda: len(desk.waiting_list()) == 3, timeout=5000)
    # call A003 out of order: select it, F8, confirm with Enter
    window.desk_screen.table.selectRow(2)
    key(qtbot, console, Qt.Key.Key_F8)
    assert window.confirm_dialog.isVisible()
    assert "A003" in window.confirm_dialog.card_parts.title.text()
    qtbot.keyClick(window.confirm_dialog, Qt.Key.Key_Return)
    settle(qtbot, desk, "called")
    assert desk.view().current.number == "A003"
    assert desk.view().current.reason_text.startswith("Dipanggil manual")
    # transfer to the next stage, to loket-2, with a note
    key(qtbot, console, Qt.Key.Key_F6)
    dialog = window.transfer_dialog
    assert dialog.isVisible()
    assert dialog.service.currentData() == "paspor-baru"
    assert dialog.stage.currentData() == "foto-wawancara"  # the next stage by default
    dialog.counter.setCurrentIndex(dialog.counter.findData("loket-2"))
    qtbot.keyClicks(dialog.note, "berkas lengkap")
    # F12 while the dialog is open: it speaks the new language and keeps every choice
    qtbot.keyClick(dialog.note, Qt.Key.Key_F12)
    assert desk.lang == "en"
    assert dialog.captions[0].text() == t("console.transfer_service", "en") != \
        t("console.transfer_service", "id")
    assert dialog.card_parts.cancel.text().startswith(t("console.dialog_cancel", "en"))
    assert dialog.counter.itemText(0) == t("console.transfer_any_counter", "en")
    assert (dialog.service.currentData(), dialog.stage.currentData(),
            dialog.counter.currentData(), dialog.note.text()) == (
        "paspor-baru", "foto-wawancara", "loket-2", "berkas lengkap")
    qtbot.keyClick(dialog.note, Qt.Key.Key_F12)
    assert dialog.captions[0].text() == t("console.transfer_service", "id")
    qtbot.keyClick(dialog.note, Qt.Key.Key_Return)
    settle(qtbot, desk, "idle")
    assert not dialog.isVisible()
    moved = next(tk for tk in console.connection.model.waiting if tk["number"] == "A003")
    assert moved["stage"] == "foto-wawancara" and moved["to_counter"] == "loket-2"
    assert "A003" not in [r.number for r in desk.waiting_rows()]  # reserved for loket-2
    # Escape closes a dialog without sending anything
    window.desk_screen.table.selectRow(0)
    key(qtbot, console, Qt.Key.Key_F8)
    number = desk.waiting_rows()[0].number
    qtbot.keyClick(window.confirm_dialog, Qt.Key.Key_F12)  # the confirmation follows too
    assert window.confirm_dialog.card_parts.title.text() == t(
        "console.confirm_call_title", "en", number=number)
    qtbot.keyClick(window.confirm_dialog, Qt.Key.Key_Escape)
    assert not window.confirm_dialog.isVisible() and desk.state() == "idle"


def test_server_restart_mid_shift(qtbot, live_server, kiosk, make_console):
    kiosk.issue()
    kiosk.issue()
    console = make_console("console-1")
    login_by_keyboard(qtbot, console, counter="loket-2")
    desk, window = console.desk, console.window
    key(qtbot, console, Qt.Key.Key_F1)
    settle(qtbot, desk, "called")
    stop_server(qtbot, live_server)
    qtbot.waitUntil(lambda: desk.connection != "online", timeout=5000)
    assert window.banner.isVisible()
    assert not window.desk_screen.buttons["start_service"].isEnabled()
    live_server.restart()
    qtbot.waitUntil(lambda: desk.connection == "online", timeout=20000)
    assert not window.banner.isVisible()
    assert desk.counter_id == "loket-2" and desk.state() == "called"  # still logged in
    key(qtbot, console, Qt.Key.Key_F3)
    settle(qtbot, desk, "serving")
    key(qtbot, console, Qt.Key.Key_F4)
    settle(qtbot, desk, "idle")
    key(qtbot, console, Qt.Key.Key_F1)
    settle(qtbot, desk, "called")
    assert desk.view().current.number == "A002"


def test_a_restarted_console_asks_for_the_pin_again(qtbot, live_server, kiosk, make_console):
    # The officer's session belongs to the connection that logged in: a new app with the
    # same device token is no officer until the PIN is given again.
    first = make_console("console-1")
    login_by_keyboard(qtbot, first, counter="loket-2")
    close_connection(qtbot, first.connection)
    again = make_console("console-1")
    qtbot.waitUntil(lambda: again.connection.online, timeout=5000)
    assert again.desk.state() == "logged_out"
    assert again.window.stack.currentWidget() is again.window.login_screen
    login_by_keyboard(qtbot, again, counter="loket-2")
    assert again.desk.counter_id == "loket-2"
    assert again.desk.view().officer_name == "Budi Santoso"


def test_wrong_pin_is_told(qtbot, live_server, make_console):
    console = make_console("console-2", lang="en")
    login_by_keyboard_fail = console.window.login_screen
    qtbot.keyClicks(login_by_keyboard_fail.officer, "budi")
    qtbot.keyClicks(login_by_keyboard_fail.pin, "0000")
    qtbot.keyClick(login_by_keyboard_fail.pin, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: console.desk.notice is not None, timeout=5000)
    assert console.desk.notice.text == "Wrong officer id or PIN"
    assert login_by_keyboard_fail.error.text() == "Wrong officer id or PIN"
    assert console.desk.state() == "logged_out"


def test_a_no_show_comes_back_and_a_ticket_is_cancelled_by_keyboard(qtbot, live_server, kiosk,
                                                                    make_console):
    """F5 no-show; the applicant comes back: F10, Enter, and they are called here again
    (the server reinstates, the console calls). F9 cancels with a reason; the selected
    waiting ticket when the desk is free."""
    kiosk.issue()
    kiosk.issue()
    console = make_console("console-1")
    login_by_keyboard(qtbot, console, counter="loket-1")
    desk, window = console.desk, console.window
    qtbot.waitUntil(lambda: len(desk.waiting_list()) == 2, timeout=5000)
    assert not desk.enabled("reinstate")
    key(qtbot, console, Qt.Key.Key_F1)
    settle(qtbot, desk, "called")
    key(qtbot, console, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: desk.state() == "idle" and desk.enabled("reinstate"), timeout=5000)

    key(qtbot, console, Qt.Key.Key_F10)
    dialog = window.reinstate_dialog
    assert dialog.isVisible() and dialog.ticket.currentText().startswith("A001 · Paspor Baru")
    assert dialog.call_now.isChecked()
    qtbot.keyClick(dialog, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: desk.state() == "called" and not desk.pending, timeout=5000)
    assert desk.view().current.number == "A001"
    assert desk.view().current.reason_text.startswith("Dipanggil manual")

    key(qtbot, console, Qt.Key.Key_F9)  # the current ticket
    cancel = window.cancel_dialog
    assert cancel.isVisible() and "A001" in cancel.card_parts.title.text()
    cancel.reason.setCurrentIndex(cancel.reason.findData("cancel_documents"))
    qtbot.keyClicks(cancel.text, "KK belum dibawa")
    qtbot.keyClick(cancel.text, Qt.Key.Key_Return)
    settle(qtbot, desk, "idle")
    history = [e for e in live_server_events(live_server) if e["name"] == "ticket_cancelled"]
    assert history[-1]["reason"] == "Berkas tidak lengkap: KK belum dibawa"
    assert history[-1]["by"] == "budi"

    window.desk_screen.table.clearSelection()
    key(qtbot, console, Qt.Key.Key_F9)  # idle, nothing selected: says so
    assert not cancel.isVisible() and desk.notice.text == t("console.select_first", "id")
    window.desk_screen.table.selectRow(0)
    key(qtbot, console, Qt.Key.Key_F9)
    assert "A002" in cancel.card_parts.title.text()
    qtbot.keyClick(cancel, Qt.Key.Key_Return)  # the first preset is a reason
    qtbot.waitUntil(lambda: desk.waiting_list() == [] and not desk.pending, timeout=5000)


def live_server_events(live_server) -> list[dict]:
    """The server's audit trail of ticket events, read from its SQLite file."""
    import json
    import sqlite3

    with sqlite3.connect(live_server.db_path) as conn:
        rows = conn.execute("SELECT name, payload FROM events ORDER BY seq").fetchall()
    return [{"name": name, **json.loads(payload)} for name, payload in rows]
