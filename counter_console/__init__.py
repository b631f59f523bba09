"""The counter console (`antrean counter`): the officer's desk app.

`desk.py` owns what is shown and which actions are allowed (no Qt); `screens.py` draws it;
`buttons.py` wires physical call buttons in; `app.py` is the entry point; `gallery.py`
renders screenshots.
"""
