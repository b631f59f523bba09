"""The counter console's look: the style sheet, colours, and the small helpers every
console widget uses to take part in it (named labels, lane colours)."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QWidget

from office_client.pairing_screen import PairingTheme

FONT_FAMILY = "DejaVu Sans"
STATE_COLOURS = {"idle": "#334155", "called": "#1d4ed8", "serving": "#15803d",
                 "paused": "#b45309", "logged_out": "#334155"}
LANE_COLOURS = {"reguler": "#64748b", "disabilitas": "#0e7490", "lansia": "#7c3aed",
                "ibu-anak": "#be185d"}
PRIORITY_FALLBACK = "#c2410c"
# The pairing screen (an unpaired console's code) in the console's colours.
PAIRING_THEME = PairingTheme(
    bg="#eef2f7", panel="#ffffff", panel_edge="#cbd5e1", text="#0f172a", muted="#475569",
    code="#1d4ed8", notice_bg="#fef3c7", notice_fg="#92400e", font_family=FONT_FAMILY)

STYLE = """
QMainWindow, #root { background: #eef2f7; }
QLabel { color: #0f172a; }
#topbar { background: #0f172a; }
#topbar QLabel { color: #e2e8f0; }
#topCounter { color: white; font-size: 26px; font-weight: bold; }
#topOffice { color: #94a3b8; font-size: 15px; }
#topOfficer { color: #e2e8f0; font-size: 17px; }
#topClock { color: white; font-size: 22px; font-weight: bold; }
#langButton { background: #1e293b; color: #e2e8f0; border: 1px solid #475569;
  border-radius: 6px; padding: 6px 12px; font-size: 14px; }
#banner { background: #b91c1c; }
#banner QLabel { color: white; font-size: 20px; font-weight: bold; }
#notice { border-radius: 8px; }
#notice QLabel { font-size: 17px; font-weight: bold; }
#card { background: white; border-radius: 14px; border: 1px solid #cbd5e1; }
#cardTitle { color: #475569; font-size: 15px; font-weight: bold; }
#stateStrip { border-top-left-radius: 14px; border-top-right-radius: 14px; }
#stateStrip QLabel { color: white; font-size: 22px; font-weight: bold; }
#bigNumber { font-size: 140px; font-weight: bold; color: #0f172a; }
#serviceLine { font-size: 22px; color: #1e293b; }
#hint { font-size: 22px; color: #475569; }
#tileCaption { color: #64748b; font-size: 14px; font-weight: bold; }
#tileValue { color: #0f172a; font-size: 24px; font-weight: bold; }
#reasonValue { color: #0f172a; font-size: 19px; font-weight: bold; }
#counterTimes { color: #0f172a; font-size: 21px; font-weight: bold; }
#statValue { color: #0f172a; font-size: 28px; font-weight: bold; }
#statCaption { color: #64748b; font-size: 13px; }
QPushButton#action { background: #1e293b; color: white; border: none; border-radius: 10px;
  min-height: 50px; text-align: left; }
QPushButton#action[primary="true"] { background: #1d4ed8; }
QPushButton#action[danger="true"] { background: #9f1239; }
QPushButton#action[good="true"] { background: #15803d; }
QPushButton#action:disabled { background: #d5dbe3; }
QPushButton#action[pending="true"] { background: #64748b; }
#actionLabel { color: white; font-size: 17px; font-weight: bold; }
#actionLabel:disabled { color: #8a94a3; }
#keyChip { color: #0f172a; background: #f8fafc; border-radius: 5px; font-size: 14px;
  font-weight: bold; padding: 3px 7px; font-family: "DejaVu Sans Mono"; }
#keyChip:disabled { color: #8a94a3; background: #e8ecf1; }
QTableWidget { background: white; border: none; font-size: 19px; gridline-color: #e2e8f0;
  selection-background-color: #fde68a; selection-color: #0f172a; }
QHeaderView::section { background: #f1f5f9; color: #475569; font-size: 14px;
  font-weight: bold; border: none; padding: 6px; }
#countsText { font-size: 15px; }
#alertRow { font-size: 15px; font-weight: bold; padding: 5px 8px; border-radius: 6px; }
#overlayCard { background: white; border-radius: 16px; }
#dialogTitle { font-size: 26px; font-weight: bold; }
#fieldLabel { font-size: 15px; color: #475569; font-weight: bold; }
QComboBox, QLineEdit { font-size: 20px; padding: 8px; border: 2px solid #cbd5e1;
  border-radius: 8px; background: white; color: #0f172a; min-height: 30px; }
QComboBox:focus, QLineEdit:focus { border-color: #1d4ed8; }
QCheckBox#dialogCheck { font-size: 18px; color: #0f172a; spacing: 10px; }
QCheckBox#dialogCheck::indicator { width: 22px; height: 22px; }
QPushButton#dialogButton { font-size: 18px; font-weight: bold; padding: 12px 24px;
  border-radius: 10px; background: #e2e8f0; color: #0f172a; border: none; }
QPushButton#dialogButton[primary="true"] { background: #1d4ed8; color: white; }
QPushButton#dialogButton:disabled { background: #e5e7eb; color: #9ca3af; }
#loginCard { background: white; border-radius: 18px; border: 1px solid #cbd5e1; }
#loginTitle { font-size: 34px; font-weight: bold; }
#loginSub { font-size: 17px; color: #475569; }
#loginError { font-size: 17px; color: #b91c1c; font-weight: bold; }
"""


def named_label(text: str = "", name: str | None = None, wrap: bool = False) -> QLabel:
    """A label with a style-sheet name (`#name` in STYLE)."""
    label = QLabel(text)
    if name:
        label.setObjectName(name)
    label.setWordWrap(wrap)
    return label


def repolish(widget: QWidget) -> None:
    """Re-apply STYLE after a dynamic property the sheet selects on has changed."""
    widget.style().unpolish(widget)
    widget.style().polish(widget)


def lane_colour(lane: str, priority: bool) -> str:
    return LANE_COLOURS.get(lane) or (PRIORITY_FALLBACK if priority else "#64748b")

