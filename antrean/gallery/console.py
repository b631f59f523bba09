"""Screenshots of the counter console on the story's morning, in both languages.

`render_gallery(out_dir)` plays the story of antrean/gallery/story.py (one office, one
clock, the same tickets as every other gallery): Budi at Loket 3 works through the real
console (console-3), everyone else through plain protocol clients. The window is grabbed
offscreen: logged out, idle at 08:30 (Kiosk lobi 2 out of paper) with the dialog for a
no-show who came back, serving at 08:40 with the transfer and cancel dialogs, a call not
yet answered at 08:45 (when it becomes a no-show by itself), and offline.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QApplication

from antrean.gallery.story import DESKS, Cast, Step, StoryLog, story_office, wait_until
from counter_console.app import Console, build_console
from office_client.connection import OfficeConnection

SIZE = (1366, 768)
LANGS = ("id", "en")
DESK = "loket-3"  # the story's counter this gallery shows (its console is console-3)


def command(conn: OfficeConnection, name: str, args: dict[str, Any]) -> dict[str, Any]:
    results: list[dict[str, Any]] = []
    conn.send_command(name, args, results.append)
    if not wait_until(lambda: bool(results)):
        raise RuntimeError(f"{name}: no result")
    return results[0]


def desk_do(console: Console, intent: Callable[[], bool]) -> None:
    if not intent():
        raise RuntimeError(f"desk refused: {console.desk.notice}")
    wait_until(lambda: not console.desk.pending)
    if console.desk.notice and console.desk.notice.kind == "error":
        raise RuntimeError(console.desk.notice.text)


def render_gallery(out_dir: Path, size: tuple[int, int] = SIZE,
                   extra_sizes: tuple[tuple[int, int], ...] = ((1920, 1080),),
                   ) -> list[Path]:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication([])
    assert app is not None
    written: list[Path] = []
    story = StoryLog("console")
    with story_office() as office:
        clock = office.clock
        device, officer, pin = DESKS[DESK]
        console = build_console(office.url, office.tokens[device], device,
                                desk_kwargs={"clock": clock})
        console.connection.start()
        wait_until(lambda: console.connection.online)
        window = console.window
        window.resize(*size)
        window.show()
        desk = console.desk

        def shoot(name: str, sizes: tuple[tuple[int, int], ...] = ()) -> None:
            for lang in LANGS:
                desk.set_lang(lang)
                window.refresh()
                app.processEvents()
                path = out_dir / f"console-{name}-{lang}.png"
                window.grab().save(str(path))
                written.append(path)
                view = desk.view()
                shown = [{"number": view.current.number, "service": view.current.service_name,
                          "lane": view.current.lane_name, "counter": view.counter_name}] \
                    if view.current else []
                story.shot(f"console-{name}", clock, time_text=view.clock_text, lang=lang,
                           tickets=shown)
            for w, h in sizes:
                desk.set_lang("id")
                window.resize(w, h)
                app.processEvents()
                window.refresh()
                app.processEvents()
                path = out_dir / f"console-{name}-id-{w}x{h}.png"
                window.grab().save(str(path))
                written.append(path)
                window.resize(*size)
                app.processEvents()

        def loket_3(step: Step) -> dict[str, Any] | None:
            """Budi's steps, pressed on the real console."""
            if step.action == "login":
                desk_do(console, lambda: desk.login(officer, pin))
                return None
            press = {"call_next": desk.call_next, "start": desk.start_service,
                     "finish": desk.finish, "no_show": desk.no_show,
                     "recall": desk.recall}[step.action]
            desk_do(console, press)
            return desk.current_ticket if step.action == "call_next" else None

        def caught_up() -> None:
            seq = cast.server_seq()
            wait_until(lambda: console.connection.model.seq >= seq)

        shoot("logged-out")
        cast = Cast(office, clock, parts={DESK: loket_3},
                    after_step=lambda: app.processEvents())
        cast.play("hall")
        caught_up()
        wait_until(lambda: bool(console.connection.model.device_status), timeout_s=7)
        shoot("idle")
        window.trigger("reinstate")  # the 08:15 no-show is back at the desk
        shoot("reinstate")
        window.reinstate_dialog.close_dialog()

        cast.play("serving")
        caught_up()
        # the server checks service levels every few seconds: wait for Paspor Baru's alert
        wait_until(lambda: "paspor-baru/wait" in console.connection.model.alerts, timeout_s=7)
        shoot("serving-priority", extra_sizes)

        window.trigger("transfer")
        window.transfer_dialog.note.setText("Berkas lengkap, lanjut foto")
        shoot("transfer")
        window.transfer_dialog.close_dialog()
        window.trigger("cancel")
        window.cancel_dialog.text.setText("Pemohon memilih datang besok")
        shoot("cancel")
        window.cancel_dialog.close_dialog()

        cast.play("busy")  # Budi called the next at 08:43:50; nobody has come yet
        caught_up()
        shoot("called")
        cast.close()

        # stop the server off this thread: Qt must keep answering its close frames
        stopper = threading.Thread(target=office.server.stop)
        stopper.start()
        wait_until(lambda: not stopper.is_alive() and not console.connection.online, timeout_s=15)
        shoot("offline")

        console.stop()
        console.window.deleteLater()
        app.processEvents()
    written.append(story.write(out_dir))
    return written


if __name__ == "__main__":
    import sys
    for p in render_gallery(Path(sys.argv[1] if len(sys.argv) > 1 else "gallery-out")):
        print(p)
