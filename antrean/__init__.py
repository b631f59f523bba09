"""The `antrean` command line and the demo office: the composition root that wires the
server, the apps, the reports and the simulator together. Nothing below imports it."""
