"""The kiosk: where every applicant takes a queue number (PySide6, touch first).

Modules: `flow` (view logic, no Qt), `controller` (glue to the connection, printer and
voice), `screens`/`widgets` (painted Qt screens), `devices` (printer worker thread, serial
scanner), `voice` (spoken guidance), `app` (`antrean kiosk`), `gallery` (screenshots).
"""
